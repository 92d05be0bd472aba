"""The Library tab: what is indexed, uploading new guidance, re-indexing, and testing
retrieval (``retrieval_view``).

An upload is checked before anything is written: unsupported, empty, oversized, unreadable
(corrupt) and duplicate files are rejected with a reason, and only files that load are copied
into ``knowledge_dir/uploads/`` and indexed. The existing index is never touched by a rejected
file.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from coach.errors import CoachError, LoaderError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import is_supported, load
from coach.ingest.pipeline import IngestReport, file_hash, source_id
from coach.types import ProgressCallback
from coach.ui import retrieval_view
from coach.ui.context import UIContext
from coach.ui.render import KIND_LABELS

log = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"
FILE_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]
HEADERS = ["Document", "Kind", "Publisher", "Year", "Chunks", "File"]
SUPPORTED_TEXT = "PDF, Word (.docx), Markdown (.md), text (.txt) and HTML"


@dataclass
class UploadCheck:
    accepted: list[tuple[Path, str]] = field(default_factory=list)  # (upload, safe name)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    unchanged: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A plain file name that the knowledge-folder scan will not skip (no leading . or _)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" ._")
    return base or "upload"


# a table row: title, kind, publisher, year, chunks, file (year is "—" when unknown)
Row = list[str | int]


def document_rows(ctx: UIContext) -> list[Row]:
    """One row per indexed document, sorted by kind then title."""
    rows: list[Row] = []
    for source, entry in ctx.coach.index.sources().items():
        meta = entry["meta"]
        kind = str(meta.get("kind") or "")
        rows.append([
            str(meta.get("title") or source), KIND_LABELS.get(kind, kind) or "—",
            str(meta.get("publisher") or "—"), int(meta.get("year") or 0) or "—",
            len(entry["ids"]), source,
        ])
    return sorted(rows, key=lambda r: (str(r[1]), str(r[0]).lower()))


def library_summary(rows: Sequence[Row]) -> str:
    chunks = sum(int(r[4]) for r in rows)
    if not rows:
        return "**The library is empty.** Upload guidance files below, or press Re-index."
    return f"**{len(rows)} documents, {chunks} passages indexed.**"


def check_uploads(ctx: UIContext, files: Sequence[str | Path]) -> UploadCheck:
    """Decide, without writing anything, which uploaded files can be indexed."""
    s = ctx.settings
    known = {e["file_hash"]: sid for sid, e in ctx.coach.index.sources().items()
             if e["file_hash"]}
    out, batch = UploadCheck(), dict[str, str]()
    limit = s.max_upload_mb * 1024 * 1024
    for raw in files:
        path = Path(raw)
        name = safe_name(path.name)
        reason = _basic_problem(path, limit, s.max_upload_mb)
        if reason:
            out.rejected.append((name, reason))
            continue
        digest = file_hash(path, s.chunk_size, s.chunk_overlap)
        target = source_id(s.knowledge_dir / UPLOAD_DIR / name, s.knowledge_dir)
        if known.get(digest) == target:
            out.unchanged.append(name)
        elif digest in known:
            out.rejected.append((name, f"duplicate: the same file is already indexed as "
                                       f"{known[digest]}"))
        elif digest in batch:
            out.rejected.append((name, f"duplicate of {batch[digest]} in this upload"))
        else:
            problem = _load_problem(path, s.chunk_size, s.chunk_overlap)
            if problem:
                out.rejected.append((name, problem))
            else:
                batch[digest] = name
                out.accepted.append((path, name))
    return out


def _basic_problem(path: Path, limit: int, limit_mb: int) -> str:
    if not is_supported(path):
        return (f"'{path.suffix or 'no extension'}' files are not read; upload {SUPPORTED_TEXT} "
                "files")
    if not path.is_file():
        return "the upload did not arrive; please try again"
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    if size > limit:
        return (f"the file is {size / 1048576:.1f} MB; the limit is {limit_mb} MB "
                "(COACH_MAX_UPLOAD_MB)")
    return ""


def _load_problem(path: Path, size: int, overlap: int) -> str:
    try:
        doc = load(path)
    except LoaderError as exc:
        return str(exc).split(": ", 1)[-1]
    if not chunk_document(doc, size, overlap):
        return "no text found in the file"
    return ""


def upload(ctx: UIContext, files: Sequence[str | Path] | None,
           progress: ProgressCallback | None = None) -> str:
    """Check, copy and index uploaded files; returns a Markdown report for the page."""
    if not files:
        return "Choose one or more files to upload first."
    check = check_uploads(ctx, files)
    report = None
    if check.accepted:
        folder = ctx.settings.knowledge_dir / UPLOAD_DIR
        folder.mkdir(parents=True, exist_ok=True)
        targets = []
        for path, name in check.accepted:
            shutil.copyfile(path, folder / name)
            targets.append(folder / name)
        try:
            report = ctx.coach.ingest(targets, progress=progress)
        except CoachError as exc:
            return _error(str(exc))
    return render_report(report, check.rejected, check.unchanged)


def reindex(ctx: UIContext, progress: ProgressCallback | None = None) -> str:
    """Bring the index up to date with the knowledge folder."""
    try:
        report = ctx.coach.ingest(None, progress=progress)
    except CoachError as exc:
        return _error(str(exc))
    return render_report(report, [], [])


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _error(message: str) -> str:
    return f"**Nothing was changed.** {_esc(message)}"


def _names(items: Sequence[str]) -> str:
    return ", ".join(f"`{_esc(i)}`" for i in items)


def render_report(report: IngestReport | None, rejected: Sequence[tuple[str, str]],
                  unchanged: Sequence[str]) -> str:
    lines: list[str] = []
    if report is not None:
        for label, items in (("Added", report.added), ("Updated", report.updated),
                             ("Removed", report.removed)):
            if items:
                lines.append(f"- **{label}** ({len(items)}): {_names(items)}")
        unchanged = [*unchanged, *report.unchanged]
        rejected = [*rejected, *report.skipped]
    if unchanged:
        lines.append(f"- **Already indexed, unchanged** ({len(unchanged)})" +
                     (f": {_names(unchanged)}" if len(unchanged) <= 10 else ""))
    if rejected:
        lines.append(f"- **Rejected** ({len(rejected)}) — not indexed, nothing else changed:")
        lines += [f"    - `{_esc(n)}`: {_esc(why)}" for n, why in rejected]
    if report is not None:
        lines.append(f"\n{report.chunks_total} passages in the index "
                     f"(+{report.chunks_added} / -{report.chunks_removed}), "
                     f"{report.seconds:.1f} s.")
    return "\n".join(lines) or "Nothing to do."


def build(ctx: UIContext) -> None:
    """The Library tab's components and events (called inside ``gr.Tab``)."""
    # callable values are recomputed on every page load
    summary = gr.Markdown(lambda: library_summary(document_rows(ctx)), elem_id="library-summary",
                          label="Library summary")
    table = gr.Dataframe(lambda: document_rows(ctx), headers=HEADERS,
                         label="Indexed documents", interactive=False, wrap=True,
                         datatype=["str", "str", "str", "str", "number", "str"],
                         column_widths=["34%", "14%", "18%", "7%", "7%", "20%"],
                         elem_id="library-table", max_height=420)
    with gr.Row():
        files = gr.File(label=f"Upload guidance ({SUPPORTED_TEXT})", file_count="multiple",
                        file_types=FILE_TYPES, elem_id="library-upload", scale=3)
        with gr.Column(scale=1, min_width=200):
            add = gr.Button("Index uploaded files", variant="primary")
            redo = gr.Button("Re-index the knowledge folder")
    result = gr.Markdown(elem_id="library-result", label="Indexing report")
    retrieval_view.build(ctx)

    def refresh() -> tuple[str, list[Row]]:
        rows = document_rows(ctx)
        return library_summary(rows), rows

    def on_upload(paths: list[str] | None, progress: gr.Progress = gr.Progress()  # noqa: B008
                  ) -> tuple[str, None, str, list[Row]]:
        msg = upload(ctx, paths, lambda f, d: progress(f, desc=d))
        return (msg, None, *refresh())

    def on_reindex(progress: gr.Progress = gr.Progress()  # noqa: B008
                   ) -> tuple[str, str, list[Row]]:
        msg = reindex(ctx, lambda f, d: progress(f, desc=d))
        return (msg, *refresh())

    # one index writer at a time
    add.click(on_upload, [files], [result, files, summary, table], api_name="upload",
              concurrency_limit=1, concurrency_id="index-writes")
    redo.click(on_reindex, None, [result, summary, table], api_name="reindex",
               concurrency_limit=1, concurrency_id="index-writes")
