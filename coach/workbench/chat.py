"""The QI workbench in the chat: a ``ports.JourneyRouter`` that ``app.build_coach`` chains
before the journey chat coaches (``routing.RouterChain``).

On the user's own data only (``WorkbenchStore``: another user's projects read like none):

- "how is our falls measure doing?", "read my chart", "is the falls chart showing
  improvement?" → the measure named (or the user's only one; several fit: the coach asks which,
  listing them; no projects: how to create one) → its chart read by the run chart or Making
  Data Count rules, the answer first, each rule that fired cited to the guidance about it
  (``chat_replies.reading``);
- "log a PDSA: testing a falls huddle at handover, we predict fewer night falls" → the cycle
  parsed (title, plan, prediction) and shown with "say yes to save it to PROJECT"; the next
  message "yes" saves it, "no" does not.

The pending cycle is kept in the exchange itself, not in a table or in memory: a "yes" saves
only when the previous reply (``history[-1][1]``) is the confirmation that the previous
message (``history[-1][0]``) gets now, so it survives a restart and any replica can take it,
and a second "yes" saves nothing more. Recognition (``chat_intents``) costs an ordinary
question one query for the names of the user's measures: only a message that can be a request
(a "log a PDSA:" message, "my chart", "our data", or one naming a measure of the user's) is
embedded and compared with the exemplars. Anything else returns None: an ordinary question.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from coach.db import LOCAL_USER, open_database, utc_now
from coach.errors import BadInputError, UnavailableError
from coach.pii import redact
from coach.ports import Vectors
from coach.types import Answer, Asked, Exchange, Passage
from coach.workbench import chat_intents as wi
from coach.workbench import chat_replies as replies
from coach.workbench.measure_chart import chart_measure
from coach.workbench.projects import PDSA, Measure, Project
from coach.workbench.store import WorkbenchStore

if TYPE_CHECKING:
    from coach.pipeline import Coach

log = logging.getLogger(__name__)
Fit = tuple[Measure, Project]


@dataclass(frozen=True)
class Pending:
    """A cycle waiting for the user's yes: where it goes, and the reply that asked."""

    project: Project
    cycle: PDSA
    asked: Answer


class WorkbenchChat:
    """Chart readings and PDSA logging in the chat, for one Coach."""

    def __init__(self, coach: Coach, store: WorkbenchStore | None = None):
        self.coach = coach
        self._store = store
        self._texts, self._labels = wi.exemplars()
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def store(self) -> WorkbenchStore:
        """The user's projects (the database is opened on the first request that needs it)."""
        with self._lock:
            if self._store is None:
                self._store = WorkbenchStore(open_database(self.coach.settings))
            return self._store

    def vectors(self) -> np.ndarray:
        """The exemplars embedded once, in the form messages are (``chat_intents.form``)."""
        with self._lock:
            if self._vectors is None:
                forms = [wi.form(t) for t in self._texts]
                self._vectors = np.asarray(self.coach.encode(forms), dtype=np.float32)
            return self._vectors

    # -- the ports.JourneyRouter entry points ------------------------------------------------
    def intent_text(self, text: str, user: str | None) -> str | None:
        """The message's form to embed when it can be a request, else None (nothing is
        embedded for it). ``_request`` takes only a "log a PDSA:" message, one that calls a
        chart or data the user's own ("read my chart"), or one naming one of the user's
        measures or its project: anything else needs no vector."""
        if (wi.log_form(text) is not None or wi.own_data(text)
                or wi.pick(text, self._names(user or LOCAL_USER))):
            return wi.form(text)
        return None

    def reply(self, asked: Asked, user: str | None, vector: Vectors | None) -> Answer | None:
        """A workbench reply for ``user``, or None for an ordinary question; ``vector``
        embeds ``intent_text(asked.text, user)`` (None: the message is no request, but may
        still answer the coach's last question)."""
        t0 = time.perf_counter()
        user = user or LOCAL_USER
        answer = self._follow_up(asked.text, asked.history, user)
        if answer is None and vector is not None:
            answer = self._request(asked.text, user, vector)
        if answer is None:
            return None
        log.info("workbench chat: %s", answer.query)
        timings = {"total": round((time.perf_counter() - t0) * 1000, 2)}
        notice = asked.redaction.notice()
        return Answer(answer.text, answer.citations, answer.passages, False, timings,
                      answer.query, notice)

    # -- what the message asks -------------------------------------------------------------
    def _follow_up(self, text: str, history: Sequence[Exchange], user: str) -> Answer | None:
        """A reply to the coach's last question: yes or no to a cycle, or a measure named
        after "which measure do you mean?"."""
        if not history:
            return None
        before, replied = history[-1]
        command = wi.command(text)
        if command is not None and (logged := wi.log_form(before)) is not None:
            pending = self._pending(user, *logged)
            if isinstance(pending, Pending) and _same(pending.asked.text, replied):
                return self._save(user, pending) if command == "confirm" else replies.plain(
                    "workbench:pdsa-declined",
                    replies.phrase("pdsa-declined", project=pending.project.title))
        if replies.asks_which(replied):
            fits = self._fits(user)
            picked = wi.pick(text, [(m.plan.name, p.title) for m, p in fits])
            if len(picked) == 1:
                return self._read(user, *fits[picked[0]])
        return None

    def _request(self, text: str, user: str, vector: Vectors) -> Answer | None:
        scores = wi.label_scores(vector, self.vectors(), self._labels)
        request = wi.recognise(text, scores)
        if request.label == wi.LOG and request.log is not None:
            pending = self._pending(user, *request.log)
            return pending.asked if isinstance(pending, Pending) else pending
        if request.label != wi.READING:
            return None
        fits = self._fits(user)
        picked = wi.pick(text, [(m.plan.name, p.title) for m, p in fits])
        if not picked and not request.own:
            return None  # about a chart, but none of the user's: a question for the guidance
        if not picked and len(fits) == 1 and wi.names_something(text):
            return replies.which_measure(fits)  # "our falls measure" when theirs is another
        return self._reading(user, [fits[i] for i in picked] or fits)

    # -- reading a chart ---------------------------------------------------------------------
    def _names(self, user: str) -> list[tuple[str, str]]:
        """(measure name, project title) of the user's measures; none while the database
        cannot be read (an ordinary question is still answered from the guidance)."""
        try:
            return self.store().measure_names(user)
        except UnavailableError as exc:
            log.warning("workbench chat: the user's measures cannot be read: %s", exc)
            return []

    def _fits(self, user: str) -> list[Fit]:
        """The user's measures with their projects, most recently changed project first."""
        store = self.store()
        return [(m, p) for p in store.projects(user) for m in store.measures(user, p.id)]

    def _reading(self, user: str, fits: Sequence[Fit]) -> Answer:
        if not fits and self.store().projects(user):
            return replies.plain("workbench:no-measures", replies.phrase("no-measures"))
        if not fits:
            return replies.plain("workbench:no-projects", replies.phrase("no-projects"))
        if len(fits) > 1:
            return replies.which_measure(fits)
        return self._read(user, *fits[0])

    def _read(self, user: str, measure: Measure, project: Project) -> Answer:
        try:
            drawn = chart_measure(self.store(), user, measure.id)
        except BadInputError as exc:
            return replies.cannot_chart(measure, project, str(exc))
        return replies.reading(drawn, measure, project, self._search)

    def _search(self, query: str) -> list[Passage]:
        return self.coach.search(query, k=4)

    # -- logging a PDSA cycle ------------------------------------------------------------------
    def _pending(self, user: str, target: str, body: str) -> Pending | Answer:
        """The cycle a "log a PDSA: …" message asks to save, with the reply that asks the user
        to confirm it; or the reply that says why it cannot be saved yet."""
        if not body:
            return replies.plain("workbench:pdsa-empty", replies.phrase("pdsa-empty"))
        projects = self.store().projects(user)
        if not projects:
            return replies.plain("workbench:pdsa-no-projects", replies.phrase("pdsa-no-projects"))
        cycle = wi.parse_cycle(target, body)
        picked = wi.named(f"{target} {body}", [p.title for p in projects])
        chosen = [projects[i] for i in picked] if picked else projects
        if len(chosen) > 1:
            return replies.which_project(chosen)
        pdsa = PDSA(title=cycle.title, plan=cycle.plan, prediction=cycle.prediction)
        try:
            pdsa = pdsa.checked()
        except BadInputError as exc:
            return replies.plain("workbench:pdsa-not-saved",
                                 replies.phrase("pdsa-not-saved", problem=str(exc)))
        asked = replies.confirm_cycle(chosen[0], pdsa.title, pdsa.plan, pdsa.prediction)
        return Pending(chosen[0], pdsa, asked)

    def _save(self, user: str, pending: Pending) -> Answer:
        today = utc_now().date()
        try:
            cycle = self.store().add_cycle(user, pending.project.id,
                                           replace(pending.cycle, planned=today))
        except BadInputError as exc:
            return replies.plain("workbench:pdsa-not-saved",
                                 replies.phrase("pdsa-not-saved", problem=str(exc)))
        return replies.plain("workbench:pdsa-saved", replies.phrase(
            "pdsa-saved", title=cycle.pdsa.title, project=pending.project.title,
            date=today.isoformat()))


def _same(ours: str, replied: str) -> bool:
    """Is the previous reply (as the history holds it: redacted) the one we would give now?"""
    return replied.strip() in (ours.strip(), redact(ours).text.strip())
