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


# -- context recall / precision (matched by quote) -----------------------------------------
def test_quote_ranks_and_context_recall():
    from coach.evals.metrics import context_recall, quote_ranks

    passages = [("a.md", "Nothing here."), ("b.md", "The board agrees a long-term commitment."),
                ("a.md", "PDSA stands for plan, do, study, act.")]
    evidence = [("a.md", "plan, do, study, act"), ("b.md", "long-term commitment"),
                ("c.md", "never retrieved at all")]
    ranks = quote_ranks(passages, evidence)
    assert ranks == [3, 2, None]
    assert context_recall(ranks, 3) == pytest.approx(2 / 3)  # two of three quotes in the top 3
    assert context_recall(ranks, 2) == pytest.approx(1 / 3)  # only rank 2 is within k=2
    assert context_recall([], 5) is None  # no evidence: not applicable, not 0 or 1


def test_context_recall_survives_rechunking():
    # the same document cut into different chunks: the quote still matches one of them
    from coach.evals.metrics import context_recall, quote_ranks

    whole = "Step one is assessing readiness. Step two is securing board support."
    rechunked = [("d.md", "Step one is assessing readiness."),
                 ("d.md", "Step two is securing board support.")]
    quote = [("d.md", "securing board support")]
    assert context_recall(quote_ranks([("d.md", whole)], quote), 5) == 1.0
    assert context_recall(quote_ranks(rechunked, quote), 5) == 1.0


def test_context_precision():
    from coach.evals.metrics import context_precision

    assert context_precision([True, False, True, False], 4) == 0.5
    assert context_precision([True, False, True, False], 2) == 0.5
    assert context_precision([False, False, False, True], 3) == 0.0
    assert context_precision([True], 5) == 1.0  # fewer passages than k: share of those retrieved
    assert context_precision([], 5) is None


# -- patterns and key points ----------------------------------------------------------------
def test_must_include_and_must_not_include():
    from coach.evals.metrics import must_include, must_not_include, pattern_found

    text = "The report was written by Bryan  Jones and colleagues in 2019."
    assert pattern_found(text, "bryan jones")  # case and spacing ignored
    assert pattern_found(text, "/20\\d\\d/")  # /regex/
    assert not pattern_found(text, "Tim Horton")
    assert must_include(text, ["Bryan Jones", "2019"]) == 1.0
    assert must_include(text, ["Bryan Jones", "2018"]) == 0.0
    assert must_include(text, []) is None
    assert must_not_include(text, ["dose"]) == 1.0
    assert must_not_include(text, ["dose", "2019"]) == 0.0
    assert must_not_include(text, []) is None


def test_key_point_recall():
    from coach.evals.metrics import key_point_covered, key_point_recall

    answer = "A PDSA cycle plans a change, tests it, studies the results and acts on them."
    # content words of the point: pdsa, cycle, test, chang -> all four in the answer
    assert key_point_covered(answer, "PDSA cycles test a change")
    # 'run chart median' shares none of its words
    assert not key_point_covered(answer, "Run charts use the median")
    # numbers must match exactly even when the words do
    assert not key_point_covered(answer, "A PDSA cycle tests 3 changes")
    assert key_point_recall(answer, ["PDSA cycles test a change", "Run charts use the median"]
                            ) == 0.5
    assert key_point_recall(answer, []) is None
    assert key_point_recall("", ["PDSA cycles test a change"]) == 0.0  # a refusal covers nothing


# -- abstention -----------------------------------------------------------------------------
def test_abstention_precision_and_recall():
    from coach.evals.metrics import abstention

    # (should_abstain, abstained): 2 true refusals, 1 wrong refusal, 1 missed refusal
    pairs = [(True, True), (True, True), (False, True), (True, False), (False, False)]
    precision, recall = abstention(pairs)
    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)
    assert abstention([(False, False), (False, False)]) == (None, None)  # nothing to refuse
    assert abstention([(True, False)]) == (None, 0.0)  # never refused: precision undefined
    assert abstention([]) == (None, None)


# -- latency --------------------------------------------------------------------------------
def test_percentile_linear_interpolation():
    from coach.evals.metrics import percentile

    assert percentile([4, 1, 3, 2], 50) == 2.5
    # position (4 - 1) * 0.95 = 2.85 -> 3 + 0.85 * (4 - 3)
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_latency_per_stage():
    from coach.evals.metrics import latency

    timings = [{"retrieve": 10, "total": 30}, {"retrieve": 20, "answer": 5, "total": 50},
               {"retrieve": 30, "total": 40}]
    out = latency(timings)
    assert out["retrieve"] == {"p50": 20, "p95": pytest.approx(29.0), "max": 30, "n": 3}
    assert out["answer"] == {"p50": 5, "p95": 5, "max": 5, "n": 1}  # only the case that ran it
    assert out["total"]["p50"] == 40
    assert latency([]) == {}


def test_mean_skips_not_applicable():
    from coach.evals.metrics import mean

    assert mean([1.0, None, 0.0]) == 0.5
    assert mean([None, None]) is None
    assert mean([]) is None


def test_metric_groups_expand():
    from coach.evals.metrics import AGGREGATES, expand_metrics

    assert expand_metrics([]) == list(AGGREGATES)
    assert expand_metrics(["hit_at_k", "abstention"]) == [
        "pass_rate", "hit_at_k", "abstention_precision", "abstention_recall", "answered_rate"]
