"""`coach serve` (the web app) and `coach users add|remove|list` (sign-in accounts)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import BadInputError, ConfigError

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser("serve", help="start the web app (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to listen on (default: COACH_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: COACH_PORT, 7860)")
    p.add_argument("--no-auth", action="store_true",
                   help="serve beyond this machine without sign-in (a trusted network only; "
                        "the page says so)")

    p = sub.add_parser("users", help="manage sign-in accounts for the web app")
    p.add_argument("action", choices=("add", "remove", "list"))
    p.add_argument("name", nargs="?", help="user name (for add and remove)")
    p.add_argument("--file", type=Path, help="users file (default: COACH_AUTH_FILE)")
    return {"serve": cmd_serve, "users": cmd_users}


def cmd_serve(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.ui.app import build_ui, check_exposure, is_loopback, launch

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = load_settings(**overrides)
    check_exposure(settings, no_auth=args.no_auth)  # before the model loads
    if settings.auth_file:
        from coach.ui.auth import load_users

        load_users(settings.auth_file)  # a bad users file fails now, not after the model loads
    from coach.db import open_database

    db = open_database(settings)  # an unusable database fails now, and is migrated
    coach = build_coach(settings)
    if coach.index.count() == 0:
        print("coach: the guidance index is empty; indexing the knowledge folder first…",
              file=sys.stderr)
        print(coach.ingest().summary(), file=sys.stderr)
    open_access = not settings.auth_file and not is_loopback(settings.host)
    demo = build_ui(coach, settings, open_access=open_access)
    signin = f", sign-in from {settings.auth_file}" if settings.auth_file else ""
    print(f"Improvement Coach on http://{settings.host}:{settings.port}{signin}, data in "
          f"{db.url} (Ctrl+C to stop)", file=sys.stderr)
    launch(demo, settings, quiet=True, no_auth=args.no_auth)
    return 0


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Repeat it: ") != first:
            raise BadInputError("The two passwords differ; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.ui import auth

    path = args.file or load_settings().auth_file
    if path is None:
        raise ConfigError("Say which users file to use: set COACH_AUTH_FILE or pass --file.")
    if args.action == "list":
        for name in sorted(auth.load_users(path)):
            print(name)
        return 0
    if not args.name:
        raise BadInputError(f"Give a user name: coach users {args.action} NAME")
    if args.action == "remove":
        auth.remove_user(path, args.name)
        print(f"Removed {args.name} from {path}.")
        return 0
    auth.check_name(args.name)
    existed = auth.add_user(path, args.name, _read_password(args.name))
    print(f"{'Changed the password of' if existed else 'Added'} {args.name} in {path}.")
    return 0
