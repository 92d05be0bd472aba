"""Follow-up questions with a language model: the condense prompt's rewrite is used only when
it keeps the question and the topic, so a bad rewrite (the kind a tiny model writes) can never
lose the topic; the dev suite's follow-up cases retrieve their evidence through the real
SmolLM2 GGUF model's condense step."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.answering.condense import condense
from coach.answering.generative import merge_rewrite
from coach.app import build_coach
from coach.config import Settings
from coach.evals.cases import load_suite
from coach.evals.metrics import hit_at_k, relevance
from tests.llm_helpers import CallCounter

ROOT = Path(__file__).resolve().parents[1]
HISTORY = [("What are the run chart rules?", "A shift is six or more points on one side.")]
QUESTION = "are the rules the same on an SPC chart?"
FALLBACK = condense(QUESTION, HISTORY)


def test_the_deterministic_rewrite_carries_the_topic():
    expected = f"{QUESTION} (following on from: What are the run chart rules?)"
    assert expected == FALLBACK


@pytest.mark.parametrize("bad", [
    "",  # nothing
    "The rules are the same on an SPC chart, but they may differ.",  # answered, not rewritten
    "User: What are the run chart rules?",  # copied the conversation
    "Are the rules the same on an SPC chart?",  # unchanged: the topic (run chart) is lost
    "What is an SPC chart?",  # dropped half the question
    "Are the run chart rules the same on an SPC chart? " * 20,  # rambling
])
def test_a_bad_rewrite_falls_back_to_the_deterministic_one(bad):
    assert merge_rewrite(QUESTION, bad, FALLBACK, HISTORY) == FALLBACK


def test_a_good_rewrite_is_used():
    good = "Are the run chart rules the same on an SPC chart?"
    assert merge_rewrite(QUESTION, good, FALLBACK, HISTORY) == good


def test_a_standalone_question_needs_no_topic():
    question = "What is a driver diagram used for?"
    good = "What is a driver diagram used for in quality improvement?"
    assert merge_rewrite(question, good, question, HISTORY) == good
    assert merge_rewrite(question, "Driver diagrams are pictures.", question, HISTORY) == question


# -- the real GGUF model ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def smol_kb_coach(embedder, tmp_path_factory):
    pytest.importorskip("llama_cpp", reason="the llm extra (make test installs it)")
    from coach.providers.chat import make_chat_model

    settings = Settings(_env_file=None, home=tmp_path_factory.mktemp("condense-kb"),
                        knowledge_dir=ROOT / "knowledge", llm="llamacpp", llm_max_tokens=48)
    counter = CallCounter()
    coach = build_coach(settings, embedder=embedder,
                        llm=make_chat_model(settings, callbacks=[counter]))
    coach.ingest()
    return coach, counter


@pytest.mark.slow
def test_dev_follow_ups_retrieve_their_evidence_through_the_gguf_condense_step(smol_kb_coach):
    coach, counter = smol_kb_coach
    _, cases = load_suite(ROOT / "evals" / "dev" / "suite.yaml")
    follow_ups = [c for c in cases if c.history and c.expect.answerable]
    assert len(follow_ups) >= 5
    lost, used, refused = [], [], []
    for case in follow_ups:
        before = counter.calls
        deterministic = coach._retriever.retrieve(condense(case.question, case.history))
        turn = coach.prepare(case.question, case.history)
        if turn.refused:  # the gate refused the deterministic rewrite: no model is called
            assert counter.calls == before, case.id
            refused.append(case.id)
            continue
        assert counter.calls == before + 1, "the condense prompt was not sent to the model"
        evidence = [(e.doc, e.quote) for e in case.expect.evidence]
        hit = hit_at_k(relevance([(p.source, p.text) for p in turn.passages], evidence), 5)
        base = hit_at_k(relevance([(p.source, p.text) for p in deterministic.passages],
                                  evidence), 5)
        if base and not hit:
            lost.append(case.id)
        if turn.query != condense(case.question, case.history):
            used.append((case.id, turn.query))
    print(f"\nGGUF condense: {len(used)} of {len(follow_ups)} rewrites used: {used}; "
          f"refused before any model call: {refused}")
    # the dev suite's known failures hold the follow-ups refused today (followup-007)
    assert len(refused) <= 1, refused
    assert not lost, f"the model's rewrite lost evidence the deterministic rewrite found: {lost}"


def test_a_rewrite_with_a_speaker_label_is_judged_without_it():
    good = "User: Are the run chart rules the same on an SPC chart?"
    assert merge_rewrite(QUESTION, good, FALLBACK, HISTORY) == good.removeprefix("User: ")
