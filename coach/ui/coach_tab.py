"""The Coach tab, a lead's workspace: the journey as a six-step stepper with its progress, the
current step's page in sections that open and close (its guidance, checklist, notes and
actions, a step chat; step 5 adds the project register), the lead's QI projects beside it, the
readiness self-assessment and the team survey.

Layout and wiring only: each event opens the caller's ``JourneySession`` and calls one handler
from ``coach_views``; the stepper, the projects and the register are drawn by
``journey_render``. Nothing here branches on the journey; journey.yaml drives it all (a step's
``shows`` names the panels its page adds).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr
from gradio.context import get_render_context

from coach.access.audit import EXPORT
from coach.coaching import machine
from coach.coaching.journey import Journey
from coach.coaching.session import JourneySession
from coach.errors import CoachError
from coach.ui import downloads, render, survey_section
from coach.ui.coach_views import (
    Outputs,
    add_action,
    add_note,
    ask,
    assess,
    attempt,
    export_plan,
    goto,
    move,
    projects_view,
    reset,
    resume,
    set_ticks,
    step_view,
    takes_request,
    where_are_we,
)
from coach.ui.context import UIContext
from coach.ui.journey_render import REGISTER_CSS, coach_text

# a button beside the journey opens the Projects tab as a click on it would (on a narrow
# screen the tab is in Gradio's "More tabs" menu), then puts the focus on the tab, or where the
# tab is not shown, on the tab's heading (coach.ui.app)
OPEN_PROJECTS = """async () => {
  const named = (where, name) => [...document.querySelectorAll(where)].find(
    (e) => (e.getAttribute('aria-label') || e.textContent).trim() === name);
  const later = () => new Promise((done) => setTimeout(done, 50));
  let tab = named('[role=tab]', 'Projects');
  if (!tab) {
    const more = named('button', 'More tabs');
    if (more) { more.click(); await later(); }
    tab = named('.overflow-dropdown button', 'Projects');
  }
  if (!tab) return;
  tab.click();
  await later();
  const shown = document.querySelector('[role=tab][aria-selected=true]');
  if (shown && shown.getClientRects().length) { shown.focus(); return; }
  const heading = named('h2.sr-only', 'Projects');
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}"""


def _session(ctx: UIContext, request: gr.Request | None) -> JourneySession:
    """The caller's session over the app's one journey and progress store (ctx.sessions)."""
    return ctx.sessions.open(ctx.user_of(request), ctx.coach)


# -- layout and wiring ---------------------------------------------------------------------
def build(ctx: UIContext) -> None:
    try:
        journey = ctx.sessions.journey()
    except CoachError as exc:
        gr.HTML(render.error_html(f"Coaching mode is unavailable: {exc}"))
        return
    ui = SimpleNamespace(labels=[(f"{s.number}. {s.title}", s.id) for s in journey.steps])
    _top(ui)
    _where_and_assessment(ui, journey)
    with gr.Row(equal_height=False, elem_id="coach-workspace"):
        with gr.Column(scale=3, min_width=320):
            _step_section(ui)
        with gr.Column(scale=1, min_width=240, elem_id="coach-beside"):
            _beside(ui)
    _connect(ctx, ui)
    survey_section.build(ctx, journey)


def _top(ui: SimpleNamespace) -> None:
    gr.Markdown("Work through *The improvement journey* step by step. Your progress is saved "
                "and comes back when you return. Checklists and recommendations are coaching "
                "guidance; cited passages show where they come from.")
    # a polite live region (theme.py): "Saved.", "Action added." and errors are read out
    ui.notice = gr.HTML(elem_id="coach-notice", elem_classes=["coach-live"])
    with gr.Row():
        ui.resume_btn = gr.Button("Start / resume my journey", variant="primary")
        ui.export_btn = gr.Button("Download action plan")
        ui.reset_btn = gr.Button("Reset my journey", variant="stop")
    with gr.Row(visible=False) as ui.confirm_row:
        gr.Markdown("This clears your steps, ticks, notes and actions. Your assessment "
                    "history stays. Are you sure?")
        ui.confirm_btn = gr.Button("Yes, clear my journey", variant="stop")
        ui.cancel_btn = gr.Button("Cancel")
    # links to the plan's files, served to their owner only (downloads.py)
    ui.files = downloads.component("Action plan (Markdown, chart, Word)", "coach-files")
    ui.overview = gr.HTML(elem_id="coach-stepper")  # the stepper (journey_render)


def _where_and_assessment(ui: SimpleNamespace, journey: Journey) -> None:
    with gr.Accordion("Where are we? Tell the coach what is already in place", open=False):
        ui.in_place = gr.CheckboxGroup(choices=ui.labels, label="Steps already in place")
        ui.said = gr.Textbox(label="Or say it in your own words",
                             placeholder="e.g. We already have board support")
        ui.where_btn = gr.Button("Suggest my step")
    with gr.Accordion(journey.assessment.title, open=False, elem_id="coach-assessment"):
        scale = [(f"{k} {v}", k) for k, v in journey.assessment.scale.items()]
        ui.radios = []
        for enabler in journey.enablers:
            gr.Markdown(f"### {enabler.title}")
            for item in [i for i in journey.assessment.items if i.enabler == enabler.id]:
                ui.radios.append(gr.Radio(choices=scale, label=item.statement))
        ui.assess_btn = gr.Button("Score my assessment", variant="primary")
        with gr.Row():
            ui.chart = gr.Image(type="filepath", format="png", label="Readiness by enabler",
                                interactive=False, elem_id="coach-chart")
            ui.result = gr.Markdown()


def _step_section(ui: SimpleNamespace) -> None:
    with gr.Row():
        ui.step_dd = gr.Dropdown(choices=ui.labels, label="Go to any step", scale=3)
        ui.prev_btn = gr.Button("← Previous step")
        ui.next_btn = gr.Button("Next step →")
        ui.complete_btn = gr.Button("Mark step done")
    # the step's heading, purpose, and its questions and signs of completion folded
    ui.step_md = gr.Markdown(elem_id="coach-step")
    with gr.Accordion(coach_text("register-title"), open=True, visible=False,
                      elem_id="coach-register-section") as ui.register_box:
        ui.register = gr.HTML(elem_id="coach-register", css_template=REGISTER_CSS)
    with gr.Accordion("What the guidance says", open=False, elem_id="coach-guidance"):
        ui.explain = gr.Markdown(label="What the guidance says")
    with gr.Accordion("Checklist", open=True, elem_id="coach-checklist-section"):
        ui.checklist = gr.CheckboxGroup(label="Checklist (ticks are saved as you go)",
                                        elem_id="coach-checklist")
    with gr.Accordion("Notes and actions", open=True, elem_id="coach-actions"):
        ui.log_md = gr.Markdown()
        with gr.Row():
            ui.note = gr.Textbox(label="Add a note", scale=4)
            ui.note_btn = gr.Button("Add note")
        with gr.Row():
            ui.what = gr.Textbox(label="Action: what", scale=3)
            ui.owner = gr.Textbox(label="Owner")
            ui.due = gr.Textbox(label="Due date", placeholder="YYYY-MM-DD")
            ui.action_btn = gr.Button("Add action")
    with gr.Accordion("Ask about this step", open=False, elem_id="coach-step-chat"):
        ui.chat = gr.Chatbot(label="Ask about this step", height=320)
        ui.pairs = gr.State([])
        with gr.Row():
            ui.question = gr.Textbox(label="Your question about this step", scale=4)
            ui.ask_btn = gr.Button("Ask")


def _beside(ui: SimpleNamespace) -> None:
    """The lead's QI projects beside the journey, and the way to the Projects tab."""
    ui.projects = gr.HTML(elem_id="coach-projects")
    ui.projects_btn = gr.Button(coach_text("open-projects"), size="sm")


def _handler(ctx: UIContext, fn: Callable[..., tuple[Any, ...]], n_in: int, n_out: int,
             question: int | None = None) -> Callable[..., tuple[Any, ...]]:
    """A Gradio handler taking ``n_in`` inputs and the request (Gradio reads the signature).
    ``question``: the index of the input holding a question for the answer pipeline, which
    is admitted first (validated and counted against the asker's rate limit, ``ctx.admit``)."""
    def run(values: list[Any], request: gr.Request) -> tuple[Any, ...]:
        if question is not None:
            ctx.admit(values[question], request)
        return fn(_session(ctx, request), *values)

    def handler(*args: Any) -> tuple[Any, ...]:
        *values, request = args
        return attempt(n_out, run, values, request)

    return takes_request(handler, n_in)


def _connect(ctx: UIContext, ui: SimpleNamespace) -> None:
    view = [ui.notice, ui.overview, ui.step_dd, ui.step_md, ui.explain, ui.checklist, ui.log_md]

    def on(trigger: Any, name: str, fn: Callable[..., tuple[Any, ...]], inputs: list[Any],
           outputs: list[Any], question: int | None = None) -> Any:
        return trigger(_handler(ctx, fn, len(inputs), len(outputs), question), inputs=inputs,
                       outputs=outputs, api_name=name)

    resume_out = [*view, ui.chart, ui.result, *ui.radios]
    moved = [  # the events that may show another step, so another step page
        on(ui.resume_btn.click, "coach_resume", resume, [], resume_out),
        on(lambda fn, **kw: gr.on(None, fn, show_progress="minimal", **kw), "coach_load",
           resume, [], resume_out),  # runs when the page loads
        on(ui.where_btn.click, "coach_where", where_are_we, [ui.in_place, ui.said], view),
        # the dropdown reports its value whenever focus leaves it too: goto ignores the step
        # shown
        on(ui.step_dd.input, "coach_goto", goto, [ui.step_dd], [*view, ui.chat, ui.pairs]),
        on(ui.complete_btn.click, "coach_complete",
           lambda s, step_id: step_view(s, s.work(machine.complete, step=step_id)),
           [ui.step_dd], view),
        on(ui.confirm_btn.click, "coach_reset", reset, [], [*view, ui.confirm_row])]
    for trigger, name, fn in ((ui.next_btn.click, "coach_next", machine.next_step),
                              (ui.prev_btn.click, "coach_previous", machine.previous_step)):
        moved.append(on(trigger, name, lambda s, f=fn: move(s, f), [], view).then(
            lambda: ([], []), outputs=[ui.chat, ui.pairs], api_visibility="private"))
    on(ui.assess_btn.click, "coach_assess", assess, ui.radios, [ui.notice, ui.chart, ui.result])
    on(ui.checklist.input, "coach_tick", set_ticks, [ui.step_dd, ui.checklist],
       [ui.notice, ui.overview])
    on(ui.note_btn.click, "coach_note", add_note, [ui.step_dd, ui.note],
       [ui.notice, ui.log_md, ui.note])
    on(ui.action_btn.click, "coach_action", add_action,
       [ui.step_dd, ui.what, ui.owner, ui.due], [ui.notice, ui.log_md, ui.what, ui.owner, ui.due])
    ask_io = ([ui.step_dd, ui.question, ui.chat, ui.pairs],
              [ui.notice, ui.chat, ui.pairs, ui.question])
    on(ui.ask_btn.click, "coach_ask", ask, *ask_io, question=1)  # rate-limited, see ctx.admit
    on(ui.question.submit, "coach_ask_submit", ask, *ask_io, question=1)
    on(ui.export_btn.click, "coach_export", export_plan, [], [ui.notice, ui.files]).success(
        ctx.auditor(EXPORT, "action plan (Markdown and Word)"), api_visibility="private")
    ui.reset_btn.click(lambda: gr.update(visible=True), outputs=ui.confirm_row,
                       api_visibility="private")
    ui.cancel_btn.click(lambda: gr.update(visible=False), outputs=ui.confirm_row,
                        api_visibility="private")
    _connect_beside(ctx, ui, moved)


def _connect_beside(ctx: UIContext, ui: SimpleNamespace, moved: list[Any]) -> None:
    """The projects beside the journey and the step's register: drawn after each event that
    may show another step, and each time the tab is opened (a project made in the Projects
    tab shows on coming back)."""
    def view(session: JourneySession) -> Outputs:
        return projects_view(session, ctx.workbench())

    outputs = [ui.projects, ui.register_box, ui.register]
    for event in moved:
        event.then(_handler(ctx, view, 0, len(outputs)), outputs=outputs,
                   show_progress="hidden", api_visibility="private")
    tab = get_render_context()  # the gr.Tab this tab is built in (coach.ui.app.build_ui)
    if isinstance(tab, gr.Tab):
        tab.select(_handler(ctx, view, 0, len(outputs)), outputs=outputs,
                   show_progress="hidden", api_name="coach_projects")
    ui.projects_btn.click(None, js=OPEN_PROJECTS)
