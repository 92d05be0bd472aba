"""Choose when the guidance's own evidence outweighs the off-topic model.

The off-topic check (coach/answering/scope.py) reads the question alone. A question in
improvement jargon it has not seen ("what is SEIPS?", "work as imagined vs work as done") can
look like small talk to it, while retrieval finds a section that answers it. The gate therefore
lets strong retrieval evidence (gate.relevance_score: the best passage's similarity plus a
share for the question's words found) overrule the model, never the rule for named documents
the library does not hold.

The override is chosen on the fit split (the dev split) of evals/scope/questions.jsonl only,
read through coach.evals.splits.fit_rows: the lowest value above the evidence of all but
OFF_QUANTILE of the off-topic questions the model refuses, so the override gives back almost
none of them. The held-out split is read afterwards, by ``score_held_out``, and scored once
through the whole gate. Writes coach/answering/scope_evidence.json.
    .venv/bin/python benchmarks/fit_scope_evidence.py [--dry-run]
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_retrieval import indexed_knowledge  # noqa: E402

from coach.answering import scope  # noqa: E402
from coach.answering.gate import relevance_score, term_coverage  # noqa: E402
from coach.evals.splits import fit_rows, held_out_rows  # noqa: E402

SET = ROOT / "evals" / "scope" / "questions.jsonl"
OUT = ROOT / "coach" / "answering" / "scope_evidence.json"
OFF_QUANTILE = 0.99  # the override sits above this share of refused off-topic questions


def measured(coach, data: list[dict]) -> list[tuple[bool, bool, float]]:
    """(off-topic label, refused by the model, relevance evidence) per question."""
    out = []
    for row in data:
        found = coach._retriever.retrieve(row["question"])
        lexical = found.lexical or coach._retriever.lexical()
        best = max((p.dense_score or p.score for p in found.passages), default=0.0)
        texts = [f"{p.title} {p.heading} {p.text}" for p in found.passages[:5]]
        coverage = term_coverage(row["question"], texts, lexical.idf, lexical.correct)
        verdict = scope.assess(row["question"], found.query_vector)
        model_refuses = verdict.reason == scope.OFF_TOPIC
        out.append((bool(row["off_topic"]), model_refuses, relevance_score(best, coverage)))
    return out


def choose_override(fit: list[tuple[bool, bool, float]]) -> float:
    """Just above the evidence of all but OFF_QUANTILE of the off-topic questions the model
    refuses (infinite, never, when it refuses none)."""
    refused_off = sorted(e for label, m, e in fit if label and m)
    return float(np.quantile(refused_off, OFF_QUANTILE)) + 1e-6 if refused_off else np.inf


def score_held_out(coach) -> list[tuple[bool, bool, float]]:
    """The held-out rows measured once, after the override is chosen."""
    return measured(coach, [row.fields for row in held_out_rows(SET)])


def rates(data: list[tuple[bool, bool, float]], override: float) -> dict[str, float]:
    off = [(m and e < override) for label, m, e in data if label]
    ordinary = [(m and e < override) for label, m, e in data if not label]
    return {"off_topic_refused_by_model": round(float(np.mean(off)), 4),
            "ordinary_refused_by_model": round(float(np.mean(ordinary)), 4),
            "off_topic": len(off), "ordinary": len(ordinary)}


def main() -> int:
    dry = "--dry-run" in sys.argv
    with indexed_knowledge() as coach:
        fit = measured(coach, [row.fields for row in fit_rows(SET)])
        override = choose_override(fit)
        held = score_held_out(coach)
    print(f"override: relevance >= {override:.4f} outweighs the off-topic model")
    print("fit split, model alone:   ", rates(fit, np.inf))
    print("fit split, with override: ", rates(fit, override))
    print("held-out, model alone:    ", rates(held, np.inf))
    print("held-out, with override:  ", rates(held, override))
    if not dry:
        OUT.write_text(json.dumps({
            "override": round(override, 6), "quantile": OFF_QUANTILE,
            "fit": rates(fit, override), "held_out": rates(held, override),
            "fitted": date.today().isoformat(), "script": "benchmarks/fit_scope_evidence.py",
        }, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
