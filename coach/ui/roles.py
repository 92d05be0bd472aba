"""Roles, checked on the server for every event the web app answers.

- ``staff``: Ask and Coach.
- ``editor``: staff, plus the Library (upload, replace, remove, re-index) and Evaluate.
- ``admin``: editor, plus the Admin tab (who has which role).

Every event handler of the app is wrapped by ``guard``: before it runs, the caller's role is
looked up and an event it may not use is refused with a message, whichever client sent it (the
page, gradio_client, a hand-made HTTP request). Roles are declared per tab (``TABS`` in
coach/ui/app.py) or per event; an event with no declared role stops the app from building,
so nothing is open by default. Hiding tabs a role may not use is for tidiness only.

Roles live in the app's database (``user_roles``); a signed-in user with no row is ``staff``.
With sign-in off (this machine only, or ``--no-auth`` on a trusted network) the one user is
``admin``, as the page header says.
"""

from __future__ import annotations

import functools
import inspect
import logging
import typing
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coach.db import Database
from coach.db.schema import user_roles as ROLES_TABLE
from coach.errors import BadInputError

if TYPE_CHECKING:
    import gradio as gr

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
        from coach.coaching.store import now

        with self.db.begin() as conn:
            self.db.upsert(conn, ROLES_TABLE, {"user_name": user, "role": check_role(role),
                                               "updated_at": now(), "updated_by": by},
                           key=["user_name"])

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
        role = self.role_for(request)
        if allows(role, needed):
            return
        import gradio as gr

        user = getattr(request, "username", None) or "anyone not signed in"
        log.warning("refused %s to %s (role %s, needs %s)", what, user, role, needed)
        raise gr.Error(f"Not allowed: {what} needs the {needed} role, and you are "
                       f"{'signed in as ' + role if role else 'not signed in'}. Ask an admin "
                       "if you need it.", title="Not allowed")


def guard(demo: gr.Blocks, declared: dict[int, str], access: Access) -> None:
    """Wrap every server-side event of ``demo`` with its role check.

    ``declared`` maps the fn ids of ``demo.fns`` to the role each needs. Raises RuntimeError
    naming any event without a declared role: nothing is open by default.
    """
    missing = [f"{fn.api_name or fn.name}" for key, fn in demo.fns.items()
               if fn.fn is not None and key not in declared]
    if missing:
        raise RuntimeError("These web app events declare no role (add them to a tab in "
                           f"TABS or declare one): {', '.join(missing)}")
    for key, block_fn in demo.fns.items():
        if block_fn.fn is None or getattr(block_fn.fn, "_coach_role", None):
            continue
        what = str(block_fn.api_name or block_fn.name).replace("_", " ")
        # a page-load refresh of a tab the user may not see skips quietly (no data, no error)
        quiet = bool(block_fn.targets) and all(t[1] == "load" for t in block_fn.targets)
        block_fn.fn = guarded(block_fn.fn, declared[key], access, what,
                              quiet=len(block_fn.outputs) if quiet else 0)


def guarded(fn: Callable[..., Any], needed: str, access: Access, what: str, *,
            quiet: int = 0) -> Callable[..., Any]:
    """``fn`` behind a role check, with a signature that still gets Gradio's gr.Request.
    ``quiet``: refuse by leaving that many outputs unchanged instead of raising."""
    import gradio as gr

    def allowed(request: Any) -> bool:
        if quiet:  # one role lookup: skip quietly rather than refuse
            return allows(access.role_for(request), needed)
        access.check(request, needed, what)
        return True

    skipped = tuple(gr.skip() for _ in range(quiet)) if quiet != 1 else gr.skip()

    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):
        hints = {}
    params = list(sig.parameters.values())
    positional = [p for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != len(params):
        raise TypeError(f"{what}: the role guard needs handlers with positional parameters")
    own = next((i for i, p in enumerate(positional)
                if hints.get(p.name) in (gr.Request, typing.Optional[gr.Request])), None)  # noqa: UP045
    index = own if own is not None else len(positional)
    if own is None:
        extra = inspect.Parameter("_coach_request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  annotation=gr.Request,
                                  default=None if any(p.default is not p.empty
                                                      for p in positional) else
                                  inspect.Parameter.empty)
        positional = [*positional, extra]
    annotations = {**hints, "_coach_request": gr.Request}

    def split(args: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        request = args[index] if index < len(args) else None
        return request, (args if own is not None else args[:index] + args[index + 1:])

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args: Any) -> Iterator[Any]:
            request, rest = split(args)
            if not allowed(request):
                yield skipped
                return
            yield from fn(*rest)
        wrapper: Callable[..., Any] = gen_wrapper
    elif inspect.iscoroutinefunction(fn):
        raise TypeError(f"{what}: async handlers are not supported by the role guard")
    else:
        @functools.wraps(fn)
        def call_wrapper(*args: Any) -> Any:
            request, rest = split(args)
            return fn(*rest) if allowed(request) else skipped
        wrapper = call_wrapper
    wrapper.__signature__ = sig.replace(parameters=positional)  # type: ignore[attr-defined]
    wrapper.__annotations__ = annotations
    del wrapper.__wrapped__  # type: ignore[attr-defined]  # Gradio must see our signature
    wrapper._coach_role = needed  # type: ignore[attr-defined]
    return wrapper
