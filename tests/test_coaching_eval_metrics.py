"""Coaching-suite metrics and schema: golden values worked out by hand, and the validation
errors a hand edit of a coaching suite meets (file and line named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.evals import coaching_metrics as cm
from coach.evals.cases import SuiteError, load_suite, suite_kind
from coach.evals.coaching_cases import parse_coaching_cases, parse_coaching_suite

ROOT = Path(__file__).resolve().parents[1]
REPLY = ("Let's work through **Step 2: Securing board support** (step guide [1]).\n"
         "Say “skip” at any time.\n\n"
         "**Question 1 of 5** (Securing board support): How much board time goes to "
         "improvement compared with assurance at the moment?\n")
QUESTIONS = ["Whose views are missing from our picture of readiness?",
             "How much board time goes to improvement compared with assurance at the moment?"]


def test_names_step_needs_the_number_next_to_its_title():
    assert cm.names_step(REPLY, 2, "Securing board support")
    assert cm.names_step("**Step 3 of 6: Securing wider buy-in** (in progress)", 3,
                         "Securing wider buy-in")
    assert cm.names_step("Not yet recorded: Step 1 (Assessing readiness).", 1,
                         "Assessing readiness")
    assert not cm.names_step(REPLY, 3, "Securing board support")     # wrong number
    assert not cm.names_step("Step 2 comes after readiness; Securing board support is ...", 2,
                             "Securing board support")               # not side by side
    assert not cm.names_step("Step 21: Securing board support", 2, "Securing board support")


def test_asked_question_is_read_from_the_last_line_only():
    assert cm.asked_question(REPLY, QUESTIONS) == QUESTIONS[1]
    moved = REPLY + "\nSuggested action: agree a slot. [1]"
    assert cm.asked_question(moved, QUESTIONS) is None
    assert cm.asked_question("", QUESTIONS) is None
    assert cm.asked_question(REPLY, QUESTIONS[:1]) is None
    assert cm.last_line("a\n\nb\n  \n") == "b"


def test_markers_must_exist_and_point_at_citations():
    assert cm.markers_valid("A [1]. B [2][1].", [1, 2, 3])
    assert not cm.markers_valid("A [1]. B [4].", [1, 2, 3])
    assert not cm.markers_valid("No markers here.", [1])
    assert not cm.markers_valid("A [1].", [])


def test_new_items_counts_repeats_and_fragments_match_loosely():
    assert cm.new_items(["a", "b"], ["a", "b", "c"]) == ["c"]
    assert cm.new_items(["a"], ["a", "a"]) == ["a"]
    assert cm.new_items(["a", "b"], ["b"]) == []
    assert cm.fragment_in(["Q? — Ten  minutes at the END"], "ten minutes at the end")
    assert not cm.fragment_in(["Q? — ten minutes"], "an hour")
    assert cm.fragment_in(["x"], True) and not cm.fragment_in([], True)
    assert cm.fragment_in([], False) and not cm.fragment_in(["x"], False)


def test_check_rates_and_aggregates_golden():
    # case A: turns (pass: named+cited), (fail: question); case B: (pass: note), (not run)
    case_a = {"passed": False, "turns": [
        {"passed": True, "checks": {"next_step_named": True, "cited": True}},
        {"passed": False, "checks": {"question_asked": False, "cited": True}}]}
    case_b = {"passed": False, "turns": [
        {"passed": True, "checks": {"note_saved": True}},
        {"passed": False, "checks": {}}]}
    case_c = {"passed": True, "turns": [
        {"passed": True, "checks": {"question_asked": True, "note_saved": False,
                                    "journey_routed": True}}]}
    values = cm.aggregate([case_a, case_b, case_c], cm.AGGREGATES)
    assert values["case_pass_rate"] == round(1 / 3, 4)
    assert values["turn_pass_rate"] == 0.6                 # 3 of 5 turns
    assert values["next_step_named"] == 1.0
    assert values["question_asked"] == 0.5                 # 1 of 2
    assert values["note_saved"] == 0.5                     # 1 of 2
    assert values["cited"] == 1.0
    assert values["journey_routed"] == 1.0
    assert values["action_added"] is None                  # no turn expected an action
    assert cm.aggregate([case_a], ["turn_pass_rate"]) == {"turn_pass_rate": 0.5}
    assert cm.pass_rate([]) is None


SUITE = "name: c\nkind: coaching\ncases: cases.yaml\nthresholds: {cited: 1.0}\n"


def test_suite_kind_and_the_qa_loader_is_unchanged(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE, encoding="utf-8")
    assert suite_kind(path) == "coaching"
    assert suite_kind(tmp_path / "missing.yaml") == "qa"
    assert parse_coaching_suite(SUITE).selected_metrics()[:2] == ["case_pass_rate",
                                                                  "turn_pass_rate"]
    with pytest.raises(SuiteError, match="kind"):
        load_suite(path)  # a coaching suite is not a Q&A suite
    dev, _ = load_suite(ROOT / "evals" / "dev" / "suite.yaml")
    assert dev.kind == "qa" and suite_kind(ROOT / "evals" / "dev" / "suite.yaml") == "qa"


@pytest.mark.parametrize(("text", "message"), [
    ("name: c\nkind: coaching\ncases: c.yaml\nthresholds: {hit_at_k: 0.9}\n",
     "line 4: thresholds: .*no metric called hit_at_k"),
    ("name: c\nkind: coaching\ncases: c.yaml\nmetrics: [cited, nope]\n",
     "line 4: metrics: unknown metric"),
])
def test_bad_coaching_suites_name_the_line(text, message):
    with pytest.raises(SuiteError, match=message):
        parse_coaching_suite(text, "suite.yaml")


@pytest.mark.parametrize(("body", "message"), [
    ("  - id: a\n    turns:\n      - user: hi\n        expect: {}\n",
     "line 5: .*a turn must expect something"),
    ("  - id: a\n    turns:\n      - user: hi\n        expect: {asks_question: true, "
     "question: 2}\n", "line 5: .*question: N needs asks_question: true and step: N"),
    ("  - id: a\n    turns:\n      - user: hi\n        expect: {names_stepp: 2}\n",
     "line 5: .*names_stepp"),
    ("  - id: a\n    turns: []\n", "line 3: conversations.0.turns"),
    ("  - id: a\n    turns:\n      - user: hi\n        expect: {cites: true}\n"
     "  - id: a\n    turns:\n      - user: hi\n        expect: {cites: true}\n",
     "duplicate case id 'a'"),
])
def test_bad_coaching_cases_name_the_line(body, message):
    with pytest.raises(SuiteError, match=message):
        parse_coaching_cases("conversations:\n" + body, "cases.yaml")


def test_a_good_case_parses_with_its_setup():
    cases = parse_coaching_cases(
        "conversations:\n  - id: a\n    setup: {done: [1], current: 2}\n    turns:\n"
        "      - user: coach me through step 2\n"
        "        expect: {asks_question: true, step: 2, question: 1, saves_note: false}\n")
    assert cases[0].setup.done == [1] and cases[0].turns[0].expect.saves_note is False
