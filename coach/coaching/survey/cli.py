"""`coach survey open|respond|results|close|adopt|list`: team readiness surveys from a script.

Thin: parse, call the ``SurveyStore`` (or the lead's ``JourneySession`` to adopt), render.
``--json`` (and ``--csv`` for results and list) print data instead of text. No command builds
the embedder: adopting stores the scores; `coach journey export` cites the guidance.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from coach.coaching.render import render_result
from coach.coaching.score_input import read_scores
from coach.coaching.session import JourneySession
from coach.coaching.survey import render as survey_render
from coach.coaching.survey.store import LEVELS, ROLES, Survey
from coach.db import LOCAL_USER as DEFAULT_USER

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands


def register(subparsers: Subcommands) -> dict[str, CommandHandler]:
    p = subparsers.add_parser("survey", help="team readiness surveys: open one, answer, see "
                                             "the results, adopt them as your assessment")
    sub = p.add_subparsers(dest="survey_command", required=True)
    lead = argparse.ArgumentParser(add_help=False)
    lead.add_argument("--user", default=DEFAULT_USER,
                      help=f"the lead who opened the survey (default: {DEFAULT_USER})")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")
    s = sub.add_parser("open", parents=[lead, as_json], help="open a survey; prints its code")
    s.add_argument("--title", default="", help='e.g. "Ward 7 readiness, May"')
    s = sub.add_parser("respond", parents=[as_json], help="answer a survey")
    s.add_argument("code")
    s.add_argument("--role", required=True, help=f"your role, e.g. {ROLES[4]!r}")
    s.add_argument("--level", required=True, help=f"your level, e.g. {LEVELS[0]!r}")
    s.add_argument("--user", default=None,
                   help="answer as this user (answering again replaces it); "
                        "without it the answer is anonymous")
    s.add_argument("--scores", help="all scores 0-3 in order, e.g. 2,1,3,... (else prompts)")
    s.add_argument("--file", help="YAML/JSON file: {item-id: score} or a list")
    for name, text in (("results", "the results (owner only): means and spreads"),
                       ("list", "the surveys you opened")):
        s = sub.add_parser(name, parents=[lead, as_json], help=text)
        if name == "results":
            s.add_argument("code")
        s.add_argument("--csv", action="store_true", help="print CSV")
    s = sub.add_parser("close", parents=[lead, as_json], help="stop taking answers")
    s.add_argument("code")
    s = sub.add_parser("adopt", parents=[lead, as_json],
                       help="store the results as your journey's assessment (closes the survey)")
    s.add_argument("code")
    return {"survey": run}


def run(args: argparse.Namespace) -> int:
    from coach import load_settings

    session = JourneySession.open(load_settings(), args.user or DEFAULT_USER)
    return _HANDLERS[args.survey_command](session, args)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _survey_dict(s: Survey) -> dict[str, Any]:
    return {"code": s.code, "title": s.title, "owner": s.owner, "created_at": s.created_at,
            "closed_at": s.closed_at, "responses": s.responses}


def _open(session: JourneySession, args: argparse.Namespace) -> int:
    survey = session.surveys().open(session.user, args.title)
    if args.json:
        _print_json(_survey_dict(survey))
        return 0
    print(f"Opened survey {survey.code} (\"{survey.title}\"). Share the code: colleagues "
          f"answer in the Coach tab (Team readiness survey) or with\n  coach survey respond "
          f"{survey.code} --role ROLE --level LEVEL\nSee the results with: coach survey "
          f"results {survey.code} --user {session.user}")
    return 0


def _respond(session: JourneySession, args: argparse.Namespace) -> int:
    surveys = session.surveys()
    survey = surveys.find(args.code)   # a wrong code is reported before any prompting
    if not args.scores and not args.file:
        print(f"Survey {survey.code}: \"{survey.title}\" (opened by {survey.owner}).")
    receipt = surveys.respond(survey.code, session.journey, read_scores(session.journey, args),
                              role=args.role, level=args.level, user=args.user)
    if args.json:
        _print_json({"code": receipt.code, "anonymous": receipt.anonymous,
                     "replaced": receipt.replaced, "message": receipt.message})
    else:
        print(receipt.message)
    return 0


def _results(session: JourneySession, args: argparse.Namespace) -> int:
    report = session.surveys().results(args.code, session.user, session.journey)
    if args.json:
        print(survey_render.to_json(report))
    elif args.csv:
        sys.stdout.write(survey_render.to_csv(report))
    else:
        print(survey_render.markdown(report).rstrip())
    return 0


def _list(session: JourneySession, args: argparse.Namespace) -> int:
    surveys = session.surveys().mine(session.user)
    rows = [_survey_dict(s) for s in surveys]
    if args.json:
        _print_json(rows)
    elif args.csv:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(_survey_dict(Survey("", "", "", ""))),
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
    elif not surveys:
        print("You have not opened a survey yet: coach survey open --title TITLE")
    for s in surveys if not (args.json or args.csv) else ():
        state = f"closed {s.closed_at[:10]}" if s.closed_at else "open"
        print(f"{s.code}  {s.created_at[:10]}  {state:<17} {s.responses:>3} answered  {s.title}")
    return 0


def _close(session: JourneySession, args: argparse.Namespace) -> int:
    survey = session.surveys().close(args.code, session.user)
    if args.json:
        _print_json(_survey_dict(survey))
    else:
        print(f"Survey {survey.code} is closed ({survey.responses} answered); it takes no more "
              "answers.")
    return 0


def _adopt(session: JourneySession, args: argparse.Namespace) -> int:
    report, result = session.adopt_survey(args.code)
    if args.json:
        _print_json({"code": report.survey.code, "respondents": report.stats.n,
                     "taken_at": result.taken_at, "scores": result.scores,
                     "overall": result.overall, "band": result.band,
                     "enablers": {c.enabler: c.mean for c in result.categories}})
        return 0
    print(f"Adopted survey {report.survey.code} ({report.stats.n} respondents) as the readiness "
          "assessment of your journey: each item's mean rounded to a whole score. The survey "
          "is now closed.\n")
    print(render_result(result))
    print("\nThe exported action plan (coach journey export) shows the survey's means and "
          "spreads, with cited recommendations.")
    return 0


_HANDLERS = {"open": _open, "respond": _respond, "results": _results, "list": _list,
             "close": _close, "adopt": _adopt}
