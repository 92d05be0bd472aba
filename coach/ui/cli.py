"""`coach serve`: the web app (`coach users`, the accounts and roles it signs in, is
coach/access/cli.py)."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser("serve", help="start the web app (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to listen on (default: COACH_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: COACH_PORT, 7860)")
    p.add_argument("--no-auth", action="store_true",
                   help="serve beyond this machine without sign-in (a trusted network only; "
                        "the page says so)")
    return {"serve": cmd_serve}


def cmd_serve(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.ui.app import build_ui, check_exposure, is_loopback, launch

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = load_settings(**overrides)
    check_exposure(settings, no_auth=args.no_auth)  # before the model loads
    if settings.auth_file:
        from coach.access.auth import load_users

        load_users(settings.auth_file)  # a bad users file fails now, not after the model loads
    from coach.access.roles import no_admin_warning
    from coach.db import open_database

    db = open_database(settings)  # an unusable database fails now, and is migrated
    warning = no_admin_warning(settings)
    if warning:
        print(f"coach: {warning}", file=sys.stderr)
    coach = build_coach(settings)
    if coach.count() == 0:
        print("coach: the guidance index is empty; indexing the knowledge folder first…",
              file=sys.stderr)
        print(coach.ingest().summary(), file=sys.stderr)
    from coach.library.sync import schedule

    if schedule(coach, db, settings.sync_minutes) is not None:
        print(f"coach: syncing COACH_SOURCES every {settings.sync_minutes} min",
              file=sys.stderr)
    from coach.review.monitor import schedule as score_daily

    score_daily(settings)  # the answers in use, scored once a day (one replica at a time)
    from coach.access.proxy import sign_in_on

    open_access = not sign_in_on(settings) and not is_loopback(settings.host)
    demo = build_ui(coach, settings, open_access=open_access)
    signin = (f", sign-in from {settings.auth_file}" if settings.auth_file else
              f", sign-in by the proxy's {settings.trusted_user_header} header"
              if settings.trusted_user_header else "")
    print(f"Improvement Coach on http://{settings.host}:{settings.port}{signin}, data in "
          f"{db.url} (Ctrl+C to stop)", file=sys.stderr)
    coach.search("quality improvement")  # the model, the index and BM25 loaded before anyone asks
    gc.collect()
    gc.freeze()  # what lives as long as the server stays out of each full garbage collection
    launch(demo, settings, quiet=True, no_auth=args.no_auth)
    return 0
