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


def _units(text: str) -> list[str]:
    """Paragraphs and list items as text units; items under a line ending in ':' join it."""
    units: list[str] = []
    current: list[str] = []
    joining = False

    def flush() -> None:
        nonlocal joining
        if current:
            units.append(" ".join(current))
        current.clear()
        joining = False

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            flush()
            continue
        item = _ITEM.match(line)
        if item:
            body = line[item.end():].strip()
            if joining:
                current.append(body)
                continue
            flush()
            current.append(body)
            continue
        if current and not joining and _ITEM.match(raw) is None and units_continues(current):
            current.append(line)
        else:
            flush()
            current.append(line)
        if line.endswith(":"):
            joining = True
    flush()
    return units


def units_continues(current: list[str]) -> bool:
    """A wrapped line continues the paragraph unless the last one ended a sentence block."""
    return not current[-1].endswith(":")


def sentences(text: str) -> list[str]:
    """Split a passage into sentences. A list introduced by a colon stays with its lead-in
    sentence ("The four categories are: a; b; c"), other list items stand alone."""
    out: list[str] = []
    for unit in _units(text):
        for sent in _SENT_SPLIT.split(unit):
            sent = sent.strip()
            if sent:
                out.append(sent)
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
