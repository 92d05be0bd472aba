"""Answer feedback (thumbs up/down and an optional comment), stored locally in SQLite.

Every row keeps the question, the answer, the sources it cited and the user who rated it.
Personal data (NHS numbers, phone numbers, email addresses) is redacted from the question,
answer and comment before anything is written.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.config import Settings
from coach.pii import redact
from coach.ui.render import ChatTurn

RATINGS = ("up", "down")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    user TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    sources TEXT NOT NULL,
    refused INTEGER NOT NULL,
    redacted TEXT NOT NULL DEFAULT ''
)
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _clean(text: str) -> tuple[str, set[str]]:
    result = redact(text or "")
    return result.text, set(result.kinds)


def sources_of(turn: ChatTurn) -> list[dict[str, Any]]:
    """The citations of a turn, reduced to what identifies the passage."""
    keep = ("number", "source", "title", "section", "page", "score")
    return [{k: c.get(k) for k in keep} for c in turn.get("citations") or ()]


class FeedbackStore:
    """A small SQLite table under COACH_HOME; one connection per call (thread safe)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        if not self._ready:
            with self._lock:
                conn.execute(_SCHEMA)
                conn.commit()
                self._ready = True
        return conn

    def record(self, user: str, turn: ChatTurn, rating: str, comment: str = "") -> int:
        """Store a rating of one answer; returns the row id."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        question, k1 = _clean(turn.get("question", ""))
        answer, k2 = _clean(turn.get("text", ""))
        note, k3 = _clean(comment)
        now = _now()
        with closing(self._connect()) as conn, conn:
            cur = conn.execute(
                "INSERT INTO feedback (created, updated, user, rating, comment, question, answer,"
                " sources, refused, redacted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, now, user, rating, note, question, answer,
                 json.dumps(sources_of(turn)), int(bool(turn.get("refused"))),
                 ",".join(sorted(k1 | k2 | k3))),
            )
            return int(cur.lastrowid or 0)

    def update(self, row_id: int, user: str, *, rating: str | None = None,
               comment: str | None = None) -> bool:
        """Change the rating and/or comment of the user's own row; False if it is not theirs."""
        sets, values = ["updated = ?"], [_now()]
        if rating is not None:
            if rating not in RATINGS:
                raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
            sets.append("rating = ?")
            values.append(rating)
        if comment is not None:
            note, kinds = _clean(comment)
            sets += ["comment = ?", "redacted = redacted || ?"]
            values += [note, ("," + ",".join(sorted(kinds))) if kinds else ""]
        with closing(self._connect()) as conn, conn:
            cur = conn.execute(
                f"UPDATE feedback SET {', '.join(sets)} WHERE id = ? AND user = ?",
                (*values, row_id, user),
            )
            return cur.rowcount == 1

    def rows(self, user: str | None = None) -> list[dict[str, Any]]:
        """All feedback, oldest first (only ``user``'s when given), sources decoded."""
        if not self.path.exists():
            return []
        query, args = "SELECT * FROM feedback", tuple[str, ...]()
        if user is not None:
            query, args = query + " WHERE user = ?", (user,)
        with closing(self._connect()) as conn:
            found = conn.execute(query + " ORDER BY id", args).fetchall()
        return [dict(r) | {"sources": json.loads(r["sources"])} for r in found]


def feedback_store(settings: Settings) -> FeedbackStore:
    """The store under COACH_HOME that the web app writes to."""
    return FeedbackStore(settings.home / "feedback.sqlite3")
