"""The Projects tab's handlers for projects, measures, data and charts: plain functions of a
``Workspace`` (the app's one workbench store, the user, their data folder).

Each handler returns the values of its outputs, in the order its docstring gives;
``projects_tab`` lays out the components and wires them up. A ``CoachError`` — every bad
input: the store checks before it writes, so nothing changes — becomes a message in the first
output, the rest unchanged (``attempt``). The PDSA log, the progress scores and the export are
``pdsa_views``; rendering is ``projects_render``; the work itself is ``coach.workbench``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from coach.coaching.session import exports_dir
from coach.errors import BadInputError, CoachError
from coach.ui import downloads, render
from coach.ui.projects_render import (
    cycle_choices,
    log_md,
    notice,
    plan_html,
    project_md,
    quoted,
    reading_md,
    refusal,
    scores_html,
    signals_html,
    tab_text,
)
from coach.workbench.columns import Point
from coach.workbench.measure_chart import MeasureChart, chart_measure
from coach.workbench.projects import Measure, MeasurePlan, ProjectSummary, day, number
from coach.workbench.reading import points_text
from coach.workbench.sheets import SheetChoiceError, read_pasted, read_upload
from coach.workbench.store import WorkbenchStore

log = logging.getLogger(__name__)

Outputs = tuple[object, ...]
# after the notice, open_project gives PROJECT_SIZE values: the project list, the project,
# the measurement plan, the measure charted, the PDSA form's measure, cycle and follows
# choices, the PDSA log, the progress scores; then the chart's CHART_SIZE values: the image
# (with its text alternative), the reading, the signals table, the files
PROJECT_SIZE = 9
CHART_SIZE = 4
# the PDSA form's choices that every project has: a new cycle, no measure, no earlier cycle
NEW_CYCLE = "new"
NEW = [("New cycle", NEW_CYCLE)]
WHOLE_PROJECT = [("None: the project as a whole", "")]
FIRST_CYCLE = [("None: a first cycle", "")]


@dataclass(frozen=True)
class Workspace:
    """What every handler works in: the app's workbench store, the user, their data folder."""

    store: WorkbenchStore
    user: str
    home: Path

    @property
    def folder(self) -> Path:
        """The user's export folder (coach.coaching.session.exports_dir), served to them
        only (coach/ui/downloads.py)."""
        return exports_dir(self.home, self.user)


def attempt(n_out: int, fn: Callable[..., Outputs], *args: Any) -> Outputs:
    """Run a handler; a CoachError becomes its message in the first output, the rest of the
    outputs unchanged."""
    try:
        return fn(*args)
    except CoachError as exc:
        message = refusal(str(exc))
    except Exception:  # keep the app usable; the details go to the log
        log.exception("projects tab handler failed")
        message = render.error_html("Something went wrong; please try again.")
    return (message,) + (gr.update(),) * (n_out - 1)


def chosen(value: object, what: str) -> int:
    """The id a dropdown holds, or BadInputError asking the lead to choose."""
    if value in (None, ""):
        raise BadInputError(tab_text("choose-project" if what == "project" else "choose-measure"))
    return int(str(value))


# -- projects ------------------------------------------------------------------------------
def _measure_choices(summary: ProjectSummary) -> list[tuple[str, int]]:
    return [(f"{d.measure.plan.name} ({d.measure.plan.kind})", d.measure.id)
            for d in summary.measures]


def _cycle_measures(summary: ProjectSummary) -> list[tuple[str, str]]:
    return [*WHOLE_PROJECT, *[(n, str(i)) for n, i in _measure_choices(summary)]]


def _project_choices(ws: Workspace) -> list[tuple[str, int]]:
    projects = ws.store.projects(ws.user)
    titles = [p.title for p in projects]
    return [(p.title if titles.count(p.title) == 1 else f"{p.title} (#{p.id})", p.id)
            for p in projects]


def project_view(ws: Workspace, project_id: int | None, message: str = "") -> Outputs:
    """(notice, *PROJECT_SIZE values, *CHART_SIZE values) for the project, or for the user's
    most recently changed one when ``project_id`` is None. The measure charted is the first
    with data."""
    choices = _project_choices(ws)
    if project_id is None and choices:
        project_id = choices[0][1]
    if project_id is None:
        empty = gr.update(choices=[], value=None)
        return (notice(message), empty, tab_text("no-projects"), "", empty,
                gr.update(choices=WHOLE_PROJECT, value=""),
                gr.update(choices=NEW, value=NEW_CYCLE),
                gr.update(choices=FIRST_CYCLE, value=""), "", "", *chart_view(ws, None))
    summary = ws.store.summary(ws.user, project_id)
    measures = _measure_choices(summary)
    first = next((d.measure for d in summary.measures if d.points),
                 summary.measures[0].measure if summary.measures else None)
    return (notice(message), gr.update(choices=choices, value=summary.project.id),
            project_md(summary), plan_html(summary),
            gr.update(choices=measures, value=first.id if first else None),
            gr.update(choices=_cycle_measures(summary), value=""),
            gr.update(choices=[*NEW, *cycle_choices(summary)], value=NEW_CYCLE),
            gr.update(choices=[*FIRST_CYCLE, *cycle_choices(summary)], value=""),
            log_md(summary), scores_html(summary), *chart_view(ws, first))


def open_project(ws: Workspace, project_id: object = None) -> Outputs:
    """The project view of the chosen project (none chosen: the most recently changed)."""
    if project_id in (None, ""):
        return project_view(ws, None)
    project = ws.store.project(ws.user, int(str(project_id)))
    return project_view(ws, project.id, tab_text("opened", title=quoted(project.title)))


def create_project(ws: Workspace, title: str, aim: str, team: str, sponsor: str) -> Outputs:
    """(*the new project's view, then the form emptied: title, aim, findings, team,
    sponsor)."""
    project = ws.store.create(ws.user, title, aim=aim, team=team, sponsor=sponsor)
    view = project_view(ws, project.id, tab_text("created", title=quoted(project.title)))
    return (*view, "", "", "", "", "")


# -- the measurement plan ------------------------------------------------------------------
def rebase_dates(text: str) -> tuple[Any, ...]:
    """Dates typed one after another, separated by commas, semicolons or spaces."""
    return tuple(day(d, "rebase date") for d in re.split(r"[,;\s]+", text or "") if d)


def add_measure(ws: Workspace, project_id: object, kind: str, name: str, direction: str,
                chart: str, definition: str, source: str, frequency: str, owner: str,
                target: str, rebase: str) -> Outputs:
    """(notice, plan, measure choices, the PDSA form's measure choices, *chart, then the
    form's text emptied: name, definition, source, frequency, owner, target, rebase dates)."""
    pid = chosen(project_id, "project")
    target_text = str(target or "").strip()
    plan = MeasurePlan(kind, name, direction, chart=chart, definition=definition,
                       source=source, frequency=frequency, owner=owner,
                       target=number(target_text, "target") if target_text else None,
                       rebase=rebase_dates(rebase))
    measure = ws.store.add_measure(ws.user, pid, plan)
    summary = ws.store.summary(ws.user, pid)
    return (notice(tab_text("measure-added", name=quoted(measure.plan.name))),
            plan_html(summary), gr.update(choices=_measure_choices(summary), value=measure.id),
            gr.update(choices=_cycle_measures(summary)), *chart_view(ws, measure),
            "", "", "", "", "", "", "")


# -- data and charts -----------------------------------------------------------------------
def _no_chart(reading: str = "") -> Outputs:
    return (gr.update(value=None, alt_text=None), reading, "", downloads.hidden())


def chart_view(ws: Workspace, measure: Measure | None) -> Outputs:
    """(the chart image with its text alternative, the reading, the signals table, the PNG
    and CSV files) of a measure; empty without one; a measure with too little data says so."""
    if measure is None:
        return _no_chart()
    name = quoted(measure.plan.name)
    if not ws.store.points(ws.user, measure.id):
        return _no_chart(tab_text("no-data", name=name))
    try:
        drawn = chart_measure(ws.store, ws.user, measure.id)
    except BadInputError as exc:
        return _no_chart(tab_text("too-little", name=name, message=str(exc)))
    png, csv = write_chart(ws.folder, measure.id, drawn)
    return (gr.update(value=downloads.picture(png), alt_text=drawn.alt()), reading_md(drawn),
            signals_html(drawn), downloads.shown(ws.home, [png, csv]))


def write_chart(folder: Path, measure_id: int, drawn: MeasureChart) -> tuple[Path, Path]:
    """The chart's PNG and CSV in the user's folder, named by the picture (a redrawn chart
    gets a new address, never a stale picture); the measure's older files are removed."""
    png = drawn.png()
    stem = f"measure-{measure_id}-{hashlib.sha256(png).hexdigest()[:12]}"
    for old in folder.glob(f"measure-{measure_id}-*"):
        if old.stem != stem:
            old.unlink(missing_ok=True)
    (folder / f"{stem}.png").write_bytes(png)
    (folder / f"{stem}.csv").write_text(drawn.csv(), encoding="utf-8")
    return folder / f"{stem}.png", folder / f"{stem}.csv"


def show_chart(ws: Workspace, measure_id: object) -> Outputs:
    """(notice, *chart) of the chosen measure."""
    if measure_id in (None, ""):
        return ("", *_no_chart())
    return ("", *chart_view(ws, ws.store.measure(ws.user, int(str(measure_id)))))


def redraw_chart(ws: Workspace, measure_id: object) -> Outputs:
    """(the notice unchanged, *chart): the chosen measure's chart drawn again (after a cycle
    is saved: its note on the chart)."""
    return (gr.update(), *show_chart(ws, measure_id)[1:])


def _save(ws: Workspace, measure_id: int, points: Sequence[Point],
          warnings: Sequence[str]) -> Outputs:
    measure = ws.store.measure(ws.user, measure_id)
    count = ws.store.replace_points(ws.user, measure_id, points)
    summary = ws.store.summary(ws.user, measure.project_id)
    message = tab_text("data-saved", points=points_text(count), name=quoted(measure.plan.name))
    return (notice(message, warnings), gr.update(value=None, choices=[], visible=False),
            plan_html(summary), *chart_view(ws, measure))


def upload_data(ws: Workspace, measure_id: object, file: str | None,
                sheet: str | None) -> Outputs:
    """(notice, sheet choice, plan, *chart): the file's points replace the measure's data.
    A workbook with data on several sheets offers them to choose from, and changes nothing."""
    mid = chosen(measure_id, "measure")
    if not file:
        raise BadInputError(tab_text("no-file"))
    ws.store.measure(ws.user, mid)  # the user's measure, or not found, before reading
    path = Path(file)
    try:
        series = read_upload(path.read_bytes(), path.name, sheet=sheet or None)
    except SheetChoiceError as exc:
        return (refusal(str(exc), "choose-sheet"),
                gr.update(choices=list(exc.sheets), value=None, visible=True),
                *(gr.update(),) * (1 + CHART_SIZE))
    return _save(ws, mid, series.points, series.warnings)


def paste_data(ws: Workspace, measure_id: object, text: str) -> Outputs:
    """(notice, sheet choice, plan, *chart): the pasted points replace the measure's data."""
    mid = chosen(measure_id, "measure")
    ws.store.measure(ws.user, mid)  # the user's measure, or not found, before reading
    series = read_pasted(text or "")
    return _save(ws, mid, series.points, series.warnings)
