"""The Coach tab as a workspace (issue 25, part 3): the journey as a six-step stepper with its
progress, the step page's folded parts, the lead's projects beside the journey and step 5's
project register — rendered from real values, and through the app's real handlers (the whole
app built in process, its events called as Gradio calls them; a project made through the real
WorkbenchStore)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from coaching_helpers import journey, stepper
from conftest import settings_under
from ui_helpers import write_kb

from coach.app import build_coach
from coach.coaching import machine
from coach.db import LOCAL_USER, open_database
from coach.ui import journey_render
from coach.ui.app import build_ui
from coach.workbench.projects import PDSA
from coach.workbench.store import WorkbenchStore

JOURNEY = journey()
ROOT = Path(__file__).resolve().parents[1]
# the step view's outputs (coach/ui/coach_tab.py): notice, the stepper, step, step text, ...
NOTICE, STEPPER, STEP, STEP_MD = range(4)


def at_step_3_with_2_ticked() -> machine.Progress:
    """Step 1 done, step 2 already in place, step 3 current with two items ticked."""
    p = machine.start(JOURNEY, machine.Progress())
    p = machine.complete(JOURNEY, p, step=JOURNEY.steps[0].id)
    p = machine.mark_in_place(JOURNEY, p, [2])
    p = machine.goto(JOURNEY, p, 3)
    items = [c.id for c in JOURNEY.steps[2].checklist[:2]]
    return machine.set_ticks(JOURNEY, p, items, step=JOURNEY.steps[2].id)


def test_the_stepper_shows_each_steps_state_its_ticks_and_the_current_step():
    progress = at_step_3_with_2_ticked()
    assert progress.current == "buy-in-and-vision"
    shown = journey_render.stepper_html(JOURNEY, progress, JOURNEY.steps[2])
    label, sentence, steps = stepper(shown)

    assert label == "Your improvement journey"
    assert sentence == "2 of 6 steps done or in place. You are on step 3."
    assert [s["title"] for s in steps] == [f"{s.number}. {s.title}" for s in JOURNEY.steps]
    assert [s["state"] for s in steps] == ["Done", "Already in place", "In progress",
                                          "Not started", "Not started", "Not started"]
    totals = [len(s.checklist) for s in JOURNEY.steps]
    assert [s["ticks"] for s in steps] == [
        f"{n} of {total} ticked" for n, total in zip([0, 0, 2, 0, 0, 0], totals, strict=True)]
    assert [s["current"] for s in steps] == [False, False, True, False, False, False]
    assert steps[2].get("here") == "You are here" and "current" in steps[2]["class"]
    # real markup, not a monospace block: a named nav with an ordered list of six items
    assert shown.startswith('<nav class="stepper" aria-label="Your improvement journey">')
    assert shown.count("<li ") == 6 and "<ol " in shown and "<pre" not in shown
    assert shown.count('aria-current="step"') == 1


def test_the_stepper_before_the_journey_starts_and_once_it_is_finished():
    new = machine.Progress()
    _, sentence, steps = stepper(journey_render.stepper_html(JOURNEY, new, JOURNEY.steps[0]))
    assert sentence.startswith("Not started yet") and "step 1" in sentence
    assert {s["state"] for s in steps} == {"Not started"} and steps[0]["current"]
    done = machine.mark_in_place(JOURNEY, new, [s.number for s in JOURNEY.steps])
    assert done.stage == machine.Stage.FINISHED
    _, sentence, steps = stepper(journey_render.stepper_html(JOURNEY, done, JOURNEY.steps[5]))
    assert sentence.startswith("All 6 steps are done or in place")
    assert {s["state"] for s in steps} == {"Already in place"}


def test_a_title_a_lead_wrote_is_escaped_in_the_projects_and_the_register(tmp_path):
    store = WorkbenchStore(open_database(settings_under(tmp_path)))
    store.create("lead", "<script>alert(1)</script> falls", aim="<b>Halve</b> falls",
                 sponsor="A & B")
    entries = store.register("lead")
    for shown in (journey_render.projects_html(entries), journey_render.register_html(entries)):
        assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "&lt;b&gt;Halve" in journey_render.register_html(entries)
    assert "sponsor A &amp; B" in journey_render.register_html(entries)


def test_an_empty_register_says_how_to_add_a_project():
    shown = journey_render.register_html([])
    assert "register is empty" in shown and "Projects tab" in shown
    assert "Create a project" in shown and "<table" not in shown
    assert "No projects yet" in journey_render.projects_html([])


def test_only_step_5_shows_the_register_and_journey_yaml_says_so():
    assert [s.number for s in JOURNEY.steps if journey_render.shows_register(s)] == [5]


# -- through the app's handlers -------------------------------------------------------------
@pytest.fixture
def app(tmp_path, embedder):
    """The whole web app built in process (sign-in off: the one user is ``local``), with the
    shipped journey and a small knowledge folder, nothing indexed."""
    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(ROOT / "knowledge" / "journey.yaml", settings.knowledge_dir / "journey.yaml")
    demo = build_ui(build_coach(settings, embedder=embedder), settings)
    return {f.api_name: f.fn for f in demo.fns.values() if f.api_name}, settings


def visible(update: object) -> bool:
    assert isinstance(update, dict)
    return bool(update["visible"])


def test_step_5_shows_a_project_made_through_the_workbench_with_its_latest_score(app):
    fns, settings = app
    store = WorkbenchStore(open_database(settings))
    falls = store.create(LOCAL_USER, "Fewer falls on Ward 7", team="Ward 7",
                         aim="Reduce falls on Ward 7 from 12 to 6 a month by March 2027",
                         sponsor="Director of nursing").id
    store.add_cycle(LOCAL_USER, falls, PDSA("Safety huddle", plan="Huddle at handover"))
    store.add_score(LOCAL_USER, falls, 1.5, on="2026-06-30")
    store.add_score(LOCAL_USER, falls, 3, on="2026-10-31")
    store.create("someone-else", "Not mine")

    view = fns["coach_resume"](None)
    beside, section, register = fns["coach_projects"](None)
    assert "Fewer falls on Ward 7" in beside and "Progress score 3:" in beside
    assert "Not mine" not in beside
    assert not visible(section)  # step 1's page has no register
    assert stepper(view[STEPPER])[2][0]["current"]

    view = fns["coach_goto"]("aligning-activity", None)
    assert view[STEP_MD].startswith("### Step 5 of 6: Aligning and coordinating activity")
    assert stepper(view[STEPPER])[2][4]["current"]
    beside, section, register = fns["coach_projects"](None)
    assert visible(section)
    assert '<caption>Your QI projects with their latest progress scores</caption>' in register
    row = register[register.index("<tbody>"):]
    for cell in ("Fewer falls on Ward 7", "Reduce falls on Ward 7 from 12 to 6",
                 "Ward 7; sponsor Director of nursing",
                 "3: modest improvement (about 20% of expected results) (2026-10-31)",
                 "<td>1</td>"):
        assert cell in row, cell
    assert "Not mine" not in register

    fns["coach_next"](None)  # step 6: the register goes again
    assert not visible(fns["coach_projects"](None)[1])


def test_the_step_page_folds_its_questions_and_signs_and_ticks_redraw_the_stepper(app):
    fns, _ = app
    fns["coach_resume"](None)
    view = fns["coach_goto"]("buy-in-and-vision", None)
    step = JOURNEY.steps[2]
    text = view[STEP_MD]
    assert (f'<details class="step-part"><summary>Questions to reflect on '
            f"({len(step.questions)})</summary>") in text
    assert f"- {step.questions[0]}" in text and "Signs the step is done" in text
    notice, shown = fns["coach_tick"](step.id, [c.id for c in step.checklist[:2]], None)
    assert "Saved" in notice
    steps = stepper(shown)[2]
    assert steps[2]["current"] and steps[2]["state"] == "In progress"
    assert steps[2]["ticks"] == f"2 of {len(step.checklist)} ticked"

