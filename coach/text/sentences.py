"""Sentences: the one splitter, list-aware grouping, and where each sentence sits."""

from __future__ import annotations

import re

from coach.text.markup import strip_markdown
from coach.tuning import LIST_MAX_CHARS, LIST_MAX_ITEMS

# A sentence ends at . ! or ? (and any closing quote or bracket) before a capital or digit,
# which may follow an opening quote or bracket and Markdown emphasis; not at the abbreviations
# "et al.", "e.g." or "i.e." ("Jones et al. (2017) found" is one sentence), nor inside "4.5".
_NOT_AN_END = r"(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
_SENT_SPLIT = re.compile(
    r"(?<=[.!?])" + _NOT_AN_END + r"([\"')\]]*)\s+(?=[\"'(\[]?\**[A-Z0-9])")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")



def split_sentences(text: str) -> list[str]:
    """One paragraph (or line) split into its sentences, stripped, empty ones dropped."""
    parts = _SENT_SPLIT.split(text)  # sentence, its closing quotes, sentence, ...
    joined = (body + close for body, close in zip(parts[::2], [*parts[1::2], ""], strict=True))
    return [s.strip() for s in joined if s.strip()]


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph, its lines joined."""
    parts = split_sentences(" ".join(text.split()))
    return parts[0] if parts else ""


def list_item(line: str) -> re.Match[str] | None:
    """The bullet or number that opens a list item ("- ", "2. "), or None."""
    return _ITEM.match(line)


def list_items(text: str) -> list[str]:
    """The text of every list item line in ``text``, in order (bullets and numbers off)."""
    return [line[m.end():].strip() for line in text.splitlines() if (m := _ITEM.match(line))]


def _blocks(text: str) -> list[tuple[str, str, int]]:
    """Lines grouped into ("para", text, 0), ("item", text, indent) and ("break", "", 0)
    blocks. A wrapped line continues its paragraph or item; a blank line separates; headings
    and table rows break, and so does a line ending in ':' (it introduces what follows)."""
    blocks: list[tuple[str, str, int]] = []
    current: list[str] = []
    kind, indent = "", 0

    def flush() -> None:
        nonlocal kind
        if current:
            blocks.append((kind, " ".join(current), indent))
        current.clear()
        kind = ""

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            flush()
            if line:
                blocks.append(("break", "", 0))
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            kind, indent = "item", len(raw) - len(raw.lstrip())
            current.append(line[item.end():].strip())
        elif current and not current[-1].endswith(":"):
            current.append(line)
        else:
            flush()
            kind, indent = "para", 0
            current.append(line)
    flush()
    return blocks


def sentence_groups(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The passage's sentences in reading order, each with the list items it introduces.

    The last sentence of a paragraph introduces the list that follows it ("Lean names eight
    wastes." or "The plan names:" then the items), and an item ending in ':' introduces its
    sub-items, when the list is short enough to quote whole. Those items come with their
    lead-in and nowhere else; every other item stands alone as a sentence.
    """
    blocks = _blocks(text)
    out: list[tuple[str, tuple[str, ...]]] = []
    i = 0
    while i < len(blocks):
        kind, body, indent = blocks[i]
        i += 1
        if kind == "break":
            continue
        parts = split_sentences(body)
        # a paragraph leads the list after it; an item, only sub-items (indented deeper)
        leads = kind == "para" or body.endswith(":")
        j = i
        while (j < len(blocks) and blocks[j][0] == "item"
               and (kind == "para" or blocks[j][2] > indent)):
            j += 1
        items = tuple(b for _, b, _ in blocks[i:j])
        if (leads and items and parts and len(items) <= LIST_MAX_ITEMS
                and len(" ".join(items)) <= LIST_MAX_CHARS):
            out += [(p, ()) for p in parts[:-1]]
            out.append((parts[-1], items))
            i = j
            continue
        out += [(p, ()) for p in parts]
    return out


def sentences(text: str) -> list[str]:
    """Split a passage into sentences: paragraphs by sentence, each list item on its own."""
    out: list[str] = []
    for sent, items in sentence_groups(text):
        out.append(sent)
        for item in items:
            out += split_sentences(item)
    return out


def sentence_key(sentence: str) -> str:
    """The form a sentence is looked up by (vectors are stored and cached under it)."""
    return strip_markdown(sentence).strip()


def sentence_spans(text: str) -> list[tuple[str, int, int]]:
    """(key, start, end) for each sentence of ``text``, the span covering it in ``text``.

    ``sentences`` joins a colon-introduced list into one sentence, so a span runs from the
    sentence's first words to its last ones; a sentence that cannot be placed is left out.
    """
    out: list[tuple[str, int, int]] = []
    cursor = 0
    for sent in sentences(text):
        start = _place(text, sent, cursor, head=True)
        end = _place(text, sent, start, head=False) if start >= 0 else -1
        key = sentence_key(sent)
        if end > start and key:
            out.append((key, start, end))
            cursor = start + 1
    return out


def _place(text: str, sent: str, cursor: int, *, head: bool) -> int:
    """Where the sentence starts (head) or ends in ``text``, or -1. The longest piece of its
    first or last characters that occurs is used: joined list items are not in ``text`` as
    such, only each item is."""
    for n in (24, 12, 6):
        piece = sent[:n] if head else sent[-n:]
        at = text.find(piece, max(cursor, 0))
        if at >= 0:
            return at if head else at + len(piece)
    return -1
