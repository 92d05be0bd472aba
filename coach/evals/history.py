"""The history of a suite's runs, as the Evaluate tab's table and trend chart read it: one row
per run folder under ``COACH_HOME/evals/`` (coach/evals/runs.py names them), newest first, with
when it ran, the suite's version, who ran it, the verdict, the pass rate and the headline
metrics; and the trend of those metrics across runs, oldest first.

The headline metrics are the ones the suite gates (its thresholds), after the pass rate; a suite
with no thresholds shows ``DEFAULT_HEADLINE``. When a run has dev and held-out cases, the
figures are the dev split's (as the thresholds read them) and the row says so.

Reading a run folder is cached by its run.json's modification time, so redrawing the table
after each run reads only the new one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.errors import BadInputError, CoachError
from coach.evals.metrics import MAXIMA
from coach.evals.qa_report import gated_aggregate, split_runs
from coach.evals.runfile import suite_version
from coach.evals.runner import load_run
from coach.evals.runs import run_order, runs_dir
from coach.evals.splits import DEV

log = logging.getLogger(__name__)

PASS_RATE = "pass_rate"
DEFAULT_HEADLINE = ("hit_at_k", "groundedness", "must_include", "abstention_recall")
_STAMPED = re.compile(r"-(\d{8}-\d{6})(?:-(\d+))?$")  # <suite>-<UTC time>[-n]


@dataclass(frozen=True)
class RunRow:
    """One run of a suite, as the history table shows it."""

    name: str  # the run folder's name: <suite>-<UTC time>[-n]
    folder: Path
    started_at: str  # ISO time, UTC
    suite: str
    version: int | str
    run_by: str  # "" for a run that did not record who ran it
    label: str
    ok: bool  # every threshold met
    passed: int
    cases: int
    split: str  # "dev" when the figures are the dev split's; "" when they are every case's
    metrics: dict[str, float | None] = field(default_factory=dict)  # pass rate first

    @property
    def pass_rate(self) -> float | None:
        return self.metrics.get(PASS_RATE)


def headline(run: dict[str, Any]) -> list[str]:
    """The metrics a run's suite gates (in its thresholds' order), else the defaults it has."""
    gated = [t["metric"] for t in run.get("thresholds", [])]
    figures = gated_aggregate(run)
    return gated or [name for name in DEFAULT_HEADLINE if name in figures]


def run_row(folder: Path, run: dict[str, Any]) -> RunRow:
    """The history row of one run record (read from ``folder``)."""
    splits = split_runs(run)
    counts = splits[DEV]["counts"] if DEV in splits else run.get("counts", {})
    figures = gated_aggregate(run)
    cases, passed = int(counts.get("cases", 0)), int(counts.get("passed", 0))
    metrics: dict[str, float | None] = {PASS_RATE: round(passed / cases, 4) if cases else None}
    metrics.update({name: figures.get(name) for name in headline(run)})
    return RunRow(name=folder.name, folder=folder, started_at=str(run.get("started_at", "")),
                  suite=str(run["suite"]["name"]), version=suite_version(run),
                  run_by=str(run.get("run_by") or ""), label=str(run.get("label") or ""),
                  ok=bool(run.get("ok")), passed=passed, cases=cases,
                  split=DEV if DEV in splits else "", metrics=metrics)


@lru_cache(maxsize=512)
def _cached_row(folder: Path, modified: int) -> RunRow:
    return run_row(folder, load_run(folder))


def read_row(folder: Path) -> RunRow | None:
    """The row of a run folder, or None when its run.json cannot be read as a run."""
    try:
        return _cached_row(folder, (folder / "run.json").stat().st_mtime_ns)
    except (OSError, CoachError, KeyError, TypeError, ValueError) as exc:
        log.warning("skipping run %s: %s", folder, exc)
        return None


def list_runs(home: Path, suite_name: str) -> list[RunRow]:
    """Every readable run of the suite called ``suite_name`` under ``home/evals``, newest
    first."""
    runs = runs_dir(home)
    found = sorted(((key, p) for p in runs.glob(f"{suite_name}-*")
                    if (key := run_order(p, suite_name)) and (p / "run.json").is_file()),
                   reverse=True)
    return [row for _, p in found if (row := read_row(p)) is not None]


def run_names(home: Path) -> list[str]:
    """The folder name of every run of every suite under ``home/evals`` (those holding a
    run.json), newest first: the choices of the compare view."""
    runs = runs_dir(home)
    if not runs.is_dir():
        return []
    folders = [p for p in runs.iterdir() if (p / "run.json").is_file()]
    return [p.name for p in sorted(folders, key=_when, reverse=True)]


def _when(folder: Path) -> tuple[str, int, str]:
    """Sort key of a run folder of any suite: its time stamp and counter, then its name."""
    match = _STAMPED.search(folder.name)
    return (match[1], int(match[2] or 1), folder.name) if match else ("", 0, folder.name)


def find_run(home: Path, name: str | None) -> Path:
    """The run folder called ``name`` under ``home/evals`` (a name, never a path elsewhere);
    a BadInputError when there is none."""
    runs = runs_dir(home)
    folder = (runs / str(name or "")).resolve()
    if not name or folder.parent != runs.resolve() or not (folder / "run.json").is_file():
        raise BadInputError(f"There is no run called {name!r} in {runs}.")
    return folder


def default_pair(rows: list[RunRow]) -> tuple[str | None, str | None]:
    """The compare view's first choice for a suite: (the run before the latest, the latest)."""
    if not rows:
        return None, None
    return (rows[1].name if len(rows) > 1 else None), rows[0].name


def chartable(name: str) -> bool:
    """Whether a metric is a share between 0 and 1 (a reply length is not)."""
    return name not in MAXIMA
