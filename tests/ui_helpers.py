"""Shared pieces for the web-UI tests: a tiny knowledge folder, a free port, a launched app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conftest import markdown_doc
from servers import free_port  # noqa: F401  (re-exported for the UI tests)

GUIDE = {"publisher": "Improvement Coach (coaching guidance)", "year": 2026, "kind": "method"}

DOCS: dict[str, tuple[str, dict[str, Any]]] = {
    "methods/pdsa.md": (
        "# PDSA cycles\n\n"
        "## What is a PDSA cycle?\n\n"
        "Also asked:\n- what does PDSA stand for\n- how does plan do study act work\n\n"
        "A PDSA cycle is a small test of change that runs through four stages: Plan, Do, Study "
        "and Act. The team writes a prediction before the test and compares the results with "
        "it in the Study stage.\n\n"
        "Each PDSA cycle builds on the learning of the one before, starting with a very small "
        "test on one ward or with one person. A PDSA cycle that fails still teaches the team "
        "something about the change it tested.\n\n"
        "## How do PDSA cycles link into a ramp?\n\n"
        "Linked PDSA cycles form a ramp that moves from small tests to wider use once the team "
        "is confident the change works in different conditions.",
        {"title": "PDSA cycles", "section": "PDSA", **GUIDE},
    ),
    "methods/run-charts.md": (
        "# Run charts\n\n"
        "A run chart plots a measure over time with a median line, so a team can see whether a "
        "change has led to improvement. Six or more consecutive points above or below the "
        "median form a shift, which signals a non-random change in the process.",
        {"title": "Run charts", "section": "Measurement", **GUIDE},
    ),
    "report/board.md": (
        "# Board leadership\n\n"
        "Boards that lead improvement set a clear ambition, give time and money to build "
        "improvement skills, and ask for data on progress at every board meeting. Board members "
        "visit the teams doing improvement work and learn the methods themselves.",
        {"title": "Board leadership for improvement", "kind": "report-digest",
         "publisher": "The Health Foundation", "year": 2019, "section": "Part II"},
    ),
}


def write_kb(folder: Path) -> Path:
    for rel, (body, meta) in DOCS.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown_doc(body, **meta), encoding="utf-8")
    return folder


@contextmanager
def running_app(coach: Any, settings: Any) -> Iterator[str]:
    """Build and launch the real app on 127.0.0.1 (settings.port); yield its URL; close it."""
    from coach.ui.app import build_ui, launch

    demo = build_ui(coach, settings)
    _, url, _ = launch(demo, settings, prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


def chat_text(chat: list[dict[str, Any]]) -> list[str]:
    """The text of each chat message as gradio_client returns them."""
    out = []
    for message in chat:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        out.append(str(content))
    return out


def download_hrefs(links: Any) -> list[str]:
    """The hrefs of a downloads list (coach/ui/downloads.py) as a handler or gradio_client
    returns it: an update dict or the HTML itself."""
    import html as html_lib
    import re

    text = links.get("value", "") if isinstance(links, dict) else str(links or "")
    return [html_lib.unescape(h) for h in re.findall(r'<a href="([^"]+)"', text or "")]


def download(url: str, href: str, client: Any = None) -> Any:
    """GET one download link from the app at ``url`` as the user ``client`` (a signed-in
    gradio_client Client: its cookies) or as nobody; the httpx response."""
    import httpx

    cookies = dict(getattr(client, "cookies", {}) or {})
    return httpx.get(url.rstrip("/") + href, cookies=cookies, timeout=30)


def downloaded(url: str, links: Any, client: Any = None) -> dict[str, bytes]:
    """Every file of a downloads list fetched as ``client``: {file name: bytes}; each must
    be served (200)."""
    from urllib.parse import unquote

    files = {}
    for href in download_hrefs(links):
        response = download(url, href, client)
        assert response.status_code == 200, (href, response.status_code, response.text[:300])
        files[unquote(href.rsplit("/", 1)[-1])] = response.content
    return files


def linked_paths(home: Path, links: Any) -> list[Path]:
    """The files under COACH_HOME that a downloads list links to (in its order)."""
    from urllib.parse import unquote

    from coach.ui.downloads import AREAS, ROUTE

    roots = {area.name: area.folder(Path(home)) for area in AREAS}
    paths = []
    for href in download_hrefs(links):
        area, rel = href.removeprefix(ROUTE + "/").split("/", 1)
        paths.append(roots[area] / unquote(rel))
    return paths
