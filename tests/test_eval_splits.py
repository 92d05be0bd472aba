"""Suite versions and dev / held-out splits in runs: per-split figures (the thresholds gate
the dev split only), the report's side-by-side table, the command line's summary, compare's
warning on another suite or version, and older run files still read. Case records are written
by hand here; tests/test_eval_runner.py runs a mixed suite through the real Coach."""

from __future__ import annotations

import copy
import json

import pytest

from coach.evals.cases import parse_suite
from coach.evals.cli import summary_text
from coach.evals.compare import compare_runs, render_text
from coach.evals.qa import summarise
from coach.evals.qa_report import GATE_NOTE, render_qa_report
from coach.evals.runfile import RUN_FORMAT
from coach.evals.runner import load_run

SUITE = parse_suite("name: mixed\ncases: cases.jsonl\nversion: 2\nmetrics: [correctness]\n"
                    "thresholds:\n  pass_rate: 0.9\n  must_include: 0.9\n")


def _record(cid, split, passed, must=1.0):
    return {"id": cid, "question": f"{cid}?", "history": [], "tags": [], "split": split,
            "answerable": True, "answer": "a", "refused": False, "error": None,
            "timings_ms": {"total": 1.0}, "scores": {"must_include": must},
            "evidence": {}, "failures": [] if passed else ["must_include missing: 'x'"],
            "passed": passed}


def _run(records, summary):
    return {"format": RUN_FORMAT, "label": "", "started_at": "t", "duration_s": 1.0,
            "suite": {"name": "mixed", "version": 2, "k": 5, "sha256": "a" * 64,
                      "cases_sha256": "b" * 64},
            "knowledge": {"sha256": "c" * 64, "files": 1}, "config": {"llm": "extractive"},
            **summary, "cases": records}


@pytest.fixture
def mixed():
    records = [_record(f"d{i}", "dev", True) for i in range(4)] + [
        _record("h0", "held-out", True), _record("h1", "held-out", False, must=0.0)]
    return _run(records, summarise(SUITE, records, {}))


def test_each_split_has_its_figures_and_the_thresholds_read_dev(mixed):
    assert mixed["aggregate"]["pass_rate"] == pytest.approx(5 / 6, abs=1e-4)
    splits = mixed["splits"]
    assert list(splits) == ["dev", "held-out"]
    assert splits["dev"]["counts"] == {"cases": 4, "passed": 4, "answerable": 4}
    assert splits["held-out"]["aggregate"]["pass_rate"] == 0.5
    # the whole suite misses 0.9; the dev split, which the thresholds gate, does not
    assert mixed["ok"] and all(t["value"] == 1.0 for t in mixed["thresholds"])
    assert mixed["failing"] == ["h1"]


def test_one_split_keeps_the_figures_it_always_had():
    records = [_record("d0", "dev", True), _record("d1", "dev", False, must=0.0)]
    run = summarise(SUITE, records, {})
    assert list(run["splits"]) == ["dev"]
    assert run["splits"]["dev"]["aggregate"] == run["aggregate"]
    assert [t["value"] for t in run["thresholds"]] == [0.5, 0.5] and not run["ok"]
    # an older record names no split: a dev case
    del records[0]["split"], records[1]["split"]
    assert summarise(SUITE, records, {})["splits"]["dev"]["counts"]["cases"] == 2


def test_a_suite_with_no_dev_case_meets_no_threshold():
    run = summarise(SUITE, [_record("h0", "held-out", True)], {})
    assert run["aggregate"]["pass_rate"] == 1.0 and not run["ok"]
    assert all(t["value"] is None for t in run["thresholds"])


def test_the_report_shows_the_splits_side_by_side_and_what_the_thresholds_gate(mixed):
    page = render_qa_report(mixed)
    assert "<h2>Dev and held-out splits</h2>" in page and GATE_NOTE in page
    assert "Metrics (dev split)" in page and "suite version 2" in page
    table = page[page.index("Dev and held-out splits"):page.index("Cases (failures first)")]
    assert "<th>dev<br><small>4 of 4 cases passed</small></th>" in table
    assert "<th>held-out<br><small>1 of 2 cases passed</small></th>" in table
    assert "<tr><td>pass_rate</td><td>1.000</td><td>0.500</td><td>≥ 0.9 (met)</td></tr>" in table
    assert '<span class="tag">held-out</span>' in page


def test_a_report_of_one_split_has_no_split_table():
    records = [_record("d0", "dev", True)]
    page = render_qa_report(_run(records, summarise(SUITE, records, {})))
    assert "Dev and held-out splits" not in page and "<h2>Metrics</h2>" in page


def test_the_summary_text_has_a_column_per_split(mixed):
    text = summary_text(mixed)
    assert text.splitlines()[0] == ("suite mixed: 5/6 cases passed (dev 4/4, held-out 1/2) "
                                    "in 1 s; suite version 2")
    assert text.splitlines()[1].split() == ["dev", "held-out"]
    assert "  pass_rate" in text and "1.000     0.500  (≥ 0.9: ok)" in text
    assert "Thresholds gate the dev split only; the held-out split is measured" in text


def test_compare_warns_when_the_suite_or_its_version_differs(mixed):
    same = compare_runs(mixed, copy.deepcopy(mixed))
    assert same["warnings"] == [] and "WARNING" not in render_text(same)
    older = copy.deepcopy(mixed)
    older["suite"]["version"] = 1
    result = compare_runs(older, mixed)
    assert result["a"]["version"] == 1 and result["b"]["version"] == 2
    text = render_text(result)
    assert "WARNING: the suite's version differs (A: version 1, B: version 2)" in text
    other = copy.deepcopy(mixed)
    other["suite"]["name"] = "dev"
    assert "different suites ('dev' and 'mixed')" in render_text(compare_runs(other, mixed))


def test_a_run_written_before_versions_is_read_as_version_1(mixed, tmp_path):
    old = copy.deepcopy(mixed)
    old["format"] = "coach-eval-run/1"
    del old["suite"]["version"], old["splits"]
    for case in old["cases"]:
        del case["split"]
    (tmp_path / "run.json").write_text(json.dumps(old))
    loaded = load_run(tmp_path)
    assert "WARNING: the suite's version differs" in render_text(compare_runs(loaded, mixed))
    assert "suite version 1" in render_qa_report(loaded)
    assert summary_text(loaded).startswith("suite mixed: 5/6 cases passed in 1 s; suite "
                                           "version 1")
