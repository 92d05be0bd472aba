"""Read a measure's data — date, value, optional note — from what a lead has: a CSV file in any
common encoding and delimiter, an Excel workbook (.xlsx), or two columns pasted from anywhere.

Pure: bytes or text in, a ``Series`` (points sorted by date, plus warnings) out; nothing is
stored. Bad input raises ``BadInputError`` whose message names the row (as the person sees it,
1-based with the header) or the choice to make; a workbook with several sheets of data raises
``SheetChoiceError``, which carries the sheet names so that a screen can offer them.
Which column is which, and the checks on every row: coach/workbench/columns.py; one cell read
as a date or a number: coach/workbench/cells.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any

from coach.errors import BadInputError
from coach.workbench.cells import Cell, is_blank, parse_date
from coach.workbench.columns import MAX_ROWS, Point, Series, series_from_rows

__all__ = ["MAX_BYTES", "MAX_ROWS", "Point", "Series", "SheetChoiceError", "read_csv",
           "read_excel", "read_pasted", "read_upload", "sheet_names"]

MAX_BYTES = 20_000_000
DELIMITERS = ("\t", ";", ",", "|")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIRST_ROWS = 200  # rows looked at to tell an empty sheet


class SheetChoiceError(BadInputError):
    """The workbook holds data on several sheets: the person chooses one (``sheets``)."""

    def __init__(self, message: str, *, sheets: Sequence[str]):
        super().__init__(message)
        self.sheets = tuple(sheets)


def read_upload(data: bytes, filename: str = "", *, sheet: str | None = None) -> Series:
    """An uploaded file, read as a workbook or as CSV text by its content and its name."""
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(_ZIP) or suffix in EXCEL_EXTENSIONS:
        return read_excel(data, sheet=sheet)
    if data.startswith(_OLE) or suffix == ".xls":
        raise BadInputError("This is an old-style Excel file (.xls): in Excel choose Save As, "
                            "then 'Excel Workbook (.xlsx)' or 'CSV', and upload that.")
    if data.startswith(b"%PDF"):
        raise BadInputError("This is a PDF, not a spreadsheet: upload a CSV or .xlsx file with "
                            "a date column and a value column.")
    return read_csv(data)


def read_csv(data: bytes) -> Series:
    """CSV (or tab-, semicolon- or bar-separated) text in UTF-8, UTF-16, Windows-1252..."""
    _check_size(data)
    text = _decode(data)
    lines = text.splitlines()
    delimiter = _delimiter(lines[:50])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return series_from_rows(_csv_rows(reader), decimal_comma=delimiter == ";")


def read_pasted(text: str) -> Series:
    """Two (or three) columns pasted as text: tab-, comma- or space-separated."""
    if not text.strip():
        raise BadInputError("Nothing was pasted: paste two columns, dates and values, one "
                            "row per line.")
    if len(text) > MAX_BYTES:
        raise BadInputError(f"The pasted text is longer than {MAX_BYTES:,} characters: "
                            "chart weekly or monthly totals instead.")
    lines = text.splitlines()
    if "\t" in text or _comma_separated(lines):
        delimiter = "\t" if "\t" in text else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return series_from_rows(_csv_rows(reader), source="The pasted text", line="line")
    rows = ((n, _spaced(line)) for n, line in enumerate(lines, 1))
    return series_from_rows(rows, source="The pasted text", line="line", positions=(0, 1, 2))


def sheet_names(data: bytes) -> tuple[str, ...]:
    """The worksheets of an .xlsx workbook, in order."""
    book = _open_workbook(data)
    try:
        return tuple(ws.title for ws in book.worksheets)
    finally:
        book.close()


def read_excel(data: bytes, *, sheet: str | None = None) -> Series:
    """One worksheet of an .xlsx workbook: the one named ``sheet``, else the only one with data."""
    book = _open_workbook(data)
    try:
        ws, warning = _choose_sheet(book, sheet)
        series = series_from_rows(_excel_rows(ws), source=f"Sheet '{ws.title}'",
                                  sheet=ws.title)
    finally:
        book.close()
    if warning:
        series = Series(series.points, (warning, *series.warnings), series.columns,
                        series.sheet)
    return series


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise BadInputError(f"The file is larger than {MAX_BYTES // 1_000_000} MB: chart "
                            "weekly or monthly totals, which make a much smaller sheet.")
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise BadInputError("The file is empty: it needs a date column and a value column, "
                            "one row per date.")


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 or UTF-16 by their marks, else the encoding
    charset-normalizer finds (Windows-1252 and Latin-1 exports are common)."""
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try(data, "utf-16")
    elif b"\x00" not in data:
        text = _try(data, "utf-8-sig")
    if text is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        text = None if best is None else str(best)
    if text is None:
        raise BadInputError("The file's text cannot be decoded in any encoding we know: in "
                            "Excel choose Save As, 'CSV UTF-8', and upload that file.")
    text = text.removeprefix("\ufeff")
    if not _looks_like_text(text):
        raise BadInputError("This file does not look like a spreadsheet (it holds binary "
                            "data): upload a CSV or .xlsx file with a date column and a "
                            "value column.")
    return text


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_like_text(text: str) -> bool:
    sample = text[:20_000]
    control = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cs", "Co")
                  and ch not in "\t\r\n")
    return "\x00" not in sample and control <= len(sample) // 100


def _delimiter(lines: list[str]) -> str:
    """The separator that splits the most lines into two or more fields, most consistently."""
    sample = [line for line in lines if line.strip()]

    def score(delimiter: str) -> tuple[int, int]:
        counts = [len(_split(line, delimiter)) for line in sample]
        modal = Counter(c for c in counts if c >= 2).most_common(1)
        return sum(c >= 2 for c in counts), modal[0][1] if modal else 0

    return max(DELIMITERS, key=lambda d: (score(d), -DELIMITERS.index(d)))


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, Sequence[Cell]]]:
    n = 0
    try:
        for n, row in enumerate(reader, 1):
            yield n, row
    except csv.Error as exc:
        raise BadInputError(f"Row {n + 1} cannot be read as CSV ({exc}): check its quotes, "
                            "then save and upload again.") from None


def _comma_separated(lines: list[str]) -> bool:
    rows = [_split(line, ",") for line in lines if line.strip()]
    dated = sum(1 for row in rows if len(row) >= 2 and _is_date(row[0]))
    return dated * 2 >= len(rows) > 0


def _is_date(text: str) -> bool:
    try:
        parse_date(text)
    except ValueError:
        return False
    return True


def _spaced(line: str) -> list[Cell]:
    """One pasted line split at spaces: the longest start that reads as a date, then the value,
    then the rest as a note."""
    words = line.split()
    for k in range(min(6, len(words)), 0, -1):
        if _is_date(" ".join(words[:k])):
            return [" ".join(words[:k]), *words[k:k + 1], " ".join(words[k + 1:])]
    return [*words[:2], " ".join(words[2:])]


def _open_workbook(data: bytes) -> Any:
    _check_size(data)
    if not data.startswith(_ZIP):
        raise _unreadable_workbook()
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign zip: many exception types
        raise _unreadable_workbook() from exc


def _unreadable_workbook() -> BadInputError:
    return BadInputError("This file cannot be read as an Excel workbook (.xlsx): open it in "
                         "Excel and save it again as .xlsx or CSV, then upload that.")


def _choose_sheet(book: Any, sheet: str | None) -> tuple[Any, str]:
    sheets = list(book.worksheets)
    titles = [ws.title for ws in sheets]
    if sheet is not None:
        wanted = " ".join(sheet.split()).casefold()
        for ws in sheets:
            if " ".join(ws.title.split()).casefold() == wanted:
                return ws, ""
        raise SheetChoiceError(f"There is no sheet called '{sheet}'. The workbook has: "
                               f"{_listed(titles)}. Choose one of these.", sheets=titles)
    if len(sheets) == 1:
        return sheets[0], ""
    filled = [ws for ws in sheets if _has_data(ws)]
    if len(filled) == 1:
        return filled[0], f"Read sheet '{filled[0].title}'; the other sheets are empty."
    if not filled:
        raise BadInputError("Every sheet in this workbook is empty: it needs a date column "
                            "and a value column, one row per date.")
    names = [ws.title for ws in filled]
    raise SheetChoiceError(f"This workbook has data on {len(names)} sheets: {_listed(names)}. "
                           "Choose the sheet that holds the measure.", sheets=names)


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _has_data(ws: Any) -> bool:
    return any(not is_blank(cell.value) for _, row in _cells(ws, _FIRST_ROWS) for cell in row)


def _excel_rows(ws: Any) -> Iterator[tuple[int, Sequence[Cell]]]:
    """Each row's values as the person sees them: a cell formatted as a percentage (0.12
    shown as 12%) is 12."""
    for n, row in _cells(ws):
        yield n, [_excel_value(cell) for cell in row]


def _cells(ws: Any, max_row: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) from row 1 on; a damaged sheet (openpyxl fails in many ways)
    raises BadInputError."""
    rows = ws.iter_rows(min_row=1, max_row=max_row)
    for n in itertools.count(1):
        try:
            row = next(rows, None)
        except Exception as exc:
            raise _unreadable_workbook() from exc
        if row is None:
            return
        yield n, row



def _excel_value(cell: Any) -> Cell:
    value: Cell = cell.value
    number_format = getattr(cell, "number_format", None) or ""
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and "%" in number_format):
        return round(value * 100, 10)
    return value
