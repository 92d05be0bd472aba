"""The pytest plugin's items for a Q&A suite: one test per case, then the suite's thresholds
(coach/evals/pytest_plugin.py finds ``collect`` through coach/evals/kinds.py).

A failing case shows the question, the answer, the metric that failed and its evidence. Known
failures are xfail, as for the coaching suites. What the plugin gates: the dev split. A
held-out case runs and counts in the session's figures (and the --eval-out report), but is
marked xfail, never strict, so it cannot fail the run; the ``thresholds`` item checks the dev
split's aggregates, as ``coach eval run`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.evals.cases import Case, Suite
from coach.evals.plugin_base import _STATE, EvalState, _EvalItem, _indent
from coach.evals.splits import HELD_OUT

HELD_OUT_REASON = "held-out case: measured and reported, never gated"


def collect(suite_file: pytest.File) -> Iterator[pytest.Item]:
    from coach.evals.cases import load_known_failures, load_suite

    suite, cases = load_suite(suite_file.path)  # a SuiteError names the line at fault
    known = load_known_failures(suite_file.path, suite, cases)
    strict = suite_file.config.getoption("eval_strict")
    for case in cases:
        item = CaseItem.from_parent(suite_file, name=case.id, case=case, suite=suite,
                                    known=known)
        item.add_marker(pytest.mark.eval_case(case.id))
        if case.split == HELD_OUT:
            item.add_marker(pytest.mark.xfail(reason=HELD_OUT_REASON, strict=False))
        elif case.id in known:
            item.add_marker(pytest.mark.xfail(reason=f"known failure: {known[case.id]}",
                                              strict=strict))
        yield item
    yield ThresholdItem.from_parent(suite_file, name="thresholds", suite=suite, known=known,
                                    total=len(cases))


class CaseItem(_EvalItem):
    def __init__(self, *, case: Case, suite: Suite, known: dict[str, str],
                 **kwargs: Any):  # kwargs: pytest's own, for Item
        super().__init__(**kwargs)
        self.case, self.suite, self.known = case, suite, known

    def runtest(self) -> None:
        from coach.evals.qa import run_case

        state: EvalState = self.config.stash[_STATE]
        coach = state.coach()
        record = run_case(coach, self.case, self.suite.k, state.similarity,
                          lead_chars=self.suite.lead_chars)
        self.keep(state, self.path, record, self.known, bool(self.suite.known_failures),
                  lambda: failure_text(record, self.suite.k))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"eval case {self.case.id}"


class ThresholdItem(_EvalItem):
    """The suite's aggregate thresholds, checked over the cases that ran this session."""

    def __init__(self, *, suite: Suite, known: dict[str, str], total: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.suite, self.known, self.total = suite, known, total

    def runtest(self) -> None:
        from coach.evals.qa import summarise

        state: EvalState = self.config.stash[_STATE]
        records = state.records[self.path.resolve()]
        if len(records) < self.total:
            pytest.skip(f"only {len(records)} of {self.total} cases ran; the "
                        "thresholds apply to the whole suite")
        run = summarise(self.suite, records, self.known)
        state.runs[self.path.resolve()] = _complete(run, self.suite, self.path, state, records)
        self.check(run)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "eval suite thresholds"


def _complete(run: dict[str, Any], suite: Suite, suite_path: Path, state: EvalState,
              records: list[dict[str, Any]]) -> dict[str, Any]:
    """Turn the session's summary into a full run record, written when --eval-out is set."""
    from coach.evals.runfile import RUN_FORMAT, knowledge_hash, public_config, suite_header

    coach = state.coach()
    run.update({
        "format": RUN_FORMAT, "label": "pytest", "started_at": "", "duration_s": 0.0,
        "suite": {**suite_header(suite, suite_path), "k": suite.k},
        "knowledge": knowledge_hash(coach.settings.knowledge_dir),
        "config": public_config(coach.settings), "cases": records})
    out = state.config.getoption("eval_out")
    if out:
        from coach.evals.qa_report import render_qa_report
        from coach.evals.runfile import write_files

        write_files(run, Path(out) / suite.name, render_qa_report(run))
    return run


def failure_text(record: dict[str, Any], k: int) -> str:
    """Question, answer, the failing metric(s) and the evidence behind them."""
    ev, scores = record["evidence"], record["scores"]
    out = [f"case {record['id']} FAILED: " + "; ".join(record["failures"]),
           f"question: {record['question']}"]
    for q, a in record["history"]:
        out.append(f"  (after: {q!r} -> {a[:80]!r})")
    out += ["answer" + (" (refused)" if record["refused"] else "") + ":",
            _indent(record["answer"] or record.get("error") or "(empty)")]
    shown = {n: v for n, v in scores.items() if v is not None}
    out.append("metrics: " + ", ".join(f"{n}={v:.3f}" for n, v in shown.items()))
    for q in ev.get("quotes", []):
        where = f"rank {q['rank']}" if q["rank"] else f"not in the top {k}"
        out.append(f"evidence {q['doc']}: {q['quote']!r} — {where}")
    for p in ev.get("passages", []):
        mark = "relevant" if p["relevant"] else "no evidence"
        out.append(f"  passage {p['rank']}: {p['source']} > {p['heading']} ({mark})")
    for key in ("must_include", "must_not_include"):
        for item in ev.get(key, []):
            out.append(f"{key} {item['pattern']!r}: {'found' if item['found'] else 'absent'}")
    for s in ev.get("sentences", []):
        if not s["supported"]:
            out.append(f"unsupported sentence: {s['claim']!r} (best window: {s['window'][:120]!r})")
    return "\n".join(out)
