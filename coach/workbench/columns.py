"""A sheet's rows turned into a measure's points: which columns hold the date, the value and
a note, and every check a person needs told by row (pure; coach/workbench/sheets.py reads the
rows from a CSV, an Excel workbook or pasted text).

Columns are picked by their header names (date, month, week, period...; value, count, rate,
per...; note, comment, annotation...) or, without a header row, by position: date, value,
note. Row numbers are the ones the person sees: 1-based, the header row counted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from coach.errors import BadInputError
from coach.workbench.cells import (
    FORMATS,
    Cell,
    Number,
    is_blank,
    parse_date,
    parse_number,
    shown,
)

MIN_POINTS = 3  # fewer cannot be charted
LIMIT_POINTS = 12  # fewer: process limits are not yet meaningful
MAX_ROWS = 100_000

DATE_WORDS = frozenset({"date", "dates", "month", "week", "wc", "w/c", "we", "w/e", "period",
                        "day", "quarter", "when", "time"})
VALUE_WORDS = frozenset({"value", "values", "count", "counts", "rate", "number", "no", "total",
                         "percent", "percentage", "%", "proportion", "score", "result", "measure",
                         "per", "average", "mean", "median", "sum", "amount", "minutes", "mins",
                         "hours", "days", "n"})
NOTE_WORDS = frozenset({"note", "notes", "comment", "comments", "annotation", "annotations",
                        "remark", "remarks", "event", "events", "label", "labels", "pdsa"})


class Point(NamedTuple):
    date: dt.date
    value: float
    note: str = ""


@dataclass(frozen=True)
class Series:
    """A measure's points in date order, what the person should know, and where they came from."""

    points: tuple[Point, ...]
    warnings: tuple[str, ...] = ()
    columns: tuple[str, str, str] = ("", "", "")  # the date, value and note columns as named
    sheet: str = ""  # the workbook sheet read, if any


class Layout(NamedTuple):
    date: int
    value: int
    note: int | None
    header: tuple[str, ...]  # the header row's cells, () without one


def series_from_rows(rows: Iterable[tuple[int, Sequence[Cell]]], *, source: str = "The file",
                     line: str = "row", decimal_comma: bool = False, sheet: str = "",
                     positions: tuple[int, int, int] | None = None) -> Series:
    """Points from (row number, cells) pairs; BadInputError names the row and what to do.

    ``source`` names what was read in messages ("The file", "Sheet 'Falls'"), ``line`` what a
    row is called ("row", "line"); ``positions`` fixes the date, value and note columns
    instead of choosing them by the header's names."""
    kept = [(n, list(cells)) for n, cells in _limited(rows, source)]
    if not kept:
        raise BadInputError(f"{source} is empty: it needs a date column and a value column, "
                            "one row per date.")
    layout = _layout(kept, positions)
    body = kept[1:] if layout.header else kept
    if not body:
        raise BadInputError(f"{source} has a header row but no data under it: add one row "
                            "per date, with its value.")
    width = max(len(cells) for _, cells in kept)
    if width < 2:
        raise BadInputError(f"{source} has only one column: it needs the date in one column "
                            "and the value in the next (in a CSV file, separated by commas).")
    label = f"Sheet '{sheet}', {line}" if sheet else line.capitalize()
    points, percents = _points(body, layout, label, decimal_comma)
    return Series(tuple(sorted(points)), _warnings(points, percents, layout, width),
                  _names(layout, quote=False), sheet)


def _limited(rows: Iterable[tuple[int, Sequence[Cell]]],
             source: str) -> Iterable[tuple[int, Sequence[Cell]]]:
    count = 0
    for n, cells in rows:
        cells = list(cells)
        while cells and is_blank(cells[-1]):
            cells.pop()
        if not cells:
            continue
        count += 1
        if count > MAX_ROWS + 1:
            raise BadInputError(f"{source} has more than {MAX_ROWS:,} rows; the limit is "
                                f"{MAX_ROWS:,}. Chart daily, weekly or monthly totals instead.")
        yield n, cells


def _words(cell: Cell) -> set[str]:
    text = str(cell).lower() if isinstance(cell, str) else ""
    return set(re.findall(r"w/[ce]|%|[a-z]+", text))


def _role(cell: Cell) -> str:
    words = _words(cell)
    if words & VALUE_WORDS:
        return "value"
    if words & DATE_WORDS or any(w.startswith("week") for w in words):
        return "date"
    return "note" if words & NOTE_WORDS else ""


def _parses(parse: Callable[[Cell], object], cell: Cell) -> bool:
    try:
        parse(cell)
    except ValueError:
        return False
    return True


def _is_header(cells: Sequence[Cell]) -> bool:
    """A header names no date, and names a column we know or holds no number at all."""
    if any(_parses(parse_date, c) for c in cells):
        return False
    return any(_role(c) for c in cells) or not any(_parses(parse_number, c) for c in cells)


def _layout(kept: list[tuple[int, list[Cell]]],
            positions: tuple[int, int, int] | None) -> Layout:
    first = kept[0][1]
    wide = any(len(cells) > 2 for _, cells in kept)
    header = tuple(_note(c) for c in first) if _is_header(first) else ()
    if positions is not None:
        return Layout(positions[0], positions[1], positions[2] if wide else None, header)
    if not header:
        return Layout(0, 1, 2 if wide else None, ())
    roles = [_role(c) for c in first]
    date = roles.index("date") if "date" in roles else 0
    note = next((i for i, r in enumerate(roles) if r == "note" and i != date), None)
    if "value" in roles and roles.index("value") != date:
        value = roles.index("value")
    else:
        width = max(len(cells) for _, cells in kept)
        others = [i for i in range(width) if i not in (date, note)]
        value = next((i for i in others if i > date), others[0] if others else date + 1)
    return Layout(date, value, note, header)


def _cell(cells: Sequence[Cell], index: int | None) -> Cell:
    return cells[index] if index is not None and index < len(cells) else None


def _points(body: list[tuple[int, list[Cell]]], layout: Layout, line: str,
            decimal_comma: bool) -> tuple[list[Point], int]:
    points: list[Point] = []
    seen: dict[dt.date, int] = {}
    percents = 0
    for n, cells in body:
        date = _date(n, _cell(cells, layout.date), line)
        if date in seen:
            raise BadInputError(
                f"{line}s {seen[date]} and {n} have the same date ({date.day} {date:%b %Y}): "
                "a chart has one value per date. Keep one row, or add the two values together.")
        seen[date] = n
        value = _value(n, _cell(cells, layout.value), line, decimal_comma, layout)
        percents += value.percent
        note = _cell(cells, layout.note)
        points.append(Point(date, value.value, _note(note)))
    if len(points) < MIN_POINTS:
        raise BadInputError(
            f"Only {len(points)} point{'s' if len(points) > 1 else ''}: a chart needs at least "
            f"{MIN_POINTS} points; {LIMIT_POINTS}+ for process limits. Add more dates.")
    return points, percents


def _date(n: int, cell: Cell, line: str) -> dt.date:
    if is_blank(cell):
        raise BadInputError(f"{line} {n} has no date: fill it in ({FORMATS}), or delete the "
                            "row.")
    try:
        return parse_date(cell)
    except ValueError as exc:
        raise BadInputError(f"{line} {n}: the date {shown(cell)} cannot be read because "
                            f"{exc}. Correct it and upload again.") from None


def _value(n: int, cell: Cell, line: str, decimal_comma: bool, layout: Layout) -> Number:
    if is_blank(cell):
        raise BadInputError(f"{line} {n} has a date but no value: enter the value, or delete "
                            "the row if there was no data for that date.")
    try:
        return parse_number(cell, decimal_comma=decimal_comma)
    except ValueError as exc:
        column = _names(layout)[1]
        raise BadInputError(f"{line} {n}: the value column ({column}) holds {shown(cell)}, and "
                            f"{exc}. Put only numbers in that column (notes go in a third "
                            "column).") from None


def _note(cell: Cell) -> str:
    """A cell as one line of text (a blank is "")."""
    if is_blank(cell):
        return ""
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        cell = cell.date()
    return " ".join(str(cell).split())


def _names(layout: Layout, quote: bool = True) -> tuple[str, str, str]:
    """The columns as a person knows them: by their header ('Falls') or their letter."""
    def name(index: int | None) -> str:
        if index is None:
            return ""
        if index < len(layout.header) and layout.header[index]:
            return f"'{layout.header[index]}'" if quote else layout.header[index]
        return f"column {_letters(index)}"
    return name(layout.date), name(layout.value), name(layout.note)


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _warnings(points: list[Point], percents: int, layout: Layout, width: int) -> tuple[str, ...]:
    found = []
    if any(a.date > b.date for a, b in zip(points, points[1:], strict=False)):
        found.append("The rows were not in date order; the points are sorted by date.")
    if len(points) < LIMIT_POINTS:
        found.append(f"Only {len(points)} points: a run chart can be drawn, but process limits "
                     f"need {LIMIT_POINTS} or more points to mean anything.")
    if 0 < percents < len(points):
        found.append("Some values have a % sign and others do not: check they are all on the "
                     "same scale (12% is read as 12).")
    unread = [i for i in range(width) if i not in (layout.date, layout.value, layout.note)]
    if unread:
        named = ", ".join(_names(Layout(i, i, None, layout.header))[0] for i in unread)
        found.append(f"Not read: {named}. Dates come from {_names(layout)[0]} and values from "
                     f"{_names(layout)[1]}.")
    return tuple(found)
