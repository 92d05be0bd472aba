"""Where each user's guided chat dialogue stands, in the app's database beside their progress.

Only the dialogue's position lives here (step, question, a waiting offer); notes and actions
go through the progress store like every other change to a journey. A record that cannot be
read is treated as no dialogue (and logged): the lead's notes are never in it.
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from coach.coaching.chat.dialogue import Dialogue
from coach.db import Database, check_user, now
from coach.db.schema import chat_dialogue as DIALOGUE

log = logging.getLogger(__name__)


class DialogueStore:
    def __init__(self, db: Database):
        self.db = db

    def load(self, user: str) -> Dialogue:
        with self.db.connect() as conn:
            row = conn.execute(sa.select(DIALOGUE.c.data).where(
                DIALOGUE.c.user_name == check_user(user))).first()
        if row is None:
            return Dialogue()
        try:
            return Dialogue.from_dict(json.loads(row[0]))
        except (ValueError, TypeError) as exc:
            log.warning("chat dialogue of %s unreadable (%s): starting afresh", user, exc)
            return Dialogue()

    def save(self, user: str, dialogue: Dialogue) -> None:
        data = json.dumps(dialogue.to_dict(), ensure_ascii=False)
        with self.db.begin() as conn:
            self.db.upsert(conn, DIALOGUE, {"user_name": check_user(user), "data": data,
                                            "updated_at": now()}, key=["user_name"])
