"""Turn a follow-up question into a standalone query (deterministic, no model needed).

A question that leans on the conversation ("and what comes after that?", "which one covers
data?") is short or points back with a pronoun; it is rewritten by carrying the topic of the
previous user turns, so retrieval sees what the person means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coach.text import content_words
from coach.types import Exchange

_BACKREF = re.compile(
    r"""^\s*(?:and|but|also|so|then|what\s+about|how\s+about|and\s+what|which\s+one|why)\b
    | \b(?:it|its|this|that|these|those|they|them|their|one|ones|above|previous|same
          |next|after\s+that|before\s+that|first|last|second|third|other|another|more)\b""",
    re.IGNORECASE | re.VERBOSE,
)

# "what is a run chart?": a short question that names its own subject stands alone
_NAMES_SUBJECT = re.compile(r"^\s*(?:what|who)(?:'s|\s+(?:is|are|was|were))\s+(?:an?|the)\s+\w",
                            re.IGNORECASE)


def refers_back(question: str) -> bool:
    """Does the question point back at the conversation ("it", "that", "and what…")?"""
    return bool(_BACKREF.search(question))


def is_follow_up(question: str) -> bool:
    words = content_words(question)
    if _BACKREF.search(question):
        return len(words) <= 6
    return len(words) <= 1 or (len(words) == 2 and not _NAMES_SUBJECT.match(question))


def condense(question: str, history: Sequence[Exchange] | None) -> str:
    """Return a standalone version of ``question`` given (user, assistant) history pairs."""
    question = question.strip()
    if not history or not is_follow_up(question):
        return question
    previous = [q.strip() for q, _ in history if q and q.strip()]
    if not previous:
        return question
    topic = previous[-1]
    # When the last turn was itself a follow-up, carry the one before it too.
    if len(previous) > 1 and is_follow_up(topic):
        topic = f"{previous[-2]} {topic}"
    return f"{question} (following on from: {topic})"
