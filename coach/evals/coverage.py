"""Which sections of the knowledge the cases of Q&A suites cover (used by `coach eval propose`,
coach/evals/propose.py).

Sections are read with the project's own loaders and chunker (coach/ingest/), so a section's
heading question, its "Also asked:" lines, its answer-first paragraph and its passages are
exactly what the index sees. A case **covers** a section of its evidence's document when that
evidence would mark one of the section's passages relevant, by the rule the retrieval metrics
use (``metrics.contains_quote``: the quote, ignoring case, punctuation and spacing, or 80% of
its words in order).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.evals.cases import Case
from coach.evals.metrics import contains_quote
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load
from coach.ingest.pipeline import scan, source_id

log = logging.getLogger(__name__)

Key = tuple[str, str, int | None]


@dataclass(frozen=True)
class Section:
    """One section of a guidance document as the chunker cuts it: its passages' texts, its
    "Also asked" questions and its answer-first paragraph ('' when it has none)."""

    source: str
    heading: str
    page: int | None
    title: str
    asked: tuple[str, ...]
    answer: str
    texts: tuple[str, ...]

    @property
    def key(self) -> Key:
        return (self.source, self.heading, self.page)

    @property
    def label(self) -> str:
        """Where the section is: "methods/driver-diagrams.md > What is a driver diagram?"."""
        where = self.heading or (f"page {self.page}" if self.page is not None else "")
        return f"{self.source} > {where}" if where else self.source

    @property
    def question(self) -> str:
        """The question the section answers: its heading when that is a question; otherwise
        a question about the heading; '' for a page or a document without headings."""
        last = self.heading.rsplit(" > ", 1)[-1].strip()
        if not last or last.endswith("?"):
            return last
        return f"What does {self.title} say about {last}?"


def read_sections(folder: Path, *, size: int, overlap: int) -> list[Section]:
    """The sections of every document under ``folder``, in document order (a file that cannot
    be read is logged and left out)."""
    files, _, _ = scan([Path(folder)])
    out: list[Section] = []
    for path in files:
        try:
            doc = load(path)
        except CoachError as exc:
            log.warning("coverage: %s left out: %s", path, exc)
            continue
        doc = replace(doc, source=source_id(path, Path(folder)))
        grouped: dict[Key, list[Any]] = defaultdict(list)
        for chunk in chunk_document(doc, size, overlap):
            grouped[(chunk.source, chunk.heading, chunk.page)].append(chunk)
        for (source, heading, page), chunks in grouped.items():
            out.append(Section(source, heading, page, chunks[0].title, chunks[0].asked,
                               next((c.answer for c in chunks if c.answer), ""),
                               tuple(c.text for c in chunks)))
    return out


@dataclass(frozen=True)
class Coverage:
    """Every section, and the ids of the cases covering each (none: uncovered)."""

    sections: tuple[Section, ...]
    cases: dict[Key, tuple[str, ...]]

    def uncovered(self) -> list[Section]:
        return [s for s in self.sections if not self.cases.get(s.key)]

    def per_document(self) -> list[tuple[str, int, int]]:
        """(source, sections covered, sections) per document, in document order."""
        counts: dict[str, list[int]] = {}
        for s in self.sections:
            c = counts.setdefault(s.source, [0, 0])
            c[0] += bool(self.cases.get(s.key))
            c[1] += 1
        return [(source, c[0], c[1]) for source, c in counts.items()]


def section_coverage(sections: Sequence[Section], cases: Iterable[Case]) -> Coverage:
    """Which cases cover which sections: a case covers a section of its evidence's document
    when one of the section's passages holds the evidence quote."""
    by_source: dict[str, list[Section]] = defaultdict(list)
    for s in sections:
        by_source[s.source].append(s)
    found: dict[Key, list[str]] = defaultdict(list)
    for case in cases:
        for evidence in case.expect.evidence:
            for s in by_source.get(evidence.doc, ()):
                if case.id not in found[s.key] and any(
                        contains_quote(text, evidence.quote) for text in s.texts):
                    found[s.key].append(case.id)
    return Coverage(tuple(sections), {k: tuple(v) for k, v in found.items() if v})


def render_coverage(cov: Coverage) -> str:
    """Covered / total sections per document, then every uncovered section."""
    rows = cov.per_document()
    covered = sum(c for _, c, _ in rows)
    lines = [f"{covered}/{len(cov.sections)} sections have a case"]
    width = max((len(source) for source, _, _ in rows), default=0)
    lines += [f"  {source:<{width}}  {c}/{n}" for source, c, n in rows]
    missing = cov.uncovered()
    lines.append(f"sections without a case ({len(missing)}):" if missing else
                 "every section has a case")
    lines += [f"  {s.label}" for s in missing]
    return "\n".join(lines)
