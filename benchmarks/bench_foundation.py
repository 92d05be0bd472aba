"""Foundation benchmark: ingest throughput, retrieval latency and warm `coach.ask` latency on
the shipped knowledge, side by side with a plain LangChain baseline run in the same process:
RecursiveCharacterTextSplitter(1000/200) + HuggingFaceEmbeddings(all-MiniLM-L6-v2) +
Chroma.from_documents + similarity_search(k=4). Ours runs the configured embedder backend
(COACH_EMBEDDING_BACKEND); benchmarks/bench_ingest.py compares the backends' ingest.

Prints medians, p95 and ratios (ours / baseline). Never run by the tests.
    .venv/bin/python benchmarks/bench_foundation.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coach.app import build_coach  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.ingest.loaders import is_supported, load  # noqa: E402
from coach.providers.embeddings import make_embedder  # noqa: E402
from coach.providers.encoding import resolve_model_path  # noqa: E402

FALLBACK_QUESTIONS = [
    "What are the six steps of the improvement journey?",
    "How do we assess readiness for an organisation-wide approach?",
    "What does the board need to do to support QI?",
    "What is a PDSA cycle?",
    "How many points make a shift on a run chart?",
    "What is ORIC and how is it scored?",
    "How much improvement training should staff get?",
    "What are the enablers of organisational improvement?",
]


def questions() -> list[str]:
    cases = ROOT / "evals" / "dev" / "cases.jsonl"
    if cases.exists():
        qs = [json.loads(line)["question"] for line in cases.read_text().splitlines() if line]
        return qs or FALLBACK_QUESTIONS
    return FALLBACK_QUESTIONS


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    idx = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[idx]


def baseline_ingest(files: list[Path], embeddings, workdir: Path) -> tuple[float, int, object]:
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    start = time.perf_counter()
    docs = [Document(page_content=load(f).text, metadata={"source": str(f)}) for f in files]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    store = Chroma.from_documents(
        chunks, embeddings, persist_directory=str(workdir),
        client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True,
                                       persist_directory=str(workdir)),
    )
    return time.perf_counter() - start, len(chunks), store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from langchain_huggingface import HuggingFaceEmbeddings

    knowledge = ROOT / "knowledge"
    files = sorted(p for p in knowledge.rglob("*") if p.is_file() and is_supported(p))
    chars = sum(len(load(f).text) for f in files)
    # ours runs the configured embedder backend (the default unless COACH_EMBEDDING_BACKEND
    # says otherwise), its ONNX file exported once into a temporary cache before timing
    cache = Path(tempfile.mkdtemp(prefix="bench-models-"))
    ours_embedder = make_embedder(Settings(home=cache, embedding_cache=cache))
    ours_embedder.embed_query("warm up")
    base_embedder = HuggingFaceEmbeddings(
        model_name=resolve_model_path(Settings().embedding_model)[1],
        model_kwargs={"device": "cpu"},
    )
    base_embedder.embed_query("warm up")

    ours_times, base_times = [], []
    ours_chunks = base_chunks = 0
    coach = store = None
    for _ in range(args.repeats):
        base_dir = Path(tempfile.mkdtemp(prefix="bench-base-"))
        t, base_chunks, store = baseline_ingest(files, base_embedder, base_dir)
        base_times.append(t)
        home = Path(tempfile.mkdtemp(prefix="bench-coach-"))
        settings = Settings(home=home, knowledge_dir=knowledge)
        coach = build_coach(settings, embedder=ours_embedder)
        start = time.perf_counter()
        report = coach.ingest()
        ours_times.append(time.perf_counter() - start)
        ours_chunks = report.chunks_total

    qs = questions()
    for q in qs[:5]:  # warm caches on both sides
        coach._retriever.retrieve(q)
        coach.ask(q)
        store.similarity_search(q, k=4)
    retrieve_ms, ask_ms, base_ms = [], [], []
    for q in qs:
        t = time.perf_counter()
        store.similarity_search(q, k=4)
        base_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        coach._retriever.retrieve(q)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        coach.ask(q)
        ask_ms.append((time.perf_counter() - t) * 1000)

    o_t, b_t = statistics.median(ours_times), statistics.median(base_times)
    rows = [
        ("ingest: chunks/s", ours_chunks / o_t, base_chunks / b_t),
        ("ingest: characters/s", chars / o_t, chars / b_t),
        ("ingest: seconds (median)", o_t, b_t),
        ("chunks produced", ours_chunks, base_chunks),
        ("retrieval p50 ms", statistics.median(retrieve_ms), statistics.median(base_ms)),
        ("retrieval p95 ms", pct(retrieve_ms, 0.95), pct(base_ms, 0.95)),
        ("warm coach.ask p50 ms (extractive)", statistics.median(ask_ms), float("nan")),
        ("warm coach.ask p95 ms (extractive)", pct(ask_ms, 0.95), float("nan")),
    ]
    print(f"{len(files)} documents, {chars} characters, {len(qs)} questions, "
          f"{args.repeats} ingest repeats, {os.cpu_count()} CPUs, embedder "
          f"{ours_embedder.model_name}")
    print(f"{'measure':<38}{'ours':>12}{'baseline':>12}{'ratio':>8}")
    for name, ours, base in rows:
        ratio = ours / base if base == base and base else float("nan")
        print(f"{name:<38}{ours:>12.1f}{base:>12.1f}{ratio:>8.2f}")
    print("baseline retrieval = dense similarity_search(k=4) only; ours = hybrid dense + BM25 + "
          "RRF + MMR (k=5). Targets: ingest chunks/s >= 2x baseline; retrieval p95 < 60 ms; "
          "warm ask p95 <= 100 ms (issue 23).")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "foundation.json").write_text(json.dumps(
        {name: {"ours": ours, "baseline": base} for name, ours, base in rows}, indent=2))


if __name__ == "__main__":
    main()
