"""The question log: one row per question the web app answered or refused, in the app's
database (table ``question_log``, coach/db/schema.py).

A row holds when, who, the question after personal-data redaction (coach/pii.py), whether it
was refused and why, the sources its answer cited, which answerer wrote it, how long it took
and the journey step it was asked at. Rows older than ``COACH_LOG_RETENTION_DAYS`` are deleted
by the app itself: when the log is first opened in a process, then at most once an hour as
questions are logged or the log is read (0 keeps everything).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from coach.config import Settings
from coach.db import Database, open_database, retention, stamp, utc_now
from coach.db.schema import question_log as LOG
from coach.pii import redact
from coach.types import Answer

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
EXPIRE_EVERY = dt.timedelta(hours=1)  # the most often expired rows are looked for


@dataclass(frozen=True)
class Logged:
    """One question as the log keeps it (``question`` is redacted again when recorded)."""

    user: str
    question: str
    refused: bool
    reason: str = ""  # "clinical" | "out-of-scope" | "missed-the-point" | "" (answered)
    cited: Sequence[str] = ()  # source ids of the documents the answer cited
    answerer: str = ""
    latency_ms: int = 0
    step: str = ""  # journey step id, if any
    conversation: str = ""


class QuestionLog:
    """The ``question_log`` table; safe across threads. ``clock`` says what time it is (tests
    pass their own)."""

    def __init__(self, db: Database, retention_days: int = 0, clock: Clock = utc_now,
                 survey_days: int = 0):
        self.db = db
        self.retention_days = retention_days
        self.survey_days = survey_days
        self.clock = clock
        self._lock = threading.Lock()
        self._last_expired: dt.datetime | None = None

    # -- writing -----------------------------------------------------------------------------
    def record(self, entry: Logged) -> int:
        """Store one question (redacted); returns the row id. Expired rows go first, at most
        once an hour."""
        self.maybe_expire()
        cited = list(dict.fromkeys(str(s) for s in entry.cited))
        with self.db.begin() as conn:
            result = conn.execute(LOG.insert().values(
                at=stamp(self.clock()), user_name=entry.user, question=redact(entry.question).text,
                refused=int(entry.refused), reason=entry.reason if entry.refused else "",
                cited=json.dumps(cited, ensure_ascii=False), answerer=entry.answerer[:32],
                latency_ms=max(0, int(entry.latency_ms)), step=entry.step[:64],
                conversation=entry.conversation[:40]).returning(LOG.c.id))
            return int(result.scalar_one())

    # -- retention ---------------------------------------------------------------------------
    def cutoff(self) -> dt.datetime | None:
        """Rows logged before this are expired (None: kept forever)."""
        if self.retention_days <= 0:
            return None
        return self.clock() - dt.timedelta(days=self.retention_days)

    def expire(self) -> int:
        """Delete every question-log row older than the retention period now, with the other
        records the retention covers (feedback, saved conversations…; survey answers by their
        own rule: coach/db/retention.py); returns how many question-log rows went."""
        with self._lock:
            self._last_expired = self.clock()
        if self.retention_days <= 0 and self.survey_days <= 0:
            return 0
        deleted = retention.expire(self.db, self.clock(), self.retention_days,
                                   self.survey_days)
        if any(deleted.values()):
            log.info("retention: deleted %s", ", ".join(
                f"{n} {table} row(s)" for table, n in deleted.items() if n))
        return deleted.get(LOG.name, 0)

    def maybe_expire(self) -> int | None:
        """``expire`` when it has not run in this process for an hour (or ever); None when it
        was not due."""
        if self.retention_days <= 0 and self.survey_days <= 0:
            return None
        with self._lock:
            due = self._last_expired is None or self.clock() - self._last_expired >= EXPIRE_EVERY
        return self.expire() if due else None

    # -- reading -----------------------------------------------------------------------------
    def rows(self, since: dt.datetime | None = None, user: str | None = None
             ) -> list[dict[str, Any]]:
        """Logged questions, oldest first (from ``since``, or only ``user``'s), with ``cited``
        decoded and ``refused`` a bool. Expired rows are deleted first when due."""
        self.maybe_expire()
        query = sa.select(LOG).order_by(LOG.c.id)
        if since is not None:
            query = query.where(LOG.c.at >= stamp(since))
        if user is not None:
            query = query.where(LOG.c.user_name == user)
        with self.db.connect() as conn:
            found = conn.execute(query).mappings().all()
        return [dict(r) | {"refused": bool(r["refused"]), "cited": _sources(r["cited"])}
                for r in found]

    def count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(LOG)).scalar_one())


def _sources(raw: str) -> list[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return [str(s) for s in value] if isinstance(value, list) else []


def answerer_of(answer: Answer, llm: str) -> str:
    """Who wrote the answer: coaching mode's journey replies, else the configured answerer."""
    return "journey" if answer.query.startswith("journey:") else llm


def record_answer(settings: Settings, *, user: str, question: str, answer: Answer,
                  started: float, step: str = "", conversation: str = "") -> int | None:
    """Log one answered (or refused) question of the web app; ``started`` is the
    ``time.perf_counter()`` reading taken when it was asked. A log that cannot be written is
    reported in the server log and never stops the answer reaching the user (None)."""
    import time

    entry = Logged(
        user=user, question=question, refused=answer.refused, reason=answer.refusal,
        cited=[c.source for c in answer.citations], answerer=answerer_of(answer, settings.llm),
        latency_ms=round((time.perf_counter() - started) * 1000), step=step,
        conversation=conversation)
    try:
        return question_log(settings).record(entry)
    except Exception:  # noqa: BLE001 - the user still gets the answer; the log says why
        log.exception("the question could not be logged")
        return None


_LOGS: weakref.WeakKeyDictionary[Database, QuestionLog] = weakref.WeakKeyDictionary()
_LOGS_LOCK = threading.Lock()


def question_log(settings: Settings) -> QuestionLog:
    """The process's one log over the settings' database (so the hourly expiry is shared by
    every tab), expired when first opened."""
    db = open_database(settings)
    with _LOGS_LOCK:
        found = _LOGS.get(db)
        if found is None or (found.retention_days, found.survey_days) != (
                settings.log_retention_days, settings.survey_retention_days):
            found = _LOGS[db] = QuestionLog(db, settings.log_retention_days,
                                            survey_days=settings.survey_retention_days)
            fresh = True
        else:
            fresh = False
    if fresh:
        found.maybe_expire()
    return found
