"""The MCP server's three read-only tools as plain functions of a ``GuidanceTools``: the
``Coach``'s own search and answer, and the journey's steps, shaped as JSON values (the
``TypedDict``s below are the tools' output schemas). Every call is logged in the question log
(coach/insights/store.py) as the caller, with the answerer ``mcp:...``.

``ask`` is ``Coach.ask`` with chat routing off (``journey=False``): the same redaction,
clinical check, refusals and citation check as the web app, and never a journey or workbench
reply (the workbench's chat can log a PDSA cycle, and this server writes nothing).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from typing_extensions import TypedDict  # pydantic reads nested TypedDicts from it on 3.11

from coach.coaching.journey import Journey
from coach.insights.store import Logged, answerer_of, question_log
from coach.pipeline import Coach
from coach.types import Answer, Citation, Passage

log = logging.getLogger(__name__)

MAX_K = 20  # the most passages search_guidance returns


class PassageOut(TypedDict):
    """One passage with its provenance."""

    source: str  # the file it comes from, relative to the knowledge folder
    title: str
    heading: str  # the section's heading path ("Part > Section")
    page: int | None  # for a PDF
    score: float  # relevance, higher is better
    text: str
    publisher: str
    url: str | None


class SearchOut(TypedDict):
    query: str
    passages: list[PassageOut]


class CitationOut(TypedDict):
    number: int  # [number] in the answer's text
    source: str
    title: str
    heading: str
    page: int | None
    score: float
    text: str  # the passage cited
    url: str | None


class AskOut(TypedDict):
    answer: str  # the direct answer, cited as [n]; for a refusal, why and what to do
    supporting: str  # more from the guidance on the same question, cited the same way
    citations: list[CitationOut]
    refused: bool
    refusal_reason: str  # clinical | out-of-scope | off-topic | not-held | missed-the-point | ""
    notice: str  # e.g. personal data removed from the question
    unsupported: list[str]  # sentences the citation check could not support
    related: list[str]  # other questions the guidance answers


class StepOut(TypedDict):
    number: int
    id: str
    title: str
    purpose: str


class JourneyOut(TypedDict):
    title: str
    source: str
    steps: list[StepOut]


def passage_out(p: Passage) -> PassageOut:
    return PassageOut(source=p.source, title=p.title, heading=p.heading, page=p.page,
                      score=round(float(p.score), 4), text=p.text, publisher=p.publisher,
                      url=p.url)


def citation_out(c: Citation) -> CitationOut:
    return CitationOut(number=c.number, source=c.source, title=c.title,
                       heading=c.section or c.heading, page=c.page, score=c.score,
                       text=c.text, url=c.url)


def answer_out(a: Answer) -> AskOut:
    return AskOut(answer=a.text, supporting=a.supporting,
                  citations=[citation_out(c) for c in a.citations], refused=a.refused,
                  refusal_reason=a.refusal if a.refused else "", notice=a.notice,
                  unsupported=list(a.unsupported), related=list(a.related))


def journey_out(journey: Journey) -> JourneyOut:
    return JourneyOut(title=journey.title, source=journey.source, steps=[
        StepOut(number=s.number, id=s.id, title=s.title, purpose=s.labelled_purpose)
        for s in journey.steps])


class GuidanceTools:
    """The tools over one built ``Coach`` and the journey (``journey()`` loads it, once)."""

    def __init__(self, coach: Coach, journey: Callable[[], Journey]):
        self.coach = coach
        self._journey = journey

    def search_guidance(self, query: str, k: int, user: str) -> SearchOut:
        started = time.perf_counter()
        query = self.coach.validate_question(query)
        passages = self.coach.search(query, k=max(1, min(MAX_K, k)))
        self._log(user, query, "mcp:search", started, cited=[p.source for p in passages])
        return SearchOut(query=query, passages=[passage_out(p) for p in passages])

    def ask(self, question: str, user: str) -> AskOut:
        started = time.perf_counter()
        answer = self.coach.ask(question, user=user, journey=False)
        self._log(user, question, "mcp:" + answerer_of(answer, self.coach.settings.llm), started,
                  cited=[c.source for c in answer.citations], refused=answer.refused,
                  reason=answer.refusal)
        return answer_out(answer)

    def journey_steps(self, user: str) -> JourneyOut:
        started = time.perf_counter()
        steps = journey_out(self._journey())
        self._log(user, "journey_steps()", "mcp:journey_steps", started)
        return steps

    def _log(self, user: str, question: str, answerer: str, started: float, *,
             cited: Sequence[str] = (), refused: bool = False, reason: str = "") -> None:
        """One row in the question log; a log that cannot be written is reported in the
        server log and never stops the reply."""
        entry = Logged(user=user, question=question, refused=refused, reason=reason,
                       cited=cited, answerer=answerer,
                       latency_ms=round((time.perf_counter() - started) * 1000))
        try:
            question_log(self.coach.settings).record(entry)
        except Exception:  # noqa: BLE001 - the caller still gets the reply
            log.exception("the MCP call could not be logged")
