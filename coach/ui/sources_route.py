"""The route that opens a cited source: ``GET /source/<source id>``, added to the web app's
server beside Gradio's own routes (``launch`` in coach/ui/app.py).

The URL scheme and the lookup are coach/library/opening.py: the id is looked up among the
index's sources and mapped to a file under the library folders, never a path taken from the
request. The caller needs the staff role (every signed-in user has it; with sign-in off the
one user is admin), checked by the access policy (coach/access/roles.py) for the user Gradio
signed in, or the trusted proxy names. A PDF is sent inline (the browser's viewer opens it at
``#page=N``), a Markdown, HTML or text document as a page rendered from it
(coach/library/pages.py, sent with a policy that runs no script), a Word file as a download.
Refusals are short pages with the reason: 401 not signed in, 403 outside the library, 404 not
in the library's index, 503 an index that cannot be read.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach import prompts
from coach.errors import CoachError, NotAllowedError, OutsideLibraryError, SourceNotFoundError
from coach.library.opening import ROUTE, Opened, resolve
from coach.library.pages import html_body, markdown_body, page, text_body
from coach.pipeline import Coach

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from coach.access.roles import Access

log = logging.getLogger(__name__)

ROLE = "staff"  # the role opening a source needs (coach/access/roles.py)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# a rendered document runs nothing and loads nothing: it is a unique origin (sandbox), so a
# page that got past the cleaning still could not read the app's cookies
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
               "sandbox allow-popups allow-popups-to-escape-sandbox")
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "private, no-cache"}


def source_routes(coach: Coach, access: Access, *, knowledge_dir: Path,
                  roots: Sequence[Path] = ()) -> list[BaseRoute]:
    """The route that serves library documents by source id, for the app's server."""
    from starlette.routing import Route

    async def open_source(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(serve, request)

    def serve(request: Request) -> Response:
        source = str(request.path_params.get("source") or "")
        try:
            access.check(as_gradio(request), ROLE, "opening a source")
            opened = resolve(source, indexed=coach.sources(), knowledge_dir=knowledge_dir,
                             roots=roots)
        except NotAllowedError as exc:
            signed_in = access.role_for(as_gradio(request)) is not None
            return refusal(403 if signed_in else 401,
                           str(exc) if signed_in else prompts.fill("open-source.yaml",
                                                                   "sign-in"))
        except OutsideLibraryError as exc:
            log.warning("refused to open %r: outside the library folders", source[:200])
            return refusal(403, str(exc))
        except SourceNotFoundError as exc:
            return refusal(404, str(exc))
        except CoachError as exc:  # the index cannot be read (e.g. built with another model)
            log.warning("could not open %r: %s", source[:200], exc)
            return refusal(503, str(exc))
        return response(opened)

    return [Route(ROUTE + "/{source:path}", open_source, methods=["GET", "HEAD"])]


def response(opened: Opened) -> Response:
    """The document as the browser should get it (see the module's docstring)."""
    from starlette.responses import FileResponse, HTMLResponse

    from coach.ingest.loaders import read_text

    if opened.kind in ("pdf", "word"):
        pdf = opened.kind == "pdf"
        return FileResponse(opened.path, media_type="application/pdf" if pdf else WORD,
                            filename=opened.path.name,
                            content_disposition_type="inline" if pdf else "attachment",
                            headers=HEADERS)
    text, _ = read_text(opened.path)
    name = opened.path.name
    body = (markdown_body(text, name) if opened.kind == "markdown" else
            html_body(text) if opened.kind == "html" else text_body(text, name))
    return HTMLResponse(page(opened.title, opened.source, body),
                        headers={**HEADERS, "Content-Security-Policy": PAGE_POLICY})


def refusal(status: int, message: str, *, title: str = "") -> Response:
    """A short page saying why the document (or file) was not served, with a way back to
    the app."""
    from starlette.responses import HTMLResponse

    title = title or prompts.fill("open-source.yaml", "refused-title")
    back = prompts.fill("open-source.yaml", "back")
    body = (f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
            f'<p><a href="/">{html.escape(back)}</a></p>')
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f"</head><body><main>{body}</main></body></html>", status_code=status,
        headers={**HEADERS, "Content-Security-Policy": PAGE_POLICY})


def as_gradio(request: Request) -> Any:
    """The request as the access policy reads one: a gr.Request carrying the user Gradio
    signed in (its session cookie) or the trusted proxy names (the app's auth dependency)."""
    import gradio as gr

    return gr.Request(request, username=signed_in_user(request))


def signed_in_user(request: Request) -> str | None:
    """The user name Gradio's own ``/user`` route would give for this request."""
    app = request.app
    dependency = getattr(app, "auth_dependency", None)
    if dependency is not None:
        user = dependency(request)
        return str(user) if user else None
    cookie = getattr(app, "cookie_id", "")
    token = (request.cookies.get(f"access-token-{cookie}")
             or request.cookies.get(f"access-token-unsecure-{cookie}"))
    user = getattr(app, "tokens", {}).get(token) if token else None
    return str(user) if user else None
