"""Replicas as processes (issue #15 point 5): one PostgreSQL, one `chroma run` and two
`coach serve` processes (replica A and B, each with its own COACH_HOME and port) sharing them.

What one replica writes, the other must see: a signed-in user's journey, the feedback table,
an uploaded document (its chunks, the BM25 index over them, the library). Killing A while it
answers leaves B answering, and A's client gets an error rather than waiting for ever.

Everything is real and started here: PostgreSQL (tests/pg.py, through the session fixture
``postgres``), Chroma's own server, the `coach` executable, gradio_client signing in. A part of
the shipped knowledge folder is indexed once, by `coach ingest`, before the replicas start.
When a test fails, the tail of each replica's log is printed with the failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.coaching_helpers import stepper
from tests.servers import free_port, stop
from tests.ui_helpers import chat_text

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
# the part of knowledge/ indexed: the journey, its six step guides and two methods notes
# (91 of the 267 chunks; `coach ingest` took 44 s for them against 71 s for the whole folder,
# measured one after the other at load average 12 on 2 cores)
SUBSET = ["journey.yaml", "steps", "methods/model-for-improvement-and-pdsa.md",
          "methods/run-charts-and-spc.md"]
PDSA_FILE, PDSA_TITLE = ("methods/model-for-improvement-and-pdsa.md",
                         "The Model for Improvement and PDSA cycles")
STARTUP_SECONDS = 240  # two replicas load the embedder at once on a busy 2-core machine
CALL_SECONDS = 120  # the longest any one request may take before the test calls it a hang
USERS = {"alice": "alice-replica-password", "bob": "bob-replica-password"}

# a made-up but plausible QI method that no shipped document mentions
UPLOAD_NAME = "marigold-handover-audit.md"
UPLOAD_TITLE = "Marigold handover audits"
UPLOAD = f"""---
title: {UPLOAD_TITLE}
publisher: Replica test ward
year: 2026
kind: method
---

# {UPLOAD_TITLE}

## What a Marigold handover audit is

A Marigold handover audit is a weekly ten-minute review in which two members of the ward team
pick three handover sheets at random and score each one against the ward's agreed handover
standard. The team plots the weekly Marigold score on a run chart, so a change to the handover
routine can be judged by whether the score shifts.

## Who takes part

The audit pairs one person who gave a handover that week with one who received one, so both
sides of the handover are heard.
"""
UPLOAD_QUESTION = "What is a Marigold handover audit?"


@dataclass
class Replica:
    name: str
    port: int
    home: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    postgres: Any  # tests.pg.PostgresServer
    database: str
    database_url: str
    chroma_url: str
    knowledge: Path
    env: dict[str, str]
    replicas: dict[str, Replica] = field(default_factory=dict)

    @property
    def a(self) -> Replica:
        return self.replicas["a"]

    @property
    def b(self) -> Replica:
        return self.replicas["b"]

    def logs(self) -> str:
        return "\n".join(f"--- replica {r.name} ({r.url}), last lines of {r.log} ---\n"
                         f"{r.tail()}" for r in self.replicas.values())

    def sql(self, query: str) -> list[list[str]]:
        out = self.postgres.psql(query, self.database)
        return [line.split("|") for line in out.splitlines()]


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without a developer's COACH_* variables, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return env | {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"} | values


class CoachCommand:
    """A `coach` command run in the background (so set-up steps overlap); ``check`` waits."""

    def __init__(self, env: dict[str, str], *args: str, stdin: str = ""):
        self.args = args
        self.process = subprocess.Popen([str(BIN / "coach"), *args], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.stdin = stdin

    def wait(self) -> tuple[int, str]:
        """(exit status, stderr)."""
        _out, err = self.process.communicate(self.stdin, timeout=300)
        return self.process.returncode, err

    def check(self) -> None:
        status, err = self.wait()
        assert status == 0, f"coach {' '.join(self.args)} exited with {status}:\n{err}"


def add_user(env: dict[str, str], user: str) -> CoachCommand:
    return CoachCommand(env, "users", "add", user, stdin=USERS[user] + "\n")


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, what: str,
                  path: str = "") -> None:
    """Until ``url`` answers HTTP at all (a sign-in page's 401 counts: the server is up)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url + path, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"{what} did not answer within {STARTUP_SECONDS} s:\n"
                f"{log.read_text(errors='replace')[-4000:]}")


def start_chroma(root: Path, stack: ExitStack) -> str:
    port, log = free_port(), root / "chroma.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(root / "chroma"), "--host", "127.0.0.1",
             "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    stack.callback(stop, process, 15)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, log, "chroma run", "/api/v2/heartbeat")
    return url


def start_replica(cluster: Cluster, name: str, root: Path, stack: ExitStack) -> Replica:
    port, home = free_port(), root / f"home-{name}"
    log = root / f"replica-{name}.log"
    env = cluster.env | {"COACH_HOME": str(home), "COACH_PORT": str(port)}
    with log.open("wb") as sink:
        process = subprocess.Popen([str(BIN / "coach"), "serve"], env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    stack.callback(_stop_quietly, process)
    replica = Replica(name, port, home, log, process)
    cluster.replicas[name] = replica
    return replica


def _stop_quietly(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        stop(process, timeout=20)


@pytest.fixture(scope="module")
def cluster(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not (BIN / "chroma").exists():
        pytest.skip(f"the chroma executable is not installed next to Python ({BIN})")
    root = tmp_path_factory.mktemp("replicas")
    kb = root / "knowledge"
    for rel in SUBSET:
        source = KNOWLEDGE / rel
        (kb / rel).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, kb / rel)
        else:
            shutil.copy2(source, kb / rel)
    database = f"replicas_{os.getpid()}"
    with ExitStack() as stack:
        url = postgres.create_database(database)
        stack.callback(postgres.drop_database, database)
        chroma_url = start_chroma(root, stack)
        env = clean_env(COACH_DATABASE_URL=url, COACH_CHROMA_URL=chroma_url,
                        COACH_KNOWLEDGE_DIR=str(kb), COACH_AUTH_FILE=str(root / "users"),
                        COACH_LOG_LEVEL="INFO")
        cluster = Cluster(postgres, database, url, chroma_url, kb, env)

        # the index and the users file are written at the same time; the replicas start once
        # both exist (the users file is read again at each sign-in, so bob can come later)
        ingest = CoachCommand(env | {"COACH_HOME": str(root / "ingest-home")}, "ingest")
        add_user(env, "alice").check()
        ingest.check()
        for name in ("a", "b"):  # both load their models at the same time
            start_replica(cluster, name, root, stack)
        add_user(env, "bob").check()
        # uploads need the editor role once roles exist; before they do this command fails
        # (no such action) and every signed-in user may upload, so its result is not checked
        CoachCommand(env, "users", "set-role", "alice", "admin").wait()
        for replica in cluster.replicas.values():
            wait_until_up(replica.url, replica.process, replica.log, f"replica {replica.name}")
        yield cluster


@pytest.fixture(autouse=True)
def _logs_on_failure(cluster: Cluster) -> Iterator[None]:
    """Printed after every test; pytest shows it only with a failure."""
    yield
    print(cluster.logs())


# -- clients --------------------------------------------------------------------------------
def client(replica: Replica, user: str) -> Any:
    from gradio_client import Client

    return Client(replica.url, auth=(user, USERS[user]), verbose=False)


def call(c: Any, *args: Any, api_name: str) -> Any:
    """One request, with a limit: a request that never returns fails the test, not hangs it."""
    return c.submit(*args, api_name=api_name).result(timeout=CALL_SECONDS)


def ask(c: Any, question: str) -> tuple[str, str]:
    """(the reply's HTML, the status line) for one question in the Ask tab."""
    chat, status, _box = call(c, question, api_name="/ask")
    return chat_text(chat)[-1], status


# the Coach tab's view outputs (coach/ui/coach_tab.py): notice, the stepper, step, step text,
# explanation, checklist, notes and actions
NOTICE, OVERVIEW, STEP, _STEP_TEXT, _EXPLAIN, CHECKLIST, LOG = range(7)


def ticked(view: tuple[Any, ...]) -> set[str]:
    return set(view[CHECKLIST]["value"])


# -- the tests ------------------------------------------------------------------------------
def test_a_journey_saved_through_a_resumes_through_b(cluster: Cluster) -> None:
    on_a = client(cluster.a, "alice")
    call(on_a, api_name="/coach_resume")
    view = call(on_a, "board-support", api_name="/coach_goto")  # not the suggested step 1
    items = [item_id for _label, item_id in view[CHECKLIST]["choices"]]
    call(on_a, "board-support", items[:2], api_name="/coach_tick")
    note = "Board seminar booked for March (saved through replica A)"
    call(on_a, "board-support", note, api_name="/coach_note")

    on_b = client(cluster.b, "alice")
    view = call(on_b, api_name="/coach_load")  # what the page shows when it opens

    assert view[STEP] == "board-support"
    assert ticked(view) == set(items[:2])
    assert note in view[LOG]
    board = stepper(view[OVERVIEW])[2][1]
    assert (board["title"], board["state"], board["current"]) == (
        "2. Securing board support", "In progress", True)
    assert board["ticks"].startswith("2 of ")
    # the Ask tab's journey-aware chat on B reads the same progress
    reply, status = ask(on_b, "Which step am I on?")
    assert status == "" and "You are on Step 2: Securing board support" in reply, reply

    # and back: a tick through B is there when A loads the page again
    call(on_b, "board-support", items[:3], api_name="/coach_tick")
    assert ticked(call(client(cluster.a, "alice"), api_name="/coach_load")) == set(items[:3])

    # another user, through either replica, sees none of it
    bob = call(client(cluster.b, "bob"), api_name="/coach_load")
    assert note not in bob[LOG] and bob[STEP] != "board-support"


def test_feedback_from_both_replicas_lands_in_one_table(cluster: Cluster) -> None:
    for replica, user, question, choice, comment in (
            (cluster.a, "alice", "What is a PDSA cycle?", "Helpful", "Clear, via replica A"),
            (cluster.b, "bob", "What does a run chart show?", "Not helpful",
             "Too long, via replica B")):
        c = client(replica, user)
        reply, status = ask(c, question)
        assert status == "" and "source-card" in reply, reply
        note, _comment_box = call(c, choice, comment, api_name="/feedback")
        assert "saved" in note, note

    rows = cluster.sql("SELECT user_name, rating, comment, question FROM feedback ORDER BY id")

    assert rows == [["alice", "up", "Clear, via replica A", "What is a PDSA cycle?"],
                    ["bob", "down", "Too long, via replica B", "What does a run chart show?"]]


def test_a_document_uploaded_through_a_is_cited_by_b(cluster: Cluster, tmp_path: Path) -> None:
    from gradio_client import handle_file

    on_b = client(cluster.b, "bob")
    before, _ = ask(on_b, UPLOAD_QUESTION)  # B has built its BM25 index by now
    assert UPLOAD_NAME not in before and "source-card" not in before, before

    path = tmp_path / UPLOAD_NAME
    path.write_text(UPLOAD, encoding="utf-8")
    report, *_ = call(client(cluster.a, "alice"), [handle_file(str(path))],
                      api_name="/upload")
    assert "**Added** (1)" in report and f"uploads/{UPLOAD_NAME}" in report, report

    reply, status = ask(client(cluster.b, "bob"), UPLOAD_QUESTION)

    assert status == "", status
    assert f"<code>uploads/{UPLOAD_NAME}</code>" in reply, reply
    assert UPLOAD_TITLE in reply and "three handover sheets at random" in reply
    # B's Library tab lists it too (its table is read from the shared collection)
    verdict, table = call(client(cluster.b, "alice"), UPLOAD_QUESTION,
                          api_name="/test_retrieval")
    assert verdict.startswith("**Would answer") and table["data"][0][1] == UPLOAD_TITLE


def test_killing_a_mid_question_leaves_b_answering(cluster: Cluster) -> None:
    on_a = client(cluster.a, "alice")
    # several questions at once, so some are surely still being answered or queued
    jobs = [on_a.submit(q, api_name="/ask") for q in
            ("What is a PDSA cycle?", "What does a run chart show?",
             "How do we assess our readiness?")]
    deadline = time.monotonic() + CALL_SECONDS
    while not jobs[0].outputs() and time.monotonic() < deadline:
        time.sleep(0.02)  # A has begun answering: the question is on the screen
    assert jobs[0].outputs(), "replica A never began answering"
    in_flight = [job for job in jobs if not job.done()]

    os.kill(cluster.a.process.pid, signal.SIGKILL)
    cluster.a.process.wait(timeout=30)

    assert in_flight, "every question was answered before A was killed"
    for job in in_flight:
        # an error, quickly: a TimeoutError here would mean the client hangs
        with pytest.raises(Exception) as err:
            job.result(timeout=CALL_SECONDS)
        assert not isinstance(err.value, TimeoutError), "A's client hung after A died"

    reply, status = ask(client(cluster.b, "alice"), "What is a PDSA cycle?")

    assert status == "", status
    assert f"<code>{PDSA_FILE}</code>" in reply and PDSA_TITLE in reply, reply
    assert "Plan" in reply and "Study" in reply
