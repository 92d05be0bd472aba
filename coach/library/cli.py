"""`coach sync`: mirror the folders and web addresses of COACH_SOURCES into the library and
index them (coach/library/sync.py); `--dry-run` prints the plan and changes nothing."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from coach.errors import BadInputError

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands
    from coach.library.sync import SyncResult


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser(
        "sync", help="mirror the folders and web pages of COACH_SOURCES into the library and "
        "index what changed")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be added, changed, renamed or removed; change nothing")
    p.add_argument("--json", action="store_true", help="print the plan and changes as JSON")
    return {"sync": cmd_sync}


def cmd_sync(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.db import open_database
    from coach.library.sync import sync

    settings = load_settings()
    if not settings.sources.strip():
        raise BadInputError(
            "No sources to sync: set COACH_SOURCES to folders or web addresses, e.g. "
            "COACH_SOURCES=policies=/mnt/share/qi,https://intranet.example.nhs.uk/qi.pdf")
    result = sync(build_coach(settings), open_database(settings), dry_run=args.dry_run)
    if args.json:
        print(json.dumps(as_dict(result), indent=2))
    else:
        print(as_text(result, dry_run=args.dry_run))
    return 1 if any(p.problem for p in result.plans) else 0


def as_dict(result: SyncResult) -> dict[str, object]:
    return {
        "ran": result.ran, "busy": result.busy,
        "sources": [{"name": p.source.name, "location": p.source.location,
                     "problem": p.problem,
                     "plan": [{"action": s.action, "path": s.path, "was": s.was}
                              for s in p.steps]} for p in result.plans],
        "changes": [{"action": c.action, "document": c.document, "before": c.chunks_before,
                     "after": c.chunks_after, "detail": c.detail} for c in result.changes],
    }


def as_text(result: SyncResult, *, dry_run: bool) -> str:
    from coach.library.sync import ACTIONS

    if not result.ran:
        return ("Another sync is running" + (f" ({result.busy})" if result.busy else "")
                + "; nothing was done. Try again when it has finished.")
    lines = []
    for plan in result.plans:
        head = f"{plan.source.name} ({plan.source.location})"
        if plan.problem:
            lines.append(f"{head}: NOT SYNCED, {plan.problem}; nothing of it was changed.")
            continue
        tally = ", ".join(f"{plan.count(a)} {a}" for a in ACTIONS)
        lines.append(f"{head}: {tally}")
        for step in plan.changes:
            was = f" (was {step.was})" if step.was else ""
            lines.append(f"  {step.action:<8} {step.path}{was}")
    if dry_run:
        lines.append("Dry run: nothing was changed. Run `coach sync` to apply this plan.")
    else:
        lines.append(f"{len(result.changes)} change(s) to the library recorded in its history.")
    return "\n".join(lines)
