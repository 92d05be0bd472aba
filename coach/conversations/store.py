"""Conversation history: each user's Ask-tab conversations, kept in the app's database.

A conversation is the chat session's turns (questions, answers and their citations) under an
id, titled by its first question. Every read, change and delete is keyed by the owner, so
another user's id reads exactly like one that does not exist. Personal data (NHS numbers,
phone numbers, email addresses) is redacted from questions and answers before anything is
written. Exporting a conversation is export.py.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from coach.config import Settings
from coach.db import Database, now, open_database
from coach.db.schema import conversations as CONVERSATIONS
from coach.errors import CoachError, ConversationNotFoundError
from coach.pii import redact
from coach.types import ChatTurn

TITLE_CHARS = 80  # longest title shown in the history list
NOT_FOUND = ("That conversation is not in your history: it may have been deleted. "
             "Press Refresh to see the conversations you have.")


def new_id() -> str:
    return uuid.uuid4().hex


@lru_cache(maxsize=4096)
def _redacted(text: str) -> str:
    """``text`` with personal data replaced. Cached: a conversation is saved whole after
    every answer, so each earlier turn's text would otherwise be searched again each time."""
    return redact(text or "").text


def clean_turn(turn: ChatTurn) -> ChatTurn:
    """The turn as it is stored: personal data out of the question, the answer and the
    sentences flagged unsupported (the same replacement, so the flags still match)."""
    return {
        "question": _redacted(turn.get("question", "")),
        "text": _redacted(turn.get("text", "")),
        "refused": bool(turn.get("refused")),
        "notice": _redacted(turn.get("notice", "")),
        "unsupported": [_redacted(s) for s in turn.get("unsupported") or ()],
        "citations": [dict(c) for c in turn.get("citations") or () if isinstance(c, dict)],
        "supporting": _redacted(str(turn.get("supporting") or "")),
        "related": [str(q) for q in turn.get("related") or () if isinstance(q, str)],
    }


def trimmed(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary (or mid-word for one long word) with an
    ellipsis when longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def title_of(turns: list[ChatTurn]) -> str:
    """The first question, redacted, on one line and at most TITLE_CHARS long."""
    first = _redacted(turns[0].get("question", "")) if turns else ""
    return trimmed(first, TITLE_CHARS) or "Untitled conversation"


@dataclass(frozen=True)
class Summary:
    """One line of a user's history list."""

    id: str
    title: str
    created_at: str
    updated_at: str

    def label(self) -> str:
        return f"{self.title} · {self.updated_at[:16].replace('T', ' ')}"


@dataclass(frozen=True)
class Conversation:
    id: str
    user: str
    title: str
    created_at: str
    updated_at: str
    turns: list[ChatTurn]


def _turns(raw: str, conversation_id: str) -> list[ChatTurn]:
    """Stored turns, checked enough that the chat can show them."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, list) or not all(
            isinstance(t, dict) and isinstance(t.get("question"), str)
            and isinstance(t.get("text"), str) for t in data):
        raise CoachError(f"Conversation {conversation_id} could not be read (its saved turns "
                         "are damaged); it can still be deleted.")
    return [clean_turn(t) for t in data]


class ConversationStore:
    """Saved conversations in the app's database (SQLite or PostgreSQL), keyed by owner."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, conversation_id: str, user: str, turns: list[ChatTurn]) -> None:
        """Create or replace the user's conversation with these turns (redacted)."""
        if not turns:
            return
        stored = [clean_turn(t) for t in turns]
        values = {"title": title_of(stored), "turns": json.dumps(stored, ensure_ascii=False),
                  # microseconds: two saves in the same second list in the order they happened
                  "updated_at": now("microseconds")}
        mine = (CONVERSATIONS.c.id == conversation_id) & (CONVERSATIONS.c.user_name == user)
        with self.db.begin() as conn:
            if conn.execute(CONVERSATIONS.update().where(mine).values(**values)).rowcount:
                return
            taken = conn.execute(sa.select(CONVERSATIONS.c.id).where(
                CONVERSATIONS.c.id == conversation_id)).first()
            if taken is not None:  # another user's id: never written over
                raise ConversationNotFoundError(NOT_FOUND)
            conn.execute(CONVERSATIONS.insert().values(
                id=conversation_id, user_name=user, created_at=values["updated_at"], **values))

    def list_for(self, user: str) -> list[Summary]:
        """The user's conversations, most recently updated first."""
        query = (sa.select(CONVERSATIONS.c.id, CONVERSATIONS.c.title, CONVERSATIONS.c.created_at,
                           CONVERSATIONS.c.updated_at)
                 .where(CONVERSATIONS.c.user_name == user)
                 .order_by(CONVERSATIONS.c.updated_at.desc(), CONVERSATIONS.c.id))
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        return [Summary(str(r.id), str(r.title), str(r.created_at), str(r.updated_at))
                for r in rows]

    def open(self, conversation_id: str | None, user: str) -> Conversation:
        """The user's own conversation, or ConversationNotFoundError (whoever else owns it)."""
        with self.db.connect() as conn:
            row = conn.execute(sa.select(CONVERSATIONS).where(
                CONVERSATIONS.c.id == str(conversation_id or ""),
                CONVERSATIONS.c.user_name == user)).first()
        if row is None:
            raise ConversationNotFoundError(NOT_FOUND)
        return Conversation(str(row.id), str(row.user_name), str(row.title),
                            str(row.created_at), str(row.updated_at),
                            _turns(str(row.turns), str(row.id)))

    def delete(self, conversation_id: str | None, user: str) -> None:
        """Delete the user's own conversation; ConversationNotFoundError if it is not theirs."""
        with self.db.begin() as conn:
            gone = conn.execute(CONVERSATIONS.delete().where(
                CONVERSATIONS.c.id == str(conversation_id or ""),
                CONVERSATIONS.c.user_name == user)).rowcount
        if not gone:
            raise ConversationNotFoundError(NOT_FOUND)


def conversation_store(settings: Settings) -> ConversationStore:
    """The store the web app writes to, in the database the settings name."""
    return ConversationStore(open_database(settings))
