"""Answers in use, scored: `coach eval monitor` (and a daily round in `coach serve`) scores the
answers in the review queue — the sample of all logged answers (COACH_REVIEW_SAMPLE), the
flagged ones and those rated not helpful — with the deterministic metrics that need no
expected answer:

- **groundedness**: the share of the reply's sentences a passage it was drawn from supports
  (coach/evals/grounding.py, the same check the eval suites run);
- **citation validity**: the share of citation markers ``[n]`` that point at a passage;
- **reply length**: plain characters, as a reader sees them (coach/evals/metrics.py);
- **refusals**: refused or not, and why.

Each item is scored once (``monitor_scores``). An answer whose groundedness or citation
validity falls below ``LOW`` is flagged in the queue with the score, so a reviewer looks at it
first; Insights shows the weekly trend of the scores beside the refusal reasons of every
logged question.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from dataclasses import dataclass
from statistics import median
from typing import Any

import sqlalchemy as sa

from coach.config import Settings
from coach.db import Database, now, open_database
from coach.db.locks import named_lock
from coach.db.schema import monitor_scores as SCORES
from coach.db.schema import review_items as ITEMS
from coach.evals.grounding import ground
from coach.evals.metrics import plain_reply
from coach.review.store import FLAGGED, KINDS, Item, ReviewStore

log = logging.getLogger(__name__)

LOW = 0.75  # groundedness or citation validity below this flags the answer for review
LOCK = "answer-monitor"
_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class Scored:
    item_id: int
    answered_at: str
    groundedness: float | None
    citation_validity: float | None
    reply_chars: int
    refused: bool
    refusal: str

    @property
    def low(self) -> bool:
        return any(v is not None and v < LOW for v in (self.groundedness,
                                                        self.citation_validity))


def score_item(item: Item) -> Scored:
    """The scores of one queued answer (pure)."""
    texts = [p.get("text", "") for p in item.passages]
    cited = {n: texts[n - 1] for n in range(1, len(texts) + 1)}
    groundedness = None
    if not item.refused and item.reply.strip():
        groundedness = ground(item.reply, texts, cited).scores.get("groundedness")
    markers = [int(m) for m in _MARKER.findall(item.reply)]
    validity = (sum(1 <= m <= len(texts) for m in markers) / len(markers)) if markers else None
    return Scored(item.id, item.created, groundedness, validity,
                  len(plain_reply(item.reply)), item.refused, item.refusal)


@dataclass(frozen=True)
class Week:
    week: str  # the Monday, YYYY-MM-DD
    scored: int
    groundedness: float | None
    citation_validity: float | None
    reply_chars_median: float | None
    refused: int
    low: int


class Monitor:
    """Scores queued answers once and keeps the scores (``monitor_scores``)."""

    def __init__(self, db: Database):
        self.db = db

    def unscored(self) -> list[Item]:
        done = sa.select(SCORES.c.item_id)
        with self.db.connect() as conn:
            ids = conn.execute(sa.select(ITEMS.c.id).where(ITEMS.c.id.not_in(done))
                               .order_by(ITEMS.c.id)).scalars().all()
        store = ReviewStore(self.db)
        return [store.get(int(i)) for i in ids]

    def run(self) -> list[Scored]:
        """Score every queued answer not scored yet; flag the low ones in the queue."""
        out = []
        for item in self.unscored():
            scored = score_item(item)
            with self.db.begin() as conn:
                conn.execute(SCORES.insert().values(
                    item_id=scored.item_id, scored_at=now(), answered_at=scored.answered_at,
                    groundedness=scored.groundedness,
                    citation_validity=scored.citation_validity,
                    reply_chars=scored.reply_chars, refused=int(scored.refused),
                    refusal=scored.refusal, low=int(scored.low)))
                if scored.low and item.review is None:
                    kinds = ",".join(k for k in KINDS if k in {*item.kinds, FLAGGED})
                    detail = "; ".join(d for d in (item.detail, _why_low(scored)) if d)
                    conn.execute(ITEMS.update().where(ITEMS.c.id == item.id)
                                 .values(kinds=kinds, detail=detail))
            out.append(scored)
        return out

    def weeks(self) -> list[Week]:
        """The weekly trend of the scores, oldest first."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(SCORES)).mappings().all()
        grouped: dict[str, list[Any]] = {}
        for row in rows:
            day = dt.date.fromisoformat(str(row["answered_at"])[:10])
            monday = day - dt.timedelta(days=day.weekday())
            grouped.setdefault(monday.isoformat(), []).append(row)
        return [_week(week, group) for week, group in sorted(grouped.items())]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _week(week: str, rows: list[Any]) -> Week:
    grounded = [float(r["groundedness"]) for r in rows if r["groundedness"] is not None]
    valid = [float(r["citation_validity"]) for r in rows if r["citation_validity"] is not None]
    lengths = [int(r["reply_chars"]) for r in rows if not r["refused"]]
    return Week(week, len(rows), _mean(grounded), _mean(valid),
                float(median(lengths)) if lengths else None,
                sum(int(r["refused"]) for r in rows), sum(int(r["low"]) for r in rows))


def _why_low(scored: Scored) -> str:
    parts = [f"{name} {value:.2f}" for name, value in (
        ("groundedness", scored.groundedness), ("citation validity", scored.citation_validity))
        if value is not None and value < LOW]
    return "monitor: low " + ", ".join(parts)


def monitor(settings: Settings) -> Monitor:
    return Monitor(open_database(settings))


def schedule(settings: Settings, hours: float = 24.0) -> threading.Thread:
    """Score new answers once a day in a daemon thread (``coach serve``): one replica at a
    time, by the ``answer-monitor`` lock; a failed round is logged and the next one runs."""

    def rounds() -> None:
        while True:
            try:
                db = open_database(settings)
                with named_lock(db, LOCK, wait=False) as held:
                    if held:
                        done = Monitor(db).run()
                        log.info("monitor: %d answer(s) scored, %d low", len(done),
                                 sum(s.low for s in done))
            except Exception:  # a failed round must not end the schedule
                log.exception("monitor: the daily scoring failed; trying again tomorrow")
            time.sleep(hours * 3600)

    thread = threading.Thread(target=rounds, name="answer-monitor", daemon=True)
    thread.start()
    return thread
