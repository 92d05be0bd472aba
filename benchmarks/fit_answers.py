"""Learn the extractive answerer's sentence scorer from the dev suite, with cross-validation.

For every answerable dev case the question goes through the real pipeline up to the answer
(validate, condense, retrieve, gate), and every quotable sentence of the retrieved passages
becomes a candidate with the features of coach/answering/ranking.py. A candidate is labelled
useful when it (with the list it introduces) covers one of the case's key points or holds one
of its must-include terms. A logistic regression learns the feature weights; the selection
settings (margin, caps, how many candidates are embedded) are chosen by the answers they give.

Everything is cross-validated over cases (5 folds): each fold's answers are written by a scorer
and selection settings fitted on the other four folds only, and judged by the suite's own
metrics (must_include, key-point recall) after the same "does it answer the question?" check
the product runs. The in-sample figure (fitted and judged on all cases) is printed beside it.
The weights fitted on all cases are written to coach/answering/sentence_weights.json.
    .venv/bin/python benchmarks/fit_sentences.py [--suite evals/dev/suite.yaml] [--dry-run]
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_retrieval import answerable_cases, indexed_knowledge  # noqa: E402

from coach.answering.answered import plain_answer, unanswered  # noqa: E402
from coach.answering.extractive import (  # noqa: E402
    Candidate,
    candidates,
    choose,
    compose,
    prefilter,
    rescore,
)
from coach.answering.ranking import FEATURES, WEIGHTS_FILE, Weights  # noqa: E402
from coach.answering.shape import Shape, question_shape  # noqa: E402
from coach.evals.metrics import (  # noqa: E402
    key_point_covered,
    key_point_recall,
    must_include,
    pattern_found,  # noqa: E402
)

FOLDS = 5
SEED = 7
# the selection settings tried; the caps keep replies short enough to read
GRID = {
    "margin": (1.0, 1.5, 2.0, 2.5, 3.0, 4.0),
    "max_sentences": (3, 4, 5, 6),
    "max_chars": (900, 1200, 1500),
    "list_max_sentences": (6, 8),
    "prefilter": (12, 24),
}
# per 1,000 characters of reply: a longer answer must buy its length in found key points
LENGTH_COST = 0.04


@dataclass
class CaseData:
    case: object
    question: str  # validated and redacted, as the gate saw it
    shape: Shape
    pool: list[Candidate]  # every candidate, with every feature (sim included)
    labels: np.ndarray
    passages: list
    share: object  # the lexical index's share(term), for the gate's check
    refused: bool


def collect(coach, cases) -> list[CaseData]:
    out = []
    for case in cases:
        turn = coach.prepare(case.question, case.history)
        if turn.refused:
            out.append(CaseData(case, turn.question, question_shape(turn.query), [],
                                np.zeros(0), [], None, True))
            continue
        pool = candidates(turn.query, turn.passages)
        vecs = coach.answerer.cache.vectors([c.text for c in pool]) if pool else np.zeros((0,))
        sims = vecs @ turn.found.query_vector if pool else []
        pool = [replace(c, feats={**c.feats, "sim": float(s)})
                for c, s in zip(pool, sims, strict=True)]
        exp = case.expect
        labels = np.array([
            float(any(key_point_covered(_quoted(c), p) for p in exp.key_points)
                  or any(pattern_found(_quoted(c), p) for p in exp.must_include))
            for c in pool])
        out.append(CaseData(case, turn.question, question_shape(turn.query), pool, labels,
                            turn.passages, turn.found.lexical.share, False))
    return out


def _quoted(c: Candidate) -> str:
    return " ".join((c.text, *c.items))


def fit(data: list[CaseData]) -> tuple[dict[str, float], float]:
    """Logistic regression over the pooled candidates of ``data`` (standardised, then mapped
    back so the weights apply to raw features)."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[c.feats.get(f, 0.0) for f in FEATURES] for d in data for c in d.pool])
    y = np.concatenate([d.labels for d in data])
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit((x - mu) / sd, y)
    w = model.coef_[0] / sd
    bias = float(model.intercept_[0] - (w * mu).sum())
    return {f: round(float(v), 5) for f, v in zip(FEATURES, w, strict=True)}, round(bias, 5)


def answer(d: CaseData, w: Weights) -> str:
    if d.refused or not d.pool:
        return ""
    scored = rescore(prefilter(d.pool, w), w)
    text, cites = compose(choose(scored, w, d.shape), d.passages)
    if unanswered(d.question, plain_answer(text), [c.text for c in cites], share=d.share):
        return ""
    return text


def measure(answered: list[tuple[CaseData, str]]) -> dict[str, float]:
    """The suite's must_include and key-point recall over (case, answer text) pairs."""
    exp = [(d.case.expect, t) for d, t in answered]
    mi = [v for e, t in exp if (v := must_include(t, e.must_include)) is not None]
    kp = [v for e, t in exp if (v := key_point_recall(t, e.key_points)) is not None]
    return {"must_include": float(np.mean(mi)), "key_point_recall": float(np.mean(kp)),
            "median_chars": float(np.median([len(t) for _, t in answered if t] or [0]))}


def judge(data: list[CaseData], w: Weights) -> dict[str, float]:
    return measure([(d, answer(d, w)) for d in data])


def objective(m: dict[str, float]) -> float:
    return m["must_include"] + m["key_point_recall"] - LENGTH_COST * m["median_chars"] / 1000


def best_selection(data: list[CaseData], weights: dict[str, float], bias: float) -> Weights:
    """The selection settings from GRID that give ``data`` the best answers."""
    keys = list(GRID)
    best, best_value = None, -1e9
    for values in itertools.product(*(GRID[k] for k in keys)):
        w = Weights(weights=weights, bias=bias, **dict(zip(keys, values, strict=True)))
        value = objective(judge(data, w))
        if value > best_value:
            best, best_value = w, value
    assert best is not None
    return best


def cross_validate(data: list[CaseData]) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(data))
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    answered: list[tuple[CaseData, str]] = []
    for k in range(FOLDS):
        train = [data[i] for j, f in enumerate(folds) if j != k for i in f]
        weights, bias = fit([d for d in train if d.pool])
        chosen = best_selection(train, weights, bias)
        # each held-out case is answered with the settings of its own fold
        answered.extend((data[i], answer(data[i], chosen)) for i in folds[k])
        print(f"  fold {k + 1}: margin {chosen.margin}, caps {chosen.max_sentences}/"
              f"{chosen.list_max_sentences} sentences, {chosen.max_chars} chars, "
              f"prefilter {chosen.prefilter}", flush=True)
    return measure(answered)


def main() -> int:
    dry = "--dry-run" in sys.argv
    if dry:
        sys.argv.remove("--dry-run")
    suite, _spec, cases = answerable_cases(__doc__.splitlines()[0])
    with indexed_knowledge() as coach:
        data = collect(coach, cases)
        before = coach.answerer.weights
    usable = [d for d in data if d.pool]
    positives = int(sum(d.labels.sum() for d in usable))
    print(f"{suite}: {len(data)} answerable cases ({len(data) - len(usable)} refused at the "
          f"gate), {sum(len(d.pool) for d in usable)} candidate sentences, {positives} useful")
    print("shipped weights before this fit:", _fmt(judge(data, before)))
    print(f"{FOLDS}-fold cross-validation over cases:")
    cv = cross_validate(data)
    print("cross-validated:", _fmt(cv))
    weights, bias = fit(usable)
    final = best_selection(data, weights, bias)
    insample = judge(data, final)
    print("in-sample (fitted and judged on all cases):", _fmt(insample))
    final = replace(final, meta={
        "fitted": date.today().isoformat(), "suite": str(Path(suite).relative_to(ROOT)),
        "cases": len(data), "folds": FOLDS, "cross_validated": _rounded(cv),
        "in_sample": _rounded(insample), "script": "benchmarks/fit_sentences.py"})
    print("weights:", json.dumps(final.weights))
    if not dry:
        out = ROOT / "coach" / "answering" / WEIGHTS_FILE
        out.write_text(json.dumps(final.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


def _rounded(m: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in m.items()}


def _fmt(m: dict[str, float]) -> str:
    return (f"must_include {m['must_include']:.3f}, key-point recall "
            f"{m['key_point_recall']:.3f}, median reply {m['median_chars']:.0f} chars")


if __name__ == "__main__":
    raise SystemExit(main())
