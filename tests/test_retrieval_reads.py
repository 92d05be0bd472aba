"""Retrieval reads from Chroma only what it keeps (issue #15 point 4: cost at 100k chunks).

The dense search asks for ids and distances with no count first, the fusion pool's rows are
read in one ``get`` (and kept while the index stays the same), the section questions are held
in memory and compared exactly, an unfiltered question never scans every chunk's metadata,
and an empty index is told by the lexical index rather than by counting. Each of those reads
scanned the whole collection or read rows that were thrown away; the results must be exactly
the ones the old reads gave, which the reference below recomputes from them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from coach.errors import IndexEmptyError
from coach.retrieval.fusion import mmr, rrf
from coach.tuning import QUESTION_CHANNEL_FLOOR

ROOT = Path(__file__).resolve().parents[1]
FULL = ["documents", "metadatas", "distances", "embeddings"]


def dev_questions() -> list[str]:
    lines = (ROOT / "evals" / "dev" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def old_reads(coach, query, *, step=None, kinds=None):
    """(id, dense score, vector) of each passage as retrieval chose them from the reads it
    used to make: a count, one query returning every candidate's text, metadata and vector,
    then a get for the pool's lexical-only members. Fusion and MMR are the product's own."""
    cfg, col = coach._retriever.config, coach._index.collection
    qvec = np.asarray(coach._embedder.embed_query(query), dtype=np.float32)
    allowed = None
    if step is not None or kinds:
        metas = col.get(include=["metadatas"])
        allowed = {pid for pid, m in zip(metas["ids"], metas["metadatas"], strict=True)
                   if (step is None or m["step"] == step) and (kinds is None or m["kind"] in kinds)}
    # the dense channel: every chunk compared with the query (exact, where Chroma's
    # approximate search could differ from one process to the next)
    every = col.get(include=["embeddings"])
    vectors = np.asarray(every["embeddings"], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    order = np.argsort(-(vectors @ (qvec / np.linalg.norm(qvec))), kind="stable")
    dense = [every["ids"][i] for i in order
             if allowed is None or every["ids"][i] in allowed][:cfg.fetch_k]
    rows = {every["ids"][i]: np.asarray(every["embeddings"][i], dtype=np.float32)
            for i in range(len(every["ids"])) if every["ids"][i] in set(dense)}
    lexical = coach._retriever.lexical().search(query, cfg.fetch_k, allowed)
    # the question channel: the chunks of the sections whose questions are nearest, each once,
    # by comparing the query with every stored question (exact, where an approximate search
    # of the sentence collection missed some)
    asked = coach._index.sentence_collection.get(where={"asked": True},
                                                 include=["metadatas", "embeddings"])
    sims = np.asarray(asked["embeddings"], dtype=np.float32) @ (qvec / np.linalg.norm(qvec))
    nearest = sorted(range(len(sims)), key=lambda i: -sims[i])[:cfg.fetch_k]
    by_question = list(dict.fromkeys(
        asked["metadatas"][i]["chunk"] for i in nearest
        if sims[i] >= QUESTION_CHANNEL_FLOOR
        and (allowed is None or asked["metadatas"][i]["chunk"] in allowed)))
    fused = rrf([(dense, cfg.dense_weight), ([p for p, _ in lexical], cfg.lexical_weight),
                 (by_question, cfg.question_weight)], k=cfg.rrf_k)
    pool = fused[: cfg.top_k * 3]
    missing = [pid for pid, _ in pool if pid not in rows]
    got = col.get(ids=missing, include=["embeddings"]) if missing else {"ids": [], "embeddings": []}
    rows.update((pid, np.asarray(v, dtype=np.float32))
                for pid, v in zip(got["ids"], got["embeddings"], strict=True))
    chosen = mmr([(pid, s / pool[0][1], rows[pid]) for pid, s in pool], cfg.top_k,
                 cfg.mmr_lambda)
    return [(pid, float(rows[pid] @ qvec), rows[pid]) for pid in chosen]


def passages(retrieval):
    return [(p.id, p.dense_score, retrieval.vectors[p.id]) for p in retrieval.passages]


def same(a, b) -> bool:
    return ([(pid, score) for pid, score, _ in a] == [(pid, score) for pid, score, _ in b]
            and all(np.array_equal(x, y) for (_, _, x), (_, _, y) in zip(a, b, strict=True)))


@pytest.mark.slow
def test_every_dev_question_retrieves_exactly_what_the_full_reads_gave(shipped_coach):
    coach = shipped_coach
    differ = [q for q in dev_questions()
              if not same(passages(coach._retriever.retrieve(q)), old_reads(coach, q))]

    assert differ == []


@pytest.mark.slow
@pytest.mark.parametrize(("step", "kinds"), [(2, None), (None, ("report", "report-digest")),
                                             (4, ("coach-guide", "method"))])
def test_filtered_searches_retrieve_exactly_what_the_full_reads_gave(shipped_coach, step, kinds):
    for q in dev_questions()[:40]:
        got = shipped_coach._retriever.retrieve(q, step=step, kinds=kinds)
        assert same(passages(got), old_reads(shipped_coach, q, step=step, kinds=kinds)), q
        assert all(step is None or p.step == step for p in got.passages)
        assert all(kinds is None or p.kind in kinds for p in got.passages)


def test_the_dense_search_gives_the_full_querys_ids_and_scores(make_coach, write_md):
    coach = make_coach()
    kb = coach.settings.knowledge_dir
    write_md(kb / "pdsa.md", "# PDSA\n\nA PDSA cycle tests one change on a small scale.\n\n"
             "## Study\n\nIn the study stage the team compares results with its prediction.",
             title="PDSA cycles", step=4, kind="method")
    write_md(kb / "board.md", "# Boards\n\nBoards set the ambition for improvement.",
             title="Boards", step=2, kind="report-digest")
    coach.ingest()
    col = coach._index.collection
    for question in ("What is a PDSA cycle?", "What does the board do?"):
        vec = coach._embedder.encode([question])[0]
        for where in (None, {"step": 2}, {"kind": {"$in": ["method"]}}):
            # more asked for than the collection holds: every chunk, best first, no error
            full = col.query(query_embeddings=[vec], n_results=col.count(), where=where,
                             include=FULL)
            near = coach._index.nearest(vec, 30, where)
            assert near == [(pid, 1.0 - d) for pid, d in
                            zip(full["ids"][0], full["distances"][0], strict=True)]
            rows = coach._index.get([pid for pid, _ in near])
            assert [(pid, text, meta) for pid, text, meta, _ in rows] == list(
                zip(full["ids"][0], full["documents"][0], full["metadatas"][0], strict=True))
            assert all(np.array_equal(vec, np.asarray(v, dtype=np.float32))
                       for (_, _, _, vec), v in zip(rows, full["embeddings"][0], strict=True))


def test_a_small_collection_is_searched_exactly_and_a_large_one_through_chroma(
        make_coach, write_md, monkeypatch):
    """Up to EXACT_DENSE_MAX chunks the dense channel compares every chunk in memory (the
    same passages in every process); beyond it, Chroma's approximate search."""
    from coach.retrieval import retriever as module

    coach = make_coach()
    kb = coach.settings.knowledge_dir
    for n in range(12):
        write_md(kb / f"doc{n}.md", f"# Topic {n}\n\nTeams test change number {n} on ward "
                 f"{n} with a PDSA cycle and a run chart.", title=f"Doc {n}", step=1 + n % 6,
                 kind="method")
    coach.ingest()
    r, col = coach._retriever, coach._index.collection
    qvec = np.asarray(coach._embedder.embed_query("testing a change on a ward"), np.float32)
    every = col.get(include=["embeddings", "metadatas"])
    sims = np.asarray(every["embeddings"], dtype=np.float32) @ qvec
    exact = [every["ids"][i] for i in np.argsort(-sims, kind="stable")]
    bm25 = r.lexical()
    got = r._dense(qvec, 5, None, None, bm25)
    assert [pid for pid, _ in got] == exact[:5]
    assert [s for _, s in got] == pytest.approx(sorted(sims, reverse=True)[:5], abs=1e-5)
    step2 = {every["ids"][i] for i, m in enumerate(every["metadatas"]) if m["step"] == 2}
    filtered = r._dense(qvec, 30, {"step": 2}, r._allowed(2, None), bm25)
    assert [pid for pid, _ in filtered] == [pid for pid in exact if pid in step2]
    monkeypatch.setattr(module, "EXACT_DENSE_MAX", 5)  # 12 chunks: Chroma's search
    assert r._dense(qvec, 5, None, None, bm25) == coach._index.nearest(qvec, 5, None)


def test_an_unfiltered_question_never_scans_the_chunks_metadata(make_coach, write_md):
    coach = make_coach()
    kb = coach.settings.knowledge_dir
    write_md(kb / "pdsa.md", "# PDSA\n\nA PDSA cycle tests one change on a small scale.",
             title="PDSA cycles", step=4, kind="method")
    coach.ingest()

    coach.ask("What is a PDSA cycle?")
    assert coach._retriever._meta is None  # read only when a filtered search needs it

    assert [p.source for p in coach._retriever.retrieve("PDSA cycle", step=4).passages] == [
        "pdsa.md"]
    assert coach._retriever.retrieve("PDSA cycle", step=3).passages == []


def test_a_filtered_search_sees_chunks_ingested_after_its_first(make_coach, write_md):
    coach = make_coach()
    kb = coach.settings.knowledge_dir
    write_md(kb / "pdsa.md", "# PDSA\n\nA PDSA cycle tests one change on a small scale.",
             title="PDSA cycles", step=4, kind="method")
    coach.ingest()
    assert coach._retriever.retrieve("small tests of change", step=4).passages

    write_md(kb / "tests.md", "# Small tests\n\nSmall tests of change come before spread.",
             title="Small tests of change", step=4, kind="method")
    coach.ingest()

    found = coach._retriever.retrieve("small tests of change", step=4).passages
    assert "tests.md" in [p.source for p in found]


def test_an_empty_index_is_refused_without_writing_a_lexical_index(make_coach):
    coach = make_coach()

    with pytest.raises(IndexEmptyError, match="coach ingest"):
        coach.ask("What is a PDSA cycle?")
    assert coach._retriever.is_empty()
    assert not coach.settings.lexical_path.exists()


def test_an_index_emptied_by_ingest_is_refused_as_empty(make_coach, write_md):
    coach = make_coach()
    doc = write_md(coach.settings.knowledge_dir / "pdsa.md",
                   "# PDSA\n\nA PDSA cycle tests one change on a small scale.", title="PDSA")
    coach.ingest()
    assert not coach._retriever.is_empty()
    assert not coach.ask("What is a PDSA cycle?").refused

    doc.unlink()
    coach.ingest()  # the folder is now empty: its document's chunks are removed

    assert coach.count() == 0
    with pytest.raises(IndexEmptyError):
        coach.ask("What is a PDSA cycle?")


def test_the_lexical_index_of_an_earlier_version_is_replaced(make_coach, write_md):
    coach = make_coach()
    write_md(coach.settings.knowledge_dir / "pdsa.md",
             "# PDSA\n\nA PDSA cycle tests one change on a small scale.", title="PDSA")
    old = coach.settings.home / "lexical-index.json"  # token lists, as versions before wrote
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text('{"fingerprint": "x", "docs": {}}')

    coach.ingest()

    assert coach.settings.lexical_path.is_file() and not old.exists()
    assert coach._retriever.retrieve("PDSA cycle", mode="lexical").passages


def test_what_retrieval_keeps_in_memory_follows_a_change_made_through_another_replica(
        make_coach, write_md):
    a = make_coach()
    b = make_coach(a.settings)  # a second replica over the same index
    doc = a.settings.knowledge_dir / "pdsa.md"
    write_md(doc, "# What is a PDSA cycle?\n\nA PDSA cycle tests one change on a small scale.",
             title="PDSA cycles")
    a.ingest()
    first = b._retriever.retrieve("what's a pdsa cycle")
    assert "small scale" in first.passages[0].text
    assert first.channel_ranks["question"][first.passages[0].id] == 1
    kept = b._retriever._rows
    assert first.passages[0].id in kept  # the next question about it reads nothing
    with pytest.raises(ValueError, match="read-only"):  # shared by every question
        first.vectors[first.passages[0].id][0] = 1.0

    write_md(doc, "# What is a PDSA cycle?\n\nA PDSA cycle tries one change with a few "
             "patients before the whole ward.", title="PDSA cycles")
    a.ingest()  # through the other replica

    again = b._retriever.retrieve("what's a pdsa cycle")
    assert "a few patients" in again.passages[0].text
    assert again.channel_ranks["question"][again.passages[0].id] == 1
    assert first.passages[0].id not in b._retriever._rows
