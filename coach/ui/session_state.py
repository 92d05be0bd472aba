"""A new browser session's Gradio state without the whole app's configuration up front.

Gradio gives every new session a ``SessionState`` whose constructor works out the
configuration of every component of the app (``config_for_block``; 433 components here, about
30 ms of CPU, more under load). Gradio reads those configurations in one place only, the
deep-link route (``SessionState.components``), which this app does not offer; an event
updates the configurations of the components it touches by itself. Under load the cost
landed on each session's first question: 100 sessions arriving together (bench_load) waited
about 9.5 s at p95 for their first answer against 5.7 s for later ones.

``LazySessionState`` starts with no configurations and works out the ones still missing when
``components`` is read, from the session's current components, so what a deep link would
save is the same (tests/test_ui_session_state.py compares it with Gradio's own class).
``install`` makes Gradio's state holder create it; ``build_ui`` calls it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from copy import copy
from typing import TYPE_CHECKING, Any

import gradio.state_holder as state_holder

if TYPE_CHECKING:
    from gradio.blocks import Blocks

GradioSessionState = state_holder.SessionState


class LazySessionState(GradioSessionState):
    """Gradio's ``SessionState``, with each component's configuration worked out on first
    use rather than for every component when the session starts."""

    def __init__(self, blocks: Blocks):  # as Gradio's, less the configurations
        self.blocks_config = copy(blocks.default_config)
        self._config_ids = [k for k in self.blocks_config.blocks if k in blocks.blocks]
        self.config_values: dict[int, Any] = {}
        self.state_data: dict[int, Any] = {}
        self._state_ttl: dict[int, Any] = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600

    @property
    def components(self) -> Iterator[dict[str, Any]]:
        blocks = self.blocks_config.blocks
        for k in self._config_ids:
            if k not in self.config_values and k in blocks:
                self.config_values[k] = self.blocks_config.config_for_block(k, [], blocks[k])
        yield from super().components


def install() -> None:
    """Make Gradio's state holder create ``LazySessionState`` for new sessions."""
    state_holder.SessionState = LazySessionState  # type: ignore[misc]
