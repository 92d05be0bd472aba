"""What every tab of the web UI receives: the one Coach, the Settings, the coaching sessions
(journey and progress store, loaded once per app), the QI workbench's store (built on first
use, shared by the Projects tab and the Coach tab's project register), and who is asking.

Each tab lives in its own module with ``build(ctx: UIContext) -> None``, called inside a
``gr.Tab`` by ``coach.ui.app.build_ui``. Handlers take a ``gr.Request`` argument (Gradio fills
it in) and call ``ctx.user_of(request)`` to key per-user state (feedback, coaching progress).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.access.limits import SharedRateLimiter
from coach.coaching.session import JourneySessions, shared
from coach.config import Settings
from coach.db import LOCAL_USER
from coach.pipeline import Coach
from coach.ratelimit import RateLimiter

if TYPE_CHECKING:
    import gradio as gr

    from coach.workbench.store import WorkbenchStore


@dataclass(frozen=True)
class UIContext:
    coach: Coach
    settings: Settings
    # built once with the context: the Coach tab opens every click's session from it
    sessions: JourneySessions = field(init=False, repr=False, compare=False)
    # questions per user per minute (COACH_RATE_LIMIT_PER_MINUTE) and per day: counted in the
    # shared database when one is configured (replicas allow the limit once), else here
    limiter: RateLimiter | SharedRateLimiter = field(init=False, repr=False, compare=False)
    # the app's one workbench store, once built (``workbench``)
    _workbench: list[WorkbenchStore] = field(init=False, repr=False, compare=False,
                                             default_factory=list)
    _lock: threading.Lock = field(init=False, repr=False, compare=False,
                                  default_factory=threading.Lock)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", shared(self.settings))
        object.__setattr__(self, "limiter", limiter_for(self.settings))

    def workbench(self) -> WorkbenchStore:
        """The app's one QI workbench store (each user's projects), built when first asked
        for: the Projects tab and the Coach tab's project register share it."""
        from coach.db import open_database
        from coach.workbench.store import WorkbenchStore

        with self._lock:
            if not self._workbench:
                self._workbench.append(WorkbenchStore(open_database(self.settings)))
            return self._workbench[0]

    def user_of(self, request: gr.Request | None) -> str:
        """The signed-in user name, or ``local`` when sign-in is off (a single-user install)."""
        name = getattr(request, "username", None) if request is not None else None
        return str(name) if name else LOCAL_USER

    def audit(self, request: gr.Request | None, event: str, detail: str) -> None:
        """Record a security event (an export, a download) by whoever made ``request``."""
        from coach.access.audit import AuditLog
        from coach.db import open_database

        peer = getattr(getattr(request, "client", None), "host", "") or ""
        AuditLog(open_database(self.settings), self.settings.audit_retention_days).record(
            event, self.user_of(request), peer=str(peer), how="web", detail=detail)

    def auditor(self, event: str, detail: str) -> Callable[[gr.Request], None]:
        """An event handler that records ``event`` by whoever clicked (chained after an export
        succeeds)."""

        def record(request: gr.Request) -> None:
            self.audit(request, event, detail)

        record.__annotations__["request"] = _request_type()
        return record

    def asker_of(self, request: gr.Request | None) -> str:
        """Who the rate limit counts: the signed-in user, else the browser session (with
        sign-in off every visitor is ``local``, and one must not use up the others' limit)."""
        name = getattr(request, "username", None) if request is not None else None
        if name:
            return f"user:{name}"
        session = getattr(request, "session_hash", None) if request is not None else None
        return f"session:{session}" if session else LOCAL_USER

    def admit(self, question: str, request: gr.Request | None) -> str:
        """The question as it will be asked, counted against the asker's rate limit; a
        BadInputError for an unusable question (not counted) or RateLimitedError past it."""
        clean = self.coach.validate_question(question)
        self.limiter.acquire(self.asker_of(request))
        return clean


def limiter_for(settings: Settings) -> RateLimiter | SharedRateLimiter:
    """The question limit: counted in the database when replicas share one
    (COACH_DATABASE_URL) or a daily quota is set, else in this process."""
    if settings.database_url or settings.rate_limit_per_day:
        from coach.db import open_database

        return SharedRateLimiter(open_database(settings), settings.rate_limit_per_minute,
                                 settings.rate_limit_per_day)
    return RateLimiter(settings.rate_limit_per_minute)


def _request_type() -> type:
    """gr.Request, imported when a handler is built (Gradio reads the annotation)."""
    import gradio as gr

    return gr.Request
