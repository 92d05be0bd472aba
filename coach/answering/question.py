"""The first stages of every question (pure): personal data out, then validated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.answering.condense import Exchange
from coach.errors import BadInputError
from coach.pii import Redaction, redact


@dataclass(frozen=True)
class Asked:
    """A question as the rest of the pipeline sees it: redacted, validated, with its history
    (redacted too)."""

    text: str
    history: tuple[Exchange, ...]
    redaction: Redaction


def validate(question: str, limit: int) -> str:
    """The question with its whitespace collapsed, or a BadInputError saying what to fix."""
    if not isinstance(question, str) or not question.strip():
        raise BadInputError("Please type a question: the message was empty.")
    question = " ".join(question.split())
    if len(question) > limit:
        raise BadInputError(
            f"The question is {len(question)} characters long; the limit is {limit}. "
            "Shorten it to the part you want answered."
        )
    return question


def ask(question: str, history: Sequence[Exchange] | None, limit: int) -> Asked:
    """Redact personal data from the question and its history, then validate the question
    (whitespace is collapsed first, so a number split over two lines is still found)."""
    plain = " ".join(question.split()) if isinstance(question, str) else ""
    redaction = redact(plain)
    text = validate(redaction.text, limit)
    past = tuple((redact(q).text, redact(a).text) for q, a in history or ())
    return Asked(text, past, redaction)
