"""The chat coaches: journey requests and the guided step dialogue, on top of the coaching
state machine and progress store (one source of truth with the Coach tab and `coach journey`).

``Coach.ask`` / ``Coach.stream`` call ``JourneyChat.reply`` first; it returns ``None`` for an
ordinary question (answered as before) or a cited ``Answer`` for a journey request:
overview, where am I / what next, start or resume, help with a step, "we already have X", or
one turn of a guided dialogue (``coach.coaching.dialogue``; handled in ``chat_turns``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from coach import prompts
from coach.answering.question import Asked
from coach.coaching import intents, machine, replies
from coach.coaching.chat_store import DialogueStore
from coach.coaching.journey import Journey, Step, load_journey
from coach.coaching.replies import Cited
from coach.coaching.session import JourneySession, journey_path, progress_store
from coach.db import LOCAL_USER, open_database
from coach.errors import CoachError
from coach.ports import Embedder
from coach.types import Answer, Passage

if TYPE_CHECKING:
    from coach.app import Coach
    from coach.coaching.dialogue import Dialogue

log = logging.getLogger(__name__)

INTENTS_FILE = "intents.yaml"


class IntentRecogniser:
    """Embeds the exemplars of prompts/intents.yaml once, then labels messages."""

    def __init__(self, embedder: Embedder, journey: Journey, threshold: float,
                 margin: float = intents.DEFAULT_MARGIN,
                 exemplars: intents.Exemplars | None = None):
        self.embedder, self.journey = embedder, journey
        self.threshold, self.margin = threshold, margin
        data = prompts.read_yaml(INTENTS_FILE)
        self.exemplars = exemplars or intents.Exemplars.from_data(data)
        self.words = intents.topic_words(journey, data.get("topic_words", []))
        self.commands: dict[str, Sequence[str]] = data.get("commands", {})
        self.action_verbs: list[str] = data.get("action_verbs", [])
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                masked = [intents.mask(t, self.words) for t in self.exemplars.texts]
                self._vectors = np.asarray(self.embedder.encode(masked), dtype=np.float32)
            return self._vectors

    def scores(self, text: str) -> dict[str, float]:
        vec = np.asarray(self.embedder.encode([intents.mask(text, self.words)])[0],
                         dtype=np.float32)
        return intents.label_scores(vec, self.vectors(), self.exemplars.labels)

    def recognise(self, text: str, history: Sequence[tuple[str, str]] = ()) -> intents.Intent:
        scores = self.scores(text)
        label, _ = intents.decide(scores, self.threshold, self.margin)
        previous = None
        if label != intents.ORDINARY and history and intents.is_follow_up(text):
            previous = intents.decide(self.scores(history[-1][0]), self.threshold,
                                      self.margin)[0]
        return intents.recognise(self.journey, text, scores, previous=previous,
                                 threshold=self.threshold, margin=self.margin)


class JourneyChat:
    """Journey-aware replies for one Coach; per-user state lives in COACH_HOME."""

    def __init__(self, coach: Coach):
        self.coach = coach
        self.settings = coach.settings
        self.journey = load_journey(journey_path(self.settings))
        self.recogniser = IntentRecogniser(coach.embedder, self.journey,
                                           self.settings.intent_threshold)
        self.dialogues = DialogueStore(open_database(self.settings))

    @classmethod
    def maybe(cls, coach: Coach) -> JourneyChat | None:
        """A JourneyChat, or None when journey chat is off or the knowledge has no journey."""
        if not coach.settings.chat_journey:
            return None
        if not journey_path(coach.settings).exists():
            return None
        try:
            return cls(coach)
        except CoachError as exc:
            log.warning("journey chat unavailable: %s", exc)
            return None

    def session(self, user: str | None) -> JourneySession:
        return JourneySession(self.journey, progress_store(self.settings),
                              user or LOCAL_USER, self.coach, self.settings.home)

    # -- entry point -------------------------------------------------------------------------
    def reply(self, asked: Asked, user: str | None = None) -> Answer | None:
        """A journey reply, or None when the message is an ordinary question. ``asked`` is
        already redacted and validated (coach/answering/question.py), so nothing personal
        is saved as a note."""
        from coach.coaching import chat_turns, tools

        t0 = time.perf_counter()
        redaction = asked.redaction
        text = asked.text
        history = list(asked.history)
        session = self.session(user)
        dialogue = self.dialogues.load(session.user)
        if dialogue.active and history and history[-1][1] == dialogue.last_text:
            answer = chat_turns.dialogue_turn(self, session, dialogue, text, history)
            if answer is not None:
                return self._finish(answer, t0, redaction.notice())
        intent = self.recogniser.recognise(text, history)
        log.info("chat intent %s (%.2f) steps=%s in_place=%s", intent.label,
                 intent.confidence, intent.steps, intent.in_place)
        if not intent.journey:
            return None
        llm, answer = self.coach.llm, None
        if intent.label != "guide" and llm is not None and tools.supports_tools(llm):
            answer = tools.answer_with_tools(self, llm, text, session.user, history)
        if answer is None or not answer.text.strip():
            answer = chat_turns.journey_turn(self, session, intent)
        return self._finish(answer, t0, redaction.notice())

    def _finish(self, answer: Answer, t0: float, notice: str) -> Answer:
        timings = {**answer.timings_ms, "total": round((time.perf_counter() - t0) * 1000, 2)}
        notice = " ".join(n for n in (notice, answer.notice) if n)
        return Answer(answer.text, answer.citations, answer.passages, answer.refused, timings,
                      answer.query, notice, answer.unsupported)

    # -- retrieval helpers -------------------------------------------------------------------
    def search(self, query: str, *, step: int | None = None,
               kinds: tuple[str, ...] | None = None, k: int = 8) -> list[Passage]:
        if self.coach.retriever.is_empty():
            return []
        return self.coach.retriever.retrieve(query, k=k, step=step, kinds=kinds).passages

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
        if self.coach.retriever.is_empty():
            return None
        answer = self.coach.ask(query, [], step=step.number, journey=False)
        return None if answer.refused else answer

    def new_reply(self) -> Cited:
        return Cited()

    def save(self, session: JourneySession, dialogue: Dialogue, answer: Answer) -> Answer:
        """Remember the reply in the dialogue, so the next message is known to follow it."""
        from coach.coaching import dialogue as dlg

        self.dialogues.save(session.user, dlg.said(dialogue, answer.text))
        return answer

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.coach.embedder.encode(texts), dtype=np.float32)

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
