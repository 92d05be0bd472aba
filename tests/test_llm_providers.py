"""providers/chat.py builds each chat model from settings (and nothing else builds one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.config import BUNDLED_GGUF
from coach.errors import ConfigError
from coach.providers.chat import DEFAULT_MODELS, OLLAMA_URL, gguf_path, make_chat_model

pytest.importorskip("langchain_openai", reason="the llm extra (make test installs it)")


def test_extractive_builds_no_model(make_settings):
    assert make_chat_model(make_settings()) is None


def test_ollama_settings_reach_the_client(make_settings):
    from langchain_ollama import ChatOllama

    model = make_chat_model(make_settings(llm="ollama", llm_temperature=0.3,
                                          llm_max_tokens=99, llm_timeout=7))
    assert isinstance(model, ChatOllama)
    assert model.model == DEFAULT_MODELS["ollama"] and model.base_url == OLLAMA_URL
    assert model.num_predict == 99 and model.temperature == 0.3
    assert model.client_kwargs == {"timeout": 7.0}
    custom = make_chat_model(make_settings(llm="ollama", llm_model="qwen2.5:0.5b",
                                           llm_base_url="http://gpu-box:11434"))
    assert custom.model == "qwen2.5:0.5b" and custom.base_url == "http://gpu-box:11434"


def test_openai_settings_reach_the_client(make_settings):
    from langchain_openai import ChatOpenAI

    model = make_chat_model(make_settings(
        llm="openai", llm_model="my-model", llm_base_url="http://127.0.0.1:8080/v1",
        llm_api_key="sk-test", llm_timeout=12, llm_max_tokens=77))
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "my-model" and model.openai_api_base == "http://127.0.0.1:8080/v1"
    assert model.openai_api_key.get_secret_value() == "sk-test"
    assert model.request_timeout == 12 and model.max_tokens == 77


def test_a_local_openai_compatible_server_needs_no_key(make_settings, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = make_chat_model(make_settings(llm="openai",
                                          llm_base_url="http://127.0.0.1:8080/v1"))
    assert model.openai_api_key.get_secret_value() == "not-needed"


def test_the_api_key_is_not_printed(make_settings):
    settings = make_settings(llm="openai", llm_api_key="sk-secret")
    assert "sk-secret" not in str(settings.llm_api_key) and "sk-secret" not in repr(settings)


def test_gguf_paths(tmp_path):
    assert gguf_path(BUNDLED_GGUF).name.endswith(".gguf")
    with pytest.raises(ConfigError, match="not a file on this machine"):
        gguf_path(str(tmp_path / "missing.gguf"))


def test_a_file_that_is_not_gguf_is_refused_clearly(make_settings, tmp_path):
    pytest.importorskip("llama_cpp")
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="Cannot load the GGUF model"):
        make_chat_model(make_settings(llm="llamacpp", llm_model_path=str(bad)))


def test_an_unknown_answerer_is_a_settings_error():
    from coach.config import load_settings

    with pytest.raises(ConfigError, match="COACH_LLM"):
        load_settings(_env_file=None, llm="gpt")


def test_build_coach_builds_the_configured_model(make_settings, embedder):
    from langchain_ollama import ChatOllama

    from coach.app import build_coach

    coach = build_coach(make_settings(llm="ollama"), embedder=embedder)
    assert isinstance(coach._llm, ChatOllama) and coach._generative is not None
    assert build_coach(make_settings(), embedder=embedder)._generative is None


def test_only_providers_build_chat_models():
    root = Path(__file__).resolve().parents[1] / "coach"
    builders = ("ChatOllama(", "ChatOpenAI(", "LlamaCppChat(", "Llama(")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.parent.name != "providers" and any(b in p.read_text() for b in builders)]
    assert offenders == []
