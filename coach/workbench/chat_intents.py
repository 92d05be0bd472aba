"""Recognise the workbench's requests in the chat: pure functions over text and vectors.

Two requests, on the user's own data only: reading a chart ("how is our falls measure doing?",
"read my chart") and logging a PDSA cycle ("log a PDSA: testing a falls huddle at handover, we
predict fewer night falls"). A message is labelled by its nearest exemplar of
prompts/workbench-intents.yaml (embedded with the coach's own model by the caller); ``reading``
or ``log`` must reach ``THRESHOLD`` and beat the ``ordinary`` exemplars by ``MARGIN``. Rules
then hold it to the user's data: a reading names one of the user's measures or projects, or
calls the chart or data the user's own ("my chart", "our data"); a log has the "log a PDSA:"
form. Anything else is an ordinary question about the guidance ("what is a run chart?").
Nothing here does I/O apart from reading that file once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from coach import prompts
from coach.ports import Vectors
from coach.text import STOPWORDS, content_words

INTENTS_FILE = "workbench-intents.yaml"
READING, LOG, ORDINARY = "reading", "log", "ordinary"
LABELS = (READING, LOG, ORDINARY)
# checked on evals/intents/workbench.jsonl (evals/intents/workbench_eval.py sweeps both): at
# this margin every threshold from 0.35 to 0.575 labels the most messages right, and 0.5 is the
# journey's (COACH_INTENT_THRESHOLD); the margin is the journey's too (no margin gets one more
# data request right, and takes no guidance question, on these messages: kept, to be safe)
THRESHOLD = 0.5
MARGIN = 0.03
TITLE_WORDS = 12  # a cycle's title: the plan's first words, at most this many


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return prompts.read_yaml(INTENTS_FILE)


def exemplars() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(texts, labels) of the exemplars, in file order."""
    pairs = [(str(t), str(label)) for label, texts in data()["labels"].items() for t in texts]
    unknown = {label for _, label in pairs} - set(LABELS)
    if unknown:
        raise ValueError(f"workbench intents: unknown label(s) {', '.join(sorted(unknown))}")
    return tuple(t for t, _ in pairs), tuple(label for _, label in pairs)


def message_form(text: str) -> str:
    """A chat message as it is embedded and matched: lower case, single spaces, straight
    quotes."""
    return re.sub(r"\s+", " ", str(text or "").lower().replace("’", "'")).strip()


MASK = "thing"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def request_words() -> frozenset[str]:
    """The words ``form`` keeps: stopwords, the exemplars' words other than their subject
    matter, and the request words of prompts/workbench-intents.yaml."""
    said = {w for t in exemplars()[0] for w in _WORD.findall(message_form(t))}
    topics = {str(w) for w in data()["topic_words"]}
    return frozenset((said - topics) | STOPWORDS | {str(w) for w in data()["request_words"]})


def form(text: str) -> str:
    """The message as the exemplars are embedded: every subject-matter word masked, runs of
    masks as one ("hows our pressure ulcer data?" -> "hows our thing data?")."""
    keep = request_words()
    masked = _WORD.sub(lambda m: m.group(0) if m.group(0) in keep else MASK,
                       message_form(text))
    return re.sub(rf"\b{MASK}(?:\s+{MASK}\b)+", MASK, masked)


def label_scores(vector: Vectors, exemplar_vectors: np.ndarray, labels: Sequence[str]
                 ) -> dict[str, float]:
    """Per label, the cosine similarity of its nearest exemplar (vectors are normalised)."""
    sims = exemplar_vectors @ np.asarray(vector, dtype=np.float32)
    out: dict[str, float] = {}
    for sim, label in zip(sims, labels, strict=True):
        out[label] = max(out.get(label, -1.0), float(sim))
    return out


def decide(scores: dict[str, float], threshold: float = THRESHOLD,
           margin: float = MARGIN) -> str:
    """The winning label: ``reading`` or ``log`` when confident enough, else ORDINARY."""
    label, best = max(((k, v) for k, v in scores.items() if k != ORDINARY),
                      key=lambda kv: kv[1], default=(ORDINARY, 0.0))
    if best < threshold or best < scores.get(ORDINARY, -1.0) + margin:
        return ORDINARY
    return label


# -- whose data: names and "my chart" ----------------------------------------------------
def name_words(name: str) -> frozenset[str]:
    """The words that pick a measure or project out by name (stemmed; generic ones dropped)."""
    generic = {w for g in data()["generic_words"] for w in content_words(str(g))}
    return frozenset(w for w in content_words(name) if w not in generic and len(w) > 2
                     and not w.isdigit())


def named(text: str, names: Sequence[str]) -> list[int]:
    """Indices of ``names`` whose name words the message uses most (none when it uses none
    of any): "how is our night falls measure doing?" picks "Night falls" over "Falls"."""
    said = content_words(text)
    hits = [len(name_words(n) & said) for n in names]
    best = max(hits, default=0)
    return [i for i, h in enumerate(hits) if h == best] if best else []


@lru_cache(maxsize=1)
def _own_data() -> re.Pattern[str]:
    words = sorted(data()["own_data_words"], key=len, reverse=True)
    return re.compile(r"\b(?:my|our)\s+(?:[\w'-]+\s+){0,3}?(?:"
                      + "|".join(re.escape(w) for w in words) + r")\b")


def names_something(text: str) -> bool:
    """Does the message name a subject (a word ``form`` masks: "our falls measure"), rather
    than only ask for the chart ("read my chart")?"""
    return bool(re.search(rf"\b{MASK}\b", form(text)))


def own_data(text: str) -> bool:
    """Does the message call a chart, measure or data the user's own ("read my chart")?"""
    return bool(_own_data().search(message_form(text)))


# -- logging a PDSA cycle ------------------------------------------------------------------
_LOG = re.compile(
    r"^(?:please\s+)?(?:(?:can|could|would)\s+you\s+)?(?:log|record|add|save|create|start|new)"
    r"\s+(?:a\s+|an\s+|another\s+|this\s+|my\s+|our\s+)?(?:new\s+)?pdsa(?:\s+cycle)?"
    r"(?:\s+(?:for|on|in|to|under)\s+(?P<target>[^:]{1,160}?))?\s*(?::|\s-+|\s–|\s—)\s*"
    r"(?P<body>.*)$", re.IGNORECASE | re.DOTALL)
_BARE = re.compile(r"^(?:new\s+)?pdsa(?:\s+cycle)?\s*:\s*(?P<body>.*)$",
                   re.IGNORECASE | re.DOTALL)
_QUESTION = re.compile(r"^(?:what|where|which|how|why|when|who|is|are|do|does|did|can|could|"
                       r"should|would|will|whats|what's|hows|how's)\b", re.IGNORECASE)
_LABELLED = re.compile(r"\b(title|plan|prediction|predict)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class LoggedCycle:
    """A PDSA cycle as typed in the chat: its title, plan and prediction, and the words that
    may name its project ("log a PDSA for the falls project: …")."""

    title: str
    plan: str
    prediction: str
    target: str = ""


def log_form(text: str) -> tuple[str, str] | None:
    """(words naming the project, the cycle's text) of a "log a PDSA: …" or "PDSA: …"
    message, or None; the text is "" when nothing follows the colon."""
    clean = re.sub(r"\s+", " ", str(text or "")).strip()
    found = _LOG.match(clean) or _BARE.match(clean)
    if found is None:
        return None
    body = found.group("body").strip()
    if body.endswith("?") and _QUESTION.match(body):  # "PDSA: what does the S stand for?"
        return None
    target = found.groupdict().get("target") or ""
    return target.strip(), body


def parse_cycle(target: str, body: str) -> LoggedCycle:
    """Title, plan and prediction of a logged cycle's text: labelled ("plan: …; prediction:
    …"), or a plan then a prediction introduced by "we predict", "we expect"…"""
    parts = _labelled(body)
    if parts is None:
        plan, prediction = _split_prediction(body)
        parts = {"plan": plan, "prediction": prediction}
    plan = _sentence(parts.get("plan", ""))
    title = _sentence(parts.get("title", "")) or _title(plan)
    return LoggedCycle(title, plan, _sentence(parts.get("prediction", "")), target)


def _labelled(body: str) -> dict[str, str] | None:
    pieces = _LABELLED.split(body)
    if len(pieces) < 3:
        return None
    found = {"plan": pieces[0]} if pieces[0].strip(" ;,.") else {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=True):
        name = "prediction" if key.lower() == "predict" else key.lower()
        found[name] = value
    return found


def _split_prediction(body: str) -> tuple[str, str]:
    lower = body.lower()
    best: tuple[int, int] | None = None
    for marker in data()["prediction_markers"]:
        found = re.search(r"(?:^|[\s,;.(-])" + re.escape(marker.lower())
                          + (r"(?=\W|$)" if marker[-1].isalnum() else ""), lower)
        if found and (best is None or found.start() < best[0]
                      or (found.start() == best[0] and found.end() > best[1])):
            best = (found.start(), found.end())
    if best is None:
        return body, ""
    return body[:best[0]], body[best[1]:]


def _sentence(text: str) -> str:
    """Trimmed of spaces and joining punctuation, first letter capitalised."""
    clean = re.sub(r"\s+", " ", text).strip(" ,;:.-–—")
    return clean[:1].upper() + clean[1:]


def _title(plan: str) -> str:
    """The plan's first clause without "testing"/"we are trying" and an article, at most
    ``TITLE_WORDS`` words: "Testing a falls huddle at handover" -> "Falls huddle at handover"."""
    clause = re.split(r"[,;:.(]", plan, maxsplit=1)[0].strip()
    lower = clause.lower()
    for opener in sorted(data()["title_openers"], key=len, reverse=True):
        if re.match(re.escape(opener) + r"\b", lower):
            clause = clause[len(opener):].strip()
            break
    clause = re.sub(r"^(?:a|an|the|out)\s+", "", clause, flags=re.IGNORECASE)
    return _sentence(" ".join(clause.split()[:TITLE_WORDS])) or _sentence(plan)


# -- replies to the coach's question -----------------------------------------------------
def command(text: str) -> str | None:
    """``confirm`` or ``decline`` when the whole message is one of the commands."""
    norm = re.sub(r"\s+", " ", re.sub(r"[^a-z' ]+", " ", message_form(text))).strip()
    for name, phrases in data()["commands"].items():
        if norm in {re.sub(r"[^a-z' ]+", " ", str(p).lower()).strip() for p in phrases}:
            return str(name)
    return None


# -- the decision --------------------------------------------------------------------------
# "how do I…", "how should we…": asks how to do something, which the guidance answers
_HOW_TO = re.compile(r"^(?:so\s+|and\s+|but\s+)?how\s+(?:do|does|should|can|could|would|"
                     r"shall|might|must|to)\b")
def pick(text: str, measures: Sequence[tuple[str, str]]) -> list[int]:
    """Indices of the (measure name, project title) pairs the message names: by the
    measure's name first, else by its project's title (that project's measures)."""
    return named(text, [m for m, _ in measures]) or named(text, [p for _, p in measures])


@dataclass(frozen=True)
class Request:
    """What a message asks of the workbench: ``reading`` (``own``: it calls the chart or the
    data the user's own), ``log`` with the cycle's text (see ``log_form``), or ``ordinary``."""

    label: str
    own: bool = False
    log: tuple[str, str] | None = None


def recognise(text: str, scores: dict[str, float], *, threshold: float = THRESHOLD,
              margin: float = MARGIN) -> Request:
    """The request of one message; ``scores`` comes from ``label_scores``. Without the
    "log a PDSA:" form the ``log`` exemplars do not count; a how-to question ("how do I read
    an SPC chart?", "how should the board look at our data?") is about the guidance. A
    ``reading`` is the user's only when it names one of their measures (``pick``) or is
    ``own``: the caller, which reads the user's measures, decides (``takes``)."""
    logged = log_form(text)
    if logged is None:
        scores = {k: v for k, v in scores.items() if k != LOG}
    label = decide(scores, threshold, margin)
    if label == LOG:
        return Request(LOG, log=logged)
    if label == READING and not _HOW_TO.match(message_form(text)):
        return Request(READING, own=own_data(text))
    return Request(ORDINARY)


def takes(request: Request, text: str, measures: Sequence[tuple[str, str]]) -> bool:
    """Is the message the workbench's, given the user's (measure name, project title)s?"""
    if request.label == LOG:
        return True
    return request.label == READING and (request.own or bool(pick(text, measures)))
