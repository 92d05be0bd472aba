"""Cross-validated accuracy of journey-intent recognition (coach/coaching/chat/intents.py).

    .venv/bin/python evals/intents/cross_validate.py [--folds 5] [--json]

The labelled utterances in evals/intents/dev.jsonl are split into folds (stratified by label,
fixed seed). For each fold, the confidence threshold and margin are chosen on the other folds
(grid search, exemplars of prompts/intents.yaml plus the training folds' utterances), and the
held-out fold is labelled with them: the accuracy over all held-out utterances is the CV
figure. It also reports the shipped configuration (exemplars only, COACH_INTENT_THRESHOLD's
default) on the whole set, and checks every question of evals/dev/cases.jsonl, none of which
should be taken for a journey request.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coach import prompts  # noqa: E402
from coach.coaching.chat import intents  # noqa: E402
from coach.coaching.journey import load_journey  # noqa: E402
from coach.config import Settings  # noqa: E402

THRESHOLDS = [round(x, 2) for x in np.arange(0.40, 0.81, 0.025)]
MARGINS = [0.0, 0.02, 0.03, 0.05, 0.08]


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def folds_of(rows: list[dict], k: int, seed: int = 0) -> list[list[int]]:
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_label[r["label"]].append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    n = 0
    for label in sorted(by_label):
        ids = by_label[label]
        rng.shuffle(ids)
        for i in ids:
            folds[n % k].append(i)
            n += 1
    return folds


class Labeller:
    def __init__(self, journey, texts, labels, vectors):
        self.journey, self.texts, self.labels, self.vectors = journey, texts, labels, vectors

    def label(self, text, vec, threshold, margin, skip: set[int] = frozenset()) -> str:
        keep = [i for i in range(len(self.texts)) if i not in skip]
        scores = intents.label_scores(vec, self.vectors[keep], [self.labels[i] for i in keep])
        return intents.recognise(self.journey, text, scores, threshold=threshold,
                                 margin=margin).label


def accuracy(labeller, rows, vecs, ids, threshold, margin, skip, offset) -> float:
    """Each utterance labelled without itself among the exemplars (leave one out)."""
    hits = sum(labeller.label(rows[i]["text"], vecs[i], threshold, margin,
                              skip | {offset + i}) == rows[i]["label"] for i in ids)
    return hits / max(1, len(ids))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from coach.providers.embeddings import SentenceTransformerEmbeddings

    embedder = SentenceTransformerEmbeddings()
    journey = load_journey(ROOT / "knowledge" / "journey.yaml")
    rows = load_rows(ROOT / "evals" / "intents" / "dev.jsonl")
    base = intents.Exemplars.from_data(prompts.read_yaml("intents.yaml"))
    # the dev utterances join the exemplars of the training folds; held-out ones are skipped
    texts = list(base.texts) + [r["text"] for r in rows]
    labels = list(base.labels) + [r["label"] for r in rows]
    data = prompts.read_yaml("intents.yaml")
    words = intents.topic_words(journey, data.get("topic_words", []))
    norm = [intents.mask(t, words) for t in texts]
    vectors = np.asarray(embedder.encode(norm), dtype=np.float32)
    row_vecs = vectors[len(base.texts):]
    labeller = Labeller(journey, texts, labels, vectors)
    offset = len(base.texts)

    folds = folds_of(rows, args.folds)
    correct, chosen = 0, []
    for held in folds:
        train = [i for f in folds if f is not held for i in f]
        skip_held = {offset + i for i in held}
        best = max(((accuracy(labeller, rows, row_vecs, train, t, m, skip_held, offset), t, m)
                    for t in THRESHOLDS for m in MARGINS),
                   key=lambda x: (x[0], -abs(x[1] - 0.6)))
        _, t, m = best
        chosen.append((t, m))
        correct += sum(labeller.label(rows[i]["text"], row_vecs[i], t, m, skip_held)
                       == rows[i]["label"] for i in held)
    cv = correct / len(rows)
    fixed = {"threshold": None, "margin": intents.DEFAULT_MARGIN}
    settings_default = Settings.model_fields["intent_threshold"].default
    fixed["threshold"] = settings_default
    fixed_correct = 0
    for held in folds:
        skip_held = {offset + i for i in held}
        fixed_correct += sum(labeller.label(rows[i]["text"], row_vecs[i], settings_default,
                                            intents.DEFAULT_MARGIN, skip_held)
                             == rows[i]["label"] for i in held)

    exemplar_only = set(range(offset, len(texts)))
    shipped = accuracy(labeller, rows, row_vecs, range(len(rows)), settings_default,
                       intents.DEFAULT_MARGIN, exemplar_only, offset)
    dev_cases = load_rows(ROOT / "evals" / "dev" / "cases.jsonl")
    dev_vecs = embedder.encode([intents.mask(c["question"], words) for c in dev_cases])
    taken = [c["id"] for c, v in zip(dev_cases, dev_vecs, strict=True)
             if labeller.label(c["question"], v, settings_default, intents.DEFAULT_MARGIN,
                               exemplar_only) != intents.ORDINARY]
    result = {"utterances": len(rows), "folds": args.folds, "cv_accuracy": round(cv, 4),
              "cv_accuracy_shipped_threshold": round(fixed_correct / len(rows), 4),
              "thresholds_chosen": chosen, "shipped_accuracy": round(shipped, 4),
              "shipped_threshold": settings_default, "dev_questions": len(dev_cases),
              "dev_questions_taken_for_journey": taken}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for k, v in result.items():
            print(f"{k:>34}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
