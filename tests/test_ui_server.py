"""The real app launched on 127.0.0.1, driven through gradio_client (as Gradio's own tests do).

One app without sign-in and one with it, each shared by the tests of this module.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import settings_under
from ui_helpers import chat_text, free_port, running_app, write_kb

from coach.access import auth
from coach.app import build_coach

pytestmark = pytest.mark.slow

QUESTIONS = ["What is a PDSA cycle?", "What is a run chart?", "How do boards lead improvement?"]


@pytest.fixture(scope="module")
def coach_and_root(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-server")
    settings = settings_under(root)
    write_kb(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    return coach, root


@pytest.fixture(scope="module")
def url(coach_and_root):
    coach, root = coach_and_root
    with running_app(coach, settings_under(root, port=free_port())) as address:
        yield address


@pytest.fixture(scope="module")
def signed_in(coach_and_root):
    coach, root = coach_and_root
    users = root / "users"
    auth.add_user(users, "alice", "alice-password")
    settings = settings_under(root, port=free_port(), auth_file=users,
                              home=root / "home-auth")
    with running_app(coach, settings) as address:
        yield address, settings


def client(address, **kwargs):
    from gradio_client import Client

    return Client(address, verbose=False, **kwargs)


def ask(c, question):
    chat, status, box = c.predict(question, api_name="/ask")
    return chat_text(chat), status


def test_the_page_has_the_title_and_both_tabs(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    config = client(url).config
    assert config["title"] == "Improvement Coach"
    labels = {c["props"].get("label") for c in config["components"]}
    assert {"Ask", "Library", "Your question", "Conversation", "Indexed documents"} <= labels


def test_ask_returns_a_cited_answer_with_source_cards(url):
    messages, status = ask(client(url), "What is a PDSA cycle?")
    assert status == "" and len(messages) == 2
    assert messages[0] == "What is a PDSA cycle?"
    assert '<span class="cite" role="img" title="Source 1: ' in messages[1]
    assert '<details class="source-card">' in messages[1] and "PDSA cycles" in messages[1]


def test_the_answer_streams_to_the_client(url):
    job = client(url).submit("What is a run chart?", api_name="/ask")
    final = job.result(timeout=60)
    updates = [chat_text(out[0]) for out in job.outputs()]
    # the question at once, then the answer with its sources (the extractive answer's lines
    # arrive together, so they go as one update at most: ask_tab.UPDATE_EVERY_S)
    assert 2 <= len(updates) <= 3
    assert updates[0][0] == "What is a run chart?" and "Searching" in updates[0][1]
    assert all("source-card" not in text for _, text in updates[:-1])
    assert "source-card" in chat_text(final[0])[1] and updates[-1] == chat_text(final[0])


def test_an_empty_question_gets_a_message_and_the_app_keeps_working(url):
    c = client(url)
    messages, status = ask(c, "")
    assert messages == [] and "the message was empty" in status
    messages, status = ask(c, "What is a run chart?")
    assert len(messages) == 2 and "source-card" in messages[1]


def test_two_clients_in_parallel_keep_their_own_histories(url):
    a, b = client(url), client(url)
    with ThreadPoolExecutor(2) as pool:
        first = list(pool.map(ask, [a, b], ["What is a PDSA cycle?", "What is a run chart?"]))
        second = list(pool.map(ask, [a, b], ["How are the cycles linked?",
                                             "What does a shift on it mean?"]))
    (a_chat, _), (b_chat, _) = second
    assert [m for m in a_chat[::2]] == ["What is a PDSA cycle?", "How are the cycles linked?"]
    assert [m for m in b_chat[::2]] == ["What is a run chart?", "What does a shift on it mean?"]
    assert len(first[0][0]) == 2 and len(first[1][0]) == 2
    # each follow-up was answered from its own conversation
    assert "ramp" in a_chat[3].lower() and "median" in b_chat[3].lower()
    c = client(url)
    c.predict(api_name="/new_conversation")
    assert len(ask(c, "What is a PDSA cycle?")[0]) == 2


def test_ten_people_asking_at_once_all_get_answers(url):
    clients = [client(url) for _ in range(10)]
    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(ask, clients, questions))
    assert len(results) == 10
    for (messages, status), question in zip(results, questions, strict=True):
        assert status == "" and messages[0] == question
        assert "source-card" in messages[1]


def test_an_unsupported_upload_is_rejected_through_the_app(url, tmp_path, coach_and_root):
    from gradio_client import handle_file

    coach, _ = coach_and_root
    before = coach.count()
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip file at all")
    message, *_ = client(url).predict([handle_file(str(bad))], api_name="/upload")
    assert "**Rejected** (1)" in message and "`broken.docx`" in message
    assert coach.count() == before


def test_retrieval_can_be_tested_through_the_app(url):
    verdict, table = client(url).predict("What is a PDSA cycle?", api_name="/test_retrieval")
    assert verdict.startswith("**Would answer")
    assert table["headers"][:3] == ["#", "Document", "Section"]
    assert table["data"][0][1] == "PDSA cycles"
    verdict, table = client(url).predict("What dose of paracetamol is safe?",
                                         api_name="/test_retrieval")
    assert verdict.startswith("**Would refuse: a clinical question")
    assert not any(any(cell not in ("", None) for cell in row) for row in table["data"])


def test_sign_in_is_required_when_a_users_file_is_set(signed_in):
    address, _ = signed_in
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(address + "config", timeout=10)
    assert err.value.code == 401
    with pytest.raises(Exception, match="(?i)login|credentials|auth"):
        client(address, auth=("alice", "wrong-password"))


def test_feedback_is_keyed_to_the_signed_in_user(signed_in):
    address, settings = signed_in
    c = client(address, auth=("alice", "alice-password"))
    messages, _ = ask(c, "What is a PDSA cycle? Mail me at a.person@nhs.net")
    assert "source-card" in messages[1]
    note, _ = c.predict("Helpful", "Clear, thanks", api_name="/feedback")
    assert "saved" in note
    with sqlite3.connect(settings.home / "coach.sqlite3") as conn:
        rows = conn.execute("SELECT user_name, rating, comment, question, sources FROM feedback"
                            ).fetchall()
    assert len(rows) == 1
    user, rating, comment, question, sources = rows[0]
    assert (user, rating, comment) == ("alice", "up", "Clear, thanks")
    assert "a.person@nhs.net" not in question and "methods/pdsa.md" in sources


def test_coach_serve_indexes_an_empty_library_and_answers(tmp_path):
    """`coach serve` (what `make run` starts) as a real process on a free port."""
    write_kb(tmp_path / "kb")
    port = free_port()
    env = {**os.environ, "COACH_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1",
           "COACH_KNOWLEDGE_DIR": str(tmp_path / "kb")}
    coach_exe = Path(sys.executable).with_name("coach")
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([str(coach_exe), "serve", "--port", str(port)], env=env,
                                   stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    address = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):  # up to 120 s: the embedder loads, then the library is indexed
            if process.poll() is not None:
                pytest.fail(f"coach serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(address, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"coach serve did not answer:\n{log.read_text()}")
        messages, _ = ask(client(address), "What is a run chart?")
        assert "source-card" in messages[1]
        assert "indexing the knowledge folder first" in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_load_benchmarks_light_client_speaks_the_apps_queue_protocol(url):
    """benchmarks/bench_load.py's default client (Gradio's queue protocol spoken directly)
    gets the same answers a browser does, one conversation per session, and counts a
    conversation that goes wrong as an error."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_load

    asked = bench_load.light_session(url, QUESTIONS[:2])
    assert [error for _, error in asked] == [None, None]
    both = bench_load.run(url, QUESTIONS, sessions=3, per_session=2)
    assert (both["questions"], both["errors"]) == (6, 0)
    # a reply that is not the conversation's next answer is an error
    assert bench_load._answer_error([{"content": "hi"}] * 2, "", n=1) == \
        "no answer in the conversation"
    assert bench_load._answer_error([], "Too many questions", n=0).startswith(
        "the app showed a message")
