"""What a chart is drawn from: a ``Series`` of dated points (optional notes), the improvement
``Direction`` and the chart ``Options`` (target, rebase dates, points the lead flags as
astronomical). Plain frozen values; a series that cannot be charted raises ``SeriesError``
with a message that names the point."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property

from coach.errors import BadInputError


class SeriesError(BadInputError):
    """A series that cannot be charted as given (duplicate dates, a value that is not a number,
    too few points)."""


class Direction(StrEnum):
    """Which way is better for the measure."""

    UP = "up"
    DOWN = "down"
    NEITHER = "neither"

    @property
    def sign(self) -> int:
        return {Direction.UP: 1, Direction.DOWN: -1, Direction.NEITHER: 0}[self]


class ChartKind(StrEnum):
    RUN = "run"
    XMR = "xmr"


@dataclass(frozen=True)
class Point:
    when: date
    value: float
    note: str = ""


PointLike = Point | tuple[date, float] | tuple[date, float, str]


@dataclass(frozen=True)
class Series:
    """Points in date order, one per date, every value a finite number."""

    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        for point in self.points:
            if not math.isfinite(point.value):
                raise SeriesError(f"The value for {point.when.isoformat()} is not a number "
                                  f"({point.value!r}); give a number for every date.")
        for before, after in zip(self.points, self.points[1:], strict=False):
            if before.when == after.when:
                raise SeriesError(f"{after.when.isoformat()} appears twice; give one value "
                                  "per date.")
            if before.when > after.when:
                raise SeriesError("The points are not in date order; use Series.of(...), "
                                  "which sorts them.")

    @classmethod
    def of(cls, points: Iterable[PointLike]) -> Series:
        """A series from points or (date, value[, note]) tuples, in any order."""
        made = [p if isinstance(p, Point) else Point(p[0], float(p[1]), *p[2:]) for p in points]
        return cls(tuple(sorted(made, key=lambda p: p.when)))

    @cached_property
    def dates(self) -> tuple[date, ...]:
        return tuple(p.when for p in self.points)

    @cached_property
    def values(self) -> tuple[float, ...]:
        return tuple(p.value for p in self.points)

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Options:
    """How to chart a series.

    ``rebase``: the limits (or the median) are recomputed from the first point on or after
    each date. ``astronomical``: dates of points the lead judges obviously unusual (run charts).
    ``screen_outliers``: leave moving ranges of 3.267 x their mean or more out of the mean
    moving range, as NHSRplotthedots does by default.
    """

    direction: Direction = Direction.NEITHER
    target: float | None = None
    rebase: tuple[date, ...] = ()
    astronomical: tuple[date, ...] = ()
    screen_outliers: bool = True
