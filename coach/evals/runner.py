"""Run a suite through the real Coach and write the run: JSON (config, hashes, per-case scores
and evidence) and a self-contained HTML report.

One engine behind both front doors: ``coach eval run`` (coach/evals/cli.py) and the Evaluate
tab (coach/evals/runs.py) call ``run_suite`` here, which finds the suite's kind in
coach/evals/kinds.py (Q&A: coach/evals/qa.py; scripted conversations: coach/evals/coaching.py)
and hands the suite to it. The pytest plugin (coach/evals/pytest_plugin.py) collects each
kind's items, which call that kind's ``run_case`` / ``summarise``. The run file's format and
fingerprints are in coach/evals/runfile.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError
from coach.evals.kinds import kind_of
from coach.evals.report import render_report
from coach.evals.runfile import READABLE_FORMATS, write_files
from coach.types import CaseCallback

if TYPE_CHECKING:
    from coach.evals.judge import LLMJudge
    from coach.pipeline import Coach


def run_suite(coach: Coach, suite_path: Path, *, progress: CaseCallback | None = None,
              judge: LLMJudge | None = None, label: str = "") -> dict[str, Any]:
    """Run every case of a suite through ``coach``, as its kind runs it; return the run record
    (see RUN_FORMAT)."""
    suite_path = Path(suite_path)
    return kind_of(suite_path).run(coach, suite_path, progress=progress, judge=judge,
                                   label=label)


def write_run(run: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write run.json and report.html into ``out_dir`` (created); return both paths."""
    return write_files(run, out_dir, render_report(run))


def load_run(path: Path) -> dict[str, Any]:
    """A run written by ``write_run`` (the run.json file or its folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "run.json"
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CoachError(f"{path}: not a readable eval run ({exc})") from exc
    if not isinstance(run, dict) or run.get("format") not in READABLE_FORMATS:
        raise CoachError(f"{path}: not an eval run written by `coach eval run`")
    return run
