"""Fit code reads only the dev split: a suite's dev cases (``cases.load_fit_cases``) and a
labelled set's dev rows (``splits.fit_rows``); a held-out row is read only to score a finished
model, inside a function called ``score_held_out``. The loaders are shown to drop held-out
cases and rows (even malformed ones), and the fit scripts are read to show they use no other
way in.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from eval_support import CASES, write_suite

from coach.evals.cases import SuiteError, load_fit_cases, load_suite, parse_suite
from coach.evals.splits import all_rows, fit_rows, held_out_rows, split_name

ROOT = Path(__file__).resolve().parents[1]
FIT_CODE = sorted((ROOT / "benchmarks").glob("fit_*.py")) + sorted(
    (ROOT / "coach" / "evals").glob("*_fit.py"))
# the only ways fit code may read cases or labelled rows
FIT_READERS = {"load_fit_cases", "fit_rows"}
HELD_OUT_READER, HELD_OUT_SCORER = "held_out_rows", "score_held_out"
# anything else that reads a file, a suite or a labelled set
DIRECT_READS = {"open", "read_text", "read_bytes", "readlines", "readline", "load", "loads",
                "safe_load", "load_all", "full_load", "unsafe_load", "loadtxt", "genfromtxt",
                "read_json", "read_csv", "load_dataset", "load_suite", "load_any_suite",
                "load_coaching_suite", "parse_cases", "parse_suite", "all_rows", "_rows",
                "_read", "load_questions", "load_run"}

HELD_OUT = [
    {**CASES[1], "id": "held-shift", "split": "held-out"},
    # malformed as a case (answerable without evidence, an unknown key): a fit loader drops
    # it before it looks at anything but the split
    {"id": "held-broken", "question": "?", "split": "held-out", "oops": 1,
     "expect": {"answerable": True}},
]


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def reading_problems(source: str, name: str, *, script: bool) -> list[str]:
    """What in ``source`` reads data other than through the fit readers. ``script``: a fit
    script, which must read through one of them and may score held-out rows in
    ``score_held_out``; otherwise (coach/evals/*_fit.py) no held-out reader at all."""
    tree = ast.parse(source, name)
    problems, readers = [], set()
    scorers = [n for n in ast.walk(tree)
               if isinstance(n, ast.FunctionDef) and n.name == HELD_OUT_SCORER]
    allowed = {id(c) for f in scorers for c in ast.walk(f)} if script else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                if alias.name.rsplit(".", 1)[-1] in DIRECT_READS:
                    problems.append(f"{name}:{node.lineno}: imports {alias.name}")
        if isinstance(node, ast.Call):
            called = _called(node)
            readers.add(called)
            if called in DIRECT_READS:
                problems.append(f"{name}:{node.lineno}: reads data with {called}()")
            if called == HELD_OUT_READER and id(node) not in allowed:
                problems.append(f"{name}:{node.lineno}: reads held-out rows outside "
                                f"{HELD_OUT_SCORER}()")
    if script and not readers & FIT_READERS:
        problems.append(f"{name}: reads its cases through none of {sorted(FIT_READERS)}")
    return problems


@pytest.mark.parametrize("path", FIT_CODE, ids=lambda p: p.name)
def test_fit_code_reads_cases_only_through_the_fit_readers(path):
    script = path.parent.name == "benchmarks"
    assert reading_problems(path.read_text(encoding="utf-8"), path.name, script=script) == []


def test_the_scan_finds_every_fit_file():
    names = {p.name for p in FIT_CODE}
    assert {"fit_answers.py", "fit_clinical.py", "fit_scope.py", "fit_scope_evidence.py",
            "clinical_fit.py", "scope_fit.py"} <= names


@pytest.mark.parametrize(("source", "found"), [
    ("rows = [json.loads(x) for x in Path(p).read_text().splitlines()]\nfit_rows(p)\n",
     "reads data with read_text()"),
    ("from coach.evals.cases import load_suite\nload_suite(p)\n", "imports load_suite"),
    ("from coach.evals.cases import load_suite as ls\nfit_rows(p)\n", "imports load_suite"),
    ("import yaml\nyaml.safe_load(open(p))\nfit_rows(p)\n", "reads data with open()"),
    ("def fit():\n    return held_out_rows(p) + fit_rows(p)\n",
     "reads held-out rows outside score_held_out()"),
    ("def fit():\n    return train(all_rows(p))\n", "reads its cases through none"),
])
def test_the_scan_fails_on_a_direct_read(source, found):
    problems = reading_problems(source, "fit_new.py", script=True)
    assert any(found in p for p in problems), problems


def test_a_held_out_read_inside_score_held_out_passes_only_in_a_script():
    source = ("def score_held_out(p):\n    return held_out_rows(p)\n\n"
              "def main():\n    fit_rows(p)\n")
    assert reading_problems(source, "fit_new.py", script=True) == []
    assert reading_problems(source, "new_fit.py", script=False) != []


def test_load_fit_cases_never_returns_a_held_out_case(tmp_path):
    path = write_suite(tmp_path, cases=[*CASES, *HELD_OUT])
    suite, cases = load_fit_cases(path)
    assert [c.id for c in cases] == [c["id"] for c in CASES]
    assert {c.split for c in cases} == {"dev"}
    # every case, checked, when the malformed held-out line is gone
    path = write_suite(tmp_path, cases=[*CASES, HELD_OUT[0]])
    _suite, every = load_suite(path)
    assert [(c.id, c.split) for c in every][-2:] == [("oos-dose", "dev"),
                                                      ("held-shift", "held-out")]


def test_a_held_out_suite_gives_a_fit_only_the_cases_marked_dev(tmp_path):
    dev = {**CASES[0], "split": "dev"}
    path = write_suite(tmp_path, cases=[*CASES[1:], dev])
    path.write_text(path.read_text() + "split: held-out\n")
    suite, cases = load_fit_cases(path)
    assert suite.split == "held-out" and [c.id for c in cases] == [dev["id"]]
    _suite, every = load_suite(path)
    assert {c.id: c.split for c in every} == {
        **{c["id"]: "held-out" for c in CASES[1:]}, dev["id"]: "dev"}
    path = write_suite(tmp_path, cases=CASES[1:])
    path.write_text(path.read_text() + "split: held-out\n")
    with pytest.raises(SuiteError, match="holds no dev cases"):
        load_fit_cases(path)


def test_the_shipped_held_out_suite_is_held_out_by_its_suite_file():
    """Read from suite.yaml alone: its cases file is never opened here."""
    path = ROOT / "evals" / "heldout" / "suite.yaml"
    suite = parse_suite(path.read_text(encoding="utf-8"), str(path))
    assert suite.split == "held-out"
    for name in ("dev", "staff"):
        path = ROOT / "evals" / name / "suite.yaml"
        assert parse_suite(path.read_text(encoding="utf-8"), str(path)).split == "dev"


@pytest.fixture
def fit_answers(monkeypatch) -> ModuleType:
    """benchmarks/fit_answers.py, imported as a module (its dataclasses need it in
    sys.modules; it imports bench_retrieval from its own folder)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("fit_answers",
                                                  ROOT / "benchmarks" / "fit_answers.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fit_answers", module)
    spec.loader.exec_module(module)
    return module


def test_the_answer_fit_reads_only_dev_cases(tmp_path, fit_answers):
    path = write_suite(tmp_path, cases=[*CASES, *HELD_OUT])
    cases = fit_answers.fit_cases([str(path)])
    assert [c.id for c in cases] == [c["id"] for c in CASES if c["expect"]["answerable"]]


def test_fit_rows_never_return_a_held_out_row(tmp_path):
    rows = [{"question": "a", "label": True, "split": "train"},
            {"question": "b", "label": False, "split": "fit"},
            {"question": "c", "label": True, "split": "dev"},
            {"question": "d", "label": False},
            {"question": "", "label": "maybe", "split": "heldout"},
            {"question": "e", "label": True, "split": "held-out"}]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    assert [r.fields["question"] for r in fit_rows(path, default="train")] == list("abcd")
    assert [r.fields["question"] for r in held_out_rows(path, default="train")] == ["", "e"]
    assert [r.fields["question"] for r in all_rows(path, default="train")] == [
        *"abcd", "", "e"]
    assert fit_rows(path, default="train")[3].where == f"{path}:4"
    with pytest.raises(ValueError, match=r"questions.jsonl:4: split must be one of"):
        fit_rows(path)  # a row naming no split, and no default


def test_split_names():
    assert {split_name(n) for n in ("dev", "fit", "train")} == {"dev"}
    assert {split_name(n) for n in ("held-out", "heldout")} == {"held-out"}
    assert split_name("test") is None and split_name(None) is None


def test_the_labelled_sets_splits_are_read_as_dev_and_held_out():
    for name, default in (("clinical", "train"), ("scope", None)):
        path = ROOT / "evals" / name / "questions.jsonl"
        dev, held = fit_rows(path, default=default), held_out_rows(path, default=default)
        assert dev and held
        assert len(dev) + len(held) == len(all_rows(path, default=default))
        assert not {r.fields["question"] for r in dev} & {r.fields["question"] for r in held}


def test_the_shipped_selection_settings_are_the_ones_most_folds_chose(fit_answers):
    from coach.answering.ranking import Weights
    from coach.answering.sections import SectionWeights

    def settings(threshold: float, fill: float, margin: float) -> object:
        return fit_answers.Settings(Weights(weights={}, bias=0.0, margin=margin),
                                    SectionWeights(threshold=threshold, second=threshold,
                                                   fill=fill))

    folds = [settings(0.2, 0, 2.0), settings(0.6, 450, 3.0), settings(0.2, 0, 3.0),
             settings(0.6, 0, 2.0), settings(0.2, 450, 3.0)]
    final = fit_answers.modal(settings(0.6, 450, 2.0), folds)
    assert final.sections.threshold == final.sections.second == 0.2  # three folds to two
    assert final.sections.fill == 0 and final.sentences.margin == 3.0
    # a tie keeps the value chosen on all cases when it is among the most chosen
    tied = fit_answers.modal(settings(0.6, 0, 2.0), folds[:4])
    assert tied.sections.threshold == 0.6 and tied.sentences.margin == 2.0


def test_the_section_model_never_weighs_a_similarity_against_a_section(fit_answers):
    """fit_sections bounds the weights of NON_NEGATIVE features at zero: here a feature
    that, fitted freely, would take a negative weight (it separates the labels backwards)."""
    import numpy as np

    from coach.answering.sections import FEATURES, SectionMatch

    rng = np.random.default_rng(0)
    data = []
    for _ in range(60):
        label = bool(rng.integers(0, 2))
        feats = {f: float(rng.normal()) for f in FEATURES}
        feats["gap"] = float(label) + 0.3 * float(rng.normal())
        feats["qsim"] = -float(label) + 0.3 * float(rng.normal())  # backwards
        answer = "yes" if label else "no"
        data.append(fit_answers.CaseData(
            case=type("C", (), {"expect": type("E", (), {"must_include": ["yes"],
                                                          "key_points": []})()})(),
            question="q", shape=None, pool=[], labels=np.zeros(0), passages=[], share=None,
            refused=False, matches=[SectionMatch(0, 0.5, "Q?", answer, 0.0, feats)]))
    weights, _ = fit_answers.fit_sections(data)
    assert weights["gap"] > 0
    assert weights["qsim"] == 0.0  # bounded: it would be negative
    assert all(weights[f] >= 0 for f in fit_answers.NON_NEGATIVE)
