"""Structure-aware chunking (pure): split on headings first, then by size with overlap.

Every chunk carries its provenance: source, title, heading path, page and step tag, plus the
document's front matter. Chunk ids are content hashes, so the same text in the same place
always gets the same id.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import PurePath
from typing import Any

from langchain_text_splitters import RecursiveCharacterTextSplitter

from coach.text import first_sentence
from coach.tuning import ANSWER_MAX_CHARS, LEAD_MAX_CHARS, REPEATED_ANSWER_MAX_CHARS
from coach.types import Chunk, SourceDoc

HEADING = re.compile(r"^(#{1,4})[ \t]+(.+?)[ \t]*#*[ \t]*$")


def normalise_meta(doc: SourceDoc) -> dict[str, Any]:
    """Front matter made safe for a vector store: scalars only, known types, defaults filled.

    A field of another shape (a mapping, a nested list) counts as missing, and a number a
    vector store cannot hold (``.inf``, 10**30) as no number."""
    meta = dict(doc.meta)
    out: dict[str, Any] = {}
    title = _text(meta.get("title")) or _first_h1(doc.text) or _stem_title(doc.source)
    out["title"] = title
    out["publisher"] = _text(meta.get("publisher"))
    out["year"] = _as_int(meta.get("year"))
    out["url"] = _text(meta.get("url"))
    out["section"] = _text(meta.get("section"))
    out["step"] = _as_int(meta.get("step"))
    out["kind"] = _text(meta.get("kind")) or "document"
    authors = meta.get("authors")
    if isinstance(authors, list):
        authors = ", ".join(_text(a) for a in authors if _text(a))
    out["authors"] = _text(authors)
    out["coverage"] = " ".join(_text(meta.get("coverage")).split())
    return out


SCALARS = (str, int, float, bool, datetime.date)
INT64 = 2**63 - 1


def _text(value: Any) -> str:
    """A front matter scalar as text; anything else (None, a mapping, a list) is ''. Only
    scalars are turned into text: a YAML alias bomb (nested lists sharing anchors) would
    otherwise expand to billions of items in ``str()``."""
    return str(value or "").strip() if isinstance(value, SCALARS) else ""


def _as_int(value: Any) -> int | None:
    if not isinstance(value, SCALARS) or isinstance(value, datetime.date) or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # 'abc', nan, inf
        return None
    return number if -INT64 <= number <= INT64 else None


def _first_h1(text: str) -> str:
    for line in text.splitlines():
        match = HEADING.match(line.strip())
        if match and len(match.group(1)) == 1:
            return match.group(2).strip()
    return ""


def _stem_title(source: str) -> str:
    return PurePath(source).stem.replace("-", " ").replace("_", " ").strip().capitalize()


def sections(text: str, title: str) -> list[tuple[str, str]]:
    """Split Markdown-ish text into (heading path, body) pairs, in document order."""
    stack: list[tuple[int, str]] = []
    out: list[tuple[str, str]] = []
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            path = " > ".join(h for lvl, h in stack if not (lvl == 1 and h == title))
            out.append((path, body))
        lines.clear()

    for line in text.splitlines():
        match = HEADING.match(line.strip()) if line.lstrip().startswith("#") else None
        if match:
            flush()
            level = len(match.group(1))
            stack = [(lvl, h) for lvl, h in stack if lvl < level]
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return out


# "Also asked:" then a list of other ways staff ask a section's question (or one line of them
# separated by ";" or "|"): used to match questions, never quoted, so cut from the text.
_ALSO_ASKED = re.compile(r"\A\s*also asked:[ \t]*(?P<inline>[^\n]*)\n?"
                         r"(?P<items>(?:[ \t]*[-*+][ \t]+[^\n]*\n?)*)", re.IGNORECASE)


def also_asked(body: str) -> tuple[tuple[str, ...], str]:
    """A section body's "Also asked:" questions, and the body without the block."""
    match = _ALSO_ASKED.match(body)
    if not match:
        return (), body
    found = re.split(r"[;|]", match.group("inline")) + [
        re.sub(r"^\s*[-*+]\s+", "", line) for line in match.group("items").splitlines()]
    asked = tuple(q for q in (" ".join(f.split()) for f in found) if q)
    return asked, body[match.end():].lstrip("\n")


def section_answer(body: str) -> str:
    """A section's answer-first paragraph: its first paragraph when that is prose, with the
    list that follows when the paragraph introduces one (ends with ":"). Our documents head
    each section with the question it answers and state the answer first, so this is the
    direct answer to that question. '' when the section opens with a list, table or quote,
    or the paragraph is longer than ANSWER_MAX_CHARS."""
    blocks = [b.strip() for b in body.strip().split("\n\n") if b.strip()]
    if not blocks or _NOT_PROSE.match(blocks[0]):
        return ""
    first = blocks[0]
    lines = first.splitlines()
    if (not any(_NOT_PROSE.match(x) for x in lines) and first.rstrip().endswith(":")
            and len(blocks) > 1 and _is_list(blocks[1])):
        first = f"{first}\n\n{blocks[1]}"
    elif any(_NOT_PROSE.match(x) for x in lines[1:]) and not _is_list("\n".join(
            x for x in lines if x.strip() and x != lines[0])):
        return ""
    return first if len(first) <= ANSWER_MAX_CHARS else ""


def _squashed(text: str) -> str:
    return " ".join(text.split())


def _is_list(block: str) -> bool:
    return all(re.match(r"^\s*(?:[-*+]|\d+[.)])\s", x) for x in block.splitlines() if x.strip())


def section_lead(body: str) -> str:
    """The sentence a section opens with, when it opens with a paragraph (not a list or a
    table) and that sentence is short: our documents state a section's answer first, so a
    section split into several chunks repeats it at the top of each later one. A section of
    one paragraph has no lead: its first sentence is just the start of it."""
    first, _, rest = body.strip().partition("\n\n")
    if not first or not rest.strip() or _NOT_PROSE.match(first):
        return ""
    # the paragraph's own words, without a list that follows it on the next line ("…in
    # seven steps:\n1. Choose…" must not give the sentence "…in seven steps: 1.")
    lines = first.splitlines()
    first = "\n".join(lines[:next((i for i, x in enumerate(lines) if _NOT_PROSE.match(x)),
                                   len(lines))])
    sentence = first_sentence(first)
    return sentence if len(sentence) <= LEAD_MAX_CHARS else ""


_NOT_PROSE = re.compile(r"^(?:[-*+]\s|\d+[.)]\s|[|#>])")


def make_splitter(size: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", " ", ""],
        keep_separator="end",
    )


def chunk_id(source: str, heading: str, page: int | None, text: str,
             asked: tuple[str, ...] = ()) -> str:
    """The content hash a chunk is stored under: of everything embedded for it, so a section
    whose "Also asked:" lines change is embedded again (its old vector and questions go)."""
    key = f"{source}\x1f{heading}\x1f{page or ''}\x1f{text}"
    if asked:
        key += "\x1f" + "\x1e".join(asked)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]


def chunk_document(doc: SourceDoc, size: int, overlap: int) -> list[Chunk]:
    """Chunk one document. Identical chunks within a document are kept once."""
    meta = normalise_meta(doc)
    splitter = make_splitter(size, overlap)
    parts: list[tuple[int | None, str, str]]
    if doc.pages:
        parts = [(page, "", body) for page, body in doc.pages]
    else:
        parts = [(None, heading, body) for heading, body in sections(doc.text, meta["title"])]
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for page, heading, body in parts:
        asked, body = also_asked(body) if page is None else ((), body)
        answer = section_answer(body) if page is None else ""
        # a later chunk of the section repeats its answer-first paragraph when that is short
        # (so every chunk of the section can give the direct answer), else its first sentence
        lead = (answer if answer and len(answer) <= REPEATED_ANSWER_MAX_CHARS else
                section_lead(body)) if page is None else ""
        # room for the lead, so that every chunk stays within ``size``
        split = make_splitter(size - len(lead) - 2, min(overlap, (size - len(lead)) // 4)
                              ) if lead and len(body) > size else splitter
        rest = body
        if lead and lead == answer and len(body) > size:
            # every chunk is the answer and a piece of the detail (the first one too, rather
            # than the answer alone)
            rest = body.strip()[len(answer):] if body.strip().startswith(answer) else body
        for piece in split.split_text(rest) or [body]:
            text = piece.strip()
            if not text:
                continue
            # a later chunk of the section keeps its topic
            if lead and _squashed(lead) not in _squashed(text):
                text = f"{lead}\n\n{text}"
            cid = chunk_id(doc.source, heading, page, text, asked)
            if cid in seen:
                continue
            seen.add(cid)
            chunks.append(
                Chunk(
                    id=cid,
                    text=text,
                    source=doc.source,
                    title=meta["title"],
                    heading=heading,
                    page=page,
                    step=meta["step"],
                    kind=meta["kind"],
                    meta=meta,
                    asked=asked,
                    answer=answer if _squashed(answer) in _squashed(text) else "",
                )
            )
    return chunks
