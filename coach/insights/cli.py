"""`coach insights`: the Insights tab's report in a terminal, as JSON, or as CSV files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from coach.errors import BadInputError

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands

DEFAULT_DAYS = 30


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser(
        "insights", help="what people ask, what is refused, content gaps, feedback, documents "
        "and journeys (the Insights tab)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the whole report as JSON")
    out.add_argument("--csv", type=Path, metavar="DIR",
                     help="write the question log, the feedback and every chart's data as CSV "
                          "(with insights.json and the charts as PNG) into DIR")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, metavar="N",
                   help=f"the last N days (default {DEFAULT_DAYS}; 0: everything logged)")
    return {"insights": cmd_insights}


def cmd_insights(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.insights import export, views
    from coach.insights.report import gather, indexed_documents

    if args.days < 0:
        raise BadInputError("--days must be 0 (everything logged) or a number of days.")
    settings = load_settings()
    coach = build_coach(settings)
    report = gather(settings, coach, indexed_documents(coach.sources()),
                    days=args.days or None)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    elif args.csv is not None:
        written = export.write(report, args.csv)
        if report.empty:
            print(report.empty)
        print(f"Wrote {len(written)} files to {args.csv}: "
              + ", ".join(p.name for p in written))
    else:
        print(views.as_text(report))
    return 0
