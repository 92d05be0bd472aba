"""Pure rendering of answers and source cards: escaping, highlighting, warnings, refusals."""

from __future__ import annotations

from coach.ui import render

CITATION = {
    "number": 1, "source": "methods/pdsa.md", "title": "PDSA <cycles>", "section": "PDSA",
    "page": 4, "score": 0.5678, "kind": "method", "publisher": "Improvement Coach",
    "year": 2026, "url": "https://example.org/pdsa?a=1&b=2", "heading": "",
    "text": "Intro line.\n\nA PDSA cycle tests a change on a small scale first. "
            "<script>alert('x')</script> Other text.",
}


def test_claims_are_the_sentences_before_each_marker_group():
    text = ("**Coaching guidance** (drawing on sources):\n"
            "First claim here. [1] Second claim [2][3]. Third, no marker.\nFourth one. [1]")
    assert render.claims_by_citation(text) == {
        1: ["First claim here", "Fourth one"], 2: ["Second claim"], 3: ["Second claim"],
    }


def test_highlight_marks_runs_of_four_shared_words_and_escapes_the_rest():
    out = render.highlight("Plan the test. Then <b>study</b> the results with the team.",
                           ["We study the results with care"])
    assert out == ("Plan the test. Then &lt;b&gt;study&lt;/b&gt; the results with the team.")
    out = render.highlight("Plan the test. Then study the results with the team.",
                           ["We study the results with care"])
    assert out == "Plan the test. Then <mark>study the results with</mark> the team."


def test_highlight_keeps_paragraph_breaks():
    assert render.highlight("One.\n\nTwo.", []) == "One.<br><br>Two."


def test_source_card_shows_title_section_page_relevance_and_the_marked_passage():
    card = render.source_card(CITATION, ["A PDSA cycle tests a change on a small scale first"])
    assert card.startswith('<details class="source-card"><summary><span class="cite" role="img" '
                           'title="Source 1:">[1]</span> <strong>PDSA &lt;cycles&gt;</strong>'
                           '<span class="where">, section PDSA, page 4</span>')
    assert "relevance 0.57" in card and "Coaching guidance" in card
    assert "<mark>A PDSA cycle tests a change on a small scale first</mark>" in card
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert 'href="https://example.org/pdsa?a=1&amp;b=2"' in card
    assert "\n" not in card  # one HTML block: a blank line would end it in Markdown


def test_a_coverage_caveat_is_shown_inside_its_source_card():
    card = render.source_card({**CITATION, "coverage": "Known <only> from the summary."}, [])
    assert ('<div class="coverage" role="note"><strong>Coverage:</strong> '
            "Known &lt;only&gt; from the summary.</div>") in card
    assert "coverage" not in render.source_card(CITATION, [])


def test_only_web_links_become_links():
    card = render.source_card({**CITATION, "url": "javascript:alert(1)"}, [])
    assert "javascript:" not in card and "public source" not in card
    # the one link left is the card's own, to the document in the library (issue 27)
    assert card.count("<a ") == 1 and '<a class="open-source" href="/source/methods/pdsa.md"' \
        in card


def test_unsupported_sentences_are_flagged_with_a_visible_warning():
    turn = {"text": "Supported sentence. [1] An invented claim about budgets.",
            "unsupported": ["An invented claim about budgets."], "citations": [CITATION],
            "refused": False}
    out = render.answer_html(turn)
    assert ('<span class="unsupported" title="No source passage supports this sentence">⚠️ '
            '<span class="sr-only">Not matched to a source: </span>'
            "An invented claim about budgets.</span>") in out  # said in words, not colour
    assert 'role="alert"' in out and "could not be matched to a source passage" in out
    quiet = render.answer_html({**turn, "unsupported": []})
    assert "unsupported" not in quiet and 'role="alert"' not in quiet


def test_a_refusal_says_the_guidance_does_not_cover_it():
    out = render.answer_html({"text": "I can help with:\n- PDSA", "refused": True,
                              "citations": []})
    assert "<strong>The guidance does not cover this.</strong>" in out
    assert "- PDSA" in out and "source-card" not in out


def test_answer_text_is_escaped_but_our_headings_keep_their_markdown():
    body = render.answer_body("**The report says** (*Title*):\nUse <img src=x> and a*b*c. [2]")
    assert body.startswith("**The report says** (*Title*):\n")
    assert "&lt;img src=x&gt;" in body and "a\\*b\\*c" in body
    assert body.endswith('<span class="cite" role="img" title="Source 2">[2]</span>')


def test_a_notice_is_shown_above_the_answer():
    out = render.answer_html({"text": "A. [1]", "notice": "Personal data was removed.",
                              "citations": [], "refused": False})
    assert out.startswith('<div class="notice" role="note">ℹ️ Personal data was removed.')


def test_the_card_names_the_passage_heading_when_it_adds_something():
    linked = {**CITATION, "heading": "PDSA <cycles> > Linking cycles", "page": None}
    assert ", section PDSA, Linking cycles</span>" in render.source_card(linked, [])
    same = {**CITATION, "heading": "PDSA", "page": None}
    assert '<span class="where">, section PDSA</span>' in render.source_card(same, [])


def test_markers_and_cards_are_named_for_screen_readers():
    """A marker is an image of "[n]" named (and titled) with its source's name; the card's
    summary reads "Source n: title, section …". The chat keeps role and title, not aria-*."""
    run = {**CITATION, "number": 2, "title": "Run charts", "section": "Measurement",
           "page": None}
    assert render.source_name(run) == "Source 2: Run charts, section Measurement"
    assert render.source_name(CITATION) == "Source 1: PDSA <cycles>, section PDSA, page 4"
    out = render.answer_html({"text": "A shift is six points. [2]", "refused": False,
                              "citations": [run]})
    assert ('<span class="cite" role="img" title="Source 2: Run charts, section Measurement">'
            "[2]</span>") in out
    paged = render.answer_html({"text": "A. [1]", "refused": False, "citations": [CITATION]})
    assert 'title="Source 1: PDSA &lt;cycles&gt;, section PDSA, page 4">[1]</span>' in paged


def test_the_announcement_is_the_answer_in_plain_words():
    turn = {"text": "**The report says** (2019):\nA shift is six points. [1][2]",
            "refused": False, "citations": [CITATION, {**CITATION, "number": 2}],
            "unsupported": [], "notice": "", "question": "q"}
    assert render.announcement(turn, 3) == (
        "<p>Answer 3: The report says (2019): A shift is six points. 2 sources listed under "
        "the answer; open one to read the passage.</p>")
    refused = {**turn, "refused": True, "citations": [], "text": "I can help with <PDSA>."}
    assert render.announcement(refused, 1) == (
        "<p>Answer 1: The guidance does not cover this. I can help with &lt;PDSA&gt;.</p>")
    flagged = render.announcement({**turn, "citations": [], "unsupported": ["x"]}, 1)
    assert flagged.endswith("Check before relying on it: some sentences could not be "
                            "matched to a source passage.</p>")


def test_an_earlier_turn_is_rendered_once_however_often_the_chat_shows_it():
    from coach.ui.chat_session import messages

    first = {"question": "What is a PDSA cycle?", "text": "A test of change. [1]",
             "refused": False, "citations": [CITATION], "related": ["What is a run chart?"]}
    second = {**first, "question": "And a run chart?", "text": "A chart over time. [1]"}
    session = {"user": "alice", "turns": [first], "rated": {}, "target": None,
               "conversation": None}
    shown = messages(session)[1]["content"]
    before = render._answer_html.cache_info()
    again = messages({**session, "turns": [first, second]})
    after = render._answer_html.cache_info()
    assert again[1]["content"] == shown  # the same HTML as when it was new
    assert after.hits == before.hits + 1 and after.misses == before.misses + 1
    changed = render.answer_html({**first, "unsupported": ["A test of change."]})
    assert changed != shown and "⚠️" in changed  # a different turn is rendered afresh
