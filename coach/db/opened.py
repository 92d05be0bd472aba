"""The process's open databases: one connected, migrated ``Database`` per URL and home, with
the SQLite files of earlier versions brought in once (``legacy.py``)."""

from __future__ import annotations

import threading
from pathlib import Path

from coach.config import Settings
from coach.db.engine import Database, database_url, engine_for, migrate
from coach.db.legacy import import_legacy_files

_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(settings: Settings) -> Database:
    """The process's one Database for these settings: connected, migrated, legacy files in."""
    url = database_url(settings)
    key = url.render_as_string(hide_password=False) + "|" + str(Path(settings.home).resolve())
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is None:
            db = Database(engine_for(url))
            migrate(db)
            import_legacy_files(db, Path(settings.home))
            _OPEN[key] = db
        return db


def close_all() -> None:
    """Dispose of every open engine (tests; a process that is about to fork)."""
    with _OPEN_LOCK:
        for db in _OPEN.values():
            db.dispose()
        _OPEN.clear()
