"""The HTML report of a Q&A-suite run (``render_report`` in report.py finds it through
coach/evals/kinds.py): the verdict and thresholds, one bar per metric (threshold marked), each
split's figures side by side when the suite has dev and held-out cases (the thresholds gate the
dev split only), the latency distribution per stage (p50 / p95 marked), the advisory LLM-judge
means when a judge ran, and the per-case table with failures first, each row opening onto its
evidence.
"""

from __future__ import annotations

from html import escape
from typing import Any

from coach.evals.metrics import MAXIMA
from coach.evals.report_parts import _CSS, _fmt, _status, header, latency_chart, metric_bars
from coach.evals.scoring import bound
from coach.evals.splits import DEV

GATE = "Thresholds gate the dev split only"
GATE_NOTE = (f"{GATE}: the held-out split is measured and shown beside it, never tuned to. "
             "The verdict, the threshold table and the bars read the dev split's figures.")


def split_runs(run: dict[str, Any]) -> dict[str, Any]:
    """Each split's counts and aggregates when the run has more than one split, else {}
    (a run written before splits has none)."""
    splits: dict[str, Any] = run.get("splits") or {}
    return splits if len(splits) > 1 else {}


def gated_aggregate(run: dict[str, Any]) -> dict[str, Any]:
    """The aggregates the thresholds read: the dev split's when the run has two splits."""
    splits = split_runs(run)
    figures: dict[str, Any] = splits[DEV]["aggregate"] if DEV in splits else run["aggregate"]
    return figures


def split_table(run: dict[str, Any]) -> str:
    """Each split's figures side by side, with the dev split's thresholds, and what they
    gate; empty when the run has one split."""
    splits = split_runs(run)
    if not splits:
        return ""
    limits = {t["metric"]: t for t in run["thresholds"]}
    head = "".join(f"<th>{escape(name)}<br><small>{s['counts']['passed']} of "
                   f"{s['counts']['cases']} cases passed</small></th>"
                   for name, s in splits.items())
    rows = []
    for metric in run["aggregate"]:
        cells = "".join(f"<td>{_fmt(s['aggregate'].get(metric))}</td>" for s in splits.values())
        limit = limits.get(metric)
        gate = "" if limit is None else (f"{escape(bound(limit))} "
                                          f"({'met' if limit['ok'] else 'NOT met'})")
        rows.append(f"<tr><td>{escape(metric)}</td>{cells}<td>{gate}</td></tr>")
    return (f"<h2>Dev and held-out splits</h2><p>{GATE_NOTE}</p><table><tr><th>metric</th>"
            f"{head}<th>threshold (dev)</th></tr>{''.join(rows)}</table>")


def reply_lengths(run: dict[str, Any]) -> str:
    """The direct answer's plain length (median, p90) with its limits, as a sentence."""
    limits = {t["metric"]: t for t in run["thresholds"] if "max" in t}
    said = []
    for name, label in (("reply_chars_median", "median"), ("reply_chars_p90", "p90")):
        value = gated_aggregate(run).get(name)
        if value is None:
            continue
        limit = limits.get(name)
        check = "" if limit is None else (f" (at most {limit['max']:.0f}: "
                                          f"{'ok' if limit['ok'] else 'ABOVE'})")
        said.append(f"{label} {value:.0f} characters{check}")
    return (f"<p>Direct answer length, plain text: {escape(', '.join(said))}.</p>"
            if said else "")


def _evidence(case: dict[str, Any]) -> str:
    ev = case.get("evidence", {})
    out = [f"<div><small>after: {escape(q)}</small></div>" for q, _ in case["history"]]
    out.append(f"<pre>{escape(case['answer'] or case.get('error') or '')}</pre>")
    if case.get("known_failure"):
        out.append(f"<p><small>known failure: {escape(case['known_failure'])}</small></p>")
    for q in ev.get("quotes", []):
        out.append(f"<div>evidence <b>{escape(q['doc'])}</b> “{escape(q['quote'])}” — "
                   f"rank {q['rank'] if q['rank'] else 'not retrieved'}</div>")
    for s in ev.get("sentences", []):
        mark = "supported" if s["supported"] else "NOT supported"
        extra = f" missing {', '.join(s['missing'])}" if s["missing"] else ""
        out.append(f"<div>{mark}: “{escape(s['claim'])}” <small>(words {s['word_share']}, "
                   f"similarity {_fmt(s['similarity'])}{escape(extra)}; best window: "
                   f"{escape(s['window'][:300])})</small></div>")
    for key in ("key_points", "must_include", "must_not_include"):
        for item in ev.get(key, []):
            hit = item.get("covered", item.get("found"))
            label = item.get("point", item.get("pattern"))
            out.append(f"<div>{key}: {'yes' if hit else 'no'} — {escape(str(label))}</div>")
    rows = "".join(f"<tr><td>{p['rank']}</td><td>{'✔' if p['relevant'] else ''}</td>"
                   f"<td>{escape(p['source'])}<br><small>{escape(p['heading'])}</small></td>"
                   f"<td><small>{escape(p['text'])}</small></td></tr>"
                   for p in ev.get("passages", []))
    if rows:
        out.append(f"<table><tr><th>#</th><th>rel</th><th>source</th><th>passage</th></tr>"
                   f"{rows}</table>")
    if case.get("judge"):
        out.append(f"<div>LLM judge (advisory): {escape(str(case['judge']))}</div>")
    return "".join(out)


def case_table(cases: list[dict[str, Any]]) -> str:
    cols = ("hit_at_k", "mrr_at_k", "groundedness", "key_point_recall")
    head = "".join(f"<th>{c}</th>" for c in cols)
    rows = []
    for case in sorted(cases, key=lambda c: (_status(c)[0], c["id"])):
        scores = case.get("scores", {})
        split = [case["split"]] if case.get("split", DEV) != DEV else []
        tags = "".join(f'<span class="tag">{escape(t)}</span>'
                       for t in [*split, *case.get("tags", [])])
        cells = "".join(f"<td>{_fmt(scores.get(c))}</td>" for c in cols)
        rows.append(
            f"<tr><td>{_status(case)[1]}</td><td>{escape(case['id'])}<br>{tags}</td>"
            f"<td class=\"q\"><details><summary>{escape(case['question'])}</summary>"
            f"{_evidence(case)}"
            f"</details><small class=\"fail\">{escape('; '.join(case['failures']))}</small></td>"
            f"{cells}</tr>")
    return (f"<table><tr><th>status</th><th>case</th><th>question (open for the answer and "
            f"evidence)</th>{head}</tr>{''.join(rows)}</table>")


def _header(run: dict[str, Any]) -> str:
    cfg, counts = run["config"], run["counts"]
    return header(run, "Eval run", f"{counts['cases']} cases, {counts['passed']} passed",
                  f"retrieval {escape(str(cfg.get('retrieval_mode')))} · top_k "
                  f"{cfg.get('top_k')} · metric k {run['suite']['k']}")


def render_qa_report(run: dict[str, Any]) -> str:
    thresholds = {t["metric"]: t["min"] for t in run["thresholds"] if "min" in t}
    shares = {k: v for k, v in gated_aggregate(run).items() if k not in MAXIMA}
    title = "Metrics (dev split)" if split_runs(run) else "Metrics"
    parts = [_header(run), f"<h2>{title}</h2>", metric_bars(shares, thresholds),
             reply_lengths(run), split_table(run)]
    if run.get("latency"):
        parts.append("<h2>Latency per stage</h2>")
        for stage, stats in run["latency"].items():
            values = [c["timings_ms"][stage] for c in run["cases"] if stage in c["timings_ms"]]
            parts.append(f"<h3>{escape(stage)}: p50 {stats['p50']:.0f} ms · p95 "
                         f"{stats['p95']:.0f} ms · n {stats['n']}</h3>"
                         f"{latency_chart(stage, values)}")
    if run.get("judge"):
        means = "".join(f"<li>{escape(k)}: {_fmt(v)}</li>"
                        for k, v in run["judge"]["means"].items())
        parts.append(f"<h2>LLM judge (advisory, not calibrated)</h2><ul>{means}</ul>"
                     f"<p>{run['judge']['errors']} judge error(s) of {run['judge']['cases']}</p>")
    parts += ["<h2>Cases (failures first)</h2>", case_table(run["cases"])]
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Eval: "
            f"{escape(run['suite']['name'])}</title><style>{_CSS}</style></head><body>"
            f"{''.join(parts)}</body></html>")
