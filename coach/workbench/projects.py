"""A lead's QI projects as plain values (pure): the project, its measurement plan, its PDSA
cycles and their ramps, its progress scores, and the summary an export is written from; with
the checks every field passes before coach/workbench/store.py stores it.

Every check raises ``BadInputError`` with a message that names the field and what to do. The
aim is kept as written (``Project.aim_check`` says what it is missing: coach/workbench/aim.py);
a measure's points are ``columns.Point`` (date, value, note), as a sheet is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coach.errors import BadInputError
from coach.workbench.aim import AimCheck, check_aim, progress_meaning
from coach.workbench.columns import MAX_ROWS, Point

KINDS = ("outcome", "process", "balancing")
DIRECTIONS = ("up", "down", "neither")
CHARTS = ("run", "xmr")
ACTS = ("adopt", "adapt", "abandon")
MAX_TITLE = 120    # a project's or a cycle's title
MAX_LINE = 200     # team, sponsor; a measure's name, source, frequency and owner
MAX_TEXT = 4000    # the aim, an operational definition, each part of a PDSA cycle
MAX_NOTE = 1000    # a point's note, a progress score's note
MAX_POINTS = MAX_ROWS
MAX_REBASES = 50


def text(value: object, what: str, limit: int, *, required: bool = False,
         lines: bool = False) -> str:
    """``value`` as stored: trimmed, spaces collapsed (line breaks kept with ``lines``)."""
    raw = "" if value is None else str(value)
    if lines:
        clean = "\n".join(" ".join(line.split()) for line in raw.strip().splitlines()).strip()
    else:
        clean = " ".join(raw.split())
    if required and not clean:
        raise BadInputError(f"The {what} is empty: write it in.")
    if len(clean) > limit:
        raise BadInputError(f"The {what} is {len(clean):,} characters; the limit is "
                            f"{limit:,}. Shorten it.")
    return clean


def choice(value: object, what: str, options: tuple[str, ...]) -> str:
    clean = str(value or "").strip().lower()
    if clean not in options:
        listed = ", ".join(options[:-1]) + " or " + options[-1]
        raise BadInputError(f"{str(value or '').strip()!r} is not a {what}: choose {listed}.")
    return clean


def number(value: object, what: str) -> float:
    try:
        clean = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        clean = math.nan
    if not math.isfinite(clean):
        raise BadInputError(f"The {what} must be a number; {value!r} is not.")
    return clean


def day(value: object, what: str) -> dt.date:
    """A date (``datetime.date`` or ISO text such as 2026-03-31)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInputError(f"The {what} {str(value)!r} is not a date: write it as "
                            "2026-03-31.") from None


def ident(value: object, what: str) -> int | None:
    """An id as typed ("12"), or None for none."""
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadInputError(f"{value!r} is not a {what} number.") from None


@dataclass(frozen=True)
class Project:
    id: int
    owner: str  # the user it belongs to
    title: str
    aim: str
    team: str
    sponsor: str
    created_at: str
    updated_at: str

    def aim_check(self) -> AimCheck:
        """What the aim is missing of how much, by when and for whom."""
        return check_aim(self.aim)


@dataclass(frozen=True)
class MeasurePlan:
    """One line of the measurement plan, as the lead writes it."""

    kind: str       # outcome, process or balancing
    name: str
    direction: str  # which way is better: up, down or neither
    chart: str = "run"  # run or xmr
    definition: str = ""  # the operational definition
    source: str = ""
    frequency: str = ""
    owner: str = ""  # who collects it (free text, not a user of the app)
    target: float | None = None
    rebase: tuple[dt.date, ...] = ()  # dates a known change started a new period

    def checked(self) -> MeasurePlan:
        """The plan as stored, or BadInputError naming the field."""
        rebase = tuple(sorted({day(d, "rebase date") for d in self.rebase}))
        if len(rebase) > MAX_REBASES:
            raise BadInputError(f"{len(rebase)} rebase dates: the limit is {MAX_REBASES}.")
        return MeasurePlan(
            kind=choice(self.kind, "kind of measure", KINDS),
            name=text(self.name, "measure's name", MAX_LINE, required=True),
            direction=choice(self.direction, "direction of improvement", DIRECTIONS),
            chart=choice(self.chart, "chart kind", CHARTS),
            definition=text(self.definition, "operational definition", MAX_TEXT, lines=True),
            source=text(self.source, "data source", MAX_LINE),
            frequency=text(self.frequency, "frequency", MAX_LINE),
            owner=text(self.owner, "measure's owner", MAX_LINE),
            target=None if self.target is None else number(self.target, "target"),
            rebase=rebase)


@dataclass(frozen=True)
class Measure:
    id: int
    project_id: int
    plan: MeasurePlan
    created_at: str
    updated_at: str


def checked_point(point: Point, seen: set[dt.date]) -> Point:
    """One point as stored; ``seen`` holds the dates already taken (and gets this one)."""
    date = day(point.date, "point's date")
    if date in seen:
        raise BadInputError(f"Two points are dated {date.isoformat()}: a measure has one "
                            "value per date. Keep one, or add the two values together.")
    seen.add(date)
    value = number(point.value, f"value on {date.isoformat()}")
    note = text(point.note, f"note on {date.isoformat()}", MAX_NOTE)
    return Point(date, value, note)


@dataclass(frozen=True)
class PDSA:
    """A plan-do-study-act cycle as the lead writes it: each part needs the one before (the
    prediction is written before the 'do'; the study is read against it)."""

    title: str
    plan: str = ""
    prediction: str = ""
    do: str = ""
    study: str = ""
    act: str = ""  # "", adopt, adapt or abandon
    act_note: str = ""  # what adopting, adapting or abandoning means here
    planned: dt.date | None = None
    done: dt.date | None = None
    studied: dt.date | None = None
    acted: dt.date | None = None
    measure_id: int | None = None  # the measure it should move, if one
    follows: int | None = None  # the cycle it builds on (a ramp)

    @property
    def stage(self) -> str:
        """The part to write next: plan, do, study, act, or done."""
        if not (self.plan and self.prediction):
            return "plan"
        return "do" if not self.do else "study" if not self.study else \
            "act" if not self.act else "done"

    def checked(self) -> PDSA:
        """The cycle as stored, or BadInputError saying which part is missing."""
        def part(value: str, what: str) -> str:
            return text(value, what, MAX_TEXT, lines=True)

        def when(value: object, what: str) -> dt.date | None:
            return None if value in (None, "") else day(value, what)

        clean = dataclasses.replace(
            self, title=text(self.title, "cycle's title", MAX_TITLE, required=True),
            plan=part(self.plan, "plan"), prediction=part(self.prediction, "prediction"),
            do=part(self.do, "'do' (what happened)"), study=part(self.study, "study"),
            act=choice(self.act, "decision", ACTS) if str(self.act or "").strip() else "",
            act_note=part(self.act_note, "note on the decision"),
            planned=when(self.planned, "plan date"), done=when(self.done, "'do' date"),
            studied=when(self.studied, "study date"), acted=when(self.acted, "decision date"),
            measure_id=ident(self.measure_id, "measure"), follows=ident(self.follows, "cycle"))
        _check_order(clean)
        return clean


def _check_order(c: PDSA) -> None:
    if c.do and not (c.plan and c.prediction):
        raise BadInputError("Write the plan and the prediction (what you expect to happen) "
                            "before recording the 'do': the study compares the two.")
    if c.study and not c.do:
        raise BadInputError("Record the 'do' (what happened) before the study.")
    if c.act and not c.study:
        raise BadInputError("Write the study (what happened against the prediction) before "
                            "deciding to adopt, adapt or abandon.")
    if c.act_note and not c.act:
        raise BadInputError("Choose adopt, adapt or abandon for the note on the decision.")
    dates = [(d, name) for d, name in ((c.planned, "planned"), (c.done, "done"),
                                       (c.studied, "studied"), (c.acted, "acted")) if d]
    for (first, a), (then, b) in zip(dates, dates[1:], strict=False):
        if then < first:
            raise BadInputError(f"The cycle is {b} on {then.isoformat()}, before it was {a} "
                                f"({first.isoformat()}): check the dates.")


@dataclass(frozen=True)
class Cycle:
    id: int
    project_id: int
    pdsa: PDSA
    created_at: str
    updated_at: str

    @property
    def date(self) -> dt.date | None:
        """Where the cycle sits on a chart: when it was done, else when it was planned."""
        return self.pdsa.done or self.pdsa.planned


def would_loop(follows: Mapping[int, int | None], cycle_id: int, parent: int) -> bool:
    """Whether ``cycle_id`` following ``parent`` closes a loop, given who follows whom."""
    seen: set[int] = set()
    node: int | None = parent
    while node is not None and node not in seen:
        if node == cycle_id:
            return True
        seen.add(node)
        node = follows.get(node)
    return False


def ramps(cycles: Iterable[Cycle]) -> tuple[tuple[Cycle, ...], ...]:
    """The cycles as ramps: each cycle that follows no other, then the cycles built on it,
    depth first (branches in date order)."""
    every = sorted(cycles, key=lambda c: (c.date or dt.date.max, c.id))
    ids = {c.id for c in every}
    children: dict[int | None, list[Cycle]] = {}
    for c in every:
        parent = c.pdsa.follows if c.pdsa.follows in ids else None
        children.setdefault(parent, []).append(c)
    found = []
    for root in children.get(None, []):
        ramp, stack = [], [root]
        while stack:
            node = stack.pop()
            ramp.append(node)
            stack.extend(reversed(children.get(node.id, [])))
        found.append(tuple(ramp))
    return tuple(found)


@dataclass(frozen=True)
class Score:
    """One entry of a project's IHI progress score history."""

    id: int
    on: dt.date
    score: float
    note: str
    recorded_at: str

    @property
    def meaning(self) -> str:
        return progress_meaning(self.score)


@dataclass(frozen=True)
class RegisterEntry:
    """A line of the project register: whose project, its aim, team and sponsor, how many
    PDSA cycles it has, and its latest progress score."""

    project_id: int
    owner: str
    title: str
    score: float | None
    scored_on: dt.date | None
    updated_at: str
    aim: str = ""
    team: str = ""
    sponsor: str = ""
    cycles: int = 0

    @property
    def meaning(self) -> str:
        """What the latest progress score means ("" without one)."""
        return "" if self.score is None else progress_meaning(self.score)


@dataclass(frozen=True)
class MeasureData:
    measure: Measure
    points: tuple[Point, ...]


@dataclass(frozen=True)
class ProjectSummary:
    """Everything of one project, for an export (aim, measures with data, PDSA log, scores)."""

    project: Project
    aim: AimCheck
    measures: tuple[MeasureData, ...]
    cycles: tuple[Cycle, ...]
    scores: tuple[Score, ...]

    @property
    def latest(self) -> Score | None:
        return self.scores[-1] if self.scores else None

    @property
    def ramps(self) -> tuple[tuple[Cycle, ...], ...]:
        return ramps(self.cycles)
