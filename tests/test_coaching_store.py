"""Saved progress: restarts, two users, corrupted and hand-edited records, a changed journey."""

from __future__ import annotations

import json

import pytest
from coaching_helpers import KNOWLEDGE, journey
from sqlalchemy.engine import make_url

from coach.coaching import machine as m
from coach.coaching.journey import parse_journey
from coach.coaching.session import JourneySession
from coach.coaching.store import ProgressStore, ProgressStoreError
from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.errors import BadInputError

SCORES = [3, 2, 1, 0, 2, 3, 3, 3, 3, 3, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3]


@pytest.fixture(scope="module")
def j():
    return journey()


@pytest.fixture
def db(database_url):
    """Each test runs on SQLite and on a real PostgreSQL (conftest's database_url)."""
    migrate(Database(engine_for(make_url(database_url))))
    return database_url


def session(j, db, user="alex"):
    """A new store and a new engine each time, as after a restart."""
    return JourneySession(j, ProgressStore(Database(engine_for(make_url(db)))), user)


def work(s):
    s.apply(m.start)
    s.apply(m.tick, ["1", "3"])
    s.apply(m.add_note, "Staff survey closes in May")
    s.apply(m.add_action, "Book board session", "Chief nurse", "2026-12-01", step=2)
    return s.apply(m.goto, 2)


def by_order(j, values):
    return {i.id: v for i, v in zip(j.assessment.items, values, strict=True)}


def test_progress_survives_a_restart(j, db):
    saved = work(session(j, db))
    again = session(j, db).progress()
    assert again == saved
    assert again.current == "board-support"
    assert again.step("assessing-readiness").ticked == {"readiness-tool-chosen",
                                                        "readiness-triggers-recorded"}
    assert again.step("board-support").actions[0].owner == "Chief nurse"
    assert again.warnings == ()


def test_two_users_never_see_each_others_journey(j, db):
    work(session(j, db, "alex"))
    bob = session(j, db, "bob")
    assert bob.progress() == m.Progress()
    bob.apply(m.start)
    bob.apply(m.add_note, "bob's note")
    bob.assess(by_order(j, [1] * 20))
    alex = session(j, db, "alex")
    assert alex.progress().step("assessing-readiness").notes == ("Staff survey closes in May",)
    assert alex.history()[0] == []
    assert [r.overall for r in bob.history()[0]] == [1.0]
    assert alex.reset() is True
    assert session(j, db, "bob").progress().step("assessing-readiness").notes == ("bob's note",)


def test_assessment_history_shows_change_over_time(j, db):
    s = session(j, db)
    s.assess(by_order(j, SCORES))
    s.assess(by_order(j, [2] * 20))
    results, warnings = session(j, db).history()
    assert [r.overall for r in results] == [1.85, 2.0]
    assert warnings == []
    assert s.progress().stage == m.Stage.ASSESSED


def test_out_of_range_scores_are_not_stored(j, db):
    s = session(j, db)
    with pytest.raises(BadInputError, match="outside 0-3"):
        s.assess(by_order(j, [4] + SCORES[1:]))
    assert s.history() == ([], [])


def test_reset_clears_the_journey_keeps_history_and_archives_the_old_record(j, db):
    s = session(j, db)
    work(s)
    s.assess(by_order(j, SCORES))
    assert s.reset() is True
    assert s.progress() == m.Progress()
    assert len(s.history()[0]) == 1
    (archived_at, reason, data), = s.store.archived("alex")
    assert reason == "reset" and "Book board session" in data
    assert s.reset() is False


def test_a_corrupted_record_gives_a_message_is_archived_and_the_user_can_carry_on(j, db):
    s = session(j, db)
    work(s)
    s.store.write_raw("alex", '{"v": 1, "stage": "on-st')  # cut short
    work(session(j, db, "bob"))
    p = s.progress()
    assert p == m.Progress(warnings=p.warnings)
    assert "could not be read" in p.warnings[0] and "archive" in p.warnings[0]
    assert s.store.archived("alex")[0][2] == '{"v": 1, "stage": "on-st'
    s.apply(m.start)  # carries on without a crash
    assert session(j, db).progress().stage == m.Stage.ON_STEP
    assert session(j, db, "bob").progress().step("board-support").actions  # untouched


def test_hand_edited_fields_are_repaired_or_kept_aside_never_dropped(j, db):
    s = session(j, db)
    work(s)
    record = json.loads(s.store.raw("alex"))
    record["stage"] = "dancing"
    record["steps"]["board-support"]["actions"].append({"what": "x", "owner": "y",
                                                        "due": "next week"})
    record["steps"]["assessing-readiness"]["ticked"].append("made-up-item")
    record["steps"]["buy-in-and-vision"] = "garbage"
    s.store.write_raw("alex", json.dumps(record))
    p = s.progress()
    text = " ".join(p.warnings)
    assert "'dancing' is unknown" in text
    assert "action 2 was unreadable" in text
    assert "made-up-item" in text
    assert "Securing wider organisational buy-in" in text
    assert p.stage == m.Stage.ON_STEP and p.current == "board-support"
    assert p.step("board-support").actions[0].what == "Book board session"
    assert len(p.step("assessing-readiness").ticked) == 2
    s.apply(m.add_note, "after the edit", step=2)
    kept = dict(session(j, db).progress().kept)
    assert kept["action:board-support:1"]["due"] == "next week"
    assert kept["unreadable:buy-in-and-vision"] == "garbage"


def renamed(old: str, new: str):
    text = (KNOWLEDGE / "journey.yaml").read_text(encoding="utf-8")
    return parse_journey(text.replace(f"id: {old}\n", f"id: {new}\n")
                         .replace(f"step: {old}\n", f"step: {new}\n"))


def test_a_renamed_step_is_kept_aside_with_a_message_and_comes_back(j, db):
    work(session(j, db))
    changed = session(renamed("board-support", "board-backing"), db)
    p = changed.progress()
    assert any("'board-support' does not match any step" in w for w in p.warnings)
    assert p.current == "assessing-readiness"  # the saved current step is gone: suggested
    assert p.step("assessing-readiness").notes == ("Staff survey closes in May",)
    changed.apply(m.tick, ["2"], step="board-backing")
    assert changed.progress().step("board-backing").ticked == {"executive-lead-agreed"}
    # journey.yaml put back: the step's saved work is there again
    back = session(j, db).progress()
    assert back.step("board-support").actions[0].what == "Book board session"
    assert not any("'board-support' does not match" in w for w in back.warnings)
    # and what was done under the other name is now the one kept aside
    assert any("'board-backing' does not match" in w for w in back.warnings)


def test_a_removed_checklist_item_is_kept_aside(j, db):
    s = session(j, db)
    work(s)
    text = (KNOWLEDGE / "journey.yaml").read_text(encoding="utf-8")
    cut = text.replace("      - id: readiness-triggers-recorded\n", "      - id: triggers-noted\n")
    p = session(parse_journey(cut), db).progress()
    assert p.step("assessing-readiness").ticked == {"readiness-tool-chosen"}
    assert any("readiness-triggers-recorded" in w for w in p.warnings)
    session(parse_journey(cut), db).apply(m.add_note, "edited")
    assert session(j, db).progress().step("assessing-readiness").ticked == {
        "readiness-tool-chosen", "readiness-triggers-recorded"}


def test_an_assessment_that_no_longer_matches_the_journey_is_reported_not_lost(j, db):
    s = session(j, db)
    s.assess(by_order(j, SCORES))
    changed = session(renamed("board-priority", "board-time"), db)
    results, warnings = changed.history()
    assert results == [] and "no longer matches journey.yaml" in warnings[0]
    assert len(session(j, db).history()[0]) == 1


def test_a_record_from_a_newer_version_is_refused_untouched(j, db):
    s = session(j, db)
    s.apply(m.start)
    newer = json.dumps({**json.loads(s.store.raw("alex")), "v": 99})
    s.store.write_raw("alex", newer)
    with pytest.raises(ProgressStoreError, match="newer Improvement Coach"):
        session(j, db).progress()
    assert session(j, db).store.raw("alex") == newer


@pytest.mark.parametrize("user", ["", "   ", "x" * 101])
def test_bad_user_names_are_refused(j, db, user):
    with pytest.raises(BadInputError, match="user name"):
        session(j, db, user)


@pytest.mark.parametrize("edit", [
    {"v": "one"}, {"stage": ["on-step"]}, {"current": ["board-support"]}, {"current": 7},
    {"steps": []}, {"steps": {"assessing-readiness": {"ticked": "readiness-tool-chosen"}}},
    {"steps": {"assessing-readiness": {"ticked": [{"id": 1}], "notes": "not a list"}}},
    {"steps": {"assessing-readiness": {"notes": ["ok", 5], "actions": {"what": "x"}}}},
    {"steps": {"assessing-readiness": {"completed": ["done"], "visited": "yes"}}},
    {"kept": "nonsense"},
])
def test_odd_hand_edits_never_crash_and_odd_values_are_kept(j, db, edit):
    s = session(j, db)
    s.apply(m.start)
    record = {**json.loads(s.store.raw("alex")), **edit}
    s.store.write_raw("alex", json.dumps(record))
    p = s.progress()
    assert p.stage in (m.Stage.ON_STEP, m.Stage.NEW)
    s.apply(m.goto, 1)
    s.apply(m.add_note, "still works")
    assert "still works" in session(j, db).progress().step("assessing-readiness").notes


def test_loading_a_corrupted_record_again_archives_it_once(j, db):
    s = session(j, db)
    s.store.write_raw("alex", "not json at all")
    for _ in range(3):
        assert "could not be read" in s.progress().warnings[0]
    assert len(s.store.archived("alex")) == 1


def test_work_on_a_step_before_start_opens_the_journey_but_apply_refuses(j, db):
    s = session(j, db)
    with pytest.raises(BadInputError, match="start the journey first"):
        s.apply(m.tick, ["1"], step=2)
    p = s.work(m.tick, ["1"], step=2)
    assert p.stage == m.Stage.ON_STEP
    assert session(j, db).progress().step("board-support").ticked == {"board-readiness-session"}
