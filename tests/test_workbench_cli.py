"""`coach project ...` and `coach chart ...` (coach/workbench/cli.py, chart_cli.py) run
in-process through coach.cli.main on a real SQLite database under a temporary COACH_HOME, with
real files (tests/data/workbench/falls.csv, invented sample data), and `coach chart` once as a
subprocess. Bad input exits 2 with one line naming the problem, and changes nothing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from coach.cli import main

ROOT = Path(__file__).resolve().parents[1]
FALLS = ROOT / "tests" / "data" / "workbench" / "falls.csv"
AIM = "Reduce falls on Ward 7 from 7.4 to 5 per 1,000 bed days by 31 March 2026"
HEADLINE = "Falls per 1,000 bed days: XmR chart (Making Data Count) of 36 points, Apr 2023 " \
           "to Mar 2026."


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def error_line(err):
    lines = [x for x in err.strip().splitlines() if not x.startswith("coach: note: ")]
    assert len(lines) == 1 and lines[0].startswith("coach: "), err
    return lines[0]


def refused(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    return error_line(err)


def store():
    from coach import load_settings
    from coach.db import open_database
    from coach.workbench.store import WorkbenchStore

    return WorkbenchStore(open_database(load_settings()))


@pytest.fixture
def falls(env, capsys):
    """Project 1 of the local user: its aim, an XmR measure with the sample data."""
    assert run(capsys, "project", "new", "Falls on Ward 7", "--aim", AIM, "--team",
               "Ward 7 nursing team", "--sponsor", "Director of nursing")[0] == 0
    assert run(capsys, "project", "measure", "1", "Falls per 1,000 bed days", "--kind",
               "outcome", "--direction", "down", "--xmr", "--target", "5", "--source",
               "Datix", "--frequency", "Monthly")[0] == 0
    assert run(capsys, "project", "data", "1", "1", FALLS)[0] == 0
    return env


@pytest.mark.slow  # about 3 s: a dozen commands, two exports with the chart drawn
def test_a_project_from_the_terminal(env, capsys):
    code, out, _ = run(capsys, "project", "new", "Falls on Ward 7", "--team", "Ward 7",
                       "--sponsor", "Director of nursing")
    assert code == 0 and out.startswith("Project 1 created: Falls on Ward 7.\nAdd its aim")
    code, out, _ = run(capsys, "project", "aim", "falls on ward 7", AIM)
    assert out == "Aim saved for project 1.\nThis aim says how much, by when and for whom.\n"
    code, out, _ = run(capsys, "project", "measure", "1", "Falls per 1,000 bed days",
                       "--kind", "outcome", "--direction", "down", "--xmr", "--target", "5")
    assert code == 0 and out.startswith("Measure 1 added to project 1: Falls per 1,000 bed")

    code, out, _ = run(capsys, "project", "data", "1", "falls per 1,000 bed days", FALLS)
    assert code == 0 and out.startswith("Imported 36 points into Falls per 1,000 bed days")
    assert HEADLINE in out
    assert "| Run (7 points in a row on one side of the mean) | Jan 2025 | Mar 2026 | 15 | " \
           "special-cause improvement |" in out

    code, out, _ = run(capsys, "project", "pdsa", "1", "--title", "Bed rails check",
                       "--plan", "Check bed rails at every handover", "--prediction",
                       "Fewer falls at night", "--planned", "2025-03-01", "--measure", "1")
    assert out == "Cycle 1 logged: Bed rails check (planned: record what happened).\n"
    code, out, _ = run(capsys, "project", "pdsa", "1", "--cycle", "1", "--do",
                       "Checked on 28 of 31 nights", "--done", "2025-03-31")
    assert out == "Cycle 1 updated: Bed rails check (done: study it against the prediction).\n"
    code, out, _ = run(capsys, "project", "score", "1", "3.5", "--on", "2026-03-31")
    assert out == "Progress score 3.5 recorded on 2026-03-31: improvement.\n"
    code, out, _ = run(capsys, "project", "list")
    assert out == "   1  Falls on Ward 7  (progress 3.5 on 2026-03-31: improvement)\n"

    code, out, _ = run(capsys, "project", "show", "1")
    assert code == 0 and out.startswith("# Falls on Ward 7\n")
    for part in (AIM, "This aim says how much, by when and for whom.", HEADLINE,
                 "Cycle 1: Bed rails check (done: study it against the prediction).",
                 "| Do | 2025-03-31 | Checked on 28 of 31 nights |",
                 "Latest: 3.5 on 2026-03-31, improvement."):
        assert part in out

    code, out, _ = run(capsys, "project", "export", "1", "--out", env / "paper")
    paper = env / "paper"
    assert out.splitlines() == [f"Wrote {paper / 'project-1-falls-on-ward-7.md'}",
                                f"Wrote {paper / 'project-1-falls-on-ward-7.docx'}"]
    markdown = (paper / "project-1-falls-on-ward-7.md").read_text(encoding="utf-8")
    assert HEADLINE in markdown and "](project-1-falls-on-ward-7-measure-1.png)" in markdown
    assert (paper / "project-1-falls-on-ward-7-measure-1.png").read_bytes()[:4] == b"\x89PNG"
    doc = Document(str(paper / "project-1-falls-on-ward-7.docx"))
    paragraphs = [p.text for p in doc.paragraphs]
    assert AIM in paragraphs
    assert any(p.startswith(HEADLINE) for p in paragraphs)
    assert "Cycle 1: Bed rails check (done: study it against the prediction). Tests the " \
           "measure: Falls per 1,000 bed days." in paragraphs
    (image,) = doc.inline_shapes
    assert image._inline.docPr.get("descr").startswith("Line chart: " + HEADLINE)

    code, out, _ = run(capsys, "project", "delete", "1", "--yes")
    assert out.startswith("Project 1 deleted (Falls on Ward 7)")
    assert store().projects("local") == []


def test_coach_chart_prints_the_reading_and_writes_the_png_and_csv(env, capsys):
    code, out, err = run(capsys, "chart", FALLS, "--direction", "down", "--xmr", "--target",
                         "5", "--out", "chart.png", "--csv", "series.csv")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Falls per 1000 bed days (sample data): XmR chart (Making Data Count) " \
                       "of 36 points, Apr 2023 to Mar 2026."
    assert lines[1] == "Mean 6.508; process limits 4.7 to 8.317."
    assert "Since Jan 2025, 15 points in a row below the mean: special-cause improvement." in out
    assert "| Point beyond a process limit | Dec 2023 | Dec 2023 | 1 | special-cause concern |" \
        in out
    assert "so it will be met some months and not others (hit and miss)" in out
    assert lines[-2:] == ["Wrote chart.png", "Wrote series.csv"]
    assert (env / "chart.png").read_bytes()[:4] == b"\x89PNG"
    series = (env / "series.csv").read_text(encoding="utf-8").splitlines()
    assert series[0].startswith("date,value,note,segment,centre,lower_limit")
    assert series[19].startswith("2024-10-01,6.9,Falls bundle started,1,")


def test_coach_chart_rebases_and_names_the_measure(env, capsys):
    code, out, _ = run(capsys, "chart", FALLS, "--direction", "down", "--rebase",
                       "2024-10-01", "--name", "Falls")
    assert code == 0
    assert out.splitlines()[:4] == [
        "Falls: Run chart of 36 points, Apr 2023 to Mar 2026.",
        "Apr 2023 to Sep 2024: median 7.25.", "Median recalculated from Oct 2024.",
        "Oct 2024 to Mar 2026: median 5.55."]  # by hand: (7.2 + 7.3) / 2, (5.5 + 5.6) / 2


def test_coach_chart_asks_which_sheet_of_a_workbook(env, capsys):
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Falls"
    second = book.create_sheet("Pressure ulcers")
    for n, row in enumerate(FALLS.read_text(encoding="utf-8").splitlines()):
        date, value, note = row.split(",")
        first.append([date, value if n == 0 else float(value), note])
        second.append([date, value if n == 0 else float(value) / 2, ""])
    book.save(env / "measures.xlsx")
    message = refused(capsys, "chart", "measures.xlsx", "--direction", "down")
    assert message == ("coach: This workbook has data on 2 sheets: 'Falls', 'Pressure ulcers'. "
                       "Choose the sheet that holds the measure. Name it with --sheet, e.g. "
                       "--sheet \"Falls\".")
    code, out, _ = run(capsys, "chart", "measures.xlsx", "--direction", "down", "--sheet",
                       "Pressure ulcers")
    assert code == 0 and out.startswith("Falls per 1000 bed days (sample data): Run chart")


@pytest.mark.parametrize("argv,message", [
    (["missing.csv", "--direction", "down"], "There is no file missing.csv"),
    (["bad.csv", "--direction", "down"], "Row 4: the value column ('falls') holds 'lots'"),
    (["bad.csv", "--direction", "sideways"], "'sideways' is not a direction of improvement"),
    ([FALLS, "--direction", "down", "--target", "five"], "The target must be a number"),
    ([FALLS, "--direction", "down", "--rebase", "March"], "The rebase date 'March' is not"),
    ([FALLS, "--direction", "down", "--out", "no/such/folder/c.png"],
     "Could not write no/such/folder/c.png: its folder does not exist."),
])
def test_coach_chart_refuses_bad_input_in_one_line(env, capsys, argv, message):
    (env / "bad.csv").write_text("date,falls\n2024-01-01,5\n2024-02-01,6\n2024-03-01,lots\n",
                                 encoding="utf-8")
    assert message in refused(capsys, "chart", *argv)
    assert sorted(p.name for p in env.iterdir()) == ["bad.csv"]  # nothing written


def test_bad_input_to_a_project_changes_nothing(falls, capsys):
    (falls / "bad.csv").write_text("date,falls\n2024-01-01,5\n2024-02-01,6\n2024-03-01,lots\n"
                                   "2024-04-01,4\n", encoding="utf-8")
    before = store().summary("local", 1)
    checks = [
        (["project", "data", "1", "1", "missing.csv"], "There is no file missing.csv"),
        (["project", "data", "1", "1", "bad.csv"], "Row 4: the value column ('falls') holds"),
        (["project", "data", "1", "2", FALLS], "Project 1 has no measure '2'"),
        (["project", "data", "1", "Pressure ulcers", FALLS], "has no measure 'Pressure ulcers'"),
        (["project", "show", "7"], "Project 7 is not one of yours"),
        (["project", "show", "Discharge before noon"],
         "No project of yours is called 'Discharge before noon'"),
        (["project", "measure", "1", "Bed rails", "--kind", "structure", "--direction", "down"],
         "'structure' is not a kind of measure"),
        (["project", "pdsa", "1", "--plan", "Check rails"], "Give the cycle a title"),
        (["project", "pdsa", "1", "--title", "Rails", "--do", "Checked"],
         "Write the plan and the prediction"),
        (["project", "pdsa", "1", "--title", "Rails", "--measure", "9"], "has no measure '9'"),
        (["project", "score", "1", "6"], "'6' is not an IHI progress score"),
        (["project", "score", "1", "2", "--on", "yesterday"], "is not a date"),
        (["project", "delete", "1"], "add --yes to confirm"),
        (["project", "aim", "1", "x" * 4001], "The aim is 4,001 characters"),
    ]
    for argv, message in checks:
        assert message in refused(capsys, *argv), argv
    assert store().summary("local", 1) == before


def test_another_users_project_reads_as_not_found_and_stays_as_it_was(falls, capsys):
    before = store().summary("local", 1)
    for argv in (["show", "1"], ["data", "1", "1", FALLS], ["aim", "1", "Mine now"],
                 ["pdsa", "1", "--title", "Rails", "--plan", "x", "--prediction", "y"],
                 ["score", "1", "2"], ["export", "1", "--out", "paper"],
                 ["delete", "1", "--yes"]):
        message = refused(capsys, "project", *argv, "--user", "sam")
        assert message.startswith("coach: Project 1 is not one of yours"), argv
    assert refused(capsys, "project", "show", "Falls on Ward 7", "--user", "sam") == \
        "coach: No project of yours is called 'Falls on Ward 7': `coach project list` shows " \
        "them, by number."
    code, out, _ = run(capsys, "project", "list", "--user", "sam")
    assert out.startswith("No projects yet")
    assert store().summary("local", 1) == before
    assert not (falls / "paper").exists()


def test_a_cycle_is_updated_only_from_its_own_project(falls, capsys):
    run(capsys, "project", "new", "Pressure ulcers")
    run(capsys, "project", "pdsa", "2", "--title", "Turning chart", "--plan", "2-hourly",
        "--prediction", "fewer ulcers")
    assert "Cycle 1 belongs to another of your projects" in refused(
        capsys, "project", "pdsa", "1", "--cycle", "1", "--do", "done")


def test_the_score_history_lists_the_scale_until_a_score_is_recorded(falls, capsys):
    code, out, _ = run(capsys, "project", "score", "1")
    assert "No progress score recorded yet." in out
    assert "  0.5  intent to take part" in out and "    5  outstanding, sustained results" in out


@pytest.mark.slow  # a fresh interpreter: about 2 s
def test_coach_chart_runs_as_a_command(tmp_path):
    script = Path(sys.executable).with_name("coach")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "coach.cli"]
    env = {**os.environ, "COACH_HOME": str(tmp_path / "home"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([*command, "chart", str(FALLS), "--direction", "down", "--out",
                           "chart.png"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Falls per 1000 bed days (sample data): Run chart of 36")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
    bad = subprocess.run([*command, "chart", "missing.csv", "--direction", "down"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                         check=False)
    assert (bad.returncode, bad.stderr.strip()) == (
        2, "coach: There is no file missing.csv: give the path of a CSV or Excel (.xlsx) file.")
