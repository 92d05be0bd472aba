"""The coaching state machine: pure transitions over an immutable Progress and journey.yaml."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from coaching_helpers import KNOWLEDGE, journey

from coach.coaching import machine as m
from coach.coaching import where
from coach.coaching.journey import parse_journey
from coach.coaching.machine import Event, JourneyInputError, Progress, Stage


@pytest.fixture(scope="module")
def j():
    return journey()


def test_the_transition_table_allows_only_listed_moves():
    assert m.TRANSITIONS[(Stage.NEW, Event.ASSESS)] == Stage.ASSESSED
    assert m.TRANSITIONS[(Stage.ON_STEP, Event.ASSESS)] == Stage.ON_STEP
    assert m.TRANSITIONS[(Stage.ASSESSED, Event.START)] == Stage.ON_STEP
    assert m.TRANSITIONS[(Stage.FINISHED, Event.RESET)] == Stage.NEW
    for event in (Event.TICK, Event.NOTE, Event.ACTION, Event.NEXT, Event.COMPLETE):
        assert (Stage.NEW, event) not in m.TRANSITIONS
        assert (Stage.ASSESSED, event) not in m.TRANSITIONS


def test_start_opens_step_one_and_leaves_the_input_unchanged(j):
    before = Progress()
    after = m.start(j, before)
    assert before == Progress() and before.stage == Stage.NEW  # immutable value
    assert after.stage == Stage.ON_STEP
    assert after.current == "assessing-readiness"
    assert m.status(after, "assessing-readiness") == m.IN_PROGRESS
    assert m.status(after, "board-support") == m.NOT_STARTED


def test_work_before_start_is_refused_with_advice(j):
    with pytest.raises(JourneyInputError, match="start the journey first"):
        m.tick(j, Progress(), ["1"])
    with pytest.raises(JourneyInputError, match="start the journey first"):
        m.add_note(j, m.assessed(Progress()), "a note")


def test_assessment_then_start_then_next_previous_and_goto(j):
    p = m.assessed(Progress())
    assert p.stage == Stage.ASSESSED
    p = m.start(j, p)
    p = m.next_step(j, p)
    assert p.current == "board-support"
    p = m.previous_step(j, p)
    assert p.current == "assessing-readiness"
    with pytest.raises(JourneyInputError, match="first step"):
        m.previous_step(j, p)
    p = m.goto(j, p, 6)
    assert p.current == "sustaining"
    with pytest.raises(JourneyInputError, match="last step"):
        m.next_step(j, p)
    assert m.goto(j, p, "board-support").current == "board-support"


def test_start_resumes_the_current_step(j):
    p = m.goto(j, m.start(j, Progress()), 4)
    assert m.start(j, p).current == "skills-and-infrastructure"


def test_tick_by_number_or_id_and_untick(j):
    p = m.start(j, Progress())
    p = m.tick(j, p, ["1", "readiness-triggers-recorded"])
    assert p.step("assessing-readiness").ticked == {"readiness-tool-chosen",
                                                    "readiness-triggers-recorded"}
    p = m.tick(j, p, ["1"], ticked=False)
    assert p.step("assessing-readiness").ticked == {"readiness-triggers-recorded"}
    p = m.set_ticks(j, p, ["vision-coproduced"], step=3)
    assert p.step("buy-in-and-vision").ticked == {"vision-coproduced"}
    assert p.step("assessing-readiness").ticked == {"readiness-triggers-recorded"}


@pytest.mark.parametrize("ref", ["0", "7", "no-such-item", "board-readiness-session"])
def test_unknown_checklist_items_are_refused_and_name_the_valid_ones(j, ref):
    p = m.start(j, Progress())
    with pytest.raises(JourneyInputError, match="readiness-tool-chosen"):
        m.tick(j, p, [ref])


@pytest.mark.parametrize("ref", ["7", "0", "board", "Assessing readiness", ""])
def test_unknown_step_ids_are_refused_with_the_valid_list(j, ref):
    with pytest.raises(JourneyInputError, match=r"Unknown step .*2 \(board-support\)"):
        m.goto(j, m.start(j, Progress()), ref)


def test_notes_and_actions_are_added_to_the_named_or_current_step(j):
    p = m.start(j, Progress())
    p = m.add_note(j, p, "  Survey   closes in May ")
    p = m.add_action(j, p, "Book board session", "Chief nurse", "2026-12-01", step=2)
    assert p.step("assessing-readiness").notes == ("Survey closes in May",)
    assert p.step("board-support").actions == (
        m.Action("Book board session", "Chief nurse", dt.date(2026, 12, 1)),)
    assert p.current == "assessing-readiness"


@pytest.mark.parametrize("due", ["2026-13-01", "31/12/2026", "tomorrow", "", "2026-02-30"])
def test_bad_due_dates_are_refused_and_nothing_changes(j, due):
    p = m.start(j, Progress())
    with pytest.raises(JourneyInputError, match="YYYY-MM-DD"):
        m.add_action(j, p, "Book board session", "Chief nurse", due)
    assert p.step("assessing-readiness").actions == ()


@pytest.mark.parametrize(("what", "owner"), [("", "Sam"), ("Plan", "   "), ("x" * 2001, "Sam")])
def test_empty_or_huge_action_fields_are_refused(j, what, owner):
    with pytest.raises(JourneyInputError):
        m.add_action(j, m.start(j, Progress()), what, owner, "2026-12-01")


def test_completing_every_step_finishes_and_reopening_goes_back(j):
    p = m.start(j, Progress())
    for s in j.steps:
        assert p.stage == Stage.ON_STEP
        p = m.complete(j, p, step=s.id)
    assert p.stage == Stage.FINISHED
    assert m.suggested_step(j, p).id == "sustaining"
    p = m.complete(j, p, step=3, done=False)
    assert p.stage == Stage.ON_STEP
    assert m.suggested_step(j, p).id == "buy-in-and-vision"


def test_board_support_in_place_leads_to_step_three_and_flags_step_one(j):
    said = where.steps_mentioned(j, "We already have board support.")
    assert [s.id for s in said] == ["board-support"]
    p = m.mark_in_place(j, Progress(), [s.id for s in said])
    assert p.stage == Stage.ON_STEP
    assert p.current == "buy-in-and-vision"
    assert m.status(p, "board-support") == m.IN_PLACE
    assert [s.id for s in m.gaps_before(j, p, p.current)] == ["assessing-readiness"]


def test_in_place_does_not_overwrite_a_step_marked_done(j):
    p = m.complete(j, m.start(j, Progress()), step=2)
    p = m.mark_in_place(j, p, [2, 1])
    assert m.status(p, "board-support") == m.DONE
    assert m.status(p, "assessing-readiness") == m.IN_PLACE
    assert p.current == "buy-in-and-vision"


@pytest.mark.parametrize(("text", "expected"), [
    ("We do not have board support yet", []),
    ("Our board is behind this, and staff share the vision", ["board-support",
                                                               "buy-in-and-vision"]),
    ("we assessed our readiness last year", ["assessing-readiness"]),
    ("nothing relevant here", []),
])
def test_a_leads_own_words_map_to_steps(j, text, expected):
    assert [s.id for s in where.steps_mentioned(j, text)] == expected


def test_no_steps_named_is_refused(j):
    with pytest.raises(JourneyInputError, match="at least one step"):
        m.mark_in_place(j, Progress(), [])


def test_reset_returns_to_new(j):
    p = m.add_note(j, m.start(j, Progress()), "note")
    assert m.reset(p) == Progress()


def test_editing_journey_yaml_changes_the_journey():
    text = (KNOWLEDGE / "journey.yaml").read_text(encoding="utf-8")
    edited = text.replace('title: "Securing board support"', 'title: "Winning the board"')
    edited = re.sub(r"(- id: executive-lead-agreed\n\s+text: )\"[^\"]+\"",
                    r'\1"Named an executive sponsor"', edited)
    j2 = parse_journey(edited)
    p = m.next_step(j2, m.start(j2, Progress()))
    assert m.find_step(j2, p.current).title == "Winning the board"
    p = m.tick(j2, p, ["2"])
    assert p.step("board-support").ticked == {"executive-lead-agreed"}
    assert j2.step("board-support").checklist[1].text == "Named an executive sponsor"
    assert [s.id for s in where.steps_mentioned(j2, "we are winning the board over")] == [
        "board-support"]
