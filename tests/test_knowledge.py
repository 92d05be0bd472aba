"""The shipped knowledge base: provenance on every document, honest labelling, the seed
document unchanged, no copied outside text, and a journey.yaml that validates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.coaching.journey import JourneyError, load_journey, parse_journey
from coach.config import Settings
from coach.evals.cases import load_suite
from coach.evals.metrics import contains_quote
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load, split_front_matter

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
SEED = KNOWLEDGE / "the-improvement-journey-introduction-and-summary.md"
DOCS = sorted(p for p in KNOWLEDGE.rglob("*.md"))
KINDS = {"report", "report-digest", "coach-guide", "method", "background"}
OWN_KINDS = {"coach-guide", "method", "background"}


SETTINGS = Settings(_env_file=None)  # the shipped chunking settings


def _meta(path: Path) -> dict:
    return load(path).meta


def test_knowledge_has_the_expected_documents():
    kinds = [_meta(p).get("kind") for p in DOCS]
    assert kinds.count("report") == 1
    assert kinds.count("report-digest") >= 6
    assert kinds.count("coach-guide") == 6
    assert kinds.count("method") >= 10
    steps = sorted(_meta(p)["step"] for p in DOCS if _meta(p).get("kind") == "coach-guide")
    assert steps == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_every_document_has_provenance(path: Path):
    meta = _meta(path)
    for key in ("title", "publisher", "year", "kind"):
        assert meta.get(key), f"{path.name}: front matter lacks {key}"
    assert meta["kind"] in KINDS, f"{path.name}: unknown kind {meta['kind']}"
    assert meta.get("section") or meta.get("step"), f"{path.name}: needs section or step"
    assert isinstance(meta["year"], int)
    if meta["kind"] in ("report", "report-digest"):
        assert meta["publisher"] == "The Health Foundation"
        assert meta.get("url", "").startswith("https://")
    else:
        assert "coaching guidance" in meta["publisher"].lower()
        assert meta.get("sources"), f"{path.name}: our own notes must name their sources"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_own_guidance_is_labelled_as_coaching_guidance(path: Path):
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    labels = (body + " " + str(meta.get("coverage", ""))).lower()
    if meta["kind"] in ("coach-guide", "method"):
        assert "coaching guidance" in labels
    if meta["kind"] == "report-digest":  # the digest label lives in the title, not the body
        assert "(digest)" in meta["title"]
    if meta["kind"] == "background":
        assert "not from the report" in body.lower() or "not the report" in body.lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _shingles(text: str, n: int = 10) -> set[str]:
    w = _words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


# Fixed wordings of named methods, quoted exactly (the Model for Improvement's measurement and
# change questions, the Toyota Kata question on the next step).
FIXED_WORDINGS = (
    "How will we know that a change is an improvement?",
    "What changes can we make that will result in improvement?",
    "What is your next step, and what do you expect?",
)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (fact sheets) is not beside the repo")
def test_no_document_copies_outside_text():
    """No 10-word run of our documents' text appears in the fact sheets or the seed text
    (the seed document itself, included as it stands with attribution, aside). A named
    method's fixed questions are quoted exactly, so their own runs do not count."""
    outside: set[str] = set()
    for src in list((SHARED / "reference").glob("*")) + list((SHARED / "seed").glob("*")):
        outside |= _shingles(src.read_text(encoding="utf-8"))
    for wording in FIXED_WORDINGS:
        outside -= _shingles(wording)
    copied = {}
    for path in DOCS:
        if path == SEED:
            continue
        _, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
        hits = _shingles(body) & outside
        if hits:
            copied[path.name] = sorted(hits)[:3]
    assert not copied, f"passages copied from outside sources: {copied}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (the seed text) is not beside the repo")
def test_seed_document_is_included_unchanged():
    original = next((SHARED / "seed").glob("*.txt")).read_text(encoding="utf-8").rstrip()
    assert original.endswith("Next")  # the stray page-navigation word we remove
    meta, body = split_front_matter(SEED.read_text(encoding="utf-8"), SEED.name)
    assert body.strip() == original[: -len("Next")].strip()
    assert meta["authors"] == ["Bryan Jones", "Tim Horton", "Will Warburton"]
    assert meta["section"] == "Introduction and summary"
    assert "Health Foundation" in meta["attribution"]


def test_journey_yaml_validates_and_points_at_real_documents():
    journey = load_journey(KNOWLEDGE / "journey.yaml")
    assert [s.number for s in journey.steps] == [1, 2, 3, 4, 5, 6]
    assert [e.id for e in journey.enablers] == [
        "leadership-governance", "infrastructure-resources", "skills-workforce",
        "culture-environment",
    ]
    missing = sorted(d for d in journey.documents() if not (KNOWLEDGE / d).is_file())
    assert not missing, f"journey.yaml points at documents that do not exist: {missing}"


def test_broken_journey_fails_loudly_with_the_line_at_fault():
    text = (KNOWLEDGE / "journey.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip() == "number: 3")
    broken = "\n".join(lines[:target] + [lines[target].replace("3", "9")] + lines[target + 1:])
    with pytest.raises(JourneyError, match=rf"line {target + 1}: steps\.2\.number"):
        parse_journey(broken)


def test_journey_typo_in_a_key_names_its_line():
    text = (KNOWLEDGE / "journey.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("purpose:"))
    lines[target] = lines[target].replace("purpose:", "purpse:")
    with pytest.raises(JourneyError, match=rf"line {target + 1}: steps\.0\.purpse"):
        parse_journey("\n".join(lines))


def test_journey_that_is_not_yaml_names_its_line():
    with pytest.raises(JourneyError, match="line 3"):
        parse_journey("version: 1\nsteps: [unclosed\n  - x: 1\n")


# Sentences about the knowledge base itself get retrieved and quoted as if they were content.
ABOUT_THE_KNOWLEDGE_BASE = re.compile(
    r"our sources|this knowledge base|the sources behind|\bdigest|not covered by|known only from"
    r"|\bthis (note|primer|guide)\b|improvement coach (note|primer)|in the detail",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_no_indexed_text_is_about_the_knowledge_base(path: Path):
    """What gets indexed (each chunk's text and heading path) is about the subject; caveats
    about coverage belong in the front matter's ``coverage``."""
    hits = [
        f"{chunk.heading!r}: {m.group(0)!r} in {chunk.text[:80]!r}"
        for chunk in chunk_document(load(path), SETTINGS.chunk_size, SETTINGS.chunk_overlap)
        for m in [ABOUT_THE_KNOWLEDGE_BASE.search(chunk.heading + "\n" + chunk.text)] if m
    ]
    assert not hits, f"{path.name} talks about the knowledge base: {hits[:3]}"


def test_the_meta_sentence_check_catches_what_it_should():
    for sentence in ("Our sources know the definition in detail.",
                     "The detail is not covered by this knowledge base.",
                     "This is a digest, in our own words, of Part I.",
                     "The subsections are known only from the report's summary.",
                     "The Improvement Coach primer on Lean is coaching guidance."):
        assert ABOUT_THE_KNOWLEDGE_BASE.search(sentence), sentence
    assert not ABOUT_THE_KNOWLEDGE_BASE.search(
        "The four elements are leadership and governance; infrastructure and resources; "
        "skills and workforce; and culture and environment.")


DIGESTS = [p for p in DOCS if _meta(p).get("kind") == "report-digest"]


@pytest.mark.parametrize("path", DIGESTS, ids=lambda p: p.name)
def test_report_digests_hold_only_what_the_report_says(path: Path):
    """The answerer labels every sentence of a report digest "The report says", so a digest
    carries no coaching guidance, no lead from another source and none of the phrases the
    report does not use."""
    _, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    lowered = " ".join(body.lower().split())
    for phrase in ("coaching guidance", "unconfirmed", "not from the report",
                   "one-off project", "single training course", "background against which",
                   "series of learning reports", "what more they need to do",
                   "cross departmental", "cross-departmental"):
        assert phrase not in lowered, f"{path.name}: {phrase!r}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_coverage_caveats_are_front_matter_strings(path: Path):
    meta = _meta(path)
    if meta["kind"] in OWN_KINDS:
        assert "coverage" in meta, f"{path.name}: our own notes say where they come from"
    if "coverage" in meta:
        coverage = meta["coverage"]
        assert isinstance(coverage, str) and coverage.strip(), f"{path.name}: empty coverage"
        assert "\n" not in coverage.strip() and len(coverage) <= 400, path.name


def test_partly_known_report_sections_carry_a_coverage_caveat():
    partial = {"part-1-organisational-approach.md", "part-2-the-six-steps.md",
               "part-2-approaches-and-investment.md", "part-2-enablers-and-barriers.md",
               "part-3-national-support.md", "appendix-and-further-reading.md"}
    for path in DIGESTS:
        if path.name in partial:
            assert "summary" in _meta(path).get("coverage", ""), path.name


def _dev_evidence() -> list[tuple[str, str, str]]:
    _, cases = load_suite(ROOT / "evals" / "dev" / "suite.yaml")
    return [(case.id, ev.doc, ev.quote) for case in cases for ev in case.expect.evidence]


def test_every_dev_evidence_quote_is_in_its_document():
    missing = []
    for case_id, doc, quote in _dev_evidence():
        _, body = split_front_matter((KNOWLEDGE / doc).read_text(encoding="utf-8"), doc)
        if not contains_quote(body, quote):
            missing.append((case_id, doc, quote))
    assert not missing, f"evidence quotes no longer in their documents: {missing}"


def test_model_for_improvement_questions_are_worded_exactly():
    text = (KNOWLEDGE / "methods" / "model-for-improvement-and-pdsa.md").read_text(encoding="utf-8")
    for question in ("What are we trying to accomplish?",
                     "How will we know that a change is an improvement?",
                     "What changes can we make that will result in improvement?"):
        assert question in text
    for path in DOCS:
        assert "what change can we make" not in path.read_text(encoding="utf-8").lower(), path
