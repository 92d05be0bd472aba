"""Sources that sync: folders and web addresses mirrored into the library, on demand or on a
schedule.

``COACH_SOURCES`` names each source. A sync mirrors each one into
``COACH_KNOWLEDGE_DIR/sources/<name>/`` and indexes that folder, so cited passages come from a
copy the library owns (source ids ``sources/<name>/<path>``) and the original is never written.

The plan compares the source with its mirror by content hash:

- **added**: a file the mirror does not have;
- **changed**: the same path with other content;
- **renamed**: a path that left the source while a new path brought the same content (the audit
  table records the move, so the document keeps its history);
- **removed**: a path that left the source for good: its passages leave the index and its copy
  is moved to ``COACH_HOME/removed/<time>/`` as a removal from the Library tab is;
- **unchanged**.

A web source is one page or file fetched with a conditional request (ETag / Last-Modified kept
in the mirror's ``.sync-state.json``), a timeout and the upload size limit; 304 Not Modified
is unchanged. A source that cannot be reached (a missing folder, a refused connection, an HTTP
error) changes nothing and is reported. Every change is written to the library's audit table
with the source it came from. One runner at a time across replicas: the ``library-sync``
database lock (coach/db/locks.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from coach.config import Settings
from coach.db import Database, now
from coach.db.locks import holder, named_lock
from coach.errors import BadInputError
from coach.ingest.loaders import is_supported
from coach.ingest.pipeline import DATA_SUFFIXES
from coach.library.changes import REMOVED_DIR, Change, LibraryLog, changes_from, counts

if TYPE_CHECKING:
    from coach.pipeline import Coach

log = logging.getLogger(__name__)

SOURCES_DIR = "sources"
STATE_FILE = ".sync-state.json"
LOCK = "library-sync"
SYNC_USER = "sync"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ACTIONS = ("added", "changed", "renamed", "removed", "unchanged")


@dataclass(frozen=True)
class Source:
    """One entry of COACH_SOURCES: a folder or a web address, mirrored under ``name``."""

    name: str
    location: str

    @property
    def is_web(self) -> bool:
        return self.location.startswith(("http://", "https://"))


def parse_sources(text: str) -> list[Source]:
    """COACH_SOURCES as sources: comma or newline separated, each ``[NAME=]folder-or-URL``.

    A name is derived from the folder's last part or the address's host and path when not
    given; two sources may not share a name."""
    out: list[Source] = []
    for raw in re.split(r"[,\n]", text):
        entry = raw.strip()
        if not entry:
            continue
        name, sep, location = entry.partition("=")
        if not sep or "/" in name or ":" in name:
            name, location = "", entry
        location = location.strip()
        name = (name.strip().lower() or _derived_name(location))
        if not _NAME.match(name):
            raise BadInputError(
                f"COACH_SOURCES: '{name}' cannot name a source: use lower-case letters, digits, "
                "'-' or '_' (up to 40), as in policies=/mnt/share/qi.")
        if any(s.name == name for s in out):
            raise BadInputError(f"COACH_SOURCES: two sources are named '{name}'; name each one, "
                                "as in policies=/mnt/share/qi.")
        out.append(Source(name, location))
    return out


def _derived_name(location: str) -> str:
    if location.startswith(("http://", "https://")):
        parts = urlsplit(location)
        base = f"{parts.hostname or 'web'}-{PurePosixPath(parts.path).stem}"
    else:
        base = Path(location).name or "folder"
    return (re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-_") or "source")[:40]


@dataclass(frozen=True)
class Step:
    """One line of a plan: what happens to ``path`` (relative to the source's mirror)."""

    action: str
    path: str
    was: str = ""  # a rename's old path


@dataclass
class SourcePlan:
    source: Source
    steps: list[Step] = field(default_factory=list)
    problem: str = ""  # why the source could not be read: nothing of it changes
    # a web source's new body and validators, kept until the plan is applied
    body: bytes | None = None
    state: dict[str, str] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for s in self.steps if s.action == action)

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.action != "unchanged"]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> dict[str, str]:
    """Relative path -> content hash for every document under ``root`` (hidden files and
    files the loaders cannot read are left out)."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        # what ingest reads: no hidden or '_' parts, no data files
        if (not path.is_file() or any(p.startswith((".", "_")) for p in rel.parts)
                or path.suffix.lower() in DATA_SUFFIXES or not is_supported(path)):
            continue
        out[rel.as_posix()] = _digest(path)
    return out


def plan_files(source: dict[str, str], mirror: dict[str, str]) -> list[Step]:
    """The steps that make ``mirror`` (path -> hash) equal ``source`` (pure)."""
    steps: list[Step] = []
    gone = {p: h for p, h in mirror.items() if p not in source}
    by_hash: dict[str, list[str]] = {}
    for p, h in sorted(gone.items()):
        by_hash.setdefault(h, []).append(p)
    for path, digest in sorted(source.items()):
        if path in mirror:
            steps.append(Step("unchanged" if mirror[path] == digest else "changed", path))
        elif by_hash.get(digest):
            was = by_hash[digest].pop(0)
            del gone[was]
            steps.append(Step("renamed", path, was))
        else:
            steps.append(Step("added", path))
    steps += [Step("removed", p) for p in sorted(gone)]
    return steps


class Syncer:
    """Plans and applies the sync of every configured source."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.sources = parse_sources(settings.sources)
        self.root = Path(settings.knowledge_dir) / SOURCES_DIR

    def mirror(self, source: Source) -> Path:
        return self.root / source.name

    # -- planning --------------------------------------------------------------------------
    def plan(self) -> list[SourcePlan]:
        return [self._plan_web(s) if s.is_web else self._plan_folder(s) for s in self.sources]

    def _plan_folder(self, source: Source) -> SourcePlan:
        folder = Path(source.location).expanduser()
        if not folder.is_dir():
            return SourcePlan(source, problem=f"the folder {folder} cannot be found or read")
        try:
            found = _files(folder)
        except OSError as exc:
            return SourcePlan(source, problem=f"the folder {folder} cannot be read "
                                              f"({exc.strerror or exc})")
        mirror = self.mirror(source)
        return SourcePlan(source, plan_files(found, _files(mirror) if mirror.is_dir() else {}))

    def _plan_web(self, source: Source) -> SourcePlan:
        import httpx

        mirror = self.mirror(source)
        state = _read_state(mirror)
        name = state.get("file") or _web_file_name(source.location, "")
        headers = {}
        if (mirror / name).is_file():
            if state.get("etag"):
                headers["If-None-Match"] = state["etag"]
            if state.get("last_modified"):
                headers["If-Modified-Since"] = state["last_modified"]
        limit = self.settings.max_upload_mb * 1024 * 1024
        try:
            with httpx.Client(timeout=self.settings.sync_timeout_s, follow_redirects=True) as c, \
                    c.stream("GET", source.location, headers=headers) as resp:
                if resp.status_code == 304:
                    return SourcePlan(source, [Step("unchanged", name)], state=state)
                if resp.status_code >= 400:
                    return SourcePlan(source, problem=f"{source.location} answered HTTP "
                                                      f"{resp.status_code}")
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        return SourcePlan(source, problem=(
                            f"{source.location} is larger than the "
                            f"{self.settings.max_upload_mb} MB limit (COACH_MAX_UPLOAD_MB)"))
                kind = resp.headers.get("content-type", "")
                new_state = {"etag": resp.headers.get("etag", ""),
                             "last_modified": resp.headers.get("last-modified", "")}
        except httpx.HTTPError as exc:
            return SourcePlan(source, problem=f"{source.location} could not be reached "
                                              f"({type(exc).__name__}: {exc})")
        fresh = _web_file_name(source.location, kind)
        new_state["file"] = fresh
        old = {name: _digest(mirror / name)} if (mirror / name).is_file() else {}
        steps = plan_files({fresh: hashlib.sha256(bytes(body)).hexdigest()}, old)
        return SourcePlan(source, steps, body=bytes(body), state=new_state)

    # -- applying --------------------------------------------------------------------------
    def apply(self, coach: Coach, plans: Sequence[SourcePlan], library_log: LibraryLog
              ) -> list[Change]:
        """Make each mirror match its plan, index the mirrors, and record the changes."""
        todo = [p for p in plans if not p.problem and (p.changes or p.body is not None)]
        if not todo:
            return []
        before = counts(coach)
        moved: dict[str, str] = {}
        for plan in todo:
            self._apply_one(plan, moved)
        report = coach.ingest([self.mirror(p.source) for p in todo])
        after = counts(coach)
        renamed = {f"{self._sid(p.source, s.path)}": self._sid(p.source, s.was)
                   for p in todo for s in p.steps if s.action == "renamed"}
        out: list[Change] = []
        for change in changes_from(report, before, after, SYNC_USER,
                                   detail=_detail(todo)):
            if change.action == "added" and change.document in renamed:
                old = renamed[change.document]
                out.append(Change(change.at, SYNC_USER, "renamed", change.document,
                                  before.get(old, 0), change.chunks_after,
                                  f"was {old}; {change.detail}"))
            elif change.action == "removed" and change.document in renamed.values():
                continue  # recorded as the rename
            elif change.action == "removed" and change.document in moved:
                out.append(Change(change.at, SYNC_USER, "removed", change.document,
                                  change.chunks_before, 0,
                                  f"{change.detail}; file kept at {moved[change.document]}"))
            else:
                out.append(change)
        library_log.record(out)
        return out

    def _sid(self, source: Source, path: str) -> str:
        return f"{SOURCES_DIR}/{source.name}/{path}"

    def _apply_one(self, plan: SourcePlan, moved: dict[str, str]) -> None:
        mirror = self.mirror(plan.source)
        mirror.mkdir(parents=True, exist_ok=True)
        origin = None if plan.source.is_web else Path(plan.source.location).expanduser()
        for step in plan.steps:
            target = mirror / step.path
            if step.action == "renamed":
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(mirror / step.was), target)
            elif step.action in ("added", "changed"):
                target.parent.mkdir(parents=True, exist_ok=True)
                if origin is not None:
                    shutil.copyfile(origin / step.path, target)
                elif plan.body is not None:
                    target.write_bytes(plan.body)
            elif step.action == "removed":
                when = now().replace(":", "").replace("+0000", "Z")
                kept = (Path(self.settings.home) / REMOVED_DIR / when / SOURCES_DIR
                        / plan.source.name / step.path)
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(target), kept)
                moved[self._sid(plan.source, step.path)] = str(kept)
        if plan.source.is_web:
            _write_state(mirror, plan.state)


def _detail(plans: Iterable[SourcePlan]) -> str:
    return "synced from " + ", ".join(f"{p.source.name} ({p.source.location})" for p in plans)


def _web_file_name(url: str, content_type: str) -> str:
    """The mirror's file name for a web address: its last path part, with the extension
    its content type calls for when it has none the loaders read."""
    parts = urlsplit(url)
    stem = PurePosixPath(parts.path).name or parts.hostname or "page"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-") or "page"
    if is_supported(Path(stem)):
        return stem
    ext = ".pdf" if "pdf" in content_type else ".html"
    return stem + ext


def _read_state(mirror: Path) -> dict[str, str]:
    try:
        data = json.loads((mirror / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_state(mirror: Path, state: dict[str, str]) -> None:
    (mirror / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")


@dataclass
class SyncResult:
    plans: list[SourcePlan]
    changes: list[Change]
    ran: bool = True  # False: another process was syncing (``busy`` says who)
    busy: str = ""


def sync(coach: Coach, db: Database, *, dry_run: bool = False, wait: bool = True
         ) -> SyncResult:
    """Plan (and unless ``dry_run``, apply) the sync of every source, under the
    ``library-sync`` lock: with ``wait=False`` a sync already running elsewhere is left to
    finish and this one does nothing."""
    syncer = Syncer(coach.settings)
    if dry_run:
        return SyncResult(syncer.plan(), [])
    with named_lock(db, LOCK, wait=wait) as held:
        if not held:
            return SyncResult([], [], ran=False, busy=holder(db, LOCK))
        plans = syncer.plan()
        return SyncResult(plans, syncer.apply(coach, plans, LibraryLog(db)))


def schedule(coach: Coach, db: Database, minutes: int) -> threading.Thread | None:
    """Sync every ``minutes`` in a daemon thread (``coach serve`` with COACH_SYNC_MINUTES):
    each round that finds another replica syncing leaves it to that one. None when off."""
    if minutes <= 0 or not parse_sources(coach.settings.sources):
        return None

    def rounds() -> None:
        while True:
            try:
                result = sync(coach, db, wait=False)
                if result.ran:
                    for plan in result.plans:
                        if plan.problem:
                            log.warning("sync: %s not synced: %s", plan.source.name,
                                        plan.problem)
                    log.info("sync: %d change(s) to the library", len(result.changes))
            except Exception:  # a failed round must not end the schedule
                log.exception("sync: the scheduled sync failed; trying again in %d min",
                              minutes)
            time.sleep(minutes * 60)

    thread = threading.Thread(target=rounds, name="library-sync", daemon=True)
    thread.start()
    return thread
