"""One chat turn of journey coaching: which machine function runs and what the reply says.

``journey_turn`` answers a recognised journey request; ``dialogue_turn`` handles a message
that follows a guided-dialogue question. Their fixed sentences are prompts/journey-replies.yaml
(``replies.say``). Changes to the journey go through ``JourneySession``
(the state machine and progress store the Coach tab uses); the dialogue's own position goes
through ``coach.coaching.chat.dialogue``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from coach.answering.cited import Cited
from coach.coaching import machine
from coach.coaching.chat import dialogue as dlg
from coach.coaching.chat import intents, replies
from coach.coaching.chat.replies import say
from coach.coaching.journey import Step
from coach.coaching.session import JourneySession
from coach.db import LOCAL_USER
from coach.types import Answer

if TYPE_CHECKING:
    from coach.coaching.chat.context import ChatContext

DUE_DAYS = 28  # an accepted suggestion is due four weeks ahead unless the lead says otherwise
DEFAULT_OWNER = "Improvement lead"
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_OWNER = re.compile(r"\b(?:for|owner:?|owned by)\s+([^,.;]+?)(?=\s+by\b|\s+due\b|[,.;]|$)")


# -- journey requests ----------------------------------------------------------------------
def journey_turn(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    handler = {"overview": _overview, "next": _next, "start": _start, "in_place": _start,
               "step_help": _step_help, "guide": _guide}[intent.label]
    return handler(chat, session, intent)


def _overview(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    out = chat.new_reply()
    guides = {s.id: chat.guide_passage(s) for s in chat.journey.steps}
    replies.overview(out, chat.journey, session.progress(), guides, chat.report_passage())
    return out.answer("journey:overview")


def _claims(chat: ChatContext, session: JourneySession, intent: intents.Intent
            ) -> tuple[machine.Progress, str]:
    """Record what the lead says is done or in place; the sentence reflecting it back."""
    if not intent.in_place:
        return session.progress(), ""
    progress = session.apply(machine.mark_in_place, list(intent.in_place))
    said = replies.done_list(chat.journey, intent.in_place)
    return progress, say("in-hand-one" if len(intent.in_place) == 1 else "in-hand-many",
                         steps=said)


def _next(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    progress, reflected = _claims(chat, session, intent)
    current = progress.current and not progress.step(progress.current).completed
    if intent.in_place or current:  # the step the lead is on, until it is done
        step = session.current_step(progress)
    else:
        step = machine.suggested_step(chat.journey, progress)
    out = chat.new_reply()
    out.add(reflected or replies.progress_summary(chat.journey, progress), "",
            say("next-step", number=step.number, title=step.title), "")
    replies.step_card(out, chat.journey, progress, step, chat.guide_passage(step),
                      chat.first_actions(step))
    if progress.stage == machine.Stage.NEW or machine.gaps_before(chat.journey, progress,
                                                                   step.id):
        out.add("", replies.where_question(chat.journey, progress, step))
    return out.answer("journey:next")


def _start(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    progress, reflected = _claims(chat, session, intent)
    out = chat.new_reply()
    if reflected:
        step = session.current_step(progress)
        out.add(reflected, "", say("takes-you-on", number=step.number, title=step.title), "")
    elif progress.stage == machine.Stage.NEW:
        step = machine.suggested_step(chat.journey, progress)
        out.add(say("welcome", number=step.number, title=step.title), "")
    else:
        progress = session.apply(machine.start)
        step = session.current_step(progress)
        out.add(say("welcome-back", summary=replies.progress_summary(chat.journey, progress)),
                "")
    replies.step_card(out, chat.journey, progress, step, chat.guide_passage(step),
                      chat.first_actions(step))
    if reflected or progress.stage == machine.Stage.NEW or intent.label == "in_place":
        out.add("", replies.where_question(chat.journey, progress, step))
    return out.answer(f"journey:{intent.label}")


def _step_help(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    progress, reflected = _claims(chat, session, intent)
    step = chat.step_for(session, intent)
    out = chat.new_reply()
    if reflected:
        out.add(reflected, "")
    replies.step_card(out, chat.journey, progress, step, chat.guide_passage(step),
                      chat.first_actions(step))
    explained = chat.guidance(f"What is {step.title.lower()} for, and how does a team do it "
                              "well?", step)
    if explained is not None:
        out.add("")
        out.fold(explained)
    return out.answer("journey:step_help")


def _guide(chat: ChatContext, session: JourneySession, intent: intents.Intent) -> Answer:
    step = chat.step_for(session, intent)
    session.work(machine.goto, step.id)
    before = chat.dialogues.load(session.user)
    resumed = before.step == step.id and before.state == dlg.DialogueState.PAUSED
    dialogue = dlg.open_step(before, step.id, len(step.questions))
    out = chat.new_reply()
    opening = say("guide-resume" if resumed else "guide-open", number=step.number,
                  title=step.title, cite=out.cite(chat.guide_passage(step)))
    out.add(opening.replace(" ()", ""), say("guide-how", questions=len(step.questions)),
            "", replies.question_line(step, dialogue.index))
    return chat.save(session, dialogue, out.answer("journey:guide"))


# -- the guided dialogue -------------------------------------------------------------------
def dialogue_turn(chat: ChatContext, session: JourneySession, dialogue: dlg.Dialogue, text: str,
                  history: Sequence[tuple[str, str]]) -> Answer | None:
    """One message inside a guided dialogue; None hands it back to ordinary handling."""
    step = chat.journey.step(dialogue.step)
    move = intents.command(text, chat.recogniser.commands)
    if move == "accept" and dialogue.offer is not None:
        return _accept(chat, session, dialogue, step, text)
    if move is not None:
        return _steer(chat, session, dialogue, step, move)
    if text.rstrip().endswith("?") or dialogue.state != dlg.DialogueState.ASKING:
        return _aside(chat, session, dialogue, step, text, history)
    return _answered(chat, session, dialogue, step, text)


def _ask_or_finish(out: Cited, step: Step, dialogue: dlg.Dialogue) -> None:
    if dialogue.state == dlg.DialogueState.ASKING:
        out.add("", replies.question_line(step, dialogue.index))
    elif dialogue.offer is None:
        out.add("", say("last-question", number=step.number))


def _answered(chat: ChatContext, session: JourneySession, dialogue: dlg.Dialogue, step: Step,
              text: str) -> Answer:
    question = step.questions[dialogue.index]
    note = f"{question} — {text}"
    session.work(machine.add_note, note if len(note) <= machine.MAX_TEXT else text,
                 step=step.id)
    out = chat.new_reply()
    out.add(say("noted", number=step.number, answer=replies.describe(text)))
    guidance = chat.guidance(f"{question} {text}", step)
    offer = None
    if guidance is not None:
        out.add("", say("guidance-offers"), "")
        out.fold(guidance)
    taken = {a.what for a in session.progress().step(step.id).actions}
    found = chat.suggest([*(guidance.passages if guidance else ()),
                          *(p for _, p in chat.first_actions(step))], f"{question} {text}", taken)
    if found is not None:
        what, passage = found
        offer = dlg.Offer(what, passage.source)
        out.add("", say("suggested-action", action=what, cite=out.cite(passage)))
    dialogue = dlg.answer(dialogue, offer)
    _ask_or_finish(out, step, dialogue)
    return chat.save(session, dialogue, out.answer("journey:dialogue-answer"))


def _accept(chat: ChatContext, session: JourneySession, dialogue: dlg.Dialogue, step: Step,
            text: str) -> Answer:
    offer = dialogue.offer
    assert offer is not None
    due_match, owner_match = _DATE.search(text), _OWNER.search(text.lower())
    due = due_match.group(1) if due_match else (dt.date.today() + dt.timedelta(days=DUE_DAYS)
                                                ).isoformat()
    owner = text[owner_match.start(1):owner_match.end(1)].strip() if owner_match else \
        (session.user if session.user != LOCAL_USER else DEFAULT_OWNER)
    session.work(machine.add_action, offer.what, owner, due, step=step.id)
    dialogue = dlg.settle_offer(dialogue, accepted=True)
    out = chat.new_reply()
    out.add(say("action-added", number=step.number, action=offer.what, owner=owner, due=due))
    _ask_or_finish(out, step, dialogue)
    return chat.save(session, dialogue, out.answer("journey:dialogue-accept"))


def _steer(chat: ChatContext, session: JourneySession, dialogue: dlg.Dialogue, step: Step,
           move: str) -> Answer:
    out = chat.new_reply()
    if move == "decline" and dialogue.offer is not None:
        dialogue = dlg.settle_offer(dialogue, accepted=False)
        out.add(say("declined"))
    elif move == "stop" and dialogue.state == dlg.DialogueState.ASKING:
        dialogue = dlg.stop(dialogue)
        out.add(say("stopped", number=step.number, question_number=dialogue.index + 1))
        return chat.save(session, dialogue, out.answer("journey:dialogue-stop"))
    elif move == "skip" and dialogue.state == dlg.DialogueState.ASKING:
        dialogue = dlg.skip(dialogue)
        out.add(say("skipped"))
    elif move == "back" and dialogue.state in (dlg.DialogueState.ASKING,
                                               dlg.DialogueState.FINISHED):
        dialogue = dlg.back(dialogue)
        out.add(say("went-back"))
    elif move in ("accept", "decline"):
        out.add(say("no-offer"))
    else:
        out.add(say("not-here", move=move))
    _ask_or_finish(out, step, dialogue)
    return chat.save(session, dialogue, out.answer(f"journey:dialogue-{move}"))


def _aside(chat: ChatContext, session: JourneySession, dialogue: dlg.Dialogue, step: Step,
           text: str, history: Sequence[tuple[str, str]]) -> Answer | None:
    """A question in the middle of the dialogue: answer it, then repeat the open question.
    A journey request (or anything after the last question) leaves the dialogue."""
    if dialogue.state != dlg.DialogueState.ASKING:
        return None
    if chat.recogniser.recognise(text, history).journey:
        return None
    answer = chat.coach.ask(text, [], journey=False)
    out = chat.new_reply()
    out.fold(answer)
    out.add("", say("back-to-step", question=replies.question_line(step, dialogue.index)))
    reply = out.answer("journey:dialogue-aside")
    if answer.refused:
        reply = Answer(reply.text, reply.citations, reply.passages, False, reply.timings_ms,
                       reply.query, reply.notice)
    return chat.save(session, dialogue, reply)
