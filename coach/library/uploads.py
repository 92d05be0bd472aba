"""Adding uploaded guidance files to the library: check each file, copy the good ones into
``knowledge_dir/uploads/`` and index them.

Every file is checked before anything is written: unsupported, missing, empty, oversized,
unreadable (corrupt), text-less and duplicate files are rejected with a reason, so a rejected
file never touches the knowledge folder or the index. The Library tab (coach/ui/library_tab.py)
calls ``add_documents`` and renders the ``UploadReport``.

A document is data, never instructions (OWASP LLM01): a file whose text is mostly sentences
addressed to an assistant or a language model (``coach.text.instruction_share`` at least
``INSTRUCTIONS_HELD_SHARE``) is held back, not indexed, with a warning the editor must read;
uploaded again with ``confirm_flagged=True`` (the Library tab's tick box) it is indexed. A file
with a few such sentences is indexed with a note. Either way those sentences are never quoted
or put in a prompt: retrieval cuts them out (coach/retrieval/retriever.py).
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
from coach.text import addressed_to_a_model, instruction_share, sentences
from coach.tuning import INSTRUCTIONS_HELD_SHARE
from coach.types import ProgressCallback

if TYPE_CHECKING:
    from coach.pipeline import Coach

log = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"
SUPPORTED_TEXT = "PDF, Word (.docx), Markdown (.md), text (.txt) and HTML"


@dataclass
class UploadCheck:
    """What a batch of uploads would do, decided without writing anything."""

    accepted: list[tuple[Path, str]] = field(default_factory=list)  # (upload, safe name)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    unchanged: list[str] = field(default_factory=list)  # already indexed under that name
    held: list[tuple[str, str]] = field(default_factory=list)  # (name, warning): not indexed
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (name, note): indexed


@dataclass
class UploadReport:
    """What ``add_documents`` did: files stored, the ingest run, and what was turned away."""

    stored: list[Path] = field(default_factory=list)  # copies in knowledge_dir/uploads/
    ingest: IngestReport | None = None  # None when no file was accepted
    rejected: list[tuple[str, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # mostly instructions: confirm
    warnings: list[tuple[str, str]] = field(default_factory=list)  # indexed, with a note


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
    return _read(path, settings)[1]


def _read(path: Path, settings: Settings) -> tuple[str, str]:
    """(the file's text, "") when it loads and yields a passage, else ("", the reason)."""
    try:
        doc = load(path)
    except LoaderError as exc:
        return "", str(exc).split(": ", 1)[-1]
    if not chunk_document(doc, settings.chunk_size, settings.chunk_overlap):
        return "", "no text found in the file"
    return doc.text, ""


def instructions_in(text: str) -> tuple[float, str]:
    """(the share of the text addressed to an assistant or a language model, the first such
    sentence); (0.0, "") for guidance."""
    share = instruction_share(text)
    if share <= 0:
        return 0.0, ""
    planted = next((s for s in sentences(text) if addressed_to_a_model(s)), "")
    return share, planted


def _instructions_note(share: float, example: str) -> str:
    shown = f" (e.g. “{example[:120]}{'…' if len(example) > 120 else ''}”)" if example else ""
    return f"{share:.0%} of its text is instructions to an AI assistant{shown}"


def check_uploads(settings: Settings, indexed: Mapping[str, str],
                  files: Sequence[str | Path], *, confirm_flagged: bool = False) -> UploadCheck:
    """Sort uploads into accepted, rejected, unchanged and held (mostly instructions to a
    model, accepted only with ``confirm_flagged``); ``indexed`` maps file hash to the source
    id already holding that content. Reads the files, writes nothing."""
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
        elif _sort_readable(out, path, name, settings, confirm_flagged):
            batch[digest] = name
    return out


def _sort_readable(out: UploadCheck, path: Path, name: str, settings: Settings,
                   confirm_flagged: bool) -> bool:
    """The costly checks, only for a new file: does it read, and is it guidance or mostly
    instructions to a model? True when it is accepted."""
    text, reason = _read(path, settings)
    if reason:
        out.rejected.append((name, reason))
        return False
    share, example = instructions_in(text)
    note = _instructions_note(share, example) if share else ""
    if share >= INSTRUCTIONS_HELD_SHARE and not confirm_flagged:
        out.held.append((name, f"{note}, not guidance. Check the file; to index it anyway, "
                               "tick “Index flagged files anyway” and upload it again"))
        return False
    if share >= INSTRUCTIONS_HELD_SHARE:
        out.warnings.append((name, f"indexed as you confirmed: {note}"))
    elif share:
        out.warnings.append((name, f"{note}; those sentences are never quoted or shown to a "
                                   "language model"))
    out.accepted.append((path, name))
    return True


def indexed_hashes(coach: Coach) -> dict[str, str]:
    """File hash -> source id for every indexed document that records its hash."""
    return {str(e["file_hash"]): sid for sid, e in coach.sources().items()
            if e["file_hash"]}


def add_documents(coach: Coach, files: Sequence[str | Path],
                  progress: ProgressCallback | None = None, *,
                  confirm_flagged: bool = False) -> UploadReport:
    """Check uploads, copy the accepted ones into ``knowledge_dir/uploads/`` and index them.

    A ``CoachError`` from indexing propagates (the copies stay in the knowledge folder, so a
    Re-index picks them up); rejected files, and files held back as mostly instructions to a
    model (unless ``confirm_flagged``), are never copied.
    """
    check = check_uploads(coach.settings, indexed_hashes(coach), files,
                          confirm_flagged=confirm_flagged)
    report = UploadReport(rejected=check.rejected, unchanged=check.unchanged, held=check.held,
                          warnings=check.warnings)
    if not check.accepted:
        return report
    folder = coach.settings.knowledge_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for path, name in check.accepted:
        shutil.copyfile(path, folder / name)
        report.stored.append(folder / name)
    log.info("uploads: %d accepted, %d rejected, %d held back", len(report.stored),
             len(report.rejected), len(report.held))
    report.ingest = coach.ingest(report.stored, progress=progress)
    return report
