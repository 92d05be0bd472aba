"""Shared pieces for the coaching tests: the real knowledge folder, indexed once per session.

``indexed_home(tmp_path_factory, embedder)`` ingests the real ``knowledge/`` folder the first
time it is called and copies that data directory for each caller, so every test module gets
its own COACH_HOME (its own progress database) without paying for a second ingest.
"""

from __future__ import annotations

import shutil
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from conftest import settings_under

from coach.app import build_coach
from coach.coaching.journey import load_journey
from coach.config import Settings

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
_BASE: dict[str, Path] = {}


@cache
def journey() -> Any:
    """The shipped journey, read once (a frozen model: the tests share it)."""
    return load_journey(KNOWLEDGE / "journey.yaml")


def indexed_home(tmp_path_factory: Any, embedder: Any, name: str) -> Settings:
    """Settings whose home holds an index of the real knowledge folder (a private copy)."""
    if "home" not in _BASE:
        base = settings_under(tmp_path_factory.mktemp("coaching-index"), knowledge_dir=KNOWLEDGE)
        report = build_coach(base, embedder=embedder).ingest()
        assert report.chunks_total > 100
        _BASE["home"] = base.home
    root = tmp_path_factory.mktemp(name)
    shutil.copytree(_BASE["home"], root / "home")
    return settings_under(root, knowledge_dir=KNOWLEDGE)


def scores_list(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


class _Stepper(HTMLParser):
    """Reads the Coach tab's stepper (coach/ui/journey_render.py): each step's text parts."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[dict[str, Any]] = []
        self.sentence = ""
        self.label = ""
        self._part: list[str] = []  # the classes of the open spans

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav":
            self.label = found.get("aria-label") or ""
        if tag == "li":
            self.steps.append({"current": found.get("aria-current") == "step",
                               "class": found.get("class") or ""})
        if tag == "span":
            self._part.append(found.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._part:
            self._part.pop()

    def handle_data(self, data: str) -> None:
        part = self._part[-1] if self._part else ""
        if part == "sentence":
            self.sentence += data
        elif self.steps and part in ("title", "state", "ticks", "here"):
            self.steps[-1][part] = self.steps[-1].get(part, "") + data


def stepper(shown: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The stepper's (name, sentence, steps): each step's title, state, ticks, whether it is
    the current one (aria-current) and its "You are here" tag."""
    parser = _Stepper()
    parser.feed(shown)
    return parser.label, parser.sentence, parser.steps
