"""`coach eval propose`: which sections of the knowledge no case covers, and candidate cases for
them, read with the real loaders and chunker. A small knowledge folder and suite check coverage
and the candidates exactly; the shipped knowledge with the dev and staff suites checks that
every uncovered section (and no covered one) gets candidates, that every candidate is a valid
case, and that a seed always gives the same candidates. The held-out suite is never read here.
"""

from __future__ import annotations

import json
from pathlib import Path
from random import Random

import pytest

from coach.cli import main
from coach.config import Settings
from coach.evals.cases import SuiteError, load_suite, parse_cases
from coach.evals.coverage import read_sections, render_coverage, section_coverage
from coach.evals.metrics import pattern_found
from coach.evals.propose import (
    REVIEW_FIELDS,
    as_case,
    candidates_for_review,
    default_suites,
    propose,
    write_candidates,
)
from coach.evals.propose_wording import shape, staff_style, with_pronoun

ROOT = Path(__file__).resolve().parents[1]
FIT_SUITES = [ROOT / "evals" / "dev" / "suite.yaml", ROOT / "evals" / "staff" / "suite.yaml"]

WIDGETS = """# Widget boards

## What is a widget board?

Also asked:
- widget board meaning
- whats a widget board

A widget board is a wall chart that shows every sprocket the team tests. It is updated weekly
by the sprocket lead.

Teams keep the board beside the ward station.

## How do you read a widget board?

Read a widget board from left to right, following each sprocket back to the aim. The colours
show which sprockets are still being tested.

## What is the difference between sprockets and cogs?

Sprockets are the changes a team tests; cogs are the measures that show whether they worked.
"""

GADGETS = """# Gadget tracking

## Why does gadget tracking matter?

Gadget tracking matters because it shows drift early, before patients notice it.
"""

CASES = [
    {"id": "w-1", "question": "What is a widget board?",
     "expect": {"answerable": True, "must_include": ["wall chart"],
                "evidence": [{"doc": "methods/widgets.md",
                              "quote": "a WALL chart   that shows every sprocket"}]}},
    {"id": "g-1", "question": "Why track gadgets?",
     "expect": {"answerable": True,
                "evidence": [{"doc": "basics/gadgets.md", "quote": "it shows drift early"}]}},
    # the right words in another document cover nothing here
    {"id": "x-1", "question": "How do I read one?",
     "expect": {"answerable": True,
                "evidence": [{"doc": "elsewhere.md", "quote": "Read a widget board from left"}]}},
    {"id": "refuse-1", "question": "What dose of paracetamol?", "expect": {"answerable": False}},
]


@pytest.fixture
def small(tmp_path, write_md):
    """A knowledge folder of two documents (four sections) and a suite covering two of them."""
    kb = tmp_path / "kb"
    write_md(kb / "methods" / "widgets.md", WIDGETS, title="Widget boards")
    write_md(kb / "basics" / "gadgets.md", GADGETS, title="Gadget tracking")
    suite = tmp_path / "evals" / "small" / "suite.yaml"
    suite.parent.mkdir(parents=True)
    suite.write_text("name: small\ncases: cases.jsonl\n", encoding="utf-8")
    (suite.parent / "cases.jsonl").write_text("".join(json.dumps(c) + "\n" for c in CASES),
                                              encoding="utf-8")
    return kb, suite


def _sections(kb: Path):
    return read_sections(kb, size=1000, overlap=150)


def test_coverage_names_the_covering_cases_per_section_exactly(small):
    kb, suite = small
    sections = _sections(kb)
    assert [s.label for s in sections] == [
        "basics/gadgets.md > Why does gadget tracking matter?",
        "methods/widgets.md > What is a widget board?",
        "methods/widgets.md > How do you read a widget board?",
        "methods/widgets.md > What is the difference between sprockets and cogs?"]
    widget = sections[1]
    assert widget.asked == ("widget board meaning", "whats a widget board")
    assert widget.answer.startswith("A widget board is a wall chart")
    cov = section_coverage(sections, load_suite(suite)[1])
    assert cov.cases == {sections[0].key: ("g-1",), sections[1].key: ("w-1",)}
    assert cov.per_document() == [("basics/gadgets.md", 1, 1), ("methods/widgets.md", 1, 3)]
    assert [s.label for s in cov.uncovered()] == [sections[2].label, sections[3].label]
    text = render_coverage(cov)
    assert text.splitlines()[0] == "2/4 sections have a case"
    assert "  methods/widgets.md  1/3" in text
    assert text.splitlines()[-2:] == [f"  {sections[2].label}", f"  {sections[3].label}"]


def test_candidates_for_uncovered_sections_only_with_every_kind_of_question(small):
    kb, suite = small
    sections = _sections(kb)
    candidates = propose(sections, load_suite(suite)[1], seed=3)
    by_origin: dict[str, list[dict]] = {}
    for c in candidates:
        by_origin.setdefault(c["origin"], []).append(c)
    assert {c["section"]["label"] for c in candidates} == {sections[2].label, sections[3].label}
    assert [c["question"] for c in by_origin["heading"]] == [
        "How do you read a widget board?", "What is the difference between sprockets and cogs?"]
    assert len(by_origin["template:how-to"]) == 2
    assert all("read a widget board" in c["question"] for c in by_origin["template:how-to"])
    assert len(by_origin["template:comparison"]) == 2
    assert all("sprockets" in c["question"] and "cogs" in c["question"]
               for c in by_origin["template:comparison"])
    # the follow-up names the widget board with a pronoun after the question defining it
    [follow] = by_origin["follow-up"]
    assert follow["question"] == "How do you read it?"
    assert follow["history"] == [["What is a widget board?",
                                  "A widget board is a wall chart that shows every sprocket "
                                  "the team tests."]]
    for staff in by_origin["staff"]:
        assert staff["question"] == staff["question"].lower()
        assert "?" not in staff["question"]
    read = by_origin["heading"][0]
    assert read["expect"]["evidence"] == [{
        "doc": "methods/widgets.md",
        "quote": "Read a widget board from left to right, following each sprocket back to the "
                 "aim."}]
    assert read["tags"] == ["proposed", "from:methods/widgets.md"]
    assert read["split"] == "dev" and read["expect"]["answerable"] is True
    # the terms that mark the section, never the question's own words
    terms = read["expect"]["must_include"]
    assert len(terms) == 2
    assert all(pattern_found(sections[2].answer, t) for t in terms)
    assert not {"read", "widget", "board"} & set(terms)
    for c in candidates:
        assert as_case(c).id == c["id"]


def test_every_candidate_lists_as_a_valid_case_and_covers_its_section(small):
    kb, suite = small
    sections = _sections(kb)
    candidates = propose(sections, load_suite(suite)[1])
    lines = [json.dumps({k: v for k, v in c.items() if k not in REVIEW_FIELDS})
             for c in candidates]
    cases = parse_cases(lines, "candidates.jsonl")  # ids unique, evidence present
    covered = section_coverage(sections, cases)
    assert {s.label for s in sections if covered.cases.get(s.key)} == {
        c["section"]["label"] for c in candidates}


def test_as_case_rejects_a_broken_candidate(small):
    kb, suite = small
    [candidate, *_] = propose(_sections(kb), load_suite(suite)[1])
    broken = {**candidate, "expect": {**candidate["expect"], "evidence": []}}
    with pytest.raises(SuiteError, match="answerable case without evidence"):
        as_case(broken)


def test_the_default_suites_are_the_qa_suites_of_the_evals_folder(tmp_path):
    qa = tmp_path / "qa" / "suite.yaml"
    coaching = tmp_path / "talk" / "suite.yaml"
    for path, text in ((qa, "name: qa\ncases: cases.jsonl\n"),
                       (coaching, "name: talk\nkind: coaching\ncases: cases.jsonl\n")):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    (tmp_path / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    assert default_suites(tmp_path) == [qa]


@pytest.fixture(scope="module")
def shipped_settings(tmp_path_factory):
    return Settings(_env_file=None, home=tmp_path_factory.mktemp("home"),  # type: ignore[call-arg]
                    knowledge_dir=ROOT / "knowledge", evals_dir=ROOT / "evals")


@pytest.fixture(scope="module")
def shipped(shipped_settings):
    return candidates_for_review(shipped_settings, suites=FIT_SUITES, seed=0)


def test_shipped_knowledge_every_uncovered_section_gets_valid_candidates(shipped,
                                                                         shipped_settings):
    sections = read_sections(shipped_settings.knowledge_dir, size=shipped_settings.chunk_size,
                             overlap=shipped_settings.chunk_overlap)
    cases = [c for path in FIT_SUITES for c in load_suite(path)[1]]
    uncovered = {s.label for s in section_coverage(sections, cases).uncovered()}
    assert uncovered and len(uncovered) < len(sections)
    labels = [c["section"]["label"] for c in shipped]
    assert set(labels) == uncovered  # every uncovered section, and no covered one
    assert {c["section"]["label"] for c in shipped if c["origin"] == "heading"} == uncovered
    lines = [json.dumps({k: v for k, v in c.items() if k not in REVIEW_FIELDS})
             for c in shipped]
    proposed = parse_cases(lines, "candidates.jsonl")
    assert len(proposed) == len(shipped)
    assert all(c.tags[0] == "proposed" and c.split == "dev" and c.expect.must_include
               for c in proposed)
    assert {c["origin"] for c in shipped} >= {
        "heading", "also-asked", "template:definition", "template:how-to",
        "template:comparison", "follow-up", "staff"}
    asked = {c.question for c in cases}
    assert not asked & {c["question"] for c in shipped if not c["history"]}


def test_shipped_candidates_are_deterministic_for_a_seed(shipped, shipped_settings):
    again = candidates_for_review(shipped_settings, suites=FIT_SUITES, seed=0)
    assert again == shipped
    other = candidates_for_review(shipped_settings, suites=FIT_SUITES, seed=1)
    assert other != shipped
    fixed = ("heading", "also-asked")
    assert [c for c in other if c["origin"] in fixed] == [
        c for c in shipped if c["origin"] in fixed]
    assert {c["question"] for c in other if c["origin"].startswith("template:")} != {
        c["question"] for c in shipped if c["origin"].startswith("template:")}


@pytest.mark.parametrize(("question", "kind", "x", "y"), [
    ("What is a driver diagram?", "definition", "a driver diagram", ""),
    ("What is meant by a change idea in QI?", "definition", "a change idea", ""),
    ("What does ORIC stand for?", "abbreviation", "ORIC", ""),
    ("How do you read a driver diagram?", "how-to", "read a driver diagram", ""),
    ("How can a trust find its own barriers to improvement?", "how-to",
     "find our own barriers to improvement", ""),
    ("How does Lean differ from the Model for Improvement?", "comparison", "Lean",
     "the Model for Improvement"),
    ("What is the difference between a run chart and an SPC chart?", "comparison",
     "a run chart", "an SPC chart"),
    ("What is a readiness assessment for?", "other", "", ""),
    ("What are the warning signs that improvement gains are slipping?", "other", "", ""),
])
def test_shape_reads_the_kind_of_question(question, kind, x, y):
    s = shape(question)
    assert (s.kind, s.x, s.y) == (kind, x, y)


def test_a_pronoun_replaces_a_whole_subject_only():
    subjects = ["a driver diagram", "Lean", "QI", "process mapping", "the drivers"]
    assert with_pronoun("How do you read a driver diagram?", subjects) == (
        "How do you read it?", "a driver diagram")
    assert with_pronoun("What should the drivers include?", subjects) == (
        "What should they include?", "the drivers")
    assert with_pronoun("Who owns the drivers?", subjects) == ("Who owns them?", "the drivers")
    assert with_pronoun("How do we choose a problem for a QI project?", subjects) is None
    assert with_pronoun("Which enablers do buy-in and vision lean on?", subjects) is None
    assert with_pronoun("How do we run a process mapping session?", subjects) is None


def test_staff_style_is_lower_case_abbreviated_and_seeded():
    question = "What is the difference between quality improvement (QI) and audit?"
    typed = {staff_style(question, Random(seed)) for seed in range(20)}
    assert all("whats the diff between QI and audit" in t and "?" not in t for t in typed)
    assert len(typed) > 1
    assert staff_style(question, Random(7)) == staff_style(question, Random(7))
    # never the question itself again
    assert staff_style("what is spc", Random(0)) != "what is spc"


def test_cli_prints_coverage_and_writes_candidates(small, tmp_path, monkeypatch, capsys):
    kb, suite = small
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "candidates.jsonl"
    assert main(["eval", "propose", "--knowledge", str(kb), "--suite", str(suite),
                 "--coverage", "--out", str(out), "--seed", "5"]) == 0
    printed = capsys.readouterr().out
    assert "2/4 sections have a case" in printed
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f"{len(lines)} candidate case(s) for 2 section(s) without a case" in printed
    written = [json.loads(line) for line in lines]
    assert written == propose(_sections(kb), load_suite(suite)[1], seed=5)
    assert main(["eval", "propose", "--knowledge", str(kb), "--suite", str(suite),
                 "--out", "-", "--seed", "5"]) == 0
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == written


def test_cli_stops_on_a_bad_suite_before_reading_the_knowledge(small, tmp_path, monkeypatch,
                                                               capsys):
    kb, suite = small
    monkeypatch.chdir(tmp_path)
    (suite.parent / "cases.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    assert main(["eval", "propose", "--knowledge", str(kb), "--suite", str(suite)]) == 3
    assert "line 1" in capsys.readouterr().err


def test_write_candidates_writes_one_json_object_per_line(small, tmp_path):
    kb, suite = small
    candidates = propose(_sections(kb), load_suite(suite)[1])
    path = tmp_path / "out.jsonl"
    assert write_candidates(path, candidates) == len(candidates)
    assert [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] == candidates
