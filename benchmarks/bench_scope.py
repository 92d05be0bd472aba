"""Latency of the off-topic check, per question: median and p95 over the labelled set.

Two ways it runs: with the question's vector given (as the gate gets it from retrieval, the
usual case) and standalone (the check embeds the question itself). The first call, which
loads the term lists, weights and (standalone) the embedder, is timed separately. Both
splits of evals/scope/questions.jsonl are timed: nothing is fitted or chosen here.

    .venv/bin/python benchmarks/bench_scope.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.answering import scope  # noqa: E402
from coach.providers.embeddings import SentenceTransformerEmbeddings  # noqa: E402

QUESTIONS = ROOT / "evals" / "scope" / "questions.jsonl"


def timed(fn: Callable[[Any], object], items: Iterable[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    p95 = statistics.quantiles(ms, n=20)[-1]
    print(f"{name:34s} median {statistics.median(ms):7.3f} ms   p95 {p95:7.3f} ms   n={len(ms)}")


def main() -> None:
    texts = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()
             if line.strip()]
    vectors = SentenceTransformerEmbeddings().encode(texts)
    t0 = time.perf_counter()
    scope.is_off_topic(texts[0], vectors[0])
    print(f"first call (load terms and weights) {(time.perf_counter() - t0) * 1000:.1f} ms")
    report("with the retrieval vector", timed(lambda i: scope.is_off_topic(texts[i], vectors[i]),
                                              range(len(texts))))
    t0 = time.perf_counter()
    scope.is_off_topic(texts[0])
    print(f"first standalone call (loads the embedder) {(time.perf_counter() - t0) * 1000:.1f} ms")
    report("standalone (embeds the question)", timed(scope.is_off_topic, texts))


if __name__ == "__main__":
    main()
