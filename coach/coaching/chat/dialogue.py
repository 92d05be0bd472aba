"""The guided step dialogue in the chat: explicit states and pure transitions.

"Coach me through step 2" opens a dialogue that asks the step's reflective questions
(journey.yaml) one at a time. The dialogue only holds where the conversation is; every answer
is saved as a step note, and an accepted suggestion as an action, through the coaching state
machine and progress store (coach/coaching/machine.py, store.py) like the Coach tab does.

    IDLE --open--> ASKING(i=0) --answer/skip--> ASKING(i+1) ... --> FINISHED
    ASKING --back--> ASKING(i-1);  ASKING --stop--> PAUSED --open--> ASKING(same i)
    any state with an offer --accept/decline--> same state without the offer
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from coach.errors import BadInputError


class DialogueState(StrEnum):
    IDLE = "idle"
    ASKING = "asking"        # waiting for the answer to question ``index``
    PAUSED = "paused"        # stopped by the lead; ``open`` on the same step resumes
    FINISHED = "finished"    # every question asked (an offer may still wait)


class Move(StrEnum):
    OPEN = "open"
    ANSWER = "answer"
    SKIP = "skip"
    BACK = "back"
    STOP = "stop"
    ACCEPT = "accept"
    DECLINE = "decline"


# (state, move) -> allowed. Where the move lands is settled by the functions below.
ALLOWED: set[tuple[DialogueState, Move]] = {
    *{(s, Move.OPEN) for s in DialogueState},
    *{(DialogueState.ASKING, m) for m in (Move.ANSWER, Move.SKIP, Move.BACK, Move.STOP)},
    (DialogueState.FINISHED, Move.BACK),
    *{(s, m) for s in (DialogueState.ASKING, DialogueState.FINISHED)
      for m in (Move.ACCEPT, Move.DECLINE)},
}


class DialogueError(BadInputError):
    """A move the dialogue does not allow in its current state."""


@dataclass(frozen=True)
class Offer:
    """A suggested action from the cited guidance, waiting for "yes, add it"."""

    what: str
    source: str = ""


@dataclass(frozen=True)
class Dialogue:
    state: DialogueState = DialogueState.IDLE
    step: str = ""            # step id
    index: int = 0            # the question asked (or to ask next)
    total: int = 0            # how many questions the step has
    offer: Offer | None = None
    last_text: str = ""       # the coach's last dialogue reply: a message continues the
                              # dialogue only when it follows that reply

    @property
    def active(self) -> bool:
        return self.state == DialogueState.ASKING or (
            self.state == DialogueState.FINISHED and self.offer is not None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dialogue:
        offer = data.get("offer")
        return cls(DialogueState(data.get("state", "idle")), str(data.get("step", "")),
                   int(data.get("index", 0)), int(data.get("total", 0)),
                   Offer(**offer) if isinstance(offer, dict) else None,
                   str(data.get("last_text", "")))


def _check(dialogue: Dialogue, move: Move) -> None:
    if (dialogue.state, move) not in ALLOWED:
        raise DialogueError(f"Cannot {move.value} now: say 'coach me through step N' to start "
                            "a guided dialogue.")


def _at(dialogue: Dialogue, index: int) -> Dialogue:
    if index >= dialogue.total:
        return replace(dialogue, state=DialogueState.FINISHED, index=dialogue.total)
    return replace(dialogue, state=DialogueState.ASKING, index=max(0, index))


def open_step(dialogue: Dialogue, step: str, total: int) -> Dialogue:
    """Start a step's questions, or resume a paused or unfinished dialogue on the same step."""
    _check(dialogue, Move.OPEN)
    if total < 1:
        raise DialogueError("This step has no reflective questions to work through.")
    if dialogue.step == step and dialogue.state in (DialogueState.PAUSED, DialogueState.ASKING):
        return replace(dialogue, state=DialogueState.ASKING, offer=None)
    return Dialogue(DialogueState.ASKING, step, 0, total)


def answer(dialogue: Dialogue, offer: Offer | None = None) -> Dialogue:
    """The lead answered the current question (the caller saved it as a note)."""
    _check(dialogue, Move.ANSWER)
    return replace(_at(dialogue, dialogue.index + 1), offer=offer)


def skip(dialogue: Dialogue) -> Dialogue:
    _check(dialogue, Move.SKIP)
    return replace(_at(dialogue, dialogue.index + 1), offer=None)


def back(dialogue: Dialogue) -> Dialogue:
    _check(dialogue, Move.BACK)
    return replace(_at(dialogue, dialogue.index - 1), offer=None)


def stop(dialogue: Dialogue) -> Dialogue:
    _check(dialogue, Move.STOP)
    return replace(dialogue, state=DialogueState.PAUSED, offer=None)


def settle_offer(dialogue: Dialogue, accepted: bool) -> Dialogue:
    """The offer was accepted (the caller added the action) or declined: clear it."""
    _check(dialogue, Move.ACCEPT if accepted else Move.DECLINE)
    if dialogue.offer is None:
        raise DialogueError("There is no suggested action waiting to be added.")
    done = dialogue.state == DialogueState.FINISHED
    return replace(dialogue, offer=None, state=DialogueState.IDLE if done else dialogue.state)


def said(dialogue: Dialogue, text: str) -> Dialogue:
    """Remember the coach's reply, so the next message is known to follow it."""
    if dialogue.state == DialogueState.FINISHED and dialogue.offer is None:
        return replace(dialogue, state=DialogueState.IDLE, last_text=text)
    return replace(dialogue, last_text=text)
