"""pytest plugin: ``pytest --eval-suite evals/dev/suite.yaml`` runs one test per case.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed, and inert unless ``--eval-suite`` is given. The Coach is built once per session from
the configured settings (COACH_* variables; ``--eval-answerer`` picks the answerer) and the
knowledge folder is indexed incrementally first. A failing case shows the question, the answer,
the metric that failed and its evidence. Cases listed in the suite's known-failures file are
marked xfail, so CI gates new failures while the known ones stay visible. A last item per suite,
``thresholds``, checks the aggregate metrics against the suite's thresholds.

The hooks are here; a suite file's items come from its kind (coach/evals/kinds.py: Q&A items
in qa_plugin.py, coaching conversations in coaching_plugin.py), on the session state and item
base of coach/evals/plugin_base.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from coach.evals.plugin_base import _STATE, EvalState

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("coach-eval", "Improvement Coach answer-quality suites")
    group.addoption("--eval-suite", action="append", default=[], metavar="SUITE",
                    help="run this eval suite (YAML), one test per case; may be repeated")
    group.addoption("--eval-answerer", default=None, metavar="NAME",
                    help="answerer to evaluate (a COACH_LLM value); default: the configured one")
    group.addoption("--eval-out", default=None, metavar="DIR",
                    help="also write run.json and report.html for each suite under DIR")
    group.addoption("--eval-strict", action="store_true",
                    help="a known failure that passes fails the run (strict xfail)")


def pytest_configure(config: pytest.Config) -> None:
    names = config.getoption("eval_suite")
    if not names:
        return
    config.addinivalue_line("markers", "eval_case(id): a case of an answer-quality eval suite")
    base = Path(config.invocation_params.dir)
    suites = [(base / n).resolve() for n in names]
    config.stash[_STATE] = EvalState(config, suites)
    wanted = [str(p) for p in suites]
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        config.args = wanted  # `pytest --eval-suite X` runs the suite, not the whole tests/
    else:
        resolved = {str((base / a).resolve()) for a in config.args}
        config.args += [w for w in wanted if w not in resolved]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = parent.config.stash.get(_STATE, None)
    if state is not None and file_path.resolve() in state.suites:
        return SuiteFile.from_parent(parent, path=file_path)
    return None


class SuiteFile(pytest.File):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        from coach.evals.cases import SuiteError

        if isinstance(excinfo.value, SuiteError):
            return str(excinfo.value)  # names the file and line; a traceback adds nothing
        return super().repr_failure(excinfo)

    def collect(self) -> Iterator[pytest.Item]:
        from coach.evals.kinds import kind_of

        yield from kind_of(self.path).collect(self)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    from coach.evals.cli import summary_text

    for path, run in state.runs.items():
        terminalreporter.write_sep("=", f"eval suite {path.name} ({run['suite']['name']})")
        terminalreporter.write_line(summary_text(run))
