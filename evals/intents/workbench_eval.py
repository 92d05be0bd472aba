"""Accuracy of the workbench's chat recognition (coach/workbench/chat_intents.py): data
requests ("how is our falls measure doing?", "log a PDSA: …") against questions about the
guidance ("what is a run chart?").

    .venv/bin/python evals/intents/workbench_eval.py [--json]

The labelled, staff-typed messages of evals/intents/workbench.jsonl (reading, log, ordinary;
the "dev" set, which the exemplars were written against, and a "fresh" set written after them
and never tuned on) are recognised as the chat recognises them, for a lead whose projects hold
the measures in ``LEAD`` below: the exemplars of prompts/workbench-intents.yaml, then the rules
on the lead's own data. It reports the accuracy at the shipped threshold and margin (over all,
and per set), the accuracy of the exemplars alone (no rules), the guidance questions taken for
a lead with no projects (only "my chart" / "our data" can make a reading then), a sweep of
threshold and margin (how the shipped values were chosen), and every question of
evals/dev/cases.jsonl and every journey utterance of evals/intents/dev.jsonl that would be
taken for a data request (none should be: the workbench is asked before the journey chat).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from coach.config import Settings  # noqa: E402
from coach.workbench import chat_intents as wi  # noqa: E402

# the lead the messages are asked by: (measure, project)
LEAD = (("Inpatient falls per 1,000 bed days", "Reducing inpatient falls"),
        ("Falls with harm", "Reducing inpatient falls"),
        ("Category 2+ pressure ulcers", "Pressure ulcer prevention"),
        ("Patients screened for sepsis within 1 hour", "Sepsis screening in ED"),
        ("Discharges before noon", "Discharge before noon"))
THRESHOLDS = [round(x, 3) for x in np.arange(0.35, 0.71, 0.025)]
MARGINS = [0.0, 0.02, 0.03, 0.05, 0.08]


def load_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def label(text: str, scores: dict[str, float], measures, threshold: float = wi.THRESHOLD,
          margin: float = wi.MARGIN) -> str:
    request = wi.recognise(text, scores, threshold=threshold, margin=margin)
    return request.label if wi.takes(request, text, measures) else wi.ORDINARY


def _ranges(sweep: dict[tuple[float, float], int], margin: float, n: int) -> str:
    """At one margin: the best accuracy and the thresholds that reach it, as "lo-hi"."""
    at = {t: hits for (t, m), hits in sweep.items() if m == margin}
    top = max(at.values())
    best = [t for t, hits in sorted(at.items()) if hits == top]
    return f"{top / n:.4f} at {best[0]:.3f}-{best[-1]:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from coach.providers.embeddings import make_embedder

    embedder = make_embedder(Settings())
    texts, labels = wi.exemplars()
    ex_vecs = np.asarray(embedder.encode([wi.form(t) for t in texts]), dtype=np.float32)
    rows = load_rows(ROOT / "evals" / "intents" / "workbench.jsonl")
    vecs = embedder.encode([wi.form(r["text"]) for r in rows])
    scores = [wi.label_scores(v, ex_vecs, labels) for v in vecs]

    got = [label(r["text"], s, LEAD) for r, s in zip(rows, scores, strict=True)]
    wrong = [{"id": r["id"], "text": r["text"], "label": r["label"], "got": g}
             for r, g in zip(rows, got, strict=True) if g != r["label"]]
    alone = sum(wi.decide(s) == r["label"] for r, s in zip(rows, scores, strict=True))
    no_projects = [r["id"] for r, s in zip(rows, scores, strict=True)
                   if r["label"] == wi.ORDINARY and label(r["text"], s, ()) != wi.ORDINARY]
    sweep = {(t, m): sum(label(r["text"], s, LEAD, t, m) == r["label"]
                         for r, s in zip(rows, scores, strict=True))
             for t in THRESHOLDS for m in MARGINS}
    best = max(sweep.values())
    dev = load_rows(ROOT / "evals" / "dev" / "cases.jsonl")
    dev_vecs = embedder.encode([wi.form(c["question"]) for c in dev])
    taken = [c["id"] for c, v in zip(dev, dev_vecs, strict=True)
             if label(c["question"], wi.label_scores(v, ex_vecs, labels), LEAD) != wi.ORDINARY]
    journey = load_rows(ROOT / "evals" / "intents" / "dev.jsonl")
    journey_vecs = embedder.encode([wi.form(r["text"]) for r in journey])
    journey_taken = [r["id"] for r, v in zip(journey, journey_vecs, strict=True)
                     if label(r["text"], wi.label_scores(v, ex_vecs, labels), LEAD)
                     != wi.ORDINARY]
    result = {
        "messages": len(rows), "by_label": dict(Counter(r["label"] for r in rows)),
        "threshold": wi.THRESHOLD, "margin": wi.MARGIN,
        "accuracy": round(1 - len(wrong) / len(rows), 4),
        "accuracy_by_set": {name: round(sum(g == r["label"] for r, g in zip(rows, got, strict=True)
                                            if r["set"] == name)
                                        / sum(r["set"] == name for r in rows), 4)
                            for name in sorted({r["set"] for r in rows})},
        "wrong": wrong,
        "data_vs_guidance_accuracy": round(sum(
            (g == wi.ORDINARY) == (r["label"] == wi.ORDINARY)
            for r, g in zip(rows, got, strict=True)) / len(rows), 4),
        "exemplars_alone_accuracy": round(alone / len(rows), 4),
        "guidance_taken_with_no_projects": no_projects,
        "best_sweep_accuracy": round(best / len(rows), 4),
        "sweep_by_margin": {m: _ranges(sweep, m, len(rows)) for m in MARGINS},
        "dev_questions": len(dev), "dev_questions_taken": taken,
        "journey_utterances": len(journey), "journey_utterances_taken": journey_taken,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for k, v in result.items():
            print(f"{k:>32}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
