"""One cell of a team's sheet read as a date or a number (pure).

Dates as NHS sheets write them: ISO (2025-03-01), UK day first (01/03/2025, 1/3/25,
1 Mar 2025, 1st March 2025, Mon 3 Mar 2025), a month alone (Mar-25, March 2025, 03/2025,
2025-03), a week label in front ("w/c 03/03/2025", "week ending 7 Mar 2025") and Excel date
cells. A month alone is the first of that month; a year alone is not read as a date; years
outside 1900-2100 are taken as typing errors.

Values: numbers with thousands separators (1,234.5), a sign, a percentage ("12%" is 12) or a
currency sign; with ``decimal_comma`` (semicolon-separated files) "1.234,5" is 1234.5.

Each parser raises ValueError whose text says what is wrong with the cell, for the caller
to put beside the row number (coach/workbench/columns.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import NamedTuple

Cell = str | int | float | bool | dt.date | dt.time | dt.timedelta | None

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
FIRST_YEAR, LAST_YEAR = 1900, 2100
FORMATS = "2025-03-01, 01/03/2025, 1 Mar 2025, Mar-25 or March 2025"

_WEEK_LABEL = re.compile(
    r"^(?:w/?[ceb]\b\.?|wk\s+(?:comm|beg|end)\w*\.?|week\s+(?:commencing|beginning|starting"
    r"|ending)|week\s+of)\s*:?\s*", re.I)
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+", re.I)
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s/-]+([a-z]{3,9})\.?,?[\s/-]+(\d{4}|\d{2})$",
                      re.I)
_MON_D_Y = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.I)
_MON_Y = re.compile(r"^([a-z]{3,9})\.?[\s/-]+'?(\d{4}|\d{2})$", re.I)

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2009"), None)


class Number(NamedTuple):
    value: float
    percent: bool  # written with a % sign


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def shown(cell: Cell, limit: int = 40) -> str:
    """The cell as the person sees it, quoted and cut short, for a message."""
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        cell = cell.date()
    text = " ".join(str(cell).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def parse_date(cell: Cell) -> dt.date:
    """The date in one cell; ValueError says why there is none."""
    if isinstance(cell, dt.datetime):
        return _in_range(cell.date())
    if isinstance(cell, dt.date):
        return _in_range(cell)
    if isinstance(cell, dt.time | dt.timedelta):
        raise ValueError("it is a time, not a date")
    if isinstance(cell, int | float):  # bool too
        raise ValueError("it is a number, not a date (in Excel, format the column as Date)")
    if cell is None or not cell.strip():
        raise ValueError("the date is missing")
    return _in_range(_parse_text_date(cell))


def _parse_text_date(cell: str) -> dt.date:
    text = _WEEKDAY.sub("", _WEEK_LABEL.sub("", " ".join(cell.split())))
    if m := _ISO.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _ISO_MONTH.match(text):
        return _make(int(m[1]), int(m[2]), 1)
    if m := _MONTH_YEAR.match(text):
        return _make(int(m[2]), int(m[1]), 1)
    if m := _DMY.match(text):
        day, month = int(m[1]), int(m[2])
        if month > 12 >= day and month <= 31:
            raise ValueError(f"there is no month {month}: dates are read day first (UK), so "
                             "this looks month-first (US); write it as day/month/year")
        return _make(_year(m[3]), month, day)
    if m := _D_MON_Y.match(text):
        return _make(_year(m[3]), _month(m[2]), int(m[1]))
    if m := _MON_D_Y.match(text):
        return _make(int(m[3]), _month(m[1]), int(m[2]))
    if m := _MON_Y.match(text):
        return _make(_year(m[2]), _month(m[1]), 1)
    raise ValueError(f"it is not a date in a form we read ({FORMATS})")


def _month(name: str) -> int:
    month = MONTHS.get(name.lower())
    if month is None:
        raise ValueError(f"{name!r} is not a month name")
    return month


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # Mar-25: 2025; 99: 1999 (the split Python's %y uses)
        year += 2000 if year < 69 else 1900
    return year


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"there is no such day (day {day}, month {month}, year {year})") from None


def _in_range(date: dt.date) -> dt.date:
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise ValueError(f"the year {date.year} looks mistyped")
    return date


def parse_number(cell: Cell, *, decimal_comma: bool = False) -> Number:
    """The number in one cell; ValueError says why there is none."""
    if isinstance(cell, bool):
        raise ValueError("it is TRUE/FALSE, not a number")
    if isinstance(cell, int | float):
        return Number(_finite(float(cell)), False)
    if isinstance(cell, dt.date | dt.time | dt.timedelta):
        raise ValueError("it is a date or time, not a number")
    if cell is None or not cell.strip():
        raise ValueError("the value is missing")
    text = cell.translate(_SPACES).strip().replace("\u2212", "-")
    percent = text.endswith("%")
    text = text.removesuffix("%").strip()
    if text[:1] in "£$€":
        text = text[1:]
    elif text[:1] in "+-" and text[1:2] in ("£", "$", "€"):
        text = text[0] + text[2:]
    if decimal_comma:
        text = text.replace(".", "\0").replace(",", ".").replace("\0", ",")
    if not _NUMBER.match(text):
        decimal = not decimal_comma and re.fullmatch(r"[+-]?\d+,\d{1,2}", text)
        hint = " (use a point for decimals)" if decimal else ""
        raise ValueError(f"it is not a number{hint}")
    return Number(_finite(float(text.replace(",", ""))), percent)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("the number is too large")
    return value
