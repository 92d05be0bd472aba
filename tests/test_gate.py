"""The answer-level checks of the refusal gate (pure functions, hand-made inputs)."""

from __future__ import annotations

import pytest

from coach.answering.answered import asking_part, expects_figure, mentions, unanswered
from coach.answering.gate import is_clinical
from coach.retrieval.lexical import BM25Index
from coach.text import figures, tokens


@pytest.mark.parametrize(("text", "years", "expected"), [
    ("About 650 staff, 96% of providers, in 2016.", True, {"650", "96", "2016"}),
    ("About 650 staff, 96% of providers, in 2016.", False, {"650", "96"}),
    ("A score of 2.5 on a 0.5 to 5 scale; 1,200 people.", True, {"2.5", "0.5", "5", "1200"}),
    ("No digits here.", True, set()),
])
def test_figures(text, years, expected):
    assert figures(text, years=years) == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("How many items does ORCA have?", True),
    ("What was ELFT's budget for QI in 2018?", True),
    ("What pay band is a QI lead?", True),
    ("When was the report published?", True),
    ("What is a PDSA cycle?", False),
    ("How do we secure board support?", False),
])
def test_expects_figure(question, expected):
    assert expects_figure(question) is expected


@pytest.mark.parametrize(("text", "name", "expected"), [
    ("Results are not sent back to NHS England.", "NHSE", True),
    ("East London NHS Foundation Trust launched its programme.", "ELFT", True),
    ("The Care Quality Commission rated the trust.", "CQC", True),
    ("Start with quality improvement training.", "QI", True),
    ("The CQC said so.", "CQCs", True),
    ("Northern trusts led the way.", "Northumbria", False),
    ("East London launched its programme.", "ELFT", False),
])
def test_mentions_names_and_spelt_out_acronyms(text, name, expected):
    assert mentions(text, name) is expected


def test_answer_that_gives_the_asked_count_is_kept():
    assert unanswered("How many items does ORCA have?", "ORCA has 77 items. [1]", []) == ""
    # a typo in the counted word, and the number written out
    assert unanswered("how many data pionts do I need?",
                      "A shift is six or more points on one side of the median.", []) == ""


def test_a_figure_about_something_else_next_to_the_name_is_not_an_answer():
    q = "How many staff at Northumbria have been trained?"
    elsewhere = "Trusts train about 20% of staff a year."
    named = "Northumbria Healthcare NHS Foundation Trust is a case-study trust."
    draft = f"{elsewhere} [1]\n{named} [2]"
    assert "no figure is given for Northumbria" in unanswered(q, draft, [elsewhere, named])
    given = "Northumbria has trained 500 staff in QI."
    assert unanswered(q, f"{given} [1]", [given]) == ""
    # the name in the passage, the figure in a later sentence of the same passage
    passage = "Northumbria runs a QI academy. It has trained 500 staff so far."
    assert unanswered(q, "It has trained 500 staff so far. [1]", [passage]) == ""


def test_count_of_something_else_is_not_an_answer():
    draft = ("Give about a day of introductory training to 10-20% of staff a year. "
             "The plan was published in 2001.")
    assert "figure" in unanswered("How many days of annual leave do I get?", draft, [])


def test_years_only_answer_a_question_about_dates():
    draft = "The programme started in 2014 with the IHI."
    assert "figure" in unanswered("How many staff were trained?", draft, [])
    assert unanswered("When did the programme start?", draft, []) == ""


def test_amount_must_be_named_beside_its_figure():
    draft = "96% of providers had named an executive lead. [1]"
    assert "figure" in unanswered("What pay band is a QI lead?", draft, [draft])
    assert unanswered("What was the budget?", "The budget was 2 million pounds.", []) == ""


def test_a_number_in_the_question_must_be_in_the_answer():
    assert "2018" in unanswered("What did ELFT do in 2018?",
                                "ELFT launched its programme in 2014. [1]", ["ELFT"])
    assert unanswered("What does a score of 2.5 mean?",
                      "2.5: changes have been tested, but there is no improvement yet.", []) == ""


def test_the_scene_set_before_the_question_need_not_be_answered():
    """Numbers and names in the sentences that set the scene are not what the answer must
    mention; those in the sentence that asks still are."""
    draft = "A QI project on a ward usually starts in seven steps. [1]"
    scene = ("im a band 6 on a 28 bed elderly care ward and we want to reduce falls at night, "
             "ive been asked to lead a QI project. where do i even start")
    assert unanswered(scene, draft, [draft]) == ""
    assert "28" in unanswered("what happens after 28 days?", draft, [draft])
    assert "MDC" in unanswered("what does MDC say about buy in?", draft, [draft])
    assert unanswered("my MDC ward manager says we have no time. any tips for buy in", draft,
                      [draft]) == ""
    # the question sentence may come first, with the scene after it
    assert "2018" in unanswered("What did ELFT do in 2018? We are a small trust.", draft,
                                ["ELFT"])
    assert asking_part("Context here. is it ok? More context.") == "is it ok?"


def test_a_name_in_the_question_must_be_cited():
    draft = "About 650 ELFT staff were trained in two years. [1]"
    assert "Northumbria" in unanswered(
        "How many staff at Northumbria have been trained?", draft, [draft])
    # the name may be in the cited passage rather than the answer sentence
    assert unanswered("What did Northumbria measure?", "It measured staff experience. [1]",
                      ["Northumbria Healthcare measured staff experience monthly."]) == ""


def test_a_name_the_cited_document_carries_counts_as_cited():
    """ "according to the HF report…": a passage of the Health Foundation's report answers it,
    though the passage itself never names its publisher; our own guidance does not."""
    from coach.answering.answered import evidence_of
    from coach.types import Citation

    question = "according to the HF report what helps org wide improvement succeed"
    draft = "Leadership, skills and culture help organisation-wide improvement succeed. [1]"
    text = "Leadership, skills and culture help organisation-wide improvement succeed."

    def cite(title: str, publisher: str) -> Citation:
        return Citation(1, "r.md", title, "", None, text, 0.9, kind="report",
                        publisher=publisher)

    report = cite("The improvement journey", "The Health Foundation")
    ours = cite("Coaching notes", "Improvement Coach (coaching guidance)")
    assert unanswered(question, draft, [text]) == "nothing cited mentions HF"
    assert unanswered(question, draft, evidence_of([report])) == ""
    assert unanswered(question, draft, evidence_of([ours])) == "nothing cited mentions HF"


def test_typo_correction_keeps_short_words_and_first_letters():
    bm25 = BM25Index.build([("a", "the chief executive leads improvement on behalf of the half"),
                            ("b", "readiness and maturity assessment")])
    assert bm25.correct("exec") == "exec"  # an abbreviation, not "expect" or "execut"
    [typo] = tokens("maturty")
    assert bm25.correct(typo) == tokens("maturity")[0]  # a typo of a corpus word is corrected
    assert bm25.correct("mhalf") == "mhalf"  # a different first letter is never guessed


def _passage(text: str):
    from coach.types import Passage

    return Passage(id="p", text=text, source="s.md", title="PDSA cycles", heading="", page=None,
                   step=None, kind="method", publisher="", year=None, url=None, section="",
                   score=0.9, dense_score=0.9)


def test_a_follow_up_must_be_covered_by_its_own_words():
    from coach.answering.gate import decide

    passages = [_passage("A PDSA cycle tests one change on a small scale: plan, do, study, act.")]
    query = "what about the pay band for that role? (following on from: What is a PDSA cycle?)"
    refused = decide(query, passages, min_relevance=0.5,
                     follow_up="what about the pay band for that role?")
    kept = decide("and the study stage? (following on from: What is a PDSA cycle?)", passages,
                  min_relevance=0.5, follow_up="and the study stage?")
    assert refused.refuse and refused.reason == "out-of-scope"
    assert not kept.refuse
    # without the follow-up words the carried topic alone would have let it through
    assert not decide(query, passages, min_relevance=0.5).refuse


def test_common_names_are_subject_matter_not_a_specific_subject():
    draft = "A PDSA cycle tests one change on a small scale. [1]"
    known = {"nhs": 0.4, "pdsa": 0.1, "northumbria": 0.01}

    def share(term):
        return known.get(term, 0.0)

    assert unanswered("What is a PDSA cycle in the NHS?", draft, [draft], share=share) == ""
    assert "Northumbria" in unanswered("What PDSA cycles did Northumbria run?", draft, [draft],
                                       share=share)
    # a name the guidance never uses must always be cited, however small the corpus
    assert "Leeds" in unanswered("What PDSA cycles did Leeds run?", draft, [draft], share=share)
    # only the question asked counts, not what follows it
    assert unanswered("What is a PDSA cycle? Reply via Leeds office.", draft, [draft],
                      share=share) == ""


def test_bm25_share_of_chunks_using_a_term():
    bm25 = BM25Index.build([("a", "board support"), ("b", "board skills"), ("c", "vision")])
    assert bm25.share("board") == 2 / 3
    assert bm25.share("vision") == 1 / 3
    assert bm25.share("never") == 0.0


@pytest.mark.parametrize("question", [
    "What dose of paracetamol is safe?",
    "Which antibiotic treats sepsis?",
    "What medication should I give for a fever?",
    "Can I prescribe this to a patient with asthma?",
    "What are the side effects of statins?",
])
def test_clinical_questions_are_recognised(question):
    assert is_clinical(question)


@pytest.mark.parametrize("question", [
    "How can we improve medicines reconciliation on our ward?",
    "How should the board treat quality improvement?",
    "Which measures show whether a change worked?",
])
def test_improvement_questions_that_touch_on_care_are_not_clinical(question):
    assert not is_clinical(question)


def test_a_timescale_put_forward_in_a_yes_no_question_need_not_be_repeated():
    draft = "Building an organisation-wide approach usually takes several years. [1]"
    assert unanswered("Can we get an organisation-wide approach in place in 12 months?",
                      draft, [draft]) == ""
    assert unanswered("is 18 months enough to embed it across the trust?", draft, [draft]) == ""
    # a number the question asks about is still needed
    assert "12" in unanswered("What did ELFT do in its first 12 months?", draft, [draft])


def test_a_job_title_is_a_role_not_a_name_to_cite():
    draft = "Safety incidents and critical inspections can trigger the journey. [1]"
    assert unanswered("Our CEO wants a trust-wide approach after an incident, is that normal?",
                      draft, [draft]) == ""
    assert "Leeds" in unanswered("What did the CEO at Leeds do?", draft, [draft])


def test_a_count_may_be_given_in_another_word_for_the_same_thing():
    assert unanswered("how many staff should we train each year?",
                      "Offer a day of training to 10–20% of the workforce each year. [1]",
                      []) == ""
    assert unanswered("how many dots in a row show a shift?",
                      "A shift is six or more consecutive points above the median. [1]",
                      []) == ""
    # a count of something else is still no answer
    assert "figure" in unanswered("how many staff should we train each year?",
                                  "Run about 20 projects a year. [1]", [])
