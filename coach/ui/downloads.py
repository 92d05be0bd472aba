"""Files the app makes for people to download, served behind a role: ``GET /files/<area>/<path>``.

Nothing under COACH_HOME is a Gradio static path. A tab that writes a file (an exported
conversation, an action plan, a project's chart and summary, survey results, an evaluation
report, the Insights data, the audit log) shows links made by ``links``, and this route serves
them after checking who asks:

- ``exports`` (COACH_HOME/exports/<the owner's keyed folder>/…): the owner only, whatever
  their role. Each user's folder is named by a keyed hash of the user name
  (coach.coaching.session.exports_dir), and the folder in the URL must be the requester's own;
- ``runs`` (evaluation reports, COACH_HOME/evals/runs/…): the editor role, as the Evaluate tab;
- ``insights`` and ``audit`` (the Insights download, the audit log CSV): the admin role.

A path is looked up under its area's folder and must stay there (no ``..``, no symbolic link
out). Refusals are short pages with the reason: 401 not signed in, 403 not the owner or a role
below the area's, 404 no such file. Every file goes as an attachment, never run in the page.
The requester is the user Gradio signed in or the trusted proxy names (as for ``/source``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from coach import prompts
from coach.coaching.session import exports_dir, exports_root
from coach.db.common import LOCAL_USER
from coach.evals.runs import runs_dir

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from coach.access.roles import Access

ROUTE = "/files"
INSIGHTS_DIR = "insights-exports"  # COACH_HOME/insights-exports: the Insights download
AUDIT_DIR = "audit-exports"  # COACH_HOME/audit-exports: the audit log's CSV


@dataclass(frozen=True)
class Area:
    """A folder under COACH_HOME whose files are served, and who may fetch them."""

    name: str  # the URL's first segment
    folder: Callable[[Path], Path]  # COACH_HOME -> the folder
    role: str  # the least role that may fetch (coach/access/roles.py)
    owned: bool = False  # the path's first folder is its owner's; only they may fetch


AREAS: tuple[Area, ...] = (
    Area("exports", exports_root, "staff", owned=True),
    Area("runs", runs_dir, "editor"),
    Area("insights", lambda home: Path(home) / INSIGHTS_DIR, "admin"),
    Area("audit", lambda home: Path(home) / AUDIT_DIR, "admin"),
)


class Refused(Exception):
    """A download not served: the HTTP status and the sentence saying why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def url_for(home: Path, path: Path) -> str:
    """The app-relative URL that downloads ``path`` (a file inside one of the areas)."""
    target = Path(path).resolve()
    for area in AREAS:
        root = area.folder(Path(home)).resolve()
        if target.is_relative_to(root):
            return f"{ROUTE}/{area.name}/{quote(target.relative_to(root).as_posix())}"
    raise ValueError(f"{path} is not in a folder the app serves downloads from")


def size_text(size: int) -> str:
    return f"{size} bytes" if size < 1024 else (
        f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB")


def links(home: Path, paths: Iterable[Path | str]) -> str:
    """An HTML list of download links, one per file (name and size)."""
    items = []
    for raw in paths:
        path = Path(raw)
        label = prompts.fill("downloads.yaml", "link", file=path.name,
                             size=size_text(path.stat().st_size))
        items.append(f'<li><a href="{html.escape(url_for(home, path))}" '
                     f'download="{html.escape(path.name)}">{html.escape(label)}</a></li>')
    return f'<ul class="downloads">{"".join(items)}</ul>'


def shown(home: Path, paths: Sequence[Path | str]) -> Any:
    """A gr.update showing the links to ``paths`` (hidden when there are none)."""
    import gradio as gr

    return gr.update(value=links(home, paths) if paths else "", visible=bool(paths))


def hidden() -> Any:
    import gradio as gr

    return gr.update(value="", visible=False)


def component(label: str, elem_id: str) -> Any:
    """The place a tab shows its download links (hidden until there are some)."""
    import gradio as gr

    return gr.HTML("", label=label, show_label=True, container=True, visible=False,
                   elem_id=elem_id,
                   elem_classes=["downloads"])


def locate(home: Path, area_name: str, relative: str, *, user: str | None,
           role: str | None) -> Path:
    """The file ``relative`` in area ``area_name`` if ``user`` (with ``role``) may fetch it;
    else ``Refused``."""
    from coach.access.roles import allows

    area = next((a for a in AREAS if a.name == area_name), None)
    if area is None:
        raise Refused(404, prompts.fill("downloads.yaml", "missing"))
    if user is None or role is None:
        raise Refused(401, prompts.fill("downloads.yaml", "sign-in"))
    parts = Path(relative).parts
    if not parts or any(p in ("..", "") for p in parts) or Path(relative).is_absolute():
        raise Refused(404, prompts.fill("downloads.yaml", "missing"))
    if area.owned:
        if parts[0] != exports_dir(Path(home), user).name:
            raise Refused(403, prompts.fill("downloads.yaml", "not-yours"))
    elif not allows(role, area.role):
        raise Refused(403, f"Not allowed: these files need the {area.role} role, and you are "
                           f"signed in as {role}. Ask an admin if you need it.")
    root = area.folder(Path(home)).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Refused(404, prompts.fill("downloads.yaml", "missing"))
    return path


def file_routes(home: Path, access: Access) -> list[BaseRoute]:
    """The route that serves the areas' files, for the app's server."""
    from starlette.routing import Route

    async def fetch(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(serve, request)

    def serve(request: Request) -> Response:
        from starlette.responses import FileResponse

        from coach.ui.sources_route import HEADERS, as_gradio, refusal, signed_in_user

        user = signed_in_user(request) or (None if access.sign_in else LOCAL_USER)
        role = access.role_for(as_gradio(request)) if user else None
        try:
            path = locate(home, str(request.path_params.get("area") or ""),
                          str(request.path_params.get("path") or ""), user=user, role=role)
        except Refused as exc:
            title = prompts.fill("downloads.yaml", "refused-title")
            return refusal(exc.status, str(exc), title=title)
        return FileResponse(path, filename=path.name, content_disposition_type="attachment",
                            headers=HEADERS)

    return [Route(ROUTE + "/{area}/{path:path}", fetch, methods=["GET", "HEAD"])]


def picture(path: Path | str) -> Any:
    """A chart for a gr.Image as the picture itself, not a path under COACH_HOME: Gradio keeps
    its own copy in its cache (under a name made from the picture's content, served to
    signed-in users only), while the file in the owner's folder stays behind ``/files``."""
    from PIL import Image

    with Image.open(path) as image:
        return image.copy()
