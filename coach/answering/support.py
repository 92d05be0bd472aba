"""Does a passage support a sentence? The evidence the citation checker weighs (pure, apart
from the embedding function it is given).

- verbatim: the sentence's words appear in the passage in the same order (a quote);
- missing numbers: figures and dates in the sentence that the passage does not contain;
- missing names: capitalised names and acronyms in the sentence the passage does not contain;
- overlap: the share of the sentence's content words found in the passage;
- similarity: the best cosine similarity between the sentence and one of the passage's
  sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from coach.text import STOPWORDS, content_words, sentences, stem, strip_markdown
from coach.types import Passage

_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*\b")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "first": "1",
    "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "half": "0.5",
}


@dataclass(frozen=True)
class Support:
    verbatim: bool
    overlap: float = 0.0
    similarity: float = 0.0
    missing_numbers: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()


def _normal_number(raw: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
        return raw.replace(",", "")
    return raw.rstrip(".,")


def numbers_in(text: str) -> set[str]:
    return {_normal_number(n) for n in _NUMBER.findall(text)}


def names_in(sentence: str) -> set[str]:
    """Capitalised words and acronyms, except a capitalised first word (unless an acronym)
    and capitalised common words."""
    out = set()
    for i, match in enumerate(_NAME.finditer(strip_markdown(sentence))):
        word = match.group(0)
        acronym = len(word) > 1 and word.isupper()
        if (i == 0 and match.start() < 3 and not acronym) or word.lower() in STOPWORDS:
            continue
        if word.isdigit():
            continue
        out.add(word)
    return out


@dataclass(frozen=True)
class _Evidence:
    words: frozenset[str]  # stemmed lower-case words of text, title, heading, publisher
    numbers: frozenset[str]
    sequence: str  # " word word ... " for verbatim checks
    sentences: tuple[str, ...]


@lru_cache(maxsize=4096)
def _evidence(text: str, context: str) -> _Evidence:
    plain = strip_markdown(text)
    everything = f"{plain}\n{context}"
    lower = everything.lower()
    raw_words = _WORD.findall(lower)
    numbers = numbers_in(everything) | {_NUMBER_WORDS[w] for w in raw_words
                                        if w in _NUMBER_WORDS}
    return _Evidence(
        words=frozenset(stem(w) for w in raw_words) | frozenset(raw_words),
        numbers=frozenset(numbers),
        sequence=" " + " ".join(_WORD.findall(plain.lower())) + " ",
        sentences=tuple(strip_markdown(s) for s in sentences(text)) or (plain,),
    )


def evidence_for(passage: Passage) -> _Evidence:
    context = " ".join(str(x) for x in (passage.title, passage.heading, passage.section,
                                        passage.publisher, passage.year or "") if x)
    return _evidence(passage.text, context)


def support(sentence: str, passage: Passage,
            embed: Callable[[Sequence[str]], np.ndarray]) -> Support:
    """How well ``passage`` supports ``sentence`` (markers already removed)."""
    ev = evidence_for(passage)
    plain = strip_markdown(sentence)
    words = _WORD.findall(plain.lower())
    if words and f" {' '.join(words)} " in ev.sequence:
        return Support(verbatim=True, overlap=1.0, similarity=1.0)
    missing_numbers = tuple(sorted(n for n in numbers_in(plain) if n not in ev.numbers))
    missing_names = tuple(sorted(
        n for n in names_in(sentence)
        if n.lower() not in ev.words and stem(n.lower()) not in ev.words
    ))
    content = content_words(plain)
    overlap = len(content & ev.words) / len(content) if content else 0.0
    vectors = embed([plain, *ev.sentences])
    similarity = float(np.max(vectors[1:] @ vectors[0])) if len(vectors) > 1 else 0.0
    return Support(False, overlap, similarity, missing_numbers, missing_names)
