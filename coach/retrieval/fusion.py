"""Rank fusion and diversity (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def rrf(rankings: Sequence[tuple[Sequence[str], float]], k: int) -> list[tuple[str, float]]:
    """Weighted reciprocal rank fusion: score(d) = sum_w w / (k + rank_d), rank from 1."""
    scores: dict[str, float] = {}
    for ranked, weight in rankings:
        if weight <= 0:
            continue
        for rank, pid in enumerate(ranked, start=1):
            scores[pid] = scores.get(pid, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def mmr(candidates: Sequence[tuple[str, float, np.ndarray]], n: int, lam: float
        ) -> list[str]:
    """Maximal marginal relevance over (id, relevance in [0,1], unit vector) candidates.

    Relevance comes from the fused ranking (normalised), redundancy from cosine similarity
    between passages, so near-duplicate passages do not crowd out different evidence.
    """
    chosen: list[int] = []
    remaining = list(range(len(candidates)))
    while remaining and len(chosen) < n:
        best, best_score = remaining[0], -1e9
        for i in remaining:
            redundancy = max(
                (float(candidates[i][2] @ candidates[j][2]) for j in chosen), default=0.0
            )
            score = lam * candidates[i][1] - (1 - lam) * redundancy
            if score > best_score:
                best, best_score = i, score
        chosen.append(best)
        remaining.remove(best)
    return [candidates[i][0] for i in chosen]
