"""`coach survey ...` run in-process through coach.cli.main: the six respondents of
survey_helpers.py answer from the command line and the lead reads the hand-computed figures
(see test_survey_stats.py) as JSON and CSV, then adopts them."""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest
from coaching_helpers import KNOWLEDGE
from survey_helpers import SIX, J

from coach.cli import main

NAMES = ["alice", "bob", None, "dan", "erin", None]


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(KNOWLEDGE))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def run(capsys, *argv):
    code = main(["survey", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def scores(r):
    return ",".join(str(r.scores[i.id]) for i in J.assessment.items)


@pytest.mark.slow  # about 3 s: 15 commands, each opening the database
def test_a_survey_from_the_terminal(env, capsys):
    code, out, _ = run(capsys, "open", "--title", "Ward 7", "--user", "lead", "--json")
    assert code == 0
    survey = json.loads(out)["code"]
    for name, r in zip(NAMES, SIX, strict=True):
        who = ["--user", name] if name else []
        code, out, _ = run(capsys, "respond", survey, "--role", r.role, "--level", r.level,
                           "--scores", scores(r), *who, "--json")
        assert code == 0 and json.loads(out)["anonymous"] is (name is None)

    code, _, err = run(capsys, "results", survey, "--user", "alice")
    assert code == 2 and f"Survey {survey} is not one of yours" in err

    code, out, _ = run(capsys, "results", survey, "--user", "lead", "--json")
    data = json.loads(out)
    assert (data["respondents"], data["anonymous"]) == (6, 2)
    enablers = {e["id"]: e for e in data["enablers"]}
    assert [(e["mean"], e["sd"], e["agreement"]) for e in enablers.values()] == [
        (2.0, 0.8944, 0.7377), (1.1, 0.3286, 0.868), (0.5, 1.2247, 0.0), (2.0, 0.0, 1.0)]
    assert (data["overall"]["mean"], data["overall"]["sd"]) == (1.4, 0.5273)
    assert data["disagreements"]["role"][0] == {
        "item": "multi-year-funding", "gap": 3.0, "high": "Doctor", "high_mean": 3.0,
        "low": "Nurse", "low_mean": 0.0,
        "statement": next(i.statement for i in J.assessment.items
                          if i.id == "multi-year-funding")}
    assert not any(n in out for n in ("alice", "bob", "dan", "erin"))

    code, out, _ = run(capsys, "results", survey, "--user", "lead", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["scope", "id", "title", "group", "n", "mean", "sd", "min", "max",
                       "agreement"]
    assert rows[3] == ["enabler", "infrastructure-resources", "Infrastructure and resources",
                       "all", "6", "1.1", "0.3286", "0.8", "1.4", "0.868"]

    code, out, _ = run(capsys, "results", survey, "--user", "lead")
    assert "| Overall | 6 | 1.40 | 0.53 | 0.95–2.35 | - |" in out

    code, out, _ = run(capsys, "list", "--user", "lead", "--csv")
    assert out.splitlines()[1].startswith(f"{survey},Ward 7,lead,")
    assert out.splitlines()[1].endswith(",6")

    code, out, _ = run(capsys, "adopt", survey, "--user", "lead", "--json")
    adopted = json.loads(out)
    assert (adopted["respondents"], adopted["overall"], adopted["band"]) == (6, 1.55,
                                                                             "Developing")
    assert adopted["scores"]["multi-year-funding"] == 2 and adopted["scores"][
        "intro-training-for-all"] == 1   # 1.5 and 0.5 rounded half up

    code, _, err = run(capsys, "respond", survey, "--role", "Nurse", "--level", "Front line",
                       "--scores", scores(SIX[0]))
    assert code == 2 and "closed on" in err
    main(["journey", "status", "--user", "lead"])
    assert f"overall 1.55 (Developing), from team survey {survey}, 6 respondents" in \
        capsys.readouterr().out


def test_bad_input_gives_one_clear_line(env, capsys):
    code, _, err = run(capsys, "respond", "K7M2", "--role", "Nurse", "--level", "Front line",
                       "--scores", scores(SIX[0]))
    assert code == 2 and "'K7M2' is not a survey code" in err
    _, out, _ = run(capsys, "open", "--json")
    survey = json.loads(out)["code"]
    code, _, err = run(capsys, "respond", survey, "--role", "Nurse", "--level", "Front line",
                       "--scores", "1,2,3")
    assert code == 2 and "Give 20 scores" in err
    code, _, err = run(capsys, "respond", survey, "--role", "Nurse", "--level", "Front line")
    assert code == 2 and "stopped before the last item" in err   # no terminal to ask on
    code, out, _ = run(capsys, "results", survey)
    assert code == 0 and "0 respondents" in out and "figures are shown once 3 have" in out
    code, _, err = run(capsys, "adopt", survey)
    assert code == 2 and "cannot be adopted yet: 0 answered" in err
    code, out, _ = run(capsys, "close", survey)
    assert code == 0 and "is closed (0 answered)" in out
