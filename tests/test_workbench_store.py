"""The lead's QI projects in the app's database, on SQLite and a real PostgreSQL (database_url):
projects, the measurement plan and each measure's data (replaced whole or not at all), PDSA
cycles linked into ramps, progress score history, the register, ownership (another user's
project reads as missing) and `coach users forget`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from coach.access.forget import forget
from coach.db import Database, migrate
from coach.db import schema as s
from coach.db.engine import engine_for
from coach.errors import BadInputError
from coach.workbench.columns import Point
from coach.workbench.projects import PDSA, MeasurePlan, ramps
from coach.workbench.store import WorkbenchNotFoundError, WorkbenchStore

AIM = "Reduce falls on Ward 7 by 30% by March 2027"
FALLS = MeasurePlan("outcome", "Falls per 1,000 bed days", "down", chart="xmr",
                    definition="Inpatient falls (Datix) / occupied bed days x 1,000",
                    source="Datix and the bed state", frequency="monthly", owner="Ward manager",
                    target=5.0, rebase=(dt.date(2026, 6, 1),))
TABLES = (s.workbench_projects, s.workbench_measures, s.workbench_points,
          s.workbench_cycles, s.workbench_scores)


@pytest.fixture
def db(database_url):
    database = Database(engine_for(make_url(database_url)))
    migrate(database)
    return database


@pytest.fixture
def store(db):
    return WorkbenchStore(db)


def months(n: int, start: int = 2025, value: float = 10.0) -> list[Point]:
    return [Point(dt.date(start + i // 12, i % 12 + 1, 1), value + i, f"m{i}" if i % 5 == 0
                  else "") for i in range(n)]


def rows(db: Database, user: str) -> dict[str, int]:
    with db.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t).where(
            t.c.user_name == user)).scalar_one() for t in TABLES}


# -- projects ------------------------------------------------------------------------------
def test_projects_are_created_listed_updated_and_deleted(store):
    first = store.create("alice", "  Fewer   falls ", aim=AIM, team="Ward 7 team",
                         sponsor="Director of Nursing")
    second = store.create("alice", "Faster discharge")
    assert (first.title, first.owner, first.aim, first.team) == (
        "Fewer falls", "alice", AIM, "Ward 7 team")
    assert first.aim_check().complete and not second.aim_check().complete
    assert [p.id for p in store.projects("alice")] == [second.id, first.id]  # newest change first

    changed = store.update("alice", first.id, aim="Reduce falls", sponsor="")
    assert (changed.title, changed.aim, changed.sponsor, changed.team) == (
        "Fewer falls", "Reduce falls", "", "Ward 7 team")
    assert changed.created_at == first.created_at and changed.updated_at > first.updated_at
    assert set(changed.aim_check().missing) == {"how_much", "by_when", "for_whom"}
    assert [p.id for p in store.projects("alice")] == [first.id, second.id]
    assert store.project("alice", str(first.id)) == changed

    store.delete("alice", second.id)
    assert [p.id for p in store.projects("alice")] == [first.id]
    with pytest.raises(WorkbenchNotFoundError, match=f"Project {second.id} is not one of yours"):
        store.project("alice", second.id)


def test_bad_project_input_is_refused_and_changes_nothing(store):
    project = store.create("alice", "Fewer falls", aim=AIM)
    with pytest.raises(BadInputError, match="project's title is empty"):
        store.create("alice", "   ")
    with pytest.raises(BadInputError, match="title is 121 characters; the limit is 120"):
        store.update("alice", project.id, title="x" * 121, aim="new aim")
    with pytest.raises(BadInputError, match="aim is 4,001 characters"):
        store.update("alice", project.id, aim="y" * 4001)
    with pytest.raises(BadInputError, match="A user name must be 1 to 100 characters"):
        store.create("", "A project")
    with pytest.raises(WorkbenchNotFoundError, match="Project 'abc' is not one of yours"):
        store.project("alice", "abc")
    assert store.projects("alice") == [project]


# -- the measurement plan and its data -----------------------------------------------------
def test_a_measure_is_planned_changed_and_its_data_replaced_whole(store):
    pid = store.create("alice", "Fewer falls").id
    measure = store.add_measure("alice", pid, FALLS)
    assert measure.plan == FALLS and measure.project_id == pid
    process = store.add_measure("alice", pid, MeasurePlan(" Process ", "Risk assessments done",
                                                          "UP"))
    assert (process.plan.kind, process.plan.direction, process.plan.chart,
            process.plan.target) == ("process", "up", "run", None)
    assert [m.id for m in store.measures("alice", pid)] == [measure.id, process.id]

    data = months(30)
    assert store.replace_points("alice", measure.id, reversed(data)) == 30
    assert store.points("alice", measure.id) == tuple(data)  # in date order, notes kept
    assert store.replace_points("alice", measure.id, months(2500, 1900)) == 2500  # batches
    assert store.points("alice", measure.id)[-1] == Point(dt.date(2108, 4, 1), 2509.0, "")
    assert store.replace_points("alice", measure.id, data[:3]) == 3
    assert store.points("alice", measure.id) == tuple(data[:3])

    wider = MeasurePlan("outcome", "Falls with harm", "down", rebase=("2026-01-01",))
    changed = store.update_measure("alice", measure.id, wider)
    assert changed.plan.rebase == (dt.date(2026, 1, 1),) and changed.plan.target is None
    assert store.points("alice", measure.id) == tuple(data[:3])  # the data stays
    store.delete_measure("alice", process.id)
    assert [m.id for m in store.measures("alice", pid)] == [measure.id]


def test_a_failing_replace_leaves_the_old_data(store, db):
    pid = store.create("alice", "Fewer falls").id
    mid = store.add_measure("alice", pid, FALLS).id
    good = months(24)
    store.replace_points("alice", mid, good)

    def sheet_that_breaks_at_row_20() -> Iterator[Point]:
        yield from months(18, 2030)  # more than the old data: deleted and inserted by then
        raise BadInputError("Row 20: the value column holds 'n/a'.")

    bad_inputs = [
        (sheet_that_breaks_at_row_20(), "Row 20"),
        ([*months(5, 2030), Point(dt.date(2030, 1, 1), 1.0)], "Two points are dated 2030-01-01"),
        ([Point(dt.date(2030, 1, 1), float("nan"))], "value on 2030-01-01 must be a number"),
        ([Point(dt.date(2030, 1, 1), 1.0, "n" * 1001)], "note on 2030-01-01 is 1,001 char"),
    ]
    for points, says in bad_inputs:
        with pytest.raises(BadInputError, match=says):
            store.replace_points("alice", mid, points)
        assert store.points("alice", mid) == tuple(good)
    assert rows(db, "alice")["workbench_points"] == 24


def test_bad_measure_input_is_refused_with_its_field_named(store):
    pid = store.create("alice", "Fewer falls").id
    for plan, says in [
        (MeasurePlan("result", "Falls", "down"), "'result' is not a kind of measure: choose "
                                                 "outcome, process or balancing"),
        (MeasurePlan("outcome", "Falls", "lower"), "not a direction of improvement"),
        (MeasurePlan("outcome", "Falls", "down", chart="p"), "'p' is not a chart kind"),
        (MeasurePlan("outcome", " ", "down"), "measure's name is empty"),
        (MeasurePlan("outcome", "Falls", "down", target="five"),  # type: ignore[arg-type]
         "target must be a number"),
        (MeasurePlan("outcome", "Falls", "down", rebase=("June",)),  # type: ignore[arg-type]
         "rebase date 'June' is not a date"),
        (MeasurePlan("outcome", "Falls", "down", source="s" * 201), "data source is 201"),
    ]:
        with pytest.raises(BadInputError, match=says):
            store.add_measure("alice", pid, plan)
    assert store.measures("alice", pid) == []
    with pytest.raises(WorkbenchNotFoundError, match="Project 999999 is not one of yours"):
        store.add_measure("alice", 999999, FALLS)


# -- PDSA cycles and ramps -----------------------------------------------------------------
def test_a_cycle_needs_each_part_before_the_next(store):
    pid = store.create("alice", "Fewer falls").id
    for pdsa, says in [
        (PDSA("Huddle", plan="Safety huddle", do="Ran it"), "prediction .* before recording"),
        (PDSA("Huddle", plan="p", prediction="q", study="Fewer falls"), "'do' .* before the"),
        (PDSA("Huddle", plan="p", prediction="q", do="d", act="adopt"), "study .* before "
                                                                        "deciding"),
        (PDSA("Huddle", plan="p", prediction="q", do="d", study="s", act="keep"),
         "'keep' is not a decision: choose adopt, adapt or abandon"),
        (PDSA(" "), "cycle's title is empty"),
        (PDSA("Huddle", plan="p", prediction="q", planned=dt.date(2026, 3, 2),
              done=dt.date(2026, 3, 1)), "done on 2026-03-01, before it was planned"),
        (PDSA("Huddle", plan="p" * 4001), "plan is 4,001 characters"),
        (PDSA("Huddle", follows="first"), "'first' is not a cycle number"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(BadInputError, match=says):
            store.add_cycle("alice", pid, pdsa)
    assert store.cycles("alice", pid) == []

    planned = store.add_cycle("alice", pid, PDSA("Huddle", plan="Safety huddle at 8am",
                                                 prediction="Falls fall by a third"))
    assert planned.pdsa.stage == "do" and planned.date is None
    full = PDSA("Huddle", plan="Safety huddle at 8am", prediction="Falls fall by a third",
                do="Ran it for 4 weeks", study="Falls fell by a quarter", act="adapt",
                act_note="Add the night shift", planned=dt.date(2026, 3, 1),
                done=dt.date(2026, 3, 8), studied=dt.date(2026, 4, 5),
                acted=dt.date(2026, 4, 6))
    done = store.update_cycle("alice", planned.id, full)
    assert done.pdsa == full and done.pdsa.stage == "done" and done.date == dt.date(2026, 3, 8)
    assert store.cycle("alice", planned.id) == done


def test_cycles_link_into_ramps_and_a_loop_or_a_foreign_link_is_refused(store):
    pid = store.create("alice", "Fewer falls").id
    other = store.create("alice", "Faster discharge").id
    mid = store.add_measure("alice", pid, FALLS).id
    first = store.add_cycle("alice", pid, PDSA("One ward", measure_id=mid,
                                               planned=dt.date(2026, 1, 5)))
    second = store.add_cycle("alice", pid, PDSA("Two wards", follows=str(first.id),  # type: ignore[arg-type]
                                                planned=dt.date(2026, 2, 5)))
    third = store.add_cycle("alice", pid, PDSA("Whole unit", follows=second.id,
                                               planned=dt.date(2026, 3, 5)))
    aside = store.add_cycle("alice", pid, PDSA("Night shift", planned=dt.date(2026, 1, 20)))
    assert second.pdsa.follows == first.id
    assert [[c.id for c in r] for r in ramps(store.cycles("alice", pid))] == [
        [first.id, second.id, third.id], [aside.id]]

    with pytest.raises(BadInputError, match=f"Cycle {first.id} cannot follow cycle "
                                            f"{third.id}.*loop"):
        store.update_cycle("alice", first.id, PDSA("One ward", follows=third.id))
    with pytest.raises(BadInputError, match="loop"):
        store.update_cycle("alice", first.id, PDSA("One ward", follows=first.id))
    elsewhere = store.add_cycle("alice", other, PDSA("Discharge lounge"))
    with pytest.raises(BadInputError, match=f"Cycle {elsewhere.id} is not a cycle of this "
                                            "project"):
        store.add_cycle("alice", pid, PDSA("Linked", follows=elsewhere.id))
    bobs = store.add_cycle("bob", store.create("bob", "Bob's").id, PDSA("Bob's cycle"))
    with pytest.raises(BadInputError, match=f"Cycle {bobs.id} is not a cycle of this project"):
        store.update_cycle("alice", aside.id, PDSA("Night shift", follows=bobs.id))
    with pytest.raises(BadInputError, match=f"Measure {mid} is not a measure of this project"):
        store.add_cycle("alice", other, PDSA("Linked", measure_id=mid))
    assert store.cycle("alice", first.id) == first and store.cycle("alice", aside.id) == aside

    store.delete_cycle("alice", second.id)  # the ramp closes over the gap
    assert store.cycle("alice", third.id).pdsa.follows == first.id
    store.delete_measure("alice", mid)
    assert store.cycle("alice", first.id).pdsa.measure_id is None


# -- progress scores and the register ------------------------------------------------------
def test_progress_scores_keep_their_history_and_the_register_shows_the_latest(store):
    falls = store.create("alice", "Fewer falls").id
    store.create("alice", "Faster discharge")
    bobs = store.create("bob", "Sepsis screening").id
    store.add_score("alice", falls, 1, on=dt.date(2026, 1, 31), note="Charter signed")
    store.add_score("alice", falls, "2.5", on="2026-03-31")
    store.add_score("alice", falls, 2.0, on=dt.date(2026, 2, 28))
    store.add_score("bob", bobs, 3.5)
    for score, says in [(0, "'0' is not an IHI progress score"), (5.5, "not an IHI"),
                        ("three", "not an IHI")]:
        with pytest.raises(BadInputError, match=says):
            store.add_score("alice", falls, score)
    with pytest.raises(BadInputError, match="note on the score is 1,001 characters"):
        store.add_score("alice", falls, 3, note="x" * 1001)

    history = store.scores("alice", falls)
    assert [(h.on.isoformat(), h.score) for h in history] == [
        ("2026-01-31", 1.0), ("2026-02-28", 2.0), ("2026-03-31", 2.5)]
    assert history[0].note == "Charter signed" and history[-1].meaning.startswith("changes tested")
    mine = store.register("alice")
    assert [(e.title, e.owner, e.score, e.scored_on) for e in mine] == [
        ("Faster discharge", "alice", None, None),
        ("Fewer falls", "alice", 2.5, dt.date(2026, 3, 31))]
    everyone = store.register(None)
    assert [(e.owner, e.title, e.score) for e in everyone] == [
        ("alice", "Faster discharge", None), ("alice", "Fewer falls", 2.5),
        ("bob", "Sepsis screening", 3.5)]
    store.delete_score("alice", history[-1].id)
    assert store.register("alice")[1].score == 2.0



def test_the_register_gives_each_project_its_aim_team_sponsor_and_cycles(store):
    falls = store.create("alice", "Fewer falls", aim="Halve falls on Ward 7 by March 2027",
                         team="Ward 7", sponsor="Director of nursing").id
    store.create("alice", "Faster discharge")
    for title in ("Huddle", "Huddle twice a day"):
        store.add_cycle("alice", falls, PDSA(title, plan="Safety huddle"))
    store.add_score("alice", falls, 3, on="2026-04-30")
    other = store.create("bob", "Sepsis screening").id
    store.add_cycle("bob", other, PDSA("Screen", plan="Screening tool"))
    first, second = store.register("alice")
    assert (second.title, second.aim, second.team, second.sponsor, second.cycles) == (
        "Fewer falls", "Halve falls on Ward 7 by March 2027", "Ward 7", "Director of nursing", 2)
    assert second.meaning == "modest improvement (about 20% of expected results)"
    assert (first.title, first.cycles, first.score, first.meaning) == (
        "Faster discharge", 0, None, "")

def test_the_summary_holds_everything_of_one_project(store):
    pid = store.create("alice", "Fewer falls", aim="Fewer falls on Ward 7", team="Ward 7").id
    mid = store.add_measure("alice", pid, FALLS).id
    store.add_measure("alice", pid, MeasurePlan("balancing", "Restraint use", "down"))
    store.replace_points("alice", mid, months(14))
    cycle = store.add_cycle("alice", pid, PDSA("Huddle", measure_id=mid))
    store.add_score("alice", pid, 2, on=dt.date(2026, 1, 1))
    store.create("alice", "Another project")

    summary = store.summary("alice", pid)
    assert summary.project == store.project("alice", pid)
    assert summary.aim.missing == ("how_much", "by_when")
    assert [(d.measure.plan.name, len(d.points)) for d in summary.measures] == [
        ("Falls per 1,000 bed days", 14), ("Restraint use", 0)]
    assert summary.measures[0].points == tuple(months(14))
    assert summary.cycles == (cycle,) and summary.ramps == ((cycle,),)
    assert summary.latest is not None and summary.latest.score == 2.0


# -- ownership and forgetting --------------------------------------------------------------
def test_another_users_project_reads_as_missing_and_stays_unchanged(store, db):
    pid = store.create("alice", "Fewer falls", aim=AIM).id
    mid = store.add_measure("alice", pid, FALLS).id
    store.replace_points("alice", mid, months(12))
    cid = store.add_cycle("alice", pid, PDSA("Huddle")).id
    sid = store.add_score("alice", pid, 2).id
    before, summary = rows(db, "alice"), store.summary("alice", pid)

    attempts = [
        lambda: store.project("bob", pid), lambda: store.update("bob", pid, title="Mine"),
        lambda: store.delete("bob", pid), lambda: store.measures("bob", pid),
        lambda: store.add_measure("bob", pid, FALLS), lambda: store.measure("bob", mid),
        lambda: store.update_measure("bob", mid, FALLS), lambda: store.points("bob", mid),
        lambda: store.replace_points("bob", mid, months(3)),
        lambda: store.delete_measure("bob", mid), lambda: store.cycles("bob", pid),
        lambda: store.add_cycle("bob", pid, PDSA("Mine")), lambda: store.cycle("bob", cid),
        lambda: store.update_cycle("bob", cid, PDSA("Mine")),
        lambda: store.delete_cycle("bob", cid), lambda: store.add_score("bob", pid, 3),
        lambda: store.scores("bob", pid), lambda: store.delete_score("bob", sid),
        lambda: store.summary("bob", pid),
    ]
    for attempt in attempts:
        with pytest.raises(WorkbenchNotFoundError, match="is not one of yours"):
            attempt()
    assert store.projects("bob") == [] and store.register("bob") == []
    assert rows(db, "alice") == before and store.summary("alice", pid) == summary


def test_deleting_a_project_and_forgetting_a_user_leave_no_rows(store, db, tmp_path):
    for user in ("alice", "bob"):
        for title in ("Fewer falls", "Faster discharge"):
            pid = store.create(user, title).id
            mid = store.add_measure(user, pid, FALLS).id
            store.replace_points(user, mid, months(12))
            store.add_cycle(user, pid, PDSA("Huddle", measure_id=mid))
            store.add_score(user, pid, 1.5)
    assert rows(db, "alice") == dict.fromkeys((t.name for t in TABLES), 2) | {
        "workbench_points": 24}

    store.delete("alice", store.projects("alice")[0].id)
    assert rows(db, "alice") == dict.fromkeys((t.name for t in TABLES), 1) | {
        "workbench_points": 12}
    bob_before = rows(db, "bob")

    done = forget(db, tmp_path, "alice")
    assert done.rows["workbench_projects"] == 1 and done.rows["workbench_points"] == 12
    assert rows(db, "alice") == dict.fromkeys((t.name for t in TABLES), 0)
    assert store.projects("alice") == [] and rows(db, "bob") == bob_before


def test_ramps_branch_depth_first_in_date_order_and_loops_are_found():
    from coach.workbench.projects import Cycle, would_loop

    def c(i: int, follows: int | None, day: int) -> Cycle:
        return Cycle(i, 1, PDSA(f"c{i}", follows=follows, planned=dt.date(2026, 1, day)), "", "")

    cycles = [c(1, None, 1), c(2, 1, 9), c(3, 1, 5), c(4, 3, 6), c(5, 99, 2)]
    assert [[x.id for x in r] for r in ramps(cycles)] == [[1, 3, 4, 2], [5]]
    links = {1: None, 2: 1, 3: 1, 4: 3}
    assert would_loop(links, 1, 4) and would_loop(links, 3, 3) and not would_loop(links, 2, 4)
