"""Citation verification, run on every answer whatever produced it.

A draft answer cites retrieved passages with ``[n]`` markers. Verification:

1. removes markers that point at no retrieved passage;
2. checks each cited sentence against the passages it cites: every number, date and name in
   the sentence must appear in the passage, and the sentence must share enough content words
   with it, or be close to one of its sentences in embedding space (a verbatim quote always
   passes). Markers to passages that do not support the sentence are dropped; a sentence that
   none of its cited passages supports is matched against the other retrieved passages and
   re-cited, or else flagged unsupported (and loses its markers);
3. matches uncited factual sentences to a supporting passage (adding the marker) or flags them;
4. renumbers the surviving markers 1, 2, 3… in order of first use and builds the citations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from coach.answering.support import SupportSignals, support
from coach.text import (
    content_words,
    is_heading,
    list_item,
    marker_numbers,
    markers_before_stop,
    split_marker_lists,
    split_sentences,
    strip_markers,
)
from coach.tuning import (
    CITATION_MIN_OVERLAP,
    CITATION_MIN_OVERLAP_WITH_SIMILARITY,
    CITATION_MIN_SIMILARITY,
)
from coach.types import Citation, Passage

_ABSENCE = re.compile(
    r"\b(?:not|no|nothing|cannot|can't|doesn't|don't)\b[^.]*\b(?:cover|covers|say|says|"
    r"mention|mentions|information|detail|details|answer|know|sure)\b", re.IGNORECASE,
)

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Verification:
    text: str
    citations: tuple[Citation, ...]
    unsupported: tuple[str, ...]
    removed_markers: tuple[int, ...] = ()  # markers that pointed at no retrieved passage
    recited: int = 0  # sentences whose citation was added or moved to a supporting passage


@dataclass
class _Sentence:
    prefix: str  # list bullet kept for output
    body: str  # the sentence without markers
    cited: list[int]  # passage indexes (0-based into ``passages``)
    unsupported: bool = False


def sources_from_citations(citations: Sequence[Citation], passages: Sequence[Passage]
                           ) -> dict[int, int]:
    """Marker number -> passage index, for an answerer that numbered its own citations."""
    where = {(p.source, p.text): i for i, p in enumerate(passages)}
    return {c.number: where[(c.source, c.text)] for c in citations
            if (c.source, c.text) in where}


def is_factual(body: str) -> bool:
    """A sentence that states something checkable (not a lead-in, question or 'not covered')."""
    s = body.strip()
    if s.endswith((":", "?")) or len(content_words(s)) < 3:
        return False
    return not _ABSENCE.search(s)


class CitationChecker:
    """Verifies drafts against the retrieved passages; ``embed`` maps texts to unit vectors."""

    def __init__(self, embed: Embed, *, min_similarity: float = CITATION_MIN_SIMILARITY,
                 min_overlap: float = CITATION_MIN_OVERLAP,
                 min_overlap_with_similarity: float = CITATION_MIN_OVERLAP_WITH_SIMILARITY):
        self.embed = embed
        self.min_similarity = min_similarity
        self.min_overlap = min_overlap
        self.min_overlap_with_similarity = min_overlap_with_similarity

    def support(self, sentence: str, passage: Passage) -> SupportSignals:
        """The signals ``supports`` weighs (similarity only where it can decide: most
        passages an uncited sentence is tried against share too few of its words)."""
        return support(sentence, passage, self.embed,
                       similar_from=self.min_overlap_with_similarity)

    def supports(self, sentence: str, passage: Passage) -> bool:
        s = self.support(sentence, passage)
        if s.verbatim:
            return True
        if s.missing_numbers or s.missing_names:
            return False
        return s.overlap >= self.min_overlap or (
            s.similarity >= self.min_similarity
            and s.overlap >= self.min_overlap_with_similarity
        )

    def best_supporting(self, sentence: str, passages: Sequence[Passage]) -> int | None:
        best, best_score = None, -1.0
        for i, passage in enumerate(passages):
            if self.supports(sentence, passage):
                s = self.support(sentence, passage)
                score = 1.0 if s.verbatim else s.overlap + s.similarity
                if score > best_score:
                    best, best_score = i, score
        return best

    def verify(self, text: str, passages: Sequence[Passage],
               sources: Mapping[int, int] | None = None) -> Verification:
        """Check ``text`` whose ``[n]`` markers refer to ``sources[n]`` (an index into
        ``passages``); by default ``[n]`` is the n-th passage."""
        if sources is None:
            sources = {i + 1: i for i in range(len(passages))}
        lines, removed = self._parse(text, sources)
        recited = 0
        for line in lines:
            if isinstance(line, str):
                continue
            for sent in line:
                recited += self._check(sent, passages)
        return self._render(lines, passages, removed, recited)

    # -- steps -----------------------------------------------------------------------------
    def _parse(self, text: str, sources: Mapping[int, int]
               ) -> tuple[list[str | list[_Sentence]], list[int]]:
        removed: list[int] = []
        lines: list[str | list[_Sentence]] = []
        for raw in split_marker_lists(text).splitlines():
            if not raw.strip() or is_heading(raw):
                lines.append(raw)
                continue
            item = list_item(raw)
            prefix = item.group(0) if item else ""
            sents: list[_Sentence] = []
            for chunk in split_sentences(markers_before_stop(raw[len(prefix):])):
                numbers = marker_numbers(chunk)
                body = " ".join(strip_markers(chunk).split())
                if not body:
                    continue
                removed += [n for n in numbers if n not in sources]
                cited = list(dict.fromkeys(sources[n] for n in numbers if n in sources))
                sents.append(_Sentence(prefix if not sents else "", body, cited))
            lines.append(sents)
        return lines, removed

    def _check(self, sent: _Sentence, passages: Sequence[Passage]) -> int:
        """Keep supporting citations, re-cite or flag; return 1 when the citation changed."""
        if sent.cited:
            keep = [i for i in sent.cited if self.supports(sent.body, passages[i])]
            if keep:
                changed = len(keep) != len(sent.cited)
                sent.cited = keep
                return int(changed)
        elif not is_factual(sent.body):
            return 0
        best = self.best_supporting(sent.body, passages)
        if best is None:
            sent.cited, sent.unsupported = [], True
            return 0
        sent.cited = [best]
        return 1

    def _render(self, lines: list[str | list[_Sentence]], passages: Sequence[Passage],
                removed: list[int], recited: int) -> Verification:
        numbers: dict[int, int] = {}
        out: list[str] = []
        unsupported: list[str] = []
        for line in lines:
            if isinstance(line, str):
                out.append(line)
                continue
            parts = []
            for sent in line:
                marks = "".join(f"[{numbers.setdefault(i, len(numbers) + 1)}]"
                                for i in sent.cited)
                parts.append(sent.prefix + sent.body + (f" {marks}" if marks else ""))
                if sent.unsupported:
                    unsupported.append(sent.body)
            out.append(" ".join(parts))
        citations = tuple(passages[i].citation(n) for i, n in numbers.items())
        return Verification(
            text="\n".join(out).strip(), citations=citations, unsupported=tuple(unsupported),
            removed_markers=tuple(removed), recited=recited,
        )
