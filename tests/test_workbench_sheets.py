"""Reading a measure's data (coach/workbench/sheets.py, columns.py, cells.py) from real files made
here: CSV in UTF-8, UTF-8 with a BOM, Windows-1252 and UTF-16; .xlsx workbooks written by
openpyxl with date cells, one sheet and several; pasted columns. Every bad input gets a
BadInputError naming the row as the person sees it (1-based, the header counted); arbitrary
bytes either parse or raise BadInputError, never another exception."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import random
from collections.abc import Sequence

import openpyxl
import pytest
from conftest import fuzz_budget
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coach.errors import BadInputError
from coach.workbench import sheets
from coach.workbench.cells import parse_date, parse_number
from coach.workbench.columns import MAX_ROWS
from coach.workbench.sheets import (
    Point,
    Series,
    SheetChoiceError,
    read_csv,
    read_excel,
    read_pasted,
    read_upload,
    sheet_names,
)

D = dt.date
MONTHLY = "Month,Falls,Note\n" + "".join(
    f"{D(2025, m, 1):%d/%m/%Y},{m + 10},{'new bed rails' if m == 3 else ''}\n"
    for m in range(1, 13))


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8", sep: str = ",") -> bytes:
    return "".join(sep.join(str(c) for c in row) + "\r\n" for row in rows).encode(encoding)


def workbook(*sheets_rows: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets_rows:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error(read: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(BadInputError) as caught:
        read(*args, **kwargs)  # type: ignore[operator]
    return str(caught.value)


FALLS = [("Month", "Falls", "Note")] + [(f"{D(2025, m, 1):%b-%y}", m, "") for m in (1, 2, 3)]


# -- CSV: encodings, delimiters, headers --------------------------------------------------
def test_a_monthly_csv_reads_every_point_with_its_note_and_no_warning() -> None:
    series = read_csv(MONTHLY.encode())
    assert len(series.points) == 12
    assert series.points[0] == Point(D(2025, 1, 1), 11.0, "")
    assert series.points[2] == Point(D(2025, 3, 1), 13.0, "new bed rails")
    assert series.warnings == ()
    assert series.columns == ("Month", "Falls", "Note")
    assert series.sheet == ""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"])
def test_csv_in_each_common_encoding_keeps_the_notes_text(encoding: str) -> None:
    rows = [("Week commencing", "Falls", "Comment"),
            ("06/01/2025", 4, "café staff – £5 bed alarm"),
            ("13/01/2025", 3, "Zoë's PDSA 1"),
            ("20/01/2025", 5, "")]
    series = read_csv(csv_bytes(rows, encoding))
    assert [p.date for p in series.points] == [D(2025, 1, 6), D(2025, 1, 13), D(2025, 1, 20)]
    assert [p.note for p in series.points] == ["café staff – £5 bed alarm", "Zoë's PDSA 1", ""]
    assert series.columns == ("Week commencing", "Falls", "Comment")


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_the_delimiter_is_sniffed(sep: str) -> None:
    series = read_csv(csv_bytes(FALLS, sep=sep))
    assert [(p.date, p.value) for p in series.points] == [
        (D(2025, 1, 1), 1.0), (D(2025, 2, 1), 2.0), (D(2025, 3, 1), 3.0)]


def test_quoted_thousands_and_percentages_and_semicolon_decimal_commas() -> None:
    quoted = b'Date,Bed days,Note\n2025-01-01,"1,234","rails, alarms"\n2025-01-02,12%,\n' \
             b"2025-01-03,\xc2\xa31.5,\n"
    assert [p.value for p in read_csv(quoted).points] == [1234.0, 12.0, 1.5]
    assert read_csv(quoted).points[0].note == "rails, alarms"
    european = "Datum;Wert\n01/01/2025;12,5\n02/01/2025;1.234,5\n03/01/2025;7\n".encode("cp1252")
    assert [p.value for p in read_csv(european).points] == [12.5, 1234.5, 7.0]


def test_without_a_header_the_columns_go_by_position() -> None:
    series = read_csv(b"2025-01-01,5,start\n2025-01-02,6\n2025-01-03,7,\n")
    assert series.points[0] == Point(D(2025, 1, 1), 5.0, "start")
    assert len(series.points) == 3
    assert series.columns == ("column A", "column B", "column C")


def test_header_names_pick_the_columns_wherever_they_are() -> None:
    rows = [("Ward", "Target", "Annotation", "Falls per 1000 bed days", "Reporting period"),
            ("W7", 2, "", 3.5, "Jan 2025"), ("W7", 2, "PDSA 1", 4.1, "Feb 2025"),
            ("W7", 2, "", 2.0, "Mar 2025")]
    series = read_csv(csv_bytes(rows))
    assert series.points[1] == Point(D(2025, 2, 1), 4.1, "PDSA 1")
    assert series.columns == ("Reporting period", "Falls per 1000 bed days", "Annotation")
    assert any("Not read: 'Ward', 'Target'" in w for w in series.warnings)


def test_rows_out_of_order_are_sorted_with_a_warning() -> None:
    rows = [("Date", "Value"), ("2025-03-01", 3), ("2025-01-01", 1), ("2025-02-01", 2)]
    series = read_csv(csv_bytes(rows))
    assert [p.value for p in series.points] == [1.0, 2.0, 3.0]
    assert series.points == tuple(sorted(series.points))
    assert any("not in date order" in w for w in series.warnings)


def test_fewer_than_twelve_points_warn_that_limits_are_not_yet_meaningful() -> None:
    assert any("12 or more" in w for w in read_csv(csv_bytes(FALLS)).warnings)
    assert not any("12 or more" in w for w in read_csv(MONTHLY.encode()).warnings)


def test_mixed_percent_signs_warn() -> None:
    rows = [("Date", "Compliance"), ("2025-01-01", "80%"), ("2025-01-02", "0.9"),
            ("2025-01-03", "85%")]
    assert any("% sign" in w for w in read_csv(csv_bytes(rows)).warnings)


# -- one cell: dates and values -----------------------------------------------------------
@pytest.mark.parametrize(("text", "date"), [
    ("2025-03-01", D(2025, 3, 1)), ("2025/03/01", D(2025, 3, 1)),
    ("2025-03-01T00:00:00", D(2025, 3, 1)), ("2025-03-01 14:30", D(2025, 3, 1)),
    ("01/03/2025", D(2025, 3, 1)), ("1/3/25", D(2025, 3, 1)), ("01.03.2025", D(2025, 3, 1)),
    ("01-03-2025", D(2025, 3, 1)), ("1 Mar 2025", D(2025, 3, 1)),
    ("1st March 2025", D(2025, 3, 1)), ("01-Mar-25", D(2025, 3, 1)),
    ("Sat 1 Mar 2025", D(2025, 3, 1)), ("March 1, 2025", D(2025, 3, 1)),
    ("Mar-25", D(2025, 3, 1)), ("Mar 25", D(2025, 3, 1)), ("March 2025", D(2025, 3, 1)),
    ("Sept 2025", D(2025, 9, 1)), ("2025-03", D(2025, 3, 1)), ("03/2025", D(2025, 3, 1)),
    ("w/c 03/03/2025", D(2025, 3, 3)), ("W/E 9 Mar 2025", D(2025, 3, 9)),
    ("Week ending 7 Mar 2025", D(2025, 3, 7)), ("  31/12/2024 ", D(2024, 12, 31)),
])
def test_dates_as_nhs_sheets_write_them(text: str, date: dt.date) -> None:
    assert parse_date(text) == date


def test_excel_date_cells_are_dates() -> None:
    assert parse_date(dt.datetime(2025, 3, 1, 0, 0)) == D(2025, 3, 1)
    assert parse_date(D(2025, 3, 1)) == D(2025, 3, 1)


@pytest.mark.parametrize(("cell", "reason"), [
    ("31/02/2025", "no such day"), ("03/15/2025", "month-first"), ("Total", "not a date"),
    ("1 Smarch 2025", "not a month name"), (45658, "number, not a date"),
    (dt.time(9, 0), "time, not a date"), ("01/03/3025", "year 3025"), ("", "missing"),
])
def test_a_cell_that_is_not_a_date_says_why(cell: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_date(cell)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "value", "percent"), [
    ("12", 12.0, False), (" 7 ", 7.0, False), ("1,234", 1234.0, False),
    ("1,234,567.25", 1234567.25, False), ("12%", 12.0, True), ("12.5 %", 12.5, True),
    ("£1,200", 1200.0, False), ("-3", -3.0, False), ("\u22123", -3.0, False), (".5", 0.5, False),
    ("1\u00a0234", 1234.0, False), (42, 42.0, False), (0.25, 0.25, False),
])
def test_values(cell: object, value: float, percent: bool) -> None:
    assert parse_number(cell) == (value, percent)  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "reason"), [
    ("n/a", "not a number"), ("#DIV/0!", "not a number"), ("1,5", "use a point"),
    ("12 falls", "not a number"), ("nan", "not a number"), ("inf", "not a number"),
    ("1e5", "not a number"), ("9" * 400, "too large"), (True, "TRUE/FALSE"),
    (D(2025, 1, 1), "date or time"), ("", "missing"),
])
def test_a_cell_that_is_not_a_number_says_why(cell: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_number(cell)  # type: ignore[arg-type]


# -- bad input, by row --------------------------------------------------------------------
def test_a_missing_date_names_its_row() -> None:
    rows = [("Date", "Value"), ("2025-01-01", 1), ("", 2), ("2025-01-03", 3)]
    assert error(read_csv, csv_bytes(rows)).startswith("Row 3 has no date: fill it in")


def test_an_unreadable_date_names_its_row_the_cell_and_the_forms_we_read() -> None:
    rows = [("Date", "Value"), ("2025-01-01", 1), ("2025-01-02", 2), ("32/01/2025", 3)]
    message = error(read_csv, csv_bytes(rows))
    assert message.startswith("Row 4: the date '32/01/2025' cannot be read")
    us = error(read_csv, csv_bytes([("Date", "Value"), ("01/13/2025", 1)]))
    assert us.startswith("Row 2:") and "day first" in us


def test_text_in_the_value_column_names_the_row_and_the_column() -> None:
    rows = [("Month", "Falls"), ("Jan-25", 1), ("Feb-25", 2), ("Mar-25", "two"),
            ("Apr-25", 4)]
    message = error(read_csv, csv_bytes(rows))
    assert message.startswith("Row 4: the value column ('Falls') holds 'two'")
    assert "Put only numbers in that column" in message


def test_a_blank_value_names_its_row() -> None:
    rows = [("Month", "Falls"), ("Jan-25", 1), ("Feb-25", ""), ("Mar-25", 3)]
    assert error(read_csv, csv_bytes(rows)).startswith("Row 3 has a date but no value")


def test_duplicate_dates_name_both_rows() -> None:
    rows = [("Date", "Value"), ("01/03/2025", 1), ("02/03/2025", 2), ("1 Mar 2025", 3)]
    message = error(read_csv, csv_bytes(rows))
    assert message.startswith("Rows 2 and 4 have the same date (1 Mar 2025)")


def test_blank_lines_count_as_rows_as_a_spreadsheet_shows_them() -> None:
    data = b"Date,Value\n2025-01-01,1\n\n2025-01-03,x\n"
    assert error(read_csv, data).startswith("Row 4:")


@pytest.mark.parametrize("n", [1, 2])
def test_one_or_two_points_are_too_few_for_a_chart(n: int) -> None:
    rows = [("Date", "Value")] + [(f"2025-01-0{i + 1}", i) for i in range(n)]
    message = error(read_csv, csv_bytes(rows))
    assert "a chart needs at least 3 points; 12+ for process limits" in message


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b",,,\n,,\n"])
def test_an_empty_file(data: bytes) -> None:
    assert "is empty" in error(read_csv, data)


def test_a_header_with_no_data_under_it() -> None:
    assert "header row but no data" in error(read_csv, b"Month,Falls,Note\n")


def test_one_column_is_not_enough() -> None:
    assert "only one column" in error(read_csv, b"Falls\n1\n2\n3\n")


def test_a_wrong_encoding_that_cannot_be_decoded() -> None:
    noise = random.Random(7).randbytes(2000)
    assert "cannot be decoded" in error(read_upload, noise, "falls.csv")


def test_binary_that_is_not_a_sheet() -> None:
    for data in (bytes(range(32)) * 50, b"Date,Value\n" + bytes(range(1, 9)) * 100):
        assert "does not look like a spreadsheet" in error(read_upload, data, "falls.csv")
    assert "a PDF" in error(read_upload, b"%PDF-1.7\n...", "falls.pdf")
    assert ".xls" in error(read_upload, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                           "falls.xls")


def test_too_many_rows() -> None:
    body = "".join(f"{i},1\n" for i in range(MAX_ROWS + 1))
    message = error(read_csv, ("Date,Value\n" + body).encode())
    assert f"more than {MAX_ROWS:,} rows" in message


def test_too_large_a_file() -> None:
    assert "larger than" in error(read_csv, b"x" * (sheets.MAX_BYTES + 1))


def test_a_broken_quote_names_where_the_csv_stops_making_sense() -> None:
    message = error(read_csv, b'Date,Value\n2025-01-01,"1\n' + b"x" * 140_000 + b"\n")
    assert message.startswith("Row ") and "cannot be read as CSV" in message


# -- Excel workbooks ----------------------------------------------------------------------
MONTHS = [("Month", "Falls", "Note")] + [
    (dt.datetime(2025, m, 1), m * 2, "PDSA 1" if m == 4 else None) for m in range(1, 13)]


def test_a_workbook_with_one_sheet_and_date_cells() -> None:
    series = read_upload(workbook(("Falls", MONTHS)), "falls.xlsx")
    assert len(series.points) == 12
    assert series.points[3] == Point(D(2025, 4, 1), 8.0, "PDSA 1")
    assert series.sheet == "Falls" and series.warnings == ()


def test_several_sheets_with_data_ask_which_one() -> None:
    data = workbook(("Falls", MONTHS), ("Notes", []), ("Pressure ulcers", MONTHS))
    with pytest.raises(SheetChoiceError) as caught:
        read_excel(data)
    assert caught.value.sheets == ("Falls", "Pressure ulcers")
    assert "'Falls', 'Pressure ulcers'" in str(caught.value)
    assert "Choose the sheet" in str(caught.value)
    assert read_excel(data, sheet="pressure ulcers ").sheet == "Pressure ulcers"
    assert sheet_names(data) == ("Falls", "Notes", "Pressure ulcers")


def test_a_sheet_that_does_not_exist_lists_the_ones_that_do() -> None:
    data = workbook(("Falls", MONTHS), ("Pressure", MONTHS))
    with pytest.raises(SheetChoiceError) as caught:
        read_excel(data, sheet="Sepsis")
    assert caught.value.sheets == ("Falls", "Pressure")
    assert "no sheet called 'Sepsis'" in str(caught.value)


def test_the_only_sheet_with_data_is_read_and_said() -> None:
    series = read_excel(workbook(("Sheet1", []), ("Falls", MONTHS), ("Sheet3", [])))
    assert series.sheet == "Falls"
    assert series.warnings == ("Read sheet 'Falls'; the other sheets are empty.",)


def test_every_sheet_empty() -> None:
    assert "Every sheet" in error(read_excel, workbook(("A", []), ("B", [])))
    assert "is empty" in error(read_excel, workbook(("Only", [])))


def test_excel_rows_are_numbered_as_excel_shows_them() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sepsis"
    ws["A3"], ws["B3"] = "Week ending", "Antibiotics within 1 hour"
    for i in range(4):
        ws.cell(4 + i, 1, D(2025, 1, 5 + 7 * i))
        ws.cell(4 + i, 2, 0.5 + i / 10).number_format = "0%"
    ws.cell(6, 2, "#DIV/0!")
    out = io.BytesIO()
    book.save(out)
    message = error(read_excel, out.getvalue())
    assert message.startswith("Sheet 'Sepsis', row 6: the value column "
                              "('Antibiotics within 1 hour') holds '#DIV/0!'")
    ws.cell(6, 2, 0.7).number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    assert [p.value for p in read_excel(out.getvalue()).points] == [50.0, 60.0, 70.0, 80.0]


def test_excel_duplicate_and_missing_dates_name_the_sheet_and_rows() -> None:
    rows = [("Date", "Value"), (D(2025, 1, 1), 1), (D(2025, 1, 2), 2), (D(2025, 1, 1), 3)]
    assert error(read_excel, workbook(("Data", rows))).startswith(
        "Sheet 'Data', rows 2 and 4 have the same date")
    rows = [("Date", "Value"), (D(2025, 1, 1), 1), (None, 2), (D(2025, 1, 3), 3)]
    assert error(read_excel, workbook(("Data", rows))).startswith("Sheet 'Data', row 3 has no date")


def test_a_damaged_workbook() -> None:
    data = workbook(("Falls", MONTHS))
    assert "cannot be read as an Excel workbook" in error(read_upload, data[:400], "f.xlsx")
    assert "cannot be read as an Excel workbook" in error(read_excel, MONTHLY.encode())


# -- pasted columns -----------------------------------------------------------------------
def test_pasted_from_excel_with_tabs() -> None:
    series = read_pasted("Month\tFalls\nJan 2025\t3\nFeb 2025\t4\nMar 2025\t5\n")
    assert [(p.date, p.value) for p in series.points] == [
        (D(2025, 1, 1), 3.0), (D(2025, 2, 1), 4.0), (D(2025, 3, 1), 5.0)]


def test_pasted_with_commas() -> None:
    series = read_pasted("2025-01-01, 3\n2025-02-01, 4, rails\n2025-03-01, 5\n")
    assert series.points[1] == Point(D(2025, 2, 1), 4.0, "rails")


def test_pasted_with_spaces_and_dates_that_have_spaces() -> None:
    series = read_pasted("Month Falls\n1 Jan 2025  3 new bed rails\nFeb 2025 4\n"
                         "01/03/2025 1,200\n")
    assert series.points == (Point(D(2025, 1, 1), 3.0, "new bed rails"),
                             Point(D(2025, 2, 1), 4.0, ""), Point(D(2025, 3, 1), 1200.0, ""))


def test_pasted_errors_name_the_line() -> None:
    assert error(read_pasted, "Jan 2025\t3\nFeb 2025\tfour\nMar 2025\t5\n").startswith(
        "Line 2: the value column (column B) holds 'four'")
    assert error(read_pasted, "1 Jan 2025 3\nTotal 7\n1 Mar 2025 5\n").startswith(
        "Line 2: the date 'Total' cannot be read")
    assert "Nothing was pasted" in error(read_pasted, " \n\t\n")


# -- fuzz: anything either parses or says what is wrong ------------------------------------
def _valid(series: Series) -> None:
    dates = [p.date for p in series.points]
    assert len(dates) >= 3 and dates == sorted(set(dates))
    assert all(math.isfinite(p.value) for p in series.points)


@settings(max_examples=fuzz_budget(300))
@given(st.binary(max_size=3000), st.sampled_from(["data.csv", "data.xlsx", "data", "a.txt"]))
@example(b"\xff\xfe" + "Date,Value\n2025-01-01,1\n".encode("utf-16-le"), "x.csv")
@example(b"PK\x03\x04" + b"\0" * 60, "x.csv")
@example(b"Date,Value\n2025-01-01,1e999\n", "x.csv")
def test_any_bytes_parse_or_raise_bad_input(data: bytes, name: str) -> None:
    with contextlib.suppress(BadInputError):
        _valid(read_upload(data, name))


CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2025-01-01", "01/02/2025", "31/02/2025", "Mar-25", "1 Mar 2025",
                     "w/c 3/3/25", "12%", "1,234", "1,5", "-0", "", " ", "#N/A", "Month",
                     "Value", "note", '"', "\x00", "\ufeff"]),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates(D(1890, 1, 1), D(2110, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
)


@settings(max_examples=fuzz_budget(300))
@given(st.lists(st.lists(CELLS, max_size=5), max_size=20),
       st.sampled_from([",", ";", "\t", " "]),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_table_parses_or_raises_bad_input(rows: list[list[str]], sep: str,
                                              encoding: str) -> None:
    text = "\n".join(sep.join(row) for row in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    for read in (lambda: read_csv(data), lambda: read_pasted(text)):
        with contextlib.suppress(BadInputError):
            _valid(read())


@settings(max_examples=fuzz_budget(60))
@given(st.data())
def test_a_mangled_workbook_parses_or_raises_bad_input(data: st.DataObject) -> None:
    raw = bytearray(_SEED)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(4, len(raw)))
    with contextlib.suppress(BadInputError):
        _valid(read_upload(bytes(raw[:cut]), "falls.xlsx"))


_SEED = workbook(("Falls", MONTHS))
