"""Open the app's database: connect, refuse what we cannot use, migrate to the current schema.

``COACH_DATABASE_URL`` picks the database: empty means a SQLite file under COACH_HOME (nothing
to set up); ``postgresql+psycopg://user:password@host:5432/name`` shares one PostgreSQL database
between replicas. Every failure names the setting and says what to do; a database written by a
newer version is refused untouched, never downgraded. A PostgreSQL server that goes away while
the app runs is an ``UnavailableError`` with a plain message (``Database.reachable``), not a
hang, and the app reconnects by itself once the server is back.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import sqlite3
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from coach import prompts
from coach.config import Settings
from coach.errors import ConfigError, UnavailableError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "coach_schema_version"
DEFAULT_FILE = "coach.sqlite3"
SETTING = "COACH_DATABASE_URL"
_EXAMPLE = ("sqlite:////path/to/coach.sqlite3 or "
            "postgresql+psycopg://user:password@host:5432/coach")


class DatabaseError(ConfigError):
    """The database cannot be used as configured; the message names the setting."""


class Database:
    """An engine plus the few dialect differences the stores need (upsert)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def url(self) -> str:
        """The URL without its password, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed on success and rolled back on error."""
        with self.reachable(), self.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.reachable(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def reachable(self) -> Iterator[None]:
        """Turn a database server that is down, or that cut the connection, into an
        ``UnavailableError`` a person can read (prompts/unavailable.yaml). The pool tests each
        connection before use (``pool_pre_ping``), so once the server is back the next call
        connects again: the app recovers without a restart of its own."""
        try:
            yield
        except DBAPIError as exc:
            if not (exc.connection_invalidated or (
                    self.dialect == "postgresql" and isinstance(exc, OperationalError))):
                raise
            first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
            log.warning("the database %s cannot be used just now: %s", self.url, first)
            raise UnavailableError(prompts.fill("unavailable.yaml", "database")) from exc

    def upsert(self, conn: Connection, table: sa.Table, values: Mapping[str, Any],
               key: Sequence[str]) -> None:
        """Insert a row, or update the existing row with the same ``key`` columns."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert
            pg = pg_insert(table).values(**values)
            conn.execute(pg.on_conflict_do_update(
                index_elements=list(key),
                set_={k: pg.excluded[k] for k in values if k not in key}))
        else:
            from sqlalchemy.dialects.sqlite import insert as lite_insert
            lite = lite_insert(table).values(**values)
            conn.execute(lite.on_conflict_do_update(
                index_elements=list(key),
                set_={k: lite.excluded[k] for k in values if k not in key}))

    def dispose(self) -> None:
        self.engine.dispose()


def database_url(settings: Settings) -> URL:
    """The configured URL, or the SQLite file under COACH_HOME."""
    raw = settings.database_url
    if not raw:
        path = (Path(settings.home) / DEFAULT_FILE).resolve()
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseError(f"{SETTING} is not a database URL ({exc}). Use {_EXAMPLE}.") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"{SETTING} names {url.get_backend_name()!r}, which Improvement "
                            f"Coach does not support. Use {_EXAMPLE}.")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    return url


PG_CONNECT_ARGS = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30,
                   "keepalives_interval": 10, "keepalives_count": 3}
WAL_ATTEMPTS = 150  # 15 s at 0.1 s, as long as the busy timeout


def engine_for(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"timeout": 15})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # a server that is down fails fast (refused at once, or 10 s to connect), one that
        # vanished mid-query is noticed by TCP keepalives within about a minute, and a
        # connection the server dropped while idle is replaced before use (pre-ping)
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                connect_args=PG_CONNECT_ARGS)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(f"{SETTING} cannot be used ({exc}). Use {_EXAMPLE}.") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 15000")
    # WAL is a property of the file: set once, by whichever connection comes first. Several
    # processes opening a new file at once can find it locked while another one switches it
    # (not always covered by the busy timeout), so that one case is retried.
    for attempt in range(WAL_ATTEMPTS):
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.1)
    # WAL's own recommended setting: a commit is written to the log without waiting for the
    # disk (a checkpoint still syncs), so it survives the app being killed, and no crash
    # corrupts the file; only a power cut or an OS crash can undo the last commits. Each
    # answer commits twice (question log, conversation), and FULL's two disk syncs per commit
    # held a worker for a fifth of the server's time under load.
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def explain(exc: Exception, shown: str) -> DatabaseError:
    """A message a person can act on, from a driver's connection failure."""
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or ""
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = str(orig).lower()
    if state.startswith("28") or "password authentication failed" in low \
            or "no password supplied" in low:
        why = ("the database refused the user name or password. Check the credentials in "
               f"{SETTING}")
    elif state == "3D000" or ("database" in low and "does not exist" in low):
        why = "the database named in it does not exist. Create it (createdb) or fix the name"
    elif "unable to open database file" in low or "readonly" in low:
        why = "the SQLite file cannot be opened or written. Check the path and its permissions"
    elif "file is not a database" in low or "malformed" in low:
        why = ("the file is not a readable SQLite database. Move it aside to start a new one "
               "(nothing in it has been changed)")
    else:
        why = ("the database server cannot be reached. Check the host and port, that the "
               "server is running, and that this machine may connect to it")
    return DatabaseError(f"{SETTING} is {shown}, but {why}. ({text})")


def script_directory() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def schema_revision(conn: Connection) -> str | None:
    """The migration the database is at (None: no schema yet)."""
    heads = MigrationContext.configure(
        conn, opts={"version_table": VERSION_TABLE}).get_current_heads()
    return heads[0] if heads else None


def _check_not_newer(conn: Connection, shown: str) -> None:
    current = schema_revision(conn)
    known = {rev.revision for rev in script_directory().walk_revisions()}
    if current is not None and current not in known:
        head = script_directory().get_current_head()
        raise DatabaseError(
            f"The database at {SETTING}={shown} was written by a newer Improvement Coach "
            f"(schema {current}; this version knows up to {head}). Upgrade Improvement Coach "
            "to use it; nothing in it was changed.")


@contextlib.contextmanager
def _migration_lock(db: Database, conn: Connection) -> Iterator[None]:
    """One migrator at a time: an advisory lock on PostgreSQL, a lock file beside SQLite."""
    if db.dialect == "postgresql":
        key = zlib.crc32(b"improvement-coach-migrations")
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    database = db.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(database + ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(db: Database) -> str:
    """Bring the schema to the current head; returns the revision it is at."""
    shown = db.url
    try:
        with db.engine.connect() as conn:
            conn.commit()
            with _migration_lock(db, conn):
                _check_not_newer(conn, shown)
                before = schema_revision(conn)
                command.upgrade(_config(conn), "head")
                conn.commit()
                after = schema_revision(conn) or ""
        if before != after:
            log.info("database %s migrated from %s to %s", shown, before, after)
        return after
    except DatabaseError:
        raise
    except DBAPIError as exc:
        raise explain(exc, shown) from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(f"{SETTING}={shown}: the schema could not be brought up to date "
                            f"({exc}). Nothing was deleted.") from exc
