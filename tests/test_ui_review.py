"""The Evaluate tab's Review queue: its handlers on a real Coach, then the whole loop through a
real server driven by gradio_client, and in Debian's chromium with the section audited by
axe-core — a thumbs-down answer is queued, reviewed, saved as a case of a copy of a suite,
the next run of that suite includes it, and Insights shows the share judged good."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import audit, chromium, settle
from conftest import settings_under
from eval_support import write_kb, write_suite
from ui_helpers import free_port, running_app

from coach.app import build_coach
from coach.evals.cases import load_suite
from coach.insights.feedback import feedback_store
from coach.review.store import review_store
from coach.ui import ask_tab, review_section
from coach.ui.context import UIContext

QUESTION = "How long should each PDSA cycle be? Mail me at jo.bloggs@example.com"
RUBRIC = ["No", "Yes", "Yes", "No"]  # wrong, grounded, right source, should have answered
WAIT = 60_000


@pytest.fixture
def ctx(tmp_path, make_settings, make_coach):
    write_kb(tmp_path)
    write_suite(tmp_path)
    settings = make_settings(evals_dir=tmp_path / "evals", review_sample=0.0)
    coach = make_coach(settings)
    coach.ingest()
    return UIContext(coach, settings)


def test_the_handlers_show_review_and_save_an_item(ctx):
    *_, (_, session, _, _) = ask_tab.respond(ctx, QUESTION, None, "alice")
    ask_tab.rate(ctx, feedback_store(ctx.settings), session, 1, False, "alice")
    store = review_store(ctx.settings)
    listed = review_section.queue_list(store)
    [(label, item_id)] = listed["choices"]
    assert label.startswith(f"#{item_id} · thumbs-down · How long should each PDSA")
    assert "jo.bloggs@example.com" not in label

    shown, evidence, *answers, must, note, status = review_section.show_item(store, item_id)
    assert "<h4>Answer #" in shown and "Why it is here: thumbs-down" in shown
    assert "jo.bloggs" not in shown and "pdsa.md" in shown
    assert evidence["choices"][0][1] == 1 and answers == [None] * 4 and must == ""

    evals = Path(ctx.settings.evals_dir)
    assert review_section.qa_suites(evals) == ["tiny/suite.yaml"]
    status, _ = review_section.save_review(store, item_id, [None, "Yes", "Yes", "No"], "", "",
                                           "ed")
    assert "Answer all four" in status and 'role="alert"' in status
    status, _ = review_section.save_as_case(store, evals, item_id, RUBRIC, "short", "", 1,
                                            "../../etc/passwd", "ed")
    assert "No suite called" in status
    status, queue = review_section.save_as_case(store, evals, item_id, RUBRIC, "short\n", "",
                                                1, "tiny/suite.yaml", "ed")
    assert f"Saved as case review-{item_id} in tiny/suite.yaml" in status
    assert queue["choices"] == []  # reviewed: it left the queue
    _, cases = load_suite(evals / "tiny" / "suite.yaml")
    assert cases[-1].id == f"review-{item_id}" and cases[-1].expect.must_include == ["short"]
    status, _ = review_section.save_as_case(store, evals, item_id, RUBRIC, "short", "", 1,
                                            "tiny/suite.yaml", "ed")
    assert "Nothing was saved" in status and "already asks" in status
    assert review_section.show_item(store, item_id)[2:7] == (*RUBRIC, "short")  # as saved


# -- a real server ---------------------------------------------------------------------------
@pytest.fixture
def app(embedder, tmp_path):
    """The whole app, sign-in off (the one user, local, is admin), over the tiny knowledge
    folder and a copy of the tiny suite in its own evals folder."""
    write_suite(tmp_path)
    settings = settings_under(tmp_path, port=free_port(), evals_dir=tmp_path / "evals",
                              review_sample=0.0)
    write_kb(tmp_path)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, settings


def run_cases(settings: Any) -> list[str]:
    """The case ids of the latest run of the tiny suite."""
    latest = sorted((settings.home / "evals").glob("tiny-*"))[-1]
    return [c["id"] for c in json.loads((latest / "run.json").read_text())["cases"]]


@pytest.mark.slow
def test_the_loop_through_gradio_client(app):
    from gradio_client import Client

    url, settings = app
    client = Client(url, verbose=False, download_files=False)
    client.predict(QUESTION, api_name="/ask")
    note, _ = client.predict("Not helpful", "It did not say how long", api_name="/feedback")
    assert "saved" in note
    store = review_store(settings)
    [item] = store.pending()
    assert item.kinds == ("thumbs-down",) and "jo.bloggs@example.com" not in item.question

    client.predict(None, api_name="/review_queue")  # the list, as Refresh shows it
    shown, evidence, *_ = client.predict(item.id, api_name="/review_item")
    assert f"Answer #{item.id}" in shown and "pdsa.md" in shown and evidence["value"] == 1
    status, _ = client.predict(item.id, *RUBRIC, "short", "", 1, "tiny/suite.yaml",
                               api_name="/review_save_case")
    assert f"Saved as case review-{item.id}" in status
    assert store.pending() == []

    summary, *_ = client.predict("tiny/suite.yaml", api_name="/evaluate")
    assert "cases passed" in summary and f"review-{item.id}" in run_cases(settings)
    out = client.predict(0, api_name="/insights")
    chart, reviewed = out[-3:-1]
    assert chart is not None and "0 of 1 reviewed answers were judged good" in reviewed


@pytest.mark.slow
def test_the_loop_in_a_browser_with_the_review_queue_audited(app, tmp_path):
    url, settings = app
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
        box = page.get_by_label("Your question")
        box.fill(QUESTION)
        box.press("Enter")
        page.locator("#ask-announce", has_text="Answer").wait_for(state="attached",
                                                                  timeout=WAIT)
        page.locator("#chat button[aria-label='Dislike']").last.click()
        page.get_by_text("your rating of answer 1 is saved").wait_for(timeout=20_000)
        [item] = review_store(settings).pending()

        page.get_by_role("tab", name="Evaluate", exact=True).click()
        page.get_by_role("button", name="Refresh", exact=True).first.click()
        page.get_by_label("Answers waiting for review", exact=True).click()
        page.get_by_role("option", name=re.compile(rf"^#{item.id} · thumbs-down")).click()
        page.locator("#review-item h4", has_text=f"Answer #{item.id}").wait_for(timeout=WAIT)
        assert "jo.bloggs" not in page.locator("#review-item").inner_text()
        for name, value in zip(("correct", "grounded", "right_source", "should_refuse"),
                               RUBRIC, strict=True):
            page.locator(f"#review-{name}").get_by_label(value, exact=True).check()
        page.get_by_label("Must include (one term per line)").fill("short")
        page.locator("#review-queue").first.scroll_into_view_if_needed()
        settle(page)  # the radios' colour transitions too: axe measured a half-faded label
        failures = audit(page)  # the Evaluate tab, its review queue showing an answer
        assert not failures, "\n".join(failures)
        shot = tmp_path / "review-queue.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")

        page.get_by_role("button", name="Save as case").click()
        page.locator("#review-status", has_text=f"Saved as case review-{item.id}").wait_for(
            timeout=WAIT)
        assert review_store(settings).pending() == []
        page.get_by_role("button", name="Run suite").click()
        frame = page.frame_locator("iframe[title='Eval report']")
        frame.locator("body", has_text=f"review-{item.id}").wait_for(timeout=WAIT * 3)
        assert f"review-{item.id}" in run_cases(settings)

        page.get_by_role("tab", name="Insights", exact=True).click()
        page.get_by_role("button", name="Refresh", exact=True).last.click()
        page.locator("#insights-reviewed", has_text="0 of 1 reviewed answers").wait_for(
            timeout=WAIT)
        page.close()
