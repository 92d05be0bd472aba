"""Hand-computed golden values for sentence-level groundedness and the citation metrics,
including the empty answer and the answer with no claims."""

import pytest

from coach.evals.grounding import best_window, ground, split_claims, windows

P1 = ("A PDSA cycle has four stages: plan, do, study and act. Teams test a change on a small "
      "scale first.")
P2 = "A run chart plots a measure over time. A shift is six or more points above the median."


def test_split_claims_drops_headings_and_keeps_markers():
    answer = ("**The report says** (*The improvement journey*, 2019):\n"
              "A PDSA cycle has four stages. [1] Teams test changes on a small scale [1][2].\n\n"
              "**Coaching guidance**:\nWhat should you do next? A shift is six points. [2]")
    claims = split_claims(answer)
    assert [c.text for c in claims] == ["A PDSA cycle has four stages.",
                                        "Teams test changes on a small scale.",
                                        "A shift is six points."]
    assert [c.markers for c in claims] == [(1,), (1, 2), (2,)]  # the question is not a claim


def test_a_list_lead_in_is_not_a_claim_but_each_item_is():
    answer = ("**Coaching guidance**:\nKotter's model has eight steps. The eight steps are: [1]\n"
              "- Create a sense of urgency. [1]\n- Build a guiding coalition. [1]")
    assert [(c.text, c.markers) for c in split_claims(answer)] == [
        ("Kotter's model has eight steps.", ()), ("Create a sense of urgency.", (1,)),
        ("Build a guiding coalition.", (1,)),
    ]


def test_windows_are_sentences_and_neighbouring_pairs():
    assert windows("One two three. Four five six. Seven eight.") == [
        "One two three.", "Four five six.", "Seven eight.",
        "One two three. Four five six.", "Four five six. Seven eight."]


def test_best_window_needs_numbers_and_quoted_terms():
    sup = best_window("A shift is six or more points above the median.", [P1, P2])
    assert (sup.passage, sup.missing, sup.word_share) == (1, (), 1.0)
    assert sup.window == "A shift is six or more points above the median."
    sup = best_window("A shift is 7 or more points above the median.", [P1, P2])
    assert sup.missing == ("7",)  # every word matches, the number does not
    sup = best_window('The stages are called "plan and check".', [P1, P2])
    assert sup.missing == ("plan and check",)  # a quoted term must appear as written


def test_groundedness_golden():
    answer = ("A PDSA cycle has four stages: plan, do, study and act. [1] "
              "A shift is six or more points above the median. [2] "
              "Run charts were invented in 1931 by hospital porters. [2]")
    g = ground(answer, [P1, P2], {1: P1, 2: P2})
    verdicts = [s.supported for s in g.support]
    assert verdicts == [True, True, False]  # the third claim: 1931 and its words are not there
    assert g.scores["groundedness"] == pytest.approx(2 / 3)
    assert g.support[2].missing == ("1931",)
    assert g.support[0].passage == 0 and g.support[1].passage == 1
    # three markers, all point at retrieved passages
    assert g.scores["citation_validity"] == 1.0
    # [1] supports claim 1, [2] supports claim 2, [2] does not support claim 3
    assert g.scores["citation_precision"] == pytest.approx(2 / 3)
    # both supported claims carry a supporting citation
    assert g.scores["citation_recall"] == 1.0
    ev = g.evidence()
    assert ev[0]["window"].startswith("A PDSA cycle has four stages") and ev[0]["markers"] == [1]


def test_citation_metrics_wrong_and_missing_markers():
    # claim 1 cites the wrong passage; claim 2 has no marker; [9] points at nothing
    answer = ("A PDSA cycle has four stages: plan, do, study and act. [2] "
              "A shift is six or more points above the median. "
              "Teams test a change on a small scale first. [9]")
    g = ground(answer, [P1, P2], {1: P1, 2: P2})
    assert g.scores["groundedness"] == 1.0  # every claim is in some retrieved passage
    assert g.scores["citation_validity"] == 0.5  # [2] valid, [9] points at no passage
    assert g.scores["citation_precision"] == 0.0  # the one valid marker cites the wrong passage
    assert g.scores["citation_recall"] == 0.0  # no supported claim carries a supporting citation
    assert [r["valid"] for r in g.citations] == [True, False]


def test_citation_to_a_passage_not_retrieved_is_invalid():
    g = ground("A PDSA cycle has four stages: plan, do, study and act. [1]", [P2], {1: P1})
    assert g.scores["citation_validity"] == 0.0
    assert g.scores["citation_precision"] is None  # no valid marker to judge
    assert g.scores["groundedness"] == 0.0


def test_no_claims_is_an_abstention_not_a_score():
    for answer in ("", "**The report says**:", "What do you mean?"):
        g = ground(answer, [P1], {1: P1})
        assert g.claims == []
        assert g.scores == {"groundedness": None, "citation_validity": None,
                            "citation_precision": None, "citation_recall": None}


def test_no_passages_nothing_is_supported():
    g = ground("A PDSA cycle has four stages: plan, do, study and act.", [], {})
    assert g.scores["groundedness"] == 0.0
    assert g.support[0].passage is None
    assert g.scores["citation_validity"] is None  # no markers
    assert g.scores["citation_recall"] is None  # no supported claims


def test_similarity_can_veto_a_lexical_match():
    answer = "A PDSA cycle has four stages: plan, do, study and act. [1]"
    calls = []

    def similarity(pairs):
        calls.append(list(pairs))
        return [0.2] * len(pairs)  # below MIN_SIMILARITY (0.5)

    g = ground(answer, [P1], {1: P1}, similarity)
    assert len(calls) == 1  # one batched call for the claim and its citation
    assert g.scores["groundedness"] == 0.0 and g.support[0].similarity == 0.2
    g = ground(answer, [P1], {1: P1}, lambda pairs: [0.9] * len(pairs))
    assert g.scores["groundedness"] == 1.0 and g.scores["citation_precision"] == 1.0
