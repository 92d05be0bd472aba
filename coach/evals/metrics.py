"""Answer-quality metrics (pure functions; golden tests in tests/test_eval_metrics.py).

Retrieval: a passage is relevant when it contains a golden evidence quote after normalisation,
or covers at least 80% of the quote's words in order; matching by quote keeps suites valid when
documents are re-chunked. ``None`` means "not applicable" (no evidence, no patterns, nothing
retrieved) and is left out of averages, never counted as 0 or 1. Sentence-level groundedness and
citation metrics live in ``coach.evals.grounding``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from coach.text import content_words, figures, normalise

# aggregate metric names, by group (a suite's `metrics:` may list groups or names)
METRIC_GROUPS: dict[str, tuple[str, ...]] = {
    "retrieval": ("hit_at_k", "mrr_at_k", "ndcg_at_k", "context_recall", "context_precision"),
    "groundedness": ("groundedness",),
    "citations": ("citation_validity", "citation_precision", "citation_recall"),
    "correctness": ("key_point_recall", "must_include", "must_not_include"),
    "abstention": ("abstention_precision", "abstention_recall", "answered_rate"),
    # what a reader sees: the required terms in the reply's first N plain characters, its
    # plain length, and the same terms in a search snippet (the top passage's first N
    # characters) and in the top three passages, for comparison
    "reader": ("lead_must_include", "reply_chars_median", "reply_chars_p90",
               "top_passage_lead_must_include", "top3_must_include"),
    "latency": (),
}
# aggregates whose threshold is a most (in characters), not a least between 0 and 1
MAXIMA: frozenset[str] = frozenset({"reply_chars_median", "reply_chars_p90"})
LEAD_CHARS = 400  # N of "the first N characters" (a suite's ``lead_chars``)
AGGREGATES: tuple[str, ...] = ("pass_rate", *(m for g in METRIC_GROUPS.values() for m in g))


def expand_metrics(names: Iterable[str]) -> list[str]:
    """Aggregate names for a suite's metric set (groups expanded); empty means all."""
    names = list(names)
    if not names:
        return list(AGGREGATES)
    out = ["pass_rate"]
    for name in names:
        for metric in METRIC_GROUPS.get(name, (name,)):
            if metric not in out:
                out.append(metric)
    return out


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


def _matches(source: str, text: str, doc: str, quote: str) -> bool:
    return (not doc or source == doc) and contains_quote(text, quote)


def relevance(passages: Sequence[tuple[str, str]], evidence: Sequence[tuple[str, str]]
              ) -> list[bool]:
    """For (source, text) passages: does each contain any (doc, quote) evidence?"""
    return [any(_matches(s, t, d, q) for d, q in evidence) for s, t in passages]


def quote_ranks(passages: Sequence[tuple[str, str]], evidence: Sequence[tuple[str, str]]
                ) -> list[int | None]:
    """For each (doc, quote): the 1-based rank of the first passage holding it, or None."""
    return [next((r for r, (s, t) in enumerate(passages, 1) if _matches(s, t, d, q)), None)
            for d, q in evidence]


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


def context_recall(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of evidence quotes found in the top k passages; None without evidence."""
    if not ranks:
        return None
    return sum(r is not None and r <= k for r in ranks) / len(ranks)


def context_precision(rel: Sequence[bool], k: int) -> float | None:
    """Share of the top k passages that hold evidence; None when nothing was retrieved."""
    top = rel[:k]
    return sum(top) / len(top) if top else None


def pattern_found(text: str, pattern: str) -> bool:
    """Case-insensitive literal match (spacing ignored); ``/regex/`` for a regular expression."""
    if len(pattern) > 2 and pattern.startswith("/") and pattern.endswith("/"):
        return re.search(pattern[1:-1], text, re.IGNORECASE) is not None
    return " ".join(pattern.lower().split()) in " ".join(text.lower().split())


def must_include(text: str, patterns: Sequence[str]) -> float | None:
    """1.0 when every pattern is in the text, else 0.0; None without patterns."""
    return float(all(pattern_found(text, p) for p in patterns)) if patterns else None


_LABEL_LINE = re.compile(r"^\s*\*\*[^*\n]+\*\*[^\n]*:\s*$", re.M)
_MARKER = re.compile(r"\s*\[\d+\]")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_LIST_DASH = re.compile(r"^\s*[-*+]\s+", re.M)


def plain_reply(text: str) -> str:
    """What a reader reads of a reply: no source-label lines (``**The report says** (…):``),
    no citation markers, no Markdown emphasis or list dashes, whitespace collapsed."""
    text = _LABEL_LINE.sub(" ", text)
    text = _MARKER.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _LIST_DASH.sub("", text)
    return " ".join(text.split())


def lead_must_include(text: str, patterns: Sequence[str], n: int = LEAD_CHARS
                      ) -> float | None:
    """must_include within the first ``n`` characters of the reply's plain text."""
    return must_include(plain_reply(text)[:n], patterns)


def must_not_include(text: str, patterns: Sequence[str]) -> float | None:
    """1.0 when no pattern is in the text, else 0.0; None without patterns."""
    return float(not any(pattern_found(text, p) for p in patterns)) if patterns else None


def key_point_covered(answer: str, point: str, share: float = 0.5) -> bool:
    """A key point is covered when the answer holds every number in it and at least ``share``
    of its content words (lightly stemmed)."""
    words = content_words(point)
    if not words or not figures(point) <= figures(answer):
        return False
    return len(words & content_words(answer)) / len(words) >= share


def key_point_recall(answer: str, points: Sequence[str], share: float = 0.5) -> float | None:
    if not points:
        return None
    return sum(key_point_covered(answer, p, share) for p in points) / len(points)


def abstention(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """(precision, recall) of abstaining, from (should_abstain, abstained) pairs per case.

    Precision: of the refused cases, the share that should have been refused. Recall: of the
    cases that should be refused, the share that were. None when the denominator is zero.
    """
    tp = sum(s and a for s, a in pairs)
    refused = sum(a for _, a in pairs)
    should = sum(s for s, _ in pairs)
    return (tp / refused if refused else None, tp / should if should else None)


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the applicable values; None when none apply."""
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency(timings: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """p50 / p95 / max and count per stage, over the cases that ran that stage."""
    stages = sorted({s for t in timings for s in t})
    out: dict[str, dict[str, float]] = {}
    for stage in stages:
        vals = [float(t[stage]) for t in timings if stage in t]
        out[stage] = {"p50": percentile(vals, 50) or 0.0, "p95": percentile(vals, 95) or 0.0,
                      "max": max(vals), "n": len(vals)}
    return out
