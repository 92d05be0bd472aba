"""Chunking: structure first, then size; provenance on every chunk; stable content ids."""

from __future__ import annotations

from coach.ingest.chunking import chunk_document
from coach.ingest.loaders import load
from coach.types import SourceDoc

META = {
    "title": "Run charts",
    "publisher": "The Health Foundation",
    "year": 2019,
    "url": "https://example.org/run-charts",
    "section": "Measurement",
    "step": 4,
    "kind": "method",
}

STRUCTURED = """# Run charts

A run chart plots a measure over time.

## Reading a run chart

The median is drawn as the centre line.

### Shifts

A shift is six or more points on one side of the median.

### Trends

A trend is five or more points going the same way.

## Building a run chart

Start with at least ten data points.
"""


def _long_body(n: int = 60) -> tuple[list[str], str]:
    sentences = [f"Sentence number {i} explains one small idea about run charts." for i in range(n)]
    return sentences, " ".join(sentences)


def test_headings_split_first_and_give_a_heading_path():
    chunks = chunk_document(SourceDoc("charts.md", STRUCTURED, dict(META)), 1000, 100)

    assert [(c.heading, c.text) for c in chunks] == [
        ("", "A run chart plots a measure over time."),
        ("Reading a run chart", "The median is drawn as the centre line."),
        ("Reading a run chart > Shifts",
         "A shift is six or more points on one side of the median."),
        ("Reading a run chart > Trends", "A trend is five or more points going the same way."),
        ("Building a run chart", "Start with at least ten data points."),
    ]


def test_h1_that_differs_from_the_title_stays_in_the_heading_path():
    text = "# Part one\n\n## Aims\n\nWrite an aim that says how much and by when.\n"
    chunks = chunk_document(SourceDoc("p.md", text, {"title": "The whole guide"}), 1000, 100)

    assert [c.heading for c in chunks] == ["Part one > Aims"]


def test_size_split_respects_chunk_size_and_overlaps_neighbours():
    sentences, body = _long_body()
    doc = SourceDoc("long.md", "## Long section\n\n" + body, {"title": "Long"})

    chunks = chunk_document(doc, 400, 100)

    assert len(chunks) > 3
    assert all(len(c.text) <= 400 for c in chunks)
    assert {c.heading for c in chunks} == {"Long section"}
    # Neighbours share at least one whole sentence (the overlap).
    for left, right in zip(chunks, chunks[1:], strict=False):
        shared = [s for s in sentences if s in left.text and s in right.text]
        assert shared, (left.text, right.text)
    # Nothing is lost.
    for sentence in sentences:
        assert any(sentence in c.text for c in chunks), sentence


def test_without_overlap_neighbours_share_nothing():
    sentences, body = _long_body()
    chunks = chunk_document(SourceDoc("long.md", body, {"title": "Long"}), 400, 0)

    for left, right in zip(chunks, chunks[1:], strict=False):
        assert not [s for s in sentences if s in left.text and s in right.text]


def test_every_chunk_carries_its_provenance():
    chunks = chunk_document(SourceDoc("charts.md", STRUCTURED, dict(META)), 1000, 100)

    assert chunks
    for chunk in chunks:
        assert chunk.source == "charts.md"
        assert chunk.title == "Run charts"
        assert chunk.page is None
        assert chunk.step == 4
        assert chunk.kind == "method"
        assert chunk.meta["publisher"] == "The Health Foundation"
        assert chunk.meta["year"] == 2019
        assert chunk.meta["url"] == "https://example.org/run-charts"
        assert chunk.meta["section"] == "Measurement"
        # What gets embedded carries the title and heading path as context.
        assert chunk.embedding_text().startswith("Run charts")
        assert chunk.embedding_text().endswith(chunk.text)


def test_missing_provenance_gets_defaults():
    text = "# Found in the text\n\n## Part\n\nSome guidance text for the team.\n"
    chunk = chunk_document(SourceDoc("x.md", text, {"year": "not a year"}), 1000, 100)[0]

    assert chunk.title == "Found in the text"  # the first H1
    assert chunk.kind == "document"
    assert chunk.step is None
    assert chunk.meta["year"] is None
    assert chunk.meta["publisher"] == ""

    untitled = chunk_document(SourceDoc("board-support_notes.txt", "Plain text only.", {}),
                              1000, 100)
    assert untitled[0].title == "Board support notes"  # from the file name


def test_ids_are_stable_across_runs():
    first = chunk_document(SourceDoc("charts.md", STRUCTURED, dict(META)), 1000, 100)
    second = chunk_document(SourceDoc("charts.md", STRUCTURED, dict(META)), 1000, 100)

    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_ids_change_only_where_the_text_changes():
    before = chunk_document(SourceDoc("charts.md", STRUCTURED, dict(META)), 1000, 100)
    edited = STRUCTURED.replace("ten data points", "twelve data points")
    after = chunk_document(SourceDoc("charts.md", edited, dict(META)), 1000, 100)

    changed = [(b.heading, b.id != a.id) for b, a in zip(before, after, strict=True)]
    assert changed == [
        ("", False),
        ("Reading a run chart", False),
        ("Reading a run chart > Shifts", False),
        ("Reading a run chart > Trends", False),
        ("Building a run chart", True),
    ]


def test_ids_depend_on_the_source():
    a = chunk_document(SourceDoc("a.md", STRUCTURED, dict(META)), 1000, 100)
    b = chunk_document(SourceDoc("b.md", STRUCTURED, dict(META)), 1000, 100)

    assert not {c.id for c in a} & {c.id for c in b}


def test_duplicate_chunk_text_in_one_document_is_kept_once():
    text = (
        "## Tips\n\nAlways predict before you test a change.\n\n"
        "## Other\n\nSomething different about measures.\n\n"
        "## Tips\n\nAlways predict before you test a change.\n"
    )
    chunks = chunk_document(SourceDoc("dup.md", text, {"title": "Dup"}), 1000, 100)

    assert [(c.heading, c.text) for c in chunks] == [
        ("Tips", "Always predict before you test a change."),
        ("Other", "Something different about measures."),
    ]


def test_pdf_pages_become_chunk_pages(tmp_path, write_pdf):
    path = write_pdf(
        tmp_path / "guide.pdf",
        ["The first page explains the aim of the project.",
         "The second page explains the measures the team uses."],
        title="Project guide",
    )

    chunks = chunk_document(load(path), 1000, 100)

    assert [(c.page, c.heading) for c in chunks] == [(1, ""), (2, "")]
    assert "aim of the project" in chunks[0].text
    assert "measures the team uses" in chunks[1].text
    assert {c.title for c in chunks} == {"Project guide"}


def test_same_text_on_two_pages_is_two_chunks():
    doc = SourceDoc("p.pdf", "x", {}, pages=((1, "Repeated footer text."),
                                             (2, "Repeated footer text.")))

    chunks = chunk_document(doc, 1000, 100)

    assert [c.page for c in chunks] == [1, 2]
    assert chunks[0].id != chunks[1].id


def test_later_chunks_of_a_section_repeat_its_opening_sentence():
    items = "\n".join(f"- Trigger number {i} can start a programme by doing something specific "
                      f"to the organisation and its staff, as described in detail here." for i in
                      range(12))
    body = ("# Doc\n\n## What can trigger a programme?\n\nFive triggers can start a programme: "
            "a, b, c, d and e. More detail follows.\n\n" + items + "\n\n## Glossary\n\n" + items)
    chunks = chunk_document(SourceDoc("d.md", body, META), size=500, overlap=0)
    trig = [c for c in chunks if "What can trigger" in c.heading]
    assert len(trig) >= 3
    lead = "Five triggers can start a programme: a, b, c, d and e."
    assert all(c.text.startswith(lead) and len(c.text) <= 500 for c in trig)
    assert sum(c.text.count(lead) for c in trig) == len(trig)  # once per chunk, no more
    # a section that opens with a list has no lead sentence to carry
    gloss = [c for c in chunks if c.heading.endswith("Glossary")]
    assert len(gloss) >= 2 and all(c.text.startswith("- Trigger") for c in gloss)


def test_a_lead_never_takes_the_first_number_of_the_list_that_follows_it():
    steps = "\n".join(f"{i}. Step number {i} of starting a project, with enough words to make "
                      f"the answer paragraph long." for i in range(1, 9))
    body = ("# Doc\n\n## How do I start a project?\n\nA project usually starts in eight steps:\n"
            + steps + "\n\nMore detail follows here. " + "Detail sentence. " * 60)
    chunks = chunk_document(SourceDoc("d.md", body, META), size=500, overlap=0)
    assert len(chunks) >= 2
    assert all(c.text.startswith("A project usually starts in eight steps:") for c in chunks)
    assert not any(c.text.startswith("A project usually starts in eight steps: 1.")
                   for c in chunks)
