"""Opening a cited source: the URL a source card links to, and the one file a source id may
name.

The URL scheme (served by the web app, coach/ui/sources_route.py):

- ``/source/<source id>``: the document whose id in the index is ``<source id>`` (as the
  citation carries it, e.g. ``methods/pdsa.md`` or ``uploads/policy.pdf``), percent-encoded
  with its slashes kept (a leading one, of an id outside the knowledge folder, as ``%2F``).
- ``#page=N`` after a PDF's URL: the cited page (browsers' PDF viewers honour it).
- ``#<heading anchor>`` after a Markdown or HTML document's URL: the cited section, its
  heading's anchor as ``pages.anchor`` makes it (the page is served rendered, every heading
  given that id).
- A Word file has no fragment: it downloads.

The id is only a key. ``resolve`` looks it up among the index's sources and maps it to a file
under the library folders; a path is never taken from the request. An id the index does not
hold is ``SourceNotFoundError`` (404), whatever it spells (``../``, an absolute path, an
encoded variant); an indexed file that lies outside the library folders once every symbolic
link is followed is ``OutsideLibraryError`` (403).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from coach.errors import OutsideLibraryError, SourceNotFoundError
from coach.ingest.pipeline import source_path
from coach.library.pages import anchor

ROUTE = "/source"
Kind = Literal["pdf", "markdown", "html", "text", "word"]
KINDS: dict[str, Kind] = {
    ".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
    ".txt": "text", ".docx": "word",
}


@dataclass(frozen=True)
class Opened:
    """An indexed document the web app may serve: its file (resolved, inside the library),
    how it opens, and its title."""

    source: str
    path: Path
    kind: Kind
    title: str


def opens_as(source: str) -> Kind | None:
    """How the document ``source`` opens, by its extension (None: a type we do not serve)."""
    return KINDS.get(Path(source).suffix.lower())


def source_url(source: str, *, page: int | None = None, heading: str = "") -> str:
    """The app-relative URL that opens ``source`` at the cited place: a PDF's ``page``, or the
    section of a Markdown or HTML document whose heading path is ``heading``
    ("Part > Section": the last heading is the anchor)."""
    path = quote(source, safe="/")
    if path.startswith("/"):
        path = "%2F" + path[1:]
    url = f"{ROUTE}/{path}"
    kind = opens_as(source)
    if kind == "pdf" and page:
        return f"{url}#page={int(page)}"
    last = heading.split(" > ")[-1].strip()
    if kind in ("markdown", "html") and last:
        return f"{url}#{quote(anchor(last), safe='-_')}"
    return url


def resolve(source: str, *, indexed: Mapping[str, Mapping[str, Any]], knowledge_dir: Path,
            roots: Sequence[Path] = ()) -> Opened:
    """The file of the indexed document ``source``, inside the library folders
    (``knowledge_dir`` and ``roots``), with symbolic links followed.

    ``indexed``: the index's sources (``Coach.sources()``: id -> {"meta": ...}). Raises
    SourceNotFoundError for an id the index does not hold, a type that is not served or a
    file that has gone; OutsideLibraryError for a file outside the library folders."""
    entry = indexed.get(source) if source and "\x00" not in source else None
    kind = opens_as(source) if entry is not None else None
    if entry is None or kind is None:
        raise SourceNotFoundError(f"No document in the library has the id {source!r}.")
    folders = [Path(r).resolve() for r in (knowledge_dir, *roots)]
    try:
        path = source_path(source, knowledge_dir).resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a loop of symbolic links
        raise SourceNotFoundError(f"{source} is in the index but its file has gone from the "
                                  "library folder; re-index the library.") from exc
    if not any(path.is_relative_to(folder) for folder in folders):
        raise OutsideLibraryError(f"{source} is not inside the library folders, so it cannot "
                                  "be opened from the app.")
    if not path.is_file():
        raise SourceNotFoundError(f"No document in the library has the id {source!r}.")
    meta = entry.get("meta") or {}
    return Opened(source, path, kind, str(meta.get("title") or Path(source).name))
