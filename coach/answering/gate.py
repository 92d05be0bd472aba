"""The relevance gate (pure): decides, before any answerer runs, whether to refuse.

Two reasons to refuse: the question asks for clinical advice (medicines, doses, diagnosis,
treatment), which this coach never gives; or nothing retrieved is close enough to the question
for an answer to be grounded in the guidance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.text import content_words
from coach.types import Passage

_CLINICAL = re.compile(
    r"""
    \b(?:dose|doses|dosage|dosages|overdose|mcg|micrograms?|milligrams?)\b
    | \b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|mmol|units?)\b
    | \bprescri(?:be|bed|bing|ption|ptions)\b
    | \b(?:medicines?|medications?|drugs?|tablets?|antibiotics?|painkillers?)
          \s+(?:for|to\s+treat|to\s+give|should)\b
    | \bside[ -]effects?\b | \bcontraindicat\w* | \binteract(?:s|ions?)?\s+with\b
    | \b(?:diagnos(?:e|is|ing)|symptoms?\s+of|treatment\s+(?:for|of)|cure\s+for
          |therapy\s+for|first\s+aid)\b
    | \b(?:should|can|could|do|may)\s+(?:i|we|you)\s+(?:give|take|administer|stop\s+taking
          |prescribe|treat)\b
    | \bhow\s+(?:do|should|can)\s+(?:i|we|you)\s+(?:treat|manage|diagnose)\s+(?:a|an|my|the)?
          \s*(?:patient|child|baby|infection|pain|wound|fever|ulcer|condition)
    | \b(?:my|a|the|this)\s+patient'?s?\s+(?:has|have|is|with|needs?|symptoms?|condition)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


def is_clinical(question: str) -> bool:
    """True when the question asks for clinical advice (never answered)."""
    return bool(_CLINICAL.search(question))


@dataclass(frozen=True)
class GateDecision:
    refuse: bool
    reason: str  # "clinical" | "out-of-scope" | "ok"
    best_similarity: float
    coverage: float


def term_coverage(question: str, passages: Sequence[Passage]) -> float:
    """Share of the question's content words that appear in the retrieved passages."""
    words = content_words(question)
    if not words:
        return 0.0
    found: set[str] = set()
    for p in passages:
        found |= content_words(f"{p.title} {p.heading} {p.text}")
    return len(words & found) / len(words)


def decide(question: str, passages: Sequence[Passage], *, min_similarity: float,
           min_coverage: float = 0.34, strong_similarity: float = 0.5) -> GateDecision:
    """Refuse clinical questions always; refuse others when the evidence is weak.

    Evidence is weak when the best passage's cosine similarity is under ``min_similarity``,
    or when it is under ``strong_similarity`` and the passages share too few of the
    question's content words (a loosely related passage must not be passed off as an answer).
    """
    if is_clinical(question):
        return GateDecision(True, "clinical", 0.0, 0.0)
    best = max((p.dense_score or p.score for p in passages), default=0.0)
    coverage = term_coverage(question, passages[:3])
    if best < min_similarity or (best < strong_similarity and coverage < min_coverage):
        return GateDecision(True, "out-of-scope", best, coverage)
    return GateDecision(False, "ok", best, coverage)
