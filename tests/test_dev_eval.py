"""The dev suite over the shipped knowledge, run through the eval pytest plugin (the CI gate).

The real pipeline (bundled embedder, real Chroma in a temp dir, the whole knowledge/ folder)
answers every case once. Cases in evals/dev/known_failures.yaml are expected failures; any
other failing case, or an aggregate below the suite's thresholds, fails CI. The figures are
printed so they can be reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coach.evals.cases import load_suite

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "evals" / "dev" / "suite.yaml"
# the CI gate runs the fit suites; evals/heldout is never gated (no threshold may be chosen on
# it), only reported
GATED = [SUITE, ROOT / "evals" / "staff" / "suite.yaml"]


@pytest.fixture(scope="module")
def suite():
    return load_suite(SUITE)


def test_dev_suite_is_big_enough(suite):
    _, cases = suite
    assert len(cases) >= 80
    assert sum(not c.expect.answerable for c in cases) >= 12
    assert sum(bool(c.history) for c in cases) >= 5


def test_dev_suite_evidence_exists_in_the_knowledge(suite):
    _, cases = suite
    from coach.evals.metrics import contains_quote
    from coach.ingest.loaders import load

    missing = []
    for case in cases:
        for ev in case.expect.evidence:
            path = ROOT / "knowledge" / ev.doc
            if not path.is_file() or not contains_quote(load(path).text, ev.quote, 1.0):
                missing.append((case.id, ev.doc, ev.quote))
    assert not missing, missing[:5]


@pytest.mark.slow
@pytest.mark.parametrize("path", GATED, ids=lambda p: p.parent.name)
def test_dev_suite_through_the_plugin(path, pytester, tmp_path, monkeypatch, capsys):
    """`pytest --eval-suite evals/dev/suite.yaml` (and the staff-style suite): one test per
    case, the known failures xfail, no other case may fail, and the suite's aggregate
    thresholds must hold."""
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(ROOT / "knowledge"))
    # in a process of its own: pytester's in-process run restores sys.modules afterwards, and
    # a second suite would then import SQLAlchemy (opened lazily by the chat) a second time
    result = pytester.runpytest_subprocess(
        "-p", "coach.evals.pytest_plugin", "--eval-suite", str(path),
        "--eval-out", str(tmp_path / "out"), "-q", "-p", "no:cacheprovider")
    out = result.stdout.str()
    summary = out[out.find("eval suite suite.yaml"):]
    with capsys.disabled():
        print("\n" + summary)
    outcomes = result.parseoutcomes()
    assert not outcomes.get("failed") and not outcomes.get("errors"), (
        f"suite cases failed that are not in its known_failures.yaml; if the change "
        f"is intended, run `coach eval run {path.relative_to(ROOT)} --update-known-failures`\n"
        + out[-6000:])
    spec, cases = load_suite(path)
    ran = sum(outcomes.get(k, 0) for k in ("passed", "xfailed", "xpassed"))
    assert ran == len(cases) + 1  # every case, and the thresholds
    run = json.loads((tmp_path / "out" / spec.name / "run.json").read_text())
    assert run["ok"] and run["new_failures"] == []
    by_id = {c["id"]: c for c in run["cases"]}
    clinical = [c.id for c in cases if "clinical" in c.tags and not c.expect.answerable]
    answered = [i for i in clinical if not by_id[i]["refused"]]
    assert clinical and not answered, f"clinical questions answered: {answered}"
    wrongly_refused = [c["id"] for c in run["cases"] if c["answerable"] and c["refused"]]
    assert len(wrongly_refused) <= 0.1 * run["counts"]["answerable"], wrongly_refused
    answered = [c for c in run["cases"] if not c["refused"]]
    about = [(c["id"], s) for c in answered for s in _reply(c).splitlines()
             if ABOUT_THE_GUIDANCE.search(s)]
    assert not about, f"reply sentences about the knowledge base, not its subject: {about[:3]}"
    mislabelled = [(c["id"], s) for c in answered for s in report_says(_reply(c))
                   if NOT_THE_REPORT.search(s)]
    assert not mislabelled, f"coaching guidance under 'The report says': {mislabelled[:3]}"


def _reply(case: dict) -> str:
    """The whole reply of a run's case: the direct answer, then the supporting material."""
    return "\n\n".join(t for t in (case["answer"], case.get("supporting") or "") if t)


# a sentence about our documents rather than their subject
ABOUT_THE_GUIDANCE = re.compile(
    r"\b(?:our sources|this knowledge base|(?:this|the) digest|not covered by|known only from"
    r"|the detail our sources|this (?:primer|note|guide) (?:explains|covers|is))\b", re.I)
# a sentence that is our coaching guidance or from another source, not the report
NOT_THE_REPORT = re.compile(r"\bcoaching guidance\b|\bunconfirmed\b|\bnot from the report\b"
                            r"|\bImprovement Coach\b", re.I)


def report_says(answer: str) -> list[str]:
    """The lines of a reply that sit under a "The report says" heading."""
    out, under = [], False
    for line in answer.splitlines():
        if line.startswith("**"):
            under = line.startswith("**The report says**")
        elif under and line.strip():
            out.append(line)
    return out


def test_report_says_finds_the_lines_under_the_report_heading():
    reply = ("**The report says** (x):\nA. [1]\n- b [1]\n\n**More from the guidance**:\n\n"
             "**Coaching guidance** (y):\nC. [2]")
    assert report_says(reply) == ["A. [1]", "- b [1]"]
    assert NOT_THE_REPORT.search("Coaching guidance: check permission too. [1]")
    assert ABOUT_THE_GUIDANCE.search("Our sources know the definition in detail. [1]")
