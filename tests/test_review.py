"""The review queue (coach/review/): what enters it, the store on SQLite and PostgreSQL,
reviews, saving a reviewed answer as a case that the next run of the suite includes, the
command line, privacy and forgetting. Real components throughout: the Ask tab's handlers on a
real Coach over a tiny knowledge folder, the real eval runner."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from eval_support import write_kb, write_suite
from sqlalchemy.engine import make_url

from coach.access.forget import forget
from coach.cli import main
from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.errors import BadInputError
from coach.evals.cases import SuiteError, load_suite
from coach.evals.runner import run_suite
from coach.insights import export, views
from coach.insights.feedback import feedback_store
from coach.insights.report import gather, indexed_documents
from coach.review.cases import normalised, pick_quote, save_case
from coach.review.queue import flags, offer_answer, sampled
from coach.review.store import (
    FLAGGED,
    SAMPLE,
    THUMBS_DOWN,
    Offer,
    ReviewStore,
    Rubric,
    by_month,
    review_store,
)
from coach.types import MISSED_POINT, OUT_OF_SCOPE, Answer, Passage
from coach.ui import ask_tab
from coach.ui.context import UIContext

EMAIL_QUESTION = "I am jo.bloggs@example.com: how long should each PDSA cycle be?"
PASSAGE = {"source": "pdsa.md", "title": "PDSA cycles", "heading": "PDSA cycles",
           "text": "A PDSA cycle has four stages: plan, do, study and act. Each cycle should be "
                   "short, so that the team learns quickly from what happened."}
WRONG = Rubric(correct=False, grounded=True, right_source=True, should_refuse=False,
               must_include=("short",), note="It should say cycles are short.")


def offer(**changes) -> Offer:
    base = Offer(user="alice", kinds=(THUMBS_DOWN,), question="How long is a PDSA cycle?",
                 reply="A PDSA cycle has four stages [1].", passages=(PASSAGE,),
                 history=(("What is PDSA?", "Plan, do, study, act."),), feedback_id=1)
    return replace(base, **changes)


@pytest.fixture
def store(database_url) -> ReviewStore:
    db = Database(engine_for(make_url(database_url)))
    migrate(db)
    return ReviewStore(db)


# -- the store, on both databases ----------------------------------------------------------
def test_an_answer_enters_once_and_leaves_when_reviewed(store):
    first = store.add(offer(log_id=7, feedback_id=None, kinds=(SAMPLE,)))
    # rated down afterwards: the same answer (its log row), so the reason is added
    assert store.add(offer(log_id=7, feedback_id=3)) == first
    # the same feedback row again (the rating changed back and forth): still one item
    assert store.add(offer(log_id=None, feedback_id=3)) == first
    other = store.add(offer(log_id=8, feedback_id=None, kinds=(FLAGGED,),
                            detail="unsupported sentences: 1"))
    assert [i.id for i in store.pending()] == [first, other]
    item = store.get(first)
    assert item.kinds == (THUMBS_DOWN, SAMPLE) and item.log_id == 7 and item.feedback_id == 3
    assert item.history == (("What is PDSA?", "Plan, do, study, act."),)
    assert item.passages == (PASSAGE,) and item.review is None
    assert store.get(other).why == "flagged (unsupported sentences: 1)"

    review = store.record(first, "rev", WRONG)
    assert review.reviewer == "rev" and review.rubric == WRONG
    assert [i.id for i in store.pending()] == [other]  # it left the queue
    corrected = store.record(first, "rev", replace(WRONG, correct=True))  # a correction
    assert corrected.rubric.correct and len(store.items()) == 2
    month = corrected.at[:7]
    assert store.months() == [by_month([(corrected.at, True)])[0]]
    assert store.months()[0].month == month and store.months()[0].good_rate == 1.0
    with pytest.raises(BadInputError, match="no review item 999"):
        store.get(999)


def test_the_queue_holds_redacted_text(store):
    item = store.get(store.add(offer(
        question="Call me on 07700 900123 about PDSA", reply="Email a@b.example for help",
        history=(("my NHS number is 943 476 5919", "ok"),))))
    stored = json.dumps([item.question, item.reply, item.history])
    assert "07700 900123" not in stored and "a@b.example" not in stored
    assert "943 476 5919" not in stored
    note = store.record(item.id, "rev", replace(WRONG, note="she is jo@example.com")).rubric.note
    assert "jo@example.com" not in note


def test_share_judged_good_per_month_is_counted_by_hand():
    months = by_month([("2026-01-05T10:00:00+00:00", True), ("2026-01-20T10:00:00+00:00", False),
                       ("2026-02-01T10:00:00+00:00", False)])
    assert [(m.month, m.reviewed, m.good, m.good_rate) for m in months] == [
        ("2026-01", 2, 1, 0.5), ("2026-02", 1, 0, 0.0)]


# -- what enters the queue ------------------------------------------------------------------
def test_the_sample_is_deterministic_and_about_the_share_asked():
    picked = [i for i in range(1, 4001) if sampled(i, 0.05)]
    assert picked == [i for i in range(1, 4001) if sampled(i, 0.05)]
    assert 150 < len(picked) < 250
    assert not any(sampled(i, 0) for i in range(100)) and all(sampled(i, 1) for i in range(100))


def _passage(score: float) -> Passage:
    return Passage(id="c1", text="text", source="a.md", title="A", section="", page=None,
                   score=score, step=None, kind="", publisher="", year=None, url=None,
                   heading="A", dense_score=score)


def test_the_pipeline_flags_unsupported_missed_and_near_threshold_answers():
    plain = Answer("An answer.", (), (_passage(0.6),), False, {})
    assert flags(plain, 0.35) == []
    assert flags(replace(plain, unsupported=("x", "y")), 0.35) == ["unsupported sentences: 2"]
    missed = replace(plain, refused=True, refusal=MISSED_POINT)
    assert flags(missed, 0.35) == ["refused: the draft missed the point"]
    near = replace(plain, refused=True, refusal=OUT_OF_SCOPE, passages=(_passage(0.32),))
    assert flags(near, 0.35) == ["near-threshold refusal: best passage 0.32, threshold 0.35"]
    far = replace(near, passages=(_passage(0.1),))
    assert flags(far, 0.35) == []


def test_offer_answer_queues_only_the_sample_and_the_flagged(tmp_path, make_settings):
    settings = make_settings(review_sample=0.0)
    answer = Answer("An answer.", (), (_passage(0.6),), False, {})
    assert offer_answer(settings, log_id=1, user="u", question="q", history=(),
                        answer=answer) is None
    flagged = offer_answer(settings, log_id=2, user="u", question="q", history=(),
                           answer=replace(answer, unsupported=("x",)))
    every = make_settings(review_sample=1.0)
    again = offer_answer(every, log_id=2, user="u", question="q", history=(), answer=answer)
    assert flagged is not None and again == flagged
    assert review_store(settings).get(flagged).kinds == (SAMPLE, FLAGGED)
    journey = replace(answer, query="journey:next")  # a chat coach's reply: not guidance
    assert offer_answer(every, log_id=3, user="u", question="q", history=(),
                        answer=journey) is None


# -- saving a case ---------------------------------------------------------------------------
def test_pick_quote_prefers_the_sentence_with_a_must_term():
    assert pick_quote(PASSAGE["text"], ["short"]).startswith("Each cycle should be short")
    assert pick_quote(PASSAGE["text"]).startswith("A PDSA cycle has four stages")
    assert normalised("What's  a PDSA cycle?") == normalised("what s a pdsa cycle")


def test_bad_input_writes_nothing(store, tmp_path):
    suite = write_suite(tmp_path)
    cases_file = suite.parent / "cases.jsonl"
    before = cases_file.read_text()
    item = store.add(offer())
    with pytest.raises(BadInputError, match="Review item .* first"):
        save_case(store, item, suite, evidence=1)
    store.record(item, "rev", WRONG)
    with pytest.raises(BadInputError, match="needs evidence"):
        save_case(store, item, suite, evidence=None)
    with pytest.raises(BadInputError, match="1 passage"):
        save_case(store, item, suite, evidence=4)
    with pytest.raises(BadInputError, match="not in passage 1"):
        save_case(store, item, suite, evidence=1, quote="words the passage never says")
    with pytest.raises(SuiteError, match=r"cases.jsonl line 5: .*quote"):  # the suite's schema
        save_case(store, item, suite, evidence=1, quote="ac")
    asked = store.add(offer(question="What are the STAGES of a PDSA cycle", feedback_id=2))
    store.record(asked, "rev", WRONG)
    with pytest.raises(BadInputError, match="already asks this question .case pdsa-stages"):
        save_case(store, asked, suite, evidence=1)
    coaching = tmp_path / "coaching.yaml"
    coaching.write_text("kind: coaching\nname: c\ncases: c.yaml\n")
    with pytest.raises(SuiteError, match="Q&A suites only"):
        save_case(store, item, coaching, evidence=1)
    assert cases_file.read_text() == before


def test_a_refusal_case_needs_no_evidence(store, tmp_path):
    suite = write_suite(tmp_path)
    item = store.add(offer(question="What dose of insulin should I give?"))
    store.record(item, "rev", Rubric(correct=False, grounded=False, right_source=False,
                                     should_refuse=True))
    saved = save_case(store, item, suite, evidence=None)
    assert saved.case["expect"] == {"answerable": False, "evidence": []}
    assert saved.case["tags"] == ["from-review", "thumbs-down"]
    # a second item the same id would take gets a fresh one
    second = store.add(offer(question="Another one?", feedback_id=9))
    store.record(second, "rev", WRONG)
    (suite.parent / "cases.jsonl").write_text(
        (suite.parent / "cases.jsonl").read_text().replace('"review-1"', f'"review-{second}"'))
    assert save_case(store, second, suite, evidence=1).case_id == f"review-{second}-2"
    assert len(load_suite(suite)[1]) == 6


# -- the whole loop: thumbs-down in the Ask tab to a case the next run includes --------------
@pytest.fixture
def ctx(tmp_path, make_settings, make_coach):
    write_kb(tmp_path)
    write_suite(tmp_path)
    settings = make_settings(evals_dir=tmp_path / "evals", review_sample=0.0)
    coach = make_coach(settings)
    coach.ingest()
    return UIContext(coach, settings)


def thumbs_down(ctx: UIContext, question: str, user: str = "alice") -> dict:
    """Ask in the Ask tab and rate the answer not helpful, as the browser does."""
    *_, (_, session, _, _) = ask_tab.respond(ctx, question, None, user)
    session, _, _ = ask_tab.rate(ctx, feedback_store(ctx.settings), session, 1, False, user)
    return session


def test_a_thumbs_down_becomes_a_case_that_the_next_run_includes(ctx, tmp_path):
    session = thumbs_down(ctx, EMAIL_QUESTION)
    store = review_store(ctx.settings)
    [item] = store.pending()
    assert item.kinds == (THUMBS_DOWN,) and item.user == "alice"
    assert item.log_id == session["logged"]["0"] and item.feedback_id == session["rated"]["0"]
    assert "jo.bloggs@example.com" not in item.question  # the queue holds redacted questions
    assert item.passages and item.passages[0]["source"] == "pdsa.md"
    # rated down again (and the comment box too): still one item
    ask_tab.rate(ctx, feedback_store(ctx.settings), session, 1, False, "alice")
    ask_tab.send_feedback(ctx, feedback_store(ctx.settings), session, ask_tab.UNHELPFUL,
                          "too long", "alice")
    assert len(store.pending()) == 1

    store.record(item.id, "editor1", WRONG)
    assert store.pending() == []
    copy = tmp_path / "copy"
    shutil.copytree(ctx.settings.evals_dir / "tiny", copy)
    saved = save_case(store, item.id, copy / "suite.yaml", evidence=1)
    assert saved.case_id == f"review-{item.id}"
    assert saved.case["expect"]["evidence"][0]["doc"] == "pdsa.md"
    assert saved.case["expect"]["must_include"] == ["short"]
    assert saved.case["tags"] == ["from-review", "thumbs-down"]
    assert store.get(item.id).review.case_id == saved.case_id

    run = run_suite(ctx.coach, copy / "suite.yaml")
    ran = {c["id"]: c for c in run["cases"]}
    assert saved.case_id in ran and run["counts"]["cases"] == 5
    assert ran[saved.case_id]["question"] == item.question
    with pytest.raises(BadInputError, match="already asks"):  # saved once only
        save_case(store, item.id, copy / "suite.yaml", evidence=1)

    # Insights: the share judged good, per month (0 of 1 here), as a chart and a table
    report = gather(ctx.settings, ctx.coach, indexed_documents(ctx.coach.sources()))
    [month] = report.reviewed
    assert (month.reviewed, month.good) == (1, 0)
    assert export.figures(report)["review_good_share"] is not None
    assert f"| {month.month} | 1 | 0 | 0% |" in views.reviewed(report)
    assert report.to_dict()["reviewed"][0]["good_rate"] == 0.0


def test_forget_removes_the_persons_items_and_reviews(ctx):
    thumbs_down(ctx, "How long should a PDSA cycle be?", user="alice")
    thumbs_down(ctx, "What is a shift on a run chart?", user="bob")
    store = review_store(ctx.settings)
    alice, bob = (i.id for i in store.pending())
    store.record(alice, "bob", WRONG)  # bob reviews alice's answer
    store.record(bob, "alice", WRONG)  # and alice bob's
    done = forget(store.db, ctx.settings.home, "alice")
    assert done.rows["review_items"] == 1 and done.rows["reviews"] == 2
    assert [i.id for i in store.items()] == [bob]
    assert store.get(bob).review is None  # the review alice wrote went too
    assert store.items(user="alice") == []


# -- the command line -----------------------------------------------------------------------
def test_coach_eval_review_lists_shows_records_and_saves(ctx, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(ctx.settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(ctx.settings.knowledge_dir))
    thumbs_down(ctx, "How long should a PDSA cycle be?")
    [item] = review_store(ctx.settings).pending()
    assert main(["eval", "review", "list"]) == 0
    out = capsys.readouterr().out
    assert f"{item.id:>5}" in out and "thumbs-down" in out and "PDSA cycle be" in out
    assert main(["eval", "review", "show", str(item.id)]) == 0
    out = capsys.readouterr().out
    assert "Question: How long should a PDSA cycle be?" in out and "[1] pdsa.md" in out
    assert main(["eval", "review", "record", str(item.id), "--wrong", "--grounded",
                 "--right-source", "--should-answer", "--must", "short",
                 "--reviewer", "ed"]) == 0
    assert "left the queue" in capsys.readouterr().out
    assert main(["eval", "review", "list"]) == 0
    assert capsys.readouterr().out.strip() == "The review queue is empty."
    suite = ctx.settings.evals_dir / "tiny" / "suite.yaml"
    assert main(["eval", "review", "save", str(item.id), "--suite", str(suite),
                 "--evidence", "9"]) == 2
    assert "1 to" in capsys.readouterr().err
    assert main(["eval", "review", "save", str(item.id), "--suite", str(suite),
                 "--evidence", "1"]) == 0
    assert f"case review-{item.id}" in capsys.readouterr().out
    # the next `coach eval run` of the suite (a copy in tmp_path) includes the case
    assert main(["eval", "run", str(suite), "--out", str(tmp_path / "run")]) in (0, 1)
    assert re.search(r"suite tiny: \d/5 cases passed", capsys.readouterr().out)
    ran = json.loads((tmp_path / "run" / "run.json").read_text())["cases"]
    assert f"review-{item.id}" in [c["id"] for c in ran]
    assert main(["eval", "review", "list", "--all", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["review"]["case_id"] == f"review-{item.id}"
    assert Path(listed["review"]["case_suite"]) == suite


def test_proposed_candidates_enter_the_queue_once_and_save_as_cases(ctx, tmp_path):
    from coach.evals.propose import candidates_for_review
    from coach.review.queue import offer_candidates
    from coach.review.store import PROPOSED

    suite = ctx.settings.evals_dir / "tiny" / "suite.yaml"
    kb = tmp_path / "kb2"  # a section headed by its question, answered first
    kb.mkdir()
    (kb / "pdsa-basics.md").write_text(
        "---\ntitle: PDSA basics\nkind: method\n---\n# PDSA basics\n\n"
        "## What is a PDSA cycle?\n\nA Plan-Do-Study-Act cycle tests one change on a small "
        "scale, with a prediction written before the test.\n", encoding="utf-8")
    candidates = candidates_for_review(ctx.settings, knowledge=kb, suites=[], seed=3)[:3]
    assert candidates

    def answer(question, history):
        return ctx.coach.ask(question, history, journey=False)

    assert offer_candidates(ctx.settings, answer, candidates) == (len(candidates), 0)
    assert offer_candidates(ctx.settings, answer, candidates) == (0, len(candidates))
    store = review_store(ctx.settings)
    items = store.pending()
    assert [i.question for i in items] == [c["question"] for c in candidates]
    first = items[0]
    assert first.kinds == (PROPOSED,) and first.user == "propose" and first.reply
    section = candidates[0]["section"]
    assert first.passages[0]["source"] == section["source"]  # the section it came from
    assert first.passages[0]["text"] == candidates[0]["expect"]["evidence"][0]["quote"]
    assert "suggested terms" in first.detail

    must = tuple(candidates[0]["expect"]["must_include"])
    store.record(first.id, "editor1", replace(WRONG, correct=True, must_include=must))
    copy = tmp_path / "copy"
    shutil.copytree(suite.parent, copy)
    saved = save_case(store, first.id, copy / "suite.yaml", evidence=1)
    assert saved.case["expect"]["evidence"][0]["doc"] == section["source"]
    assert saved.case["tags"] == ["from-review", PROPOSED]
    assert saved.case_id in {c.id for c in load_suite(copy / "suite.yaml")[1]}
