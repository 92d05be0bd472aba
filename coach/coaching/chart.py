"""The assessment chart: one bar per enabler category, with earlier results beside it.

Rendered headless with matplotlib's Agg backend into PNG bytes, for the web UI and the exports.
"""

from __future__ import annotations

import io
import textwrap

from coach.coaching.assessment import Result


def _shown(results: list[Result]) -> list[Result]:
    """At most the first and the latest two results are drawn, so a retake shows the change."""
    return results if len(results) <= 3 else [results[0], *results[-2:]]


def alt_text(results: list[Result]) -> str:
    """The chart in words, every number it draws: its text alternative for screen readers."""
    shown = _shown(results)
    latest = shown[-1]
    parts = [f"Bar chart: readiness by enabler, mean score 0 to 3. Overall {latest.overall:.2f}"
             f" ({latest.band})"]
    for n, result in enumerate(shown):
        when = (result.taken_at or "latest")[:10]
        label = "Latest" if n == len(shown) - 1 else "First" if n == 0 else "Previous"
        scores = ", ".join(f"{c.title} {c.mean:.1f}" for c in result.categories)
        parts.append(f"{label} ({when}): {scores}")
    return ". ".join(parts) + "."


def render_chart(results: list[Result]) -> bytes:
    """PNG of the category scores of ``results`` (oldest first; the last is the latest).

    At most the first and the latest two results are drawn, so a retake shows the change.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    shown = _shown(results)
    titles = [c.title for c in shown[-1].categories]
    fig = Figure(figsize=(7, 3.6), dpi=110)
    ax = fig.subplots()
    width = 0.8 / len(shown)
    colours = ["#c9d6e8", "#8fb0d9", "#1f5aa6"][-len(shown):]
    for n, result in enumerate(shown):
        means = {c.title: c.mean for c in result.categories}
        xs = [i + (n - (len(shown) - 1) / 2) * width for i in range(len(titles))]
        label = (result.taken_at or "latest")[:10]
        bars = ax.bar(xs, [means.get(t, 0.0) for t in titles], width * 0.95,
                      color=colours[n], label=label)
        if n == len(shown) - 1:
            ax.bar_label(bars, fmt="%.1f", fontsize=8)
    ax.set_xticks(range(len(titles)), [textwrap.fill(t, 16) for t in titles], fontsize=8)
    ax.set_ylim(0, 3.3)
    ax.set_yticks([0, 1, 2, 3])
    ax.set_ylabel("Mean score (0-3)")
    ax.set_title(f"Readiness by enabler - overall {shown[-1].overall:.2f} ({shown[-1].band})",
                 fontsize=10)
    if len(shown) > 1:
        ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
