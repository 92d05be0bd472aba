"""The grounded extractive answerer: no LLM, every sentence taken from a retrieved passage
and cited.

It scores each sentence of the retrieved passages against the question (embedding
similarity, shared content words, and the passage's own relevance), keeps the best few,
drops near-duplicates, puts them back in reading order and groups them by what kind of source
they come from, so the reply reads "The report says…" or "Coaching guidance…" honestly.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from coach import prompts
from coach.answering.ranking import (
    CHEAP_FEATURES,
    Weights,
    asks_about_report,
    cheap_features,
    load_weights,
    passage_context,
)
from coach.answering.sections import SectionMatch, SectionWeights, load_section_weights
from coach.answering.shape import Shape, question_shape
from coach.ports import Embedder
from coach.text import (
    addressed_to_a_model,
    content_words,
    figures,
    sentence_groups,
    sentence_key,
    sentences,
)
from coach.tuning import (
    DIRECT_MAX_CHARS,
    DIRECT_MAX_SENTENCES,
    DUPLICATE_SHARE,
    MIN_PASSAGE_SIMILARITY,
    SECTION_DETAIL,
    SENTENCE_CACHE_SIZE,
    SUPPORT_ANSWER_FLOOR,
    SUPPORT_ANSWERS,
)
from coach.types import Citation, Passage

# Sentences about the document rather than its subject ("This guide explains…", "The
# Improvement Coach primer on Lean is coaching guidance, covering…") are never quoted.
_META_SENTENCE = re.compile(
    r"^(?:this is a digest|coaching guidance:?$|see also|sources?:"
    r"|this (?:primer|document|guide|note|digest|section|chapter|leaflet|booklet|briefing)\b"
    r"|the improvement coach (?:primer|guide|note)\b)", re.I
)


@dataclass(frozen=True)
class Candidate:
    text: str
    passage: int  # index into the passages list
    position: int  # sentence position within the passage
    lexical: float
    score: float = 0.0
    items: tuple[str, ...] = ()  # the list this sentence introduces, quoted with it
    feats: dict[str, float] = field(default_factory=dict)  # see ranking.FEATURES

    @property
    def chars(self) -> int:
        return len(self.text) + sum(len(i) for i in self.items)


class SentenceCache:
    """A bounded LRU of sentence embeddings, so popular passages are embedded once.

    ``stored`` looks sentences up in the index first (vectors pooled at ingest); only those
    it lacks are embedded. ``counts`` says how many came from each place.
    """

    def __init__(self, embedder: Embedder, size: int = SENTENCE_CACHE_SIZE,
                 stored: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None):
        self.embedder = embedder
        self.size = size
        self.stored = stored
        self.counts = {"stored": 0, "embedded": 0}
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._data]
        fresh: dict[str, np.ndarray] = {}
        if missing and self.stored is not None:
            fresh = self.stored(missing)
            missing = [t for t in missing if t not in fresh]
        if missing:
            fresh.update(zip(missing, self.embedder.encode(missing), strict=True))
        with self._lock:
            self.counts["stored"] += len(fresh) - len(missing)
            self.counts["embedded"] += len(missing)
            for text, vec in fresh.items():
                self._data[text] = np.asarray(vec, dtype=np.float32)
            for t in texts:
                self._data.move_to_end(t)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
            return np.stack([self._data[t] for t in texts])


def _flat(passage: Passage) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each sentence of a passage with the list items it introduces (see sentence_groups);
    the items come again afterwards as sentences of their own."""
    for sent, items in sentence_groups(passage.text):
        yield sent, tuple(k for k in (sentence_key(i).rstrip(";,") for i in items) if k)
        for item in items:
            for part in sentences(item):
                yield part, ()


def candidates(question: str, passages: Sequence[Passage]) -> list[Candidate]:
    """Every quotable sentence of the passages, with the features known without its vector."""
    # numbers the question names ("a score of 2.5") count as words a sentence should share
    qwords = content_words(question) | {f"#{n}" for n in figures(question)}
    plain = content_words(question)
    shape = question_shape(question)
    asks_for_questions = "question" in question.lower()
    out: list[Candidate] = []
    report_asked = asks_about_report(question)
    for pi, passage in enumerate(passages):
        if passage.dense_score is not None and passage.dense_score < MIN_PASSAGE_SIMILARITY:
            continue  # unrelated to the question (see coach/tuning.py)
        context = passage_context(plain, pi, passage.dense_score or 0.0, passage.title,
                                  passage.heading, passage.text, passage.kind)
        for si, (sent, items) in enumerate(_flat(passage)):
            clean = sentence_key(sent)
            quoted = " ".join((clean, *items))  # a list is quoted with its lead-in
            words = content_words(quoted) | {f"#{n}" for n in figures(quoted)}
            size = len(clean.split()) + sum(len(i.split()) for i in items)
            if size < 5 or not clean or _META_SENTENCE.match(clean) or clean[0].islower():
                continue
            if addressed_to_a_model(quoted):  # planted in the document: data, never quoted
                continue
            if clean.endswith("?") and not asks_for_questions:
                continue
            shared = words & qwords
            # a number the question names ("a score of 2.5") is the strongest clue of all
            bonus = 2 * sum(w.startswith("#") for w in shared)
            lexical = min(1.0, (len(shared) + bonus) / len(qwords)) if qwords else 0.0
            feats = cheap_features(plain, shape, sentence=clean, items=items, lexical=lexical,
                                   position=si, passage=context, report_asked=report_asked)
            out.append(Candidate(clean, pi, si, lexical, items=items, feats=feats))
    return out


def _bare(text: str) -> str:
    return text.rstrip(";:,. ").lower()


def _similar(a: str, b: str) -> float:
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / max(1, len(wa | wb))


class ExtractiveAnswerer:
    """Quote the best-scoring sentences (see ranking.py for the learnt scorer)."""

    name = "extractive"

    def __init__(self, embedder: Embedder, weights: Weights | None = None,
                 stored: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None):
        self.cache = SentenceCache(embedder, stored=stored)
        self.weights = weights or load_weights()

    def scored(self, question: str, qvec: np.ndarray, passages: Sequence[Passage]
               ) -> list[Candidate]:
        """Candidates with their full score, best first (only the best few are embedded)."""
        pool = prefilter(candidates(question, passages), self.weights)
        if not pool:
            return []
        sims = self.cache.vectors([c.text for c in pool]) @ qvec
        return rescore([replace(c, feats={**c.feats, "sim": float(s)})
                        for c, s in zip(pool, sims, strict=True)], self.weights)

    def choose(self, question: str, scored: Sequence[Candidate]) -> list[Candidate]:
        """The sentences worth quoting, from the scored candidates (see ``choose``)."""
        return choose(scored, self.weights, question_shape(question))

    def answer(self, question: str, scored: Sequence[Candidate],
               passages: Sequence[Passage], lead: Sequence[SectionMatch] = (),
               matches: Sequence[SectionMatch] = (), weights: SectionWeights | None = None
               ) -> tuple[str, list[Citation]]:
        """The reply from the scored candidates (``scored``): the direct answer (``lead``'s
        answer-first paragraphs when given, else the best sentences of one passage), then,
        after the "more" label, supporting sentences on the same question (see
        ``compose``)."""
        chosen = self.choose(question, scored)
        if not chosen and not lead:
            return "", []
        return compose(chosen, passages, lead=lead, matches=matches, weights=weights)


def prefilter(pool: Sequence[Candidate], w: Weights) -> list[Candidate]:
    """The cheap first cut: the ``w.prefilter`` best by every feature but similarity."""
    return sorted(pool, key=lambda c: -w.score(c.feats, CHEAP_FEATURES))[: w.prefilter]


def rescore(pool: Sequence[Candidate], w: Weights) -> list[Candidate]:
    """Candidates (their features now including "sim") with their full score, best first."""
    return sorted((replace(c, score=w.score(c.feats)) for c in pool), key=lambda c: -c.score)


def choose(scored: Sequence[Candidate], w: Weights, shape: Shape) -> list[Candidate]:
    """The best candidate, then others within ``w.margin`` of it, up to the caps; a list
    question may take more sentences so that its list is whole. Near-duplicates and items
    already quoted in a chosen list are left out."""
    if not scored:
        return []
    best = scored[0].score
    cap = w.list_max_sentences if shape.kind == "list" else w.max_sentences
    chosen: list[Candidate] = []
    chars = 0
    for cand in scored:
        if len(chosen) >= cap or chars > w.max_chars or cand.score < best - w.margin:
            break
        if any(_similar(cand.text, c.text) > DUPLICATE_SHARE for c in chosen):
            continue
        chosen.append(cand)
        chars += cand.chars
    listed = {_bare(i) for c in chosen for i in c.items}
    return [c for c in chosen if c.items or _bare(c.text) not in listed]


def _heading(p: Passage, labels: dict[str, str]) -> str:
    template = labels.get(p.kind, labels["default"])
    return prompts.render(template, title=p.title, publisher=p.publisher, year=p.year)


def compose(chosen: Sequence[Candidate], passages: Sequence[Passage], *,
            lead: Sequence[SectionMatch] = (), matches: Sequence[SectionMatch] = (),
            weights: SectionWeights | None = None, fill: int | None = None
            ) -> tuple[str, list[Citation]]:
    """A direct answer first, under the label of its kind of source: the answer-first
    paragraph of each section in ``lead``, or else the best sentence with the others chosen
    from its passage (up to DIRECT_MAX_SENTENCES and DIRECT_MAX_CHARS). Then, under "More from
    the guidance", the leading section's own detail, the answer-first paragraph of the next
    section confident of answering the same question (``_supporting_answers``), and the
    other chosen sentences that answer the same question: from a section
    already quoted, from a section the section model is confident answers it too
    (``matches``, ``weights.support``), or from a passage with no question heading (the
    scorer alone vouches for those); ordered by
    passage (best first) then position and grouped by kind of source. Every sentence is
    cited."""
    labels = prompts.read_yaml("answer-labels.yaml")
    w = weights or load_section_weights()
    numbers: dict[int, int] = {}
    if lead:
        direct = [c for m in lead for c in _paragraph(m.answer, m.passage)]
        direct += _filling(direct, chosen, int(w.fill if fill is None else fill))
    elif chosen:
        direct = _direct(chosen)
    else:
        return "", []
    blocks = _grouped(direct, passages, labels, numbers, keep_order=True)
    said = {_bare(c.text) for c in direct} | {_bare(i) for c in direct for i in c.items}
    close = {m.passage for m in matches if m.confidence >= w.support} | {
        c.passage for c in direct}
    near_sections = {(passages[i].source, passages[i].heading) for i in close}
    # the section's own detail first (it answers the same question by construction), then
    # the other chosen sentences on the same question
    detail = [replace(c, score=math.inf) for m in lead
              for c in _paragraph(passages[m.passage].text, m.passage)
              if _bare(c.text) not in said and _quotable(c)][:SECTION_DETAIL]
    said |= {_bare(c.text) for c in detail}
    # then what another section confident of answering the same question says first
    detail += _supporting_answers(lead, matches, w, said)
    said |= {_bare(c.text) for c in detail}
    rest = detail + [c for c in chosen if c not in direct and _bare(c.text) not in said
            and (not passages[c.passage].questions
                 or (passages[c.passage].source, passages[c.passage].heading) in near_sections)
            and not any(_similar(c.text, d.text) > DUPLICATE_SHARE for d in direct)]
    if rest:
        blocks.append(labels["more"])
        blocks.extend(_grouped(rest, passages, labels, numbers, keep_order=False))
    citations = [passages[i].citation(n) for i, n in sorted(numbers.items(), key=lambda x: x[1])]
    return "\n\n".join(blocks), citations


def _supporting_answers(lead: Sequence[SectionMatch], matches: Sequence[SectionMatch],
                        w: SectionWeights, said: set[str]) -> list[Candidate]:
    """The answer-first paragraphs of up to SUPPORT_ANSWERS other sections whose confidence
    of answering the question reaches ``w.support`` and SUPPORT_ANSWER_FLOOR (most confident
    first), as pieces not already said. Only with a leading section: without one no section
    is sure enough."""
    if not lead:
        return []
    used = {m.answer for m in lead}
    others = [m for m in matches if m.answer and m.answer not in used
              and m.confidence >= max(w.support, SUPPORT_ANSWER_FLOOR)][:SUPPORT_ANSWERS]
    return [replace(c, score=math.inf) for m in others for c in _paragraph(m.answer, m.passage)
            if _bare(c.text) not in said and _quotable(c)]


def split_more(text: str) -> tuple[str, str]:
    """A composed reply as (direct answer, supporting material): the parts before and after
    the "more" label (a reply without one is all direct answer)."""
    label = prompts.read_yaml("answer-labels.yaml")["more"]
    head, found, tail = text.partition("\n\n" + label)
    if not found:
        return text, ""
    return head.strip(), tail.strip()


def _quotable(c: Candidate) -> bool:
    """What ``candidates`` would quote: a sentence (with its list) of five words or more, not
    about the document, not a question, not addressed to a model."""
    quoted = " ".join((c.text, *c.items))
    return (len(quoted.split()) >= 5 and not _META_SENTENCE.match(c.text)
            and not c.text.endswith("?") and not c.text[0].islower()
            and not addressed_to_a_model(quoted))


def _paragraph(text: str, passage: int) -> list[Candidate]:
    """A section's answer-first paragraph as quotable pieces (a sentence with its list)."""
    out = []
    for i, (sent, items) in enumerate(sentence_groups(text)):
        clean = sentence_key(sent)
        if clean:
            kept = tuple(k for k in (sentence_key(x).rstrip(";,") for x in items) if k)
            out.append(Candidate(clean, passage, i, 1.0, items=kept))
    return out


def _filling(direct: Sequence[Candidate], chosen: Sequence[Candidate], budget: int
             ) -> list[Candidate]:
    """After a short section answer, the best other chosen sentences while the direct answer
    stays within ``budget`` characters and DIRECT_MAX_SENTENCES sentences (a list answer takes
    none): the detail asked for may sit just after the section's lead, or beside it."""
    if any(c.items for c in direct):
        return []
    chars = sum(c.chars for c in direct)
    said = {_bare(c.text) for c in direct}
    out: list[Candidate] = []
    for c in chosen:
        if len(direct) + len(out) >= DIRECT_MAX_SENTENCES:
            break
        if (_bare(c.text) in said or c.items or chars + c.chars > budget
                or any(_similar(c.text, d.text) > DUPLICATE_SHARE for d in [*direct, *out])):
            continue
        out.append(c)
        chars += c.chars
    return out


def _direct(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The best sentence and, in reading order, the others chosen from the same passage
    while the whole stays short."""
    best = chosen[0]
    picked = [best]
    chars = best.chars
    for c in chosen[1:]:
        if len(picked) >= DIRECT_MAX_SENTENCES:
            break
        if c.passage == best.passage and chars + c.chars <= DIRECT_MAX_CHARS:
            picked.append(c)
            chars += c.chars
    return sorted(picked, key=lambda c: c.position)


def _grouped(pieces: Sequence[Candidate], passages: Sequence[Passage], labels: dict[str, str],
             numbers: dict[int, int], *, keep_order: bool) -> list[str]:
    """Pieces under the label of their kind of source, one block per label; without
    ``keep_order`` ordered by passage (best first) then position."""
    ordered = list(pieces)
    if not keep_order:
        rank: dict[int, float] = {}
        for c in pieces:
            rank[c.passage] = max(rank.get(c.passage, -1e9), c.score)
        ordered.sort(key=lambda c: (-rank[c.passage], c.passage, c.position))
    groups: dict[str, str] = {}
    for c in ordered:
        piece = _piece(c, numbers, own=passages[c.passage].kind in _OWN_KINDS)
        head = _heading(passages[c.passage], labels)
        before = groups.get(head)
        # a list ends its paragraph: what follows starts a new one
        joiner = "" if before is None else "\n\n" if before.rsplit("\n", 1)[-1].startswith(
            "- ") else " "
        groups[head] = (before or "") + joiner + piece
    return [head + "\n" + body for head, body in groups.items()]


_OWN_PREFIX = re.compile(r"coaching guidance:\s+", re.I)
_OWN_KINDS = ("method", "coach-guide")
_CLOSED = re.compile(r"[.!?][\"'”’)]+$")  # a sentence ending in a quotation or bracket


def _piece(c: Candidate, numbers: dict[int, int], own: bool = False) -> str:
    """One sentence (and the list it introduces) with its citation marker; under our own
    guidance's label (``own``) a sentence's "Coaching guidance:" prefix is not said twice."""
    n = numbers.setdefault(c.passage, len(numbers) + 1)
    text = c.text.rstrip(";:,")
    if own and (match := _OWN_PREFIX.match(text)) and len(text) > match.end():
        text = text[match.end()].upper() + text[match.end() + 1:]
    if c.items and c.text.endswith(":"):
        text += ":"
    elif text[-1] not in ".!?" and not _CLOSED.search(text):
        text += "."
    return f"{text} [{n}]" + "".join(f"\n- {item} [{n}]" for item in c.items)
