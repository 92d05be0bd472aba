"""The HTML report of a coaching-suite run (``render_report`` in report.py finds it through
coach/evals/kinds.py): the verdict and thresholds, one bar per metric, latency per stage over
turns, and each conversation turn by turn with the reply and every check, failures first."""

from __future__ import annotations

from html import escape
from typing import Any

from coach.evals.report_parts import (
    _CSS,
    _status,
    header,
    latency_chart,
    metric_bars,
)


def _header(run: dict[str, Any]) -> str:
    counts = run["counts"]
    return header(run, "Coaching eval",
                  f"{counts['cases']} conversations, {counts['passed']} passed · "
                  f"{counts['turns']} turns, {counts['turns_passed']} passed",
                  f"intent threshold {escape(str(run['config'].get('intent_threshold')))}")


def _turn(turn: dict[str, Any]) -> str:
    mark = '<span class="pass">pass</span>' if turn["passed"] else \
        '<span class="fail">FAIL</span>'
    kind = escape(turn["label"] or ("refused" if turn["refused"] else "ordinary answer"))
    checks = " ".join(f"{'✔' if ok else '✘'} {escape(name)}"
                      for name, ok in turn["checks"].items())
    saved = [f"note: {escape(n)}" for n in turn.get("new_notes", [])] + \
        [f"action: {escape(a)}" for a in turn.get("new_actions", [])]
    return (f"<tr><td>{turn['n']}</td><td>{mark}</td><td><b>{escape(turn['user'])}</b>"
            f"<br><small>{kind} · {checks}</small>"
            + "".join(f"<div><small>saved {s}</small></div>" for s in saved)
            + "".join(f"<div class=\"fail\">{escape(f)}</div>" for f in turn["failures"])
            + f"<details><summary>reply</summary><pre>{escape(turn['reply'])}</pre>"
            f"</details></td></tr>")


def case_table(cases: list[dict[str, Any]]) -> str:
    rows = []
    for case in sorted(cases, key=lambda c: (_status(c)[0], c["id"])):
        tags = "".join(f'<span class="tag">{escape(t)}</span>' for t in case.get("tags", []))
        known = (f"<p><small>known failure: {escape(case['known_failure'])}</small></p>"
                 if case.get("known_failure") else "")
        turns = "".join(_turn(t) for t in case["turns"])
        passed = sum(t["passed"] for t in case["turns"])
        rows.append(
            f"<tr><td>{_status(case)[1]}</td><td>{escape(case['id'])}<br>{tags}</td>"
            f"<td class=\"q\"><details{'' if case['passed'] else ' open'}><summary>"
            f"{escape(case.get('description') or case['id'])} ({passed}/{len(case['turns'])} "
            f"turns passed)</summary>{known}<table>{turns}</table></details>"
            f"<small class=\"fail\">{escape('; '.join(case['failures'][:3]))}</small></td></tr>")
    return ("<table><tr><th>status</th><th>case</th><th>conversation (open for each turn, "
            f"its checks and the reply)</th></tr>{''.join(rows)}</table>")


def render_coaching_report(run: dict[str, Any]) -> str:
    thresholds = {t["metric"]: t["min"] for t in run["thresholds"] if "min" in t}
    parts = [_header(run), "<h2>Metrics</h2>", metric_bars(run["aggregate"], thresholds)]
    if run.get("latency"):
        parts.append("<h2>Latency per stage (per turn)</h2>")
        turns = [t for c in run["cases"] for t in c["turns"]]
        for stage, stats in run["latency"].items():
            values = [t["timings_ms"][stage] for t in turns if stage in t["timings_ms"]]
            parts.append(f"<h3>{escape(stage)}: p50 {stats['p50']:.0f} ms · p95 "
                         f"{stats['p95']:.0f} ms · n {stats['n']}</h3>"
                         f"{latency_chart(stage, values)}")
    parts += ["<h2>Conversations (failures first)</h2>", case_table(run["cases"])]
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Coaching "
            f"eval: {escape(run['suite']['name'])}</title><style>{_CSS}</style></head><body>"
            f"{''.join(parts)}</body></html>")
