"""Fitting and cross-validating the off-topic check (pure numpy; see benchmarks/fit_scope.py).

The labelled questions live in evals/scope/questions.jsonl, each with a ``split``: "fit" rows
(the dev split) are the only ones fitting ever sees (``coach.evals.splits.fit_rows`` drops
the others as it parses); "held-out" rows are scored once, by the finished model, to report
how it does on questions no choice was made on. Each option compared is scored by nested,
stratified k-fold cross-validation over the fit rows: in every outer fold the model is fitted
on the other folds, and its refusal threshold is chosen there too, from an inner
cross-validation (the one that misses the fewest off-topic questions and refuses the fewest
ordinary ones, each as a share), never on the fold being scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.answering import scope
from coach.evals.clinical_fit import Figures, figures, fit_logistic, folds, one_thread
from coach.evals.splits import Row

FOLDS = 5
SEED = 23


@dataclass(frozen=True)
class Question:
    text: str
    off_topic: bool
    topic: str
    split: str


def questions(rows: Sequence[Row]) -> list[Question]:
    """Labelled rows (read by ``splits.fit_rows``, or ``held_out_rows`` when the finished
    model is scored) as questions; a row without a question or a true/false label is an
    error naming its line. ``split`` keeps the set's own word (``fit`` or ``held-out``)."""
    out = []
    for row in rows:
        fields = row.fields
        if not isinstance(fields.get("off_topic"), bool) or not str(
                fields.get("question", "")).strip():
            raise ValueError(f"{row.where}: each line needs a question and off_topic: true|false")
        out.append(Question(fields["question"], fields["off_topic"], fields.get("topic", ""),
                            fields["split"]))
    return out


@dataclass(frozen=True)
class Data:
    lexical: np.ndarray  # scope.features(): term counts, summaries, document rule (last)
    vectors: np.ndarray  # the bundled embedder's unit vectors
    labels: np.ndarray  # bool, True = off-topic

    def take(self, idx: np.ndarray) -> Data:
        return Data(self.lexical[idx], self.vectors[idx], self.labels[idx])

    @property
    def rule(self) -> np.ndarray:
        return np.asarray(self.lexical[:, -1])


@dataclass(frozen=True)
class Option:
    name: str
    uses_vector: bool
    uses_counts: bool
    rule_first: bool  # the named-document rule decides when it has an opinion
    # the vector's standardised columns are shrunk by this factor: its 384 columns would
    # otherwise outweigh the two dozen counts (the same as a ridge penalty 1/w² as strong)
    vector_weight: float = 1.0


OPTIONS = (
    Option("classifier (vector + term counts)", uses_vector=True, uses_counts=True,
           rule_first=False),
    Option("document rule, then classifier (vector + term counts)", uses_vector=True,
           uses_counts=True, rule_first=True),
    Option("document rule, then classifier (vector x0.3 + term counts)", uses_vector=True,
           uses_counts=True, rule_first=True, vector_weight=0.3),
    Option("document rule, then classifier (vector x0.1 + term counts)", uses_vector=True,
           uses_counts=True, rule_first=True, vector_weight=0.1),
    Option("document rule, then classifier (vector x0.03 + term counts)", uses_vector=True,
           uses_counts=True, rule_first=True, vector_weight=0.03),
    Option("document rule, then lexical classifier (no vector)", uses_vector=False,
           uses_counts=True, rule_first=True),
    Option("document rule, then vector classifier (no term counts)", uses_vector=True,
           uses_counts=False, rule_first=True),
)


def design(option: Option, data: Data) -> np.ndarray:
    parts = [data.lexical] if option.uses_counts else []
    if option.uses_vector:
        parts.append(data.vectors)
    return np.hstack(parts)


@dataclass(frozen=True)
class Fitted:
    option: Option
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float = 0.0

    def scores(self, data: Data) -> np.ndarray:
        scaled: np.ndarray = (design(self.option, data) - self.mean) / self.scale
        return np.asarray(scaled @ self.weights + self.bias)

    def refuse(self, data: Data) -> np.ndarray:
        refused = self.scores(data) > self.threshold
        if self.option.rule_first:
            refused = np.where(data.rule > 0, True, np.where(data.rule < 0, False, refused))
        return np.asarray(refused, dtype=bool)


def fit(option: Option, data: Data) -> Fitted:
    x = design(option, data)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    if option.uses_vector:
        scale[-data.vectors.shape[1]:] /= option.vector_weight
    weights, bias = fit_logistic((x - mean) / scale, data.labels)
    return Fitted(option, mean, scale, weights, bias)


def out_of_fold(option: Option, data: Data, k: int, seed: int) -> np.ndarray:
    """Each question's score from a model fitted without its fold."""
    scores = np.zeros(len(data.labels))
    for test in folds(data.labels, k, seed):
        train = np.setdiff1d(np.arange(len(data.labels)), test)
        scores[test] = fit(option, data.take(train)).scores(data.take(test))
    return scores


def choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the fewest errors, each class's as a share of that class (missed
    off-topic questions plus refused ordinary ones); the middle of the best range."""
    cuts = np.unique(scores)
    candidates = np.concatenate([[cuts[0] - 1.0], (cuts[:-1] + cuts[1:]) / 2, [cuts[-1] + 1.0]])
    pos, neg = max(1, int(labels.sum())), max(1, int((~labels).sum()))
    cost = np.array([((scores <= t) & labels).sum() / pos + ((scores > t) & ~labels).sum() / neg
                     for t in candidates])
    best = np.flatnonzero(cost <= cost.min() + 1e-12)
    return float((candidates[best[0]] + candidates[best[-1]]) / 2)


def fit_with_threshold(option: Option, data: Data, k: int = FOLDS, seed: int = SEED) -> Fitted:
    """Fit on all of ``data``; the threshold from inner out-of-fold scores of the questions
    the named-document rule leaves to the model."""
    with one_thread():
        fitted = fit(option, data)
        scores = out_of_fold(option, data, k, seed + 1)
    left = data.rule == 0 if option.rule_first else np.ones(len(data.labels), dtype=bool)
    threshold = choose_threshold(scores[left], data.labels[left])
    return Fitted(option, fitted.mean, fitted.scale, fitted.weights, fitted.bias, threshold)


def nested_cv(option: Option, data: Data, k: int = FOLDS, seed: int = SEED) -> Figures:
    refused = np.zeros(len(data.labels), dtype=bool)
    with one_thread():
        for test in folds(data.labels, k, seed):
            train = np.setdiff1d(np.arange(len(data.labels)), test)
            refused[test] = fit_with_threshold(option, data.take(train), k, seed).refuse(
                data.take(test))
    return figures(data.labels, refused)


def to_json(fitted: Fitted) -> dict[str, Any]:
    """The shipped model in the form coach.answering.scope.model_from reads."""
    names = [*(scope.FEATURES if fitted.option.uses_counts else ()),
             *(["vector"] if fitted.option.uses_vector else [])]
    return {
        "option": fitted.option.name, "uses_vector": fitted.option.uses_vector,
        "uses_counts": fitted.option.uses_counts, "rule_first": fitted.option.rule_first,
        "features": names, "mean": _round(fitted.mean), "scale": _round(fitted.scale),
        "weights": _round(fitted.weights), "bias": round(fitted.bias, 6),
        "threshold": round(fitted.threshold, 6),
    }


def _round(values: Sequence[float] | np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
