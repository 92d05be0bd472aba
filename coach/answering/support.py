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

from coach.text import (
    NUMBER_WORDS,
    ORDINAL_WORDS,
    STOPWORDS,
    content_words,
    figures,
    sentences,
    stem,
    strip_markdown,
    words,
)
from coach.types import Passage

_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*\b")
_NUMBER_WORDS = {**NUMBER_WORDS, **ORDINAL_WORDS}


@dataclass(frozen=True)
class SupportSignals:
    """What the citation checker weighs for one (sentence, passage) pair."""

    verbatim: bool
    overlap: float = 0.0
    similarity: float = 0.0
    missing_numbers: tuple[str, ...] = ()
    missing_names: tuple[str, ...] = ()


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
    raw_words = words(everything)
    numbers = figures(everything) | {_NUMBER_WORDS[w] for w in raw_words
                                        if w in _NUMBER_WORDS}
    return _Evidence(
        words=frozenset(stem(w) for w in raw_words) | frozenset(raw_words),
        numbers=frozenset(numbers),
        sequence=" " + " ".join(words(plain)) + " ",
        sentences=tuple(strip_markdown(s) for s in sentences(text)) or (plain,),
    )


def evidence_for(passage: Passage) -> _Evidence:
    context = " ".join(str(x) for x in (passage.title, passage.heading, passage.section,
                                        passage.publisher, passage.year or "") if x)
    return _evidence(passage.text, context)


def support(sentence: str, passage: Passage, embed: Callable[[Sequence[str]], np.ndarray],
            *, similar_from: float = 0.0) -> SupportSignals:
    """How well ``passage`` supports ``sentence`` (markers already removed). ``similarity``
    is left 0.0, with nothing embedded, for a pair no similarity could make supported: a
    number or name missing, or word overlap under ``similar_from``."""
    ev = evidence_for(passage)
    plain = strip_markdown(sentence)
    said = words(plain)
    if said and f" {' '.join(said)} " in ev.sequence:
        return SupportSignals(verbatim=True, overlap=1.0, similarity=1.0)
    missing_numbers = tuple(sorted(n for n in figures(plain) if n not in ev.numbers))
    missing_names = tuple(sorted(
        n for n in names_in(sentence)
        if n.lower() not in ev.words and stem(n.lower()) not in ev.words
    ))
    content = content_words(plain)
    overlap = len(content & ev.words) / len(content) if content else 0.0
    if missing_numbers or missing_names or overlap < similar_from:
        return SupportSignals(False, overlap, 0.0, missing_numbers, missing_names)
    vectors = embed([plain, *ev.sentences])
    similarity = float(np.max(vectors[1:] @ vectors[0])) if len(vectors) > 1 else 0.0
    return SupportSignals(False, overlap, similarity, missing_numbers, missing_names)
