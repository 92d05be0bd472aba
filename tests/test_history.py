"""Conversation history store: saved, listed, reopened and deleted by their owner only, on
SQLite and a real PostgreSQL; exported to Markdown and Word with each answer's sources."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from coach.conversations.export import blocks, export, remove_exports
from coach.conversations.store import TITLE_CHARS, ConversationStore, new_id
from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.db.schema import conversations as CONVERSATIONS
from coach.errors import CoachError, ConversationNotFoundError


def cite(number: int, title: str, text: str, **extra: object) -> dict[str, object]:
    return {"number": number, "source": f"methods/{title.lower().replace(' ', '-')}.md",
            "title": title, "section": "Methods", "page": None, "text": text, "score": 0.71,
            "kind": "method", "publisher": "Improvement Coach", "year": 2026, "url": None,
            "heading": "", "coverage": "", **extra}


def turn(question: str, text: str, *citations: dict[str, object], refused: bool = False,
         unsupported: tuple[str, ...] = ()) -> dict[str, object]:
    return {"question": question, "text": text, "refused": refused, "notice": "",
            "unsupported": list(unsupported), "citations": list(citations)}


PDSA = turn("What is a PDSA cycle? Mail me at a.person@nhs.net",
            "A PDSA cycle is a small test of change. [1]",
            cite(1, "PDSA cycles", "A PDSA cycle is a small test of change that runs through "
                                   "four stages: Plan, Do, Study and Act."))
RUN = turn("What is a run chart?", "A run chart plots a measure over time. [1]",
           cite(1, "Run charts", "A run chart plots a measure over time with a median line.",
                page=4))


@pytest.fixture
def url(database_url):
    """Each test runs on SQLite and on a real PostgreSQL (conftest's database_url)."""
    migrate(Database(engine_for(make_url(database_url))))
    return database_url


def store(url: str) -> ConversationStore:
    """A new store on a new engine each time, as after a restart."""
    return ConversationStore(Database(engine_for(make_url(url))))


def test_saved_listed_reopened_after_a_restart_and_deleted(url):
    first, second = new_id(), new_id()
    store(url).save(first, "alice", [PDSA])
    store(url).save(first, "alice", [PDSA, RUN])  # the second answer replaces the turns
    time.sleep(0.01)
    store(url).save(second, "alice", [RUN])

    listed = store(url).list_for("alice")
    assert [s.id for s in listed] == [second, first]  # newest first
    assert listed[1].title == "What is a PDSA cycle? Mail me at [email address removed]"
    assert listed[1].created_at <= listed[1].updated_at

    again = store(url).open(first, "alice")
    assert [t["question"] for t in again.turns] == [listed[1].title, "What is a run chart?"]
    assert again.turns[1]["citations"][0]["title"] == "Run charts"
    assert again.turns[1]["citations"][0]["page"] == 4
    assert again.turns[0]["text"] == PDSA["text"]

    store(url).delete(first, "alice")
    assert [s.id for s in store(url).list_for("alice")] == [second]
    with pytest.raises(ConversationNotFoundError, match="not in your history"):
        store(url).open(first, "alice")
    with pytest.raises(ConversationNotFoundError):
        store(url).delete(first, "alice")


def test_another_user_can_neither_list_open_delete_nor_overwrite_it(url):
    mine = new_id()
    store(url).save(mine, "alice", [PDSA])
    assert store(url).list_for("bob") == []
    with pytest.raises(ConversationNotFoundError, match="not in your history"):
        store(url).open(mine, "bob")
    with pytest.raises(ConversationNotFoundError):
        store(url).delete(mine, "bob")
    with pytest.raises(ConversationNotFoundError):
        store(url).save(mine, "bob", [RUN])
    kept = store(url).open(mine, "alice")  # untouched by every attempt
    assert [t["question"] for t in kept.turns] == [kept.title]
    assert "run chart" not in json.dumps(kept.turns)


def test_personal_data_never_reaches_the_database(url):
    store(url).save(new_id(), "alice", [PDSA, turn("Call me on 07700 900123 about PDSA",
                                                   "Ring 07700 900123 for help.",
                                                   unsupported=("Ring 07700 900123 for help.",))])
    with Database(engine_for(make_url(url))).connect() as conn:
        title, turns = conn.execute(sa.select(CONVERSATIONS.c.title,
                                              CONVERSATIONS.c.turns)).one()
    assert "a.person@nhs.net" not in title + turns and "07700 900123" not in turns
    saved = json.loads(turns)[1]
    assert saved["unsupported"] == [saved["text"]]  # still flags the (redacted) sentence


def test_saving_again_does_not_search_the_earlier_turns_for_personal_data_again(url):
    from coach.conversations import store as stored

    first = turn(f"Is my number 07700 900{time.time_ns() % 1000:03d} kept?", "No. [1]")
    store(url).save("c2", "alice", [first])
    before = stored._redacted.cache_info()
    store(url).save("c2", "alice", [first, RUN])
    after = stored._redacted.cache_info()
    # the first turn's question, text, notice and supporting text (and the title) come from
    # the cache; only the new turn is searched
    assert after.hits - before.hits >= 5
    assert "07700" not in json.dumps(store(url).open("c2", "alice").turns)


def test_a_long_first_question_is_trimmed_into_the_title(url):
    question = "How do we " + "really " * 30 + "start?"
    store(url).save("c1", "alice", [turn(question, "An answer. [1]", cite(1, "T", "x"))])
    title = store(url).list_for("alice")[0].title
    assert len(title) <= TITLE_CHARS and title.endswith("…") and title.startswith("How do we")


def test_damaged_turns_give_a_clear_error_and_can_still_be_deleted(url):
    store(url).save("c1", "alice", [PDSA])
    with Database(engine_for(make_url(url))).begin() as conn:
        conn.execute(CONVERSATIONS.update().values(turns='{"not": "a list"'))
    with pytest.raises(CoachError, match="could not be read"):
        store(url).open("c1", "alice")
    store(url).delete("c1", "alice")
    assert store(url).list_for("alice") == []


def test_export_lists_each_answers_sources_in_markdown_and_word(url, tmp_path):
    from docx import Document

    conversation_id = new_id()
    refused = turn("What dose of insulin?", "I can't give clinical advice.", refused=True)
    store(url).save(conversation_id, "alice", [PDSA, RUN, refused])
    conversation = store(url).open(conversation_id, "alice")
    md_path, docx_path = export(conversation, tmp_path / "home")
    assert md_path.suffix == ".md" and docx_path.suffix == ".docx"
    assert md_path.parent == docx_path.parent and conversation_id in md_path.name

    md = md_path.read_text(encoding="utf-8")
    assert "## 1. What is a PDSA cycle? Mail me at [email address removed]" in md
    assert "### Sources for answer 2" in md
    assert ('- [1] Run charts, Methods, p. 4 (methods/run-charts.md; Improvement Coach; 2026): '
            '"A run chart plots a measure over time with a median line."') in md
    assert "- [1] PDSA cycles, Methods (methods/pdsa-cycles.md" in md
    assert "The guidance does not cover this." in md and "No sources cited." in md

    doc = Document(str(docx_path))
    paragraphs = [(p.style.name, p.text) for p in doc.paragraphs]
    first = "1. What is a PDSA cycle? Mail me at [email address removed]"
    assert ("Heading 1", first) in paragraphs
    bullets = [text for style, text in paragraphs if style == "List Bullet"]
    assert len(bullets) == 2 and bullets[1].startswith("[1] Run charts, Methods, p. 4")
    assert ("Normal", "A PDSA cycle is a small test of change. [1]") in paragraphs

    remove_exports(conversation_id, "alice", tmp_path / "home")
    assert not md_path.exists() and not docx_path.exists()


def test_group_headings_of_an_answer_become_headings_of_the_export():
    from coach.conversations.store import Conversation

    text = ("**The report says** (the report and its digests):\nBoards set an ambition. [1]\n"
            "**Coaching guidance**:\nVisit the teams. [2]")
    conversation = Conversation("c1", "alice", "Boards", "2026-01-01T00:00:00+00:00",
                                "2026-01-01T00:00:00+00:00",
                                [turn("How do boards lead?", text, cite(1, "Board", "x"),
                                      cite(2, "Visits", "y"))])  # type: ignore[list-item]
    kinds = [(b.kind, b.text) for b in blocks(conversation)]
    assert ("h3", "The report says (the report and its digests)") in kinds
    assert ("h3", "Coaching guidance") in kinds
    assert ("p", "Visit the teams. [2]") in kinds
