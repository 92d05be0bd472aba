"""A reply built line by line that cites retrieved passages like every answer: markers [n]
numbered 1, 2, 3... in order of use, and an ordinary cited answer folded in with its markers
renumbered. The chat coaches' journey replies and the workbench's chart readings are built
with it."""

from __future__ import annotations

import re

from coach.answering.citations import sources_from_citations
from coach.text import MARKER
from coach.types import Answer, Passage


def spaced(marker: str) -> str:
    """A citation marker with a space before it, or '' for none (the ``{cited}`` placeholder)."""
    return f" {marker}" if marker else ""


class Cited:
    """Lines of a reply and the passages they cite, numbered 1, 2, 3... in order of use."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.passages: list[Passage] = []

    def cite(self, passage: Passage | None) -> str:
        if passage is None:
            return ""
        for n, p in enumerate(self.passages, 1):
            if p.id == passage.id:
                return f"[{n}]"
        self.passages.append(passage)
        return f"[{len(self.passages)}]"

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def fold(self, answer: Answer) -> None:
        """Add an ordinary cited answer, its markers renumbered into this reply's numbering."""
        sources = sources_from_citations(answer.citations, answer.passages)

        def renumber(match: re.Match[str]) -> str:
            index = sources.get(int(match.group(1)))
            return self.cite(answer.passages[index]) if index is not None else ""

        self.lines.append(MARKER.sub(renumber, answer.text))

    def answer(self, query: str, timings: dict[str, float] | None = None,
               notice: str = "") -> Answer:
        text = "\n".join(self.lines).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
        return Answer(text=text, citations=tuple(p.citation(n) for n, p in
                                                 enumerate(self.passages, 1)),
                      passages=tuple(self.passages), refused=False,
                      timings_ms=dict(timings or {}), query=query, notice=notice)
