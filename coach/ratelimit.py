"""How many questions one user may ask per minute (pure: a sliding window, an injectable clock).

The web app keeps one ``RateLimiter`` and calls ``acquire(user)`` before a question reaches
the answer pipeline; past the limit it raises ``RateLimitedError``, whose message says when
the user can ask again. Counts live in this process only: replicas of the app count
separately, so N replicas behind a load balancer allow up to N times the limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from coach.errors import RateLimitedError

WINDOW_SECONDS = 60.0
_SWEEP_AT = 1024  # users tracked before stale ones are forgotten


class RateLimiter:
    """At most ``per_minute`` questions per user in any sliding 60-second window (0: no
    limit). ``clock`` returns seconds (monotonic); tests pass their own."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
                 window: float = WINDOW_SECONDS):
        if per_minute < 0:
            raise ValueError("per_minute must be 0 (no limit) or more")
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._asked: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, user: str) -> None:
        """Count one question for ``user``, or raise RateLimitedError (not counted) when they
        have asked ``per_minute`` in the last minute."""
        if not self.per_minute:
            return
        now = self._clock()
        with self._lock:
            asked = self._asked.setdefault(user, deque())
            while asked and asked[0] <= now - self.window:
                asked.popleft()
            if len(asked) >= self.per_minute:
                wait = asked[0] + self.window - now
                raise RateLimitedError(message(self.per_minute, wait), retry_after=wait)
            asked.append(now)
            if len(self._asked) > _SWEEP_AT:
                self._forget_stale(now)

    def remaining(self, user: str) -> int | None:
        """Questions ``user`` may still ask in this minute (None: no limit)."""
        if not self.per_minute:
            return None
        now = self._clock()
        with self._lock:
            asked = self._asked.get(user, ())
            return self.per_minute - sum(1 for t in asked if t > now - self.window)

    def _forget_stale(self, now: float) -> None:
        for user in [u for u, asked in self._asked.items()
                     if not asked or asked[-1] <= now - self.window]:
            del self._asked[user]


def message(per_minute: int, wait: float) -> str:
    """What a user past the limit reads."""
    seconds = max(1, math.ceil(wait))
    when = f"{seconds} second{'s' if seconds != 1 else ''}"
    return (f"You have asked {per_minute} question{'s' if per_minute != 1 else ''} in the last "
            f"minute, the most this app answers per person. You can ask again in {when}.")
