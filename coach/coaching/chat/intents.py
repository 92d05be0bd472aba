"""Recognise journey requests in the chat: pure functions over text and vectors.

An utterance is labelled by its nearest exemplars in embedding space (prompts/intents.yaml,
embedded with the coach's own model by the caller); a label other than ``ordinary`` must beat
the confidence threshold and the ``ordinary`` exemplars by a margin, otherwise the message is
answered as an ordinary question. Step numbers, step names and "we already have ..." claims
are read by rules, from the step titles in journey.yaml. Nothing here does I/O.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coach.coaching.journey import Journey
from coach.coaching.where import steps_mentioned

ORDINARY = "ordinary"
JOURNEY_LABELS = ("overview", "next", "start", "step_help", "in_place", "guide")
DEFAULT_MARGIN = 0.03
SHORT = 5  # a message of at most this many words that names a step asks for help with it

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6}
_STEP_NUMBER = re.compile(r"\b(?:step|stpe|setp|stp|steo)\s*(?:no\.?\s*)?"
                          r"([1-9]|one|two|three|four|five|six)\b")
_ORDINAL_STEP = re.compile(r"\b(first|second|third|fourth|fifth|sixth|[1-6](?:st|nd|rd|th))"
                           r"\s+step\b")
_CLAIM = re.compile(r"\b(already|have|has|had|got|done|did|finished|completed|agreed|approved|"
                    r"signed|secured|backs|backing|running|in place|invest\w*|funded)\b|'ve\b")
_NEGATED = re.compile(r"\b(no|not|never|without|yet to|\w+n't)\b")
# typed questions: "whats", "hows", "wheres" and "what's" start questions too
_QUESTION_START = re.compile(r"^(what|where|which|how|why|when|who|whose|is|are|was|were|do|"
                             r"does|did|can|could|should|would|will|have|has|had|shall|may|"
                             r"whats|hows|wheres|whys|whos|whens|what's|how's|where's|who's)\b")
# a question word opening a clause inside a message: "…and why has our board pack got them?"
_ASKS_INSIDE = re.compile(r"\b(?:and|but|so|or)\s+(?:what|why|how|where|when|who|which)\b")
_ANAPHORA = re.compile(r"\b(that|it|this|those|these|the last one|the first one|them)\b")


@dataclass(frozen=True)
class Intent:
    label: str                      # one of JOURNEY_LABELS, or ORDINARY
    confidence: float               # similarity of the nearest exemplar of that label
    steps: tuple[int, ...] = ()     # steps the message names ("step 2", "board support")
    in_place: tuple[int, ...] = ()  # steps the message says are done or already in place
    scores: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def journey(self) -> bool:
        return self.label != ORDINARY


@dataclass(frozen=True)
class Exemplars:
    texts: tuple[str, ...]
    labels: tuple[str, ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Exemplars:
        pairs = [(str(t), str(label)) for label, texts in data["labels"].items() for t in texts]
        unknown = {label for _, label in pairs} - {ORDINARY, *JOURNEY_LABELS}
        if unknown:
            raise ValueError(f"intents: unknown label(s) {', '.join(sorted(unknown))}")
        return cls(tuple(t for t, _ in pairs), tuple(label for _, label in pairs))

    def plus(self, texts: Sequence[str], labels: Sequence[str]) -> Exemplars:
        return Exemplars(self.texts + tuple(texts), self.labels + tuple(labels))


def message_form(text: str) -> str:
    """A chat message as intents are matched: lower case, single spaces, straight quotes."""
    return re.sub(r"\s+", " ", str(text or "").lower().replace("’", "'")).strip()


_MASK_KEEP = {"the", "and", "of", "a", "an", "in", "buy", "wider", "securing", "creating",
              "developing", "assessing", "aligning", "coordinating", "sustaining"}
MASK = "thing"


def topic_words(journey: Journey, extra: Sequence[str] = ()) -> frozenset[str]:
    """Subject-matter words (from the journey's titles, plus ``extra``) that ``mask`` hides.

    Which step a message is about is read by rules; hiding the subject matter makes the
    embedding compare what the message asks for ("walk me through", "what next?") rather
    than its topic, so "who wrote the improvement journey?" is not near "walk me through
    the improvement journey".
    """
    titles = [journey.title, *(s.title for s in journey.steps),
              *(e.title for e in journey.enablers)]
    words = {w for t in titles for w in re.findall(r"[a-z]+", t.lower())}
    words |= {w.lower() for w in extra}
    return frozenset(w for w in words if len(w) > 2 and w not in _MASK_KEEP)


def _topic(word: str, words: frozenset[str]) -> bool:
    """A topic word, or a misspelling of a long one ("improvment")."""
    if word in words:
        return True
    return len(word) >= 7 and bool(difflib.get_close_matches(word, words, n=1, cutoff=0.88))


def mask(text: str, words: frozenset[str]) -> str:
    return re.sub(r"[a-z]+", lambda m: MASK if _topic(m.group(0), words) else m.group(0),
                  message_form(text))


def label_scores(vector: np.ndarray, exemplar_vectors: np.ndarray, labels: Sequence[str]
                 ) -> dict[str, float]:
    """Per label, the cosine similarity of its nearest exemplar (vectors are normalised)."""
    sims = exemplar_vectors @ np.asarray(vector, dtype=np.float32)
    out: dict[str, float] = {}
    for sim, label in zip(sims, labels, strict=True):
        out[label] = max(out.get(label, -1.0), float(sim))
    return out


def decide(scores: dict[str, float], threshold: float,
           margin: float = DEFAULT_MARGIN) -> tuple[str, float]:
    """The winning label, or ORDINARY when no journey label is confident enough."""
    journey = {k: v for k, v in scores.items() if k != ORDINARY}
    if not journey:
        return ORDINARY, scores.get(ORDINARY, 0.0)
    label, best = max(journey.items(), key=lambda kv: kv[1])
    if best < threshold or best < scores.get(ORDINARY, -1.0) + margin:
        return ORDINARY, scores.get(ORDINARY, 0.0)
    return label, best


# -- rules: step references and claims -----------------------------------------------------
def step_numbers(text: str, steps: int = 6) -> list[int]:
    """Step numbers named as "step 2", "step two", "the second step" or "2nd step"."""
    text = message_form(text)
    found = [_NUMBERS.get(m) or int(m) for m in _STEP_NUMBER.findall(text)]
    found += [_ORDINALS[m] for m in _ORDINAL_STEP.findall(text)]
    return [n for n in dict.fromkeys(found) if 1 <= n <= steps]


def steps_named(journey: Journey, text: str) -> list[int]:
    """Steps named by number or by a word unique to their title ("board support" -> 2)."""
    numbers = step_numbers(text, len(journey.steps))
    titled = [s.number for s in steps_mentioned(journey, text)]
    return list(dict.fromkeys(numbers + titled))


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in re.split(r"[.,;:!?]|\bbut\b|\band so\b|\bso\b", message_form(text))
            if c.strip()]


def claims_in_place(journey: Journey, text: str) -> list[int]:
    """Steps the lead says are done or in place ("we have done step 1", "the board has agreed
    to invest"): statements, not questions, with a claim word and no negation."""
    found: list[int] = []
    for clause in _clauses(text):
        if _QUESTION_START.match(clause) or _NEGATED.search(clause) or not _CLAIM.search(clause):
            continue
        found += steps_named(journey, clause)
    return list(dict.fromkeys(found))


def is_follow_up(text: str) -> bool:
    """A short message that leans on the previous turn ("and what comes after that?")."""
    words = message_form(text).split()
    return len(words) <= 8 and bool(_ANAPHORA.search(message_form(text))) and not \
        step_numbers(text)


def recognise(journey: Journey, text: str, scores: dict[str, float], threshold: float, *,
              previous: str | None = None, margin: float = DEFAULT_MARGIN) -> Intent:
    """The intent of one chat message.

    ``scores`` comes from ``label_scores``; ``previous`` is the label of the previous user
    message in the conversation (None at the start). A short follow-up of an ordinary
    question ("and what comes after that?") stays ordinary: it is about that question's topic.
    """
    label, confidence = decide(scores, threshold, margin)
    named, claims = steps_named(journey, text), claims_in_place(journey, text)
    if label == ORDINARY and step_numbers(text) and len(message_form(text).split()) <= SHORT:
        label, confidence = "step_help", scores.get("step_help", 0.0)  # "step 3?"
    elif label == ORDINARY and claims and not _asks(text):
        label, confidence = "in_place", scores.get("in_place", 0.0)  # "the board backs us"
    elif label != ORDINARY and previous == ORDINARY and is_follow_up(text):
        label = ORDINARY  # a follow-up of an ordinary question keeps its topic
    elif label == "in_place" and not claims and ("?" in text or _asks(text)):
        label = ORDINARY  # "how often should we repeat our assessment?" claims nothing, nor
        # does "how much does it cost to run an improvement team" typed without its "?"
    elif label == "step_help" and not named and not _THIS_STEP.search(message_form(text)):
        label = ORDINARY  # help with no step named is an ordinary question
    elif label != ORDINARY and about_others(text):
        label = ORDINARY  # "what prompts a trust to start…?" asks what trusts do, not us
    elif label == "start" and not _STARTING.search(message_form(text)):
        label = ORDINARY  # "tips for getting staff on board with our vision" starts nothing
    if label == ORDINARY:
        return Intent(ORDINARY, scores.get(ORDINARY, 0.0), scores=scores)
    return Intent(label, confidence, tuple(named), tuple(claims), scores)


_THIS_STEP = re.compile(r"\b(this|my|our|current|the) step\b")
# a request to start (or resume) the journey says so: start, begin, get going, kick off,
# resume, carry on, pick up, continue, what to do first, new in the role
_STARTING = re.compile(r"\b(?:start\w*|begin\w*|began|get(?:ting)? going|kick\w* off|resum\w*"
                       r"|carry on|pick up|continu\w*|first|new|just been appointed)\b")
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|me|my|we|we're|we've|us|our|ours|let's)\b")
_OTHERS = re.compile(r"\b(?:(?:a|an|the|most|many|other|some|any|each|every)\s+"
                     r"(?:nhs\s+)?(?:trust|organisation|organization|provider|hospital)s?"
                     r"|trusts|organisations|organizations|providers|the report)\b")


def about_others(text: str) -> bool:
    """The message asks about trusts or organisations in general (or the report), not about
    the person's own journey: no first-person word, and a generic organisation is its subject."""
    norm = message_form(text)
    return bool(_OTHERS.search(norm)) and not _FIRST_PERSON.search(norm)


def _asks(text: str) -> bool:
    """Is every sentence of the message a question?"""
    # chat messages are often typed in lower case: the prose splitter (coach.text) needs a
    # capital to start a sentence, so a message splits at any end mark followed by space
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", message_form(text)) if s]
    return all(s.endswith("?") or _QUESTION_START.match(s) or _ASKS_INSIDE.search(s)
               for s in sentences)


# -- commands inside a guided dialogue -----------------------------------------------------
def command(text: str, commands: dict[str, Sequence[str]]) -> str | None:
    """stop / skip / back / accept / decline, when the whole message is one of them."""
    norm = re.sub(r"[^a-z' ]+", " ", message_form(text)).strip()
    norm = re.sub(r"\s+", " ", norm)
    for name, phrases in commands.items():
        if norm in {re.sub(r"[^a-z' ]+", " ", p.lower()).strip() for p in phrases}:
            return name
    if re.match(r"^(yes|ok|okay|sure|please)?\s*(please\s+)?add (it|that|the action)\b", norm):
        return "accept"
    return None


