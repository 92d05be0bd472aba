"""What every journey reply is built from: the journey, the user's session and dialogue, and
the guidance (searched and answered through the pipeline's public methods). ``turns`` and
``tools`` take a ``ChatContext``; ``router.JourneyChat`` is one, and decides which runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from coach.answering.cited import Cited
from coach.coaching import machine
from coach.coaching.chat import dialogue as dlg
from coach.coaching.chat import replies
from coach.coaching.chat.recogniser import IntentRecogniser
from coach.coaching.chat.store import DialogueStore
from coach.coaching.journey import Journey, Step
from coach.coaching.session import JourneySession, JourneySessions
from coach.config import Settings
from coach.db import LOCAL_USER, open_database
from coach.types import Answer, Passage

if TYPE_CHECKING:
    from coach.coaching.chat import intents
    from coach.pipeline import Coach


class ChatContext:
    """The journey, the sessions and the guidance one chat coach works with."""

    def __init__(self, coach: Coach, sessions: JourneySessions):
        self.coach = coach
        self.settings: Settings = coach.settings
        self.sessions = sessions
        self.journey: Journey = sessions.journey()
        self.recogniser = IntentRecogniser(coach, self.journey, self.settings.intent_threshold)
        self.dialogues = DialogueStore(open_database(self.settings))

    def session(self, user: str | None) -> JourneySession:
        return self.sessions.open(user or LOCAL_USER, self.coach)

    # -- retrieval helpers -------------------------------------------------------------------
    def search(self, query: str, *, step: int | None = None,
               kinds: tuple[str, ...] | None = None, k: int = 8) -> list[Passage]:
        return self.coach.search(query, k=k, step=step, kinds=kinds)

    def guide_passage(self, step: Step) -> Passage | None:
        found = self.search(f"{step.title}: what it is for", step=step.number, k=5)
        named = [p for p in found if p.source == step.guide]
        return (named or found)[0] if found else None

    def first_actions(self, step: Step) -> list[tuple[str, Passage]]:
        found = self.search(f"Practical actions for {step.title.lower()}", step=step.number,
                            kinds=replies.GUIDANCE_KINDS, k=14)  # a long list spans chunks
        found.sort(key=lambda p: p.source != step.guide)  # the step's own guide first
        return replies.actions_in(found, self.recogniser.action_verbs)

    def report_passage(self) -> Passage | None:
        names = " ".join(s.title for s in self.journey.steps)
        found = self.search(f"the six steps of the improvement journey: {names}",
                            kinds=("report", "report-digest"), k=5)
        return found[0] if found else None

    def guidance(self, query: str, step: Step) -> Answer | None:
        """An ordinary cited answer focused on the step (None when the guidance has none)."""
        if self.coach.is_empty():
            return None
        answer = self.coach.ask(query, [], step=step.number, journey=False)
        return None if answer.refused else answer

    def new_reply(self) -> Cited:
        return Cited()

    def save(self, session: JourneySession, dialogue: dlg.Dialogue, answer: Answer) -> Answer:
        """Remember the reply in the dialogue, so the next message is known to follow it."""
        self.dialogues.save(session.user, dlg.said(dialogue, answer.text))
        return answer

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.coach.encode(texts), dtype=np.float32)

    def suggest(self, passages: Sequence[Passage], context: str, taken: set[str]
                ) -> tuple[str, Passage] | None:
        """The concrete action in the cited guidance closest to what the lead said."""
        found = [(w, p) for w, p in replies.actions_in(passages, self.recogniser.action_verbs)
                 if w not in taken]
        if not found:
            return None
        vecs = self.vectors([context] + [w for w, _ in found])
        best = int(np.argmax(vecs[1:] @ vecs[0]))
        return found[best]

    def step_for(self, session: JourneySession, intent: intents.Intent) -> Step:
        if intent.steps:
            return machine.find_step(self.journey, intent.steps[0])
        return session.current_step()
