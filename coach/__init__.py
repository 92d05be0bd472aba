"""Improvement Coach: a retrieval-augmented coach for NHS quality-improvement leads.

    from coach import build_coach, load_settings
    coach = build_coach(load_settings())
    answer = coach.ask("What are the six steps of the improvement journey?")
"""

from coach.app import build_coach
from coach.config import Settings, load_settings
from coach.pipeline import Coach
from coach.types import Answer, Citation, Passage

__all__ = ["Answer", "Citation", "Coach", "Passage", "Settings", "build_coach", "load_settings"]
