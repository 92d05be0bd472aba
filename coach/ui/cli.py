"""`coach serve` (the web app) and `coach users add|remove|list|set-role|forget` (sign-in
accounts, their roles, and deleting what the app keeps about a person)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import BadInputError, ConfigError

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands
    from coach.config import Settings


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser("serve", help="start the web app (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to listen on (default: COACH_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: COACH_PORT, 7860)")
    p.add_argument("--no-auth", action="store_true",
                   help="serve beyond this machine without sign-in (a trusted network only; "
                        "the page says so)")

    p = sub.add_parser("users", help="manage sign-in accounts and their roles")
    p.add_argument("action", choices=("add", "remove", "list", "set-role", "forget"),
                   help="forget: delete the person's question log, feedback, journey, "
                        "assessments, conversations, survey responses, exported plans and "
                        "role, and say what was deleted (the account stays: use remove)")
    p.add_argument("name", nargs="?", help="user name (for add, remove, set-role and forget)")
    p.add_argument("role", nargs="?", help="for set-role: staff, editor or admin")
    p.add_argument("--role", dest="add_role", metavar="ROLE",
                   help="for add: staff, editor or admin (default: admin for the first "
                        "user when there is no admin yet, otherwise staff)")
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
    warning = no_admin_warning(settings)
    if warning:
        print(f"coach: {warning}", file=sys.stderr)
    coach = build_coach(settings)
    if coach.count() == 0:
        print("coach: the guidance index is empty; indexing the knowledge folder first…",
              file=sys.stderr)
        print(coach.ingest().summary(), file=sys.stderr)
    from coach.ui.proxy import sign_in_on

    open_access = not sign_in_on(settings) and not is_loopback(settings.host)
    demo = build_ui(coach, settings, open_access=open_access)
    signin = (f", sign-in from {settings.auth_file}" if settings.auth_file else
              f", sign-in by the proxy's {settings.trusted_user_header} header"
              if settings.trusted_user_header else "")
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
    from coach.db import open_database
    from coach.ui import auth
    from coach.ui.roles import RoleStore, check_role

    settings = load_settings()
    if args.action == "forget":
        return _forget(settings, args.name)
    path = args.file or settings.auth_file
    if path is None:
        raise ConfigError("Say which users file to use: set COACH_AUTH_FILE or pass --file.")
    roles = RoleStore(open_database(settings))
    if args.action == "list":
        given = roles.all()
        for name in sorted(auth.load_users(path)):
            print(f"{name}\t{given.get(name, 'staff')}")
        return 0
    if not args.name:
        raise BadInputError(f"Give a user name: coach users {args.action} NAME")
    if args.action == "remove":
        auth.remove_user(path, args.name)
        roles.forget(args.name)
        print(f"Removed {args.name} from {path}.")
        return 0
    if args.action == "set-role":
        if args.name not in auth.load_users(path):
            raise BadInputError(f"There is no user '{args.name}' in {path}: add them first "
                                f"with `coach users add {args.name} --role ROLE`.")
        roles.set(args.name, check_role(args.role or ""), by="coach users")
        print(f"{args.name} is now {args.role}.")
        return 0
    auth.check_name(args.name)
    role = check_role(args.add_role) if args.add_role else None
    existed = auth.add_user(path, args.name, _read_password(args.name))
    if role is None and not existed and not roles.admins():
        role = "admin"
        print(f"{args.name} is the first admin (no user had the admin role).")
    if role is not None:
        roles.set(args.name, role, by="coach users")
    shown = role or roles.role_of(args.name)
    print(f"{'Changed the password of' if existed else 'Added'} {args.name} ({shown}) "
          f"in {path}.")
    return 0


def _forget(settings: Settings, name: str | None) -> int:
    """Delete what the app keeps about ``name`` (no users file needed: with sign-in off, or
    behind a proxy, people have data but no account here)."""
    from coach.db import open_database
    from coach.insights.forget import forget

    if not name or not name.strip():
        raise BadInputError("Give a user name: coach users forget NAME")
    print(forget(open_database(settings), settings.home, name.strip()).summary())
    return 0


def no_admin_warning(settings: Settings) -> str | None:
    """With sign-in on and nobody an admin, say how to name one (an upgraded install)."""
    from coach.db import open_database
    from coach.ui.roles import RoleStore

    if settings.auth_file is None or RoleStore(open_database(settings)).admins():
        return None
    return ("No user has the admin role yet, so nobody can manage roles, the library or "
            "evaluations in the web app (everyone is staff). Name the first admin with "
            "`coach users set-role NAME admin`.")
