"""BM25 over the same chunks as the dense index, built at ingest and persisted as JSON."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from coach.text import tokens


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75). Pure: holds token lists, answers scores."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.5, b: float = 0.75):
        self.docs = docs
        self.k1, self.b = k1, b
        self._ids = list(docs)
        self._tf = [Counter(docs[i]) for i in self._ids]
        self._len = [len(docs[i]) for i in self._ids]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        df: Counter[str] = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self._ids)
        self._df = df
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
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

    def search(self, query: str, n: int, allowed: set[str] | None = None
               ) -> list[tuple[str, float]]:
        terms = self.correct_query(query)
        if not terms or not self._ids:
            return []
        scores: list[tuple[str, float]] = []
        for pid, tf, length in zip(self._ids, self._tf, self._len, strict=True):
            if allowed is not None and pid not in allowed:
                continue
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

    # -- persistence -----------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Iterable[tuple[str, str]]) -> BM25Index:
        """From (chunk id, text to index) pairs."""
        return cls({pid: tokens(text) for pid, text in rows})

    def save(self, path: Path, fingerprint: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "docs": self.docs}))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> tuple[BM25Index, str] | None:
        try:
            data = json.loads(path.read_text())
            return cls(data["docs"]), str(data["fingerprint"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
