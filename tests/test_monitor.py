"""Answers in use, scored (issue 26, part 6): the review queue's answers scored once with the
metrics that need no expected answer, low ones flagged for review, the weekly trend in
Insights and `coach eval monitor`. Real database and the real grounding check."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from coach.cli import main
from coach.db import open_database
from coach.db import schema as s
from coach.review.monitor import LOW, Monitor, score_item
from coach.review.store import FLAGGED, SAMPLE, Item, Offer, ReviewStore

PASSAGE = {"source": "pdsa.md", "title": "PDSA", "heading": "What is a PDSA cycle?",
           "text": "A PDSA cycle tests one change on a small scale. The team writes a "
                   "prediction before the test."}
GROUNDED = "A PDSA cycle tests one change on a small scale. [1]"
INVENTED = ("A PDSA cycle needs ethics approval from the board. [1] It always lasts twelve "
            "weeks. [3]")


def item(reply: str, refused: bool = False, **changes) -> Item:
    return Item(id=1, created="2026-05-04T10:00:00+00:00", user="amy", kinds=(SAMPLE,),
                detail="", question="what is a pdsa cycle", reply=reply, refused=refused,
                refusal="out-of-scope" if refused else "", passages=(PASSAGE,), **changes)


def test_scores_need_no_expected_answer():
    good = score_item(item(GROUNDED))
    assert (good.groundedness, good.citation_validity, good.low) == (1.0, 1.0, False)
    assert good.reply_chars == len("A PDSA cycle tests one change on a small scale.")
    bad = score_item(item(INVENTED))
    assert bad.groundedness == 0.0 and bad.citation_validity == 0.5 and bad.low
    refused = score_item(item("The guidance I have does not cover that question.", True))
    assert refused.groundedness is None and refused.citation_validity is None
    assert not refused.low and refused.refused


@pytest.fixture
def db(make_settings, database_url):
    return open_database(make_settings(database_url=database_url))


def offer(store: ReviewStore, reply: str, log_id: int) -> int:
    return store.add(Offer(user="amy", kinds=(SAMPLE,), question=f"question {log_id}",
                           reply=reply, passages=[PASSAGE], log_id=log_id))


def test_each_answer_is_scored_once_and_low_ones_are_flagged(db):
    store = ReviewStore(db)
    good, bad = offer(store, GROUNDED, 1), offer(store, INVENTED, 2)
    watch = Monitor(db)
    scored = {s.item_id: s for s in watch.run()}
    assert set(scored) == {good, bad} and scored[bad].low and not scored[good].low
    assert watch.run() == []  # nothing new to score
    flagged = store.get(bad)
    assert flagged.kinds == (SAMPLE, FLAGGED) and "groundedness 0.00" in flagged.detail
    assert store.get(good).kinds == (SAMPLE,)
    [week] = watch.weeks()
    assert (week.scored, week.low, week.refused) == (2, 1, 0)
    assert week.groundedness == pytest.approx(0.5) and week.citation_validity == 0.75
    with db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.monitor_scores)
                            ).scalar_one() == 2
    assert LOW == 0.75


def test_coach_eval_monitor_prints_the_trend(make_settings, monkeypatch, capsys):
    settings = make_settings()
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    offer(ReviewStore(open_database(settings)), INVENTED, 7)
    assert main(["eval", "monitor"]) == 0
    out = capsys.readouterr().out
    assert "Scored 1 answer(s) in use; 1 below 0.75" in out and "0.00" in out
    assert main(["eval", "monitor", "--json"]) == 0
    [week] = json.loads(capsys.readouterr().out)
    assert week["scored"] == 1 and week["low"] == 1
