"""Fitting and cross-validating the clinical check (pure numpy; see benchmarks/fit_clinical.py).

The labelled questions live in evals/clinical/questions.jsonl, each with a ``split``: "train"
rows (the dev split, read by ``coach.evals.splits.fit_rows``) are the only ones fitting sees;
"heldout" rows are scored once, by the finished model. Each option compared is scored
by nested, stratified k-fold cross-validation over questions: in every outer fold the model is
fitted on the other folds, and its refusal threshold is chosen there too, by an inner
cross-validation (just under the lowest out-of-fold score of a clinical question not already refused
by the rules), never on the
fold being scored.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from coach.answering import clinical
from coach.evals.splits import Row

L2 = 1.0  # ridge penalty on standardised features
FOLDS = 5
SEED = 7
DEFAULT_SPLIT = "train"  # the split of a row that names none


@dataclass(frozen=True)
class Question:
    text: str
    clinical: bool
    topic: str
    split: str


def questions(rows: Sequence[Row]) -> list[Question]:
    """Labelled rows (read by ``splits.fit_rows``, or ``held_out_rows`` when a finished model
    is scored) as questions; a row without a question or a true/false label is an error
    naming its line. ``split`` keeps the set's own word (``train`` or ``heldout``)."""
    out = []
    for row in rows:
        fields = row.fields
        if not isinstance(fields.get("clinical"), bool) or not str(
                fields.get("question", "")).strip():
            raise ValueError(f"{row.where}: each line needs a question and clinical: true|false")
        out.append(Question(fields["question"], fields["clinical"], fields.get("topic", ""),
                            fields.get("split", DEFAULT_SPLIT)))
    return out


@dataclass(frozen=True)
class Data:
    lexical: np.ndarray  # clinical.features(): term counts, patterns, rule score (last)
    vectors: np.ndarray  # the bundled embedder's unit vectors
    labels: np.ndarray  # bool, True = clinical

    def take(self, idx: np.ndarray) -> Data:
        return Data(self.lexical[idx], self.vectors[idx], self.labels[idx])

    @property
    def rules(self) -> np.ndarray:
        return self.lexical[:, -1] > 0


@dataclass(frozen=True)
class Option:
    name: str
    uses_vector: bool
    rule_feature: bool  # the rule score is an input
    rules_or: bool  # refuse when the rules fire, whatever the model says
    learnt: bool = True  # False: the rules alone, no model


OPTIONS = (
    Option("rules", uses_vector=False, rule_feature=True, rules_or=True, learnt=False),
    Option("classifier (vector + term counts)", uses_vector=True, rule_feature=False,
           rules_or=False),
    Option("rules or classifier", uses_vector=True, rule_feature=False, rules_or=True),
    Option("rules or classifier (rule score as input too)", uses_vector=True,
           rule_feature=True, rules_or=True),
    Option("rules or lexical classifier (no vector)", uses_vector=False, rule_feature=True,
           rules_or=True),
)


def design(option: Option, data: Data) -> np.ndarray:
    lexical = data.lexical.copy()
    if not option.rule_feature:
        lexical[:, -1] = 0.0
    return np.hstack([lexical, data.vectors]) if option.uses_vector else lexical


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-penalised logistic regression by Newton's method."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    weight = np.where(y, len(y) / (2 * y.sum()), len(y) / (2 * (~y).sum()))
    penalty = np.full(xb.shape[1], l2)
    penalty[-1] = 0.0
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (weight * (p - y)) + penalty * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1], float(w[-1])


@dataclass(frozen=True)
class Fitted:
    option: Option
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float = 0.0

    def scores(self, data: Data) -> np.ndarray:
        if not self.option.learnt:
            return np.asarray(data.lexical[:, -1])
        scaled: np.ndarray = (design(self.option, data) - self.mean) / self.scale
        return np.asarray(scaled @ self.weights + self.bias)

    def refuse(self, data: Data) -> np.ndarray:
        refused = self.scores(data) > self.threshold
        return refused | data.rules if self.option.rules_or else refused


def fit(option: Option, data: Data) -> Fitted:
    x = design(option, data)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    if not option.learnt:
        return Fitted(option, mean, scale, np.zeros(x.shape[1]), 0.0)
    weights, bias = fit_logistic((x - mean) / scale, data.labels)
    return Fitted(option, mean, scale, weights, bias)


def folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Stratified folds: each class shuffled with a fixed seed, dealt round the k folds."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for cls in (True, False):
        idx = np.flatnonzero(labels == cls)
        rng.shuffle(idx)
        for n, i in enumerate(idx):
            out[n % k].append(int(i))
    return [np.array(sorted(f)) for f in out]


def out_of_fold(option: Option, data: Data, k: int, seed: int) -> np.ndarray:
    """Each question's score from a model fitted without its fold."""
    scores = np.zeros(len(data.labels))
    for test in folds(data.labels, k, seed):
        train = np.setdiff1d(np.arange(len(data.labels)), test)
        scores[test] = fit(option, data.take(train)).scores(data.take(test))
    return scores


def fit_with_threshold(option: Option, data: Data, k: int = FOLDS, seed: int = SEED) -> Fitted:
    """Fit on all of ``data``; threshold just under the lowest inner out-of-fold score of a
    clinical question that the rules, when they are OR-ed in, do not already refuse."""
    with one_thread():
        fitted = fit(option, data)
        if not option.learnt:
            return fitted
        scores = out_of_fold(option, data, k, seed + 1)
    must = data.labels & ~data.rules if option.rules_or else data.labels
    threshold = float(scores[must if must.any() else data.labels].min()) - 1e-6
    return Fitted(option, fitted.mean, fitted.scale, fitted.weights, fitted.bias, threshold)


@dataclass(frozen=True)
class Figures:
    """How a fitted check does on labelled questions (the clinical or the off-topic check:
    "refusable" is clinical for the one, off-topic for the other)."""

    recall: float  # share of refusable questions refused
    false_refusal: float  # share of ordinary questions refused
    missed: tuple[int, ...]  # indices of refusable questions not refused
    refused: tuple[int, ...]  # indices of ordinary questions refused

    def as_record(self) -> dict[str, float]:
        return {"recall": round(self.recall, 4), "false_refusal": round(self.false_refusal, 4)}


def figures(labels: np.ndarray, refused: np.ndarray) -> Figures:
    return Figures(
        recall=float(refused[labels].mean()), false_refusal=float(refused[~labels].mean()),
        missed=tuple(np.flatnonzero(labels & ~refused).tolist()),
        refused=tuple(np.flatnonzero(~labels & refused).tolist()),
    )


def nested_cv(option: Option, data: Data, k: int = FOLDS, seed: int = SEED) -> Figures:
    refused = np.zeros(len(data.labels), dtype=bool)
    with one_thread():
        for test in folds(data.labels, k, seed):
            train = np.setdiff1d(np.arange(len(data.labels)), test)
            refused[test] = fit_with_threshold(option, data.take(train), k, seed).refuse(
                data.take(test))
    return figures(data.labels, refused)


@contextmanager
def one_thread() -> Iterator[None]:
    """Small matrix sums on one BLAS thread: threads fighting over a shared machine's cores
    make each Newton step 30 times slower (threadpoolctl comes with scikit-learn)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - slower, same result
        yield
        return
    with threadpool_limits(limits=1):
        yield


def to_json(fitted: Fitted) -> dict[str, Any]:
    """The shipped model in the form coach.answering.clinical.model_from reads."""
    return {
        "option": fitted.option.name, "uses_vector": fitted.option.uses_vector,
        "rules_or": fitted.option.rules_or, "features": [*clinical.FEATURES, "rule_score"],
        "mean": _round(fitted.mean), "scale": _round(fitted.scale),
        "weights": _round(fitted.weights), "bias": round(fitted.bias, 6),
        "threshold": round(fitted.threshold, 6),
    }


def _round(values: Sequence[float] | np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
