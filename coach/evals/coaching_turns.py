"""Score one turn of a coaching conversation: the reply, and what it saved, against the turn's
expectations. Each expectation is one named check (coaching_metrics.CHECKS) with a failure
message and the evidence behind it, shown in the report and by the pytest plugin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from coach.coaching.journey import Journey, Step
from coach.coaching.machine import Progress
from coach.evals import coaching_metrics as cm
from coach.evals.coaching_cases import Turn, TurnExpect
from coach.evals.metrics import pattern_found
from coach.text.markers import marker_numbers
from coach.types import Answer

JOURNEY_QUERY = "journey:"  # the query of every journey reply starts so (coaching/chat/router.py)
REPLY_PREVIEW = 4000


@dataclass(frozen=True)
class Snapshot:
    """Notes and actions (their text) on each step, by step number."""

    notes: dict[int, tuple[str, ...]] = field(default_factory=dict)
    actions: dict[int, tuple[str, ...]] = field(default_factory=dict)


def snapshot(progress: Progress, journey: Journey) -> Snapshot:
    notes = {s.number: progress.step(s.id).notes for s in journey.steps}
    actions = {s.number: tuple(a.what for a in progress.step(s.id).actions)
               for s in journey.steps}
    return Snapshot(notes, actions)


def added(before: Mapping[int, tuple[str, ...]], after: Mapping[int, tuple[str, ...]],
          step: int | None) -> list[str]:
    """What the turn added, on one step or (``step`` None) on any."""
    numbers = [step] if step is not None else sorted(after)
    return [item for n in numbers for item in cm.new_items(before.get(n, ()), after.get(n, ()))]


@dataclass
class Turned:
    """A turn's reply and what it changed, as the checks see it."""

    answer: Answer
    steps: dict[int, Step]
    notes: list[str]
    actions: list[str]
    checks: dict[str, bool] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def record(self, name: str, ok: bool, failure: str, **evidence: object) -> None:
        self.checks[name] = ok
        if not ok:
            self.failures.append(failure)
        if evidence:
            self.evidence[name] = evidence


def _journey(t: Turned, exp: TurnExpect) -> None:
    is_journey = t.answer.query.startswith(JOURNEY_QUERY)
    want = "a journey reply" if exp.journey else "an ordinary answer"
    got = t.answer.query if is_journey else "an ordinary answer"
    t.record("journey_routed", is_journey == exp.journey, f"expected {want}, got {got}")


def _refused(t: Turned, exp: TurnExpect) -> None:
    t.record("refusal_correct", t.answer.refused == exp.refused,
             "refused" if t.answer.refused else "answered, expected a refusal")


def _names_step(t: Turned, exp: TurnExpect) -> None:
    assert exp.names_step is not None
    step = t.steps[exp.names_step]
    t.record("next_step_named", cm.names_step(t.answer.text, step.number, step.title),
             f"does not name Step {step.number}: {step.title}", step=step.number,
             title=step.title)


def _asks_question(t: Turned, exp: TurnExpect) -> None:
    steps = [t.steps[exp.step]] if exp.step else list(t.steps.values())
    asked = cm.asked_question(t.answer.text, [q for s in steps for q in s.questions])
    wanted = None
    if exp.question is not None and exp.step is not None:
        questions = t.steps[exp.step].questions
        wanted = questions[exp.question - 1] if exp.question <= len(questions) else ""
    ok = (asked is not None and wanted in (None, asked)) if exp.asks_question else asked is None
    which = f"question {exp.question} of Step {exp.step}" if wanted else (
        f"a question of Step {exp.step}" if exp.step else "a reflective question")
    failure = (f"does not end by asking {which} (asked: {asked!r})" if exp.asks_question
               else f"ends by asking {asked!r}")
    t.record("question_asked", ok, failure, asked=asked, wanted=wanted,
             last_line=cm.last_line(t.answer.text))


def _saved(t: Turned, exp: TurnExpect, key: str) -> None:
    expected = exp.saves_note if key == "saves_note" else exp.adds_action
    assert expected is not None
    items = t.notes if key == "saves_note" else t.actions
    what, where = ("note", "notes") if key == "saves_note" else ("action", "actions")
    on = f" on Step {exp.step}" if exp.step else ""
    if expected is False:
        failure = f"saved a {what}{on}: {items[0]!r}" if items else ""
    elif expected is True:
        failure = f"no new {what}{on}"
    else:
        failure = f"no new {what}{on} holding {expected!r} (new: {items or 'none'})"
    t.record(cm.CHECKS[key], cm.fragment_in(items, expected), failure, **{f"new_{where}": items})


def _cites(t: Turned, exp: TurnExpect) -> None:
    numbers = [c.number for c in t.answer.citations]
    whole = t.answer.full_text  # the direct answer and its supporting material
    valid = cm.markers_valid(whole, numbers)
    ok = valid if exp.cites else not marker_numbers(whole)
    failure = ("no valid [n] markers (markers must point at the reply's citations)"
               if exp.cites else "cites, expected no citations")
    t.record("cited", ok, failure, citations=numbers,
             markers=sorted(set(marker_numbers(whole))))


def _patterns(t: Turned, exp: TurnExpect) -> None:
    text = t.answer.full_text  # as in the Q&A suites: the whole reply
    for key, want in (("must_include", True), ("must_not_include", False)):
        patterns = getattr(exp, key)
        if patterns:
            wrong = [p for p in patterns if pattern_found(text, p) != want]
            t.record(key, not wrong, f"{key} {'missing' if want else 'present'}: "
                     + ", ".join(repr(p) for p in wrong),
                     patterns={p: pattern_found(text, p) for p in patterns})


_CHECKERS: dict[str, Callable[[Turned, TurnExpect], None]] = {
    "journey": _journey, "refused": _refused, "names_step": _names_step,
    "asks_question": _asks_question, "cites": _cites,
    "saves_note": lambda t, e: _saved(t, e, "saves_note"),
    "adds_action": lambda t, e: _saved(t, e, "adds_action"),
}


def score_turn(n: int, turn: Turn, answer: Answer, steps: dict[int, Step], before: Snapshot,
               after: Snapshot) -> dict[str, Any]:
    """The turn record: its reply, each check's outcome, the failures and their evidence."""
    exp = turn.expect
    t = Turned(answer, steps, added(before.notes, after.notes, exp.step),
               added(before.actions, after.actions, exp.step))
    for key, checker in _CHECKERS.items():
        if getattr(exp, key) is not None:
            checker(t, exp)
    _patterns(t, exp)
    return {"n": n, "user": turn.user, "reply": answer.text[:REPLY_PREVIEW],
            "journey": answer.query.startswith(JOURNEY_QUERY),
            "label": answer.query if answer.query.startswith(JOURNEY_QUERY) else "",
            "refused": answer.refused, "timings_ms": dict(answer.timings_ms),
            "checks": t.checks, "evidence": t.evidence, "new_notes": t.notes,
            "new_actions": t.actions, "failures": t.failures, "passed": not t.failures}
