"""The per-user question rate limit in the real app (127.0.0.1, driven through gradio_client):
past COACH_RATE_LIMIT_PER_MINUTE the Ask and Coach tab chats say when to ask again."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import settings_under
from gradio_client import Client
from ui_helpers import chat_text, free_port, running_app, write_kb

from coach.access import auth
from coach.app import build_coach

pytestmark = pytest.mark.slow

JOURNEY = Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml"
LIMIT = 2
LIMITED = re.compile(r"You have asked 2 questions in the last minute, the most this app answers "
                     r"per person\. You can ask again in \d+ seconds?\.")


@pytest.fixture(scope="module")
def coach_and_root(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-ratelimit")
    settings = settings_under(root)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")  # the Coach tab needs it
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    return coach, root


def ask(client, question):
    chat, status, box = client.predict(question, api_name="/ask")
    return chat_text(chat), status, box


def test_signed_in_user_is_told_when_to_ask_again_in_both_chats(coach_and_root):
    coach, root = coach_and_root
    users = root / "users"
    auth.add_user(users, "alice", "alice-password")
    auth.add_user(users, "bob", "bob-password")
    settings = settings_under(root, port=free_port(), auth_file=users, home=root / "home-auth",
                              rate_limit_per_minute=LIMIT)
    with running_app(coach, settings) as url:
        alice = Client(url, verbose=False, auth=("alice", "alice-password"))
        for question in ("What is a PDSA cycle?", "What is a run chart?"):
            messages, status, _ = ask(alice, question)
            assert status == "" and len(messages) % 2 == 0 and "[1]" in messages[-1]

        messages, status, box = ask(alice, "How do boards lead improvement?")
        assert LIMITED.search(status), status
        assert "error" in status and "Traceback" not in status
        assert box == "How do boards lead improvement?"  # kept, to send again later
        assert len(messages) == 4  # the two answered turns; the third never reached the chat
        assert not any("boards lead" in m for m in messages)

        # the Coach tab's step chat counts against the same user, in another session too
        again = Client(url, verbose=False, auth=("alice", "alice-password"))
        notice, chat, box = again.predict("assessing-readiness", "Which readiness tools?", [],
                                          api_name="/coach_ask")
        assert LIMITED.search(notice), notice
        assert chat == box == {"__type__": "update"}  # chat and question box left as they were

        # another user has a limit of their own
        bob = Client(url, verbose=False, auth=("bob", "bob-password"))
        notice, chat, _ = bob.predict("assessing-readiness", "Which readiness tools can we use?",
                                      [], api_name="/coach_ask")
        assert notice == "" and len(chat_text(chat)) == 2


def test_without_sign_in_each_browser_session_has_its_own_limit(coach_and_root):
    coach, root = coach_and_root
    settings = settings_under(root, port=free_port(), home=root / "home-open",
                              rate_limit_per_minute=LIMIT)
    with running_app(coach, settings) as url:
        first = Client(url, verbose=False)
        ask(first, "What is a PDSA cycle?")
        ask(first, "What is a run chart?")
        _, status, _ = ask(first, "What is a run chart?")
        assert LIMITED.search(status), status
        messages, status, _ = ask(Client(url, verbose=False), "What is a run chart?")
        assert status == "" and len(messages) == 2
