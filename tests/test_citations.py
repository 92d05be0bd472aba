"""Citation verification on hand-built passages and drafts, and on the extractive answerer's
real answers over the shipped knowledge base."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.answering.citations import CitationChecker, is_factual
from coach.answering.extractive import SentenceCache
from coach.types import Passage

ROOT = Path(__file__).resolve().parents[1]


def passage(i: int, text: str, title: str = "Note", kind: str = "method") -> Passage:
    return Passage(id=f"p{i}", text=text, source=f"doc{i}.md", title=title, heading="",
                   page=None, step=None, kind=kind, publisher="Improvement Coach", year=2026,
                   url=None, section="", score=0.5, dense_score=0.5)


PASSAGES = [
    passage(1, "ORIC is a 12-item questionnaire. Each ORIC subscale score is the average of its "
               "items. It uses a five-point response scale for every item.", "Readiness tools"),
    passage(2, "A run chart suits a new project with few data points. An SPC XmR chart suits "
               "measures with a longer history, roughly 20 or more points.", "Run charts"),
    passage(3, "Step 2 of the improvement journey is securing board support. The board should "
               "treat quality improvement as a strategic priority.", "Step 2"),
]


@pytest.fixture(scope="module")
def checker(embedder):
    return CitationChecker(SentenceCache(embedder).vectors)


def test_supported_paraphrases_keep_their_citations(checker):
    draft = ("ORIC has 12 items answered on a five-point scale [1]. Each subscale score is "
             "the mean of its items [1].")
    v = checker.verify(draft, PASSAGES)
    assert v.text == ("ORIC has 12 items answered on a five-point scale. [1] Each subscale "
                      "score is the mean of its items. [1]")
    assert v.unsupported == () and v.removed_markers == () and v.recited == 0
    assert [(c.number, c.source) for c in v.citations] == [(1, "doc1.md")]


def test_abbreviations_do_not_end_a_cited_sentence(checker):
    rubric = passage(4, "The rubric of Jones et al. (2017) rates a board High, Medium or Low. "
                        "Use it with other tools, e.g. ORIC, at a board development session.")
    draft = ("The rubric of Jones et al. (2017) rates a board High, Medium or Low [1]. Use it "
             "with other tools, e.g. ORIC, at a board development session [1].")
    v = checker.verify(draft, [rubric])
    assert v.text == ("The rubric of Jones et al. (2017) rates a board High, Medium or Low. [1] "
                      "Use it with other tools, e.g. ORIC, at a board development session. [1]")
    assert v.unsupported == () and v.recited == 0


def test_a_marker_to_no_retrieved_passage_is_removed(checker):
    v = checker.verify("The board should treat improvement as a strategic priority [3][7].",
                       PASSAGES)
    assert v.removed_markers == (7,)
    assert v.text == "The board should treat improvement as a strategic priority. [1]"
    assert [c.source for c in v.citations] == ["doc3.md"]


def test_a_wrong_citation_moves_to_the_passage_that_supports_it(checker):
    v = checker.verify("A run chart is best for a new project with few data points [1].",
                       PASSAGES)
    assert v.text == "A run chart is best for a new project with few data points. [1]"
    assert v.citations[0].source == "doc2.md"  # was doc1.md (ORIC), which does not say it
    assert v.recited == 1 and v.unsupported == ()


def test_a_wrong_marker_beside_a_right_one_is_dropped(checker):
    v = checker.verify("The board should treat improvement as a strategic priority [1][3].",
                       PASSAGES)
    assert [c.source for c in v.citations] == ["doc3.md"]
    assert v.recited == 1


def test_an_unsupported_number_is_flagged_and_loses_its_marker(checker):
    v = checker.verify("An SPC chart needs roughly 50 or more points [2].", PASSAGES)
    assert v.unsupported == ("An SPC chart needs roughly 50 or more points.",)
    assert v.text == "An SPC chart needs roughly 50 or more points."
    assert v.citations == ()
    # the same sentence with the passage's own figure passes
    assert checker.verify("An SPC chart needs roughly 20 or more points [2].",
                          PASSAGES).unsupported == ()


def test_an_unsupported_name_is_flagged(checker):
    v = checker.verify("ORIC was written by Westminster Council as a 12-item questionnaire [1].",
                       PASSAGES)
    assert v.unsupported == ("ORIC was written by Westminster Council as a 12-item "
                             "questionnaire.",)
    s = checker.support("ORIC was written by Westminster Council", PASSAGES[0])
    assert s.missing_names == ("Council", "Westminster")


def test_uncited_sentences_are_matched_or_flagged(checker):
    draft = ("Here is what the guidance says:\n"
             "The second step is securing board support. Cows graze on the moon every June.\n"
             "The guidance does not cover staffing rotas.")
    v = checker.verify(draft, PASSAGES)
    assert v.text == ("Here is what the guidance says:\n"
                      "The second step is securing board support. [1] Cows graze on the moon "
                      "every June.\nThe guidance does not cover staffing rotas.")
    assert v.unsupported == ("Cows graze on the moon every June.",)
    assert [c.source for c in v.citations] == ["doc3.md"]


def test_markers_are_renumbered_in_order_of_first_use(checker):
    draft = ("The board should treat improvement as a strategic priority [3]. "
             "ORIC is a 12-item questionnaire [1, 3]. Step 2 is securing board support [3].")
    v = checker.verify(draft, PASSAGES)
    assert re.findall(r"\[(\d+)\]", v.text) == ["1", "2", "1"]
    assert [(c.number, c.source) for c in v.citations] == [(1, "doc3.md"), (2, "doc1.md")]


def test_headings_and_list_items_keep_their_shape(checker):
    draft = ("**Coaching guidance** (Improvement Coach):\n"
             "- ORIC is a 12-item questionnaire [1]\n"
             "- A run chart suits a new project with few data points [2]")
    v = checker.verify(draft, PASSAGES)
    assert v.text.splitlines() == [
        "**Coaching guidance** (Improvement Coach):",
        "- ORIC is a 12-item questionnaire [1]",
        "- A run chart suits a new project with few data points [2]",
    ]


def test_what_counts_as_factual():
    assert is_factual("ORIC has twelve items on a five-point scale.")
    assert not is_factual("Here is what the guidance says:")
    assert not is_factual("Would you like to know more about PDSA?")
    assert not is_factual("The passages do not say how often to meet.")
    assert not is_factual("Good question.")


def test_a_verbatim_quote_passes_without_the_embedder():
    def no_embedding(_texts):
        raise AssertionError("a verbatim quote must not need the embedder")

    fast = CitationChecker(no_embedding)
    v = fast.verify("Each ORIC subscale score is the average of its items. [1]", PASSAGES)
    assert v.unsupported == () and len(v.citations) == 1


# -- the extractive answerer on the real knowledge base ------------------------------------
@pytest.fixture(scope="module")
def knowledge_coach(shipped_coach):
    return shipped_coach


@pytest.mark.parametrize("question", [
    "What are the six steps of the improvement journey?",
    "How is ORIC scored?",
    "What is a driver diagram?",
    "When should we use an SPC chart rather than a run chart?",
    "What does the board need to do to support improvement?",
    "What was LIPS?",
])
def test_extractive_answers_on_the_knowledge_base_pass_verification(knowledge_coach, question):
    answer = knowledge_coach.ask(question)
    assert not answer.refused, question
    assert answer.unsupported == ()
    # the reply is the direct answer and the supporting material: one numbering for both
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.full_text)}
    assert numbers == {c.number for c in answer.citations} == set(
        range(1, len(answer.citations) + 1))
    assert re.search(r"\[\d+\]", answer.text)  # the direct answer is cited itself
    body = [ln for ln in answer.full_text.splitlines() if ln.strip()
            and not ln.startswith("**")]
    assert body and all(re.search(r"\[\d+\]$", ln) for ln in body)  # every group ends cited
    sources = {(p.source, p.text) for p in answer.passages}
    assert all((c.source, c.text) in sources for c in answer.citations)
