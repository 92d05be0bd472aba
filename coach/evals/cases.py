"""Eval suites: a YAML suite file plus a JSONL cases file, validated strictly.

Every error names the file and the line at fault (exit code 3 on the command line), so a hand
edit that breaks a suite is found at once. A suite may list known failures (a YAML file of
``case id: reason``) that the pytest plugin marks as expected failures.

A suite records its ``version`` (1 when it says none); each Q&A case belongs to a split, ``dev``
or ``held-out`` (coach/evals/splits.py), the suite's ``split`` unless the case names its own.
``load_suite`` reads every case; ``load_fit_cases`` reads the dev cases only, and is the one way
fit code reads a suite.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach import yamlio
from coach.errors import CoachError
from coach.evals.metrics import AGGREGATES, LEAD_CHARS, MAXIMA, METRIC_GROUPS, expand_metrics
from coach.evals.splits import DEV, SPLITS, Split
from coach.yamlio import error_line, explain, node_line, parse_model


class SuiteError(CoachError):
    """A suite, its cases file or its known-failures file is missing or malformed."""

    exit_code = 3


def known_thresholds(value: dict[str, float], aggregates: Sequence[str]
                     ) -> dict[str, float]:
    """A suite's thresholds, checked: each names one of ``aggregates`` and lies in 0-1 (a
    length, ``MAXIMA``, is a positive number of characters)."""
    unknown = [m for m in value if m not in aggregates]
    if unknown:
        raise ValueError(f"no metric called {', '.join(unknown)}; thresholds can name "
                         f"{', '.join(aggregates)}")
    bad = [m for m, v in value.items() if m not in MAXIMA and not 0 <= v <= 1]
    if bad:
        raise ValueError(f"thresholds must lie between 0 and 1: {', '.join(bad)}")
    lengths = [m for m, v in value.items() if m in MAXIMA and not v > 0]
    if lengths:
        raise ValueError(f"a length threshold is a positive number of characters: "
                         f"{', '.join(lengths)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Strict):
    doc: str = Field(min_length=1)
    quote: str = Field(min_length=3)


class Expect(_Strict):
    answerable: bool = True
    evidence: list[Evidence] = Field(default_factory=list)
    key_points: list[str] = Field(default_factory=list)
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)


class Case(_Strict):
    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    history: list[tuple[str, str]] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    split: Split = DEV  # the suite's split when the case names none (parse_cases)
    expect: Expect


class SuiteSpec(_Strict):
    """What every suite file holds, whatever kind of case it runs. A kind names the metric
    names a suite may list (``METRICS``) and the aggregates it can threshold
    (``AGGREGATES``)."""

    METRICS: ClassVar[tuple[str, ...]] = ()
    AGGREGATES: ClassVar[tuple[str, ...]] = ()

    name: str
    description: str = ""
    schema_version: int = Field(1, ge=1, le=1)
    # the suite's own version: raise it when its cases change meaning; runs record it and
    # `coach eval compare` warns when two runs' versions differ
    version: int | str = 1
    cases: str
    metrics: list[str] = Field(default_factory=list)
    thresholds: dict[str, float] = Field(default_factory=dict)
    known_failures: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _a_version(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | str) or (
                isinstance(value, int) and value < 1) or (
                isinstance(value, str) and not value.strip()):
            raise ValueError("a version is a whole number from 1, or a word such as 2026-05")
        return value

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in cls.METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}; use any of "
                             f"{', '.join(cls.METRICS)}")
        return value

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        return known_thresholds(value, cls.AGGREGATES)


class Suite(SuiteSpec):
    METRICS = (*METRIC_GROUPS, *AGGREGATES)
    AGGREGATES = AGGREGATES

    kind: Literal["qa"] = "qa"   # `kind: coaching` suites: coach/evals/coaching_cases.py
    split: Split = DEV  # the split of every case that names none
    k: int = Field(5, ge=1, le=50)
    # the N of "the required terms within the reply's first N plain characters"
    lead_chars: int = Field(LEAD_CHARS, ge=50, le=5000)

    def selected_metrics(self) -> list[str]:
        """Aggregate metrics this suite reports: its metric set plus every thresholded one."""
        chosen = expand_metrics(self.metrics)
        return chosen + [m for m in self.thresholds if m not in chosen]


def parse_suite(text: str, name: str = "suite.yaml") -> Suite:
    return parse_model(text, name, Suite, SuiteError,
                       mapping="a suite is a mapping with name, cases, k, thresholds")


def parse_cases(lines: list[str], name: str = "cases.jsonl", *, split: Split = DEV,
                only: Split | None = None) -> list[Case]:
    """The cases of a JSONL file; ``split``: the split of a case that names none. ``only``:
    keep that split's cases, dropping the others' lines as they are parsed, before anything
    else in them is looked at."""
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if isinstance(data, dict):
                data.setdefault("split", split)
                if only is not None and data["split"] in SPLITS and data["split"] != only:
                    continue
            case = Case.model_validate(data)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{name} line {number}: not valid JSON ({exc.msg})") from exc
        except ValidationError as exc:
            raise SuiteError(f"{name} line {number}: {explain(exc)[1]}") from exc
        if case.id in seen:
            raise SuiteError(f"{name} line {number}: duplicate case id {case.id!r}")
        if case.expect.answerable and not case.expect.evidence:
            raise SuiteError(f"{name} line {number}: answerable case without evidence")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise SuiteError(f"{name}: the cases file holds no "
                         f"{'cases' if only is None else only + ' cases'}")
    return cases


def _read(path: Path, only: Split | None) -> tuple[Suite, list[Case]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read the suite file ({exc})") from exc
    suite = parse_suite(text, str(path))
    cases_path = path.parent / suite.cases
    try:
        lines = cases_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{cases_path}: cannot read the cases file ({exc})") from exc
    return suite, parse_cases(lines, str(cases_path), split=suite.split, only=only)


def load_suite(path: Path) -> tuple[Suite, list[Case]]:
    """A Q&A suite and every case of it, each with its split (for runs and reports)."""
    return _read(path, None)


def load_fit_cases(path: Path) -> tuple[Suite, list[Case]]:
    """A Q&A suite and its dev cases only: the one way fit code reads a suite. Held-out
    cases are dropped as their lines are parsed; a suite with no dev case is a SuiteError."""
    return _read(path, DEV)


class _KnowsFailures(Protocol):
    @property
    def known_failures(self) -> str | None: ...


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


def suite_kind(path: Path) -> str:
    """A suite file's ``kind:`` ("qa" unless it says otherwise; "coaching" for scripted
    conversations). An unreadable file is "qa", so the loader reports what is wrong."""
    try:
        data = yamlio.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "qa"
    return str(data.get("kind", "qa")) if isinstance(data, dict) else "qa"


def known_failures_path(suite_path: Path, suite: _KnowsFailures) -> Path | None:
    return Path(suite_path).parent / suite.known_failures if suite.known_failures else None


def load_known_failures(suite_path: Path, suite: _KnowsFailures, cases: Sequence[_HasId]
                        ) -> dict[str, str]:
    """``{case id: reason}`` from the suite's known-failures file (empty when it has none)."""
    path = known_failures_path(suite_path, suite)
    if path is None or not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = yamlio.load(text) or {}
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}{error_line(exc)}: not valid YAML") from exc
    if not isinstance(data, dict):
        raise SuiteError(f"{path} line 1: expected a mapping of case id to reason")
    ids = {c.id for c in cases}
    root = yamlio.compose(text)
    for key, reason in data.items():
        if str(key) not in ids or not isinstance(reason, str):
            line = node_line(root, (key,))
            problem = "is not a case of this suite" if str(key) not in ids else "needs a reason"
            raise SuiteError(f"{path} line {line}: {key!r} {problem}")
    return {str(k): v for k, v in data.items()}


def write_known_failures(path: Path, failures: dict[str, str], suite_name: str) -> None:
    """Write the known-failures file (sorted by id), with a header saying how to refresh it."""
    header = (f"# Known failures of the {suite_name!r} suite: case id -> why it fails today.\n"
              "# The pytest plugin marks these xfail so CI gates new failures only.\n"
              "# Refresh with: coach eval run SUITE --update-known-failures\n")
    # a JSON string is a valid YAML double-quoted scalar, and reads better than YAML's quoting
    body = "".join(f"{cid}: {json.dumps(reason, ensure_ascii=False)}\n"
                   for cid, reason in sorted(failures.items())) or "{}\n"
    path.write_text(header + body, encoding="utf-8")
