"""One journey and one progress store per process, shared by every session opened from them.

The web app builds one ``JourneySessions`` (on its UI context) and opens each click's
``JourneySession`` from it, so journey.yaml is parsed once and the SQLite schema is checked
once, not on every click. Edits to journey.yaml take effect when the app restarts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from coach.coaching.journey import Journey, load_journey
from coach.coaching.session import JourneySession, journey_path, progress_store
from coach.coaching.store import ProgressStore
from coach.config import Settings

if TYPE_CHECKING:
    from coach.app import Coach


class JourneySessions:
    """Opens ``JourneySession``s over a journey loaded once and a store opened once."""

    def __init__(self, settings: Settings,
                 loader: Callable[[Path], Journey] = load_journey) -> None:
        self.settings = settings
        self._loader = loader
        self._lock = threading.Lock()
        self._journey: Journey | None = None
        self._store: ProgressStore | None = None
        self.journey_loads = 0  # times journey.yaml was read (1 once it has loaded)
        self.stores_opened = 0

    def journey(self) -> Journey:
        """The journey, parsed on first use; a JourneyError is raised again on the next call."""
        with self._lock:
            if self._journey is None:
                self.journey_loads += 1
                self._journey = self._loader(journey_path(self.settings))
            return self._journey

    def store(self) -> ProgressStore:
        with self._lock:
            if self._store is None:
                self.stores_opened += 1
                self._store = progress_store(self.settings)
            return self._store

    def open(self, user: str, coach: Coach | None = None) -> JourneySession:
        """A session for ``user`` (validated) over the shared journey and store."""
        return JourneySession(self.journey(), self.store(), user, coach, self.settings.home)
