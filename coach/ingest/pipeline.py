"""Incremental, idempotent ingest: new files are added, changed files replace their chunks,
deleted files lose theirs, unchanged files cost one hash. Chunks whose content is already
indexed are never embedded twice."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coach.errors import BadInputError, CoachError, LoaderError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import is_supported, load
from coach.ports import Embedder, Vectors
from coach.retrieval.lexical import record_lexical
from coach.store import GuidanceIndex, chunk_metadata
from coach.text import sentence_spans
from coach.types import Chunk, ProgressCallback

log = logging.getLogger(__name__)

CHUNKER_VERSION = "6"  # 2: "Also asked:" blocks and answer-first paragraphs; 3: question vectors;
# 4: a section lead stops before a list that follows it on the next line, and answers of up
# to 600 characters are repeated in every chunk of their section; 5: chunk ids cover the
# "Also asked:" lines, and each chunk's questions are stored for the question channel;
# 6: a section with no question heading takes part in the channel by its heading or title
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")  # machine-readable files in knowledge/


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # (file, encoding) for text files that were not UTF-8 and were decoded as detected
    decoded: list[tuple[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            head = f"Nothing changed: {len(self.unchanged)} file(s) already up to date"
        else:
            head = (
                f"Indexed: {len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.removed)} removed, {len(self.unchanged)} unchanged"
            )
        lines = [
            f"{head}; {len(self.skipped)} skipped. Chunks: +{self.chunks_added} "
            f"-{self.chunks_removed}, {self.chunks_total} in the index. "
            f"{self.seconds:.1f} s."
        ]
        lines += [f"  skipped {name}: {why}" for name, why in self.skipped]
        lines += [f"  read {name} as {encoding} (not UTF-8)" for name, encoding in self.decoded]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"file": n, "reason": r} for n, r in self.skipped],
            "chunks_added": self.chunks_added, "chunks_removed": self.chunks_removed,
            "chunks_total": self.chunks_total, "seconds": round(self.seconds, 3),
        }


def source_id(path: Path, root: Path) -> str:
    """Stable id for a file: relative to the knowledge folder when inside it, else absolute."""
    path = path.resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def source_path(source: str, root: Path) -> Path:
    p = Path(source)
    return p if p.is_absolute() else root / p


def file_hash(path: Path, size: int, overlap: int) -> str:
    h = hashlib.sha256(f"{CHUNKER_VERSION}:{size}:{overlap}\n".encode())
    h.update(path.read_bytes())
    return h.hexdigest()[:32]


def scan(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[tuple[str, str]]]:
    """Expand paths into (files to read, directories scanned, skipped with reasons)."""
    files: list[Path] = []
    dirs: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            raise BadInputError(f"{path}: no such file or folder.")
        if path.is_dir():
            dirs.append(path)
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if any(part.startswith((".", "_")) for part in rel.parts) or not child.is_file():
                    continue
                if child.suffix.lower() in DATA_SUFFIXES:
                    continue
                if is_supported(child):
                    files.append(child)
                else:
                    skipped.append((str(rel), f"'{child.suffix or 'no extension'}' files are "
                                    "not read (supported: .md .txt .pdf .html .docx)"))
        elif is_supported(path):
            files.append(path)
        else:
            skipped.append((path.name, f"'{path.suffix or 'no extension'}' files are not read "
                            "(supported: .md .txt .pdf .html .docx)"))
    return files, dirs, skipped


class Ingestor:
    def __init__(self, index: GuidanceIndex, embedder: Embedder, *, root: Path, lexical_path: Path,
                 chunk_size: int, chunk_overlap: int, batch_size: int = 128):
        self.index = index
        self.embedder = embedder
        self.root = root
        self.lexical_path = lexical_path
        self.size = chunk_size
        self.overlap = chunk_overlap
        self.batch_size = batch_size

    def run(self, paths: list[Path], *, progress: ProgressCallback | None = None,
            show_bar: bool = False) -> IngestReport:
        start = time.perf_counter()
        report = IngestReport()
        files, dirs, skipped = scan(paths)
        report.skipped.extend(skipped)
        if not files and not dirs and not skipped:
            raise BadInputError("Nothing to ingest: give a file or folder of guidance documents.")
        stored = self.index.sources()
        seen: set[str] = set()
        pending: list[tuple[str, str, list[Chunk], bool]] = []
        for path in files:
            sid = source_id(path, self.root)
            if sid in seen:
                continue
            seen.add(sid)
            try:
                digest = file_hash(path, self.size, self.overlap)
            except OSError as exc:
                report.skipped.append((sid, f"cannot read the file ({exc.strerror})"))
                continue
            old = stored.get(sid)
            if old is not None and old["file_hash"] == digest:
                report.unchanged.append(sid)
                continue
            kept = " (its earlier version stays indexed)" if old else ""
            try:
                doc = load(path)
            except LoaderError as exc:
                report.skipped.append((sid, str(exc).split(": ", 1)[-1] + kept))
                continue
            doc = replace(doc, source=sid)
            if doc.encoding != "utf-8":
                report.decoded.append((sid, doc.encoding))
            chunks = chunk_document(doc, self.size, self.overlap)
            if not chunks:
                report.skipped.append((sid, "no text found in the file" + kept))
                continue
            pending.append((sid, digest, chunks, old is not None))

        self._write(pending, stored, report, progress, show_bar)
        self._remove_deleted(dirs, stored, seen, report)
        if (report.changed or not self.lexical_path.exists()
                or self.index.lexical_fingerprint() is None):
            record_lexical(self.index, self.lexical_path)
        report.chunks_total = self.index.count()
        report.seconds = time.perf_counter() - start
        if progress:
            progress(1.0, "done")
        return report

    def _write(self, pending: list[tuple[str, str, list[Chunk], bool]],
               stored: dict[str, dict[str, Any]], report: IngestReport,
               progress: ProgressCallback | None, show_bar: bool) -> None:
        existing = {pid for entry in stored.values() for pid in entry["ids"]}
        # similar lengths batched together: less padding, so a faster forward pass
        to_embed = sorted((c for _, _, chunks, _ in pending for c in chunks
                           if c.id not in existing), key=lambda c: len(c.embedding_text()))
        digests = {sid: digest for sid, digest, _, _ in pending}
        counts = {sid: len(chunks) for sid, _, chunks, _ in pending}
        bar = None
        if show_bar and to_embed:
            from tqdm import tqdm

            bar = tqdm(total=len(to_embed), unit="chunk", desc="Embedding", leave=False)
        try:
            for start in range(0, len(to_embed), self.batch_size):
                batch = to_embed[start:start + self.batch_size]
                vectors, sentences = embed_chunks(self.embedder, batch)
                self.index.add(
                    [c.id for c in batch], vectors, [c.text for c in batch],
                    [chunk_metadata(c, digests[c.source], counts[c.source]) for c in batch],
                )
                self.index.add_sentences(sentences)
                self.index.add_questions(question_rows(self.embedder, batch, sentences))
                report.chunks_added += len(batch)
                if bar is not None:
                    bar.update(len(batch))
                if progress:
                    progress((start + len(batch)) / len(to_embed), "embedding")
        finally:
            if bar is not None:
                bar.close()
        reused_all: list[Chunk] = []
        for sid, digest, chunks, was_stored in pending:
            reused = [c for c in chunks if c.id in existing]
            reused_all += reused
            self.index.update_meta([c.id for c in reused],
                                   [chunk_metadata(c, digest, len(chunks)) for c in reused])
            if was_stored:
                keep = {c.id for c in chunks}
                stale = [pid for pid in stored[sid]["ids"] if pid not in keep]
                self.index.delete(stale)
                report.chunks_removed += len(stale)
                report.updated.append(sid)
            else:
                report.added.append(sid)
        self._refresh_questions(reused_all)

    def _refresh_questions(self, chunks: list[Chunk]) -> None:
        """The question channel's rows of chunks kept as they were from a file read again
        (after a new chunker version, say): written when missing, so an index built before the
        rows existed gains them without embedding its chunks again (one vector a section)."""
        for start in range(0, len(chunks), self.batch_size):
            rows = question_rows(self.embedder, chunks[start:start + self.batch_size])
            own = {(q, c.id) for c in chunks[start:start + self.batch_size] for q in c.questions}
            # a section's own questions are looked up by their text too (answering/sections.py)
            self.index.add_sentences([r for r in rows if (r[0], r[1]) in own])
            self.index.add_questions(rows)

    def _remove_deleted(self, dirs: list[Path], stored: dict[str, dict[str, Any]],
                        seen: set[str], report: IngestReport) -> None:
        roots = [d.resolve() for d in dirs]
        for sid, entry in stored.items():
            if sid in seen:
                continue
            path = source_path(sid, self.root).resolve()
            under = any(path == r or r in path.parents for r in roots)
            if under and not (path.is_file() and is_supported(path)):
                self.index.delete(entry["ids"])
                report.chunks_removed += len(entry["ids"])
                report.removed.append(sid)


def embed_chunks(embedder: Embedder, chunks: list[Chunk]
                 ) -> tuple[Vectors, list[tuple[str, str, Vectors]]]:
    """Chunk vectors, plus (sentence key, chunk id, vector) for each sentence when the
    embedder can pool them from the same forward pass (``encode_pooled``); an embedder that
    cannot leaves sentences to be embedded when first needed."""
    texts = [c.embedding_text() for c in chunks]
    pool = getattr(embedder, "encode_pooled", None)
    if pool is None:
        return embedder.encode(texts), []
    offsets = [len(t) - len(c.text) for t, c in zip(texts, chunks, strict=True)]
    spans = [sentence_spans(c.text) for c in chunks]
    vectors, pooled = pool(texts, [[(a + off, b + off) for _, a, b in row]
                                   for row, off in zip(spans, offsets, strict=True)])
    rows = [(key, chunk.id, vec)
            for chunk, row, vecs in zip(chunks, spans, pooled, strict=True)
            for (key, _, _), vec in zip(row, vecs, strict=True) if vec is not None]
    # the questions each section answers, embedded on their own as a user's question is, so
    # matching a question to sections (answering/sections.py) embeds nothing while they wait
    asked = list(dict.fromkeys(q for c in chunks for q in c.questions))
    if asked:
        by_text = dict(zip(asked, embedder.encode(asked), strict=True))
        rows += [(q, c.id, by_text[q]) for c in chunks for q in c.questions]
    return vectors, rows


def question_rows(embedder: Embedder, chunks: list[Chunk],
                  rows: Sequence[tuple[str, str, Vectors]] = ()
                  ) -> list[tuple[str, str, Vectors]]:
    """(question, chunk id, vector) for each chunk's ``channel_questions``: retrieval's question
    channel finds a section through them (GuidanceIndex.add_questions). Vectors already in
    ``rows`` (the section questions embed_chunks embedded) are reused; a heading or title
    standing in for a question is embedded here."""
    known = {key: vec for key, _, vec in rows}
    missing = list(dict.fromkeys(q for c in chunks for q in c.channel_questions
                                 if q not in known))
    if missing:
        known.update(zip(missing, embedder.encode(missing), strict=True))
    return [(q, c.id, known[q]) for c in chunks for q in c.channel_questions]


def check_not_empty(report: IngestReport, paths: list[Path]) -> None:
    """An ingest that found no readable document at all is an error the user must fix."""
    if report.chunks_total == 0:
        where = ", ".join(str(p) for p in paths)
        raise CoachError(
            f"No guidance documents were indexed from {where}: add .md, .txt, .pdf, .html or "
            ".docx files there and run `coach ingest` again."
        )
