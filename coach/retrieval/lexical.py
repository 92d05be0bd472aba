"""BM25 over the same chunks as the dense index, built at ingest and persisted as numpy arrays.

Scoring is vectorised: the index keeps, for each term, the rows of the chunks that use it and
how often (a column-compressed term-frequency matrix in numpy arrays), so a query touches only
the postings of its own terms. The arithmetic is the Okapi formula term by term, in query
order, so the scores are exactly those of a plain loop over every chunk.

The file holds those arrays (an uncompressed ``.npz``), not the chunks' token lists: at 100k
chunks it loads in about a second and takes tens of MB in memory, where token lists took ten
seconds to parse and to count again, and most of a GB to hold.

The index's lifecycle is here too: ``build_lexical`` rebuilds it from every chunk in the
collection and saves it under its fingerprint; ``record_lexical`` (after an ingest) also
records that fingerprint in the collection, where the retriever of every process sharing it
reads it."""

from __future__ import annotations

import hashlib
import math
import os
import threading
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from coach.store import GuidanceIndex
from coach.text import tokens

FORMAT = 1  # of the saved file; another number is treated as no file (rebuilt)


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75). Pure: holds postings, answers scores."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.5, b: float = 0.75):
        ids = list(docs)
        lengths = np.array([len(docs[i]) for i in ids], dtype=np.int64)
        self._setup(ids, lengths, *_postings([Counter(docs[i]) for i in ids]), k1=k1, b=b)

    def _setup(self, ids: list[str], lengths: np.ndarray, columns: dict[str, int],
               indptr: np.ndarray, rows: np.ndarray, freqs: np.ndarray, *, k1: float,
               b: float) -> None:
        """Everything a search reads, from each chunk's length and the postings."""
        self.k1, self.b = k1, b
        self._ids = ids
        self._lengths = lengths
        self._pos = {pid: i for i, pid in enumerate(ids)}
        as_float = lengths.astype(np.float64)
        self._avg = float(as_float.sum() / len(as_float)) if len(as_float) else 0.0
        # the same per-chunk length normalisation as k1 * (1 - b + b * len / avg), elementwise
        self._norm = self.k1 * (1 - self.b + self.b * as_float / (self._avg or 1))
        self._columns, self._indptr, self._rows, self._freqs = columns, indptr, rows, freqs
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

    @property
    def ids(self) -> list[str]:
        """The chunk ids, in insertion order."""
        return list(self._ids)

    def save(self, path: Path, fingerprint: str) -> None:
        """Write the index's arrays (and the fingerprint it was built for) to ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        terms = sorted(self._columns, key=self._columns.__getitem__)  # column order
        # a name of its own: processes sharing a home may save at the same time
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        with tmp.open("wb") as out:
            np.savez(out, version=np.array(FORMAT), fingerprint=np.array(fingerprint),
                     k1=np.array(self.k1), b=np.array(self.b),
                     ids=np.array(self._ids, dtype=str), lengths=self._lengths,
                     terms=np.array(terms, dtype=str), indptr=self._indptr,
                     rows=self._rows, freqs=self._freqs)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> tuple[BM25Index, str] | None:
        """The index saved at ``path`` and its fingerprint; None when there is none, or it is
        unreadable or of another format (then the caller rebuilds it)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["version"]) != FORMAT:
                    return None
                index = cls.__new__(cls)
                terms = data["terms"].tolist()
                index._setup(data["ids"].tolist(), data["lengths"],
                             {t: i for i, t in enumerate(terms)}, data["indptr"],
                             data["rows"], data["freqs"],
                             k1=float(data["k1"]), b=float(data["b"]))
                return index, str(data["fingerprint"])
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return None


def lexical_text(title: str, heading: str, text: str) -> str:
    return f"{title}\n{heading}\n{text}"


def fingerprint(rows: list[tuple[str, str]]) -> str:
    """A fingerprint of what a BM25 index holds: sha1 over the sorted (chunk id, indexed text)
    pairs, so a document replaced by another of the same size still changes it."""
    digest = hashlib.sha1()
    for pid, text in sorted(rows):
        digest.update(f"{pid}\0{hashlib.sha1(text.encode()).hexdigest()}\n".encode())
    return digest.hexdigest()


def build_lexical(index: GuidanceIndex, path: Path, label: str | None = None
                  ) -> tuple[BM25Index, str]:
    """Rebuild the BM25 index from every chunk in the collection and persist it, labelled
    ``label`` (default: the chunks' own fingerprint). Returns the index and its label."""
    rows = [(pid, lexical_text(meta.get("title", ""), meta.get("heading", ""), text))
            for pid, text, meta in index.all_chunks()]
    bm25 = BM25Index.build(rows)
    label = label or fingerprint(rows)
    bm25.save(path, label)
    # the token lists earlier versions kept beside it are read no more
    path.with_name("lexical-index.json").unlink(missing_ok=True)
    return bm25, label


def record_lexical(index: GuidanceIndex, path: Path) -> BM25Index:
    """After an ingest changed the collection: rebuild the BM25 index and record its
    fingerprint in the collection, where every process sharing the collection reads it."""
    bm25, label = build_lexical(index, path)
    index.record_lexical_fingerprint(label)
    return bm25


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
