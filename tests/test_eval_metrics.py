"""Hand-computed golden values for the retrieval metrics, edge cases included."""

import math

import pytest

from coach.evals.metrics import contains_quote, hit_at_k, mrr_at_k, ndcg_at_k, relevance


def test_hit_at_k():
    assert hit_at_k([False, False, True], 3) == 1.0
    assert hit_at_k([False, False, True], 2) == 0.0
    assert hit_at_k([], 5) == 0.0


def test_mrr_at_k():
    assert mrr_at_k([False, True, True], 5) == 0.5
    assert mrr_at_k([True], 5) == 1.0
    assert mrr_at_k([False, False, False, True], 3) == 0.0
    assert mrr_at_k([], 5) == 0.0


def test_ndcg_at_k():
    # relevant at ranks 1 and 3, two relevant in all: (1 + 1/log2(4)) / (1 + 1/log2(3))
    expected = (1 + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([True, False, True], 3) == pytest.approx(expected)
    assert ndcg_at_k([False, False], 2) == 0.0
    # one relevant document exists, retrieved at rank 2: (1/log2(3)) / 1
    assert ndcg_at_k([False, True], 2, n_relevant=1) == pytest.approx(1 / math.log2(3))


def test_quote_matching_ignores_markup_and_case():
    passage = "The **four** broad categories are: leadership and governance; skills and workforce."
    assert contains_quote(passage, "four broad categories are: Leadership and governance")
    assert not contains_quote(passage, "culture and environment matter most of all here")
    assert not contains_quote(passage, "")


def test_relevance_requires_the_named_document():
    passages = [("a.md", "PDSA stands for plan, do, study, act."), ("b.md", "unrelated text")]
    assert relevance(passages, [("a.md", "plan, do, study, act")]) == [True, False]
    assert relevance(passages, [("b.md", "plan, do, study, act")]) == [False, False]
