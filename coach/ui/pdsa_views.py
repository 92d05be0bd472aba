"""The Projects tab's handlers for the PDSA log, the progress score and the project summary's
export: plain functions of a
``projects_views.Workspace``, each returning the values of its outputs (a ``CoachError``
becomes the message in the first, by ``projects_views.attempt``).

A cycle is written in one form, part by part: the plan with its prediction first, then what
was done, the study against the prediction and the decision (the checks in
coach/workbench/projects.py ``PDSA`` keep that order). Choosing a cycle loads it into the
form; saving adds a new cycle or updates the chosen one. A cycle may build on an earlier one
(a ramp). The export is coach/workbench/summary.py's, written into the user's folder.
"""

from __future__ import annotations

import datetime as dt

import gradio as gr

from coach.ui import downloads
from coach.ui.projects_render import (
    cycle_choices,
    log_md,
    notice,
    project_md,
    quoted,
    scores_html,
    stage_next,
    tab_text,
)
from coach.ui.projects_views import FIRST_CYCLE, NEW, NEW_CYCLE, Outputs, Workspace, chosen
from coach.workbench.aim import progress_scale
from coach.workbench.projects import PDSA, day, ident
from coach.workbench.summary import export_project

# the PDSA form's fields, in order: title, planned date, plan, prediction, measure, follows,
# do, done date, study, studied date, act, act note, acted date
FORM_SIZE = 13


def score_choices() -> list[tuple[str, float]]:
    """The IHI progress scale as choices: "3.5: improvement"."""
    return [(f"{level.score:g}: {level.meaning}", level.score) for level in progress_scale()]


def _date(value: object, what: str) -> dt.date | None:
    text = str(value or "").strip()
    return day(text, what) if text else None


def _iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def load_cycle(ws: Workspace, cycle_id: object) -> Outputs:
    """(notice, *FORM_SIZE form values) of the chosen cycle; a new cycle: an empty form."""
    if cycle_id in (None, "", NEW_CYCLE):
        return ("", "", "", "", "", "", "", "", "", "", "", "", "", "")
    c = ws.store.cycle(ws.user, int(str(cycle_id))).pdsa
    return ("", c.title, _iso(c.planned), c.plan, c.prediction,
            "" if c.measure_id is None else str(c.measure_id),
            "" if c.follows is None else str(c.follows), c.do, _iso(c.done), c.study,
            _iso(c.studied), c.act, c.act_note, _iso(c.acted))


def save_cycle(ws: Workspace, project_id: object, cycle_id: object, title: str, planned: str,
               plan: str, prediction: str, measure: str, follows: str, do: str, done: str,
               study: str, studied: str, act: str, act_note: str, acted: str) -> Outputs:
    """(notice, cycle choices, follows choices, PDSA log): the cycle added (cycle "new") or
    updated, checked first, so a part written out of order changes nothing."""
    pid = chosen(project_id, "project")
    pdsa = PDSA(title, plan=plan, prediction=prediction, do=do, study=study, act=act or "",
                act_note=act_note, planned=_date(planned, "plan date"),
                done=_date(done, "'do' date"), studied=_date(studied, "study date"),
                acted=_date(acted, "decision date"), measure_id=ident(measure, "measure"),
                follows=ident(follows, "cycle"))
    if cycle_id in (None, "", NEW_CYCLE):
        cycle = ws.store.add_cycle(ws.user, pid, pdsa)
    else:
        cycle = ws.store.update_cycle(ws.user, int(str(cycle_id)), pdsa)
    summary = ws.store.summary(ws.user, pid)
    message = tab_text("cycle-saved", title=quoted(cycle.pdsa.title),
                     next=stage_next(cycle.pdsa.stage))
    return (notice(message),
            gr.update(choices=[*NEW, *cycle_choices(summary)], value=str(cycle.id)),
            gr.update(choices=[*FIRST_CYCLE, *cycle_choices(summary)]),
            log_md(summary))


def record_score(ws: Workspace, project_id: object, score: object, on: str,
                 note: str) -> Outputs:
    """(notice, score history, project, the note emptied): a progress score from 0.5 to 5,
    dated ``on`` (empty: today)."""
    pid = chosen(project_id, "project")
    saved = ws.store.add_score(ws.user, pid, "" if score is None else str(score),
                               on=_date(on, "score's date"), note=note)
    summary = ws.store.summary(ws.user, pid)
    message = tab_text("score-saved", score=f"{saved.score:g}", meaning=saved.meaning,
                     on=saved.on.isoformat())
    return notice(message), scores_html(summary), project_md(summary), ""


def export_summary(ws: Workspace, project_id: object) -> Outputs:
    """(notice, files): the project summary as Markdown with its charts beside it, and as
    Word, written afresh into the project's folder under the user's export folder."""
    pid = chosen(project_id, "project")
    ws.store.project(ws.user, pid)  # the user's project, or not found, before writing
    folder = ws.folder / f"project-{pid}"
    if folder.is_dir():
        for old in folder.iterdir():
            old.unlink(missing_ok=True)
    markdown = export_project(ws.store, ws.user, pid, folder, "md")
    word = export_project(ws.store, ws.user, pid, folder, "docx")
    charts = sorted(p for p in folder.glob("*.png"))
    return (notice(tab_text("exported")),
            downloads.shown(ws.home, [markdown, word, *charts]))
