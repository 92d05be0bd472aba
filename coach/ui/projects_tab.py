"""The Projects tab: a lead's QI projects — the aim with its SMART check, the measurement plan,
each measure's data and chart with its reading and signals, the PDSA log, the progress score
and the project summary to download (Markdown and Word, coach/workbench/summary.py).

Layout and wiring only: each event opens the caller's ``Workspace`` over the app's one
``WorkbenchStore`` (``ctx.workbench()``, built on first use) and calls one handler of
``projects_views`` or ``pdsa_views``. Dropdowns act on ``select`` (a choice made), not
``input``, which Gradio also sends whenever focus leaves them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from coach.access.audit import EXPORT
from coach.ui import downloads
from coach.ui.coach_views import takes_request
from coach.ui.context import UIContext
from coach.ui.pdsa_views import (
    FORM_SIZE,
    export_summary,
    load_cycle,
    record_score,
    save_cycle,
    score_choices,
)
from coach.ui.projects_render import TABLE_CSS, aim_findings, tab_text
from coach.ui.projects_views import (
    FIRST_CYCLE,
    NEW,
    NEW_CYCLE,
    WHOLE_PROJECT,
    Outputs,
    Workspace,
    add_measure,
    attempt,
    create_project,
    open_project,
    paste_data,
    redraw_chart,
    show_chart,
    upload_data,
)
from coach.workbench.projects import KINDS
from coach.workbench.sheets import EXCEL_EXTENSIONS, TEXT_EXTENSIONS

DIRECTIONS = [("Higher is better", "up"), ("Lower is better", "down"),
              ("Neither: no direction", "neither")]
CHARTS = [("Run chart", "run"), ("XmR chart (Making Data Count)", "xmr")]
ACTS = [("Not decided yet", ""), ("Adopt", "adopt"), ("Adapt", "adapt"),
        ("Abandon", "abandon")]
DATE_HINT = "YYYY-MM-DD"


# -- layout and wiring ---------------------------------------------------------------------
def build(ctx: UIContext) -> None:
    ui = SimpleNamespace()
    gr.Markdown(tab_text("intro"))
    # a polite live region (theme.py): confirmations and refusals are read out
    ui.notice = gr.HTML(elem_id="projects-notice", elem_classes=["coach-live"])
    _projects(ui)
    _plan(ui)
    _data(ui)
    _cycles(ui)
    _score(ui)
    _export(ui)
    _connect(ctx, ui)


def _projects(ui: SimpleNamespace) -> None:
    gr.Markdown("### Your projects")
    ui.project = gr.Dropdown(label="Project", choices=[], elem_id="projects-pick")
    ui.project_md = gr.Markdown(elem_id="projects-project")
    with gr.Accordion("Create a project", open=False, elem_id="projects-create"):
        ui.title = gr.Textbox(label="Project title",
                              placeholder="e.g. Fewer falls on Ward 7")
        with gr.Row():
            ui.aim = gr.Textbox(label="Aim: how much, by when, for whom", lines=3, scale=3,
                                placeholder="e.g. Reduce falls on Ward 7 from 12 to 6 a "
                                            "month by 31 March 2027")
            ui.aim_check = gr.Markdown(elem_id="projects-aim-check",
                                       elem_classes=["coach-live"])
        with gr.Row():
            ui.team = gr.Textbox(label="Team")
            ui.sponsor = gr.Textbox(label="Sponsor")
        ui.create_btn = gr.Button("Create project", variant="primary")


def _plan(ui: SimpleNamespace) -> None:
    gr.Markdown("### Measurement plan")
    ui.plan = gr.HTML(elem_id="projects-plan", css_template=TABLE_CSS)
    with gr.Accordion("Add a measure", open=False, elem_id="projects-add-measure"):
        with gr.Row():
            ui.m_name = gr.Textbox(label="Measure", scale=2,
                                   placeholder="e.g. Falls per 1,000 bed days")
            ui.kind = gr.Radio([(k.capitalize(), k) for k in KINDS], value=KINDS[0],
                               label="Kind of measure")
        with gr.Row():
            ui.direction = gr.Radio(DIRECTIONS, label="Improvement direction")
            ui.chart_kind = gr.Radio(CHARTS, value="run", label="Chart")
        ui.definition = gr.Textbox(label="Operational definition", lines=2)
        with gr.Row():
            ui.source = gr.Textbox(label="Data source")
            ui.frequency = gr.Textbox(label="Frequency", placeholder="e.g. monthly")
            ui.owner = gr.Textbox(label="Who collects it")
        with gr.Row():
            ui.target = gr.Textbox(label="Target (optional)", placeholder="e.g. 5")
            ui.rebase = gr.Textbox(label="Rebase dates (optional): when a known change "
                                         "started a new period", placeholder=DATE_HINT)
        ui.measure_btn = gr.Button("Add measure", variant="primary")


def _data(ui: SimpleNamespace) -> None:
    gr.Markdown("### Data and chart")
    ui.measure = gr.Dropdown(label="Measure to chart", choices=[], elem_id="projects-measure")
    with gr.Row():
        with gr.Column(scale=3):
            ui.file = gr.File(label="Upload a CSV or Excel sheet: a date column, a value "
                                    "column, an optional note",
                              file_types=[*TEXT_EXTENSIONS, *EXCEL_EXTENSIONS],
                              elem_id="projects-upload")
            ui.sheet = gr.Dropdown(label="Sheet", choices=[], visible=False,
                                   elem_id="projects-sheet")
            ui.file_btn = gr.Button("Save the file's data")
        with gr.Column(scale=2):
            ui.pasted = gr.Textbox(label="Or paste two columns: date and value", lines=6,
                                   placeholder="2025-01-01\t12\n2025-02-01\t9",
                                   elem_id="projects-paste")
            ui.paste_btn = gr.Button("Save the pasted data")
    ui.chart = gr.Image(type="filepath", format="png", label="Chart", interactive=False,
                        elem_id="projects-chart")
    ui.reading = gr.Markdown(elem_id="projects-reading")
    ui.signals = gr.HTML(elem_id="projects-signals", css_template=TABLE_CSS)
    # links to the user's own files, served to them only (downloads.py)
    ui.chart_files = downloads.component("The chart (PNG) and its computed series (CSV)",
                                         "projects-chart-files")


def _cycles(ui: SimpleNamespace) -> None:
    gr.Markdown("### PDSA cycles")
    ui.log = gr.Markdown(elem_id="projects-log")
    ui.cycle = gr.Dropdown(label="Cycle to write", choices=NEW, value=NEW_CYCLE,
                           elem_id="projects-cycle")
    with gr.Row():
        ui.c_title = gr.Textbox(label="Cycle title", scale=3)
        ui.c_planned = gr.Textbox(label="Planned for", placeholder=DATE_HINT)
    with gr.Row():
        ui.c_plan = gr.Textbox(label="Plan: the change to test, who, where", lines=3)
        ui.c_prediction = gr.Textbox(label="Prediction: what you expect to happen", lines=3)
    with gr.Row():
        ui.c_measure = gr.Dropdown(WHOLE_PROJECT, value="", label="Measure it should move")
        ui.c_follows = gr.Dropdown(FIRST_CYCLE, value="", label="Builds on the cycle")
    with gr.Accordion("Do, study, act", open=False, elem_id="projects-dsa"):
        with gr.Row():
            ui.c_do = gr.Textbox(label="Do: what happened", lines=2, scale=3)
            ui.c_done = gr.Textbox(label="Done on", placeholder=DATE_HINT)
        with gr.Row():
            ui.c_study = gr.Textbox(label="Study: what happened against the prediction",
                                    lines=2, scale=3)
            ui.c_studied = gr.Textbox(label="Studied on", placeholder=DATE_HINT)
        with gr.Row():
            ui.c_act = gr.Dropdown(ACTS, value="", label="Act: the decision")
            ui.c_act_note = gr.Textbox(label="What the decision means here", scale=2)
            ui.c_acted = gr.Textbox(label="Decided on", placeholder=DATE_HINT)
    ui.cycle_btn = gr.Button("Save cycle", variant="primary")


def _score(ui: SimpleNamespace) -> None:
    gr.Markdown("### Progress score")
    ui.scores = gr.HTML(elem_id="projects-scores", css_template=TABLE_CSS)
    with gr.Row():
        ui.score = gr.Dropdown(score_choices(), label="IHI progress score", scale=2)
        ui.score_on = gr.Textbox(label="Date (empty: today)", placeholder=DATE_HINT)
        ui.score_note = gr.Textbox(label="Note", scale=2)
        ui.score_btn = gr.Button("Record score")


def _export(ui: SimpleNamespace) -> None:
    gr.Markdown("### Project summary")
    ui.export_btn = gr.Button("Export the project summary (Markdown and Word)")
    ui.summary_files = downloads.component(
        "Project summary: Markdown with its charts, and Word", "projects-summary-files")


def _handler(ctx: UIContext, fn: Callable[..., Outputs], n_in: int, n_out: int
             ) -> Callable[..., Outputs]:
    """A Gradio handler of ``n_in`` inputs and the request, calling ``fn`` in the caller's
    workspace."""
    def run(values: list[Any], request: gr.Request) -> Outputs:
        workspace = Workspace(ctx.workbench(), ctx.user_of(request), Path(ctx.settings.home))
        return fn(workspace, *values)

    def handler(*args: Any) -> Outputs:
        *values, request = args
        return attempt(n_out, run, values, request)

    return takes_request(handler, n_in)


def _connect(ctx: UIContext, ui: SimpleNamespace) -> None:
    chart = [ui.chart, ui.reading, ui.signals, ui.chart_files]
    view = [ui.notice, ui.project, ui.project_md, ui.plan, ui.measure, ui.c_measure, ui.cycle,
            ui.c_follows, ui.log, ui.scores, *chart]
    form = [ui.c_title, ui.c_planned, ui.c_plan, ui.c_prediction, ui.c_measure, ui.c_follows,
            ui.c_do, ui.c_done, ui.c_study, ui.c_studied, ui.c_act, ui.c_act_note, ui.c_acted]

    def on(trigger: Any, name: str | None, fn: Callable[..., Outputs], inputs: list[Any],
           outputs: list[Any], **kw: Any) -> Any:
        return trigger(_handler(ctx, fn, len(inputs), len(outputs)), inputs=inputs,
                       outputs=outputs, api_name=name, **kw)

    def fresh() -> tuple[object, ...]:  # another project: an empty PDSA form, no summary
        return (*("",) * FORM_SIZE, downloads.hidden())

    gr.on(None, _handler(ctx, open_project, 0, len(view)), outputs=view,
          show_progress="minimal", api_visibility="private")  # when the page loads
    on(ui.project.select, "projects_open", open_project, [ui.project], view).then(
        fresh, outputs=[*form, ui.summary_files], api_visibility="private")
    ui.aim.blur(lambda aim: aim_findings(aim) if aim and aim.strip() else "", [ui.aim],
                [ui.aim_check], api_name="projects_check_aim", show_progress="hidden")
    on(ui.create_btn.click, "projects_create", create_project,
       [ui.title, ui.aim, ui.team, ui.sponsor],
       [*view, ui.title, ui.aim, ui.aim_check, ui.team, ui.sponsor]).then(
        fresh, outputs=[*form, ui.summary_files], api_visibility="private")
    on(ui.measure_btn.click, "projects_add_measure", add_measure,
       [ui.project, ui.kind, ui.m_name, ui.direction, ui.chart_kind, ui.definition, ui.source,
        ui.frequency, ui.owner, ui.target, ui.rebase],
       [ui.notice, ui.plan, ui.measure, ui.c_measure, *chart, ui.m_name, ui.definition,
        ui.source, ui.frequency, ui.owner, ui.target, ui.rebase])
    on(ui.measure.select, "projects_chart", show_chart, [ui.measure], [ui.notice, *chart])
    saved = [ui.notice, ui.sheet, ui.plan, *chart]
    on(ui.file_btn.click, "projects_upload", upload_data, [ui.measure, ui.file, ui.sheet],
       saved)
    on(ui.paste_btn.click, "projects_paste", paste_data, [ui.measure, ui.pasted], saved)
    on(ui.cycle.select, "projects_load_cycle", load_cycle, [ui.cycle], [ui.notice, *form])
    on(ui.cycle_btn.click, "projects_save_cycle", save_cycle, [ui.project, ui.cycle, *form],
       [ui.notice, ui.cycle, ui.c_follows, ui.log]).then(
        _handler(ctx, redraw_chart, 1, 1 + len(chart)), [ui.measure], [ui.notice, *chart],
        api_visibility="private")  # the cycle is a note on the chart at its date
    on(ui.score_btn.click, "projects_score", record_score,
       [ui.project, ui.score, ui.score_on, ui.score_note],
       [ui.notice, ui.scores, ui.project_md, ui.score_note])
    on(ui.export_btn.click, "projects_export", export_summary, [ui.project],
       [ui.notice, ui.summary_files]).success(
        ctx.auditor(EXPORT, "QI project summary (Markdown and Word)"), api_visibility="private")
