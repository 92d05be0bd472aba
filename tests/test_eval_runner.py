"""The runner through the real Coach (bundled embedder, real Chroma in a temp dir) on a tiny
suite, the run JSON and HTML report it writes, and the `coach eval` commands end to end."""

from __future__ import annotations

import json
import re

import pytest
from eval_support import CASES, write_kb, write_suite

from coach.cli import main
from coach.evals.runner import load_run, run_suite, write_run

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py


@pytest.fixture
def tiny(tmp_path, make_coach):
    write_kb(tmp_path)  # tmp_path/kb is the knowledge folder of make_settings()
    coach = make_coach()
    coach.ingest()
    return coach, write_suite(tmp_path)


def test_run_scores_every_case_with_evidence(tiny):
    coach, suite = tiny
    seen = []
    run = run_suite(coach, suite, progress=lambda d, t, i: seen.append((d, t, i)))
    assert seen[-1] == (4, 4, "oos-dose")
    cases = {c["id"]: c for c in run["cases"]}
    assert cases["pdsa-stages"]["passed"] and cases["run-shift"]["passed"]
    assert cases["oos-dose"]["passed"] and cases["oos-dose"]["refused"]
    board = cases["board-commitment"]
    assert not board["passed"]
    assert board["failures"] == ["must_include missing: 'zebra crossing'"]
    pdsa = cases["pdsa-stages"]
    assert pdsa["scores"]["hit_at_k"] == 1.0
    assert pdsa["evidence"]["quotes"][0]["rank"] == 1
    assert pdsa["evidence"]["passages"][0]["relevant"]
    assert pdsa["evidence"]["must_include"] == [{"pattern": "study", "found": True}]
    # the extractive answerer copies sentences, so each is grounded and correctly cited
    assert pdsa["scores"]["groundedness"] == 1.0
    assert pdsa["scores"]["citation_precision"] == 1.0
    assert all(s["supported"] and s["similarity"] > 0.5 for s in pdsa["evidence"]["sentences"])
    assert "retrieve" in pdsa["timings_ms"]
    agg = run["aggregate"]
    assert agg["pass_rate"] == 0.75 and agg["hit_at_k"] == 1.0
    assert agg["abstention_recall"] == 1.0 and agg["abstention_precision"] == 1.0
    assert run["ok"] and run["failing"] == ["board-commitment"]
    assert run["new_failures"] == ["board-commitment"]
    assert set(run["latency"]) >= {"retrieve", "total"}
    assert len(run["suite"]["sha256"]) == 64 and run["knowledge"]["files"] == 3
    assert run["config"]["llm"] == "extractive"


def test_thresholds_and_known_failures(tiny, tmp_path):
    coach, _ = tiny
    suite = write_suite(tmp_path, thresholds={"pass_rate": 0.9, "groundedness": 0.5},
                        known={"board-commitment": "no zebra in the guidance"})
    run = run_suite(coach, suite)
    assert not run["ok"]
    assert [t["metric"] for t in run["thresholds"] if not t["ok"]] == ["pass_rate"]
    assert run["new_failures"] == [] and run["failing"] == ["board-commitment"]
    board = next(c for c in run["cases"] if c["id"] == "board-commitment")
    assert board["known_failure"] == "no zebra in the guidance"


def test_report_is_self_contained_with_failures_first(tiny, tmp_path):
    coach, suite = tiny
    json_path, html_path = write_run(run_suite(coach, suite), tmp_path / "out")
    assert load_run(json_path.parent)["cases"][0]["id"] == "pdsa-stages"
    page = html_path.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page
    assert not re.search(r"<script|<link|src=\"http", page)  # nothing fetched from anywhere
    rows = re.findall(r"<tr><td><span class=\"(\w+)\">", page)
    assert rows[0] == "fail" and set(rows[1:]) == {"pass"}
    assert "zebra crossing" in page and "Latency per stage" in page
    assert 'aria-label="metric bars"' in page


def test_cli_run_and_compare(tmp_path, monkeypatch, capsys):
    write_kb(tmp_path)
    suite = write_suite(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    assert main(["eval", "run", str(suite), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "3/4 cases passed" in out and "new failures: board-commitment" in out
    assert (tmp_path / "a" / "report.html").is_file()
    assert json.loads((tmp_path / "a" / "run.json").read_text())["run_by"] == "local"
    # the same again: identical scores, no regression
    assert main(["eval", "run", str(suite), "--out", str(tmp_path / "b"), "--no-ingest"]) == 0
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "no confirmed regression" in capsys.readouterr().out
    # degraded: a relevance bar nothing can pass refuses every question
    assert main(["eval", "run", str(suite), "--out", str(tmp_path / "c"), "--no-ingest",
                 "--set", "min_relevance=1.9"]) == 0  # its two thresholds still hold
    capsys.readouterr()
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "c"), "--json"]) == 2
    result = json.loads(capsys.readouterr().out)
    answered = next(m for m in result["metrics"] if m["metric"] == "answered_rate")
    assert answered["delta"] == -1.0 and answered["regression"]
    assert result["pass_to_fail"] == ["pdsa-stages", "run-shift"]
    assert result["config_changes"]["min_relevance"][1] == 1.9


def test_update_known_failures(tmp_path, monkeypatch, capsys):
    write_kb(tmp_path)
    suite = write_suite(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "kb"))
    assert main(["eval", "run", str(suite), "--out", str(tmp_path / "a"),
                 "--update-known-failures"]) == 0
    written = (suite.parent / "known_failures.yaml").read_text()
    assert 'board-commitment: "must_include missing: \'zebra crossing\'"' in written
    assert "wrote 1 known failure(s)" in capsys.readouterr().out


def test_cli_bad_run_file(tmp_path, capsys):
    (tmp_path / "run.json").write_text("{}")
    assert main(["eval", "compare", str(tmp_path), str(tmp_path)]) == 2
    assert "not an eval run" in capsys.readouterr().err


def test_judge_grades_are_advisory_and_reported(tiny, tmp_path):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from coach.evals.judge import LLMJudge

    coach, suite = tiny
    reply = '{"faithfulness": 1, "relevance": 0.5, "correctness": 1, "reason": "ok"}'
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)] * 3 + [AIMessage("junk")]))
    run = run_suite(coach, suite, judge=LLMJudge(model, cache_dir=tmp_path / "cache"))
    judged = [c for c in run["cases"] if "judge" in c]
    assert len(judged) == 3  # the answered answerable cases; the refusal is not judged
    assert run["judge"] == {"advisory": True, "cases": 3, "errors": 0,
                            "means": {"correctness": 1.0, "faithfulness": 1.0,
                                      "relevance": 0.5}}
    assert run["judge_model"]["advisory"] and run["ok"]  # grades never gate the suite
    _, html_path = write_run(run, tmp_path / "out")
    assert "LLM judge (advisory, not calibrated)" in html_path.read_text()


def test_a_suite_with_held_out_cases_reports_each_split_and_gates_dev(tiny, tmp_path):
    """The failing case is held-out: the whole suite's pass rate is 0.75, the dev split's
    1.0, and the dev split is what the threshold reads."""
    coach, _ = tiny
    suite = write_suite(tmp_path, thresholds={"pass_rate": 0.9},
                        cases=[{**c, "split": "held-out"} if c["id"] == "board-commitment"
                               else c for c in CASES])
    run = run_suite(coach, suite)
    assert run["suite"]["version"] == 1 and run["format"] == "coach-eval-run/2"
    assert run["aggregate"]["pass_rate"] == 0.75 and run["ok"]
    assert {n: s["aggregate"]["pass_rate"] for n, s in run["splits"].items()} == {
        "dev": 1.0, "held-out": 0.0}
    board = next(c for c in run["cases"] if c["id"] == "board-commitment")
    assert board["split"] == "held-out" and not board["passed"]
    _, html_path = write_run(run, tmp_path / "out")
    page = html_path.read_text()
    assert "Dev and held-out splits" in page and "Thresholds gate the dev split only" in page
    assert json.loads((tmp_path / "out" / "run.json").read_text())["splits"]["dev"][
        "counts"] == {"cases": 3, "passed": 3, "answerable": 2}
