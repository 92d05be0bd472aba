"""The shipped knowledge base: provenance on every document, honest labelling, the seed
document unchanged, no copied outside text, and a journey.yaml that validates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.coaching.journey import JourneyError, load_journey, parse_journey
from coach.ingest.loaders import load, split_front_matter

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SHARED = ROOT.parent / "shared"
SEED = KNOWLEDGE / "the-improvement-journey-introduction-and-summary.md"
DOCS = sorted(p for p in KNOWLEDGE.rglob("*.md"))
KINDS = {"report", "report-digest", "coach-guide", "method", "background"}
OWN_KINDS = {"coach-guide", "method", "background"}


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
    if meta["kind"] in ("coach-guide", "method"):
        assert "coaching guidance" in body.lower()
    if meta["kind"] == "report-digest":
        assert "digest" in body.lower() and "in our own words" in body.lower()
    if meta["kind"] == "background":
        assert "not from the report" in body.lower() or "not the report" in body.lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _shingles(text: str, n: int = 10) -> set[str]:
    w = _words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (fact sheets) is not beside the repo")
def test_no_document_copies_outside_text():
    """No 10-word run of our documents' text appears in the fact sheets or the seed text
    (the seed document itself, included as it stands with attribution, aside)."""
    outside: set[str] = set()
    for src in list((SHARED / "reference").glob("*")) + list((SHARED / "seed").glob("*")):
        outside |= _shingles(src.read_text(encoding="utf-8"))
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
