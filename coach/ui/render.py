"""Pure rendering for the web UI: answers, source cards (each with a link that opens its
document at the cited place) and highlighted passages as HTML.

Everything that comes from a document or a person is escaped here; the chat window renders
Markdown with inline HTML, so an answer is escaped text plus a few tags we write ourselves.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from functools import lru_cache
from typing import Any

from coach import prompts
from coach.library.opening import opens_as, source_url
from coach.text import MARKER, MARKER_RUN, is_heading, marker_numbers, strip_markers
from coach.types import NOT_COVERED, Answer, ChatTurn

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_MD_SPECIAL = re.compile(r"([\\`*_~$|])")

KIND_LABELS = {
    "report": "The report",
    "report-digest": "Report digest",
    "coach-guide": "Coaching guidance",
    "method": "Coaching guidance",
    "background": "Background",
}

def turn_from(question: str, answer: Answer) -> ChatTurn:
    return {
        "question": question, "text": answer.text, "refused": answer.refused,
        "notice": answer.notice, "unsupported": list(answer.unsupported),
        "citations": [asdict(c) for c in answer.citations],
        "supporting": answer.supporting, "related": list(answer.related),
    }


def escape_text(text: str, *, markdown: bool = True) -> str:
    """HTML-escape ``text``; also neutralise Markdown emphasis, code and maths characters."""
    out = html.escape(text, quote=True)
    return _MD_SPECIAL.sub(r"\\\1", out) if markdown else out


def escape_question(question: str) -> str:
    return escape_text(question).replace("\n", "<br>")


# -- which answer sentences cite which source ------------------------------------------------
def claims_by_citation(text: str) -> dict[int, list[str]]:
    """Citation number -> the answer sentences that carry its marker.

    The claim of a marker group is the text since the previous marker group (or line start),
    so "A. [1] B [2]." gives {1: ["A."], 2: ["B"]}. Group heading lines are skipped.
    """
    out: dict[int, list[str]] = {}
    for line in text.splitlines():
        if is_heading(line):
            continue
        start = 0
        for group in MARKER_RUN.finditer(line):
            claim = line[start:group.start()].strip(" .;:")
            start = group.end()
            if not claim:
                continue
            for number in marker_numbers(group.group(0)):
                out.setdefault(number, []).append(claim)
    return out


# -- highlighting --------------------------------------------------------------------------
def _ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _marked_words(words: Sequence[str], claims: Iterable[str], run: int = 4) -> set[int]:
    """Indices of passage words in a run of ``run`` or more words that a claim also has."""
    grams: set[tuple[str, ...]] = set()
    for claim in claims:
        grams |= _ngrams([w.lower() for w in _WORD.findall(claim)], run)
    marked: set[int] = set()
    lowered = [w.lower() for w in words]
    for i in range(len(lowered) - run + 1):
        if tuple(lowered[i:i + run]) in grams:
            marked.update(range(i, i + run))
    return marked


def highlight(passage: str, claims: Iterable[str]) -> str:
    """The passage as escaped HTML, with the words the answer took from it in ``<mark>``.

    Runs of four or more words shared with a claim are marked, so an extractive answer marks
    whole sentences and a paraphrase marks the phrases it kept. Line breaks become ``<br>``.
    """
    matches = list(_WORD.finditer(passage))
    marked = _marked_words([m.group(0) for m in matches], list(claims))
    pieces: list[str] = []
    pos, open_mark = 0, False
    for i, m in enumerate(matches):
        gap = passage[pos:m.start()]
        if open_mark and i not in marked:
            pieces.append("</mark>")
            open_mark = False
        pieces.append(_escape_gap(gap))
        if i in marked and not open_mark:
            pieces.append("<mark>")
            open_mark = True
        pieces.append(html.escape(m.group(0)))
        pos = m.end()
    if open_mark:
        pieces.append("</mark>")
    pieces.append(_escape_gap(passage[pos:]))
    return "".join(pieces)


def _escape_gap(text: str) -> str:
    out = html.escape(text)
    return re.sub(r"\n\s*\n", "<br><br>", out).replace("\n", "<br>")


# -- answer body ---------------------------------------------------------------------------
def _flag_unsupported(text: str, unsupported: Sequence[str]) -> list[tuple[str, bool]]:
    """Split ``text`` into (piece, is_unsupported) keeping order."""
    spans: list[tuple[int, int]] = []
    for sentence in unsupported:
        sentence = sentence.strip()
        at = text.find(sentence) if sentence else -1
        if at >= 0 and not any(s < at + len(sentence) and at < e for s, e in spans):
            spans.append((at, at + len(sentence)))
    pieces, pos = [], 0
    for start, end in sorted(spans):
        pieces += [(text[pos:start], False), (text[start:end], True)]
        pos = end
    pieces.append((text[pos:], False))
    return [(p, flag) for p, flag in pieces if p]


def _body_line(line: str) -> str:
    if is_heading(line):  # a group heading we wrote (prompts/answer-labels.yaml)
        return html.escape(line, quote=False)
    return escape_text(line)


def marker(number: int, name: str = "") -> str:
    """A citation marker: ``[n]`` on screen; to a screen reader (and as its tooltip) the
    source's name, "Source 2: Run charts, section Measurement", or "Source n" while it is not
    yet known. The chat's sanitiser drops aria-* attributes; role and title stay."""
    said = html.escape(name or f"Source {number}", quote=True)
    return f'<span class="cite" role="img" title="{said}">[{number}]</span>'


def _with_markers(escaped: str, names: Mapping[int, str] | None = None) -> str:
    return MARKER.sub(lambda m: marker(int(m.group(1)), (names or {}).get(int(m.group(1)), "")),
                      escaped)


def answer_body(text: str, unsupported: Sequence[str] = (),
                names: Mapping[int, str] | None = None) -> str:
    """Answer text as Markdown-safe HTML, with unsupported sentences flagged in words as well
    as colour; ``names``: citation number -> the source's name, read for its marker."""
    out: list[str] = []
    for piece, flagged in _flag_unsupported(text, unsupported):
        escaped = "\n".join(_body_line(line) for line in piece.split("\n"))
        if flagged:
            escaped = ('<span class="unsupported" title="No source passage supports this '
                       'sentence">⚠️ <span class="sr-only">Not matched to a source: </span>'
                       f"{escaped}</span>")
        out.append(_with_markers(escaped, names))
    return "".join(out)


def unsupported_warning(unsupported: Sequence[str]) -> str:
    if not unsupported:
        return ""
    n = len(unsupported)
    what = "sentence" if n == 1 else f"{n} sentences"
    return (f'<div class="warning" role="alert">⚠️ <strong>Check before relying on it:</strong> '
            f"the marked {what} could not be matched to a source passage.</div>")


# -- source cards --------------------------------------------------------------------------
def _heading(c: Mapping[str, Any]) -> str:
    """The passage's own heading, when it adds something to the section and title."""
    heading = str(c.get("heading") or "").split(" > ")[-1].strip()
    return "" if heading in (str(c.get("section") or ""), str(c.get("title") or "")) else heading


def _where(c: Mapping[str, Any]) -> str:
    """", section S, the passage's own heading (when it adds something), page P"."""
    parts = [f"section {c['section']}" if c.get("section") else "", _heading(c),
             f"page {c['page']}" if c.get("page") else ""]
    return "".join(f", {html.escape(p)}" for p in parts if p)


def source_name(c: Mapping[str, Any]) -> str:
    """What a screen reader calls a citation: "Source 2: Run charts, section Measurement"
    (plus the passage's heading and page when there are any). Plain text."""
    title = str(c.get("title") or c.get("source") or "Untitled")
    return f"Source {int(c['number'])}: {title}" + html.unescape(_where(c))


def source_card(c: dict[str, Any], claims: Sequence[str]) -> str:
    """One citation as a collapsed card; opening it shows the passage with support marked.
    Its summary, "[2] Run charts, section Measurement  relevance 0.57  Coaching guidance",
    is read as "Source 2: Run charts, section Measurement, relevance 0.57, …"."""
    kind = KIND_LABELS.get(str(c.get("kind") or ""), "")
    number = int(c["number"])
    where = _where(c)
    summary = (
        marker(number, f"Source {number}:") + " "
        + f'<strong>{html.escape(str(c.get("title") or c.get("source") or "Untitled"))}</strong>'
        + (f'<span class="where">{where}</span>' if where else "")
        + f' <span class="relevance">relevance {float(c.get("score") or 0):.2f}</span>'
        + (f' <span class="kind">{html.escape(kind)}</span>' if kind else "")
    )
    origin = ", ".join(html.escape(str(x)) for x in (c.get("publisher"), c.get("year")) if x)
    url = str(c.get("url") or "")
    link = (f' · <a href="{html.escape(url)}" target="_blank" rel="noopener">public source</a>'
            if url.startswith(("https://", "http://")) else "")
    file = html.escape(str(c.get("source") or ""))
    opener = open_link(c)
    origin = " · ".join(x for x in (opener, origin) if x)
    coverage = str(c.get("coverage") or "")
    caveat = (f'<div class="coverage" role="note"><strong>Coverage:</strong> '
              f"{escape_text(coverage, markdown=False)}</div>" if coverage else "")
    return (
        f'<details class="source-card"><summary>{summary}</summary>'
        f'<div class="passage">{highlight(str(c.get("text") or ""), claims)}</div>{caveat}'
        f'<div class="origin">{origin}{link} · <code>{file}</code></div></details>'
    )


def open_link(c: Mapping[str, Any]) -> str:
    """The card's link that opens its document at the cited place (coach/library/opening.py:
    a PDF at its page, a Markdown or HTML document at its section; a Word file downloads),
    named for what it does: "Open Run charts, page 4". Empty for a type the app does not
    serve."""
    source = str(c.get("source") or "")
    kind = opens_as(source) if source else None
    if kind is None:
        return ""
    title = str(c.get("title") or source)
    heading = str(c.get("heading") or "")
    section = heading.split(" > ")[-1].strip()
    page = int(c["page"]) if c.get("page") and kind == "pdf" else None
    href = source_url(source, page=page, heading=heading)
    if kind == "word":
        label = prompts.fill("open-source.yaml", "download", title=title)
    elif page:
        label = prompts.fill("open-source.yaml", "open-page", title=title, page=page)
    elif section and kind in ("markdown", "html"):
        label = prompts.fill("open-source.yaml", "open-section", title=title, section=section)
    else:
        label = prompts.fill("open-source.yaml", "open", title=title)
    target = "" if kind == "word" else ' target="_blank" rel="noopener"'
    return (f'<a class="open-source" href="{html.escape(href)}"{target}>'
            f"{html.escape(label, quote=False)}</a>")


def sources_block(text: str, citations: Sequence[dict[str, Any]]) -> str:
    if not citations:
        return ""
    claims = claims_by_citation(text)
    cards = "".join(source_card(c, claims.get(int(c["number"]), ())) for c in citations)
    return (f'<div class="sources"><div class="sources-head">Sources — open a card to see '
            f"the passage; highlighted words support the answer</div>{cards}</div>")


MORE = "More from the guidance"


def related_block(questions: Sequence[str], refused: bool = False) -> str:
    """The follow-up questions, listed (the Ask tab also offers them as buttons)."""
    if not questions:
        return ""
    head = "Questions I can answer" if refused else "Related questions"
    items = "".join(f"<li>{escape_text(q)}</li>" for q in questions)
    return f'<div class="related"><strong>{head}:</strong><ul>{items}</ul></div>'


def answer_html(turn: ChatTurn) -> str:
    """The whole assistant message for one finished turn: the direct answer, the supporting
    material collapsed under "More from the guidance", related questions and the sources.
    Cached by the turn's content: the chat shows every earlier turn again after each answer."""
    return _answer_html(json.dumps(turn, sort_keys=True, default=str))


@lru_cache(maxsize=2048)
def _answer_html(key: str) -> str:
    return _render_answer(json.loads(key))


def _render_answer(turn: ChatTurn) -> str:
    blocks: list[str] = []
    if turn.get("notice"):
        blocks.append(f'<div class="notice" role="note">ℹ️ {escape_text(turn["notice"])}</div>')
    if turn.get("refused"):
        blocks.append(f'<div class="refused" role="note"><strong>{NOT_COVERED}.</strong></div>')
        # the reply is one of our own prompts (Markdown): escape HTML only
        blocks.append(escape_text(turn.get("text", ""), markdown=False))
        blocks.append(related_block(turn.get("related") or (), refused=True))
        return "\n\n".join(b for b in blocks if b)
    unsupported = tuple(turn.get("unsupported") or ())
    names = {int(c["number"]): source_name(c) for c in turn.get("citations") or ()}
    blocks.append(answer_body(turn.get("text", ""), unsupported, names))
    supporting = turn.get("supporting") or ""
    if supporting:
        body = answer_body(supporting, unsupported, names)
        blocks.append(f'<details class="more"><summary>{MORE}</summary>\n\n{body}\n\n'
                      "</details>")
    if unsupported:
        blocks.append(unsupported_warning(unsupported))
    blocks.append(related_block(turn.get("related") or ()))
    whole = "\n\n".join(t for t in (turn.get("text", ""), supporting) if t)
    sources = sources_block(whole, turn.get("citations") or ())
    if sources:
        blocks.append(sources)
    return "\n\n".join(b for b in blocks if b)


def announcement(turn: ChatTurn, number: int) -> str:
    """What the Ask tab's live region reads out once answer ``number`` is complete (plain
    words: no markers, no source cards), as escaped HTML."""
    said: list[str] = []
    if turn.get("notice"):
        said.append(turn["notice"])
    text = " ".join(strip_markers(turn.get("text", "")).replace("*", "").split())
    if turn.get("refused"):
        said.append(f"Answer {number}: {NOT_COVERED}. {text}")
    else:
        said.append(f"Answer {number}: {text}")
        if turn.get("supporting"):
            said.append(f"{MORE}: folded under the answer; open it to read more.")
        n = len(turn.get("citations") or ())
        if n:
            said.append(f"{n} source{'s' if n != 1 else ''} listed under the answer; "
                        "open one to read the passage.")
        if turn.get("related"):
            said.append("Related questions follow; press one to ask it.")
        if turn.get("unsupported"):
            said.append("Check before relying on it: some sentences could not be matched to "
                        "a source passage.")
    return f"<p>{html.escape(' '.join(said), quote=False)}</p>"


def error_html(message: str) -> str:
    return f'<div class="error" role="alert">{escape_text(message)}</div>' if message else ""
