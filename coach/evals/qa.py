"""Run a Q&A suite: each case is one question (with any earlier turns) asked of the real Coach,
scored by coach/evals/scoring.py.

``coach eval run`` and the pytest plugin both call ``run_case`` and ``summarise`` from here
(``run_suite`` in coach/evals/runner.py finds this kind in coach/evals/kinds.py and hands a Q&A
suite to ``run_suite`` below).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.errors import CoachError
from coach.evals import metrics as m
from coach.evals.cases import Case, Suite, load_known_failures, load_suite
from coach.evals.grounding import Similarity
from coach.evals.runfile import RUN_FORMAT, knowledge_hash, public_config, suite_header
from coach.evals.scoring import (
    aggregate,
    by_split,
    error_record,
    run_verdict,
    score_case,
    split_figures,
)
from coach.evals.splits import DEV
from coach.ports import Encoder
from coach.types import CaseCallback

if TYPE_CHECKING:
    from coach.evals.judge import LLMJudge
    from coach.pipeline import Coach

log = logging.getLogger(__name__)


class EmbeddingSimilarity:
    """Cosine similarity of (claim, window) pairs with the coach's own embedder, cached."""

    def __init__(self, embedder: Encoder):
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        missing = list(dict.fromkeys(t for p in pairs for t in p if t not in self._cache))
        if missing:
            for text, vec in zip(missing, self.embedder.encode(missing), strict=True):
                self._cache[text] = np.asarray(vec, dtype=np.float32)
        return [float(self._cache[a] @ self._cache[b]) for a, b in pairs]


def run_case(coach: Coach, case: Case, k: int, similarity: Similarity | None,
             judge: LLMJudge | None = None, lead_chars: int = m.LEAD_CHARS) -> dict[str, Any]:
    """Ask one case through the coach and score it; a CoachError fails the case, not the run."""
    try:
        answer = coach.ask(case.question, history=case.history)
    except CoachError as exc:
        log.warning("case %s: %s", case.id, exc)
        return error_record(case, str(exc))
    record = score_case(case, answer, k, similarity, lead_chars)
    if judge is not None and case.expect.answerable and not answer.refused:
        record["judge"] = judge.judge(case, answer)
    return record


def summarise(suite: Suite, records: list[dict[str, Any]], known: dict[str, str]
              ) -> dict[str, Any]:
    """Aggregates (over every case, and per split), latency, thresholds (gating the dev
    split only) and the failing / newly failing / fixed case ids."""
    names = suite.selected_metrics()
    values = aggregate(records, names)
    dev = by_split(records).get(DEV, [])
    gated = values if len(dev) == len(records) else aggregate(dev, names)
    summary = run_verdict(records, values, suite.thresholds, known, gated)
    summary["splits"] = split_figures(records, names)
    summary["counts"] = {"cases": len(records), "passed": len(records) - len(summary["failing"]),
                         "answerable": sum(r["answerable"] for r in records)}
    if "latency" in suite.metrics or not suite.metrics:
        summary["latency"] = m.latency([r["timings_ms"] for r in records])
    judged = [r["judge"] for r in records if "judge" in r]
    if judged:
        summary["judge"] = _judge_summary(judged)
    return summary


def _judge_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    keys = sorted({k for r in results for k in r.get("scores", {})})
    return {"advisory": True, "cases": len(results),
            "errors": sum(bool(r.get("error")) for r in results),
            "means": {k: m.mean(r.get("scores", {}).get(k) for r in results) for k in keys}}


def run_suite(coach: Coach, suite_path: Path, *, progress: CaseCallback | None = None,
              judge: LLMJudge | None = None, label: str = "") -> dict[str, Any]:
    """Run every case of a Q&A suite through ``coach``; return the run record (see
    RUN_FORMAT)."""
    suite_path = Path(suite_path)
    suite, cases = load_suite(suite_path)
    known = load_known_failures(suite_path, suite, cases)
    similarity = EmbeddingSimilarity(coach)
    started, t0 = datetime.now(UTC), time.perf_counter()
    records = []
    for done, case in enumerate(cases, start=1):
        records.append(run_case(coach, case, suite.k, similarity, judge, suite.lead_chars))
        if progress:
            progress(done, len(cases), case.id)
    run = {
        "format": RUN_FORMAT, "label": label,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
        "suite": {**suite_header(suite, suite_path), "k": suite.k},
        "knowledge": knowledge_hash(coach.settings.knowledge_dir),
        "config": public_config(coach.settings),
        "judge_model": getattr(judge, "describe", lambda: None)(),
    }
    run.update(summarise(suite, records, known))
    run["cases"] = records
    return run
