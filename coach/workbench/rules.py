"""The chart rules over plain lists of numbers, one segment at a time (pure).

Run chart (Perla, Provost and Murray 2011; IHI):
- ``shifts``: six or more points in a row on one side of the median. Points on the median
  neither count nor break a shift.
- ``trends``: five or more points in a row, each higher (or each lower) than the one before.
  A point equal to the one before it neither counts nor breaks a trend (the usual "ignore
  like values" convention): 1, 2, 2, 3, 4, 5 is a rising trend of five.

Making Data Count, as NHSRplotthedots (R/ptd_spc_standard.R, R/ptd_calculate_point_type.R)
applies it, within each rebased segment:
- ``beyond_limits``: a point strictly above the upper or below the lower process limit.
- ``runs_one_side``: seven or more points in a row strictly on one side of the mean; a point
  on the mean breaks the run. Every point of the run is flagged.
- ``monotone_runs``: seven or more points in a row, each strictly higher (or lower) than the
  one before; an equal value breaks it. Every point of the trend is flagged.
- ``two_of_three``: in some three points in a row, all strictly on the same side of the mean,
  at least two lie "close to the limits": beyond 2 sigma but not beyond the process limit.
  Only those close points are flagged, not the third, and a point beyond the limit does not
  count as close (it is signalled by the first rule instead).
"""

from __future__ import annotations

from collections.abc import Sequence


def sides(values: Sequence[float], centre: float) -> list[int]:
    """+1 above the centre, -1 below, 0 on it."""
    return [(v > centre) - (v < centre) for v in values]


def shifts(sides_: Sequence[int], length: int = 6) -> list[tuple[int, list[int]]]:
    """(side, indices) of each run of ``length`` or more points on one side, skipping points
    on the centre line; the indices are of the points that count."""
    found: list[tuple[int, list[int]]] = []
    run: list[int] = []
    for i, side in enumerate(sides_):
        if side == 0:
            continue
        if run and sides_[run[-1]] != side:
            found += [(sides_[run[0]], run)] if len(run) >= length else []
            run = []
        run.append(i)
    if len(run) >= length:
        found.append((sides_[run[0]], run))
    return found


def trends(values: Sequence[float], length: int = 5) -> list[tuple[int, list[int]]]:
    """(direction, indices) of each run of ``length`` or more points each higher (+1) or
    each lower (-1) than the last. A value equal to the one before it is skipped; the indices
    are of the points that count. A turning point ends one trend and starts the next."""
    kept = [i for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    steps = [1 if values[b] > values[a] else -1 for a, b in zip(kept, kept[1:], strict=False)]
    found: list[tuple[int, list[int]]] = []
    first = 0  # steps[first:end] all go the same way, covering kept[first:end + 1]
    for end in range(1, len(steps) + 1):
        if end == len(steps) or steps[end] != steps[first]:
            if end - first + 1 >= length:
                found.append((steps[first], kept[first:end + 1]))
            first = end
    return found


def beyond_limits(values: Sequence[float], lower: float, upper: float) -> list[int]:
    """+1 above the upper limit, -1 below the lower, 0 within (a point on a limit is within)."""
    return [(v > upper) - (v < lower) for v in values]


def runs_one_side(sides_: Sequence[int], length: int = 7) -> list[tuple[int, list[int]]]:
    """(side, indices) of each run of ``length`` or more points strictly on one side; a point
    on the centre breaks the run."""
    found: list[tuple[int, list[int]]] = []
    start = 0
    for i in range(1, len(sides_) + 1):
        if i == len(sides_) or sides_[i] != sides_[start]:
            if sides_[start] != 0 and i - start >= length:
                found.append((sides_[start], list(range(start, i))))
            start = i
    return found


def monotone_runs(values: Sequence[float], length: int = 7) -> list[tuple[int, list[int]]]:
    """(direction, indices) of each run of ``length`` or more points, each strictly higher
    (+1) or lower (-1) than the one before; an equal value breaks the run. A turning point
    can end one run and start the next."""
    found: list[tuple[int, list[int]]] = []
    for sign in (1, -1):
        start = 0
        for i in range(1, len(values) + 1):
            if i == len(values) or (values[i] - values[i - 1]) * sign <= 0:
                if i - start >= length:
                    found.append((sign, list(range(start, i))))
                start = i
    return sorted(found, key=lambda run: run[1][0])


def two_of_three(values: Sequence[float], sides_: Sequence[int], near: tuple[float, float],
                 limits: tuple[float, float]) -> list[bool]:
    """Points close to a limit (beyond 2 sigma, ``near``, but within the process ``limits``)
    in three in a row on one side of the mean of which two or more are close."""
    close = [(v < near[0] or v > near[1]) and limits[0] <= v <= limits[1] for v in values]
    flags = [False] * len(values)
    for i in range(len(values) - 2):
        window = range(i, i + 3)
        same_side = sides_[i] != 0 and sides_[i] == sides_[i + 1] == sides_[i + 2]
        if same_side and sum(close[j] for j in window) >= 2:
            for j in window:
                flags[j] = flags[j] or close[j]
    return flags
