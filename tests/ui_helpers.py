"""Shared pieces for the web-UI tests: a tiny knowledge folder, a free port, a launched app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import markdown_doc
from servers import free_port  # noqa: F401  (re-exported for the UI tests)

GUIDE = {"publisher": "Improvement Coach (coaching guidance)", "year": 2026, "kind": "method"}

DOCS: dict[str, tuple[str, dict[str, Any]]] = {
    "methods/pdsa.md": (
        "# PDSA cycles\n\n"
        "## What is a PDSA cycle?\n\n"
        "Also asked:\n- what does PDSA stand for\n- how does plan do study act work\n\n"
        "A PDSA cycle is a small test of change that runs through four stages: Plan, Do, Study "
        "and Act. The team writes a prediction before the test and compares the results with "
        "it in the Study stage.\n\n"
        "Each PDSA cycle builds on the learning of the one before, starting with a very small "
        "test on one ward or with one person. A PDSA cycle that fails still teaches the team "
        "something about the change it tested.\n\n"
        "## How do PDSA cycles link into a ramp?\n\n"
        "Linked PDSA cycles form a ramp that moves from small tests to wider use once the team "
        "is confident the change works in different conditions.",
        {"title": "PDSA cycles", "section": "PDSA", **GUIDE},
    ),
    "methods/run-charts.md": (
        "# Run charts\n\n"
        "A run chart plots a measure over time with a median line, so a team can see whether a "
        "change has led to improvement. Six or more consecutive points above or below the "
        "median form a shift, which signals a non-random change in the process.",
        {"title": "Run charts", "section": "Measurement", **GUIDE},
    ),
    "report/board.md": (
        "# Board leadership\n\n"
        "Boards that lead improvement set a clear ambition, give time and money to build "
        "improvement skills, and ask for data on progress at every board meeting. Board members "
        "visit the teams doing improvement work and learn the methods themselves.",
        {"title": "Board leadership for improvement", "kind": "report-digest",
         "publisher": "The Health Foundation", "year": 2019, "section": "Part II"},
    ),
}


def write_kb(folder: Path) -> Path:
    for rel, (body, meta) in DOCS.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown_doc(body, **meta), encoding="utf-8")
    return folder


@contextmanager
def running_app(coach: Any, settings: Any) -> Iterator[str]:
    """Build and launch the real app on 127.0.0.1 (settings.port); yield its URL; close it."""
    from coach.ui.app import build_ui, launch

    demo = build_ui(coach, settings)
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


def chat_text(chat: list[dict[str, Any]]) -> list[str]:
    """The text of each chat message as gradio_client returns them."""
    out = []
    for message in chat:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        out.append(str(content))
    return out
