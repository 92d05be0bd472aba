"""Sentence vectors pooled at ingest: stored beside the chunks, kept in step with them, and
used by the extractive answerer so a warm question runs the model once (for the question)."""

from __future__ import annotations

import numpy as np
import pytest

from coach.ingest.pipeline import embed_chunks
from coach.text import sentence_key, sentence_spans, sentences
from coach.types import Chunk

PDSA = """# PDSA cycles

## Planning a test

A Plan-Do-Study-Act cycle tests one change on a small scale. The team writes down a
prediction before the test starts.

The plan names three things:
- who runs the test;
- when it runs;
- what data is collected.

## Studying the results

The team compares the results with its **prediction** and decides what to do next.
"""

RUN_CHARTS = """# Run charts

## Reading a run chart

A run chart plots a measure over time with the median as the centre line. Six points in a
row above the median signal a shift.
"""


@pytest.fixture
def coach(make_coach):
    return make_coach(chunk_size=400, chunk_overlap=50)


@pytest.fixture
def kb(coach, write_md):
    root = coach.settings.knowledge_dir
    write_md(root / "pdsa.md", PDSA, title="PDSA cycles", kind="method", step=4)
    write_md(root / "run-charts.md", RUN_CHARTS, title="Run charts", kind="method")
    return root


def chunk_sentence_keys(coach, source: str | None = None) -> set[str]:
    return {sentence_key(s) for _pid, text, meta in coach._index.all_chunks()
            if source is None or meta["source"] == source for s in sentences(text)}


def stored_keys(coach) -> set[str]:
    """The sentence rows (not the question channel's, which carry ``asked``)."""
    got = coach._index.sentence_collection.get(include=["documents", "metadatas"])
    return {doc for doc, meta in zip(got["documents"], got["metadatas"], strict=True)
            if not meta.get("asked")}


# -- pure: where each sentence sits in its chunk ------------------------------------------
def test_spans_cover_each_sentence_and_each_list_item():
    text = ("Intro sentence here. Second one follows!\n\nThe plan names:\n- who;\n- when.\n\n"
            "- A bullet with **bold** text.")
    spans = sentence_spans(text)
    assert [k for k, _, _ in spans] == [
        "Intro sentence here.", "Second one follows!", "The plan names:", "who;", "when.",
        "A bullet with bold text.",
    ]
    assert [text[a:b] for _, a, b in spans] == [
        "Intro sentence here.", "Second one follows!", "The plan names:", "who;", "when.",
        "A bullet with **bold** text.",
    ]


def test_et_al_and_e_g_do_not_end_a_sentence():
    text = "The rubric of Jones et al. (2017) rates boards. Use tools, e.g. ORIC. It ends here."
    assert sentences(text) == ["The rubric of Jones et al. (2017) rates boards.",
                               "Use tools, e.g. ORIC.", "It ends here."]


def test_a_repeated_sentence_gets_the_span_of_each_occurrence():
    text = "Measure weekly. Plot the data. Measure weekly."
    assert [(a, b) for _, a, b in sentence_spans(text)] == [(0, 15), (16, 30), (31, 46)]


# -- the embedder pools sentence vectors from the chunk's forward pass ---------------------
def test_pooled_chunk_vectors_equal_plain_ones_and_sentences_resemble_their_own(embedder):
    chunk = Chunk(id="c1", source="pdsa.md", text=PDSA.split("## Planning a test\n\n")[1]
                  .split("\n## ")[0], title="PDSA cycles", heading="Planning a test",
                  page=None, step=None, kind="method", meta={})
    vectors, rows = embed_chunks(embedder, [chunk])
    assert np.allclose(vectors[0], embedder.encode([chunk.embedding_text()])[0], atol=1e-5)
    assert [key for key, _, _ in rows] == [k for k, _, _ in sentence_spans(chunk.text)]
    standalone = embedder.encode([key for key, _, _ in rows])
    for (_key, chunk_id, vec), alone in zip(rows, standalone, strict=True):
        assert chunk_id == "c1"
        assert abs(float(np.linalg.norm(vec)) - 1.0) < 1e-4
        # pooled in context, so not identical (least alike for a fragment such as "when it
        # runs;"), but clearly the same sentence
        assert float(vec @ alone) > 0.4
    other = embedder.encode(["Annual leave is booked through the rota system."])[0]
    assert all(float(vec @ alone) > float(vec @ other) + 0.2
               for (_k, _c, vec), alone in zip(rows, standalone, strict=True))


# -- the index keeps them in step with the chunks ------------------------------------------
def test_ingest_stores_a_vector_for_every_sentence(coach, kb):
    coach.ingest()
    assert stored_keys(coach) == chunk_sentence_keys(coach)
    found = coach._index.sentence_vectors(sorted(stored_keys(coach)) + ["Never indexed."])
    assert set(found) == stored_keys(coach)
    assert all(v.shape == (coach._index.dimension,) for v in found.values())


def test_deleting_or_changing_a_document_removes_its_sentence_vectors(coach, kb, write_md):
    coach.ingest()
    run_chart_keys = chunk_sentence_keys(coach, "run-charts.md")
    (kb / "run-charts.md").unlink()
    write_md(kb / "pdsa.md", PDSA.replace("small scale", "tiny scale"), title="PDSA cycles",
             kind="method", step=4)

    coach.ingest()

    keys = stored_keys(coach)
    assert keys == chunk_sentence_keys(coach)
    assert not keys & run_chart_keys
    assert any("tiny scale" in k for k in keys)
    assert not any("small scale" in k for k in keys)


def test_rebuild_starts_the_sentence_vectors_afresh(coach, kb):
    coach.ingest()
    coach._index.sentence_collection.upsert(ids=["stray"], embeddings=[[0.0] * 384],
                                           documents=["A stray sentence."],
                                           metadatas=[{"chunk": "gone"}])
    coach.ingest(rebuild=True)
    assert stored_keys(coach) == chunk_sentence_keys(coach)


# -- the answerer uses them ----------------------------------------------------------------
def test_a_warm_answer_embeds_no_sentences(coach, kb):
    coach.ingest()
    answer = coach.ask("How does a PDSA cycle test a change?")
    assert answer.citations and not answer.refused
    assert coach._answerer.cache.counts["embedded"] == 0
    assert coach._answerer.cache.counts["stored"] > 0


def test_an_index_without_sentence_vectors_still_answers(coach, kb):
    coach.ingest()
    coach._index._client.delete_collection(f"{coach._index.name}-sentences")
    coach._index._sentences = None  # as an index built before sentence vectors existed

    answer = coach.ask("How does a PDSA cycle test a change?")

    assert answer.citations and not answer.refused
    assert coach._answerer.cache.counts["embedded"] > 0
    assert coach._answerer.cache.counts["stored"] == 0
