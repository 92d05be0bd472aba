"""The Library tab: what is indexed, uploading new guidance, re-indexing, and testing
retrieval (``retrieval_view``).

The upload workflow (checking each file, copying accepted ones into ``knowledge_dir/uploads/``
and indexing them) is ``coach.library.uploads.add_documents``, and the audit trail of changes
is ``coach.library.changes``; this module renders their reports.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from coach.db import LOCAL_USER, open_database
from coach.errors import CoachError
from coach.ingest.pipeline import IngestReport
from coach.library.changes import (
    HISTORY_HEADERS,
    LibraryLog,
    changes_from,
    counts,
    history_rows,
    remove_document,
)
from coach.library.uploads import SUPPORTED_TEXT, add_documents
from coach.types import ProgressCallback
from coach.ui import retrieval_view
from coach.ui.context import UIContext
from coach.ui.render import KIND_LABELS

log = logging.getLogger(__name__)

FILE_TYPES = [".pdf", ".docx", ".md", ".markdown", ".txt", ".html", ".htm"]
HEADERS = ["Document", "Kind", "Publisher", "Year", "Chunks", "File"]


# a table row: title, kind, publisher, year, chunks, file (year is "—" when unknown)
Row = list[str | int]


def document_rows(ctx: UIContext) -> list[Row]:
    """One row per indexed document, sorted by kind then title."""
    rows: list[Row] = []
    for source, entry in ctx.coach.sources().items():
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


def audit(ctx: UIContext) -> LibraryLog:
    """The library's audit trail, in the app's database."""
    return LibraryLog(open_database(ctx.settings))


def upload(ctx: UIContext, files: Sequence[str | Path] | None,
           progress: ProgressCallback | None = None, confirm_flagged: bool = False, *,
           user: str = LOCAL_USER) -> str:
    """Check, copy and index uploaded files (coach.library.uploads); a Markdown report. Files
    that are mostly instructions to an AI assistant are held back unless ``confirm_flagged``.
    Each document added or replaced is recorded in the audit trail under ``user``."""
    if not files:
        return "Choose one or more files to upload first."
    before = counts(ctx.coach)
    try:
        done = add_documents(ctx.coach, files, progress, confirm_flagged=confirm_flagged)
    except CoachError as exc:
        return _error(str(exc))
    if done.ingest is not None:
        audit(ctx).record(changes_from(done.ingest, before, counts(ctx.coach), user, "upload"))
    return render_report(done.ingest, done.rejected, done.unchanged, held=done.held,
                         warnings=done.warnings)


def reindex(ctx: UIContext, progress: ProgressCallback | None = None, *,
            user: str = LOCAL_USER) -> str:
    """Bring the index up to date with the knowledge folder (changes go in the audit trail)."""
    before = counts(ctx.coach)
    try:
        report = ctx.coach.ingest(None, progress=progress)
    except CoachError as exc:
        return _error(str(exc))
    audit(ctx).record(changes_from(report, before, counts(ctx.coach), user, "re-index"))
    return render_report(report, [], [])


def remove(ctx: UIContext, source: str | None, *, user: str = LOCAL_USER) -> str:
    """Take one document out of the library (its file is kept aside); a Markdown report."""
    if not source:
        return "Choose a document to remove first."
    try:
        change = remove_document(ctx.coach, source, user, audit(ctx))
    except CoachError as exc:
        return _error(str(exc))
    return (f"- **Removed** `{_esc(source)}` ({change.chunks_before} passages). "
            f"{_esc(change.detail)}".rstrip())


def history(ctx: UIContext) -> list[list[Any]]:
    return history_rows(audit(ctx).history())


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _error(message: str) -> str:
    return f"**Nothing was changed.** {_esc(message)}"


def _names(items: Sequence[str]) -> str:
    return ", ".join(f"`{_esc(i)}`" for i in items)


def render_report(report: IngestReport | None, rejected: Sequence[tuple[str, str]],
                  unchanged: Sequence[str], *, held: Sequence[tuple[str, str]] = (),
                  warnings: Sequence[tuple[str, str]] = ()) -> str:
    lines: list[str] = []
    if held:
        lines.append(f"- ⚠️ **Held back: instructions to an AI assistant** ({len(held)}) — "
                     "not indexed, nothing else changed:")
        lines += [f"    - `{_esc(n)}`: {_esc(why)}" for n, why in held]
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
    if warnings:
        lines.append(f"- **Indexed with a warning** ({len(warnings)}):")
        lines += [f"    - `{_esc(n)}`: {_esc(why)}" for n, why in warnings]
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
            confirm = gr.Checkbox(False, label="Index flagged files anyway",
                                  info="Files that read mostly as instructions to an AI "
                                       "assistant are held back unless this is ticked.",
                                  elem_id="library-confirm-flagged")
            redo = gr.Button("Re-index the knowledge folder")
    result = gr.Markdown(elem_id="library-result", label="Indexing report")
    with gr.Row():
        pick = gr.Dropdown(sorted(ctx.coach.sources()), value=None, scale=3,
                           label="Remove a document (its file is kept aside, not deleted)",
                           elem_id="library-remove-pick")
        drop = gr.Button("Remove document", variant="stop", scale=1,
                         elem_id="library-remove")
    gr.Markdown("### Library history\nWho added, replaced or removed which document, "
                "newest first.")
    changes = gr.Dataframe(lambda: history(ctx), headers=HISTORY_HEADERS, interactive=False,
                           wrap=True, label="Library history", elem_id="library-history",
                           max_height=300)
    retrieval_view.build(ctx)

    def refresh() -> tuple[str, list[Row], Any, list[list[Any]]]:
        rows = document_rows(ctx)
        return (library_summary(rows), rows,
                gr.Dropdown(choices=sorted(str(r[5]) for r in rows), value=None),
                history(ctx))

    def on_upload(paths: list[str] | None, confirm_flagged: bool = False,
                  progress: gr.Progress = gr.Progress(),  # noqa: B008
                  request: gr.Request | None = None) -> tuple[Any, ...]:
        msg = upload(ctx, paths, lambda f, d: progress(f, desc=d), bool(confirm_flagged),
                     user=ctx.user_of(request))
        return (msg, None, False, *refresh())  # the confirmation is for one upload only

    def on_reindex(progress: gr.Progress = gr.Progress(),  # noqa: B008
                   request: gr.Request | None = None) -> tuple[Any, ...]:
        msg = reindex(ctx, lambda f, d: progress(f, desc=d), user=ctx.user_of(request))
        return (msg, *refresh())

    def on_remove(source: str | None, request: gr.Request) -> tuple[Any, ...]:
        return (remove(ctx, source, user=ctx.user_of(request)), *refresh())

    listing = [summary, table, pick, changes]
    # one index writer at a time
    add.click(on_upload, [files, confirm], [result, files, confirm, *listing],
              api_name="upload",
              concurrency_limit=1, concurrency_id="index-writes")
    redo.click(on_reindex, None, [result, *listing], api_name="reindex",
               concurrency_limit=1, concurrency_id="index-writes")
    drop.click(on_remove, [pick], [result, *listing], api_name="remove_document",
               concurrency_limit=1, concurrency_id="index-writes")
