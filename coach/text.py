"""Small, pure text helpers shared by retrieval, answering and the ingest pipeline."""

from __future__ import annotations

import re

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves tell explain describe please know want need us get got one much many may might
    must shall let lets i'm im it's whats what's does do say says said"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())  # noqa: SIM905

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def stem(word: str) -> str:
    """A deliberately light suffix stripper: assessing/assessment/assess -> assess."""
    for suffix, keep in (("ational", 5), ("ations", 4), ("ation", 4), ("ments", 4), ("ment", 4),
                         ("ness", 4), ("ings", 4), ("ing", 4), ("ies", 3), ("ied", 3),
                         ("ers", 4), ("ed", 4), ("es", 4), ("er", 4), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens with stopwords removed and light stemming."""
    out = []
    for raw in _TOKEN.findall(text.lower()):
        word = raw.split("'")[0]
        if word and word not in STOPWORDS:
            out.append(stem(word))
    return out


def content_words(text: str) -> set[str]:
    return {t for t in tokens(text) if len(t) > 1}


# A sentence ends at . ! or ? before a capital or digit, but not at the abbreviations "et al.",
# "e.g." or "i.e." ("Jones et al. (2017) found" is one sentence).
_NOT_AN_END = r"(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)"
_SENT_SPLIT = re.compile(r"(?<=[.!?])" + _NOT_AN_END + r"[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


_LIST_MAX_ITEMS = 10
_LIST_MAX_CHARS = 900


def _blocks(text: str) -> list[tuple[str, str, int]]:
    """Lines grouped into ("para", text, 0), ("item", text, indent) and ("break", "", 0)
    blocks. A wrapped line continues its paragraph or item; a blank line separates; headings
    and table rows break, and so does a line ending in ':' (it introduces what follows)."""
    blocks: list[tuple[str, str, int]] = []
    kind, current, indent = "", [], 0

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
        parts = [p.strip() for p in _SENT_SPLIT.split(body) if p.strip()]
        # a paragraph leads the list after it; an item, only sub-items (indented deeper)
        leads = kind == "para" or body.endswith(":")
        j = i
        while (j < len(blocks) and blocks[j][0] == "item"
               and (kind == "para" or blocks[j][2] > indent)):
            j += 1
        items = tuple(b for _, b, _ in blocks[i:j])
        if (leads and items and parts and len(items) <= _LIST_MAX_ITEMS
                and len(" ".join(items)) <= _LIST_MAX_CHARS):
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
            out += [p.strip() for p in _SENT_SPLIT.split(item) if p.strip()]
    return out


def strip_markdown(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return text


_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def figures(text: str, *, years: bool = True) -> set[str]:
    """The numbers written in digits in ``text`` ("2.5", "650", "96%" -> "96"); years
    (1900-2099) are left out when ``years`` is False."""
    found = {n.rstrip("%").replace(",", "") for n in _NUMBER.findall(text)}
    return found if years else {n for n in found if not _YEAR.match(n)}


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
