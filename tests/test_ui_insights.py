"""The question log as the web app writes it (Ask tab and the Coach tab's step chat, through
their real handlers and a real Coach), and the Insights tab through gradio_client as admin."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import settings_under
from ui_helpers import downloaded, free_port, running_app, write_kb

from coach.access import auth as users
from coach.access.roles import RoleStore
from coach.app import build_coach
from coach.insights.store import Logged, question_log
from coach.ui import ask_tab, coach_views
from coach.ui.context import UIContext

JOURNEY = Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml"
ANSWERED, CLINICAL = "What is a PDSA cycle?", "What dose of paracetamol should a child get?"
OUT_OF_SCOPE = "How do I claim my sickness pay?"  # refused by the off-topic check


def make_ctx(root: Path, embedder: object, **overrides: object) -> UIContext:
    settings = settings_under(root, **overrides)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")
    coach = build_coach(settings, embedder=embedder)
    assert coach.ingest().chunks_total > 0
    return UIContext(coach, settings)


@pytest.fixture(scope="module")
def ctx(embedder, tmp_path_factory):
    """Journey replies in the chat off: every message goes through the answer pipeline (the
    journey chat's intent model is slow to load; test_a_journey_reply_… turns it on)."""
    return make_ctx(tmp_path_factory.mktemp("ui-insights"), embedder, chat_journey=False)


def ask(ctx: UIContext, question: str, user: str) -> dict:
    """One question through the Ask tab's handler; the log row it wrote."""
    log = question_log(ctx.settings)
    before = log.count()
    *_, (_, session, status, _) = ask_tab.respond(ctx, question, None, user)
    assert status == "" and session["turns"]
    rows = log.rows(user=user)
    assert log.count() == before + 1
    return rows[-1]


def test_the_ask_tab_logs_each_question_with_why_it_was_refused(ctx):
    ctx.sessions.store().write_raw("alice", json.dumps(
        {"v": 1, "stage": "on-step", "current": "board-support", "steps": {}}))

    answered = ask(ctx, ANSWERED, "alice")
    clinical = ask(ctx, CLINICAL + " Call me on 07700 900123.", "alice")
    out = ask(ctx, OUT_OF_SCOPE, "bob")

    assert answered["refused"] is False and answered["reason"] == ""
    assert answered["cited"][0] == "methods/pdsa.md" and answered["answerer"] == "extractive"
    assert answered["step"] == "board-support" and answered["latency_ms"] > 0
    assert (clinical["refused"], clinical["reason"], clinical["cited"]) == (True, "clinical", [])
    assert clinical["question"] == CLINICAL + " Call me on [phone number removed]."
    assert (out["refused"], out["reason"], out["step"]) == (True, "off-topic", "")
    assert out["question"] == OUT_OF_SCOPE and out["user_name"] == "bob"


@pytest.mark.slow  # the journey chat embeds its intent exemplars
def test_a_journey_reply_is_logged_as_the_journeys(embedder, tmp_path):
    row = ask(make_ctx(tmp_path, embedder), "what should I do next?", "carol")
    assert row["answerer"] == "journey" and row["refused"] is False


def test_the_coach_tab_step_chat_logs_with_the_step_asked_about(ctx):
    session = ctx.sessions.open("dave", ctx.coach)
    log = question_log(ctx.settings)

    coach_views.ask(session, "assessing-readiness", OUT_OF_SCOPE, [], [])
    coach_views.ask(session, "board-support", CLINICAL, [], [])

    first, second = log.rows(user="dave")
    assert (first["step"], first["reason"], first["question"]) == (
        "assessing-readiness", "off-topic", OUT_OF_SCOPE)
    assert (second["step"], second["reason"]) == ("board-support", "clinical")


PASSWORD = "a-long-password"
PARKING = ["How do I get a staff parking permit?",
           "Where can staff apply for a car parking pass?",
           "What is the process for renewing my parking permit?"]
LEAVE = ["How do I book annual leave?", "What is the process for requesting annual leave?",
         "Can I carry unused annual leave over to next year?"]


@pytest.mark.slow
def test_the_insights_tab_through_gradio_client_as_admin(embedder, tmp_path):
    from gradio_client import Client

    users_file = tmp_path / "users"
    users.add_user(users_file, "ada", PASSWORD)
    settings = settings_under(tmp_path, port=free_port(), auth_file=users_file)
    write_kb(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    log = question_log(settings)
    RoleStore(log.db).set("ada", "admin", by="test")
    for n, text in enumerate(PARKING + LEAVE):  # two topics the guidance lacks, planted
        log.record(Logged(f"user{n}", text, refused=True, reason="out-of-scope",
                          answerer="extractive"))
    with running_app(coach, settings) as url:
        client = Client(url, auth=("ada", PASSWORD), verbose=False)
        empty_before = client.predict(7, api_name="/insights")[0]
        client.predict(ANSWERED, None, api_name="/ask")  # through the Ask tab: logged
        client.predict(CLINICAL, None, api_name="/ask")
        out = client.predict(0, api_name="/insights")
        files = client.predict(0, api_name="/insights_export")
        got = downloaded(url, files, client)  # served to admins by /files

    (summary, per_day, _, gaps, _, feedback, _, documents, _, _, journeys, _, reviewed,
     scored) = out
    assert "No answers in use were scored" in scored
    assert "**8** questions from **7** people; **7** refused (88%)" in summary
    assert "out of scope 6, clinical question 1" in summary
    assert "parking" in gaps and "annual, leave" in gaps and "1 clinical question" in gaps
    assert gaps.index("parking") > 0 and all(q in gaps for q in PARKING + LEAVE)
    assert "No answers were rated" in feedback
    assert "PDSA cycles (methods/pdsa.md) | 1 |" in documents
    assert "Never cited in this period (2)" in documents
    assert "No journey.yaml" in journeys
    assert per_day is not None and "8** questions" not in empty_before
    names = set(got)
    assert {"questions.csv", "feedback.csv", "content_gaps.csv", "insights.json"} <= names
    rows = question_log(settings).rows()
    assert [(r["question"], r["reason"]) for r in rows[-2:]] == [(ANSWERED, ""),
                                                                 (CLINICAL, "clinical")]
