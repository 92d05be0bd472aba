"""A run or XmR chart as a PNG (matplotlib, Agg, headless) and its text alternative.

Special-cause points are told apart by colour and by marker shape, so the chart reads
without colour: improvement a filled plus, concern a filled cross, neither a diamond, common
cause a small circle. Each rebased segment draws its own centre, limits and sigma lines, with
a dashed rule where it starts; a target is a dash-dot line; PDSA notes (date, label) are
marked at their dates. Past a thousand points the common-cause markers are left out (the
line shows them) and the line is drawn through each short run's first, lowest, highest and
last point (``envelope``): the same picture, drawn in a fraction of the time. ``alt_text``
names every signal, as the reading's table lists them.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from coach import prompts
from coach.workbench.reading import Reading, number, points_text, words
from coach.workbench.spc import Chart, PointType, Segment

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SIZE = (10.0, 5.0)  # inches, at DPI: 1000 x 500 pixels
DPI = 100
INK, GREY, LIGHT = "#222222", "#6b6b6b", "#b0b0b0"
TARGET = "#2e7d32"
STYLE: dict[PointType, tuple[str, str, float]] = {  # colour, marker, size
    PointType.COMMON: (GREY, "o", 3.5),
    PointType.IMPROVEMENT: ("#1f5aa6", "P", 9.0),
    PointType.CONCERN: ("#c2571a", "X", 9.0),
    PointType.NEUTRAL_HIGH: ("#5b2c83", "D", 7.0),
    PointType.NEUTRAL_LOW: ("#5b2c83", "D", 7.0),
}

LINES: tuple[tuple[int, Literal["--", ":"], str, str], ...] = (
    (3, "--", GREY, "limits"), (2, ":", GREY, "sigma2"), (1, ":", LIGHT, "sigma1"))
BUCKETS = 400  # a long series' line is drawn through 4 points of each of this many runs
MARKED_UP_TO = 1000  # common-cause points drawn as markers up to this many points
NO_LABEL = "_nolegend_"  # matplotlib leaves labels starting "_" out of the legend

Note = tuple[date, str]


def render_png(chart: Chart, *, title: str = "", notes: Sequence[Note] = ()) -> bytes:
    """The chart as PNG bytes, SIZE at DPI."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI)
    ax = fig.subplots()
    xs = _x(chart.series.dates)
    ax.plot(*envelope(xs, chart.series.values), color=LIGHT, linewidth=1, zorder=1)
    _points(ax, chart, xs)
    for n, segment in enumerate(chart.segments):
        _segment_lines(ax, chart, segment, xs, label=n == 0)
    if chart.options.target is not None:
        ax.axhline(chart.options.target, color=TARGET, linestyle="-.", linewidth=1.2,
                   label=prompts.render(_legend()["target"],
                                        target=number(chart.options.target)))
    _notes(ax, notes)
    _axes(ax, chart, title)
    fig.subplots_adjust(left=0.06, right=0.78, top=0.92, bottom=0.09)  # legend on the right
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _x(dates: Sequence[date]) -> list[float]:
    """Dates as matplotlib's date numbers."""
    from matplotlib.dates import date2num

    return [float(x) for x in date2num(list(dates))]  # type: ignore[no-untyped-call]


def envelope(xs: Sequence[float], ys: Sequence[float], buckets: int = BUCKETS
             ) -> tuple[list[float], list[float]]:
    """The line to draw: every point, or for a long series the first, lowest, highest and
    last point of each of ``buckets`` runs of points, in time order. At the chart's width the
    line looks the same, and draws in a fraction of the time."""
    if len(ys) <= 4 * buckets:
        return list(xs), list(ys)
    values = np.asarray(ys)
    edges = np.linspace(0, len(ys), buckets + 1).astype(int)
    keep: set[int] = set()
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        part = values[a:b]
        keep.update((int(a), int(b) - 1, int(a + part.argmin()), int(a + part.argmax())))
    picked = sorted(keep)
    return [xs[i] for i in picked], [ys[i] for i in picked]


def _legend() -> dict[str, str]:
    legend: dict[str, str] = words()["legend"]
    return legend


def _points(ax: Axes, chart: Chart, xs: list[float]) -> None:
    labelled: set[str] = set()
    for kind, (colour, marker, size) in STYLE.items():
        label = _legend()[kind.value]
        picked = [i for i, row in enumerate(chart.rows) if row.point_type == kind]
        if kind == PointType.COMMON and len(chart.rows) > MARKED_UP_TO:
            continue  # thousands of points: the line shows them, markers only for signals
        if picked:
            ax.plot([xs[i] for i in picked], [chart.rows[i].value for i in picked],
                    linestyle="none", marker=marker, markersize=size, color=colour, zorder=3,
                    label=NO_LABEL if label in labelled else label)
            labelled.add(label)


def _segment_lines(ax: Axes, chart: Chart, segment: Segment, xs: list[float], *,
                   label: bool) -> None:
    start, end = xs[segment.first], xs[segment.first + segment.count - 1]
    legend = _legend()
    ax.hlines(segment.centre, start, end, colors=INK, linewidth=1.3, zorder=2,
              label=legend[chart.kind.value] if label else NO_LABEL)
    for sigmas, dash, colour, name in LINES:
        line = segment.line(sigmas)
        if line is not None:
            ax.hlines(line, start, end, colors=colour, linestyles=dash, linewidth=1, zorder=2,
                      label=legend[name] if label else NO_LABEL)
    if segment.first:
        ax.axvline(start, color=GREY, linestyle="--", linewidth=0.8)
        ax.annotate(legend["rebased"], xy=(start, 0), xycoords=("data", "axes fraction"),
                    xytext=(3, 3), textcoords="offset points", fontsize=7, color=GREY)


def _notes(ax: Axes, notes: Sequence[Note]) -> None:
    """Each note as a thin rule at its date, its label at the top, staggered on three rows."""
    for k, (when, label) in enumerate(sorted(notes)):
        x = _x([when])[0]
        ax.axvline(x, color=TARGET, linewidth=0.6, alpha=0.7)
        ax.annotate(textwrap.shorten(label, 40, placeholder="..."), xy=(x, 1),
                    xycoords=("data", "axes fraction"), xytext=(2, -4 - 11 * (k % 3)),
                    textcoords="offset points", fontsize=7, va="top", color=INK,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.8})


def _axes(ax: Axes, chart: Chart, title: str) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_title(title or str(words()["kind"][chart.kind.value]), fontsize=11)
    ax.grid(axis="y", color="#eeeeee")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)


def alt_text(reading: Reading, notes: Sequence[Note] = ()) -> str:
    """The chart in words for screen readers: what it shows, centre and limits, every signal
    (rule, dates, points, meaning), the icons in words, and the notes."""
    alt: dict[str, Any] = words()["alt"]
    parts = [prompts.render(alt["intro"], headline=reading.headline), *reading.centres]
    if reading.table:
        parts.append(prompts.render(alt["signals"], count=len(reading.table)))
    else:
        parts.append(alt["none"])
    for n, row in enumerate(reading.table, start=1):
        span = row.first if row.first == row.last else f"{row.first} to {row.last}"
        parts.append(prompts.render(alt["signal"], n=n, rule=row.rule, span=span,
                                    points=points_text(row.points), meaning=row.meaning))
    parts += reading.icons
    if notes:
        listed = "; ".join(f"{when.isoformat()} {label}" for when, label in sorted(notes))
        parts.append(prompts.render(alt["notes"], notes=listed))
    return " ".join(parts)
