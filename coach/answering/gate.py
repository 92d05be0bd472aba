"""The relevance gate (pure): decides, before any answerer runs, whether to refuse.

Two reasons to refuse: the question asks for clinical advice (medicines, doses, diagnosis,
treatment), which this coach never gives; or nothing retrieved is close enough to the question
for an answer to be grounded in the guidance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach.text import content_words
from coach.types import Passage

_CLINICAL = re.compile(
    r"""
    \b(?:dose|doses|dosage|dosages|overdose|mcg|micrograms?|milligrams?)\b
          (?!\s+(?:it|this|that|they|we|you|the\s+report)\b)
    | \b\d+(?:\.\d+)?\s?(?:mg|mcg|ml|mmol|units?)\b
    | \bprescri(?:be|bed|bing|ption|ptions)\b
    | \b(?:medicines?|medications?|drugs?|tablets?|antibiotics?|painkillers?)
          \s+(?:for|to\s+treat|to\s+give|should)\b
    | \bside[ -]effects?\b | \bcontraindicat\w* | \binteract(?:s|ions?)?\s+with\b
    | \b(?:diagnos(?:e|is|ing)|symptoms?\s+of|treatment\s+(?:for|of)|cure\s+for
          |therapy\s+for|first\s+aid)\b
    | \b(?:should|can|could|do|may)\s+(?:i|we|you)\s+(?:give|take|administer|stop\s+taking
          |prescribe|treat)\b(?!\s+(?:to|it\s+to|this\s+to|that\s+to|forward|part)\b)
    | \b(?:dress|clean|bandage|stitch|suture)\s+(?:a|an|the|my|this)?\s*(?:grade\s+\d\s+)?
          (?:pressure\s+|leg\s+|venous\s+|surgical\s+)?
          (?:wound|ulcer|cut|burn|graze|sore)
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


def term_coverage(question: str, texts: Sequence[str],
                  idf: Callable[[str], float] | None = None,
                  correct: Callable[[str], str] | None = None) -> float:
    """IDF-weighted share of the question's content words found in the passages.

    Misspelt words are first mapped to the corpus word they most likely mean; words the
    corpus has never seen weigh as much as its rarest word, so a question about something
    absent from the guidance ("warfarin", "payslip") scores low even when its other words
    are common ones.
    """
    fix = correct or (lambda w: w)
    words = {fix(w) for w in content_words(question)}
    if not words:
        return 0.0
    found: set[str] = set()
    for text in texts:
        found |= content_words(text)
    weight = idf or (lambda _w: 1.0)
    weights = {w: weight(w) for w in words}
    total = sum(weights.values())
    return sum(v for w, v in weights.items() if w in found) / total if total else 0.0


_QUANTITY = re.compile(
    r"^\s*(?:how\s+many|how\s+much\s+(?:money|funding|budget|did|does|do|was|is)"
    r"|what\s+(?:year|date|percentage|proportion|budget|amount|number)|when\s+(?:was|were))\b",
    re.IGNORECASE)


def expects_figure(question: str) -> bool:
    """A question that asks for a number, amount or date ("How many…", "What year…")."""
    return bool(_QUANTITY.search(question))


def relevance_score(best_similarity: float, coverage: float) -> float:
    """The gate's evidence score: dense similarity plus a share for lexical coverage."""
    return best_similarity + COVERAGE_WEIGHT * coverage


COVERAGE_WEIGHT = 0.35


def decide(question: str, passages: Sequence[Passage], *, min_relevance: float,
           idf: Callable[[str], float] | None = None,
           correct: Callable[[str], str] | None = None) -> GateDecision:
    """Refuse clinical questions always; refuse others when the evidence is weak.

    Evidence is weak when the best passage's cosine similarity to the question, plus
    0.35 × the IDF-weighted share of the question's words found in the top passages, is
    under ``min_relevance``: a loosely related passage must not be passed off as an answer.
    """
    if is_clinical(question):
        return GateDecision(True, "clinical", 0.0, 0.0)
    best = max((p.dense_score or p.score for p in passages), default=0.0)
    coverage = term_coverage(
        question, [f"{p.title} {p.heading} {p.text}" for p in passages[:5]], idf, correct
    )
    if relevance_score(best, coverage) < min_relevance:
        return GateDecision(True, "out-of-scope", best, coverage)
    return GateDecision(False, "ok", best, coverage)
