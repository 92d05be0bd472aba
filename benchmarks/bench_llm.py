"""LLM answer benchmark: time to first token, tokens per second and citation-check cost for the
local GGUF model (COACH_LLM=llamacpp, SmolLM2-135M by default), and the citation check's share
of a warm extractive `coach.ask`, on the shipped knowledge.

    .venv/bin/python benchmarks/bench_llm.py [--questions 8] [--home DIR]

Prints medians and p95. Streamed chunks are counted as tokens (llama.cpp streams one token per
chunk). Timings depend on the machine and on what else runs on it: compare runs on one machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

QUESTIONS = [
    "What is a PDSA cycle?", "How is ORIC scored?", "What is a driver diagram?",
    "What should the board do to support improvement?", "What are the six steps?",
    "When should we use an SPC chart?", "What are balancing measures?", "What was LIPS?",
    "How do we sustain improvement?", "What is the NHS IMPACT self-assessment?",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()

    from coach.app import build_coach
    from coach.config import Settings
    from coach.types import Answer

    home = args.home or Path(tempfile.mkdtemp(prefix="bench-llm-"))
    base = Settings(_env_file=None, home=home, knowledge_dir=ROOT / "knowledge")
    extractive = build_coach(base)
    if extractive.count() == 0:
        extractive.ingest()
    questions = (QUESTIONS * 3)[: args.questions]

    for q in questions:  # warm caches
        extractive.ask(q)
    verify = [extractive.ask(q).timings_ms.get("verify", 0.0) for q in questions]
    total = [extractive.ask(q).timings_ms["total"] for q in questions]

    llm = build_coach(base.model_copy(update={"llm": "llamacpp"}), embedder=extractive._embedder)
    llm.ask("warm up")
    ttft, rate, check = [], [], []
    for q in questions:
        start = time.perf_counter()
        first = last = None
        chunks = 0
        for item in llm.stream(q):
            if isinstance(item, Answer):
                if not item.refused:
                    check.append(item.timings_ms.get("verify", 0.0))
                break
            chunks += 1
            last = time.perf_counter()
            first = first or last
        if first is not None and last is not None:
            ttft.append((first - start) * 1000)
            if chunks > 1 and last > first:
                rate.append((chunks - 1) / (last - first))

    rows = [
        ("extractive ask total, ms (p50 / p95)", statistics.median(total), pct(total, 0.95)),
        ("extractive citation check, ms", statistics.median(verify), pct(verify, 0.95)),
        ("GGUF time to first token (from question), ms", statistics.median(ttft), pct(ttft, 0.95)),
        ("GGUF tokens per second", statistics.median(rate), pct(rate, 0.05)),
        ("GGUF answer citation check, ms", statistics.median(check), pct(check, 0.95)),
    ]
    print(f"{len(questions)} questions, model: {llm.settings.llm_model_path}")
    for name, mid, tail in rows:
        print(f"{name:<48} {mid:10.1f} {tail:10.1f}")


if __name__ == "__main__":
    main()
