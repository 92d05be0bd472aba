"""Prompt rendering on fixed input: a change to a prompt file or to the rendering shows up
here as a reviewable diff."""

from __future__ import annotations

from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from coach import prompts
from coach.answering.generative import (
    GenerativeAnswerer,
    clean_rewrite,
    format_history,
    format_passages,
)
from coach.types import Passage


def passage(i: int, text: str, title: str, kind: str, heading: str = "") -> Passage:
    return Passage(id=str(i), text=text, source=f"s{i}.md", title=title, heading=heading,
                   page=None, step=None, kind=kind, publisher="Improvement Coach", year=2026,
                   url=None, section="", score=0.5, dense_score=0.5)


PASSAGES = [
    passage(1, "A PDSA cycle tests a change on a small scale.", "PDSA cycles", "method",
            "Testing changes"),
    passage(2, "Step 2 is securing board support.", "The improvement journey", "report-digest"),
    passage(3, "ELFT began its programme in 2014.", "Case-study trusts", "background"),
]

ANSWER_PROMPT = """Passages:

[1] coaching guidance — PDSA cycles > Testing changes
A PDSA cycle tests a change on a small scale.

[2] the report (our digest) — The improvement journey
Step 2 is securing board support.

[3] background, not from the report — Case-study trusts
ELFT began its programme in 2014.

Question: What is a PDSA cycle?

Write the answer as two or three short sentences of your own, using only the passages above. \
End each sentence with the number of its passage in square brackets, like [1]."""

CONDENSE_PROMPT = """Rewrite the last question so that it can be understood without the \
conversation. Keep the topic of the conversation and every name it uses. Do not answer the \
question. Reply with the rewritten question only, on one line.

Conversation:
User: What is step 1?
Coach: Step 1 is assessing readiness.

Last question: and what comes after that?

Rewritten question:"""


def answerer() -> GenerativeAnswerer:
    return GenerativeAnswerer(GenericFakeChatModel(messages=iter([])))


def test_answer_prompt_renders_numbered_passages():
    system, human = answerer().messages("What is a PDSA cycle?", PASSAGES)
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert system.content == prompts.read("system")
    assert "[2]" in system.content and "clinical advice" in system.content
    assert human.content == ANSWER_PROMPT


def test_condense_prompt_renders_the_conversation():
    (human,) = answerer().condense_messages(
        "and what comes after that?", [("What is step 1?", "Step 1 is assessing readiness.")]
    )
    assert human.content == CONDENSE_PROMPT


def test_long_passages_and_answers_are_cut_at_a_word():
    long = passage(1, "word " * 400, "Long", "method")
    text = format_passages([long], max_chars=50)
    assert text == "[1] coaching guidance — Long\n" + ("word " * 10).strip() + "…"
    history = format_history([("q1", "a1"), ("q2", "x" * 400), ("q3", "a3"), ("q4", "a4")])
    assert history.splitlines()[0] == "User: q2"  # the last three turns only
    assert history.splitlines()[1] == "Coach: " + "x" * 300 + "…"


def test_clean_rewrite_takes_the_first_line_without_labels():
    assert clean_rewrite('Rewritten question: "What is step 2?"\nmore') == "What is step 2?"
    assert clean_rewrite("\n\n  Standalone question: How is ORIC scored?") == (
        "How is ORIC scored?")
    assert clean_rewrite("   ") == ""


def test_copied_passage_headers_are_dropped_from_a_draft():
    from coach.answering.generative import strip_echoes

    draft = ("[2] the report (our digest) — The improvement journey\n"
             "Step 2 is securing board support [2].\n"
             "coaching guidance — PDSA cycles > Testing changes [1]\n"
             "coaching guidance —.")
    assert strip_echoes(draft, PASSAGES) == "Step 2 is securing board support [2]."
