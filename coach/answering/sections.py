"""Which section of the guidance answers the question (pure apart from the embedding function).

Each knowledge section is headed by the question it answers, and may list other ways staff ask
it ("Also asked:"; see ingest/chunking.py). The user's question is compared with those
questions for every section among the retrieved passages; when one matches confidently, the
section's answer-first paragraph is the direct answer (extractive.py), and the other sections'
questions are offered as related follow-ups. The confidence threshold is learnt with
cross-validation by ``benchmarks/fit_sections.py`` (``section_weights.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from coach.types import Passage

Embed = Callable[[Sequence[str]], np.ndarray]

# "what is X and why does it matter", "what's a run chart and how do I read one?": a question
# in two parts, which may take two sections' answers
_TWO_PART = re.compile(
    r"\S\s*(?:,\s*|\?\s*|\s)(?:and|&|also|plus)\s+(?:what|why|how|when|who|where|which|is|are"
    r"|does|do|should|can|could)\b|\?\s*\S.*\?", re.I)


@dataclass(frozen=True)
class SectionMatch:
    """One retrieved section and how closely its questions match the user's."""

    passage: int  # index of the passage (the first of the section's among those retrieved)
    score: float  # the best cosine similarity between the user's question and its questions
    question: str  # the section's own question (its heading)
    answer: str  # its answer-first paragraph, '' when no retrieved chunk holds one

    @property
    def key(self) -> str:
        return self.question.lower()


@dataclass(frozen=True)
class SectionWeights:
    """When a section's answer is taken as the direct answer (fitted; see the module doc)."""

    threshold: float = 0.62  # the best match must reach this
    second: float = 0.62  # a two-part question's second section must reach this
    support: float = 0.5  # another section's material counts as on the same question
    related_floor: float = 0.3  # a related question offered must be at least this close
    suggest_floor: float = 0.45  # a question a refusal offers instead must be this close


@lru_cache(maxsize=1)
def load_section_weights() -> SectionWeights:
    try:
        raw = json.loads(resources.files("coach.answering").joinpath("section_weights.json")
                         .read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SectionWeights()
    fields = SectionWeights.__dataclass_fields__
    return SectionWeights(**{k: float(v) for k, v in raw.get("weights", {}).items()
                             if k in fields})


def match_sections(qvec: np.ndarray, passages: Sequence[Passage], embed: Embed
                   ) -> list[SectionMatch]:
    """Every section among ``passages`` that is headed by a question, best match first."""
    firsts: dict[tuple[str, str], int] = {}
    answers: dict[tuple[str, str], str] = {}
    for i, p in enumerate(passages):
        if not p.questions:
            continue
        key = (p.source, p.heading)
        firsts.setdefault(key, i)
        if p.answer and key not in answers:
            answers[key] = p.answer
            firsts[key] = i  # cite the chunk that holds the answer
    if not firsts:
        return []
    asked = [(key, q) for key in firsts for q in passages[firsts[key]].questions]
    sims = embed([q for _, q in asked]) @ qvec
    best: dict[tuple[str, str], float] = {}
    for (key, _), sim in zip(asked, sims, strict=True):
        best[key] = max(best.get(key, -1.0), float(sim))
    out = [SectionMatch(firsts[k], best[k], passages[firsts[k]].questions[0],
                        answers.get(k, "")) for k in firsts]
    return sorted(out, key=lambda m: -m.score)


def two_part(question: str) -> bool:
    return bool(_TWO_PART.search(" ".join(question.split())))


def leading(matches: Sequence[SectionMatch], question: str, w: SectionWeights
            ) -> list[SectionMatch]:
    """The sections whose answers make the direct answer: the best when it is confident and
    has an answer, and for a two-part question a second confident one."""
    usable = [m for m in matches if m.answer]
    if not usable or usable[0].score < w.threshold or usable[0] is not matches[0]:
        return []
    chosen = [usable[0]]
    if two_part(question):
        second = next((m for m in usable[1:] if m.score >= w.second
                       and m.answer != chosen[0].answer), None)
        if second is not None:
            chosen.append(second)
    return chosen


def related(matches: Sequence[SectionMatch], used: Sequence[SectionMatch | str],
            w: SectionWeights, limit: int = 3, floor: float | None = None) -> list[str]:
    """Up to ``limit`` other questions the guidance answers, closest first: the questions of
    retrieved sections not already used for the reply, at least ``floor`` close (default
    ``w.related_floor``)."""
    taken = {u.key if isinstance(u, SectionMatch) else u.lower() for u in used}
    low = w.related_floor if floor is None else floor
    out: list[str] = []
    for m in matches:
        if m.key in taken or m.score < low or not m.question.endswith("?"):
            continue
        taken.add(m.key)
        out.append(m.question)
        if len(out) == limit:
            break
    return out
