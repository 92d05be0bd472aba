"""The off-topic check: refuses questions that are not about improvement, and questions asking
what a document the library does not hold says; answers improvement questions that only
mention pay, IT, rotas or targets.

Measured on evals/scope/questions.jsonl: the fit script's handling of the split (held-out rows
can change nothing it decides), a nested cross-validation recomputed with fewer folds, the
held-out figures through the shipped check, and the gate's new reasons, with the real bundled
embedder throughout.
"""

from __future__ import annotations

import importlib.util
import json
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from coach import prompts
from coach.answering import named_documents, scope
from coach.answering.gate import decide
from coach.evals import splits
from coach.evals.scope_fit import OPTIONS, Data, figures, nested_cv, questions
from coach.types import NOT_HELD, OFF_TOPIC, Passage

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "evals" / "scope" / "questions.jsonl"

ISSUE_EXAMPLES = [
    "What's the Agenda for Change band 6 salary this year?",
    "Which hospital in England currently has the shortest A&E waiting times?",
    "What are the main recommendations of the King's Fund report on ...?",
]


def shipped() -> dict:
    text = resources.files("coach.answering").joinpath("scope_weights.json").read_text()
    return json.loads(text)


def fit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fit_scope", ROOT / "benchmarks" / "fit_scope.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fit_rows(embedder):
    qs = questions(splits.fit_rows(QUESTIONS))
    vectors = np.asarray(embedder.encode([q.text for q in qs]), dtype=np.float64)
    lexical = np.array([scope.features(q.text) for q in qs], dtype=np.float64)
    return qs, Data(lexical, vectors, np.array([q.off_topic for q in qs]))


def test_the_set_is_large_varied_and_split():
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    off = [r for r in rows if r["off_topic"]]
    assert len(rows) >= 340 and len(off) >= 150 and len(rows) - len(off) >= 150
    assert len({r["question"].lower() for r in rows}) == len(rows)
    assert {"pay", "pension", "leave", "hr", "it", "estates", "rota", "canteen", "news",
            "weather", "general", "coding", "travel", "not-held", "league", "joke",
            "personal"} <= {r["topic"] for r in off}
    held = [r for r in rows if r["split"] == "held-out"]
    assert {r["split"] for r in rows} == {"fit", "held-out"}
    assert 0.2 <= len(held) / len(rows) <= 0.3
    assert any(r["off_topic"] for r in held) and not all(r["off_topic"] for r in held)


@pytest.mark.parametrize("question", ISSUE_EXAMPLES)
def test_the_issues_examples_are_refused(embedder, question):
    assert scope.is_off_topic(question, embedder.encode([question])[0])


@pytest.mark.parametrize("question", [
    "how could a run of PDSA cycles help us fill the gaps in our nursing rota",
    "we pay a fortune for agency staff, what measures would show a QI project is reducing it",
    "our patient system makes it hard to pull data, can we still build a run chart by hand",
    "how do we stop the board only looking at whether we hit the four hour target",
    "what does the improvement journey say about investing in improvement skills",
    "What does the Health Foundation report say about board support?",
])
def test_improvement_questions_that_mention_pay_it_rotas_or_targets_are_answered(embedder,
                                                                                 question):
    assert not scope.is_off_topic(question, embedder.encode([question])[0])


def test_without_a_vector_the_check_embeds_the_question_itself(embedder):
    question = "how do i reset my nhsmail password"
    assert scope.is_off_topic(question) is scope.is_off_topic(
        question, embedder.encode([question])[0]) is True


def test_a_named_document_is_found_and_checked_against_the_library():
    kings = named_documents.named_document(
        "What are the main recommendations of the King's Fund report on quality improvement?")
    assert kings and kings.name == "the King's Fund report on quality improvement"
    assert named_documents.held(kings, None) == named_documents.NOT_HELD
    assert named_documents.held(kings, ["The King's Fund report on quality improvement"]) \
        == named_documents.HELD
    # the publisher is held and its titles share the subject: the model decides
    assert named_documents.held(kings, ["The King's Fund", "Quality improvement basics"]) \
        == named_documents.PUBLISHER_HELD
    ours = named_documents.named_document("What does the Health Foundation report say?")
    assert ours and named_documents.held(ours, None) == named_documents.HELD
    # a report from a publisher the library holds, on a subject none of its titles share
    other = named_documents.named_document(
        "what does the Health Foundation's 2024 report on social care recommend")
    assert other and named_documents.held(other, None) == named_documents.NOT_HELD
    # the library's own report mentioning another document is not a question about it
    mention = "what does the report say about the NHS long term plan"
    named = named_documents.named_document(mention)
    assert named and not named_documents.asks_about(mention, named)


def test_library_names_come_from_the_index_sources():
    sources = {"a.md": {"meta": {"title": "Driver diagrams", "publisher": "Coach"}},
               "b.md": {"meta": {"title": "The improvement journey", "publisher": ""}}}
    assert named_documents.library_names(sources) == (
        "Coach", "Driver diagrams", "The improvement journey")


def test_the_fit_script_never_uses_held_out_rows(embedder, tmp_path):
    """Fitting on a file whose held-out rows are nonsense (malformed, labels flipped) gives
    exactly the model fitted on the same file without them."""
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    fit = [r for r in rows if r["split"] == "fit"]
    small = [r for r in fit if r["off_topic"]][:30] + [r for r in fit if not r["off_topic"]][:30]
    poison = [{"question": "", "off_topic": "maybe", "split": "held-out"},
              *({**r, "off_topic": not r["off_topic"]} for r in rows
                if r["split"] == "held-out")]
    clean, poisoned = tmp_path / "clean.jsonl", tmp_path / "poisoned.jsonl"
    clean.write_text("".join(json.dumps(r) + "\n" for r in small))
    poisoned.write_text("".join(json.dumps(r) + "\n" for r in [*poison, *small]))
    script = fit_script()
    option = next(o for o in OPTIONS if o.name == shipped()["option"])
    a, _ = script.fit_and_choose(clean, embedder, k=2, options=(option,))
    b, _ = script.fit_and_choose(poisoned, embedder, k=2, options=(option,))
    assert np.array_equal(a.weights, b.weights) and a.threshold == b.threshold
    assert [q.text for q in questions(splits.fit_rows(poisoned))] == [
        r["question"] for r in small]


def test_cross_validated_figures_meet_a_floor_with_fewer_folds(fit_rows):
    qs, data = fit_rows
    option = next(o for o in OPTIONS if o.name == shipped()["option"])
    result = nested_cv(option, data, k=3)
    missed = [qs[i].text for i in result.missed]
    refused = [qs[i].text for i in result.refused]
    assert result.recall >= 0.97, missed
    assert result.false_refusal <= 0.03, refused


def test_the_recorded_figures_meet_the_target_and_held_out_matches_the_shipped_check(embedder):
    record = shipped()["cv"]
    assert record["cv(fit)"]["recall"] >= 0.98
    assert record["cv(fit)"]["false_refusal"] <= 0.02
    qs = questions(splits.held_out_rows(QUESTIONS))
    vectors = embedder.encode([q.text for q in qs])
    refused = np.array([scope.is_off_topic(q.text, v) for q, v in zip(qs, vectors, strict=True)])
    got = figures(np.array([q.off_topic for q in qs]), refused)
    assert got.as_record() == pytest.approx(record["held-out"], abs=0.02)


def _passage(text: str, similarity: float = 0.35) -> Passage:
    """A retrieved passage; ``similarity``: its cosine similarity to the question (an
    off-topic question finds nothing closer than about this in the guidance)."""
    return Passage(id="p", text=text, source="s.md", title="PDSA cycles", heading="", page=None,
                   step=None, kind="method", publisher="", year=None, url=None, section="",
                   score=similarity, dense_score=similarity)


def test_decide_returns_the_new_reasons(embedder):
    passages = [_passage("A PDSA cycle tests one change on a small scale: plan, do, study, act.")]

    def gate(question: str, **kw):  # type: ignore[no-untyped-def]
        return decide(question, passages, min_relevance=0.3,
                      vector=embedder.encode([question])[0], **kw)

    assert gate(ISSUE_EXAMPLES[0]).reason == OFF_TOPIC
    refused = gate(ISSUE_EXAMPLES[2])
    assert refused.refuse and refused.reason == NOT_HELD
    assert "King's Fund" in refused.document
    # a library that holds it: no longer refused for that reason
    held = gate(ISSUE_EXAMPLES[2], library_titles=["The King's Fund"])
    assert held.reason != NOT_HELD
    kept = gate("how do we run a PDSA cycle on our rota problems?")
    assert not kept.refuse and kept.reason == "ok" and "scope=ok" in kept.scope
    # a follow-up is judged by its own coverage rule, as before
    follow = gate("what about the pay band for that role? (following on from: What is a PDSA "
                  "cycle?)", follow_up="what about the pay band for that role?")
    assert follow.reason == "out-of-scope"


def test_strong_evidence_or_the_conversation_outweighs_the_model(embedder):
    """Jargon the model has not seen can look off-topic to it; a passage that plainly answers
    the question (relevance past scope.evidence_override()) or the conversation's last
    question vouches for it. A document the library does not hold is refused regardless."""
    question = ISSUE_EXAMPLES[0]
    vector = embedder.encode([question])[0]
    weak = [_passage("Agenda for Change pay bands are set nationally.", 0.35)]
    strong = [_passage("Agenda for Change band 6 salary this year is set nationally.", 0.95)]
    assert decide(question, weak, min_relevance=0.3, vector=vector).reason == OFF_TOPIC
    assert scope.evidence_override() < 0.95 + 0.35
    assert decide(question, strong, min_relevance=0.3, vector=vector).reason == "ok"
    # alone, it reads as a pay question ("which one carries the most weight?" no longer
    # looks like small talk to the model: the scope set now holds follow-up fragments)
    follow = "who pays for the training?"
    fvec = embedder.encode([follow])[0]
    assert scope.is_off_topic(follow, fvec)
    assert not decide(follow, weak, min_relevance=0.3, vector=fvec,
                      context="What are the routes to building improvement capability in a "
                      "trust?").refuse
    not_held = decide(ISSUE_EXAMPLES[2], strong, min_relevance=0.3,
                      vector=embedder.encode([ISSUE_EXAMPLES[2]])[0])
    assert not_held.reason == NOT_HELD


def test_the_refusals_name_the_document_and_what_the_library_holds():
    text = prompts.render(prompts.read("refuse-not-held"),
                          document="the King's Fund report on quality improvement")
    assert "the King's Fund report on quality improvement" in text
    assert "The improvement journey* (Health Foundation, 2019)" in text
    assert "coaching guidance" in text
    assert "{" not in text
    off = prompts.read("refuse-off-topic")
    assert "quality improvement" in off and "PDSA" in off


CORPUS = {
    "pdsa.md": """# PDSA cycles

A PDSA cycle (plan, do, study, act) tests one change on a small scale, such as a new handover
time or a change to how a ward fills gaps in its rota, before the team adopts it more widely.
""",
    "measures.md": """# Measures for improvement

Outcome, process and balancing measures show whether a change is an improvement; plotted on a
run chart over time, they separate real change from noise.
""",
}


@pytest.fixture
def coach(make_coach, write_md):
    coach = make_coach()
    for name, body in CORPUS.items():
        write_md(coach.settings.knowledge_dir / name, body, title=name[:-3], kind="method",
                 publisher="Improvement Coach (coaching guidance)", year=2026)
    coach.ingest()
    return coach


def test_the_real_gate_refuses_off_topic_and_answers_improvement(coach):
    assert coach.prepare("can someone swap my night shift on the rota this saturday"
                         ).decision.reason == OFF_TOPIC
    assert coach.prepare("can a PDSA cycle help with our rota gaps?").decision.reason == "ok"
