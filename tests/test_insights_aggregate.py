"""The Insights figures (pure), each against numbers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from coach.coaching import assessment
from coach.coaching.journey import load_journey
from coach.coaching.machine import Progress, Stage
from coach.insights import aggregate
from coach.insights.gaps import cluster, label_terms

JOURNEY = load_journey(Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml")


def q(at: str, refused: bool = False, reason: str = "", cited: tuple[str, ...] = (),
      user: str = "alice", latency: int = 100, answerer: str = "extractive") -> dict:
    return {"at": at, "refused": refused, "reason": reason, "cited": list(cited),
            "user_name": user, "latency_ms": latency, "answerer": answerer}


def test_questions_per_day_include_quiet_days_and_the_refusal_rate():
    rows = [q("2026-03-01T09:00:00+00:00", latency=100),
            q("2026-03-01T10:00:00+00:00", True, "clinical", latency=300, user="bob"),
            q("2026-03-01T11:00:00+00:00", True, "out-of-scope", latency=200),
            q("2026-03-03T08:00:00+00:00", True, "out-of-scope", latency=50, answerer="journey")]

    usage = aggregate.usage(rows, "2026-02-28", "2026-03-04")

    assert [(d.day, d.questions, d.refused) for d in usage.days] == [
        ("2026-02-28", 0, 0), ("2026-03-01", 3, 2), ("2026-03-02", 0, 0),
        ("2026-03-03", 1, 1), ("2026-03-04", 0, 0)]
    assert usage.days[1].refusal_rate == pytest.approx(2 / 3)
    assert usage.days[0].refusal_rate is None  # no questions: no rate, not 0%
    assert (usage.questions, usage.refused, usage.users) == (4, 3, 2)
    assert usage.refusal_rate == 0.75
    assert usage.by_reason == {"out-of-scope": 2, "clinical": 1}
    assert usage.by_answerer == {"extractive": 3, "journey": 1}
    assert usage.median_latency_ms == 150.0  # median of 50, 100, 200, 300


def test_without_a_first_day_the_days_start_at_the_first_question():
    usage = aggregate.usage([q("2026-03-02T09:00:00+00:00")], None, "2026-03-03")
    assert [d.day for d in usage.days] == ["2026-03-02", "2026-03-03"]
    empty = aggregate.usage([], None, "2026-03-03")
    assert [d.day for d in empty.days] == ["2026-03-03"] and empty.median_latency_ms is None


def rating(n: int, day: str, up: bool, question: str = "What is a PDSA cycle?",
           answer: str = "A PDSA cycle is a test [1].", comment: str = "",
           sources: tuple[str, ...] = ("PDSA cycles",)) -> dict:
    at = f"{day}T1{n % 10}:00:00+00:00"
    return {"id": n, "created": at, "updated": at, "rating": "up" if up else "down",
            "comment": comment, "question": question, "answer": answer,
            "sources": [{"title": t, "source": t.lower()} for t in sources]}


def test_feedback_helpful_rate_per_day_comments_and_the_worst_rated_answers():
    rows = [rating(1, "2026-03-01", True),
            rating(2, "2026-03-01", False, comment="Too vague"),
            rating(3, "2026-03-01", True),
            rating(4, "2026-03-02", False, "How do boards help?", "Boards set aims [1].",
                   sources=("Board leadership",)),
            rating(5, "2026-03-02", False, "how do  BOARDS help?", "Boards set aims [1].",
                   comment="Wrong source", sources=("Board leadership",)),
            rating(6, "2026-03-03", False, "Parking?", "I can't help with that.", sources=())]

    fb = aggregate.feedback(rows, None, "2026-03-03")

    assert [(d.day, d.helpful, d.not_helpful) for d in fb.days] == [
        ("2026-03-01", 2, 1), ("2026-03-02", 0, 2), ("2026-03-03", 0, 1)]
    assert fb.days[0].helpful_rate == pytest.approx(2 / 3) and fb.days[1].helpful_rate == 0
    assert (fb.ratings, fb.helpful) == (6, 2) and fb.helpful_rate == pytest.approx(1 / 3)
    assert [c.comment for c in fb.comments] == ["Wrong source", "Too vague"]  # newest first
    # the same question (case and spaces aside) and answer count together: 2 down first,
    # then one down with no up (the later one first), then the PDSA answer (1 down, 2 up)
    assert [(w.question, w.not_helpful, w.helpful) for w in fb.worst] == [
        ("how do  BOARDS help?", 2, 0), ("Parking?", 1, 0), ("What is a PDSA cycle?", 1, 2)]
    assert fb.worst[0].sources == ("Board leadership",) and fb.worst[1].sources == ()


def test_documents_most_cited_and_never_cited():
    rows = [q("2026-03-01T09:00", cited=("a.md", "b.md")), q("2026-03-01T10:00", cited=("b.md",)),
            q("2026-03-01T11:00", cited=("b.md", "gone.md")),
            q("2026-03-01T12:00", True, "out-of-scope", cited=("c.md",))]  # refused: not counted
    indexed = {"a.md": "A", "b.md": "B", "c.md": "C", "d.md": "D"}

    docs = aggregate.documents(rows, indexed)

    assert [(d.source, d.title, d.cited) for d in docs.most] == [
        ("b.md", "B", 3), ("a.md", "A", 1), ("gone.md", "gone.md", 1)]
    assert [d.source for d in docs.never] == ["c.md", "d.md"] and docs.indexed == 4


def scores(leadership: int, others: int) -> dict[str, int]:
    return {i.id: leadership if i.enabler == "leadership-governance" else others
            for i in JOURNEY.assessment.items}


def test_journey_figures_appear_only_over_five_people_with_the_median_by_enabler():
    step1, step2 = JOURNEY.steps[0], JOURNEY.steps[1]
    progress = [Progress(), Progress(stage=Stage.ASSESSED),
                Progress(stage=Stage.ON_STEP, current=step1.id),
                Progress(stage=Stage.ON_STEP, current=step2.id),
                Progress(stage=Stage.ON_STEP, current=step2.id)]
    results = [assessment.score(JOURNEY, scores(a, b)) for a, b in
               ((0, 3), (1, 3), (2, 1), (3, 1), (3, 0))]

    four = aggregate.journeys(JOURNEY, progress[:4], results[:4])
    assert four.steps == () and four.readiness == ()
    assert "at least 5 people have a journey (4 so far)" in four.notes[0]

    five = aggregate.journeys(JOURNEY, progress, results)
    steps = dict(five.steps)
    assert steps[aggregate.NOT_STARTED] == 1 and steps[aggregate.ASSESSED_ONLY] == 1
    assert steps[f"1. {step1.title}"] == 1 and steps[f"2. {step2.title}"] == 2
    assert sum(steps.values()) == 5 and steps[aggregate.FINISHED] == 0
    medians = {r.enabler: r.median for r in five.readiness}
    # leadership: 0, 1, 2, 3, 3 -> 2; every other enabler: 3, 3, 1, 1, 0 -> 1
    assert medians == {"Leadership and governance": 2.0, "Infrastructure and resources": 1.0,
                       "Skills and workforce": 1.0, "Culture and environment": 1.0}
    assert {r.users for r in five.readiness} == {5} and five.notes == ()


def test_clustering_groups_rows_by_cosine_distance():
    def unit(*v: float) -> np.ndarray:
        x = np.array(v, dtype=np.float32)
        return x / np.linalg.norm(x)

    # two tight pairs at right angles to each other, and one point on its own
    vectors = np.stack([unit(1, 0.1, 0), unit(0, 1, 0), unit(1, 0, 0.1), unit(0, 1, 0.1),
                        unit(0, 0, 1)])
    assert cluster(vectors) == [0, 1, 0, 1, 2]
    assert cluster(vectors, threshold=1.5) == [0, 0, 0, 0, 0]  # everything within reach
    assert cluster(vectors[:1]) == [0] and cluster(vectors[:0]) == []


def test_labels_are_the_words_most_questions_use():
    texts = ["How do I get a staff parking permit?", "Where do staff park their cars?",
             "Is there a parking permit for night staff?", "Parking permits [email address "
             "removed]"]
    # park/parking share a stem: 4 questions, shown as the commoner spelling; permit(s) and
    # staff: 3 questions and 3 uses each, so alphabetical; the redaction placeholder is no word
    assert label_terms(texts) == ("parking", "permit", "staff")
    assert label_terms(["", "?"]) == ()
