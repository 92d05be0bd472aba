"""A self-contained HTML report of one eval run: inline CSS and SVG, no scripts, no CDN.

Sections: the verdict and thresholds, one bar per metric (threshold marked), the latency
distribution per stage (p50 / p95 marked), the advisory LLM-judge means when a judge ran, and
the per-case table with failures first, each row opening onto its evidence.
"""

from __future__ import annotations

from html import escape
from typing import Any

from coach.evals.metrics import MAXIMA, percentile
from coach.evals.scoring import bound

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #e3e5ea;
text-align:left;vertical-align:top}.fail{color:#a4161a;font-weight:600}.known{color:#9a6700}
.pass{color:#1a7f37}.ok{background:#e6f4ea}.bad{background:#fde7e9}small{color:#5a6270}
details{margin:.2rem 0}summary{cursor:pointer}pre{white-space:pre-wrap;background:#f5f6f8;
padding:.5rem;margin:.2rem 0}td.q{width:62%}
.tag{background:#eef;border-radius:3px;padding:0 4px;margin-right:2px}
"""


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def reply_lengths(run: dict[str, Any]) -> str:
    """The direct answer's plain length (median, p90) with its limits, as a sentence."""
    limits = {t["metric"]: t for t in run["thresholds"] if "max" in t}
    said = []
    for name, label in (("reply_chars_median", "median"), ("reply_chars_p90", "p90")):
        value = run["aggregate"].get(name)
        if value is None:
            continue
        limit = limits.get(name)
        check = "" if limit is None else (f" (at most {limit['max']:.0f}: "
                                          f"{'ok' if limit['ok'] else 'ABOVE'})")
        said.append(f"{label} {value:.0f} characters{check}")
    return (f"<p>Direct answer length, plain text: {escape(', '.join(said))}.</p>"
            if said else "")


def metric_bars(values: dict[str, Any], thresholds: dict[str, float]) -> str:
    """Horizontal bars on a 0–1 scale; a black tick marks a metric's threshold."""
    rows = [(n, v) for n, v in values.items()]
    width, left, h = 640, 170, 22
    parts = [f'<svg role="img" aria-label="metric bars" width="{width + left + 60}" '
             f'height="{h * len(rows) + 10}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, value) in enumerate(rows):
        y = i * h + 4
        low = thresholds.get(name)
        ok = value is not None and (low is None or value >= low)
        colour = "#4c78a8" if low is None else ("#2e9e5b" if ok else "#d1495b")
        bar = 0 if value is None else max(0.0, min(1.0, value)) * width
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(name)}</text>'
                     f'<rect x="{left}" y="{y}" width="{width}" height="{h - 6}" fill="#eef0f4"/>'
                     f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="{h - 6}" '
                     f'fill="{colour}"><title>{escape(name)} = {_fmt(value)}</title></rect>'
                     f'<text x="{left + width + 6}" y="{y + 14}" font-size="12">'
                     f'{_fmt(value)}</text>')
        if low is not None:
            x = left + low * width
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + h - 4}" '
                         f'stroke="#000" stroke-width="2"><title>threshold {low}</title></line>')
    return "".join(parts) + "</svg>"


def latency_chart(stage: str, values: list[float], bins: int = 20) -> str:
    """A histogram of one stage's latencies in ms, with p50 and p95 lines. The axis stops at
    twice the p95 so one slow outlier (a cold start) cannot squash the rest; slower cases go
    into the last bar."""
    if not values:
        return ""
    lo, hi = min(values), min(max(values), 2 * (percentile(values, 95) or 0.0))
    over = " or more" if hi < max(values) else ""
    span = (hi - lo) or 1.0
    counts = [0] * bins
    for v in values:
        counts[max(0, min(bins - 1, int((v - lo) / span * bins)))] += 1
    width, height, top = 600, 110, max(counts)
    parts = [f'<svg role="img" aria-label="{escape(stage)} latency" width="{width + 80}" '
             f'height="{height + 30}" xmlns="http://www.w3.org/2000/svg">']
    bw = width / bins
    for i, c in enumerate(counts):
        bh = c / top * height
        parts.append(f'<rect x="{i * bw:.1f}" y="{height - bh:.1f}" width="{bw - 1:.1f}" '
                     f'height="{bh:.1f}" fill="#4c78a8"><title>{c} case(s)</title></rect>')
    for q, colour in ((50, "#2e9e5b"), (95, "#d1495b")):
        x = ((percentile(values, q) or lo) - lo) / span * width
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" stroke="{colour}" '
                     f'stroke-width="2"/><text x="{x + 3:.1f}" y="12" font-size="11" '
                     f'fill="{colour}">p{q}</text>')
    parts.append(f'<text x="0" y="{height + 16}" font-size="11">{lo:.0f} ms</text>'
                 f'<text x="{width - 90}" y="{height + 16}" font-size="11">{hi:.0f} ms{over}'
                 '</text>')
    return "".join(parts) + "</svg>"


def _status(case: dict[str, Any]) -> tuple[int, str]:
    if case["passed"]:
        return 2, '<span class="pass">pass</span>'
    if case.get("known_failure"):
        return 1, '<span class="known">known failure</span>'
    return 0, '<span class="fail">FAIL</span>'


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
        tags = "".join(f'<span class="tag">{escape(t)}</span>' for t in case.get("tags", []))
        cells = "".join(f"<td>{_fmt(scores.get(c))}</td>" for c in cols)
        rows.append(
            f"<tr><td>{_status(case)[1]}</td><td>{escape(case['id'])}<br>{tags}</td>"
            f"<td class=\"q\"><details><summary>{escape(case['question'])}</summary>"
            f"{_evidence(case)}"
            f"</details><small class=\"fail\">{escape('; '.join(case['failures']))}</small></td>"
            f"{cells}</tr>")
    return (f"<table><tr><th>status</th><th>case</th><th>question (open for the answer and "
            f"evidence)</th>{head}</tr>{''.join(rows)}</table>")


def verdict(run: dict[str, Any]) -> str:
    return "meets its thresholds" if run["ok"] else "is BELOW a threshold"


def threshold_table(run: dict[str, Any]) -> str:
    """The run's thresholds, each with its value and minimum, as an HTML table."""
    rows = "".join(f"<tr class=\"{'ok' if t['ok'] else 'bad'}\"><td>{escape(t['metric'])}</td>"
                   f"<td>{_fmt(t['value'])}</td><td>{escape(bound(t))}</td></tr>"
                   for t in run["thresholds"])
    return f"<table><tr><th>threshold</th><th>value</th><th>limit</th></tr>{rows}</table>"


def provenance(run: dict[str, Any]) -> str:
    """Which suite, cases and knowledge the run used (short hashes)."""
    suite, knowledge = run["suite"], run["knowledge"]
    return (f"suite {suite['sha256'][:12]} · cases {suite['cases_sha256'][:12]} · "
            f"knowledge {knowledge['sha256'][:12]} ({knowledge['files']} files)")


def header(run: dict[str, Any], title: str, tally: str, settings: str) -> str:
    """A run report's head: title and suite, when, ``tally`` (what ran and passed), the
    verdict, the answerer with ``settings``, provenance and the threshold table."""
    return (f"<h1>{title}: {escape(run['suite']['name'])} {escape(run.get('label') or '')}</h1>"
            f"<p>{escape(str(run.get('started_at', '')))} · {tally} · "
            f"{len(run['new_failures'])} new failure(s) · the suite <b>{verdict(run)}</b>.</p>"
            f"<p><small>answerer {escape(str(run['config'].get('llm')))} · {settings} · "
            f"{provenance(run)}</small></p>{threshold_table(run)}")


def _header(run: dict[str, Any]) -> str:
    cfg, counts = run["config"], run["counts"]
    return header(run, "Eval run", f"{counts['cases']} cases, {counts['passed']} passed",
                  f"retrieval {escape(str(cfg.get('retrieval_mode')))} · top_k "
                  f"{cfg.get('top_k')} · metric k {run['suite']['k']}")


def render_report(run: dict[str, Any]) -> str:
    if run.get("kind") == "coaching":  # scripted conversations: coach/evals/coaching_report.py
        from coach.evals.coaching_report import render_coaching_report

        return render_coaching_report(run)
    thresholds = {t["metric"]: t["min"] for t in run["thresholds"] if "min" in t}
    shares = {k: v for k, v in run["aggregate"].items() if k not in MAXIMA}
    parts = [_header(run), "<h2>Metrics</h2>", metric_bars(shares, thresholds),
             reply_lengths(run)]
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
