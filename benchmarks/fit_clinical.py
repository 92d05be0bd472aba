"""Fit the clinical check and compare the ways of building it, by nested cross-validation.

Reads the dev split (split=train) of evals/clinical/questions.jsonl (ordinary QI questions that
use clinical-sounding words, and questions that ask for clinical advice) through
coach.evals.splits.fit_rows, embeds them with the bundled embedder, and for each option in
coach.evals.clinical_fit.OPTIONS prints its nested stratified 5-fold cross-validated figures
over those rows (cv(dev); threshold picked inside folds).
Target: every clinical question refused (recall 1.0), at most 2% of ordinary ones refused.
The option that meets it with the fewest false refusals (or --ship NAME) is fitted on every
dev row and written to coach/answering/clinical_weights.json with its figures; its in-sample
figures, through the shipped check, are printed.

Only then are the held-out rows (split=heldout) read, by ``score_held_out``: the finished
model, through the shipped check, is scored on them once and the figures are printed and
recorded. Nothing is chosen on them; --dry-run leaves them unread.

    .venv/bin/python benchmarks/fit_clinical.py [--ship "rules + classifier"] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.answering import clinical  # noqa: E402
from coach.evals.clinical_fit import (  # noqa: E402
    DEFAULT_SPLIT,
    OPTIONS,
    Data,
    Figures,
    Option,
    Question,
    figures,
    fit_with_threshold,
    nested_cv,
    questions,
    to_json,
)
from coach.evals.splits import Row, fit_rows, held_out_rows  # noqa: E402
from coach.providers.embeddings import SentenceTransformerEmbeddings  # noqa: E402

QUESTIONS = ROOT / "evals" / "clinical" / "questions.jsonl"
WEIGHTS = ROOT / "coach" / "answering" / "clinical_weights.json"
MAX_FALSE_REFUSAL = 0.02
log = logging.getLogger("fit_clinical")


def load_data(rows: list[Row]) -> tuple[list[Question], Data]:
    """The rows' questions with their features and vectors."""
    qs = questions(rows)
    texts = [q.text for q in qs]
    vectors = np.asarray(SentenceTransformerEmbeddings().encode(texts), dtype=np.float64)
    lexical = np.array([clinical.features(t) for t in texts], dtype=np.float64)
    labels = np.array([q.clinical for q in qs])
    return qs, Data(lexical, vectors, labels)


def show(name: str, fig: Figures) -> str:
    return (f"{name:9s} recall {fig.recall:.3f} ({len(fig.missed)} missed)  "
            f"false refusals {fig.false_refusal:.3f} ({len(fig.refused)})")


def compare(qs: list[Question], data: Data) -> dict[str, dict[str, Figures]]:
    """Each option's nested cross-validated figures over the dev rows."""
    results: dict[str, dict[str, Figures]] = {}
    for option in OPTIONS:
        cv = nested_cv(option, data)
        results[option.name] = {"cv(dev)": cv}
        print(f"\n== {option.name}\n  " + show("cv(dev)", cv))
        for i in cv.missed:
            print(f"    cv missed:  {qs[i].text}")
        for i in cv.refused:
            print(f"    cv refused: {qs[i].text}")
    return results


def score_held_out(path: Path = QUESTIONS) -> Figures:
    """The shipped check (clinical.is_clinical) on the held-out rows, scored once, after the
    model is written."""
    qs, data = load_data(held_out_rows(path, default=DEFAULT_SPLIT))
    refused = np.array([clinical.is_clinical(q.text, v)
                        for q, v in zip(qs, data.vectors, strict=True)])
    fig = figures(data.labels, refused)
    print(show("held-out", fig) + f"  (n={len(qs)}, through the shipped check)")
    return fig


def choose(results: dict[str, dict[str, Figures]], name: str | None) -> Option:
    if name:
        return next(o for o in OPTIONS if o.name == name)
    ok = [o for o in OPTIONS if results[o.name]["cv(dev)"].recall == 1.0
          and results[o.name]["cv(dev)"].false_refusal <= MAX_FALSE_REFUSAL]
    # none meets it: recall first. Otherwise fewest false refusals; ties go to the earlier
    # (simpler) option
    return min(ok or OPTIONS, key=lambda o: (-results[o.name]["cv(dev)"].recall,
                                             results[o.name]["cv(dev)"].false_refusal))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ship", help="the option to ship (default: the best that meets "
                        "the target)", choices=[o.name for o in OPTIONS])
    parser.add_argument("--dry-run", action="store_true", help="compare only; write nothing "
                        "and leave the held-out rows unread")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    qs, data = load_data(fit_rows(QUESTIONS, default=DEFAULT_SPLIT))
    n = int(data.labels.sum())
    print(f"dev split: {len(qs)} questions: {n} clinical, {len(qs) - n} ordinary")
    results = compare(qs, data)
    option = choose(results, args.ship)
    shipped = fit_with_threshold(option, data)
    record = to_json(shipped)
    record["cv"] = {key: fig.as_record() for key, fig in results[option.name].items()}
    print(f"\nshipping: {option.name}")
    if args.dry_run:
        return
    WEIGHTS.write_text(json.dumps(record) + "\n", encoding="utf-8")
    clinical._model.cache_clear()
    refused = np.array([clinical.is_clinical(q.text, v) for q, v in zip(qs, data.vectors,
                                                                         strict=True)])
    print(show("in-sample", figures(data.labels, refused)) + "  (through the shipped check)")
    record["cv"]["held-out"] = score_held_out().as_record()
    WEIGHTS.write_text(json.dumps(record) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)}")

if __name__ == "__main__":
    main()
