"""The SMART-aim check and the IHI progress scale (coach/workbench/aim.py), on aims written the
way NHS staff write them: with and without how much, by when and for whom (or where)."""

from __future__ import annotations

import pytest

from coach import prompts
from coach.errors import BadInputError
from coach.workbench.aim import (
    PARTS,
    PROGRESS_SCORES,
    check_aim,
    progress_meaning,
    progress_scale,
    progress_score,
    says_by_when,
    says_for_whom,
    says_how_much,
)

COMPLETE = [
    "Reduce inpatient falls on Ward 7 from 12 a month to 6 a month by 31 March 2026.",
    "By the end of December 2025, 95% of patients with suspected sepsis in the Emergency "
    "Department will receive antibiotics within one hour.",
    "Increase the proportion of discharges before midday on the acute medical unit from 15% "
    "to 30% by the end of Q3.",
    "To halve the number of category 2 pressure ulcers across district nursing caseloads "
    "within 12 months.",
    "We aim to reduce the DNA rate in the diabetes outpatient clinic to below 8% by April 2026.",
    "90% of staff on Elm Ward will have completed their appraisal by 31/03/2026",
    "Zero never events in theatres by the end of the financial year",
    "Reduce the median time from referral to first assessment for children referred to CAMHS "
    "from 14 weeks to 6 weeks by March 2027",
]


@pytest.mark.parametrize("aim", COMPLETE)
def test_complete_aims_pass(aim: str) -> None:
    check = check_aim(aim)
    assert check.missing == () and check.suggestions == ()
    assert check.complete
    assert check.summary == "This aim says how much, by when and for whom."


@pytest.mark.parametrize("aim", [
    "Reduce falls on Ward 7 by March 2026.",
    "Improve the experience of discharge for older people on Elm Ward by the end of the year.",
    "Increase 4-hour performance in ED by 31/03/2026",
    "Reduce falls per 1,000 bed days on Ward 10 by next winter",
    "Increase the percentage of patients on Bay 3 who have a NEWS2 recorded by Q4 2025/26",
    "Improve hand hygiene compliance among theatre staff by the end of September",
    "Reduce waiting times for patients aged over 65 in fracture clinic by April 2026",
])
def test_aims_without_how_much(aim: str) -> None:
    assert check_aim(aim).missing == ("how_much",)


@pytest.mark.parametrize("aim", [
    "Reduce inpatient falls on Ward 7 by 50%.",
    "Increase the percentage of patients seen within 4 hours in ED from 70% to 95%.",
    "Achieve 95% compliance with hand hygiene among theatre staff.",
    "Ensure 90% of patients are screened for delirium within 24 hours of admission",
    "Reduce waits for a first appointment in the memory clinic to under 6 weeks",
    "Halve the number of missed doses of time-critical medicines on the stroke unit",
    "95% of patients waiting less than 6 weeks from referral for a diagnostic test",
])
def test_aims_without_a_deadline(aim: str) -> None:
    assert check_aim(aim).missing == ("by_when",)


@pytest.mark.parametrize("aim", [
    "Reduce falls by 30% by March 2026.",
    "Increase use of the discharge checklist from 40% to 90% by the end of Q2.",
    "Halve missed doses within six months.",
    "Cut agency spend by £200k by April 2026",
    "Reduce DNAs to 5% by 2026",
])
def test_aims_without_for_whom_or_where(aim: str) -> None:
    assert check_aim(aim).missing == ("for_whom",)


@pytest.mark.parametrize("aim", ["Improve things.", "Better care", "Reduce harm", "  ", ""])
def test_vague_aims_miss_everything(aim: str) -> None:
    assert check_aim(aim).missing == PARTS


def test_suggestions_and_summary_come_from_the_prompt_file() -> None:
    check = check_aim("Reduce falls by 30%")
    parts = prompts.read_yaml("aim-check.yaml")["parts"]
    assert check.missing == ("by_when", "for_whom")
    assert check.suggestions == tuple(" ".join(parts[p]["suggestion"].split())
                                      for p in check.missing)
    assert check.summary == "This aim does not yet say by when or for whom."
    assert check.suggestions[0].startswith("Say by when: a date or a month")
    assert check_aim("Improve").summary == (
        "This aim does not yet say how much, by when or for whom.")
    assert check_aim("").summary.startswith("Write the aim first")


@pytest.mark.parametrize(("text", "expected"), [
    ("by 31 March 2026", True), ("by the end of March", True), ("by end of Q2", True),
    ("by 2026", True), ("in 2025/26", True), ("by the end of the financial year", True),
    ("by year end", True), ("by next winter", True), ("within the next 12 months", True),
    ("over the next year", True), ("in six months", True), ("by 31/03/2026", True),
    ("within 4 hours", False), ("within 6 weeks of referral", False), ("by 50%", False),
    ("seen in clinic", False), ("staff may attend", False),
])
def test_by_when(text: str, expected: bool) -> None:
    assert says_by_when(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("from 12 to 6", True), ("to 95%", True), ("by half", True), ("halve", True),
    ("to zero", True), ("one in ten", True), ("fifty per cent", True), ("to below 8", True),
    ("on Ward 7", False), ("by March 2026", False), ("per 1000 bed days", False),
    ("4-hour target", False), ("NEWS2 scores", False), ("Covid-19 patients", False),
    ("patients aged 75 and over", False), ("over-65s", False), ("increase the %", False),
    ("seen within 4 hours", False),
])
def test_how_much(text: str, expected: bool) -> None:
    assert says_how_much(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("for inpatients", True), ("on Ward 7", True), ("in A&E", True), ("in ED", True),
    ("district nursing caseloads", True), ("care home residents", True),
    ("the maternity service", True), ("our team", True), ("for over-65s", True),
    ("reduce it by half by May", False), ("edit the form", False), ("by 2026", False),
])
def test_for_whom(text: str, expected: bool) -> None:
    assert says_for_whom(text) is expected


# -- the IHI progress scale -----------------------------------------------------------------
def test_the_scale_runs_from_half_to_five_in_halves_with_the_reference_meanings() -> None:
    scale = progress_scale()
    assert [level.score for level in scale] == list(PROGRESS_SCORES)
    assert tuple(x / 2 for x in range(1, 11)) == PROGRESS_SCORES
    assert scale[0].meaning == "intent to take part"
    assert scale[5].meaning == "modest improvement (about 20% of expected results)"
    assert scale[-1].meaning == "outstanding, sustained results"
    assert all(level.meaning for level in scale)


@pytest.mark.parametrize(("entered", "score", "meaning"), [
    (0.5, 0.5, "intent to take part"), ("1", 1.0, "charter and team in place"),
    (" 3.5 ", 3.5, "improvement"), (4, 4.0, "significant improvement (50% or more)"),
])
def test_a_score_entered_is_checked_and_explained(entered: float | str, score: float,
                                                  meaning: str) -> None:
    assert progress_score(entered) == score
    assert progress_meaning(entered) == meaning


@pytest.mark.parametrize("entered", [0, 0.25, 5.5, "six", "", "nan", 3.7])
def test_a_score_off_the_scale_says_what_is_allowed(entered: float | str) -> None:
    with pytest.raises(BadInputError, match="choose one of 0.5, 1, 1.5"):
        progress_score(entered)
