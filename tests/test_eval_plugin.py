"""The pytest plugin, run in-process by pytester on the tiny suite with the real Coach:
one test per case plus the suite's thresholds, failure messages with the evidence, known
failures as xfail, and a bad suite reported with its line."""

from __future__ import annotations

import pytest
from eval_support import write_kb, write_suite

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

pytest_plugins = ["pytester"]


@pytest.fixture
def tiny_env(pytester, monkeypatch, make_coach, tmp_path):
    # pytester restores sys.modules after each in-process run; importing the native pieces
    # (torch, Chroma) here first keeps them loaded once, instead of re-imported per run
    write_kb(tmp_path)
    make_coach().ingest()
    root = pytester.path
    write_kb(root)
    monkeypatch.setenv("COACH_HOME", str(root / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(root / "kb"))
    return root


def test_one_test_per_case_and_evidence_in_failures(pytester, tiny_env):
    suite = write_suite(tiny_env)
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite),
                                "-v", "--eval-out", str(tiny_env / "out"))
    result.assert_outcomes(passed=4, failed=1)  # 4 cases + the thresholds item
    out = result.stdout.str()
    for case in ("pdsa-stages", "run-shift", "board-commitment", "oos-dose", "thresholds"):
        assert f"suite.yaml::{case}" in out
    # the failure message: question, answer, the failing metric and its evidence
    assert "case board-commitment FAILED: must_include missing: 'zebra crossing'" in out
    assert "question: What should the board agree to for improvement?" in out
    assert "The board should agree a long-term commitment to improvement." in out
    assert "evidence board.md: 'agree a long-term commitment' — rank 1" in out
    assert "must_include 'zebra crossing': absent" in out
    assert "--update-known-failures" in out  # a new failure says how to accept it
    # the session reports the aggregate
    assert "eval suite suite.yaml (tiny)" in out and "thresholds: all met" in out
    assert (tiny_env / "out" / "tiny" / "report.html").is_file()


def test_known_failures_are_xfail_and_thresholds_gate(pytester, tiny_env):
    suite = write_suite(tiny_env, known={"board-commitment": "no zebra in the guidance"},
                        thresholds={"pass_rate": 0.9})
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite),
                                "-rxX")
    result.assert_outcomes(passed=3, xfailed=1, failed=1)
    out = result.stdout.str()
    assert "known failure: no zebra in the guidance" in out
    assert "suite below its thresholds: pass_rate = 0.75, must be ≥ 0.9" in out


def test_held_out_cases_run_but_never_fail_the_session(pytester, tiny_env):
    """The plugin gates the dev split: a failing held-out case is xfail, and the thresholds
    read the dev cases alone (pass rate 1.0, not the whole suite's 0.75)."""
    from eval_support import CASES

    suite = write_suite(tiny_env, thresholds={"pass_rate": 0.9},
                        cases=[{**c, "split": "held-out"} if c["id"] == "board-commitment"
                               else c for c in CASES])
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite),
                                "-rxX")
    result.assert_outcomes(passed=4, xfailed=1)
    out = result.stdout.str()
    assert "held-out case: measured and reported, never gated" in out
    assert "dev 3/3, held-out 0/1" in out and "thresholds: all met" in out


def test_selecting_some_cases_skips_the_thresholds(pytester, tiny_env):
    suite = write_suite(tiny_env)
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite),
                                "-k", "pdsa or thresholds", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    assert "only 1 of 4 cases ran" in result.stdout.str()


def test_bad_suite_is_a_collection_error_naming_the_line(pytester, tiny_env):
    suite = write_suite(tiny_env)
    suite.write_text(suite.read_text().replace("k: 3", "k: -1"))
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin", "--eval-suite", str(suite))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "suite.yaml line 3: k:" in result.stdout.str()


def test_plugin_is_inert_without_the_option(pytester):
    pytester.makepyfile("def test_ok():\n    assert True\n")
    result = pytester.runpytest("-p", "coach.evals.pytest_plugin")
    result.assert_outcomes(passed=1)
    assert "eval suite" not in result.stdout.str()
