"""A lead's QI projects in the app's database: the project, its measurement plan and each
measure's data, its PDSA cycles, its progress score history (tables ``workbench_*`` in
coach/db/schema.py; the values and their checks are coach/workbench/projects.py).

Owned by the user: every method takes the user and reads or changes only that user's rows;
another user's project, measure, cycle or score reads exactly like one that does not exist
(``WorkbenchNotFoundError``, a ``BadInputError``). Rows to values and back, and the steps
the queries are made of: coach/workbench/rows.py. The one listing across users is
``register(None)``: read-only, and the caller checks the role. Input is checked before
anything is written and every write is one transaction, so bad input changes nothing; a
measure's data is replaced whole or not at all. ``coach users forget`` deletes the rows by
their user name (coach/access/forget.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa

from coach.db import Database, check_user, now, utc_now
from coach.db.schema import workbench_cycles as CYCLES
from coach.db.schema import workbench_measures as MEASURES
from coach.db.schema import workbench_points as POINTS
from coach.db.schema import workbench_projects as PROJECTS
from coach.db.schema import workbench_scores as SCORES
from coach.workbench.aim import progress_score
from coach.workbench.columns import Point
from coach.workbench.projects import (
    MAX_LINE,
    MAX_NOTE,
    MAX_TEXT,
    MAX_TITLE,
    PDSA,
    Cycle,
    Measure,
    MeasureData,
    MeasurePlan,
    Project,
    ProjectSummary,
    RegisterEntry,
    Score,
    day,
    text,
)
from coach.workbench.rows import (
    WorkbenchNotFoundError,
    check_links,
    cycle_of,
    insert,
    measure_of,
    owned,
    owned_all,
    pdsa_values,
    plan_values,
    points_of,
    project_of,
    score_of,
    touch,
    write_points,
)

__all__ = ["WorkbenchNotFoundError", "WorkbenchStore"]

class WorkbenchStore:
    """Each user's QI projects in the app's database (SQLite or PostgreSQL)."""

    def __init__(self, db: Database):
        self.db = db

    # -- projects --------------------------------------------------------------------------
    def create(self, user: str, title: str, *, aim: str = "", team: str = "",
               sponsor: str = "") -> Project:
        user, stamp = check_user(user), now("microseconds")
        values = {"title": text(title, "project's title", MAX_TITLE, required=True),
                  "aim": text(aim, "aim", MAX_TEXT, lines=True),
                  "team": text(team, "team", MAX_LINE),
                  "sponsor": text(sponsor, "sponsor", MAX_LINE)}
        with self.db.begin() as conn:
            ident = insert(conn, PROJECTS, {"user_name": user, "created_at": stamp,
                                            "updated_at": stamp, **values})
            return project_of(owned(conn, PROJECTS, user, ident, "Project"))

    def projects(self, user: str) -> list[Project]:
        """The user's projects, most recently changed first."""
        with self.db.connect() as conn:
            rows = owned_all(conn, PROJECTS, check_user(user),
                             order=(PROJECTS.c.updated_at.desc(),))
        return [project_of(r) for r in rows]

    def project(self, user: str, project_id: int) -> Project:
        with self.db.connect() as conn:
            return project_of(owned(conn, PROJECTS, check_user(user), project_id, "Project"))

    def update(self, user: str, project_id: int, *, title: str | None = None,
               aim: str | None = None, team: str | None = None,
               sponsor: str | None = None) -> Project:
        """Change the fields given (None: keep)."""
        user = check_user(user)
        values: dict[str, str] = {}
        if title is not None:
            values["title"] = text(title, "project's title", MAX_TITLE, required=True)
        if aim is not None:
            values["aim"] = text(aim, "aim", MAX_TEXT, lines=True)
        for name, value in (("team", team), ("sponsor", sponsor)):
            if value is not None:
                values[name] = text(value, name, MAX_LINE)
        with self.db.begin() as conn:
            row = owned(conn, PROJECTS, user, project_id, "Project", lock=True)
            conn.execute(PROJECTS.update().where(PROJECTS.c.id == row.id).values(
                updated_at=now("microseconds"), **values))
            return project_of(owned(conn, PROJECTS, user, row.id, "Project"))

    def delete(self, user: str, project_id: int) -> None:
        """Delete the project with its measures, their data, its cycles and its scores."""
        user = check_user(user)
        with self.db.begin() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project", lock=True).id
            measures = sa.select(MEASURES.c.id).where(
                MEASURES.c.project_id == pid, MEASURES.c.user_name == user)
            conn.execute(POINTS.delete().where(POINTS.c.user_name == user,
                                               POINTS.c.measure_id.in_(measures)))
            for table in (MEASURES, CYCLES, SCORES):
                conn.execute(table.delete().where(table.c.project_id == pid,
                                                  table.c.user_name == user))
            conn.execute(PROJECTS.delete().where(PROJECTS.c.id == pid))

    # -- the measurement plan and each measure's data ------------------------------------
    def add_measure(self, user: str, project_id: int, plan: MeasurePlan) -> Measure:
        user, plan, stamp = check_user(user), plan.checked(), now("microseconds")
        with self.db.begin() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project", lock=True).id
            ident = insert(conn, MEASURES, {"user_name": user, "project_id": pid,
                                            "created_at": stamp, "updated_at": stamp,
                                            **plan_values(plan)})
            touch(conn, user, pid, stamp)
            return measure_of(owned(conn, MEASURES, user, ident, "Measure"))

    def measures(self, user: str, project_id: int) -> list[Measure]:
        """The project's measurement plan, in the order the measures were added."""
        user = check_user(user)
        with self.db.connect() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project").id
            return [measure_of(r) for r in owned_all(conn, MEASURES, user,
                                                   MEASURES.c.project_id == pid)]

    def measure_names(self, user: str) -> list[tuple[str, str]]:
        """(measure name, project title) of each of the user's measures, in one query: the
        chat reads them for every message, to know whether it names one."""
        user = check_user(user)
        query = (sa.select(MEASURES.c.name, PROJECTS.c.title)
                 .join(PROJECTS, PROJECTS.c.id == MEASURES.c.project_id)
                 .where(MEASURES.c.user_name == user, PROJECTS.c.user_name == user)
                 .order_by(PROJECTS.c.updated_at.desc(), MEASURES.c.id))
        with self.db.connect() as conn:
            return [(str(r.name), str(r.title)) for r in conn.execute(query)]

    def measure(self, user: str, measure_id: int) -> Measure:
        with self.db.connect() as conn:
            return measure_of(owned(conn, MEASURES, check_user(user), measure_id, "Measure"))

    def update_measure(self, user: str, measure_id: int, plan: MeasurePlan) -> Measure:
        user, plan, stamp = check_user(user), plan.checked(), now("microseconds")
        with self.db.begin() as conn:
            row = owned(conn, MEASURES, user, measure_id, "Measure", lock=True)
            conn.execute(MEASURES.update().where(MEASURES.c.id == row.id).values(
                updated_at=stamp, **plan_values(plan)))
            touch(conn, user, row.project_id, stamp)
            return measure_of(owned(conn, MEASURES, user, row.id, "Measure"))

    def delete_measure(self, user: str, measure_id: int) -> None:
        """Delete the measure and its data; cycles that named it keep their notes."""
        user = check_user(user)
        with self.db.begin() as conn:
            row = owned(conn, MEASURES, user, measure_id, "Measure", lock=True)
            conn.execute(POINTS.delete().where(POINTS.c.measure_id == row.id,
                                               POINTS.c.user_name == user))
            conn.execute(CYCLES.update().where(CYCLES.c.measure_id == row.id,
                                               CYCLES.c.user_name == user).values(
                measure_id=None))
            conn.execute(MEASURES.delete().where(MEASURES.c.id == row.id))
            touch(conn, user, row.project_id, now("microseconds"))

    def replace_points(self, user: str, measure_id: int, points: Iterable[Point]) -> int:
        """Replace the measure's data with ``points`` (read once, and may be lazy): all of
        them or, if any is bad or the reading fails, none, the old data kept. Returns how
        many points the measure now has."""
        user, stamp = check_user(user), now("microseconds")
        with self.db.begin() as conn:
            row = owned(conn, MEASURES, user, measure_id, "Measure", lock=True)
            conn.execute(POINTS.delete().where(POINTS.c.measure_id == row.id,
                                               POINTS.c.user_name == user))
            count = write_points(conn, user, row.id, points)
            conn.execute(MEASURES.update().where(MEASURES.c.id == row.id).values(
                updated_at=stamp))
            touch(conn, user, row.project_id, stamp)
        return count

    def points(self, user: str, measure_id: int) -> tuple[Point, ...]:
        """The measure's data in date order."""
        user = check_user(user)
        with self.db.connect() as conn:
            mid = owned(conn, MEASURES, user, measure_id, "Measure").id
            return points_of(conn, user, [mid]).get(mid, ())

    # -- PDSA cycles -----------------------------------------------------------------------
    def add_cycle(self, user: str, project_id: int, pdsa: PDSA) -> Cycle:
        return self._save_cycle(check_user(user), project_id, None, pdsa.checked())

    def update_cycle(self, user: str, cycle_id: int, pdsa: PDSA) -> Cycle:
        """Replace what the cycle says (its project stays); the same checks as adding it."""
        user, pdsa = check_user(user), pdsa.checked()
        with self.db.connect() as conn:
            row = owned(conn, CYCLES, user, cycle_id, "PDSA cycle")
        return self._save_cycle(user, row.project_id, int(row.id), pdsa)

    def _save_cycle(self, user: str, project_id: int, cycle_id: int | None,
                    pdsa: PDSA) -> Cycle:
        stamp = now("microseconds")
        with self.db.begin() as conn:  # the project locked: links are checked, then written
            pid = owned(conn, PROJECTS, user, project_id, "Project", lock=True).id
            check_links(conn, user, pid, cycle_id, pdsa)
            if cycle_id is None:
                cycle_id = insert(conn, CYCLES, {"user_name": user, "project_id": pid,
                                                 "created_at": stamp, "updated_at": stamp,
                                                 **pdsa_values(pdsa)})
            else:
                conn.execute(CYCLES.update().where(
                    CYCLES.c.id == cycle_id, CYCLES.c.user_name == user).values(
                    updated_at=stamp, **pdsa_values(pdsa)))
            touch(conn, user, pid, stamp)
            return cycle_of(owned(conn, CYCLES, user, cycle_id, "PDSA cycle"))

    def cycles(self, user: str, project_id: int) -> list[Cycle]:
        """The project's PDSA log, in the order the cycles were logged."""
        user = check_user(user)
        with self.db.connect() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project").id
            return [cycle_of(r) for r in owned_all(conn, CYCLES, user,
                                                 CYCLES.c.project_id == pid)]

    def cycle(self, user: str, cycle_id: int) -> Cycle:
        with self.db.connect() as conn:
            return cycle_of(owned(conn, CYCLES, check_user(user), cycle_id, "PDSA cycle"))

    def delete_cycle(self, user: str, cycle_id: int) -> None:
        """Delete the cycle; the cycles that built on it then follow the one it built on."""
        user = check_user(user)
        with self.db.begin() as conn:
            row = owned(conn, CYCLES, user, cycle_id, "PDSA cycle", lock=True)
            conn.execute(CYCLES.update().where(CYCLES.c.follows == row.id,
                                               CYCLES.c.user_name == user).values(
                follows=row.follows))
            conn.execute(CYCLES.delete().where(CYCLES.c.id == row.id))
            touch(conn, user, row.project_id, now("microseconds"))

    # -- progress scores -------------------------------------------------------------------
    def add_score(self, user: str, project_id: int, score: float | str, *,
                  on: dt.date | str | None = None, note: str = "") -> Score:
        """Record the project's IHI progress score (0.5 to 5) on ``on`` (default today)."""
        user, value = check_user(user), progress_score(score)
        when = utc_now().date() if on is None else day(on, "score's date")
        note, stamp = text(note, "note on the score", MAX_NOTE), now("microseconds")
        with self.db.begin() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project", lock=True).id
            ident = insert(conn, SCORES, {"user_name": user, "project_id": pid,
                                          "scored_on": when.isoformat(), "score": value,
                                          "note": note, "recorded_at": stamp})
            touch(conn, user, pid, stamp)
            return score_of(owned(conn, SCORES, user, ident, "Progress score"))

    def scores(self, user: str, project_id: int) -> tuple[Score, ...]:
        """The project's progress score history, oldest first (the last is the latest)."""
        user = check_user(user)
        with self.db.connect() as conn:
            pid = owned(conn, PROJECTS, user, project_id, "Project").id
            return tuple(score_of(r) for r in owned_all(conn, SCORES, user,
                                                      SCORES.c.project_id == pid,
                                                      order=(SCORES.c.scored_on,)))

    def delete_score(self, user: str, score_id: int) -> None:
        user = check_user(user)
        with self.db.begin() as conn:
            row = owned(conn, SCORES, user, score_id, "Progress score", lock=True)
            conn.execute(SCORES.delete().where(SCORES.c.id == row.id))
            touch(conn, user, row.project_id, now("microseconds"))

    # -- reading a project whole -----------------------------------------------------------
    def register(self, owner: str | None) -> list[RegisterEntry]:
        """The project register: ``owner``'s projects, or with None every user's (for an
        admin: the caller checks the role), each with its aim, team, sponsor, number of PDSA
        cycles and latest progress score; by owner, then title."""
        mine = [] if owner is None else [PROJECTS.c.user_name == check_user(owner)]
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(PROJECTS).where(*mine)).all()
            ids = [r.id for r in rows]
            latest = {int(r.project_id): r for r in conn.execute(sa.select(SCORES).where(
                SCORES.c.project_id.in_(ids)).order_by(
                    SCORES.c.project_id, SCORES.c.scored_on, SCORES.c.id))}
            cycles = {int(pid): int(n) for pid, n in conn.execute(
                sa.select(CYCLES.c.project_id, sa.func.count()).where(
                    CYCLES.c.project_id.in_(ids)).group_by(CYCLES.c.project_id))}
        entries = []
        for r in rows:
            s = latest.get(int(r.id))
            entries.append(RegisterEntry(
                int(r.id), str(r.user_name), str(r.title), None if s is None else float(s.score),
                None if s is None else dt.date.fromisoformat(s.scored_on), str(r.updated_at),
                aim=str(r.aim), team=str(r.team), sponsor=str(r.sponsor),
                cycles=cycles.get(int(r.id), 0)))
        return sorted(entries, key=lambda e: (e.owner, e.title.lower(), e.project_id))

    def summary(self, user: str, project_id: int) -> ProjectSummary:
        """Everything of one project as plain values, read at once (for an export)."""
        user = check_user(user)
        with self.db.connect() as conn:
            project = project_of(owned(conn, PROJECTS, user, project_id, "Project"))
            measures = [measure_of(r) for r in owned_all(
                conn, MEASURES, user, MEASURES.c.project_id == project.id)]
            points = points_of(conn, user, [m.id for m in measures])
            cycles = tuple(cycle_of(r) for r in owned_all(
                conn, CYCLES, user, CYCLES.c.project_id == project.id))
            scores = tuple(score_of(r) for r in owned_all(
                conn, SCORES, user, SCORES.c.project_id == project.id,
                order=(SCORES.c.scored_on,)))
        return ProjectSummary(
            project, project.aim_check(),
            tuple(MeasureData(m, points.get(m.id, ())) for m in measures), cycles, scores)
