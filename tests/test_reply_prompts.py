"""The fixed reply sentences as prompt files (prompts/journey-replies.yaml, prompts/notices.yaml,
prompts/workbench-replies.yaml, prompts/coach-tab.yaml, prompts/evaluate-tab.yaml): every
caller fills exactly the placeholders its entry names (``prompts.render`` would render a
missing one empty), and the pure journey replies and the notices rendered on fixed input, so a
change of wording shows up here as a reviewable diff."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from coaching_helpers import journey

from coach import prompts
from coach.answering.cited import Cited
from coach.coaching import machine
from coach.coaching.chat import replies
from coach.pii import redact
from coach.types import Passage
from coach.ui import eval_runs_view, journey_render
from coach.workbench import chat_replies

PACKAGE = Path(__file__).resolve().parents[1] / "coach"


def _keys(node: ast.expr) -> list[str]:
    """The entry names a call's key argument can take: a literal, or ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys(node.body) + _keys(node.orelse)
    raise AssertionError(f"line {node.lineno}: a reply key must be a literal string")


def _filled(call: ast.Call) -> tuple[str, list[ast.expr]] | None:
    """(prompt file, key arguments) of a ``say(key, ...)``, ``phrase(key, ...)``,
    ``coach_text(key, ...)`` or ``prompts.fill(file, key, ...)`` call, or None for any other
    call."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr \
        if isinstance(func, ast.Attribute) else ""
    if name == "say" and call.args:
        return replies.REPLIES, call.args[:1]
    if name == "phrase" and call.args:  # the workbench's chat replies (workbench/chat_replies.py)
        return chat_replies.REPLIES, call.args[:1]
    if name in ("coach_text", "coach_html") and call.args:  # the Coach tab (ui/journey_render)
        return journey_render.WORDS, call.args[:1]
    if name == "runs_text" and call.args:  # the Evaluate tab's runs (ui/eval_runs_view)
        return eval_runs_view.WORDS, call.args[:1]
    if name == "fill" and len(call.args) >= 2 and isinstance(call.args[0], ast.Constant):
        return call.args[0].value, call.args[1:2]
    return None


def fills() -> list[tuple[str, str, str, set[str]]]:
    """Every fixed sentence the package fills: (where, prompt file, key, values passed)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or (target := _filled(node)) is None:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            values = {k.arg for k in node.keywords}
            if None in values:  # the one forwarding helper (replies.say) passes **values on
                continue
            found += [(where, target[0], key, values) for key in _keys(target[1][0])]
    return found


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


FILLS = fills()


def test_the_package_fills_its_fixed_sentences_from_every_file():
    assert {file for _, file, _, _ in FILLS} >= {"journey-replies.yaml", "notices.yaml",
                                                 "workbench-replies.yaml", "coach-tab.yaml"}
    assert len(FILLS) > 30


@pytest.mark.parametrize("where,file,key,values", FILLS, ids=[f"{f[0]}:{f[2]}" for f in FILLS])
def test_each_sentence_gets_exactly_the_placeholders_its_entry_names(where, file, key, values):
    entries = prompts.read_yaml(file)
    assert key in entries, f"{where}: no entry {key!r} in prompts/{file}"
    assert placeholders(entries[key]) == values, f"{where}: {key}"


@pytest.mark.parametrize("file", ["journey-replies.yaml", "notices.yaml",
                                  "workbench-replies.yaml", "coach-tab.yaml",
                                  "evaluate-tab.yaml"])
def test_every_entry_is_used(file):
    used = {key for _, f, key, _ in FILLS if f == file}
    assert {k for k, v in prompts.read_yaml(file).items() if isinstance(v, str)} == used


# -- rendered on fixed input ---------------------------------------------------------------
JOURNEY = journey()
BOARD = JOURNEY.steps[1]


def passage(i: int) -> Passage:
    return Passage(id=str(i), text="text", source=f"s{i}.md", title="Guide", heading="",
                   page=None, step=None, kind="coach-guide", publisher="Improvement Coach",
                   year=2026, url=None, section="", score=0.5, dense_score=0.5)


def test_the_step_card_with_its_guide_and_first_actions():
    out = Cited()
    replies.step_card(out, JOURNEY, machine.start(JOURNEY, machine.Progress()), BOARD,
                      passage(1), [("Name an executive lead.", passage(2))])
    assert out.lines == [
        "**Step 2 of 6: Securing board support** (not started; coaching guidance from "
        "Improvement Coach's journey, step guide [1])", "", BOARD.purpose, "",
        "First actions (coaching guidance):", "- Name an executive lead. [2]", "",
        "Open it in the Coach tab (Step 2), or say “coach me through step 2” and I will ask "
        "its reflective questions here, one at a time."]


def test_the_step_card_without_a_guide_or_actions_shows_the_checklist():
    out = Cited()
    replies.step_card(out, JOURNEY, machine.mark_in_place(JOURNEY, machine.Progress(), [2]),
                      BOARD, None, [])
    assert out.lines[0] == ("**Step 2 of 6: Securing board support** (already in place; "
                            "coaching guidance from Improvement Coach's journey, step guide)")
    assert out.lines[4] == "What done looks like (the step's checklist, coaching guidance):"
    assert out.lines[5:8] == [f"- {c.text}" for c in BOARD.checklist[:3]]
    assert out.passages == []


def test_the_overview_heading_and_its_closing_sentence():
    for report, cited in ((passage(9), " [1]"), (None, "")):
        out = Cited()
        replies.overview(out, JOURNEY, machine.Progress(), {}, report)
        assert out.lines[0] == (
            f"**The 6 steps of the improvement journey** (step names from {JOURNEY.source}"
            f"{cited}; one-line summaries are Improvement Coach coaching guidance):")
        assert out.lines[-1] == (
            "Your next step is Step 1: Assessing readiness. Say “what next?” for its first "
            "actions, “coach me through step 1” to work through its questions here, or open "
            "the Coach tab.")


def test_where_the_lead_is_and_what_is_recorded():
    new, board = machine.Progress(), machine.mark_in_place(JOURNEY, machine.Progress(), [2])
    tail = ("Tell me what is already in place (for example “we have done step 1”), and I will "
            "take it into account.")
    assert replies.where_question(JOURNEY, new, JOURNEY.steps[0]) == \
        f"**Where are you now?** {tail}"
    assert replies.where_question(JOURNEY, board, JOURNEY.steps[2]) == (
        "**Where are you now?** Not yet recorded: Step 1 (Assessing readiness). Has that been "
        f"done, or is it still to do? {tail}")
    assert replies.progress_summary(JOURNEY, new) == "No step is recorded as done yet."
    assert replies.progress_summary(JOURNEY, board) == (
        "Recorded as done or in place: Step 2 (Securing board support). You are on Step 3: "
        "Securing wider organisational buy-in and creating a vision.")
    assert replies.done_list(JOURNEY, [1, 2]) == \
        "Step 1 (Assessing readiness), Step 2 (Securing board support)"
    assert replies.question_line(BOARD, 1) == \
        f"**Question 2 of 5** (Securing board support): {BOARD.questions[1]}"


def test_the_journey_replies_dialogue_sentences():
    say = replies.say
    assert say("in-hand-one", steps="Step 1 (Assessing readiness)") == (
        "So Step 1 (Assessing readiness) is already in hand: I have recorded that in your "
        "journey (reopen it in the Coach tab if that is not right).")
    assert say("stopped", number=2, question_number=3) == (
        "Stopped. Your answers so far are saved on Step 2. Say “coach me through step 2” to "
        "pick up at question 3.")
    assert say("not-here", move="skip") == "“skip” does not apply here."
    assert say("suggested-action", action="Name a lead.", cite="[2]") == (
        "**Suggested action:** Name a lead. [2] — say “yes, add it” to put it in your action "
        "plan (you can add “for NAME by YYYY-MM-DD”), or just answer the next question.")


def test_the_notices():
    found = redact("Mail jo@example.org or call 020 7946 0018 about 943 476 5919").notice()
    assert found == (
        "Your question contained personal data (an NHS number, a phone number and an email "
        "address). It was removed before the question was searched, logged or sent to a "
        "language model; please do not put patient or staff identifiers in questions.")
    assert prompts.fill("notices.yaml", "unchecked") == (
        "None of this answer could be matched to the guidance: treat it as unchecked and read "
        "the passages below.")
