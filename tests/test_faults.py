"""Faults survived (issue 28 part 5): the servers the app depends on go away and come back.

Everything is real and started here: a PostgreSQL server of this module's own (tests/pg.py; the
session's server is shared and must not be stopped), Chroma's own server (`chroma run`, the
``chroma_server`` fixture) and the web app on 127.0.0.1 driven by gradio_client.

- The database stops while a user is mid-journey: their next click gets the sentence in
  prompts/unavailable.yaml, quickly, not a hang; once PostgreSQL is back, the progress saved
  before is intact and the same app (never restarted) saves again.
- The Chroma server stops, or stops answering, between two questions: the question asked
  meanwhile gets the index sentence; once it is back the next question is answered.
- A `coach ingest` is SIGKILLed while it holds the index lock, half-way through embedding: the
  lock died with it, and the next ingest finishes the job (every file's chunks complete, the
  lexical fingerprint that of the chunks).

"Not a hang" is a bound on each request (``CALL_SECONDS``), as in tests/test_replicas.py: a
request still waiting then fails the test. No test asserts on how long anything took.
"""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import markdown_doc, settings_under
from ui_helpers import chat_text, running_app, write_kb

from coach import prompts
from coach.app import build_coach
from coach.config import Settings
from tests.servers import free_port

pytestmark = pytest.mark.slow

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
CALL_SECONDS = 60  # the longest one request may take before the test calls it a hang
# the sentences as the page shows them (HTML-escaped)
DATABASE_DOWN = html.escape(prompts.fill("unavailable.yaml", "database"))
INDEX_DOWN = html.escape(prompts.fill("unavailable.yaml", "index"))
QUESTION = "What is a PDSA cycle?"

# the Coach tab's view outputs (coach/ui/coach_tab.py): notice, the stepper, step, step text,
# explanation, checklist, notes and actions
NOTICE, _OVERVIEW, STEP, _STEP_TEXT, _EXPLAIN, CHECKLIST, LOG = range(7)


# -- fixtures and helpers --------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_postgres() -> Iterator[Any]:
    """A PostgreSQL server for this module alone: the tests stop and start it."""
    from tests import pg

    reason = pg.missing_reason()
    if reason:
        pytest.skip(reason)
    server = pg.start()
    yield server
    server.halt()  # a fast shutdown: the app's pooled connections would hold a polite one
    server.stop()


def knowledge(folder: Path) -> Path:
    """The UI tests' small knowledge folder plus the shipped journey (for the Coach tab)."""
    write_kb(folder)
    shutil.copy2(KNOWLEDGE / "journey.yaml", folder / "journey.yaml")
    return folder


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def call(c: Any, *args: Any, api_name: str) -> Any:
    """One request, with a limit: a request that never returns fails the test, not hangs it."""
    return c.submit(*args, api_name=api_name).result(timeout=CALL_SECONDS)


def ask(c: Any, question: str) -> tuple[str, str, str]:
    """(the last chat message, the status line, what is left in the question box)."""
    chat, status, box = call(c, question, api_name="/ask")
    return (chat_text(chat)[-1] if chat else ""), status, box


def ticked(view: tuple[Any, ...]) -> set[str]:
    return set(view[CHECKLIST]["value"])


# -- the database goes away mid-journey ------------------------------------------------------
def test_a_database_outage_mid_journey_is_reported_and_the_app_recovers(
        own_postgres: Any, embedder: Any, tmp_path: Path) -> None:
    url = own_postgres.create_database("journey_outage")
    settings = settings_under(tmp_path, database_url=url, port=free_port())
    knowledge(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as address:
        lead = client(address)
        call(lead, api_name="/coach_resume")
        view = call(lead, "board-support", api_name="/coach_goto")
        items = [item_id for _label, item_id in view[CHECKLIST]["choices"]]
        call(lead, "board-support", items[:2], api_name="/coach_tick")
        note = "Board seminar booked for March (saved before the outage)"
        call(lead, "board-support", note, api_name="/coach_note")

        own_postgres.halt()
        try:
            # mid-journey: a tick, a note and a question, each told plainly, none waiting
            notice, *_ = call(lead, "board-support", items[:3], api_name="/coach_tick")
            assert DATABASE_DOWN in notice, notice
            notice, *_ = call(lead, "board-support", "lost?", api_name="/coach_note")
            assert DATABASE_DOWN in notice, notice
            _reply, status, box = ask(lead, QUESTION)
            assert DATABASE_DOWN in status, status
            assert box == QUESTION  # kept, to send again
        finally:
            own_postgres.resume()

        # the same app, never restarted: what was saved is there, and it saves again
        view = call(client(address), api_name="/coach_load")
        assert view[STEP] == "board-support"
        assert ticked(view) == set(items[:2])
        assert note in view[LOG] and "lost?" not in view[LOG]
        notice, *_ = call(lead, "board-support", items[:3], api_name="/coach_tick")
        assert "Saved." in notice, notice
        assert ticked(call(client(address), api_name="/coach_load")) == set(items[:3])
        reply, status, _box = ask(lead, QUESTION)
        assert status == "" and "source-card" in reply, (status, reply)


# -- the Chroma server goes away between two questions ---------------------------------------
def test_a_chroma_outage_between_two_questions_is_reported_and_the_app_recovers(
        chroma_server: Any, embedder: Any, tmp_path: Path) -> None:
    settings = settings_under(tmp_path, chroma_url=chroma_server.url, collection="outage",
                              chroma_timeout=10, port=free_port())
    knowledge(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as address:
        reader = client(address)
        reply, status, _box = ask(reader, QUESTION)
        assert status == "" and "source-card" in reply, (status, reply)

        chroma_server.stop()  # down: the port refuses
        try:
            reply, status, box = ask(reader, "What is a run chart?")
            assert INDEX_DOWN in status, (status, reply)
            assert box == "What is a run chart?"
        finally:
            chroma_server.start()
        reply, status, _box = ask(reader, "What is a run chart?")
        assert status == "" and "median" in reply, (status, reply)

        chroma_server.freeze()  # up but silent: only the timeout (COACH_CHROMA_TIMEOUT) ends it
        try:
            _reply, status, _box = ask(reader, "How do boards lead improvement?")
            assert INDEX_DOWN in status, status
        finally:
            chroma_server.thaw()
        reply, status, _box = ask(reader, "How do boards lead improvement?")
        assert status == "" and "source-card" in reply, (status, reply)


# -- an ingest killed while it holds the index lock ------------------------------------------
# 40 files of 4 sections: 172 chunks, two of the ingest's batches of 128 (coach/ingest/
# pipeline.py), so the first ingest is killed after its first batch is in the index
SECTIONS = 4
FILES = 40
WORDS = ("audit", "baseline", "capacity", "discharge", "escalation", "flow", "handover",
         "huddle", "measure", "median", "outlier", "pathway", "referral", "sepsis", "shift",
         "signal", "staffing", "triage", "variation", "ward")


def many_files(folder: Path) -> None:
    """FILES Markdown documents of SECTIONS sections, each a different made-up topic."""
    for n in range(FILES):
        sections = []
        for s in range(SECTIONS):
            words = [WORDS[(n * 7 + s * 3 + i) % len(WORDS)] for i in range(12)]
            body = " ".join(f"The {w} review number {n}.{s}.{i} checks {words[i - 1]} data "
                            f"against the ward's run chart." for i, w in enumerate(words))
            sections.append(f"## Topic {n}.{s}: {words[0]} and {words[1]}\n\n{body}")
        text = f"# Guide {n}\n\n" + "\n\n".join(sections)
        (folder / f"guide-{n:03d}.md").write_text(
            markdown_doc(text, title=f"Guide {n}", kind="method"), encoding="utf-8")


def coach_env(settings: Settings, database_url: str, chroma_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return env | {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                  "COACH_HOME": str(settings.home), "COACH_KNOWLEDGE_DIR":
                  str(settings.knowledge_dir), "COACH_CHROMA_URL": chroma_url,
                  "COACH_COLLECTION": settings.collection, "COACH_DATABASE_URL": database_url,
                  # the tests' shared ONNX export (conftest.onnx_cache), not one per home
                  "COACH_EMBEDDING_CACHE": os.environ.get("COACH_EMBEDDING_CACHE", "")}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_ingest_killed_holding_the_index_lock_leaves_it_free_and_the_next_finishes(
        backend: str, chroma_server: Any, own_postgres: Any, embedder: Any,
        tmp_path: Path) -> None:
    from coach.db import open_database
    from coach.db.locks import holder
    from coach.providers.chroma import make_client
    from coach.retrieval.lexical import fingerprint, lexical_text
    from coach.store import GuidanceIndex

    database_url = (f"sqlite:///{tmp_path / 'shared.sqlite3'}" if backend == "sqlite"
                    else own_postgres.create_database(f"killed_{os.getpid()}"))
    settings = settings_under(tmp_path, chroma_url=chroma_server.url, database_url=database_url,
                              collection=f"killed-{backend}")
    settings.knowledge_dir.mkdir(parents=True)
    many_files(settings.knowledge_dir)
    env = coach_env(settings, database_url, chroma_server.url)
    db = open_database(settings)
    index = GuidanceIndex(make_client(settings), settings.collection, embedder.model_name,
                          embedder.dimension)
    log = tmp_path / "killed.log"
    with log.open("w") as sink:
        killed = subprocess.Popen([sys.executable, "-m", "coach.cli", "ingest"], env=env,
                                  stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        # the lock names the ingest, and its first chunks are in the index: it is mid-way
        while f"pid {killed.pid} " not in holder(db, "index") or index.count() == 0:
            assert killed.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
    finally:
        if killed.poll() is None:
            os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
    written = index.count()
    deadline = time.monotonic() + 30
    while holder(db, "index"):  # the lock died with its holder (PostgreSQL: once it sees it)
        assert time.monotonic() < deadline, holder(db, "index")
        time.sleep(0.1)

    again = subprocess.run([sys.executable, "-m", "coach.cli", "ingest"], env=env,
                           capture_output=True, text=True, timeout=300)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "waiting for it to finish" not in again.stderr  # not blocked by the dead ingest
    chunks = list(index.all_chunks())
    assert 0 < written < len(chunks), "the first ingest was not stopped mid-way"
    assert holder(db, "index") == ""  # nobody holds it now
    assert len(chunks) == index.count() == len({pid for pid, _, _ in chunks})
    per_file: dict[str, list[dict[str, Any]]] = {}
    for _pid, _text, meta in chunks:
        per_file.setdefault(str(meta["source"]), []).append(meta)
    assert sorted(per_file) == sorted(f"guide-{n:03d}.md" for n in range(FILES))
    for metas in per_file.values():  # every file whole, all of one version
        assert len(metas) == metas[0]["file_chunks"]
        assert len({m["file_hash"] for m in metas}) == 1
    assert index.lexical_fingerprint() == fingerprint(
        [(pid, lexical_text(meta.get("title", ""), meta.get("heading", ""), text))
         for pid, text, meta in chunks])


OPEN_AT_ONCE = """
import os, sys, time
import chromadb  # imported before the start line, so every process opens at the same moment
from coach.config import Settings
from coach.providers.chroma import make_client
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
make_client(Settings(_env_file=None, home=sys.argv[1])).get_or_create_collection("guidance")
"""


@pytest.mark.slow
def test_replicas_opening_one_fresh_embedded_store_at_once_all_start(tmp_path: Path) -> None:
    """Chroma makes its tables when a client first opens a folder; four processes doing that
    at the same instant failed 2 times in 5 ("table collections already exists", "database is
    locked") until ``make_client`` let one opener in at a time."""
    for round_ in range(6):
        home, go = tmp_path / f"home{round_}", tmp_path / f"go{round_}"
        runs = [subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, str(home), str(go)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(4)]
        for run in runs:  # every process has imported chromadb and waits for the start line
            assert run.stdout is not None and run.stdout.readline().strip() == "ready"
        go.touch()
        outs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0] * 4, [err[-300:] for _, err in outs]
