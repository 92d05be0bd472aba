"""One loader per file format. Each returns a SourceDoc or raises LoaderError with a clear message.

Markdown and plain text may start with YAML front matter (title, publisher, year, url, section,
step, kind, ...). HTML and DOCX headings are turned into Markdown headings so that the chunker
can split on structure. PDF keeps page numbers for citations.

Tables (Markdown pipe tables, HTML and Word tables) become one list item per row, each cell
named by its column heading ("- Action: run chart training; Owner: QI lead"), so a row reads
as a sentence that can be found, quoted and cited on its own.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from coach.errors import LoaderError, UnsupportedFileError
from coach.types import SourceDoc
from coach.yamlio import error_line, too_deep
from coach.yamlio import load as load_yaml

log = logging.getLogger(__name__)

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?", re.DOTALL)


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    """Return (front matter dict, body). Text without front matter gives ({}, text)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = load_yaml(match.group(1)) or {}
    except (yaml.YAMLError, RecursionError) as exc:
        if too_deep(exc):  # '[[[[…': libyaml stops at 1,000 levels, PyYAML's parser recurses
            raise LoaderError(
                f"{name}: the YAML front matter is nested too deeply to read; front matter "
                "holds key: value lines — fix it and re-run."
            ) from exc
        where = error_line(exc, offset=2).replace(" line", " at line")  # after the '---' line
        raise LoaderError(
            f"{name}: the YAML front matter is not valid{where}; fix it and re-run."
        ) from exc
    if not isinstance(meta, dict):
        raise LoaderError(f"{name}: the front matter must be a YAML mapping (key: value lines).")
    return meta, text[match.end():]


def read_text(path: Path) -> tuple[str, str]:
    """(text, encoding): UTF-8 when it is, else the encoding charset-normalizer finds (many
    exported NHS documents are Windows-1252 or Latin-1)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None or not str(best).strip():
            raise LoaderError(
                f"{path.name}: not text in any encoding we recognise (bad byte at position "
                f"{exc.start}); save it as UTF-8 text and ingest it again."
            ) from exc
        return str(best), best.encoding


def table_items(rows: list[list[str]], header: bool = True) -> list[str]:
    """Table rows as list items, each cell named by its column heading (pure).

    With ``header`` the first row names the columns; empty cells and empty rows are left out,
    and a row repeating the header (a table split across pages) is dropped."""
    rows = [[" ".join(c.split()) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    names = rows[0] if header and len(rows) > 1 else []
    body = rows[1:] if names else rows
    out = []
    for row in body:
        if row == names:
            continue
        name = [names[i] if i < len(names) else "" for i in range(len(row))]
        cells = [f"{name[i]}: {c}" if name[i] else c for i, c in enumerate(row)
                 if c and not (i and (c, name[i]) == (row[i - 1], name[i - 1]))]  # merged cells
        out.append("- " + "; ".join(cells))
    return out


_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def pipe_tables_to_items(text: str) -> str:
    """Markdown pipe tables (a header row, a |---| rule, then rows) as list items."""
    if "|" not in text:
        return text
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if (i + 1 < len(lines) and _PIPE_ROW.match(lines[i]) and _PIPE_RULE.match(lines[i + 1])):
            rows = [_cells(lines[i])]
            i += 2
            while i < len(lines) and _PIPE_ROW.match(lines[i]):
                rows.append(_cells(lines[i]))
                i += 1
            out += ["", *table_items(rows), ""]
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _PIPE_ROW.match(line).group(1).split("|")]  # type: ignore[union-attr]


def load_markdown(path: Path) -> SourceDoc:
    text, encoding = read_text(path)
    meta, body = split_front_matter(text, path.name)
    return SourceDoc(source=path.name, text=pipe_tables_to_items(body), meta=meta,
                     encoding=encoding)


load_text = load_markdown  # plain text may carry front matter and pipe tables too


def _damaged(path: Path, kind: str, advice: str, exc: Exception) -> LoaderError:
    """A parser failed on a damaged file. PDF and Word parsers raise many kinds of exception
    on bad bytes (a truncated stream, a missing zip part, broken XML), so any exception from
    the parse becomes this message about the file; the details go to the log."""
    log.info("%s: %s parser failed", path.name, kind, exc_info=exc)
    name = type(exc).__name__
    if name == "error":  # zlib.error, struct.error: the module says what failed
        name = f"{type(exc).__module__}.{name}"
    return LoaderError(f"{path.name}: cannot read this {kind} ({name}); it may be damaged — "
                       f"{advice}")


def load_pdf(path: Path) -> SourceDoc:
    from pypdf import PdfReader

    data = path.read_bytes()  # an OSError here is about the file, not its contents
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoaderError(f"{path.name}: the PDF is password-protected; save an unlocked copy.")
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            text = (page.extract_text() or "").strip()
            if text:
                pages.append((number, text))
        info = reader.metadata
        title = str(info.title if info and info.title else "")
    except LoaderError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on damaged bytes (see _damaged)
        raise _damaged(path, "PDF", "re-export or re-download it.", exc) from exc
    if not pages:
        raise LoaderError(
            f"{path.name}: the PDF has no extractable text (a scan?); add a text version instead."
        )
    meta: dict[str, Any] = {"title": title} if title.strip() else {}
    return SourceDoc(
        source=path.name,
        text="\n\n".join(t for _, t in pages),
        meta=meta,
        pages=tuple(pages),
    )


# HTML elements whose text is never read (nor shown when a page is opened from the library)
NOT_READ = ["script", "style", "nav", "header", "footer", "noscript", "form", "template"]
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_hidden(tag: Any) -> bool:
    """An HTML element a browser does not show: ``hidden``, or hidden by its inline style."""
    if getattr(tag, "attrs", None) is None:
        return False
    return tag.has_attr("hidden") or bool(_HIDDEN_STYLE.search(str(tag.get("style") or "")))


def load_html(path: Path) -> SourceDoc:
    from bs4 import BeautifulSoup
    from bs4.exceptions import ParserRejectedMarkup

    markup, encoding = read_text(path)
    try:
        soup = BeautifulSoup(markup, "html.parser")  # comments are never text (get_text skips)
    except ParserRejectedMarkup as exc:  # e.g. '<![ ' with no keyword: a broken declaration
        raise LoaderError(
            f"{path.name}: cannot read this HTML page (its markup is broken: the parser "
            "rejected a '<!' declaration); open it in a browser and save it again."
        ) from exc
    for tag in soup(NOT_READ):
        tag.decompose()
    for tag in soup.find_all(is_hidden):  # text a reader never sees is never indexed
        tag.decompose()
    meta: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = soup.title.get_text(strip=True)
    lines: list[str] = []
    body = soup.body or soup
    blocks = ["h1", "h2", "h3", "h4", "p", "li", "table", "pre", "blockquote"]
    for el in body.find_all(blocks):
        if el.find_parent(blocks) is not None:  # its text is in an enclosing block already
            continue
        if el.name == "table":
            rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
                    for tr in el.find_all("tr")]
            first = el.find("tr")
            lines += table_items(rows, header=bool(first and first.find("th")))
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name in ("h1", "h2", "h3", "h4"):
            lines.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            lines.append("- " + text)
        else:
            lines.append(text)
    if not lines:
        raise LoaderError(f"{path.name}: the HTML page has no readable text.")
    return SourceDoc(source=path.name, text="\n\n".join(lines), meta=meta, encoding=encoding)


def load_docx(path: Path) -> SourceDoc:
    blocks, title, author = _read_docx(path)
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            lines += table_items(block)
            continue
        text, style = block
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append("# " + text)
        elif level:
            lines.append("#" * min(int(level.group(1)) + 1, 4) + " " + text)
        elif style.startswith("List"):
            lines.append("- " + text)
        else:
            lines.append(text)
    meta: dict[str, Any] = {}
    if title:
        meta["title"] = title
    if author:
        meta["authors"] = author
    if not lines:
        raise LoaderError(f"{path.name}: the Word file has no text.")
    return SourceDoc(source=path.name, text="\n\n".join(lines), meta=meta)


DocxBlock = tuple[str, str] | list[list[str]]  # (paragraph text, style name) or table rows


def _read_docx(path: Path) -> tuple[list[DocxBlock], str, str]:
    """The Word file's paragraphs and tables in reading order, its title and author; every
    part of the file is read here, so a damaged one fails here with a message."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable

    data = path.read_bytes()  # an OSError here is about the file, not its contents
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise LoaderError(
            f"{path.name}: cannot open this Word file; it may be damaged or an old .doc — "
            "save it again as .docx."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure on damaged bytes (see _damaged)
        raise _damaged(path, "Word file", "save it again as .docx.", exc) from exc
    try:
        blocks: list[DocxBlock] = []
        for block in document.iter_inner_content():  # paragraphs and tables, in reading order
            if isinstance(block, DocxTable):
                blocks.append([[cell.text for cell in row.cells] for row in block.rows])
            elif text := _visible_text(block).strip():
                style = block.style.name if block.style is not None else ""
                blocks.append((text, style or ""))
        props = document.core_properties
        return blocks, str(props.title or ""), str(props.author or "")
    except Exception as exc:  # noqa: BLE001 - any parser failure on damaged bytes (see _damaged)
        raise _damaged(path, "Word file", "save it again as .docx.", exc) from exc


def _visible_text(para: Any) -> str:
    """A Word paragraph's text without its hidden runs (Font > Hidden: never shown, never
    printed, so never indexed)."""
    runs = [run for item in para.iter_inner_content()  # runs and hyperlinks, in order
            for run in getattr(item, "runs", [item])]
    if not any(run.font.hidden for run in runs):
        return str(para.text)
    return "".join(run.text for run in runs if not run.font.hidden)


LOADERS: dict[str, Callable[[Path], SourceDoc]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
}

SUPPORTED = tuple(sorted(LOADERS))


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load(path: Path) -> SourceDoc:
    """Load one file with the loader for its extension."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFileError(
            f"{path.name}: '{path.suffix or 'no extension'}' files are not read; "
            f"supported types are {', '.join(SUPPORTED)}."
        )
    try:
        return loader(path)
    except OSError as exc:
        raise LoaderError(f"{path.name}: cannot read the file ({exc.strerror}).") from exc
