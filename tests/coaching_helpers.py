"""Shared pieces for the coaching tests: the real knowledge folder, indexed once per session.

``indexed_home(tmp_path_factory, embedder)`` ingests the real ``knowledge/`` folder the first
time it is called and copies that data directory for each caller, so every test module gets
its own COACH_HOME (its own progress database) without paying for a second ingest.
"""

from __future__ import annotations

import shutil
from functools import cache
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
