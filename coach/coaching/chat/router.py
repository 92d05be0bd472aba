"""The chat coaches' router: journey requests and the guided step dialogue, on top of the
coaching state machine and progress store (one source of truth with the Coach tab and
`coach journey`).

``app.build_coach`` hands a ``JourneyChat`` to the pipeline as a ``ports.JourneyRouter``;
``Coach.stream`` offers it every message that the workbench's chat (coach/workbench/chat.py),
asked first, does not take. ``reply`` returns ``None`` for an ordinary question (answered by
the pipeline) or a cited ``Answer`` for a journey request: overview,
where am I / what next, start or resume, help with a step, "we already have X", or one turn
of a guided dialogue (``dialogue``; handled in ``turns``). An ordinary question costs one
look-up of its intent, on the vector the pipeline embedded with the retrieval query: no
session is opened and no dialogue row is read unless the message can be a journey turn.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from coach.coaching.chat import tools, turns
from coach.coaching.chat.context import ChatContext
from coach.coaching.session import JourneySessions, journey_path
from coach.errors import CoachError
from coach.ports import Vectors
from coach.types import Answer, Asked

if TYPE_CHECKING:
    from coach.pipeline import Coach

log = logging.getLogger(__name__)


class JourneyChat(ChatContext):
    """Journey-aware replies for one Coach; per-user state lives in the app's database."""

    @classmethod
    def maybe(cls, coach: Coach, sessions: JourneySessions) -> JourneyChat | None:
        """A JourneyChat, or None when journey chat is off or the knowledge has no journey."""
        if not coach.settings.chat_journey:
            return None
        if not journey_path(coach.settings).exists():
            return None
        try:
            return cls(coach, sessions)
        except CoachError as exc:
            log.warning("journey chat unavailable: %s", exc)
            return None

    # -- the ports.JourneyRouter entry points --------------------------------------------------
    def intent_text(self, text: str, user: str | None = None) -> str:
        return self.recogniser.form(text)

    def reply(self, asked: Asked, user: str | None = None,
              vector: Vectors | None = None) -> Answer | None:
        """A journey reply, or None when the message is an ordinary question. ``asked`` is
        already redacted and validated (coach/answering/question.py), so nothing personal
        is saved as a note; ``vector`` embeds ``intent_text(asked.text)`` (computed here when
        not given)."""
        t0 = time.perf_counter()
        redaction = asked.redaction
        text = asked.text
        history = list(asked.history)
        if history:  # a dialogue turn answers the coach's last reply, so needs a history
            session = self.session(user)
            dialogue = self.dialogues.load(session.user)
            if dialogue.active and history[-1][1] == dialogue.last_text:
                answer = turns.dialogue_turn(self, session, dialogue, text, history)
                if answer is not None:
                    return self._finish(answer, t0, redaction.notice())
        intent = self.recogniser.recognise(text, history, vector)
        log.info("chat intent %s (%.2f) steps=%s in_place=%s", intent.label,
                 intent.confidence, intent.steps, intent.in_place)
        if not intent.journey:
            return None
        session = self.session(user)
        llm, answer = self.coach.chat_model, None
        if intent.label != "guide" and llm is not None and tools.supports_tools(llm):
            answer = tools.answer_with_tools(self, llm, text, session.user, history)
        if answer is None or not answer.text.strip():
            answer = turns.journey_turn(self, session, intent)
        return self._finish(answer, t0, redaction.notice())

    def _finish(self, answer: Answer, t0: float, notice: str) -> Answer:
        timings = {**answer.timings_ms, "total": round((time.perf_counter() - t0) * 1000, 2)}
        notice = " ".join(n for n in (notice, answer.notice) if n)
        return Answer(answer.text, answer.citations, answer.passages, answer.refused, timings,
                      answer.query, notice, answer.unsupported)
