"""Opening a cited source (issue 27): the URL a source card links to, the resolver that maps
a source id to one file inside the library (and refuses everything else), and the document
rendered as a page of its own, safe to serve from the app's address."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coach.errors import OutsideLibraryError, SourceNotFoundError
from coach.library import pages
from coach.library.opening import opens_as, resolve, source_url
from coach.ui import render


def indexed(*ids: str, title: str = "A document") -> dict[str, dict[str, object]]:
    """The shape ``Coach.sources()`` returns."""
    return {i: {"file_hash": "x", "ids": ["c1"], "meta": {"source": i, "title": title}}
            for i in ids}


@pytest.fixture
def library(tmp_path):
    kb = tmp_path / "kb"
    (kb / "methods").mkdir(parents=True)
    (kb / "methods" / "pdsa.md").write_text("# PDSA\n\nText.\n", encoding="utf-8")
    (kb / "uploads").mkdir()
    (kb / "uploads" / "report.pdf").write_bytes(b"%PDF-1.4\n")
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "passwords.txt").write_text("not for you", encoding="utf-8")
    (outside / "notes.md").write_text("# Notes", encoding="utf-8")
    return kb, outside


# -- URLs ------------------------------------------------------------------------------------
def test_the_url_scheme():
    assert source_url("uploads/report.pdf", page=4) == "/source/uploads/report.pdf#page=4"
    assert source_url("uploads/report.pdf") == "/source/uploads/report.pdf"
    assert (source_url("methods/pdsa.md", heading="PDSA cycles > What is a PDSA cycle?")
            == "/source/methods/pdsa.md#what-is-a-pdsa-cycle")
    assert source_url("page.html", heading="Run *charts*") == "/source/page.html#run-charts"
    assert source_url("plan.docx", page=3, heading="Aim") == "/source/plan.docx"
    assert source_url("a b/c#d?.pdf", page=2) == "/source/a%20b/c%23d%3F.pdf#page=2"
    assert source_url("/srv/share/x.pdf", page=1) == "/source/%2Fsrv/share/x.pdf#page=1"
    assert [opens_as(n) for n in ("a.PDF", "b.md", "c.htm", "d.txt", "e.docx", "f.exe")] == [
        "pdf", "markdown", "html", "text", "word", None]


def test_anchors_are_the_headings_words():
    assert pages.anchor("What is a PDSA cycle?") == "what-is-a-pdsa-cycle"
    assert pages.anchor("Run charts: **how** to read `one`") == "run-charts-how-to-read-one"
    assert pages.anchor("Étape 1 — Planifier") == "étape-1-planifier"
    assert pages.anchor("???") == "section"


# -- the resolver ----------------------------------------------------------------------------
def test_an_indexed_document_resolves_to_its_file_inside_the_library(library):
    kb, _ = library
    opened = resolve("methods/pdsa.md", indexed=indexed("methods/pdsa.md", title="PDSA"),
                     knowledge_dir=kb)
    assert opened.path == (kb / "methods" / "pdsa.md").resolve()
    assert (opened.kind, opened.title, opened.source) == ("markdown", "PDSA", "methods/pdsa.md")
    pdf = resolve("uploads/report.pdf", indexed=indexed("uploads/report.pdf"), knowledge_dir=kb)
    assert pdf.kind == "pdf" and pdf.path.name == "report.pdf"


def test_a_file_in_the_folder_but_not_in_the_index_is_not_found(library):
    kb, _ = library
    with pytest.raises(SourceNotFoundError, match="No document in the library"):
        resolve("uploads/report.pdf", indexed=indexed("methods/pdsa.md"), knowledge_dir=kb)


@pytest.mark.parametrize("asked", [
    "../secret/passwords.txt", "methods/../../secret/passwords.txt", "/etc/passwd",
    "%2e%2e/secret/passwords.txt", "..%2Fsecret%2Fpasswords.txt", "%252e%252e/secret/notes.md",
    "..\\secret\\notes.md", "methods/pdsa.md\x00.pdf", "", "methods", "methods/",
])
def test_traversal_in_any_spelling_is_not_in_the_index(library, asked):
    kb, _ = library
    with pytest.raises(SourceNotFoundError):
        resolve(asked, indexed=indexed("methods/pdsa.md"), knowledge_dir=kb)


def test_even_an_indexed_id_outside_the_library_is_refused(library, tmp_path):
    """A file indexed from elsewhere (`coach ingest /some/path` gives it an absolute id) or an
    id that climbs out is never served: the library folders are the limit."""
    kb, outside = library
    for sid in (str(outside / "notes.md"), "../secret/notes.md"):
        with pytest.raises(OutsideLibraryError, match="not inside the library folders"):
            resolve(sid, indexed=indexed(sid), knowledge_dir=kb)
    # a folder named as a library root is inside it
    sid = str(outside / "notes.md")
    assert resolve(sid, indexed=indexed(sid), knowledge_dir=kb, roots=[outside]).kind == \
        "markdown"


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_a_symbolic_link_pointing_outside_is_refused_and_one_inside_is_followed(library):
    kb, outside = library
    (kb / "methods" / "leak.md").symlink_to(outside / "notes.md")
    (kb / "linked").symlink_to(outside, target_is_directory=True)
    (kb / "methods" / "alias.md").symlink_to(kb / "methods" / "pdsa.md")
    for sid in ("methods/leak.md", "linked/notes.md"):
        with pytest.raises(OutsideLibraryError):
            resolve(sid, indexed=indexed(sid), knowledge_dir=kb)
    opened = resolve("methods/alias.md", indexed=indexed("methods/alias.md"), knowledge_dir=kb)
    assert opened.path == (kb / "methods" / "pdsa.md").resolve()


def test_a_library_reached_through_a_symbolic_link_still_serves(library, tmp_path):
    kb, _ = library
    link = tmp_path / "kb-link"
    link.symlink_to(kb, target_is_directory=True)
    opened = resolve("methods/pdsa.md", indexed=indexed("methods/pdsa.md"), knowledge_dir=link)
    assert opened.path == (kb / "methods" / "pdsa.md").resolve()


def test_an_indexed_file_that_has_gone_or_a_type_not_served_is_not_found(library):
    kb, _ = library
    with pytest.raises(SourceNotFoundError, match="has gone from the library folder"):
        resolve("methods/gone.md", indexed=indexed("methods/gone.md"), knowledge_dir=kb)
    (kb / "tool.exe").write_bytes(b"MZ")
    with pytest.raises(SourceNotFoundError):
        resolve("tool.exe", indexed=indexed("tool.exe"), knowledge_dir=kb)


# -- the rendered page -----------------------------------------------------------------------
def test_markdown_renders_with_heading_anchors_and_its_raw_html_escaped():
    text = ("---\ntitle: PDSA\nsecret: front matter\n---\n# PDSA cycles\n\n## Why?\n\n"
            "<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://nhs.uk)\n\n"
            "## Why?\n\n| A | B |\n|---|---|\n| 1 | 2 |\n")
    body = pages.markdown_body(text, "pdsa.md")
    assert '<h1 id="pdsa-cycles">PDSA cycles</h1>' in body
    assert '<h2 id="why">Why?</h2>' in body and '<h2 id="why-2">Why?</h2>' in body
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert 'href="javascript' not in body and '<a href="https://nhs.uk">ok</a>' in body
    assert "<table>" in body and "front matter" not in body


def test_html_is_cleaned_to_the_allow_list_and_its_headings_anchored():
    markup = (
        "<!doctype html><html><head><title>T</title><script>steal()</script></head><body>"
        "<nav>Menu</nav><h2 onclick='x()' style='color:red'>Run <b>charts</b></h2>"
        "<p hidden>hidden words</p><p style='display:none'>more hidden</p>"
        "<p>Text <a href='javascript:alert(1)'>bad</a> <a href='https://nhs.uk' "
        "target='_top'>good</a> <img src=x onerror=alert(1)><iframe src='https://x'></iframe>"
        "<svg><script>1</script></svg><form action='/x'><input name=q></form>"
        "<custom-tag>kept words</custom-tag><!-- a comment --></p>"
        "<table><tr><th>A</th><td colspan='2' bgcolor='red'>B</td></tr></table></body></html>")
    body = pages.html_body(markup)
    assert '<h2 id="run-charts">Run <b>charts</b></h2>' in body
    for gone in ("script", "steal", "onclick", "style", "hidden words", "more hidden", "Menu",
                 "javascript", "<img", "onerror", "iframe", "<svg", "<form", "<input",
                 "comment", "doctype", "bgcolor", "target"):
        assert gone not in body.lower(), gone
    assert '<a href="https://nhs.uk" rel="noopener noreferrer">good</a>' in body
    assert "<a>bad</a>" in body and "kept words" in body and 'colspan="2"' in body


def test_text_is_escaped_and_the_page_names_the_document():
    body = pages.text_body("---\ntitle: x\n---\nLine <1>\nLine 2", "notes.txt")
    assert body == "<pre>Line &lt;1&gt;\nLine 2</pre>"
    whole = pages.page("Run <charts>", "methods/run<charts>.md", body)
    assert whole.startswith('<!doctype html><html lang="en">')
    assert "<title>Run &lt;charts&gt;</title>" in whole
    assert "<code>methods/run&lt;charts&gt;.md</code>" in whole and "<main>" in whole


# -- the source card's link ------------------------------------------------------------------
CARD = {"number": 2, "source": "uploads/report.pdf", "title": "Board <report>", "page": 4,
        "section": "", "heading": "", "score": 0.5, "text": "Passage."}


def test_a_source_card_links_to_its_document_at_the_cited_place():
    card = render.source_card(CARD, [])
    assert ('<a class="open-source" href="/source/uploads/report.pdf#page=4" target="_blank" '
            'rel="noopener">Open Board &lt;report&gt;, page 4</a>') in card
    md = render.open_link({**CARD, "source": "methods/pdsa.md", "page": None,
                           "heading": "PDSA > How do PDSA cycles link into a ramp?"})
    assert md == ('<a class="open-source" href="/source/methods/pdsa.md#how-do-pdsa-cycles-link-'
                  'into-a-ramp" target="_blank" rel="noopener">Open Board &lt;report&gt;, '
                  "section How do PDSA cycles link into a ramp?</a>")
    word = render.open_link({**CARD, "source": "plans/plan.docx"})
    assert word == ('<a class="open-source" href="/source/plans/plan.docx">Download Board '
                    "&lt;report&gt; (Word file)</a>")
    assert render.open_link({**CARD, "source": "notes.txt"}).endswith(
        ">Open Board &lt;report&gt;</a>")
    assert render.open_link({**CARD, "source": "tool.exe"}) == ""
    assert render.open_link({**CARD, "source": ""}) == ""


def test_the_link_carries_no_markup_from_the_index():
    evil = {**CARD, "source": 'x"><script>a()</script>.pdf', "title": '"><img onerror=x>'}
    link = render.open_link(evil)
    assert "<script>" not in link and "<img" not in link
    assert 'href="/source/x%22%3E%3Cscript%3Ea%28%29%3C/script%3E.pdf#page=4"' in link


def test_the_resolver_reads_an_index_built_from_a_real_library(make_coach, write_md,
                                                              make_settings):
    settings = make_settings()
    write_md(settings.knowledge_dir / "methods" / "pdsa.md",
             "# PDSA cycles\n\n## What is a PDSA cycle?\n\nA PDSA cycle is a small test of "
             "change with four stages: plan, do, study and act.", title="PDSA cycles")
    coach = make_coach(settings)
    coach.ingest()
    opened = resolve("methods/pdsa.md", indexed=coach.sources(),
                     knowledge_dir=settings.knowledge_dir)
    assert opened.title == "PDSA cycles" and Path(opened.path).is_file()
