"""Opening a cited source against the real app on 127.0.0.1 (issue 27): HTTP requests to
``/source/<source id>`` with sign-in off, with passwords and behind a trusted proxy, and a real
Chromium clicking a PDF citation's "Open" link."""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from browser_helpers import audit, chromium
from conftest import pdf_file, settings_under
from ui_helpers import free_port, running_app, write_kb

from coach.access import auth
from coach.app import build_coach

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PDF_PAGES = [
    "Board assurance. This opening page introduces the board paper and its purpose.",
    "Board assurance. The second page lists the members of the quality committee.",
    "Board assurance. A statistical process control chart tells the board whether a "
    "change in the monthly falls rate is a signal or common cause variation, so the board "
    "does not react to every rise and fall between meetings.",
]
HTML = ("<html><head><title>Huddles</title><script>document.cookie</script></head><body>"
        "<h1>Safety huddles</h1><h2>Running a huddle</h2><p onclick='steal()'>A safety huddle "
        "is a short daily meeting where the ward team reviews risks to patients and agrees "
        "who will act on them before the shift starts.</p></body></html>")
# the page number in Chromium's PDF viewer's toolbar (inside its shadow roots)
VIEWER_PAGE = """() => {
  const find = (root) => {
    const hit = root.querySelector('input#pageSelector');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const input = find(document);
  return input ? input.value : null;
}"""


@pytest.fixture(scope="module")
def library(embedder, tmp_path_factory):
    """A library with Markdown, a PDF, an HTML page and a Word file, plus a symbolic link that
    points outside it (indexed under its absolute id) and a secret beside it."""
    import docx

    root = tmp_path_factory.mktemp("open-source")
    settings = settings_under(root)
    kb = write_kb(settings.knowledge_dir)
    pdf_file(kb / "uploads" / "board-assurance.pdf", PDF_PAGES, title="Board assurance")
    (kb / "huddles.html").write_text(HTML, encoding="utf-8")
    document = docx.Document()
    document.add_heading("Action plan", 1)
    document.add_paragraph("The action plan names an owner and a date for every change "
                           "the team tests on the ward.")
    document.save(str(kb / "plan.docx"))
    secret = root / "secret"
    secret.mkdir()
    (secret / "outside.md").write_text("# Outside\n\nA document outside the library folder "
                                       "about measurement for improvement.", encoding="utf-8")
    (secret / "passwords.txt").write_text("never served", encoding="utf-8")
    (kb / "linked.md").symlink_to(secret / "outside.md")
    shutil.copy(ROOT / "knowledge" / "journey.yaml", kb)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    return coach, root, secret


@pytest.fixture(scope="module")
def app(library):
    coach, root, secret = library
    settings = settings_under(root, port=free_port())
    with running_app(coach, settings) as url:
        yield url, coach, secret


def raw_get(url: str, path: str) -> tuple[int, str]:
    """GET ``path`` exactly as written (no client-side normalising of ``..`` or escapes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_a_pdf_opens_inline_and_markdown_and_html_open_rendered_with_anchors(app):
    url, coach, _ = app
    assert {"uploads/board-assurance.pdf", "huddles.html", "plan.docx"} <= coach.source_ids()
    with httpx.Client(base_url=url, timeout=20) as client:
        pdf = client.get("/source/uploads/board-assurance.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF") and pdf.headers[
            "content-disposition"].startswith("inline")
        md = client.get("/source/methods/pdsa.md")
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/html")
        assert '<h2 id="what-is-a-pdsa-cycle">What is a PDSA cycle?</h2>' in md.text
        assert "title: PDSA cycles" not in md.text  # front matter left out
        assert "script-src" not in md.headers["content-security-policy"]  # so none runs
        assert "sandbox" in md.headers["content-security-policy"]
        page = client.get("/source/huddles.html")
        assert '<h2 id="running-a-huddle">Running a huddle</h2>' in page.text
        assert "document.cookie" not in page.text and "onclick" not in page.text
        word = client.get("/source/plan.docx")
        assert word.status_code == 200 and word.headers["content-disposition"].startswith(
            "attachment") and word.content.startswith(b"PK")


@pytest.mark.parametrize("path", [
    "/source/../secret/passwords.txt", "/source/..%2Fsecret%2Fpasswords.txt",
    "/source/%2e%2e/%2e%2e/secret/passwords.txt", "/source/%252e%252e%252fsecret",
    "/source/methods/../../secret/passwords.txt", "/source//etc/passwd", "/source/%2Fetc/passwd",
    "/source/", "/source/methods", "/source/methods/", "/source/journey.yaml",
    "/source/methods/pdsa.md%00.pdf",
])
def test_paths_outside_the_index_are_not_found(app, path):
    url, _, _ = app
    status, body = raw_get(url, path)
    assert status == 404, (path, status)
    assert "cannot be opened" in body and "never served" not in body  # the secret's text


def test_absolute_paths_to_real_files_outside_and_an_indexed_link_out_are_refused(app):
    url, coach, secret = app
    status, body = raw_get(url, "/source/" + quote(str(secret / "passwords.txt")))
    assert status == 404 and "never served" not in body
    # the symbolic link in the library was indexed under the absolute id of its target,
    # outside the library folder: the card would name it, the app refuses it
    outside = next(s for s in coach.source_ids() if s.endswith("outside.md"))
    status, body = raw_get(url, "/source/" + quote(outside))
    assert status == 403 and "not inside the library folders" in body
    assert "A document outside" not in body


def test_with_sign_in_only_a_signed_in_user_opens_a_source(library):
    coach, root, _ = library
    users = root / "users"
    auth.add_user(users, "alice", "alice-password")
    settings = settings_under(root, port=free_port(), auth_file=users, home=root / "home-auth")
    with running_app(coach, settings) as url, httpx.Client(base_url=url, timeout=20) as client:
        refused = client.get("/source/methods/pdsa.md")
        assert refused.status_code == 401 and "Sign in" in refused.text
        assert "PDSA cycle is a small test" not in refused.text
        client.post("/login", data={"username": "alice", "password": "wrong-password"})
        assert client.get("/source/methods/pdsa.md").status_code == 401
        login = client.post("/login", data={"username": "alice", "password": "alice-password"})
        assert login.status_code == 200
        opened = client.get("/source/methods/pdsa.md")
        assert opened.status_code == 200 and "PDSA cycle is a small test" in opened.text
        assert client.get("/source/../users").status_code == 404


def test_behind_a_trusted_proxy_the_proxys_user_opens_a_source(library):
    coach, root, _ = library
    settings = settings_under(root, port=free_port(), home=root / "home-proxy",
                              trusted_user_header="X-Forwarded-User",
                              trusted_proxies="127.0.0.1")
    with running_app(coach, settings) as url, httpx.Client(base_url=url, timeout=20) as client:
        assert client.get("/source/methods/pdsa.md").status_code == 401
        opened = client.get("/source/methods/pdsa.md", headers={"X-Forwarded-User": "bob"})
        assert opened.status_code == 200 and "PDSA cycle is a small test" in opened.text


def test_a_pdf_citation_opens_the_pdf_at_the_cited_page_and_outside_is_refused(app):
    url, _, _ = app
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        page.get_by_role("heading", name="Improvement Coach").wait_for()
        box = page.get_by_label("Your question")
        box.fill("How does a statistical process control chart help the board with the "
                 "falls rate?")
        box.press("Enter")
        card = page.locator("#chat details.source-card").filter(
            has=page.locator("a.open-source[href*='.pdf']")).first
        card.wait_for(state="attached", timeout=60_000)
        card.locator("summary").click()
        link = card.locator("a.open-source")
        link.wait_for(state="visible")
        assert link.inner_text() == "Open Board assurance, page 3"
        assert link.get_attribute("href") == "/source/uploads/board-assurance.pdf#page=3"
        with page.context.expect_page() as opened, \
                page.context.expect_event(  # the document's, not the page's queue stream
                    "response", lambda r: "/source/" in r.url) as served:
            link.click()
        pdf = opened.value
        response = served.value
        assert pdf.url == f"{url.rstrip('/')}/source/uploads/board-assurance.pdf#page=3"
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        # Chromium's PDF viewer (an extension frame) shows the page it opened at
        for _ in range(100):
            viewer = next((f for f in pdf.frames if f.url.startswith("chrome-extension://")),
                          None)
            if viewer is not None and viewer.evaluate(VIEWER_PAGE) == "3":
                break
            pdf.wait_for_timeout(200)
        assert viewer is not None and viewer.evaluate(VIEWER_PAGE) == "3"
        pdf.close()
        outside = browser.new_page()
        refused = outside.goto(f"{url.rstrip('/')}/source/..%2F..%2Fetc%2Fpasswd")
        assert refused is not None and refused.status == 404
        assert "cannot be opened" in outside.locator("h1").inner_text()
        page.close()


def test_a_markdown_citation_opens_at_its_section_and_the_page_passes_the_audit(app):
    url, _, _ = app
    with chromium() as browser:
        # the page runs no script (its policy sandboxes it); the audit's own script needs the
        # policy set aside, which the browser context does for this test only
        page = browser.new_context(bypass_csp=True).new_page()
        target = "how-do-pdsa-cycles-link-into-a-ramp"
        response = page.goto(f"{url.rstrip('/')}/source/methods/pdsa.md#{target}")
        assert response is not None and response.status == 200
        assert page.evaluate("() => document.querySelector(':target').id") == target
        assert page.title() == "PDSA cycles"
        assert not audit(page)
        page.goto(f"{url.rstrip('/')}/source/huddles.html#running-a-huddle")
        assert page.evaluate("() => document.querySelector(':target').tagName") == "H2"
        assert not audit(page)
