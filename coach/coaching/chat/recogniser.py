"""The intent recogniser: embeds the exemplars of prompts/intents.yaml once, then labels chat
messages (the pure decisions are in ``intents``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from coach import prompts
from coach.coaching.chat import intents
from coach.coaching.journey import Journey
from coach.ports import Encoder, Vectors

INTENTS_FILE = "intents.yaml"


class IntentRecogniser:
    """Embeds the exemplars of prompts/intents.yaml once, then labels messages."""

    def __init__(self, embedder: Encoder, journey: Journey, threshold: float,
                 margin: float = intents.DEFAULT_MARGIN,
                 exemplars: intents.Exemplars | None = None):
        self.embedder, self.journey = embedder, journey
        self.threshold, self.margin = threshold, margin
        data = prompts.read_yaml(INTENTS_FILE)
        self.exemplars = exemplars or intents.Exemplars.from_data(data)
        self.words = intents.topic_words(journey, data.get("topic_words", []))
        self.commands: dict[str, Sequence[str]] = data.get("commands", {})
        self.action_verbs: list[str] = data.get("action_verbs", [])
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                masked = [intents.mask(t, self.words) for t in self.exemplars.texts]
                self._vectors = np.asarray(self.embedder.encode(masked), dtype=np.float32)
            return self._vectors

    def form(self, text: str) -> str:
        """The message as the exemplars were embedded: topic words masked."""
        return intents.mask(text, self.words)

    def scores(self, text: str, vector: Vectors | None = None) -> dict[str, float]:
        """Per label, how close the message is; ``vector`` embeds ``form(text)`` when the
        caller has it already (the pipeline embeds it with the retrieval query)."""
        if vector is None:
            vector = self.embedder.encode([self.form(text)])[0]
        vec = np.asarray(vector, dtype=np.float32)
        return intents.label_scores(vec, self.vectors(), self.exemplars.labels)

    def recognise(self, text: str, history: Sequence[tuple[str, str]] = (),
                  vector: Vectors | None = None) -> intents.Intent:
        scores = self.scores(text, vector)
        label, _ = intents.decide(scores, self.threshold, self.margin)
        previous = None
        if label != intents.ORDINARY and history and intents.is_follow_up(text):
            previous = intents.decide(self.scores(history[-1][0]), self.threshold,
                                      self.margin)[0]
        return intents.recognise(self.journey, text, scores, previous=previous,
                                 threshold=self.threshold, margin=self.margin)
