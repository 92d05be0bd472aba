"""The Insights charts, drawn headless with matplotlib (Agg) as ``Figure`` objects: the
Insights tab shows them as they are, `coach insights --csv DIR` writes them as PNG files.
Each returns None when there is nothing to draw (the tab and the report say why instead)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from coach.insights.aggregate import Day, Documents, FeedbackDay, Journeys
from coach.insights.gaps import Gap
from coach.review.store import Month

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE, ORANGE, GREY = "#1f5aa6", "#c2571a", "#8fb0d9"


def _figure(height: float = 3.4) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure(figsize=(8, height), dpi=100)


def _whole(axis: Any) -> None:
    """Whole-number ticks on a count axis."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _ticks(days: Sequence[str]) -> tuple[list[int], list[str]]:
    """At most about 10 date labels along the x axis."""
    every = max(1, len(days) // 10 + (len(days) % 10 > 0))
    picked = list(range(0, len(days), every))
    return picked, [days[i][5:] for i in picked]


def questions_per_day(days: Sequence[Day]) -> Figure | None:
    """Bars: questions asked each day (refused ones darker); line: the refusal rate."""
    if not any(d.questions for d in days):
        return None
    fig = _figure()
    ax = fig.subplots()
    xs = range(len(days))
    ax.bar(xs, [d.questions - d.refused for d in days], color=GREY, label="answered")
    ax.bar(xs, [d.refused for d in days], bottom=[d.questions - d.refused for d in days],
           color=BLUE, label="refused")
    ax.set_ylabel("Questions")
    _whole(ax.yaxis)
    rate = ax.twinx()
    rate.plot([x for x, d in zip(xs, days, strict=True) if d.questions],
              [100 * (d.refusal_rate or 0) for d in days if d.questions], color=ORANGE,
              marker="o", markersize=3, label="refusal rate")
    rate.set_ylim(0, 105)
    rate.set_ylabel("Refused (%)")
    ax.set_xticks(*_ticks([d.day for d in days]), fontsize=8)
    ax.set_title("Questions per day and refusal rate", fontsize=10)
    handles = ax.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def helpful_rate(days: Sequence[FeedbackDay]) -> Figure | None:
    """Line: the share of ratings that said helpful, on each day anyone rated an answer."""
    rated = [(n, d) for n, d in enumerate(days) if d.helpful + d.not_helpful]
    if not rated:
        return None
    fig = _figure(3.0)
    ax = fig.subplots()
    ax.bar([n for n, _ in rated], [d.helpful + d.not_helpful for _, d in rated], color=GREY,
           label="ratings")
    ax.set_ylabel("Ratings")
    _whole(ax.yaxis)
    share = ax.twinx()
    share.plot([n for n, _ in rated], [100 * (d.helpful_rate or 0) for _, d in rated],
               color=BLUE, marker="o", markersize=3, label="helpful")
    share.set_ylim(0, 105)
    share.set_ylabel("Helpful (%)")
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_xticks(*_ticks([d.day for d in days]), fontsize=8)
    ax.set_title("Feedback: share of ratings that said helpful", fontsize=10)
    fig.tight_layout()
    return fig


def review_good_share(months: Sequence[Month]) -> Figure | None:
    """Bars: answers reviewed each month; line: the share the reviewers judged good."""
    if not months:
        return None
    fig = _figure(3.0)
    ax = fig.subplots()
    xs = list(range(len(months)))
    ax.bar(xs, [m.reviewed for m in months], color=GREY, label="reviewed")
    ax.set_ylabel("Answers reviewed")
    _whole(ax.yaxis)
    share = ax.twinx()
    share.plot(xs, [100 * (m.good_rate or 0) for m in months], color=BLUE, marker="o",
               markersize=4, label="judged good")
    share.set_ylim(0, 105)
    share.set_ylabel("Judged good (%)")
    ax.set_xlim(-0.5, len(months) - 0.5)
    ax.set_xticks(xs, [m.month for m in months], fontsize=8)
    ax.set_title("Review queue: share of reviewed answers judged good, per month", fontsize=10)
    handles = ax.get_legend_handles_labels()[0] + share.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def _barh(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
          colour: str = BLUE, xmax: float | None = None, fmt: str = "%g") -> Figure:
    fig = _figure(max(2.2, 0.42 * len(labels) + 1.0))
    ax = fig.subplots()
    ys = range(len(labels))[::-1]
    bars = ax.barh(list(ys), list(values), color=colour)
    ax.bar_label(bars, fmt=fmt, fontsize=8, padding=2)
    ax.set_yticks(list(ys), [textwrap.shorten(t, 48, placeholder="…") for t in labels],
                  fontsize=8)
    if xmax is not None:
        ax.set_xlim(0, xmax)
    else:
        _whole(ax.xaxis)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def content_gaps(gaps: Sequence[Gap], top: int = 10) -> Figure | None:
    if not gaps:
        return None
    shown = list(gaps[:top])
    return _barh([g.label for g in shown], [g.size for g in shown],
                 "Content gaps: questions per topic", "Questions", ORANGE)


def documents_cited(docs: Documents) -> Figure | None:
    if not docs.most:
        return None
    return _barh([d.title for d in docs.most], [d.cited for d in docs.most],
                 "Documents most cited", "Answers citing it")


def journey_steps(view: Journeys) -> Figure | None:
    if not view.steps:
        return None
    return _barh([label for label, _ in view.steps], [n for _, n in view.steps],
                 f"Where people are on the journey ({view.users} people)", "People")


def readiness(view: Journeys) -> Figure | None:
    if not view.readiness:
        return None
    return _barh([r.enabler for r in view.readiness], [r.median for r in view.readiness],
                 f"Median readiness by enabler ({view.assessed} people's latest assessment)",
                 "Median score (0-3)", xmax=3.3, fmt="%.2f")
