"""Fit the off-topic check and compare the ways of building it, by nested cross-validation.

Reads the "fit" rows (the dev split) of evals/scope/questions.jsonl through
coach.evals.splits.fit_rows (ordinary QI questions, many mentioning pay, IT, rotas, targets or
other reports in an improvement sense, and off-topic questions staff type into a chat box),
embeds them with the bundled embedder, and for each option in coach.evals.scope_fit.OPTIONS
prints its nested stratified 5-fold cross-validated figures
(threshold chosen inside the folds). The option that meets the target (>= 98% of off-topic
questions refused, <= 2% of ordinary ones) with the fewest errors (or --ship NAME) is fitted
on every fit row and written to coach/answering/scope_weights.json with its figures.

Only then are the "held-out" rows read, by ``score_held_out``: the finished model, through the
shipped check, is scored on them once and the figures are printed and recorded. Nothing is
chosen on them.

    .venv/bin/python benchmarks/fit_scope.py [--ship NAME] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.answering import scope  # noqa: E402
from coach.evals.scope_fit import (  # noqa: E402
    OPTIONS,
    Data,
    Figures,
    Fitted,
    Option,
    Question,
    figures,
    fit_with_threshold,
    nested_cv,
    questions,
    to_json,
)
from coach.evals.splits import Row, fit_rows, held_out_rows  # noqa: E402
from coach.ports import Embedder  # noqa: E402

QUESTIONS = ROOT / "evals" / "scope" / "questions.jsonl"
WEIGHTS = ROOT / "coach" / "answering" / "scope_weights.json"
MIN_RECALL, MAX_FALSE_REFUSAL = 0.98, 0.02
log = logging.getLogger("fit_scope")


def bundled_embedder() -> Embedder:
    from coach.providers.embeddings import SentenceTransformerEmbeddings

    return SentenceTransformerEmbeddings()


def load_data(rows: list[Row], embedder: Embedder) -> tuple[list[Question], Data]:
    """The rows' questions with their features and vectors."""
    qs = questions(rows)
    texts = [q.text for q in qs]
    vectors = np.asarray(embedder.encode(texts), dtype=np.float64)
    lexical = np.array([scope.features(t) for t in texts], dtype=np.float64)
    labels = np.array([q.off_topic for q in qs])
    return qs, Data(lexical, vectors, labels)


def show(name: str, fig: Figures) -> str:
    return (f"{name:10s} off-topic refused {fig.recall:.3f} ({len(fig.missed)} missed)  "
            f"ordinary refused {fig.false_refusal:.3f} ({len(fig.refused)})")


def compare(qs: list[Question], data: Data, k: int,
            options: Sequence[Option] = OPTIONS) -> dict[str, Figures]:
    results: dict[str, Figures] = {}
    for option in options:
        cv = results[option.name] = nested_cv(option, data, k)
        print(f"\n== {option.name}\n  " + show("cv(fit)", cv))
        for i in cv.missed:
            print(f"    cv missed:  [{qs[i].topic}] {qs[i].text}")
        for i in cv.refused:
            print(f"    cv refused: [{qs[i].topic}] {qs[i].text}")
    return results


def choose(results: dict[str, Figures], name: str | None,
           options: Sequence[Option] = OPTIONS) -> Option:
    if name:
        return next(o for o in options if o.name == name)
    ok = [o for o in options if results[o.name].recall >= MIN_RECALL
          and results[o.name].false_refusal <= MAX_FALSE_REFUSAL]
    # fewest errors (each class as a share); ties go to the earlier option
    return min(ok or options, key=lambda o: (1 - results[o.name].recall)
               + results[o.name].false_refusal)


def fit_and_choose(path: Path, embedder: Embedder, ship: str | None = None, k: int = 5,
                   options: Sequence[Option] = OPTIONS) -> tuple[Fitted, dict[str, Figures]]:
    """Everything that decides the shipped model, from the fit rows alone: the held-out
    rows are dropped as the file is parsed, so they can change nothing here."""
    qs, data = load_data(fit_rows(path), embedder)
    n = int(data.labels.sum())
    print(f"fit split: {len(qs)} questions: {n} off-topic, {len(qs) - n} ordinary")
    results = compare(qs, data, k, options)
    option = choose(results, ship, options)
    return fit_with_threshold(option, data, k), results


def score_held_out(path: Path, embedder: Embedder) -> Figures:
    """The shipped check (scope.is_off_topic) on the held-out rows, scored once."""
    qs, data = load_data(held_out_rows(path), embedder)
    refused = np.array([scope.is_off_topic(q.text, v)
                        for q, v in zip(qs, data.vectors, strict=True)])
    fig = figures(data.labels, refused)
    print("\n" + show("held-out", fig) + f"  (n={len(qs)}, through the shipped check)")
    for i in fig.missed:
        print(f"    held-out missed:  [{qs[i].topic}] {qs[i].text}")
    for i in fig.refused:
        print(f"    held-out refused: [{qs[i].topic}] {qs[i].text}")
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ship", help="the option to ship (default: the best that meets "
                        "the target)", choices=[o.name for o in OPTIONS])
    parser.add_argument("--dry-run", action="store_true", help="compare only; write nothing "
                        "and leave the held-out rows unread")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    embedder = bundled_embedder()
    shipped, results = fit_and_choose(QUESTIONS, embedder, args.ship)
    print(f"\nshipping: {shipped.option.name} (threshold {shipped.threshold:.3f})")
    if args.dry_run:
        return
    record = to_json(shipped)
    record["cv"] = {"cv(fit)": results[shipped.option.name].as_record()}
    WEIGHTS.write_text(json.dumps(record) + "\n", encoding="utf-8")
    scope._model.cache_clear()
    record["cv"]["held-out"] = score_held_out(QUESTIONS, embedder).as_record()
    WEIGHTS.write_text(json.dumps(record) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
