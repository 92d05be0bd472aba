"""The kinds of eval suite, in one registry: a suite file's ``kind:`` (Q&A unless it says
``kind: coaching``) names the ``SuiteKind`` that loads it, runs it, draws its report and
collects its pytest items. ``runner.run_suite``, ``report.render_report`` and the pytest
plugin look the kind up here instead of branching on it; a new kind is one more entry in
``KINDS``.

Q&A suites: coach/evals/qa.py (run), qa_report.py, qa_plugin.py. Scripted coaching
conversations: coach/evals/coaching.py, coaching_report.py, coaching_plugin.py. The pytest
items are imported only when pytest collects a suite (pytest is a development dependency).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from coach.evals import coaching, qa
from coach.evals.cases import SuiteSpec, load_suite, suite_kind
from coach.evals.coaching_cases import load_coaching_suite
from coach.evals.coaching_report import render_coaching_report
from coach.evals.qa_report import render_qa_report
from coach.types import CaseCallback

if TYPE_CHECKING:
    import pytest

    from coach.evals.judge import LLMJudge
    from coach.pipeline import Coach


class RunSuite(Protocol):
    def __call__(self, coach: Coach, suite_path: Path, *,
                 progress: CaseCallback | None = None, judge: LLMJudge | None = None,
                 label: str = "") -> dict[str, Any]: ...


@dataclass(frozen=True)
class SuiteKind:
    """What a kind of suite does: ``load`` validates the suite file (a SuiteError names the
    line at fault), ``run`` plays every case through the Coach and returns the run record,
    ``render`` draws a run's HTML report and ``collect`` yields the pytest items of a suite
    file (one per case, then the thresholds)."""

    name: str
    load: Callable[[Path], SuiteSpec]
    run: RunSuite
    render: Callable[[dict[str, Any]], str]
    collect: Callable[[pytest.File], Iterator[pytest.Item]]


def _collect_qa(suite_file: pytest.File) -> Iterator[pytest.Item]:
    from coach.evals.qa_plugin import collect

    return collect(suite_file)


def _collect_coaching(suite_file: pytest.File) -> Iterator[pytest.Item]:
    from coach.evals.coaching_plugin import collect

    return collect(suite_file)


QA = SuiteKind("qa", lambda path: load_suite(path)[0], qa.run_suite, render_qa_report,
               _collect_qa)
COACHING = SuiteKind(coaching.RUN_KIND, lambda path: load_coaching_suite(path)[0],
                     coaching.run_suite, render_coaching_report, _collect_coaching)
KINDS: dict[str, SuiteKind] = {kind.name: kind for kind in (QA, COACHING)}


def kind_of(path: Path) -> SuiteKind:
    """The kind a suite file names; any other ``kind:`` is Q&A's, whose loader reports it."""
    return KINDS.get(suite_kind(path), QA)


def kind_of_run(run: dict[str, Any]) -> SuiteKind:
    """The kind of suite a run record came from (a Q&A run records no ``kind``)."""
    return KINDS.get(str(run.get("kind", QA.name)), QA)


def load_any_suite(path: Path) -> SuiteSpec:
    """The suite file of any kind (validated; a SuiteError names the line at fault)."""
    return kind_of(path).load(path)
