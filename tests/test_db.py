"""The database seam: migrations, files of earlier versions imported, clear errors for bad
configuration, and the feedback and dialogue stores, each on SQLite and a real PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from coaching_helpers import journey
from sqlalchemy.engine import make_url

from coach.coaching.chat.dialogue import Dialogue
from coach.coaching.chat.store import DialogueStore
from coach.coaching.store import ProgressStore
from coach.config import Settings
from coach.db import Database, DatabaseError, close_all, migrate, open_database
from coach.db.engine import VERSION_TABLE, engine_for, schema_revision
from coach.db.schema import metadata
from coach.insights.feedback import FeedbackStore

LEGACY = Path(__file__).parent / "data" / "legacy"


def settings(home: Path, url: str | None = None) -> Settings:
    return Settings(_env_file=None, home=home, database_url=url)  # type: ignore[call-arg]


def fresh(url: str) -> Database:
    db = Database(engine_for(make_url(url)))
    migrate(db)
    return db


# -- migrations ----------------------------------------------------------------------------
def test_the_migrations_build_exactly_the_tables_the_code_declares(database_url):
    db = fresh(database_url)
    with db.connect() as conn:
        diff = [d for d in compare_metadata(MigrationContext.configure(conn), metadata)
                if not (d[0] == "remove_table" and d[1].name == VERSION_TABLE)]
        assert diff == [], f"schema.py and the migrations differ: add a migration for {diff}"
        assert schema_revision(conn) is not None


def test_migrating_twice_and_from_two_processes_at_once_is_safe(database_url):
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(Database(engine_for(make_url(database_url))))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert migrate(fresh(database_url)) == migrate(fresh(database_url))


def test_a_database_from_a_newer_version_is_refused_untouched(database_url, tmp_path):
    db = fresh(database_url)
    ProgressStore(db).write_raw("alex", '{"v": 1}')
    with db.begin() as conn:
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="newer Improvement Coach.*nothing in it was changed"):
        migrate(Database(engine_for(make_url(database_url))))
    with pytest.raises(DatabaseError, match="COACH_DATABASE_URL"):
        open_database(settings(tmp_path / "home", database_url))
    with db.connect() as conn:
        assert conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() \
            == "9999"
    assert ProgressStore(db).raw("alex") == '{"v": 1}'


# -- files from earlier versions -----------------------------------------------------------
def test_the_files_of_the_previous_version_are_imported_once_and_nothing_is_lost(
        database_url, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("coaching.sqlite3", "feedback.sqlite3"):
        shutil.copy(LEGACY / name, home / name)
    with sqlite3.connect(LEGACY / "coaching.sqlite3") as old:
        old_progress = dict(old.execute("SELECT user, data FROM progress"))
        old_scores = [r[0] for r in old.execute("SELECT scores FROM assessments ORDER BY id")]
        old_archive = old.execute("SELECT user, reason, data FROM archive").fetchall()
    db = open_database(settings(home, database_url))
    store = ProgressStore(db)
    j = journey()
    for user, data in old_progress.items():
        assert store.raw(user) == data
    alex = store.load("alex", j)
    assert alex.step("assessing-readiness").notes == ("Staff survey closes in May",)
    assert alex.step("board-support").actions[0].owner == "Chief nurse"
    history, warnings = store.assessments("alex", j)
    assert len(history) == len(old_scores) == 2 and warnings == []
    assert [(u, r, d) for _, r, d in store.archived("bo") for u in ["bo"]] == old_archive
    assert DialogueStore(db).load("alex") == Dialogue()
    rows = FeedbackStore(db).rows()
    assert [(r["user"], r["rating"], r["comment"]) for r in rows] == [
        ("alex", "up", "Clear and short"), ("bo", "down", "")]
    assert "07700" not in rows[0]["question"] and rows[0]["sources"][0]["section"] == "Run charts"
    assert rows[1]["refused"] == 1
    # kept beside, renamed, and never imported twice (not even when put back)
    assert not (home / "coaching.sqlite3").exists()
    assert (home / "coaching.sqlite3.imported").read_bytes() == \
        (LEGACY / "coaching.sqlite3").read_bytes()
    shutil.copy(LEGACY / "feedback.sqlite3", home / "feedback.sqlite3")
    close_all()
    again = open_database(settings(home, database_url))
    assert len(FeedbackStore(again).rows()) == 2
    assert len(ProgressStore(again).assessments("alex", j)[0]) == 2


def test_an_imported_user_who_already_has_progress_keeps_both(database_url, tmp_path):
    db = fresh(database_url)
    ProgressStore(db).write_raw("alex", '{"v": 1, "stage": "new"}')
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(LEGACY / "coaching.sqlite3", home / "coaching.sqlite3")
    db = open_database(settings(home, database_url))
    assert ProgressStore(db).raw("alex") == '{"v": 1, "stage": "new"}'
    kept = ProgressStore(db).archived("alex")
    assert len(kept) == 1 and "already held progress" in kept[0][1]
    assert "Staff survey closes in May" in kept[0][2]


def test_a_legacy_file_that_cannot_be_read_stops_start_up_and_is_left_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    junk = b"not a database at all" * 200
    (home / "coaching.sqlite3").write_bytes(junk)
    with pytest.raises(DatabaseError, match="coaching.sqlite3.*could not be read.*Move it aside"):
        open_database(settings(home))
    assert (home / "coaching.sqlite3").read_bytes() == junk
    newer = home / "feedback.sqlite3"
    (home / "coaching.sqlite3").unlink()
    shutil.copy(LEGACY / "coaching.sqlite3", home / "coaching.sqlite3")
    with sqlite3.connect(home / "coaching.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 7")
    assert not newer.exists()
    with pytest.raises(DatabaseError, match="newer Improvement Coach"):
        open_database(settings(home))
    assert (home / "coaching.sqlite3").exists()


# -- bad configuration ---------------------------------------------------------------------
@pytest.mark.parametrize(("url", "says"), [
    ("mysql://u:p@127.0.0.1/coach", "does not support"),
    ("not a url", "not a database URL"),
])
def test_an_unusable_url_is_named(tmp_path, url, says):
    with pytest.raises(DatabaseError, match=f"COACH_DATABASE_URL.*{says}"):
        open_database(settings(tmp_path, url))


def test_a_sqlite_path_that_is_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"plain text, not SQLite " * 300)
    with pytest.raises(DatabaseError, match="not a readable SQLite database"):
        open_database(settings(tmp_path / "home", f"sqlite:///{path}"))
    assert path.read_bytes() == b"plain text, not SQLite " * 300


@pytest.mark.slow
def test_unreachable_server_wrong_password_and_missing_database_are_explained(
        postgres, tmp_path):
    from tests.servers import free_port

    nobody = f"postgresql+psycopg://coach:pw@127.0.0.1:{free_port()}/coach"
    with pytest.raises(DatabaseError, match="COACH_DATABASE_URL.*cannot be reached") as exc:
        open_database(settings(tmp_path, nobody))
    assert ":pw@" not in str(exc.value)  # the password is never shown
    with pytest.raises(DatabaseError, match="refused the user name or password") as exc:
        open_database(settings(tmp_path, postgres.url(password="wrong-password")))
    assert "wrong-password" not in str(exc.value)
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(settings(tmp_path, postgres.url("no_such_database")))


# -- the other stores on both backends -----------------------------------------------------
TURN = {"question": "What is PDSA? My email is a.person@nhs.net", "text": "Plan, do [1].",
        "refused": False, "citations": [{"number": 1, "source": "m.md", "title": "M",
                                         "section": "PDSA", "page": None, "score": 0.7}]}


def test_feedback_is_kept_redacted_and_only_its_owner_may_change_it(database_url):
    store = FeedbackStore(fresh(database_url))
    first = store.record("alex", TURN, "down", "call 07700 900123")
    second = store.record("sam", TURN, "up")
    assert second > first
    assert store.update(first, "alex", rating="up", comment="better now") is True
    assert store.update(first, "sam", rating="down") is False  # not sam's row
    with pytest.raises(ValueError, match="rating"):
        store.record("alex", TURN, "meh")
    mine = store.rows("alex")
    assert len(mine) == 1 and mine[0]["rating"] == "up" and mine[0]["comment"] == "better now"
    assert "a.person@nhs.net" not in mine[0]["question"]
    assert set(mine[0]["redacted"].split(",")) >= {"email address", "phone number"}
    assert [r["user"] for r in store.rows()] == ["alex", "sam"]


def test_the_chat_dialogue_is_saved_per_user(database_url):
    db = fresh(database_url)
    store = DialogueStore(db)
    moved = Dialogue.from_dict({**Dialogue().to_dict(), "step": "board-support", "index": 2,
                                "total": 4, "state": "asking"})
    store.save("alex", moved)
    store.save("alex", moved)
    assert DialogueStore(Database(engine_for(make_url(database_url)))).load("alex") == moved
    assert store.load("sam") == Dialogue()
    ProgressStore(db)  # the tables share one database
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE chat_dialogue SET data = 'garbled'"))
    assert store.load("alex") == Dialogue()  # unreadable: a fresh dialogue, nothing raised


def test_coach_db_status_and_upgrade(tmp_path, monkeypatch, capsys):
    from coach.cli import main

    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    assert main(["db", "status"]) == 0
    assert "schema empty" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "(current)" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    assert "up to date" in capsys.readouterr().out
    from tests.servers import free_port

    monkeypatch.setenv("COACH_DATABASE_URL",
                       f"postgresql://coach:s3cret@127.0.0.1:{free_port()}/coach")
    assert main(["db", "status"]) != 0
    err = capsys.readouterr().err
    assert "COACH_DATABASE_URL" in err and "cannot be reached" in err and "s3cret" not in err
    assert main(["settings"]) == 0
    assert "s3cret" not in capsys.readouterr().out


def test_the_sqlite_file_is_written_ahead_without_a_disk_sync_per_commit(tmp_path):
    """WAL with synchronous=NORMAL (SQLite's recommended pair): a commit survives the app
    being killed, and no commit waits for the disk (each answer commits twice)."""
    db = open_database(Settings(home=tmp_path))
    with db.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
