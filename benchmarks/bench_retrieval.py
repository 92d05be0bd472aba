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
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.answering.condense import condense  # noqa: E402
from coach.app import build_coach  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.evals.cases import load_suite  # noqa: E402
from coach.evals.metrics import hit_at_k, mrr_at_k, relevance  # noqa: E402

MODES = ("dense", "lexical", "hybrid")


def per_case(coach, cases, k: int, mode: str) -> tuple[list[float], list[float], list[str]]:
    hits, rrs, misses = [], [], []
    for case in cases:
        query = condense(case.question, case.history)
        passages = coach._retriever.retrieve(query, k=k, mode=mode).passages
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
    base_hit, base_mrr, _ = results["dense"]
    print(f"dev suite {suite}: {len(answerable)} answerable cases, k={spec.k}")
    print(f"{'mode':<9} {'hit@k':>7} {'MRR@k':>7} {'hit/dense':>10} {'MRR/dense':>10}  misses")
    for mode, (hit, mrr, misses) in results.items():
        print(f"{mode:<9} {hit:7.3f} {mrr:7.3f} {hit / base_hit:10.2f} {mrr / base_mrr:10.2f}  "
              f"{len(misses)}: {' '.join(misses)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
