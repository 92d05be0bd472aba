"""`coach eval review list | show ID | record ID ... | save ID --suite ...`: the review queue
from the command line (the Evaluate tab's Review queue does the same in the browser).

Added under `coach eval` by coach/evals/cli.py (``add_parser``); the reviewer is
``--reviewer NAME`` (default ``local``, the single user of an install without sign-in).
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Any

from coach.db import LOCAL_USER
from coach.review.store import Item, Rubric


def add_parser(sub: Any) -> None:
    """`review` and its subcommands, under `coach eval`."""
    p = sub.add_parser("review", help="review real answers and save them as cases")
    rsub = p.add_subparsers(dest="review_command", required=True)
    ls = rsub.add_parser("list", help="the answers waiting for review, oldest first")
    ls.add_argument("--all", action="store_true", help="reviewed items too")
    ls.add_argument("--json", action="store_true", help="print the items as JSON")
    show = rsub.add_parser("show", help="one item: question, history, reply and passages")
    show.add_argument("id", type=int)
    rec = rsub.add_parser("record", help="record the rubric for an item (it leaves the queue)")
    rec.add_argument("id", type=int)
    for name, yes, no, what in (
            ("correct", "--right", "--wrong", "was the answer (or the refusal) right?"),
            ("grounded", "--grounded", "--ungrounded", "is every sentence in its passages?"),
            ("right_source", "--right-source", "--wrong-source", "did it cite the right "
                                                                  "guidance?"),
            ("should_refuse", "--should-refuse", "--should-answer", "was refusing the right "
                                                                     "answer?")):
        group = rec.add_mutually_exclusive_group(required=True)
        group.add_argument(yes, dest=name, action="store_true", help=what)
        group.add_argument(no, dest=name, action="store_false")
    rec.add_argument("--must", action="append", default=[], metavar="TERM",
                     help="a term a right answer must include (repeat for more)")
    rec.add_argument("--note", default="", help="what was wrong, in a sentence")
    rec.add_argument("--reviewer", default=LOCAL_USER, help="who reviewed it (default local)")
    save = rsub.add_parser("save", help="save a reviewed item as a case of a Q&A suite")
    save.add_argument("id", type=int)
    save.add_argument("--suite", type=Path, required=True,
                      help="suite file, e.g. evals/dev/suite.yaml")
    save.add_argument("--evidence", type=int, default=None, metavar="N",
                      help="the passage (numbered as `show` prints them) that holds the answer")
    save.add_argument("--quote", default=None,
                      help="the evidence quote (default: its sentence holding a must term)")
    save.add_argument("--must", action="append", default=None, metavar="TERM",
                      help="must-include terms (default: the ones the review recorded)")


def dispatch(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.review.store import review_store

    store = review_store(load_settings())
    command = args.review_command
    if command == "list":
        items = store.items() if args.all else store.pending()
        if args.json:
            print(json.dumps([as_json(i) for i in items], indent=1, ensure_ascii=False))
        else:
            print(listing(items))
        return 0
    if command == "show":
        print(describe(store.get(args.id)))
        return 0
    if command == "record":
        rubric = Rubric(correct=args.correct, grounded=args.grounded,
                        right_source=args.right_source, should_refuse=args.should_refuse,
                        must_include=tuple(args.must), note=args.note)
        store.record(args.id, args.reviewer, rubric)
        print(f"Review of item {args.id} recorded; it has left the queue.")
        return 0
    from coach.review.cases import save_case

    saved = save_case(store, args.id, args.suite, evidence=args.evidence, quote=args.quote,
                      must_include=args.must)
    print(f"Saved item {args.id} as case {saved.case_id} in {saved.cases_file}.")
    return 0


def as_json(item: Item) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(item)


def listing(items: list[Item]) -> str:
    if not items:
        return "The review queue is empty."
    lines = [f"{'id':>5}  {'created':<20} {'why':<28} question"]
    lines += [f"{i.id:>5}  {i.created[:19]:<20} {', '.join(i.kinds):<28} "
              f"{textwrap.shorten(i.question, 70, placeholder='…')}" for i in items]
    return "\n".join(lines)


def describe(item: Item) -> str:
    """One item as text: what `show` prints."""
    lines = [f"Item {item.id} · asked by {item.user} · {item.created} · why: {item.why}", "",
             f"Question: {item.question}"]
    for n, (q, a) in enumerate(item.history, 1):
        lines += [f"  earlier question {n}: {q}", f"  earlier reply {n}: "
                  f"{textwrap.shorten(a, 200, placeholder='…')}"]
    lines += ["", "Reply" + (f" (refused: {item.refusal or 'yes'})" if item.refused else "")
              + ":", textwrap.indent(item.reply, "  "), ""]
    for n, p in enumerate(item.passages, 1):
        lines += [f"[{n}] {p['source']} — {p['heading'] or p['title']}",
                  textwrap.indent(textwrap.shorten(p["text"], 600, placeholder="…"), "    ")]
    if item.review is not None:
        r = item.review.rubric
        lines += ["", f"Reviewed by {item.review.reviewer} at {item.review.at}: "
                  f"right {_yes(r.correct)}, grounded {_yes(r.grounded)}, right source "
                  f"{_yes(r.right_source)}, should have refused {_yes(r.should_refuse)}"]
        if r.must_include:
            lines.append("Must include: " + "; ".join(r.must_include))
        if r.note:
            lines.append(f"Note: {r.note}")
        if item.review.case_id:
            lines.append(f"Saved as case {item.review.case_id} in {item.review.case_suite}")
    return "\n".join(lines)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def add_monitor_parser(sub: Any) -> None:
    """`monitor`, under `coach eval`: score the answers in use (coach/review/monitor.py)."""
    p = sub.add_parser("monitor", help="score the answers in use (the review queue's sample, "
                       "flagged and rated answers) with the metrics that need no expected "
                       "answer; low ones are flagged for review")
    p.add_argument("--json", action="store_true", help="print the weekly trend as JSON")


def monitor_command(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from coach import load_settings
    from coach.review.monitor import LOW, monitor

    watch = monitor(load_settings())
    done = watch.run()
    weeks = watch.weeks()
    if args.json:
        print(json.dumps([asdict(w) for w in weeks], indent=2))
        return 0
    low = sum(s.low for s in done)
    print(f"Scored {len(done)} answer(s) in use; {low} below {LOW} on groundedness or "
          "citation validity, flagged in the review queue.")
    def fmt(v: float | None, spec: str = ".2f") -> str:
        return "—" if v is None else format(v, spec)

    print(f"{'week':<11} {'scored':>6} {'grounded':>8} {'citations':>9} {'median chars':>12} "
          f"{'refused':>7} {'low':>4}")
    for w in weeks:
        print(f"{w.week:<11} {w.scored:>6} {fmt(w.groundedness):>8} "
              f"{fmt(w.citation_validity):>9} {fmt(w.reply_chars_median, '.0f'):>12} "
              f"{w.refused:>7} {w.low:>4}")
    return 0
