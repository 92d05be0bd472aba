"""Answer feedback (thumbs up/down and an optional comment), kept in the app's database beside
the question log (store.py); the Ask tab records it, the Insights report adds it up.

Every row keeps the question, the answer, the sources it cited and the user who rated it.
Personal data (NHS numbers, phone numbers, email addresses) is redacted from the question,
answer and comment before anything is written.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from coach.config import Settings
from coach.db import Database, now, open_database
from coach.db.schema import feedback as FEEDBACK
from coach.pii import redact
from coach.types import ChatTurn

RATINGS = ("up", "down")


def _clean(text: str) -> tuple[str, set[str]]:
    result = redact(text or "")
    return result.text, set(result.kinds)


def sources_of(turn: ChatTurn) -> list[dict[str, Any]]:
    """The citations of a turn, reduced to what identifies the passage."""
    keep = ("number", "source", "title", "section", "page", "score")
    return [{k: c.get(k) for k in keep} for c in turn.get("citations") or ()]


class FeedbackStore:
    """Feedback rows in the app's database (SQLite or PostgreSQL); safe across threads."""

    def __init__(self, db: Database):
        self.db = db

    def record(self, user: str, turn: ChatTurn, rating: str, comment: str = "") -> int:
        """Store a rating of one answer; returns the row id."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        question, k1 = _clean(turn.get("question", ""))
        answer, k2 = _clean(turn.get("text", ""))
        note, k3 = _clean(comment)
        at = now()
        with self.db.begin() as conn:
            result = conn.execute(FEEDBACK.insert().values(
                created=at, updated=at, user_name=user, rating=rating, comment=note,
                question=question, answer=answer, sources=json.dumps(sources_of(turn)),
                refused=int(bool(turn.get("refused"))),
                redacted=",".join(sorted(k1 | k2 | k3))).returning(FEEDBACK.c.id))
            return int(result.scalar_one())

    def update(self, row_id: int, user: str, *, rating: str | None = None,
               comment: str | None = None) -> bool:
        """Change the rating and/or comment of the user's own row; False if it is not theirs."""
        values: dict[str, Any] = {"updated": now()}
        if rating is not None:
            if rating not in RATINGS:
                raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
            values["rating"] = rating
        if comment is not None:
            note, kinds = _clean(comment)
            values["comment"] = note
            values["redacted"] = FEEDBACK.c.redacted + (
                ("," + ",".join(sorted(kinds))) if kinds else "")
        with self.db.begin() as conn:
            result = conn.execute(FEEDBACK.update().where(
                FEEDBACK.c.id == row_id, FEEDBACK.c.user_name == user).values(**values))
            return result.rowcount == 1

    def rows(self, user: str | None = None) -> list[dict[str, Any]]:
        """All feedback, oldest first (only ``user``'s when given), sources decoded."""
        query = sa.select(FEEDBACK).order_by(FEEDBACK.c.id)
        if user is not None:
            query = query.where(FEEDBACK.c.user_name == user)
        with self.db.connect() as conn:
            found = conn.execute(query).mappings().all()
        out = []
        for r in found:
            row = dict(r)
            row["user"] = row.pop("user_name")
            out.append(row | {"sources": json.loads(row["sources"])})
        return out


def feedback_store(settings: Settings) -> FeedbackStore:
    """The store the web app writes to, in the database the settings name."""
    return FeedbackStore(open_database(settings))
