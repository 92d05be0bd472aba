"""What the fuzzers (tests/test_fuzz_*.py, slow) found, kept as fast tests for the inner loop.

Each was a crash with a traceback, or a message that left something out, before its fix."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import markdown_doc

from coach.answering.question import ask, printable
from coach.errors import BadInputError, LoaderError
from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load
from coach.store import chunk_metadata


def chunks_of(path):
    return chunk_document(load(path), 1000, 150)


@pytest.mark.parametrize("front", ["year: .inf", "year: -.inf", "step: 1e999",
                                   "step: 99999999999999999999999", "title: {a: 1}",
                                   "authors: [1, [2], {x: y}]", "year: 2019-01-01"])
def test_odd_front_matter_values_are_dropped_not_crashed_on(tmp_path, front):
    # .inf raised OverflowError in chunking (ingest aborted); 10**23 reached Chroma as a float
    path = tmp_path / "odd.md"
    path.write_text(f"---\n{front}\n---\n# Odd\n\nSome text about run charts.\n")
    [chunk] = chunks_of(path)
    meta = chunk_metadata(chunk, "hash", 1)
    assert all(isinstance(v, (str, int)) for v in meta.values())
    assert meta["step"] == 0 and meta["year"] in (0,) and "{" not in meta["title"]


def test_an_alias_bomb_in_front_matter_is_not_expanded(tmp_path):
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.md"
    path.write_text("---\n" + "\n".join(lines) + "\ntitle: *a8\ncoverage: *a8\n---\nText.\n")
    [chunk] = chunks_of(path)  # str() of title would build 10**9 items
    assert chunk.title == "Bomb" and chunk.meta["coverage"] == ""


def test_front_matter_nested_too_deeply_is_a_loader_error(tmp_path):
    # PyYAML's recursive parser raised RecursionError
    path = tmp_path / "deep.md"
    path.write_text("---\n" + "[" * 3000 + "\n---\nText.\n")
    with pytest.raises(LoaderError, match=r"^deep\.md: the YAML front matter is nested too"):
        load(path)


def _docx_with(part: str, data: bytes) -> bytes:
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Boards ask for data at every meeting.")
    document.save(out)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename == part else src.read(info))
    return rebuilt.getvalue()


@pytest.mark.parametrize("part", ["[Content_Types].xml", "word/document.xml",
                                  "word/styles.xml", "docProps/core.xml"])
def test_a_word_file_with_a_damaged_part_is_a_loader_error(tmp_path, part):
    # an empty part raised lxml's XMLSyntaxError, which no one caught
    path = tmp_path / "board.docx"
    path.write_bytes(_docx_with(part, b""))
    with pytest.raises(LoaderError, match=r"^board\.docx: cannot (open|read) this Word file"):
        load(path)


def test_html_the_parser_rejects_is_a_loader_error(tmp_path):
    # bs4 raised ParserRejectedMarkup on a '<!' declaration with no keyword
    path = tmp_path / "page.html"
    path.write_text("<p>PDSA cycles</p><![ x")
    with pytest.raises(LoaderError, match=r"^page\.html: cannot read this HTML page"):
        load(path)


@pytest.mark.slow  # two ingests into a real index
def test_an_emptied_file_says_its_earlier_version_stays(tmp_path, make_coach, write_md):
    coach = make_coach()
    kb = coach.settings.knowledge_dir
    write_md(kb / "guide.md", "# Run charts\n\nA run chart has a median line.", title="Run")
    coach.ingest()
    (kb / "guide.md").write_text(markdown_doc("", title="Run"))  # front matter, no text
    report = coach.ingest()
    assert report.skipped == [("guide.md", "no text found in the file (its earlier version "
                                           "stays indexed)")]
    assert coach.count() == 1


@pytest.mark.parametrize("question", ["\ud800 What is a PDSA cycle?", "What is\x00 a run chart?"])
def test_lone_surrogates_and_control_characters_never_reach_the_embedder(question):
    # a lone surrogate (JSON can carry one) made the tokenizer raise TypeError
    asked = ask(question, [("\udfff", "\ud83d\ude00")], 2000)
    asked.text.encode("utf-8")
    assert "\x00" not in asked.text and asked.text.endswith(("cycle?", "run chart?"))
    assert asked.history == (("\ufffd", "\U0001F600"),)  # a valid pair is joined, not replaced


def test_a_message_of_only_control_characters_is_empty():
    assert printable("\x00\x1b\x7f") == ""
    with pytest.raises(BadInputError, match="empty"):
        ask("\x00\x1b\x7f", [], 2000)
