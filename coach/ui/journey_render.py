"""The Coach tab's workspace, rendered: the six-step stepper with its progress, the lead's
projects beside it, and the project register a step's page shows (step 5 in journey.yaml:
``shows: [project-register]``). Pure functions to escaped HTML; the sentences are in
prompts/coach-tab.yaml (``coach_text``, ``coach_html``), the looks in coach/ui/theme.py
(``.stepper``, ``.projects``).

The stepper is a list in a named ``nav``: each step says its state in words (done, already in
place, in progress, not started) and how many checklist items are ticked; the step shown
carries ``aria-current="step"``. Bars and marks repeat what the words say, so they are hidden
from assistive technology and nothing rests on colour alone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from coach import prompts
from coach.coaching import machine
from coach.coaching.journey import Journey, Step
from coach.ui.projects_render import TABLE_CSS, table
from coach.workbench.projects import RegisterEntry

WORDS = "coach-tab.yaml"
# each step's state: (CSS class, the mark drawn in its circle; the number when empty)
STATES = {machine.DONE: ("done", "✓"), machine.IN_PLACE: ("in-place", "✓"),
          machine.IN_PROGRESS: ("in-progress", ""), machine.NOT_STARTED: ("not-started", "")}
REGISTER_PANEL = "project-register"  # a step's page shows the register (journey.yaml)
# the register's look (its HTML component's css_template): the tables of the Projects tab,
# with columns kept wide enough to read; on a narrow screen the table scrolls in its region
REGISTER_CSS = TABLE_CSS + """
th, td { min-width: 6rem; overflow-wrap: normal; word-break: normal; }
td:nth-child(2) { min-width: 13rem; }
td:nth-child(6) { white-space: nowrap; }
"""


def coach_text(key: str, **values: object) -> str:
    """Entry ``key`` of prompts/coach-tab.yaml, its {placeholders} filled (plain text;
    tests/test_reply_prompts.py checks each call's placeholders)."""
    return prompts.fill(WORDS, key, **values)


def coach_html(key: str, **values: object) -> str:
    """``coach_text``, HTML-escaped."""
    return html.escape(coach_text(key, **values), quote=True)


def _bar(part: int, whole: int) -> str:
    width = round(100 * part / whole) if whole else 0
    return (f'<span class="bar" aria-hidden="true"><span style="width:{width}%"></span>'
            "</span>")


def _summary(journey: Journey, progress: machine.Progress, shown: Step) -> tuple[str, int]:
    """The sentence over the steps, and how many are done or in place."""
    total = len(journey.steps)
    done = sum(1 for s in journey.steps if progress.step(s.id).completed)
    if progress.stage == machine.Stage.NEW:
        return coach_html("stepper-new", number=shown.number), done
    if progress.stage == machine.Stage.FINISHED:
        return coach_html("stepper-finished", total=total), done
    return coach_html("stepper-on-step", done=done, total=total, number=shown.number), done


def _step_item(progress: machine.Progress, step: Step, shown: Step) -> str:
    state = machine.status(progress, step.id)
    css, mark = STATES.get(state, ("not-started", ""))
    ticked, total = len(progress.step(step.id).ticked), len(step.checklist)
    here = step.id == shown.id
    current = ' aria-current="step"' if here else ""
    tag = f'<span class="here" aria-hidden="true">{coach_html("here")}</span>' if here else ""
    return (f'<li class="step {css}{" current" if here else ""}"{current}>'
            f'<span class="dot" aria-hidden="true">{mark or step.number}</span>'
            f'<span class="body"><span class="title">{step.number}. '
            f'{html.escape(step.title)}</span>'
            f'<span class="state">{html.escape(state.capitalize())}</span>'
            f'<span class="ticks">{_bar(ticked, total)}'
            f'{coach_html("ticked", ticked=ticked, total=total)}</span>{tag}</span></li>')


def stepper_html(journey: Journey, progress: machine.Progress, shown: Step) -> str:
    """The journey as a stepper: a sentence of where the lead is with a bar of the steps done,
    then each step with its state and ticks; ``shown`` is the step on the page."""
    sentence, done = _summary(journey, progress, shown)
    items = "".join(_step_item(progress, s, shown) for s in journey.steps)
    label = coach_html("stepper-label")
    return (f'<nav class="stepper" aria-label="{label}">'
            f'<p class="overall">{_bar(done, len(journey.steps))}'
            f'<span class="sentence">{sentence}</span></p>'
            f'<ol class="steps">{items}</ol></nav>')


def shows_register(step: Step) -> bool:
    return REGISTER_PANEL in step.shows


# -- the lead's projects -------------------------------------------------------------------
def _cycles(count: int) -> str:
    return coach_html("cycles-one") if count == 1 else coach_html("cycles-many", count=count)


def _score(entry: RegisterEntry) -> str:
    if entry.score is None:
        return coach_html("projects-unscored")
    return coach_html("projects-score", score=f"{entry.score:g}", meaning=entry.meaning)


def projects_html(entries: Sequence[RegisterEntry]) -> str:
    """The lead's projects beside the journey: each title, its latest progress score and its
    number of PDSA cycles (the Projects tab opens them)."""
    head = f'<h3>{coach_html("projects-heading")}</h3>'
    if not entries:
        return f'<div class="projects">{head}<p>{coach_html("projects-none")}</p></div>'
    items = "".join(f'<li><span class="title">{html.escape(e.title)}</span>'
                    f'<span class="score">{_score(e)}</span>'
                    f'<span class="cycles">{_cycles(e.cycles)}</span></li>' for e in entries)
    return f'<div class="projects">{head}<ul>{items}</ul></div>'


def _latest(entry: RegisterEntry) -> str:
    if entry.score is None:
        return coach_text("no-score")
    return coach_text("register-score", score=f"{entry.score:g}", meaning=entry.meaning,
                      on=entry.scored_on)


def register_html(entries: Sequence[RegisterEntry]) -> str:
    """The project register as a table: project, aim, team and sponsor, the latest progress
    score with its meaning and date, PDSA cycles, last update. Empty: how to add one."""
    if not entries:
        return f'<p class="register-empty">{coach_html("register-empty")}</p>'
    rows = [(e.title, e.aim,
             "; ".join(x for x in (e.team, e.sponsor and coach_text("sponsor", sponsor=e.sponsor))
                       if x),
             _latest(e), e.cycles, e.updated_at[:10]) for e in entries]
    return (f'<p>{coach_html("register-intro")}</p>'
            + table(coach_text("register-caption"),
                    ["Project", "Aim", "Team and sponsor", "Latest progress score",
                     "PDSA cycles", "Last update"], rows))
