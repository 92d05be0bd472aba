"""The Coach tab of the real app, launched on 127.0.0.1 and driven through gradio_client."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from coaching_helpers import indexed_home, journey, stepper
from docx import Document
from gradio_client import Client
from ui_helpers import chat_text, downloaded, free_port, running_app

from coach.app import build_coach

pytestmark = pytest.mark.slow

SCORES = [3, 2, 1, 0, 2, 3, 3, 3, 3, 3, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3]
# outputs of the step view: notice, the journey's stepper, step, step text, explanation,
# checklist, log
NOTICE, OVERVIEW, STEP, STEP_MD, EXPLAIN, CHECKLIST, LOG = range(7)


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    settings = indexed_home(tmp_path_factory, embedder, "ui")
    settings = settings.model_copy(update={"port": free_port()})
    return build_coach(settings, embedder=embedder), settings


def value(output):
    """A component update arrives as a dict; the value is inside."""
    return output["value"] if isinstance(output, dict) and "__type__" in output else output


def launched(app):
    coach, settings = app
    return running_app(coach, settings)


def test_start_score_tick_note_action_ask_then_resume_after_restart_and_export(app, tmp_path):
    with launched(app) as url:
        client = Client(url, verbose=False)
        view = client.predict(api_name="/coach_resume")
        assert "Welcome" in view[NOTICE] and view[STEP] == "assessing-readiness"

        notice, chart, result = client.predict(*SCORES, api_name="/coach_assess")
        assert "Assessment saved" in notice
        assert Path(chart["value"]).read_bytes().startswith(b"\x89PNG")
        assert "Overall 1.85 (Developing)" in chart["alt_text"]  # the chart in words
        assert "overall 1.85 of 3, Developing" in result and "[1]" in result

        view = client.predict([], "We already have board support", api_name="/coach_where")
        assert view[STEP] == "buy-in-and-vision"
        assert "Noted as already in place: Securing board support" in view[NOTICE]

        view = client.predict("assessing-readiness", api_name="/coach_goto")
        assert view[STEP_MD].startswith("### Step 1 of 6: Assessing readiness")
        assert "*Coaching guidance (Improvement Coach, not from the report):* " in view[STEP_MD]
        assert "[1]" in view[EXPLAIN] and "source-card" in view[EXPLAIN]

        notice, overview = client.predict(
            "assessing-readiness", ["readiness-tool-chosen", "readiness-triggers-recorded"],
            api_name="/coach_tick")
        first = stepper(overview)[2][0]
        assert "Saved" in notice and first["title"] == "1. Assessing readiness"
        assert (first["state"], first["ticks"]) == ("In progress", "2 of 6 ticked")

        notice, log, box = client.predict("assessing-readiness", "Survey closes in May",
                                          api_name="/coach_note")
        assert "Survey closes in May" in log and box == ""
        bad = client.predict("assessing-readiness", "Choose a tool", "QI lead", "15/10/2026",
                             api_name="/coach_action")
        assert "YYYY-MM-DD" in bad[0] and "error" in bad[0]
        notice, log, *_ = client.predict("assessing-readiness", "Choose a tool", "QI lead",
                                         "2026-10-15", api_name="/coach_action")
        assert "Choose a tool — owner QI lead, due 2026-10-15" in log

        _, chat, _ = client.predict("assessing-readiness", "Which readiness tools can we use?",
                                    [], api_name="/coach_ask")
        question, answer = chat_text(chat)
        assert "readiness tools" in question and "[1]" in answer

    with launched(app) as url:  # a restart: everything comes back
        client = Client(url, verbose=False)
        view = client.predict(api_name="/coach_resume")
        assert "Welcome back" in view[NOTICE]
        assert view[STEP] == "assessing-readiness"
        assert sorted(value(view[CHECKLIST])) == ["readiness-tool-chosen",
                                                  "readiness-triggers-recorded"]
        assert "Survey closes in May" in view[LOG]
        assert list(view[9:]) == SCORES  # the last assessment fills the form again

        notice, files = client.predict(api_name="/coach_export")
        assert "ready to download" in notice
        files = downloaded(url, files)  # links served to their owner (here: sign-in off)
        docx = next(data for name, data in files.items() if name.endswith(".docx"))
        doc = Document(io.BytesIO(docx))
        body = "\n".join(p.text for p in doc.paragraphs)
        assert "☑ Chosen a readiness tool" in body and "Survey closes in May" in body
        cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
        assert ["Choose a tool", "QI lead", "2026-10-15"] in cells
        assert any(f.endswith(".md") for f in files) and any(f.endswith(".png") for f in files)


def test_bad_input_in_the_tab_gives_a_message_not_a_crash(app):
    with launched(app) as url:
        client = Client(url, verbose=False)
        client.predict(api_name="/coach_resume")
        unanswered = [*SCORES[:-1], None]
        notice, *_ = client.predict(*unanswered, api_name="/coach_assess")
        assert "culture-measured has no score" in notice
        notice, *_ = client.predict([], "nothing relevant", api_name="/coach_where")
        assert "could not tell which step" in notice
        notice, *_ = client.predict("sustaining", "", api_name="/coach_note")
        assert "note is empty" in notice
        notice, *_ = client.predict("assessing-readiness", "   ", [], api_name="/coach_ask")
        assert "empty" in notice


def test_reset_clears_the_journey(app):
    with launched(app) as url:
        client = Client(url, verbose=False)
        client.predict(api_name="/coach_resume")
        client.predict("board-support", api_name="/coach_goto")
        view = client.predict(api_name="/coach_reset")
        assert "cleared" in view[NOTICE]
        assert stepper(view[OVERVIEW])[1].startswith("Not started yet")
        assert view[STEP] == journey().steps[0].id


def test_two_signed_in_users_never_see_each_others_journey(app, tmp_path):
    from coach.access import auth
    from coach.ui.app import build_ui, launch

    coach, settings = app
    users = tmp_path / "users"
    auth.add_user(users, "alice", "alice-password")
    auth.add_user(users, "bob", "bob-password")
    signed = settings.model_copy(update={"port": free_port(), "auth_file": users,
                                         "home": tmp_path / "home"})
    demo = build_ui(coach, signed)
    _, url, _ = launch(demo, signed, prevent_thread_lock=True, quiet=True)
    try:
        alice = Client(url, verbose=False, auth=("alice", "alice-password"))
        alice.predict(api_name="/coach_resume")
        alice.predict("board-support", api_name="/coach_goto")
        alice.predict("board-support", ["executive-lead-agreed"], api_name="/coach_tick")
        alice.predict("board-support", "Private note of Alice", api_name="/coach_note")

        bob = Client(url, verbose=False, auth=("bob", "bob-password"))
        view = bob.predict(api_name="/coach_resume")
        assert view[STEP] == "assessing-readiness"
        assert stepper(view[OVERVIEW])[1].startswith("Not started yet")
        assert "Alice" not in view[LOG] and value(view[CHECKLIST]) == []
        # ticking the step shown before pressing Start opens the journey
        notice, overview = bob.predict("assessing-readiness", ["readiness-tool-chosen"],
                                       api_name="/coach_tick")
        assert "Saved" in notice and "You are on step 1." in stepper(overview)[1]

        view = Client(url, verbose=False, auth=("alice", "alice-password")).predict(
            api_name="/coach_resume")
        assert view[STEP] == "board-support"
        assert value(view[CHECKLIST]) == ["executive-lead-agreed"]
        assert "Private note of Alice" in view[LOG]
    finally:
        demo.close()


def test_a_step_the_guidance_does_not_cover_says_how_to_add_some(tmp_path, embedder):
    import shutil

    from conftest import settings_under
    from ui_helpers import write_kb

    from coach.coaching.session import JourneySession
    from coach.ui.coach_views import _explain

    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)  # PDSA, run charts, board leadership: nothing on step 6
    shutil.copy(Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml",
                settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    session = JourneySession.open(settings, "lead", coach)

    shown = _explain(session, session.journey.steps[5])

    assert "nothing close enough on step 6" in shown and "step: 6" in shown
    assert "does not cover that question" not in shown


def test_a_guided_dialogue_in_the_ask_tab_shows_in_the_coach_tab_and_the_plan(app):
    """The chat coaches through the real server: coach me through step 2, answer, accept the
    suggested action, stop; the Coach tab and the exported plan show the note and action."""
    with launched(app) as url:
        client = Client(url, verbose=False)
        said = {}
        for message in ("coach me through step 2",
                        "Board time is mostly assurance; improvement gets ten minutes.",
                        "yes, add it", "stop"):
            chat, status, _ = client.predict(message, api_name="/ask")
            said[message] = chat_text(chat)[-1]
            assert status == ""
        assert "Question 1 of 5" in said["coach me through step 2"]
        answered = said["Board time is mostly assurance; improvement gets ten minutes."]
        assert "Suggested action" in answered and "source-card" in answered
        assert "Added to your action plan" in said["yes, add it"]
        assert "pick up at question 2" in said["stop"]

        # the dialogue left the lead on step 2 (going to the step shown is no move)
        view = client.predict(api_name="/coach_resume")
        assert view[STEP] == "board-support"
        assert "improvement gets ten minutes" in view[LOG]
        assert "— owner Improvement lead, due" in view[LOG]
        notice, files = client.predict(api_name="/coach_export")
        plan = next(data.decode() for name, data in downloaded(url, files).items()
                    if name.endswith(".md"))
        assert "improvement gets ten minutes" in plan and "Improvement lead" in plan
