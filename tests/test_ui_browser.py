"""A real-browser smoke test: Debian's chromium, driven by Playwright, against the real app.

`make test` installs chromium when it is missing and the user is root (as in CI); elsewhere
the test is skipped with the reason. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser_helpers import chromium
from conftest import settings_under
from ui_helpers import free_port, running_app, write_kb

from coach.app import build_coach
from coach.insights.feedback import feedback_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def app(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-browser")
    settings = settings_under(root, port=free_port())
    write_kb(settings.knowledge_dir)
    shutil.copy(ROOT / "knowledge" / "journey.yaml", settings.knowledge_dir)  # the Coach tab
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, settings


def test_ask_open_a_source_card_rate_and_screenshot(browser, app, tmp_path):
    url, settings = app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach").wait_for()
    box = page.get_by_label("Your question")
    box.fill("What is a PDSA cycle?")
    box.press("Enter")
    card = page.locator("#chat details.source-card").first
    card.wait_for(timeout=60_000)
    assert page.locator("#chat .cite").count() >= 2  # markers in the text and on the cards
    assert not card.evaluate("el => el.open")
    card.locator("summary").click()
    assert card.evaluate("el => el.open")
    mark = card.locator("mark").first
    mark.wait_for(state="visible")
    assert "PDSA" in mark.inner_text()
    assert "relevance" in card.locator("summary").inner_text()
    # what a person sees: the answer, its markers and the source heading, all on screen
    chat = page.locator("#chat")
    assert chat.is_visible() and mark.is_visible()
    assert re.search(r"PDSA.*\[1\]", chat.inner_text(), re.S)
    shot = tmp_path / "ask-tab.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")

    page.locator("#chat button[aria-label='Like']").last.click()
    page.get_by_text("your rating of answer 1 is saved").wait_for(timeout=20_000)
    rows = feedback_store(settings).rows()
    assert rows and rows[-1]["rating"] == "up" and rows[-1]["question"] == "What is a PDSA cycle?"
    page.close()


def test_the_direct_answer_comes_first_with_more_collapsed_and_related_clickable(browser, app,
                                                                              tmp_path):
    """Issue 23: the reply opens with the section's answer; the supporting material sits in a
    closed "More from the guidance"; related questions are buttons that ask themselves."""
    url, _ = app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach").wait_for()
    box = page.get_by_label("Your question")
    box.fill("what does pdsa stand for")
    box.press("Enter")
    more = page.locator("#chat details.more").first
    more.wait_for(state="attached", timeout=60_000)
    message = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
    text = message.inner_text()
    # the direct answer is what a person reads first; the supporting text is hidden
    assert text.index("A PDSA cycle is a small test of change") < text.index(
        "More from the guidance")
    assert not more.evaluate("el => el.open")
    hidden = more.locator("p, span").filter(has_text="learning of the one before").first
    assert not hidden.is_visible()
    more.locator("summary").click()
    assert more.evaluate("el => el.open") and hidden.is_visible()
    follow_up = page.locator("#related-row button", has_text="ramp")
    follow_up.wait_for(state="visible", timeout=20_000)
    shot = tmp_path / "ask-direct-answer.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    follow_up.click()
    page.get_by_text("Linked PDSA cycles form a ramp").first.wait_for(timeout=60_000)
    assert page.locator("#chat .message.user, #chat [data-testid='user']").last.inner_text(
        ).strip() == "How do PDSA cycles link into a ramp?"
    page.close()


def test_the_library_tab_lists_the_documents(browser, app):
    url, _ = app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_role("tab", name="Library").click()
    page.get_by_text("3 documents,").wait_for(timeout=20_000)
    table = page.locator("#library-table")
    for text in ("Board leadership for improvement", "Report digest", "The Health Foundation"):
        assert text in table.inner_text()
    page.close()


def test_the_coach_tab_keeps_a_leads_progress_across_visits(browser, app, tmp_path):
    """Start the journey, tick a checklist item, add an action and move on a step; a new
    visit resumes where the lead left off."""
    url, _ = app
    page = browser.new_page()
    page.goto(url)
    page.get_by_role("tab", name="Coach").click()
    page.get_by_role("button", name="Start / resume my journey").click()
    page.get_by_text("Step 1 of 6").first.wait_for(timeout=30_000)
    page.locator("#coach-checklist input[type=checkbox]").first.check()
    page.get_by_label("Action: what").fill("Run the ORIC survey with three wards")
    page.get_by_label("Owner").fill("QI lead")
    page.get_by_label("Due date").fill("2027-03-31")
    page.get_by_role("button", name="Add action").click()
    page.get_by_text("Run the ORIC survey with three wards").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Next step →").click()
    page.get_by_text("Step 2 of 6").first.wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "coach-tab.png"), full_page=True)
    page.close()

    again = browser.new_page()
    again.goto(url)
    again.get_by_role("tab", name="Coach").click()
    again.get_by_role("button", name="Start / resume my journey").click()
    again.get_by_text("Step 2 of 6").first.wait_for(timeout=30_000)
    again.get_by_role("button", name="← Previous step").click()
    again.get_by_text("Step 1 of 6").first.wait_for(timeout=30_000)
    again.get_by_text("Run the ORIC survey with three wards").first.wait_for(timeout=30_000)
    assert again.locator("#coach-checklist input[type=checkbox]").first.is_checked()
    again.close()


STEP_GUIDE = """# Step 1: assessing readiness

## Practical actions for assessing readiness

Coaching guidance: these actions help a lead take an honest reading of readiness.

1. Run a readiness survey such as ORIC with staff from several roles and levels.
2. Gather staff survey results on speaking up and time for reflection.
3. Share a short summary of strengths and gaps with the executive team.
"""


@pytest.fixture(scope="module")
def coaching_app(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-browser-chat")
    settings = settings_under(root, port=free_port())
    write_kb(settings.knowledge_dir)
    guide = settings.knowledge_dir / "steps" / "step-1.md"
    guide.parent.mkdir(parents=True)
    guide.write_text("---\ntitle: 'Step 1: assessing readiness'\nkind: coach-guide\nstep: 1\n"
                     "publisher: Improvement Coach (coaching guidance)\nyear: 2026\n---\n\n"
                     + STEP_GUIDE, encoding="utf-8")
    shutil.copy(ROOT / "knowledge" / "journey.yaml", settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, settings


def test_a_guided_dialogue_in_the_chat_reaches_the_coach_tab(browser, coaching_app):
    """Coach me through my step, answer the first question, add the suggested action, stop:
    the Coach tab shows the note and the action."""
    url, _ = coaching_app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_role("button", name="Coach me through my step").click()
    page.locator("#chat").get_by_text("Question 1 of 5").first.wait_for(timeout=60_000)
    box = page.get_by_label("Your question")
    box.fill("We want an honest baseline; only the exec team has been asked so far.")
    box.press("Enter")
    page.locator("#chat").get_by_text("Suggested action").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Yes, add it").click()
    page.locator("#chat").get_by_text("Added to your action plan").first.wait_for(
        timeout=60_000)
    page.get_by_role("button", name="Stop", exact=True).click()
    page.locator("#chat").get_by_text("pick up at question 2").first.wait_for(timeout=60_000)

    page.get_by_role("tab", name="Coach").click()
    page.get_by_role("button", name="Start / resume my journey").click()
    page.get_by_text("Step 1 of 6").first.wait_for(timeout=30_000)
    for text in ("only the exec team has been asked", "owner Improvement lead"):
        page.locator(f":text('{text}'):visible").first.wait_for(timeout=30_000)
    page.close()
