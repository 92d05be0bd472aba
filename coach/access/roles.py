"""Roles and the access policy: who has which role, and what each role may do.

- ``staff``: Ask and Coach.
- ``editor``: staff, plus the Library (upload, replace, remove, re-index) and Evaluate.
- ``admin``: editor, plus the Admin tab (who has which role).

``Access`` resolves the role of whoever sent a request and refuses what it may not do
(``NotAllowedError``). The web app wraps every event handler with that check
(``coach.ui.guard.guard``): before it runs, the caller's role is looked up and an event it may
not use is refused with a message, whichever client sent it (the page, gradio_client, a
hand-made HTTP request). Roles are declared per tab (``TABS`` in coach/ui/app.py) or per event;
an event with no declared role stops the app from building, so nothing is open by default.
Hiding tabs a role may not use is for tidiness only.

Roles live in the app's database (``user_roles``); a signed-in user with no row is ``staff``.
With sign-in off (this machine only, or ``--no-auth`` on a trusted network) the one user is
``admin``, as the page header says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coach.db import Database, now
from coach.db.schema import user_roles as ROLES_TABLE
from coach.errors import BadInputError, NotAllowedError

if TYPE_CHECKING:
    from coach.config import Settings

log = logging.getLogger(__name__)

ROLES = ("staff", "editor", "admin")
DEFAULT_ROLE = "staff"


def check_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise BadInputError(f"'{role}' is not a role: use one of {', '.join(ROLES)}.")
    return role


def allows(role: str | None, needed: str) -> bool:
    """Does ``role`` include what ``needed`` may do?"""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


class RoleStore:
    """Who has which role, in the app's database (shared by every replica)."""

    def __init__(self, db: Database):
        self.db = db

    def role_of(self, user: str) -> str:
        with self.db.connect() as conn:
            row = conn.execute(sa.select(ROLES_TABLE.c.role).where(
                ROLES_TABLE.c.user_name == user)).first()
        return str(row[0]) if row else DEFAULT_ROLE

    def set(self, user: str, role: str, by: str) -> None:
        """Give ``user`` the role ``role`` (``by``: who did it, for the audit log)."""
        before = self.role_of(user)
        with self.db.begin() as conn:
            self.db.upsert(conn, ROLES_TABLE, {"user_name": user, "role": check_role(role),
                                               "updated_at": now(), "updated_by": by},
                           key=["user_name"])
        from coach.access.audit import ROLE_CHANGED, AuditLog

        AuditLog(self.db).record(ROLE_CHANGED, by, subject=user, detail=f"{before} -> {role}")

    def forget(self, user: str) -> None:
        with self.db.begin() as conn:
            conn.execute(ROLES_TABLE.delete().where(ROLES_TABLE.c.user_name == user))

    def all(self) -> dict[str, str]:
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(ROLES_TABLE.c.user_name, ROLES_TABLE.c.role)).all()
        return {str(u): str(r) for u, r in rows}

    def admins(self) -> list[str]:
        return sorted(u for u, r in self.all().items() if r == "admin")


class Access:
    """Resolves the role of whoever sent a request and refuses what it may not do."""

    def __init__(self, roles: RoleStore | None, *, sign_in: bool,
                 identify: Callable[[Any], tuple[str | None, str | None]] | None = None):
        self.roles = roles
        self.sign_in = sign_in
        # (user, role from a trusted proxy's header or None) for a request; default: Gradio's
        self._identify = identify or (lambda r: (getattr(r, "username", None), None))

    def role_for(self, request: Any) -> str | None:
        if not self.sign_in:
            return "admin"
        if request is None:
            return None
        user, proxied = self._identify(request)
        if not user:
            return None
        if proxied:
            return proxied
        return self.roles.role_of(str(user)) if self.roles is not None else DEFAULT_ROLE

    def check(self, request: Any, needed: str, what: str) -> None:
        """Nothing when the sender's role includes ``needed``, else NotAllowedError saying
        what ``what`` needs and who they are signed in as."""
        role = self.role_for(request)
        if allows(role, needed):
            return
        user = getattr(request, "username", None) or "anyone not signed in"
        log.warning("refused %s to %s (role %s, needs %s)", what, user, role, needed)
        raise NotAllowedError(f"Not allowed: {what} needs the {needed} role, and you are "
                              f"{'signed in as ' + role if role else 'not signed in'}. Ask an "
                              "admin if you need it.")


def known_users(auth_file: Path | None, roles: RoleStore) -> list[list[str]]:
    """[name, role] for the users file's accounts and everyone with a role, by name."""
    names = set(roles.all())
    if auth_file is not None and Path(auth_file).is_file():
        from coach.access.auth import load_users

        names |= set(load_users(Path(auth_file)))
    given = roles.all()
    return [[n, given.get(n, DEFAULT_ROLE)] for n in sorted(names)]


def no_admin_warning(settings: Settings) -> str | None:
    """With sign-in on and nobody an admin, say how to name one (an upgraded install)."""
    from coach.db import open_database

    if settings.auth_file is None or RoleStore(open_database(settings)).admins():
        return None
    return ("No user has the admin role yet, so nobody can manage roles, the library or "
            "evaluations in the web app (everyone is staff). Name the first admin with "
            "`coach users set-role NAME admin`.")
