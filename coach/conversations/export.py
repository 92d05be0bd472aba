"""A saved conversation as Markdown and Word, with the sources of each answer listed, written
into the owner's own exports folder (see coach.coaching.session.exports_dir)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coach.coaching.session import exports_dir
from coach.conversations.store import Conversation, trimmed
from coach.text import is_heading, strip_markdown
from coach.text.document import Block, to_docx, to_markdown
from coach.types import NOT_COVERED


def source_line(c: dict[str, Any]) -> str:
    """One citation as a line of the sources list: number, title, where, file and origin,
    and the start of the passage."""
    where = ", ".join(str(x) for x in (c.get("section"),
                                        f"p. {c['page']}" if c.get("page") else "") if x)
    origin = "; ".join(str(x) for x in (c.get("source"), c.get("publisher"), c.get("year"),
                                         c.get("url")) if x)
    passage = trimmed(str(c.get("text") or ""), 240)
    return (f"[{int(c.get('number') or 0)}] {c.get('title') or 'Untitled'}"
            + (f", {where}" if where else "") + (f" ({origin})" if origin else "")
            + (f': "{passage}"' if passage else ""))


def blocks(conversation: Conversation) -> list[Block]:
    """The conversation as headings, paragraphs and one sources list per answer."""
    out = [
        Block("h1", conversation.title),
        Block("p", f"A conversation with Improvement Coach by {conversation.user}, started "
                   f"{conversation.created_at[:16].replace('T', ' ')} UTC, last updated "
                   f"{conversation.updated_at[:16].replace('T', ' ')} UTC. Every answer is "
                   "built from the guidance; the numbers in brackets refer to the sources "
                   "listed under it. Not clinical advice."),
    ]
    for number, turn in enumerate(conversation.turns, 1):
        out.append(Block("h2", f"{number}. {turn['question']}"))
        if turn.get("notice"):
            out.append(Block("p", f"Note: {turn['notice']}"))
        if turn.get("refused"):
            out.append(Block("p", f"{NOT_COVERED}."))
        for line in turn["text"].splitlines():
            if line.strip():
                heading = is_heading(line)
                text = strip_markdown(line.strip().lstrip("#").strip()).rstrip(":")
                out.append(Block("h3" if heading else "p", text if heading else line.strip()))
        if turn.get("unsupported"):
            out.append(Block("p", "Check before relying on it: no source passage supports "
                                  + " / ".join(turn["unsupported"])))
        sources = [source_line(c) for c in turn.get("citations") or ()]
        out.append(Block("h3", f"Sources for answer {number}"))
        out.append(Block("ul", items=tuple(sources)) if sources
                   else Block("p", "No sources cited."))
    return out


def export(conversation: Conversation, home: Path) -> list[Path]:
    """Write the conversation as ``conversation-<date>-<id>.md`` and ``.docx`` into the
    owner's exports folder (rewritten on each export); returns both paths."""
    folder = exports_dir(home, conversation.user)
    stem = f"conversation-{conversation.created_at[:10]}-{_safe(conversation.id)}"
    items = blocks(conversation)
    md, docx = folder / f"{stem}.md", folder / f"{stem}.docx"
    md.write_text(to_markdown(items), encoding="utf-8")
    docx.write_bytes(to_docx(items))
    return [md, docx]


def remove_exports(conversation_id: str, user: str, home: Path) -> None:
    """Delete the files a conversation was exported to (with the conversation itself)."""
    for path in exports_dir(home, user).glob(f"conversation-*-{_safe(conversation_id)}.*"):
        path.unlink(missing_ok=True)


def _safe(conversation_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", conversation_id)[:40] or "conversation"
