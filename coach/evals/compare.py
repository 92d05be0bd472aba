"""Compare two eval runs case by case: what changed, which cases went from pass to fail, and
each metric's paired difference with a seeded bootstrap interval.

A regression is flagged only when the interval confirms it: the whole 95% interval of the
paired difference (B - A) lies below zero for a metric where higher is better. Identical runs
give an interval of [0, 0] and flag nothing. Two runs of different suites, or of different
versions of one suite, are still compared case by case, with a warning first (``warnings``):
their differences may be the suite's, not the coach's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from coach.evals.coaching_metrics import AGGREGATES as COACHING
from coach.evals.runfile import suite_version
from coach.evals.scoring import CASE_METRICS

# per-case values compared between runs: (name, which cases, how to read a case record)
PAIRED = ("pass_rate", *CASE_METRICS, "answered_rate", "abstention_recall")


def paired_bootstrap(a: Sequence[float], b: Sequence[float], *, resamples: int = 2000,
                     seed: int = 0, level: float = 0.95) -> tuple[float, float, float] | None:
    """(mean of b - a, low, high): percentile interval of the mean paired difference over
    ``resamples`` resamples of the pairs, seeded so the same runs always give the same
    interval. None when there are no pairs."""
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    if not a:
        return None
    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(resamples, len(diff)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(diff.mean()), float(low), float(high)


def case_value(case: dict[str, Any], name: str) -> float | None:
    """A case's contribution to an aggregate metric (None when it does not count)."""
    if "answerable" not in case:  # a coaching conversation: its own rates (coaching.py)
        value = case.get("scores", {}).get(name)
        return None if value is None else float(value)
    if name == "pass_rate":
        return float(case["passed"])
    if name == "answered_rate":
        return float(not case["refused"]) if case["answerable"] else None
    if name == "abstention_recall":
        return None if case["answerable"] else float(case["refused"])
    return case.get("scores", {}).get(name) if case["answerable"] else None


def compare_runs(run_a: dict[str, Any], run_b: dict[str, Any], *, seed: int = 0
                 ) -> dict[str, Any]:
    a_cases = {c["id"]: c for c in run_a["cases"]}
    b_cases = {c["id"]: c for c in run_b["cases"]}
    common = [i for i in a_cases if i in b_cases]
    metrics = []
    paired = COACHING if run_b.get("kind") == "coaching" else PAIRED
    for name in paired:
        values = [(case_value(a_cases[i], name), case_value(b_cases[i], name)) for i in common]
        pairs = [(x, y) for x, y in values if x is not None and y is not None]
        interval = paired_bootstrap([x for x, _ in pairs], [y for _, y in pairs], seed=seed)
        if interval is None:
            continue
        delta, low, high = interval
        metrics.append({"metric": name, "n": len(pairs), "a": _mean(x for x, _ in pairs),
                        "b": _mean(y for _, y in pairs), "delta": round(delta, 4),
                        "low": round(low, 4), "high": round(high, 4),
                        "regression": high < 0, "improvement": low > 0})
    return {
        "a": _describe(run_a), "b": _describe(run_b), "warnings": suite_warnings(run_a, run_b),
        "metrics": metrics,
        "pass_to_fail": [i for i in common if a_cases[i]["passed"] and not b_cases[i]["passed"]],
        "fail_to_pass": [i for i in common if not a_cases[i]["passed"] and b_cases[i]["passed"]],
        "changed": [_case_change(a_cases[i], b_cases[i]) for i in common
                    if _case_change(a_cases[i], b_cases[i])["deltas"]
                    or a_cases[i]["passed"] != b_cases[i]["passed"]],
        "only_in_a": sorted(set(a_cases) - set(b_cases)),
        "only_in_b": sorted(set(b_cases) - set(a_cases)),
        "config_changes": {k: [run_a["config"].get(k), run_b["config"].get(k)]
                           for k in sorted(set(run_a["config"]) | set(run_b["config"]))
                           if run_a["config"].get(k) != run_b["config"].get(k)},
        "regression": any(m["regression"] for m in metrics),
    }


def suite_warnings(run_a: dict[str, Any], run_b: dict[str, Any]) -> list[str]:
    """Why the two runs' figures may differ because of the suite: another suite's name, or
    another version of it."""
    out = []
    name_a, name_b = run_a["suite"]["name"], run_b["suite"]["name"]
    if name_a != name_b:
        out.append(f"the runs are of different suites ({name_a!r} and {name_b!r}): only the "
                   "cases with the same id are paired")
    version_a, version_b = suite_version(run_a), suite_version(run_b)
    if version_a != version_b:
        out.append(f"the suite's version differs (A: version {version_a}, B: version "
                   f"{version_b}): cases may have been added, removed or changed, so a "
                   "difference may be the suite's, not the coach's")
    return out


def _mean(values: Iterable[float]) -> float:
    vals = list(values)
    return round(sum(vals) / len(vals), 4)


def _describe(run: dict[str, Any]) -> dict[str, Any]:
    return {"suite": run["suite"]["name"], "version": suite_version(run),
            "started_at": run["started_at"],
            "label": run.get("label", ""), "suite_sha256": run["suite"]["sha256"],
            "knowledge_sha256": run["knowledge"]["sha256"]}


def _case_change(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    names = sorted(set(a.get("scores", {})) | set(b.get("scores", {})))
    deltas = {n: [a["scores"].get(n), b["scores"].get(n)] for n in names
              if a["scores"].get(n) != b["scores"].get(n)}
    return {"id": a["id"], "a_passed": a["passed"], "b_passed": b["passed"], "deltas": deltas,
            "b_failures": b["failures"]}


def render_text(result: dict[str, Any]) -> str:
    """The comparison as plain text (also valid Markdown) for the terminal and the UI."""
    a, b = result["a"], result["b"]
    lines = [f"A: {a['suite']} v{a['version']} {a['label']} {a['started_at']}",
             f"B: {b['suite']} v{b['version']} {b['label']} {b['started_at']}"]
    lines += [f"WARNING: {warning}" for warning in result.get("warnings", [])]
    if a["suite_sha256"] != b["suite_sha256"] or a["knowledge_sha256"] != b["knowledge_sha256"]:
        lines.append("note: the runs used a different suite file or knowledge folder")
    for key, (va, vb) in result["config_changes"].items():
        if key not in ("home",):
            lines.append(f"config {key}: {va} -> {vb}")
    lines += ["", "| metric | n | A | B | B-A | 95% interval | verdict |",
              "|---|---|---|---|---|---|---|"]
    for row in result["metrics"]:
        verdict = ("REGRESSION" if row["regression"] else "improved" if row["improvement"]
                   else "no confirmed change")
        lines.append(f"| {row['metric']} | {row['n']} | {row['a']:.3f} | {row['b']:.3f} | "
                     f"{row['delta']:+.3f} | [{row['low']:+.3f}, {row['high']:+.3f}] | "
                     f"{verdict} |")
    lines += ["", f"pass -> fail ({len(result['pass_to_fail'])}): "
              + (", ".join(result["pass_to_fail"]) or "none"),
              f"fail -> pass ({len(result['fail_to_pass'])}): "
              + (", ".join(result["fail_to_pass"]) or "none"),
              f"cases with changed scores: {len(result['changed'])}"]
    if result["only_in_a"] or result["only_in_b"]:
        lines.append(f"unpaired cases: {len(result['only_in_a'])} only in A, "
                     f"{len(result['only_in_b'])} only in B")
    lines.append("verdict: " + ("REGRESSION confirmed by the bootstrap interval"
                                if result["regression"] else "no confirmed regression"))
    return "\n".join(lines)
