"""Sentence-level groundedness and citation metrics (pure; golden tests in
tests/test_eval_grounding.py).

An answer is split into claims (its sentences, without group headings and citation markers).
A claim is supported by a passage when some window of the passage (one sentence or two in a
row) holds at least ``WORD_SHARE`` of the claim's content words, every number, date and quoted
term of the claim, and (when a similarity function is given) is close to it in embedding space.
Each claim keeps the evidence behind its verdict, so every score can be explained.

An answer with no claims (a refusal) is an abstention: its groundedness is ``None``, never 1.0
or NaN.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from coach.text import (
    content_words,
    figures,
    is_heading,
    marker_numbers,
    markers_before_stop,
    normalise,
    sentences,
    strip_markdown,
    strip_markers,
)

WORD_SHARE = 0.6
MIN_SIMILARITY = 0.5
_QUOTED = re.compile(r"[\"“]([^\"”]{3,80})[\"”]")

# similarity of (claim, window) pairs, e.g. cosine of sentence embeddings
Similarity = Callable[[Sequence[tuple[str, str]]], Sequence[float]]


@dataclass(frozen=True)
class Claim:
    text: str
    markers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Support:
    """The best window for one claim in a set of passages, and the verdict."""

    claim: str
    supported: bool
    passage: int | None = None  # index into the passages searched
    window: str = ""
    word_share: float = 0.0
    similarity: float | None = None
    missing: tuple[str, ...] = ()  # numbers or quoted terms absent from the window


@dataclass(frozen=True)
class Grounding:
    claims: list[Claim]
    support: list[Support]
    citations: list[dict[str, Any]] = field(default_factory=list)  # per (claim, marker)
    scores: dict[str, float | None] = field(default_factory=dict)

    def evidence(self) -> list[dict[str, Any]]:
        return [{**asdict(s), "markers": list(c.markers)}
                for c, s in zip(self.claims, self.support, strict=True)]


def split_claims(answer: str) -> list[Claim]:
    """The answer's sentences with their [n] markers; headings, questions and lead-ins to a
    list ("The eight steps are:") are not claims."""
    body = "\n".join(line for line in answer.splitlines() if not is_heading(line))
    body = markers_before_stop(body)
    out: list[Claim] = []
    for sent in sentences(body):
        markers = tuple(dict.fromkeys(marker_numbers(sent)))
        text = strip_markdown(strip_markers(sent)).strip()
        if text.endswith(("?", ":")) or len(content_words(text)) < 2:  # not a lead-in
            continue
        out.append(Claim(text, markers))
    return out


def windows(passage: str) -> list[str]:
    """Each sentence of a passage and each pair of neighbouring sentences."""
    sents = [strip_markdown(s) for s in sentences(passage)] or [passage]
    return sents + [f"{a} {b}" for a, b in zip(sents, sents[1:], strict=False)]


def _required(claim: str) -> set[str]:
    return figures(claim) | {normalise(q) for q in _QUOTED.findall(claim)}


def _missing(required: set[str], window: str) -> tuple[str, ...]:
    found = figures(window)
    flat = f" {normalise(window)} "
    return tuple(sorted(r for r in required if r not in found and f" {r} " not in flat))


def best_window(claim: str, passages: Sequence[str]) -> Support:
    """Lexical choice of the best window: fewest missing terms, then most shared words."""
    words, required = content_words(claim), _required(claim)
    best: Support | None = None
    for index, passage in enumerate(passages):
        for window in windows(passage):
            share = len(words & content_words(window)) / len(words) if words else 0.0
            cand = Support(claim, False, index, window, round(share, 4), None,
                           _missing(required, window))
            if best is None or (-len(cand.missing), cand.word_share) > (
                    -len(best.missing), best.word_share):
                best = cand
    return best or Support(claim, False, missing=tuple(sorted(required)))


def _decide(cand: Support, sim: float | None) -> Support:
    ok = cand.passage is not None and cand.word_share >= WORD_SHARE and not cand.missing
    if sim is not None:
        ok = ok and sim >= MIN_SIMILARITY
    return Support(cand.claim, ok, cand.passage, cand.window, cand.word_share,
                   None if sim is None else round(float(sim), 4), cand.missing)


def _judge(cands: list[Support], similarity: Similarity | None) -> list[Support]:
    """Apply the similarity (one batched call) and the thresholds to lexical candidates."""
    pairs = [(c.claim, c.window) for c in cands if c.passage is not None]
    sims = iter(similarity(pairs)) if similarity and pairs else None
    return [_decide(c, next(sims) if sims and c.passage is not None else None) for c in cands]


def ground(answer: str, passages: Sequence[str], cited: Mapping[int, str],
           similarity: Similarity | None = None) -> Grounding:
    """Score an answer against the retrieved passages and its citations.

    ``cited`` maps each citation number to the text of the passage it cites. Scores:
    groundedness (supported claims / claims), citation_validity (markers that point at a
    retrieved passage / markers), citation_precision (valid markers whose passage supports
    the claim / valid markers), citation_recall (supported claims carrying a supporting
    citation / supported claims). Each is None when its denominator is zero.
    """
    claims = split_claims(answer)
    retrieved = set(passages)
    pairs = [(i, m) for i, c in enumerate(claims) for m in c.markers]
    valid = [(i, m) for i, m in pairs if m in cited and cited[m] in retrieved]
    cands = [best_window(c.text, passages) for c in claims]
    cands += [best_window(claims[i].text, [cited[m]]) for i, m in valid]
    judged = _judge(cands, similarity)
    support, by_citation = judged[:len(claims)], judged[len(claims):]
    cite_rows: list[dict[str, Any]] = [{"claim": i, "marker": m, "valid": (i, m) in valid}
                                       for i, m in pairs]
    verdict = dict(zip(valid, by_citation, strict=True))
    for row in cite_rows:
        sup = verdict.get((row["claim"], row["marker"]))
        row["supports"] = bool(sup and sup.supported)
        row["window"] = sup.window if sup else ""
    supported = [i for i, s in enumerate(support) if s.supported]
    cited_ok = {i for (i, _), s in verdict.items() if s.supported}
    scores = {
        "groundedness": _ratio(len(supported), len(claims)),
        "citation_validity": _ratio(len(valid), len(pairs)),
        "citation_precision": _ratio(sum(s.supported for s in by_citation), len(valid)),
        "citation_recall": _ratio(sum(i in cited_ok for i in supported), len(supported)),
    }
    return Grounding(claims, support, cite_rows, scores)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None
