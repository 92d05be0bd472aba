"""BM25 search latency: the vectorised index (coach/retrieval/lexical.py) against the plain
Okapi loop over every chunk that it replaced (copied below as the reference), on synthetic
libraries of 1k, 10k and 100k chunks recombined from the sentences of knowledge/. Also times
the one metadata read per question that tells a retriever whether its BM25 index is current.

No embedding is needed: each chunk is 4-8 random knowledge sentences, its tokens the
concatenation of each sentence's tokens (tokenised once). Questions are the dev suite's.
Prints p50/p95 per size and the ratio (loop / vectorised). Never run by the tests.
    .venv/bin/python benchmarks/bench_lexical.py [--sizes 1000 10000 100000] [--questions 60]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_foundation import pct, questions  # noqa: E402

from coach.retrieval.lexical import BM25Index  # noqa: E402
from coach.text import split_sentences, tokens  # noqa: E402


class LoopBM25:
    """The search BM25Index used to run: a Python loop over every chunk (reference only)."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self._ids = list(docs)
        self._tf = [Counter(docs[i]) for i in self._ids]
        self._len = [len(docs[i]) for i in self._ids]
        self._avg = sum(self._len) / len(self._len)
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._ids)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, terms: list[str], n: int) -> list[tuple[str, float]]:
        scores = []
        for pid, tf, length in zip(self._ids, self._tf, self._len, strict=True):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / (self._avg or 1))
            for term in terms:
                f = tf.get(term)
                if f:
                    score += self._idf[term] * f * (self.k1 + 1) / (f + norm)
            if score > 0:
                scores.append((pid, score))
        scores.sort(key=lambda x: -x[1])
        return scores[:n]


def knowledge_sentences() -> list[list[str]]:
    """The token lists of every sentence in knowledge/ (front matter and headings dropped)."""
    out = []
    for path in sorted((ROOT / "knowledge").rglob("*.md")):
        body = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.S)
        prose = " ".join(line for line in body.splitlines() if not line.startswith("#"))
        out.extend(toks for s in split_sentences(prose) if (toks := tokens(s)))
    return out


def library(sentences: list[list[str]], size: int, seed: int = 7) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {f"c{i}": [t for s in rng.sample(sentences, rng.randint(4, 8)) for t in s]
            for i in range(size)}


def timed(fn, queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def fingerprint_read_ms(reads: int = 200) -> tuple[float, float]:
    """p50/p95 of GuidanceIndex.lexical_fingerprint() on an embedded Chroma collection."""
    from coach.config import Settings
    from coach.providers.chroma import make_client
    from coach.store import GuidanceIndex

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(_env_file=None, home=Path(home))  # type: ignore[call-arg]
        index = GuidanceIndex(make_client(settings), "bench-lexical", "bench-model", 3)
        index.record_lexical_fingerprint("0" * 40)
        ms = []
        for _ in range(reads):
            t0 = time.perf_counter()
            index.lexical_fingerprint()
            ms.append((time.perf_counter() - t0) * 1000)
    return pct(ms, 0.5), pct(ms, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--k", type=int, default=30, help="results per search (fetch_k)")
    args = parser.parse_args()
    sentences = knowledge_sentences()
    queries = questions()[: args.questions]
    print(f"{len(sentences)} knowledge sentences; {len(queries)} questions; top {args.k}")
    print(f"{'chunks':>8} {'build s':>8} {'loop p50':>9} {'loop p95':>9} "
          f"{'vec p50':>8} {'vec p95':>8} {'p50 ratio':>9} {'p95 ratio':>9}")
    for size in args.sizes:
        docs = library(sentences, size)
        t0 = time.perf_counter()
        new = BM25Index(docs)
        build = time.perf_counter() - t0
        old = LoopBM25(docs)
        for q in queries:  # the same answers, or the comparison means nothing
            a, b = old.search(new.correct_query(q), args.k), new.search(q, args.k)
            assert [p for p, _ in a] == [p for p, _ in b], q
        # both timed with the typo correction every question goes through
        loop = timed(lambda q, o=old, c=new: o.search(c.correct_query(q), args.k), queries)
        vec = timed(lambda q, new=new: new.search(q, args.k), queries)
        lp50, lp95, vp50, vp95 = pct(loop, .5), pct(loop, .95), pct(vec, .5), pct(vec, .95)
        print(f"{size:>8} {build:>8.1f} {lp50:>9.1f} {lp95:>9.1f} {vp50:>8.2f} {vp95:>8.2f} "
              f"{lp50 / vp50:>8.0f}x {lp95 / vp95:>8.0f}x")
    p50, p95 = fingerprint_read_ms()
    print(f"collection fingerprint read (embedded Chroma, once per question): "
          f"p50 {p50:.2f} ms, p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
