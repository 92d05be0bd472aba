"""Run charts and Making Data Count XmR charts from a ``Series`` (pure: no I/O).

``chart(series, options, kind)`` is the entry point; ``run_chart`` and ``xmr_chart`` are the
two kinds. Both split the series into segments at the rebase dates and apply the rules in
``rules`` within each segment:
- run chart: median centre; shift, trend, too few / too many runs (``runs``), and the points
  the lead flags as astronomical;
- XmR chart, as NHSRplotthedots computes it: mean centre, mean moving range (moving ranges
  of 3.267 x the mean or more screened out unless ``Options.screen_outliers`` is off),
  process limits at mean +/- 2.66 x mean moving range, 1 and 2 sigma lines at a third and two
  thirds of that distance, and the four MDC rules.
Fewer than 12 points give a run chart with a caveat that process limits are not yet
meaningful, whichever kind was asked for. Each special-cause point is typed improvement,
concern or neutral (direction "neither") from the rule with the highest priority (limit,
then trend, then 2 of 3, then run of 7, as NHSRplotthedots orders them; astronomical, trend,
shift on a run chart), and the latest point gives the variation icon; the target against the
latest limits gives the assurance icon. The value types are in ``results`` (and importable
from here); words for all of these live in ``reading``.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections.abc import Sequence
from math import fsum

from coach.workbench import rules
from coach.workbench.results import (
    LIMIT,
    RUN_RULES,
    XMR_RULES,
    Assurance,
    Caveat,
    CaveatKind,
    Chart,
    Meaning,
    PointType,
    Row,
    Rule,
    Segment,
    Side,
    Signal,
    Variation,
)
from coach.workbench.runs import count_runs, runs_limits
from coach.workbench.series import ChartKind, Direction, Options, Series, SeriesError

__all__ = ["LIMIT", "RUN_RULES", "XMR_RULES", "Assurance", "Caveat", "CaveatKind", "Chart",
           "ChartKind", "Direction", "Meaning", "Options", "PointType", "Row", "Rule",
           "Segment", "Series", "Side", "Signal", "Variation", "chart", "run_chart",
           "xmr_chart"]

MIN_POINTS = 3  # fewer cannot be charted at all
MIN_FOR_LIMITS = 12  # fewer: a run chart, limits not yet meaningful
SCREEN = 3.267  # moving ranges this many times the mean or more are screened out


# One segment's findings: (rule, side, indices in the segment) per signal; across the chart,
# (rule, side, indices in the series, segment number).
Found = list[tuple[Rule, int, list[int]]]
Flagged = tuple[Rule, int, list[int], int]


def chart(series: Series, options: Options | None = None,
          kind: ChartKind = ChartKind.XMR) -> Chart:
    """The chart of ``series``: XmR (Making Data Count) or run chart."""
    return (xmr_chart if kind == ChartKind.XMR else run_chart)(series, options or Options())


def run_chart(series: Series, options: Options | None = None,
              requested: ChartKind = ChartKind.RUN) -> Chart:
    options = options or Options()
    starts, caveats = _segments(series, options)
    found: list[Flagged] = []
    segments: list[Segment] = []
    for n, (first, stop) in enumerate(starts):
        segment, seg_found, seg_caveats = _run_segment(series, options, first, stop)
        segments.append(segment)
        found += [(rule, side, [first + i for i in idx], n) for rule, side, idx in seg_found]
        caveats += seg_caveats
    caveats += [Caveat(CaveatKind.NOT_A_POINT, when) for when in options.astronomical
                if when not in series.dates]
    if len(series) < MIN_FOR_LIMITS:
        caveats.insert(0, Caveat(CaveatKind.TOO_FEW_FOR_LIMITS, count=len(series)))
    return _assemble(ChartKind.RUN, requested, series, options, segments, found, caveats)


def xmr_chart(series: Series, options: Options | None = None) -> Chart:
    """The XmR chart; with fewer than 12 points, a run chart that says why."""
    options = options or Options()
    if len(series) < MIN_FOR_LIMITS:
        return run_chart(series, options, requested=ChartKind.XMR)
    starts, caveats = _segments(series, options)
    found: list[Flagged] = []
    segments: list[Segment] = []
    for n, (first, stop) in enumerate(starts):
        segment = _xmr_segment(series.values[first:stop], first, options.screen_outliers)
        segments.append(segment)
        found += [(rule, side, [first + i for i in idx], n)
                  for rule, side, idx in _mdc_rules(series.values[first:stop], segment)]
        if segment.count < MIN_FOR_LIMITS:
            caveats.append(Caveat(CaveatKind.SHORT_SEGMENT, series.dates[first], segment.count))
    if options.astronomical:
        caveats.append(Caveat(CaveatKind.ASTRONOMICAL_ON_XMR, count=len(options.astronomical)))
    return _assemble(ChartKind.XMR, ChartKind.XMR, series, options, segments, found, caveats)


def _segments(series: Series, options: Options) -> tuple[list[tuple[int, int]], list[Caveat]]:
    """(first, stop) of each segment: a new one from the first point on or after each rebase
    date. A rebase date after the last point, or on or before the first, changes nothing."""
    if len(series) < MIN_POINTS:
        raise SeriesError(f"A chart needs at least {MIN_POINTS} points; this series has "
                          f"{len(series)}.")
    dates, cuts, caveats = series.dates, {0}, []
    for when in sorted(options.rebase):
        at = bisect_left(dates, when)  # the first point on or after the date
        if at in (0, len(dates)):
            caveats.append(Caveat(CaveatKind.REBASE_IGNORED, when))
        else:
            cuts.add(at)
    edges = sorted(cuts) + [len(dates)]
    return list(zip(edges, edges[1:], strict=False)), caveats


def _run_segment(series: Series, options: Options, first: int, stop: int
                 ) -> tuple[Segment, Found, list[Caveat]]:
    values = series.values[first:stop]
    centre = statistics.median(values)
    sides = rules.sides(values, centre)
    found: Found = [(Rule.SHIFT, side, idx) for side, idx in rules.shifts(sides)]
    found += [(Rule.TREND, sign, idx) for sign, idx in rules.trends(values)]
    useful = [i for i, s in enumerate(sides) if s]
    runs, limits, caveats = count_runs(sides), runs_limits(len(useful)), []
    if limits is None:
        caveats.append(Caveat(CaveatKind.RUNS_NOT_JUDGED, series.dates[first], len(useful)))
    elif runs < limits.lower or runs > limits.upper:
        found.append((Rule.FEW_RUNS if runs < limits.lower else Rule.MANY_RUNS, 0, useful))
    at = {when: i for i, when in enumerate(series.dates[first:stop])}
    found += [(Rule.ASTRONOMICAL, sides[at[when]], [at[when]])
              for when in options.astronomical if when in at]
    return Segment(first, stop - first, centre, None, runs, limits), found, caveats


def _xmr_segment(values: Sequence[float], first: int, screen: bool) -> Segment:
    mean = fsum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mean_mr = fsum(ranges) / len(ranges) if ranges else 0.0
    if screen and mean_mr > 0:
        kept = [r for r in ranges if r < SCREEN * mean_mr]
        mean_mr = fsum(kept) / len(kept)
    return Segment(first, len(values), mean, mean_mr)


def _mdc_rules(values: Sequence[float], segment: Segment) -> Found:
    """The four Making Data Count rules within one segment, each signal as its run of points."""
    limits, near = segment.line(3), segment.line(2)
    assert limits is not None and near is not None
    sides = rules.sides(values, segment.centre)
    beyond = rules.beyond_limits(values, *limits)
    found: Found = [(Rule.BEYOND_LIMIT, side, idx)
                    for side, idx in _groups([(i, s) for i, s in enumerate(beyond) if s], 1)]
    found += [(Rule.TREND_OF_7, sign, idx) for sign, idx in rules.monotone_runs(values)]
    close = rules.two_of_three(values, sides, near, limits)
    found += [(Rule.TWO_OF_THREE, side, idx)
              for side, idx in _groups([(i, sides[i]) for i, c in enumerate(close) if c], 2)]
    found += [(Rule.RUN_OF_7, side, idx) for side, idx in rules.runs_one_side(sides)]
    return found


def _groups(points: list[tuple[int, int]], gap: int) -> list[tuple[int, list[int]]]:
    """(side, indices): flagged points on the same side at most ``gap`` apart, together."""
    out: list[tuple[int, list[int]]] = []
    for i, side in points:
        if out and out[-1][0] == side and i - out[-1][1][-1] <= gap:
            out[-1][1].append(i)
        else:
            out.append((side, [i]))
    return out


def _assemble(kind: ChartKind, requested: ChartKind, series: Series, options: Options,
              segments: list[Segment], found: list[Flagged], caveats: list[Caveat]) -> Chart:
    order = RUN_RULES if kind == ChartKind.RUN else XMR_RULES
    found.sort(key=lambda f: (f[2][0], order.index(f[0])))
    sign = options.direction.sign
    signals = tuple(Signal(rule, tuple(series.dates[i] for i in idx), _side(side),
                           _meaning(side * sign), n) for rule, side, idx, n in found)
    rows = _rows(series, segments, found, order, sign)
    variation = _variation(rows[-1].point_type, options.direction) if kind == ChartKind.XMR \
        else None
    return Chart(kind, requested, series, options, tuple(segments), rows, signals,
                 tuple(caveats), variation, _assurance(kind, segments[-1], options))


def _rows(series: Series, segments: list[Segment], found: list[Flagged],
          order: tuple[Rule, ...], sign: int) -> tuple[Row, ...]:
    """Each point with the rules that flag it and its type, from the rule first in ``order``.
    A turning point, in a rising and a falling trend, takes the later trend's direction."""
    flagged: list[dict[Rule, int]] = [{} for _ in series.points]
    for rule, side, idx, _ in found:  # in order of first point: a later trend overwrites
        if rule not in (Rule.FEW_RUNS, Rule.MANY_RUNS):
            for i in idx:
                flagged[i][rule] = side
    rows, dates, values, none = [], series.dates, series.values, frozenset[Rule]()
    for n, segment in enumerate(segments):
        for i in range(segment.first, segment.first + segment.count):
            if not flagged[i]:
                rows.append(Row(dates[i], values[i], n, PointType.COMMON, none))
                continue
            top = next(r for r in order if r in flagged[i])
            rows.append(Row(dates[i], values[i], n, _point_type(flagged[i][top], sign),
                            frozenset(flagged[i])))
    return tuple(rows)


def _side(side: int) -> Side:
    return Side.HIGH if side > 0 else Side.LOW if side < 0 else Side.NONE


def _meaning(oriented: int) -> Meaning:
    return (Meaning.IMPROVEMENT if oriented > 0 else Meaning.CONCERN if oriented < 0
            else Meaning.NEUTRAL)


def _point_type(side: int, sign: int) -> PointType:
    if side == 0:
        return PointType.COMMON
    if sign == 0:
        return PointType.NEUTRAL_HIGH if side > 0 else PointType.NEUTRAL_LOW
    return PointType.IMPROVEMENT if side * sign > 0 else PointType.CONCERN


def _variation(latest: PointType, direction: Direction) -> Variation:
    higher_is_better = direction == Direction.UP
    return {
        PointType.COMMON: Variation.COMMON,
        PointType.NEUTRAL_HIGH: Variation.NEUTRAL_HIGH,
        PointType.NEUTRAL_LOW: Variation.NEUTRAL_LOW,
        PointType.IMPROVEMENT: (Variation.IMPROVEMENT_HIGH if higher_is_better
                                else Variation.IMPROVEMENT_LOW),
        PointType.CONCERN: Variation.CONCERN_LOW if higher_is_better else Variation.CONCERN_HIGH,
    }[latest]


def _assurance(kind: ChartKind, latest: Segment, options: Options) -> Assurance | None:
    """Where the target lies against the latest limits: beyond one, it is consistently met or
    missed (by the direction); between them (or on one), hit and miss."""
    if kind != ChartKind.XMR or options.target is None or options.direction == Direction.NEITHER:
        return None
    lower, upper = latest.limits or (latest.centre, latest.centre)
    up = options.direction == Direction.UP
    if options.target > upper:
        return Assurance.FAIL if up else Assurance.PASS
    if options.target < lower:
        return Assurance.PASS if up else Assurance.FAIL
    return Assurance.HIT_AND_MISS
