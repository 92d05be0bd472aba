"""What the question log, the feedback and the journeys add up to (pure: rows in, figures out).

Rows are the dicts ``QuestionLog.rows`` and ``FeedbackStore.rows`` return; times are the ISO
UTC text every app table stores, so a day is its first ten characters. Nothing about a single
person is shown: the journey figures appear only when at least ``MIN_USERS`` people have a
journey (or an assessment).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.coaching.assessment import Result
from coach.coaching.journey import Journey
from coach.coaching.machine import Progress, Stage

MIN_USERS = 5  # the fewest people any journey figure is shown over
REASONS = {"clinical": "clinical question", "out-of-scope": "out of scope",
           "missed-the-point": "draft missed the point"}
TOP_DOCUMENTS = 10
TOP_WORST = 10
TOP_COMMENTS = 20


# -- questions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Day:
    day: str  # YYYY-MM-DD
    questions: int
    refused: int

    @property
    def refusal_rate(self) -> float | None:
        return self.refused / self.questions if self.questions else None


@dataclass(frozen=True)
class Usage:
    questions: int
    refused: int
    users: int
    by_reason: dict[str, int]  # reason -> refused questions
    by_answerer: dict[str, int]
    median_latency_ms: float | None
    days: tuple[Day, ...]

    @property
    def refusal_rate(self) -> float | None:
        return self.refused / self.questions if self.questions else None


def day_range(first: str, last: str) -> list[str]:
    """Every day from ``first`` to ``last`` (YYYY-MM-DD), both included."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def usage(rows: Sequence[Mapping[str, Any]], first_day: str | None, today: str) -> Usage:
    """Questions per day (every day from ``first_day``, or the first logged day, to
    ``today``, days without questions included), refusals and why, users and latency."""
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        counts = per_day[str(r["at"])[:10]]
        counts[0] += 1
        counts[1] += int(bool(r["refused"]))
    start = first_day or (min(per_day) if per_day else today)
    days = tuple(Day(d, *per_day.get(d, (0, 0))) for d in day_range(start, max(today, start)))
    refused = [r for r in rows if r["refused"]]
    latencies = [int(r["latency_ms"]) for r in rows]
    return Usage(
        questions=len(rows), refused=len(refused), users=len({r["user_name"] for r in rows}),
        by_reason=dict(Counter(str(r["reason"]) or "unknown" for r in refused).most_common()),
        by_answerer=dict(Counter(str(r["answerer"]) or "unknown" for r in rows).most_common()),
        median_latency_ms=float(statistics.median(latencies)) if latencies else None,
        days=days,
    )


# -- feedback --------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedbackDay:
    day: str
    helpful: int
    not_helpful: int

    @property
    def helpful_rate(self) -> float | None:
        total = self.helpful + self.not_helpful
        return self.helpful / total if total else None


@dataclass(frozen=True)
class Comment:
    at: str
    rating: str  # "up" | "down"
    comment: str
    question: str


@dataclass(frozen=True)
class Worst:
    """One answer people rated not helpful, with the sources it cited."""

    question: str
    answer: str
    not_helpful: int
    helpful: int
    sources: tuple[str, ...]  # titles (or source ids) of the cited documents
    last: str


@dataclass(frozen=True)
class Feedback:
    ratings: int
    helpful: int
    days: tuple[FeedbackDay, ...]
    comments: tuple[Comment, ...]
    worst: tuple[Worst, ...]

    @property
    def helpful_rate(self) -> float | None:
        return self.helpful / self.ratings if self.ratings else None


def feedback(rows: Sequence[Mapping[str, Any]], first_day: str | None, today: str) -> Feedback:
    """Helpful rate per day, the latest comments and the worst-rated answers."""
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        per_day[str(r["created"])[:10]][0 if r["rating"] == "up" else 1] += 1
    start = first_day or (min(per_day) if per_day else today)
    days = tuple(FeedbackDay(d, *per_day.get(d, (0, 0)))
                 for d in day_range(start, max(today, start)))
    comments = [Comment(str(r["updated"]), str(r["rating"]), str(r["comment"]),
                        str(r["question"]))
                for r in sorted(rows, key=lambda r: (str(r["updated"]), r["id"]), reverse=True)
                if str(r["comment"]).strip()]
    return Feedback(ratings=len(rows), helpful=sum(r["rating"] == "up" for r in rows),
                    days=days, comments=tuple(comments[:TOP_COMMENTS]), worst=_worst(rows))


def _worst(rows: Sequence[Mapping[str, Any]]) -> tuple[Worst, ...]:
    """Answers (the same question and answer text) with the most "not helpful" ratings."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[" ".join(str(r["question"]).lower().split()), str(r["answer"])].append(r)
    found = []
    for group in groups.values():
        down = sum(r["rating"] == "down" for r in group)
        if not down:
            continue
        latest = max(group, key=lambda r: (str(r["updated"]), r["id"]))
        titles = [str(s.get("title") or s.get("source")) for s in latest.get("sources") or ()
                  if isinstance(s, dict)]
        found.append(Worst(str(latest["question"]), str(latest["answer"]), down,
                           len(group) - down, tuple(dict.fromkeys(titles)),
                           str(latest["updated"])))
    found.sort(key=lambda w: w.last, reverse=True)  # ties: the latest first
    found.sort(key=lambda w: (-w.not_helpful, w.helpful))
    return tuple(found[:TOP_WORST])


# -- documents -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentUse:
    source: str
    title: str
    cited: int  # answers that cited it


@dataclass(frozen=True)
class Documents:
    indexed: int
    most: tuple[DocumentUse, ...]
    never: tuple[DocumentUse, ...]  # indexed, and cited by no answer in the period


def documents(rows: Iterable[Mapping[str, Any]], indexed: Mapping[str, str]) -> Documents:
    """The documents answers cited most, and the indexed ones none cited. ``indexed``:
    source id -> title of every document in the guidance index."""
    counts: Counter[str] = Counter()
    for r in rows:
        if not r["refused"]:
            counts.update(set(r["cited"]))
    most = [DocumentUse(s, indexed.get(s, s), n)
            for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    never = [DocumentUse(s, indexed[s], 0) for s in sorted(indexed) if s not in counts]
    return Documents(len(indexed), tuple(most[:TOP_DOCUMENTS]), tuple(never))


# -- journeys --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Readiness:
    enabler: str
    median: float
    users: int


@dataclass(frozen=True)
class Journeys:
    users: int  # people with a saved journey
    assessed: int  # people with at least one assessment
    min_users: int
    steps: tuple[tuple[str, int], ...] = ()  # (where they are, how many); empty when hidden
    readiness: tuple[Readiness, ...] = ()  # empty when hidden
    notes: tuple[str, ...] = field(default=())


NOT_STARTED, ASSESSED_ONLY, FINISHED = ("Not started", "Assessed, no step chosen",
                                        "Finished every step")


def where(journey: Journey, progress: Progress) -> str:
    """Where one person is on the journey, as the chart labels it."""
    if progress.stage == Stage.FINISHED:
        return FINISHED
    if progress.stage == Stage.ON_STEP and progress.current:
        step = journey.step(progress.current)
        return f"{step.number}. {step.title}"
    return ASSESSED_ONLY if progress.stage == Stage.ASSESSED else NOT_STARTED


def journeys(journey: Journey, progress: Sequence[Progress], latest: Sequence[Result],
             min_users: int = MIN_USERS) -> Journeys:
    """How many people are at each step, and the median of each enabler's score over each
    person's latest assessment: each shown only over at least ``min_users`` people."""
    notes = []
    steps: tuple[tuple[str, int], ...] = ()
    if len(progress) >= min_users:
        counts = Counter(where(journey, p) for p in progress)
        order = [NOT_STARTED, ASSESSED_ONLY,
                 *(f"{s.number}. {s.title}" for s in journey.steps), FINISHED]
        steps = tuple((label, counts.get(label, 0)) for label in order)
    else:
        notes.append(f"Steps are shown once at least {min_users} people have a journey "
                     f"({len(progress)} so far).")
    readiness: tuple[Readiness, ...] = ()
    if len(latest) >= min_users:
        by_enabler: dict[str, list[float]] = defaultdict(list)
        for result in latest:
            for c in result.categories:
                by_enabler[c.title].append(c.mean)
        readiness = tuple(Readiness(e.title, round(statistics.median(by_enabler[e.title]), 2),
                                    len(by_enabler[e.title]))
                          for e in journey.enablers if by_enabler.get(e.title))
    else:
        notes.append(f"Readiness is shown once at least {min_users} people have taken the "
                     f"self-assessment ({len(latest)} so far).")
    return Journeys(len(progress), len(latest), min_users, steps, readiness, tuple(notes))
