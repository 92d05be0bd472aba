"""Shared fixtures for the test suite.

Everything here is real: the bundled sentence-transformers embedder (loaded once per session),
an embedded Chroma store in each test's tmp dir, and documents written to disk by the tests.

Fixtures
    embedder        the real bundled embedder, shared by the whole session
    make_settings   factory: Settings rooted in tmp_path (home/ and kb/), keyword overrides
    make_coach      factory: a Coach built from those settings with the shared embedder
    shipped_coach   a Coach over the shipped knowledge/ folder, indexed once per session
                    (read-only: tests that ingest or save progress build their own)
    write_md        helper: write a small Markdown document with YAML front matter
    write_pdf       helper: write a real PDF (fpdf2) with one string per page
"""

from __future__ import annotations

import os

# Before anything imports huggingface_hub or chromadb: never reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.app import Coach, build_coach
from coach.config import Settings
from coach.providers.embeddings import SentenceTransformerEmbeddings

# -- the inner loop ------------------------------------------------------------------------
# `make check` runs `pytest -m "not slow"`: tests that index the whole knowledge folder, run a
# language model, start a server or browser, or run a whole eval suite are marked slow, by
# module (pytestmark) or here, by the fixtures that cost the time.
SLOW_FIXTURES = frozenset({
    "shipped_coach", "knowledge_coach",  # the whole knowledge folder indexed
    "recogniser",  # the intent exemplars embedded, then every dev-suite question
    "labelled",  # the 448 questions of the clinical set embedded
    "smol",  # the real GGUF model loaded
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# -- isolation -----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_coach_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own COACH_* variables must not leak into the tests."""
    for name in list(os.environ):
        if name.startswith("COACH_"):
            monkeypatch.delenv(name)


# -- the embedder --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbeddings:
    """The real bundled embedder, loaded once (about 8 s) and shared by every test."""
    model = SentenceTransformerEmbeddings()
    model.encode(["warm up"])  # load now, so the cost is not charged to the first test
    return model


# -- settings and coaches ------------------------------------------------------------------
def settings_under(root: Path, **overrides: Any) -> Settings:
    """Settings with the data directory and knowledge folder under ``root``; no .env read."""
    values: dict[str, Any] = {"home": root / "home", "knowledge_dir": root / "kb"}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """``make_settings(**overrides)``: Settings(home=tmp_path/"home", knowledge_dir=tmp_path/"kb").

    Pass ``root=`` to place home/ and kb/ somewhere other than tmp_path.
    """

    def factory(root: Path | None = None, **overrides: Any) -> Settings:
        return settings_under(root or tmp_path, **overrides)

    return factory


@pytest.fixture
def make_coach(make_settings: Callable[..., Settings],
               embedder: SentenceTransformerEmbeddings) -> Callable[..., Coach]:
    """``make_coach(settings=None, **overrides)``: a real Coach with the shared embedder."""

    def factory(settings: Settings | None = None, **overrides: Any) -> Coach:
        if settings is None:
            settings = make_settings(**overrides)
        elif overrides:
            raise TypeError("pass either settings or overrides, not both")
        return build_coach(settings, embedder=embedder)

    return factory


@pytest.fixture(scope="session")
def shipped_coach(embedder: SentenceTransformerEmbeddings,
                  tmp_path_factory: pytest.TempPathFactory) -> Coach:
    """The shipped knowledge indexed once into a session temp home, for read-only questions."""
    home = tmp_path_factory.mktemp("shipped-home")
    coach = build_coach(Settings(_env_file=None, home=home,  # type: ignore[call-arg]
                                 knowledge_dir=Path(__file__).resolve().parents[1] / "knowledge"),
                        embedder=embedder)
    coach.ingest()
    return coach


# -- documents -----------------------------------------------------------------------------
def markdown_doc(body: str, **front_matter: Any) -> str:
    """Markdown text with the given front matter (omitted when there is none)."""
    text = body.strip() + "\n"
    if front_matter:
        head = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True)
        text = f"---\n{head}---\n\n{text}"
    return text


@pytest.fixture
def write_md() -> Callable[..., Path]:
    """``write_md(path, body, **front_matter)``: write a Markdown doc (parents created)."""

    def write(path: Path, body: str, **front_matter: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown_doc(body, **front_matter), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_pdf() -> Callable[..., Path]:
    """``write_pdf(path, pages, title=None)``: a real PDF (fpdf2), one string per page.

    Core PDF fonts are Latin-1 only: keep the page text ASCII.
    """
    from fpdf import FPDF

    def write(path: Path, pages: list[str], title: str | None = None) -> Path:
        pdf = FPDF()
        if title:
            pdf.set_title(title)
        for text in pages:
            pdf.add_page()
            pdf.set_font("Helvetica", size=12)
            pdf.multi_cell(0, 8, text)
        path.parent.mkdir(parents=True, exist_ok=True)
        pdf.output(str(path))
        return path

    return write
