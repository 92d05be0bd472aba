"""Accessibility of the web app (issue #18), in Debian's chromium against the real app.

axe-core (bundled by axe-playwright-python) audits every tab the signed-out admin sees (the
tabs are read from the page, so a new tab is audited too) and the states that matter: an
answer with a source card open, a refusal, a Coach step with its checklist and an assessment
result with its chart, the Coach tab's stepper with step 5's project register, the Library
table with an upload report, an eval report (its iframe too), the runs history with its trend
and the compare view of two runs. Any violation of WCAG 2.0/2.1/2.2 A or AA rules with serious
or critical impact fails. Beyond what axe can see: the
keyboard alone asks a question, opens a source, ticks a checklist item and adds an action,
opens and closes the Coach tab's sections; the live region reads each answer out once,
complete; markers and cards have names; charts have their numbers in words; headings do not
skip a level; the page reflows at 320 CSS px and at 200% zoom.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import accessible_name, ask, audit, chromium, headings, open_tab, settle
from conftest import settings_under
from eval_support import write_suite
from ui_helpers import free_port, running_app, write_kb

from coach.app import build_coach

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WAIT = 60_000  # ms: answers, ticks and reports arrive through the real pipeline


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def served(embedder, tmp_path_factory):
    """One real app for the module, sign-in off (the one user is admin: every tab), with the
    small knowledge folder, the shipped journey and a four-case eval suite: (url, settings)."""
    root = tmp_path_factory.mktemp("ui-a11y")
    write_suite(root)  # root/evals/tiny/suite.yaml
    settings = settings_under(root, port=free_port(), evals_dir=root / "evals")
    write_kb(settings.knowledge_dir)
    shutil.copy(ROOT / "knowledge" / "journey.yaml", settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, settings


@pytest.fixture(scope="module")
def app(served):
    return served[0]


def open_page(browser: Any, url: str, **options: Any) -> Any:
    page = browser.new_page(**({"viewport": {"width": 1366, "height": 900}} | options))
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    return page


@pytest.fixture
def page(browser, app):
    page = open_page(browser, app)
    yield page
    page.close()


def tab_names(page: Any) -> list[str]:
    return [t.strip() for t in page.get_by_role("tab").all_inner_texts()]


def settled_after(page: Any, action: Any) -> None:
    """Do ``action`` (a click, a key) and wait until the event it starts has ended: its
    outputs are seen pending, then nothing is. (Waiting for text alone can pass early: the
    Coach tab's page-load resume shows the same step a click on "Start / resume" shows, and
    a tick made while the click's answer is still on its way is drawn over by it.)"""
    page.evaluate("""() => { window.__pendingSeen = false;
        new MutationObserver((_, watcher) => {
            if (document.querySelector('.pending')) { window.__pendingSeen = true;
                                                      watcher.disconnect(); }
        }).observe(document.body, { subtree: true, childList: true, attributes: true,
                                    attributeFilter: ['class'] }); }""")
    action()
    page.wait_for_function("() => window.__pendingSeen", timeout=WAIT)
    settle(page)


def assert_passes(page: Any) -> None:
    settle(page)
    failures = audit(page)
    assert not failures, "\n".join(failures)


def skipped_levels(found: list[tuple[int, str]]) -> list[str]:
    """Headings that skip a level ('h2 Ask' then 'h4 …'), or a page not led by one h1."""
    problems = [] if found and found[0][0] == 1 else [f"the first heading is {found[:1]}"]
    problems += [f"h{b} {b_text!r} after h{a} {a_text!r}"
                 for (a, a_text), (b, b_text) in zip(found, found[1:], strict=False) if b > a + 1]
    return problems + [f"more than one h1: {found}"] * (sum(lv == 1 for lv, _ in found) > 1)


def score_every_statement(page: Any) -> None:
    """Choose a score for each statement of the opened self-assessment. The radios are drawn
    when the accordion first opens and may take their (empty) initial value a moment after a
    fast click, so the choices are checked until they have all held."""
    statements = page.locator("#coach-assessment fieldset")
    statements.last.wait_for()
    count = statements.count()
    held = "(n) => document.querySelectorAll('#coach-assessment input:checked').length === n"
    for _ in range(5):
        for i in range(count):
            statements.nth(i).locator("input[type=radio]").nth(i % 4).check()
        page.wait_for_timeout(300)
        if page.evaluate(held, count):
            return
    raise AssertionError("the self-assessment's choices did not hold")


# -- axe-core: every tab, then the states that matter ---------------------------------------
def test_every_tab_passes_the_audit_and_its_headings_do_not_skip_a_level(page):
    names = tab_names(page)
    assert {"Ask", "Coach", "Evaluate", "Library", "Admin"} <= set(names), names
    failures, outline = {}, {}
    for name in names:
        open_tab(page, name)
        settle(page)
        failures[name] = audit(page)
        outline[name] = skipped_levels(headings(page))
    assert not any(failures.values()), failures
    assert not any(outline.values()), outline


def test_an_answer_with_a_source_card_open(page, tmp_path):
    answer = ask(page, "What counts as a shift on a run chart?")
    cards = answer.locator("details.source-card")
    assert cards.count() >= 1
    card = cards.filter(has_text="Run charts").first
    card.locator("summary").click()
    card.locator("mark").first.wait_for(state="visible")
    assert_passes(page)
    # the card is named for a screen reader as "Source n: title, section ..."
    number = int(re.search(r"\[(\d+)\]", card.locator("summary").inner_text()).group(1))
    summary = f"#chat .message-row:last-child details.source-card:nth-of-type({number}) > summary"
    assert re.fullmatch(rf"Source {number}: Run charts, section Measurement relevance "
                        r"0\.\d\d Coaching guidance", accessible_name(page, summary))
    # its link opens the document, and says so: "Open Run charts" (issue 27)
    link = f"{summary[:-len(' > summary')]} a.open-source"
    assert accessible_name(page, link) == "Open Run charts"
    assert page.locator(link).get_attribute("href") == "/source/methods/run-charts.md"
    # ...and so is its marker in the answer: "[n]" on screen, the source's name when read
    marker = "#chat .message-row:last-child .message-content p > .cite"  # the first, in the text
    assert accessible_name(page, marker) == f"Source {number}: Run charts, section Measurement"
    assert page.locator(marker).first.inner_text() == f"[{number}]"
    # a message is read as the text it shows, not named with its markup by Gradio
    assert accessible_name(page, "#chat [data-testid=bot]") == ""
    page.screenshot(path=str(tmp_path / "ask.png"), full_page=True)


def test_a_refusal(page):
    answer = ask(page, "What is the maximum daily dose of paracetamol for an adult?")
    answer.locator(".refused", has_text="The guidance does not cover this").wait_for()
    assert_passes(page)
    assert "Answer 1: The guidance does not cover this." in page.locator(
        "#ask-announce").inner_text()


def test_a_coach_step_with_its_checklist_and_an_assessment_with_its_chart(page, tmp_path):
    open_tab(page, "Coach")
    settled_after(page, page.get_by_role("button", name="Start / resume my journey").click)
    page.get_by_text("Step 1 of 6").first.wait_for(timeout=WAIT)
    first = page.locator("#coach-checklist input[type=checkbox]").first
    first.check()
    page.locator(".notice", has_text=re.compile(r"^Saved\.$")).wait_for(timeout=WAIT)
    assert_passes(page)

    # a group of choices is named by its label: the checklist, and each statement's scores
    assert accessible_name(page, "#coach-checklist") == "Checklist (ticks are saved as you go)"
    assert accessible_name(page, "#coach-checklist input[type=checkbox]") == \
        page.locator("#coach-checklist label").first.inner_text().strip()
    page.get_by_role("button", name="Readiness self-assessment").click()
    score_every_statement(page)
    statement = page.locator("#coach-assessment fieldset [data-testid=block-info]").first
    assert accessible_name(page, "#coach-assessment fieldset") == statement.inner_text().strip()
    assert statement.inner_text().startswith("The board ")  # the first statement of the YAML
    page.get_by_role("button", name="Score my assessment").click()
    page.get_by_text("Readiness: overall").first.wait_for(timeout=WAIT)
    chart = page.locator("#coach-chart img")
    chart.wait_for(timeout=WAIT)
    assert_passes(page)
    # the chart's text alternative gives its numbers: the overall score and each enabler's
    alt = chart.get_attribute("alt") or ""
    assert re.search(r"Overall \d\.\d\d \(", alt) and len(re.findall(r"\d\.\d", alt)) >= 5, alt
    page.screenshot(path=str(tmp_path / "coach.png"), full_page=True)


def test_the_library_table_and_an_upload_report(page, tmp_path):
    open_tab(page, "Library")
    page.get_by_text("3 documents,").wait_for(timeout=WAIT)
    assert_passes(page)
    upload = tmp_path / "huddles.md"
    upload.write_text("---\ntitle: Safety huddles\nkind: method\n---\n\n# Safety huddles\n\n"
                      "A safety huddle is a short daily meeting where a team reviews risks to "
                      "patients on the ward and agrees who will act on each one.\n",
                      encoding="utf-8")
    page.locator("#library-upload input[type=file]").set_input_files(str(upload))
    page.locator("#library-upload", has_text="huddles").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Index uploaded files").click()
    page.locator("#library-result", has_text="huddles.md").wait_for(timeout=WAIT)
    assert_passes(page)


def test_an_eval_report(page):
    open_tab(page, "Evaluate")
    page.get_by_role("button", name="Run suite").click()
    frame = page.frame_locator("iframe[title='Eval report']")
    frame.locator("body").wait_for(timeout=WAIT * 3)
    assert len(page.frames) >= 2  # the report's own frame is audited too
    assert_passes(page)


def test_the_runs_history_trend_and_compare_view(page, served, tmp_path):
    """Two runs of the tiny suite, the second of a version 2 where one case changes: the
    table of runs, the trend chart with its numbers in words, and the compare view with the
    changed case side by side and a reviewer's choice saved."""
    _, settings = served
    suite = settings.evals_dir / "tiny" / "suite.yaml"
    cases = suite.parent / "cases.jsonl"
    before = suite.read_text(), cases.read_text()
    open_tab(page, "Evaluate")
    run = page.get_by_role("button", name="Run suite")
    try:
        settled_after(page, run.click)
        suite.write_text(before[0] + "version: 2\n")
        cases.write_text(before[1].replace('"must_include": ["study"]',
                                           '"must_include": ["zebra"]'))
        settled_after(page, run.click)
    finally:
        suite.write_text(before[0])
        cases.write_text(before[1])
    history = page.locator("#eval-history table")
    history.locator("tbody tr").nth(1).wait_for(timeout=WAIT)
    assert "Runs of suite tiny, newest first" in history.locator("caption").inner_text()
    assert history.locator("tbody tr").first.locator("td").nth(2).inner_text() == "2"
    alt = page.locator("#eval-trend img").get_attribute("alt") or ""
    assert re.search(r"pass rate: first 0\.\d{3}, latest 0\.\d{3}", alt), alt
    settled_after(page, page.get_by_role("button", name="Compare", exact=True).click)
    assert "version differs" in page.locator("#eval-diffs").inner_text()
    page.locator("#eval-diffs table").wait_for()
    case = page.locator("#eval-changed section.eval-case").first
    # (this app's knowledge folder holds no pdsa.md: the case fails both times, now for more)
    assert case.locator("h4").inner_text() == "pdsa-stages: scores changed"
    assert case.locator("h5").count() == 2  # answer A beside answer B
    page.locator("#eval-pref-choice").get_by_label("B", exact=True).check()
    settled_after(page, page.get_by_role("button", name="Save my choice").click)
    assert "finds B better" in page.locator("#eval-pref-saved").inner_text()
    assert_passes(page)
    assert not skipped_levels(headings(page))
    page.screenshot(path=str(tmp_path / "runs.png"), full_page=True)
    # at 320 px the runs view's tables scroll in their own regions, not the page (the run's
    # summary and its comparison with the previous run, above it, are left out: they do not
    # reflow yet, which is older than this view)
    page.set_viewport_size({"width": 320, "height": 800})
    page.evaluate("""() => { for (const id of ['eval-summary', 'eval-compare'])
                                 document.getElementById(id).style.display = 'none'; }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollWidth"
                         " - document.documentElement.clientWidth") <= 0


# -- what axe cannot see -------------------------------------------------------------------
def focused(page: Any) -> dict[str, Any]:
    """The focused element: its tag, type, label, name and outline."""
    return page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), type: e.type || '',
                name: e.getAttribute('aria-label') || e.innerText || '',
                label: e.labels && e.labels[0] ? e.labels[0].innerText : '',
                outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")


def tab_to(page: Any, test: str, *, back: bool = False, most: int = 120) -> int:
    """Press Tab (Shift+Tab when ``back``) until the focused element passes the JavaScript
    predicate ``test`` (given the element); return the number of presses."""
    for presses in range(1, most + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(f"(e => {test})(document.activeElement)"):
            return presses
    raise AssertionError(f"{most} presses of Tab never reached an element where {test}")


def assert_focus_visible(page: Any) -> None:
    now = focused(page)
    assert now["outline"] != "none" and now["width"] >= 2, now


def test_keyboard_alone_asks_opens_a_source_ticks_and_adds_an_action(page):
    """No mouse: Tab to the question, type, Enter; Tab to a source card, Enter opens it; to
    the Coach tab, start the journey, Space ticks a checklist item; type an action, its owner
    and due date one Tab apart, Enter on "Add action". Every stop shows a focus outline."""
    keys = page.keyboard
    tab_to(page, "e.closest('#question') && e.tagName === 'TEXTAREA'")
    assert_focus_visible(page)
    keys.type("What is a PDSA cycle?")
    keys.press("Enter")
    page.locator("#chat details.source-card").first.wait_for(timeout=WAIT)
    page.locator("#ask-announce", has_text="Answer 1").wait_for(state="attached", timeout=WAIT)
    tab_to(page, "e.tagName === 'SUMMARY' && !!e.closest('#chat')")
    assert_focus_visible(page)
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.parentElement.open")

    tab_to(page, "e.getAttribute('role') === 'tab' && e.innerText.trim() === 'Coach'",
           back=True)
    assert_focus_visible(page)
    keys.press("Enter")
    page.locator("h2.sr-only", has_text="Coach").wait_for(state="visible")
    tab_to(page, "e.innerText && e.innerText.trim() === 'Start / resume my journey'")
    settled_after(page, lambda: keys.press("Enter"))
    page.get_by_text("Step 1 of 6").first.wait_for(timeout=WAIT)
    tab_to(page, "e.type === 'checkbox' && !e.checked && !!e.closest('#coach-checklist')")
    assert_focus_visible(page)
    keys.press("Space")
    page.locator(".notice", has_text=re.compile(r"^Saved\.$")).wait_for(timeout=WAIT)
    assert page.evaluate("() => document.activeElement.checked"), focused(page)

    tab_to(page, "e.labels && e.labels[0] && e.labels[0].innerText.includes('Action: what')")
    keys.type("Share the readiness results with the board")
    for label, text in (("Owner", "Medical director"), ("Due date", "2027-05-01")):
        keys.press("Tab")  # the next field is one Tab away
        assert label in focused(page)["label"], focused(page)
        keys.type(text)
    keys.press("Tab")
    assert focused(page)["name"].strip() == "Add action", focused(page)
    assert_focus_visible(page)
    keys.press("Enter")
    page.get_by_text("Share the readiness results with the board").first.wait_for(
        timeout=WAIT)
    notice = page.locator("#coach-notice")  # the confirmation is read out, not only shown
    assert notice.get_attribute("aria-live") == "polite" and "Action added." in notice.inner_text()
    page.get_by_text("owner Medical director, due 2027-05-01").first.wait_for(timeout=WAIT)


def test_the_live_region_reads_each_answer_once_complete(page):
    region = page.locator("#ask-announce")
    assert region.get_attribute("aria-live") == "polite"
    assert region.get_attribute("role") == "status"
    # the chat log itself is quiet: it would read each streamed fragment and every passage
    assert page.locator("#chat [role=log]").get_attribute("aria-live") == "off"
    answer = ask(page, "What is a PDSA cycle?")
    said = region.inner_text()
    shown = answer.locator(".message-content").evaluate(
        """(e) => { const c = e.cloneNode(true);
                    c.querySelectorAll('.cite, .sources, .sr-only').forEach((x) => x.remove());
                    return c.textContent; }""")
    assert said.startswith("Answer 1: ") and re.search(r"sources? listed under the answer", said)
    opening = re.sub(r"\s", "", shown)[:150]  # the words shown, read in the same order
    assert len(opening) > 100 and opening in re.sub(r"\s", "", said), (shown, said)
    assert "[1]" not in said and "relevance" not in said  # words, not markers or cards
    ask(page, "What is a run chart?")
    page.locator("#ask-announce", has_text="Answer 2: ").wait_for(state="attached")
    assert "run chart" in region.inner_text().lower()


@pytest.mark.parametrize("width", [320, 640])
def test_the_page_reflows_without_sideways_scrolling(browser, app, width):
    """320 CSS px wide (WCAG 1.4.10) and 640 (a 1280 px screen at 200% zoom): nothing
    scrolls sideways, in the Ask tab with an answer and an open source, and in the Coach tab."""
    page = open_page(browser, app, viewport={"width": width, "height": 800})
    overflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    try:
        answer = ask(page, "What is a PDSA cycle?")
        answer.locator("details.source-card summary").first.click()
        assert page.evaluate(overflow) <= 0
        assert answer.locator("details.source-card mark").first.is_visible()
        open_tab(page, "Coach")
        settled_after(page, page.get_by_role("button", name="Start / resume my journey").click)
        page.get_by_text("Step 1 of 6").first.wait_for(timeout=WAIT)
        assert page.evaluate(overflow) <= 0
        assert page.get_by_role("button", name="Add action").is_visible()
    finally:
        page.close()


def test_the_dark_theme_passes_the_audit_too(browser, app):
    page = open_page(browser, app, color_scheme="dark")
    try:
        assert page.evaluate("() => document.body.classList.contains('dark') || "
                             "document.documentElement.classList.contains('dark')")
        ask(page, "What is a PDSA cycle?").locator("details.source-card summary").first.click()
        failures = {}
        for name in tab_names(page):
            open_tab(page, name)
            settle(page)
            failures[name] = audit(page)
        assert not any(failures.values()), failures
    finally:
        page.close()


def test_the_coach_workspace_its_stepper_sections_by_keyboard_and_step_5s_register(browser,
                                                                                   served):
    """The journey is a named list of six steps with the current one marked; the lead's
    projects are beside it; a section opens and closes from the keyboard (and says so), and
    so does a folded part of the step page; step 5 shows the project register with the
    latest progress score. The page passes the audit with the register open, and the button
    beside the journey opens the Projects tab."""
    from coach.db import LOCAL_USER, open_database
    from coach.workbench.store import WorkbenchStore

    url, settings = served
    store = WorkbenchStore(open_database(settings))
    falls = store.create(LOCAL_USER, "Fewer falls on Ward 7", team="Ward 7",
                         aim="Reduce falls on Ward 7 from 12 to 6 a month by March 2027").id
    store.add_score(LOCAL_USER, falls, 3, on="2026-10-31")
    page = open_page(browser, url)
    keys = page.keyboard
    try:
        open_tab(page, "Coach")
        journey = page.get_by_role("navigation", name="Your improvement journey")
        journey.wait_for(timeout=WAIT)
        assert journey.locator("ol > li").count() == 6
        current = journey.locator('li[aria-current="step"]')
        assert current.count() == 1 and current.is_visible()
        assert re.search(r"\d+ of \d+ ticked", current.inner_text())
        page.locator("#coach-projects", has_text="Fewer falls on Ward 7").wait_for(timeout=WAIT)
        page.locator("#coach-projects", has_text="Progress score 3").wait_for()
        settle(page)

        guidance = page.locator("#coach-guidance > button.label-wrap")
        tab_to(page, "e.classList.contains('label-wrap') && "
                     "e.innerText.includes('What the guidance says')")
        assert_focus_visible(page)
        assert guidance.get_attribute("aria-expanded") == "false"
        keys.press("Enter")
        page.locator("#coach-guidance [data-testid=markdown]").wait_for(state="visible")
        page.wait_for_function("() => document.activeElement.ariaExpanded === 'true'")
        keys.press("Enter")
        page.locator("#coach-guidance [data-testid=accordion-content]").wait_for(state="hidden")
        page.wait_for_function("() => document.activeElement.ariaExpanded === 'false'")

        tab_to(page, "e.tagName === 'SUMMARY' && e.innerText.startsWith('Questions to reflect')",
               back=True)
        assert_focus_visible(page)
        keys.press("Enter")
        assert page.evaluate("() => document.activeElement.parentElement.open")
        page.locator("#coach-step details li").first.wait_for(state="visible")
        keys.press("Enter")
        assert not page.evaluate("() => document.activeElement.parentElement.open")

        def go(step: str) -> None:
            page.get_by_label("Go to any step", exact=True).click()
            page.get_by_role("option", name=step).click()

        settled_after(page, lambda: go("5. Aligning and coordinating activity"))
        register = page.locator("#coach-register table")
        register.wait_for(state="visible", timeout=WAIT)
        row = register.locator("tbody tr", has_text="Fewer falls on Ward 7")
        assert "3: modest improvement" in row.inner_text()
        assert journey.locator('li[aria-current="step"] .title').inner_text().startswith("5.")
        assert_passes(page)
        settled_after(page, lambda: go("1. Assessing readiness"))  # as the other tests expect
        page.locator("#coach-register-section").wait_for(state="hidden", timeout=WAIT)

        # the button beside the journey opens the Projects tab, with the focus on its tab
        page.get_by_role("button", name="Open the Projects tab").click()
        page.locator("h2.sr-only", has_text=re.compile("^Projects$")).wait_for(state="visible")
        assert focused(page)["name"].strip() == "Projects", focused(page)
    finally:
        page.close()
