"""A new session's Gradio state (coach/ui/session_state.py): no component configuration is
worked out when the session starts, and what Gradio reads of them is what its own class gives."""

from __future__ import annotations

import json

from conftest import settings_under
from gradio.state_holder import StateHolder

from coach.ui.app import build_ui
from coach.ui.session_state import GradioSessionState, LazySessionState


def _by_id(components) -> dict[int, str]:
    return {c["id"]: json.dumps(c, sort_keys=True, default=str) for c in components}


def test_a_new_session_starts_without_configurations_and_reads_the_same(make_coach, tmp_path):
    settings = settings_under(tmp_path)
    demo = build_ui(make_coach(settings=settings), settings)
    holder = StateHolder()
    holder.set_blocks(demo)
    state = holder["a-new-session"]  # as Gradio's queue gets it for a session's first event
    assert isinstance(state, LazySessionState)
    assert state.config_values == {}  # nothing worked out up front
    chat = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "chat")
    state[chat._id] = chat  # an event touching a component, as Gradio's postprocess does
    state._update_value_in_config(chat._id, [{"role": "user", "content": "hello"}])
    assert set(state.config_values) == {chat._id}

    gradio_own = GradioSessionState(demo)
    gradio_own[chat._id] = chat
    gradio_own._update_value_in_config(chat._id, [{"role": "user", "content": "hello"}])
    assert _by_id(state.components) == _by_id(gradio_own.components)  # a deep link's view
    assert len(_by_id(state.components)) > 100
