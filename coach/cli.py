"""Command line: `coach ingest | ask | settings | ...`. Thin: parse, call one Coach method, render.

Larger command groups (serve, users, journey, eval, project, chart, mcp, tokens) live beside
their feature in a module exposing ``register(subparsers) -> dict[name, handler]``; they are
listed in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from coach.errors import CoachError
from coach.text import marker_numbers
from coach.types import Answer

if TYPE_CHECKING:
    from coach.pipeline import Coach

# modules that add their own sub-commands: each has register(subparsers) -> {name: handler}
COMMAND_MODULES: tuple[str, ...] = ("coach.coaching.cli", "coach.coaching.survey.cli",
                                     "coach.ui.cli", "coach.access.cli", "coach.evals.cli",
                                     "coach.db.cli", "coach.insights.cli",
                                     "coach.workbench.cli", "coach.library.cli",
                                     "coach.mcp.cli")
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
CommandHandler: TypeAlias = Callable[[argparse.Namespace], int]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, CommandHandler]]:
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Improvement Coach: answers about quality improvement, with cited sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index guidance documents (default: the knowledge folder)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders to index")
    p.add_argument("--rebuild", action="store_true",
                   help="drop the index and rebuild it (needed after changing the embedder)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--if-needed", action="store_true",
                   help="only print when something changed; an index built with another "
                   "embedder is rebuilt")

    p = sub.add_parser("ask", help="ask one question")
    p.add_argument("question", nargs="?", default=None, help="the question (quote it)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--more", action="store_true",
                   help="also print the supporting material under the direct answer")
    p.add_argument("--step", type=int, choices=range(1, 7), metavar="1-6",
                   help="focus retrieval on one step of the journey")

    sub.add_parser("settings", help="list every setting with its current value")
    handlers: dict[str, CommandHandler] = {
        "ingest": _cmd_ingest, "ask": _cmd_ask, "settings": _cmd_settings}
    for name in COMMAND_MODULES:
        handlers.update(importlib.import_module(name).register(sub))
    return parser, handlers


def _render_answer(answer: Answer, more: bool = False) -> str:
    """The answer for a terminal: the direct answer; the supporting material with ``more``
    (else a line saying there is some); the questions to ask next; the sources cited in what
    was printed."""
    out = ([f"Note: {answer.notice}", ""] if answer.notice else []) + [answer.text, ""]
    shown = answer.text
    if answer.supporting and more:
        out += ["More from the guidance:", answer.supporting, ""]
        shown = answer.full_text
    elif answer.supporting:
        out += ["(More from the guidance on this question: coach ask --more)", ""]
    if answer.related:
        out.append("You could also ask:" if not answer.refused else "Questions I can answer:")
        out.extend(f"  - {q}" for q in answer.related)
        out.append("")
    cited = set(marker_numbers(shown))
    citations = [c for c in answer.citations if c.number in cited]
    if answer.unsupported:
        out.append("Not supported by the sources (check before relying on these):")
        out.extend(f"  - {s}" for s in answer.unsupported)
        out.append("")
    if citations:
        out.append("Sources:")
        for c in citations:
            where = ", ".join(x for x in (c.section or c.heading,
                                          f"p. {c.page}" if c.page else "") if x)
            out.append(f"  [{c.number}] {c.title}" + (f" — {where}" if where else "")
                       + f"  ({c.source}, relevance {c.score:.2f})")
            out.append(textwrap.indent(textwrap.fill(c.text[:400] + ("…" if len(c.text) > 400
                                                                       else ""), 96), "      "))
            if c.coverage:
                out.append(textwrap.indent(textwrap.fill(f"Coverage: {c.coverage}", 96),
                                           "      "))
    return "\n".join(out).rstrip()


def _cmd_ingest(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.ingest.pipeline import check_not_empty

    settings = load_settings()
    coach = build_coach(settings)
    paths = args.paths or [settings.knowledge_dir]
    rebuild = args.rebuild
    if args.if_needed and not rebuild:
        extra = _rebuild_for_new_embedder(coach)
        if extra is not None:
            paths, rebuild = paths + extra, True
    report = coach.ingest(paths, rebuild=rebuild, show_bar=sys.stderr.isatty())
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    elif report.changed or report.skipped or not args.if_needed:
        print(report.summary())
    check_not_empty(report, paths)
    return 0


def _rebuild_for_new_embedder(coach: Coach) -> list[Path] | None:
    """`coach ingest --if-needed` (what `make run` does) on an index built with another
    embedder (say, before the default backend changed): None when the index is current, else
    the files indexed from outside the knowledge folder that still exist, to rebuild with it.
    An index on a Chroma server may serve other coaches: it is never rebuilt unasked (the
    ingest then stops with the mismatch message naming `coach ingest --rebuild`)."""
    old = coach.built_with()
    if old is None or coach.settings.chroma_url is not None:
        return None
    print(f"The index was built with the embedder {old}; the configured one is "
          f"{coach.model_name}. Rebuilding it (as `coach ingest --rebuild` does).")
    outside = (Path(sid) for sid in sorted(coach.source_ids()))
    return [path for path in outside if path.is_absolute() and path.is_file()]


def _cmd_ask(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings

    question = args.question
    if question is None:
        if sys.stdin.isatty():
            raise CoachError('Give a question: coach ask "How do we assess readiness?"')
        question = sys.stdin.read()
    coach = build_coach(load_settings())
    answer = coach.ask(question, step=args.step)
    print(json.dumps(answer.to_dict(), indent=2) if args.json
          else _render_answer(answer, more=args.more))
    return 0


def _cmd_settings(_: argparse.Namespace) -> int:
    from coach import load_settings

    settings = load_settings()
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if name == "database_url" and value:  # never print the database password
            from sqlalchemy.engine import make_url

            value = make_url(value).render_as_string(hide_password=True)
        print(f"COACH_{name.upper():<22} {value!s:<34} {field.description}")
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser, handlers = _parser()
    args = parser.parse_args(argv)
    handler = handlers[args.command]
    try:
        return handler(args)
    except CoachError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print("coach: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
