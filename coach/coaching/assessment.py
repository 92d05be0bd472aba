"""Readiness self-assessment: validate scores, score them (pure) and cite the recommendations.

Scores are 0-3 per item of ``journey.assessment``. A category's score is the mean of its items;
the overall score is the mean of all items. Bands come from journey.yaml (the first band whose
``up_to`` is at least the score). Weak items score at or below ``low_score``; if none do, the
lowest-scoring items are the weakest. Only ``cite`` touches the knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from coach.coaching.journey import AssessmentItem, Band, Journey
from coach.errors import BadInputError
from coach.types import Citation

if TYPE_CHECKING:
    from coach.pipeline import Coach

MAX_RECOMMENDATIONS = 5
CITATIONS_PER_RECOMMENDATION = 2


class ScoreError(BadInputError):
    """Scores that are missing, out of range, not numbers or for unknown items."""


@dataclass(frozen=True)
class CategoryScore:
    enabler: str
    title: str
    mean: float
    total: int
    items: int
    band: str


@dataclass(frozen=True)
class Recommendation:
    item: str
    statement: str
    score: int
    enabler: str
    step: str
    step_title: str
    step_number: int
    text: str
    documents: tuple[str, ...]
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Result:
    scores: dict[str, int]
    categories: tuple[CategoryScore, ...]
    overall: float
    band: str
    band_description: str
    weakest_categories: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    taken_at: str = ""
    source: str = ""   # where the scores came from when not the lead's own, e.g. a team survey


# -- input ---------------------------------------------------------------------------------
def validate(journey: Journey, scores: Mapping[str, object]) -> dict[str, int]:
    """Every item scored once with a whole number 0-3; names the first problems found."""
    items = [i.id for i in journey.assessment.items]
    problems = [f"unknown item {k!r}" for k in scores if k not in items]
    clean: dict[str, int] = {}
    for item in items:
        if item not in scores or scores[item] is None or scores[item] == "":
            problems.append(f"{item} has no score")
            continue
        value = scores[item]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            number = int(str(value).strip())
        except ValueError:
            problems.append(f"{item}: {value!r} is not a whole number")
            continue
        if not 0 <= number <= 3:
            problems.append(f"{item}: {value!r} is outside 0-3")
            continue
        clean[item] = number
    if problems:
        shown = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)"
                                            if len(problems) > 5 else "")
        raise ScoreError(f"Scores must be whole numbers from 0 to 3 for all {len(items)} items: "
                         f"{shown}.")
    return clean


def parse_list(journey: Journey, text: str) -> dict[str, int]:
    """``"2,1,3,..."``: one score per item, in the order of journey.yaml."""
    items = [i.id for i in journey.assessment.items]
    parts = [p for p in re.split(r"[,\s]+", str(text).strip()) if p]
    if len(parts) != len(items):
        raise ScoreError(f"Give {len(items)} scores (one per item, in order); got {len(parts)}.")
    return validate(journey, dict(zip(items, parts, strict=True)))


# -- scoring -------------------------------------------------------------------------------
def band_for(bands: list[Band], score: float) -> Band:
    return next((b for b in bands if score <= b.up_to + 1e-9), bands[-1])


def _recommendation(journey: Journey, item: AssessmentItem, score: int) -> Recommendation:
    step = journey.step(item.step)
    title = next(e.title for e in journey.enablers if e.id == item.enabler)
    return Recommendation(
        item=item.id, statement=item.statement, score=score, enabler=title, step=step.id,
        step_title=step.title, step_number=step.number, text=item.recommendation,
        documents=tuple(item.documents),
    )


def score(journey: Journey, scores: Mapping[str, object], taken_at: str = "") -> Result:
    clean = validate(journey, scores)
    bands = journey.assessment.bands
    categories = []
    for enabler in journey.enablers:
        values = [clean[i.id] for i in journey.assessment.items if i.enabler == enabler.id]
        mean = round(sum(values) / len(values), 2)
        categories.append(CategoryScore(enabler.id, enabler.title, mean, sum(values),
                                        len(values), band_for(bands, mean).name))
    overall = round(sum(clean.values()) / len(clean), 2)
    band = band_for(bands, overall)
    lowest = min(c.mean for c in categories)
    means = {c.enabler: c.mean for c in categories}
    order = {i.id: n for n, i in enumerate(journey.assessment.items)}
    weak = [i for i in journey.assessment.items if clean[i.id] <= journey.assessment.low_score]
    if not weak and min(clean.values()) < 3:
        weak = [i for i in journey.assessment.items if clean[i.id] == min(clean.values())]
    weak.sort(key=lambda i: (clean[i.id], means[i.enabler], order[i.id]))
    return Result(
        scores=clean, categories=tuple(categories), overall=overall, band=band.name,
        band_description=band.description,
        weakest_categories=tuple(c.title for c in categories if c.mean == lowest),
        recommendations=tuple(_recommendation(journey, i, clean[i.id])
                              for i in weak[:MAX_RECOMMENDATIONS]),
        taken_at=taken_at,
    )


def change(before: Result, after: Result) -> dict[str, float]:
    """Per-category (and ``overall``) difference in mean score, after minus before."""
    prev = {c.title: c.mean for c in before.categories}
    out = {c.title: round(c.mean - prev.get(c.title, 0.0), 2) for c in after.categories}
    out["overall"] = round(after.overall - before.overall, 2)
    return out


# -- citations -----------------------------------------------------------------------------
def cite(coach: Coach, result: Result) -> Result:
    """Attach passages from the knowledge base to each recommendation.

    Retrieval uses the item and its recommendation as the query and prefers passages from the
    documents journey.yaml names for the item; numbering runs across the whole result.
    """
    if coach.is_empty():
        return result
    recs, number = [], 0
    for rec in result.recommendations:
        found = coach.search(f"{rec.statement} {rec.text}", k=12)
        named = [p for p in found if p.source in rec.documents]
        chosen = (named or found)[:CITATIONS_PER_RECOMMENDATION]
        cites = []
        for passage in chosen:
            number += 1
            cites.append(passage.citation(number))
        recs.append(replace(rec, citations=tuple(cites)))
    return replace(result, recommendations=tuple(recs))
