"""The Insights report: everything the Insights tab and `coach insights` show, gathered once
from the question log, the feedback, the guidance index, the saved journeys and the review
queue's verdicts (coach/review/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from coach.coaching.assessment import Result
from coach.coaching.journey import Journey
from coach.coaching.machine import Progress
from coach.config import Settings
from coach.db import stamp, utc_now
from coach.errors import CoachError
from coach.insights import aggregate
from coach.insights.aggregate import Documents, Feedback, Journeys, Usage
from coach.insights.gaps import Gap, GapQuestion, find_gaps
from coach.insights.store import Clock, question_log
from coach.ports import Encoder
from coach.review.monitor import Week
from coach.review.store import Month

GAP_REASONS = ("out-of-scope", "missed-the-point")  # clinical questions are never a gap


@dataclass(frozen=True)
class Report:
    generated: str
    days: int | None  # the period: the last ``days`` days, or None for everything logged
    since: str | None  # its first day (YYYY-MM-DD)
    retention_days: int
    usage: Usage
    gaps: tuple[Gap, ...]
    clinical: int  # questions refused as clinical (never a content gap)
    feedback: Feedback
    documents: Documents
    journeys: Journeys | None  # None: no journey.yaml to read journeys against
    questions: tuple[dict[str, Any], ...]  # the log rows of the period (for the CSV export)
    ratings: tuple[dict[str, Any], ...]  # the feedback rows of the period
    reviewed: tuple[Month, ...] = ()  # reviews per month, and how many judged the answer good
    monitored: tuple[Week, ...] = ()  # the answers in use, scored, per week (review/monitor.py)

    @property
    def period(self) -> str:
        return "everything logged" if self.days is None else f"the last {self.days} days"

    @property
    def empty(self) -> str:
        """What the report says when there is nothing to show ('' when there is)."""
        if self.usage.questions or self.feedback.ratings:
            return ""
        if self.days is None:
            return ("No questions have been logged yet: the log fills as people ask questions "
                    "in the web app (Ask and Coach tabs).")
        return (f"No questions were logged and no answers rated in {self.period}: try a "
                "longer period, or wait for people to ask questions in the web app.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every figure the charts draw, with the rates worked out."""
        import json

        u, f = self.usage, self.feedback
        out = {
            "generated": self.generated, "days": self.days, "since": self.since,
            "retention_days": self.retention_days, "empty": self.empty,
            "questions": {
                "total": u.questions, "refused": u.refused, "refusal_rate": u.refusal_rate,
                "users": u.users, "by_reason": u.by_reason, "by_answerer": u.by_answerer,
                "median_latency_ms": u.median_latency_ms,
                "per_day": [asdict(d) | {"refusal_rate": d.refusal_rate} for d in u.days],
            },
            "content_gaps": {"groups": [asdict(g) for g in self.gaps],
                             "clinical_refusals": self.clinical},
            "feedback": {
                "ratings": f.ratings, "helpful": f.helpful, "helpful_rate": f.helpful_rate,
                "per_day": [asdict(d) | {"helpful_rate": d.helpful_rate} for d in f.days],
                "comments": [asdict(c) for c in f.comments],
                "worst_rated": [asdict(w) for w in f.worst],
            },
            "documents": asdict(self.documents),
            "journeys": None if self.journeys is None else asdict(self.journeys),
            "reviewed": [asdict(m) | {"good_rate": m.good_rate} for m in self.reviewed],
            "monitored": [asdict(w) for w in self.monitored],
        }
        return dict(json.loads(json.dumps(out)))  # tuples as lists: what a reader gets back


def first_day(days: int | None, now: dt.datetime) -> str | None:
    """The first day of a period of ``days`` days ending today (None: no limit)."""
    if days is None:
        return None
    return (now.date() - dt.timedelta(days=max(1, days) - 1)).isoformat()


def build(*, questions: Sequence[Mapping[str, Any]], ratings: Sequence[Mapping[str, Any]],
          indexed: Mapping[str, str], embedder: Encoder, journey: Journey | None,
          progress: Sequence[Progress] = (), latest: Sequence[Result] = (),
          days: int | None = None, now: dt.datetime | None = None,
          retention_days: int = 0, reviewed: Sequence[Month] = (),
          monitored: Sequence[Week] = ()) -> Report:
    """The report over rows already read (``questions``, ``ratings`` and the ``reviewed``
    months are cut to the period here)."""
    now = now or utc_now()
    since = first_day(days, now)
    today = now.date().isoformat()
    rows = [r for r in questions if since is None or str(r["at"])[:10] >= since]
    rated = [r for r in ratings if since is None or str(r["created"])[:10] >= since]
    gap_questions = [GapQuestion(str(r["question"]), aggregate.REASONS[str(r["reason"])],
                                 str(r["at"]))
                     for r in rows if r["refused"] and r["reason"] in GAP_REASONS]
    gap_questions += [GapQuestion(str(r["question"]), "rated not helpful", str(r["created"]))
                      for r in rated if r["rating"] == "down"]
    return Report(
        generated=stamp(now), days=days, since=since, retention_days=retention_days,
        usage=aggregate.usage(rows, since, today),
        gaps=tuple(find_gaps(gap_questions, embedder)),
        clinical=sum(bool(r["refused"]) and r["reason"] == "clinical" for r in rows),
        feedback=aggregate.feedback(rated, since, today),
        documents=aggregate.documents(rows, indexed),
        journeys=None if journey is None else aggregate.journeys(journey, progress, latest),
        questions=tuple(dict(r) for r in rows), ratings=tuple(dict(r) for r in rated),
        reviewed=tuple(m for m in reviewed if since is None or m.month >= since[:7]),
        monitored=tuple(w for w in monitored if since is None or w.week >= since),
    )


def indexed_documents(sources: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """source id -> title, from ``GuidanceIndex.sources()``."""
    return {sid: str((entry.get("meta") or {}).get("title") or sid)
            for sid, entry in sources.items()}


def gather(settings: Settings, embedder: Encoder, indexed: Mapping[str, str],
           days: int | None = None, clock: Clock = utc_now) -> Report:
    """The report from the app's database (the settings'), for the last ``days`` days."""
    from coach.coaching.session import shared
    from coach.insights.feedback import feedback_store
    from coach.review.monitor import monitor
    from coach.review.store import review_store

    now = clock()
    since = first_day(days, now)
    start = dt.datetime.fromisoformat(since).replace(tzinfo=dt.UTC) if since else None
    log = question_log(settings)
    questions = log.rows(since=start)
    ratings = feedback_store(settings).rows()
    sessions = shared(settings)
    try:
        journey: Journey | None = sessions.journey()
    except CoachError:
        journey = None
    store = sessions.store()
    progress = store.everyone(journey) if journey is not None else []
    latest = store.latest_assessments(journey) if journey is not None else []
    return build(questions=questions, ratings=ratings, indexed=indexed, embedder=embedder,
                 journey=journey, progress=progress, latest=latest, days=days, now=now,
                 retention_days=log.retention_days,
                 reviewed=review_store(settings).months(),
                 monitored=monitor(settings).weeks())
