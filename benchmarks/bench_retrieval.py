"""Retrieval quality on the dev suite: hit@k and MRR@k for dense-only, BM25-only and hybrid
retrieval over the answerable cases of evals/dev (follow-ups condensed first, as `ask` does).

The baseline is dense-only retrieval (what a plain vector store gives); the ratios show what
BM25 and fusion add. Indexes the shipped knowledge once into a temporary directory.
    .venv/bin/python benchmarks/bench_retrieval.py [--suite evals/dev/suite.yaml]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from coach.answering.condense import condense  # noqa: E402
from coach.app import build_coach  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.evals.cases import load_suite  # noqa: E402
from coach.evals.metrics import hit_at_k, mrr_at_k, relevance  # noqa: E402

MODES = ("dense", "lexical", "hybrid")


# heading-channel weights tried; the one reported is chosen by 5-fold cross-validation
HEADING_WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
FOLDS = 5


def per_case(coach, cases, k: int, mode: str) -> tuple[list[float], list[float], list[str]]:
    hits, rrs, misses = [], [], []
    for case in cases:
        query = condense(case.question, case.history)
        passages = coach.retriever.retrieve(query, k=k, mode=mode).passages
        rel = relevance([(p.source, p.text) for p in passages],
                        [(e.doc, e.quote) for e in case.expect.evidence])
        hits.append(hit_at_k(rel, k))
        rrs.append(mrr_at_k(rel, k))
        if not hits[-1]:
            misses.append(case.id)
    return hits, rrs, misses


def score(coach, cases, k: int, mode: str) -> tuple[float, float, list[str]]:
    hits, rrs, misses = per_case(coach, cases, k, mode)
    return sum(hits) / len(hits), sum(rrs) / len(rrs), misses


def heading_channel(coach, cases, k: int) -> None:
    """hit@k and MRR@k of hybrid retrieval with the heading channel at each weight, and the
    cross-validated figure of choosing the weight on the other folds."""
    base = coach.retriever.config
    table = {}
    for w in HEADING_WEIGHTS:
        coach.retriever.config = replace(base, heading_weight=w)
        hits, rrs, _ = per_case(coach, cases, k, "hybrid")
        table[w] = (np.array(hits), np.array(rrs))
        print(f"heading weight {w:.1f}: hit@k {np.mean(hits):.3f}  MRR@k {np.mean(rrs):.3f}")
    coach.retriever.config = base
    order = np.random.default_rng(7).permutation(len(cases))
    folds = [order[i::FOLDS] for i in range(FOLDS)]
    hit_cv, rr_cv, picked = np.zeros(len(cases)), np.zeros(len(cases)), []
    for f, test in enumerate(folds):
        train = np.concatenate([x for j, x in enumerate(folds) if j != f])
        best = max(HEADING_WEIGHTS, key=lambda w: table[w][0][train].mean()
                   + table[w][1][train].mean())
        picked.append(best)
        hit_cv[test], rr_cv[test] = table[best][0][test], table[best][1][test]
    print(f"cross-validated choice of weight ({FOLDS} folds, picked {picked}): "
          f"hit@k {hit_cv.mean():.3f}  MRR@k {rr_cv.mean():.3f}")


def answerable_cases(description: str) -> tuple[Path, Any, list[Any]]:
    """The ``--suite`` argument (default: the dev suite), its spec and its answerable cases."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--suite", type=Path, default=ROOT / "evals" / "dev" / "suite.yaml")
    path = parser.parse_args().suite
    spec, cases = load_suite(path)
    return path, spec, [c for c in cases if c.expect.answerable]


@contextmanager
def indexed_knowledge() -> Iterator[Any]:
    """A Coach with the shipped knowledge indexed into a temporary home."""
    with tempfile.TemporaryDirectory() as home:
        coach = build_coach(Settings(_env_file=None, home=Path(home),
                                     knowledge_dir=ROOT / "knowledge"))
        coach.ingest()
        yield coach


def main() -> int:
    suite, spec, answerable = answerable_cases(__doc__.splitlines()[0])
    with indexed_knowledge() as coach:
        results = {mode: score(coach, answerable, spec.k, mode) for mode in MODES}
        heading_channel(coach, answerable, spec.k)
    base_hit, base_mrr, _ = results["dense"]
    print(f"dev suite {suite}: {len(answerable)} answerable cases, k={spec.k}")
    print(f"{'mode':<9} {'hit@k':>7} {'MRR@k':>7} {'hit/dense':>10} {'MRR/dense':>10}  misses")
    for mode, (hit, mrr, misses) in results.items():
        print(f"{mode:<9} {hit:7.3f} {mrr:7.3f} {hit / base_hit:10.2f} {mrr / base_mrr:10.2f}  "
              f"{len(misses)}: {' '.join(misses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
