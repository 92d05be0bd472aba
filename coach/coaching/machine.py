"""The coaching state machine: a stage enum, a transition table and pure functions.

Every function takes an immutable ``Progress`` (plus the ``Journey`` loaded from
knowledge/journey.yaml) and returns a new one; nothing here does I/O. The steps, their order and
their checklists all come from the journey file, so editing the YAML changes the journey.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from coach.coaching.journey import Journey, Step
from coach.errors import BadInputError

MAX_TEXT = 2000  # longest note or action text accepted, in characters


class JourneyInputError(BadInputError):
    """An unknown step or checklist item, a bad date, or a move the journey does not allow."""


class Stage(StrEnum):
    NEW = "new"              # nothing started
    ASSESSED = "assessed"    # self-assessment taken, no step opened yet
    ON_STEP = "on-step"      # working through the steps
    FINISHED = "finished"    # every step done or already in place


class Event(StrEnum):
    START = "start"
    ASSESS = "assess"
    GOTO = "goto"
    NEXT = "next"
    PREVIOUS = "previous"
    TICK = "tick"
    NOTE = "note"
    ACTION = "action"
    COMPLETE = "complete"
    REOPEN = "reopen"
    IN_PLACE = "in-place"
    RESET = "reset"


_ALL = tuple(Stage)
_WORKING = (Stage.ON_STEP, Stage.FINISHED)
# (stage, event) -> next stage. ON_STEP and FINISHED are settled afterwards by whether every
# step is done. A pair missing from the table is a move the journey does not allow.
TRANSITIONS: dict[tuple[Stage, Event], Stage] = {
    **{(s, Event.START): Stage.ON_STEP for s in _ALL},
    **{(s, Event.ASSESS): (Stage.ASSESSED if s == Stage.NEW else s) for s in _ALL},
    **{(s, Event.GOTO): Stage.ON_STEP for s in _ALL},
    **{(s, Event.IN_PLACE): Stage.ON_STEP for s in _ALL},
    **{(s, Event.RESET): Stage.NEW for s in _ALL},
    **{(s, e): Stage.ON_STEP for s in _WORKING
       for e in (Event.NEXT, Event.PREVIOUS, Event.TICK, Event.NOTE, Event.ACTION,
                 Event.COMPLETE, Event.REOPEN)},
}

DONE, IN_PLACE, IN_PROGRESS, NOT_STARTED = "done", "already in place", "in progress", "not started"


@dataclass(frozen=True)
class Action:
    what: str
    owner: str
    due: dt.date


@dataclass(frozen=True)
class StepProgress:
    ticked: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    completed: str = ""      # "", DONE or IN_PLACE
    visited: bool = False


@dataclass(frozen=True)
class Progress:
    """One user's journey. ``kept`` holds saved data the current journey.yaml cannot place
    (a renamed or removed step, an unreadable entry); it is saved back unchanged, never dropped.
    """

    stage: Stage = Stage.NEW
    current: str | None = None
    steps: tuple[tuple[str, StepProgress], ...] = ()
    kept: tuple[tuple[str, Any], ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def step(self, step_id: str) -> StepProgress:
        return dict(self.steps).get(step_id, StepProgress())


# -- lookups ------------------------------------------------------------------------------
def find_step(journey: Journey, ref: str | int | None) -> Step:
    """A step by id or number (1-6); a clear error naming the valid ids otherwise."""
    text = str(ref).strip() if ref is not None else ""
    for s in journey.steps:
        if text in (s.id, str(s.number)):
            return s
    valid = ", ".join(f"{s.number} ({s.id})" for s in journey.steps)
    raise JourneyInputError(f"Unknown step {text!r}. Use a step number or id: {valid}.")


def status(progress: Progress, step_id: str) -> str:
    sp = progress.step(step_id)
    if sp.completed:
        return sp.completed
    if sp.visited or sp.ticked or sp.notes or sp.actions:
        return IN_PROGRESS
    return NOT_STARTED


def suggested_step(journey: Journey, progress: Progress) -> Step:
    """The first step that is neither done nor already in place (the last step if all are)."""
    for s in journey.steps:
        if not progress.step(s.id).completed:
            return s
    return journey.steps[-1]


def parse_due(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise JourneyInputError(
            f"Due date {text!r} is not a date: write it as YYYY-MM-DD, for example 2026-03-31."
        ) from None


# -- transitions ---------------------------------------------------------------------------
def _move(progress: Progress, event: Event, **changes: Any) -> Progress:
    target = TRANSITIONS.get((progress.stage, event))
    if target is None:
        raise JourneyInputError(
            f"Cannot {event.value} yet: start the journey first (coach journey start, or "
            "Start / resume in the Coach tab)."
        )
    return replace(progress, stage=target, **changes)


def _settle(journey: Journey, progress: Progress) -> Progress:
    if progress.stage not in _WORKING:
        return progress
    finished = all(progress.step(s.id).completed for s in journey.steps)
    return replace(progress, stage=Stage.FINISHED if finished else Stage.ON_STEP)


def _with_step(progress: Progress, step_id: str, **changes: Any) -> Progress:
    steps = dict(progress.steps)
    steps[step_id] = replace(progress.step(step_id), **changes)
    return replace(progress, steps=tuple(steps.items()))


def _visit(journey: Journey, progress: Progress, event: Event, step: Step) -> Progress:
    moved = _move(progress, event, current=step.id)
    return _settle(journey, _with_step(moved, step.id, visited=True))


def start(journey: Journey, progress: Progress) -> Progress:
    """Open the journey: resume the current step, or go to the suggested one."""
    if progress.current and progress.stage in _WORKING:
        return _visit(journey, progress, Event.START, find_step(journey, progress.current))
    return _visit(journey, progress, Event.START, suggested_step(journey, progress))


def assessed(progress: Progress) -> Progress:
    """Record that a self-assessment was taken (the scores themselves live in the store)."""
    return _move(progress, Event.ASSESS)


def goto(journey: Journey, progress: Progress, ref: str | int) -> Progress:
    return _visit(journey, progress, Event.GOTO, find_step(journey, ref))


def _current(journey: Journey, progress: Progress) -> Step:
    return find_step(journey, progress.current or journey.steps[0].id)


def next_step(journey: Journey, progress: Progress) -> Progress:
    here = _current(journey, progress)
    if here.number == len(journey.steps):
        raise JourneyInputError(f"Step {here.number} is the last step; there is no next step.")
    return _visit(journey, progress, Event.NEXT, journey.steps[here.number])


def previous_step(journey: Journey, progress: Progress) -> Progress:
    here = _current(journey, progress)
    if here.number == 1:
        raise JourneyInputError("Step 1 is the first step; there is no previous step.")
    return _visit(journey, progress, Event.PREVIOUS, journey.steps[here.number - 2])


def _target(journey: Journey, progress: Progress, ref: str | int | None) -> Step:
    return find_step(journey, ref) if ref is not None else _current(journey, progress)


def tick(journey: Journey, progress: Progress, items: list[str], *, step: str | int | None = None,
         ticked: bool = True) -> Progress:
    """Tick (or untick) checklist items, by id or by their 1-based number in the step."""
    s = _target(journey, progress, step)
    ids = [c.id for c in s.checklist]
    chosen = set()
    for ref in items:
        ref = str(ref).strip()
        if ref in ids:
            chosen.add(ref)
        elif ref.isdigit() and 1 <= int(ref) <= len(ids):
            chosen.add(ids[int(ref) - 1])
        else:
            raise JourneyInputError(
                f"Step {s.number} has no checklist item {ref!r}. Use 1-{len(ids)} or one of: "
                f"{', '.join(ids)}."
            )
    now = progress.step(s.id).ticked
    new = now | chosen if ticked else now - chosen
    return _settle(journey, _with_step(_move(progress, Event.TICK), s.id, ticked=frozenset(new)))


def set_ticks(journey: Journey, progress: Progress, items: list[str], *,
              step: str | int | None = None) -> Progress:
    """Make exactly ``items`` the ticked set of a step (the web form sends the whole set)."""
    s = _target(journey, progress, step)
    return tick(journey, _with_step(progress, s.id, ticked=frozenset()), items, step=s.id)


def _clean(text: str, what: str) -> str:
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    if not text:
        raise JourneyInputError(f"The {what} is empty: type something first.")
    if len(text) > MAX_TEXT:
        raise JourneyInputError(f"The {what} is {len(text)} characters; the limit is {MAX_TEXT}.")
    return text


def add_note(journey: Journey, progress: Progress, text: str, *,
             step: str | int | None = None) -> Progress:
    s = _target(journey, progress, step)
    notes = progress.step(s.id).notes + (_clean(text, "note"),)
    return _settle(journey, _with_step(_move(progress, Event.NOTE), s.id, notes=notes))


def add_action(journey: Journey, progress: Progress, what: str, owner: str, due: str, *,
               step: str | int | None = None) -> Progress:
    s = _target(journey, progress, step)
    action = Action(_clean(what, "action"), _clean(owner, "action owner"), parse_due(due))
    actions = progress.step(s.id).actions + (action,)
    return _settle(journey, _with_step(_move(progress, Event.ACTION), s.id, actions=actions))


def complete(journey: Journey, progress: Progress, *, step: str | int | None = None,
             done: bool = True) -> Progress:
    """Mark a step done (``done=False`` reopens it)."""
    s = _target(journey, progress, step)
    event = Event.COMPLETE if done else Event.REOPEN
    moved = _move(progress, event)
    return _settle(journey, _with_step(moved, s.id, completed=DONE if done else ""))


def mark_in_place(journey: Journey, progress: Progress, refs: list[str | int]) -> Progress:
    """The lead says these steps are already in place: mark them and go on from the furthest.

    A lead with board support goes to step 3, not back to step 1; earlier steps not recorded
    stay open (``gaps_before`` names them so the lead can look back).
    """
    steps = [find_step(journey, r) for r in refs]
    if not steps:
        raise JourneyInputError("Name at least one step that is already in place.")
    for s in steps:
        if not progress.step(s.id).completed:
            progress = _with_step(progress, s.id, completed=IN_PLACE)
    furthest = max(s.number for s in steps)
    later = [s for s in journey.steps[furthest:] if not progress.step(s.id).completed]
    target = later[0] if later else suggested_step(journey, progress)
    return _visit(journey, progress, Event.IN_PLACE, target)


def gaps_before(journey: Journey, progress: Progress, step_id: str) -> list[Step]:
    """Earlier steps that are neither done nor in place."""
    number = find_step(journey, step_id).number
    return [s for s in journey.steps[: number - 1] if not progress.step(s.id).completed]


def reset(progress: Progress) -> Progress:
    _move(progress, Event.RESET)
    return Progress()
