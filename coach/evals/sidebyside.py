"""The compare view of any two saved runs (the Evaluate tab): the paired comparison
(coach/evals/compare.py: each metric's difference with its bootstrap interval, and the warning
when the suites or their versions differ) and the cases that changed, side by side — question,
answer A, answer B — passed → failed first, then failed → passed, then the cases whose scores
changed.

A reviewer may record which answer of a changed case is better (``CHOICES``). Preferences are
kept beside the runs they judge, in ``preferences.jsonl`` in run B's folder, one JSON line per
choice: ``{"run_a", "case", "choice", "user", "at"}``; the latest choice of a user for a case of
a pair counts. Deleting the run folder deletes them with it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import BadInputError
from coach.evals.compare import compare_runs
from coach.evals.history import find_run
from coach.evals.runner import load_run

CHOICES = ("A", "B", "same")
PREFERENCES = "preferences.jsonl"
# what changed, in the order the view lists it
PASS_TO_FAIL, FAIL_TO_PASS, SCORES = "pass_to_fail", "fail_to_pass", "scores"
_ORDER = (PASS_TO_FAIL, FAIL_TO_PASS, SCORES)


@dataclass(frozen=True)
class Side:
    """One run's answer to a case."""

    passed: bool
    text: str  # the answer (a coaching conversation: each turn and its reply)
    failures: tuple[str, ...]


@dataclass(frozen=True)
class ChangedCase:
    id: str
    change: str  # PASS_TO_FAIL, FAIL_TO_PASS or SCORES
    question: str
    a: Side
    b: Side
    deltas: dict[str, tuple[Any, Any]]  # score -> (A's value, B's value), where they differ


@dataclass(frozen=True)
class RunPair:
    """Two runs compared: A is the baseline, B the run judged against it."""

    a: str  # run folder names
    b: str
    folder_b: Path
    comparison: dict[str, Any]  # compare_runs(A, B)
    changed: tuple[ChangedCase, ...]


def said(case: dict[str, Any]) -> str:
    """What the coach said in a case record: its answer, each turn of a conversation, or the
    error that stopped it."""
    if case.get("error") and not case.get("answer") and not case.get("turns"):
        return f"error: {case['error']}"
    if "turns" in case:
        return "\n\n".join(f"{t['n']}. {t['user']}\n→ {t.get('reply', '')}"
                           for t in case["turns"])
    return str(case.get("answer", ""))


def _side(case: dict[str, Any]) -> Side:
    return Side(bool(case["passed"]), said(case), tuple(case.get("failures", ())))


def changed_cases(run_a: dict[str, Any], run_b: dict[str, Any],
                  comparison: dict[str, Any]) -> list[ChangedCase]:
    """The cases ``comparison`` (compare_runs(run_a, run_b)) found changed, with both answers,
    passed → failed first, then failed → passed, then score changes (each in suite order)."""
    a_cases = {c["id"]: c for c in run_a["cases"]}
    b_cases = {c["id"]: c for c in run_b["cases"]}
    found = []
    for change in comparison["changed"]:
        a, b = a_cases[change["id"]], b_cases[change["id"]]
        kind = (PASS_TO_FAIL if a["passed"] and not b["passed"] else
                FAIL_TO_PASS if b["passed"] and not a["passed"] else SCORES)
        found.append(ChangedCase(
            id=change["id"], change=kind,
            question=str(b.get("question") or b.get("description") or ""),
            a=_side(a), b=_side(b),
            deltas={k: (v[0], v[1]) for k, v in change["deltas"].items()}))
    return sorted(found, key=lambda c: _ORDER.index(c.change))


def compare_pair(home: Path, a_name: str | None, b_name: str | None, *,
                 seed: int = 0) -> RunPair:
    """Compare the saved runs called ``a_name`` and ``b_name`` under ``home/evals``; a
    BadInputError names a run that is not there or a pair that is one run twice."""
    folder_a, folder_b = find_run(home, a_name), find_run(home, b_name)
    if folder_a == folder_b:
        raise BadInputError("Pick two different runs to compare.")
    run_a, run_b = load_run(folder_a), load_run(folder_b)
    comparison = compare_runs(run_a, run_b, seed=seed)
    return RunPair(folder_a.name, folder_b.name, folder_b, comparison,
                   tuple(changed_cases(run_a, run_b, comparison)))


def record_preference(home: Path, a_name: str | None, b_name: str | None,
                      case_id: str | None, choice: str | None, user: str, *,
                      when: datetime | None = None) -> dict[str, str]:
    """Record that ``user`` finds answer A or B of a case better (or the same), in run B's
    preferences.jsonl; the line written. A BadInputError for a run, case or choice that is not
    there."""
    if choice not in CHOICES:
        raise BadInputError(f"Choose which answer is better: {', '.join(CHOICES)}.")
    folder_a, folder_b = find_run(home, a_name), find_run(home, b_name)
    ids = [{c["id"] for c in load_run(f)["cases"]} for f in (folder_a, folder_b)]
    if not case_id or case_id not in ids[0] & ids[1]:
        raise BadInputError(f"Both runs must have the case {case_id!r} to compare its answers.")
    line = {"run_a": folder_a.name, "case": case_id, "choice": choice, "user": user,
            "at": (when or datetime.now(UTC)).isoformat(timespec="seconds")}
    with (folder_b / PREFERENCES).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return line


def preferences(folder_b: Path, a_name: str) -> dict[str, dict[str, str]]:
    """The choices recorded for the pair (A, B): case -> user -> their latest choice."""
    path = Path(folder_b) / PREFERENCES
    found: dict[str, dict[str, str]] = {}
    if not path.is_file():
        return found
    for line in _lines(path.read_text(encoding="utf-8").splitlines()):
        if line.get("run_a") == a_name and line.get("choice") in CHOICES:
            found.setdefault(str(line.get("case")), {})[str(line.get("user"))] = line["choice"]
    return found


def _lines(texts: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for text in texts:
        try:
            value = json.loads(text)
        except ValueError:  # a line cut short by a crash: skip it, keep the others
            continue
        if isinstance(value, dict):
            out.append(value)
    return out
