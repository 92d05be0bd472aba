"""The computed series of a chart as CSV text: per point its date, value, note, segment
(from 1), centre, limits and sigma lines (empty on a run chart), point type and a 0/1 column
per rule of the chart's kind that flags points; a run chart adds its segment's number of runs
and the limits they are judged against (empty below ten points off the median)."""

from __future__ import annotations

import csv
import io

from coach.workbench.spc import RUN_RULES, XMR_RULES, Chart, ChartKind, Rule, Segment

LINES = ("lower_limit", "upper_limit", "lower_2sigma", "upper_2sigma", "lower_1sigma",
         "upper_1sigma")


RUNS = ("runs", "runs_lower", "runs_upper")


def to_csv(chart: Chart) -> str:
    run = chart.kind == ChartKind.RUN
    rules = [r for r in (RUN_RULES if run else XMR_RULES)
             if r not in (Rule.FEW_RUNS, Rule.MANY_RUNS)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "value", "note", "segment", "centre", *LINES, "point_type",
                     *(rule.value.replace("-", "_") for rule in rules), *(RUNS if run else ())])
    for row, point in zip(chart.rows, chart.series.points, strict=True):
        segment = chart.segments[row.segment]
        writer.writerow([row.when.isoformat(), _number(row.value), point.note, row.segment + 1,
                         _number(segment.centre), *_lines(segment), row.point_type.value,
                         *(int(rule in row.rules) for rule in rules),
                         *(_runs(segment) if run else ())])
    return out.getvalue()


def _runs(segment: Segment) -> list[str]:
    limits = segment.runs_limits
    return [str(segment.runs), str(limits.lower) if limits else "",
            str(limits.upper) if limits else ""]


def _lines(segment: Segment) -> list[str]:
    cells = []
    for sigmas in (3, 2, 1):
        line = segment.line(sigmas)
        cells += [_number(line[0]), _number(line[1])] if line else ["", ""]
    return cells


def _number(x: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without a point."""
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
