"""Frozen value types passed between the pipeline stages, and ``ChatTurn``: one finished
question and answer as the web app shows it and the conversation and feedback stores keep it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, NotRequired, TypedDict

from coach.pii import Redaction

# told how far a long job has got: (fraction done, 0 to 1; what it is doing)
ProgressCallback = Callable[[float, str], None]
# one turn of a conversation: (the user's question, the coach's reply)
Exchange = tuple[str, str]
# told how far an eval run has got: (cases done, cases in all, id of the case just run)
CaseCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SourceDoc:
    """A loaded document: text plus provenance, before chunking.

    ``pages`` holds (page number, text) pairs for paginated formats (PDF); ``text`` is then
    the pages joined. ``encoding`` is how a text file was decoded when it was not UTF-8.
    """

    source: str
    text: str
    meta: dict[str, Any]
    pages: tuple[tuple[int, str], ...] = ()
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Asked:
    """A question as the rest of the pipeline sees it: redacted, validated, with its history
    (redacted too). Built by ``answering.question.ask``."""

    text: str
    history: tuple[Exchange, ...]
    redaction: Redaction


def section_questions(heading: str, asked: tuple[str, ...]) -> tuple[str, ...]:
    """A section's own question (its heading, when that is a question), then the other ways
    staff ask it."""
    own = heading.split(" > ")[-1].strip()
    return ((own,) if own.endswith("?") else ()) + asked


@dataclass(frozen=True)
class Located:
    """A piece of guidance text and where it comes from (what a chunk and a retrieved
    passage share)."""

    id: str
    text: str
    source: str
    title: str
    heading: str
    page: int | None
    step: int | None
    kind: str


@dataclass(frozen=True)
class Chunk(Located):
    meta: dict[str, Any] = field(default_factory=dict)
    # other ways staff ask the section's question (its "Also asked:" block; never quoted)
    asked: tuple[str, ...] = ()
    # the section's answer-first paragraph, when this chunk holds it (see chunking.py)
    answer: str = ""

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions this chunk's section answers (see Passage.questions)."""
        return section_questions(self.heading, self.asked)

    @property
    def channel_questions(self) -> tuple[str, ...]:
        """What retrieval's question channel matches a question against: the section's own
        questions, or for a section not headed by a question (an upload, a page of a PDF) its
        heading, else its document's title, so such documents take part in the channel too."""
        if self.questions:
            return self.questions
        own = self.heading.split(" > ")[-1].strip()
        return tuple(dict.fromkeys(x for x in (own, self.title.strip()) if x))[:1]

    def embedding_text(self) -> str:
        """What gets embedded: the passage with its title, heading path and the other ways
        its question is asked as context."""
        head = " > ".join(p for p in (self.title, self.heading) if p)
        head = "\n".join(p for p in (head, "; ".join(self.asked)) if p)
        return f"{head}\n{self.text}" if head else self.text


@dataclass(frozen=True)
class Passage(Located):
    """A retrieved chunk with its scores."""

    publisher: str
    year: int | None
    url: str | None
    section: str
    score: float
    dense_score: float | None = None
    # the document's caveat on what it covers (front matter ``coverage:``), shown beside a
    # citation of it; never quoted as content
    coverage: str = ""
    asked: tuple[str, ...] = ()  # see Chunk
    answer: str = ""  # see Chunk

    @property
    def questions(self) -> tuple[str, ...]:
        """The questions this passage's section answers: its heading when that is a
        question, then its "Also asked:" lines."""
        return section_questions(self.heading, self.asked)

    def citation(self, number: int) -> Citation:
        """This passage as citation ``number`` (the one place a Citation is built)."""
        return Citation(
            number=number, source=self.source, title=self.title,
            section=self.section or self.heading, page=self.page, text=self.text,
            score=round(self.score, 4), kind=self.kind, publisher=self.publisher,
            year=self.year, url=self.url, heading=self.heading, coverage=self.coverage,
        )


@dataclass(frozen=True)
class Citation:
    number: int
    source: str
    title: str
    section: str
    page: int | None
    text: str
    score: float
    kind: str = ""
    publisher: str = ""
    year: int | None = None
    url: str | None = None
    heading: str = ""
    coverage: str = ""  # the cited document's caveat on what it covers (see Passage)


# why an answer was refused (``Answer.refusal``): the gate's two reasons (answering/gate.py),
# or a draft dropped because it did not answer the question (answering/answered.py)
CLINICAL, OUT_OF_SCOPE, MISSED_POINT = "clinical", "out-of-scope", "missed-the-point"
# the off-topic check's two (answering/scope.py): not about improvement at all, or asks what a
# named document the library does not hold says
OFF_TOPIC, NOT_HELD = "off-topic", "not-held"


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    refused: bool
    timings_ms: dict[str, float]
    query: str = ""
    notice: str = ""
    # sentences of ``text`` the citation check could not support (the UI marks them)
    unsupported: tuple[str, ...] = ()
    # why it was refused: CLINICAL, OUT_OF_SCOPE or MISSED_POINT ("" when answered)
    refusal: str = ""
    # supporting material on the same question, shown collapsed under the direct answer
    # ("More from the guidance"; cited with the same numbers as ``text``)
    supporting: str = ""
    # other questions the guidance answers, offered as follow-ups (for a refusal: questions
    # it can answer instead)
    related: tuple[str, ...] = ()

    @property
    def full_text(self) -> str:
        """The direct answer and the supporting material together."""
        return "\n\n".join(t for t in (self.text, self.supporting) if t)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "supporting": self.supporting,
            "related": list(self.related),
            "citations": [asdict(c) for c in self.citations],
            "passages": [{**asdict(p), "asked": list(p.asked)} for p in self.passages],
            "refused": self.refused,
            "timings_ms": dict(self.timings_ms),
            "query": self.query,
            "notice": self.notice,
            "unsupported": list(self.unsupported),
            "refusal": self.refusal,
        }


# what a refused turn says where it is shown: the chat (coach/ui/render.py) and an exported
# conversation (coach/conversations/export.py)
NOT_COVERED = "The guidance does not cover this"


class ChatTurn(TypedDict):
    """One finished question and answer as the web UI keeps it (JSON-safe for gr.State) and
    the conversation history and feedback store it. ``citations`` holds each ``Citation`` as
    a dict (``dataclasses.asdict``)."""

    question: str
    text: str
    refused: bool
    notice: str
    unsupported: list[str]
    citations: list[dict[str, Any]]
    supporting: NotRequired[str]  # shown collapsed under the answer (Answer.supporting)
    related: NotRequired[list[str]]  # follow-up questions (Answer.related)
