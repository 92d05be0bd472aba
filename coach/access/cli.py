"""`coach users add|remove|list|set-role|forget`: sign-in accounts, their roles, and deleting
what the app keeps about a person."""

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
    p = sub.add_parser("users", help="manage sign-in accounts and their roles")
    p.add_argument("action", choices=("add", "remove", "list", "set-role", "forget"),
                   help="forget: delete the person's question log, feedback, journey, "
                        "assessments, conversations, survey responses, review items, exported "
                        "plans and role, and say what was deleted (the account stays: use "
                        "remove)")
    p.add_argument("name", nargs="?", help="user name (for add, remove, set-role and forget)")
    p.add_argument("role", nargs="?", help="for set-role: staff, editor or admin")
    p.add_argument("--role", dest="add_role", metavar="ROLE",
                   help="for add: staff, editor or admin (default: admin for the first "
                        "user when there is no admin yet, otherwise staff)")
    p.add_argument("--file", type=Path, help="users file (default: COACH_AUTH_FILE)")
    return {"users": cmd_users}


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Repeat it: ") != first:
            raise BadInputError("The two passwords differ; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.access import auth
    from coach.access.audit import (
        PASSWORD_CHANGED,
        USER_ADDED,
        USER_REMOVED,
        AuditLog,
        operator,
    )
    from coach.access.roles import RoleStore, check_role
    from coach.db import open_database

    settings = load_settings()
    if args.action == "forget":
        return _forget(settings, args.name)
    path = args.file or settings.auth_file
    if path is None:
        raise ConfigError("Say which users file to use: set COACH_AUTH_FILE or pass --file.")
    db = open_database(settings)
    roles = RoleStore(db)
    audit = AuditLog(db, settings.audit_retention_days)
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
        audit.record(USER_REMOVED, operator(), subject=args.name, how="cli",
                     detail=f"from {path}")
        print(f"Removed {args.name} from {path}.")
        return 0
    if args.action == "set-role":
        if args.name not in auth.load_users(path):
            raise BadInputError(f"There is no user '{args.name}' in {path}: add them first "
                                f"with `coach users add {args.name} --role ROLE`.")
        roles.set(args.name, check_role(args.role or ""), by=operator())
        print(f"{args.name} is now {args.role}.")
        return 0
    auth.check_name(args.name)
    role = check_role(args.add_role) if args.add_role else None
    existed = auth.add_user(path, args.name, _read_password(args.name))
    audit.record(PASSWORD_CHANGED if existed else USER_ADDED, operator(), subject=args.name,
                 how="cli", detail=f"in {path}")
    if role is None and not existed and not roles.admins():
        role = "admin"
        print(f"{args.name} is the first admin (no user had the admin role).")
    if role is not None:
        roles.set(args.name, role, by=operator())
    shown = role or roles.role_of(args.name)
    print(f"{'Changed the password of' if existed else 'Added'} {args.name} ({shown}) "
          f"in {path}.")
    return 0


def _forget(settings: Settings, name: str | None) -> int:
    """Delete what the app keeps about ``name`` (no users file needed: with sign-in off, or
    behind a proxy, people have data but no account here)."""
    from coach.access.audit import FORGOTTEN, AuditLog, operator
    from coach.access.forget import forget
    from coach.db import open_database

    if not name or not name.strip():
        raise BadInputError("Give a user name: coach users forget NAME")
    db = open_database(settings)
    done = forget(db, settings.home, name.strip())
    AuditLog(db, settings.audit_retention_days).record(
        FORGOTTEN, operator(), subject=done.user, how="cli",
        detail=f"{sum(done.rows.values())} row(s), {done.export_files} file(s) deleted")
    print(done.summary())
    return 0
