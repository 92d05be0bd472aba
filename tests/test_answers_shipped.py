"""Replies on the shipped knowledge state what was asked, first (issue: answers that answer).

Through the Python API on the real knowledge/ folder: the elements are named, not counted; the
triggers include the ones staff most often miss; a coverage caveat travels with its citation;
nothing in a reply is about the knowledge base itself.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

ELEMENTS = ("leadership and governance", "infrastructure and resources",
            "skills and workforce", "culture and environment")


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _answered(coach, question: str) -> tuple[str, str]:
    """The reply (flattened) and its lead (before "More from the guidance"); not refused."""
    answer = coach.ask(question)
    assert not answer.refused, question
    return _flat(answer.text), _flat(answer.text.split("**More from the guidance**")[0])


@pytest.mark.parametrize("question", [
    "Name the elements that underpin an organisational approach to improvement.",
    "What are the four elements that underpin an organisational approach to improvement?",
])
def test_the_four_elements_are_named(shipped_coach, question):
    text, lead = _answered(shipped_coach, question)
    # they are the answer, so they come first: in the lead, before any further context
    assert all(e in lead for e in ELEMENTS), text


@pytest.mark.parametrize("question", [
    "What can trigger a trust to begin an organisation-wide improvement programme?",
    "What usually prompts a trust to start an organisation-wide approach to improvement?",
])
def test_the_triggers_include_a_safety_incident_and_new_leaders(shipped_coach, question):
    text, _lead = _answered(shipped_coach, question)
    assert "safety incident" in text, text
    assert re.search(r"new (?:senior )?(?:leaders|leadership|chief executive)", text), text


def test_a_coverage_caveat_is_shown_beside_its_citation(shipped_coach):
    answer = shipped_coach.ask("What does good look like for an organisational approach?")
    caveats = [c for c in answer.citations if c.coverage]
    assert caveats, [c.source for c in answer.citations]
    as_json = answer.to_dict()["citations"]
    assert any(c["coverage"] for c in as_json)
    # the caveat is metadata, never a quoted sentence of the reply
    assert not any(c.coverage[:40] in answer.text for c in caveats)
