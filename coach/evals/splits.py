"""Dev and held-out splits: the two names, and the only readers fit code may use.

Every case of a Q&A suite and every row of a labelled question set (evals/clinical/,
evals/scope/) belongs to one split. ``dev`` is what fits, thresholds and rules may see;
``held-out`` is measured and reported, never fitted on. A Q&A suite's cases are read for a fit
by ``cases.load_fit_cases`` (dev cases only); a labelled set's rows by ``fit_rows`` here. A
fit script scores its finished model on the held-out rows, once, only through
``held_out_rows`` inside a function called ``score_held_out`` (tests/test_fit_splits.py reads
the fit scripts and fails on any other way in). ``all_rows`` (both splits) is for tests and
benchmarks that measure a shipped check.

The labelled sets were split before the names were shared, and keep their words: the clinical
set says ``train`` / ``heldout`` (a missing split is ``train``), the off-topic set ``fit`` /
``held-out``. ``split_name`` reads them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

DEV: Literal["dev"] = "dev"
HELD_OUT: Literal["held-out"] = "held-out"
SPLITS = (DEV, HELD_OUT)
Split = Literal["dev", "held-out"]

# the labelled question sets' own words for the two splits
_NAMES: dict[str, Split] = {"dev": DEV, "fit": DEV, "train": DEV,
                            "held-out": HELD_OUT, "heldout": HELD_OUT}


def split_name(value: object) -> Split | None:
    """The split a written name means (``dev``, ``fit``, ``train``; ``held-out``,
    ``heldout``), or None for anything else."""
    return _NAMES.get(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Row:
    """One line of a labelled question set: where it is (``path:line``) and its fields."""

    where: str
    fields: dict[str, Any]


def _rows(path: Path, split: Split | None, default: str | None) -> list[Row]:
    """The rows of one split (None: both, in file order); the other split's lines are dropped
    as each is parsed, before anything else in them is looked at."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
        written = fields.get("split", default) if isinstance(fields, dict) else None
        name = split_name(written)
        if name is None:
            raise ValueError(f"{path}:{n}: split must be one of "
                             f"{', '.join(sorted(_NAMES))} (got {written!r})")
        if split is None or name == split:
            rows.append(Row(f"{path}:{n}", fields))
    return rows


def fit_rows(path: Path, *, default: str | None = None) -> list[Row]:
    """The dev rows of a labelled question set: the only rows a fit may read. ``default``:
    the split of a row that names none (None: every row must name one)."""
    return _rows(path, DEV, default)


def held_out_rows(path: Path, *, default: str | None = None) -> list[Row]:
    """The held-out rows, to score a finished model on once (in a fit script's
    ``score_held_out`` only); nothing may be chosen on them."""
    return _rows(path, HELD_OUT, default)


def all_rows(path: Path, *, default: str | None = None) -> list[Row]:
    """Every row of both splits, in file order: for measuring a shipped check (tests,
    benchmarks), never in fit code."""
    return _rows(path, None, default)
