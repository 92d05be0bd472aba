"""Latency of the clinical check, per question: median and p95 over the labelled set.

Two ways it runs: with the question's vector given (as the gate gets it from retrieval, the
usual case) and standalone (the check embeds the question itself). The first call, which
loads the term lists, weights and (standalone) the embedder, is timed separately.

    .venv/bin/python benchmarks/bench_clinical.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.answering import clinical  # noqa: E402
from coach.providers.embeddings import SentenceTransformerEmbeddings  # noqa: E402

QUESTIONS = ROOT / "evals" / "clinical" / "questions.jsonl"


def timed(fn, items) -> list[float]:  # type: ignore[no-untyped-def]
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
    clinical.is_clinical(texts[0], vectors[0])
    print(f"first call (load terms and weights) {(time.perf_counter() - t0) * 1000:.1f} ms")
    report("with the retrieval vector", timed(lambda i: clinical.is_clinical(texts[i],
                                                                              vectors[i]),
                                              range(len(texts))))
    t0 = time.perf_counter()
    clinical.is_clinical(texts[0])
    print(f"first standalone call (loads the embedder) {(time.perf_counter() - t0) * 1000:.1f} ms")
    report("standalone (embeds the question)", timed(clinical.is_clinical, texts))


if __name__ == "__main__":
    main()
