"""The web app's Gradio queue, as ``build_ui`` sets it up for a busy server."""

from __future__ import annotations

import os

import pytest
from conftest import settings_under

from coach.ui.app import GRADIO_QUEUE_ENV, build_ui


def test_the_queue_does_not_rebuild_a_monitoring_summary_after_every_event(
        make_coach, tmp_path, monkeypatch):
    """Gradio's default rebuilds its monitoring summary with pandas after every event, over
    up to 10,000 of them (6 ms an event once full); the app serves no monitoring page."""
    for name in GRADIO_QUEUE_ENV:
        monkeypatch.delenv(name, raising=False)
    settings = settings_under(tmp_path)
    queue = build_ui(make_coach(settings=settings), settings)._queue
    assert queue.ANAYLTICS_CACHE_FREQUENCY >= 100_000  # Gradio's spelling
    assert queue.ANALYTICS_MAX_EVENTS <= 1000
    # an operator's own value wins
    monkeypatch.setenv("GRADIO_ANALYTICS_MAX_EVENTS", "50")
    assert build_ui(make_coach(settings=settings), settings)._queue.ANALYTICS_MAX_EVENTS == 50


@pytest.fixture(autouse=True)
def _restore_environment():
    """``build_ui`` sets its defaults in the process environment: leave it as it was."""
    before = {name: os.environ.get(name) for name in GRADIO_QUEUE_ENV}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
