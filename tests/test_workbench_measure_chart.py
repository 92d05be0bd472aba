"""A stored measure charted (coach/workbench/measure_chart.py): the plan's direction, chart
kind and target reach the chart, the project's dated PDSA cycles become notes, another user's
measure is not found, and too little data is refused with a message."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import make_url

from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.errors import BadInputError
from coach.workbench.columns import Point
from coach.workbench.measure_chart import chart_measure, cycle_notes
from coach.workbench.projects import PDSA, MeasurePlan
from coach.workbench.results import Meaning, Rule
from coach.workbench.store import WorkbenchStore

FALLS = MeasurePlan("outcome", "Falls per 1,000 bed days", "down", chart="xmr", target=5.0)


@pytest.fixture
def store(tmp_path):
    db = Database(engine_for(make_url(f"sqlite:///{tmp_path / 'app.db'}")))
    migrate(db)
    return WorkbenchStore(db)


def month(i: int) -> dt.date:
    return dt.date(2025 + i // 12, i % 12 + 1, 1)


def test_a_stored_measure_is_charted_by_its_plan_with_its_cycles_as_notes(store):
    project = store.create("lead", "Falls on Ward 7")
    measure = store.add_measure("lead", project.id, FALLS)
    # 12 months around 8, then 8 months clearly lower: 7 or more below the mean
    values = [8.0, 8.4, 7.6, 8.2, 7.8, 8.1, 7.9, 8.3, 7.7, 8.0, 8.2, 7.8,
              5.9, 6.1, 5.8, 6.0, 6.2, 5.7, 6.0, 5.9]
    store.replace_points("lead", measure.id, [Point(month(i), v) for i, v in enumerate(values)])
    store.add_cycle("lead", project.id, PDSA("Bed rails check", plan="check rails at handover",
                                             prediction="fewer falls at night",
                                             planned=month(12), measure_id=measure.id))
    store.add_cycle("lead", project.id, PDSA("Undated idea"))
    drawn = chart_measure(store, "lead", measure.id)
    assert drawn.notes == ((month(12), "PDSA: Bed rails check"),)
    runs = {s.side.value: s.meaning for s in drawn.chart.signals if s.rule == Rule.RUN_OF_7}
    # lower is better for falls: the low run is improvement, the high one before it concern
    assert runs == {"low": Meaning.IMPROVEMENT, "high": Meaning.CONCERN}
    assert "improvement" in drawn.reading.text and "target of 5" in drawn.reading.text
    assert "Bed rails check" in drawn.alt()
    assert drawn.png().startswith(b"\x89PNG")
    assert drawn.csv().splitlines()[0].startswith("date")


def test_another_users_measure_and_too_little_data_are_refused(store):
    project = store.create("lead", "Falls on Ward 7")
    measure = store.add_measure("lead", project.id, FALLS)
    with pytest.raises(BadInputError):
        chart_measure(store, "someone-else", measure.id)
    store.replace_points("lead", measure.id, [Point(month(0), 1.0), Point(month(1), 2.0)])
    with pytest.raises(BadInputError, match="3"):
        chart_measure(store, "lead", measure.id)


def test_cycle_notes_keep_only_dated_cycles_for_the_measure(store):
    project = store.create("lead", "Falls on Ward 7")
    a = store.add_measure("lead", project.id, FALLS)
    b = store.add_measure("lead", project.id, MeasurePlan("process", "Rails checked", "up"))
    store.add_cycle("lead", project.id, PDSA("For a", planned=month(1), measure_id=a.id))
    store.add_cycle("lead", project.id, PDSA("For b", planned=month(2), measure_id=b.id))
    store.add_cycle("lead", project.id, PDSA("For all", planned=month(3)))
    cycles = store.cycles("lead", project.id)
    assert [n[1] for n in cycle_notes(cycles, a.id)] == ["PDSA: For a", "PDSA: For all"]
    assert len(cycle_notes(cycles)) == 3
