"""What the Coach tab shows, and its handlers: plain functions of a ``JourneySession``.

Each handler returns the values of its outputs; ``coach_tab`` lays out the components and
wires them up. A ``CoachError`` becomes a message in the first output (see ``attempt``).
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

import gradio as gr

from coach.coaching import export, machine, where
from coach.coaching.assessment import Result
from coach.coaching.chart import alt_text, render_chart
from coach.coaching.journey import Journey, Step
from coach.coaching.render import render_result
from coach.coaching.session import JourneySession
from coach.errors import CoachError, IndexEmptyError
from coach.insights.store import record_answer
from coach.review.queue import offer_answer
from coach.ui import downloads, render
from coach.ui.journey_render import projects_html, register_html, shows_register, stepper_html
from coach.workbench.store import WorkbenchStore

P = ParamSpec("P")
# what a handler returns to Gradio: one value (or gr.update()) per output component
Outputs = tuple[object, ...]

log = logging.getLogger(__name__)


def _pre(text: str) -> str:
    return f"<pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


def _notice(progress: machine.Progress | None, extra: str = "") -> str:
    notes = list(progress.warnings) if progress is not None else []
    out = "".join(f'<div class="warning" role="note">{html.escape(w)}</div>' for w in notes)
    return out + (f'<div class="notice" role="status">{html.escape(extra)}</div>'
                  if extra else "")


def _folded(title: str, items: list[str]) -> list[str]:
    """A section of the step page that opens and closes (``<details>``), its items a list."""
    return [f'<details class="step-part"><summary>{title} ({len(items)})</summary>', "",
            *[f"- {i}" for i in items], "", "</details>", ""]


def _step_md(session: JourneySession, progress: machine.Progress, step: Step) -> str:
    """The step's heading with its state, its purpose, then its reflective questions and its
    signs of completion, each folded."""
    lines = [f"### Step {step.number} of {len(session.journey.steps)}: {step.title} "
             f"({machine.status(progress, step.id)})", "", step.labelled_purpose, "",
             *_folded("Questions to reflect on", step.questions),
             *_folded("Signs the step is done", step.evidence)]
    gaps = machine.gaps_before(session.journey, progress, step.id)
    if gaps:
        lines += ["", "*Earlier steps not yet recorded: " + ", ".join(
            f"{g.number}. {g.title}" for g in gaps) + ".*"]
    return "\n".join(lines)


def _log_md(progress: machine.Progress, step: Step) -> str:
    sp = progress.step(step.id)
    esc = render.escape_text
    lines = ["**Notes**", *([f"- {esc(n)}" for n in sp.notes] or ["- none yet"]), "",
             "**Actions**"]
    lines += [f"- {esc(a.what)} — owner {esc(a.owner)}, due {a.due.isoformat()}"
              for a in sp.actions] or ["- none yet"]
    return "\n".join(lines)


def _explain(session: JourneySession, step: Step) -> str:
    try:
        answer = session.explain(step)
        if answer.refused:  # the general refusal would read as if the lead had asked
            return render.error_html(
                f"The indexed guidance has nothing close enough on step {step.number} to "
                "explain it with citations. Documents about this step (front matter "
                f"'step: {step.number}') appear here once the Library tab has indexed them.")
        return render.answer_html(render.turn_from("", answer))
    except IndexEmptyError:
        return render.error_html("No guidance is indexed yet, so there is no cited "
                                 "explanation: open the Library tab and press Re-index.")


VIEW_SIZE = 7  # the values step_view returns


def step_view(session: JourneySession, progress: machine.Progress, message: str = "",
              explain: bool = True) -> Outputs:
    """(notice, the journey's stepper, step dropdown, step text, explanation, checklist,
    notes/actions)."""
    step = session.current_step(progress)
    checklist = gr.CheckboxGroup(choices=[(c.text, c.id) for c in step.checklist],
                                 value=sorted(progress.step(step.id).ticked))
    return (_notice(progress, message), stepper_html(session.journey, progress, step),
            step.id,
            _step_md(session, progress, step),
            _explain(session, step) if explain else gr.update(), checklist,
            _log_md(progress, step))


def result_view(session: JourneySession,
                history: tuple[list[Result], list[str]] | None = None) -> tuple[object, str]:
    """(chart PNG path with its text alternative, Markdown) for the latest assessment, with
    the change since the first."""
    results, warnings = history or session.history()
    if not results:
        return None, "No self-assessment taken yet: score the statements above."
    latest = session.cite(results[-1])
    path = session.exports_dir() / "readiness.png"
    path.write_bytes(render_chart(results))
    text = render_result(latest, results[0] if len(results) > 1 else None)
    history_md = "\n".join(f"- {r.taken_at[:16].replace('T', ' ')}: overall {r.overall:.2f} "
                           f"({r.band})" for r in results)
    notes = "".join(f"\n\n> {w}" for w in warnings)
    chart = gr.update(value=downloads.picture(path), alt_text=alt_text(results))
    return chart, f"{_pre(text)}\n\n**Assessments so far**\n{history_md}{notes}"


def attempt(n_out: int, fn: Callable[P, Outputs], *args: P.args, **kwargs: P.kwargs
            ) -> Outputs:
    """Run a handler; a CoachError becomes a message in the first output, the rest unchanged."""
    try:
        return fn(*args, **kwargs)
    except CoachError as exc:
        message = render.error_html(str(exc))
    except Exception:  # keep the app usable; the details go to the log
        log.exception("coach tab handler failed")
        message = render.error_html("Something went wrong; please try again.")
    return (message,) + (gr.update(),) * (n_out - 1)


# -- handlers (plain functions of the session, wired up in build) ---------------------------
def resume(session: JourneySession) -> Outputs:
    progress = session.progress()
    if progress.stage == machine.Stage.NEW:
        step = machine.suggested_step(session.journey, progress)
        message = (f"Welcome. Take the self-assessment, tell us what is already in place, or "
                   f"start with step {step.number}: {step.title}.")
    else:
        message = "Welcome back: your journey is resumed where you left it."
        progress = session.apply(machine.start)
    history = session.history()
    chart, result = result_view(session, history)
    last = history[0][-1].scores if history[0] else {}
    scores = [last.get(i.id) for i in session.journey.assessment.items]
    return (*step_view(session, progress, message), chart, result, *scores)


def where_are_we(session: JourneySession, in_place: list[str], said: str) -> Outputs:
    refs: list[str | int] = list(in_place or [])
    if said and said.strip():
        found = where.steps_mentioned(session.journey, said)
        if not found and not refs:
            raise CoachError("I could not tell which step that describes: tick the steps "
                             "already in place instead.")
        refs += [s.id for s in found if s.id not in refs]
    progress = session.apply(machine.mark_in_place, refs)
    names = ", ".join(machine.find_step(session.journey, r).title for r in refs)
    here = session.current_step(progress)
    return step_view(session, progress, f"Noted as already in place: {names}. Suggested "
                                         f"step: {here.number}. {here.title}.")


def assess(session: JourneySession, *scores: object) -> Outputs:
    items = session.journey.assessment.items
    session.assess({i.id: s for i, s in zip(items, scores, strict=True)})
    chart, text = result_view(session)
    return _notice(None, "Assessment saved."), chart, text


def goto(session: JourneySession, step_id: str) -> Outputs:
    """The step chosen in "Go to any step", then the step chat emptied: (the step view, chat,
    chat pairs). Gradio's dropdown also sends its value each time focus leaves it, so a
    keyboard user tabbing past would move, redraw the step over a tick just made and lose the
    step chat: choosing the step already shown changes nothing."""
    if step_id == session.current_step().id:
        return (gr.update(),) * (VIEW_SIZE + 2)
    return (*move(session, machine.goto, step_id), [], [])


def move(session: JourneySession,
         fn: Callable[Concatenate[Journey, machine.Progress, P], machine.Progress],
         *args: P.args, **kwargs: P.kwargs) -> Outputs:
    return step_view(session, session.apply(fn, *args, **kwargs))


def set_ticks(session: JourneySession, step_id: str, ticked: list[str]) -> Outputs:
    progress = session.work(machine.set_ticks, list(ticked or []), step=step_id)
    step = machine.find_step(session.journey, step_id)
    return _notice(progress, "Saved."), stepper_html(session.journey, progress, step)


def add_note(session: JourneySession, step_id: str, text: str) -> Outputs:
    progress = session.work(machine.add_note, text, step=step_id)
    step = machine.find_step(session.journey, step_id)
    return _notice(progress, "Note added."), _log_md(progress, step), ""


def add_action(session: JourneySession, step_id: str, what: str, owner: str, due: str
               ) -> Outputs:
    progress = session.work(machine.add_action, what, owner, due, step=step_id)
    step = machine.find_step(session.journey, step_id)
    return _notice(progress, "Action added."), _log_md(progress, step), "", "", ""


def ask(session: JourneySession, step_id: str, question: str, chat: list[dict[str, str]],
        pairs: list[list[str]]) -> Outputs:
    """One turn of the step chat; retrieval is focused on the step."""
    started = time.perf_counter()
    step = machine.find_step(session.journey, step_id)
    history = [(p[0], p[1]) for p in pairs or []]
    answer = session.ask(step, question, history)
    if session.coach is not None:  # session.ask needs it, so always; for the type checker
        settings = session.coach.settings
        logged = record_answer(settings, user=session.user, question=question,
                               answer=answer, started=started, step=step.id)
        offer_answer(settings, log_id=logged, user=session.user, question=question,
                     history=history, answer=answer)
    reply = render.answer_html(render.turn_from(question, answer))
    chat = [*(chat or []), {"role": "user", "content": render.escape_question(question)},
            {"role": "assistant", "content": reply}]
    return "", chat, [*(pairs or []), [question, answer.text]], ""


def projects_view(session: JourneySession, store: WorkbenchStore) -> Outputs:
    """The lead's projects beside the journey, and the project register on a step whose page
    shows it (journey.yaml): (projects, the register's section, the register)."""
    entries = store.register(session.user)
    shown = shows_register(session.current_step())
    return (projects_html(entries), gr.update(visible=shown),
            register_html(entries) if shown else gr.update())


def export_plan(session: JourneySession) -> Outputs:
    folder = session.exports_dir()  # COACH_HOME/exports/<the user's folder>
    paths = export.write(session.plan(), folder)
    return (_notice(None, "Your action plan is ready to download below."),
            downloads.shown(folder.parents[1], paths))


def reset(session: JourneySession) -> Outputs:
    session.reset()
    view = step_view(session, session.progress(), "Your journey was cleared (a copy is "
                     "archived; assessment history is kept).", explain=False)
    return (*view, downloads.hidden())


def takes_request(handler: Callable[..., Any], n_in: int) -> Callable[..., Any]:
    """Give a ``*args`` handler the signature Gradio reads: ``n_in`` inputs, then the
    gr.Request it fills in (the last positional argument the handler receives)."""
    import inspect

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(f"value{i}", kind) for i in range(n_in)]
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*params, inspect.Parameter("request", kind, annotation=gr.Request)])
    handler.__annotations__ = {"request": gr.Request}
    return handler
