"""Against a real Chroma server (`chroma run`, the ``chroma_url`` fixture in conftest.py)
instead of the embedded store."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from coach.app import build_coach
from coach.config import load_settings
from coach.errors import ConfigError
from coach.providers.chroma import make_client
from coach.store import GuidanceIndex
from tests.servers import free_port

PDSA = """# PDSA cycles

## The four stages of a PDSA cycle

A Plan-Do-Study-Act (PDSA) cycle tests one change idea on a small scale before it is rolled out.
The four stages of a PDSA cycle are plan, do, study and act.
"""

RUN_CHARTS = """# Run charts

## Reading a run chart

A run chart plots a measure over time with the median drawn as a centre line.
"""


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


@pytest.mark.slow
def test_two_replicas_reindexing_at_once_write_one_consistent_index(
        chroma_url, make_settings, embedder, write_md, tmp_path):
    """Two `coach ingest` processes (replicas sharing the database and the Chroma server)
    started while a third holds the index lock: each is told who is writing and waits, then
    they write one after the other, so the second finds nothing to do and the index, the
    chunk count and the lexical fingerprint are those of one ingest."""
    import os

    from coach.db import open_database
    from coach.db.locks import named_lock
    from coach.retrieval.lexical import fingerprint, lexical_text

    settings = make_settings(chroma_url=chroma_url, collection="replicas")
    write_md(settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles", kind="method")
    write_md(settings.knowledge_dir / "run-charts.md", RUN_CHARTS, title="Run charts",
             kind="method")
    db_url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    db = open_database(make_settings(database_url=db_url))
    logs = [tmp_path / f"replica-{n}.log" for n in (1, 2)]
    procs = []
    with named_lock(db, "index"):
        for n, log in enumerate(logs, 1):
            env = {**os.environ, "COACH_HOME": str(tmp_path / f"home-{n}"),
                   "COACH_KNOWLEDGE_DIR": str(settings.knowledge_dir),
                   "COACH_CHROMA_URL": chroma_url, "COACH_COLLECTION": "replicas",
                   "COACH_DATABASE_URL": db_url}
            with log.open("w") as sink:
                procs.append(subprocess.Popen([sys.executable, "-m", "coach.cli", "ingest"],
                                              env=env, stdout=sink, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 300
        while not all("waiting for it to finish" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            assert all(p.poll() is None for p in procs), [log.read_text() for log in logs]
            time.sleep(0.5)
    assert [p.wait(timeout=300) for p in procs] == [0, 0], [log.read_text() for log in logs]
    outputs = [log.read_text() for log in logs]
    assert sum("2 added" in out for out in outputs) == 1, outputs
    idle = "Nothing changed: 2 file(s) already up to date"
    assert sum(idle in out for out in outputs) == 1, outputs

    index = GuidanceIndex(make_client(settings), "replicas", embedder.model_name,
                          embedder.dimension)
    chunks = list(index.all_chunks())
    assert len(chunks) == index.count() == len({pid for pid, _, _ in chunks})
    assert {meta["source"] for _, _, meta in chunks} == {"pdsa.md", "run-charts.md"}
    assert index.lexical_fingerprint() == fingerprint(
        [(pid, lexical_text(meta.get("title", ""), meta.get("heading", ""), text))
         for pid, text, meta in chunks])


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
