"""Eval suites: a YAML suite file plus a JSONL cases file, validated strictly."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import CoachError


class SuiteError(CoachError):
    exit_code = 3


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
    expect: Expect


class Suite(_Strict):
    name: str
    description: str = ""
    schema_version: int = 1
    cases: str
    k: int = Field(5, ge=1, le=50)
    metrics: list[str] = Field(default_factory=list)
    thresholds: dict[str, float] = Field(default_factory=dict)


def load_suite(path: Path) -> tuple[Suite, list[Case]]:
    try:
        suite = Suite.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise SuiteError(f"{path}: not a valid suite file ({exc})") from exc
    cases_path = path.parent / suite.cases
    cases: list[Case] = []
    seen: set[str] = set()
    try:
        lines = cases_path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SuiteError(f"{cases_path}: cannot read the cases file ({exc.strerror})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except (ValueError, ValidationError) as exc:
            raise SuiteError(f"{cases_path.name} line {number}: {exc}") from exc
        if case.id in seen:
            raise SuiteError(f"{cases_path.name} line {number}: duplicate case id {case.id!r}")
        if case.expect.answerable and not case.expect.evidence:
            raise SuiteError(f"{cases_path.name} line {number}: answerable case without evidence")
        seen.add(case.id)
        cases.append(case)
    return suite, cases
