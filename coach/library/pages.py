"""A library document as a web page of its own, safe to serve from the app's address:
Markdown rendered (raw HTML in it shown as text), HTML cleaned to an allow-list of tags and
attributes (no script, style, form, frame or event handler; links only to web, mail or
in-page addresses), plain text escaped. Every heading gets the id ``anchor`` makes from its
text, the same one a source card's link names (coach/library/opening.py), so the page opens
at the cited section; the section in view is highlighted.

What is shown is what was indexed: front matter is left out, and the HTML elements the loader
never reads (``loaders.NOT_READ``, hidden ones) are dropped. Pure functions of the text; the
web app (coach/ui/sources_route.py) sends the page with a Content-Security-Policy that runs
no script at all.
"""

from __future__ import annotations

import html
import re
from typing import Any

from coach.ingest.loaders import NOT_READ, is_hidden, split_front_matter
from coach.text import strip_markdown

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# tags kept as they are (their attributes cleaned); any other tag is unwrapped (its text
# kept), except DROPPED ones, which go with everything inside them
KEPT = frozenset({
    "a", "abbr", "article", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "hr", "i", "ins", "kbd", "li",
    "main", "mark", "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", *HEADINGS,
})
DROPPED = frozenset({
    *NOT_READ, "applet", "audio", "base", "button", "canvas", "embed", "frame", "frameset",
    "head", "iframe", "img", "input", "link", "math", "meta", "object", "option", "picture",
    "select", "source", "svg", "textarea", "title", "track", "video",
})
SAFE_LINK = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_NUMBER = re.compile(r"^\d{1,3}$")
_NOT_SLUG = re.compile(r"[^\w\s-]")

STYLE = (
    "body{font:1rem/1.6 system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:1rem 1.5rem;"
    "color:#1a1a1a;background:#fff}"
    "h1,h2,h3,h4,h5,h6{line-height:1.25;scroll-margin-top:1rem}"
    ":target{background:#fff3b0;outline:3px solid #8a6d00;outline-offset:4px}"
    "pre{white-space:pre-wrap}table{border-collapse:collapse}"
    "th,td{border:1px solid #888;padding:.25rem .5rem;text-align:left}"
    "a{color:#005eb8}.from{color:#444;font-size:.9rem}"
)


def anchor(heading: str) -> str:
    """The id of a heading: its words, lower case, joined by hyphens ("What is a PDSA
    cycle?" -> "what-is-a-pdsa-cycle"); Markdown emphasis, code and link syntax dropped."""
    words = _NOT_SLUG.sub("", strip_markdown(heading).lower()).split()
    return "-".join(words).strip("-") or "section"


class _Anchors:
    """Unique heading ids in document order: a repeated heading gets "-2", "-3", ..."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, heading: str) -> str:
        base = anchor(heading)
        self.seen[base] = self.seen.get(base, 0) + 1
        return base if self.seen[base] == 1 else f"{base}-{self.seen[base]}"


def markdown_body(text: str, name: str) -> str:
    """A Markdown document (front matter left out) as HTML, raw HTML in it escaped."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    _, body = split_front_matter(text, name)
    tokens = md.parse(body)
    ids = _Anchors()
    for at, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            token.attrSet("id", ids(tokens[at + 1].content))
    return str(md.renderer.render(tokens, md.options, {}))


def html_body(markup: str) -> str:
    """An HTML document's body cleaned to the allow-list, headings given their anchors."""
    from bs4 import BeautifulSoup
    from bs4.element import PreformattedString

    soup = BeautifulSoup(markup, "html.parser")
    for node in soup.find_all(string=lambda s: isinstance(s, PreformattedString)):
        node.extract()  # comments, doctypes, CDATA, processing instructions
    for tag in soup.find_all(lambda t: t.name in DROPPED or is_hidden(t)):
        if not tag.decomposed:
            tag.decompose()
    root = soup.body or soup
    ids = _Anchors()
    for tag in root.find_all(True):
        if tag.name not in KEPT:
            tag.unwrap()
            continue
        tag.attrs = _clean_attrs(tag.name, tag.attrs)
        if tag.name in HEADINGS:
            tag["id"] = ids(" ".join(tag.get_text(" ", strip=True).split()))
    return str(root.decode_contents())


def _clean_attrs(name: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """The attributes a kept tag keeps: a safe link, table spans, an abbreviation's title."""
    kept: dict[str, Any] = {}
    href = str(attrs.get("href") or "").strip()
    if name == "a" and SAFE_LINK.match(href):
        kept["href"] = href
        if not href.startswith("#"):
            kept["rel"] = "noopener noreferrer"
    for key in ("colspan", "rowspan"):
        if _NUMBER.match(str(attrs.get(key) or "")):
            kept[key] = attrs[key]
    if name == "abbr" and attrs.get("title"):
        kept["title"] = str(attrs["title"])
    return kept


def text_body(text: str, name: str) -> str:
    """A plain-text document (front matter left out), escaped, line breaks kept."""
    _, body = split_front_matter(text, name)
    return f"<pre>{html.escape(body, quote=False)}</pre>"


def page(title: str, source: str, body: str) -> str:
    """The whole page: the document's title, a line saying where it comes from, its body."""
    from coach import prompts

    said = html.escape(title, quote=False)
    origin = prompts.fill("open-source.yaml", "page-origin", source=html.escape(source))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{said}</title><style>{STYLE}</style></head><body><main>"
            f'<p class="from">{origin}</p>{body}</main></body></html>')
