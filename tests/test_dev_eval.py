"""The dev suite over the shipped knowledge: the evidence is retrieved in the top 5 for at
least 90% of answerable cases, and every out-of-scope case is refused.

This runs the real pipeline (bundled embedder, real Chroma in a temp dir, the whole
knowledge/ folder) and prints the figures so they can be reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.app import build_coach
from coach.config import Settings
from coach.evals.cases import load_suite
from coach.evals.metrics import hit_at_k, mrr_at_k, relevance

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "evals" / "dev" / "suite.yaml"


@pytest.fixture(scope="module")
def knowledge_coach(embedder, tmp_path_factory):
    home = tmp_path_factory.mktemp("dev-eval-home")
    coach = build_coach(Settings(home=home, knowledge_dir=ROOT / "knowledge"), embedder=embedder)
    report = coach.ingest()
    assert report.chunks_total > 100
    return coach


@pytest.fixture(scope="module")
def suite():
    return load_suite(SUITE)


def test_dev_suite_is_big_enough(suite):
    _, cases = suite
    assert len(cases) >= 80
    assert sum(not c.expect.answerable for c in cases) >= 12
    assert sum(bool(c.history) for c in cases) >= 5


def test_dev_suite_evidence_exists_in_the_knowledge(suite):
    _, cases = suite
    from coach.evals.metrics import contains_quote
    from coach.ingest.loaders import load

    missing = []
    for case in cases:
        for ev in case.expect.evidence:
            path = ROOT / "knowledge" / ev.doc
            if not path.is_file() or not contains_quote(load(path).text, ev.quote, 1.0):
                missing.append((case.id, ev.doc, ev.quote))
    assert not missing, missing[:5]


def test_dev_suite_retrieval_and_refusals(knowledge_coach, suite, capsys):
    spec, cases = suite
    k = spec.k
    hits, rrs, misses, refused_wrongly, answered_wrongly = [], [], [], [], []
    for case in cases:
        answer = knowledge_coach.ask(case.question, history=case.history)
        if not case.expect.answerable:
            if not answer.refused:
                answered_wrongly.append(case.id)
            continue
        rel = relevance([(p.source, p.text) for p in answer.passages],
                        [(e.doc, e.quote) for e in case.expect.evidence])
        hits.append(hit_at_k(rel, k))
        rrs.append(mrr_at_k(rel, k))
        if not hits[-1]:
            misses.append(case.id)
        if answer.refused:
            refused_wrongly.append(case.id)
    hit = sum(hits) / len(hits)
    mrr = sum(rrs) / len(rrs)
    out_of_scope = sum(not c.expect.answerable for c in cases)
    with capsys.disabled():
        print(f"\ndev suite: {len(hits)} answerable, hit@{k}={hit:.3f}, MRR@{k}={mrr:.3f}, "
              f"answerable refused={len(refused_wrongly)}; out-of-scope refused "
              f"{out_of_scope - len(answered_wrongly)}/{out_of_scope}; misses={misses}")
    assert hit >= spec.thresholds["hit_at_k"], misses
    recall = (out_of_scope - len(answered_wrongly)) / out_of_scope
    assert recall >= spec.thresholds["abstention_recall"], f"answered: {answered_wrongly}"
    clinical = {c.id for c in cases if "clinical" in c.tags and not c.expect.answerable}
    assert not clinical & set(answered_wrongly), "a clinical question was answered"
    assert len(refused_wrongly) <= 0.1 * len(hits), f"answerable refused: {refused_wrongly}"
