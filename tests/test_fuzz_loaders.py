"""The loaders and the ingest pipeline, fuzzed (hypothesis, on the fixed budget set in conftest).

Whatever a file holds — arbitrary bytes, a truncated or bit-flipped PDF, a Word zip with a part
missing or mangled, broken YAML front matter, NULs, huge lines, text in several encodings at
once — loading it gives a SourceDoc that chunks into storable chunks, or a LoaderError whose
message starts with the file's name; never another exception. An ingest over a folder holding
such files reports every one (indexed, or skipped with a reason) and leaves the chunks already
in the index exactly as they were.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import fuzz_budget, markdown_doc, settings_under
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from coach.app import Coach, build_coach
from coach.errors import LoaderError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load
from coach.store import chunk_metadata
from coach.types import SourceDoc

pytestmark = pytest.mark.slow

INT64 = 2**63 - 1
# file stems as people name them: spaces, brackets, accents, other scripts
STEMS = ["notes", "Board paper (final) v2", "résumé-équipe", "改善ガイド", "a"]


# -- seeds: real, valid files of each binary format, made once ----------------------------
@cache
def pdf_seed() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Run charts")
    for text in ("A run chart plots a measure over time with a median line.",
                 "Six points on one side of the median form a shift."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@cache
def docx_seed() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "Board leadership"
    document.add_heading("Board leadership", level=1)
    document.add_paragraph("Boards that lead improvement ask for data at every meeting.")
    document.add_paragraph("Set a clear ambition", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["Action", "Owner", "Run chart", "QI lead"],
                          strict=True):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- strategies ----------------------------------------------------------------------------
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "shift_jis", "koi8-r"]
JUNK = [b"\x00", b"\x00" * 64, b"\xff\xfe", b"\xef\xbb\xbf", b"\x1b[31m", b"\r", b"\r\n",
        b"\xc3", b"\xe2\x80", b"\x85", "\u2028\u202e".encode()]


@st.composite
def mixed_text(draw: st.DrawFn) -> bytes:
    """Text in several encodings at once, with junk bytes and now and then a huge line."""
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["text", "junk", "huge"]))
        if kind == "text":
            text = draw(st.text(max_size=200))
            parts.append(text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace"))
        elif kind == "junk":
            parts.append(draw(st.sampled_from(JUNK)))
        else:
            char = draw(st.sampled_from(["x", "é", "|", "#", " ", "-", "\x00", "😀"]))
            parts.append((char * draw(st.integers(5_000, 120_000))).encode("utf-8"))
    return b"".join(parts)


YAML_CHARS = st.sampled_from(list("abcxyz019 :-[]{}&*!|>'\"\t\n#%@`?,.\\") + ["\x00", "é", "😀"])
# anchors each holding ten of the one before: 10**9 items if anything expands them
ALIAS_BOMB = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
NASTY_YAML = [
    ALIAS_BOMB + "title: *a8\nauthors: *a8\ncoverage: *a8",
    "[" * 3000,  # nesting deep enough to exhaust a recursive parser
    "{a: " * 2000,
    "year: .inf", "year: -.inf", "year: .nan", "step: 1e999", "year: 99999999999999999999999",
    "step: -99999999999999999999", "year: 0x7fffffffffffffffff", "step: 2019-01-01",
    "title: [unclosed", "title: {a: 1, b: [2, 3]}", "authors: [1, [2, [3]], {x: y}]",
    "? [a, b]\n: c", "- just\n- a list", "a string", "42", "~", "null", "key: value\n\tbad",
    "%YAML 9.9\n---\ntitle: x", "title: !!binary aGVsbG8=", "title: !!python/object:os.system x",
    "a: &a [*a]\ntitle: *a", "title: &t x\nsection: *t", "title: *nowhere",
    "coverage: |\n  line\n bad indent", "url: 'unterminated", "kind: \x00",
    "title: " + "x" * 100_000, "\n".join(f"k{i}: {i}" for i in range(3000)),
]


def yaml_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                        st.text(max_size=40), st.dates())
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
        max_leaves=12)


FIELDS = ["title", "publisher", "year", "url", "kind", "section", "step", "authors", "sources",
          "coverage"]


@st.composite
def front_matter_markdown(draw: st.DrawFn) -> bytes:
    """Markdown with front matter that is broken, odd or valid YAML of unexpected types."""
    how = draw(st.sampled_from(["nasty", "chars", "typed"]))
    if how == "nasty":
        head = draw(st.sampled_from(NASTY_YAML))
    elif how == "chars":
        head = "".join(draw(st.lists(YAML_CHARS, max_size=120)))
    else:  # valid YAML, but the fields hold any type at all
        meta = draw(st.dictionaries(st.sampled_from(FIELDS), yaml_values(), max_size=6))
        head = yaml.safe_dump(meta, allow_unicode=True)
    body = draw(st.sampled_from([
        "# Heading\n\nSome text about PDSA cycles.",
        "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 |",
        "",
        "\x00" * 10,
        draw(st.text(max_size=300)),
    ]))
    closing = draw(st.sampled_from(["\n---\n", "\n---", "\r\n---\r\n", "\n--- \n", "\n"]))
    return f"---\n{head}{closing}{body}".encode("utf-8", errors="surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` truncated, with bytes flipped, a slice cut out, or junk spliced in."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["truncate", "flip", "cut", "splice"]))
        if op == "truncate":
            del data[at:]
        elif op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[at:at + draw(st.integers(1, 512))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


@st.composite
def broken_zip(draw: st.DrawFn, seed: bytes) -> bytes:
    """The Word file's zip rebuilt with one part dropped, emptied, truncated or replaced."""
    with zipfile.ZipFile(io.BytesIO(seed)) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    name = draw(st.sampled_from(sorted(parts)))
    op = draw(st.sampled_from(["drop", "empty", "truncate", "replace", "xml"]))
    if op == "drop":
        del parts[name]
    elif op == "empty":
        parts[name] = b""
    elif op == "truncate":
        parts[name] = parts[name][:draw(st.integers(0, max(0, len(parts[name]) - 1)))]
    elif op == "replace":
        parts[name] = draw(st.binary(max_size=200))
    else:  # well-formed XML of the wrong shape
        parts[name] = draw(st.sampled_from([
            b"<?xml version='1.0'?><root/>", b"<a><b></a>",
            b"<!DOCTYPE x [<!ENTITY e 'x'>]><x>&e;</x>",
            b"<?xml version='1.0' encoding='utf-16'?><x/>"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for part, data in parts.items():
            dst.writestr(part, data)
    return out.getvalue()


TAGS = ["<html>", "<body>", "<title>", "</title>", "<h1>", "</h1>", "<h2>", "<p>", "</p>",
        "<li>", "<ul>", "<table>", "<tr>", "<th>", "<td>", "</td>", "</table>", "<script>",
        "</script>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#0;",
        "&#99999999;", "&#x110000;", "&nbsp;", "<pre>", "<blockquote>", "<", ">", "</", "='\"",
        "<meta charset='koi8-r'>", "<![ ", "<![if !supportLists]>", "<?xml version='1.0'?>",
        "<svg><h1>", "<table><table>"]


@st.composite
def html_soup(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=30)), max_size=60))
    return "".join(pieces).encode(draw(st.sampled_from(["utf-8", "cp1252", "utf-16"])),
                                  errors="replace")


def file_contents(suffix: str) -> st.SearchStrategy[bytes]:
    """Contents to try for a file with this extension (any bytes at all always among them)."""
    anything = st.binary(max_size=2048)
    by_kind: dict[str, list[st.SearchStrategy[bytes]]] = {
        ".md": [mixed_text(), front_matter_markdown()],
        ".txt": [mixed_text(), front_matter_markdown()],
        ".html": [mixed_text(), html_soup()],
        ".pdf": [mutated(pdf_seed()), st.just(pdf_seed()[:9])],
        ".docx": [mutated(docx_seed()), broken_zip(docx_seed())],
    }
    return st.one_of(anything, *by_kind[suffix])


SUFFIXES = [".md", ".txt", ".html", ".pdf", ".docx"]


@st.composite
def fuzzed_file(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    return draw(st.sampled_from(STEMS)) + suffix, draw(file_contents(suffix))


# -- the property --------------------------------------------------------------------------
def loads_or_says_why(path: Path) -> SourceDoc | None:
    """Load ``path``: a SourceDoc whose chunks a vector store accepts, or None after a
    LoaderError that names the file and says something; any other exception fails the test."""
    try:
        doc = load(path)
    except LoaderError as exc:
        event(f"{path.suffix}: refused, {str(exc).split(': ', 1)[-1][:40]}")
        message = str(exc)
        assert message.startswith(f"{path.name}: "), message
        reason = message[len(path.name) + 2:]
        assert len(reason) > 15 and "Traceback" not in reason, message
        return None
    event(f"{path.suffix}: loaded")
    assert isinstance(doc, SourceDoc) and isinstance(doc.text, str)
    assert doc.source == path.name
    for chunk in chunk_document(doc, 1000, 150):
        for key, value in chunk_metadata(chunk, "hash", 1).items():
            assert isinstance(value, (str, int, float, bool)), (key, value)
            assert not isinstance(value, int) or -INT64 <= value <= INT64, (key, value)
    return doc


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One folder for the whole module (a function-scoped tmp_path is not reset between
    hypothesis examples); each example writes its file afresh."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-loaders-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@settings(max_examples=fuzz_budget(300))
@given(file=fuzzed_file())
@example(file=("notes.md", b"---\nyear: .inf\n---\n# Notes\n\nText.\n"))
@example(file=("notes.md", b"---\nstep: 99999999999999999999999\n---\nText.\n"))
@example(file=("notes.md", b"---\n" + b"[" * 3000 + b"\n---\nText.\n"))
@example(file=("notes.md", f"---\n{ALIAS_BOMB}title: *a8\n---\nText.\n".encode()))
@example(file=("notes.html", b"<p>PDSA</p><![ x"))  # bs4 raised ParserRejectedMarkup
@example(file=("notes.pdf", b"%PDF-1.4\n"))
@example(file=("notes.docx", b"PK\x03\x04"))
def test_any_file_loads_or_is_refused_with_a_message_naming_it(scratch, file):
    name, data = file
    loads_or_says_why(write(scratch, name, data))


@settings(max_examples=fuzz_budget(60))
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES),
       stem=st.sampled_from(STEMS))
def test_arbitrary_bytes_under_every_extension(scratch, data, suffix, stem):
    loads_or_says_why(write(scratch, stem + suffix, data))


# -- the pipeline over a real index --------------------------------------------------------
GOOD = markdown_doc(
    "# PDSA cycles\n\nA PDSA cycle is a small test of change that runs through four stages: "
    "Plan, Do, Study and Act. The team writes a prediction before the test and compares the "
    "results with it in the Study stage.\n\n## Linking cycles\n\nLinked PDSA cycles form a "
    "ramp from small tests to wider use.",
    title="PDSA cycles", publisher="Improvement Coach (coaching guidance)", year=2026,
    kind="method")
GUIDE = markdown_doc(
    "# Run charts\n\nA run chart plots a measure over time with a median line, so a team can "
    "see whether a change has led to improvement.",
    title="Run charts", publisher="Improvement Coach (coaching guidance)", year=2026,
    kind="method")


@pytest.fixture(scope="module")
def indexed(embedder: Any) -> Iterator[tuple[Coach, Path]]:
    """A real Chroma index (tmp home) over a folder of two good documents."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-ingest-"))
    settings = settings_under(root)
    kb = settings.knowledge_dir
    kb.mkdir(parents=True)
    (kb / "pdsa.md").write_text(GOOD, encoding="utf-8")
    (kb / "guide.md").write_text(GUIDE, encoding="utf-8")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    yield coach, kb
    shutil.rmtree(root, ignore_errors=True)


def snapshot(coach: Coach, source: str | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    return {pid: (text, meta) for pid, text, meta in coach._index.all_chunks()
            if source is None or meta["source"] == source}


def run_ingest(coach: Coach) -> Any:
    report = coach.ingest()
    assert not [s for s in report.skipped if "Traceback" in s[1]]
    return report


@settings(max_examples=fuzz_budget(8))
@given(files=st.lists(fuzzed_file(), min_size=1, max_size=3,
                      unique_by=lambda f: f[0].lower()),
       overwrite_guide=st.one_of(st.none(), file_contents(".md")))
@example(files=[("notes.md", b"---\nyear: .inf\n---\n# Notes\n\nText.\n")], overwrite_guide=None)
@example(files=[("notes.pdf", b"%PDF-1.3\n")], overwrite_guide=b"")  # emptied: no text at all
def test_ingest_reports_each_bad_file_and_leaves_indexed_chunks_alone(indexed, files,
                                                                        overwrite_guide):
    coach, kb = indexed
    before = snapshot(coach)
    good = snapshot(coach, "pdsa.md")
    guide_before = snapshot(coach, "guide.md")
    fuzz_dir = kb / "incoming"
    fuzz_dir.mkdir(exist_ok=True)
    names = [f"incoming/{name}" for name, _ in files]
    for name, data in files:
        (fuzz_dir / name).write_bytes(data)
    if overwrite_guide is not None:  # an indexed file replaced by a broken version
        (kb / "guide.md").write_bytes(overwrite_guide)
    try:
        report = run_ingest(coach)
        skipped = dict(report.skipped)
        for name in names:
            assert (name in report.added) != (name in skipped), (name, report.summary())
            assert name not in skipped or len(skipped[name]) > 15, skipped[name]
            # the reason is about the file, without its name (the report puts it in front)
            assert name not in skipped or not skipped[name].startswith(Path(name).name)
        assert snapshot(coach, "pdsa.md") == good  # untouched: same ids, texts, metadata
        if "guide.md" in skipped:
            assert snapshot(coach, "guide.md") == guide_before
            assert skipped["guide.md"].endswith("(its earlier version stays indexed)")
        added = sum(1 for _, _, m in coach._index.all_chunks() if m["source"] in report.added)
        assert coach.count() == len(snapshot(coach, "pdsa.md")) + added + len(
            snapshot(coach, "guide.md"))
    finally:  # put the folder back as it was and check the index follows
        shutil.rmtree(fuzz_dir)
        (kb / "guide.md").write_text(GUIDE, encoding="utf-8")
        run_ingest(coach)
    assert snapshot(coach) == before
