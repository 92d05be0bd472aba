"""Retrieval's question channel (issue 23): each section's own question and its "Also asked:"
lines are stored beside the sentences, and a user's question near one of them brings that
section into fusion even when its words and its text are far from the question. Real
embedder, real Chroma."""

from __future__ import annotations

GUIDE = {"publisher": "Improvement Coach (coaching guidance)", "year": 2026, "kind": "method",
         "title": "Testing changes"}

SECTIONS = """# Testing changes

## What is a PDSA cycle?

Also asked:
- how do we try an idea out small before rolling it out

A Plan-Do-Study-Act cycle is one turn of testing a change: plan it with a prediction, do it,
study the result against the prediction, and act on what was learnt.

## What is a driver diagram?

A driver diagram links an aim to the primary and secondary drivers that affect it, and to
the change ideas a team will test.

## How do we choose measures?

Pick an outcome measure, a few process measures and a balancing measure for each aim.
"""

ASKED = "how do we try an idea out small before rolling it out"


def _ingest(make_coach, write_md, **overrides):
    coach = make_coach(**overrides)
    write_md(coach.settings.knowledge_dir / "testing.md", SECTIONS, **GUIDE)
    coach.ingest()
    return coach


def test_a_question_asked_as_a_sections_other_phrasing_finds_it_first(make_coach, write_md):
    coach = _ingest(make_coach, write_md)
    found = coach._retriever.retrieve(ASKED)
    pdsa = next(p for p in found.passages if p.heading == "What is a PDSA cycle?")
    # the section's other phrasing is the nearest stored question
    assert found.channel_ranks["question"][pdsa.id] == 1
    # the channel ranks sections by their questions, never by a sentence of their text
    nearest = coach._retriever._nearest_questions(found.query_vector, 10)
    assert [pid for pid, _ in nearest][0] == pdsa.id
    assert len(nearest) == len({pid for pid, _ in nearest})  # each chunk once
    headings = {p.id: p.heading for p in found.passages}
    assert all(headings.get(pid, "").endswith("?") for pid, _ in nearest if pid in headings)


def test_the_channel_is_fused_with_its_weight(make_coach, write_md):
    # the words of the question match the driver diagram's text best ("change ideas ... to
    # test"): the channel, weighed heavily, puts the section whose phrasing it is first
    heavy = _ingest(make_coach, write_md, question_weight=20.0)._retriever.retrieve(ASKED)
    assert heavy.passages[0].heading == "What is a PDSA cycle?"
    off = _ingest(make_coach, write_md, question_weight=0.0)._retriever.retrieve(ASKED)
    assert off.channel_ranks["question"] == {}
    assert off.passages[0].heading == "What is a driver diagram?"


def test_a_changed_document_leaves_no_stale_questions(make_coach, write_md):
    coach = _ingest(make_coach, write_md)
    write_md(coach.settings.knowledge_dir / "testing.md",
             SECTIONS.replace("how do we try an idea out small before rolling it out",
                              "what does each stage of the cycle involve"), **GUIDE)
    coach.ingest()
    stored = coach._index.sentence_collection.get(where={"asked": True},
                                                  include=["documents", "metadatas"])
    assert ASKED not in stored["documents"]
    assert "what does each stage of the cycle involve" in stored["documents"]
    live = {pid for pid, _, _ in coach._index.all_chunks()}
    assert {m["chunk"] for m in stored["metadatas"]} <= live


def test_a_filtered_search_keeps_only_questions_of_chunks_it_allows(make_coach, write_md):
    coach = _ingest(make_coach, write_md)
    write_md(coach.settings.knowledge_dir / "board.md",
             "# Boards\n\n## What does the board do?\n\nThe board sets the ambition for "
             "improvement and reviews data over time.", title="Boards", step=2,
             kind="report-digest")
    coach.ingest()
    found = coach._retriever.retrieve(ASKED, step=2)
    assert found.passages and {p.step for p in found.passages} == {2}
    assert coach._retriever.retrieve(ASKED, step=3).passages == []


def test_an_index_read_again_gains_the_channel_rows_it_lacks(make_coach, write_md):
    coach = _ingest(make_coach, write_md)
    stored = coach._index.sentence_collection
    stored.delete(where={"asked": True})  # as an index built before the channel existed
    assert coach._index.questions()[0] == []
    write_md(coach.settings.knowledge_dir / "testing.md",
             SECTIONS + "\n## Who owns a PDSA ramp?\n\nThe project lead owns it.\n", **GUIDE)
    coach.ingest()  # the file changed, its chunks did not: no chunk is embedded again
    found = {p.id for p in coach.search(ASKED)}  # reads the index as it now is
    nearest = coach._retriever._nearest_questions(coach.encode([ASKED])[0], 5)
    assert nearest and nearest[0][0] in found


def test_a_document_without_question_headings_takes_part_by_its_title(make_coach, write_md):
    coach = _ingest(make_coach, write_md)
    write_md(coach.settings.knowledge_dir / "faculty.md",
             "The improvement faculty is a group of staff trained to coach and teach "
             "improvement across the trust.", title="The trust's improvement faculty")
    coach.ingest()
    found = coach._retriever.retrieve("What does the trust's improvement faculty do?")
    assert found.passages[0].source == "faculty.md"
    assert found.channel_ranks["question"][found.passages[0].id] == 1
