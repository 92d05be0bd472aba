"""The Coach tab's "Team readiness survey" section: a lead opens a survey and shares its code,
sees the results (tables, a chart whose text alternative gives its numbers, CSV and JSON) and
adopts them; a colleague enters a code, their role and level, and answers the same items as the
self-assessment, signed in or anonymously.

Layout and thin handlers; the work is done by ``coach.coaching.survey``: ``store.py`` (the
store), ``stats.py`` (the figures) and ``render.py``. Results go to the survey's owner only,
and never show one person's answers.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import gradio as gr

from coach.coaching.journey import Journey
from coach.coaching.render import render_result
from coach.coaching.session import JourneySession
from coach.coaching.survey import render as survey_render
from coach.coaching.survey.stats import MIN_GROUP
from coach.coaching.survey.store import LEVELS, ROLES, SurveyStore
from coach.ui import downloads, render
from coach.ui.coach_views import attempt, takes_request
from coach.ui.context import UIContext

Outputs = tuple[object, ...]

INTRO = ("One person's view is not the team's. Open a survey, share its code, and colleagues "
         "answer the same statements as the self-assessment with their role and level. You "
         "see the mean and the spread for each enabler and item, where roles disagree, and how "
         "many answered — never anyone's own answers, and nothing until "
         "{min_group} have answered.")


def _notice(text: str) -> str:
    return f'<div class="notice" role="status">{html.escape(text)}</div>'


def _esc(text: str) -> str:
    return render.escape_text(text)


def _choices(store: SurveyStore, user: str) -> list[tuple[str, str]]:
    return [(f"{s.code} — {s.title} ({s.responses} answered, "
             f"{'open' if s.is_open else 'closed'})", s.code) for s in store.mine(user)]


# -- handlers: plain functions of the caller's session (and, to answer, their name) ---------
def open_survey(session: JourneySession, title: str) -> Outputs:
    store = session.surveys()
    survey = store.open(session.user, title)
    code = (f"### Your survey code: `{survey.code}`\n\nShare it with colleagues: they open "
            "the Coach tab, **Team readiness survey → Answer a survey**, and enter it (or run "
            f"`coach survey respond {survey.code} --role ROLE --level LEVEL`).")
    return (_notice(f"Survey {survey.code} is open."), code,
            gr.update(choices=_choices(store, session.user), value=survey.code))


def list_surveys(session: JourneySession) -> Outputs:
    return (gr.update(choices=_choices(session.surveys(), session.user)),)


def results(session: JourneySession, code: str) -> Outputs:
    report = session.surveys().results(code, session.user, session.journey)
    text = survey_render.markdown(report, _esc)
    if not report.stats.shown:
        return (_notice("Not enough answers yet."), gr.update(value=None), text,
                downloads.hidden())
    folder = session.exports_dir()
    stem = f"team-survey-{report.survey.code}"
    chart = folder / f"{stem}.png"
    chart.write_bytes(survey_render.chart(report))
    (folder / f"{stem}.csv").write_text(survey_render.to_csv(report), encoding="utf-8")
    (folder / f"{stem}.json").write_text(survey_render.to_json(report), encoding="utf-8")
    files = [folder / f"{stem}.{ext}" for ext in ("csv", "json", "png")]
    return (_notice(f"Results of survey {report.survey.code}: {report.stats.n} answered."),
            gr.update(value=downloads.picture(chart), alt_text=survey_render.alt_text(report)),
            text, downloads.shown(folder.parents[1], files))  # folder: HOME/exports/<user's>


def close(session: JourneySession, code: str) -> Outputs:
    survey = session.surveys().close(code, session.user)
    return (_notice(f"Survey {survey.code} is closed ({survey.responses} answered); it takes "
                    "no more answers."),
            gr.update(choices=_choices(session.surveys(), session.user), value=survey.code))


def adopt(session: JourneySession, code: str) -> Outputs:
    report, result = session.adopt_survey(code)
    text = (f"{render_result(result)}\n\nA note on step 1 records the survey; the exported "
            "action plan shows its means and spreads.")
    return (_notice(f"Survey {report.survey.code} ({report.stats.n} respondents) is now your "
                    "readiness assessment, and it is closed."),
            f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>",
            gr.update(choices=_choices(session.surveys(), session.user),
                      value=report.survey.code))


def respond(session: JourneySession, signed_in: str | None, code: str, role: str, level: str,
            anonymous: bool, *scores: object) -> Outputs:
    items = session.journey.assessment.items
    user = None if anonymous or signed_in is None else signed_in
    receipt = session.surveys().respond(
        code, session.journey, {i.id: s for i, s in zip(items, scores, strict=True)},
        role=role, level=level, user=user)
    lead = "" if signed_in is not None or anonymous else (
        "Sign-in is off here, so every answer is anonymous. ")
    return (_notice(lead + receipt.message),)


# -- layout and wiring ---------------------------------------------------------------------
def build(ctx: UIContext, journey: Journey) -> None:
    ui = SimpleNamespace()
    with gr.Accordion("Team readiness survey", open=False):
        gr.Markdown(INTRO.format(min_group=MIN_GROUP))
        with gr.Tab("Run a survey for your team"):
            _lead(ui)
        with gr.Tab("Answer a survey"):
            _respondent(ui, journey)
    _connect(ctx, ui)


def _lead(ui: SimpleNamespace) -> None:
    ui.notice = gr.HTML()
    with gr.Row():
        ui.title = gr.Textbox(label="Survey title", placeholder="e.g. Ward 7 readiness, May",
                              scale=3)
        ui.open_btn = gr.Button("Open a survey", variant="primary")
    ui.code_md = gr.Markdown()
    with gr.Row():
        ui.mine = gr.Dropdown(label="Your surveys", choices=[], allow_custom_value=True,
                              scale=3)
        ui.refresh_btn = gr.Button("Refresh list")
    with gr.Row():
        ui.results_btn = gr.Button("Show results", variant="primary")
        ui.close_btn = gr.Button("Close survey")
        ui.adopt_btn = gr.Button("Adopt as my readiness assessment")
    ui.chart = gr.Image(type="filepath", format="png", label="Team readiness by enabler "
                        "(the tables below give the same numbers)", interactive=False)
    ui.results_md = gr.Markdown()
    ui.files = downloads.component("Results as data: CSV, JSON and the chart",
                                   "survey-files")


def _respondent(ui: SimpleNamespace, journey: Journey) -> None:
    ui.r_notice = gr.HTML()
    ui.code = gr.Textbox(label="Survey code", placeholder="e.g. K7M2PQ9X")
    with gr.Row():
        ui.role = gr.Dropdown(choices=list(ROLES), allow_custom_value=True, label="Your role")
        ui.level = gr.Dropdown(choices=list(LEVELS), allow_custom_value=True,
                               label="Your level")
    ui.anonymous = gr.Checkbox(label="Answer anonymously: your name is not stored, and "
                                     "anonymous answers cannot be changed later")
    scale = [(f"{k} {v}", k) for k, v in journey.assessment.scale.items()]
    ui.radios = []
    for enabler in journey.enablers:
        gr.Markdown(f"### {enabler.title}")
        for item in [i for i in journey.assessment.items if i.enabler == enabler.id]:
            ui.radios.append(gr.Radio(choices=scale, label=item.statement))
    ui.send_btn = gr.Button("Send my answers", variant="primary")


def _handler(ctx: UIContext, fn: Callable[..., Outputs], n_in: int, n_out: int,
             with_name: bool = False) -> Callable[..., Outputs]:
    """A Gradio handler of ``n_in`` inputs and the request, calling ``fn`` with the caller's
    session (and, ``with_name``, their signed-in name or None)."""
    def run(values: list[Any], request: gr.Request) -> Outputs:
        session = ctx.sessions.open(ctx.user_of(request))
        if with_name:
            name = getattr(request, "username", None)
            return fn(session, str(name) if name else None, *values)
        return fn(session, *values)

    def handler(*args: Any) -> Outputs:
        *values, request = args
        return attempt(n_out, run, values, request)

    return takes_request(handler, n_in)


def _connect(ctx: UIContext, ui: SimpleNamespace) -> None:
    def on(trigger: Any, name: str, fn: Callable[..., Outputs], inputs: list[Any],
           outputs: list[Any], **kw: Any) -> Any:
        return trigger(_handler(ctx, fn, len(inputs), len(outputs), **kw), inputs=inputs,
                       outputs=outputs, api_name=name)

    on(ui.open_btn.click, "survey_open", open_survey, [ui.title],
       [ui.notice, ui.code_md, ui.mine])
    on(ui.refresh_btn.click, "survey_list", list_surveys, [], [ui.mine])
    gr.on(None, _handler(ctx, list_surveys, 0, 1), outputs=[ui.mine],
          show_progress="hidden", api_visibility="private")  # the list, when the page loads
    on(ui.results_btn.click, "survey_results", results, [ui.mine],
       [ui.notice, ui.chart, ui.results_md, ui.files])
    on(ui.close_btn.click, "survey_close", close, [ui.mine], [ui.notice, ui.mine])
    on(ui.adopt_btn.click, "survey_adopt", adopt, [ui.mine],
       [ui.notice, ui.results_md, ui.mine])
    on(ui.send_btn.click, "survey_respond", respond,
       [ui.code, ui.role, ui.level, ui.anonymous, *ui.radios], [ui.r_notice], with_name=True)
