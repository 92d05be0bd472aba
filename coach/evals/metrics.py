"""Retrieval metrics (pure). A passage is relevant when it contains a golden evidence quote
after normalisation, or covers at least 80% of the quote's words; matching by quote keeps
suites valid when documents are re-chunked."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_NORM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def contains_quote(passage: str, quote: str, coverage: float = 0.8) -> bool:
    p, q = normalise(passage), normalise(quote)
    if not q:
        return False
    if q in p:
        return True
    qwords = q.split()
    pwords = set(p.split())
    return sum(w in pwords for w in qwords) / len(qwords) >= coverage and _ordered(p, qwords)


def _ordered(passage: str, words: list[str]) -> bool:
    """The quote's words appear in order in the passage (gaps allowed)."""
    pos = 0
    hits = 0
    for w in words:
        found = passage.find(w, pos)
        if found >= 0:
            hits += 1
            pos = found + len(w)
    return hits / len(words) >= 0.8


def relevance(passages: Sequence[tuple[str, str]], evidence: Sequence[tuple[str, str]]
              ) -> list[bool]:
    """For (source, text) passages: does each contain any (doc, quote) evidence?"""
    return [
        any((not doc or source == doc) and contains_quote(text, quote) for doc, quote in evidence)
        for source, text in passages
    ]


def hit_at_k(rel: Sequence[bool], k: int) -> float:
    return 1.0 if any(rel[:k]) else 0.0


def mrr_at_k(rel: Sequence[bool], k: int) -> float:
    for rank, r in enumerate(rel[:k], start=1):
        if r:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(rel: Sequence[bool], k: int, n_relevant: int | None = None) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rel[:k]) if r)
    ideal_n = min(k, n_relevant if n_relevant is not None else sum(rel))
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal_n))
    return dcg / idcg if idcg else 0.0
