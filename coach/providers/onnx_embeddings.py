"""The embedder run by ONNX Runtime (``COACH_EMBEDDING_BACKEND=onnx`` or ``onnx-int8``).

The same model as the torch backend, exported on this machine on first use
(``onnx_export.exported_model``) and run without torch: the model folder's own
``tokenizer.json`` (the ``tokenizers`` library) feeds an ONNX Runtime session whose output is
the token vectors; pooling and unit length are done here, as the sentence-transformers modules
do them. The vectors agree with torch's (cosine 1.000 for ``onnx``; about 0.99 for
``onnx-int8``), but the index records the backend in its model name all the same, so vectors
of two backends are never mixed in one index.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.config import BUNDLED_EMBEDDER, usable_cpus
from coach.errors import ConfigError
from coach.ports import Vectors
from coach.providers.encoding import (
    EncodingEmbeddings,
    read_dimension,
    resolve_model_path,
    span_vectors,
)
from coach.providers.onnx_export import (
    OnnxBackend,
    check_supported,
    exported_model,
    transformer_folder,
)

if TYPE_CHECKING:
    from onnxruntime import InferenceSession
    from tokenizers import Encoding, Tokenizer

POOLING_MODES = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token",
                 "max": "pooling_mode_max_tokens"}


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _json_list(path: Path) -> list[dict[str, Any]]:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def pooling_mode(source: Path) -> str:
    """The Pooling module's one mode (mean, cls or max), or a ConfigError."""
    for module in _json_list(source / "modules.json"):
        if str(module.get("type", "")).endswith("Pooling"):
            config = _json(source / str(module.get("path", "")) / "config.json")
            on = [k for k, v in config.items() if k.startswith("pooling_mode_") and v is True]
            modes = [m for m, key in POOLING_MODES.items() if key in on]
            if len(on) != 1 or len(modes) != 1:
                raise ConfigError(
                    f"The embedder in {source} pools its tokens in a way the ONNX backends do "
                    "not compute; set COACH_EMBEDDING_BACKEND=torch."
                )
            return modes[0]
    return "mean"


def load_tokenizer(source: Path) -> tuple[Tokenizer, bool]:
    """The model's fast tokenizer, truncating as sentence-transformers does, and whether
    texts are lower-cased first (``do_lower_case``)."""
    from tokenizers import Tokenizer

    folder = transformer_folder(source)
    path = folder / "tokenizer.json"
    if not path.is_file():
        raise ConfigError(
            f"The embedder in {source} has no tokenizer.json, which the ONNX backends need; "
            "set COACH_EMBEDDING_BACKEND=torch."
        )
    tokenizer = Tokenizer.from_file(str(path))
    sbert = (_json(folder / "sentence_bert_config.json")
             or _json(source / "sentence_bert_config.json"))
    limits = [int(sbert.get("max_seq_length") or 0),
              int(_json(folder / "config.json").get("max_position_embeddings") or 0)]
    limit = min(x for x in limits if x > 0) if any(limits) else 512
    tokenizer.enable_truncation(max_length=limit)
    tokenizer.no_padding()  # each text is run alone
    return tokenizer, bool(sbert.get("do_lower_case"))


class OnnxEmbeddings(EncodingEmbeddings):
    """Normalised sentence embeddings from ONNX Runtime; exported and loaded on first use."""

    def __init__(self, model: str = BUNDLED_EMBEDDER, *, backend: OnnxBackend, cache: Path,
                 threads: int | None = None):
        self.base_name, self._path = resolve_model_path(model)
        check_supported(Path(self._path))
        self._pooling = pooling_mode(Path(self._path))
        self.backend: OnnxBackend = backend
        self.model_name = f"{self.base_name}+{backend}"
        self._cache = cache
        self._threads = threads or usable_cpus()
        self._loaded: tuple[InferenceSession, Tokenizer, bool] | None = None
        self._lock = threading.Lock()
        self.model_file: Path | None = None  # the ONNX file, once loaded

    def _load(self) -> tuple[InferenceSession, Tokenizer, bool]:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    import onnxruntime as ort

                    source = Path(self._path)
                    self.model_file = exported_model(source, self.base_name, self.backend,
                                                     self._cache)
                    options = ort.SessionOptions()
                    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    options.intra_op_num_threads = 1  # texts run side by side instead
                    options.inter_op_num_threads = 1
                    session = ort.InferenceSession(str(self.model_file), options,
                                                   providers=["CPUExecutionProvider"])
                    self._loaded = (session, *load_tokenizer(source))
        return self._loaded

    @cached_property
    def dimension(self) -> int:
        """The vector size, read from the model's config files when they say (once: it was
        read from disk for every question before, 2% of a busy server's CPU)."""
        known = read_dimension(Path(self._path))
        return known or len(self.encode(["dimension"])[0])

    def _token_vectors(self, texts: list[str]) -> Iterator[tuple[int, Vectors, Encoding]]:
        """(position in texts, token vectors, encoding) for every text, in order.

        Each text runs alone, on as many single-threaded runs at once as there are cores:
        no padding is computed, and a text's vector never depends on the texts it came with
        (int8 quantises a whole input's activations at once, so in a padded batch it would).
        Measured on the shipped chunks (2 cores), this is about 1.5x faster than batches of
        32 on two threads, for both backends.

        Texts the tokenizer reads as the same tokens run once ("What is QI?" and the intent
        form "what is qi?" of an uncased model): a question and its routers' intent forms
        are often the same tokens, and each run is about 5 ms of a busy server's CPU."""
        session, tokenizer, lower = self._load()
        wanted = [i.name for i in session.get_inputs()]
        encodings = tokenizer.encode_batch([t.lower() if lower else t for t in texts])
        distinct = list({tuple(enc.ids): enc for enc in encodings}.values())

        def run(enc: Encoding) -> Vectors:
            rows = {"input_ids": enc.ids, "attention_mask": enc.attention_mask,
                    "token_type_ids": enc.type_ids}
            out = session.run(None, {n: np.asarray([rows[n]], dtype=np.int64) for n in wanted})
            return np.asarray(out[0][0], dtype=np.float32)

        keys = [tuple(enc.ids) for enc in distinct]
        if len(distinct) <= 1:
            ran = {key: run(enc) for key, enc in zip(keys, distinct, strict=True)}
        else:
            with ThreadPoolExecutor(min(self._threads, len(distinct))) as pool:
                ran = dict(zip(keys, pool.map(run, distinct), strict=True))
        for i, enc in enumerate(encodings):
            yield i, ran[tuple(enc.ids)], enc

    def _pool(self, tokens: Vectors) -> Vectors:
        if self._pooling == "cls":
            vec = tokens[0]
        elif self._pooling == "max":
            vec = tokens.max(axis=0)
        else:
            vec = tokens.mean(axis=0)
        unit: Vectors = (vec / (np.linalg.norm(vec) or 1.0)).astype(np.float32)
        return unit

    def encode(self, texts: list[str]) -> Vectors:
        """Embed texts as a float32 numpy array with unit-length rows."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # _token_vectors yields every text in order
        return np.stack([self._pool(tokens) for _, tokens, _ in self._token_vectors(texts)])

    def encode_pooled(self, texts: list[str], spans: list[list[tuple[int, int]]]
                      ) -> tuple[Vectors, list[list[Vectors | None]]]:
        """Embed texts and, from the same run, each (start, end) character span of them (see
        ``SentenceTransformerEmbeddings.encode_pooled``)."""
        texts = list(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[list[Vectors | None]] = [[] for _ in texts]
        for i, tokens, enc in self._token_vectors(texts):
            vectors[i] = self._pool(tokens)
            offsets = np.asarray(enc.offsets[:len(tokens)], dtype=np.int64).reshape(-1, 2)
            pooled[i] = span_vectors(tokens, offsets, spans[i])
        return vectors, pooled
