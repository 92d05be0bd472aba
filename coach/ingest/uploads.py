"""Adding uploaded guidance files to the library: check each file, copy the good ones into
``knowledge_dir/uploads/`` and index them.

Every file is checked before anything is written: unsupported, missing, empty, oversized,
unreadable (corrupt), text-less and duplicate files are rejected with a reason, so a rejected
file never touches the knowledge folder or the index. The Library tab (coach/ui/library_tab.py)
calls ``add_documents`` and renders the ``UploadReport``.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coach.config import Settings
from coach.errors import LoaderError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import is_supported, load
from coach.ingest.pipeline import IngestReport, file_hash, source_id
from coach.types import ProgressCallback

if TYPE_CHECKING:
    from coach.app import Coach

log = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"
SUPPORTED_TEXT = "PDF, Word (.docx), Markdown (.md), text (.txt) and HTML"


@dataclass
class UploadCheck:
    """What a batch of uploads would do, decided without writing anything."""

    accepted: list[tuple[Path, str]] = field(default_factory=list)  # (upload, safe name)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    unchanged: list[str] = field(default_factory=list)  # already indexed under that name


@dataclass
class UploadReport:
    """What ``add_documents`` did: files stored, the ingest run, and what was turned away."""

    stored: list[Path] = field(default_factory=list)  # copies in knowledge_dir/uploads/
    ingest: IngestReport | None = None  # None when no file was accepted
    rejected: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A plain file name that the knowledge-folder scan will not skip (no leading . or _)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" ._")
    return base or "upload"


def check_upload(path: Path, settings: Settings) -> str:
    """Why one file cannot be indexed ("" when it can): type, arrival, size, readable text."""
    return file_problem(path, settings) or text_problem(path, settings)


def file_problem(path: Path, settings: Settings) -> str:
    """The cheap checks, without reading the file: type, arrival, empty, size."""
    if not is_supported(path):
        return (f"'{path.suffix or 'no extension'}' files are not read; upload {SUPPORTED_TEXT} "
                "files")
    if not path.is_file():
        return "the upload did not arrive; please try again"
    size, limit_mb = path.stat().st_size, settings.max_upload_mb
    if size == 0:
        return "the file is empty"
    if size > limit_mb * 1024 * 1024:
        return (f"the file is {size / 1048576:.1f} MB; the limit is {limit_mb} MB "
                "(COACH_MAX_UPLOAD_MB)")
    return ""


def text_problem(path: Path, settings: Settings) -> str:
    """Whether the file loads (not corrupt) and yields at least one passage."""
    try:
        doc = load(path)
    except LoaderError as exc:
        return str(exc).split(": ", 1)[-1]
    if not chunk_document(doc, settings.chunk_size, settings.chunk_overlap):
        return "no text found in the file"
    return ""


def check_uploads(settings: Settings, indexed: Mapping[str, str],
                  files: Sequence[str | Path]) -> UploadCheck:
    """Sort uploads into accepted, rejected and unchanged; ``indexed`` maps file hash to the
    source id already holding that content. Reads the files, writes nothing."""
    out, batch = UploadCheck(), dict[str, str]()
    for raw in files:
        path = Path(raw)
        name = safe_name(path.name)
        reason = file_problem(path, settings)
        if reason:
            out.rejected.append((name, reason))
            continue
        digest = file_hash(path, settings.chunk_size, settings.chunk_overlap)
        target = source_id(settings.knowledge_dir / UPLOAD_DIR / name, settings.knowledge_dir)
        if indexed.get(digest) == target:
            out.unchanged.append(name)
        elif digest in indexed:
            out.rejected.append((name, f"duplicate: the same file is already indexed as "
                                       f"{indexed[digest]}"))
        elif digest in batch:
            out.rejected.append((name, f"duplicate of {batch[digest]} in this upload"))
        elif reason := text_problem(path, settings):  # the costly check, only when needed
            out.rejected.append((name, reason))
        else:
            batch[digest] = name
            out.accepted.append((path, name))
    return out


def indexed_hashes(coach: Coach) -> dict[str, str]:
    """File hash -> source id for every indexed document that records its hash."""
    return {str(e["file_hash"]): sid for sid, e in coach.index.sources().items()
            if e["file_hash"]}


def add_documents(coach: Coach, files: Sequence[str | Path],
                  progress: ProgressCallback | None = None) -> UploadReport:
    """Check uploads, copy the accepted ones into ``knowledge_dir/uploads/`` and index them.

    A ``CoachError`` from indexing propagates (the copies stay in the knowledge folder, so a
    Re-index picks them up); rejected files are never copied.
    """
    check = check_uploads(coach.settings, indexed_hashes(coach), files)
    report = UploadReport(rejected=check.rejected, unchanged=check.unchanged)
    if not check.accepted:
        return report
    folder = coach.settings.knowledge_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for path, name in check.accepted:
        shutil.copyfile(path, folder / name)
        report.stored.append(folder / name)
    log.info("uploads: %d accepted, %d rejected", len(report.stored), len(report.rejected))
    report.ingest = coach.ingest(report.stored, progress=progress)
    return report
