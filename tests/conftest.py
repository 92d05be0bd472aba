"""Shared fixtures for the test suite.

Everything here is real: the bundled embedder on the default backend (loaded once per session),
an embedded Chroma store in each test's tmp dir, and documents written to disk by the tests.

Fixtures
    embedder        the real bundled embedder on the default backend, shared by the session;
                    each distinct text is run once and its vector remembered (remember_vectors)
    torch_embedder  the same model run by torch (sentence-transformers), the reference
    make_settings   factory: Settings rooted in tmp_path (home/ and kb/), keyword overrides
    make_coach      factory: a Coach built from those settings with the shared embedder
    shipped_coach   a Coach over the shipped knowledge/ folder, indexed once per session
                    (read-only: tests that ingest or save progress build their own)
    write_md        helper: write a small Markdown document with YAML front matter
    write_pdf       helper: write a real PDF (fpdf2) with one string per page
    postgres        a real PostgreSQL server for the session (tests/pg.py)
    chroma_server   a real Chroma server (`chroma run`, tests/servers.ChromaServer) per module
    chroma_url      its URL
"""

from __future__ import annotations

import gc
import os

# Before anything imports huggingface_hub or chromadb: never reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from coach.app import Coach, build_coach
from coach.config import Settings
from coach.ports import Embedder
from coach.providers.embeddings import SentenceTransformerEmbeddings, make_embedder
from coach.providers.onnx_embeddings import OnnxEmbeddings

# -- the inner loop ------------------------------------------------------------------------
# `make check` runs `pytest -m "not slow"`: tests that index the whole knowledge folder, run a
# language model, build a model, start a server or browser, or run a whole eval suite are
# marked slow, by module (pytestmark), by test, or here, by the fixtures that cost the time.
SLOW_FIXTURES = frozenset({
    "shipped_coach", "knowledge_coach",  # the whole knowledge folder indexed
    "recogniser",  # the intent exemplars embedded, then every dev-suite question
    "labelled",  # the 448 questions of the clinical set embedded
    "smol",  # the real GGUF model loaded
    "torch_embedder",  # torch and the embedder's model loaded (7 s), for agreement checks
})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every test module, and every library they import, is loaded by now: a few million
    objects that live as long as the run. Move them out of the garbage collector's way
    (``gc.freeze``): each full collection otherwise walks them all again, which cost the
    fast tests about a quarter of their CPU time."""
    gc.collect()
    gc.freeze()


# -- fuzzing ------------------------------------------------------------------------------
# The fuzz tests (tests/test_fuzz_*.py) run on a fixed budget: the same examples every run
# (derandomize, no example database), so CI is reproducible and a failure can be rerun as is.
# Each test sets its budget with fuzz_budget(n); `pytest --hypothesis-profile=fuzz-deep` runs
# ten times as many examples, fresh random ones, for a longer local hunt.
hypothesis_settings.register_profile(
    "coach", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.register_profile(
    "fuzz-deep", parent=hypothesis_settings.get_profile("coach"), derandomize=False,
    max_examples=1000,
)
hypothesis_settings.load_profile("coach")


def fuzz_budget(examples: int) -> int:
    """``examples`` under the default profile, scaled by the profile pytest runs with."""
    return max(1, examples * hypothesis_settings.default.max_examples // 100)


# -- isolation -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def onnx_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests keep the embedder's ONNX exports: pytest's cache folder, so the default
    backend is exported once per checkout rather than once per test's COACH_HOME (writes
    are atomic renames, so test runs side by side share it safely); a session folder when
    the cache is off (-p no:cacheprovider)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("onnx-models")
    return Path(cache.mkdir("onnx-models"))


@pytest.fixture(autouse=True)
def _no_coach_env(monkeypatch: pytest.MonkeyPatch, onnx_cache: Path) -> None:
    """A developer's own COACH_* variables must not leak into the tests; every coach the
    tests build shares one ONNX export cache (tests of the cache itself unset it)."""
    for name in list(os.environ):
        if name.startswith("COACH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COACH_EMBEDDING_CACHE", str(onnx_cache))


# -- the embedder --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def embedder(onnx_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The real bundled embedder on the default backend (what `coach` builds from the
    settings), loaded once and shared by every test."""
    settings = Settings(_env_file=None, home=tmp_path_factory.mktemp("embedder-home"),  # type: ignore[call-arg]
                        embedding_cache=onnx_cache)
    model = make_embedder(settings)
    model.encode(["warm up"])  # load (or export) now, so the cost is not charged to a test
    if isinstance(model, OnnxEmbeddings):
        remember_vectors(model)
    return model


def remember_vectors(model: OnnxEmbeddings) -> None:
    """Make ``model.encode`` and ``model.encode_pooled`` run each distinct input through the
    model once per session and hand back copies of what it gave afterwards.

    The vectors are exactly the model's: the ONNX backends run every text on its own (no
    padding, nothing shared with the texts beside it), so a text's vector never depends on
    when or with what it is encoded (test_onnx_embeddings.py holds this for both backends).
    What it saves is the same texts embedded again by every coach a test builds: the
    workbench chat's intent exemplars (76 texts per Coach) and the small knowledge folders
    the tests share. The torch backend is left as it is."""
    plain, plain_pooled = model.encode, model.encode_pooled
    known: dict[str, np.ndarray] = {}
    known_pooled: dict[tuple[str, tuple[tuple[int, int], ...]],
                       tuple[np.ndarray, list[np.ndarray | None]]] = {}

    def encode(texts: list[str]) -> np.ndarray:
        texts = list(texts)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(zip(new, plain(new), strict=True))
        if not texts:
            return plain(texts)
        return np.stack([known[t] for t in texts])  # a fresh array: callers may write to it

    def encode_pooled(texts: list[str], spans: list[list[tuple[int, int]]]
                      ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        keys = [(t, tuple(map(tuple, s))) for t, s in zip(texts, spans, strict=True)]
        new = list(dict.fromkeys(k for k in keys if k not in known_pooled))
        if new:
            vectors, pooled = plain_pooled([t for t, _ in new], [list(s) for _, s in new])
            known_pooled.update(zip(new, zip(vectors, pooled, strict=True), strict=True))
        if not keys:
            return plain_pooled([], [])
        vectors = np.stack([known_pooled[k][0] for k in keys])
        return vectors, [[None if v is None else v.copy() for v in known_pooled[k][1]]
                         for k in keys]

    model.encode = encode  # type: ignore[method-assign]
    model.encode_pooled = encode_pooled  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceTransformerEmbeddings:
    """The bundled embedder run by torch (sentence-transformers), loaded once: the reference
    the other backends are compared with."""
    model = SentenceTransformerEmbeddings()
    model.encode(["warm up"])
    return model


# -- the app's database: SQLite and a real PostgreSQL -------------------------------------
@pytest.fixture(scope="session")
def postgres() -> Any:
    """A real PostgreSQL server for the session (tests/pg.py), stopped at the end."""
    from tests import pg

    reason = pg.missing_reason()
    if reason:
        pytest.skip(reason)
    server = pg.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real Chroma server (`chroma run`) on a free local port, stopped after the module
    (tests may stop, start, freeze and thaw it: tests/servers.ChromaServer)."""
    from tests.servers import CHROMA, ChromaServer

    if not CHROMA.exists():
        pytest.skip(f"the chroma executable is not installed next to Python ({CHROMA})")
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chroma_url(chroma_server: Any) -> str:
    """The URL of the module's Chroma server."""
    return str(chroma_server.url)


_DB_COUNTER = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """COACH_DATABASE_URL for each backend in turn: a SQLite file in tmp_path, then a fresh
    database on the session's PostgreSQL server (dropped afterwards). Tests that take it run
    once per backend, so SQLite and PostgreSQL pass the same store tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite3'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"t{os.getpid()}_{next(_DB_COUNTER)}"
    url = server.create_database(name)
    yield url
    from coach.db import close_all

    close_all()
    server.drop_database(name)


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
               embedder: Embedder) -> Callable[..., Coach]:
    """``make_coach(settings=None, **overrides)``: a real Coach with the shared embedder."""

    def factory(settings: Settings | None = None, **overrides: Any) -> Coach:
        if settings is None:
            settings = make_settings(**overrides)
        elif overrides:
            raise TypeError("pass either settings or overrides, not both")
        return build_coach(settings, embedder=embedder)

    return factory


@pytest.fixture(scope="session")
def shipped_coach(embedder: Embedder,
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


def pdf_file(path: Path, pages: list[str], title: str | None = None) -> Path:
    """A real PDF (fpdf2) at ``path``, one string per page (ASCII: core fonts are Latin-1)."""
    from fpdf import FPDF

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


@pytest.fixture
def write_pdf() -> Callable[..., Path]:
    """``write_pdf(path, pages, title=None)``: a real PDF (fpdf2), one string per page.

    Core PDF fonts are Latin-1 only: keep the page text ASCII.
    """
    return pdf_file
