"""Ingest through Coach.ingest: incremental, idempotent, and honest about what it skipped."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from coach.errors import BadInputError, CoachError, EmbeddingMismatchError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load
from coach.ingest.pipeline import check_not_empty
from coach.providers.chroma import make_client
from coach.retrieval.lexical import BM25Index
from coach.store import GuidanceIndex

PDSA = """# PDSA cycles

## Planning a test

A Plan-Do-Study-Act cycle tests one change on a small scale. The team writes down a
prediction before the test starts.

## Studying the results

The team compares the results with its prediction and decides what to do next.
"""

RUN_CHARTS = """# Run charts

## Reading a run chart

A run chart plots a measure over time with the median as the centre line.
"""


@pytest.fixture
def settings(make_settings):
    return make_settings(chunk_size=300, chunk_overlap=50)


@pytest.fixture
def coach(make_coach, settings):
    return make_coach(settings)


@pytest.fixture
def kb(settings, write_md):
    """A knowledge folder with two small Markdown documents."""
    root = settings.knowledge_dir
    write_md(root / "pdsa.md", PDSA, title="PDSA cycles", kind="method", step=4)
    write_md(root / "methods" / "run-charts.md", RUN_CHARTS, title="Run charts", kind="method")
    return root


def ids_by_source(index: GuidanceIndex) -> dict[str, list[str]]:
    """Every chunk id in the collection, grouped by source (duplicates would show twice)."""
    out: dict[str, list[str]] = {}
    for pid, _text, meta in index.all_chunks():
        out.setdefault(meta["source"], []).append(pid)
    return out


def expected_ids(path, sid: str, settings) -> list[str]:
    doc = load(path)
    doc = type(doc)(source=sid, text=doc.text, meta=doc.meta, pages=doc.pages)
    return [c.id for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap)]


def test_first_run_adds_every_document(coach, kb, settings):
    report = coach.ingest()

    assert sorted(report.added) == ["methods/run-charts.md", "pdsa.md"]
    assert report.updated == report.removed == report.unchanged == report.skipped == []
    assert report.changed is True
    ids = ids_by_source(coach._index)
    assert sorted(ids["pdsa.md"]) == sorted(expected_ids(kb / "pdsa.md", "pdsa.md", settings))
    assert report.chunks_added == report.chunks_total == coach.count() == sum(
        len(v) for v in ids.values()
    )
    assert "2 added" in report.summary()


def test_chunks_carry_provenance_into_the_index(coach, kb):
    coach.ingest()

    metas = [meta for _pid, _text, meta in coach._index.all_chunks()]
    pdsa = [m for m in metas if m["source"] == "pdsa.md"]
    assert pdsa and all(m["step"] == 4 and m["kind"] == "method" for m in pdsa)
    assert {m["heading"] for m in pdsa} == {"Planning a test", "Studying the results"}
    assert all(m["file_hash"] for m in metas)


def test_second_run_with_nothing_changed_is_a_no_op(coach, kb, settings):
    coach.ingest()
    count = coach.count()
    lexical_before = settings.lexical_path.read_bytes()

    report = coach.ingest()

    assert report.changed is False
    assert sorted(report.unchanged) == ["methods/run-charts.md", "pdsa.md"]
    assert report.added == report.updated == report.removed == []
    assert report.chunks_added == report.chunks_removed == 0
    assert report.summary().startswith("Nothing changed")
    assert coach.count() == count
    assert settings.lexical_path.read_bytes() == lexical_before


def test_a_fresh_coach_on_the_same_home_sees_nothing_changed(make_coach, kb, settings):
    make_coach(settings).ingest()

    report = make_coach(settings).ingest()

    assert report.changed is False
    assert len(report.unchanged) == 2


def test_changed_file_replaces_its_chunks(coach, kb, settings, write_md):
    coach.ingest()
    before = ids_by_source(coach._index)
    write_md(kb / "pdsa.md", PDSA.replace("small scale", "small scale, such as one clinic"),
             title="PDSA cycles", kind="method", step=4)

    report = coach.ingest()

    assert report.updated == ["pdsa.md"]
    assert report.added == report.removed == []
    assert report.unchanged == ["methods/run-charts.md"]
    after = ids_by_source(coach._index)
    new_ids = expected_ids(kb / "pdsa.md", "pdsa.md", settings)
    gone = set(before["pdsa.md"]) - set(new_ids)
    assert gone, "the edit should have changed at least one chunk"
    assert coach._index.get(sorted(gone)) == []
    # No duplicates: each source holds exactly its current chunks, once each.
    for source, ids in after.items():
        assert max(Counter(ids).values()) == 1, source
    assert sorted(after["pdsa.md"]) == sorted(new_ids)
    assert after["methods/run-charts.md"] == before["methods/run-charts.md"]
    assert report.chunks_removed == len(gone)
    assert coach.count() == sum(len(v) for v in after.values())
    # Unchanged chunks of the edited file are reused and now carry the new file hash.
    hashes = {m["file_hash"] for _p, _t, m in coach._index.all_chunks() if m["source"] == "pdsa.md"}
    assert len(hashes) == 1


def test_changed_file_text_replaces_the_old_text(coach, kb, write_md):
    coach.ingest()
    write_md(kb / "pdsa.md", PDSA.replace("prediction", "forecast"), title="PDSA cycles")

    coach.ingest()

    texts = [t for _p, t, m in coach._index.all_chunks() if m["source"] == "pdsa.md"]
    assert any("forecast" in t for t in texts)
    assert not any("prediction" in t for t in texts)


def test_deleted_file_loses_its_chunks(coach, kb):
    coach.ingest()
    (kb / "methods" / "run-charts.md").unlink()

    report = coach.ingest()

    assert report.removed == ["methods/run-charts.md"]
    assert report.unchanged == ["pdsa.md"]
    assert set(ids_by_source(coach._index)) == {"pdsa.md"}
    assert coach.count() == report.chunks_total


def test_unsupported_file_is_skipped_with_a_reason_and_the_rest_ingested(coach, kb):
    (kb / "slides.pptx").write_bytes(b"not really a deck")
    (kb / "journey.yaml").write_text("steps: []\n")  # data files are ignored silently

    report = coach.ingest()

    assert sorted(report.added) == ["methods/run-charts.md", "pdsa.md"]
    assert len(report.skipped) == 1
    name, reason = report.skipped[0]
    assert name == "slides.pptx"
    assert ".pptx" in reason and "supported" in reason
    assert "skipped slides.pptx" in report.summary()


def test_explicit_unsupported_path_is_skipped_and_the_run_continues(coach, kb, tmp_path):
    stray = tmp_path / "minutes.xlsx"
    stray.write_bytes(b"spreadsheet")

    report = coach.ingest([stray, kb / "pdsa.md"])

    assert report.added == ["pdsa.md"]
    assert [name for name, _ in report.skipped] == ["minutes.xlsx"]


def test_corrupt_replacement_is_skipped_and_earlier_chunks_are_kept(coach, settings,
                                                                    write_pdf):
    pdf = write_pdf(settings.knowledge_dir / "guide.pdf",
                    ["Page one: the aim of the project is shorter waits.",
                     "Page two: the team measures waiting time every week."])
    first = coach.ingest()
    assert first.added == ["guide.pdf"]
    kept = ids_by_source(coach._index)["guide.pdf"]
    pages = sorted(m["page"] for _p, _t, m in coach._index.all_chunks())
    assert pages == [1, 2]

    pdf.write_bytes(os.urandom(4096))
    report = coach.ingest()

    assert report.updated == report.removed == report.added == []
    assert [name for name, _ in report.skipped] == ["guide.pdf"]
    assert "earlier version stays indexed" in report.skipped[0][1]
    assert ids_by_source(coach._index)["guide.pdf"] == kept
    assert report.chunks_total == len(kept)


def test_empty_knowledge_folder_reports_zero_and_check_not_empty_raises(coach, settings):
    settings.knowledge_dir.mkdir(parents=True)

    report = coach.ingest()

    assert report.chunks_total == 0
    assert report.added == [] and report.changed is False
    with pytest.raises(CoachError) as err:
        check_not_empty(report, [settings.knowledge_dir])
    assert str(settings.knowledge_dir) in str(err.value)
    assert "coach ingest" in str(err.value)


def test_check_not_empty_accepts_a_populated_index(coach, kb):
    report = coach.ingest()

    check_not_empty(report, [kb])  # does not raise


def test_missing_path_is_bad_input(coach, tmp_path):
    missing = tmp_path / "no" / "such" / "folder"

    with pytest.raises(BadInputError, match="no such file or folder"):
        coach.ingest([missing])


def test_missing_default_knowledge_folder_is_bad_input(coach, settings):
    assert not settings.knowledge_dir.exists()

    with pytest.raises(BadInputError, match=str(settings.knowledge_dir)):
        coach.ingest()


def test_other_embedding_model_on_the_same_index_is_refused(coach, kb, settings):
    coach.ingest()
    client = make_client(settings)

    other = GuidanceIndex(client, settings.collection, "other-model", 768)

    with pytest.raises(EmbeddingMismatchError) as err:
        other.count()
    message = str(err.value)
    assert "coach ingest --rebuild" in message
    assert "other-model" in message and "all-MiniLM-L6-v2" in message
    # Refusing must not have touched the index the real model built.
    assert coach.count() > 0
    assert GuidanceIndex(make_client(settings), settings.collection, coach._embedder.model_name,
                         coach._embedder.dimension).count() == coach.count()


def test_rebuild_recovers_from_an_index_built_by_another_model(make_coach, kb, settings):
    GuidanceIndex(make_client(settings), settings.collection, "other-model", 768).count()
    coach = make_coach(settings)
    with pytest.raises(EmbeddingMismatchError):
        coach.ingest()

    report = coach.ingest(rebuild=True)

    assert sorted(report.added) == ["methods/run-charts.md", "pdsa.md"]
    assert coach.count() == report.chunks_total > 0
    assert coach._index.collection.metadata["embedding_model"] == coach._embedder.model_name


def test_rebuild_reindexes_everything_from_scratch(coach, kb):
    coach.ingest()
    ids = ids_by_source(coach._index)

    report = coach.ingest(rebuild=True)

    assert sorted(report.added) == ["methods/run-charts.md", "pdsa.md"]
    assert report.unchanged == []
    assert report.chunks_added == report.chunks_total == sum(len(v) for v in ids.values())
    assert {k: sorted(v) for k, v in ids_by_source(coach._index).items()} == {
        k: sorted(v) for k, v in ids.items()
    }


def test_rebuild_with_a_bad_path_keeps_the_index(coach, kb, tmp_path):
    coach.ingest()
    count = coach.count()

    with pytest.raises(BadInputError):
        coach.ingest([tmp_path / "typo"], rebuild=True)

    assert coach.count() == count


def test_changing_the_chunk_size_rechunks_every_file(make_coach, make_settings, kb, settings):
    make_coach(settings).ingest()
    bigger = make_settings(chunk_size=1000, chunk_overlap=50)

    coach = make_coach(bigger)
    report = coach.ingest()

    assert sorted(report.updated) == ["methods/run-charts.md", "pdsa.md"]
    ids = ids_by_source(coach._index)
    assert sorted(ids["pdsa.md"]) == sorted(expected_ids(kb / "pdsa.md", "pdsa.md", bigger))
    assert coach.count() == sum(len(v) for v in ids.values())


def test_lexical_index_is_written_under_home(coach, kb, settings):
    coach.ingest()

    path = settings.lexical_path
    assert path.is_file()
    assert settings.home in path.parents
    loaded = BM25Index.load(path)
    assert loaded is not None
    assert set(loaded[0].ids) == {pid for ids in ids_by_source(coach._index).values()
                                  for pid in ids}


def test_lexical_index_follows_changes(coach, kb):
    coach.ingest()
    (kb / "pdsa.md").unlink()

    coach.ingest()

    loaded = BM25Index.load(coach.settings.lexical_path)
    assert loaded is not None
    assert set(loaded[0].ids) == set(ids_by_source(coach._index)["methods/run-charts.md"])


def test_missing_data_directory_is_created(make_coach, make_settings, tmp_path, write_md):
    home = tmp_path / "not" / "yet" / "here"
    settings = make_settings(home=home)
    write_md(settings.knowledge_dir / "pdsa.md", PDSA, title="PDSA cycles")
    assert not home.exists()

    coach = make_coach(settings)
    report = coach.ingest()

    assert home.is_dir()
    assert settings.chroma_path.is_dir() and home in settings.chroma_path.parents
    assert settings.lexical_path.is_file()
    assert report.added == ["pdsa.md"]


def test_interrupted_replacement_is_redone_on_the_next_run(coach, kb):
    """A file whose chunks carry two versions' hashes (an ingest stopped half-way) is not
    taken as unchanged: the next run re-processes it."""
    coach.ingest()
    source, ids = max(ids_by_source(coach._index).items(), key=lambda kv: len(kv[1]))
    assert len(ids) > 1
    coach._index.update_meta([ids[-1]], [{"file_hash": "from-an-older-version"}])
    report = coach.ingest()
    assert source in report.updated
    assert coach.sources()[source]["file_hash"] is not None


def test_a_new_file_written_only_in_part_is_redone_on_the_next_run(coach, kb):
    """Chunks are embedded in batches across files; an ingest stopped between two batches
    leaves some of a new file's chunks, all with the right hash. Each chunk records how many
    chunks its file has, so the next run sees the file as incomplete and writes it again."""
    coach.ingest()
    source, ids = max(ids_by_source(coach._index).items(), key=lambda kv: len(kv[1]))
    assert len(ids) > 1
    coach._index.collection.delete(ids=[ids[-1]])  # as if the last batch never ran

    report = coach.ingest()

    assert source in report.updated
    assert sorted(ids_by_source(coach._index)[source]) == sorted(ids)
    assert coach.ingest().changed is False


def test_a_windows_1252_file_is_ingested_reported_and_quoted_correctly(make_coach):
    coach = make_coach()
    kb = coach.settings.knowledge_dir
    kb.mkdir(parents=True, exist_ok=True)
    sentence = ("The ward\u2019s \u201cquick win\u201d board cost \u00a3250 and showed falls "
                "each week on a run chart.")
    (kb / "export.txt").write_bytes(
        f"Falls improvement board\n\n{sentence} The team reviewed it at every huddle.\n"
        .encode("cp1252"))
    report = coach.ingest()
    assert report.added == ["export.txt"] and report.decoded == [("export.txt", "cp1252")]
    assert "read export.txt as cp1252 (not UTF-8)" in report.summary()
    answer = coach.ask("How much did the falls quick win board cost?")
    assert not answer.refused
    assert sentence in answer.text  # quoted with its smart quotes, apostrophe and pound sign
