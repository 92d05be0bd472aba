"""The first stages of every question (pure): personal data out, then validated."""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.errors import BadInputError
from coach.pii import redact
from coach.types import Asked, Exchange

# control characters other than whitespace (which split() handles): NUL, escape, C1 codes
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters, and with each lone surrogate (a JSON request can
    carry one; UTF-8 cannot, so the embedder, a log or the database would fail on it) made
    U+FFFD. A surrogate pair is joined into its character."""
    text = _CONTROL.sub("", text)
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def validate(question: str, limit: int) -> str:
    """The question with control characters dropped and its whitespace collapsed, or a
    BadInputError saying what to fix."""
    question = " ".join(printable(question).split()) if isinstance(question, str) else ""
    if not question:
        raise BadInputError("Please type a question: the message was empty.")
    if len(question) > limit:
        raise BadInputError(
            f"The question is {len(question)} characters long; the limit is {limit}. "
            "Shorten it to the part you want answered."
        )
    return question


def ask(question: str, history: Sequence[Exchange] | None, limit: int) -> Asked:
    """Redact personal data from the question and its history, then validate the question
    (whitespace is collapsed first, so a number split over two lines is still found)."""
    plain = " ".join(printable(question).split()) if isinstance(question, str) else ""
    redaction = redact(plain)
    text = validate(redaction.text, limit)
    past = tuple((redact(printable(q)).text, redact(printable(a)).text) for q, a in history or ())
    return Asked(text, past, redaction)
