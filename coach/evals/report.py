"""A self-contained HTML report of one eval run: inline CSS and SVG, no scripts, no CDN.

``render_report`` looks the run's kind up in coach/evals/kinds.py: a Q&A run is drawn by
coach/evals/qa_report.py, a coaching run by coach/evals/coaching_report.py; the parts they
share (metric bars, latency charts, the head with verdict and thresholds) are in
coach/evals/report_parts.py.
"""

from __future__ import annotations

from typing import Any

from coach.evals.kinds import kind_of_run


def render_report(run: dict[str, Any]) -> str:
    """The run's HTML report, drawn as its kind draws it."""
    return kind_of_run(run).render(run)
