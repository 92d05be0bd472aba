"""Text of the chat's journey replies, cited like every answer: pure functions.

The fixed sentences are prompts/journey-replies.yaml, filled by ``say`` (here and in
``turns``). The journey's own words (step titles, purposes, questions) are labelled as coaching
guidance; the step names come from the report. Retrieved passages are cited ``[n]`` and
numbered in order of use, and an ordinary cited answer folded into a reply has its markers
renumbered to match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach import prompts
from coach.answering.cited import Cited, spaced
from coach.coaching import machine
from coach.coaching.journey import Journey, Step
from coach.coaching.machine import Progress
from coach.text import first_sentence, list_items
from coach.types import Passage

GUIDANCE_KINDS = ("coach-guide", "method")
REPLIES = "journey-replies.yaml"


def say(key: str, **values: object) -> str:
    """The fixed sentence KEY of prompts/journey-replies.yaml, its placeholders filled."""
    return prompts.fill(REPLIES, key, **values)


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
    out.add(say("step-heading", number=step.number, total=len(journey.steps), title=step.title,
                state=machine.status(progress, step.id), cited=spaced(out.cite(guide))),
            "", step.purpose, "")
    if actions:
        out.add(say("first-actions"))
        out.add(*[f"- {what} {out.cite(p)}" for what, p in actions[:3]])
    else:
        out.add(say("done-looks-like"))
        out.add(*[f"- {c.text}" for c in step.checklist[:3]])
    out.add("", say("open-it", number=step.number))


def overview(out: Cited, journey: Journey, progress: Progress,
             guides: dict[str, Passage | None], report: Passage | None) -> None:
    out.add(say("overview-heading", total=len(journey.steps), journey=journey.title.lower(),
                source=journey.source, cited=spaced(out.cite(report))), "")
    for s in journey.steps:
        status = machine.status(progress, s.id)
        mark = "" if status == machine.NOT_STARTED else f" *({status})*"
        out.add(f"{s.number}. **{s.title}**{mark} — {first_sentence(s.purpose)} "
                f"{out.cite(guides.get(s.id))}".rstrip())
    here = machine.suggested_step(journey, progress)
    out.add("", say("overview-next", number=here.number, title=here.title))


def steps_named(steps: Sequence[Step]) -> str:
    return ", ".join(say("step-named", number=s.number, title=s.title) for s in steps)


def done_list(journey: Journey, numbers: Sequence[int]) -> str:
    return steps_named([machine.find_step(journey, n) for n in numbers])


def where_question(journey: Journey, progress: Progress, step: Step) -> str:
    """Ask the lead where they are, naming earlier steps not yet recorded."""
    gaps = machine.gaps_before(journey, progress, step.id)
    return say("where-gaps", steps=steps_named(gaps)) if gaps else say("where")


def question_line(step: Step, index: int) -> str:
    return say("question", question_number=index + 1, questions=len(step.questions),
               title=step.title, question=step.questions[index])


def progress_summary(journey: Journey, progress: Progress) -> str:
    done = [s for s in journey.steps if progress.step(s.id).completed]
    text = say("progress-done", steps=steps_named(done)) if done else say("progress-none")
    if progress.current and progress.stage != machine.Stage.NEW:
        here = machine.find_step(journey, progress.current)
        text += " " + say("progress-here", number=here.number, title=here.title)
    return text


def describe(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()
