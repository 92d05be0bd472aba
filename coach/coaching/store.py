"""Per-user coaching progress and assessment history, kept in the app's database.

Progress is one JSON record per user, decoded against the current journey.yaml: whatever no
longer fits (a renamed or removed step, an unknown checklist item, a hand-edited field that
makes no sense) is kept aside in the record with a warning, never dropped. A record that is not
JSON at all is copied to the archive table before anything replaces it. Reset archives the old
record too. The tables are in coach/db/schema.py; SQLite or PostgreSQL, the code is the same.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.coaching import assessment
from coach.coaching.journey import Journey
from coach.coaching.machine import Action, Progress, Stage, StepProgress, suggested_step
from coach.db import Database, check_user, now
from coach.db.schema import assessments as ASSESSMENTS
from coach.db.schema import progress as PROGRESS
from coach.db.schema import progress_archive as ARCHIVE
from coach.errors import BadInputError, CoachError

log = logging.getLogger(__name__)

RECORD_VERSION = 1


class ProgressStoreError(CoachError):
    """A saved record was written by a newer version."""


def _data(conn: Connection, user: str) -> str | None:
    row = conn.execute(sa.select(PROGRESS.c.data).where(PROGRESS.c.user_name == user)).first()
    return None if row is None else str(row[0])


class ProgressStore:
    def __init__(self, db: Database):
        self.db = db

    # -- progress --------------------------------------------------------------------------
    def load(self, user: str, journey: Journey) -> Progress:
        user = check_user(user)
        with self.db.begin() as conn:
            raw = _data(conn, user)
            if raw is None:
                return Progress()
            try:
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise ValueError("the record is not a JSON object")
            except ValueError as exc:
                self._archive(conn, user, "unreadable progress record", raw)
                return Progress(warnings=(
                    f"Your saved progress could not be read ({exc}). A copy was kept in the "
                    "progress archive; you start again from here.",))
        version = data.get("v", RECORD_VERSION)
        if isinstance(version, int) and version > RECORD_VERSION:
            raise ProgressStoreError(
                f"The saved progress for {user!r} was written by a newer Improvement Coach; "
                "upgrade to use it.")
        return decode(data, journey)

    def save(self, user: str, progress: Progress) -> None:
        self.write_raw(user, json.dumps(encode(progress), ensure_ascii=False, sort_keys=True))

    def reset(self, user: str) -> bool:
        """Clear a user's journey (assessment history stays). The old record is archived."""
        user = check_user(user)
        with self.db.begin() as conn:
            raw = _data(conn, user)
            if raw is None:
                return False
            self._archive(conn, user, "reset", raw)
            conn.execute(PROGRESS.delete().where(PROGRESS.c.user_name == user))
        return True

    def _archive(self, conn: Connection, user: str, reason: str, data: str) -> None:
        """Copy a record to the archive (once: loading the same bad record again adds none)."""
        c = ARCHIVE.c
        if conn.execute(sa.select(c.id).where(c.user_name == user, c.data == data,
                                              c.reason == reason)).first():
            return
        conn.execute(ARCHIVE.insert().values(user_name=user, archived_at=now(), reason=reason,
                                             data=data))
        log.warning("archived the progress record of %s (%s)", user, reason)

    def archived(self, user: str) -> list[tuple[str, str, str]]:
        c = ARCHIVE.c
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(c.archived_at, c.reason, c.data).where(
                c.user_name == check_user(user)).order_by(c.id)).all()
        return [(str(a), str(r), str(d)) for a, r, d in rows]

    def raw(self, user: str) -> str | None:
        with self.db.connect() as conn:
            return _data(conn, check_user(user))

    def write_raw(self, user: str, data: str) -> None:
        """Store a record exactly as given (for repair tools and tests of hand edits)."""
        with self.db.begin() as conn:
            self.db.upsert(conn, PROGRESS, {"user_name": check_user(user), "data": data,
                                            "updated_at": now()}, key=["user_name"])

    # -- assessments -----------------------------------------------------------------------
    def add_assessment(self, user: str, scores: dict[str, int]) -> str:
        taken = now()
        with self.db.begin() as conn:
            conn.execute(ASSESSMENTS.insert().values(
                user_name=check_user(user), taken_at=taken,
                scores=json.dumps(scores, sort_keys=True)))
        return taken

    def assessments(self, user: str, journey: Journey
                    ) -> tuple[list[assessment.Result], list[str]]:
        """Every assessment the user took, oldest first, scored against the current journey.

        One that no longer matches journey.yaml (items renamed or removed) is left in the
        database and reported instead of shown.
        """
        c = ASSESSMENTS.c
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(c.taken_at, c.scores).where(
                c.user_name == check_user(user)).order_by(c.id)).all()
        results, warnings = [], []
        for taken_at, raw in rows:
            try:
                results.append(assessment.score(journey, json.loads(raw), taken_at))
            except (ValueError, TypeError, AttributeError, BadInputError) as exc:
                warnings.append(f"The assessment taken {taken_at} no longer matches "
                                f"journey.yaml and is not shown (it is kept): {exc}")
        return results, warnings

    # -- everyone (the Insights tab's aggregates; never shown one by one) --------------------
    def everyone(self, journey: Journey) -> list[Progress]:
        """Every saved journey, decoded (records that are not JSON objects are skipped)."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(PROGRESS.c.data).order_by(PROGRESS.c.user_name)).all()
        out = []
        for (raw,) in rows:
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            if isinstance(data, dict):
                out.append(decode(data, journey))
        return out

    def latest_assessments(self, journey: Journey) -> list[assessment.Result]:
        """Each person's latest assessment that still matches journey.yaml."""
        c = ASSESSMENTS.c
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(c.user_name, c.taken_at, c.scores).order_by(c.id)).all()
        latest = {str(user): (taken, raw) for user, taken, raw in rows}
        out = []
        for taken, raw in latest.values():
            try:
                out.append(assessment.score(journey, json.loads(raw), taken))
            except (ValueError, TypeError, AttributeError, BadInputError):
                continue
        return out


# -- records -------------------------------------------------------------------------------
def encode(progress: Progress) -> dict[str, Any]:
    steps = {
        sid: {"ticked": sorted(sp.ticked), "notes": list(sp.notes), "completed": sp.completed,
              "visited": sp.visited,
              "actions": [{"what": a.what, "owner": a.owner, "due": a.due.isoformat()}
                          for a in sp.actions]}
        for sid, sp in progress.steps
    }
    return {"v": RECORD_VERSION, "stage": progress.stage.value, "current": progress.current,
            "steps": steps, "kept": dict(progress.kept)}


def decode(data: dict[str, Any], journey: Journey) -> Progress:
    """A Progress from a saved record; what does not fit the journey goes to ``kept``."""
    kept: dict[str, Any] = dict(data.get("kept") or {}) if isinstance(data.get("kept"),
                                                                        dict) else {}
    warnings: list[str] = []
    raw_steps = data.get("steps", {})
    if not isinstance(raw_steps, dict):
        kept["steps"], raw_steps = raw_steps, {}
        warnings.append("The saved steps were not in the expected form; they were kept aside.")
    # a step kept aside earlier comes back when journey.yaml has it again
    for key in [k for k in kept if k.startswith("step:") and k[5:] in _ids(journey)]:
        raw_steps.setdefault(key[5:], kept.pop(key))
    steps: dict[str, StepProgress] = {}
    for sid, raw in raw_steps.items():
        if sid not in _ids(journey):
            kept[f"step:{sid}"] = raw
            continue
        steps[sid] = _decode_step(journey, sid, raw, kept, warnings)
    for key in kept:
        if key.startswith("step:"):
            warnings.append(
                f"Saved progress for step {key[5:]!r} does not match any step in journey.yaml "
                "(renamed or removed?). It is kept aside: give the step that id again to see "
                "it, or reset the journey to clear it.")
    progress = Progress(steps=tuple(steps.items()), kept=tuple(kept.items()))
    return _place(journey, data, progress, warnings)


def _ids(journey: Journey) -> set[str]:
    return {s.id for s in journey.steps}


def _list(raw: dict[str, Any], key: str, sid: str, kept: dict[str, Any],
          warnings: list[str], title: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        kept[f"{key}:{sid}"] = value
        warnings.append(f"{title}: the saved {key} were not a list; kept aside.")
        return []
    return value


def _decode_step(journey: Journey, sid: str, raw: Any, kept: dict[str, Any],
                 warnings: list[str]) -> StepProgress:
    title = journey.step(sid).title
    if not isinstance(raw, dict):
        kept[f"unreadable:{sid}"] = raw
        warnings.append(f"The saved entry for {title!r} was unreadable; it was kept aside.")
        return StepProgress()
    items = {c.id for c in journey.step(sid).checklist}
    earlier = kept.pop(f"ticked:{sid}", [])  # items kept aside last time may fit again
    ticked = _list(raw, "ticked", sid, kept, warnings, title) + (
        earlier if isinstance(earlier, list) else [])
    unknown = [t for t in ticked if not isinstance(t, str) or t not in items]
    if unknown:
        kept[f"ticked:{sid}"] = unknown
        warnings.append(f"{title}: ticked item(s) {', '.join(map(str, unknown))} are not in "
                        "its checklist in journey.yaml any more; kept aside.")
    notes = _list(raw, "notes", sid, kept, warnings, title)
    if any(not isinstance(n, str) for n in notes):
        kept[f"notes:{sid}"] = [n for n in notes if not isinstance(n, str)]
        warnings.append(f"{title}: some saved notes were not text; kept aside.")
    actions = []
    for n, a in enumerate(_list(raw, "actions", sid, kept, warnings, title)):
        try:
            actions.append(Action(str(a["what"]), str(a["owner"]),
                                  dt.date.fromisoformat(a["due"])))
        except (KeyError, TypeError, ValueError):
            kept[f"action:{sid}:{n}"] = a
            warnings.append(f"{title}: action {n + 1} was unreadable (what, owner and a "
                            "YYYY-MM-DD due date are needed); kept aside.")
    done = raw.get("completed")
    completed = done if isinstance(done, str) and done in ("done", "already in place") else ""
    return StepProgress(frozenset(t for t in ticked if isinstance(t, str) and t in items),
                        tuple(n for n in notes if isinstance(n, str)), tuple(actions),
                        completed, bool(raw.get("visited")))


def _place(journey: Journey, data: dict[str, Any], progress: Progress,
           warnings: list[str]) -> Progress:
    """Stage and current step from the record, repaired when they make no sense."""
    try:
        stage = Stage(data.get("stage", "new"))
    except (ValueError, TypeError):
        stage = Stage.ON_STEP if progress.steps else Stage.NEW
        warnings.append(f"The saved stage {data.get('stage')!r} is unknown; it was reset to "
                        f"{stage.value!r}.")
    current = data.get("current")
    if current is not None and (not isinstance(current, str) or current not in _ids(journey)):
        warnings.append(f"The saved current step {current!r} is not in journey.yaml; "
                        f"showing {suggested_step(journey, progress).title!r} instead.")
        current = None
    if stage in (Stage.ON_STEP, Stage.FINISHED) and current is None:
        current = suggested_step(journey, progress).id
    if stage == Stage.FINISHED and not all(progress.step(s.id).completed for s in journey.steps):
        stage = Stage.ON_STEP
    return Progress(stage=stage, current=current, steps=progress.steps, kept=progress.kept,
                    warnings=tuple(warnings))
