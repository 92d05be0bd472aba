"""Run folders (coach.evals.runs): unique names without waiting for the clock, ordered by time
for "compare with the previous run", and the run-save-compare workflow on a real Coach."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eval_support import write_kb, write_suite

from coach.errors import CoachError
from coach.evals.runs import previous_run, run_and_save, run_folder

NOON = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def save(folder):
    (folder / "run.json").write_text("{}")
    return folder


def test_runs_in_the_same_second_get_their_own_folders(tmp_path):
    made = [run_folder(tmp_path, "dev", NOON) for _ in range(12)]
    assert len(set(made)) == 12 and all(p.is_dir() for p in made)
    assert made[0].name == "dev-20260301-120000" and made[1].name == "dev-20260301-120000-2"
    for folder in made:
        save(folder)
    # the latest is the twelfth (a counter of 12 sorts after 2), then the next second's run
    assert previous_run(tmp_path / "evals", "dev") == made[-1]
    later = save(run_folder(tmp_path, "dev", NOON.replace(second=1)))
    assert previous_run(tmp_path / "evals", "dev") == later
    assert previous_run(tmp_path / "evals", "dev", before=later) == made[-1]
    assert previous_run(tmp_path / "evals", "dev", before=made[2]) == made[1]
    assert previous_run(tmp_path / "evals", "dev", before=made[0]) is None


def test_previous_run_skips_other_suites_and_unfinished_folders(tmp_path):
    runs = tmp_path / "evals"
    mine = save(run_folder(tmp_path, "dev", NOON))
    save(run_folder(tmp_path, "dev-extra", NOON.replace(minute=5)))  # another suite's run
    run_folder(tmp_path, "dev", NOON.replace(minute=9))  # no run.json: never written
    (runs / "dev-notes").mkdir()
    assert previous_run(runs, "dev") == mine


@pytest.fixture
def coach(tmp_path, make_coach):
    write_kb(tmp_path)
    write_suite(tmp_path)
    coach = make_coach(evals_dir=tmp_path / "evals")
    coach.ingest()
    return coach


def test_run_and_save_writes_a_new_folder_each_time_and_compares(coach, tmp_path):
    suite = tmp_path / "evals" / "tiny" / "suite.yaml"
    first = run_and_save(coach, suite, label="one")
    assert first.previous is None and first.comparison is None
    assert first.json_path == first.folder / "run.json" and first.report_path.is_file()
    assert first.run["counts"] == {"cases": 4, "passed": 3, "answerable": 3}
    second = run_and_save(coach, suite, label="two")  # at once: no waiting for the clock
    assert second.folder != first.folder and second.previous == first.folder
    assert second.comparison is not None and not second.comparison["regression"]


def test_a_bad_suite_writes_no_run_folder(coach, tmp_path):
    suite = tmp_path / "evals" / "tiny" / "suite.yaml"
    suite.write_text(suite.read_text().replace("k: 3", "k: lots"))
    with pytest.raises(CoachError, match="line 3"):
        run_and_save(coach, suite)
    assert not (coach.settings.home / "evals").exists()
