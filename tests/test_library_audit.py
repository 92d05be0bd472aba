"""Library changes and their audit trail: add, replace and remove a document, each recorded
with who, when, what and the passage counts; the history survives a restart."""

from __future__ import annotations

import pytest
from conftest import markdown_doc, settings_under
from ui_helpers import write_kb

from coach.app import build_coach
from coach.db import close_all
from coach.ui import library_tab
from coach.ui.context import UIContext

HUDDLE = ("Safety huddles", "## What is a safety huddle?\n\nA safety huddle is a short daily "
          "meeting of a ward team about the risks of the next shift. It lasts ten minutes.")
HUDDLE_V2 = HUDDLE[1] + ("\n\n## Who leads it?\n\nThe nurse in charge leads the huddle and "
                         "records the actions on a board by the nurses' station.")


@pytest.fixture
def ctx(embedder, tmp_path):
    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    return UIContext(coach, settings)


def doc(tmp_path, body, name="huddles.md"):
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(markdown_doc(body, title="Safety huddles"), encoding="utf-8")
    return path


def test_add_replace_and_remove_are_each_recorded_with_who_what_and_counts(ctx, tmp_path):
    first = library_tab.upload(ctx, [doc(tmp_path, HUDDLE[1])], user="erin")
    assert "**Added** (1)" in first
    sid = "uploads/huddles.md"
    added = ctx.coach.sources()[sid]["ids"]
    assert library_tab.upload(ctx, [doc(tmp_path, HUDDLE_V2)], user="sam").count("Updated") == 1
    replaced = len(ctx.coach.sources()[sid]["ids"])
    assert replaced > len(added)
    message = library_tab.remove(ctx, sid, user="erin")
    assert "**Removed** `uploads/huddles.md`" in message and "file kept at" in message
    assert sid not in ctx.coach.sources()
    assert not (ctx.settings.knowledge_dir / sid).exists()
    kept = list((ctx.settings.home / "removed").rglob("huddles.md"))
    assert len(kept) == 1 and "nurse in charge" in kept[0].read_text()  # never deleted
    answer = ctx.coach.ask("What is a safety huddle?")
    assert all(c.source != sid for c in answer.citations)
    rows = library_tab.history(ctx)
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("erin", "removed", sid, replaced, 0),
        ("sam", "replaced", sid, len(added), replaced),
        ("erin", "added", sid, 0, len(added)),
    ]
    assert all(r[0][:4].isdigit() for r in rows)  # when


def test_the_history_survives_a_restart_and_a_reindex_is_recorded(ctx, embedder):
    (ctx.settings.knowledge_dir / "methods" / "pdsa.md").unlink()
    library_tab.reindex(ctx, user="admin")
    close_all()  # a new process: a new engine on the same database
    again = UIContext(build_coach(ctx.settings, embedder=embedder), ctx.settings)
    rows = library_tab.history(again)
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        ("admin", "removed", "methods/pdsa.md", 0)]


def test_removing_what_is_not_there_changes_nothing(ctx):
    before = ctx.coach.sources()
    assert "Choose a document" in library_tab.remove(ctx, None)
    message = library_tab.remove(ctx, "nope.md", user="erin")
    assert "Nothing was changed" in message and "not in the library" in message
    assert ctx.coach.sources() == before and library_tab.history(ctx) == []
