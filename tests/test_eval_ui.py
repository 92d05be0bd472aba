"""The Evaluate tab: its handler on the real Coach (tiny suite), and the tab served by a real
Gradio server on 127.0.0.1 driven through gradio_client."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from eval_support import write_kb, write_suite

from coach.evals.runs import list_suites, previous_run
from coach.ui.context import UIContext
from coach.ui.evaluate_tab import run_and_report


@pytest.fixture
def ctx(tmp_path, make_settings, make_coach):
    write_kb(tmp_path)
    write_suite(tmp_path)  # tmp_path/evals/tiny/suite.yaml
    settings = make_settings(evals_dir=tmp_path / "evals")
    coach = make_coach(settings)
    coach.ingest()
    return UIContext(coach, settings)


def test_list_suites_finds_suite_files_only(ctx):
    evals = ctx.settings.evals_dir
    (evals / "tiny" / "known_failures.yaml").write_text("{}\n")
    assert list_suites(evals) == ["tiny/suite.yaml"]


def test_run_shows_report_and_compares_with_the_previous_run(ctx):
    steps = []
    summary, frame, report, diff = run_and_report(ctx, "tiny/suite.yaml",
                                                  lambda f, d: steps.append((f, d)))
    assert steps[-1] == (1.0, "case 4 of 4: oos-dose")
    assert "3/4 cases passed" in summary and "new failures: board-commitment" in summary
    assert frame.startswith("<iframe") and "srcdoc=" in frame and "zebra crossing" in frame
    assert report.endswith("report.html")
    assert diff == "No earlier run of this suite to compare with."
    runs = ctx.settings.home / "evals"
    first = previous_run(runs, "tiny")
    # the second run, straight away, gets its own folder and is compared with the first
    _, _, second, diff = run_and_report(ctx, "tiny/suite.yaml")
    assert f"Compared with {first.name}" in diff and "no confirmed regression" in diff
    assert second != report and previous_run(runs, "tiny") == Path(second).parent


def test_the_report_shows_dev_and_held_out_side_by_side(ctx):
    suite = ctx.settings.evals_dir / "tiny" / "suite.yaml"
    suite.write_text(suite.read_text() + "version: 3\nsplit: held-out\n")
    cases = suite.parent / "cases.jsonl"
    lines = cases.read_text().splitlines()
    lines[0] = lines[0].replace('"id": "pdsa-stages",', '"id": "pdsa-stages", "split": "dev",')
    cases.write_text("\n".join(lines) + "\n")
    summary, frame, _, _ = run_and_report(ctx, "tiny/suite.yaml")
    assert "suite tiny: 3/4 cases passed (dev 1/1, held-out 2/3)" in summary
    assert "; suite version 3" in summary
    assert "Dev and held-out splits" in frame and "suite version 3" in frame


def test_bad_choices_get_a_message(ctx):
    assert run_and_report(ctx, None)[0] == "Pick a suite first."
    assert "No suite called" in run_and_report(ctx, "../../etc/passwd")[0]
    suite = ctx.settings.evals_dir / "tiny" / "suite.yaml"
    suite.write_text(suite.read_text().replace("k: 3", "k: lots"))
    message = run_and_report(ctx, "tiny/suite.yaml")[0]
    assert message.startswith("**The suite could not run:**") and "line 3" in message


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.slow
def test_evaluate_tab_through_a_real_server(ctx, tmp_path, monkeypatch):
    """Each click writes its run folder and nothing else: no temporary directory is left in
    the system temp folder or in Gradio's cache, and the report downloads from the run folder
    through /files (sign-in off: the one user is admin)."""
    from gradio_client import Client
    from ui_helpers import downloaded, free_port, linked_paths, running_app

    temp, cache = tmp_path, tmp_path / "gradio-cache"  # the app's home is under temp too
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    settings = ctx.settings.model_copy(update={"port": free_port()})
    with running_app(ctx.coach, settings) as url:
        client = Client(url, verbose=False, download_files=False)
        before = entries(temp), entries(cache)
        summary, diff, report, frame = client.predict("tiny/suite.yaml", api_name="/evaluate")
        assert "3/4 cases passed" in summary
        assert "No earlier run" in diff and "<iframe" in frame
        _, diff, report, _ = client.predict("tiny/suite.yaml", api_name="/evaluate")
        assert "Compared with tiny-" in diff
        assert (entries(temp), entries(cache)) == before
        runs = ctx.settings.home / "evals"
        assert len(entries(runs)) == 2
        (path,) = linked_paths(settings.home, report)
        assert path.parent.parent == runs and path.is_file()
        (content,) = downloaded(url, report).values()
        assert b"zebra crossing" in content
