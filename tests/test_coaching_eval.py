"""The coaching suite (evals/coaching) on the shipped knowledge: through the pytest plugin (the
CI gate: known failures xfail, nothing else may fail, thresholds hold), through the runner
and `coach eval run`, and a case whose expectation cannot hold failing the run. Real embedder,
real Chroma in a temp dir, the real knowledge/ folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import settings_under

from coach.app import build_coach
from coach.cli import main
from coach.coaching.journey import load_journey
from coach.coaching.session import JourneySession
from coach.evals.coaching_cases import load_coaching_suite
from coach.evals.runner import run_suite, write_run

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SUITE = ROOT / "evals" / "coaching" / "suite.yaml"

BROKEN_SUITE = """name: broken
kind: coaching
cases: cases.yaml
thresholds: {case_pass_rate: 1.0}
"""
BROKEN_CASES = """conversations:
  - id: holds
    turns:
      - user: "coach me through step 2"
        expect: {journey: true, names_step: 2, asks_question: true, step: 2, question: 1}
  - id: cannot-hold
    turns:
      - user: "coach me through step 2"
        expect: {names_step: 5, asks_question: true, step: 2, question: 4}
      - user: "stop"
        expect: {saves_note: true}
"""


@pytest.fixture(scope="module")
def indexed(shipped_coach, tmp_path_factory):
    """A private home holding a copy of the shipped index (the progress store is written)."""
    root = tmp_path_factory.mktemp("coaching-eval")
    shutil.copytree(shipped_coach.settings.home, root / "home")
    return root


def env(monkeypatch, root):
    monkeypatch.setenv("COACH_HOME", str(root / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(KNOWLEDGE))


def broken_suite(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cases.yaml").write_text(BROKEN_CASES, encoding="utf-8")
    path = folder / "suite.yaml"
    path.write_text(BROKEN_SUITE, encoding="utf-8")
    return path


def test_the_coaching_suite_covers_the_conversations_it_should():
    suite, cases = load_coaching_suite(SUITE)
    assert len(cases) >= 8 and sum(len(c.turns) for c in cases) >= 25
    tags = {t for c in cases for t in c.tags}
    assert {"overview", "next", "in-place", "dialogue", "aside", "near-miss"} <= tags
    expects = [t.expect for c in cases for t in c.turns]
    users = [t.user.lower() for c in cases for t in c.turns]
    assert {"skip", "back", "stop"} <= set(users)
    assert any(e.adds_action is True for e in expects)
    assert sum(e.journey is False for e in expects) >= 5  # near misses that stay ordinary
    journey = load_journey(KNOWLEDGE / "journey.yaml")
    sizes = {s.number: len(s.questions) for s in journey.steps}
    for e in expects:  # every step and question a case names exists in the journey
        assert all(n in sizes for n in (e.names_step, e.step) if n)
        assert e.question is None or (e.step is not None and e.question <= sizes[e.step])
    assert suite.thresholds["note_saved"] == 1.0 and suite.known_failures


def test_the_coaching_suite_through_the_plugin(pytester, indexed, monkeypatch, capsys):
    """`pytest --eval-suite evals/coaching/suite.yaml`: one test per conversation, the known
    failures xfail, no other may fail, and the thresholds hold."""
    env(monkeypatch, indexed)
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(SUITE),
                                "--eval-out", str(indexed / "out"), "-q", "-rxX")
    out = result.stdout.str()
    with capsys.disabled():
        print("\n" + out[out.find("eval suite suite.yaml"):])
    outcomes = result.parseoutcomes()
    assert not outcomes.get("failed") and not outcomes.get("errors"), out[-6000:]
    suite, cases = load_coaching_suite(SUITE)
    ran = sum(outcomes.get(k, 0) for k in ("passed", "xfailed", "xpassed"))
    assert ran == len(cases) + 1  # every conversation, and the thresholds
    run = json.loads((indexed / "out" / "coaching" / "run.json").read_text())
    assert run["kind"] == "coaching" and run["ok"] and run["new_failures"] == []
    assert run["counts"]["turns"] == sum(len(c.turns) for c in cases)
    assert run["aggregate"]["note_saved"] == 1.0 and run["aggregate"]["action_added"] == 1.0
    html = (indexed / "out" / "coaching" / "report.html").read_text(encoding="utf-8")
    assert "Coaching eval: coaching" in html and "question_asked" in html
    # what the dialogue saved is in the store the Coach tab reads, under the case's own user
    guided = next(c for c in run["cases"] if c["id"] == "guided-board-dialogue")
    session = JourneySession.open(build_settings(indexed), guided["user"])
    step = session.progress().step("board-support")
    assert len(step.notes) == 2 and len(step.actions) == 1


def build_settings(root):
    return settings_under(root, knowledge_dir=KNOWLEDGE)


def test_an_expectation_that_cannot_hold_fails_the_run(indexed, embedder, tmp_path):
    coach = build_coach(build_settings(indexed), embedder=embedder)
    run = run_suite(coach, broken_suite(tmp_path / "broken"))
    cases = {c["id"]: c for c in run["cases"]}
    assert cases["holds"]["passed"]
    bad = cases["cannot-hold"]
    assert not bad["passed"] and not run["ok"]
    assert bad["failures"] == [
        "turn 1: does not name Step 5: Aligning and coordinating activity",
        "turn 1: does not end by asking question 4 of Step 2 (asked: 'How much board time "
        "goes to improvement compared with assurance at the moment?')",
        "turn 2: no new note"]
    assert bad["turns"][0]["checks"] == {"next_step_named": False, "question_asked": False}
    assert run["aggregate"]["case_pass_rate"] == 0.5
    assert run["aggregate"]["turn_pass_rate"] == round(1 / 3, 4)
    assert cases["holds"]["user"] != bad["user"]  # each case its own user
    _, html = write_run(run, tmp_path / "out")
    assert "does not name Step 5" in html.read_text(encoding="utf-8")


def test_coach_eval_run_and_the_plugin_fail_on_it(indexed, monkeypatch, tmp_path, pytester,
                                                  capsys):
    env(monkeypatch, indexed)
    suite = broken_suite(tmp_path / "broken")
    assert main(["eval", "run", str(suite), "--no-ingest", "--out", str(tmp_path / "run")]) == 1
    printed = capsys.readouterr().out
    assert "suite broken: 1/2 cases passed" in printed and "case_pass_rate" in printed
    assert json.loads((tmp_path / "run" / "run.json").read_text())["failing"] == ["cannot-hold"]
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite))
    result.assert_outcomes(passed=1, failed=2)  # the broken case and the thresholds
    out = result.stdout.str()
    assert "case cannot-hold FAILED: turn 1: does not name Step 5" in out
    assert "suite below its thresholds: case_pass_rate = 0.5, must be ≥ 1.0" in out


def test_the_evaluate_tab_runs_and_compares_a_coaching_suite(indexed, embedder, tmp_path):
    from coach.evals.runs import list_suites, previous_run
    from coach.ui.context import UIContext
    from coach.ui.evaluate_tab import run_and_report

    broken_suite(tmp_path / "evals" / "broken")
    settings = settings_under(indexed, knowledge_dir=KNOWLEDGE, evals_dir=tmp_path / "evals")
    ctx = UIContext(build_coach(settings, embedder=embedder), settings)
    assert list_suites(settings.evals_dir) == ["broken/suite.yaml"]  # not its cases file
    summary, frame, _, diff = run_and_report(ctx, "broken/suite.yaml")
    assert "suite broken: 1/2 cases passed" in summary and "Coaching eval" in frame
    assert diff == "No earlier run of this suite to compare with."
    first = previous_run(settings.home / "evals", "broken")
    _, _, _, diff = run_and_report(ctx, "broken/suite.yaml")  # at once: its own run folder
    assert f"Compared with {first.name}" in diff and "| case_pass_rate | 2 |" in diff
    assert "no confirmed regression" in diff
    # the runs history and the compare view read coaching runs too
    from coach.evals.history import list_runs
    from coach.evals.runner import load_run
    from coach.evals.sidebyside import compare_pair, said

    latest, earlier = list_runs(settings.home, "broken")
    assert (latest.passed, latest.cases, latest.run_by, latest.ok) == (1, 2, "local", False)
    assert latest.metrics["pass_rate"] == 0.5 and "case_pass_rate" in latest.metrics
    pair = compare_pair(settings.home, earlier.name, latest.name)
    assert pair.comparison["warnings"] == [] and pair.changed == ()
    conversation = said(load_run(latest.folder)["cases"][0])
    assert conversation.startswith("1. ") and "\n→ " in conversation
