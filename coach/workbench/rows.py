"""The workbench tables' rows and the values of coach/workbench/projects.py, each way, and the
steps coach/workbench/store.py's queries are made of: a row by id, but only the user's own
(another user's reads as missing), the user's rows of a table, an insert's new id, a project
marked changed, a measure's points written in batches, a PDSA cycle's links checked."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.db.schema import workbench_cycles as CYCLES
from coach.db.schema import workbench_measures as MEASURES
from coach.db.schema import workbench_points as POINTS
from coach.db.schema import workbench_projects as PROJECTS
from coach.errors import BadInputError
from coach.workbench.columns import Point
from coach.workbench.projects import (
    MAX_POINTS,
    PDSA,
    Cycle,
    Measure,
    MeasurePlan,
    Project,
    Score,
    checked_point,
    would_loop,
)

BATCH = 1000  # points inserted per statement


class WorkbenchNotFoundError(BadInputError):
    """No project, measure, cycle or score with that id belongs to the user asking."""


def not_found(what: str, ident: object) -> WorkbenchNotFoundError:
    return WorkbenchNotFoundError(f"{what} {ident} is not one of yours: it may have been "
                                  "deleted. Open your project list to see what you have.")


def owned(conn: Connection, table: sa.Table, user: str, ident: object, what: str,
          lock: bool = False) -> Any:
    """The user's row with this id (``lock``: locked for the transaction), or not found."""
    try:
        key = int(str(ident).strip())
    except ValueError:
        raise not_found(what, repr(ident)) from None
    query = sa.select(table).where(table.c.id == key, table.c.user_name == user)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise not_found(what, key)
    return row


def owned_all(conn: Connection, table: sa.Table, user: str, *where: Any,
              order: tuple[Any, ...] = ()) -> list[Any]:
    """The user's rows of ``table`` that match ``where``, in ``order`` then by id."""
    query = sa.select(table).where(table.c.user_name == user, *where)
    return list(conn.execute(query.order_by(*order, table.c.id)).all())


def insert(conn: Connection, table: sa.Table, values: Mapping[str, Any]) -> int:
    """Insert one row; its new id."""
    key = conn.execute(table.insert().values(**values)).inserted_primary_key
    if key is None:  # every workbench table has an id
        raise RuntimeError(f"{table.name}: the database returned no id for the new row")
    return int(key[0])


def touch(conn: Connection, user: str, project_id: int, stamp: str) -> None:
    """Mark the project changed (something of it was)."""
    conn.execute(PROJECTS.update().where(
        PROJECTS.c.id == project_id, PROJECTS.c.user_name == user).values(updated_at=stamp))


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def project_of(r: Any) -> Project:
    return Project(int(r.id), str(r.user_name), str(r.title), str(r.aim), str(r.team),
                   str(r.sponsor), str(r.created_at), str(r.updated_at))


def measure_of(r: Any) -> Measure:
    plan = MeasurePlan(
        kind=str(r.kind), name=str(r.name), direction=str(r.direction), chart=str(r.chart),
        definition=str(r.definition), source=str(r.source), frequency=str(r.frequency),
        owner=str(r.owner), target=None if r.target is None else float(r.target),
        rebase=tuple(dt.date.fromisoformat(d) for d in json.loads(r.rebase)))
    return Measure(int(r.id), int(r.project_id), plan, str(r.created_at), str(r.updated_at))


def plan_values(plan: MeasurePlan) -> dict[str, Any]:
    return {"kind": plan.kind, "name": plan.name, "direction": plan.direction,
            "chart": plan.chart, "definition": plan.definition, "source": plan.source,
            "frequency": plan.frequency, "owner": plan.owner, "target": plan.target,
            "rebase": json.dumps([d.isoformat() for d in plan.rebase])}


def cycle_of(r: Any) -> Cycle:
    pdsa = PDSA(
        title=str(r.title), plan=str(r.plan), prediction=str(r.prediction), do=str(r.do_text),
        study=str(r.study), act=str(r.act), act_note=str(r.act_note),
        planned=_day(r.planned), done=_day(r.done), studied=_day(r.studied),
        acted=_day(r.acted), measure_id=r.measure_id, follows=r.follows)
    return Cycle(int(r.id), int(r.project_id), pdsa, str(r.created_at), str(r.updated_at))


def pdsa_values(c: PDSA) -> dict[str, Any]:
    return {"title": c.title, "plan": c.plan, "prediction": c.prediction, "do_text": c.do,
            "study": c.study, "act": c.act, "act_note": c.act_note,
            "planned": _iso(c.planned), "done": _iso(c.done), "studied": _iso(c.studied),
            "acted": _iso(c.acted), "measure_id": c.measure_id, "follows": c.follows}


def score_of(r: Any) -> Score:
    return Score(int(r.id), dt.date.fromisoformat(r.scored_on), float(r.score), str(r.note),
                 str(r.recorded_at))


def points_of(conn: Connection, user: str,
              measure_ids: list[int]) -> dict[int, tuple[Point, ...]]:
    """The data of each of the user's measures named, in date order."""
    found: dict[int, list[Point]] = {}
    for r in owned_all(conn, POINTS, user, POINTS.c.measure_id.in_(measure_ids),
                       order=(POINTS.c.measure_id, POINTS.c.point_date)):
        found.setdefault(int(r.measure_id), []).append(
            Point(dt.date.fromisoformat(r.point_date), float(r.value), str(r.note)))
    return {k: tuple(v) for k, v in found.items()}


def write_points(conn: Connection, user: str, measure_id: int, points: Iterable[Point]) -> int:
    """Insert the measure's points (checked one by one, in batches); how many."""
    seen: set[dt.date] = set()
    batch: list[dict[str, Any]] = []
    for point in points:
        if len(seen) >= MAX_POINTS:
            raise BadInputError(f"More than {MAX_POINTS:,} points: chart daily, weekly or "
                                "monthly totals instead.")
        p = checked_point(point, seen)
        batch.append({"user_name": user, "measure_id": measure_id, "value": p.value,
                      "point_date": p.date.isoformat(), "note": p.note})
        if len(batch) >= BATCH:
            conn.execute(POINTS.insert(), batch)
            batch = []
    if batch:
        conn.execute(POINTS.insert(), batch)
    return len(seen)


def check_links(conn: Connection, user: str, pid: int, cycle_id: int | None,
                pdsa: PDSA) -> None:
    """A cycle names only a measure of its own project and follows only a cycle of it,
    never in a loop."""
    if pdsa.measure_id is not None and conn.execute(sa.select(MEASURES.c.id).where(
            MEASURES.c.id == pdsa.measure_id, MEASURES.c.user_name == user,
            MEASURES.c.project_id == pid)).first() is None:
        raise BadInputError(f"Measure {pdsa.measure_id} is not a measure of this project: "
                            "link the cycle to one of the project's own measures.")
    if pdsa.follows is None:
        return
    links = {int(r.id): r.follows for r in conn.execute(sa.select(
        CYCLES.c.id, CYCLES.c.follows).where(CYCLES.c.user_name == user,
                                             CYCLES.c.project_id == pid))}
    if pdsa.follows not in links:
        raise BadInputError(f"Cycle {pdsa.follows} is not a cycle of this project: a ramp "
                            "links cycles of one project.")
    if cycle_id is not None and would_loop(links, cycle_id, pdsa.follows):
        raise BadInputError(f"Cycle {cycle_id} cannot follow cycle {pdsa.follows}: that "
                            "cycle already builds on it, and a ramp cannot go in a loop.")
