"""The guidance index: one Chroma collection of chunks plus the provenance it carries, and a
companion collection of sentence vectors.

Vectors are computed by our embedder and passed to Chroma explicitly; the collections record
the embedding model name and dimension, and opening them with another model raises
EmbeddingMismatchError instead of silently mixing vectors.

The sentence collection (``<name>-sentences``) holds one vector per sentence of the indexed
chunks, pooled at ingest from the chunk's own forward pass and keyed by the sentence text, so
the extractive answerer can rank sentences without running the model while a user waits. It
is a cache: a sentence missing from it is embedded when needed.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from coach.errors import EmbeddingMismatchError
from coach.ports import VectorClient, VectorCollection, Vectors
from coach.types import Chunk, Passage

if TYPE_CHECKING:
    from chromadb.api.types import Where

SCHEMA_VERSION = 1
# the collection metadata key under which an ingest records the fingerprint of the chunks, so
# every process sharing the collection can tell whether its BM25 index is current
LEXICAL_FINGERPRINT = "lexical_fingerprint"


def chunk_metadata(chunk: Chunk, file_hash: str, file_chunks: int) -> dict[str, Any]:
    """Flat, None-free metadata for one chunk (Chroma accepts str/int/float/bool only).
    ``file_chunks`` is how many chunks its file has, so a file half-written by an interrupted
    ingest is seen as incomplete and redone."""
    meta = chunk.meta
    return {
        "source": chunk.source,
        "file_hash": file_hash,
        "file_chunks": file_chunks,
        "title": chunk.title,
        "heading": chunk.heading,
        "page": chunk.page or 0,
        "step": chunk.step or 0,
        "kind": chunk.kind,
        "publisher": meta.get("publisher") or "",
        "year": meta.get("year") or 0,
        "url": meta.get("url") or "",
        "section": meta.get("section") or "",
        "authors": meta.get("authors") or "",
        "coverage": meta.get("coverage") or "",
        "asked": "\n".join(chunk.asked),
        "answer": chunk.answer,
    }


def sentence_id(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()


def passage_from(pid: str, text: str, meta: dict[str, Any], score: float,
                 dense: float | None = None) -> Passage:
    return Passage(
        id=pid,
        text=text,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        page=int(meta.get("page") or 0) or None,
        step=int(meta.get("step") or 0) or None,
        kind=str(meta.get("kind", "")),
        publisher=str(meta.get("publisher", "")),
        year=int(meta.get("year") or 0) or None,
        url=str(meta.get("url") or "") or None,
        section=str(meta.get("section", "")),
        score=float(score),
        dense_score=dense,
        coverage=str(meta.get("coverage") or ""),
        asked=tuple(q for q in str(meta.get("asked") or "").split("\n") if q),
        answer=str(meta.get("answer") or ""),
    )


class GuidanceIndex:
    """Thin wrapper over a Chroma collection; the client and embedder are injected."""

    def __init__(self, client: VectorClient, name: str, model_name: str, dimension: int):
        self._client = client
        self.name = name
        self.model_name = model_name
        self.dimension = dimension
        self._collection: VectorCollection | None = None
        self._sentences: VectorCollection | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def _expected_meta(self) -> dict[str, Any]:
        return {
            "embedding_model": self.model_name,
            "embedding_dim": self.dimension,
            "schema_version": SCHEMA_VERSION,
        }

    def _open(self, name: str) -> VectorCollection:
        col = self._client.get_or_create_collection(
            name,
            metadata=self._expected_meta(),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._check(col.metadata or {})
        return col

    @property
    def collection(self) -> VectorCollection:
        if self._collection is None:
            self._collection = self._open(self.name)
        return self._collection

    @property
    def sentence_collection(self) -> VectorCollection:
        if self._sentences is None:
            self._sentences = self._open(f"{self.name}-sentences")
        return self._sentences

    def _check(self, meta: dict[str, Any]) -> None:
        model, dim = meta.get("embedding_model"), meta.get("embedding_dim")
        if model != self.model_name or dim != self.dimension:
            raise EmbeddingMismatchError(
                f"The index '{self.name}' was built with the embedding model {model} "
                f"(dimension {dim}), but the configured model is {self.model_name} "
                f"(dimension {self.dimension}). Re-index with `coach ingest --rebuild`, or set "
                "COACH_EMBEDDING_MODEL and COACH_EMBEDDING_BACKEND back to what the index was "
                "built with."
            )

    def built_with(self) -> str | None:
        """The embedding model the existing collection records when it is not the configured
        one (None when it matches, or there is no collection yet). Read without the check
        every other method makes, to decide what to do about it."""
        try:
            col = self._client.get_collection(self.name, embedding_function=None)
        except Exception:  # no such collection (Chroma's error types differ by version)
            return None
        meta = col.metadata or {}
        model, dim = meta.get("embedding_model"), meta.get("embedding_dim")
        return None if (model, dim) == (self.model_name, self.dimension) else str(model)

    def source_ids(self) -> set[str]:
        """Every source in the collection, read without the model check (before a rebuild)."""
        col = self._client.get_collection(self.name, embedding_function=None)
        out: set[str] = set()
        for offset in range(0, col.count(), 5000):
            got = col.get(include=["metadatas"], limit=5000, offset=offset)
            out.update(str(meta.get("source")) for meta in _fields(got, "metadatas")[0])
        return out

    def reset(self) -> None:
        """Drop and recreate the collection (only on an explicit --rebuild)."""
        for name in (self.name, f"{self.name}-sentences"):
            with contextlib.suppress(Exception):  # an absent collection is fine
                self._client.delete_collection(name)
        self._collection = self._sentences = None
        _ = self.collection

    def count(self) -> int:
        return int(self.collection.count())

    def lexical_fingerprint(self) -> str | None:
        """The chunks' fingerprint as the last ingest recorded it, read afresh from the store
        (one metadata read) so a change made through another process is seen; None for an
        index written before fingerprints were recorded."""
        _ = self.collection  # created (and its model checked) on first use, as for every read
        col = self._client.get_collection(self.name, embedding_function=None)
        value = (col.metadata or {}).get(LEXICAL_FINGERPRINT)
        return str(value) if value else None

    def record_lexical_fingerprint(self, value: str) -> None:
        """Record the chunks' fingerprint, keeping every other metadata key."""
        _ = self.collection
        col = self._client.get_collection(self.name, embedding_function=None)
        col.modify(metadata={**(col.metadata or {}), LEXICAL_FINGERPRINT: value})

    # -- writes ----------------------------------------------------------------------------
    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str],
            metas: Sequence[dict[str, Any]]) -> None:
        if ids:
            self.collection.upsert(
                ids=list(ids), embeddings=vectors, documents=list(texts), metadatas=list(metas)
            )

    def update_meta(self, ids: Sequence[str], metas: Sequence[dict[str, Any]]) -> None:
        if ids:
            self.collection.update(ids=list(ids), metadatas=list(metas))

    def delete(self, ids: Iterable[str]) -> None:
        """Delete chunks, and the sentence vectors stored for them."""
        ids = list(ids)
        for start in range(0, len(ids), 5000):
            batch = ids[start:start + 5000]
            self.collection.delete(ids=batch)
            within: dict[Literal["$in", "$nin"], list[str | int | float | bool]] = {
                "$in": list(batch)}
            where: Where = {"chunk": within}
            self.sentence_collection.delete(where=where)

    def add_sentences(self, rows: Sequence[tuple[str, str, np.ndarray]]) -> None:
        """Store (sentence key, chunk id, unit vector) rows; a key seen again is replaced."""
        unique = {sentence_id(key): (key, chunk, vec) for key, chunk, vec in rows}
        if unique:
            self.sentence_collection.upsert(
                ids=list(unique),
                embeddings=np.stack([vec for _, _, vec in unique.values()]),
                documents=[key for key, _, _ in unique.values()],
                metadatas=[{"chunk": chunk} for _, chunk, _ in unique.values()],
            )

    def add_questions(self, rows: Sequence[tuple[str, str, np.ndarray]]) -> None:
        """Store (question, chunk id, unit vector) rows, one per question and chunk, for the
        question channel (``questions``); the plain sentence rows stay for lookups."""
        unique = {sentence_id(f"{chunk}\n{key}"): (key, chunk, vec) for key, chunk, vec in rows}
        if unique:
            self.sentence_collection.upsert(
                ids=list(unique),
                embeddings=np.stack([vec for _, _, vec in unique.values()]),
                documents=[key for key, _, _ in unique.values()],
                metadatas=[{"chunk": chunk, "asked": True} for _, chunk, _ in unique.values()],
            )

    # -- reads -----------------------------------------------------------------------------
    def sources(self) -> dict[str, dict[str, Any]]:
        """source -> {"file_hash", "ids": [...], "meta": first chunk's metadata}."""
        out: dict[str, dict[str, Any]] = {}
        for pid, meta in self._iter_meta():
            entry = out.setdefault(
                str(meta.get("source")), {"file_hash": meta.get("file_hash"), "ids": [],
                                          "meta": meta}
            )
            entry["ids"].append(pid)
            if entry["file_hash"] != meta.get("file_hash"):
                entry["file_hash"] = None  # mixed versions (an interrupted ingest): redo it
        for entry in out.values():
            expected = entry["meta"].get("file_chunks")
            if expected is not None and expected != len(entry["ids"]):
                entry["file_hash"] = None  # only part of the file was written: redo it
        return out

    def _iter_meta(self, batch: int = 5000) -> Iterable[tuple[str, dict[str, Any]]]:
        for page in _pages(self.collection, ("ids", "metadatas"), batch):
            yield from zip(*page, strict=True)

    def all_chunks(self, batch: int = 5000) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every (id, text, metadata) in the collection, in batches."""
        for page in _pages(self.collection, ("ids", "documents", "metadatas"), batch):
            yield from zip(*page, strict=True)

    def get(self, ids: Sequence[str]) -> list[tuple[str, str, dict[str, Any], np.ndarray]]:
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        rows = {
            pid: (pid, doc, meta, np.asarray(vec, dtype=np.float32))
            for pid, doc, meta, vec in zip(
                *_fields(got, "ids", "documents", "metadatas", "embeddings"), strict=True
            )
        }
        return [rows[i] for i in ids if i in rows]

    def sentence_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors for the sentence keys that have one."""
        if not keys:
            return {}
        ids = {sentence_id(k): k for k in keys}
        got = self.sentence_collection.get(ids=list(ids), include=["embeddings"])
        return {ids[pid]: np.asarray(vec, dtype=np.float32)
                for pid, vec in zip(*_fields(got, "ids", "embeddings"), strict=True)}

    def nearest(self, vector: Sequence[float] | Vectors, n: int,
                where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The ``n`` chunks nearest ``vector`` as (id, cosine similarity), best first; fewer
        when the collection holds fewer. Ids only, with no count first: in a large collection
        counting, and reading every candidate's text, metadata and vector, cost more than the
        search itself, so the caller ``get``s just the rows it keeps."""
        res = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=n,
            where=where or None,
            include=["distances"],
        )
        ids, distances = (rows[0] for rows in _fields(res, "ids", "distances"))
        return [(pid, 1.0 - float(dist)) for pid, dist in zip(ids, distances, strict=True)]

    def chunk_vectors(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Every chunk's id and vector, in the collection's own order: what the retriever
        keeps in memory to search a small collection exactly."""
        ids: list[str] = []
        blocks: list[np.ndarray] = []
        for found, vectors in _pages(self.collection, ("ids", "embeddings"), batch):
            ids.extend(str(pid) for pid in found)
            blocks.append(np.asarray(vectors, dtype=np.float32))
        return ids, self._stacked(blocks)

    def questions(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Every stored section question as (its chunk's id, one row of unit vectors): what
        the retriever keeps in memory for the question channel, since a filtered search of
        the sentence collection costs more than multiplying them all."""
        chunks: list[str] = []
        blocks: list[np.ndarray] = []
        where: Where = {"asked": True}
        for metas, vectors in _pages(self.sentence_collection, ("metadatas", "embeddings"),
                                     batch, where):
            chunks.extend(str(meta["chunk"]) for meta in metas)
            blocks.append(np.asarray(vectors, dtype=np.float32))
        return chunks, self._stacked(blocks)

    def _stacked(self, blocks: list[np.ndarray]) -> np.ndarray:
        """Pages of vectors as one matrix (no rows: an empty one of the model's width)."""
        return np.vstack(blocks) if blocks else np.zeros((0, self.dimension), np.float32)


def _pages(collection: VectorCollection, fields: Sequence[str], batch: int,
           where: Where | None = None) -> Iterator[list[Any]]:
    """The named fields of every row of ``collection`` (those matching ``where``), one page of
    up to ``batch`` rows at a time, in the collection's order; empty pages are not yielded."""
    include: Any = [f for f in fields if f != "ids"]  # Chroma always returns the ids
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=batch, offset=offset)
        page = _fields(got, *fields)
        rows = len(got["ids"])
        if rows:
            yield page
        if rows < batch:
            return
        offset += batch


def _fields(result: Mapping[str, Any], *keys: str) -> list[Any]:
    """The named fields of a Chroma get/query result (each was asked for by ``include``;
    Chroma types them optional). Untyped: Chroma's row types are unions of its own."""
    missing = [k for k in keys if result.get(k) is None]
    if missing:
        raise RuntimeError(f"the vector store returned no {', '.join(missing)}")
    return [result[k] for k in keys]
