"""What the HTML reports of every kind of suite share: the style sheet, number formatting,
one bar per metric (threshold marked), a latency histogram per stage, a case's status, and the
report's head (title, verdict, answerer, provenance, thresholds). Inline CSS and SVG, no
scripts, no CDN. The reports themselves: coach/evals/qa_report.py and coaching_report.py.
"""

from __future__ import annotations

from html import escape
from typing import Any

from coach.evals.metrics import percentile
from coach.evals.runfile import suite_version
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


def verdict(run: dict[str, Any]) -> str:
    return "meets its thresholds" if run["ok"] else "is BELOW a threshold"


def threshold_table(run: dict[str, Any]) -> str:
    """The run's thresholds, each with its value and minimum, as an HTML table."""
    rows = "".join(f"<tr class=\"{'ok' if t['ok'] else 'bad'}\"><td>{escape(t['metric'])}</td>"
                   f"<td>{_fmt(t['value'])}</td><td>{escape(bound(t))}</td></tr>"
                   for t in run["thresholds"])
    return f"<table><tr><th>threshold</th><th>value</th><th>limit</th></tr>{rows}</table>"


def provenance(run: dict[str, Any]) -> str:
    """Which suite (its version), cases and knowledge the run used (short hashes)."""
    suite, knowledge = run["suite"], run["knowledge"]
    return (f"suite version {escape(str(suite_version(run)))} · suite {suite['sha256'][:12]} · "
            f"cases {suite['cases_sha256'][:12]} · "
            f"knowledge {knowledge['sha256'][:12]} ({knowledge['files']} files)")


def header(run: dict[str, Any], title: str, tally: str, settings: str) -> str:
    """A run report's head: title and suite, when, ``tally`` (what ran and passed), the
    verdict, the answerer with ``settings``, provenance and the threshold table."""
    return (f"<h1>{title}: {escape(run['suite']['name'])} {escape(run.get('label') or '')}</h1>"
            f"<p>{escape(str(run.get('started_at', '')))} · {tally} · "
            f"{len(run['new_failures'])} new failure(s) · the suite <b>{verdict(run)}</b>.</p>"
            f"<p><small>answerer {escape(str(run['config'].get('llm')))} · {settings} · "
            f"{provenance(run)}</small></p>{threshold_table(run)}")
