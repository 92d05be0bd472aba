"""A blank value in the environment means "not set" for every optional URL and path."""

from __future__ import annotations

import pytest

from coach.config import Settings

OPTIONAL = ("chroma_url", "llm_base_url", "auth_file", "rerank_model", "concurrency_limit")


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_environment_values_are_not_set(monkeypatch, tmp_path, blank):
    for name in OPTIONAL:
        monkeypatch.setenv(f"COACH_{name.upper()}", blank)
    settings = Settings(_env_file=None, home=tmp_path)  # type: ignore[call-arg]
    assert {name: getattr(settings, name) for name in OPTIONAL} == dict.fromkeys(OPTIONAL)


def test_a_set_value_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_CHROMA_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("COACH_AUTH_FILE", str(tmp_path / "users.json"))
    settings = Settings(_env_file=None, home=tmp_path)  # type: ignore[call-arg]
    assert settings.chroma_url == "http://127.0.0.1:8000"
    assert settings.auth_file == tmp_path / "users.json"


def test_answers_at_once_default_to_the_cpus_for_extractive_answers():
    """Extractive answers are CPU-bound: unset, the web app answers the CPUs plus one at once
    (at most 10); with a language model, whose answers wait on the model, 10; set, as set."""
    from coach.config import Settings, usable_cpus

    assert Settings(llm="extractive").answer_concurrency == min(10, usable_cpus() + 1)
    assert Settings(llm="openai").answer_concurrency == 10
    assert Settings(llm="extractive", concurrency_limit=7).answer_concurrency == 7
