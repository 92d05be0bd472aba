"""What the pytest plugin's items share, whatever kind of suite they run: the session's
``EvalState`` (the one Coach, each suite's case records and finished runs) under the ``_STATE``
stash key, and ``_EvalItem`` (keep a case's record, fail with a message, check thresholds).

The plugin's hooks are in coach/evals/pytest_plugin.py; each kind's items in qa_plugin.py and
coaching_plugin.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from coach.evals.grounding import Similarity
    from coach.pipeline import Coach

_STATE = pytest.StashKey["EvalState"]()


class EvalState:
    """Per-session state: the one Coach, and each suite's case records as they come in."""

    def __init__(self, config: pytest.Config, suites: list[Path]):
        self.config = config
        self.suites = suites
        self.records: dict[Path, list[dict[str, Any]]] = {p: [] for p in suites}
        self.runs: dict[Path, dict[str, Any]] = {}
        self._coach: Coach | None = None
        self._error: Exception | None = None
        self.similarity: Similarity | None = None

    def coach(self) -> Coach:
        if self._error is not None:
            raise self._error
        if self._coach is None:
            from coach import build_coach, load_settings
            from coach.errors import CoachError
            from coach.evals.qa import EmbeddingSimilarity

            answerer = self.config.getoption("eval_answerer")
            try:
                coach = build_coach(load_settings(**({"llm": answerer} if answerer else {})))
                coach.ingest()
            except CoachError as exc:
                self._error = exc
                raise
            self._coach, self.similarity = coach, EmbeddingSimilarity(coach)
        return self._coach


class CaseFailed(Exception):
    pass


class _EvalItem(pytest.Item):
    """A failing case or threshold shows its own message, not a traceback."""

    def keep(self, state: EvalState, suite_path: Path, record: dict[str, Any],
             known: dict[str, str], lists_known: bool, explain: Callable[[], str]) -> None:
        """Keep a case's record for the suite's thresholds; fail this item with
        ``explain()`` when the case failed."""
        record["known_failure"] = known.get(record["id"])
        state.records[suite_path.resolve()].append(record)
        if record["passed"]:
            return
        hint = ""
        if lists_known:
            hint = ("\n(a new failure: if it is expected, refresh the known failures with "
                    f"`coach eval run {self.path} --update-known-failures`)")
        raise CaseFailed(explain() + hint)

    @staticmethod
    def check(run: dict[str, Any]) -> None:
        """Fail when the run is below any of its suite's thresholds."""
        from coach.evals.scoring import bound

        below = [t for t in run["thresholds"] if not t["ok"]]
        if below:
            raise CaseFailed("suite below its thresholds: " + "; ".join(
                f"{t['metric']} = {t['value']}, must be {bound(t)}" for t in below))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _indent(text: str, width: int = 96) -> str:
    return textwrap.indent("\n".join(textwrap.fill(line, width) if line else ""
                                     for line in text.splitlines()), "    ")
