"""A long run against one replica: N gradio_client sessions asking through the web app's Ask
endpoint (`/ask`, the one the browser uses) in a loop for M minutes, against a `coach serve`
started here over a small part of the shipped knowledge in a private COACH_HOME.

Each session is one browser: it holds a conversation of ``--turns`` dev-suite questions, asked
one after another with no pause, then presses "New conversation" (`/new_conversation`) and
starts another, until the time is up (a question under way then is finished and counted).
A question counts as an error when the call fails or the app shows a message instead of an
answer. Latency is from sending a question to the app's last update of the answer.

Resident memory is the server's VmRSS (/proc/<pid>/status), read after a warm-up (start), every
``--sample`` seconds during the run, and at the end. The stated bound: the end at most
``--bound-mb`` MB above the start. The per-user rate limit is off (COACH_RATE_LIMIT_PER_MINUTE=0):
every session asks faster than a person would. Never run by the tests.
    .venv/bin/python benchmarks/bench_soak.py [--sessions 100] [--minutes 10] [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_foundation import pct, questions  # noqa: E402
from bench_load import COACH, start_server, text_of  # noqa: E402

from tests.servers import stop  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "soak.json"
# the part of knowledge/ served: the journey, its six step guides and two methods notes (as in
# tests/test_replicas.py)
SUBSET = ["journey.yaml", "steps", "methods/model-for-improvement-and-pdsa.md",
          "methods/run-charts-and-spc.md"]

Row = tuple[float, float, str | None]  # (seconds into the run at the end, latency s, error)


def rss_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def copy_subset(target: Path) -> Path:
    for rel in SUBSET:
        source, dest = ROOT / "knowledge" / rel, target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest)
        else:
            shutil.copy2(source, dest)
    return target


def ask(client: Any, question: str, turn: int) -> str | None:
    """One question as the ``turn``-th (from 0) of the conversation: None, or what went wrong."""
    try:
        chat, status, _ = client.predict(question, api_name="/ask")
    except Exception as exc:  # any failure of the call counts, with its kind
        return f"{type(exc).__name__}: {str(exc)[:120]}"
    if status:
        return f"the app showed a message: {status[:120]}"
    if len(chat) != 2 * (turn + 1) or not text_of(chat[-1]):
        return "no answer in the conversation"
    return None


def session(url: str, pool: list[str], first: int, turns: int, start: threading.Event,
            ready: threading.Semaphore, clock: dict[str, float]) -> list[Row]:
    """One browser until ``clock["until"]``: (when, latency, error) for each question."""
    from gradio_client import Client

    try:  # one browser: a worker for its questions, nothing downloaded, no analytics
        client = Client(url, verbose=False, max_workers=1, analytics_enabled=False,
                        download_files=False, httpx_kwargs={"timeout": 300})
    except Exception as exc:  # a session that cannot open counts one error
        client, failed = None, f"connecting: {type(exc).__name__}: {str(exc)[:120]}"
    ready.release()
    start.wait()  # every session connected before any asks
    if client is None:
        return [(0.0, 0.0, failed)]
    rows: list[Row] = []
    n, turn = first, 0
    while time.perf_counter() < clock["until"]:
        t0 = time.perf_counter()
        error = ask(client, pool[n % len(pool)], turn)
        t1 = time.perf_counter()
        rows.append((t1 - clock["t0"], t1 - t0, error))
        n, turn = n + 1, turn + 1
        if turn == turns or error:
            try:
                client.predict(api_name="/new_conversation")
            except Exception as exc:  # counted like a failed question
                rows.append((time.perf_counter() - clock["t0"], 0.0,
                             f"new conversation: {type(exc).__name__}: {str(exc)[:120]}"))
            turn = 0
    return rows


def summary(rows: list[Row], wall: float) -> dict[str, Any]:
    times = [lat for _, lat, e in rows if e is None]
    errors = [e for _, _, e in rows if e is not None]
    kinds: dict[str, int] = {}
    for e in errors:
        kinds[e[:80]] = kinds.get(e[:80], 0) + 1
    return {"questions": len(rows), "answers": len(times), "errors": len(errors),
            "error_kinds": dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:5]),
            "wall_s": wall, "answers_per_s": len(times) / wall if wall else 0.0,
            "p50_s": pct(times, .5) if times else float("nan"),
            "p95_s": pct(times, .95) if times else float("nan"),
            "max_s": max(times) if times else float("nan")}


def soak(url: str, pid: int, sessions: int, seconds: float, turns: int, every: float
         ) -> tuple[list[Row], float, list[tuple[float, float]]]:
    """Run the sessions for ``seconds``: (every row, wall time, RSS samples (s, MB))."""
    pool = questions()
    start, ready = threading.Event(), threading.Semaphore(0)
    clock: dict[str, float] = {}
    samples: list[tuple[float, float]] = []
    with ThreadPoolExecutor(sessions) as executor:
        futures = [executor.submit(session, url, pool, s * turns, turns, start, ready, clock)
                   for s in range(sessions)]
        for _ in futures:
            ready.acquire()
        clock["t0"] = time.perf_counter()
        clock["until"] = clock["t0"] + seconds
        start.set()
        next_sample = clock["t0"]
        while not all(f.done() for f in futures):
            if time.perf_counter() >= next_sample:
                samples.append((time.perf_counter() - clock["t0"], rss_mb(pid)))
                next_sample += every
            time.sleep(0.5)
        wall = time.perf_counter() - clock["t0"]
        rows = [row for f in futures for row in f.result()]
    return rows, wall, samples


def by_minute(rows: list[Row]) -> list[dict[str, Any]]:
    """Answers, errors and p95 in each minute of the run: does it slow down as it goes?"""
    out = []
    for minute in range(int(max((r[0] for r in rows), default=0) // 60) + 1):
        part = [r for r in rows if minute * 60 <= r[0] < (minute + 1) * 60]
        times = [lat for _, lat, e in part if e is None]
        out.append({"minute": minute + 1, "answers": len(times),
                    "errors": sum(1 for r in part if r[2] is not None),
                    "p95_s": pct(times, .95) if times else float("nan")})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="concurrent sessions")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long they ask")
    parser.add_argument("--seconds", type=float, default=None,
                        help="how long they ask, in seconds (instead of --minutes)")
    parser.add_argument("--turns", type=int, default=4, help="questions per conversation")
    parser.add_argument("--sample", type=float, default=15.0,
                        help="seconds between readings of the server's memory")
    parser.add_argument("--bound-mb", type=float, default=150.0,
                        help="the stated bound: RSS at the end at most this far above the start")
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "COACH_HOME": str(home / "home"),
               "COACH_KNOWLEDGE_DIR": str(copy_subset(home / "knowledge")),
               "COACH_RATE_LIMIT_PER_MINUTE": "0"}
        env = {k: v for k, v in env.items() if k not in ("COACH_DATABASE_URL", "COACH_CHROMA_URL")}
        (home / "home").mkdir()
        subprocess.run([str(COACH), "ingest"], env=env, check=True, capture_output=True)
        process, url = start_server(home / "home", env)
        try:
            warm = threading.Event()
            warm.set()
            session(url, questions()[-3:], 0, 3, warm, threading.Semaphore(0),
                    {"t0": time.perf_counter(), "until": time.perf_counter() + 5})
            rss_start = rss_mb(process.pid)
            rows, wall, samples = soak(url, process.pid, args.sessions, seconds, args.turns,
                                       args.sample)
            rss_end = rss_mb(process.pid)
        finally:
            stop(process)
    result = summary(rows, wall)
    growth = rss_end - rss_start
    result.update({"sessions": args.sessions, "seconds": seconds, "turns": args.turns,
                   "rss_start_mb": rss_start, "rss_end_mb": rss_end,
                   "rss_max_mb": max([rss_end, *(mb for _, mb in samples)]),
                   "rss_growth_mb": growth, "rss_bound_mb": args.bound_mb,
                   "within_bound": growth <= args.bound_mb, "rss_samples": samples,
                   "by_minute": by_minute(rows), "cpus": os.cpu_count(),
                   "load_average": os.getloadavg()[0]})
    print(f"one replica (coach serve, extractive answers, {len(SUBSET)} parts of knowledge/), "
          f"{args.sessions} sessions for {seconds:.0f} s, conversations of {args.turns}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for label, value in (
            ("questions asked", f"{result['questions']}"),
            ("errors", f"{result['errors']}"),
            ("answers per second", f"{result['answers_per_s']:.2f}"),
            ("latency p50 / p95 / max s",
             f"{result['p50_s']:.2f} / {result['p95_s']:.2f} / {result['max_s']:.2f}"),
            ("server RSS start / end MB", f"{rss_start:.0f} / {rss_end:.0f}"),
            ("RSS growth (bound) MB",
             f"{growth:+.0f} ({args.bound_mb:.0f}): "
             + ("within" if result["within_bound"] else "ABOVE THE BOUND"))):
        print(f"{label:<28}{value:>36}")
    print("by minute (answers, errors, p95 s):",
          "; ".join(f"{m['minute']}: {m['answers']}, {m['errors']}, {m['p95_s']:.1f}"
                    for m in result["by_minute"]))
    if result["error_kinds"]:
        print("errors:", "; ".join(f"{k} ×{v}" for k, v in result["error_kinds"].items()))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
