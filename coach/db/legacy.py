"""Bring the SQLite files of earlier versions into the database, once, losing nothing.

Before the database seam, coaching progress (with assessments, the archive and the chat
dialogue) lived in COACH_HOME/coaching.sqlite3 and feedback in COACH_HOME/feedback.sqlite3.
On first start each file found there is read (read-only), copied into the configured database
in one transaction, recorded by its SHA-256 (so it is never imported twice, even by another
replica), and renamed ``*.imported`` beside where it was: kept, but visibly no longer in use.
Where the database already holds progress for a user, the file's record goes to the archive.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.db import schema
from coach.db.common import now
from coach.db.engine import Database, DatabaseError

log = logging.getLogger(__name__)

COACHING_FILE = "coaching.sqlite3"
FEEDBACK_FILE = "feedback.sqlite3"
LEGACY_SCHEMA = 1  # the coaching file's PRAGMA user_version that this code reads


def import_legacy_files(db: Database, home: Path) -> dict[str, int]:
    """Import whichever legacy files are under ``home``; returns rows imported per file."""
    done: dict[str, int] = {}
    for name, reader in ((COACHING_FILE, _coaching), (FEEDBACK_FILE, _feedback)):
        path = Path(home) / name
        if path.is_file():
            done[name] = _import(db, path, reader)
    return done


def _import(db: Database, path: Path, reader: Callable[[sqlite3.Connection, Connection,
                                                          Database, str], int]) -> int:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with db.begin() as conn:
        seen = conn.execute(sa.select(schema.legacy_imports.c.digest).where(
            schema.legacy_imports.c.digest == digest)).first()
        rows = 0
        if seen is None:
            try:
                with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as old:
                    rows = reader(old, conn, db, path.name)
            except sqlite3.DatabaseError as exc:
                raise DatabaseError(
                    f"{path} (saved by an earlier version) could not be read ({exc}). Move "
                    "it aside to start without it; nothing has been changed.") from exc
            conn.execute(schema.legacy_imports.insert().values(
                digest=digest, source=str(path), imported_at=now(), rows=rows))
            log.warning("imported %d rows from %s into the database", rows, path)
    _retire(path)
    return rows


def _retire(path: Path) -> None:
    target = path.with_name(path.name + ".imported")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.imported-{n}")
    try:
        path.rename(target)
        for extra in ("-wal", "-shm"):
            side = path.with_name(path.name + extra)
            if side.exists():
                side.rename(target.with_name(target.name + extra))
    except OSError as exc:  # read-only folder: the digest record keeps it from a second import
        log.warning("could not rename %s after importing it: %s", path, exc)


def _tables(old: sqlite3.Connection) -> set[str]:
    return {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _coaching(old: sqlite3.Connection, conn: Connection, db: Database, name: str) -> int:
    version = old.execute("PRAGMA user_version").fetchone()[0]
    if version > LEGACY_SCHEMA:
        raise DatabaseError(
            f"{name} was written by a newer Improvement Coach (schema {version}); upgrade to "
            "use it. Nothing has been changed.")
    tables, rows = _tables(old), 0
    if "progress" in tables:
        for user, data, updated in old.execute("SELECT user, data, updated_at FROM progress"):
            rows += _progress(conn, user, data, updated, name)
    if "assessments" in tables:
        for user, taken, scores in old.execute(
                "SELECT user, taken_at, scores FROM assessments ORDER BY id"):
            conn.execute(schema.assessments.insert().values(
                user_name=user, taken_at=taken, scores=scores))
            rows += 1
    if "archive" in tables:
        for user, when, reason, data in old.execute(
                "SELECT user, archived_at, reason, data FROM archive ORDER BY id"):
            conn.execute(schema.progress_archive.insert().values(
                user_name=user, archived_at=when, reason=reason, data=data))
            rows += 1
    if "chat_dialogue" in tables:
        t = schema.chat_dialogue
        for user, data, updated in old.execute(
                "SELECT user, data, updated_at FROM chat_dialogue"):
            if conn.execute(sa.select(t.c.user_name).where(t.c.user_name == user)).first():
                continue  # the shared database's dialogue position is newer than this file's
            conn.execute(t.insert().values(user_name=user, data=data, updated_at=updated))
            rows += 1
    return rows


def _progress(conn: Connection, user: str, data: str, updated: str, name: str) -> int:
    t = schema.progress
    if conn.execute(sa.select(t.c.user_name).where(t.c.user_name == user)).first():
        conn.execute(schema.progress_archive.insert().values(
            user_name=user, archived_at=now(), data=data,
            reason=f"imported from {name}: the database already held progress for this user"))
    else:
        conn.execute(t.insert().values(user_name=user, data=data, updated_at=updated))
    return 1


def _feedback(old: sqlite3.Connection, conn: Connection, db: Database, name: str) -> int:
    if "feedback" not in _tables(old):
        return 0
    old.row_factory = sqlite3.Row
    rows = 0
    for r in old.execute("SELECT * FROM feedback ORDER BY id"):
        row: dict[str, Any] = dict(r)
        conn.execute(schema.feedback.insert().values(
            created=row["created"], updated=row["updated"], user_name=row["user"],
            rating=row["rating"], comment=row.get("comment") or "", question=row["question"],
            answer=row["answer"], sources=row["sources"], refused=int(row["refused"]),
            redacted=row.get("redacted") or ""))
        rows += 1
    return rows
