"""Changes to the shared library, and their audit trail: who added, replaced or removed which
document, when, and how many passages it had before and after.

Every change made through the app (upload, re-index, remove) is written to the
``library_changes`` table of the app's database, so the history is the same on every replica.
Removing a document never deletes the file: it is moved to ``COACH_HOME/removed/`` (stamped
with the time), and its passages leave the index. The Library tab (coach/ui/library_tab.py)
records its uploads and re-indexes here and renders ``history_rows``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from coach.db import Database, now
from coach.db.schema import library_changes as CHANGES
from coach.errors import BadInputError
from coach.ingest.pipeline import IngestReport, source_path

if TYPE_CHECKING:
    from coach.pipeline import Coach

log = logging.getLogger(__name__)

REMOVED_DIR = "removed"


@dataclass(frozen=True)
class Change:
    at: str
    user: str
    action: str  # added, replaced, removed
    document: str
    chunks_before: int
    chunks_after: int
    detail: str = ""


class LibraryLog:
    def __init__(self, db: Database):
        self.db = db

    def record(self, changes: list[Change]) -> None:
        if not changes:
            return
        with self.db.begin() as conn:
            conn.execute(CHANGES.insert(), [
                {"at": c.at, "user_name": c.user, "action": c.action, "document": c.document,
                 "chunks_before": c.chunks_before, "chunks_after": c.chunks_after,
                 "detail": c.detail} for c in changes])
        for c in changes:
            log.warning("library: %s %s %s (%d -> %d passages)", c.user, c.action, c.document,
                        c.chunks_before, c.chunks_after)

    def history(self, limit: int = 100) -> list[Change]:
        """The latest changes, newest first."""
        c = CHANGES.c
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(c.at, c.user_name, c.action, c.document,
                                          c.chunks_before, c.chunks_after, c.detail)
                                .order_by(c.id.desc()).limit(limit)).all()
        return [Change(str(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), int(r[5]),
                       str(r[6])) for r in rows]


def counts(coach: Coach) -> dict[str, int]:
    """Passages per indexed document."""
    return {sid: len(entry["ids"]) for sid, entry in coach.sources().items()}


def changes_from(report: IngestReport, before: Mapping[str, int], after: Mapping[str, int],
                 user: str, detail: str = "") -> list[Change]:
    """One Change per document an ingest run added, replaced or removed."""
    at = now()
    out = [Change(at, user, "added", sid, 0, after.get(sid, 0), detail)
           for sid in report.added]
    out += [Change(at, user, "replaced", sid, before.get(sid, 0), after.get(sid, 0), detail)
            for sid in report.updated]
    out += [Change(at, user, "removed", sid, before.get(sid, 0), 0, detail)
            for sid in report.removed]
    return out


def remove_document(coach: Coach, source: str, user: str, library_log: LibraryLog) -> Change:
    """Take one document out of the library: its file is moved aside, its passages removed."""
    before = counts(coach)
    if source not in before:
        raise BadInputError(f"'{source}' is not in the library; pick a document from the list.")
    root = Path(coach.settings.knowledge_dir).resolve()
    path = source_path(source, root).resolve()
    if root not in path.parents:
        raise BadInputError(f"'{source}' is not in the knowledge folder, so it cannot be "
                            "removed from here.")
    moved = ""
    if path.is_file():
        stamp = now().replace(":", "").replace("+0000", "Z")
        target = Path(coach.settings.home) / REMOVED_DIR / stamp / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        moved = f"file kept at {target}"
    report = coach.ingest([root])
    after = counts(coach)
    change = Change(now(), user, "removed", source, before[source], after.get(source, 0),
                    moved)
    others = [c for c in changes_from(report, before, after, user, "re-indexed with a removal")
              if c.document != source]
    library_log.record([change, *others])
    return change


def history_rows(changes: list[Change]) -> list[list[Any]]:
    """Rows for the Library tab's history table."""
    return [[c.at.replace("T", " ")[:16], c.user, c.action, c.document, c.chunks_before,
             c.chunks_after, c.detail] for c in changes]


HISTORY_HEADERS = ["When (UTC)", "Who", "What", "Document", "Passages before",
                   "Passages after", "Note"]
