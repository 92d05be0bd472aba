"""Content gaps: questions the guidance could not answer well, grouped by topic so an editor
knows what guidance to add.

The questions are the refusals for lack of guidance (out of scope, or a draft that missed the
point; clinical questions are never answered, so they are no gap) and the questions of answers
rated not helpful. They are embedded with the coach's own embedder and grouped by average-
linkage clustering on cosine distance (scipy): two groups merge while their questions are, on
average, at least ``1 - threshold`` similar. Each group is labelled by the words most of its
questions use (stopwords left out), with its most recent questions as examples.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from coach.ports import Encoder
from coach.text import STOPWORDS, stem, words

THRESHOLD = 0.5  # cosine distance at which groups stop merging (average linkage)
MAX_QUESTIONS = 2000  # the most recent ones are grouped (linkage needs n² memory)
LABEL_TERMS = 3
EXAMPLES = 3
_PLACEHOLDER = re.compile(r"\[[^\]]*removed\]")  # what coach/pii.py put in place of data


@dataclass(frozen=True)
class GapQuestion:
    text: str
    kind: str  # "out of scope" | "draft missed the point" | "rated not helpful"
    at: str


@dataclass(frozen=True)
class Gap:
    label: str  # the group's commonest terms, e.g. "parking, permit, staff"
    terms: tuple[str, ...]
    size: int  # questions in the group
    kinds: dict[str, int]  # why they are here -> how many
    examples: tuple[str, ...]  # distinct questions, most recent first
    last: str  # when the latest was asked


def cluster(vectors: np.ndarray, threshold: float = THRESHOLD) -> list[int]:
    """A group number per row of ``vectors``, numbered 0, 1, 2... in order of first row."""
    n = len(vectors)
    if n < 2:
        return [0] * n
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    raw = fcluster(tree, t=threshold, criterion="distance")
    first: dict[int, int] = {}
    return [first.setdefault(int(g), len(first)) for g in raw]


def label_terms(texts: Sequence[str], n: int = LABEL_TERMS) -> tuple[str, ...]:
    """The ``n`` words used by most of ``texts`` (a word and its plural count as one, shown as
    written most often); ties go to the word used more often overall, then alphabetically."""
    questions: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    spelt: dict[str, Counter[str]] = {}
    for text in texts:
        found = [w for w in words(_PLACEHOLDER.sub(" ", text))
                 if len(w) > 2 and not w.isdigit() and w not in STOPWORDS]
        stems = [stem(w) for w in found]
        questions.update(set(stems))
        uses.update(stems)
        for word, key in zip(found, stems, strict=True):
            spelt.setdefault(key, Counter())[word] += 1
    ranked = sorted(questions, key=lambda k: (-questions[k], -uses[k], k))
    return tuple(spelt[k].most_common(1)[0][0] for k in ranked[:n])


def find_gaps(questions: Sequence[GapQuestion], embedder: Encoder,
              threshold: float = THRESHOLD) -> list[Gap]:
    """Groups of ``questions`` by topic, the largest (then the most recent) first."""
    recent = sorted(questions, key=lambda q: q.at)[-MAX_QUESTIONS:]
    if not recent:
        return []
    unique = list(dict.fromkeys(_key(q.text) for q in recent))
    vectors = np.asarray(embedder.encode(unique), dtype=np.float32)
    group_of = dict(zip(unique, cluster(vectors, threshold), strict=True))
    members: dict[int, list[GapQuestion]] = {}
    for q in recent:
        members.setdefault(group_of[_key(q.text)], []).append(q)
    gaps = [_gap(found) for found in members.values()]
    gaps.sort(key=lambda g: g.last, reverse=True)
    gaps.sort(key=lambda g: g.size, reverse=True)
    return gaps


def _key(text: str) -> str:
    return " ".join(text.split())


def _gap(found: list[GapQuestion]) -> Gap:
    latest_first = sorted(found, key=lambda q: q.at, reverse=True)
    examples = list(dict.fromkeys(_key(q.text) for q in latest_first))[:EXAMPLES]
    terms = label_terms([q.text for q in found])
    return Gap(label=", ".join(terms) or "(no common words)", terms=terms, size=len(found),
               kinds=dict(Counter(q.kind for q in found).most_common()),
               examples=tuple(examples), last=latest_first[0].at)
