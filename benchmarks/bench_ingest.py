"""Ingest throughput of each embedding backend (torch, onnx, onnx-int8) against the plain
LangChain baseline of bench_foundation.py (RecursiveCharacterTextSplitter(1000/200) +
HuggingFaceEmbeddings(all-MiniLM-L6-v2) + Chroma.from_documents), all in this process on the
shipped knowledge, the runs interleaved (baseline, then each backend, repeated) so a busy
machine slows them alike.

Each backend's ONNX file is exported once into a temporary cache before timing (the export
time is reported apart); each ingest starts from an empty COACH_HOME. Prints median chunks/s
and the ratio to the baseline; writes benchmarks/results/ingest.json.
    .venv/bin/python benchmarks/bench_ingest.py [--repeats 5]
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_foundation import baseline_ingest  # noqa: E402

from coach.app import build_coach  # noqa: E402
from coach.config import Settings  # noqa: E402
from coach.ingest.loaders import is_supported  # noqa: E402
from coach.ports import Embedder  # noqa: E402
from coach.providers.embeddings import make_embedder  # noqa: E402
from coach.providers.encoding import resolve_model_path  # noqa: E402

BACKENDS = ("torch", "onnx", "onnx-int8")


def ingest_once(embedder: Embedder, settings: Settings) -> tuple[float, int]:
    coach = build_coach(settings, embedder=embedder)
    start = time.perf_counter()
    report = coach.ingest()
    return time.perf_counter() - start, report.chunks_total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from langchain_huggingface import HuggingFaceEmbeddings

    knowledge = ROOT / "knowledge"
    files = sorted(p for p in knowledge.rglob("*") if p.is_file() and is_supported(p))
    cache = Path(tempfile.mkdtemp(prefix="bench-ingest-models-"))
    embedders: dict[str, Embedder] = {}
    export_s: dict[str, float] = {}
    for backend in BACKENDS:
        settings = Settings(home=cache / "home", knowledge_dir=knowledge,
                            embedding_backend=backend, embedding_cache=cache)
        start = time.perf_counter()
        embedders[backend] = make_embedder(settings)
        embedders[backend].encode(["warm up"])  # loads the model (and exports it, once)
        export_s[backend] = time.perf_counter() - start
    base_embedder = HuggingFaceEmbeddings(
        model_name=resolve_model_path(Settings().embedding_model)[1],
        model_kwargs={"device": "cpu"})
    base_embedder.embed_query("warm up")

    seconds: dict[str, list[float]] = {name: [] for name in ("baseline", *BACKENDS)}
    chunks: dict[str, int] = {}
    for _ in range(args.repeats):
        t, chunks["baseline"], _store = baseline_ingest(
            files, base_embedder, Path(tempfile.mkdtemp(prefix="bench-base-")))
        seconds["baseline"].append(t)
        for backend in BACKENDS:
            settings = Settings(home=Path(tempfile.mkdtemp(prefix="bench-ingest-")),
                                knowledge_dir=knowledge, embedding_backend=backend,
                                embedding_cache=cache)
            t, chunks[backend] = ingest_once(embedders[backend], settings)
            seconds[backend].append(t)

    rate = {name: chunks[name] / statistics.median(ts) for name, ts in seconds.items()}
    default = Settings().embedding_backend
    print(f"{len(files)} documents, {args.repeats} interleaved repeats, {os.cpu_count()} CPUs")
    print(f"{'ingest':<22}{'chunks':>8}{'median s':>10}{'chunks/s':>10}{'vs baseline':>13}"
          f"{'load+export s':>15}")
    for name, ts in seconds.items():
        label = name + (" (default)" if name == default else "")
        export = f"{export_s[name]:>15.1f}" if name in export_s else f"{'':>15}"
        print(f"{label:<22}{chunks[name]:>8}{statistics.median(ts):>10.2f}{rate[name]:>10.1f}"
              f"{rate[name] / rate['baseline']:>13.2f}{export}")
    print("Target: the default backend ingests >= 2.0x the baseline's chunks/s.")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps({
        "repeats": args.repeats, "cpus": os.cpu_count(), "default": default,
        **{name: {"chunks": chunks[name], "seconds": seconds[name],
                  "median_seconds": statistics.median(seconds[name]),
                  "chunks_per_s": rate[name], "ratio_vs_baseline": rate[name] / rate["baseline"],
                  **({"load_and_export_s": export_s[name]} if name in export_s else {})}
           for name in seconds},
    }, indent=2))


if __name__ == "__main__":
    main()
