"""Shared pieces for the real-browser tests: Debian's chromium through Playwright, and the
axe-core accessibility audit (axe-playwright-python bundles axe-core; nothing is fetched).

`make test` installs chromium when it is missing and the user is root (as in CI); elsewhere
the tests are skipped with the reason. Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

# WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules the audit runs
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING = ("serious", "critical")
WAIT = 120_000  # ms: an answer through the real pipeline on a busy machine


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian chromium (skips the test when it or playwright is missing)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (`apt-get install -y chromium`; "
                    "`make test` does this when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _axe_script() -> str:
    base = pytest.importorskip("axe_playwright_python.base",
                               reason="axe-playwright-python is not installed "
                                      "(pip install -e '.[dev]')")
    return str(base.AXE_SCRIPT)


def _run_axe(frame: Any, *, rules: list[str] | None = None) -> list[dict[str, Any]]:
    if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
        frame.evaluate(_axe_script())
    run_only = ({"type": "rule", "values": rules} if rules
                else {"type": "tag", "values": WCAG_TAGS})
    options = {"runOnly": run_only, "resultTypes": ["violations"], "iframes": False}
    result = frame.evaluate("(options) => axe.run(document, options)", options)
    return list(result["violations"])


def audit(page: Any, *, impacts: tuple[str, ...] = FAILING,
          rules: list[str] | None = None) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations of ``impacts`` on the page and in each of its
    frames (an eval report is an iframe), one line per element: "rule (impact): target —
    what is wrong". Empty when the page passes."""
    found: list[str] = []
    for frame in page.frames:
        where = "" if frame == page.main_frame else f"[frame {frame.name or frame.url}] "
        for violation in _run_axe(frame, rules=rules):
            if violation["impact"] not in impacts:
                continue
            for node in violation["nodes"]:
                why = " / ".join(c["message"] for c in node.get("any", []) + node.get("all", [])
                                 + node.get("none", []))[:300]
                found.append(f"{where}{violation['id']} ({violation['impact']}): "
                             f"{' '.join(map(str, node['target']))} {node['html'][:160]} "
                             f"— {why}")
    return found


def accessible_name(page: Any, selector: str) -> str:
    """The accessible name Chromium itself computes for the first element matching
    ``selector`` (what a screen reader is given), through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"nothing matches {selector}"
        tree = cdp.send("Accessibility.getPartialAXTree",
                        {"nodeId": node, "fetchRelatives": False})
        return str(tree["nodes"][0].get("name", {}).get("value", ""))
    finally:
        cdp.detach()


def headings(page: Any) -> list[tuple[int, str]]:
    """The page's visible-to-assistive-technology headings in order: (level, text)."""
    return [(int(level), text) for level, text in page.evaluate(
        """() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
              .filter((h) => h.closest('[aria-hidden=true]') === null
                             && getComputedStyle(h).display !== 'none'
                             && h.getClientRects().length > 0)
              .map((h) => [h.tagName.slice(1), h.textContent.trim()])""")]


# -- steps a person takes in the app (the browser tests and docs/screenshots.py) --------------
def settle(page: Any, timeout: int = WAIT) -> None:
    """Wait until no event is pending: Gradio dims the fields an event will update to 20%
    opacity while it runs, and fades them back in when it ends."""
    page.wait_for_function("""() => !document.querySelector('.pending') && document
        .getAnimations().every((a) => a.playState !== 'running'
                               || a.effect.getTiming().iterations === Infinity)""",
                           timeout=timeout)


def open_tab(page: Any, name: str) -> None:
    """Open a tab by its name and wait until it shows (its hidden heading) and is still."""
    page.get_by_role("tab", name=name, exact=True).click()
    page.locator("h2.sr-only", has_text=re.compile(f"^{re.escape(name)}$")).wait_for(
        state="visible")
    settle(page)


def ask(page: Any, question: str) -> Any:
    """Ask in the Ask tab and wait for the finished answer (the live region reads it); the
    answer's message row."""
    before = page.locator("#chat .message-row").count()
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "(n) => document.querySelectorAll('#chat .message-row').length >= n + 2", arg=before,
        timeout=WAIT)
    page.locator("#ask-announce", has_text="Answer").wait_for(state="attached", timeout=WAIT)
    settle(page)
    return page.locator("#chat .message-row").last
