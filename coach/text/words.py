"""Words: stopwords, the light stemmer, content words and plain word sequences."""

from __future__ import annotations

import re
from functools import lru_cache

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
_WORD = re.compile(r"[a-z0-9]+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SUFFIXES = (("ational", 5), ("ations", 4), ("ation", 4), ("ments", 4), ("ment", 4),
             ("ness", 4), ("ings", 4), ("ing", 4), ("ies", 3), ("ied", 3),
             ("ers", 4), ("ed", 4), ("es", 4), ("er", 4), ("s", 3))


@lru_cache(maxsize=1 << 16)  # a few thousand words, met 200,000 times in 126 answers
def stem(word: str) -> str:
    """A deliberately light suffix stripper: assessing/assessment/assess -> assess."""
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            if suffix in ("ies", "ied"):
                return word[: -len(suffix)] + "y"
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens with stopwords removed and light stemming."""
    return list(_tokens(text))


def content_words(text: str) -> set[str]:
    """The stemmed words of ``text`` that carry meaning (no stopwords, no single letters)."""
    return set(_content_words(text))


# An answer reads the same retrieved passages and sentences many times over (ranking, the
# gate, the sentence scorer, the citation check): 12,000 texts for 126 questions, a quarter of
# the pipeline's CPU before these caches. Callers get their own copies.
@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    out = []
    for raw in _TOKEN.findall(text.lower()):
        word = raw.split("'")[0]
        if word and word not in STOPWORDS:
            out.append(stem(word))
    return tuple(out)


@lru_cache(maxsize=4096)
def _content_words(text: str) -> frozenset[str]:
    return frozenset(t for t in _tokens(text) if len(t) > 1)


def words(text: str) -> list[str]:
    """Every lower-cased run of letters and digits, in order (nothing dropped or stemmed)."""
    return _WORD.findall(text.lower())


def normalise(text: str) -> str:
    """Lower case, with every run of other characters one space: for matching quotes."""
    return _NOT_WORD.sub(" ", text.lower()).strip()
