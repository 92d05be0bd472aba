"""Optional cross-encoder re-ranking of retrieved passages (off unless COACH_RERANK_MODEL is a
local folder). The model is a sentence-transformers ``CrossEncoder`` loaded from that folder
with the hub offline; it is never downloaded.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.types import Passage


class CrossEncoderReranker:
    """Scores (question, passage) pairs with a cross-encoder; loads on first use."""

    def __init__(self, path: Path, device: str = "cpu"):
        path = Path(path).expanduser()
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"COACH_RERANK_MODEL={str(path)!r} is not a cross-encoder folder on this machine "
                "(no config.json). Point it at a local sentence-transformers cross-encoder, or "
                "leave it empty to turn re-ranking off; models are never downloaded."
            )
        self.path = path
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import CrossEncoder

                self._model = CrossEncoder(str(self.path), device=self.device,
                                           local_files_only=True)
        return self._model

    def scores(self, query: str, passages: Sequence[Passage]) -> list[float]:
        if not passages:
            return []
        pairs = [(query, f"{p.title}\n{p.heading}\n{p.text}") for p in passages]
        raw = self._load().predict(pairs, show_progress_bar=False, convert_to_numpy=True)
        return [float(s) for s in raw.reshape(len(passages), -1)[:, -1]]

    def rerank(self, query: str, passages: Sequence[Passage], k: int) -> list[Passage]:
        """The ``k`` passages the cross-encoder scores highest, best first; each passage's
        ``score`` becomes its cross-encoder score (``dense_score`` is kept for the gate)."""
        scored = sorted(zip(self.scores(query, passages), range(len(passages)), strict=True),
                        key=lambda x: -x[0])
        return [dataclasses.replace(passages[i], score=s) for s, i in scored[:k]]
