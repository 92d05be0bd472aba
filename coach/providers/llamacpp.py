"""A LangChain chat model over llama-cpp-python, running a local GGUF file in this process.

Our own small BaseChatModel rather than langchain-community's ChatLlamaCpp (that package is
being retired): it sends the conversation to ``Llama.create_chat_completion``, so the chat
template stored in the GGUF file is used, and streams tokens through LangChain's callbacks.
Calls take turns: one llama.cpp context is not thread-safe, and the web app answers several
questions at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr


def chat_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp's OpenAI-style {"role", "content"} dicts."""
    roles = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}
    out = []
    for message in messages:
        role = next((r for cls, r in roles.items() if isinstance(message, cls)), "user")
        out.append({"role": role, "content": message.text})
    return out


def _usage(raw: dict[str, Any] | None) -> UsageMetadata | None:
    if not raw:
        return None
    return UsageMetadata(input_tokens=int(raw.get("prompt_tokens", 0)),
                         output_tokens=int(raw.get("completion_tokens", 0)),
                         total_tokens=int(raw.get("total_tokens", 0)))


class LlamaCppChat(BaseChatModel):
    """Chat with a GGUF model through llama-cpp-python (loaded when the model is built)."""

    model_path: str
    n_ctx: int = 2048
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    n_threads: int | None = None  # default: every core (llama.cpp itself would use half)
    _llm: Any = PrivateAttr(default=None)
    _turn: Any = PrivateAttr(default_factory=threading.Lock)

    def model_post_init(self, context: Any, /) -> None:
        from llama_cpp import Llama

        self._llm = Llama(model_path=self.model_path, n_ctx=self.n_ctx, seed=self.seed,
                          n_threads=self.n_threads or os.cpu_count() or 1, verbose=False)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx,
                "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _options(self, stop: list[str] | None) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, "temperature": self.temperature,
                "seed": self.seed, "stop": stop or []}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                  ) -> ChatResult:
        with self._turn:
            out = self._llm.create_chat_completion(messages=chat_messages(messages),
                                                   **self._options(stop))
        text = out["choices"][0]["message"].get("content") or ""
        message = AIMessage(content=text, usage_metadata=_usage(out.get("usage")))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        with self._turn:
            parts = self._llm.create_chat_completion(messages=chat_messages(messages),
                                                     stream=True, **self._options(stop))
            for part in parts:
                token = part["choices"][0]["delta"].get("content")
                if not token:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
