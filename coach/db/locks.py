"""Named locks shared by every process using the same database: one migrator, one library sync
runner across replicas, and whatever later needs the same.

PostgreSQL: a session advisory lock, keyed by the name, held on a connection of its own for as
long as the lock is held. SQLite: an exclusive ``flock`` on a file beside the database file
(``coach.sqlite3.<name>.lock``). Either way the operating system or the server releases the lock
when the holder dies, so a process killed while holding one never leaves it taken. The holder
writes who it is (host, process, since when) where the next one can read it: in the lock file,
or in PostgreSQL's ``application_name`` of the holding connection. A name a killed holder had no
chance to clear from its lock file is not reported: ``holder`` names only a lock still held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import zlib
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from coach.db.common import now
from coach.db.engine import Database


def lock_key(name: str) -> int:
    """The advisory-lock key for ``name`` (the migration lock keeps its historical key)."""
    return zlib.crc32(f"improvement-coach-{name}".encode())


def _holder() -> str:
    return f"{socket.gethostname()} pid {os.getpid()} since {now()}"


@contextlib.contextmanager
def named_lock(db: Database, name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock ``name`` for the ``with`` block; yields True when held. With
    ``wait=False`` it does not wait: it yields False at once when another process holds it
    (``holder(db, name)`` then says who)."""
    if db.dialect == "postgresql":
        with db.connect() as conn:
            conn.execute(sa.text("SELECT set_config('application_name', :v, false)"),
                         {"v": f"coach {name} lock: {_holder()}"[:63]})
            key = lock_key(name)
            if wait:
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            elif not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"),
                                  {"k": key}).scalar():
                conn.commit()
                yield False
                return
            conn.commit()
            try:
                yield True
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    path = _lock_file(db, name)
    if path is None:  # an in-memory database: one process, nothing to share
        yield True
        return
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(_holder())
            fh.flush()
            yield True
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)


def holder(db: Database, name: str) -> str:
    """Who holds the lock ``name`` now, as its holder wrote it ('' when free or unknown)."""
    if db.dialect == "postgresql":
        with db.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.objid = :k"), {"k": lock_key(name) & 0xFFFFFFFF}).scalars().all()
        text = next((str(r) for r in rows if r), "")
        return text.split(": ", 1)[-1] if text else ""
    path = _lock_file(db, name)
    if path is None or not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        try:  # free: a holder killed before it could clear its name left it behind
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return fh.read().strip()
        fcntl.flock(fh, fcntl.LOCK_UN)
        return ""


def _lock_file(db: Database, name: str) -> str | None:
    database = db.engine.url.database
    if not database or database == ":memory:":
        return None
    return f"{database}.{name}.lock"


@contextlib.contextmanager
def hold(db: Database, name: str, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock ``name``, waiting for it when another process has it: ``on_wait`` is
    first told who holds it (as ``holder`` reads it), so a person can be told who is busy."""
    with named_lock(db, name, wait=False) as held:
        if held:
            yield
            return
    on_wait(holder(db, name) or "another process")
    with named_lock(db, name):
        yield
