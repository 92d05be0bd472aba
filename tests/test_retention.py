"""Retention covers every kind of record (issue 28, part 4): the question log, answer
feedback and saved conversations by COACH_LOG_RETENTION_DAYS, survey answers by
COACH_SURVEY_RETENTION_DAYS after the survey closed; newer rows and open surveys stay.
SQLite and a real PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from coach.db import open_database, stamp
from coach.db import schema as s
from coach.db.retention import KEPT_BY_LOG_RETENTION
from coach.insights.store import QuestionLog

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
OLD, RECENT = stamp(NOW - dt.timedelta(days=100)), stamp(NOW - dt.timedelta(days=5))


def seed(db) -> None:
    with db.begin() as conn:
        for n, at in enumerate((OLD, RECENT)):
            conn.execute(s.question_log.insert().values(
                at=at, user_name="amy", question=f"q{n}", refused=0, reason="", cited="[]",
                answerer="extractive", latency_ms=1, step="", conversation=""))
            conn.execute(s.feedback.insert().values(
                created=at, updated=at, user_name="amy", rating="up", comment="",
                question=f"q{n}", answer="a", sources="[]", refused=0, redacted=""))
            conn.execute(s.conversations.insert().values(
                id=f"c{n}", user_name="amy", title="t", created_at=at, updated_at=at,
                turns="[]"))
            item = conn.execute(s.review_items.insert().values(
                created=at, user_name="amy", kinds="sample", detail="", log_id=None,
                feedback_id=None, question=f"q{n}", history="[]", reply="r", refused=0,
                refusal="", passages="[]")).inserted_primary_key[0]
            conn.execute(s.reviews.insert().values(
                item_id=item, user_name="sam", at=at, correct=1, grounded=1, right_source=1,
                should_refuse=0, must_include="[]", note="", case_id="", case_suite=""))
            conn.execute(s.monitor_scores.insert().values(
                item_id=item, scored_at=at, answered_at=at, groundedness=1.0,
                citation_validity=1.0, reply_chars=10, refused=0, refusal="", low=0))
        conn.execute(s.surveys.insert().values(code="OLD1", owner="amy", title="closed long ago",
                                               created_at=OLD, closed_at=OLD))
        conn.execute(s.surveys.insert().values(code="NEW1", owner="amy", title="still open",
                                               created_at=OLD, closed_at=None))
        for code in ("OLD1", "NEW1"):
            conn.execute(s.survey_responses.insert().values(
                code=code, at=OLD, user_name=None, role="nurse", level="ward", scores="{}"))


def count(db, table) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_log_retention_covers_every_kind_of_record(make_settings, database_url):
    db = open_database(make_settings(database_url=database_url))
    seed(db)
    log = QuestionLog(db, retention_days=30, clock=lambda: NOW, survey_days=60)

    assert log.expire() == 1
    for table, _ in KEPT_BY_LOG_RETENTION:
        assert count(db, table) == 1, table.name  # the recent row stays
    assert count(db, s.reviews) == 1  # the old item's review went with it
    with db.connect() as conn:
        left = conn.execute(sa.select(s.survey_responses.c.code)).scalars().all()
        surveys = conn.execute(sa.select(s.surveys.c.code)).scalars().all()
    assert left == ["NEW1"]  # an open survey keeps its answers
    assert sorted(surveys) == ["NEW1", "OLD1"]  # the emptied survey itself stays


def test_no_retention_keeps_everything(make_settings, database_url):
    db = open_database(make_settings(database_url=database_url))
    seed(db)
    assert QuestionLog(db, clock=lambda: NOW).expire() == 0
    assert [count(db, t) for t, _ in KEPT_BY_LOG_RETENTION] == [2, 2, 2, 2, 2]
    assert count(db, s.survey_responses) == 2


def test_every_table_of_what_people_asked_or_said_is_under_a_retention_rule():
    covered = {t.name for t, _ in KEPT_BY_LOG_RETENTION} | {"survey_responses", "reviews"}
    # the rest: journeys and projects are the person's own working records (kept until they
    # are forgotten), and the audit and library logs have their own rules
    others = {"progress", "assessments", "progress_archive", "chat_dialogue", "surveys",
              "user_roles", "library_changes", "legacy_imports", "rate_events",
              "audit_events", "mcp_tokens"} | {t.name for t in s.metadata.sorted_tables
                                 if t.name.startswith("workbench_")}
    assert {t.name for t in s.metadata.sorted_tables} - covered - others == set()
