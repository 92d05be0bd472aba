"""`coach chart DATA.csv --direction down [--xmr] ...`: a team's data charted in a terminal
(a run chart or a Making Data Count XmR chart), its reading and signals table printed, the PNG
and the computed series as CSV written when asked; and the terminal helpers `coach project`
(coach/workbench/cli.py, which registers both) shares: the sentences of
prompts/project-cli.yaml, reading a data file, a measurement plan from the flags, writing a
file, a chart as text.

Thin: read the file (``sheets.read_upload``), chart it (``measure_chart.chart_points`` with a
``MeasurePlan`` built from the flags), render. Every flag is checked, and the output paths,
before the file is read; bad input is a ``BadInputError`` (one line, exit code 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach import prompts
from coach.errors import BadInputError
from coach.text.document import Block, to_markdown
from coach.workbench import summary as summaries
from coach.workbench.chart import Note
from coach.workbench.columns import Series
from coach.workbench.measure_chart import MeasureChart, chart_points
from coach.workbench.projects import MeasurePlan, day, number
from coach.workbench.sheets import SheetChoiceError, read_upload

if TYPE_CHECKING:
    from coach.cli import Subcommands

WORDS = "project-cli.yaml"


def line(key: str, **values: object) -> str:
    return prompts.render(prompts.read_yaml(WORDS)[key], **values)


def chart_options(s: argparse.ArgumentParser) -> None:
    s.add_argument("--target", help="the target value")
    s.add_argument("--rebase", nargs="+", default=[], metavar="DATE",
                   help="dates a known change started a new period (YYYY-MM-DD)")


def register_chart(subparsers: Subcommands) -> None:
    s = subparsers.add_parser("chart", help="chart a CSV or Excel file: run chart or MDC XmR "
                              "chart, its reading and its signals")
    s.add_argument("file", type=Path, help="CSV or .xlsx: date, value, optional note")
    s.add_argument("--direction", required=True, help="which way is better: up, down, neither")
    s.add_argument("--xmr", action="store_true", help="an XmR chart (default: a run chart)")
    chart_options(s)
    s.add_argument("--astronomical", nargs="+", default=[], metavar="DATE",
                   help="points you judge obviously unusual (run chart)")
    s.add_argument("--name", help="the measure's name (default: the value column's header)")
    s.add_argument("--sheet", help="the workbook's sheet, when it has several")
    s.add_argument("--out", type=Path, help="write the chart as PNG here")
    s.add_argument("--csv", type=Path, help="write the computed series as CSV here")


def read_file(path: Path, sheet: str | None) -> Series:
    if not path.exists():
        raise BadInputError(line("no-file", path=path))
    if path.is_dir():
        raise BadInputError(line("not-a-file", path=path))
    try:
        series = read_upload(path.read_bytes(), path.name, sheet=sheet)
    except SheetChoiceError as exc:
        raise BadInputError(line("choose-sheet", message=exc, first=exc.sheets[0])) from None
    for warning in series.warnings:
        print(f"coach: note: {warning}", file=sys.stderr)
    return series


def check_writable(path: Path) -> None:
    """Refuse an output path before any work: its folder must exist, and it is no folder."""
    if path.is_dir() or not path.resolve().parent.is_dir():
        reason = "it is a folder" if path.is_dir() else "its folder does not exist"
        raise BadInputError(line("cannot-write", path=path, reason=reason))


def write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        raise BadInputError(line("cannot-write", path=path, reason=exc.strerror)) from None
    print(line("wrote", path=path))


def chart_text(drawn: MeasureChart) -> str:
    text = drawn.reading.text
    table = drawn.reading.table
    if table:
        header = tuple(summaries.words()["signals-header"])
        rows = tuple((r.rule, r.first, r.last, r.points, r.meaning) for r in table)
        text += "\n\n" + to_markdown([Block("table", header=header, items=rows)]).rstrip()
    return text


def plan_from(args: argparse.Namespace, name: str, kind: str) -> MeasurePlan:
    """A measurement plan from the flags, checked (a BadInputError names the flag's field)."""
    fields = {f: getattr(args, f, "") for f in ("definition", "source", "frequency", "owner")}
    return MeasurePlan(kind, name, args.direction, chart="xmr" if args.xmr else "run",
                       target=None if args.target is None else number(args.target, "target"),
                       rebase=tuple(day(d, "rebase date") for d in args.rebase),
                       **fields).checked()


def _name(args: argparse.Namespace, series: Series) -> str:
    column = series.columns[1]
    if args.name:
        return str(args.name)
    return column if column and not re.fullmatch(r"column [A-Z]+", column) else args.file.stem


def chart(args: argparse.Namespace) -> int:
    plan = plan_from(args, args.name or args.file.stem or "chart", "outcome")  # flags first
    astronomical = [day(d, "astronomical date") for d in args.astronomical]
    outputs = [p for p in (args.out, args.csv) if p is not None]
    for path in outputs:
        check_writable(path)
    series = read_file(args.file, args.sheet)
    plan = dataclasses.replace(plan, name=_name(args, series)).checked()
    notes: list[Note] = [(p.date, p.note) for p in series.points if p.note]
    drawn = chart_points(series.points, plan, notes, astronomical=astronomical)
    print(chart_text(drawn))
    if args.out is not None:
        write(args.out, drawn.png())
    if args.csv is not None:
        write(args.csv, drawn.csv())
    return 0
