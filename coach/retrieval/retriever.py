"""Hybrid retrieval: dense (every chunk compared in memory up to EXACT_DENSE_MAX chunks, else
Chroma's HNSW search) + BM25 + the section questions, fused with reciprocal rank fusion, then MMR.

The passages it returns are data only: text a document addresses to an assistant or a
language model is cut out (coach/text/instructions.py), so no answerer, journey reply or
prompt ever sees it."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coach.config import Settings
from coach.ports import Embedder, Vectors
from coach.retrieval.fusion import mmr, rrf
from coach.retrieval.lexical import BM25Index, build_lexical
from coach.store import GuidanceIndex, passage_from
from coach.text import without_instructions
from coach.tuning import QUESTION_CHANNEL_FLOOR
from coach.types import Passage

log = logging.getLogger(__name__)

# The chunks retrieval has read (text without instructions, metadata, vector), kept while the
# index stays the same: the popular ones are asked about again and again. About 2 kB each.
ROW_CACHE = 4096
Row = tuple[str, dict[str, Any], np.ndarray]
# Up to this many chunks, the dense channel compares every chunk's vector in memory (8 MB at
# 5,000; about 1 ms a question) instead of asking Chroma: Chroma's HNSW search is approximate,
# and a collection too small for Chroma to have saved its graph gets a new graph in each
# process that opens it, so two replicas (or two runs of an eval) could retrieve different
# passages for one question.
EXACT_DENSE_MAX = 5_000


@dataclass(frozen=True)
class RetrievalConfig:
    """The retrieval settings (see coach/config.py for what each means and its default)."""

    mode: str
    top_k: int
    fetch_k: int
    dense_weight: float
    lexical_weight: float
    question_weight: float
    rrf_k: int
    mmr_lambda: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetrievalConfig:
        return cls(mode=settings.retrieval_mode, top_k=settings.top_k, fetch_k=settings.fetch_k,
                   dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight,
                   question_weight=settings.question_weight, rrf_k=settings.rrf_k,
                   mmr_lambda=settings.mmr_lambda)


@dataclass
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray
    timings_ms: dict[str, float] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    # the BM25 index as it was for this retrieval (searched unless in dense mode): the gate
    # reuses it, since each fresh lookup reads the collection's fingerprint
    lexical: BM25Index | None = None
    # where each passage ranked in each channel before fusion ("dense", "lexical": id -> rank
    # from 1); a channel that did not find a passage has no entry for it
    channel_ranks: dict[str, dict[str, int]] = field(default_factory=dict)


class Retriever:
    def __init__(self, index: GuidanceIndex, embedder: Embedder, config: RetrievalConfig,
                 lexical_path: Path):
        self.index = index
        self.embedder = embedder
        self.config = config
        self.lexical_path = lexical_path
        self._bm25: BM25Index | None = None
        self._label: str | None = None  # the collection fingerprint _bm25 was built for
        self._warned = False
        # each chunk's (step, kind) for filtered searches; None until one needs it
        self._meta: dict[str, tuple[int, str]] | None = None
        # the section questions' (chunk ids, unit vectors), read once per index generation
        self._asked: tuple[list[str], np.ndarray] | None = None
        # every chunk's (id, unit vector) for the exact dense search (EXACT_DENSE_MAX)
        self._chunks: tuple[list[str], np.ndarray] | None = None
        self._rows: OrderedDict[str, Row] = OrderedDict()  # see ROW_CACHE
        self._lock = threading.Lock()

    # -- lexical index lifecycle -----------------------------------------------------------
    def refresh(self) -> None:
        """Forget the in-memory lexical index (after an ingest changed the collection)."""
        with self._lock:
            self._bm25 = None

    def _lexical(self) -> BM25Index:
        """The BM25 index, rebuilt when the collection's recorded fingerprint is not the one
        it was built for (one metadata read per call), so a change ingested through another
        process sharing the collection is searched at the next question."""
        with self._lock:
            current = self.index.lexical_fingerprint()
            if current is None:
                return self._lexical_by_count()
            if self._bm25 is not None and self._label == current:
                return self._bm25
            loaded = BM25Index.load(self.lexical_path)
            if loaded is not None and loaded[1] == current:
                bm25 = loaded[0]
            else:
                log.info("lexical index missing or not built for the collection's fingerprint "
                         "%s; rebuilding from the collection", current[:12])
                # labelled with the fingerprint read before the chunks: a change landing
                # meanwhile records a new one, and the next question rebuilds again
                bm25, _ = build_lexical(self.index, self.lexical_path, current)
            return self._keep(bm25, current)

    def _lexical_by_count(self) -> BM25Index:
        """An index written before fingerprints were recorded: judged stale by chunk count."""
        if not self._warned:
            log.info("the collection '%s' records no lexical fingerprint (written by an older "
                     "version); judging the BM25 index by chunk count until the next "
                     "`coach ingest`", self.index.name)
            self._warned = True
        count = self.index.count()
        if self._bm25 is not None and self._label is None and len(self._bm25) == count:
            return self._bm25
        if count == 0:  # nothing to index, and no file to write
            return self._keep(BM25Index({}), None)
        loaded = BM25Index.load(self.lexical_path)
        if loaded is not None and len(loaded[0]) == count:
            bm25 = loaded[0]
        else:
            log.info("lexical index missing or stale; rebuilding from the collection")
            bm25, _ = build_lexical(self.index, self.lexical_path)
        return self._keep(bm25, None)

    def _keep(self, bm25: BM25Index, label: str | None) -> BM25Index:
        """Hold a newly loaded lexical index: the collection changed, so every cache of what
        it held (metadata, section questions, rows) starts again."""
        self._bm25, self._label, self._meta, self._asked = bm25, label, None, None
        self._chunks = None
        self._rows = OrderedDict()
        return bm25

    def _question_vectors(self) -> tuple[list[str], np.ndarray]:
        """The section questions of the current index (read on first use after a change)."""
        asked, bm25 = self._asked, self._bm25
        if asked is None:
            asked = self.index.questions()
            with self._lock:
                if self._bm25 is bm25:  # not replaced meanwhile by a newer index
                    self._asked = asked
        return asked

    def _nearest_questions(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The chunks whose section questions are nearest ``qvec`` (exactly: every question
        is compared), for ``retrieve`` once it has the current index, as (chunk id, cosine
        similarity of its closest question), best first; at most ``n`` questions are read."""
        chunks, matrix = self._question_vectors()
        if not chunks or n <= 0:
            return []
        # a section split into several chunks stores its question once per chunk, and those
        # ties keep the stored order
        sims, order = _by_similarity(matrix, qvec)
        best: dict[str, float] = {}
        for i in order[:n]:
            best.setdefault(chunks[i], float(sims[i]))
        return list(best.items())

    def _dense(self, qvec: np.ndarray, n: int, where: dict[str, Any] | None,
               allowed: set[str] | None, bm25: BM25Index) -> list[tuple[str, float]]:
        """The ``n`` chunks nearest ``qvec`` as (id, cosine similarity), best first, among
        those a filtered search allows (``where`` for Chroma, ``allowed`` in memory): exactly,
        in memory, while the index holds at most EXACT_DENSE_MAX chunks (the same answer in
        every process); else Chroma's approximate search."""
        if n <= 0:
            return []
        if len(bm25) > EXACT_DENSE_MAX:
            return self.index.nearest(qvec, n, where)
        chunks, matrix = self._chunk_vectors(bm25)
        if not chunks:
            return []
        sims, order = _by_similarity(matrix, qvec)  # ties keep the collection's order
        if allowed is not None:
            order = np.asarray([i for i in order if chunks[i] in allowed], dtype=np.int64)
        return [(chunks[i], float(sims[i])) for i in order[:n]]

    def _allowed(self, step: int | None, kinds: tuple[str, ...] | None) -> set[str]:
        """The chunks a search filtered to ``step`` and ``kinds`` may return: what the
        channels searched in memory (exact dense, section questions, BM25) keep."""
        return {pid for pid, meta in self._chunk_meta().items() if _admits(meta, step, kinds)}

    def _chunk_vectors(self, bm25: BM25Index) -> tuple[list[str], np.ndarray]:
        """Every chunk's (id, unit vector), read once per index generation."""
        chunks = self._chunks
        if chunks is None:
            ids, matrix = self.index.chunk_vectors()
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            chunks = (ids, matrix / np.where(norms == 0, 1.0, norms))
            with self._lock:
                if self._bm25 is bm25:  # not replaced meanwhile by a newer index
                    self._chunks = chunks
        return chunks

    def _rows_for(self, ids: Sequence[str]) -> dict[str, Row]:
        """(text without instructions, metadata, vector) of each chunk that exists, from the
        cache or else in one read of the collection. The vectors are read-only: they are
        shared by every question that retrieves the chunk."""
        with self._lock:
            cache, bm25 = self._rows, self._bm25
            found = {pid: cache[pid] for pid in ids if pid in cache}
            for pid in found:
                cache.move_to_end(pid)
        missing = [pid for pid in ids if pid not in found]
        if missing:
            for pid, text, meta, vec in self.index.get(missing):
                vec.setflags(write=False)
                # a document is data: sentences it addresses to a model never leave retrieval
                found[pid] = (without_instructions(text), meta, vec)
            with self._lock:
                if self._bm25 is bm25 and self._rows is cache:
                    cache.update((pid, found[pid]) for pid in missing if pid in found)
                    while len(cache) > ROW_CACHE:
                        cache.popitem(last=False)
        return found

    def _chunk_meta(self) -> dict[str, tuple[int, str]]:
        """Each chunk's (step, kind), read from the collection when a filtered search first
        needs it after the lexical index was (re)loaded: a scan of every chunk's metadata
        (seconds in a large collection), which an unfiltered question never pays."""
        meta, bm25 = self._meta, self._bm25
        if meta is None:
            meta = {pid: (int(m.get("step") or 0), str(m.get("kind", "")))
                    for pid, m in self.index._iter_meta()}
            with self._lock:
                if self._bm25 is bm25:  # not replaced meanwhile by a newer index
                    self._meta = meta
        return meta

    def is_empty(self) -> bool:
        """Whether the collection holds no chunks, told by the lexical index kept current
        with it (one metadata read; counting the chunks would scan the whole collection)."""
        return len(self._lexical()) == 0

    def lexical(self) -> BM25Index:
        """The current BM25 index (its ``idf`` and ``correct`` serve the refusal gate)."""
        return self._lexical()

    # -- search ----------------------------------------------------------------------------
    def retrieve(self, query: str, *, k: int | None = None, step: int | None = None,
                 kinds: tuple[str, ...] | None = None, mode: str | None = None,
                 vector: Vectors | None = None, lexical: BM25Index | None = None
                 ) -> Retrieval:
        """The passages for ``query``; ``vector`` is its embedding when the caller has it
        (the pipeline embeds the query once, with the message's intent form); ``lexical``
        the BM25 index the caller read for this question (``lexical()``), so one question
        reads the collection's fingerprint once."""
        cfg = self.config
        bm25 = lexical if lexical is not None else self._lexical()  # the index, as it is now
        k = k or cfg.top_k
        mode = mode or cfg.mode
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        qvec = np.asarray(self.embedder.embed_query(query) if vector is None else vector,
                          dtype=np.float32)
        timings["embed"] = (time.perf_counter() - t0) * 1000

        where = _where(step, kinds)
        allowed = None if where is None else self._allowed(step, kinds)
        t0 = time.perf_counter()
        dense = [] if mode == "lexical" else self._dense(qvec, cfg.fetch_k, where, allowed,
                                                          bm25)
        asked: list[tuple[str, float]] = []
        if mode != "lexical" and cfg.question_weight > 0:
            asked = [(pid, sim) for pid, sim in self._nearest_questions(qvec, cfg.fetch_k)
                     if sim >= QUESTION_CHANNEL_FLOOR and (allowed is None or pid in allowed)]
        timings["dense"] = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        found: list[tuple[str, float]] = []
        if mode != "dense":
            found = bm25.search(query, cfg.fetch_k, allowed)
        timings["lexical"] = (time.perf_counter() - t0) * 1000

        t0 = time.perf_counter()
        fused = rrf(
            [([pid for pid, _ in dense], cfg.dense_weight if mode != "lexical" else 0.0),
             ([pid for pid, _ in found], cfg.lexical_weight if mode != "dense" else 0.0),
             ([pid for pid, _ in asked], cfg.question_weight)],
            k=cfg.rrf_k,
        )
        pool = fused[: max(k * 3, k)]
        # text, metadata and vector for the pool only (cached, or one read), not every
        # candidate
        rows = self._rows_for([pid for pid, _ in pool])
        pool = [(pid, s) for pid, s in pool if pid in rows]
        if not pool:
            timings["fuse"] = (time.perf_counter() - t0) * 1000
            return Retrieval([], qvec, timings, lexical=bm25)
        ranks = {"dense": {pid: r for r, (pid, _) in enumerate(dense, 1)},
                 "lexical": {pid: r for r, (pid, _) in enumerate(found, 1)},
                 "question": {pid: r for r, (pid, _) in enumerate(asked, 1)}}
        top = pool[0][1]
        candidates = [(pid, s / top, rows[pid][2]) for pid, s in pool]
        chosen = mmr(candidates, k, cfg.mmr_lambda)
        passages = []
        vectors = {}
        for pid in chosen:
            text, meta, vec = rows[pid]
            if not text:
                continue
            sim = float(vec @ qvec)
            passages.append(passage_from(pid, text, meta, score=sim, dense=sim))
            vectors[pid] = vec
        timings["fuse"] = (time.perf_counter() - t0) * 1000
        return Retrieval(passages, qvec, timings, vectors, lexical=bm25,
                         channel_ranks={c: {p.id: r[p.id] for p in passages if p.id in r}
                                        for c, r in ranks.items()})


def _by_similarity(matrix: np.ndarray, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cosine similarity to ``qvec`` (rows are unit vectors), and the rows best
    first by a stable sort: equal scores keep the rows' stored order."""
    sims = matrix @ (qvec / (np.linalg.norm(qvec) or 1.0))
    return sims, np.argsort(-sims, kind="stable")


def _admits(meta: tuple[int, str] | None, step: int | None,
            kinds: tuple[str, ...] | None) -> bool:
    """Whether a chunk of this (step, kind) passes a filtered search's filter."""
    return meta is not None and (step is None or meta[0] == step) and (
        kinds is None or meta[1] in kinds)


def _where(step: int | None, kinds: tuple[str, ...] | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if step is not None:
        clauses.append({"step": step})
    if kinds:
        clauses.append({"kind": {"$in": list(kinds)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
