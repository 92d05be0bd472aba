"""Processes sharing one Chroma collection each keep a BM25 index that follows the collection:
staleness is judged by the fingerprint an ingest records in the collection, not by count."""

from __future__ import annotations

import logging

import pytest

from coach.app import build_coach
from coach.providers.chroma import make_client
from coach.store import LEXICAL_FINGERPRINT

PDSA = """# PDSA cycles

A Plan-Do-Study-Act cycle tests one change on a small scale before it is spread.
"""

RUN_CHARTS = """# Run charts

A run chart plots a measure over time with the median as the centre line.
"""

GEMBA = """# Gemba walks

Leaders go to the gemba, the place where the work is done, to see the process first hand.
"""


@pytest.fixture
def replicas(make_settings, embedder, tmp_path):
    """Coach A ingests; coach B has a home of its own but shares A's Chroma collection."""
    a_settings = make_settings(root=tmp_path / "a", retrieval_mode="lexical")
    b_settings = make_settings(root=tmp_path / "b", retrieval_mode="lexical")
    a = build_coach(a_settings, embedder=embedder)
    b = build_coach(b_settings, embedder=embedder, client=make_client(a_settings))
    return a, b


def lexical_sources(coach, question: str) -> list[str]:
    return [p.source for p in coach._retriever.retrieve(question, mode="lexical").passages]


def test_a_same_count_replacement_through_one_coach_is_searched_by_the_other(
        replicas, write_md):
    a, b = replicas
    kb = a.settings.knowledge_dir
    write_md(kb / "pdsa.md", PDSA, title="PDSA cycles")
    write_md(kb / "run-charts.md", RUN_CHARTS, title="Run charts")
    a.ingest()
    assert lexical_sources(b, "What does a run chart plot?")[0] == "run-charts.md"
    count = b._index.count()

    (kb / "run-charts.md").unlink()  # one document out, another of the same size in
    write_md(kb / "gemba.md", GEMBA, title="Gemba walks")
    a.ingest()

    assert b._index.count() == count  # a count check could not see this change
    assert lexical_sources(b, "Why do leaders do a gemba walk?")[0] == "gemba.md"
    assert "run-charts.md" not in lexical_sources(b, "What does a run chart plot?")
    assert b.settings.lexical_path.is_file()  # B rebuilt its own copy, under its own home


def test_ingest_records_the_fingerprint_beside_the_embedding_model(replicas, write_md):
    a, b = replicas
    write_md(a.settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    a.ingest()
    first = b._index.lexical_fingerprint()

    write_md(a.settings.knowledge_dir / "gemba.md", GEMBA, title="Gemba walks")
    a.ingest()

    meta = b._index.collection.metadata
    assert first and b._index.lexical_fingerprint() not in (None, first)
    got = a._index._client.get_collection(a._index.name, embedding_function=None).metadata
    assert got["embedding_model"] == meta["embedding_model"] == a._embedder.model_name
    assert got["embedding_dim"] == a._embedder.dimension


def test_an_index_without_a_fingerprint_is_judged_by_count_and_upgraded_by_ingest(
        replicas, write_md, caplog):
    a, b = replicas
    write_md(a.settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    a.ingest()
    col = a._index._client.get_collection(a._index.name, embedding_function=None)
    col.modify(metadata={**(col.metadata or {}), LEXICAL_FINGERPRINT: ""})  # as before
    assert a._index.lexical_fingerprint() is None

    with caplog.at_level(logging.INFO, logger="coach"):
        assert lexical_sources(b, "What does a PDSA cycle test?")[0] == "pdsa.md"
    assert "judging the BM25 index by chunk count" in caplog.text

    write_md(a.settings.knowledge_dir / "gemba.md", GEMBA, title="Gemba walks")
    report = a.ingest()
    assert report.added == ["gemba.md"]
    assert a._index.lexical_fingerprint() is not None
    assert lexical_sources(b, "Why do leaders do a gemba walk?")[0] == "gemba.md"


def test_ingest_with_nothing_changed_records_a_missing_fingerprint(replicas, write_md):
    a, _ = replicas
    write_md(a.settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    a.ingest()
    col = a._index._client.get_collection(a._index.name, embedding_function=None)
    col.modify(metadata={**(col.metadata or {}), LEXICAL_FINGERPRINT: ""})

    report = a.ingest()

    assert report.changed is False
    assert a._index.lexical_fingerprint() is not None
