"""The seams between the coach and the components it is built on, typed in one place.

- ``Embedder``: what the coach asks of an embedding model. Ours is built by
  ``providers.embeddings.make_embedder``: ``providers.onnx_embeddings.OnnxEmbeddings`` (ONNX
  Runtime) or ``providers.embeddings.SentenceTransformerEmbeddings`` (torch), both LangChain
  ``Embeddings``; any other LangChain ``Embeddings`` drops in through
  ``providers.embeddings.LangChainEmbedder``.
- ``ChatModel``: LangChain's ``BaseChatModel`` (OpenAI-compatible, Ollama, llama.cpp, fakes).
- ``VectorClient`` and ``VectorCollection``: Chroma's client API, embedded or HTTP
  (``providers.chroma.make_client``); ``store.GuidanceIndex`` is the only user.
- ``Reranker``: re-orders retrieved passages (``providers.rerank.CrossEncoderReranker``).
- ``JourneyRouter``: takes a chat message that is a request rather than a question before the
  answer pipeline does: about the improvement journey ("what next?", "coach me through step
  2": ``coaching.chat.router.JourneyChat``) or the user's own QI data ("how is our falls
  measure doing?", "log a PDSA: …": ``workbench.chat.WorkbenchChat``). ``app.build_coach``
  hands them to ``pipeline.Coach``, which asks them in turn (``routing.RouterChain``), so the
  pipeline imports no feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias

import numpy as np
from langchain_core.language_models import BaseChatModel
from numpy.typing import NDArray

from coach.types import Answer, Asked, Passage

if TYPE_CHECKING:  # chromadb is heavy to import; its types are only needed by the checker
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

Vectors: TypeAlias = NDArray[np.float32]
ChatModel: TypeAlias = BaseChatModel
VectorClient: TypeAlias = "ClientAPI"
VectorCollection: TypeAlias = "Collection"


class Encoder(Protocol):
    """Anything that embeds texts as the index does (an ``Embedder``, or ``pipeline.Coach``)."""

    def encode(self, texts: list[str]) -> Vectors:
        """One unit-length float32 row per text."""
        ...


class Embedder(Protocol):
    """Unit-length sentence vectors for texts, under a stable model name."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str]) -> Vectors:
        """One unit-length float32 row per text."""
        ...

    def embed_query(self, text: str) -> list[float]: ...


class Reranker(Protocol):
    def rerank(self, query: str, passages: Sequence[Passage], k: int) -> list[Passage]: ...


class JourneyRouter(Protocol):
    """Replies to chat requests (the journey's, the workbench's); ``None`` hands an ordinary
    question back to the pipeline."""

    def intent_text(self, text: str, user: str | None) -> str | None:
        """The form of ``user``'s message that the intent model embeds (the pipeline embeds
        it in the same model call as the retrieval query); None when this router needs no
        vector for it (it is still asked: a "yes" to its own last question needs none)."""
        ...

    def reply(self, asked: Asked, user: str | None, vector: Vectors | None) -> Answer | None:
        """A reply for ``user``, or None; ``vector`` embeds ``intent_text(asked.text, user)``
        (None where that was None)."""
        ...
