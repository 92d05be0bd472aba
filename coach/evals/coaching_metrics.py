"""Coaching-conversation metrics: pure functions over reply text and turn records (golden
tests in tests/test_coaching_eval_metrics.py).

Each expectation a turn may hold is one check, reported as its pass rate over the turns that
hold it (``None`` when no turn does, left out like the Q&A metrics). A turn passes when all
its checks pass; a case passes when every turn ran and passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from coach.evals.metrics import mean
from coach.text.markers import marker_numbers

# expectation key (coach/evals/coaching_cases.py) -> the check's metric name
CHECKS: dict[str, str] = {
    "names_step": "next_step_named",
    "asks_question": "question_asked",
    "saves_note": "note_saved",
    "adds_action": "action_added",
    "cites": "cited",
    "journey": "journey_routed",
    "refused": "refusal_correct",
    "must_include": "must_include",
    "must_not_include": "must_not_include",
}
AGGREGATES: tuple[str, ...] = ("case_pass_rate", "turn_pass_rate", *CHECKS.values())
_MARKUP = re.compile(r"[*_`]+")


def plain(text: str) -> str:
    """Lower case, Markdown emphasis dropped, runs of white space made one space."""
    return " ".join(_MARKUP.sub("", text).lower().split())


def names_step(text: str, number: int, title: str) -> bool:
    """The reply names Step ``number`` together with its title: "Step 2: Securing board
    support", "Step 2 of 6: ...", "Step 2 (Securing board support)"."""
    pattern = rf"\bstep {number}\b(?: of \d+)?\W{{1,4}}{re.escape(plain(title))}"
    return re.search(pattern, plain(text)) is not None


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def asked_question(text: str, questions: Sequence[str]) -> str | None:
    """The reflective question the reply ends by asking (its last non-blank line holds it
    word for word), or None."""
    end = plain(last_line(text))
    return next((q for q in questions if plain(q) and plain(q) in end), None)


def markers_valid(text: str, numbers: Iterable[int]) -> bool:
    """At least one [n] marker, and every marker points at one of the citations' numbers."""
    found = set(marker_numbers(text))
    return bool(found) and found <= set(numbers)


def new_items(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """Items of ``after`` beyond those already in ``before`` (counted, so a repeat is new)."""
    left = list(before)
    out: list[str] = []
    for item in after:
        if item in left:
            left.remove(item)
        else:
            out.append(item)
    return out


def fragment_in(items: Sequence[str], expected: str | bool) -> bool:
    """``expected`` True: any item; False: none; a text: an item holding it (any case)."""
    if isinstance(expected, bool):
        return bool(items) == expected
    return any(plain(expected) in plain(item) for item in items)


def check_rates(turn_checks: Sequence[Mapping[str, bool]]) -> dict[str, float | None]:
    """Per check, the share of the turns holding it that pass it (None when none hold it)."""
    return {name: mean(float(c[name]) for c in turn_checks if name in c)
            for name in CHECKS.values()}


def pass_rate(passed: Sequence[bool]) -> float | None:
    return mean(float(p) for p in passed)


def aggregate(cases: Sequence[Mapping[str, Any]], names: Sequence[str]
              ) -> dict[str, float | None]:
    """Suite-level values from case records (``passed`` and ``turns``, each turn with
    ``passed`` and ``checks``); a turn that did not run counts as failed."""
    turns = [t for c in cases for t in c["turns"]]
    values = {"case_pass_rate": pass_rate([bool(c["passed"]) for c in cases]),
              "turn_pass_rate": pass_rate([bool(t["passed"]) for t in turns]),
              **check_rates([t["checks"] for t in turns])}
    return {n: (None if (v := values.get(n)) is None else round(v, 4)) for n in names}
