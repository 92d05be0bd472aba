"""What every tab of the web UI receives: the one Coach, the Settings, the coaching sessions
(journey and progress store, loaded once per app), and who is asking.

Each tab lives in its own module with ``build(ctx: UIContext) -> None``, called inside a
``gr.Tab`` by ``coach.ui.app.build_ui``. Handlers take a ``gr.Request`` argument (Gradio fills
it in) and call ``ctx.user_of(request)`` to key per-user state (feedback, coaching progress).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.app import Coach
from coach.coaching.sessions import JourneySessions
from coach.config import Settings

if TYPE_CHECKING:
    import gradio as gr

LOCAL_USER = "local"


@dataclass(frozen=True)
class UIContext:
    coach: Coach
    settings: Settings
    # built once with the context: the Coach tab opens every click's session from it
    sessions: JourneySessions = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", JourneySessions(self.settings))

    def user_of(self, request: gr.Request | None) -> str:
        """The signed-in user name, or ``local`` when sign-in is off (a single-user install)."""
        name = getattr(request, "username", None) if request is not None else None
        return str(name) if name else LOCAL_USER
