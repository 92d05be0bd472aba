"""One measure charted: its points, its plan's direction, chart kind, target and rebase dates,
and its project's PDSA cycles as notes at their dates. This is the one place the project store
meets the chart; the web app, the CLI, the chat and the project export all chart through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from coach.workbench.chart import Note, alt_text, render_png
from coach.workbench.columns import Point
from coach.workbench.export import to_csv
from coach.workbench.projects import Cycle, Measure, MeasurePlan
from coach.workbench.reading import Reading, read
from coach.workbench.results import Chart
from coach.workbench.series import ChartKind, Direction, Options, Series
from coach.workbench.spc import chart
from coach.workbench.store import WorkbenchStore


@dataclass(frozen=True)
class MeasureChart:
    """A chart and everything shown with it: the reading, the notes, the PNG, the text
    alternative and the computed series as CSV."""

    name: str
    chart: Chart
    reading: Reading
    notes: tuple[Note, ...] = ()

    def png(self) -> bytes:
        return render_png(self.chart, title=self.name, notes=self.notes)

    def alt(self) -> str:
        return alt_text(self.reading, notes=self.notes)

    def csv(self) -> str:
        return to_csv(self.chart)


def options_for(plan: MeasurePlan, astronomical: Sequence[date] = ()) -> Options:
    return Options(direction=Direction(plan.direction), target=plan.target,
                   rebase=tuple(plan.rebase), astronomical=tuple(astronomical))


def chart_points(points: Iterable[Point | tuple[date, float, str]], plan: MeasurePlan,
                 notes: Sequence[Note] = (), astronomical: Sequence[date] = ()
                 ) -> MeasureChart:
    """Chart points by a measurement plan (a SeriesError, a BadInputError, for fewer than
    three points or a repeated date)."""
    series = Series.of(points)
    drawn = chart(series, options_for(plan, astronomical), ChartKind(plan.chart))
    return MeasureChart(plan.name, drawn, read(drawn, plan.name), tuple(notes))


def cycle_notes(cycles: Iterable[Cycle], measure_id: int | None = None) -> tuple[Note, ...]:
    """Each dated PDSA cycle as a note at its date: all the project's cycles, or those that
    name no measure or this one."""
    notes = []
    for cycle in cycles:
        when = cycle.date
        named = cycle.pdsa.measure_id
        if when is not None and (measure_id is None or named in (None, measure_id)):
            notes.append((when, f"PDSA: {cycle.pdsa.title}"))
    return tuple(sorted(notes))


def chart_measure(store: WorkbenchStore, user: str, measure_id: int) -> MeasureChart:
    """A stored measure charted with its project's cycles (a BadInputError when the measure
    is not the user's, or has fewer than three points)."""
    measure: Measure = store.measure(user, measure_id)
    notes = cycle_notes(store.cycles(user, measure.project_id), measure.id)
    return chart_points(store.points(user, measure_id), measure.plan, notes)
