"""The question log on SQLite and a real PostgreSQL: what a row keeps, redaction, and the
retention the app runs itself (an injectable clock stands in for the days passing)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from conftest import settings_under
from sqlalchemy.engine import make_url

from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.db.schema import question_log as LOG
from coach.insights.store import Logged, QuestionLog, question_log

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = T0):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def fresh(url: str) -> Database:
    db = Database(engine_for(make_url(url)))
    migrate(db)
    return db


def ask(log: QuestionLog, user: str = "alice", question: str = "What is a PDSA cycle?",
        **kw: object) -> int:
    return log.record(Logged(user=user, question=question, refused=bool(kw.get("reason")),
                             **kw))  # type: ignore[arg-type]


def test_a_row_keeps_who_what_why_and_how_long_with_personal_data_removed(database_url):
    log = QuestionLog(fresh(database_url), clock=Clock())
    ask(log, question="What is a PDSA cycle?", cited=["methods/pdsa.md", "methods/pdsa.md",
                                                      "report/board.md"],
        answerer="extractive", latency_ms=412, step="readiness", conversation="c1")
    ask(log, "bob", "My NHS number is 943 476 5919, email bob@trust.nhs.uk: what dose?",
        reason="clinical", answerer="extractive", latency_ms=35)

    first, second = log.rows()

    assert first == {"id": first["id"], "at": "2026-03-01T12:00:00+00:00", "user_name": "alice",
                     "question": "What is a PDSA cycle?", "refused": False, "reason": "",
                     "cited": ["methods/pdsa.md", "report/board.md"], "answerer": "extractive",
                     "latency_ms": 412, "step": "readiness", "conversation": "c1"}
    assert second["refused"] is True and second["reason"] == "clinical"
    assert second["question"] == ("My NHS number is [NHS number removed], email "
                                  "[email address removed]: what dose?")
    assert "943" not in str(log.rows()) and "bob@" not in str(log.rows())
    assert [r["user_name"] for r in log.rows(user="bob")] == ["bob"]


def test_an_answered_question_keeps_no_reason_even_if_one_is_given(database_url):
    log = QuestionLog(fresh(database_url), clock=Clock())
    log.record(Logged("alice", "What is a run chart?", refused=False, reason="out-of-scope"))
    assert log.rows()[0]["reason"] == ""


def test_retention_deletes_exactly_the_rows_older_than_the_period(database_url):
    clock = Clock()
    writer = QuestionLog(fresh(database_url), retention_days=0, clock=clock)  # keeps all
    for day in range(40):  # one question a day for 40 days, then 10 days pass
        ask(writer, question=f"question {day}")
        clock.advance(days=1)
    clock.advance(days=9)
    log = QuestionLog(writer.db, retention_days=30, clock=clock)
    before = log.count()

    deleted = log.expire()

    kept = [r["question"] for r in log.rows()]
    # now = T0 + 49 days; the cut-off is T0 + 19 days: days 0-18 go, 19-39 stay
    assert before == 40 and deleted == 19
    assert kept == [f"question {d}" for d in range(19, 40)]
    assert log.expire() == 0


def test_expired_rows_go_first_then_at_most_once_an_hour(database_url):
    clock = Clock()
    log = QuestionLog(fresh(database_url), retention_days=1, clock=clock)
    ask(log, question="old")  # the first question sweeps (nothing to delete yet)
    clock.advance(days=2)
    ask(log, question="new")  # more than an hour later: "old" is deleted before it is added
    assert [r["question"] for r in log.rows()] == ["new"]

    clock.advance(hours=23, minutes=30)  # a sweep as "a" is added: "new" is not yet a day old
    ask(log, question="a")
    clock.advance(minutes=45)  # "new" is now over a day old, but the last sweep was 45 min ago
    ask(log, question="b")
    assert [r["question"] for r in log.rows()] == ["new", "a", "b"]
    clock.advance(minutes=15)  # an hour since the last sweep: the next question sweeps first
    ask(log, question="c")
    assert [r["question"] for r in log.rows()] == ["a", "b", "c"]


def test_the_apps_log_expires_old_rows_when_it_is_opened(tmp_path):
    settings = settings_under(tmp_path, log_retention_days=7)
    db = question_log(settings_under(tmp_path)).db  # the same database, kept forever
    real_now = dt.datetime.now(dt.UTC)
    for days_ago in (30, 8, 6, 0):
        QuestionLog(db, clock=lambda d=days_ago: real_now - dt.timedelta(days=d)).record(
            Logged("alice", f"{days_ago} days ago", refused=False))

    log = question_log(settings)  # as the web app does when it starts

    assert log is question_log(settings)  # one per process and database: one hourly sweep
    with db.connect() as conn:
        left = conn.execute(sa.select(LOG.c.question).order_by(LOG.c.id)).scalars().all()
    assert left == ["6 days ago", "0 days ago"]


def test_no_retention_keeps_every_row(database_url):
    clock = Clock()
    log = QuestionLog(fresh(database_url), retention_days=0, clock=clock)
    ask(log)
    clock.advance(days=3650)
    assert log.maybe_expire() is None and log.expire() == 0 and log.count() == 1


def test_a_damaged_cited_column_reads_as_no_sources(database_url):
    log = QuestionLog(fresh(database_url), clock=Clock())
    row = ask(log)
    with log.db.begin() as conn:
        conn.execute(sa.update(LOG).where(LOG.c.id == row).values(cited="{not json"))
    assert log.rows()[0]["cited"] == []
