"""The bearer-token check in front of the MCP server's HTTP transport: an ASGI middleware.

Every HTTP request must carry ``Authorization: Bearer TOKEN`` with a token issued by
``coach tokens add`` and not revoked; anything else gets HTTP 401 with a JSON body
(``error``, ``error_description``) and a ``WWW-Authenticate`` header saying which it was —
no token, a token this server did not issue, or a revoked one. A request that passes carries
the token's record (``TokenInfo``: owner and role) in its ASGI scope under ``SCOPE_KEY``,
where the tools read who is calling.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from coach import prompts
from coach.mcp.tokens import TokenInfo

log = logging.getLogger(__name__)

SCOPE_KEY = "coach.mcp.token"


class BearerGate:
    """Lets through only HTTP requests with a valid token; ``check`` looks a token up (the
    ``TokenStore``'s, run in a worker thread: it reads the database)."""

    def __init__(self, app: ASGIApp, check: Callable[[str], TokenInfo | None]):
        self.app = app
        self._check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan events pass
            await self.app(scope, receive, send)
            return
        token = _bearer(scope)
        found = await asyncio.to_thread(self._check, token) if token else None
        if found is not None and not found.revoked:
            scope[SCOPE_KEY] = found
            await self.app(scope, receive, send)
            return
        if not token:
            message = prompts.fill("mcp.yaml", "no-token")
        elif found is None:
            message = prompts.fill("mcp.yaml", "unknown-token")
        else:
            message = prompts.fill("mcp.yaml", "revoked-token", token=found.name,
                                   when=found.revoked_at)
        log.warning("MCP request refused (HTTP 401): %s", message)
        await _unauthorised(send, message)


def _bearer(scope: Scope) -> str:
    """The token of the request's ``Authorization: Bearer`` header, or ""."""
    for key, value in scope.get("headers", ()):
        if key.lower() == b"authorization":
            kind, _, token = value.decode("latin-1").strip().partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    return ""


async def _unauthorised(send: Send, message: str) -> None:
    body = json.dumps({"error": "invalid_token", "error_description": message}).encode()
    challenge = 'Bearer error="invalid_token", error_description="{}"'.format(
        message.replace('"', "'"))
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode("utf-8"))]})
    await send({"type": "http.response.body", "body": body})
