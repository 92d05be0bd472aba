"""The process's open databases: one connected, migrated ``Database`` per URL and home, with
the SQLite files of earlier versions brought in once (``legacy.py``)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sqlalchemy.engine import URL

from coach.config import Settings
from coach.db.engine import Database, database_url, engine_for, migrate
from coach.db.legacy import import_legacy_files

_OPEN: dict[str, Database] = {}
# the URL and key of the settings as given (see ``open_database``)
_KEYS: dict[tuple[str | None, str, str], tuple[URL, str]] = {}
_OPEN_LOCK = threading.Lock()


def open_database(settings: Settings) -> Database:
    """The process's one Database for these settings: connected, migrated, legacy files in."""
    home = Path(settings.home)
    # the settings as given (a relative home is relative to the working directory): every
    # answer opens its stores here, and resolving paths each time was 4% of a busy server
    given = (settings.database_url, str(home), "" if home.is_absolute() else os.getcwd())
    known = _KEYS.get(given)
    if known is None:
        url = database_url(settings)
        key = url.render_as_string(hide_password=False) + "|" + str(home.resolve())
        with _OPEN_LOCK:
            known = _KEYS.setdefault(given, (url, key))
    url, key = known
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
        _KEYS.clear()
