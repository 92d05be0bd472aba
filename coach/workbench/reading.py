"""A chart read for a lead: the signals as a table and in plain English, with the variation
and assurance icons in words. The wording lives in prompts/chart-reading.yaml; this module
chooses and fills it (pure, apart from reading that file once)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from coach import prompts
from coach.workbench.runs import MIN_USEFUL
from coach.workbench.spc import (
    MIN_FOR_LIMITS,
    Caveat,
    CaveatKind,
    Chart,
    ChartKind,
    Rule,
    Segment,
    Signal,
)

WORDS = "chart-reading.yaml"
RUNS_RULES = (Rule.FEW_RUNS, Rule.MANY_RUNS)


@dataclass(frozen=True)
class SignalRow:
    """One line of the signals table: the rule that fired and the points involved."""

    rule: str
    first: str
    last: str
    points: int
    meaning: str


@dataclass(frozen=True)
class Reading:
    """The chart in words, in parts: what it is, its centre and limits, what the rules found,
    the icons in words, and the caveats. ``text`` puts them together, a sentence a line."""

    chart: Chart
    headline: str
    centres: tuple[str, ...]
    findings: tuple[str, ...]
    icons: tuple[str, ...]
    caveats: tuple[str, ...]
    table: tuple[SignalRow, ...]

    @property
    def signals(self) -> tuple[Signal, ...]:
        return self.chart.signals

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.headline, *self.centres, *self.findings, *self.icons, *self.caveats)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def words() -> dict[str, Any]:
    return prompts.read_yaml(WORDS)


def read(chart: Chart, measure: str = "") -> Reading:
    """The reading of ``chart``; ``measure`` names the measure in the headline."""
    w, fmt = words(), Formats.of(chart.series.dates)
    findings = [signal_sentence(chart, s, fmt) for s in chart.signals] or \
        [w["no-signals"][chart.kind.value]]
    icons = []
    if chart.variation is not None:
        icons.append(prompts.render(w["variation-line"], when=fmt.day(chart.rows[-1].when),
                                    words=w["variation"][chart.variation.value]))
    target = _target_line(chart, fmt)
    icons += [target] if target else []
    return Reading(chart, headline(chart, measure), tuple(_segment_lines(chart, fmt)),
                   tuple(findings), tuple(icons),
                   tuple(caveat_sentence(chart, c, fmt) for c in chart.caveats),
                   tuple(_row(s, fmt) for s in chart.signals))


@dataclass(frozen=True)
class Formats:
    """Dates as "Mar 2024" when the points are months or longer apart, else "5 Mar 2024";
    the period word ("months") from the typical gap between points."""

    monthly: bool
    period: str

    @classmethod
    def of(cls, dates: Sequence[date]) -> Formats:
        gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
        gap = statistics.median(gaps) if gaps else 0
        period = next((name for name, lo, hi in (("day", 1, 1), ("week", 6, 8),
                       ("month", 27, 32), ("quarter", 85, 95), ("year", 360, 370))
                       if lo <= gap <= hi), "other")
        months = {(d.year, d.month) for d in dates}
        return cls(len(months) == len(dates) and gap >= 27, period)

    def day(self, when: date) -> str:
        return f"{when:%b %Y}" if self.monthly else self.exact(when)

    @staticmethod
    def exact(when: date) -> str:
        return f"{when.day} {when:%b %Y}"


def number(x: float) -> str:
    """At most four significant figures; thousands with separators and no decimals."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def headline(chart: Chart, measure: str = "") -> str:
    fmt = Formats.of(chart.series.dates)
    return prompts.render(words()["headline"], measure=f"{measure}: " if measure else "",
                          kind=words()["kind"][chart.kind.value], count=len(chart.series),
                          first=fmt.day(chart.series.dates[0]),
                          last=fmt.day(chart.series.dates[-1]))


def segment_text(chart: Chart, segment: Segment, fmt: Formats | None = None) -> str:
    """The segment's centre (and limits); with ``fmt``, after its first and last dates."""
    limits = segment.limits or (segment.centre, segment.centre)
    dates = chart.series.dates
    template = words()["dated-segment" if fmt else "segment"][chart.kind.value]
    return prompts.render(template, centre=number(segment.centre), lower=number(limits[0]),
                          upper=number(limits[1]),
                          first=fmt.day(dates[segment.first]) if fmt else "",
                          last=fmt.day(dates[segment.first + segment.count - 1]) if fmt else "")


def _segment_lines(chart: Chart, fmt: Formats) -> list[str]:
    if len(chart.segments) == 1:
        return [segment_text(chart, chart.segments[0])]
    lines = []
    for segment in chart.segments:
        if segment.first:
            lines.append(prompts.render(words()["rebased"][chart.kind.value],
                                        first=fmt.day(chart.series.dates[segment.first])))
        lines.append(segment_text(chart, segment, fmt))
    return lines


def signal_sentence(chart: Chart, signal: Signal, fmt: Formats) -> str:
    w = words()
    return prompts.render(w["signal"], when=_when(chart, signal, fmt),
                          what=signal_what(chart, signal), meaning=meaning(signal))


def _when(chart: Chart, signal: Signal, fmt: Formats) -> str:
    w = words()["when"]
    first, last = fmt.day(signal.dates[0]), fmt.day(signal.dates[-1])
    if signal.rule in RUNS_RULES:
        return prompts.render(w["runs"], first=first, last=last)
    if len(signal.dates) == 1:
        return prompts.render(w["single"], first=first)
    if signal.dates[-1] == chart.series.dates[-1]:
        return prompts.render(w["since"], first=first)
    return prompts.render(w["span"], first=first, last=last)


def points_text(n: int) -> str:
    w = words()["points"]
    return w["one"] if n == 1 else prompts.render(w["many"], n=n)


def signal_what(chart: Chart, signal: Signal) -> str:
    w = words()
    segment = chart.segments[signal.segment]
    limits = segment.runs_limits
    side = signal.side.value
    return prompts.render(w["what"][signal.rule.value], points=points_text(len(signal.dates)),
                          side=w["side"][side], step=w["step"].get(side, ""),
                          limit=w["limit"].get(side, ""), runs=segment.runs,
                          lower=limits.lower if limits else "",
                          upper=limits.upper if limits else "", useful=len(signal.dates))


def meaning(signal: Signal) -> str:
    key = "runs" if signal.rule in RUNS_RULES else signal.meaning.value
    return str(words()["meaning"][key])


def _target_line(chart: Chart, fmt: Formats) -> str:
    target, w = chart.options.target, words()["assurance"]
    if target is None:
        return ""
    if chart.kind == ChartKind.RUN:
        return prompts.render(w["run-chart"], target=number(target))
    if chart.assurance is None:
        return prompts.render(w["no-direction"], target=number(target))
    lower, upper = chart.segments[-1].limits or (0.0, 0.0)
    values = {"target": number(target), "lower": number(lower), "upper": number(upper)}
    where = "above" if target > upper else "below"
    return prompts.render(w[chart.assurance.value], **values,
                          where=prompts.render(w[where], **values),
                          periods=words()["periods"][fmt.period])


def icon_labels(chart: Chart) -> tuple[str, str]:
    """The variation and assurance icons as short labels, for a table or beside the chart
    ("" where a chart has no such icon)."""
    w = words()["icon"]
    return (w["variation"][chart.variation.value] if chart.variation else "",
            w["assurance"][chart.assurance.value] if chart.assurance else "")


def caveat_sentence(chart: Chart, caveat: Caveat, fmt: Formats) -> str:
    w = words()["caveat"]
    key = caveat.kind.value
    if caveat.kind == CaveatKind.TOO_FEW_FOR_LIMITS:
        key += "-xmr" if chart.requested == ChartKind.XMR else "-run"
    minimum = MIN_USEFUL if caveat.kind == CaveatKind.RUNS_NOT_JUDGED else MIN_FOR_LIMITS
    return prompts.render(w[key], count=caveat.count, minimum=minimum,
                          when=_caveat_date(caveat, fmt))


def _caveat_date(caveat: Caveat, fmt: Formats) -> str:
    """A date the lead typed (rebase, astronomical) in full; a segment's start as the chart
    shows it."""
    if caveat.when is None:
        return ""
    exact = caveat.kind in (CaveatKind.REBASE_IGNORED, CaveatKind.NOT_A_POINT)
    return fmt.exact(caveat.when) if exact else fmt.day(caveat.when)


def _row(signal: Signal, fmt: Formats) -> SignalRow:
    return SignalRow(str(words()["rule"][signal.rule.value]), fmt.day(signal.dates[0]),
                     fmt.day(signal.dates[-1]), len(signal.dates), meaning(signal))

