"""Against a real Chroma server (`chroma run`) instead of the embedded store."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from coach.app import build_coach
from coach.config import load_settings
from coach.errors import ConfigError
from coach.providers.chroma import make_client
from coach.store import GuidanceIndex
from tests.servers import free_port, stop

CHROMA = Path(sys.executable).with_name("chroma")
STARTUP_SECONDS = 60

PDSA = """# PDSA cycles

## The four stages of a PDSA cycle

A Plan-Do-Study-Act (PDSA) cycle tests one change idea on a small scale before it is rolled out.
The four stages of a PDSA cycle are plan, do, study and act.
"""

RUN_CHARTS = """# Run charts

## Reading a run chart

A run chart plots a measure over time with the median drawn as a centre line.
"""


def wait_for_heartbeat(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"chroma run exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"chroma run did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A real Chroma server on a free local port, stopped after the module."""
    if not CHROMA.exists():
        pytest.skip(f"the chroma executable is not installed next to Python ({CHROMA})")
    root = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(root / "data"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_heartbeat(url, process, log)
        yield url
    finally:
        stop(process, timeout=15)


@pytest.mark.slow
def test_ingest_and_ask_through_a_chroma_server(chroma_url, make_settings, embedder, write_md):
    settings = make_settings(chroma_url=chroma_url)
    write_md(settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles", kind="method")
    write_md(settings.knowledge_dir / "run-charts.md", RUN_CHARTS, title="Run charts",
             kind="method")
    coach = build_coach(settings, embedder=embedder)

    report = coach.ingest()

    assert sorted(report.added) == ["pdsa.md", "run-charts.md"]
    assert report.chunks_total == coach.count() > 0
    assert not settings.chroma_path.exists()  # nothing embedded under COACH_HOME
    server_side = GuidanceIndex(make_client(settings), settings.collection,
                                embedder.model_name, embedder.dimension)
    assert server_side.count() == report.chunks_total

    answer = coach.ask("What are the four stages of a PDSA cycle?")

    assert answer.refused is False
    assert answer.citations[0].source == "pdsa.md"
    assert "plan, do, study and act" in answer.text
    assert {c.text for c in answer.citations} <= {p.text for p in answer.passages}

    again = build_coach(settings, embedder=embedder).ingest()

    assert again.changed is False
    assert sorted(again.unchanged) == ["pdsa.md", "run-charts.md"]
    assert again.chunks_total == report.chunks_total


def test_non_http_chroma_url_is_a_config_error(tmp_path, monkeypatch, embedder):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COACH_CHROMA_URL", "ftp://x")
    settings = load_settings()

    with pytest.raises(ConfigError) as err:
        build_coach(settings, embedder=embedder)

    assert "COACH_CHROMA_URL='ftp://x'" in str(err.value)
    assert "http" in str(err.value)


def test_unreachable_chroma_server_is_a_config_error(make_settings, embedder):
    settings = make_settings(chroma_url=f"http://127.0.0.1:{free_port()}")

    with pytest.raises(ConfigError) as err:
        build_coach(settings, embedder=embedder)

    assert "Cannot reach the Chroma server" in str(err.value)
    assert "COACH_CHROMA_URL" in str(err.value)
