"""The extractive answerer's sentence scorer (pure): features of a candidate sentence and
the learnt weights that turn them into a score.

A candidate is a sentence of a retrieved passage (with the list it introduces). Its features
say how close it is to the question (embedding similarity, shared words, the passage's own
rank and similarity, the passage heading's words), where it sits (the first sentence of a
section states its answer), and whether it has the shape the question wants (see shape.py).
The weights are a logistic regression learnt by ``benchmarks/fit_answers.py`` from the dev
suite, with cross-validation over cases; they ship in ``sentence_weights.json`` beside this
module together with the selection settings and the figures the fit reported.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from coach.answering.shape import Shape, shape_features
from coach.text import content_words

# every feature but "sim" is known before a sentence vector is looked up; the cheap first
# cut ranks by those, and only the best candidates are compared with the question's vector
CHEAP_FEATURES = (
    "lexical", "passage_sim", "passage_rank", "passage_coverage", "report", "report_asked",
    "first", "position", "heading", "items", "length", "list_fit", "count_fit",
    "definition_fit", "who_fit", "when_fit", "figure_fit", "how_fit", "why_fit",
)
FEATURES = ("sim", *CHEAP_FEATURES)

WEIGHTS_FILE = "sentence_weights.json"


@dataclass(frozen=True)
class Weights:
    """A linear scorer over FEATURES and how the answerer selects with it."""

    weights: dict[str, float]
    bias: float = 0.0
    # keep sentences scoring within ``margin`` of the best (logit units)
    margin: float = 2.0
    max_sentences: int = 4
    max_chars: int = 900
    # a list question may go past the caps so that its list is whole
    list_max_sentences: int = 6
    prefilter: int = 12
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, feats: dict[str, float], names: tuple[str, ...] = FEATURES) -> float:
        return self.bias + sum(self.weights.get(n, 0.0) * feats.get(n, 0.0) for n in names)

    def vector(self, names: tuple[str, ...] = FEATURES) -> np.ndarray:
        return np.array([self.weights.get(n, 0.0) for n in names], dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "weights": self.weights, "bias": self.bias,
                "margin": self.margin, "max_sentences": self.max_sentences,
                "max_chars": self.max_chars, "list_max_sentences": self.list_max_sentences,
                "prefilter": self.prefilter, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Weights:
        unknown = set(data.get("weights", {})) - set(FEATURES)
        if unknown:
            raise ValueError(f"sentence weights name unknown features: {sorted(unknown)}")
        keys = ("bias", "margin", "max_sentences", "max_chars", "list_max_sentences",
                "prefilter", "meta")
        return cls(weights={k: float(v) for k, v in data["weights"].items()},
                   **{k: data[k] for k in keys if k in data})


@lru_cache(maxsize=4)
def load_weights(path: str | None = None) -> Weights:
    """The shipped weights (or those in ``path``), read once per process."""
    if path is None:
        text = resources.files("coach.answering").joinpath(WEIGHTS_FILE).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return Weights.from_json(json.loads(text))


REPORT_KINDS = frozenset({"report", "report-digest"})
_ASKS_REPORT = re.compile(r"\b(?:the\s+report|improvement\s+journey|health\s+foundation)\b",
                          re.IGNORECASE)


@dataclass(frozen=True)
class PassageContext:
    """What the features need to know of the passage a sentence comes from."""

    rank: int  # 0 for the best retrieved passage
    similarity: float  # its dense similarity to the question
    heading_words: frozenset[str]  # content words of its title and heading path
    coverage: float  # share of the question's content words the passage uses
    report: bool  # the passage is the report or a digest of it


def passage_context(question_words: set[str], rank: int, similarity: float, title: str,
                    heading: str, text: str, kind: str) -> PassageContext:
    words = content_words(f"{title} {heading} {text}")
    coverage = len(words & question_words) / len(question_words) if question_words else 0.0
    return PassageContext(rank, similarity, frozenset(content_words(f"{title} {heading}")),
                          coverage, kind in REPORT_KINDS)


def asks_about_report(question: str) -> bool:
    return bool(_ASKS_REPORT.search(question))


def cheap_features(question_words: set[str], shape: Shape, *, sentence: str,
                   items: tuple[str, ...], lexical: float, position: int,
                   passage: PassageContext, report_asked: bool) -> dict[str, float]:
    """Every feature but the sentence's similarity to the question."""
    head = passage.heading_words
    chars = len(sentence) + sum(len(i) for i in items)
    feats = {
        "lexical": lexical,
        "passage_sim": passage.similarity,
        "passage_rank": 1.0 / (1 + passage.rank),
        "passage_coverage": passage.coverage,
        "report": float(passage.report),
        "report_asked": float(passage.report and report_asked),
        "first": float(position == 0),
        "position": min(position, 10) / 10,
        "heading": len(head & question_words) / len(question_words) if question_words else 0.0,
        "items": float(bool(items)),
        "length": math.log1p(chars / 100),
    }
    feats.update(shape_features(shape, sentence, items))
    return feats
