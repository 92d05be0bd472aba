"""Replies that answer first (issue 23): question-keyed sections, the direct answer, the
supporting material on the same question, related questions, and refusals that offer
questions the guidance answers. Real embedder, real Chroma, no mocks."""

from __future__ import annotations

import json

import pytest

from coach.answering.extractive import split_more
from coach.answering.sections import SectionWeights, leading, match_sections, related, two_part
from coach.cli import main
from coach.ingest.chunking import also_asked, chunk_document, section_answer
from coach.types import SourceDoc

GUIDE = {"publisher": "Improvement Coach (coaching guidance)", "year": 2026, "kind": "method",
         "title": "Measurement basics", "section": "Measurement"}

MEASURES = """# Measurement basics

## What is a run chart?

Also asked:
- run chart meaning
- how do you read a run chart

A run chart is a line graph of a measure over time with a centre line at the median. Teams use
it to see whether a change has led to improvement.

Four rules tell a team when a pattern is unlikely to be chance: a shift, a trend, too few or too
many runs, and an astronomical point. A shift is six or more points in a row on one side of the
median.

## What is an SPC chart?

A statistical process control (SPC) chart plots a measure over time with a mean and control
limits, which separate common-cause from special-cause variation.

## What are the three kinds of measure?

The three kinds of measure in a QI project are:

- outcome measures, which show whether the aim is being met;
- process measures, which show whether the changes are being carried out;
- balancing measures, which watch for harm elsewhere in the system.

Each project usually tracks a few of each.

## How do we write a good aim?

A good aim says how much improvement the team expects, for whom, and by when.
"""

PARKING = """# Estates

Staff car parking permits are issued by the estates office each April.
"""


def test_also_asked_is_cut_from_the_text_and_kept_as_questions():
    asked, body = also_asked("Also asked:\n- run chart meaning\n- how to read one\n\nA run chart "
                             "is a graph.\n")
    assert asked == ("run chart meaning", "how to read one")
    assert body == "A run chart is a graph.\n"
    assert also_asked("Also asked: a?; b? | c?\n\nText.") == (("a?", "b?", "c?"), "Text.")
    assert also_asked("A paragraph that says also asked: nothing.") == (
        (), "A paragraph that says also asked: nothing.")


def test_the_answer_first_paragraph_keeps_the_list_it_introduces():
    assert section_answer("One sentence. Two.\n\nMore detail.") == "One sentence. Two."
    assert section_answer("The three are:\n\n- a\n- b\n- c\n\nAfter.") == (
        "The three are:\n\n- a\n- b\n- c")
    assert section_answer("- a list first\n- no answer paragraph") == ""
    assert section_answer("x " * 600) == ""  # too long to be a direct answer


def test_chunks_carry_their_questions_and_answer_but_never_quote_the_block():
    doc = SourceDoc(source="m.md", text=MEASURES, meta=GUIDE)
    chunks = chunk_document(doc, 1000, 100)
    first = next(c for c in chunks if c.heading == "What is a run chart?")
    assert first.asked == ("run chart meaning", "how do you read a run chart")
    assert "Also asked" not in first.text and "run chart meaning" not in first.text
    assert first.answer.startswith("A run chart is a line graph")
    assert "run chart meaning" in first.embedding_text()  # the ways it is asked are embedded
    kinds = next(c for c in chunks if c.heading == "What are the three kinds of measure?")
    assert kinds.answer.endswith("balancing measures, which watch for harm elsewhere in the "
                                 "system.")


def test_two_part_questions_are_told_apart():
    assert two_part("what is a run chart and how do I read one?")
    assert two_part("What is an SPC chart? Why does it matter?")
    assert not two_part("what are outcome and process measures")
    assert not two_part("what is a run chart")


@pytest.fixture
def measures_coach(make_coach, write_md):
    coach = make_coach()
    write_md(coach.settings.knowledge_dir / "measures.md", MEASURES, **GUIDE)
    write_md(coach.settings.knowledge_dir / "estates.md", PARKING, title="Estates",
             publisher="Improvement Coach (coaching guidance)", year=2026, kind="method")
    coach.ingest()
    return coach


def test_a_matching_section_gives_the_direct_answer_and_the_rest_is_supporting(measures_coach):
    answer = measures_coach.ask("whats a run chart", journey=False)
    assert not answer.refused
    first = answer.text.split("\n", 1)[1]  # below the source label
    assert first.startswith("A run chart is a line graph of a measure over time")
    assert "[1]" in answer.text
    assert len(answer.text) < 500
    assert "More from the guidance" not in answer.text
    # the related questions are other sections' questions, never the one answered
    assert answer.related and "What is a run chart?" not in answer.related
    assert set(answer.related) <= {"What is an SPC chart?", "What are the three kinds of measure?",
                                   "How do we write a good aim?"}
    data = answer.to_dict()
    assert data["supporting"] == answer.supporting and data["related"] == list(answer.related)


def test_the_section_match_reads_the_ways_staff_ask(measures_coach, embedder):
    prepared = measures_coach.prepare("how do you read a run chart")
    matches = match_sections(prepared.query, prepared.found.query_vector, prepared.passages,
                             measures_coach._answerer.cache.vectors)
    assert matches[0].question == "What is a run chart?"
    assert matches[0].score > 0.9  # an "Also asked" line matches exactly
    w = SectionWeights(threshold=0.5)
    assert matches[0].confidence > 0.5
    assert leading(matches, "how do you read a run chart", w) == [matches[0]]
    assert leading(matches, "how do you read a run chart", SectionWeights(threshold=1.01)) == []
    offered = related(matches, [matches[0]], w)
    assert "What is a run chart?" not in offered and len(offered) <= 3


def test_a_list_answer_is_quoted_whole_with_every_item_cited(measures_coach):
    answer = measures_coach.ask("what are the 3 types of measures in QI", journey=False)
    assert not answer.refused
    for kind in ("outcome measures", "process measures", "balancing measures"):
        assert kind in answer.text
    assert answer.text.count("[1]") >= 4


def test_a_refusal_offers_questions_the_guidance_answers(measures_coach):
    answer = measures_coach.ask("what is the capital of peru", journey=False)
    assert answer.refused
    assert 2 <= len(answer.related) <= 3
    assert answer.supporting == ""


def test_split_more_separates_the_supporting_material():
    direct, more = split_more("**Coaching guidance** (x):\nA. [1]\n\n**More from the guidance**:"
                              "\n\n**Coaching guidance** (x):\nB. [2]")
    assert direct == "**Coaching guidance** (x):\nA. [1]"
    assert more == "**Coaching guidance** (x):\nB. [2]"
    assert split_more("Only an answer. [1]") == ("Only an answer. [1]", "")


def test_coach_ask_more_and_json(measures_coach, monkeypatch, capsys):
    settings = measures_coach.settings
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    question = "what is a run chart and what are the rules for reading one"
    assert main(["ask", "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"answer", "supporting", "related"} <= set(data)
    assert main(["ask", question]) == 0
    plain = capsys.readouterr().out
    assert main(["ask", "--more", question]) == 0
    more = capsys.readouterr().out
    assert "shift" in data["supporting"].lower()  # the rules, on the same question
    assert "coach ask --more" in plain and "More from the guidance:" not in plain
    assert "More from the guidance:" in more
    assert data["supporting"].split("\n")[-1][:40] in more
    assert "You could also ask:" in plain


def _section(text: str, heading: str):
    from coach.types import Passage

    return Passage(id=heading, text=text, source="guide.md", title="Guide", heading=heading,
                   page=None, step=None, kind="method", publisher="", year=None, url=None,
                   section="", score=0.5, dense_score=0.5, asked=(), answer=text)


def test_supporting_material_takes_the_answer_of_another_confident_section_only():
    from coach.answering.extractive import compose
    from coach.answering.sections import SectionMatch

    texts = ["Spread means adopting a change that worked on one ward on other wards.",
             "A spread package holds the change, its results and its tools for other sites.",
             "Psychological safety means people can speak up without fear of blame."]
    passages = [_section(t, f"Question {i}?") for i, t in enumerate(texts)]
    matches = [SectionMatch(i, 0.8, f"Question {i}?", t, confidence=c)
               for i, (t, c) in enumerate(zip(texts, (0.9, 0.6, 0.3), strict=True))]
    text, citations = compose([], passages, lead=matches[:1], matches=matches,
                              weights=SectionWeights(support=0.2))
    direct, more = split_more(text)
    assert "Spread means adopting" in direct and "spread package" not in direct
    assert "A spread package holds the change" in more  # confident: the same question
    assert "Psychological safety" not in text  # under the floor: a neighbouring topic
    assert len(citations) == 2


def test_rare_words_tell_sibling_sections_apart(measures_coach):
    """idf_q / idf_a weigh the question's words by how rare they are in the library: "median"
    (one section) counts for more than "chart" (two), so the run chart section holds more of
    the question's weight than the SPC one, in its questions and in its answer."""
    question = "which chart has a median line"
    prepared = measures_coach.prepare(question)
    lexical = prepared.found.lexical
    assert lexical is not None
    matches = {m.question: m.feats for m in match_sections(
        prepared.query, prepared.found.query_vector, prepared.passages,
        measures_coach._answerer.cache.vectors, idf=lexical.idf)}
    run, spc = matches["What is a run chart?"], matches["What is an SPC chart?"]
    assert run["idf_a"] > spc["idf_a"] > 0.0
    assert lexical.idf("median") > lexical.idf("chart")
    # idf_gap: how far a section's share leads the best other section's
    assert run["idf_gap"] == pytest.approx(run["idf_a"] - max(
        f["idf_a"] for q, f in matches.items() if q != "What is a run chart?"))
    assert run["idf_gap"] > 0 > spc["idf_gap"]
    # without an IDF every word weighs the same: the share of content words
    plain = {m.question: m.feats for m in match_sections(
        prepared.query, prepared.found.query_vector, prepared.passages,
        measures_coach._answerer.cache.vectors)}
    assert plain["What is a run chart?"]["idf_a"] == 1.0  # chart, median, line
    assert plain["What is an SPC chart?"]["idf_a"] == pytest.approx(1 / 3)  # chart
