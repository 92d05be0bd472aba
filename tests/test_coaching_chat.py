"""The chat coaches, through the Python API on the shipped knowledge: journey replies, the
guided step dialogue, and its notes and action in the progress store, `coach journey status`
and the exported plan. Real embedder, real Chroma, the real knowledge/ folder."""

from __future__ import annotations

import re

import pytest
from coaching_helpers import indexed_home

from coach.app import build_coach
from coach.cli import main
from coach.coaching import export
from coach.coaching.session import JourneySession

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

STEP_TITLES = ["Assessing readiness", "Securing board support", "Securing wider organisational",
               "Developing improvement skills", "Aligning and coordinating", "Sustaining"]


@pytest.fixture(scope="module")
def coach(tmp_path_factory, embedder):
    settings = indexed_home(tmp_path_factory, embedder, "chat")
    return build_coach(settings, embedder=embedder)


def markers_point_at_citations(answer):
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    return numbers and numbers <= {c.number for c in answer.citations}


def test_walk_me_through_lists_all_six_steps_in_order_with_citations(coach):
    answer = coach.ask("Walk me through the improvement journey step by step.", user="ov")
    positions = [answer.text.find(t) for t in STEP_TITLES]
    assert -1 not in positions and positions == sorted(positions)
    assert markers_point_at_citations(answer) and not answer.refused
    assert "coaching guidance" in answer.text and "The report says" not in answer.text


def test_done_step_one_what_next_names_step_two_and_what_it_involves(coach):
    answer = coach.ask("We have done step 1, what next?", user="next")
    assert "Step 2: Securing board support" in answer.text
    assert "board" in answer.text.split("Securing board support", 2)[-1]  # what it involves
    assert "First actions" in answer.text and markers_point_at_citations(answer)
    assert "Coach tab" in answer.text
    session = JourneySession.open(coach.settings, "next")
    assert session.progress().step("assessing-readiness").completed


def test_a_board_that_has_agreed_is_taken_into_account_and_the_lead_is_asked(coach):
    answer = coach.ask("I'm a new QI lead and our board has just agreed to invest. Where "
                       "should I start?", user="board")
    assert "Step 2 (Securing board support) is already in hand" in answer.text
    assert "Step 3" in answer.text and "Where are you now?" in answer.text
    assert answer.text.rstrip().endswith("?") or "?" in answer.text.split("Where are you now?")[1]
    assert markers_point_at_citations(answer)
    session = JourneySession.open(coach.settings, "board")
    assert session.progress().step("board-support").completed == "already in place"


def test_ordinary_questions_are_answered_as_before(coach):
    question = "What is a PDSA cycle?"
    assert coach.ask(question, user="o").text == coach.ask(question, journey=False).text


def test_journey_chat_can_be_switched_off(coach, embedder):
    settings = coach.settings.model_copy(update={"chat_journey": False})
    off = build_coach(settings, embedder=embedder)
    assert not off.ask("We have done step 1, what next?", user="off").query.startswith("journey")


def talk(coach, user, *messages):
    history, answers = [], []
    for message in messages:
        answer = coach.ask(message, history, user=user)
        history.append((message, answer.text))
        answers.append(answer)
    return answers


def test_a_guided_dialogue_saves_notes_and_an_accepted_action_everywhere(coach, capsys,
                                                                         monkeypatch, tmp_path):
    opened, first, accepted, skipped, back, stopped = talk(
        coach, "lead", "coach me through step 2",
        "About a quarter of board time goes to improvement; the rest is assurance.",
        "yes, add it for the chief nurse by 2027-03-31", "skip", "back", "stop")
    assert "Question 1 of 5" in opened.text
    assert "saved to Step 2" in first.text and "Suggested action" in first.text
    assert markers_point_at_citations(first) and "Question 2 of 5" in first.text
    assert "Added to your action plan" in accepted.text and "Question 2 of 5" in accepted.text
    assert "Question 3 of 5" in skipped.text and "Question 2 of 5" in back.text
    assert "pick up at question 2" in stopped.text

    session = JourneySession.open(coach.settings, "lead")
    sp = session.progress().step("board-support")
    assert len(sp.notes) == 1 and "quarter of board time" in sp.notes[0]
    assert len(sp.actions) == 1 and sp.actions[0].owner == "the chief nurse"
    assert sp.actions[0].due.isoformat() == "2027-03-31"

    monkeypatch.setenv("COACH_HOME", str(coach.settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(coach.settings.knowledge_dir))
    assert main(["journey", "status", "--user", "lead"]) == 0
    assert "2. Securing board support: in progress (0/6 ticked, 1 note(s), 1 action(s))" in \
        capsys.readouterr().out
    paths = export.write(session.plan(), tmp_path, ("md",))
    plan = paths[0].read_text(encoding="utf-8")
    assert "quarter of board time" in plan and sp.actions[0].what in plan

    resumed = talk(coach, "lead", "coach me through step 2")[0]
    assert "Picking up" in resumed.text and "Question 2 of 5" in resumed.text


def test_a_question_in_the_dialogue_is_answered_and_the_open_question_repeated(coach):
    opened, aside = talk(coach, "aside", "coach me through step 1", "What is a run chart?")
    assert "Question 1 of 5" in aside.text and "run chart" in aside.text.lower()
    session = JourneySession.open(coach.settings, "aside")
    assert session.progress().step("assessing-readiness").notes == ()


STEP5 = "**Question {} of 5** (Aligning and coordinating activity): "


def test_the_dialogues_fixed_sentences_word_for_word(coach):
    """Golden: the guided dialogue's own sentences (prompts/journey-replies.yaml), whole."""
    (opened, *_, fifth, back, stopped, resumed, no_offer, again, answered, misplaced,
     accepted) = talk(coach, "golden", "coach me through step 5", "skip", "skip", "skip",
                      "skip", "back", "stop", "coach me through step 5", "yes", "skip",
                      "We will write a one-page proposal for the board on sustaining the work.",
                      "skip", "yes, add it for the chief nurse by 2027-03-31")
    q4 = STEP5.format(4) + "Which projects should stop, merge or scale up?"
    q5 = STEP5.format(5) + "How do we decide which new projects receive support?"
    assert opened.text == (
        "Let's work through **Step 5: Aligning and coordinating activity** (step guide [1]).\n"
        "I will ask the step's 5 reflective questions (coaching guidance) one at a time. Each "
        "answer is saved as a note on the step, so it shows in the Coach tab and your action "
        "plan. Say “skip”, “back” or “stop” at any time.\n\n" + STEP5.format(1) +
        "Can every active project show which of our priorities it contributes to?")
    assert fifth.text == "Skipped.\n\n" + q5
    assert back.text == "Going back one question.\n\n" + q4
    assert stopped.text == ("Stopped. Your answers so far are saved on Step 5. Say “coach me "
                            "through step 5” to pick up at question 4.")
    assert resumed.text.startswith(
        "Picking up **Step 5: Aligning and coordinating activity** (step guide [1]).\n")
    assert no_offer.text == "No suggested action is waiting to be added just now.\n\n" + q4
    assert again.text == "Skipped.\n\n" + q5
    assert answered.text.startswith(
        "Noted, and saved to Step 5: “We will write a one-page proposal for the board on "
        "sustaining the work.”\n\nWhat the guidance offers here:\n\n")
    offer = re.search(r"\n\n\*\*Suggested action:\*\* (.+) \[\d+\] — say “yes, add it” to put "
                      r"it in your action plan \(you can add “for NAME by YYYY-MM-DD”\), or "
                      r"just answer the next question\.$", answered.text)
    assert offer is not None
    assert misplaced.text == "“skip” does not apply here."
    assert accepted.text == (
        f"Added to your action plan for Step 5: **{offer.group(1)}** — owner the chief nurse, "
        "due 2027-03-31 (change either in the Coach tab).\n\nThat was the last of Step 5's "
        "questions. Your answers are saved as notes on the step (Coach tab, `coach journey "
        "status`, the action plan). Tick its checklist in the Coach tab, or say “what next?”.")
