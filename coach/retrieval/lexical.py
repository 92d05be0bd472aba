"""BM25 over the same chunks as the dense index, built at ingest and persisted as JSON.

Scoring is vectorised: the index keeps, for each term, the rows of the chunks that use it and
how often (a column-compressed term-frequency matrix in numpy arrays), so a query touches only
the postings of its own terms. The arithmetic is the Okapi formula term by term, in query
order, so the scores are exactly those of a plain loop over every chunk."""

from __future__ import annotations

import json
import math
import os
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from coach.text import tokens


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75). Pure: holds token lists, answers scores."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.5, b: float = 0.75):
        self.docs = docs
        self.k1, self.b = k1, b
        self._ids = list(docs)
        self._pos = {pid: i for i, pid in enumerate(self._ids)}
        lengths = np.array([len(docs[i]) for i in self._ids], dtype=np.float64)
        self._avg = float(lengths.sum() / len(lengths)) if len(lengths) else 0.0
        # the same per-chunk length normalisation as k1 * (1 - b + b * len / avg), elementwise
        self._norm = self.k1 * (1 - self.b + self.b * lengths / (self._avg or 1))
        self._columns, self._indptr, self._rows, self._freqs = _postings(
            [Counter(docs[i]) for i in self._ids])
        n = len(self._ids)
        counts = np.diff(self._indptr)
        self._df = {t: int(counts[c]) for t, c in self._columns.items()}
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in self._df.items()}
        self._vocab: list[str] | None = None
        self._rarest = math.log(1 + (n - 0.5) / 1.5) if n else 1.0

    def correct(self, term: str) -> str:
        """The corpus word a misspelt term most likely means ("cycel" -> "cycl"), else term."""
        # Short words are too often abbreviations ("exec", "ICS") to guess at, and a typo
        # rarely changes the first letter ("behalf" must not become "half").
        if term in self._idf or len(term) < 5 or term.isdigit():
            return term
        if self._vocab is None:
            self._vocab = sorted(self._idf)
        import difflib

        same_start = [w for w in self._vocab if w[0] == term[0]]
        close = difflib.get_close_matches(term, same_start, n=1, cutoff=0.8)
        return close[0] if close else term

    def correct_query(self, query: str) -> list[str]:
        return [self.correct(t) for t in tokens(query)]

    def __len__(self) -> int:
        return len(self._ids)

    def idf(self, term: str) -> float:
        """IDF of a tokenised term; a term the corpus never uses weighs as its rarest term."""
        return self._idf.get(term, self._rarest)

    def share(self, term: str) -> float:
        """The share of chunks that use a tokenised term (0.0 for a term never seen)."""
        return self._df.get(term, 0) / len(self._ids) if self._ids else 0.0

    def scores(self, terms: list[str]) -> np.ndarray:
        """The BM25 score of every chunk (in insertion order) for tokenised query terms."""
        out = np.zeros(len(self._ids), dtype=np.float64)
        for term in terms:  # in query order, repeats included: the sum a plain loop makes
            col = self._columns.get(term)
            if col is None:
                continue
            lo, hi = self._indptr[col], self._indptr[col + 1]
            rows = self._rows[lo:hi]
            f = self._freqs[lo:hi].astype(np.float64)
            out[rows] += self._idf[term] * f * (self.k1 + 1) / (f + self._norm[rows])
        return out

    def search(self, query: str, n: int, allowed: set[str] | None = None
               ) -> list[tuple[str, float]]:
        """The ``n`` best chunks with a positive score, best first; ties in insertion order."""
        terms = self.correct_query(query)
        if not terms or not self._ids or n <= 0:
            return []
        scores = self.scores(terms)
        if allowed is not None:
            keep = np.zeros(len(self._ids), dtype=bool)
            keep[[self._pos[p] for p in allowed if p in self._pos]] = True
            scores[~keep] = 0.0
        hits = np.flatnonzero(scores > 0)
        if len(hits) > n:  # keep every chunk tied with the n-th best, then order exactly
            nth = np.partition(scores[hits], len(hits) - n)[len(hits) - n]
            hits = hits[scores[hits] >= nth]
        order = hits[np.lexsort((hits, -scores[hits]))][:n]
        return [(self._ids[i], float(scores[i])) for i in order]

    # -- persistence -----------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Iterable[tuple[str, str]]) -> BM25Index:
        """From (chunk id, text to index) pairs."""
        return cls({pid: tokens(text) for pid, text in rows})

    def save(self, path: Path, fingerprint: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name of its own: processes sharing a home may save at the same time
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "docs": self.docs}))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> tuple[BM25Index, str] | None:
        try:
            data = json.loads(path.read_text())
            return cls(data["docs"]), str(data["fingerprint"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _postings(counts: list[Counter[str]]
              ) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Term -> column, and the column-compressed (indptr, row, frequency) arrays."""
    columns: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    freqs: list[int] = []
    for row, tf in enumerate(counts):
        for term, f in tf.items():
            rows.append(row)
            cols.append(columns.setdefault(term, len(columns)))
            freqs.append(f)
    col_arr = np.asarray(cols, dtype=np.int64)
    order = np.argsort(col_arr, kind="stable")  # rows stay ascending within a column
    indptr = np.zeros(len(columns) + 1, dtype=np.int64)
    np.cumsum(np.bincount(col_arr, minlength=len(columns)), out=indptr[1:])
    return (columns, indptr, np.asarray(rows, dtype=np.int32)[order],
            np.asarray(freqs, dtype=np.float32)[order])
