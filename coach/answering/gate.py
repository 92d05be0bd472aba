"""The relevance gate (pure): decides, before any answerer runs, whether to refuse.

Two reasons to refuse: the question asks for clinical advice (medicines, doses, diagnosis,
treatment), which this coach never gives; or nothing retrieved is close enough to the question
for an answer to be grounded in the guidance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach.answering.clinical import is_clinical  # importable from here too
from coach.ports import Vectors
from coach.text import content_words
from coach.tuning import COVERAGE_WEIGHT, MIN_FOLLOW_UP_COVERAGE
from coach.types import Passage


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


def relevance_score(best_similarity: float, coverage: float) -> float:
    """The gate's evidence score: dense similarity plus a share for lexical coverage."""
    return best_similarity + COVERAGE_WEIGHT * coverage




def decide(question: str, passages: Sequence[Passage], *, min_relevance: float,
           idf: Callable[[str], float] | None = None,
           correct: Callable[[str], str] | None = None,
           follow_up: str | None = None, vector: Vectors | None = None) -> GateDecision:
    """Refuse clinical questions always; refuse others when the evidence is weak.

    Evidence is weak when the best passage's cosine similarity to the question, plus
    0.35 × the IDF-weighted share of the question's words found in the top passages, is
    under ``min_relevance``: a loosely related passage must not be passed off as an answer.
    ``question`` is the standalone query; when it was rewritten from a follow-up, pass the
    words the person typed as ``follow_up``: under 30% of those found is weak evidence too,
    since the topic carried from earlier turns would otherwise vouch for any new question.
    ``vector`` is the bundled embedder's vector for ``question`` when the caller has it
    (the clinical check embeds the question itself otherwise).
    """
    if is_clinical(question, vector):
        return GateDecision(True, "clinical", 0.0, 0.0)
    best = max((p.dense_score or p.score for p in passages), default=0.0)
    texts = [f"{p.title} {p.heading} {p.text}" for p in passages[:5]]
    coverage = term_coverage(question, texts, idf, correct)
    if relevance_score(best, coverage) < min_relevance:
        return GateDecision(True, "out-of-scope", best, coverage)
    if follow_up and content_words(follow_up):
        own = term_coverage(follow_up, texts, idf, correct)
        if own < MIN_FOLLOW_UP_COVERAGE:
            return GateDecision(True, "out-of-scope", best, own)
    return GateDecision(False, "ok", best, coverage)
