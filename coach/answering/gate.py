"""The relevance gate (pure): decides, before any answerer runs, whether to refuse.

Four reasons to refuse, checked in this order: the question asks for clinical advice
(medicines, doses, diagnosis, treatment), which this coach never gives; it is not about
quality improvement at all (pay, IT, rotas, news…: "off-topic"); it asks what a named document
the library does not hold says ("not-held"); or nothing retrieved is close enough to the
question for an answer to be grounded in the guidance ("out-of-scope").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from coach.answering import scope
from coach.answering.clinical import is_clinical  # importable from here too
from coach.ports import Vectors
from coach.text import content_words
from coach.tuning import COVERAGE_WEIGHT, MIN_FOLLOW_UP_COVERAGE
from coach.types import CLINICAL, OFF_TOPIC, OUT_OF_SCOPE, Passage

# how answering/condense.py marks a follow-up it rewrote by carrying the earlier topic
_CARRIED_TOPIC = "(following on from: "


@dataclass(frozen=True)
class GateDecision:
    refuse: bool
    reason: str  # "clinical" | "off-topic" | "not-held" | "out-of-scope" | "ok"
    best_similarity: float
    coverage: float
    # for "not-held": the document asked about, as the refusal names it
    document: str = ""
    # the off-topic check's verdict in one line, for the logs ("" when it did not run)
    scope: str = ""


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
           follow_up: str | None = None, vector: Vectors | None = None,
           library_titles: Sequence[str] | None = None,
           context: str | None = None) -> GateDecision:
    """Refuse clinical and off-topic questions always; refuse others when the evidence is weak.

    Evidence is weak when the best passage's cosine similarity to the question, plus
    0.35 × the IDF-weighted share of the question's words found in the top passages, is
    under ``min_relevance``: a loosely related passage must not be passed off as an answer.
    ``question`` is the standalone query; when it was rewritten from a follow-up, pass the
    words the person typed as ``follow_up``: under 30% of those found is weak evidence too,
    since the topic carried from earlier turns would otherwise vouch for any new question.
    ``vector`` is the bundled embedder's vector for ``question`` when the caller has it
    (the clinical and off-topic checks embed the question themselves otherwise).

    The off-topic check (answering/scope.py) runs on a question standing alone; a follow-up
    (``follow_up`` given, or a query condense carried a topic into) is judged by the
    follow-up rule above instead, since its own words lean on the conversation.
    ``context`` is the conversation's last question, read with a question the off-topic
    model refuses on its own words.
    ``library_titles`` is the titles and publishers of the documents in the index, so that a
    question about a named document the library does not hold is refused saying so
    (GateDecision.document names it); None stands for the shipped library.
    """
    if is_clinical(question, vector):
        return GateDecision(True, CLINICAL, 0.0, 0.0)
    best = max((p.dense_score or p.score for p in passages), default=0.0)
    texts = [f"{p.title} {p.heading} {p.text}" for p in passages[:5]]
    coverage = term_coverage(question, texts, idf, correct)
    evidence = relevance_score(best, coverage)
    verdict = None
    if follow_up is None and _CARRIED_TOPIC not in question:
        verdict = scope.assess(question, vector, library_titles)
        # strong evidence in the guidance outweighs the off-topic model (never the rule for
        # documents the library does not hold): "what is SEIPS?" has an answer; so does a
        # question whose words lean on the conversation's last question ("which factor
        # carries the most weight?")
        if verdict.reason == OFF_TOPIC and (
                evidence >= scope.evidence_override()
                or (context and not scope.assess(f"{context} {question}").off_topic)):
            verdict = replace(verdict, reason=scope.OK)
        if verdict.off_topic:
            return GateDecision(True, verdict.reason, best, coverage, verdict.document,
                                verdict.describe())
    described = verdict.describe() if verdict else ""
    if evidence < min_relevance:
        return GateDecision(True, OUT_OF_SCOPE, best, coverage, scope=described)
    if follow_up and content_words(follow_up):
        own = term_coverage(follow_up, texts, idf, correct)
        if own < MIN_FOLLOW_UP_COVERAGE:
            return GateDecision(True, OUT_OF_SCOPE, best, own, scope=described)
    return GateDecision(False, "ok", best, coverage, scope=described)
