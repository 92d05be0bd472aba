"""The per-user question limit counted in the shared database, so replicas sharing one allow
a user the limit once, not once each (coach/ratelimit.py counts in one process).

Each question inserts a row (user, time), then counts the user's other rows in the window;
past the limit its own row is deleted and the question refused. A question only ever counts
rows inserted before it counted, so two replicas admitting at once can never both take the
last place: the later to count sees the earlier one (at worst both refuse, never both admit).
An optional quota per day counts the same rows over 24 hours. Rows older than the longest
window are deleted as the user asks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from coach.db import Database
from coach.db.schema import rate_events as EVENTS
from coach.errors import RateLimitedError
from coach.ratelimit import WINDOW_SECONDS, message

DAY_SECONDS = 86_400.0


class SharedRateLimiter:
    """At most ``per_minute`` questions per user in any 60 seconds and, when ``per_day`` is
    set, at most that many in 24 hours, across every process sharing ``db`` (0: no limit)."""

    def __init__(self, db: Database, per_minute: int, per_day: int = 0, *,
                 clock: Callable[[], float] = time.time):
        if per_minute < 0 or per_day < 0:
            raise ValueError("limits must be 0 (no limit) or more")
        self.db = db
        self.per_minute = per_minute
        self.per_day = per_day
        self._clock = clock

    def acquire(self, user: str) -> None:
        """Count one question for ``user``, or raise RateLimitedError (not counted)."""
        if not self.per_minute and not self.per_day:
            return
        now = self._clock()
        horizon = DAY_SECONDS if self.per_day else WINDOW_SECONDS
        c = EVENTS.c
        with self.db.begin() as conn:
            conn.execute(EVENTS.delete().where(c.user_name == user, c.at <= now - horizon))
            mine = conn.execute(EVENTS.insert().values(user_name=user, at=now)
                                .returning(c.id)).scalar_one()
        with self.db.connect() as conn:
            others = sa.select(c.at).where(c.user_name == user, c.id != mine)
            minute = sorted(conn.execute(others.where(c.at > now - WINDOW_SECONDS))
                            .scalars().all())
            day = (conn.execute(sa.select(sa.func.count()).where(
                c.user_name == user, c.id != mine, c.at > now - DAY_SECONDS)).scalar_one()
                if self.per_day else 0)
        refused = ""
        if self.per_minute and len(minute) >= self.per_minute:
            wait = minute[-self.per_minute] + WINDOW_SECONDS - now
            refused = message(self.per_minute, wait)
        elif self.per_day and day >= self.per_day:
            refused = day_message(self.per_day)
            wait = DAY_SECONDS
        if refused:
            with self.db.begin() as conn:
                conn.execute(EVENTS.delete().where(c.id == mine))
            raise RateLimitedError(refused, retry_after=max(1.0, wait))

    def remaining(self, user: str) -> int | None:
        """Questions ``user`` may still ask in this minute (None: no per-minute limit)."""
        if not self.per_minute:
            return None
        now = self._clock()
        c = EVENTS.c
        with self.db.connect() as conn:
            asked = conn.execute(sa.select(sa.func.count()).where(
                c.user_name == user, c.at > now - WINDOW_SECONDS)).scalar_one()
        return max(0, self.per_minute - int(asked))


def day_message(per_day: int) -> str:
    """What a user past the daily quota reads."""
    return (f"You have asked {per_day} question{'s' if per_day != 1 else ''} today, the most "
            "this app answers per person in a day. You can ask again tomorrow.")
