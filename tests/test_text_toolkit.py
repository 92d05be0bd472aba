"""The coach.text toolkit (pure): one splitter, citation markers, figures, words."""

from __future__ import annotations

from coach.text import (
    content_words,
    figures,
    first_sentence,
    is_heading,
    marker_numbers,
    markers_before_stop,
    normalise,
    split_marker_lists,
    split_sentences,
    strip_markers,
    words,
)


def test_the_splitter_keeps_abbreviations_decimals_and_closing_quotes_in_their_sentence():
    text = ('Jones et al. (2017) found 4.5 times more, e.g. Leeds. "It works." '
            "*The improvement journey* says so. 3 trusts agreed!")
    assert split_sentences(text) == [
        "Jones et al. (2017) found 4.5 times more, e.g. Leeds.",
        '"It works."',
        "*The improvement journey* says so.",
        "3 trusts agreed!",
    ]


def test_a_lower_case_word_after_a_full_stop_does_not_start_a_sentence():
    assert split_sentences("Use run charts. then act.") == ["Use run charts. then act."]


def test_first_sentence_joins_wrapped_lines():
    assert first_sentence("Boards set the aim\nfor the trust. Then they review.") == (
        "Boards set the aim for the trust.")
    assert first_sentence("") == ""


def test_markers_after_a_full_stop_move_into_their_sentence():
    text = markers_before_stop("Plan first. [1][2] Then do [3].")
    assert text == "Plan first [1][2]. Then do [3]."
    assert [marker_numbers(s) for s in split_sentences(text)] == [[1, 2], [3]]
    assert [strip_markers(s) for s in split_sentences(text)] == ["Plan first.", "Then do."]


def test_marker_lists_become_single_markers():
    assert split_marker_lists("A [1, 2] and B [3; 4].") == "A [1][2] and B [3][4]."
    assert marker_numbers("[2] and [10] and [2]") == [2, 10, 2]


def test_group_headings_and_markdown_headings_are_headings_and_bold_prose_is_not():
    assert is_heading("**The report says** (*The improvement journey*, 2019):")
    assert is_heading("## Step 2")
    assert not is_heading("**Board support** matters most.")


def test_figures_normalise_thousands_and_percentages_and_can_leave_out_years():
    assert figures("2,500 staff, 96% agreed, 2.5 times, in 2019") == {
        "2500", "96", "2.5", "2019"}
    assert figures("steps 1,2 and 3") == {"1", "2", "3"}
    assert figures("in Q4 of v1.4") == set()
    assert figures("in 2019, 12 trusts", years=False) == {"12"}


def test_words_normalise_and_content_words():
    assert words("PDSA cycles, run-charts!") == ["pdsa", "cycles", "run", "charts"]
    assert normalise("  Run-charts: (weekly) ") == "run charts weekly"
    assert content_words("How do we assess readiness for assessments?") == {"assess", "readi"}
