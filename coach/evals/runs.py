"""Where eval runs live and the run-save-compare workflow behind the Evaluate tab.

Runs are folders under ``COACH_HOME/evals/``, named ``<suite>-<YYYYmmdd-HHMMSS>`` (UTC), with a
``-2``, ``-3``... suffix when a run of that suite already has that second's name, so two runs
never share a folder and their names still sort by time. ``coach eval run`` and the web app
write to the same place and share one history; each run records who ran it (``run_by``: the
signed-in user in the web app, ``local`` on the command line). The history, trend and compare
view of those folders: coach/evals/history.py, trend.py and sidebyside.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.db import LOCAL_USER
from coach.evals.compare import compare_runs
from coach.evals.kinds import load_any_suite
from coach.evals.runner import load_run, run_suite, write_run
from coach.types import CaseCallback

if TYPE_CHECKING:
    from coach.evals.judge import LLMJudge
    from coach.pipeline import Coach

RUNS_DIR = "evals"
_STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class SavedRun:
    """One suite run, written to disk, with the comparison against the run before it."""

    run: dict[str, Any]
    folder: Path
    json_path: Path
    report_path: Path
    previous: Path | None  # the latest earlier run of the same suite, if any
    comparison: dict[str, Any] | None  # compare_runs(previous, run)


def runs_dir(home: Path) -> Path:
    return Path(home) / RUNS_DIR


def run_folder(home: Path, suite_name: str, now: datetime | None = None) -> Path:
    """Create and return a new, unique run folder for ``suite_name`` under ``home/evals``."""
    base = runs_dir(home)
    base.mkdir(parents=True, exist_ok=True)
    stem = f"{suite_name}-{(now or datetime.now(UTC)).strftime(_STAMP)}"
    n = 1
    while True:
        folder = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            n += 1


def run_order(folder: Path, suite_name: str) -> tuple[str, int] | None:
    """(time stamp, counter) of a run folder of this suite; None for any other folder."""
    match = re.fullmatch(rf"{re.escape(suite_name)}-(\d{{8}}-\d{{6}})(?:-(\d+))?", folder.name)
    return (match[1], int(match[2] or 1)) if match else None


def previous_run(runs: Path, suite_name: str, before: Path | None = None) -> Path | None:
    """The latest run folder of a suite holding a run.json (earlier than ``before``, if given)."""
    found = [(key, p) for p in Path(runs).glob(f"{suite_name}-*")
             if (key := run_order(p, suite_name)) and (p / "run.json").is_file()]
    limit = run_order(before, suite_name) if before is not None else None
    if limit is not None:
        found = [(key, p) for key, p in found if key < limit]
    return max(found)[1] if found else None


def list_suites(evals_dir: Path) -> list[str]:
    """Suite files under the evals folder (YAML files naming a cases file), as relative paths."""
    found = []
    for path in sorted(Path(evals_dir).rglob("*.yaml")):
        try:
            head = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.startswith("cases:") for line in head.splitlines()):
            found.append(path.relative_to(evals_dir).as_posix())
    return found


def run_and_save(coach: Coach, suite_path: Path, *, progress: CaseCallback | None = None,
                 label: str = "", judge: LLMJudge | None = None,
                 user: str = LOCAL_USER) -> SavedRun:
    """Run a suite (Q&A or coaching) through ``coach``, write it to a new run folder under
    COACH_HOME/evals (recording ``user`` as who ran it), and compare it with the previous run
    of that suite.

    A bad suite raises ``SuiteError`` (a ``CoachError``) before anything is written."""
    suite = load_any_suite(suite_path)
    run = run_suite(coach, suite_path, progress=progress, label=label, judge=judge)
    run["run_by"] = user
    folder = run_folder(coach.settings.home, suite.name)
    json_path, report_path = write_run(run, folder)
    before = previous_run(runs_dir(coach.settings.home), suite.name, folder)
    comparison = compare_runs(load_run(before), run) if before is not None else None
    return SavedRun(run, folder, json_path, report_path, before, comparison)


def forget_user(home: Path, user: str) -> int:
    """Take ``user`` out of the saved runs (`coach users forget`): a run they made keeps its
    figures with ``run_by`` cleared, and their choices in the compare view's
    ``preferences.jsonl`` files go. Returns how many files changed."""
    import json

    changed = 0
    for path in sorted(runs_dir(home).glob("*/run.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("run_by") == user:
            data["run_by"] = ""
            path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
            changed += 1
    for path in sorted(runs_dir(home).glob("*/preferences.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if _user_of(line) != user]
        if len(kept) != len(lines):
            path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
            changed += 1
    return changed


def _user_of(line: str) -> str | None:
    import json

    try:
        value = json.loads(line)
    except ValueError:
        return None
    return str(value.get("user")) if isinstance(value, dict) else None
