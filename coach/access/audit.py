"""The security audit log: who signed in (or failed to), whose role changed, which accounts
were added or removed, who was forgotten, what was exported or downloaded, and which tokens
were issued or revoked — each once, with who did it, when, from where and to whom.

Rows live in the app's database (``audit_events``), so every replica writes to one log; the
Admin tab lists them with filters and exports them as CSV. Never a password, a token or any
other secret: only names, the event and a short description. Rows older than
``COACH_AUDIT_RETENTION_DAYS`` are deleted as new ones are written (at most once an hour per
process). Forgetting a person keeps the audit rows about them (an information-governance
record of what was done, including the forgetting itself).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from coach.db import Database, now, utc_now
from coach.db.schema import audit_events as EVENTS

log = logging.getLogger(__name__)

SIGN_IN, SIGN_IN_FAILED = "sign-in", "sign-in-failed"
ROLE_CHANGED, USER_ADDED, USER_REMOVED = "role-changed", "user-added", "user-removed"
PASSWORD_CHANGED, FORGOTTEN = "password-changed", "forgotten"
EXPORT, DOWNLOAD = "export", "download"
TOKEN_ISSUED, TOKEN_REVOKED = "token-issued", "token-revoked"
SETTING_CHANGED = "setting-changed"
EVENTS_KNOWN = (SIGN_IN, SIGN_IN_FAILED, ROLE_CHANGED, USER_ADDED, USER_REMOVED,
                PASSWORD_CHANGED, FORGOTTEN, EXPORT, DOWNLOAD, TOKEN_ISSUED, TOKEN_REVOKED,
                SETTING_CHANGED)
PURGE_EVERY_S = 3600.0
HEADERS = ["When (UTC)", "Event", "Who", "About", "From", "How", "What"]


@dataclass(frozen=True)
class Event:
    at: str
    event: str
    actor: str  # who did it
    subject: str = ""  # whom it concerns, when someone else ("" for the actor themselves)
    peer: str = ""  # the address it came from, when known
    how: str = ""  # password, proxy, cli, web, mcp
    detail: str = ""


class AuditLog:
    """The audit rows in the app's database; safe across threads and replicas."""

    def __init__(self, db: Database, retention_days: int | None = None):
        self.db = db
        self.retention_days = retention_days
        self._purged = 0.0
        self._lock = threading.Lock()

    def record(self, event: str, actor: str, *, subject: str = "", peer: str = "",
               how: str = "", detail: str = "") -> None:
        """Write one event. A failure to write is logged, never raised: an audit row must not
        stop a person signing in or exporting."""
        try:
            with self.db.begin() as conn:
                conn.execute(EVENTS.insert().values(
                    at=now(), event=event, actor=actor[:100], subject=subject[:100],
                    peer=peer[:64], how=how[:16], detail=detail[:500]))
            self._purge_now_and_then()
        except Exception:
            log.exception("could not write the audit event %s by %s", event, actor)

    def events(self, *, event: str = "", user: str = "", days: int = 0,
               limit: int = 1000) -> list[Event]:
        """The latest events, newest first: of one kind, by or about one user, in the last
        ``days`` (0: all kept)."""
        c = EVENTS.c
        query = sa.select(c.at, c.event, c.actor, c.subject, c.peer, c.how, c.detail)
        if event:
            query = query.where(c.event == event)
        if user:
            query = query.where(sa.or_(c.actor == user, c.subject == user))
        if days:
            query = query.where(c.at >= (utc_now() - dt.timedelta(days=days)).isoformat(
                timespec="seconds"))
        with self.db.connect() as conn:
            rows = conn.execute(query.order_by(c.id.desc()).limit(limit)).all()
        return [Event(*(str(v or "") for v in row)) for row in rows]

    def purge(self) -> int:
        """Delete events older than the retention period (none given, or 0: keep all); how
        many went."""
        if not self.retention_days:
            return 0
        cutoff = (utc_now() - dt.timedelta(days=self.retention_days)).isoformat(
            timespec="seconds")
        with self.db.begin() as conn:
            return int(conn.execute(EVENTS.delete().where(EVENTS.c.at < cutoff)).rowcount)

    def _purge_now_and_then(self) -> None:
        if not self.retention_days:
            return
        with self._lock:
            if time.monotonic() - self._purged < PURGE_EVERY_S and self._purged:
                return
            self._purged = time.monotonic()
        self.purge()


def rows(events: list[Event]) -> list[list[str]]:
    """Table rows (HEADERS) for the Admin tab."""
    return [[e.at.replace("T", " ")[:19], e.event, e.actor, e.subject, e.peer, e.how,
             e.detail] for e in events]


def as_csv(events: list[Event]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows(events))
    return out.getvalue()


def operator() -> str:
    """Who ran a command, for the audit log: ``cli:`` and the operating-system user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "cli"
