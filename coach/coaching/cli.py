"""`coach journey start|assess|step|tick|note|action|status|export|reset` for the terminal
(`coach survey` is ``survey/cli.py``; both read typed scores with ``score_input``).

Thin: parse, call the user's ``JourneySession``, render text. The Coach (embedder and index) is
built only by the commands that cite the guidance: assess, step and export.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coach.coaching import assessment, machine, where
from coach.coaching.render import render_progress, render_result, render_step
from coach.coaching.score_input import read_scores
from coach.coaching.session import JourneySession
from coach.db import LOCAL_USER as DEFAULT_USER
from coach.errors import BadInputError, CoachError, IndexEmptyError

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands


def register(subparsers: Subcommands) -> dict[str, CommandHandler]:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help=f"whose journey (default: {DEFAULT_USER})")
    p = subparsers.add_parser("journey", parents=[common],
                              help="coaching mode: assessment, the six steps, action plan")
    sub = p.add_subparsers(dest="journey_command", required=True)
    s = sub.add_parser("start", parents=[common], help="start or resume your journey")
    s.add_argument("--in-place", nargs="+", default=[], metavar="STEP",
                   help="steps already in place (numbers or ids), e.g. --in-place 2")
    s.add_argument("--say", default="", metavar="TEXT",
                   help='where you are, in your words, e.g. "we already have board support"')
    s = sub.add_parser("assess", parents=[common], help="take the readiness self-assessment")
    s.add_argument("--scores", help="all scores 0-3 in order, e.g. 2,1,3,... (else prompts)")
    s.add_argument("--file", type=Path, help="YAML/JSON file: {item-id: score} or a list")
    s = sub.add_parser("step", parents=[common], help="show a step (default: the current one)")
    s.add_argument("ref", nargs="?", help="step number or id to go to")
    move = s.add_mutually_exclusive_group()
    for flag in ("next", "previous", "complete", "reopen"):
        move.add_argument(f"--{flag}", action="store_true", help=f"{flag} step")
    s.add_argument("--no-explain", action="store_true", help="skip the cited explanation")
    s = sub.add_parser("tick", parents=[common], help="tick checklist items (numbers or ids)")
    s.add_argument("items", nargs="+")
    s.add_argument("--step", help="step number or id (default: the current one)")
    s.add_argument("--untick", action="store_true", help="remove the ticks instead")
    s = sub.add_parser("note", parents=[common], help="add a note to a step")
    s.add_argument("text")
    s.add_argument("--step", help="step number or id (default: the current one)")
    s = sub.add_parser("action", parents=[common], help="add an action: what, owner, due date")
    s.add_argument("what")
    s.add_argument("--owner", required=True)
    s.add_argument("--due", required=True, help="YYYY-MM-DD")
    s.add_argument("--step", help="step number or id (default: the current one)")
    sub.add_parser("status", parents=[common], help="where you are in the journey")
    s = sub.add_parser("export", parents=[common], help="write the action plan")
    s.add_argument("--format", choices=("md", "docx", "both"), default="both")
    s.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    s = sub.add_parser("reset", parents=[common], help="clear your journey (asks first)")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return {"journey": run}


def run(args: argparse.Namespace) -> int:
    from coach import load_settings

    settings = load_settings()
    session = JourneySession.open(settings, getattr(args, "user", DEFAULT_USER))
    args.settings = settings
    return _HANDLERS[args.journey_command](session, args)


def _with_coach(session: JourneySession, args: argparse.Namespace) -> None:
    """Build the Coach (embedder, index) only once the input has been checked."""
    from coach import build_coach

    session.coach = build_coach(args.settings)


def _warn(progress: machine.Progress) -> None:
    for w in progress.warnings:
        print(f"coach: note: {w}", file=sys.stderr)


def _start(session: JourneySession, args: argparse.Namespace) -> int:
    refs: list[str | int] = list(args.in_place)
    if args.say:
        found = where.steps_mentioned(session.journey, args.say)
        if not found and not refs:
            raise BadInputError("I could not tell which step that describes. Name it with "
                                "--in-place, e.g. --in-place 2 (step numbers 1-6).")
        refs += [s.id for s in found]
    progress = session.apply(machine.mark_in_place, refs) if refs else session.apply(
        machine.start)
    _warn(progress)
    here = session.current_step(progress)
    if refs:
        names = ", ".join(machine.find_step(session.journey, r).title for r in refs)
        print(f"Noted as already in place: {names}.")
        gaps = machine.gaps_before(session.journey, progress, here.id)
        if gaps:
            print("Worth a look back later: " + ", ".join(
                f"step {g.number} ({g.title})" for g in gaps) + ".")
    print(render_progress(session.journey, progress))
    print(f"\nYou are on step {here.number}: {here.title}. "
          f"See it with: coach journey step")
    return 0


def _assess(session: JourneySession, args: argparse.Namespace) -> int:
    scores = assessment.validate(session.journey, read_scores(session.journey, args))
    _with_coach(session, args)
    result = session.assess(scores)
    results, warnings = session.history()
    for w in warnings:
        print(f"coach: note: {w}", file=sys.stderr)
    first = results[0] if len(results) > 1 else None
    print(render_result(result, first))
    if session.coach is not None and session.coach.count() == 0:
        print("\n(No cited passages: the guidance index is empty. Run `coach ingest`.)")
    return 0


def _step(session: JourneySession, args: argparse.Namespace) -> int:
    if args.ref:
        progress = session.apply(machine.goto, args.ref)
    elif args.next:
        progress = session.apply(machine.next_step)
    elif args.previous:
        progress = session.apply(machine.previous_step)
    elif args.complete or args.reopen:
        progress = session.apply(machine.complete, done=args.complete)
    else:
        progress = session.apply(machine.start)
    _warn(progress)
    step = session.current_step(progress)
    explanation = None
    if not args.no_explain:
        _with_coach(session, args)
        try:
            explanation = session.explain(step)
        except IndexEmptyError:
            print("(No cited explanation: the guidance index is empty. Run `coach ingest`.)")
    print(render_step(session.journey, progress, step, explanation))
    if args.complete and progress.stage == machine.Stage.ON_STEP:
        nxt = machine.suggested_step(session.journey, progress)
        print(f"\nSuggested next: step {nxt.number}, {nxt.title} (coach journey step "
              f"{nxt.number}).")
    return 0


def _tick(session: JourneySession, args: argparse.Namespace) -> int:
    progress = session.apply(machine.tick, args.items, step=args.step, ticked=not args.untick)
    _warn(progress)
    step = machine.find_step(session.journey, args.step) if args.step else \
        session.current_step(progress)
    print(render_step(session.journey, progress, step, None, brief=True))
    return 0


def _note(session: JourneySession, args: argparse.Namespace) -> int:
    progress = session.apply(machine.add_note, args.text, step=args.step)
    _warn(progress)
    print("Note added.")
    return 0


def _action(session: JourneySession, args: argparse.Namespace) -> int:
    progress = session.apply(machine.add_action, args.what, args.owner, args.due,
                             step=args.step)
    _warn(progress)
    print(f"Action added: {args.what} (owner {args.owner}, due {args.due}).")
    return 0


def _status(session: JourneySession, args: argparse.Namespace) -> int:
    progress = session.progress()
    _warn(progress)
    print(render_progress(session.journey, progress))
    results, warnings = session.history()
    for w in warnings:
        print(f"coach: note: {w}", file=sys.stderr)
    for r in results:
        print(f"Assessment {r.taken_at[:16].replace('T', ' ')}: overall {r.overall:.2f} "
              f"({r.band})" + (f", from {r.source}" if r.source else ""))
    return 0


def _export(session: JourneySession, args: argparse.Namespace) -> int:
    from coach.coaching import export

    formats = ("md", "docx") if args.format == "both" else (args.format,)
    _with_coach(session, args)
    plan = session.plan()
    for path in export.write(plan, args.out, formats):
        print(f"Wrote {path}")
    return 0


def _reset(session: JourneySession, args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise CoachError("Resetting clears your journey; add --yes to confirm.")
        if input("Type 'reset' to clear your journey: ").strip() != "reset":
            print("Nothing changed.")
            return 1
    cleared = session.reset()
    print("Journey cleared (a copy is archived; assessment history is kept)." if cleared
          else "There was no saved journey to clear.")
    return 0


_HANDLERS = {"start": _start, "assess": _assess, "step": _step, "tick": _tick, "note": _note,
             "action": _action, "status": _status, "export": _export, "reset": _reset}

