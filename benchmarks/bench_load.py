"""Many people at once against one replica: N concurrent sessions asking through the web app's
Ask endpoint (`/ask`, the same one the browser uses), against a `coach serve` started here
with the shipped knowledge indexed in a private COACH_HOME. The baseline is one session alone,
in the same run against the same server: each figure is printed beside it with the ratio.

Two kinds of client (``--client``): ``light`` (the default) speaks Gradio's queue protocol
itself, as a browser does (join the queue, then read the session's event stream), every
session in one asyncio loop; ``gradio`` gives each session its own gradio_client, a thread
each. The clients share this machine with the server, and gradio_client's threads used about
as much CPU per answer as the server itself (109 against 135 ms), so with it the figures
measure the clients as much as the server; the CPU each side used is printed either way.

Each session holds one conversation of ``--questions`` dev-suite questions (different
sessions start at different questions), asked one after another as a person would, with no
pause between them; a question counts as an error when the call fails or the app shows an
error instead of an answer. Latency is from sending a question to the app's last update
(the answer with its source cards), as the person waits for it. Never run by the tests.
    .venv/bin/python benchmarks/bench_load.py [--sessions 50] [--questions 4] [--client light]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
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

from coach.config import Settings  # noqa: E402
from tests.servers import free_port, stop  # noqa: E402

COACH = Path(sys.executable).with_name("coach")
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
STARTUP_SECONDS = 300


def start_server(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``coach serve`` on a free local port over ``home``; its process and URL once it answers."""
    port = free_port()
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen([str(COACH), "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"coach serve exited with {process.returncode}: see {log.name}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return process, url
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"coach serve did not answer within {STARTUP_SECONDS} s")


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content)
    return str(content)


def session(url: str, asks: list[str], start: threading.Event | None = None,
            ready: threading.Semaphore | None = None) -> list[tuple[float, str | None]]:
    """One person's conversation: (seconds, error or None) per question. With ``start``, the
    session connects, releases ``ready``, and waits for ``start`` before its first question."""
    from gradio_client import Client

    try:  # one browser: a worker for its questions, nothing downloaded, no analytics
        client = Client(url, verbose=False, max_workers=1, analytics_enabled=False,
                        download_files=False, httpx_kwargs={"timeout": 300})
    except Exception as exc:  # a session that cannot open counts each question as an error
        client, failed = None, f"connecting: {type(exc).__name__}: {str(exc)[:120]}"
    if start is not None and ready is not None:
        ready.release()
        start.wait()  # every session connected before any asks: the load arrives together
    if client is None:
        return [(0.0, failed)] * len(asks)
    out: list[tuple[float, str | None]] = []
    for n, question in enumerate(asks):
        t0 = time.perf_counter()
        error = None
        try:
            chat, status, _ = client.predict(question, api_name="/ask")
            error = _answer_error(chat, status, n)
        except Exception as exc:  # any failure of the call counts, with its kind
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        out.append((time.perf_counter() - t0, error))
    return out


def _answer_error(chat: list[dict[str, Any]], status: str, n: int) -> str | None:
    """What is wrong with the app's reply to a session's question ``n`` (0-based), or None."""
    if status:
        return f"the app showed a message: {status[:120]}"
    if len(chat) != 2 * (n + 1) or "source-card" not in text_of(chat[-1]) and \
            "does not cover" not in text_of(chat[-1]) and not text_of(chat[-1]):
        return "no answer in the conversation"
    return None


class LightClient:
    """Gradio's queue protocol (sse_v3) spoken directly: POST the question to the queue for a
    session, then read that session's event stream until the event completes; the app's
    state for the conversation lives on the server, keyed by the session."""

    def __init__(self, url: str):
        url = url.rstrip("/")
        config = json.loads(urllib.request.urlopen(f"{url}/config", timeout=30).read())
        self.base = url + config.get("api_prefix", "")
        kinds = {c["id"]: c["type"] for c in config["components"]}
        ask = next(d for d in config["dependencies"] if d.get("api_name") == "ask")
        self.fn_index = ask.get("id", config["dependencies"].index(ask))
        self.states = [kinds[i] == "state" for i in ask["inputs"]]
        outputs = [i for i in ask["outputs"] if kinds[i] != "state"]
        self.chat_at = ask["outputs"].index(outputs[0])
        self.status_at = ask["outputs"].index(outputs[1])

    async def ask(self, http: Any, session: str, question: str, n: int) -> str | None:
        data = [None if state else question for state in self.states]
        joined = await http.post(f"{self.base}/queue/join", json={
            "data": data, "fn_index": self.fn_index, "session_hash": session,
            "event_data": None, "trigger_id": None})
        joined.raise_for_status()
        event = joined.json()["event_id"]
        async with http.stream("GET", f"{self.base}/queue/data",
                               params={"session_hash": session}) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event or message["msg"] != "process_completed":
                    continue
                output = message.get("output", {})
                if not message.get("success", True) or "error" in output:
                    return f"the call failed: {str(output.get('error'))[:120]}"
                values = output["data"]
                return _answer_error(values[self.chat_at], values[self.status_at] or "", n)
        return "the event stream ended before the answer"


async def _light_sessions(url: str, plans: list[list[str]]
                          ) -> tuple[list[list[tuple[float, str | None]]], float]:
    import uuid

    import httpx

    client = LightClient(url)
    # an idle connection is dropped after 4 s, before the server's own 5 s (uvicorn's
    # keep-alive timeout): httpx's default is also 5 s, so a connection idle for about one
    # answer's wait could be reused just as the server closed it, and the question was lost
    # (ReadError, "Server disconnected"; browsers retry such a request, httpx does not)
    limits = httpx.Limits(max_connections=4 * len(plans) + 8,
                          max_keepalive_connections=2 * len(plans) + 4, keepalive_expiry=4.0)

    async def one(http: Any, plan: list[str], go: asyncio.Event
                  ) -> list[tuple[float, str | None]]:
        session = str(uuid.uuid4())
        await go.wait()
        out: list[tuple[float, str | None]] = []
        for n, question in enumerate(plan):
            t0 = time.perf_counter()
            try:
                error = await client.ask(http, session, question, n)
            except Exception as exc:  # any failure of the call counts, with its kind
                error = f"{type(exc).__name__}: {str(exc)[:120]}"
            out.append((time.perf_counter() - t0, error))
        return out

    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        go = asyncio.Event()
        tasks = [asyncio.create_task(one(http, plan, go)) for plan in plans]
        await asyncio.sleep(0)  # every session waiting before the load arrives together
        t0 = time.perf_counter()
        go.set()
        results = await asyncio.gather(*tasks)
    return list(results), time.perf_counter() - t0


def light_session(url: str, asks: list[str]) -> list[tuple[float, str | None]]:
    """One person's conversation through the light client."""
    return asyncio.run(_light_sessions(url, [asks]))[0][0]


def summary(results: list[list[tuple[float, str | None]]], wall: float) -> dict[str, Any]:
    times = [t * 1000 for rows in results for t, e in rows if e is None]
    errors = [e for rows in results for _, e in rows if e is not None]
    asked = sum(len(rows) for rows in results)
    return {"sessions": len(results), "questions": asked, "errors": len(errors),
            "error_kinds": sorted(set(errors))[:5], "wall_s": wall,
            "throughput_qps": (asked - len(errors)) / wall if wall else 0.0,
            "p50_ms": pct(times, .5) if times else float("nan"),
            "p95_ms": pct(times, .95) if times else float("nan"),
            "max_ms": max(times) if times else float("nan"),
            # each session's n-th question: where in a conversation the slow answers fall
            "p95_ms_by_turn": [round(pct(ts, .95)) if ts else None for ts in (
                [rows[n][0] * 1000 for rows in results if len(rows) > n and rows[n][1] is None]
                for n in range(max(map(len, results), default=0)))]}


def run(url: str, pool: list[str], sessions: int, per_session: int, light: bool = True
        ) -> dict[str, Any]:
    plans = [[pool[(s * per_session + i) % len(pool)] for i in range(per_session)]
             for s in range(sessions)]
    if light:
        results, wall = asyncio.run(_light_sessions(url, plans))
        return summary(results, wall)
    start, ready = threading.Event(), threading.Semaphore(0)
    with ThreadPoolExecutor(sessions) as executor:
        futures = [executor.submit(session, url, plan, start, ready) for plan in plans]
        for _ in plans:  # every session connected (or failed to) before the clock starts
            ready.acquire()
        t0 = time.perf_counter()
        start.set()
        results = [f.result() for f in futures]
    return summary(results, time.perf_counter() - t0)


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_per_answer(result: dict[str, Any], server: int, before: tuple[float, float]
                   ) -> dict[str, float]:
    """CPU the server and this process (the clients) used per answer since ``before``: the
    clients share the machine with the server, so their share is said, not hidden."""
    answers = max(1, result["questions"] - result["errors"])
    return {"server_cpu_ms": (cpu_seconds(server) - before[0]) * 1000 / answers,
            "client_cpu_ms": (cpu_seconds() - before[1]) * 1000 / answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="concurrent sessions")
    parser.add_argument("--questions", type=int, default=4, help="questions per session")
    parser.add_argument("--alone", type=int, default=12,
                        help="questions the single session asks for the baseline")
    parser.add_argument("--client", choices=("light", "gradio"), default="light",
                        help="light: Gradio's queue protocol from one asyncio loop (default); "
                             "gradio: a gradio_client per session, a thread each")
    args = parser.parse_args()
    light = args.client == "light"
    converse = light_session if light else session
    pool = questions()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "COACH_HOME": str(home),
               "COACH_KNOWLEDGE_DIR": str(ROOT / "knowledge")}
        subprocess.run([str(COACH), "ingest"], env=env, check=True, capture_output=True)
        settings = Settings(home=home)  # as the server reads them (environment, .env)
        process, url = start_server(home, env)
        try:
            converse(url, pool[-3:])  # warm: the model, the BM25 index, the first requests
            t0, cpu = time.perf_counter(), (cpu_seconds(process.pid), cpu_seconds())
            alone = summary([converse(url, pool[: args.alone])], 0.0)
            alone["wall_s"] = time.perf_counter() - t0
            alone["throughput_qps"] = (alone["questions"] - alone["errors"]) / alone["wall_s"]
            alone.update(cpu_per_answer(alone, process.pid, cpu))
            cpu = (cpu_seconds(process.pid), cpu_seconds())
            many = run(url, pool, args.sessions, args.questions, light)
            many.update(cpu_per_answer(many, process.pid, cpu))
            rss = peak_rss_mb(process.pid)
        finally:
            stop(process)
    limit = settings.answer_concurrency
    print(f"one replica (coach serve, {settings.llm} answers, COACH_CONCURRENCY_LIMIT={limit}, "
          f"{args.client} client, "
          f"rate limit {getattr(settings, 'rate_limit_per_minute', 'none')}/min), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'':<26}{'alone':>10}{f'{args.sessions} sessions':>14}{'ratio':>8}")
    for key, label in (("questions", "questions asked"), ("errors", "errors"),
                       ("throughput_qps", "answers per second"), ("p50_ms", "latency p50 ms"),
                       ("p95_ms", "latency p95 ms"), ("max_ms", "latency max ms"),
                       ("wall_s", "wall time s"), ("server_cpu_ms", "server CPU ms / answer"),
                       ("client_cpu_ms", "clients' CPU ms / answer")):
        a, m = alone[key], many[key]
        ratio = f"{m / a:>7.2f}x" if isinstance(a, float) and a else ""
        print(f"{label:<26}{a:>10.1f}{m:>14.1f}{ratio:>8}" if isinstance(a, float)
              else f"{label:<26}{a:>10}{m:>14}{ratio:>8}")
    if many["error_kinds"]:
        print("errors:", "; ".join(many["error_kinds"]))
    print("latency p95 ms by turn  ", " ".join(f"{x}" for x in many["p95_ms_by_turn"]))
    print(f"server peak RSS {rss:.0f} MB")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"alone": alone, "concurrent": many, "peak_rss_mb": rss,
                                   "concurrency_limit": limit, "client": args.client},
                                  indent=2))


if __name__ == "__main__":
    main()
