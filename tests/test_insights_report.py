"""Content gaps with the real embedder, the gathered report, its files, and `coach insights`."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from conftest import settings_under

from coach.cli import main
from coach.insights import export, views
from coach.insights.feedback import feedback_store
from coach.insights.gaps import GapQuestion, find_gaps
from coach.insights.report import build
from coach.insights.store import Logged, QuestionLog, question_log

PARKING = ["How do I get a staff parking permit?",
           "Where can staff apply for a car parking pass?",
           "What is the process for renewing my parking permit?"]
LEAVE = ["How do I book annual leave?", "What is the process for requesting annual leave?",
         "Can I carry unused annual leave over to next year?"]
UNRELATED = ["What is a PDSA cycle?", "How should the board support improvement?",
             "What does the report say about Northumbria's budget?",
             "How do we sustain improvement after a project ends?",
             "Can I claim expenses for mileage?", "How many beds does the trust have?"]
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def at(days_ago: float) -> str:
    return (NOW - dt.timedelta(days=days_ago)).isoformat()


def test_paraphrases_of_two_missing_topics_form_two_groups(embedder):
    # interleaved, so no grouping can come from the order they were asked in
    asked = [x for trio in zip(PARKING, LEAVE, UNRELATED, strict=False) for x in trio]
    asked += UNRELATED[3:]
    questions = [GapQuestion(text, "out of scope", at(n)) for n, text in enumerate(asked)]

    gaps = find_gaps(questions, embedder)

    groups = [set(g.examples) for g in gaps]
    assert set(PARKING) in groups and set(LEAVE) in groups
    assert gaps[0].size == gaps[1].size == 3  # the two topics lead, largest first
    assert sorted(len(g) for g in groups[2:]) == [1] * len(UNRELATED)  # the rest stay apart
    labels = {frozenset(g.examples): g.terms for g in gaps}
    assert "parking" in labels[frozenset(PARKING)] and "leave" in labels[frozenset(LEAVE)]
    assert find_gaps([], embedder) == []


def log_row(n: int, question: str, reason: str = "", cited: tuple[str, ...] = (),
            days_ago: float = 0, user: str = "alice") -> dict:
    return {"id": n, "at": at(days_ago), "user_name": user, "question": question,
            "refused": bool(reason), "reason": reason, "cited": list(cited),
            "answerer": "extractive", "latency_ms": 100 + n, "step": "", "conversation": ""}


def test_the_report_over_seeded_rows_and_its_files(embedder, tmp_path):
    questions = [log_row(1, "What is a PDSA cycle?", cited=("pdsa.md",)),
                 log_row(2, PARKING[0], "out-of-scope", user="bob"),
                 log_row(3, PARKING[1], "missed-the-point", days_ago=1),
                 log_row(4, "What dose of paracetamol?", "clinical"),
                 log_row(5, "How do we run a huddle?", cited=("huddles.md",), days_ago=40)]
    ratings = [{"id": 1, "created": at(0), "updated": at(0), "user": "alice", "rating": "down",
                "comment": "Not about parking at all", "question": PARKING[2],
                "answer": "Run charts plot data [1].", "refused": 0, "redacted": "",
                "sources": [{"source": "run-charts.md", "title": "Run charts"}]}]

    report = build(questions=questions, ratings=ratings, embedder=embedder, journey=None,
                   indexed={"pdsa.md": "PDSA cycles", "run-charts.md": "Run charts"},
                   days=30, now=NOW)

    assert report.since == "2026-02-09" and not report.empty
    assert len(report.questions) == 4  # the huddle question is older than the period
    assert (report.usage.questions, report.usage.refused, report.clinical) == (4, 3, 1)
    assert [(g.size, set(g.examples)) for g in report.gaps] == [(3, set(PARKING))]
    assert report.gaps[0].kinds == {"out of scope": 1, "draft missed the point": 1,
                                    "rated not helpful": 1}
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["questions"]["by_reason"] == {"out-of-scope": 1, "missed-the-point": 1,
                                              "clinical": 1}
    assert data["documents"]["never"] == [{"source": "run-charts.md", "title": "Run charts",
                                           "cited": 0}]
    assert data["journeys"] is None and len(data["questions"]["per_day"]) == 30

    written = export.write(report, tmp_path / "out")

    names = {p.name for p in written}
    assert {"questions.csv", "feedback.csv", "questions_per_day.csv", "content_gaps.csv",
            "documents_never_cited.csv", "insights.json", "questions_per_day.png",
            "content_gaps.png"} <= names
    assert "journey_steps.png" not in names  # nothing to draw
    with (tmp_path / "out" / "questions.csv").open(encoding="utf-8") as fh:
        log = list(csv.DictReader(fh))
    assert [r["reason"] for r in log] == ["", "out-of-scope", "missed-the-point", "clinical"]
    assert log[0]["cited"] == "pdsa.md" and log[1]["user_name"] == "bob"
    with (tmp_path / "out" / "feedback.csv").open(encoding="utf-8") as fh:
        assert next(csv.DictReader(fh))["sources"] == "run-charts.md"
    assert "parking" in views.gaps(report) and "Not about parking" in views.feedback(report)


def test_an_empty_log_says_so(embedder, tmp_path):
    report = build(questions=[], ratings=[], embedder=embedder, journey=None, indexed={},
                   days=7, now=NOW)

    assert "No questions were logged and no answers rated in the last 7 days" in report.empty
    assert report.empty in views.as_text(report)
    assert not any(export.figures(report).values())
    everything = build(questions=[], ratings=[], embedder=embedder, journey=None, indexed={},
                       now=NOW)
    assert everything.empty.startswith("No questions have been logged yet")
    files = export.write(report, tmp_path / "empty")
    assert (tmp_path / "empty" / "questions.csv").read_text(encoding="utf-8").startswith(
        "id,at,user_name,question,refused") and len(files) == 14


@pytest.mark.slow  # main() builds its own coach and embedder
def test_coach_insights_json_and_csv_on_seeded_data(tmp_path, monkeypatch, capsys):
    settings = settings_under(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))

    assert main(["insights"]) == 0
    assert "No questions were logged and no answers rated in the last 30 days" in \
        capsys.readouterr().out

    log = question_log(settings)
    for n, text in enumerate([*PARKING, *LEAVE]):
        log.record(Logged(f"user{n}", text, refused=True, reason="out-of-scope"))
    log.record(Logged("alice", "What dose of paracetamol?", refused=True, reason="clinical"))
    QuestionLog(log.db, clock=lambda: dt.datetime.now(dt.UTC) - dt.timedelta(days=60)).record(
        Logged("alice", "An old question", refused=False))
    feedback_store(settings).record("bob", {"question": "Where do I park?", "text": "…",
                                            "refused": True, "citations": []}, "down")

    assert main(["insights", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["questions"]["total"] == 7 and data["questions"]["refused"] == 7
    assert data["questions"]["by_reason"] == {"out-of-scope": 6, "clinical": 1}
    groups = [set(g["examples"]) for g in data["content_gaps"]["groups"]]
    assert set(LEAVE) in groups and any(set(PARKING) <= g for g in groups)
    assert data["feedback"]["ratings"] == 1 and data["content_gaps"]["clinical_refusals"] == 1

    assert main(["insights", "--days", "0", "--csv", str(tmp_path / "csv")]) == 0
    assert "Wrote" in capsys.readouterr().out
    rows = (tmp_path / "csv" / "questions.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 8  # everything logged, the old question too
    assert main(["insights", "--days", "-1"]) == 2


def test_what_people_typed_cannot_add_links_images_html_or_columns(embedder):
    typed = "Where is ![logo](http://tracker.example/p.png) <img src=x> a|b [here](http://x)?"
    report = build(questions=[log_row(1, typed, "out-of-scope")], ratings=[], indexed={},
                   embedder=embedder, journey=None, now=NOW)

    shown = views.gaps(report)

    assert "!\\[logo\\](http://tracker.example/p.png)" in shown and "![" not in shown
    assert "\\<img src=x\\>" in shown and "a\\|b" in shown and "\\[here\\]" in shown
