"""The off-topic check (pure apart from lazy loading): is a question about improvement at all?

Staff type all sorts into a chat box: their band 6 salary, a locked smartcard, who won the
football, the quickest train to London, what a King's Fund report recommends. None of that is
quality improvement, and answering it from the improvement guidance would pass a loosely
related passage off as an answer. Questions that only *mention* pay, IT, rotas or targets in
an improvement sense ("how do we use QI to cut agency spend?") are answered.

Built like the clinical check (clinical.py): term lists (scope_terms.json: pay, pensions,
leave, HR, IT, estates, rotas, canteen, news, weather, general knowledge, coding, travel,
personal, jokes, writing, admin, league tables; improvement words and framing) give counts,
and a logistic model over the counts and the question's sentence vector decides
(scope_weights.json, fitted by benchmarks/fit_scope.py on the fit split of
evals/scope/questions.jsonl, threshold chosen inside nested cross-validation). A question
that asks what a named document says is decided by rule first (named_documents.py): refused
as "not held" when the library does not hold it, let through when it does.

Nothing loads at import; the terms and weights load once per process on first use. Pass the
bundled embedder's vector that retrieval computed (``vector``), or the check embeds the
question itself.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from coach.answering import named_documents
from coach.ports import Vectors
from coach.types import NOT_HELD, OFF_TOPIC

TOPICS = ("pay", "pension", "leave", "hr", "it", "estates", "rota", "canteen", "news",
          "weather", "general", "coding", "travel", "personal", "fun", "writing", "admin",
          "league")
CATEGORIES = (*TOPICS, "document", "doc_ask", "qi", "improvement_framing", "first_person_ask",
              "chat")
FEATURES = (*CATEGORIES, "named_source", "topics", "no_qi_terms", "words", "document_rule")
CAP = 3  # counts are capped: five pay words are no more off-topic than three
OK = "ok"


@lru_cache(maxsize=1)
def _terms() -> dict[str, list[re.Pattern[str]]]:
    from coach.answering.clinical import _pattern

    data = json.loads(resources.files("coach.answering").joinpath("scope_terms.json")
                      .read_text(encoding="utf-8"))
    return {c: [re.compile(_pattern(t), re.IGNORECASE) for t in data[c]] for c in CATEGORIES}


def term_counts(question: str) -> dict[str, int]:
    """How many terms of each list the question uses (capped)."""
    text = question.replace("’", "'")
    return {c: min(CAP, sum(1 for p in pats if p.search(text))) for c, pats in _terms().items()}


@dataclass(frozen=True)
class DocumentRule:
    """What the named-document rule says: +1 refuse (asks about a document not held),
    -1 answer (names one the library holds), 0 no opinion."""

    value: int
    named: named_documents.Named | None
    level: int  # named_documents.HELD, PUBLISHER_HELD or NOT_HELD


def document_rule(question: str, library: Sequence[str] | None = None) -> DocumentRule:
    named = named_documents.named_document(question)
    if named is None:
        return DocumentRule(0, None, named_documents.HELD)
    level = named_documents.held(named, library)
    if level == named_documents.HELD:
        return DocumentRule(-1, named, level)
    if level == named_documents.NOT_HELD and named_documents.asks_about(question, named):
        return DocumentRule(1, named, level)
    return DocumentRule(0, named, level)


def features(question: str, library: Sequence[str] | None = None, *,
             counts: dict[str, int] | None = None, rule: DocumentRule | None = None
             ) -> np.ndarray:
    """The lexical part of the model's input: term counts, a few summaries and, last, the
    named-document rule's value (``counts`` and ``rule`` when the caller has them)."""
    counts = term_counts(question) if counts is None else counts
    rule = document_rule(question, library) if rule is None else rule
    values: list[float] = [counts[c] for c in CATEGORIES]
    values.append(int(rule.level != named_documents.HELD))
    values.append(min(2 * CAP, sum(counts[t] for t in TOPICS)))
    # nothing at all about improvement: no QI word and no "how do we…" framing
    values.append(int(not counts["qi"] and not counts["improvement_framing"]))
    values.append(math.log1p(len(question.split())))
    values.append(rule.value)
    return np.asarray(values, dtype=np.float32)


@dataclass(frozen=True)
class Model:
    """A logistic model over [lexical features, sentence vector], standardised; the
    named-document rule, when it has an opinion, overrides it (``rule_first``)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    uses_vector: bool
    uses_counts: bool
    rule_first: bool

    def score(self, lexical: np.ndarray, vector: np.ndarray | None) -> float:
        x = lexical if self.uses_counts else np.zeros(0, dtype=np.float32)
        if self.uses_vector:
            assert vector is not None
            x = np.concatenate([x, np.asarray(vector, dtype=np.float32).ravel()])
        return float(((x - self.mean) / self.scale) @ self.weights + self.bias)


def model_from(data: dict[str, Any]) -> Model:
    return Model(
        mean=np.asarray(data["mean"], dtype=np.float32),
        scale=np.asarray(data["scale"], dtype=np.float32),
        weights=np.asarray(data["weights"], dtype=np.float32),
        bias=float(data["bias"]), threshold=float(data["threshold"]),
        uses_vector=bool(data["uses_vector"]), uses_counts=bool(data["uses_counts"]),
        rule_first=bool(data["rule_first"]),
    )


@lru_cache(maxsize=1)
def _model() -> Model:
    text = resources.files("coach.answering").joinpath("scope_weights.json").read_text(
        encoding="utf-8")
    return model_from(json.loads(text))


@lru_cache(maxsize=1)
def evidence_override() -> float:
    """The relevance score (gate.relevance_score of the retrieved passages) at and above
    which the guidance's own evidence outweighs the off-topic model; chosen on the labelled
    set's fit split by benchmarks/fit_scope_evidence.py (scope_evidence.json)."""
    try:
        text = resources.files("coach.answering").joinpath("scope_evidence.json").read_text(
            encoding="utf-8")
    except FileNotFoundError:
        return math.inf
    return float(json.loads(text)["override"])


def _embed(question: str) -> np.ndarray:
    from coach.answering.clinical import _embed as embed  # one embedder for both checks

    return embed(question)


@dataclass(frozen=True)
class Verdict:
    """The check's decision with its reasons, for the gate and the logs."""

    reason: str  # OK, or types.OFF_TOPIC or types.NOT_HELD
    score: float  # the model's score minus its threshold (positive: off-topic)
    document: str = ""  # the named document, as a refusal shows it
    terms: dict[str, int] = field(default_factory=dict)  # the non-zero term counts

    @property
    def off_topic(self) -> bool:
        return self.reason != OK

    def describe(self) -> str:
        """One line for the logs: reason, score, document and the terms found."""
        found = ",".join(f"{k}={v}" for k, v in self.terms.items()) or "-"
        doc = f" document={self.document!r}" if self.document else ""
        return f"scope={self.reason} score={self.score:+.2f}{doc} terms={found}"


def assess(question: str, vector: Vectors | np.ndarray | None = None,
           library: Sequence[str] | None = None) -> Verdict:
    """Decide whether ``question`` is off-topic, and why.

    ``library`` is the titles and publishers of the documents the index holds (None: the
    shipped library: *The improvement journey*, the Health Foundation and the coaching
    guidance). A question asking what a document outside it says is NOT_HELD; one naming a
    document inside it is in scope; otherwise the model decides, and a named document in a
    question it refuses is reported too.
    """
    model = _model()
    rule = document_rule(question, library)
    counts = term_counts(question)
    terms = {k: v for k, v in counts.items() if v}
    named = rule.named.name if rule.named else ""
    if model.rule_first and rule.value > 0:
        return Verdict(NOT_HELD, math.inf, named, terms)
    if model.rule_first and rule.value < 0:
        return Verdict(OK, -math.inf, named, terms)
    if model.uses_vector and vector is None:
        vector = _embed(question)
    lexical = features(question, library, counts=counts, rule=rule)
    value = model.score(lexical, None if vector is None else np.asarray(vector)) - model.threshold
    if value <= 0:
        return Verdict(OK, value, "", terms)
    if rule.level != named_documents.HELD:
        return Verdict(NOT_HELD, value, named, terms)
    return Verdict(OFF_TOPIC, value, "", terms)


def score(question: str, vector: Vectors | np.ndarray | None = None,
          library: Sequence[str] | None = None) -> float:
    """The check's score minus its threshold: positive means off-topic (±inf when the
    named-document rule decided)."""
    return assess(question, vector, library).score


def is_off_topic(question: str, vector: Vectors | np.ndarray | None = None,
                 library: Sequence[str] | None = None) -> bool:
    """True when the question is not about quality improvement, or asks what a document
    the library does not hold says (never answered from the guidance)."""
    return assess(question, vector, library).off_topic
