"""`coach journey ...` run in-process through coach.cli.main, on the real knowledge base.

Commands that cite the guidance (assess, step, export) build their own Coach, so they are kept
few; ticking, notes, actions and status need no embedder.
"""

from __future__ import annotations

import io
import re
import sys

import pytest
from coaching_helpers import indexed_home, scores_list
from docx import Document

from coach.cli import main

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

SCORES = [3, 2, 1, 0, 2, 3, 3, 3, 3, 3, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3]


@pytest.fixture(scope="module")
def home(tmp_path_factory, embedder):
    return indexed_home(tmp_path_factory, embedder, "cli")


@pytest.fixture
def env(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(home.home))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(home.knowledge_dir))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return home


def run(capsys, *argv):
    code = main(["journey", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("coach: "), err
    return lines[0]


def test_a_lead_works_through_the_journey_in_the_terminal(env, capsys, tmp_path):
    code, out, _ = run(capsys, "--user", "alex", "status")
    assert code == 0 and "stage: new" in out
    code, _, err = run(capsys, "--user", "alex", "tick", "1")
    assert code == 2 and "start the journey first" in error_line(err)

    code, out, _ = run(capsys, "start", "--user", "alex", "--say",
                       "We already have board support")
    assert code == 0
    assert "Noted as already in place: Securing board support." in out
    assert "Worth a look back later: step 1 (Assessing readiness)." in out
    assert "You are on step 3: Securing wider organisational buy-in" in out

    code, out, _ = run(capsys, "assess", "--user", "alex", "--scores", scores_list(SCORES))
    assert code == 0
    assert "Readiness: overall 1.85 of 3, Developing." in out
    assert "Skills and workforce" in out and "0.60  Emerging" in out
    assert "1. Short introductory improvement training is open to all staff" in out
    assert "Sources:\n  [1] " in out

    code, out, _ = run(capsys, "step", "1", "--user", "alex")
    assert code == 0
    assert out.startswith("Step 1 of 6: Assessing readiness (in progress)")
    # the step's purpose is our coaching guidance, and is labelled so
    assert "\n\n*Coaching guidance (Improvement Coach, not from the report):* Before" in out
    assert "What the guidance says:" in out and "[1]" in out
    assert "Questions to reflect on:" in out

    assert run(capsys, "tick", "1", "readiness-triggers-recorded", "--user", "alex")[0] == 0
    assert run(capsys, "note", "Staff survey closes in May", "--user", "alex")[0] == 0
    code, out, _ = run(capsys, "action", "Choose a readiness tool", "--owner", "QI lead",
                       "--due", "2026-10-15", "--user", "alex")
    assert code == 0 and "owner QI lead, due 2026-10-15" in out

    code, out, _ = run(capsys, "status", "--user", "alex")
    assert " → 1. Assessing readiness: in progress (2/6 ticked, 1 note(s), 1 action(s))" in out
    assert "2. Securing board support: already in place" in out
    assert "Assessment " in out and "overall 1.85 (Developing)" in out

    code, out, _ = run(capsys, "export", "--user", "alex", "--format", "docx", "--out",
                       str(tmp_path / "plans"))
    assert code == 0
    path = out.strip().removeprefix("Wrote ")
    doc = Document(path)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "☑ Chosen a readiness tool" in body and "Staff survey closes in May" in body
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["Choose a readiness tool", "QI lead", "2026-10-15"] in cells

    # another user sees nothing of this
    code, out, _ = run(capsys, "status", "--user", "bob")
    assert "stage: new" in out and "Assessment " not in out


def test_work_is_resumed_after_a_restart_and_reset_needs_confirmation(env, capsys):
    run(capsys, "start", "--user", "carol")
    run(capsys, "tick", "2", "--user", "carol")
    code, out, _ = run(capsys, "step", "--no-explain", "--user", "carol")
    assert code == 0 and "  2. [x] Invited people" in out  # a fresh process reads it back

    code, _, err = run(capsys, "reset", "--user", "carol")
    assert code == 2 and "--yes" in error_line(err)
    assert "(1/6 ticked)" in run(capsys, "status", "--user", "carol")[1]
    code, out, _ = run(capsys, "reset", "--yes", "--user", "carol")
    assert code == 0 and "Journey cleared" in out
    assert "stage: new" in run(capsys, "status", "--user", "carol")[1]


def test_the_interactive_assessment_asks_each_item_and_re_asks_a_bad_answer(env, capsys,
                                                                             monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("5\n" + "\n".join(["2"] * 20) + "\n"))
    code, out, _ = run(capsys, "assess", "--user", "dana")
    assert code == 0
    assert out.count("score 0-3:") == 21
    assert "Please type 0, 1, 2 or 3." in out
    assert "#### " not in out and "Leadership and governance\n  1. The board gives" in out
    assert "Readiness: overall 2.00 of 3, Developing." in out


def test_an_interrupted_interactive_assessment_saves_nothing(env, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n2\n"))
    code, _, err = run(capsys, "assess", "--user", "erin")
    assert code == 2 and "nothing was saved" in error_line(err)
    assert "Assessment " not in run(capsys, "status", "--user", "erin")[1]


@pytest.mark.parametrize(("argv", "message"), [
    (["assess", "--scores", "1,2,3"], "Give 20 scores"),
    (["assess", "--scores", scores_list([4] + SCORES[1:])], "board-priority: '4' is outside"),
    (["step", "9", "--no-explain"], "Unknown step '9'"),
    (["step", "boards", "--no-explain"], "Unknown step 'boards'"),
    (["tick", "42"], "has no checklist item '42'"),
    (["action", "Plan", "--owner", "Sam", "--due", "31/12/2026"], "YYYY-MM-DD"),
    (["note", "   "], "note is empty"),
])
def test_bad_input_gives_one_clear_line_and_keeps_saved_work(env, capsys, tmp_path, argv,
                                                             message):
    user = tmp_path.name  # one user per case
    run(capsys, "start", "--user", user)
    run(capsys, "note", "keep me", "--user", user)
    code, _, err = run(capsys, *argv, "--user", user)
    assert code == 2
    assert message in error_line(err)
    assert "1 note(s)" in run(capsys, "status", "--user", user)[1]


def test_a_scores_file_is_read_and_checked(env, capsys, tmp_path):
    bad = tmp_path / "scores.yaml"
    bad.write_text("board-priority: 7\nno-such-item: 1\n", encoding="utf-8")
    code, _, err = run(capsys, "assess", "--file", str(bad), "--user", "gina")
    assert code == 2
    line = error_line(err)
    assert "unknown item 'no-such-item'" in line and "board-priority: 7 is outside 0-3" in line
    code, _, err = run(capsys, "assess", "--file", str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read the scores file" in error_line(err)


def test_a_missing_or_broken_journey_file_is_named_in_one_line(env, capsys, tmp_path,
                                                               monkeypatch):
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(tmp_path / "empty"))
    code, _, err = run(capsys, "status")
    assert code == 2 and "journey.yaml: cannot read the journey file" in error_line(err)
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (env.knowledge_dir / "journey.yaml").read_text(encoding="utf-8")
    (broken / "journey.yaml").write_text(text.replace("number: 3\n", "number: seven\n"),
                                         encoding="utf-8")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(broken))
    code, _, err = run(capsys, "status")
    assert code == 2 and re.search(r"journey\.yaml line \d+: steps\.2\.number", error_line(err))
