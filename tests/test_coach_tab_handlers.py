"""The Coach tab's wired handlers, called as Gradio would call them (no server): every click
shares one journey and one progress store, loaded once for the app (ctx.sessions)."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote

import gradio as gr
from conftest import settings_under
from ui_helpers import download_hrefs, write_kb

from coach.app import build_coach
from coach.coaching.session import exports_dir
from coach.ui import coach_tab
from coach.ui.context import UIContext

JOURNEY = Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml"


def handlers(demo: gr.Blocks) -> dict[str, object]:
    return {f.api_name: f.fn for f in demo.fns.values() if f.api_name}


def test_the_journey_is_parsed_once_across_clicks(tmp_path, embedder):
    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")
    ctx = UIContext(build_coach(settings, embedder=embedder), settings)  # nothing indexed
    with gr.Blocks(analytics_enabled=False) as demo:
        coach_tab.build(ctx)
    fns = handlers(demo)
    view = fns["coach_resume"](None)
    assert "Welcome" in view[0] and view[2] == "assessing-readiness"
    assert "No guidance is indexed yet" in view[4]
    # clicks do not read journey.yaml again: with the file gone, the tab keeps working
    (settings.knowledge_dir / "journey.yaml").unlink()
    notice, log_md, _ = fns["coach_note"]("assessing-readiness", "Tool chosen", None)
    assert "Note added" in notice and "Tool chosen" in log_md  # a note starts the journey
    step = fns["coach_next"](None)[2]
    assert step == "board-support"
    assert fns["coach_resume"](None)[2] == step  # saved, and read back by the next click
    # the journey file was read once (when the tab was built) and the store opened once
    assert ctx.sessions.journey_loads == 1 and ctx.sessions.stores_opened == 1
    first = ctx.sessions.open("alex")
    assert first.journey is ctx.sessions.open("sam").journey
    assert first.store is ctx.sessions.open("sam").store


def test_a_broken_journey_file_says_coaching_is_unavailable(tmp_path, embedder):
    settings = settings_under(tmp_path)
    settings.knowledge_dir.mkdir(parents=True)
    (settings.knowledge_dir / "journey.yaml").write_text("steps: [unclosed\n")
    ctx = UIContext(build_coach(settings, embedder=embedder), settings)
    with gr.Blocks(analytics_enabled=False) as demo:
        coach_tab.build(ctx)
    assert not handlers(demo).get("coach_resume")
    assert any("Coaching mode is unavailable" in str(getattr(b, "value", ""))
               for b in demo.blocks.values())


def test_charts_and_plans_are_written_per_user_without_temporary_folders(tmp_path, embedder,
                                                                        monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # count what a click leaves behind
    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")
    ctx = UIContext(build_coach(settings, embedder=embedder), settings)
    with gr.Blocks(analytics_enabled=False) as demo:
        coach_tab.build(ctx)
    fns = handlers(demo)
    links = [download_hrefs(fns["coach_export"](None)[1]) for _ in range(2)]
    assert links[0] == links[1] and len(links[0]) == 2  # the same files, rewritten
    exports = settings.home / "exports"
    plans = [[exports / unquote(h.removeprefix("/files/exports/")) for h in links[0]]]
    assert all(p.is_file() and p.parent.parent == exports for p in plans[0])
    assert not (exports / "exports.key").exists()  # the key is not served
    assert list(scratch.iterdir()) == []
    # another user's files go to a different folder, named by a keyed hash
    other = ctx.sessions.open("sam")
    assert exports_dir(settings.home, "sam") == other.exports_dir()
    assert other.exports_dir() != Path(plans[0][0]).parent
    assert "sam" not in other.exports_dir().name


def test_the_step_shown_in_the_dropdown_is_not_a_move(tmp_path, embedder):
    """Gradio's dropdown sends its value each time focus leaves it: a keyboard user tabbing
    past "Go to any step" must not move, redraw the step (over a tick just made) or lose the
    step chat. Choosing another step moves and empties the chat."""
    settings = settings_under(tmp_path)
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")
    ctx = UIContext(build_coach(settings, embedder=embedder), settings)
    with gr.Blocks(analytics_enabled=False) as demo:
        coach_tab.build(ctx)
    fns = handlers(demo)
    assert fns["coach_resume"](None)[2] == "assessing-readiness"  # suggested, not started
    same = fns["coach_goto"]("assessing-readiness", None)
    assert len(same) == 9 and all(v == gr.update() for v in same)
    assert ctx.sessions.open("local").progress().current is None  # still not started
    moved = fns["coach_goto"]("board-support", None)
    assert moved[2] == "board-support" and moved[-2:] == ([], [])
    assert ctx.sessions.open("local").progress().current == "board-support"
    assert all(v == gr.update() for v in fns["coach_goto"]("board-support", None))
