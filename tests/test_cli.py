"""The command line, run in-process with `coach.cli.main`.

main() builds its own Coach (and embedder) from the environment, so these tests are grouped to
keep the number of calls that embed anything small.
"""

from __future__ import annotations

import json

import pytest

from coach.cli import main

PDSA = """# PDSA cycles

## The four stages of a PDSA cycle

A Plan-Do-Study-Act (PDSA) cycle tests one change idea on a small scale before it is rolled out.
The four stages of a PDSA cycle are plan, do, study and act.
"""

RUN_CHARTS = """# Run charts

## Reading a run chart

A run chart plots a measure over time with the median drawn as a centre line.
"""


@pytest.fixture
def env(tmp_path, monkeypatch, make_settings, embedder):
    """COACH_HOME and COACH_KNOWLEDGE_DIR pointing into tmp_path; cwd there too (no .env).

    Asks for ``embedder`` only so that the heavy imports happen once, in the session fixture.
    """
    settings = make_settings()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    return settings


@pytest.fixture
def kb(env, write_md):
    write_md(env.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles", kind="method")
    write_md(env.knowledge_dir / "run-charts.md", RUN_CHARTS, title="Run charts", kind="method",
             coverage="Only the rules for shifts and trends are covered.")
    return env.knowledge_dir


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("coach: "), err
    return lines[0]


def test_ingest_reports_then_does_nothing_then_skips_an_unsupported_path(kb, tmp_path, capsys,
                                                                         write_md):
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "Indexed: 2 added, 0 updated, 0 removed, 0 unchanged; 0 skipped" in out
    assert "in the index" in out

    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing changed: 2 file(s) already up to date")

    stray = tmp_path / "deck.pptx"
    stray.write_bytes(b"not a slide deck")
    extra = write_md(kb / "extra.md", "# Aims\n\nA good aim says how much and by when.",
                     title="Aims")
    assert main(["ingest", str(stray), str(extra)]) == 0
    out = capsys.readouterr().out
    assert "1 added" in out
    assert "skipped deck.pptx: '.pptx' files are not read" in out


def test_ask_json_prints_the_answer_as_json(kb, make_coach, capsys):
    make_coach().ingest()  # the same COACH_HOME the CLI reads

    assert main(["ask", "--json", "What are the four stages of a PDSA cycle?"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert {"answer", "citations", "passages", "refused", "timings_ms"} <= set(data)
    assert data["refused"] is False
    assert data["citations"][0]["source"] == "pdsa.md"
    assert "[1]" in data["answer"]
    assert {c["coverage"] for c in data["citations"]} == {""}  # pdsa.md states no caveat

    assert main(["ask", "--json", "How do we read a run chart?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"][0]["coverage"] == "Only the rules for shifts and trends are covered."


def test_ask_plain_prints_the_answer_and_its_sources(kb, make_coach, capsys):
    make_coach().ingest()

    assert main(["ask", "How do we read a run chart?"]) == 0

    out = capsys.readouterr().out
    assert "[1]" in out
    assert "Sources:" in out
    assert "run-charts.md" in out
    # a cited document's coverage caveat is shown beside its citation, not in the answer
    assert "Coverage: Only the rules for shifts and trends are covered." in out
    assert "Only the rules" not in out.split("Sources:")[0]


def test_blank_question_fails_with_one_line(env, capsys):
    code = main(["ask", "   "])

    captured = capsys.readouterr()
    assert code != 0
    assert "empty" in one_line_error(captured.err)
    assert captured.out == ""


def test_ingest_missing_path_fails_with_one_line(env, capsys):
    code = main(["ingest", "/no/such/path"])

    captured = capsys.readouterr()
    assert code != 0
    assert "/no/such/path" in one_line_error(captured.err)


def test_ingest_empty_knowledge_folder_fails_with_advice(env, capsys):
    env.knowledge_dir.mkdir(parents=True)

    code = main(["ingest"])

    captured = capsys.readouterr()
    assert code != 0
    line = one_line_error(captured.err)
    assert "No guidance documents were indexed" in line
    assert str(env.knowledge_dir) in line


def test_invalid_setting_fails_naming_the_variable(env, monkeypatch, capsys):
    monkeypatch.setenv("COACH_CHUNK_SIZE", "abc")

    code = main(["ingest"])

    captured = capsys.readouterr()
    assert code != 0
    line = one_line_error(captured.err)
    assert "COACH_CHUNK_SIZE" in line and "integer" in line
    assert captured.out == ""
    assert not env.home.exists()  # nothing was built


def test_overlap_not_below_size_names_both_settings(env, monkeypatch, capsys):
    monkeypatch.setenv("COACH_CHUNK_SIZE", "300")
    monkeypatch.setenv("COACH_CHUNK_OVERLAP", "300")

    code = main(["settings"])

    line = one_line_error(capsys.readouterr().err)
    assert code != 0
    assert line == ("coach: Invalid setting — COACH_CHUNK_OVERLAP must be smaller than "
                    "COACH_CHUNK_SIZE")


def test_settings_lists_every_setting_with_its_value(env, capsys):
    assert main(["settings"]) == 0

    out = capsys.readouterr().out
    assert "COACH_HOME" in out and str(env.home) in out
    assert "COACH_CHUNK_SIZE" in out


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_serve_beyond_this_machine_without_sign_in_refuses_to_start(env, capsys, host):
    code = main(["serve", "--host", host, "--port", "1"])
    line = one_line_error(capsys.readouterr().err)
    assert code != 0
    assert f"listen on {host} without sign-in" in line
    assert "COACH_AUTH_FILE" in line and "--no-auth" in line


def test_only_loopback_hosts_may_serve_without_sign_in():
    from coach.config import Settings
    from coach.errors import ConfigError
    from coach.ui.app import OPEN_ACCESS, check_exposure, header_html, is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.1", "::1", "localhost", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "coach.nhs.uk"))
    open_net = Settings(_env_file=None, host="0.0.0.0")
    with pytest.raises(ConfigError):
        check_exposure(open_net)
    check_exposure(open_net, no_auth=True)  # a trusted network, said explicitly
    check_exposure(Settings(_env_file=None, host="127.0.0.1"))
    assert OPEN_ACCESS in header_html(open_access=True)
    assert OPEN_ACCESS not in header_html()


def test_the_page_says_when_sign_in_is_off_beyond_this_machine(make_coach):
    from coach.ui.app import OPEN_ACCESS, build_ui

    coach = make_coach()
    for open_access in (True, False):
        demo = build_ui(coach, coach.settings, open_access=open_access)
        headers = [str(getattr(b, "value", "")) for b in demo.blocks.values()
                   if getattr(b, "elem_id", None) == "app-header"]
        assert len(headers) == 1 and (OPEN_ACCESS in headers[0]) == open_access
