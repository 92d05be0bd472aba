"""pytest plugin: ``pytest --eval-suite evals/dev/suite.yaml`` runs one test per case.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed, and inert unless ``--eval-suite`` is given. The Coach is built once per session from
the configured settings (COACH_* variables; ``--eval-answerer`` picks the answerer) and the
knowledge folder is indexed incrementally first. A failing case shows the question, the answer,
the metric that failed and its evidence. Cases listed in the suite's known-failures file are
marked xfail, so CI gates new failures while the known ones stay visible. A last item per suite,
``thresholds``, checks the aggregate metrics against the suite's thresholds.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from coach.evals.cases import Case
    from coach.evals.grounding import Similarity
    from coach.pipeline import Coach

_STATE = pytest.StashKey["EvalState"]()


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
            from coach.evals.runner import EmbeddingSimilarity

            answerer = self.config.getoption("eval_answerer")
            try:
                coach = build_coach(load_settings(**({"llm": answerer} if answerer else {})))
                coach.ingest()
            except CoachError as exc:
                self._error = exc
                raise
            self._coach, self.similarity = coach, EmbeddingSimilarity(coach)
        return self._coach


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
        from coach.evals.cases import load_known_failures, load_suite
        from coach.evals.coaching import is_coaching

        if is_coaching(self.path):  # scripted conversations: coach/evals/coaching_plugin.py
            from coach.evals.coaching_plugin import collect

            yield from collect(self)
            return
        suite, cases = load_suite(self.path)  # a SuiteError names the line at fault
        known = load_known_failures(self.path, suite, cases)
        self.suite, self.cases, self.known = suite, cases, known
        strict = self.config.getoption("eval_strict")
        for case in cases:
            item = CaseItem.from_parent(self, name=case.id, case=case)
            item.add_marker(pytest.mark.eval_case(case.id))
            if case.id in known:
                item.add_marker(pytest.mark.xfail(reason=f"known failure: {known[case.id]}",
                                                  strict=strict))
            yield item
        yield ThresholdItem.from_parent(self, name="thresholds")


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


class CaseItem(_EvalItem):
    def __init__(self, *, case: Case, **kwargs: Any):  # kwargs: pytest's own, for Item
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        from coach.evals.runner import run_case

        state: EvalState = self.config.stash[_STATE]
        suite_file: SuiteFile = self.parent  # type: ignore[assignment]
        coach = state.coach()
        record = run_case(coach, self.case, suite_file.suite.k, state.similarity,
                          lead_chars=suite_file.suite.lead_chars)
        self.keep(state, suite_file.path, record, suite_file.known,
                  bool(suite_file.suite.known_failures),
                  lambda: failure_text(record, suite_file.suite.k))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"eval case {self.case.id}"


class ThresholdItem(_EvalItem):
    """The suite's aggregate thresholds, checked over the cases that ran this session."""

    def runtest(self) -> None:
        from coach.evals.runner import summarise

        state: EvalState = self.config.stash[_STATE]
        suite_file: SuiteFile = self.parent  # type: ignore[assignment]
        records = state.records[suite_file.path.resolve()]
        if len(records) < len(suite_file.cases):
            pytest.skip(f"only {len(records)} of {len(suite_file.cases)} cases ran; the "
                        "thresholds apply to the whole suite")
        run = summarise(suite_file.suite, records, suite_file.known)
        state.runs[suite_file.path.resolve()] = _complete(run, suite_file, state, records)
        self.check(run)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "eval suite thresholds"


def _complete(run: dict[str, Any], suite_file: SuiteFile, state: EvalState,
              records: list[dict[str, Any]]) -> dict[str, Any]:
    """Turn the session's summary into a full run record, written when --eval-out is set."""
    from coach.evals.runner import RUN_FORMAT, knowledge_hash, public_config, sha256_file

    coach = state.coach()
    suite = suite_file.suite
    run.update({
        "format": RUN_FORMAT, "label": "pytest", "started_at": "", "duration_s": 0.0,
        "suite": {"name": suite.name, "path": str(suite_file.path), "k": suite.k,
                  "metrics": suite.selected_metrics(), "thresholds": suite.thresholds,
                  "sha256": sha256_file(suite_file.path),
                  "cases_sha256": sha256_file(suite_file.path.parent / suite.cases)},
        "knowledge": knowledge_hash(coach.settings.knowledge_dir),
        "config": public_config(coach.settings), "cases": records})
    out = state.config.getoption("eval_out")
    if out:
        from coach.evals.runner import write_run

        write_run(run, Path(out) / suite.name)
    return run


def _indent(text: str, width: int = 96) -> str:
    return textwrap.indent("\n".join(textwrap.fill(line, width) if line else ""
                                     for line in text.splitlines()), "    ")


def failure_text(record: dict[str, Any], k: int) -> str:
    """Question, answer, the failing metric(s) and the evidence behind them."""
    ev, scores = record["evidence"], record["scores"]
    out = [f"case {record['id']} FAILED: " + "; ".join(record["failures"]),
           f"question: {record['question']}"]
    for q, a in record["history"]:
        out.append(f"  (after: {q!r} -> {a[:80]!r})")
    out += ["answer" + (" (refused)" if record["refused"] else "") + ":",
            _indent(record["answer"] or record.get("error") or "(empty)")]
    shown = {n: v for n, v in scores.items() if v is not None}
    out.append("metrics: " + ", ".join(f"{n}={v:.3f}" for n, v in shown.items()))
    for q in ev.get("quotes", []):
        where = f"rank {q['rank']}" if q["rank"] else f"not in the top {k}"
        out.append(f"evidence {q['doc']}: {q['quote']!r} — {where}")
    for p in ev.get("passages", []):
        mark = "relevant" if p["relevant"] else "no evidence"
        out.append(f"  passage {p['rank']}: {p['source']} > {p['heading']} ({mark})")
    for key in ("must_include", "must_not_include"):
        for item in ev.get(key, []):
            out.append(f"{key} {item['pattern']!r}: {'found' if item['found'] else 'absent'}")
    for s in ev.get("sentences", []):
        if not s["supported"]:
            out.append(f"unsupported sentence: {s['claim']!r} (best window: {s['window'][:120]!r})")
    return "\n".join(out)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    from coach.evals.cli import summary_text

    for path, run in state.runs.items():
        terminalreporter.write_sep("=", f"eval suite {path.name} ({run['suite']['name']})")
        terminalreporter.write_line(summary_text(run))
