"""What enters the review queue, and the two calls the web app makes to offer an answer.

Three ways in:

- **thumbs-down**: an answer someone rated not helpful (``offer_rating``, with its feedback row);
- **sample**: ``COACH_REVIEW_SAMPLE`` of all logged answers, picked by a hash of the question
  log's row id (``sampled``), so the same rows are picked on every run and every replica;
- **flagged**: answers the pipeline itself doubted (``flags``): sentences the citation check
  could not support, a draft refused because it missed the point of the question, and a
  refusal for weak evidence whose best passage came within ``REVIEW_NEAR_REFUSAL`` of
  ``COACH_MIN_RELEVANCE``.

The chat's journey and workbench replies are not sampled or flagged, as they are not answers
from the guidance. Offering never stops an answer reaching the user: a failure is logged and
None returned.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from coach.config import Settings
from coach.review.store import FLAGGED, PROPOSED, SAMPLE, THUMBS_DOWN, Offer, review_store
from coach.tuning import REVIEW_NEAR_REFUSAL
from coach.types import MISSED_POINT, OUT_OF_SCOPE, Answer

log = logging.getLogger(__name__)

# the chat's journey and workbench replies (their ``Answer.query`` says so): not answers from
# the guidance, so neither sampled nor flagged (a thumbs-down still queues them)
CHAT_REPLIES = ("journey:", "workbench:")


def sampled(log_id: int, share: float) -> bool:
    """Is question log row ``log_id`` in the sample of ``share`` (0 to 1)? Deterministic: a
    SHA-256 of the id, read as a fraction of 2**64."""
    if share <= 0:
        return False
    digest = hashlib.sha256(f"review:{log_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def flags(answer: Answer, min_relevance: float) -> list[str]:
    """Why the pipeline doubts ``answer`` (empty: it does not)."""
    found = []
    if answer.unsupported:
        found.append(f"unsupported sentences: {len(answer.unsupported)}")
    if answer.refused and answer.refusal == MISSED_POINT:
        found.append("refused: the draft missed the point")
    if answer.refused and answer.refusal == OUT_OF_SCOPE and answer.passages:
        best = max(p.dense_score or p.score for p in answer.passages)
        if best >= min_relevance - REVIEW_NEAR_REFUSAL:
            found.append(f"near-threshold refusal: best passage {best:.2f}, "
                         f"threshold {min_relevance:.2f}")
    return found


def passages_of(answer: Answer) -> list[dict[str, str]]:
    """The passages the answer was drawn from, as the queue keeps them: the cited ones first,
    in the order of their numbers (so marker [n] is passage n, as for a rated answer's
    citations), then the others retrieved."""
    cited = [{"source": c.source, "title": c.title, "heading": c.heading or c.section,
              "text": c.text} for c in sorted(answer.citations, key=lambda c: c.number)]
    seen = {p["text"] for p in cited}
    return cited + [{"source": p.source, "title": p.title, "heading": p.heading or p.section,
                     "text": p.text} for p in answer.passages if p.text not in seen]


def cited_passages(citations: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A chat turn's citations (``ChatTurn.citations``) as the queue keeps passages."""
    return [{"source": str(c.get("source") or ""), "title": str(c.get("title") or ""),
             "heading": str(c.get("heading") or c.get("section") or ""),
             "text": str(c.get("text") or "")} for c in citations]


def offer_answer(settings: Settings, *, log_id: int | None, user: str, question: str,
                 history: Sequence[tuple[str, str]], answer: Answer) -> int | None:
    """Queue a logged answer when it is in the sample or flagged; its item id, else None."""
    if log_id is None or answer.query.startswith(CHAT_REPLIES):
        return None
    doubts = flags(answer, settings.min_relevance)
    kinds = ((SAMPLE,) if sampled(log_id, settings.review_sample) else ()) + (
        (FLAGGED,) if doubts else ())
    if not kinds:
        return None
    offer = Offer(user=user, kinds=kinds, question=question, reply=answer.full_text,
                  refused=answer.refused, refusal=answer.refusal, history=tuple(history),
                  passages=passages_of(answer), detail="; ".join(doubts), log_id=log_id)
    return _offer(settings, offer)


def offer_rating(settings: Settings, *, feedback_id: int, log_id: int | None, user: str,
                 turn: Mapping[str, Any], history: Sequence[tuple[str, str]]) -> int | None:
    """Queue an answer rated not helpful (a ``ChatTurn``); its item id. The answer already
    queued from the log (``log_id``) gets the reason added instead."""
    reply = "\n\n".join(t for t in (str(turn.get("text") or ""),
                                    str(turn.get("supporting") or "")) if t)
    offer = Offer(user=user, kinds=(THUMBS_DOWN,), question=str(turn.get("question") or ""),
                  reply=reply, refused=bool(turn.get("refused")), history=tuple(history),
                  passages=cited_passages(turn.get("citations") or ()), log_id=log_id,
                  feedback_id=feedback_id)
    return _offer(settings, offer)


def _offer(settings: Settings, offer: Offer) -> int | None:
    try:
        return review_store(settings).add(offer)
    except Exception:  # noqa: BLE001 - the user's answer matters more; the log says why
        log.exception("the answer could not be queued for review")
        return None


def offer_candidates(settings: Settings, answer: Callable[[str, list[tuple[str, str]]], Answer],
                     candidates: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """Queue candidate cases proposed from the guidance (coach/evals/propose.py) for review,
    each with the answer the coach gives it today (``answer(question, history)``) and, first
    among its passages, the section it was proposed from, so the reviewer can tick it as the
    evidence. Returns (queued, already queued): a candidate enters once."""
    store = review_store(settings)
    before = {item.id for item in store.items()}
    queued = 0
    for candidate in candidates:
        history = [(str(q), str(a)) for q, a in candidate.get("history") or ()]
        given = answer(str(candidate["question"]), history)
        section = candidate.get("section") or {}
        quote: Mapping[str, Any] = next(
            iter((candidate.get("expect") or {}).get("evidence") or ()), {})
        own = {"source": str(section.get("source") or quote.get("doc") or ""),
               "title": str(section.get("label") or ""),
               "heading": str(section.get("heading") or ""),
               "text": str(quote.get("quote") or "")}
        terms = ", ".join((candidate.get("expect") or {}).get("must_include") or ())
        offer = Offer(user="propose", kinds=(PROPOSED,), question=str(candidate["question"]),
                      reply=given.full_text, refused=given.refused, refusal=given.refusal,
                      history=tuple(history), passages=[own, *passages_of(given)],
                      detail=f"proposed ({candidate.get('origin', '')}) from "
                             f"{section.get('label', '')}; suggested terms: {terms}")
        queued += store.add(offer) not in before
    return queued, len(candidates) - queued
