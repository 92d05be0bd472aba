"""Sources that sync (issue 27, part 1): folders and web addresses mirrored into the library.

Real components: the real embedder and Chroma, the app's SQLite database, a real HTTP server on
127.0.0.1 for web sources, and `coach sync` run as two processes at once for the lock."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from coach.db import open_database
from coach.db.locks import holder, named_lock
from coach.errors import BadInputError
from coach.library.changes import LibraryLog
from coach.library.sync import Step, Syncer, parse_sources, plan_files, sync
from tests.servers import free_port

DOC = "---\ntitle: {title}\n---\n# {title}\n\n## What does {title} cover?\n\n{body}\n"


def doc(title: str, body: str) -> str:
    return DOC.format(title=title, body=body)


# -- the plan (pure) -------------------------------------------------------------------------
def test_the_plan_tells_each_kind_of_change_by_content_hash():
    mirror = {"a.md": "1", "b.md": "2", "c.md": "3", "d.md": "4"}
    source = {"a.md": "1", "b.md": "2x", "renamed/c.md": "3", "e.md": "5"}
    assert plan_files(source, mirror) == [
        Step("unchanged", "a.md"), Step("changed", "b.md"), Step("added", "e.md"),
        Step("renamed", "renamed/c.md", "c.md"), Step("removed", "d.md")]
    # two copies of one content: one is the rename, the other an addition
    assert plan_files({"x.md": "9", "y.md": "9"}, {"w.md": "9"}) == [
        Step("renamed", "x.md", "w.md"), Step("added", "y.md")]
    assert plan_files({}, {}) == []


def test_sources_are_named_and_a_bad_list_is_refused():
    sources = parse_sources("policies=/mnt/share/qi, https://intranet.example.nhs.uk/qi/guide.pdf"
                            "\n/srv/Ward Guides\n")
    assert [(s.name, s.location, s.is_web) for s in sources] == [
        ("policies", "/mnt/share/qi", False),
        ("intranet-example-nhs-uk-guide", "https://intranet.example.nhs.uk/qi/guide.pdf", True),
        ("ward-guides", "/srv/Ward Guides", False)]
    with pytest.raises(BadInputError, match="two sources are named 'qi'"):
        parse_sources("qi=/a, qi=/b")
    with pytest.raises(BadInputError, match="cannot name a source"):
        parse_sources("Bad Name!=/a")


# -- a folder source ---------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "share"
    (src / "ward").mkdir(parents=True)
    (src / "falls.md").write_text(doc("Falls policy", "Falls are reviewed weekly."), "utf-8")
    (src / "ward" / "handover.md").write_text(doc("Handover", "Handover uses SBAR."), "utf-8")
    (src / "sepsis.md").write_text(doc("Sepsis screening", "Screen within one hour."), "utf-8")
    (src / ".hidden.md").write_text(doc("Hidden", "Never synced."), "utf-8")
    return src


def indexed(coach) -> set[str]:
    return {sid for sid in coach.sources() if sid.startswith("sources/")}


def history(settings) -> list[tuple[str, str, str]]:
    return [(c.action, c.document, c.detail)
            for c in reversed(LibraryLog(open_database(settings)).history())]


def test_a_folder_syncs_exactly_and_a_second_run_changes_nothing(make_coach, folder):
    coach = make_coach(sources=f"share={folder}")
    db = open_database(coach.settings)
    mirror = coach.settings.knowledge_dir / "sources" / "share"

    planned = sync(coach, db, dry_run=True)
    assert [(s.action, s.path) for s in planned.plans[0].steps] == [
        ("added", "falls.md"), ("added", "sepsis.md"), ("added", "ward/handover.md")]
    assert not mirror.exists() and indexed(coach) == set()  # a dry run changes nothing

    sync(coach, db)
    assert indexed(coach) == {"sources/share/falls.md", "sources/share/sepsis.md",
                              "sources/share/ward/handover.md"}
    assert [a for a, _, _ in history(coach.settings)] == ["added"] * 3
    assert all(f"share ({folder})" in d for _, _, d in history(coach.settings))

    # edit one, rename one (same content), delete one, add one
    (folder / "falls.md").write_text(doc("Falls policy", "Falls are reviewed daily."), "utf-8")
    (folder / "ward" / "handover.md").rename(folder / "handover-sbar.md")
    (folder / "sepsis.md").unlink()
    (folder / "pressure.md").write_text(doc("Pressure ulcers", "Turn every two hours."), "utf-8")
    before = len(history(coach.settings))

    plan = sync(coach, db, dry_run=True).plans[0]
    assert [(s.action, s.path, s.was) for s in plan.steps] == [
        ("changed", "falls.md", ""), ("renamed", "handover-sbar.md", "ward/handover.md"),
        ("added", "pressure.md", ""), ("removed", "sepsis.md", "")]
    assert len(history(coach.settings)) == before

    sync(coach, db)
    assert indexed(coach) == {"sources/share/falls.md", "sources/share/handover-sbar.md",
                              "sources/share/pressure.md"}
    new = history(coach.settings)[before:]
    assert sorted((a, d) for a, d, _ in new) == [
        ("added", "sources/share/pressure.md"), ("removed", "sources/share/sepsis.md"),
        ("renamed", "sources/share/handover-sbar.md"), ("replaced", "sources/share/falls.md")]
    renamed = next(x for a, _, x in new if a == "renamed")
    assert renamed.startswith("was sources/share/ward/handover.md")
    removed = next(x for a, _, x in new if a == "removed")
    kept = Path(removed.split("file kept at ")[1])
    assert kept.is_file() and "Screen within one hour" in kept.read_text("utf-8")
    hits = coach.search("How often are falls reviewed?")
    assert any("daily" in p.text for p in hits if p.source == "sources/share/falls.md")

    again = sync(coach, db)
    assert again.changes == [] and {s.action for s in again.plans[0].steps} == {"unchanged"}
    assert len(history(coach.settings)) == before + 4


def test_a_source_that_cannot_be_reached_changes_nothing(make_coach, folder, tmp_path):
    coach = make_coach(sources=f"share={folder}, gone={tmp_path / 'unmounted'}")
    db = open_database(coach.settings)
    sync(coach, db)
    synced = indexed(coach)
    os.rename(folder, tmp_path / "moved-away")  # the share is unmounted

    result = sync(coach, db)
    assert [bool(p.problem) for p in result.plans] == [True, True]
    assert "cannot be found" in result.plans[0].problem
    assert result.changes == [] and indexed(coach) == synced


# -- a web source ------------------------------------------------------------------------------
class Page:
    """What the local web server serves, and the conditional headers it was sent."""

    def __init__(self) -> None:
        self.body = (b"<html><body><h1>Visiting times</h1><p>Visiting is 2pm to 8pm.</p>"
                     b"</body></html>")
        self.seen: list[tuple[str | None, int]] = []

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@pytest.fixture
def web():
    page = Page()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            sent = self.headers.get("If-None-Match")
            if sent == page.etag:
                page.seen.append((sent, 304))
                self.send_response(304)
                self.end_headers()
                return
            page.seen.append((sent, 200))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", page.etag)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield page, f"http://127.0.0.1:{server.server_address[1]}/qi/visiting"
    server.shutdown()
    server.server_close()


def test_a_web_page_is_fetched_conditionally(make_coach, web):
    page, url = web
    coach = make_coach(sources=f"intranet={url}")
    db = open_database(coach.settings)

    first = sync(coach, db)
    assert [(s.action, s.path) for s in first.plans[0].steps] == [("added", "visiting.html")]
    assert indexed(coach) == {"sources/intranet/visiting.html"}

    unchanged = sync(coach, db)
    assert page.seen[-1] == (page.etag, 304)  # the ETag went back; nothing was downloaded
    assert unchanged.changes == [] and unchanged.plans[0].steps[0].action == "unchanged"

    page.body = page.body.replace(b"2pm to 8pm", b"11am to 8pm")
    changed = sync(coach, db)
    assert [(c.action, c.document) for c in changed.changes] == [
        ("replaced", "sources/intranet/visiting.html")]
    assert any("11am" in p.text for p in coach.search("When is visiting?"))


def test_an_unreachable_or_failing_web_source_changes_nothing(make_coach, web):
    _, url = web
    dead = f"http://127.0.0.1:{free_port()}/nothing-listens.pdf"
    coach = make_coach(sources=f"intranet={url}")
    db = open_database(coach.settings)
    sync(coach, db)
    coach = make_coach(sources=f"intranet={url}x-missing, dead={dead}")
    result = sync(coach, db)
    assert "could not be reached" in result.plans[1].problem
    assert result.changes == [] and indexed(coach) == {"sources/intranet/visiting.html"}


# -- one runner across replicas ------------------------------------------------------------------
def test_the_sync_lock_admits_one_holder_and_says_who(make_settings, database_url):
    db = open_database(make_settings(database_url=database_url))
    with named_lock(db, "library-sync") as held:
        assert held
        assert f"pid {os.getpid()}" in holder(db, "library-sync")
        with named_lock(db, "library-sync", wait=False) as second:
            assert not second
    with named_lock(db, "library-sync", wait=False) as again:
        assert again  # released when its holder left


def test_a_holder_killed_holding_the_lock_leaves_it_free_and_unnamed(make_settings,
                                                                      database_url):
    """SIGKILL gives the holder no chance to clear the name it wrote: the lock is free at once,
    and ``holder`` no longer names the dead process (it did, for a SQLite lock file)."""
    settings = make_settings(database_url=database_url)
    db = open_database(settings)
    code = ("import sys, time; from coach.db import open_database; "
            "from coach.db.locks import named_lock; from coach.config import Settings; "
            "db = open_database(Settings(_env_file=None, home=sys.argv[1], "
            "database_url=sys.argv[2]))\n"
            "with named_lock(db, 'library-sync'):\n    print('held', flush=True); "
            "time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", code, str(settings.home), database_url],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert f"pid {child.pid} " in holder(db, "library-sync")
    finally:
        child.kill()
        child.wait(timeout=30)
    deadline = time.monotonic() + 30
    while holder(db, "library-sync"):  # PostgreSQL ends the session once it sees it gone
        assert time.monotonic() < deadline, holder(db, "library-sync")
        time.sleep(0.1)
    with named_lock(db, "library-sync", wait=False) as free:
        assert free


@pytest.mark.slow
def test_two_replicas_syncing_at_once_make_one_set_of_changes(make_settings, folder, tmp_path):
    settings = make_settings(sources=f"share={folder}")
    env = {**os.environ, "COACH_HOME": str(settings.home),
           "COACH_KNOWLEDGE_DIR": str(settings.knowledge_dir),
           "COACH_SOURCES": f"share={folder}"}
    runs = [subprocess.Popen([sys.executable, "-m", "coach.cli", "sync"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outs = [r.communicate(timeout=600) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    changes = history(settings)
    assert sorted(d for _, d, _ in changes) == [
        "sources/share/falls.md", "sources/share/sepsis.md", "sources/share/ward/handover.md"]
    assert sum("3 change(s)" in out for out, _ in outs) == 1
    assert sum("0 change(s)" in out for out, _ in outs) == 1


def test_sync_without_sources_says_what_to_set(make_settings, monkeypatch, capsys):
    from coach.cli import main

    settings = make_settings()
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(settings.knowledge_dir))
    assert main(["sync"]) == 2
    assert "set COACH_SOURCES" in capsys.readouterr().err


def test_the_syncer_mirrors_under_the_knowledge_folder(make_settings, folder):
    syncer = Syncer(make_settings(sources=f"share={folder}"))
    assert syncer.mirror(syncer.sources[0]) == syncer.root / "share"
    assert syncer.root.parent == Path(make_settings().knowledge_dir)
