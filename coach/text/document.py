"""A document as a list of blocks (headings, paragraphs, lists, checklists, tables, images),
rendered as Markdown or as Word (python-docx). The project summary (coach/workbench/summary.py),
the journey's action plan (coach/coaching/export.py) and a saved conversation
(coach/conversations/export.py) are all written through it.

Markdown links each image to a PNG file named by the block (the caller writes the files);
Word embeds it, with the block's text as the picture's description (its text alternative), and
marks each table's first row as a header row that repeats on every page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KINDS = ("h1", "h2", "h3", "p", "ul", "checks", "table", "img")
IMAGE_WIDTH = 6.0  # inches, in Word


@dataclass(frozen=True)
class Block:
    kind: str  # one of KINDS
    text: str = ""  # a heading or paragraph; an image's text alternative
    # list items, (done, text) pairs of a checklist, or table rows (each a tuple of cells)
    items: tuple[Any, ...] = ()
    header: tuple[str, ...] = ()  # a table's column names
    data: bytes = b""  # an image's PNG
    name: str = ""  # an image's file name beside the Markdown


def _cell(text: object) -> str:
    """Text for a Markdown table cell: bars escaped, line breaks kept as <br>."""
    return "<br>".join(str(text).replace("|", "\\|").splitlines())


def _alt(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def to_markdown(blocks: Iterable[Block], *, images: bool = True) -> str:
    """The blocks as Markdown; ``images=False`` leaves the images out (text for a terminal)."""
    lines: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + " ".join(b.text.split()), ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "ul":
            lines += [f"- {i}" for i in b.items] + [""]
        elif b.kind == "checks":
            lines += [f"- [{'x' if done else ' '}] {text}" for done, text in b.items] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in b.items]
            lines.append("")
        elif b.kind == "img" and images:
            lines += [f"![{_alt(b.text)}]({b.name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_docx(blocks: Iterable[Block]) -> bytes:
    """The blocks as a Word document (bytes)."""
    from docx import Document

    doc = Document()
    for b in blocks:
        if b.kind in ("h1", "h2", "h3"):
            doc.add_heading(b.text, level=int(b.kind[1]) - 1)
        elif b.kind == "p":
            doc.add_paragraph(b.text)
        elif b.kind == "ul":
            for item in b.items:
                doc.add_paragraph(str(item), style="List Bullet")
        elif b.kind == "checks":
            for done, text in b.items:
                doc.add_paragraph(f"{'☑' if done else '☐'} {text}")
        elif b.kind == "table":
            _table(doc, b)
        elif b.kind == "img":
            _picture(doc, b)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _table(doc: Any, block: Block) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    head = table.rows[0]
    for cell, text in zip(head.cells, block.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(repeat)
    for row in block.items:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = str(text)


def _picture(doc: Any, block: Block) -> None:
    from docx.shared import Inches

    shape = doc.add_picture(io.BytesIO(block.data), width=Inches(IMAGE_WIDTH))
    properties = shape._inline.docPr
    properties.set("descr", block.text)
    properties.set("title", block.name)
