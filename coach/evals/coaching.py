"""Run a coaching suite: each case is a conversation with the real Coach under a fresh user.

``coach eval run`` and the pytest plugin both call ``run_case`` and ``summarise`` from here
(``run_suite`` in coach/evals/runner.py finds this kind in coach/evals/kinds.py and hands a
``kind: coaching`` suite to ``run_suite`` below). Every turn goes through
``Coach.ask(message, history, user=...)`` exactly as the chat sends it, with the replies so far
as history; what was saved is read back through the progress store the Coach tab uses
(``JourneySession``). Each case gets its own user id (``eval-<run>-<case>``), so cases cannot
see each other's progress.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.coaching import machine
from coach.coaching.journey import Journey, Step
from coach.coaching.session import JourneySession, journey_path, shared
from coach.errors import CoachError
from coach.evals import metrics as m
from coach.evals.cases import load_known_failures
from coach.evals.coaching_cases import CoachingCase, CoachingSuite, Setup, load_coaching_suite
from coach.evals.coaching_metrics import AGGREGATES, aggregate
from coach.evals.coaching_turns import Snapshot, score_turn, snapshot
from coach.evals.runfile import RUN_FORMAT, knowledge_hash, public_config, suite_header
from coach.evals.scoring import run_verdict
from coach.types import CaseCallback

if TYPE_CHECKING:
    from coach.evals.judge import LLMJudge
    from coach.pipeline import Coach

log = logging.getLogger(__name__)
RUN_KIND = "coaching"


def case_user(run_tag: str, case_id: str) -> str:
    return f"eval-{run_tag}-{case_id}"[:100]


def journey_for(coach: Coach) -> Journey:
    path = journey_path(coach.settings)
    if not path.exists():
        raise CoachError(f"{path}: a coaching suite needs the journey file in the knowledge "
                         "folder (COACH_KNOWLEDGE_DIR)")
    return shared(coach.settings).journey()


def apply_setup(session: JourneySession, setup: Setup) -> None:
    """Put the lead's journey where the case starts: steps done, in place, the current one."""
    for number in setup.done:
        session.work(machine.complete, step=number)
    if setup.in_place:
        session.apply(machine.mark_in_place, list(setup.in_place))
    if setup.current is not None:
        session.work(machine.goto, setup.current)


def _steps_named(case: CoachingCase) -> set[int]:
    named = {*case.setup.done, *case.setup.in_place}
    named |= {case.setup.current} if case.setup.current else set()
    for turn in case.turns:
        named |= {n for n in (turn.expect.names_step, turn.expect.step) if n}
    return named


def _not_run(n: int, message: str, why: str) -> dict[str, Any]:
    return {"n": n, "user": message, "reply": "", "journey": False, "label": "",
            "refused": False, "timings_ms": {}, "checks": {}, "evidence": {},
            "failures": [f"not run: {why}"], "passed": False}


def run_case(coach: Coach, journey: Journey, case: CoachingCase, run_tag: str
             ) -> dict[str, Any]:
    """Play one conversation and score every turn; a CoachError fails the case, not the run."""
    user = case_user(run_tag, case.id)
    steps: dict[int, Step] = {s.number: s for s in journey.steps}
    turns: list[dict[str, Any]] = []
    error = None
    unknown = sorted(_steps_named(case) - set(steps))
    if unknown:
        error = f"the journey has no step {', '.join(map(str, unknown))}"
    else:
        session = shared(coach.settings).open(user)
        history: list[tuple[str, str]] = []
        try:
            apply_setup(session, case.setup)
        except CoachError as exc:
            error = f"setup: {exc}"
        for n, turn in enumerate(case.turns, start=1):
            if error is not None:
                turns.append(_not_run(n, turn.user, error))
                continue
            before: Snapshot = snapshot(session.progress(), journey)
            try:
                answer = coach.ask(turn.user, history, user=user)
            except CoachError as exc:
                log.warning("case %s turn %d: %s", case.id, n, exc)
                error = f"turn {n}: {exc}"
                turns.append(_not_run(n, turn.user, error))
                continue
            after = snapshot(session.progress(), journey)
            turns.append(score_turn(n, turn, answer, steps, before, after))
            history.append((turn.user, answer.text))
    failures = [f"turn {t['n']}: {f}" for t in turns for f in t["failures"]]
    if error is not None and not turns:
        failures.append(f"error: {error}")
    record = {"id": case.id, "description": case.description, "tags": case.tags,
              "user": user, "setup": case.setup.model_dump(), "turns": turns, "error": error,
              "failures": failures, "passed": not failures}
    record["scores"] = aggregate([record], AGGREGATES)  # the case's own rates (compare)
    return record


def summarise(suite: CoachingSuite, records: list[dict[str, Any]], known: dict[str, str]
              ) -> dict[str, Any]:
    """Aggregates, thresholds, latency per stage over turns, failing / new / fixed case ids."""
    values = aggregate(records, suite.selected_metrics())
    summary = run_verdict(records, values, suite.thresholds, known)
    turns = [t for r in records for t in r["turns"]]
    return {
        "kind": RUN_KIND, **summary,
        "counts": {"cases": len(records), "passed": len(records) - len(summary["failing"]),
                   "turns": len(turns), "turns_passed": sum(t["passed"] for t in turns)},
        "latency": m.latency([t["timings_ms"] for t in turns if t["timings_ms"]]),
    }


def run_header(coach: Coach, suite: CoachingSuite, suite_path: Path) -> dict[str, Any]:
    """The run's suite, knowledge and configuration fingerprint (as Q&A runs have)."""
    return {"format": RUN_FORMAT,
            "suite": {**suite_header(suite, suite_path), "kind": RUN_KIND},
            "knowledge": knowledge_hash(coach.settings.knowledge_dir),
            "config": public_config(coach.settings)}


def run_suite(coach: Coach, suite_path: Path, *, progress: CaseCallback | None = None,
              judge: LLMJudge | None = None, label: str = "") -> dict[str, Any]:
    """Play every conversation of a coaching suite through ``coach``; return the run record."""
    if judge is not None:
        raise CoachError("--judge grades single answers; a coaching suite has no judge")
    suite_path = Path(suite_path)
    suite, cases = load_coaching_suite(suite_path)
    known = load_known_failures(suite_path, suite, cases)
    journey = journey_for(coach)
    tag = uuid.uuid4().hex[:8]
    started, t0 = datetime.now(UTC), time.perf_counter()
    records = []
    for done, case in enumerate(cases, start=1):
        records.append(run_case(coach, journey, case, tag))
        if progress:
            progress(done, len(cases), case.id)
    run = run_header(coach, suite, suite_path)
    run.update({"label": label, "started_at": started.isoformat(timespec="seconds"),
                "duration_s": round(time.perf_counter() - t0, 2), "judge_model": None})
    run.update(summarise(suite, records, known))
    run["cases"] = records
    return run
