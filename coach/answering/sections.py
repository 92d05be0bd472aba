"""Which section of the guidance answers the question (pure apart from the embedding function).

Each knowledge section is headed by the question it answers, and may list other ways staff ask
it ("Also asked:"; see ingest/chunking.py). For every section among the retrieved passages, the
user's question is compared with those questions and with the section's answer-first
paragraph (embedding similarity, shared words, the passage's retrieval rank, the kind of answer
asked for); a logistic model over these features gives the confidence that the paragraph
answers the question. When the most confident section reaches a threshold, its paragraph is
the direct answer (extractive.py); the other sections' questions are offered as related
follow-ups. Weights and threshold are learnt with cross-validation over cases by
``benchmarks/fit_answers.py`` (``section_weights.json``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from coach.answering.ranking import asks_about_report
from coach.answering.shape import question_shape
from coach.text import NUMBER_WORDS, content_words, sentence_spans
from coach.types import Passage

MAX_ANSWER_SENTENCES = 3  # an answer's first sentences compared with the question
_DIGITS = {str(n): w for w, n in NUMBER_WORDS.items()}
SCORE_SPAN = 6.0  # sentence scores (logits) more than this behind the best count as this
ALIKE = 0.6  # the share of content words two questions share when they are the same one

Embed = Callable[[Sequence[str]], np.ndarray]
Idf = Callable[[str], float]

# "what is X and why does it matter", "what's a run chart and how do I read one?": a question
# in two parts, which may take two sections' answers
_TWO_PART = re.compile(
    r"\S\s*(?:,\s*|\?\s*|\s)(?:and|&|also|plus)\s+(?:what|why|how|when|who|where|which|is|are"
    r"|does|do|should|can|could)\b|\?\s*\S.*\?", re.I)


# the features the section model weighs; the chunk's own dense similarity is computed but
# left out: it duplicates rank and answer_sim, and fitted beside them it took a large negative
# weight that sank the section that matched best ("what is a run chart?")
FEATURES = ("qsim", "heading_sim", "gap", "rank", "words_q", "words_a", "answer_sim",
            "list_fit", "definition_fit", "report_fit", "best_sentence", "answer_sentence",
            "overlap_q", "idf_q", "idf_a", "idf_gap", "qrank")
# the sentence scorer's candidates, as (passage index, sentence, score): see extractive.py
Scored = Sequence[tuple[int, str, float]]


@dataclass(frozen=True)
class SectionMatch:
    """One retrieved section and how well it answers the user's question."""

    passage: int  # index of the passage (the chunk holding the section's answer, if retrieved)
    score: float  # the best cosine similarity between the user's question and its questions
    question: str  # the section's own question (its heading)
    answer: str  # its answer-first paragraph, '' when no retrieved chunk holds one
    confidence: float = 0.0  # the learnt probability that its answer answers the question
    feats: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        return self.question.lower()


@dataclass(frozen=True)
class SectionWeights:
    """When a section's answer is taken as the direct answer (fitted; see the module doc)."""

    threshold: float = 0.5  # the best section's confidence must reach this
    second: float = 0.5  # a two-part question's second section must reach this
    support: float = 0.5  # a section this confident counts as on the same question
    same: float = 0.85  # a section question this close to the user's is the same question
    related_floor: float = 0.3  # a related question offered must be at least this close
    suggest_floor: float = 0.45  # a question a refusal offers instead must be this close
    fill: float = 0.0  # a section answer shorter than this takes the best other sentences
    # the leading section's best sentence may trail the best sentence anywhere by at most
    # this (logits): a section whose question looks alike but whose text does not answer
    # ("What is a PDSA cycle?" for "what is a run chart?") does not lead
    behind: float = 50.0
    weights: dict[str, float] = field(default_factory=lambda: {"qsim": 10.0})
    bias: float = -6.0

    def confidence(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) * v for f, v in feats.items())
        return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))))


@lru_cache(maxsize=1)
def load_section_weights() -> SectionWeights:
    try:
        raw = json.loads(resources.files("coach.answering").joinpath("section_weights.json")
                         .read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SectionWeights()
    limits = {k: float(v) for k, v in raw.get("limits", {}).items()
              if k in SectionWeights.__dataclass_fields__}
    return SectionWeights(weights={k: float(v) for k, v in raw["weights"].items()},
                          bias=float(raw["bias"]), **limits)


def _share(words: set[str], text: str) -> float:
    return len(words & content_words(text)) / len(words) if words else 0.0


def _words(text: str) -> set[str]:
    """Content words with numbers as words ("8 steps" and "eight steps" alike)."""
    return {_DIGITS.get(w, w) for w in content_words(text)}


def _overlap(words: set[str], questions: Sequence[str]) -> float:
    """The best Jaccard overlap between the question's words and one of the section's
    questions: extra words in a section's question count against it."""
    return max((len(words & q) / len(words | q) for q in map(_words, questions) if q | words),
               default=0.0)


def _idf_share(words: set[str], found: set[str], idf: Idf | None) -> float:
    """The IDF-weighted share of ``words`` among ``found``: the rare words that tell two
    sections on one topic apart ("options" after a PDSA test, not "PDSA" or "test") weigh
    most. Without an IDF every word weighs the same."""
    weigh = idf or (lambda _w: 1.0)
    total = sum(weigh(w) for w in words)
    return sum(weigh(w) for w in words & found) / total if total else 0.0


def _leads(values: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """How far each section's value leads the best other section's (negative: trails it)."""
    return {key: v - max((o for k, o in values.items() if k != key), default=0.0)
            for key, v in values.items()}


def match_sections(question: str, qvec: np.ndarray, passages: Sequence[Passage], embed: Embed,
                   weights: SectionWeights | None = None, scored: Scored = (),
                   idf: Idf | None = None) -> list[SectionMatch]:
    """Every section among ``passages`` headed by a question, with its features and the
    learnt confidence that its answer-first paragraph answers ``question``; most confident
    first. ``scored``: the sentence scorer's candidates, whose scores say how well each
    section's sentences (and its answer's) answer the question. ``idf``: the lexical index's
    inverse document frequency of a content word."""
    w = weights or load_section_weights()
    firsts: dict[tuple[str, str], int] = {}
    answers: dict[tuple[str, str], str] = {}
    for i, p in enumerate(passages):
        if not p.questions:
            continue
        key = (p.source, p.heading)
        firsts.setdefault(key, i)
        if p.answer and key not in answers:
            answers[key] = p.answer
            firsts[key] = i  # cite the chunk that holds the answer
    if not firsts:
        return []
    keys = list(firsts)
    asked = [(key, q) for key in keys for q in passages[firsts[key]].questions]
    # the answers' sentences under the keys their vectors were stored with at ingest
    said = {key: [k for k, _, _ in sentence_spans(answers[key])][:MAX_ANSWER_SENTENCES]
            for key in keys if key in answers}
    texts = [q for _, q in asked] + [x for key in keys for x in said.get(key, ())]
    sims = embed(texts) @ qvec if texts else np.zeros(0)
    best: dict[tuple[str, str], float] = {}
    heading: dict[tuple[str, str], float] = {}
    for (key, _), sim in zip(asked, sims, strict=False):
        heading.setdefault(key, float(sim))
        best[key] = max(best.get(key, -1.0), float(sim))
    answer_sim: dict[tuple[str, str], float] = {}
    at = len(asked)
    for key in keys:
        n = len(said.get(key, ()))
        answer_sim[key] = float(sims[at:at + n].max()) if n else 0.0
        at += n
    top = max((sc for _, _, sc in scored), default=0.0)
    # is the best sentence anywhere in a section headed by a question? (not in a document
    # written another way: an upload, the report's own summary)
    top_sectioned = float(not scored or bool(
        passages[max(scored, key=lambda x: x[2])[0]].questions))
    section_of = {i: (p.source, p.heading) for i, p in enumerate(passages)}
    best_sentence: dict[tuple[str, str], float] = {}
    answer_sentence: dict[tuple[str, str], float] = {}
    for pi, text, sc in scored:
        key = section_of[pi]
        best_sentence[key] = max(best_sentence.get(key, -1e9), sc)
        if key in answers and text.rstrip(".") in answers[key]:
            answer_sentence[key] = max(answer_sentence.get(key, -1e9), sc)
    floor = top - SCORE_SPAN  # a section with no scored sentence counts as this far behind
    words = content_words(question)
    qwords = _words(question)
    shape = question_shape(question)
    report = asks_about_report(question)
    asked_words = {key: content_words(" ".join(passages[firsts[key]].questions))
                   for key in keys}
    idf_a = {key: _idf_share(words, asked_words[key] | content_words(answers.get(key, "")), idf)
             for key in keys}
    gap, idf_gap = _leads(best), _leads(idf_a)
    # each section's place among the retrieved ones by question similarity alone
    place = {key: n for n, key in enumerate(sorted(keys, key=lambda k: -best[k]))}
    out = []
    for key in keys:
        i = firsts[key]
        p = passages[i]
        answer = answers.get(key, "")
        feats = {
            "qsim": best[key], "heading_sim": heading[key], "gap": gap[key],
            "dense": p.dense_score or 0.0, "rank": 1.0 / (1 + i),
            "words_q": _share(words, " ".join(p.questions)), "words_a": _share(words, answer),
            "answer_sim": answer_sim[key],
            "list_fit": float(shape.kind == "list" and "\n- " in f"\n{answer}"),
            "definition_fit": float(shape.kind == "definition"),
            "report_fit": float(report and p.kind in ("report", "report-digest")),
            "best_sentence": max(best_sentence.get(key, floor), floor) - top,
            "answer_sentence": max(answer_sentence.get(key, floor), floor) - top,
            "overlap_q": _overlap(qwords, p.questions),
            "idf_q": _idf_share(words, asked_words[key], idf),
            "idf_a": idf_a[key], "idf_gap": idf_gap[key],
            "qrank": 1.0 / (1 + place[key]),
            "top_sectioned": top_sectioned,  # read by ``leading``, not by the model
        }
        out.append(SectionMatch(i, best[key], p.questions[0], answer,
                                w.confidence(feats) if answer else 0.0, feats))
    return sorted(out, key=lambda m: (-m.confidence, -m.score))


def _alike(a: str, b: str) -> bool:
    """Two questions in nearly the same words ("What is psychological safety?" and "What is
    meant by psychological safety?")."""
    wa, wb = _words(a), _words(b)
    return bool(wa | wb) and len(wa & wb) / len(wa | wb) >= ALIKE


def two_part(question: str) -> bool:
    return bool(_TWO_PART.search(" ".join(question.split())))


def leading(matches: Sequence[SectionMatch], question: str, w: SectionWeights,
            own: str | None = None) -> list[SectionMatch]:
    """The sections whose answers make the direct answer: the best when it is confident, has
    an answer and its text is not far behind the best sentence anywhere (and that sentence is
    in a section at all: a library mixing question-keyed guidance with documents written
    otherwise, such as uploads, lets sentence selection answer from the latter); and for a
    two-part question a second confident one. ``own``: the words the person typed, when the
    question was condensed from a follow-up."""
    usable = [m for m in matches if m.answer]
    if own and (words := content_words(own)):
        # a follow-up condensed with the previous question's topic: the section must speak
        # to the words the person typed too ("what is a run chart?" after a PDSA question)
        usable = [m for m in usable
                  if words & content_words(" ".join((m.question, m.answer)))]
    if (not usable or usable[0].confidence < w.threshold
            or usable[0].feats.get("best_sentence", 0.0) < -w.behind
            or not usable[0].feats.get("top_sectioned", 1.0)):
        return []  # no section is sure enough, or the best sentence lies outside sections
    chosen = [usable[0]]
    if two_part(question):
        second = next((m for m in usable[1:] if m.confidence >= w.second
                       and m.answer != chosen[0].answer), None)
        if second is not None:
            chosen.append(second)
    return chosen


def related(matches: Sequence[SectionMatch], used: Sequence[SectionMatch | str],
            w: SectionWeights, limit: int = 3, floor: float | None = None) -> list[str]:
    """Up to ``limit`` other questions the guidance answers, closest first: the questions of
    retrieved sections not already used for the reply, at least ``floor`` close (default
    ``w.related_floor``)."""
    taken = [u.question if isinstance(u, SectionMatch) else u for u in used]
    low = w.related_floor if floor is None else floor
    out: list[str] = []
    for m in sorted(matches, key=lambda m: -m.score):
        if (m.score < low or m.score >= w.same or not m.question.endswith("?")
                or any(_alike(m.question, t) for t in taken)):
            continue  # not close enough, or the question already answered in other words
        taken.append(m.question)
        out.append(m.question)
        if len(out) == limit:
            break
    return out
