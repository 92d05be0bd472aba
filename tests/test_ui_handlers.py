"""The web UI's handlers, called directly with a real Coach over a tiny knowledge folder."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import settings_under
from ui_helpers import write_kb

from coach.app import build_coach
from coach.insights.feedback import feedback_store
from coach.types import NOT_COVERED
from coach.ui import ask_tab
from coach.ui.context import UIContext


@pytest.fixture(scope="module")
def ctx(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-handlers")
    settings = settings_under(root)
    write_kb(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    assert coach.ingest().chunks_total > 0
    return UIContext(coach, settings)


def run(ctx, question, session=None, user="local"):
    """All the yields of one ask, and the last one."""
    steps = list(ask_tab.respond(ctx, question, session, user))
    return steps, steps[-1]


def test_an_answer_streams_then_shows_cited_source_cards(ctx):
    steps, (chat, session, status, box) = run(ctx, "What is a PDSA cycle?")
    # the question at once, then the answer: the extractive answer is written whole and its
    # lines arrive together, so they go as one update (ask_tab.UPDATE_EVERY_S), not one each
    assert 2 <= len(steps) <= 3 < len(session["turns"][0]["text"].splitlines()) + 2
    first_chat = steps[0][0]
    assert first_chat[-2]["content"] == "What is a PDSA cycle?"
    assert "Searching" in first_chat[-1]["content"]
    assert status == "" and box == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    final = chat[-1]["content"]
    assert '<span class="cite" role="img" title="Source 1: ' in final
    assert final.count('<details class="source-card">') == len(session["turns"][0]["citations"])
    assert "PDSA cycles" in final and "relevance" in final
    assert "<mark>" in final  # the supporting words are highlighted in the passage
    turn = session["turns"][0]
    assert turn["question"] == "What is a PDSA cycle?" and not turn["refused"]
    assert turn["citations"][0]["source"] == "methods/pdsa.md"


def test_history_is_handed_to_the_coach_as_question_answer_pairs(ctx):
    _, (_, session, _, _) = run(ctx, "What is a PDSA cycle?")
    _, (chat, session, _, _) = run(ctx, "How are the cycles linked?", session)
    assert len(session["turns"]) == 2 and len(chat) == 4
    # the follow-up was condensed with the first question, so it finds the ramp passage
    assert "ramp" in session["turns"][1]["text"].lower()


def test_a_refused_question_says_the_guidance_does_not_cover_it(ctx):
    _, (chat, session, _, _) = run(ctx, "What dose of paracetamol should a child get?")
    assert session["turns"][0]["refused"]
    assert NOT_COVERED in chat[-1]["content"]
    assert "source-card" not in chat[-1]["content"]


@pytest.mark.parametrize("question, expected", [
    ("   ", "the message was empty"),
    ("why " * 700, "the limit is 2000"),
])
def test_bad_questions_get_a_message_and_leave_the_conversation_alone(ctx, question, expected):
    _, (_, session, _, _) = run(ctx, "What is a run chart?")
    steps, (chat, after, status, box) = run(ctx, question, session)
    assert len(steps) == 1
    assert expected in status and 'role="alert"' in status
    assert after["turns"] == session["turns"] and len(chat) == 2
    assert box == question  # the text stays in the box so it can be fixed


def test_html_in_a_question_is_shown_as_text(ctx):
    _, (chat, _, _, _) = run(ctx, "<script>alert(1)</script> What is a run chart?")
    assert "<script>" not in chat[0]["content"]
    assert "&lt;script&gt;" in chat[0]["content"]


def test_a_session_of_another_user_is_not_shown(ctx):
    _, (_, alice, _, _) = run(ctx, "What is a run chart?", user="alice")
    _, (chat, bob, _, _) = run(ctx, "What is a PDSA cycle?", alice, user="bob")
    assert bob["user"] == "bob" and len(bob["turns"]) == 1 and len(chat) == 2
    assert "run chart" not in chat[0]["content"]


def test_an_empty_index_says_how_to_fill_it(embedder, tmp_path):
    settings = settings_under(tmp_path)
    empty = UIContext(build_coach(settings, embedder=embedder), settings)
    _, (chat, session, status, box) = run(empty, "What is a PDSA cycle?")
    assert "Re-index" in status and session["turns"] == [] and chat == []
    assert box == "What is a PDSA cycle?"


def test_thumbs_and_comment_are_stored_with_question_answer_sources_and_user(ctx):
    store = feedback_store(ctx.settings)
    question = "What is a PDSA cycle? Reply to jo.bloggs@nhs.net or 07700 900123, NHS 943 476 5919"
    _, (_, session, _, _) = run(ctx, question, user="alice")
    session, note, choice = ask_tab.rate(ctx, store, session, 1, False, "alice")
    assert "saved" in note and choice == ask_tab.UNHELPFUL
    session, note, box = ask_tab.send_feedback(ctx, store, session, None,
                                               "Too long; call me on 07700 900123", "alice")
    assert "saved" in note and box == ""
    rows = [r for r in store.rows("alice") if r["id"] == session["rated"]["0"]]
    assert len(rows) == 1
    row = rows[0]
    assert row["rating"] == "down" and row["user"] == "alice"
    assert "jo.bloggs" not in row["question"] and "07700" not in row["question"]
    assert "9434765919" not in row["question"].replace(" ", "")
    assert "[email address removed]" in row["question"]
    assert row["comment"] == "Too long; call me on [phone number removed]"
    assert "PDSA" in row["answer"]
    assert row["sources"][0]["source"] == "methods/pdsa.md"
    # nothing personal reached the file on disk
    raw = b"".join(p.read_bytes() for p in ctx.settings.home.glob("coach.sqlite3*"))
    assert b"PDSA" in raw  # the database file really holds the row ...
    assert b"jo.bloggs" not in raw and b"07700 900123" not in raw  # ... and nothing personal


def test_feedback_needs_an_answer_and_a_rating(ctx):
    store = feedback_store(ctx.settings)
    session, note, _ = ask_tab.send_feedback(ctx, store, None, ask_tab.HELPFUL, "", "carol")
    assert "Ask a question first" in note
    _, (_, session, _, _) = run(ctx, "What is a run chart?", user="carol")
    _, note, box = ask_tab.send_feedback(ctx, store, session, None, "nice", "carol")
    assert "Choose" in note and box == "nice"
    session, note, _ = ask_tab.send_feedback(ctx, store, session, ask_tab.HELPFUL, "", "carol")
    assert [r["rating"] for r in store.rows("carol")] == ["up"]


def test_a_user_cannot_change_another_users_feedback(ctx):
    store = feedback_store(ctx.settings)
    _, (_, session, _, _) = run(ctx, "What is a run chart?", user="dan")
    session, _, _ = ask_tab.rate(ctx, store, session, 1, True, "dan")
    assert not store.update(session["rated"]["0"], "eve", rating="down")
    with sqlite3.connect(ctx.settings.home / "coach.sqlite3") as conn:
        (rating,) = conn.execute("SELECT rating FROM feedback WHERE id = ?",
                                 (session["rated"]["0"],)).fetchone()
    assert rating == "up"
