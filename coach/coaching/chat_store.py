"""Where each user's guided chat dialogue stands, beside their progress in coaching.sqlite3.

Only the dialogue's position lives here (step, question, a waiting offer); notes and actions
go through the progress store like every other change to a journey. A record that cannot be
read is treated as no dialogue (and logged): the lead's notes are never in it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

from coach.coaching.dialogue import Dialogue
from coach.coaching.store import check_user, now
from coach.errors import CoachError

log = logging.getLogger(__name__)

_SCHEMA = """CREATE TABLE IF NOT EXISTS chat_dialogue (
    user TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL)"""


class DialogueStore:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=10)
            with conn:
                conn.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CoachError(f"{self.path}: cannot keep the chat dialogue ({exc}).") from exc
        return conn

    def load(self, user: str) -> Dialogue:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT data FROM chat_dialogue WHERE user = ?",
                               (check_user(user),)).fetchone()
        if row is None:
            return Dialogue()
        try:
            return Dialogue.from_dict(json.loads(row[0]))
        except (ValueError, TypeError) as exc:
            log.warning("chat dialogue of %s unreadable (%s): starting afresh", user, exc)
            return Dialogue()

    def save(self, user: str, dialogue: Dialogue) -> None:
        data = json.dumps(dialogue.to_dict(), ensure_ascii=False)
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT INTO chat_dialogue (user, data, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(user) DO UPDATE SET data = excluded.data, "
                         "updated_at = excluded.updated_at", (check_user(user), data, now()))
