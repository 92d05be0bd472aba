"""Take the documentation's screenshots from the running app: `make docs-screenshots`.

It starts the real web app on 127.0.0.1 over a private COACH_HOME (a temporary folder), with
the shipped knowledge/ indexed and evals/ as its suites, drives it in Debian's chromium
through Playwright (as the browser tests do: tests/browser_helpers.py, tests/ui_helpers.py),
and saves into docs/images/:

- ask-reply.png        the Ask tab with a reply and its first source card open;
- coach-tab.png        the Coach tab at step 5 with a lead's projects (example projects and
                       progress made here, for the local user);
- evaluate-report.png  the Evaluate tab with the report of a run of evals/dev;
- insights.png         the Insights tab after the questions asked here (answered, refused,
                       rated).

Look at every picture before committing it.

    python docs/screenshots.py                    # all four
    python docs/screenshots.py --only ask coach   # some of them
    python docs/screenshots.py --out /tmp/shots --keep   # elsewhere; keep the COACH_HOME
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this tree's coach; the tests' helpers

from browser_helpers import ask, open_tab, settle  # noqa: E402

VIEWPORT = {"width": 1366, "height": 900}
WAIT = 120_000  # ms: an answer on a busy machine
RUN_WAIT = 1_800_000  # ms: a run of evals/dev (126 cases) on a busy machine

# asked in the Ask tab before Insights is shot: (question, rating or None)
QUESTIONS: list[tuple[str, str | None]] = [
    ("How do we assess our readiness for an organisation-wide approach?", "Like"),
    ("What should the board do to support improvement?", None),
    ("What is a run chart?", "Like"),
    ("What dose of paracetamol should I give a patient?", None),
    ("How do I reset my NHS email password?", None),
    ("What does the NHS Long Term Plan say about waiting lists?", None),
    ("How do we spread a change from one ward to the whole trust?", "Dislike"),
]


GROW_CHAT = """#chat, #chat > div, #chat .bubble-wrap, #chat [role=log] {
    height: auto !important; max-height: none !important; overflow: visible !important; }"""


SHOW_REPORT_HEAD = """(frame) => {
    const doc = frame.contentDocument;
    const cases = [...doc.querySelectorAll('h2')].find((h) => h.textContent.startsWith('Cases'));
    const rows = cases.nextElementSibling.rows;  // its own rows, not the cases' details
    const last = rows[Math.min(4, rows.length - 1)].getBoundingClientRect();
    frame.style.height = `${Math.ceil(last.bottom + doc.documentElement.scrollTop) + 2}px`;
}"""


def shoot(page: Any, path: Path, *, top: str | None = None, bottom: str,
          margin: int = 16) -> None:
    """A screenshot of the page from the top of ``top`` (else the page's top) to the bottom
    of ``bottom``, the full width."""
    page.evaluate("() => window.scrollTo(0, 0)")
    first = 0.0
    if top:
        first = max(0.0, page.locator(top).first.bounding_box()["y"] - 8)
    box = page.locator(bottom).first.bounding_box()
    height = box["y"] + box["height"] + margin - first
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": first, "width": VIEWPORT["width"], "height": height})
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def ask_tab(browser: Any, url: str, out: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    message = ask(page, "What is a PDSA cycle?")
    card = message.locator("details.source-card").first
    card.locator("summary").click()
    card.locator("mark").first.wait_for(state="visible")
    # the chat panel scrolls at 560 px; for the picture it grows to its content, so the
    # question, the whole reply and the open card show together
    page.add_style_tag(content=GROW_CHAT)
    page.wait_for_timeout(300)
    shoot(page, out / "ask-reply.png", bottom="#question")
    page.close()


def seed_coach_tab(settings: Any) -> None:
    """A lead part-way through the journey, with three QI projects (example data)."""
    import datetime as dt

    from coach.coaching import machine
    from coach.coaching.session import JourneySessions
    from coach.db import LOCAL_USER, open_database
    from coach.workbench.projects import PDSA
    from coach.workbench.store import WorkbenchStore

    session = JourneySessions(settings).open(LOCAL_USER)
    session.apply(machine.start)
    session.apply(machine.tick, ["1", "2", "3", "4", "5", "6"], step=1)
    session.apply(machine.complete, step=1)
    session.apply(machine.mark_in_place, [2])
    session.apply(machine.tick, ["1", "2", "3", "4"], step=3)
    session.apply(machine.tick, ["1"], step=4)
    session.apply(machine.goto, 5)
    session.apply(machine.tick, ["1", "2"], step=5)

    store = WorkbenchStore(open_database(settings))
    today = dt.date.today()
    projects = [
        ("Faster discharge before noon", "60% of discharges from the acute medical unit before "
         "noon by June 2027", "AMU flow team", "Chief operating officer", 2, 1),
        ("Fewer falls on Ward 7", "Reduce falls on Ward 7 from 12 to 6 a month by 31 March "
         "2027", "Ward 7 falls group", "Director of nursing", 3, 3),
        ("Sepsis screening in ED", "Screen 95% of eligible adults within 1 hour", "ED",
         "Medical director", None, 0),
    ]
    for title, aim, team, sponsor, score, cycles in projects:
        project = store.create(LOCAL_USER, title, aim=aim, team=team, sponsor=sponsor)
        if score is not None:
            store.add_score(LOCAL_USER, project.id, score, on=today - dt.timedelta(days=30))
        for n in range(cycles):
            store.add_cycle(LOCAL_USER, project.id, PDSA(
                f"Test {n + 1}", plan="Try it on one ward for a week",
                prediction="Fewer delays", planned=today - dt.timedelta(days=60 - 14 * n)))


def coach_tab(browser: Any, url: str, out: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    open_tab(page, "Coach")
    journey = page.get_by_role("navigation", name="Your improvement journey")
    journey.wait_for(timeout=WAIT)
    page.locator("#coach-register table").wait_for(state="visible", timeout=WAIT)
    page.locator("#coach-projects", has_text="Fewer falls on Ward 7").wait_for(timeout=WAIT)
    settle(page)
    shoot(page, out / "coach-tab.png", bottom="#coach-register-section")
    page.close()


def evaluate_report(browser: Any, url: str, out: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    open_tab(page, "Evaluate")
    page.locator("#eval-suite input").click()
    page.get_by_role("option", name="dev/suite.yaml").click()
    settle(page)
    page.get_by_role("button", name="Run suite").click()
    frame = page.frame_locator("iframe[title='Eval report']")
    frame.locator("body").wait_for(timeout=RUN_WAIT)
    settle(page)
    # the report's frame scrolls at 820 px; for the picture it shows the report down to its
    # first few cases, so the verdict, the thresholds, the metrics and latency show whole
    page.locator("#eval-report iframe").evaluate(SHOW_REPORT_HEAD)
    page.wait_for_timeout(300)
    shoot(page, out / "evaluate-report.png", top="#eval-report", bottom="#eval-report")
    page.close()


def insights(browser: Any, url: str, out: Path) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    for question, rating in QUESTIONS:
        page.get_by_role("button", name="New conversation").click()
        settle(page)
        ask(page, question)
        if rating:
            page.locator(f"#chat button[aria-label='{rating}']").last.click()
            page.get_by_text("your rating of answer").first.wait_for(timeout=WAIT)
            settle(page)
    open_tab(page, "Insights")
    page.get_by_role("button", name="Refresh").click()
    page.locator("#insights-summary", has_text="question").wait_for(timeout=WAIT)
    settle(page)
    shoot(page, out / "insights.png", bottom="#insights-gaps", margin=8)
    page.close()


SHOTS: dict[str, Callable[[Any, str, Path], None]] = {
    "ask": ask_tab, "coach": coach_tab, "evaluate": evaluate_report, "insights": insights}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images",
                        help="folder for the pictures (default: docs/images)")
    parser.add_argument("--only", nargs="+", choices=sorted(SHOTS), default=list(SHOTS),
                        help="take only these")
    parser.add_argument("--keep", action="store_true", help="keep the private COACH_HOME")
    args = parser.parse_args(argv)

    from browser_helpers import ARGS, CHROMIUM
    from playwright.sync_api import sync_playwright
    from servers import free_port
    from ui_helpers import running_app

    from coach.app import build_coach
    from coach.config import Settings

    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is not installed (`apt-get install -y chromium`)", file=sys.stderr)
        return 1
    # the defaults, not this shell's settings (a shared ONNX cache is kept: it only saves time)
    for name in [n for n in os.environ if n.startswith("COACH_")]:
        if name != "COACH_EMBEDDING_CACHE":
            del os.environ[name]
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    root = Path(tempfile.mkdtemp(prefix="coach-screenshots-"))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        settings = Settings(_env_file=None, home=root / "home",  # type: ignore[call-arg]
                            knowledge_dir=ROOT / "knowledge", evals_dir=ROOT / "evals",
                            host="127.0.0.1", port=free_port())
        started = time.monotonic()
        coach = build_coach(settings)
        report = coach.ingest()
        print(f"indexed knowledge/ under {settings.home}: {report.chunks_total} chunks in "
              f"{time.monotonic() - started:.0f} s")
        if "coach" in args.only:
            seed_coach_tab(settings)
        with running_app(coach, settings) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                for name in args.only:
                    SHOTS[name](browser, url, args.out)
            finally:
                browser.close()
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
