"""The pytest plugin's items for a ``kind: coaching`` suite: one test per conversation, then
the suite's thresholds (coach/evals/pytest_plugin.py finds ``collect`` through
coach/evals/kinds.py).

A failing conversation shows every turn: what the lead said, the coach's reply, each check
and why it failed. Known failures are xfail, as for the Q&A suites.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.evals.coaching_cases import CoachingCase, CoachingSuite
from coach.evals.plugin_base import _STATE, EvalState, _EvalItem, _indent

REPLY_SHOWN = 1500
_JOURNEY = pytest.StashKey[Any]()  # the journey the session's coach serves


def collect(suite_file: pytest.File) -> Iterator[pytest.Item]:
    from coach.evals.cases import load_known_failures
    from coach.evals.coaching_cases import load_coaching_suite

    suite, cases = load_coaching_suite(suite_file.path)  # a SuiteError names the line
    known = load_known_failures(suite_file.path, suite, cases)
    strict = suite_file.config.getoption("eval_strict")
    for case in cases:
        item = ConversationItem.from_parent(suite_file, name=case.id, case=case, suite=suite,
                                            known=known)
        item.add_marker(pytest.mark.eval_case(case.id))
        if case.id in known:
            item.add_marker(pytest.mark.xfail(reason=f"known failure: {known[case.id]}",
                                              strict=strict))
        yield item
    yield CoachingThresholdItem.from_parent(suite_file, name="thresholds", suite=suite,
                                            known=known, total=len(cases))


def _journey(config: pytest.Config, coach: Any) -> Any:
    from coach.evals.coaching import journey_for

    if _JOURNEY not in config.stash:
        config.stash[_JOURNEY] = journey_for(coach)
    return config.stash[_JOURNEY]


class ConversationItem(_EvalItem):
    def __init__(self, *, case: CoachingCase, suite: CoachingSuite, known: dict[str, str],
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.case, self.suite, self.known = case, suite, known

    def runtest(self) -> None:
        from coach.evals.coaching import run_case

        state: EvalState = self.config.stash[_STATE]
        coach = state.coach()
        record = run_case(coach, _journey(self.config, coach), self.case, uuid.uuid4().hex[:8])
        self.keep(state, self.path, record, self.known, bool(self.suite.known_failures),
                  lambda: failure_text(record))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"coaching conversation {self.case.id}"


class CoachingThresholdItem(_EvalItem):
    """The coaching suite's aggregate thresholds, over the conversations run this session."""

    def __init__(self, *, suite: CoachingSuite, known: dict[str, str], total: int,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.suite, self.known, self.total = suite, known, total

    def runtest(self) -> None:
        from coach.evals.coaching import run_header, summarise
        from coach.evals.coaching_report import render_coaching_report
        from coach.evals.runfile import write_files

        state: EvalState = self.config.stash[_STATE]
        records = state.records[self.path.resolve()]
        if len(records) < self.total:
            pytest.skip(f"only {len(records)} of {self.total} cases ran; the thresholds apply "
                        "to the whole suite")
        run = run_header(state.coach(), self.suite, self.path)
        run.update({"label": "pytest", "started_at": "", "duration_s": 0.0})
        run.update(summarise(self.suite, records, self.known))
        run["cases"] = records
        state.runs[self.path.resolve()] = run
        out = self.config.getoption("eval_out")
        if out:
            write_files(run, Path(out) / self.suite.name, render_coaching_report(run))
        self.check(run)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "coaching suite thresholds"


def failure_text(record: dict[str, Any]) -> str:
    """Every turn of the conversation (message, kind of reply, checks); for a failing turn
    also the reply, the evidence of each failed check and why it failed."""
    out = [f"case {record['id']} FAILED: " + "; ".join(record["failures"])]
    if record.get("error"):
        out.append(f"error: {record['error']}")
    for turn in record["turns"]:
        checks = ", ".join(f"{n}={'ok' if ok else 'FAIL'}" for n, ok in turn["checks"].items())
        kind = turn["label"] or ("refused" if turn["refused"] else "ordinary answer")
        out.append(f"turn {turn['n']} {'passed' if turn['passed'] else 'FAILED'}: "
                   f"{turn['user']!r} -> {kind}; {checks}")
        if turn["passed"]:
            continue  # only a failing turn's reply is shown in full
        reply = turn["reply"]
        out.append(_indent(reply[:REPLY_SHOWN] + (" …" if len(reply) > REPLY_SHOWN else "")
                           or "(no reply)"))
        for name, ev in turn["evidence"].items():
            if not turn["checks"].get(name, True):
                out.append(f"  {name}: {ev}")
        out += [f"  ✘ {f}" for f in turn["failures"]]
    return "\n".join(out)
