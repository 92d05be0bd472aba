"""The typed seams (coach.ports): a LangChain ``Embeddings`` drops in as the coach's embedder.

The check against a real model loads torch and is marked slow; the adapter's own arithmetic
is checked fast, over langchain_core's deterministic fake (it stands for a hosted API)."""

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


def test_any_langchain_embeddings_gives_float32_unit_rows_and_its_own_size():
    from langchain_core.embeddings import DeterministicFakeEmbedding

    fake = DeterministicFakeEmbedding(size=12)
    theirs = LangChainEmbedder(fake, name="fake-embeddings")
    rows = _uses(theirs, TEXTS)
    assert theirs.model_name == "fake-embeddings" and theirs.dimension == 12
    assert rows.shape == (2, 12) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-6)
    raw = np.asarray(fake.embed_documents(TEXTS))
    assert np.allclose(rows, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert np.allclose(theirs.embed_query(TEXTS[0]), rows[0], atol=1e-6)
    assert theirs.encode([]).shape == (0, 12)


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
