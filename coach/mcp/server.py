"""The read-only MCP server (the ``mcp`` package's ``MCPServer``): three tools —
``search_guidance``, ``ask``, ``journey_steps`` (coach/mcp/tools.py) — and no write tool, over
stdio (``run_stdio``: the caller is the local user) or streamable HTTP (``http_app``/
``run_http``: behind ``gate.BearerGate``, the caller is the token's owner).

The handlers here are thin: find who is calling, call one ``GuidanceTools`` method in a
worker thread (the SDK runs synchronous tools there), and turn a ``CoachError`` into a tool
error whose message the assistant reads.

No ``from __future__ import annotations`` here: the SDK reads each tool's signature, and the
parameters' descriptions (from prompts/mcp.yaml) are values local to ``build_server``.
"""

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field
from starlette.types import ASGIApp

from coach import prompts
from coach.db import LOCAL_USER
from coach.errors import CoachError
from coach.mcp.gate import SCOPE_KEY, BearerGate
from coach.mcp.tokens import TokenInfo, TokenStore
from coach.mcp.tools import MAX_K, AskOut, GuidanceTools, JourneyOut, SearchOut

T = TypeVar("T")

NAME = "improvement-coach"
PATH = "/mcp"  # the streamable HTTP endpoint
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)


def caller(ctx: Context) -> str:
    """Who is calling: the token's owner over HTTP, the local user over stdio."""
    request = ctx.request_context.request
    if request is None:
        return LOCAL_USER
    token = getattr(request, "scope", {}).get(SCOPE_KEY)
    if not isinstance(token, TokenInfo):  # BearerGate lets no such request through
        raise ToolError(prompts.fill("mcp.yaml", "no-token"))
    return token.owner


def build_server(tools: GuidanceTools) -> MCPServer[Any]:
    """The MCP server with the three read-only tools over ``tools``."""
    server: MCPServer[Any] = MCPServer(NAME, instructions=prompts.fill("mcp.yaml", "instructions"),
                                       log_level="WARNING")
    about_query = Field(description=prompts.fill("mcp.yaml", "query"))
    about_k = Field(description=prompts.fill("mcp.yaml", "k"), ge=1, le=MAX_K)
    about_question = Field(description=prompts.fill("mcp.yaml", "question"))

    def search_guidance(query: Annotated[str, about_query], ctx: Context,
                        k: Annotated[int, about_k] = 5) -> SearchOut:
        return _run(lambda: tools.search_guidance(query, k, caller(ctx)))

    def ask(question: Annotated[str, about_question], ctx: Context) -> AskOut:
        return _run(lambda: tools.ask(question, caller(ctx)))

    def journey_steps(ctx: Context) -> JourneyOut:
        return _run(lambda: tools.journey_steps(caller(ctx)))

    for fn, description in (
            (search_guidance, prompts.fill("mcp.yaml", "search")),
            (ask, prompts.fill("mcp.yaml", "ask")),
            (journey_steps, prompts.fill("mcp.yaml", "journey"))):
        server.add_tool(fn, description=description, annotations=READ_ONLY,
                        structured_output=True)
    return server


def _run(call: Callable[[], T]) -> T:
    """``call()``, a ``CoachError`` (a bad question, no index yet, no journey) as the tool's
    error message."""
    try:
        return call()
    except CoachError as exc:
        raise ToolError(str(exc)) from exc


def run_stdio(server: MCPServer[Any]) -> None:
    """Serve over stdin and stdout until the client closes them."""
    server.run("stdio")


def http_app(server: MCPServer[Any], tokens: TokenStore, host: str = "127.0.0.1") -> ASGIApp:
    """The streamable HTTP app at ``PATH``, every request checked by ``BearerGate`` (on a
    loopback ``host`` the SDK also refuses requests naming another host: DNS rebinding)."""
    return BearerGate(server.streamable_http_app(streamable_http_path=PATH, host=host),
                      tokens.check)


def run_http(server: MCPServer[Any], tokens: TokenStore, host: str, port: int) -> None:
    """Serve over streamable HTTP on ``host``:``port`` until interrupted."""
    import uvicorn

    uvicorn.run(http_app(server, tokens, host), host=host, port=port, log_level="warning")
