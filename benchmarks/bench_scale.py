"""How cost grows with the library: index build time, disk, RAM, retrieval and warm extractive
ask p50/p95 at 1k, 10k and 100k chunks, in embedded Chroma and through a `chroma run` server,
beside the shipped knowledge alone (the baseline: every ratio is size / baseline).

How the big libraries are made (honestly, and without an hour of embedding):
- knowledge/ is ingested once by the real pipeline into a seed home; its chunks (text,
  metadata, vector) and its sentence vectors (pooled at ingest) are the raw material.
- Every library holds those real chunks, plus synthetic ones up to the size: each synthetic
  chunk is 4-8 sentences of one knowledge document (whole sentences, sampled at random and
  kept in their order), under the title, heading and provenance of a real chunk of that
  document and a source of its own (``synthetic/NNNNN.md``, 20 chunks a file). So every chunk's
  text is distinct, and BM25 sees realistic word statistics (the knowledge vocabulary).
- A synthetic chunk's vector is the word-weighted mean of its sentences' ingest vectors, made
  unit length (the model itself mean-pools token vectors, so this is close to embedding the
  chunk; the script embeds a sample for real and prints the median cosine between the two).
- The chunks are written to the Chroma collection with ``GuidanceIndex.add`` and the BM25
  index and its fingerprint are recorded by ``record_lexical``, exactly as ``coach ingest``
  ends, so the coach treats the library as a valid, current index. Sentence vectors are
  written for the real chunks; synthetic chunks reuse those sentences, so the sentence
  collection stays at ~1.2k rows (a real library would hold ~5 per chunk; they are read by
  id, so this undercounts disk more than time).
- "build s" is that write plus the BM25 build; it is not an ingest (no reading or embedding).

Measured in a fresh process per library (so RAM is that library's): a Coach from
``build_coach`` over the library's COACH_HOME (and COACH_CHROMA_URL for the server), the first
question timed cold, then after warm-up questions every dev-suite question (with its history)
is retrieved (``coach._retriever.retrieve``) and asked (``coach.ask``, extractive). RAM is the
resident set of the coach process (plus the Chroma server's, for the server); disk is the
Chroma data plus the BM25 file. Never run by the tests.
    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000,10000,100000] [--modes embedded,server]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from bench_foundation import pct  # noqa: E402

from coach.config import Settings  # noqa: E402
from coach.text import sentence_spans  # noqa: E402
from tests.servers import free_port, stop  # noqa: E402

CHROMA = Path(sys.executable).with_name("chroma")
RESULTS = ROOT / "benchmarks" / "results" / "scale.json"
PER_FILE = 20  # synthetic chunks per synthetic source file
TARGETS = {"retrieve_p95": 100.0, "ask_p95": 150.0}  # ms, at 100k chunks (issue #15)


# -- the raw material: knowledge/ ingested by the real pipeline ------------------------------
@dataclass
class Seed:
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    vectors: np.ndarray
    sentences: dict[str, np.ndarray]  # sentence key -> its ingest vector
    sentence_rows: list[tuple[str, str, np.ndarray]]  # (key, chunk id, vector) as ingest wrote
    by_doc: dict[str, list[str]]  # source -> its whole sentences, in reading order
    model: str
    dimension: int
    embedder: Any  # the seed's embedder (the configured backend), for the proxy check


def seed(home: Path) -> Seed:
    from coach.app import build_coach

    coach = build_coach(Settings(_env_file=None, home=home,  # type: ignore[call-arg]
                                 knowledge_dir=ROOT / "knowledge"))
    coach.ingest()
    got = coach._index.collection.get(include=["documents", "metadatas", "embeddings"])
    sent = coach._index.sentence_collection.get(include=["documents", "metadatas", "embeddings"])
    vectors = {k: np.asarray(v, dtype=np.float32)
               for k, v in zip(sent["documents"], sent["embeddings"], strict=True)}
    rows = [(k, m["chunk"], np.asarray(v, dtype=np.float32)) for k, m, v in
            zip(sent["documents"], sent["metadatas"], sent["embeddings"], strict=True)]
    by_doc: dict[str, dict[str, None]] = {}
    for i in range(len(got["ids"])):
        doc = by_doc.setdefault(got["metadatas"][i]["source"], {})
        for key, _, _ in sentence_spans(got["documents"][i]):
            # whole sentences only: capitalised, ending a sentence, with a stored vector
            if key in vectors and key[0].isupper() and key[-1] in ".!?":
                doc.setdefault(key)
    return Seed(list(got["ids"]), list(got["documents"]), list(got["metadatas"]),
                np.asarray(got["embeddings"], dtype=np.float32), vectors, rows,
                {d: list(s) for d, s in by_doc.items()},
                coach._embedder.model_name, coach._embedder.dimension, coach._embedder)


def synthetic(s: Seed, count: int, rng: np.random.Generator
              ) -> tuple[list[str], list[str], list[dict[str, Any]], np.ndarray]:
    """``count`` synthetic chunks: (ids, texts, metadata, unit vectors); see the docstring."""
    templates = [i for i, m in enumerate(s.metas) if len(s.by_doc.get(m["source"], ())) >= 4]
    ids, texts, metas = [], [], []
    vectors = np.empty((count, s.dimension), dtype=np.float32)
    for n in range(count):
        t = templates[int(rng.integers(len(templates)))]
        pool = s.by_doc[s.metas[t]["source"]]
        k = int(rng.integers(4, 9))
        picks = sorted(rng.choice(len(pool), size=min(k, len(pool)), replace=False))
        chosen = [pool[i] for i in picks]
        weights = np.array([len(c.split()) for c in chosen], dtype=np.float32)
        vec = (weights[:, None] * np.stack([s.sentences[c] for c in chosen])).sum(axis=0)
        vectors[n] = vec / (np.linalg.norm(vec) or 1.0)
        file_no, rest = divmod(n, PER_FILE)
        in_file = min(PER_FILE, count - file_no * PER_FILE)
        ids.append(f"synthetic-{n:07d}")
        texts.append(" ".join(chosen))
        metas.append({**s.metas[t], "source": f"synthetic/{file_no:05d}.md",
                      "file_hash": f"synthetic-{file_no:05d}", "file_chunks": in_file})
    return ids, texts, metas, vectors


def proxy_cosine(s: Seed, sample: int = 200) -> float:
    """Median cosine between a synthetic chunk's vector and the model's own embedding of it
    (with its title and heading, as ingest embeds a chunk)."""
    _, texts, metas, vectors = synthetic(s, sample, np.random.default_rng(99))
    heads = [" > ".join(p for p in (m["title"], m["heading"]) if p) for m in metas]
    real = s.embedder.encode(
        [f"{h}\n{t}" if h else t for h, t in zip(heads, texts, strict=True)])
    return float(np.median((real * vectors).sum(axis=1)))


def write_library(s: Seed, settings: Settings, size: int) -> dict[str, float]:
    """Write the library of ``size`` chunks into the settings' collection, then the BM25
    index and fingerprint; returns the seconds each took."""
    from coach.providers.chroma import make_client
    from coach.retrieval.lexical import record_lexical
    from coach.store import GuidanceIndex

    index = GuidanceIndex(make_client(settings), settings.collection, s.model, s.dimension)
    index.reset()
    rng = np.random.default_rng(size)
    ids, texts, metas, vectors = synthetic(s, max(0, size - len(s.ids)), rng)
    ids, texts, metas = s.ids + ids, s.texts + texts, s.metas + metas
    vectors = np.concatenate([s.vectors, vectors])
    t0 = time.perf_counter()
    batch = 5000
    for start in range(0, len(ids), batch):
        end = start + batch
        index.add(ids[start:end], vectors[start:end], texts[start:end], metas[start:end])
    index.add_sentences(s.sentence_rows)
    written = time.perf_counter() - t0
    t0 = time.perf_counter()
    record_lexical(index, settings.lexical_path)
    return {"write_s": written, "bm25_s": time.perf_counter() - t0, "chunks": index.count()}


# -- one library measured in a process of its own -------------------------------------------
def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(home: Path, chroma_url: str, warmup: int) -> dict[str, Any]:
    from coach.app import build_coach
    from coach.evals.cases import load_suite

    _, cases = load_suite(ROOT / "evals" / "dev" / "suite.yaml")
    t0 = time.perf_counter()
    coach = build_coach(Settings(_env_file=None, home=home,  # type: ignore[call-arg]
                                 knowledge_dir=ROOT / "knowledge", chroma_url=chroma_url))
    coach.ask(cases[0].question, cases[0].history)
    first = time.perf_counter() - t0
    for case in cases[1:1 + warmup]:
        coach.ask(case.question, case.history)
    retrieve, ask, refused = [], [], 0
    stages: dict[str, list[float]] = {}
    for case in cases:
        t = time.perf_counter()
        coach._retriever.retrieve(case.question)
        retrieve.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answer = coach.ask(case.question, case.history)
        ask.append((time.perf_counter() - t) * 1000)
        refused += answer.refused
        for stage, ms in answer.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
    return {
        "questions": len(cases), "first_question_s": first, "refused": refused,
        "retrieve_p50": pct(retrieve, .5), "retrieve_p95": pct(retrieve, .95),
        "ask_p50": pct(ask, .5), "ask_p95": pct(ask, .95),
        "stages_p50": {k: pct(v, .5) for k, v in stages.items()},
        "stages_p95": {k: pct(v, .95) for k, v in stages.items()},
        "sentences": dict(coach._answerer.cache.counts),
        "rss_mb": rss_mb(),
    }


def measured(home: Path, chroma_url: str, warmup: int) -> dict[str, Any]:
    """``measure`` run in a fresh Python process; its result."""
    cmd = [sys.executable, __file__, "--measure", str(home), "--warmup", str(warmup)]
    if chroma_url:
        cmd += ["--chroma-url", chroma_url]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"measuring {home} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- a Chroma server -----------------------------------------------------------------------
class ChromaServer:
    def __init__(self, path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (path.parent / f"{path.name}.log").open("wb")
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError("chroma run did not answer within 60 s")

    def close(self) -> None:
        stop(self.process, timeout=15)
        self.log.close()


def disk_mb(*paths: Path) -> float:
    total = 0
    for path in paths:
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total / 1e6


def library_row(s: Seed, work: Path, size: int, mode: str, warmup: int) -> dict[str, Any]:
    home = work / f"{mode}-{size}"
    data = home / "chroma" if mode == "embedded" else work / f"server-data-{size}"
    server = ChromaServer(data) if mode == "server" else None
    try:
        settings = Settings(_env_file=None, home=home,  # type: ignore[call-arg]
                            chroma_url=server.url if server else "")
        built = write_library(s, settings, size)
        row = {"mode": mode, "size": size, **built,
               **measured(home, server.url if server else "", warmup)}
        row["disk_mb"] = disk_mb(data, settings.lexical_path)
        if server:
            row["server_rss_mb"] = rss_mb(server.process.pid)
    finally:
        if server:
            server.close()
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    return row


def report(rows: list[dict[str, Any]], cosine: float) -> None:
    print(f"synthetic chunk vectors vs the model's own embedding: median cosine {cosine:.3f}")
    head = (f"{'mode':<9}{'chunks':>8}{'build s':>9}{'disk MB':>9}{'RAM MB':>8}"
            f"{'retr p50':>9}{'retr p95':>9}{'ask p50':>9}{'ask p95':>9}"
            f"{'x retr95':>9}{'x ask95':>8}{'1st q s':>8}{'refused':>8}")
    print(head)
    base = {r["mode"]: r for r in rows if r["size"] == 0}
    for r in rows:
        b = base.get(r["mode"], r)
        ram = r["rss_mb"] + r.get("server_rss_mb", 0.0)
        label = "knowledge" if r["size"] == 0 else f"{r['chunks']}"
        print(f"{r['mode']:<9}{label:>8}{r['write_s'] + r['bm25_s']:>9.1f}{r['disk_mb']:>9.0f}"
              f"{ram:>8.0f}{r['retrieve_p50']:>9.1f}{r['retrieve_p95']:>9.1f}"
              f"{r['ask_p50']:>9.1f}{r['ask_p95']:>9.1f}"
              f"{r['retrieve_p95'] / b['retrieve_p95']:>8.2f}x{r['ask_p95'] / b['ask_p95']:>7.2f}x"
              f"{r['first_question_s']:>8.1f}{r['refused']:>5}/{r['questions']}")
    print("build = writing chunks (vectors precomputed) + building the BM25 index; RAM = coach "
          "process RSS (+ chroma server RSS); x = p95 / the knowledge-only library's p95.")
    biggest = max(r["size"] for r in rows)
    for r in rows:
        if r["size"] == biggest and biggest >= 100_000:
            ok = all(r[k] <= v for k, v in TARGETS.items())
            print(f"target at {r['chunks']} chunks ({r['mode']}): retrieval p95 <= "
                  f"{TARGETS['retrieve_p95']:.0f} ms, warm ask p95 <= {TARGETS['ask_p95']:.0f} ms:"
                  f" {'met' if ok else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="library sizes in chunks, comma-separated")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--warmup", type=int, default=5, help="questions asked before timing")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.chroma_url, args.warmup)))
        return
    sizes = [0, *(int(x) for x in args.sizes.split(",") if x)]
    modes = [m for m in args.modes.split(",") if m]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        # one export of an ONNX embedder for every library's process, not one each; and the
        # same embedder in all of them, whatever the settings say by the time they start
        os.environ.setdefault("COACH_EMBEDDING_CACHE", str(work / "models"))
        backend = Settings().embedding_backend
        os.environ["COACH_EMBEDDING_BACKEND"] = backend
        print(f"embedder backend {backend}; load average {os.getloadavg()[0]:.1f} at the start")
        t0 = time.perf_counter()
        s = seed(work / "seed")
        print(f"seed: {len(s.ids)} knowledge chunks, {len(s.sentences)} sentence vectors, "
              f"{sum(map(len, s.by_doc.values()))} whole sentences in {len(s.by_doc)} documents "
              f"({time.perf_counter() - t0:.0f} s); {os.cpu_count()} CPUs")
        cosine = proxy_cosine(s)
        rows = []
        for mode in modes:
            for size in sizes:
                t0 = time.perf_counter()
                rows.append(library_row(s, work, size, mode, args.warmup))
                r = rows[-1]
                print(f"  {mode} {r['chunks']}: build {r['write_s'] + r['bm25_s']:.1f} s, "
                      f"retrieval p95 {r['retrieve_p95']:.1f} ms, ask p95 {r['ask_p95']:.1f} ms "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
                save(backend, cosine, rows)
        print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine "
              "slows every figure)")
    report(rows, cosine)


def save(backend: str, cosine: float, rows: list[dict[str, Any]]) -> None:
    """The rows so far, as JSON (a later failure keeps what was measured)."""
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"embedding_backend": backend, "cpus": os.cpu_count(),
                                   "proxy_cosine": cosine, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
