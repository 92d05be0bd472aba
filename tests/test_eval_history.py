"""The Evaluate tab's runs, not one report: the history of a suite's runs (coach.evals.history),
the trend of its headline metrics (coach.evals.trend), the compare view of two runs with the
reviewer's preferences (coach.evals.sidebyside), and the view's handlers
(coach.ui.eval_runs_view) — all on real run folders written by run_and_save through a real
Coach on the tiny suite."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from eval_support import CASES, write_kb, write_suite

from coach.errors import BadInputError
from coach.evals.history import default_pair, find_run, list_runs, run_names
from coach.evals.runs import run_and_save
from coach.evals.sidebyside import (
    FAIL_TO_PASS,
    PASS_TO_FAIL,
    PREFERENCES,
    compare_pair,
    preferences,
    record_preference,
)
from coach.evals.trend import alt_text, trend, trend_png
from coach.ui import eval_runs_view as view
from coach.ui.context import UIContext

NOON = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, embedder):
    """Three runs of the tiny suite: by alex (version 1), by sam (the same), then version 2 by
    alex, where pdsa-stages must now hold a term it cannot (pass → fail) and board-commitment
    one it does (fail → pass). (home, suite path, [runs, oldest first])."""
    from conftest import settings_under

    from coach.app import build_coach

    root = tmp_path_factory.mktemp("history")
    write_kb(root)
    suite = write_suite(root)
    settings = settings_under(root, evals_dir=root / "evals")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    saved = [run_and_save(coach, suite, label="one", user="alex"),
             run_and_save(coach, suite, label="two", user="sam")]
    cases = [dict(c) for c in CASES]
    cases[0] = {**cases[0], "expect": {**cases[0]["expect"], "must_include": ["zebra"]}}
    cases[2] = {**cases[2], "expect": {**cases[2]["expect"], "must_include": ["board"]}}
    write_suite(root, cases=cases)
    suite.write_text(suite.read_text() + "version: 2\n")
    saved.append(run_and_save(coach, suite, label="three", user="alex"))
    return settings, suite, saved


@pytest.fixture
def ctx(runs, make_coach):
    settings, _, _ = runs
    return UIContext(make_coach(settings), settings)


def test_the_history_lists_a_suites_runs_newest_first_with_who_and_the_verdict(runs):
    settings, _, saved = runs
    rows = list_runs(settings.home, "tiny")
    assert [r.name for r in rows] == [s.folder.name for s in reversed(saved)]
    newest, _, oldest = rows
    assert (oldest.run_by, oldest.label, oldest.version) == ("alex", "one", 1)
    assert (newest.run_by, newest.label, newest.version) == ("alex", "three", 2)
    assert rows[1].run_by == "sam"
    assert json.loads((saved[0].folder / "run.json").read_text())["run_by"] == "alex"
    # 3 of 4 pass each time (one fails, one mends); thresholds hit@3 0.6 and abstention 1.0
    assert (oldest.passed, oldest.cases, oldest.pass_rate) == (3, 4, 0.75)
    assert oldest.ok and newest.ok and oldest.split == ""
    assert list(oldest.metrics) == ["pass_rate", "hit_at_k", "abstention_recall"]
    assert oldest.metrics["abstention_recall"] == 1.0
    assert default_pair(rows) == (rows[1].name, rows[0].name)
    assert default_pair([]) == (None, None)


def test_the_history_skips_other_suites_and_unreadable_runs(runs, tmp_path):
    settings, _, saved = runs
    home = tmp_path / "home"
    (home / "evals").mkdir(parents=True)
    for s in saved[:2]:
        (home / "evals" / s.folder.name).mkdir()
        (home / "evals" / s.folder.name / "run.json").write_bytes(
            (s.folder / "run.json").read_bytes())
    broken = home / "evals" / "tiny-20990101-000000"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    (home / "evals" / "tiny-extra-20990101-000000").mkdir()  # another suite's folder
    (home / "evals" / "tiny-extra-20990101-000000" / "run.json").write_text("{}")
    assert [r.name for r in list_runs(home, "tiny")] == [saved[1].folder.name,
                                                          saved[0].folder.name]
    assert list_runs(tmp_path / "nowhere", "tiny") == []
    assert run_names(home)[0] == "tiny-extra-20990101-000000"  # newest of any suite first


def test_a_suite_with_held_out_cases_shows_its_dev_figures(make_coach, make_settings,
                                                           tmp_path):
    write_kb(tmp_path)
    cases = [{**c, "split": "dev"} if c["id"] in ("pdsa-stages", "board-commitment") else c
             for c in CASES]
    suite = write_suite(tmp_path, cases=cases)
    suite.write_text(suite.read_text() + "split: held-out\n")
    settings = make_settings(evals_dir=tmp_path / "evals")
    coach = make_coach(settings)
    coach.ingest()
    run_and_save(coach, suite)
    (row,) = list_runs(settings.home, "tiny")
    assert row.split == "dev" and (row.passed, row.cases, row.pass_rate) == (1, 2, 0.5)
    assert row.run_by == "local"  # who ran it, when nobody is signed in
    data = trend([row])
    assert data.dev_split and "(dev split)" in alt_text(data)


def test_the_trend_runs_oldest_first_and_its_chart_says_its_numbers(runs):
    settings, _, saved = runs
    rows = list_runs(settings.home, "tiny")
    data = trend(rows)
    assert data.runs == tuple(s.folder.name for s in saved)
    assert list(data.series) == ["pass_rate", "hit_at_k", "abstention_recall"]
    assert data.series["pass_rate"] == (0.75, 0.75, 0.75)
    words = alt_text(data)
    assert words.startswith("Headline metrics across 3 run(s), oldest ")
    assert "pass rate: first 0.750, latest 0.750, lowest 0.750, highest 0.750." in words
    assert trend_png(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert trend_png(trend([])) is None and alt_text(trend([])) == "No runs yet."


def test_compare_two_runs_shows_the_changed_cases_side_by_side(runs):
    settings, _, saved = runs
    first, _, last = (s.folder.name for s in saved)
    pair = compare_pair(settings.home, first, last)
    warnings = pair.comparison["warnings"]
    assert len(warnings) == 1 and "version differs (A: version 1, B: version 2)" in warnings[0]
    changes = {c.id: c for c in pair.changed}
    assert [c.change for c in pair.changed][:2] == [PASS_TO_FAIL, FAIL_TO_PASS]
    stages = changes["pdsa-stages"]
    assert stages.question == "What are the stages of a PDSA cycle?"
    assert stages.a.passed and not stages.b.passed and stages.a.text == stages.b.text != ""
    assert stages.b.failures == ("must_include missing: 'zebra'",)
    assert stages.deltas["must_include"] == (1.0, 0.0)
    assert changes["board-commitment"].change == FAIL_TO_PASS
    assert {m["metric"] for m in pair.comparison["metrics"]} >= {"pass_rate", "hit_at_k"}
    same = compare_pair(settings.home, first, saved[1].folder.name)
    assert same.comparison["warnings"] == [] and same.changed == ()
    with pytest.raises(BadInputError, match="two different runs"):
        compare_pair(settings.home, first, first)
    with pytest.raises(BadInputError, match="no run called"):
        compare_pair(settings.home, first, "../../etc")


def test_a_reviewers_choice_is_kept_with_run_b_and_the_latest_counts(runs):
    settings, _, saved = runs
    first, second, last = (s.folder.name for s in saved)
    folder = saved[2].folder
    record_preference(settings.home, first, last, "pdsa-stages", "A", "alex", when=NOON)
    record_preference(settings.home, first, last, "pdsa-stages", "same", "alex")
    record_preference(settings.home, first, last, "pdsa-stages", "B", "sam")
    record_preference(settings.home, second, last, "run-shift", "B", "alex")  # another pair
    lines = [json.loads(x) for x in (folder / PREFERENCES).read_text().splitlines()]
    assert lines[0] == {"run_a": first, "case": "pdsa-stages", "choice": "A", "user": "alex",
                        "at": "2026-03-01T12:00:00+00:00"}
    assert preferences(folder, first) == {"pdsa-stages": {"alex": "same", "sam": "B"}}
    assert preferences(folder, second) == {"run-shift": {"alex": "B"}}
    with pytest.raises(BadInputError, match="Choose which answer"):
        record_preference(settings.home, first, last, "pdsa-stages", "C", "alex")
    with pytest.raises(BadInputError, match="must have the case 'nope'"):
        record_preference(settings.home, first, last, "nope", "A", "alex")
    assert find_run(settings.home, last) == folder


def test_the_views_handlers_draw_the_history_trend_and_compare_view(ctx, runs):
    _, _, saved = runs
    first, second, last = (s.folder.name for s in saved)
    history, chart, run_a, run_b = view.show_runs(ctx, "tiny/suite.yaml")
    assert "<caption>Runs of suite tiny, newest first</caption>" in history
    assert history.index(f"<td>{last}</td>") < history.index(f"<td>{first}</td>")
    assert ">sam<" in history and "thresholds met" in history and ">3 of 4<" in history
    assert 'alt="Headline metrics across 3 run(s)' in chart
    assert 'src="data:image/png;base64,' in chart
    assert (run_a["value"], run_b["value"]) == (second, last)
    assert set(run_a["choices"]) >= {first, second, last}
    assert "Pick a suite" in view.show_runs(ctx, None)[0]
    assert 'class="error"' in view.show_runs(ctx, "../secret.yaml")[0]

    diffs, changed, case = view.compare(ctx, first, last)
    assert "Warning: the suite&#x27;s version differs" in diffs
    assert "95% interval" in diffs and "Verdict: no confirmed regression." in diffs
    assert "<h4>pdsa-stages: passed → failed</h4>" in changed
    assert f"Answer A ({first}): passed" in changed and f"Answer B ({last}): failed" in changed
    assert case["value"] == "pdsa-stages" and "board-commitment" in case["choices"]
    assert "Pick run A and run B" in view.compare(ctx, None, last)[0]

    notice, changed = view.prefer(ctx, first, last, "board-commitment", "B", "jo")
    assert "Saved: for board-commitment, jo finds B better." in notice
    assert "Better answer, as recorded: jo: B" in changed
    notice, kept = view.prefer(ctx, first, last, "board-commitment", None, "jo")
    assert 'class="error"' in notice and "Choose which answer" in notice


@pytest.mark.slow
def test_through_a_real_server_with_sign_in_each_event_knows_its_user_and_role(tmp_path,
                                                                               embedder):
    """An editor's run records them as who ran it; the runs, compare and preference events
    answer the editor and refuse a staff member (the role guard around every event)."""
    from conftest import settings_under
    from gradio_client import Client
    from ui_helpers import free_port, running_app

    from coach.access import auth
    from coach.access.roles import RoleStore
    from coach.app import build_coach
    from coach.db import open_database

    write_kb(tmp_path)
    write_suite(tmp_path)
    users = tmp_path / "users"
    for name in ("jo", "sam"):
        auth.add_user(users, name, "a-long-password")
    settings = settings_under(tmp_path, port=free_port(), auth_file=users,
                              evals_dir=tmp_path / "evals")
    RoleStore(open_database(settings)).set("jo", "editor", by="test")  # sam stays staff
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        jo = Client(url, auth=("jo", "a-long-password"), verbose=False)
        for _ in range(2):
            jo.predict("tiny/suite.yaml", api_name="/evaluate")
        first, last = (r.name for r in reversed(list_runs(settings.home, "tiny")))
        assert {r.run_by for r in list_runs(settings.home, "tiny")} == {"jo"}
        history, chart, _, _ = jo.predict("tiny/suite.yaml", api_name="/eval_runs")
        assert "<td>jo</td>" in history and "<img src=" in chart
        diffs, changed, _ = jo.predict(first, last, api_name="/eval_compare")
        assert "Verdict: no confirmed regression." in diffs
        assert "No case changed between these runs." in changed
        saved, _ = jo.predict(first, last, "run-shift", "same", api_name="/eval_prefer")
        assert "Saved: for run-shift, jo finds the answers the same." in saved
        assert preferences(find_run(settings.home, last), first) == {"run-shift": {"jo": "same"}}
        sam = Client(url, auth=("sam", "a-long-password"), verbose=False)
        for args, name in ((["tiny/suite.yaml"], "eval_runs"), ([first, last], "eval_compare"),
                           ([first, last, "run-shift", "B"], "eval_prefer")):
            with pytest.raises(Exception, match="Not allowed"):
                sam.predict(*args, api_name=f"/{name}")
        assert preferences(find_run(settings.home, last), first) == {"run-shift": {"jo": "same"}}


def test_forget_takes_the_person_out_of_saved_runs(runs, tmp_path):
    from conftest import settings_under

    from coach.access.forget import forget
    from coach.db import open_database

    settings, _, saved = runs
    home = tmp_path / "home"
    for s in saved:
        (home / "evals" / s.folder.name).mkdir(parents=True)
        (home / "evals" / s.folder.name / "run.json").write_bytes(
            (s.folder / "run.json").read_bytes())
    prefs = home / "evals" / saved[2].folder.name / "preferences.jsonl"
    prefs.write_text(json.dumps({"run_a": saved[1].folder.name, "case": "c1", "choice": "A",
                                 "user": "alex", "at": "2026-01-01T00:00:00+00:00"}) + "\n"
                     + json.dumps({"run_a": saved[1].folder.name, "case": "c1",
                                   "choice": "B", "user": "sam",
                                   "at": "2026-01-01T00:00:00+00:00"}) + "\n")
    done = forget(open_database(settings_under(tmp_path)), home, "alex")
    assert any("out of 3 file(s)" in note for note in done.notes)
    by = [json.loads((home / "evals" / s.folder.name / "run.json").read_text())["run_by"]
          for s in saved]
    assert by == ["", "sam", ""]
    assert [json.loads(line)["user"] for line in prefs.read_text().splitlines()] == ["sam"]
    assert [r.run_by for r in list_runs(home, "tiny")][1] == "sam"
