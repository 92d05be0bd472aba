"""`coach db status | upgrade`: which database the app uses and where its schema stands.

The app migrates on start-up by itself; `coach db upgrade` lets an operator do it first (for
example before rolling new replicas out), and `status` says what would happen.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser("db", help="the app's database (COACH_DATABASE_URL): status or upgrade")
    p.add_argument("action", choices=("status", "upgrade"))
    return {"db": cmd_db}


def cmd_db(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.db.engine import (
        Database,
        database_url,
        engine_for,
        explain,
        schema_revision,
        script_directory,
    )
    from coach.db.opened import open_database

    settings = load_settings()
    if args.action == "upgrade":
        db = open_database(settings)  # migrates and imports earlier versions' files
        with db.connect() as conn:
            print(f"{db.url}: schema {schema_revision(conn)} (current)")
        return 0
    db = Database(engine_for(database_url(settings)))
    try:
        with db.connect() as conn:
            current = schema_revision(conn)
    except Exception as exc:  # noqa: BLE001 - explained the same way start-up would
        raise explain(exc, db.url) from exc
    head = script_directory().get_current_head()
    state = ("up to date" if current == head else
             "empty: created at the next start or `coach db upgrade`" if current is None else
             f"at {current}; the next start (or `coach db upgrade`) migrates it to {head}")
    print(f"{db.url} ({db.dialect}): schema {state}")
    return 0
