"""The typed seams (coach.ports): a LangChain ``Embeddings`` drops in as the coach's embedder."""

from __future__ import annotations

import os

import numpy as np
import pytest

from coach.config import BUNDLED_EMBEDDER
from coach.ports import Embedder
from coach.providers.embeddings import LangChainEmbedder, SentenceTransformerEmbeddings
from coach.providers.encoding import resolve_model_path

TEXTS = ["Agree the aim with the board.", "Measure for improvement with run charts."]


def _uses(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """What retrieval and the answerer ask of an embedder (typed against the port)."""
    assert embedder.dimension > 0 and embedder.model_name
    return embedder.encode(texts)


def test_a_langchain_embeddings_drops_in_and_gives_the_same_unit_vectors(
        torch_embedder: SentenceTransformerEmbeddings):
    pytest.importorskip("langchain_huggingface")
    from langchain_huggingface import HuggingFaceEmbeddings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _, path = resolve_model_path(BUNDLED_EMBEDDER)
    ours = torch_embedder
    theirs = LangChainEmbedder(HuggingFaceEmbeddings(model_name=path), name="minilm-langchain")
    a, b = _uses(ours, TEXTS), _uses(theirs, TEXTS)
    assert theirs.dimension == ours.dimension == a.shape[1]
    assert b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert np.allclose(a, b, atol=1e-4)
    assert np.allclose(theirs.embed_query(TEXTS[0]), a[0], atol=1e-4)
    assert theirs.encode([]).shape == (0, ours.dimension)
