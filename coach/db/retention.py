"""Retention that covers every kind of record about what people asked: one sweep over the
tables, so a new kind of record joins it here (``KEPT_BY_LOG_RETENTION``) rather than in each
store.

``COACH_LOG_RETENTION_DAYS`` covers the question log, answer feedback, saved conversations, the
review queue's items (with the reviews of them) and whatever later tables list themselves
below (their time column says when a row was last written). Survey answers follow their own
rule, ``COACH_SURVEY_RETENTION_DAYS``: the responses of a survey closed more than that many
days ago are deleted (the survey's title and code stay, so its owner sees it was emptied);
open surveys keep theirs. The security audit log has its own retention
(coach/access/audit.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from coach.db import schema as s
from coach.db.common import stamp
from coach.db.engine import Database

# (table, its time column): the records COACH_LOG_RETENTION_DAYS deletes when older
KEPT_BY_LOG_RETENTION: list[tuple[sa.Table, str]] = [
    (s.question_log, "at"), (s.feedback, "updated"), (s.conversations, "updated_at"),
    (s.review_items, "created"),  # with the reviews of them (below)
    (s.monitor_scores, "answered_at"),
]


def expire(db: Database, now: dt.datetime, log_days: int, survey_days: int = 0
           ) -> dict[str, int]:
    """Delete what is older than its retention period; rows deleted per table (0 days: that
    rule keeps everything)."""
    deleted: dict[str, int] = {}
    with db.begin() as conn:
        if log_days > 0:
            cutoff = stamp(now - dt.timedelta(days=log_days))
            old_items = sa.select(s.review_items.c.id).where(s.review_items.c.created < cutoff)
            result = conn.execute(s.reviews.delete().where(s.reviews.c.item_id.in_(old_items)))
            deleted[s.reviews.name] = int(result.rowcount)
            for table, column in KEPT_BY_LOG_RETENTION:
                result = conn.execute(table.delete().where(table.c[column] < cutoff))
                deleted[table.name] = int(result.rowcount)
        if survey_days > 0:
            closed = stamp(now - dt.timedelta(days=survey_days))
            old = sa.select(s.surveys.c.code).where(s.surveys.c.closed_at.is_not(None),
                                                    s.surveys.c.closed_at < closed)
            result = conn.execute(s.survey_responses.delete().where(
                s.survey_responses.c.code.in_(old)))
            deleted[s.survey_responses.name] = int(result.rowcount)
    return deleted
