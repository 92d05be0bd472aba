"""`coach project new|list|show|aim|measure|data|pdsa|score|export|delete`, and registers
`coach chart` (coach/workbench/chart_cli.py, with the helpers both share): the QI workbench in
a terminal.

Thin: parse, call the ``WorkbenchStore`` (coach/workbench/store.py), the chart
(``measure_chart.chart_measure``) or the summary (coach/workbench/summary.py), render text. A
project is named by its number or its title, a measure by its number or its name within the
project. Bad input raises ``BadInputError`` (one line, exit code 2), from the checks in
projects.py, sheets.py and the store, or here; the store checks everything before it writes,
so a refused command changes nothing. Sentences: prompts/project-cli.yaml.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.db import LOCAL_USER as DEFAULT_USER
from coach.errors import BadInputError, CoachError
from coach.text.document import to_markdown
from coach.workbench import summary as summaries
from coach.workbench.aim import AimCheck, progress_meaning, progress_scale
from coach.workbench.chart_cli import (
    chart,
    chart_options,
    chart_text,
    line,
    plan_from,
    read_file,
    register_chart,
)
from coach.workbench.measure_chart import chart_measure
from coach.workbench.projects import PDSA, Measure, Project
from coach.workbench.spc import MIN_POINTS
from coach.workbench.store import WorkbenchStore

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands

PDSA_TEXT = ("plan", "prediction", "do", "study", "act", "act_note")
PDSA_DATES = ("planned", "done", "studied", "acted")


def register(subparsers: Subcommands) -> dict[str, CommandHandler]:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help=f"whose projects (default: {DEFAULT_USER})")
    p = subparsers.add_parser("project", parents=[common], help="QI projects: aim, measures "
                              "and their data, PDSA cycles, progress scores, summary export")
    sub = p.add_subparsers(dest="project_command", required=True)
    s = sub.add_parser("new", parents=[common], help="start a project")
    s.add_argument("title")
    for flag, text in (("aim", "the SMART aim: how much, by when, for whom"),
                       ("team", "who is on the team"), ("sponsor", "the sponsor")):
        s.add_argument(f"--{flag}", default="", help=text)
    sub.add_parser("list", parents=[common], help="your projects, with their progress scores")
    s = sub.add_parser("show", parents=[common],
                       help="the aim check, measures with their readings, PDSA log and scores")
    s.add_argument("project", help="its number or title")
    s = sub.add_parser("aim", parents=[common], help="write the aim (or check the one saved)")
    s.add_argument("project", help="its number or title")
    s.add_argument("aim", nargs="?", help="the aim (without it: check the saved one)")
    _measure_parser(sub, common)
    s = sub.add_parser("data", parents=[common],
                       help="import a CSV or Excel file into a measure (replaces its data)")
    s.add_argument("project", help="its number or title")
    s.add_argument("measure", help="the measure's number or name")
    s.add_argument("file", type=Path, help="CSV or .xlsx: date, value, optional note")
    s.add_argument("--sheet", help="the workbook's sheet, when it has several")
    _pdsa_parser(sub, common)
    s = sub.add_parser("score", parents=[common],
                       help="record an IHI progress score (0.5-5), or list them")
    s.add_argument("project", help="its number or title")
    s.add_argument("score", nargs="?", help="0.5, 1, 1.5 ... 5 (without it: the history)")
    s.add_argument("--on", help="the date scored, YYYY-MM-DD (default: today)")
    s.add_argument("--note", default="", help="what the score rests on")
    s = sub.add_parser("export", parents=[common], help="write the project summary")
    s.add_argument("project", help="its number or title")
    s.add_argument("--format", choices=("md", "docx", "both"), default="both")
    s.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    s = sub.add_parser("delete", parents=[common], help="delete a project (asks first)")
    s.add_argument("project", help="its number or title")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    register_chart(subparsers)
    return {"project": run, "chart": chart}


def _measure_parser(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("measure", parents=[common], help="add a measure to the plan")
    s.add_argument("project", help="its number or title")
    s.add_argument("name", help='e.g. "Falls per 1,000 bed days"')
    s.add_argument("--kind", required=True, help="outcome, process or balancing")
    s.add_argument("--direction", required=True, help="which way is better: up, down, neither")
    s.add_argument("--xmr", action="store_true", help="an XmR chart (default: a run chart)")
    for flag, text in (("definition", "the operational definition"),
                       ("source", "where the data comes from"),
                       ("frequency", "how often, e.g. monthly"),
                       ("owner", "who collects it")):
        s.add_argument(f"--{flag}", default="", help=text)
    chart_options(s)


def _pdsa_parser(sub: Subcommands, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("pdsa", parents=[common], help="log a PDSA cycle, or update one")
    s.add_argument("project", help="its number or title")
    s.add_argument("--cycle", type=int, help="update this cycle: the parts given replace "
                   "what it says")
    s.add_argument("--title")
    s.add_argument("--plan", help="what you will try")
    s.add_argument("--prediction", help="what you expect to happen")
    s.add_argument("--do", help="what happened")
    s.add_argument("--study", help="what happened against the prediction")
    s.add_argument("--act", help="adopt, adapt or abandon")
    s.add_argument("--act-note", help="what that means here")
    for flag in PDSA_DATES:
        s.add_argument(f"--{flag}", metavar="DATE", help=f"date {flag} (YYYY-MM-DD)")
    s.add_argument("--measure", help="the measure it should move (number or name)")
    s.add_argument("--follows", help="the cycle it builds on (its number): a ramp")


# -- helpers --------------------------------------------------------------------------------
def _store() -> WorkbenchStore:
    from coach import load_settings
    from coach.db import open_database

    return WorkbenchStore(open_database(load_settings()))


def _project(store: WorkbenchStore, user: str, ref: str) -> Project:
    """The user's project by number, or by title (case does not matter)."""
    if ref.strip().isdigit():
        return store.project(user, int(ref))
    name = " ".join(ref.split()).lower()
    found = [p for p in store.projects(user) if p.title.lower() == name]
    if len(found) != 1:
        raise BadInputError(line("two-projects" if found else "no-such-project", name=ref))
    return found[0]


def _measure(store: WorkbenchStore, user: str, project: Project, ref: str) -> Measure:
    """A measure of the project by number or by name."""
    measures = store.measures(user, project.id)
    if ref.strip().isdigit():
        found = [m for m in measures if m.id == int(ref)]
    else:
        found = [m for m in measures if m.plan.name.lower() == " ".join(ref.split()).lower()]
    if len(found) != 1:
        raise BadInputError(line("two-measures" if found else "no-such-measure",
                                  project=project.id, name=ref))
    return found[0]


def _aim_lines(check: AimCheck) -> list[str]:
    return [check.summary, *(f"  - {s}" for s in check.suggestions)]


# -- coach project ----------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    store, user = _store(), getattr(args, "user", DEFAULT_USER)
    return _HANDLERS[args.project_command](store, user, args)


def _new(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = store.create(user, args.title, aim=args.aim, team=args.team,
                           sponsor=args.sponsor)
    print(line("created", id=project.id, title=project.title))
    if project.aim:
        print("\n".join(_aim_lines(project.aim_check())))
    else:
        print(line("add-aim", id=project.id))
    return 0


def _list(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    entries = store.register(user)
    if not entries:
        print(line("none"))
    for e in entries:
        score = line("no-score") if e.score is None else line(
            "score-line", score=f"{e.score:g}", date=e.scored_on,
            meaning=progress_meaning(e.score))
        print(line("listed", id=e.project_id, title=e.title, score=score))
    return 0


def _show(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    found = store.summary(user, _project(store, user, args.project).id)
    print(summaries.as_text(found, summaries.summary_charts(found)).rstrip())
    return 0


def _aim(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    if args.aim is not None:
        project = store.update(user, project.id, aim=args.aim)
        print(line("aim-saved", id=project.id))
    print("\n".join(_aim_lines(project.aim_check())))
    return 0


def _add_measure(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    measure = store.add_measure(user, project.id, plan_from(args, args.name, args.kind))
    print(line("measure-added", id=measure.id, project=project.id, name=measure.plan.name))
    return 0


def _data(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    measure = _measure(store, user, project, args.measure)
    series = read_file(args.file, args.sheet)
    count = store.replace_points(user, measure.id, series.points)
    print(line("imported", count=count, name=measure.plan.name, file=args.file))
    if count >= MIN_POINTS:
        print("\n" + chart_text(chart_measure(store, user, measure.id)))
    return 0


def _pdsa(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    given: dict[str, Any] = {f: getattr(args, f) for f in ("title", *PDSA_TEXT, *PDSA_DATES)
                             if getattr(args, f) is not None}
    if args.measure is not None:
        given["measure_id"] = _measure(store, user, project, args.measure).id
    if args.follows is not None:
        given["follows"] = args.follows
    if args.cycle is None:
        if not (args.title or "").strip():
            raise BadInputError(line("no-title"))
        cycle = store.add_cycle(user, project.id, PDSA(**given))
        key = "cycle-logged"
    else:
        old = store.cycle(user, args.cycle)
        if old.project_id != project.id:
            raise BadInputError(line("cycle-elsewhere", id=old.id, project=project.id))
        cycle = store.update_cycle(user, old.id, dataclasses.replace(old.pdsa, **given))
        key = "cycle-updated"
    stage = summaries.words()["stage"][cycle.pdsa.stage]
    print(line(key, id=cycle.id, title=cycle.pdsa.title, stage=stage))
    return 0


def _score(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    if args.score is not None:
        s = store.add_score(user, project.id, args.score, on=args.on, note=args.note)
        print(line("scored", score=f"{s.score:g}", date=s.on.isoformat(), meaning=s.meaning))
        return 0
    found = store.summary(user, project.id)
    print(to_markdown(summaries.score_blocks(found)).rstrip())
    if found.latest is None:
        print("\n" + line("scale"))
        print("\n".join(f"  {level.score:>3g}  {level.meaning}" for level in progress_scale()))
    return 0


def _export(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    formats = ("md", "docx") if args.format == "both" else (args.format,)
    for fmt in formats:
        print(line("wrote", path=summaries.export_project(store, user, project.id, args.out,
                                                            fmt)))
    return 0


def _delete(store: WorkbenchStore, user: str, args: argparse.Namespace) -> int:
    project = _project(store, user, args.project)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CoachError(line("confirm-delete"))
        if input(line("confirm", id=project.id, title=project.title)).strip() != "delete":
            print(line("kept"))
            return 1
    store.delete(user, project.id)
    print(line("deleted", id=project.id, title=project.title))
    return 0


_HANDLERS = {"new": _new, "list": _list, "show": _show, "aim": _aim, "measure": _add_measure,
             "data": _data, "pdsa": _pdsa, "score": _score, "export": _export,
             "delete": _delete}


