"""`coach users forget NAME` deletes exactly one person's data, on SQLite and PostgreSQL:
every personal table is counted before and after, and everyone else's rows stay."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from conftest import settings_under
from sqlalchemy.engine import make_url

from coach.access.forget import PERSONAL, forget
from coach.cli import main
from coach.coaching.session import exports_dir
from coach.db import Database, migrate
from coach.db import schema as s
from coach.db.engine import engine_for

NOW = "2026-03-01T12:00:00+00:00"


def seed(db: Database, user: str, n: int) -> None:
    """``n`` rows in each multi-row personal table for ``user`` (one in the one-row tables)."""
    with db.begin() as conn:
        for i in range(n):
            conn.execute(s.question_log.insert().values(
                at=NOW, user_name=user, question=f"{user} question {i}", refused=i % 2,
                reason="out-of-scope" if i % 2 else "", cited="[]", answerer="extractive",
                latency_ms=10, step="", conversation=""))
            conn.execute(s.feedback.insert().values(
                created=NOW, updated=NOW, user_name=user, rating="up", comment="", question="q",
                answer="a", sources="[]", refused=0, redacted=""))
            conn.execute(s.assessments.insert().values(user_name=user, taken_at=NOW,
                                                       scores="{}"))
            conn.execute(s.progress_archive.insert().values(
                user_name=user, archived_at=NOW, reason="reset", data="{}"))
            conn.execute(s.conversations.insert().values(
                id=f"{user}-c{i}", user_name=user, title="t", created_at=NOW, updated_at=NOW,
                turns="[]"))
            conn.execute(s.survey_responses.insert().values(
                code="TEAM1", at=NOW, user_name=user, role="nurse", level="ward",
                scores=json.dumps({"x": 2})))
            seed_workbench(conn, user, i)
            conn.execute(s.rate_events.insert().values(user_name=user, at=1_000_000.0 + i))
            seed_review(conn, user, i)
        conn.execute(s.progress.insert().values(user_name=user, data="{}", updated_at=NOW))
        conn.execute(s.chat_dialogue.insert().values(user_name=user, data="{}",
                                                     updated_at=NOW))
        conn.execute(s.user_roles.insert().values(user_name=user, role="staff",
                                                  updated_at=NOW, updated_by="test"))
        conn.execute(s.mcp_tokens.insert().values(
            name=f"{user}-assistant", token_hash=f"{user:0>64}", role="staff", owner=user,
            created_at=NOW, created_by="coach tokens", revoked_at=None))


def seed_workbench(conn: sa.Connection, user: str, i: int) -> None:
    """A QI project with a measure, a point, a PDSA cycle and a progress score."""
    project = conn.execute(s.workbench_projects.insert().values(
        user_name=user, title=f"{user} project {i}", aim="", team="", sponsor="",
        created_at=NOW, updated_at=NOW)).inserted_primary_key[0]
    measure = conn.execute(s.workbench_measures.insert().values(
        user_name=user, project_id=project, kind="outcome", name="Falls", direction="down",
        chart="run", definition="", source="", frequency="", owner="", target=None,
        rebase="[]", created_at=NOW, updated_at=NOW)).inserted_primary_key[0]
    conn.execute(s.workbench_points.insert().values(
        user_name=user, measure_id=measure, point_date="2026-01-01", value=3.0, note=""))
    conn.execute(s.workbench_cycles.insert().values(
        user_name=user, project_id=project, measure_id=measure, follows=None, title="Huddle",
        plan="p", prediction="q", do_text="", study="", act="", act_note="", planned=None,
        done=None, studied=None, acted=None, created_at=NOW, updated_at=NOW))
    conn.execute(s.workbench_scores.insert().values(
        user_name=user, project_id=project, scored_on="2026-01-01", score=1.5, note="",
        recorded_at=NOW))


def seed_review(conn: sa.Connection, user: str, i: int) -> None:
    """An answer of theirs in the review queue, and their review of it."""
    item = conn.execute(s.review_items.insert().values(
        created=NOW, user_name=user, kinds="thumbs-down", detail="", log_id=None,
        feedback_id=None, question=f"{user} question {i}", history="[]", reply="r",
        refused=0, refusal="", passages="[]")).inserted_primary_key[0]
    conn.execute(s.reviews.insert().values(
        item_id=item, user_name=user, at=NOW, correct=1, grounded=1, right_source=1,
        should_refuse=0, must_include="[]", note="", case_id="", case_suite=""))


def counts(db: Database, user: str) -> dict[str, int]:
    with db.connect() as conn:
        return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t).where(
            t.c[col] == user)).scalar_one()) for t, col in PERSONAL}


@pytest.fixture
def db(database_url):
    db = Database(engine_for(make_url(database_url)))
    migrate(db)
    return db


def test_forget_deletes_exactly_the_persons_rows_and_says_how_many(db, tmp_path):
    seed(db, "alice", 3)
    seed(db, "bob", 2)
    with db.begin() as conn:  # a survey alice opened, answered anonymously by someone else
        conn.execute(s.surveys.insert().values(code="TEAM1", owner="alice", title="Ward 7",
                                               created_at=NOW))
        conn.execute(s.survey_responses.insert().values(
            code="TEAM1", at=NOW, user_name=None, role="doctor", level="ward", scores="{}"))
    plans = exports_dir(tmp_path, "alice")
    (plans / "action-plan.md").write_text("plan", encoding="utf-8")
    (plans / "readiness.png").write_bytes(b"png")
    bobs_plan = exports_dir(tmp_path, "bob") / "action-plan.md"
    bobs_plan.write_text("bob's plan", encoding="utf-8")
    alice_before, bob_before = counts(db, "alice"), counts(db, "bob")

    done = forget(db, tmp_path, "alice")

    assert done.rows == alice_before == {
        "question_log": 3, "feedback": 3, "progress": 1, "assessments": 3,
        "progress_archive": 3, "chat_dialogue": 1, "conversations": 3,
        "survey_responses": 3, "user_roles": 1, "workbench_points": 3,
        "workbench_measures": 3, "workbench_cycles": 3, "workbench_scores": 3,
        "workbench_projects": 3, "rate_events": 3, "mcp_tokens": 1, "review_items": 3,
        "reviews": 3}
    assert counts(db, "alice") == dict.fromkeys(alice_before, 0)
    assert counts(db, "bob") == bob_before  # nobody else's rows are touched
    assert done.export_files == 2 and not plans.exists() and bobs_plan.is_file()
    with db.connect() as conn:  # the survey and the anonymous response in it stay
        assert conn.execute(sa.select(sa.func.count()).select_from(s.surveys)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(s.survey_responses).where(
            s.survey_responses.c.user_name.is_(None))).scalar_one() == 1
    text = done.summary()
    assert "question_log       3 row(s)" in text and "exported plans     2 file(s)" in text
    assert "Kept 1 survey(s) alice opened" in text and "coach users remove alice" in text

    again = forget(db, tmp_path, "alice")
    assert again.total == 0 and "Nothing was stored about alice" in again.summary()


def test_coach_users_forget_needs_no_users_file_and_prints_the_counts(tmp_path, monkeypatch,
                                                                       capsys):
    settings = settings_under(tmp_path)
    monkeypatch.chdir(tmp_path)  # no .env read from the checkout
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    from coach.db import open_database

    db = open_database(settings)
    seed(db, "carol", 2)
    seed(db, "dave", 1)

    assert main(["users", "forget", "carol"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("Deleted everything stored about carol:")
    assert "feedback           2 row(s)" in out and "progress           1 row(s)" in out
    assert sum(counts(db, "carol").values()) == 0
    assert sum(counts(db, "dave").values()) == len(PERSONAL)  # one row in each table
    assert main(["users", "forget"]) == 2
    assert "coach users forget NAME" in capsys.readouterr().err


# tables that may still name a forgotten person, and why
KEPT = {
    "library_changes": "the shared library's audit trail: who changed the library",
    "audit_events": "the security audit log, which records the forgetting itself",
    "surveys": "a survey they opened holds other people's answers (counted in the summary)",
}
# tables that never name a person
IMPERSONAL = {"legacy_imports", "monitor_scores"}  # scores name no one


def test_every_table_that_names_a_user_is_forgotten_or_kept_on_purpose():
    named = {t.name for t in s.metadata.sorted_tables if "user_name" in t.c}
    owned = {"mcp_tokens"}  # keyed by its owner: the MCP tokens issued to the person
    assert (named - set(KEPT)) | owned == {t.name for t, _ in PERSONAL}


def test_forget_walks_every_table_and_leaves_no_row_naming_the_person(db, tmp_path):
    """Every table of the schema is seeded (or listed above as kept or impersonal), then every
    text column of every row is read: a new table that names people fails here until forget
    covers it."""
    seed(db, "alice", 2)
    seed(db, "bob", 1)
    with db.begin() as conn:
        conn.execute(s.surveys.insert().values(code="TEAM2", owner="alice", title="Ward 9",
                                               created_at=NOW))
    tables = {t.name for t in s.metadata.sorted_tables}
    with db.connect() as conn:
        seeded = {t.name for t in s.metadata.sorted_tables
                  if conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()}
    assert tables - seeded - set(KEPT) - IMPERSONAL == set(), "seed() must fill every table"

    forget(db, tmp_path, "alice")

    left = []
    with db.connect() as conn:
        for table in s.metadata.sorted_tables:
            if table.name in KEPT:
                continue
            text = [c for c in table.c if isinstance(c.type, sa.String | sa.Text)]
            for row in conn.execute(sa.select(*text)).all() if text else ():
                left += [(table.name, v) for v in row if isinstance(v, str) and "alice" in v]
    assert left == []
    assert sum(counts(db, "bob").values()) == len(PERSONAL)
