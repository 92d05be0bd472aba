"""The trend of a suite's headline metrics across its runs (coach/evals/history.py rows): the
series, oldest run first (pure), a headless matplotlib chart of them as PNG bytes, and the
chart's text alternative in words (each metric's first, last, lowest and highest value).

Only shares between 0 and 1 are drawn (the pass rate and the gated metrics, not a reply
length); with dev and held-out cases the figures are the dev split's, as in the history table.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from coach.evals.history import PASS_RATE, RunRow, chartable

COLOURS = ("#1f5aa6", "#c2571a", "#2e7d32", "#6a3d9a", "#8a6d00", "#b0245f", "#00796b")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
MAX_LINES = len(COLOURS)


@dataclass(frozen=True)
class Trend:
    """Each metric's value in each run, oldest run first (None where a run lacks it)."""

    runs: tuple[str, ...]  # run folder names
    when: tuple[str, ...]  # their start times (ISO, UTC)
    series: dict[str, tuple[float | None, ...]]  # metric -> one value per run
    dev_split: bool  # some run's figures are its dev split's

    def __bool__(self) -> bool:
        return bool(self.runs)


def trend(rows: Sequence[RunRow]) -> Trend:
    """The trend of ``rows`` (newest first, as list_runs gives them): the pass rate, then each
    headline metric of the newest run that is a share, then any earlier run's others."""
    ordered = list(reversed(rows))
    names = [PASS_RATE]
    for row in rows:
        names += [n for n in row.metrics if chartable(n) and n not in names]
    names = names[:MAX_LINES]
    return Trend(runs=tuple(r.name for r in ordered), when=tuple(r.started_at for r in ordered),
                 series={n: tuple(r.metrics.get(n) for r in ordered) for n in names},
                 dev_split=any(r.split for r in rows))


def _label(name: str) -> str:
    return name.replace("_", " ")


def alt_text(data: Trend) -> str:
    """The chart in words: how many runs, then each metric's first and latest value, its
    lowest and highest."""
    if not data:
        return "No runs yet."
    where = " (dev split)" if data.dev_split else ""
    parts = [f"Headline metrics{where} across {len(data.runs)} run(s), oldest "
             f"{data.when[0][:16]} to latest {data.when[-1][:16]}."]
    for name, values in data.series.items():
        known = [v for v in values if v is not None]
        if not known:
            parts.append(f"{_label(name)}: not measured.")
            continue
        parts.append(f"{_label(name)}: first {known[0]:.3f}, latest {known[-1]:.3f}, "
                     f"lowest {min(known):.3f}, highest {max(known):.3f}.")
    return " ".join(parts)


def trend_png(data: Trend) -> bytes | None:
    """The trend as a PNG line chart (one line per metric, runs along the x axis), or None
    when there is no run to draw."""
    if not data:
        return None
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.4), dpi=100)
    ax = fig.subplots()
    xs = list(range(len(data.runs)))
    for i, (name, values) in enumerate(data.series.items()):
        points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if points:
            ax.plot([x for x, _ in points], [v for _, v in points], color=COLOURS[i],
                    marker=MARKERS[i], markersize=4, label=_label(name))
    ax.set_ylim(-0.02, 1.05)
    ax.set_ylabel("Share (0-1)")
    every = max(1, -(-len(xs) // 8))  # at most about 8 labels
    picked = xs[::every]
    ax.set_xticks(picked, [data.when[i][5:16].replace("T", " ") for i in picked], fontsize=7)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    split = ", dev split" if data.dev_split else ""
    ax.set_title(f"Headline metrics across runs (UTC{split})", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside, not over
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
