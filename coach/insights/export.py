"""The Insights report as files: a CSV per table and per chart's data, the whole report as
JSON, and (optionally) the charts as PNG. The Insights tab's download and
`coach insights --csv DIR` both write these."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from coach.insights import charts
from coach.insights.report import Report

QUESTION_COLUMNS = ("id", "at", "user_name", "question", "refused", "reason", "cited",
                    "answerer", "latency_ms", "step", "conversation")
FEEDBACK_COLUMNS = ("id", "created", "updated", "user", "rating", "comment", "question",
                    "answer", "sources", "refused", "redacted")


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def tables(report: Report) -> dict[str, tuple[Sequence[str], list[Sequence[Any]]]]:
    """file stem -> (header, rows): the log, the feedback and the data of every chart."""
    u, f, d = report.usage, report.feedback, report.documents
    out: dict[str, tuple[Sequence[str], list[Sequence[Any]]]] = {
        "questions": (QUESTION_COLUMNS, [
            [*(r[c] for c in QUESTION_COLUMNS[:4]), int(bool(r["refused"])), r["reason"],
             "; ".join(r["cited"]), *(r[c] for c in QUESTION_COLUMNS[7:])]
            for r in report.questions]),
        "feedback": (FEEDBACK_COLUMNS, [
            [*(r[c] for c in FEEDBACK_COLUMNS[:8]),
             "; ".join(str(s.get("source", "")) for s in r["sources"] if isinstance(s, dict)),
             r["refused"], r["redacted"]] for r in report.ratings]),
        "questions_per_day": (("day", "questions", "refused", "refusal_rate"), [
            [x.day, x.questions, x.refused, _rate(x.refusal_rate)] for x in u.days]),
        "content_gaps": (("group", "label", "questions", "why", "examples", "last"), [
            [n, g.label, g.size, "; ".join(f"{k}: {v}" for k, v in g.kinds.items()),
             " | ".join(g.examples), g.last] for n, g in enumerate(report.gaps, 1)]),
        "feedback_per_day": (("day", "helpful", "not_helpful", "helpful_rate"), [
            [x.day, x.helpful, x.not_helpful, _rate(x.helpful_rate)] for x in f.days]),
        "feedback_comments": (("at", "rating", "comment", "question"), [
            [c.at, c.rating, c.comment, c.question] for c in f.comments]),
        "worst_rated_answers": (("question", "not_helpful", "helpful", "sources", "answer",
                                 "last"), [
            [w.question, w.not_helpful, w.helpful, "; ".join(w.sources), w.answer, w.last]
            for w in f.worst]),
        "documents_cited": (("source", "title", "cited"), [
            [x.source, x.title, x.cited] for x in d.most]),
        "documents_never_cited": (("source", "title"), [[x.source, x.title] for x in d.never]),
    }
    j = report.journeys
    out["journey_steps"] = (("where", "people"), [list(s) for s in (j.steps if j else ())])
    out["readiness_by_enabler"] = (("enabler", "median", "people"), [
        [r.enabler, r.median, r.users] for r in (j.readiness if j else ())])
    out["reviewed_per_month"] = (("month", "reviewed", "judged_good", "good_rate"), [
        [m.month, m.reviewed, m.good, _rate(m.good_rate)] for m in report.reviewed])
    out["answers_scored_per_week"] = (
        ("week", "scored", "groundedness", "citation_validity", "reply_chars_median", "refused",
         "low"), [[w.week, w.scored, _rate(w.groundedness), _rate(w.citation_validity),
                   w.reply_chars_median, w.refused, w.low] for w in report.monitored])
    return out


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write(report: Report, folder: Path, *, pictures: bool = True) -> list[Path]:
    """Every table as CSV, the report as insights.json and (``pictures``) each chart that
    has something to draw as PNG, into ``folder`` (created). Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_csv(folder / f"{name}.csv", header, rows)
               for name, (header, rows) in tables(report).items()]
    data = folder / "insights.json"
    data.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    written.append(data)
    if pictures:
        for name, fig in figures(report).items():
            if fig is not None:
                path = folder / f"{name}.png"
                path.write_bytes(charts.png(fig))
                written.append(path)
    return written


def figures(report: Report) -> dict[str, Any]:
    """chart name -> matplotlib Figure (None when there is nothing to draw)."""
    j = report.journeys
    return {
        "questions_per_day": charts.questions_per_day(report.usage.days),
        "content_gaps": charts.content_gaps(report.gaps),
        "feedback_helpful_rate": charts.helpful_rate(report.feedback.days),
        "documents_cited": charts.documents_cited(report.documents),
        "journey_steps": charts.journey_steps(j) if j else None,
        "readiness_by_enabler": charts.readiness(j) if j else None,
        "review_good_share": charts.review_good_share(report.reviewed),
    }
