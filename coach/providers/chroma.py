"""Chroma clients: embedded (PersistentClient under COACH_HOME) or a server (HttpClient).

chromadb's HttpClient waits for ever for an answer (its httpx session has no timeout) and lets
httpx's transport errors through. ``make_client`` bounds every request by COACH_CHROMA_TIMEOUT
and turns a server that is down or silent into ``UnavailableError`` (prompts/unavailable.yaml),
so a question asked while it is away gets a sentence, not a hang or a traceback; the session
connects again by itself once the server is back.
"""

from __future__ import annotations

import fcntl
import logging
from typing import Any
from urllib.parse import urlparse

from coach import prompts
from coach.config import Settings
from coach.errors import ConfigError, UnavailableError
from coach.ports import VectorClient

log = logging.getLogger(__name__)

CONNECT_SECONDS = 5.0  # at most, to open a connection to the Chroma server


def make_client(settings: Settings) -> VectorClient:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"COACH_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL such as "
                "http://127.0.0.1:8000."
            )
        try:
            client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises several types for a dead server
            raise ConfigError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}); start it "
                "(`chroma run --path DIR`) or unset COACH_CHROMA_URL to use the embedded store."
            ) from exc
        bound(client, settings.chroma_timeout)
        return client
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    # Chroma creates its tables when a client first opens a folder, and two processes doing
    # that at once (two replicas' `coach sync` on a fresh home) collide on "table collections
    # already exists". One opener at a time; the lock is held only while the client starts.
    with open(settings.chroma_path / ".open.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            return chromadb.PersistentClient(path=str(settings.chroma_path),
                                             settings=chroma_settings)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def bound(client: Any, seconds: float) -> None:
    """Give the HttpClient's session (chromadb's own, shared by every client of that server)
    a timeout of ``seconds`` per request, and report its transport errors as
    ``UnavailableError``. A client without such a session is left as it is."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        log.warning("the Chroma client has no HTTP session to bound; requests may wait long")
        return
    session.timeout = httpx.Timeout(seconds, connect=min(seconds, CONNECT_SECONDS))
    if getattr(session, "_coach_bounded", False):
        return
    send = session.send

    def reported(request: httpx.Request, **kwargs: Any) -> httpx.Response:
        try:
            return send(request, **kwargs)
        except httpx.TransportError as exc:  # refused, reset, or no answer in time
            log.warning("the Chroma server at %s cannot be used just now: %s (%s)",
                        request.url.host, type(exc).__name__, exc)
            raise UnavailableError(prompts.fill("unavailable.yaml", "index")) from exc

    setattr(session, "send", reported)  # noqa: B010 - an instance's method, replaced
    setattr(session, "_coach_bounded", True)  # noqa: B010
