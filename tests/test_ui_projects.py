"""The web app's Projects tab (coach/ui/projects_tab.py): its handlers called as plain
functions over a real workbench store (create a project, import a CSV or an Excel sheet or
pasted columns, chart it, log a PDSA cycle, record a progress score; bad input shows its
message and changes nothing; another user's project is not there), the tab wired into a real
app and called as Gradio calls it; the real app through gradio_client; and the tab end to end
in Debian's chromium, with the axe audit on the chart page.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path
from typing import Any

import gradio as gr
import openpyxl
import pytest
from browser_helpers import settle
from conftest import settings_under
from PIL import Image
from ui_helpers import download_hrefs, downloaded, free_port, linked_paths, running_app

from coach.app import build_coach
from coach.db import open_database
from coach.ui.pdsa_views import FORM_SIZE, export_summary, load_cycle, record_score, save_cycle
from coach.ui.projects_views import (
    CHART_SIZE,
    NEW_CYCLE,
    PROJECT_SIZE,
    Workspace,
    add_measure,
    attempt,
    create_project,
    open_project,
    paste_data,
    show_chart,
    upload_data,
)
from coach.workbench.store import WorkbenchStore

AIM = "Reduce falls on Ward 7 from 8 to 6 a month by 31 March 2027"
# 12 months around 8, then 8 months clearly lower: a run of 7 below the mean (improvement,
# as fewer falls is better) after 12 months above it
VALUES = [8.0, 8.4, 7.6, 8.2, 7.8, 8.1, 7.9, 8.3, 7.7, 8.0, 8.2, 7.8,
          5.9, 6.1, 5.8, 6.0, 6.2, 5.7, 6.0, 5.9]


def month(i: int) -> dt.date:
    return dt.date(2025 + i // 12, i % 12 + 1, 1)


def falls_csv(values: list[float] = VALUES) -> str:
    rows = [f"{month(i).isoformat()},{v},{'bed rails checked' if i == 12 else ''}"
            for i, v in enumerate(values)]
    return "Month,Falls,Note\n" + "\n".join(rows) + "\n"


def workbook(sheets: dict[str, list[tuple[Any, ...]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def settings(tmp_path):
    return settings_under(tmp_path)


@pytest.fixture
def store(settings):
    return WorkbenchStore(open_database(settings))


def space(store: WorkbenchStore, settings: Any, user: str = "alice") -> Workspace:
    return Workspace(store, user, Path(settings.home))


def run(n_out: int, fn: Any, *args: Any) -> tuple[Any, ...]:
    """A handler as the tab runs it: a CoachError becomes the message in the first output
    (here as the words it shows, quotes unescaped)."""
    out = attempt(n_out, fn, *args)
    assert len(out) == n_out
    return (html.unescape(out[0]), *out[1:])


def value(update: Any) -> Any:
    return update.get("value") if isinstance(update, dict) else update


def choices(update: Any) -> list[tuple[str, Any]]:
    return [tuple(c) for c in update["choices"]]


def unchanged(outputs: tuple[Any, ...]) -> bool:
    return all(o == gr.update() for o in outputs)


def new_project(ws: Workspace) -> int:
    view = create_project(ws, "Falls on Ward 7", AIM, "Ward 7 team", "Director of nursing")
    return int(value(view[1]))


def new_measure(ws: Workspace, project_id: int, chart: str = "xmr") -> int:
    out = add_measure(ws, project_id, "outcome", "Falls", "down", chart,
                      "Falls recorded on Datix, per month", "Datix", "monthly", "Ward manager",
                      "5", "")
    return int(value(out[2]))


def upload(ws: Workspace, measure_id: int, path: Path, sheet: str | None = None
           ) -> tuple[Any, ...]:
    return run(3 + CHART_SIZE, upload_data, ws, measure_id, str(path), sheet)


# -- (a) the handlers ------------------------------------------------------------------------
def test_a_project_is_created_with_the_smart_check_beside_its_aim(store, settings):
    ws = space(store, settings)
    empty = open_project(ws, None)
    assert len(empty) == 1 + PROJECT_SIZE + CHART_SIZE and "no projects yet" in empty[2]
    out = create_project(ws, "Falls on Ward 7", "Fewer falls", "Ward 7 team", "")
    notice, project, details = out[:3]
    assert "Project “Falls on Ward 7” created" in notice
    assert choices(project) == [("Falls on Ward 7", value(project))]
    assert "Fewer falls" in details and "SMART check" in details
    assert "does not yet say how much, by when or for whom" in details
    assert out[-5:] == ("", "", "", "", "")  # the form is emptied
    complete = create_project(ws, "Second", AIM, "", "")
    assert "says how much, by when and for whom" in complete[2]
    # the most recently changed project opens first, and both are listed
    assert value(open_project(ws, None)[1]) == value(complete[1])
    assert len(choices(open_project(ws, None)[1])) == 2
    first = open_project(ws, value(project))
    assert "Project “Falls on Ward 7” opened" in first[0] and value(first[1]) == value(project)
    assert "No measures yet" in first[3] and first[8] == "No PDSA cycles logged yet."
    assert "No progress score recorded yet" in first[9]
    added = add_measure(ws, value(project), "process", "Rails checked", "up", "run", "", "",
                        "", "", "", "")
    assert "“Rails checked” has no data yet" in added[5] and added[4]["value"] is None


def test_the_aim_is_checked_as_it_is_written(store, settings, tmp_path):
    from coach.ui.projects_render import aim_findings

    found = aim_findings("Reduce falls on Ward 7")
    assert "does not yet say how much or by when" in found
    assert "Say by when" in found and "Say how much" in found
    assert "✓" in aim_findings(AIM)


def test_a_csv_is_imported_charted_and_read(store, settings, tmp_path):
    ws = space(store, settings)
    pid = new_project(ws)
    mid = new_measure(ws, pid)
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    notice, sheet, plan, image, reading, signals, files = upload(ws, mid, data)
    assert "20 points saved to “Falls”" in notice and sheet["visible"] is False
    assert "<td>20</td>" in plan  # the measurement plan counts the points
    png, csv = linked_paths(settings.home, files)  # links to the user's own folder
    assert png.read_bytes().startswith(b"\x89PNG") and png.parent == ws.folder
    assert csv.suffix == ".csv" and image["value"].size == Image.open(png).size
    alt = image["alt_text"]
    assert alt.startswith("Line chart: Falls: XmR chart") and "Run (7 points" in alt
    assert "special-cause improvement" in reading and "special-cause concern" in reading
    assert "target of 5" in reading
    assert "<caption" in signals and "Signals on the chart of “Falls”" in signals
    # every signal of the table is named in the picture's text alternative
    rules = re.findall(r"<tr><td>([^<]+)</td>", signals)
    assert rules and all(rule.replace("&#x27;", "'") in alt for rule in rules)
    # choosing the measure again draws the same chart at the same address
    again = show_chart(ws, mid)
    assert again[1]["value"] == image["value"]
    assert len(list(ws.folder.glob(f"measure-{mid}-*"))) == 2


def test_an_excel_workbook_with_two_sheets_offers_them_and_changes_nothing(store, settings,
                                                                           tmp_path):
    ws = space(store, settings)
    pid = new_project(ws)
    mid = new_measure(ws, pid)
    paste_data(ws, mid, "2025-01-01\t3\n2025-02-01\t4\n2025-03-01\t5\n")
    rows = [("Month", "Falls"), *[(month(i), v) for i, v in enumerate(VALUES)]]
    path = tmp_path / "falls.xlsx"
    path.write_bytes(workbook({"Ward 7": rows, "Ward 8": rows[:5]}))
    out = upload(ws, mid, path)
    assert "Nothing was changed" in out[0] and "'Ward 7', 'Ward 8'" in out[0]
    assert out[1]["visible"] is True and out[1]["choices"] == ["Ward 7", "Ward 8"]
    assert unchanged(out[2:])
    assert len(store.points("alice", mid)) == 3  # the old data is kept
    chosen = upload(ws, mid, path, "Ward 7")
    assert "20 points saved" in chosen[0] and chosen[1]["visible"] is False
    assert len(store.points("alice", mid)) == 20


def test_pasted_columns_replace_the_data_and_a_short_series_warns(store, settings):
    ws = space(store, settings)
    mid = new_measure(ws, new_project(ws))
    pasted = "\n".join(f"{month(i):%d/%m/%Y}\t{v}" for i, v in enumerate(VALUES[:8]))
    notice, _, _, image, reading, *_ = paste_data(ws, mid, pasted)
    assert "8 points saved" in notice and 'class="warning"' in notice  # fewer than 12
    assert "Run chart" in image["alt_text"]  # too few for limits: a run chart
    assert "process limits are not yet meaningful" in reading
    calm = "\n".join(f"{month(i)}\t{v}" for i, v in enumerate([5, 6, 5.5, 6.2, 5.1, 5.8]))
    *_, signals, _ = paste_data(ws, mid, calm)
    assert signals == "<p>No signals on the chart of “Falls”.</p>"


def test_bad_input_shows_its_message_and_changes_nothing(store, settings, tmp_path):
    ws = space(store, settings)
    pid = new_project(ws)
    mid = new_measure(ws, pid)
    good = tmp_path / "falls.csv"
    good.write_text(falls_csv(), encoding="utf-8")
    upload(ws, mid, good)
    before = store.summary("alice", pid)
    bad = tmp_path / "bad.csv"
    cases = {
        "Row 3": "Month,Falls\n2025-01-01,4\n2025-02-01,four\n2025-03-01,5\n",
        "same date": "Month,Falls\n2025-01-01,4\n2025-01-01,5\n2025-03-01,5\n",
        "not a date": "Month,Falls\n2025-01-01,4\nsoon,5\n2025-03-01,5\n",
        "at least 3": "Month,Falls\n2025-01-01,4\n2025-02-01,5\n",
    }
    for expected, text in cases.items():
        bad.write_text(text, encoding="utf-8")
        out = upload(ws, mid, bad)
        assert "Nothing was changed" in out[0] and expected in out[0], out[0]
        assert unchanged(out[1:])
    for fn, args, expected in [
        (create_project, ("", AIM, "", ""), "title is empty"),
        (add_measure, (pid, "outcome", "Falls", "sideways", "run", "", "", "", "", "", ""),
         "not a direction of improvement"),
        (add_measure, (pid, "outcome", "Falls", "down", "run", "", "", "", "", "five", ""),
         "target must be a number"),
        (add_measure, (pid, "outcome", "Falls", "down", "run", "", "", "", "", "", "soon"),
         "rebase date 'soon' is not a date"),
        (add_measure, (None, "outcome", "Falls", "down", "run", "", "", "", "", "", ""),
         "Choose a project first"),
        (paste_data, (mid, ""), "Nothing was pasted"),
        (upload_data, (mid, None, None), "Choose a file first"),
        (upload_data, (None, str(good), None), "Choose a measure first"),
        (record_score, (pid, 6, "", ""), "not an IHI progress score"),
        (record_score, (pid, 3, "31/02/2026", ""), "is not a date"),
        (save_cycle, (pid, NEW_CYCLE, "Rails", "", "", "", "", "", "we did it", "", "", "",
                      "", "", ""), "before recording the 'do'"),
        (save_cycle, (pid, NEW_CYCLE, "Rails", "2025-03-01", "check", "fewer", "", "", "did",
                      "2025-02-01", "", "", "", "", ""), "before it was planned"),
    ]:
        out = run(20, fn, ws, *args)
        assert "Nothing was changed" in out[0] and expected in out[0], (expected, out[0])
        assert unchanged(out[1:])
    assert store.summary("alice", pid) == before
    assert len(store.projects("alice")) == 1


def test_a_pdsa_cycle_is_planned_then_done_studied_and_acted_on(store, settings, tmp_path):
    ws = space(store, settings)
    pid = new_project(ws)
    mid = new_measure(ws, pid)
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    upload(ws, mid, data)
    form = ["Bed rails check", "2026-01-01", "Check bed rails at every handover",
            "Night falls halve within two months", str(mid), "", "", "", "", "", "", "", ""]
    notice, cycle, follows, log = save_cycle(ws, pid, NEW_CYCLE, *form)
    assert "“Bed rails check” saved. Next: record what happened (do)" in notice
    cid = value(cycle)
    assert (f"#{cid} Bed rails check", cid) in choices(follows)
    assert "Ramp 1" in log and "Night falls halve" in log and "measure: Falls" in log
    # loading the cycle fills the form; the rest is written part by part
    loaded = load_cycle(ws, cid)
    assert list(loaded[1:]) == form and len(loaded) == 1 + FORM_SIZE
    form[6:13] = ["Checked on every shift for a month", "2026-02-01",
                  "Night falls fell from 5 to 2, as predicted", "2026-02-15", "adopt",
                  "Rails check goes into the handover sheet", "2026-03-01"]
    notice, *_, log = save_cycle(ws, pid, cid, *form)
    assert "Next: nothing, this cycle is complete" in notice
    assert "*Act (2026-03-01):* adopt: Rails check goes into the handover sheet" in log
    # a second cycle builds on the first: one ramp of two
    _, _, _, log = save_cycle(ws, pid, NEW_CYCLE, "Rails check on Ward 8", "2026-03-15",
                              "Same check on Ward 8", "Falls fall there too", "", cid, "", "",
                              "", "", "", "", "")
    assert "Ramp 1** (2 cycles)" in log and f"builds on #{cid}" in log
    # the dated cycle is a note on the chart, and named in its text alternative
    alt = show_chart(ws, mid)[1]["alt_text"]
    assert "Notes at their dates: 2026-02-01 PDSA: Bed rails check" in alt
    assert len(store.cycles("alice", pid)) == 2


def test_a_progress_score_is_recorded_with_its_meaning(store, settings):
    ws = space(store, settings)
    pid = new_project(ws)
    notice, scores, details, note = record_score(ws, pid, 3.5, "2026-02-01", "Falls down")
    assert "Progress score 3.5 (improvement) recorded for 2026-02-01" in notice
    assert "<caption" in scores and "Falls down" in scores and note == ""
    assert "Latest progress score:** 3.5 (improvement)" in details
    record_score(ws, pid, "4", "", "")
    assert [s.score for s in store.scores("alice", pid)] == [3.5, 4.0]


def test_the_summary_is_exported_as_markdown_with_its_charts_and_word(store, settings,
                                                                     tmp_path):
    ws = space(store, settings)
    pid = new_project(ws)
    mid = new_measure(ws, pid)
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    upload(ws, mid, data)
    record_score(ws, pid, 3, "2026-02-01", "")
    notice, files = export_summary(ws, pid)
    assert "ready to download" in notice and files["visible"] is True
    paths = linked_paths(settings.home, files)
    assert [p.suffix for p in paths] == [".md", ".docx", ".png"]
    assert all(p.parent == ws.folder / f"project-{pid}" for p in paths)
    markdown = paths[0].read_text(encoding="utf-8")
    assert "Falls on Ward 7" in markdown and paths[2].name in markdown
    assert paths[1].read_bytes().startswith(b"PK")  # a Word file is a zip
    again = linked_paths(settings.home, export_summary(ws, pid)[1])
    assert again == paths  # rewritten, nothing left over
    assert len(list((ws.folder / f"project-{pid}").iterdir())) == 3


def test_another_users_project_is_not_visible(store, settings, tmp_path):
    alice, sam = space(store, settings), space(store, settings, "sam")
    pid = new_project(alice)
    mid = new_measure(alice, pid)
    assert choices(open_project(sam, None)[1]) == []
    assert "no projects yet" in open_project(sam, None)[2]
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    for fn, args in [(open_project, (pid,)), (show_chart, (mid,)),
                     (upload_data, (mid, str(data), None)), (paste_data, (mid, falls_csv())),
                     (record_score, (pid, 2, "", "")), (load_cycle, (1,)),
                     (export_summary, (pid,)),
                     (add_measure, (pid, "outcome", "Mine", "down", "run", "", "", "", "",
                                    "", ""))]:
        out = run(20, fn, sam, *args)
        assert "not one of yours" in out[0], (fn.__name__, out[0])
        assert unchanged(out[1:])
    assert store.points("alice", mid) == () and store.scores("alice", pid) == ()
    assert [m.plan.name for m in store.measures("alice", pid)] == ["Falls"]
    assert sam.folder != alice.folder


def test_every_sentence_the_tab_shows_is_in_its_prompt_file_with_the_values_it_names():
    """prompts/projects-tab.yaml holds the tab's sentences: each ``tab_text(key, ...)`` call in
    the tab's modules names an entry, and passes exactly the placeholders it has."""
    import ast
    import string

    from coach import prompts
    from coach.ui import pdsa_views, projects_render, projects_tab, projects_views

    entries = prompts.read_yaml("projects-tab.yaml")

    def keys(node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return keys(node.body) + keys(node.orelse)
        return []  # passed on: refusal(message, key) below

    calls = []
    for module in (pdsa_views, projects_render, projects_tab, projects_views):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("tab_text",
                                                                               "refusal"):
                named = {k.arg for k in node.keywords}
                if node.func.id == "refusal":
                    found = keys(node.args[1]) if len(node.args) > 1 else ["refused"]
                    named = {"message"}
                else:
                    found = keys(node.args[0])
                calls += [(key, named) for key in found]
    assert len(calls) > 15
    for key, named in calls:
        fields = {f for _, f, _, _ in string.Formatter().parse(entries[key]) if f}
        assert fields == named, key
    assert {key for key, _ in calls} | {"cycle-next"} == set(entries)


# -- (b) the real app through gradio_client --------------------------------------------------
@pytest.fixture(scope="module")
def served(embedder, tmp_path_factory):
    """The real app on 127.0.0.1, sign-in off (the one user, local, may use every tab)."""
    root = tmp_path_factory.mktemp("ui-projects")
    settings = settings_under(root, port=free_port())
    coach = build_coach(settings, embedder=embedder)
    with running_app(coach, settings) as url:
        yield url, settings


def client(address: str, **kwargs: Any) -> Any:
    from gradio_client import Client

    return Client(address, verbose=False, **kwargs)


@pytest.mark.slow
def test_a_project_is_created_charted_logged_and_exported_through_gradio_client(served,
                                                                                 tmp_path):
    from gradio_client import handle_file

    url, settings = served
    c = client(url)
    out = c.predict("Falls on Ward 7", AIM, "Ward 7 team", "Director of nursing",
                    api_name="/projects_create")
    assert "created" in out[0] and "says how much, by when and for whom" in out[2]
    pid = out[1]["value"]
    added = c.predict(pid, "outcome", "Falls", "down", "xmr", "Falls recorded on Datix",
                      "Datix", "monthly", "Ward manager", "5", "", api_name="/projects_add_measure")
    mid = added[2]["value"]
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    notice, _, plan, image, reading, signals, files = c.predict(
        mid, handle_file(str(data)), None, api_name="/projects_upload")
    assert "20 points saved" in notice and "<td>20</td>" in plan
    assert Path(image["value"]).read_bytes().startswith(b"\x89PNG")
    assert "Run (7 points in a row on one side of the mean)" in image["alt_text"]
    assert "special-cause improvement" in reading and "<caption>Signals on" in signals
    assert len(download_hrefs(files)) == 2
    _, again, *_ = c.predict(mid, api_name="/projects_chart")
    assert again["alt_text"] == image["alt_text"]
    notice, cycle, _, log = c.predict(
        pid, "new", "Bed rails check", "2026-01-01", "Check bed rails at every handover",
        "Night falls halve", str(mid), "", "Checked every shift", "2026-02-01", "", "", "",
        "", "", api_name="/projects_save_cycle")
    assert "Next: compare what happened with the prediction" in notice
    assert "Bed rails check" in log and cycle["value"] != "new"
    notice, scores, *_ = c.predict(pid, 3.5, "2026-02-15", "", api_name="/projects_score")
    assert "3.5 (improvement)" in notice and "<caption>Progress scores" in scores
    notice, files = c.predict(pid, api_name="/projects_export")
    assert "ready to download" in notice
    got = downloaded(url, files, c)
    text = next(data.decode() for name, data in got.items() if name.endswith(".md"))
    assert "Falls on Ward 7" in text and "Bed rails check" in text
    assert {Path(name).suffix for name in got} == {".md", ".docx", ".png"}
    # a bad upload through the app says why, and the data stays as it was
    bad = tmp_path / "bad.csv"
    bad.write_text("Month,Falls\n2025-01-01,4\n2025-02-01,four\n2025-03-01,5\n")
    notice, *rest = c.predict(mid, handle_file(str(bad)), None, api_name="/projects_upload")
    assert "Nothing was changed" in notice and "Row 3" in notice
    store = WorkbenchStore(open_database(settings))
    assert len(store.points("local", mid)) == 20


@pytest.fixture(scope="module")
def signed_in(embedder, tmp_path_factory):
    """The real app with sign-in: two staff users."""
    from coach.access import auth

    root = tmp_path_factory.mktemp("ui-projects-auth")
    users = root / "users"
    for name in ("alice", "bob"):
        auth.add_user(users, name, f"{name}-password")
    settings = settings_under(root, port=free_port(), auth_file=users)
    coach = build_coach(settings, embedder=embedder)
    with running_app(coach, settings) as url:
        yield url, settings


@pytest.mark.slow
def test_signed_in_users_each_see_only_their_own_projects(signed_in):
    from gradio_client.exceptions import AppError

    url, settings = signed_in
    alice = client(url, auth=("alice", "alice-password"))
    out = alice.predict("Alice's project", AIM, "", "", api_name="/projects_create")
    pid = out[1]["value"]
    bob = client(url, auth=("bob", "bob-password"))
    view = bob.predict(None, api_name="/projects_open")
    assert view[1]["choices"] == [] and "no projects yet" in view[2]
    # alice's project is not among bob's choices, and the store would not find it either
    with pytest.raises(AppError):
        bob.predict(pid, 2, "", "", api_name="/projects_score")
    store = WorkbenchStore(open_database(settings))
    assert store.scores("alice", pid) == () and store.projects("bob") == []


# -- (c) the tab end to end in Debian's chromium ---------------------------------------------
WAIT = 60_000  # ms


@pytest.fixture(scope="module")
def browser():
    from browser_helpers import chromium

    with chromium() as browser:
        yield browser


def open_projects(browser: Any, url: str, **options: Any) -> Any:
    page = browser.new_page(**({"viewport": {"width": 1366, "height": 900}} | options))
    page.goto(url)
    page.get_by_role("heading", name="Improvement Coach", level=1).wait_for()
    tab = page.get_by_role("tab", name="Projects", exact=True)
    if tab.count():
        tab.click()
    else:  # a narrow screen: the tab is in Gradio's "More tabs" menu
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text="Projects").click()
    page.locator("h2.sr-only", has_text=re.compile("^Projects$")).wait_for(state="visible")
    # the page load opens the latest project (or says there is none): wait for it, or a
    # click made meanwhile would be drawn over by it
    page.wait_for_function("() => document.querySelector('#projects-project')"
                           ".innerText.trim() !== ''", timeout=WAIT)
    return page


def said(page: Any, text: str) -> None:
    """Wait until the tab's live region says ``text``."""
    page.locator("#projects-notice", has_text=text).wait_for(timeout=WAIT)


def choose(page: Any, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option).click()


@pytest.mark.slow
def test_the_projects_tab_end_to_end_in_a_browser_with_the_chart_page_audited(
        browser, served, tmp_path):
    """Create a project (the SMART check beside the aim), add a measure, upload its CSV, read
    the chart, its text alternative and its signals, log a PDSA cycle in two steps, record a
    progress score, export; the chart page passes axe in the light and the dark theme."""
    from browser_helpers import accessible_name, audit

    url, _ = served
    data = tmp_path / "falls.csv"
    data.write_text(falls_csv(), encoding="utf-8")
    page = open_projects(browser, url)
    settle(page)
    page.get_by_role("button", name="Create a project").click()
    page.get_by_label("Project title").fill("Falls in the browser")
    aim = page.get_by_label("Aim: how much, by when, for whom")
    aim.fill("Reduce falls on Ward 7")
    aim.press("Tab")  # leaving the aim checks it
    page.locator("#projects-aim-check", has_text="does not yet say how much or by when"
                 ).wait_for(timeout=WAIT)
    aim.fill(AIM)
    page.get_by_label("Team").fill("Ward 7 team")
    page.get_by_role("button", name="Create project").click()
    said(page, "Project “Falls in the browser” created")
    page.locator("#projects-project", has_text="says how much, by when and for whom"
                 ).wait_for(timeout=WAIT)

    page.get_by_role("button", name="Add a measure").click()
    page.get_by_label("Measure", exact=True).fill("Falls")
    page.get_by_label("Lower is better").check()
    page.get_by_label("XmR chart (Making Data Count)").check()
    page.get_by_label("Target (optional)").fill("5")
    page.get_by_role("button", name="Add measure").click()
    said(page, "Measure “Falls” added")
    page.locator("#projects-upload input[type=file]").set_input_files(str(data))
    page.locator("#projects-upload", has_text="falls.csv").wait_for(timeout=WAIT)
    page.get_by_role("button", name="Save the file's data").click()
    said(page, "20 points saved to “Falls”")
    chart = page.locator("#projects-chart img")
    chart.wait_for(timeout=WAIT)
    settle(page)
    # the chart's text alternative names every signal of the table beside it
    rules = page.locator("#projects-signals tbody tr td:first-child").all_inner_texts()
    alt = chart.get_attribute("alt") or ""
    assert len(rules) >= 2 and all(rule in alt for rule in rules), (rules, alt)
    assert accessible_name(page, "#projects-chart img") == alt
    assert page.locator("#projects-signals caption").inner_text().startswith("Signals on")
    assert "special-cause improvement" in page.locator("#projects-reading").inner_text()
    settle(page)  # no transition half-way when axe measures colours
    failures = audit(page)
    assert not failures, "\n".join(failures)

    page.get_by_label("Cycle title").fill("Bed rails check")
    page.get_by_label("Planned for").fill("2026-01-01")
    page.get_by_label("Plan: the change to test, who, where").fill("Check rails at handover")
    page.get_by_label("Prediction: what you expect to happen").fill("Night falls halve")
    page.get_by_role("button", name="Save cycle").click()
    said(page, "Next: record what happened (do)")
    settle(page)
    page.get_by_role("button", name="Do, study, act").click()
    page.get_by_label("Do: what happened").fill("Checked on every shift")
    page.get_by_label("Done on").fill("2026-02-01")
    page.get_by_role("button", name="Save cycle").click()
    said(page, "Next: compare what happened with the prediction")
    page.locator("#projects-log", has_text="Checked on every shift").wait_for(timeout=WAIT)
    page.wait_for_function("() => (document.querySelector('#projects-chart img') || {}).alt"
                           "?.includes('PDSA: Bed rails check')", timeout=WAIT)
    choose(page, "IHI progress score", "3.5: improvement")
    page.get_by_role("button", name="Record score").click()
    said(page, "Progress score 3.5 (improvement)")
    page.get_by_role("button", name="Export the project summary (Markdown and Word)").click()
    said(page, "ready to download")
    page.locator("#projects-summary-files", has_text="docx").wait_for(timeout=WAIT)
    settle(page)
    failures = audit(page)
    assert not failures, "\n".join(failures)
    shot = tmp_path / "projects-tab.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    page.close()

    # a new visit in the dark theme opens the same project with its chart; it passes too
    dark = open_projects(browser, url, color_scheme="dark")
    dark.locator("#projects-chart img").wait_for(timeout=WAIT)
    settle(dark)
    assert "Falls in the browser" in dark.locator("#projects-project").inner_text()
    failures = audit(dark)
    assert not failures, "\n".join(failures)
    dark.close()

    # 320 CSS px wide (WCAG 1.4.10): the page does not scroll sideways (the tables scroll in
    # their own focusable regions), and passes the audit
    narrow = open_projects(browser, url, viewport={"width": 320, "height": 800})
    narrow.locator("#projects-chart").scroll_into_view_if_needed()
    narrow.locator("#projects-chart img").wait_for(timeout=WAIT)
    settle(narrow)
    assert narrow.evaluate("() => document.documentElement.scrollWidth"
                           " - document.documentElement.clientWidth") <= 0
    failures = audit(narrow)
    assert not failures, "\n".join(failures)
    narrow.close()
