"""Text of the chat's journey replies, cited like every answer: pure functions.

The journey's own words (step titles, purposes, questions) are labelled as coaching guidance;
the step names come from the report. Retrieved passages are cited ``[n]`` and numbered in order
of use, and an ordinary cited answer folded into a reply has its markers renumbered to match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.answering.citations import sources_from_citations
from coach.coaching import machine
from coach.coaching.journey import Journey, Step
from coach.coaching.machine import Progress
from coach.text import MARKER, first_sentence, list_items
from coach.types import Answer, Passage

GUIDANCE_KINDS = ("coach-guide", "method")


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


# -- actions in the guidance ---------------------------------------------------------------
def actions_in(passages: Sequence[Passage], verbs: Sequence[str]
               ) -> list[tuple[str, Passage]]:
    """List items of coaching guidance that start with an imperative verb, in passage order."""
    verbs_set = {v.lower() for v in verbs}
    found: list[tuple[tuple[int, int, int], str, Passage]] = []
    sections: dict[tuple[str, str], int] = {}
    for pi, p in enumerate(passages):
        if p.kind not in GUIDANCE_KINDS:
            continue
        # a numbered list split across chunks of one section is read in its own order
        section = sections.setdefault((p.source, p.heading), pi)
        for ii, item in enumerate(list_items(p.text)):
            first = re.match(r"[A-Za-z]+", item)
            if first and first.group(0).lower() in verbs_set and 4 <= len(item.split()) <= 45:
                number = re.search(rf"^\s*(\d+)[.)]\s+{re.escape(item[:20])}", p.text, re.M)
                found.append(((section, int(number.group(1)) if number else 0, pi * 1000 + ii),
                              item.rstrip(), p))
    return [(item, p) for _, item, p in sorted(found, key=lambda f: f[0])]


# -- pieces of replies ---------------------------------------------------------------------
def step_card(out: Cited, journey: Journey, progress: Progress, step: Step,
              guide: Passage | None, actions: Sequence[tuple[str, Passage]]) -> None:
    """The step, its purpose, its first actions (cited) and the offer to open it."""
    state = machine.status(progress, step.id)
    out.add(f"**Step {step.number} of {len(journey.steps)}: {step.title}** ({state}; "
            f"coaching guidance from Improvement Coach's journey, step guide "
            f"{out.cite(guide)}".rstrip() + ")", "", step.purpose, "")
    if actions:
        out.add("First actions (coaching guidance):")
        out.add(*[f"- {what} {out.cite(p)}" for what, p in actions[:3]])
    else:
        out.add("What done looks like (the step's checklist, coaching guidance):")
        out.add(*[f"- {c.text}" for c in step.checklist[:3]])
    out.add("", f"Open it in the Coach tab (Step {step.number}), or say “coach me through "
            f"step {step.number}” and I will ask its reflective questions here, one at a time.")


def overview(out: Cited, journey: Journey, progress: Progress,
             guides: dict[str, Passage | None], report: Passage | None) -> None:
    names = out.cite(report)
    out.add(f"**The {len(journey.steps)} steps of {journey.title.lower()}** (step names from "
            f"{journey.source} {names}".rstrip() + "; one-line summaries are Improvement "
            "Coach coaching guidance):", "")
    for s in journey.steps:
        status = machine.status(progress, s.id)
        mark = "" if status == machine.NOT_STARTED else f" *({status})*"
        out.add(f"{s.number}. **{s.title}**{mark} — {first_sentence(s.purpose)} "
                f"{out.cite(guides.get(s.id))}".rstrip())
    here = machine.suggested_step(journey, progress)
    out.add("", f"Your next step is Step {here.number}: {here.title}. Say “what next?” for its "
            f"first actions, “coach me through step {here.number}” to work through its "
            "questions here, or open the Coach tab.")


def done_list(journey: Journey, numbers: Sequence[int]) -> str:
    steps = [machine.find_step(journey, n) for n in numbers]
    return ", ".join(f"Step {s.number} ({s.title})" for s in steps)


def where_question(journey: Journey, progress: Progress, step: Step) -> str:
    """Ask the lead where they are, naming earlier steps not yet recorded."""
    gaps = machine.gaps_before(journey, progress, step.id)
    ask = "**Where are you now?**"
    if gaps:
        ask += (" Not yet recorded: " + ", ".join(f"Step {g.number} ({g.title})" for g in gaps)
                + ". Has that been done, or is it still to do?")
    return ask + (" Tell me what is already in place (for example “we have done step 1”), and "
                  "I will take it into account.")


def question_line(step: Step, index: int) -> str:
    return f"**Question {index + 1} of {len(step.questions)}** ({step.title}): " \
           f"{step.questions[index]}"


def progress_summary(journey: Journey, progress: Progress) -> str:
    done = [s for s in journey.steps if progress.step(s.id).completed]
    text = (f"Recorded as done or in place: {done_list(journey, [s.number for s in done])}."
            if done else "No step is recorded as done yet.")
    if progress.current and progress.stage != machine.Stage.NEW:
        here = machine.find_step(journey, progress.current)
        text += f" You are on Step {here.number}: {here.title}."
    return text


def describe(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()
