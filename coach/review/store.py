"""The review queue's store: answers waiting for review and the reviewers' verdicts, in the
app's database (tables ``review_items`` and ``reviews``, coach/db/schema.py).

An item keeps what a reviewer needs to judge an answer: the question, the earlier turns and
the reply (all three redacted by coach/pii.py before anything is written), the passages the
answer was drawn from, who asked and why the item is queued (``thumbs-down``, ``sample``,
``flagged`` with the pipeline's reason). One answer is one item: it is keyed by its question
log row and by the feedback row that rated it down, so offering it again adds a reason
instead of a second item. An item with a review has left the queue.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from coach.config import Settings
from coach.db import Database, check_user, now, open_database
from coach.db.schema import review_items as ITEMS
from coach.db.schema import reviews as REVIEWS
from coach.errors import BadInputError
from coach.pii import redact

THUMBS_DOWN, SAMPLE, FLAGGED = "thumbs-down", "sample", "flagged"
PROPOSED = "proposed"  # a candidate case `coach eval propose --queue` wrote from the guidance
KINDS = (THUMBS_DOWN, SAMPLE, FLAGGED, PROPOSED)
PASSAGE_KEYS = ("source", "title", "heading", "text")


def _clean(text: str) -> str:
    return redact(text or "").text


@dataclass(frozen=True)
class Offer:
    """An answer offered to the queue (redacted when stored)."""

    user: str
    kinds: tuple[str, ...]
    question: str
    reply: str
    refused: bool = False
    refusal: str = ""
    history: Sequence[tuple[str, str]] = ()
    passages: Sequence[dict[str, str]] = ()  # source, title, heading, text
    detail: str = ""  # what the pipeline flagged
    log_id: int | None = None
    feedback_id: int | None = None


@dataclass(frozen=True)
class Rubric:
    """A reviewer's verdict on one answer. ``must_include``: what a right answer holds."""

    correct: bool
    grounded: bool
    right_source: bool
    should_refuse: bool
    must_include: tuple[str, ...] = ()
    note: str = ""

    @property
    def good(self) -> bool:
        """Judged good: the answer (or the refusal) was right."""
        return self.correct


@dataclass(frozen=True)
class Review:
    reviewer: str
    at: str
    rubric: Rubric
    case_id: str = ""
    case_suite: str = ""


@dataclass(frozen=True)
class Item:
    id: int
    created: str
    user: str
    kinds: tuple[str, ...]
    detail: str
    question: str
    reply: str
    refused: bool
    refusal: str
    history: tuple[tuple[str, str], ...] = ()
    passages: tuple[dict[str, str], ...] = ()
    log_id: int | None = None
    feedback_id: int | None = None
    review: Review | None = field(default=None)

    @property
    def why(self) -> str:
        """Why it is queued, in words: 'thumbs-down, flagged (unsupported sentences: 2)'."""
        return ", ".join(f"{k} ({self.detail})" if k == FLAGGED and self.detail else k
                         for k in self.kinds)


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM
    reviewed: int
    good: int

    @property
    def good_rate(self) -> float | None:
        return self.good / self.reviewed if self.reviewed else None


def _item(row: Any, review: Review | None = None) -> Item:
    history = tuple((str(q), str(a)) for q, a in json.loads(row["history"] or "[]"))
    passages = tuple({k: str(p.get(k) or "") for k in PASSAGE_KEYS}
                     for p in json.loads(row["passages"] or "[]"))
    return Item(id=int(row["id"]), created=row["created"], user=row["user_name"],
                kinds=tuple(k for k in row["kinds"].split(",") if k), detail=row["detail"],
                question=row["question"], reply=row["reply"], refused=bool(row["refused"]),
                refusal=row["refusal"], history=history, passages=passages,
                log_id=row["log_id"], feedback_id=row["feedback_id"], review=review)


def _review(row: Any) -> Review:
    rubric = Rubric(correct=bool(row["correct"]), grounded=bool(row["grounded"]),
                    right_source=bool(row["right_source"]),
                    should_refuse=bool(row["should_refuse"]),
                    must_include=tuple(json.loads(row["must_include"] or "[]")), note=row["note"])
    return Review(reviewer=row["user_name"], at=row["at"], rubric=rubric, case_id=row["case_id"],
                  case_suite=row["case_suite"])


def _merged(kinds: str, more: Sequence[str]) -> str:
    have = [k for k in kinds.split(",") if k]
    return ",".join(k for k in KINDS if k in {*have, *more})


class ReviewStore:
    """The queue and its reviews in the app's database; safe across threads."""

    def __init__(self, db: Database):
        self.db = db

    # -- the queue ---------------------------------------------------------------------------
    def add(self, offer: Offer) -> int:
        """Queue an answer; returns its item id. An answer already queued (the same question
        log row or feedback row) gets the new reasons added, never a second item."""
        unknown = [k for k in offer.kinds if k not in KINDS]
        if unknown or not offer.kinds:
            raise ValueError(f"an item is queued as one of {KINDS}, not {offer.kinds!r}")
        for _ in range(2):  # another writer may insert it between our look and our write
            try:
                return self._add(offer)
            except IntegrityError:
                continue
        return self._add(offer)

    def _add(self, offer: Offer) -> int:
        with self.db.begin() as conn:
            found = self._existing(conn, offer)
            if found is not None:
                values: dict[str, Any] = {"kinds": _merged(found["kinds"], offer.kinds)}
                if offer.feedback_id is not None and found["feedback_id"] is None:
                    values["feedback_id"] = offer.feedback_id
                if offer.log_id is not None and found["log_id"] is None:
                    values["log_id"] = offer.log_id
                if offer.detail and offer.detail not in found["detail"]:
                    values["detail"] = "; ".join(d for d in (found["detail"], offer.detail) if d)
                conn.execute(ITEMS.update().where(ITEMS.c.id == found["id"]).values(**values))
                return int(found["id"])
            history = [[_clean(q), _clean(a)] for q, a in offer.history]
            passages = [{k: str(p.get(k) or "") for k in PASSAGE_KEYS} for p in offer.passages]
            result = conn.execute(ITEMS.insert().values(
                created=now(), user_name=offer.user, kinds=_merged("", offer.kinds),
                detail=offer.detail, log_id=offer.log_id, feedback_id=offer.feedback_id,
                question=_clean(offer.question), history=json.dumps(history, ensure_ascii=False),
                reply=_clean(offer.reply), refused=int(offer.refused),
                refusal=offer.refusal[:32] if offer.refused else "",
                passages=json.dumps(passages, ensure_ascii=False)).returning(ITEMS.c.id))
            return int(result.scalar_one())

    @staticmethod
    def _existing(conn: sa.Connection, offer: Offer) -> Any:
        keys = []
        if offer.log_id is not None:
            keys.append(ITEMS.c.log_id == offer.log_id)
        if offer.feedback_id is not None:
            keys.append(ITEMS.c.feedback_id == offer.feedback_id)
        if not keys and PROPOSED in offer.kinds:  # a candidate: once per question and history
            keys.append(sa.and_(ITEMS.c.kinds.contains(PROPOSED),
                                ITEMS.c.question == _clean(offer.question),
                                ITEMS.c.history == json.dumps(
                                    [[_clean(q), _clean(a)] for q, a in offer.history],
                                    ensure_ascii=False)))
        if not keys:
            return None
        return conn.execute(sa.select(ITEMS).where(sa.or_(*keys)).order_by(ITEMS.c.id)
                            ).mappings().first()

    # -- reading -----------------------------------------------------------------------------
    def pending(self) -> list[Item]:
        """Items with no review yet, oldest first: the queue."""
        reviewed = sa.select(REVIEWS.c.item_id)
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(ITEMS).where(ITEMS.c.id.not_in(reviewed))
                                .order_by(ITEMS.c.id)).mappings().all()
        return [_item(r) for r in rows]

    def items(self, user: str | None = None) -> list[Item]:
        """Every item, reviewed or not, oldest first (only ``user``'s when given)."""
        query = sa.select(ITEMS).order_by(ITEMS.c.id)
        if user is not None:
            query = query.where(ITEMS.c.user_name == user)
        with self.db.connect() as conn:
            rows = conn.execute(query).mappings().all()
            found = {r["item_id"]: _review(r) for r in conn.execute(sa.select(REVIEWS))
                     .mappings()}
        return [_item(r, found.get(r["id"])) for r in rows]

    def get(self, item_id: int) -> Item:
        with self.db.connect() as conn:
            row = conn.execute(sa.select(ITEMS).where(ITEMS.c.id == item_id)).mappings().first()
            review = conn.execute(sa.select(REVIEWS).where(REVIEWS.c.item_id == item_id)
                                  ).mappings().first()
        if row is None:
            raise BadInputError(f"There is no review item {item_id}: `coach eval review list` "
                                "shows the queue.")
        return _item(row, None if review is None else _review(review))

    # -- reviewing ---------------------------------------------------------------------------
    def record(self, item_id: int, reviewer: str, rubric: Rubric) -> Review:
        """Record (or correct) the verdict on an item; the item leaves the queue."""
        reviewer = check_user(reviewer)
        self.get(item_id)  # a clear message for an unknown id
        terms = [t.strip() for t in rubric.must_include if t.strip()]
        values = {"user_name": reviewer, "at": now(), "correct": int(rubric.correct),
                  "grounded": int(rubric.grounded), "right_source": int(rubric.right_source),
                  "should_refuse": int(rubric.should_refuse),
                  "must_include": json.dumps(list(dict.fromkeys(terms)), ensure_ascii=False),
                  "note": _clean(rubric.note.strip())}
        with self.db.begin() as conn:
            changed = conn.execute(REVIEWS.update().where(REVIEWS.c.item_id == item_id)
                                   .values(**values)).rowcount
            if not changed:
                conn.execute(REVIEWS.insert().values(item_id=item_id, case_id="",
                                                     case_suite="", **values))
        review = self.get(item_id).review
        assert review is not None
        return review

    def saved_as(self, item_id: int, case_id: str, suite: str) -> None:
        """Note the case an item's review was saved as."""
        with self.db.begin() as conn:
            conn.execute(REVIEWS.update().where(REVIEWS.c.item_id == item_id)
                         .values(case_id=case_id[:64], case_suite=suite))

    def months(self) -> list[Month]:
        """Reviews per month (by when they were recorded) and how many judged the answer
        good, oldest month first."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(REVIEWS.c.at, REVIEWS.c.correct)).all()
        return by_month((str(at), bool(good)) for at, good in rows)


def by_month(reviews: Any) -> list[Month]:
    """(ISO time, judged good) pairs -> one ``Month`` per month that has any (pure)."""
    counts: dict[str, list[int]] = {}
    for at, good in reviews:
        tally = counts.setdefault(at[:7], [0, 0])
        tally[0] += 1
        tally[1] += int(good)
    return [Month(m, n, g) for m, (n, g) in sorted(counts.items())]


def review_store(settings: Settings) -> ReviewStore:
    """The store over the settings' database."""
    return ReviewStore(open_database(settings))
