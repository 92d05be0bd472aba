"""Questions about a named document (pure apart from lazy loading): which one, and is it held?

"What are the main recommendations of the King's Fund report on …?" asks what a document the
library does not hold says: the coach refuses it saying so, rather than answering from the
guidance it does hold. This module finds the document a question names (``named_document``: a
publisher or report from the list in scope_terms.json, a quoted title next to a word such as
"report", or a capitalised "… Review"), decides whether the library holds it (``holds``: its
words against the titles and publishers the index lists) and whether the question asks what it
says (``asks_about``) rather than mentioning it in passing ("after the Francis report, how do
we build a culture of speaking up?").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from coach.text import STOPWORDS, content_words

_DOC_NOUN = (r"(?:reports?|reviews?|inquiry|inquiries|investigations?|guidelines?|guidance"
             r"|plans?|stocktake"
             r"|constitution|quality standards?|publications?|papers?|white paper"
             r"|(?:survey )?results)")
# after a publisher's name: "'s latest report", " report on …", " guideline NG51"
_EXTEND = re.compile(r"(?:'s|’s|s'|s)?(?:\s+(?:latest|new|recent|annual|national|\d{4}))*"
                     rf"\s+(?P<noun>{_DOC_NOUN})(?:\s+(?P<code>(?:ng|qs|cg)\d+))?(?![\w-])",
                     re.IGNORECASE)
# what a named document is about: "report on quality improvement in the NHS"
_SUBJECT = re.compile(r"\s+(?:on|about|into|of|for)\s+(?P<subject>[\w'&-]+(?:\s+[\w'&-]+){0,7}?)"
                      r"(?=\s+(?:say|says|said|recommend\w*|conclude\w*|find|found|suggest\w*"
                      r"|propose\w*|argue\w*|cover\w*|mean|tell)\b|\s*[?.,;:!—–-]|\s*$)",
                      re.IGNORECASE)
# a quoted title: 'Building the foundations for improvement'
_QUOTED = re.compile(r"(?:(?<=\s)|^)['‘\"“*](?P<title>[A-Za-z][^'’\"”*]{5,120})['’\"”*]"
                     r"(?=[\s?.,!:;)]|$)")
# "the Smith Review", "the Health Foundation's report"
_CAPITALISED = re.compile(rf"(?P<org>(?:[A-Z][\w’'-]*\s+){{1,5}}?)(?P<noun>(?i:{_DOC_NOUN}))\b")
_POSSESSIVE = re.compile(rf"(?P<org>(?:[\w-]+\s+){{0,3}}[\w-]+)(?:'s|’s)\s+(?:(?:latest|new|"
                         rf"recent|annual|own|\d{{4}})\s+)?(?P<noun>{_DOC_NOUN})\b", re.IGNORECASE)
# how the question may refer to what the library holds: "the report", "the guidance"
_OWN = re.compile(r"\b(?:the|this|your|our) (?:report|guidance|guide|library|coach)\b"
                  r"|\bimprovement journey\b", re.IGNORECASE)
_NOT_NAMES = frozenset(content_words("the a an this that our your my their what which how "
                                     "latest new recent annual national own nhs "
                                     "report review inquiry guideline guidance plan "
                                     "publication paper document") | {"nhs"})


@dataclass(frozen=True)
class Named:
    """A document (or publisher) a question names."""

    name: str  # as a refusal shows it: "the King's Fund report on …", "NICE guideline NG51"
    key: str  # the words that identify it: a title, or else the publisher's name
    start: int
    end: int
    is_title: bool  # ``key`` is a document's title (quoted), not a publisher's name
    subject: str = ""  # what the document is about, when the question says ("on …")


# how sure the library is to hold a named document (``held``)
NOT_HELD, PUBLISHER_HELD, HELD = 0, 1, 2


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("coach.answering").joinpath("scope_terms.json").read_text(
        encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _regex(term: str) -> re.Pattern[str]:
    body = term[3:] if term.startswith("re:") else re.escape(term)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _sources() -> list[tuple[re.Pattern[str], str]]:
    return [(_regex(pattern), display) for pattern, display in _data()["sources_not_held"]]


@lru_cache(maxsize=1)
def _ask_patterns() -> list[re.Pattern[str]]:
    from coach.answering.clinical import _pattern

    return [re.compile(_pattern(t), re.IGNORECASE) for t in _data()["doc_ask"]]


def _with_noun(display: str, question: str, start: int, end: int) -> tuple[str, int]:
    """The display name, with the document word the question uses for it."""
    own = re.search(rf"\b{_DOC_NOUN}$", display, re.IGNORECASE)
    if own:
        typed = re.search(rf"\b{_DOC_NOUN}\b", question[start:end], re.IGNORECASE)
        return (display[:own.start()] + typed[0].lower() if typed else display), end
    ext = _EXTEND.match(question, end)
    if not ext:
        return f"anything published by {display}", end
    code = f" {ext['code'].upper()}" if ext["code"] else ""
    return f"{display} {ext['noun'].lower()}{code}", ext.end()


def _title(question: str) -> re.Match[str] | None:
    quoted = _QUOTED.search(question)
    if quoted and re.search(_DOC_NOUN, question, re.IGNORECASE):
        return quoted
    return None


def named_document(question: str) -> Named | None:
    """The document or publisher the question names, if any (first found)."""
    text = question.replace("’", "'")
    named = _listed(text) or _unlisted(text)
    if named is None or named.is_title:
        return named
    about = _SUBJECT.match(text, named.end)
    if not about or not _names(about["subject"]):
        return named
    subject = about["subject"].strip()
    return replace(named, name=f"{named.name} on {subject}", end=about.end("subject"),
                   subject=subject)


def _listed(text: str) -> Named | None:
    """A well-known source from the list in scope_terms.json."""
    title = _title(text)
    for pattern, display in _sources():
        m = pattern.search(text)
        if m:
            name, end = _with_noun(display, text, m.start(), m.end())
            if title:
                return Named(f"“{title['title']}” ({display})", title["title"],
                             min(m.start(), title.start()), max(end, title.end()), True)
            return Named(name, display, m.start(), end, False)
    return None


def _unlisted(text: str) -> Named | None:
    """A quoted title near a word such as "report", "X's report" or "the Smith Review"."""
    title = _title(text)
    found = _POSSESSIVE.search(text) or _CAPITALISED.search(text)
    if title:
        org = _publisher(found["org"]) if found else ""
        shown = f"“{title['title']}”" + (f" ({org})" if org else "")
        start = min(title.start(), found.start()) if found else title.start()
        return Named(shown, title["title"], start, title.end(), True)
    if found and _names(found["org"]):
        noun = found["noun"].lower()
        org = _publisher(found["org"])
        possessive = "'s" if _POSSESSIVE.search(text) is found else ""
        article = "" if org.lower().startswith("the ") else "the "
        return Named(f"{article}{org}{possessive} {noun}", org, found.start(), found.end(),
                     False)
    return None


def _publisher(text: str) -> str:
    """A publisher's name as typed, without the words before it ("what the Health
    Foundation" -> "Health Foundation")."""
    words = text.split()
    while words and words[0].lower() in STOPWORDS:
        words.pop(0)
    return " ".join(words)


def _names(text: str) -> set[str]:
    """The identifying words of a name: content words, aliases expanded, no generic words."""
    lowered = text.lower().replace("’", "'")
    for short, long in _data()["aliases"].items():
        lowered = re.sub(rf"\b{re.escape(long)}\b", short, lowered)
    return {w for w in content_words(lowered) if w not in _NOT_NAMES}


def default_library() -> tuple[str, ...]:
    """What the shipped library holds, for callers that do not pass the index's titles."""
    return tuple(_data()["held_sources"])


def held(named: Named, library: Sequence[str] | None) -> int:
    """HELD when a title or publisher in ``library`` is the document named (most of a
    title's words, or all of a publisher's, found in one entry); PUBLISHER_HELD when the
    publisher matches but the question names a subject ("the Health Foundation's report on
    the workforce": the library may hold another of its reports); NOT_HELD otherwise."""
    key = _names(named.key)
    if not key:
        return HELD  # "the report": the one the library holds
    needed = 0.75 if named.is_title or len(key) > 2 else 1.0
    entries = [_names(entry) for entry in (default_library() if library is None else library)]
    matched = [entry for entry in entries if _matches(key, entry, needed)]
    if not matched:
        return NOT_HELD
    subject = _names(named.subject)
    if not subject or any(_about(subject, entry) for entry in matched):
        return HELD
    # a publisher the library holds something from: is this one about what the library's
    # titles are about? ("… report on organisational improvement" may be; "… on social
    # care" is not)
    return PUBLISHER_HELD if _about(subject, set().union(*entries)) else NOT_HELD


def _about(subject: set[str], words: set[str]) -> bool:
    return len(subject & words) * 2 >= len(subject)


def _matches(key: set[str], entry: set[str], needed: float) -> bool:
    """The name's words are (mostly) in the entry, or the whole entry is named in it
    ("NHS England's Making Data Count guidance" names "Making Data Count")."""
    return bool(entry) and (entry <= key or len(key & entry) / len(key) >= needed)


def asks_about(question: str, named: Named) -> bool:
    """True when the question asks what the named document says (its recommendations, a
    summary, "what does X say about …"), not about the library's own report mentioning it."""
    text = question.replace("’", "'")
    outside = f"{text[:named.start]} it {text[named.end:]}"  # the document, as one word
    if _OWN.search(outside):
        return False
    return any(p.search(outside) for p in _ask_patterns())


def library_names(sources: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    """The titles and publishers of the documents in an index, from
    ``GuidanceIndex.sources()`` (source -> {"meta": the first chunk's metadata, …})."""
    names: set[str] = set()
    for entry in sources.values():
        meta = entry.get("meta") or {}
        for field in ("title", "publisher"):
            value = str(meta.get(field) or "").strip()
            if value:
                names.add(value)
    return tuple(sorted(names))
