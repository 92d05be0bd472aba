"""What a computed chart holds (plain frozen values): its ``Segment``s (centre, mean moving
range, limits and sigma lines, runs), a ``Row`` per point with the rules that flag it and its
``PointType``, the ``Signal``s (rule, dates, side, improvement or concern), the ``Caveat``s,
and the MDC ``Variation`` and ``Assurance`` icons. ``spc`` computes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from coach.workbench.runs import RunsLimits
from coach.workbench.series import ChartKind, Options, Series

LIMIT = 2.66  # process limits at mean +/- LIMIT x mean moving range (3 sigma)


class Rule(StrEnum):
    SHIFT = "shift"
    TREND = "trend"
    FEW_RUNS = "few-runs"
    MANY_RUNS = "many-runs"
    ASTRONOMICAL = "astronomical"
    BEYOND_LIMIT = "beyond-limit"
    TREND_OF_7 = "trend-of-7"
    TWO_OF_THREE = "two-of-three"
    RUN_OF_7 = "run-of-7"


RUN_RULES = (Rule.ASTRONOMICAL, Rule.TREND, Rule.SHIFT, Rule.FEW_RUNS, Rule.MANY_RUNS)
XMR_RULES = (Rule.BEYOND_LIMIT, Rule.TREND_OF_7, Rule.TWO_OF_THREE, Rule.RUN_OF_7)


class Side(StrEnum):
    HIGH = "high"
    LOW = "low"
    NONE = "none"


class Meaning(StrEnum):
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"


class PointType(StrEnum):
    COMMON = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL_HIGH = "special_cause_neutral_high"
    NEUTRAL_LOW = "special_cause_neutral_low"


class Variation(StrEnum):
    """The MDC variation icon, read from the latest point."""

    COMMON = "common_cause"
    IMPROVEMENT_HIGH = "improvement_high"
    IMPROVEMENT_LOW = "improvement_low"
    CONCERN_HIGH = "concern_high"
    CONCERN_LOW = "concern_low"
    NEUTRAL_HIGH = "neutral_high"
    NEUTRAL_LOW = "neutral_low"


class Assurance(StrEnum):
    """The MDC assurance icon: where the target lies against the latest process limits."""

    PASS = "consistent_pass"
    FAIL = "consistent_fail"
    HIT_AND_MISS = "inconsistent"


class CaveatKind(StrEnum):
    TOO_FEW_FOR_LIMITS = "too-few-for-limits"
    SHORT_SEGMENT = "short-segment"
    RUNS_NOT_JUDGED = "runs-not-judged"
    REBASE_IGNORED = "rebase-ignored"
    NOT_A_POINT = "not-a-point"
    ASTRONOMICAL_ON_XMR = "astronomical-on-xmr"


@dataclass(frozen=True)
class Caveat:
    kind: CaveatKind
    when: date | None = None
    count: int = 0


@dataclass(frozen=True)
class Segment:
    """Points ``first`` .. ``first + count - 1``, between rebase dates, with their centre
    (median or mean) and, on an XmR chart, their mean moving range."""

    first: int
    count: int
    centre: float
    mean_mr: float | None = None
    runs: int | None = None  # run chart: runs about the median
    runs_limits: RunsLimits | None = None

    def line(self, sigmas: int) -> tuple[float, float] | None:
        """(lower, upper) at 1, 2 or 3 sigma (3: the process limits); None on a run chart."""
        if self.mean_mr is None:
            return None
        width = LIMIT * self.mean_mr if sigmas == 3 else sigmas * (LIMIT / 3) * self.mean_mr
        return self.centre - width, self.centre + width

    @property
    def limits(self) -> tuple[float, float] | None:
        return self.line(3)


@dataclass(frozen=True)
class Row:
    when: date
    value: float
    segment: int
    point_type: PointType
    rules: frozenset[Rule]


@dataclass(frozen=True)
class Signal:
    """A rule that fired, on which points, and what it means for the measure."""

    rule: Rule
    dates: tuple[date, ...]
    side: Side
    meaning: Meaning
    segment: int


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    requested: ChartKind
    series: Series
    options: Options
    segments: tuple[Segment, ...]
    rows: tuple[Row, ...]
    signals: tuple[Signal, ...]
    caveats: tuple[Caveat, ...] = ()
    variation: Variation | None = None
    assurance: Assurance | None = None
