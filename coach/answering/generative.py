"""Answers written by a language model from numbered passages, and the LLM condense step.

The model is any LangChain ``BaseChatModel`` (built by ``coach.providers.chat``). It sees the
system prompt (prompts/system.md) and the numbered passages with the question
(prompts/answer-with-citations.md), and must cite passages with ``[n]`` markers; the draft is
then screened (``coach.answering.screen``) and checked by ``coach.answering.citations`` like
every other answer.

Passages are spotlighted as data (OWASP LLM01): each sits in a block fenced by a tag with a
key drawn afresh for every request, so no document can close its block, and every line of it
is marked with ``^``; the system prompt says text inside the blocks is never an instruction.
Retrieval has already cut the sentences a document addresses to a model
(coach/text/instructions.py).

Follow-up questions are rewritten by the model through prompts/condense.md. A small model can
rewrite badly (answer the question, drop the topic, ramble), so the rewrite is only used when
it keeps the topic of the conversation and the words of the question; otherwise the
deterministic rewrite stands.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from coach import prompts
from coach.errors import ModelError
from coach.text import content_words, strip_markers
from coach.types import Exchange, Passage

log = logging.getLogger(__name__)

_REWRITE_PREFIX = re.compile(
    r"^\s*(?:rewritten|standalone|stand-alone|new|reformulated)?\s*(?:question|query)\s*:\s*",
    re.IGNORECASE,
)


def _text_of(chunk: Any) -> str:
    """The text of a message or message chunk (content may be a string or a list of parts)."""
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


DATA_MARK = "^"  # starts every line of a passage in the prompt (data-marking)
# the fences of a passage block, whatever its key; a document's own look-alikes are defused
_FENCE = re.compile(r"<\s*(/?)\s*(passage-)", re.IGNORECASE)
_FENCE_LINE = re.compile(r"^\s*</?passage-[0-9a-z]*\b[^>]*>?\s*$", re.IGNORECASE)


def new_key() -> str:
    """A fresh, unguessable key for one request's passage blocks."""
    return secrets.token_hex(4)


def _marked(text: str) -> str:
    """Every line of ``text`` behind the data mark, with look-alike fences defused."""
    text = _FENCE.sub(r"‹\1\2", text)
    return "\n".join(f"{DATA_MARK} {line}".rstrip() for line in text.splitlines())


def format_passages(passages: Sequence[Passage], max_chars: int = 1500,
                    key: str = "") -> str:
    """Number the passages [1]..[n] with their source kind and title, each in a block fenced
    by ``key`` (``new_key()`` when empty) with every line data-marked, for the answer prompt."""
    labels = prompts.read_yaml("passage-labels.yaml")
    template = prompts.read("passage")
    key = key or new_key()
    blocks = []
    for number, p in enumerate(passages, start=1):
        text = p.text if len(p.text) <= max_chars else p.text[:max_chars].rsplit(" ", 1)[0] + "…"
        label = labels.get(p.kind, labels["default"])
        heading = f" > {p.heading}" if p.heading else ""
        head = f"[{number}] {label} — {p.title}{heading}"
        blocks.append(prompts.render(template, key=key, number=number,
                                     lines=_marked(f"{head}\n{text.strip()}")))
    return "\n\n".join(blocks)


def format_history(history: Sequence[Exchange], turns: int = 3, answer_chars: int = 300) -> str:
    lines = []
    for q, a in list(history)[-turns:]:
        a = " ".join(a.split())
        lines.append(f"User: {q.strip()}")
        lines.append(f"Coach: {a[:answer_chars]}{'…' if len(a) > answer_chars else ''}")
    return "\n".join(lines)


def clean_rewrite(text: str) -> str:
    """The first non-empty line of the model's reply, without a label or quotes."""
    for line in text.strip().splitlines():
        line = _REWRITE_PREFIX.sub("", line).strip().strip("\"'“”`*").strip()
        if line:
            return line
    return ""


_QUESTION_START = re.compile(
    r"^(?:what|how|why|which|when|who|whom|whose|where|is|are|was|were|does|do|did|can|could"
    r"|should|would|will|has|have|may|might|must|in|for|according)\b",
    re.IGNORECASE,
)


_SPEAKER = re.compile(r"^(?:user|coach|assistant|question)\s*:\s*", re.IGNORECASE)
_CARRIED = "(following on from:"  # how coach.answering.condense marks the carried topic


def _same(a: str, b: str) -> bool:
    return content_words(a) == content_words(b)


def _looks_like_question(text: str) -> bool:
    return text.endswith("?") or bool(_QUESTION_START.match(text))


def merge_rewrite(question: str, rewrite: str, fallback: str,
                  history: Sequence[Exchange]) -> str:
    """The model's rewrite when it can be trusted, else the deterministic ``fallback``.

    A small model often answers the question instead of rewriting it, copies a line of the
    conversation, or repeats the question unchanged. The rewrite is kept only when it reads as
    a question, is not a copy of an earlier question, holds three quarters of the question's
    own content words and, when the question leans on the conversation, at least half of the
    topic words the deterministic rewrite carried over from earlier turns. So a bad rewrite
    cannot lose the topic: it falls back to the deterministic rewrite, which always carries it.
    """
    rewrite = _SPEAKER.sub("", " ".join(rewrite.split()))
    if not rewrite or len(rewrite) > max(300, 3 * len(fallback)):
        return fallback
    if not _looks_like_question(rewrite):
        return fallback
    if any(_same(rewrite, q) for q, _ in history):
        return fallback  # copied an earlier question
    said = content_words(rewrite)
    asked = content_words(question)
    if asked and len(said & asked) / len(asked) < 0.75:
        return fallback
    if fallback != question:  # the deterministic rewrite carried a topic: keep it
        carried = fallback.split(_CARRIED, 1)[-1] if _CARRIED in fallback else fallback
        topic = content_words(carried) - asked
        if topic and len(said & topic) / len(topic) < 0.5:
            return fallback
    return rewrite


def strip_echoes(text: str, passages: Sequence[Passage]) -> str:
    """Drop lines where the model copied a passage's header ("[2] coaching guidance — Title")
    or a block fence instead of writing an answer, and copied data marks; small models do
    this."""
    labels = prompts.read_yaml("passage-labels.yaml")
    heads = {f"{labels.get(p.kind, labels['default'])} — {p.title}".lower() for p in passages}
    kept = []
    for line in text.splitlines():
        if _FENCE_LINE.match(line):
            continue  # a copied block fence
        line = re.sub(r"^(\s*)\^\s?", r"\1", line)  # a copied data mark
        bare = strip_markers(line).strip(" *#.:").lower()
        if not any(bare.startswith(h) or (len(bare) >= 8 and h.startswith(bare))
                   for h in heads):
            kept.append(line)
    return "\n".join(kept).strip()


class GenerativeAnswerer:
    """Streams a cited answer from a chat model; also rewrites follow-up questions."""

    name = "llm"

    def __init__(self, model: BaseChatModel, *, passage_chars: int = 1500,
                 key_source: Callable[[], str] = new_key):
        self.model = model
        self.passage_chars = passage_chars
        # a fresh random key per request; a fixed one makes a small local model's replies
        # repeatable (the key is part of the prompt, so it changes what the model writes)
        self.key_source = key_source

    def messages(self, question: str, passages: Sequence[Passage],
                 key: str = "") -> list[BaseMessage]:
        """The system prompt and the question with its passages, fenced by ``key`` (a fresh
        one per call when empty)."""
        key = key or self.key_source()
        body = prompts.render(
            prompts.read("answer-with-citations"), key=key,
            passages=format_passages(passages, self.passage_chars, key), question=question,
        )
        return [SystemMessage(prompts.render(prompts.read("system"), key=key)),
                HumanMessage(body)]

    def condense_messages(self, question: str, history: Sequence[Exchange]) -> list[BaseMessage]:
        body = prompts.render(prompts.read("condense"), history=format_history(history),
                              question=question)
        return [HumanMessage(body)]

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """Yield the answer as it grows (cumulative text)."""
        text = ""
        try:
            for chunk in self.model.stream(self.messages(question, passages)):
                piece = _text_of(chunk)
                if piece:
                    text += piece
                    yield text
        except ModelError:
            raise
        except Exception as exc:  # providers raise many types (HTTP, timeouts, llama.cpp)
            raise ModelError(_failure(exc)) from exc

    def condense(self, question: str, history: Sequence[Exchange]) -> str:
        """The model's standalone rewrite of ``question`` (cleaned, possibly empty)."""
        try:
            # one line is all a rewrite needs: stop there (a small model may ramble on)
            reply = self.model.invoke(self.condense_messages(question, history), stop=["\n"])
        except Exception as exc:
            raise ModelError(_failure(exc)) from exc
        return clean_rewrite(_text_of(reply))


def _failure(exc: Exception) -> str:
    log.warning("language model call failed: %s", type(exc).__name__)
    return (
        f"The language model did not answer ({type(exc).__name__}: {exc}). Check that the "
        "model server is running and COACH_LLM_BASE_URL / COACH_LLM_MODEL are right, or set "
        "COACH_LLM=extractive to answer without a model."
    )
