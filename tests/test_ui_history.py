"""Conversation history through the real app, signed in, driven by gradio_client: alice's
conversation is listed, survives a restart, reopens with its citations and continues; bob
can neither list nor open nor delete it; it is exported to Markdown and Word with its sources
and deleted after a confirmation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import settings_under
from test_ui_browser import browser  # noqa: F401  (chromium, or skipped with the reason)
from ui_helpers import (
    chat_text,
    download,
    download_hrefs,
    downloaded,
    free_port,
    running_app,
    write_kb,
)

from coach.access import auth
from coach.app import build_coach
from coach.db import close_all

pytestmark = pytest.mark.slow

PASSWORDS = {"alice": "alice-password", "bob": "bob-password"}
FIRST = "What is a PDSA cycle? Mail me at a.person@nhs.net"
SECOND = "What is a run chart?"
THIRD = "How do boards lead improvement?"


@pytest.fixture(scope="module")
def root(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("history")
    for name, password in PASSWORDS.items():
        auth.add_user(root / "users", name, password)
    write_kb(root / "kb")
    build_coach(settings(root), embedder=embedder).ingest()
    return root


def settings(root: Path):
    return settings_under(root, port=free_port(), auth_file=root / "users")


def client(address: str, user: str):
    from gradio_client import Client

    return Client(address, auth=(user, PASSWORDS[user]), verbose=False)


def listed(c) -> list[tuple[str, str]]:
    """(title label, id) of each conversation in the caller's history list."""
    update = c.predict(api_name="/history")
    return [(str(label), str(value)) for label, value in update["choices"]]


def ask(c, question: str) -> list[str]:
    chat, status, _ = c.predict(question, api_name="/ask")
    assert status == "", status
    return chat_text(chat)


def value(update):
    return update["value"] if isinstance(update, dict) else update


def test_history_survives_a_restart_is_private_exports_and_deletes(root, embedder):
    from docx import Document

    # -- first run: alice asks two questions in one conversation ---------------------------
    with running_app(build_coach(s := settings(root), embedder=embedder), s) as address:
        alice = client(address, "alice")
        ask(alice, FIRST)
        answers = ask(alice, SECOND)
        assert len(answers) == 4 and "source-card" in answers[3]
        [(label, conversation)] = listed(alice)
        assert label.startswith("What is a PDSA cycle? Mail me at [email address removed] · ")
        assert listed(client(address, "bob")) == []

    # -- restart: a new coach and app on the same COACH_HOME and database ------------------
    close_all()
    with running_app(build_coach(s := settings(root), embedder=embedder), s) as address:
        alice = client(address, "alice")
        assert listed(alice) == [(label, conversation)]
        chat, status, _, _, note = alice.predict(conversation, api_name="/history_open")
        shown = chat_text(chat)
        assert "Opened" in note and status == "" and len(shown) == 4
        assert shown[0].startswith("What is a PDSA cycle? Mail me at [email address removed]")
        assert shown[2] == SECOND
        for answer, title in ((shown[1], "PDSA cycles"), (shown[3], "Run charts")):
            assert '<span class="cite" role="img" title="Source 1: ' in answer
            assert '<details class="source-card">' in answer and title in answer
        continued = ask(alice, THIRD)  # continued in the reopened conversation
        assert len(continued) == 6 and "Board leadership for improvement" in continued[5]
        assert [c for _, c in listed(alice)] == [conversation]

        # -- bob cannot list, open, export or delete it ------------------------------------
        bob = client(address, "bob")
        assert listed(bob) == []
        chat, _, _, _, note = bob.predict(conversation, api_name="/history_open")
        assert chat == [] and "not in your history" in note
        files, note = bob.predict(conversation, api_name="/history_export")
        assert not value(files) and "not in your history" in note
        note = bob.predict(conversation, api_name="/history_delete")
        assert "not in your history" in note
        _, note, _ = bob.predict(api_name="/history_confirm_delete")
        assert "Nothing to delete" in note

        # -- alice, in a new session, sees all three answers and exports them --------------
        alice = client(address, "alice")
        chat, *_ = alice.predict(conversation, api_name="/history_open")
        assert len(chat_text(chat)) == 6
        files, note = alice.predict(conversation, api_name="/history_export")
        assert "ready to download" in note
        got = downloaded(address, files, alice)  # served to their owner by /files
        assert sorted(Path(n).suffix for n in got) == [".docx", ".md"]
        for href in download_hrefs(files):  # and to nobody else
            assert download(address, href, bob).status_code == 403
            assert download(address, href).status_code == 401
        paths = sorted((s.home / "exports").rglob(f"conversation-*-{conversation}.*"))
        assert {p.name: p.read_bytes() for p in paths} == got
        md = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
        assert f"## 2. {SECOND}" in md and f"## 3. {THIRD}" in md
        assert "### Sources for answer 1" in md and "a.person@nhs.net" not in md
        assert "PDSA cycles" in md and "(methods/run-charts.md;" in md
        doc = Document(str(next(p for p in paths if p.suffix == ".docx")))
        bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
        assert any("Run charts" in b and "methods/run-charts.md" in b for b in bullets)
        assert any("Board leadership for improvement" in b for b in bullets)

        # -- deleting needs the confirmation step --------------------------------------------
        note = alice.predict(conversation, api_name="/history_delete")
        assert "Yes, delete it" in note and len(listed(alice)) == 1
        update, note, chat = alice.predict(api_name="/history_confirm_delete")
        assert "deleted" in note and update["choices"] == [] and chat == []  # it was open
        assert listed(alice) == [] and listed(bob) == []
        exported = s.home / "exports"
        assert not list(exported.rglob(f"conversation-*-{conversation}.*"))


def test_the_history_panel_in_a_browser(browser, root, embedder):  # noqa: F811
    """What gradio_client cannot show: the list fills after an answer and at page load, and
    Open, Delete and its confirmation work from the page."""
    s = settings_under(root, port=free_port())  # sign-in off: the user is "local"
    with running_app(build_coach(s, embedder=embedder), s) as address:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(address)
        box = page.get_by_label("Your question")
        box.fill(SECOND)
        box.press("Enter")
        page.locator("#chat details.source-card").first.wait_for(timeout=60_000)
        chosen = page.locator("#history-list input")
        page.wait_for_function("() => document.querySelector('#history-list input').value"
                               ".startsWith('What is a run chart?')", timeout=20_000)

        page = browser.new_page(viewport={"width": 1366, "height": 900})  # a later visit
        page.goto(address)
        page.get_by_role("heading", name="Improvement Coach").wait_for()
        chosen = page.locator("#history-list input")
        chosen.click()
        page.get_by_role("option", name=re.compile(r"^What is a run chart\? · ")).click()
        page.locator("#history-open").click()
        card = page.locator("#chat details.source-card").first
        card.wait_for(timeout=20_000)
        assert "Run charts" in card.inner_text()
        assert "ask a question to continue it" in page.locator("#history-note").inner_text()

        page.locator("#history-delete").click()
        page.locator("#history-confirm").wait_for(state="visible", timeout=20_000)
        page.locator("#history-confirm").click()
        page.get_by_text("The conversation was deleted.").wait_for(timeout=20_000)
        assert page.locator("#chat details.source-card").count() == 0  # it was open
        assert not page.locator("#history-confirm").is_visible()
        assert chosen.input_value() == ""
        page.close()
