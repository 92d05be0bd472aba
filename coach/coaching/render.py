"""Text for people: assessment results, a step, the journey overview and cited answers.

Plain Markdown that reads well in a terminal and renders in the web UI. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.coaching import machine
from coach.coaching.assessment import Result, change
from coach.coaching.journey import Journey, Step
from coach.types import Answer, Citation

BAR = 12


def _bar(mean: float) -> str:
    full = round(mean / 3 * BAR)
    return "█" * full + "░" * (BAR - full)


def citation_where(c: Citation) -> str:
    """Section, heading (when it differs) and page of a citation: "Step 2, Board, p. 14"."""
    place = dict.fromkeys(x for x in (c.section, c.heading) if x)
    return ", ".join([*place, *([f"p. {c.page}"] if c.page else [])])


def citation_lines(citations: Sequence[Citation]) -> list[str]:
    out = []
    for c in citations:
        where = citation_where(c)
        out.append(f"  [{c.number}] {c.title}" + (f", {where}" if where else "")
                   + f" ({c.source})")
    return out


def render_result(result: Result, first: Result | None = None) -> str:
    delta = change(first, result) if first is not None else {}
    lines = [f"Readiness: overall {result.overall:.2f} of 3, {result.band}"
             + (f" (from {result.source})." if result.source else "."),
             result.band_description, ""]
    width = max(len(c.title) for c in result.categories)
    for c in result.categories:
        since = f"  ({delta[c.title]:+.2f} since {first.taken_at[:10]})" if delta and first \
            else ""
        lines.append(f"  {c.title:<{width}}  {_bar(c.mean)}  {c.mean:.2f}  {c.band}{since}")
    lines += ["", "Weakest area: " + ", ".join(result.weakest_categories) + "."]
    if result.recommendations:
        lines += ["", "Recommendations (coaching guidance):"]
    for n, rec in enumerate(result.recommendations, 1):
        marks = "".join(f"[{c.number}]" for c in rec.citations)
        lines += [f"{n}. {rec.statement} (scored {rec.score}; step {rec.step_number}: "
                  f"{rec.step_title})", f"   {rec.text} {marks}".rstrip()]
    cites = [c for r in result.recommendations for c in r.citations]
    if cites:
        lines += ["", "Sources:"] + citation_lines(cites)
    return "\n".join(lines)


def render_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"] + citation_lines(answer.citations)
    return "\n".join(lines)


def render_step(journey: Journey, progress: machine.Progress, step: Step,
                explanation: Answer | None = None, *, brief: bool = False) -> str:
    sp = progress.step(step.id)
    lines = [f"Step {step.number} of {len(journey.steps)}: {step.title} "
             f"({machine.status(progress, step.id)})"]
    if not brief:
        lines += ["", step.labelled_purpose]
        if explanation is not None and not explanation.refused:
            lines += ["", "What the guidance says:", render_answer(explanation)]
    lines += ["", "Checklist:"]
    lines += [f"  {n}. [{'x' if c.id in sp.ticked else ' '}] {c.text}"
              for n, c in enumerate(step.checklist, 1)]
    if not brief:
        lines += ["", "Questions to reflect on:"] + [f"  - {q}" for q in step.questions]
        lines += ["", "Signs the step is done:"] + [f"  - {e}" for e in step.evidence]
    if sp.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in sp.notes]
    if sp.actions:
        lines += ["", "Actions:"] + [f"  - {a.what} (owner {a.owner}, due {a.due.isoformat()})"
                                     for a in sp.actions]
    return "\n".join(lines)


def render_progress(journey: Journey, progress: machine.Progress) -> str:
    lines = [f"Journey: {journey.title} (stage: {progress.stage.value})"]
    for s in journey.steps:
        sp = progress.step(s.id)
        here = "→" if s.id == progress.current else " "
        counts = f"{len(sp.ticked)}/{len(s.checklist)} ticked"
        extra = "".join(f", {n} {w}" for n, w in ((len(sp.notes), "note(s)"),
                                                    (len(sp.actions), "action(s)")) if n)
        lines.append(f" {here} {s.number}. {s.title}: {machine.status(progress, s.id)} "
                     f"({counts}{extra})")
    return "\n".join(lines)


def markdown(text: str) -> str:
    """Terminal text as web Markdown: keep line breaks, escape list-looking numbers."""
    return re.sub(r"\n", "  \n", text)

