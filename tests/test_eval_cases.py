"""Suite validation: a bad suite, cases file or known-failures file names the line at fault
(exit code 3 on the command line)."""

from __future__ import annotations

import json

import pytest
from eval_support import CASES, write_suite

from coach.cli import main
from coach.evals.cases import (
    SuiteError,
    load_known_failures,
    load_suite,
    parse_suite,
    write_known_failures,
)


def test_the_tiny_suite_loads(tmp_path):
    suite, cases = load_suite(write_suite(tmp_path))
    assert suite.k == 3 and [c.id for c in cases] == [c["id"] for c in CASES]
    assert suite.selected_metrics()[0] == "pass_rate"
    # a suite written before versions and splits: version 1, every case dev
    assert suite.version == 1 and suite.split == "dev" and {c.split for c in cases} == {"dev"}


@pytest.mark.parametrize(("line", "version"), [("version: 3", 3), ("version: 2026-05", "2026-05"),
                                               ("version: '2b'", "2b")])
def test_a_suite_version_is_a_number_or_a_word(line, version):
    assert parse_suite(f"name: x\ncases: c.jsonl\n{line}\n").version == version


@pytest.mark.parametrize(("text", "where", "what"), [
    ("name: x\ncases: c.jsonl\nk: 0\n", "line 3", "k"),
    ("name: x\ncases: c.jsonl\nthresholds:\n  hit_at_k: 0.9\n  hit_rate: 0.5\n", "line 4",
     "no metric called hit_rate"),
    ("name: x\ncases: c.jsonl\nthresholds:\n  hit_at_k: 1.5\n", "line 4", "between 0 and 1"),
    ("name: x\ncases: c.jsonl\nmetrics: [retrieval, speed]\n", "line 3", "unknown metric"),
    ("name: x\ncases: c.jsonl\nbogus: 1\n", "line 3", "bogus"),
    ("name: x\ncases: [c.jsonl\n", "line 3", "not valid YAML"),
    ("cases: c.jsonl\n", "line 1", "name"),
    ("name: x\ncases: c.jsonl\nversion: 0\n", "line 3", "a version is"),
    ("name: x\ncases: c.jsonl\nversion: ''\n", "line 3", "a version is"),
    ("name: x\ncases: c.jsonl\nversion: [1]\n", "line 3", "a version is"),
    ("name: x\ncases: c.jsonl\nsplit: test\n", "line 3", "split"),
])
def test_bad_suite_yaml_names_the_line(text, where, what):
    with pytest.raises(SuiteError) as err:
        parse_suite(text, "suite.yaml")
    assert f"suite.yaml {where}:" in str(err.value)
    assert what in str(err.value)
    assert err.value.exit_code == 3


@pytest.mark.parametrize(("line", "what"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"id": "x", "question": "q?", "expect": {"answerable": True}}),
     "answerable case without evidence"),
    (json.dumps({"id": "x", "question": "", "expect": {}}), "question"),
    (json.dumps({"id": "x", "question": "q?", "expect": {"answerable": False, "oops": 1}}),
     "expect.oops"),
    (json.dumps(CASES[0]), "duplicate case id"),
    (json.dumps({**CASES[3], "id": "y", "split": "heldout"}), "split"),
])
def test_bad_case_names_the_jsonl_line(tmp_path, line, what):
    suite = write_suite(tmp_path)
    cases = suite.parent / "cases.jsonl"
    cases.write_text(cases.read_text() + line + "\n")
    with pytest.raises(SuiteError) as err:
        load_suite(suite)
    assert f"cases.jsonl line {len(CASES) + 1}:" in str(err.value)
    assert what in str(err.value)


def test_missing_cases_file(tmp_path):
    suite = write_suite(tmp_path)
    (suite.parent / "cases.jsonl").unlink()
    with pytest.raises(SuiteError, match="cannot read the cases file"):
        load_suite(suite)


def test_known_failures_round_trip_and_errors(tmp_path):
    suite_path = write_suite(tmp_path, known={"board-commitment": "needs a zebra"})
    suite, cases = load_suite(suite_path)
    assert load_known_failures(suite_path, suite, cases) == {"board-commitment": "needs a zebra"}
    path = suite_path.parent / "known_failures.yaml"
    write_known_failures(path, {"run-shift": "x", "board-commitment": "y"}, "tiny")
    assert load_known_failures(suite_path, suite, cases) == {"board-commitment": "y",
                                                             "run-shift": "x"}
    assert path.read_text().startswith("# Known failures")
    path.write_text("run-shift: fine\nno-such-case: gone\n")
    with pytest.raises(SuiteError, match=r"known_failures.yaml line 2: 'no-such-case' is not"):
        load_known_failures(suite_path, suite, cases)


def test_cli_exits_3_on_a_bad_suite(tmp_path, capsys):
    suite = write_suite(tmp_path)
    suite.write_text(suite.read_text().replace("k: 3", "k: many"))
    assert main(["eval", "run", str(suite)]) == 3
    assert "suite.yaml line 3: k:" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "what"), [
    (["--set", "no_such_setting=1"], "no setting called 'no_such_setting'"),
    (["--set", "top_k"], "write it as NAME=VALUE"),
    (["--answerer", "telepathy"], "COACH_LLM"),
])
def test_cli_bad_overrides_get_a_message(tmp_path, capsys, extra, what):
    assert main(["eval", "run", str(write_suite(tmp_path)), *extra]) != 0
    assert what in capsys.readouterr().err
