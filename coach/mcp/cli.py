"""`coach mcp --stdio | --http` (the read-only MCP server, coach/mcp/server.py) and
`coach tokens add|list|revoke` (its bearer tokens for HTTP, coach/mcp/tokens.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from coach import prompts

if TYPE_CHECKING:
    from coach.cli import CommandHandler, Subcommands
    from coach.mcp.tokens import TokenStore

DEFAULT_PORT = 8765
ISSUER = "coach tokens"  # who issued a token, as the table records it (the shell's admin)


def register(sub: Subcommands) -> dict[str, CommandHandler]:
    p = sub.add_parser("mcp", help="serve the guidance to other assistants over MCP "
                                   "(read-only: search_guidance, ask, journey_steps)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--stdio", action="store_true",
                     help="over stdin/stdout, as the local user (the default)")
    how.add_argument("--http", action="store_true",
                     help="over streamable HTTP at /mcp; every request needs a bearer token "
                          "(coach tokens add)")
    p.add_argument("--host", default="127.0.0.1", help="for --http: address to listen on "
                                                       "(default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"for --http: port to listen on (default {DEFAULT_PORT})")

    p = sub.add_parser("tokens", help="issue, list and revoke the MCP server's bearer tokens")
    p.add_argument("action", choices=("add", "list", "revoke"))
    p.add_argument("name", nargs="?", help="the token's name (for add and revoke)")
    p.add_argument("--role", help="for add: staff, editor or admin")
    p.add_argument("--owner", help="for add: the user its calls are logged as")
    return {"mcp": cmd_mcp, "tokens": cmd_tokens}


def cmd_mcp(args: argparse.Namespace) -> int:
    from coach import build_coach, load_settings
    from coach.coaching.session import shared
    from coach.db import open_database
    from coach.mcp.server import PATH, build_server, run_http, run_stdio
    from coach.mcp.tokens import TokenStore
    from coach.mcp.tools import GuidanceTools

    settings = load_settings()
    db = open_database(settings)  # an unusable database fails now, and is migrated
    coach = build_coach(settings)
    if coach.count() == 0:
        print("coach: the guidance index is empty; indexing the knowledge folder first…",
              file=sys.stderr)
        print(coach.ingest().summary(), file=sys.stderr)
    server = build_server(GuidanceTools(coach, shared(settings).journey))
    if not args.http:
        run_stdio(server)
        return 0
    print(f"Improvement Coach MCP server on http://{args.host}:{args.port}{PATH} (bearer "
          f"tokens: coach tokens; data in {db.url}; Ctrl+C to stop)", file=sys.stderr)
    run_http(server, TokenStore(db), args.host, args.port)
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from coach import load_settings
    from coach.access.audit import TOKEN_ISSUED, TOKEN_REVOKED, AuditLog, operator
    from coach.db import open_database
    from coach.errors import BadInputError
    from coach.mcp.tokens import TokenStore

    settings = load_settings()
    db = open_database(settings)
    store = TokenStore(db)
    audit = AuditLog(db, settings.audit_retention_days)
    if args.action == "list":
        _list(store)
        return 0
    if not args.name:
        raise BadInputError(f"Give the token's name: coach tokens {args.action} NAME")
    if args.action == "revoke":
        info = store.revoke(args.name)
        audit.record(TOKEN_REVOKED, operator(), subject=info.owner, how="cli",
                     detail=f"MCP token {info.name}")
        print(prompts.fill("mcp.yaml", "revoked", token=info.name, owner=info.owner))
        return 0
    if not args.role or not args.owner:
        raise BadInputError("Say whose token it is and their role: coach tokens add NAME "
                            "--role staff|editor|admin --owner USER")
    token = store.add(args.name, role=args.role, owner=args.owner, by=ISSUER)
    info = next(t for t in store.all() if t.name == args.name.strip())
    audit.record(TOKEN_ISSUED, operator(), subject=info.owner, how="cli",
                 detail=f"MCP token {info.name}, role {info.role}")
    print(prompts.fill("mcp.yaml", "issued", token=info.name, owner=info.owner, role=info.role),
          file=sys.stderr)
    print(token)
    return 0


def _list(store: TokenStore) -> None:
    tokens = store.all()
    if not tokens:
        print(prompts.fill("mcp.yaml", "none"))
    for t in tokens:
        revoked = (prompts.fill("mcp.yaml", "revoked-mark", when=t.revoked_at)
                   if t.revoked else "")
        print(prompts.fill("mcp.yaml", "listed", token=t.name, role=t.role, owner=t.owner,
                           created=t.created_at, by=t.created_by, revoked=revoked))
