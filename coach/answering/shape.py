"""What kind of answer a question wants (pure): a list, a definition, a name or date, a
figure, steps to take, reasons — and the features that say how well a sentence has that shape.

The extractive answerer scores each candidate sentence with these features plus its
similarity to the question; the weights are learnt by ``benchmarks/fit_answers.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.text import figures

NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}
_N = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
# "what are the four elements", "name the 3 questions", "list six steps"
_COUNT = re.compile(rf"\b(?:the|its|their|these|those|all|list|name)\s+{_N}\s+[a-z]", re.I)
_LIST = re.compile(
    r"^\s*(?:(?:what|which)\s+(?:are|were)\b|which\s+\w+|list\b|name\b|give\s+me\s+(?:the|a\s+list)"
    r"|what\s+(?:kinds?|types?|sorts?)\s+of\b|what\s+\w+\s+(?:are|were)\s+there\b)"
    r"|\b(?:what|which)\s+(?:elements|steps|stages|components|factors|barriers|enablers"
    r"|triggers|tools|questions|principles|features|rules|types|measures|actions|wastes"
    r"|categories|areas|things|signs|examples|ways|methods|benefits|lessons|parts)\b", re.I)
_DEFINITION = re.compile(
    r"^\s*(?:what\s+(?:is|are|was)\s+(?:an?\s+|the\s+)?[\w' -]{1,40}\??\s*$|define\b"
    r"|what\s+does\s+.+\s+(?:mean|stand\s+for)\b|what\s+is\s+meant\s+by\b|meaning\s+of\b"
    r"|explain\s+(?:what|the\s+term)\b)", re.I)
_WHO = re.compile(r"^\s*(?:who|whose|which\s+(?:trusts?|organisations?|people|authors?"
                  r"|bod(?:y|ies)))\b", re.I)
_WHEN = re.compile(r"^\s*(?:when|what\s+(?:year|date)|in\s+which\s+year|how\s+long)\b", re.I)
_HOW_MANY = re.compile(r"^\s*(?:how\s+(?:many|much)|what\s+(?:percentage|proportion"
                       r"|share|number))\b", re.I)
_HOW = re.compile(r"^\s*(?:how\s+(?:do|does|can|could|should|would|to|might)|what\s+should"
                  r"|what\s+can\s+(?:we|i|a|the)|where\s+(?:do|should)|what\s+steps"
                  r"|what\s+practical|any\s+tips|tips\b|advice\b)", re.I)
_WHY = re.compile(r"^\s*(?:why|what\s+is\s+the\s+(?:point|reason|purpose|benefit)"
                  r"|what\s+are\s+the\s+(?:reasons|benefits))\b", re.I)

SHAPES = ("list", "definition", "who", "when", "how_many", "how", "why", "other")


@dataclass(frozen=True)
class Shape:
    kind: str  # one of SHAPES
    count: int | None = None  # the N of "what are the N …", when the question names it


def question_shape(question: str) -> Shape:
    """The kind of answer ``question`` asks for (the first that fits, in the order below)."""
    q = " ".join(question.split())
    counted = _COUNT.search(q)
    count = None
    if counted:
        raw = counted.group(1).lower()
        count = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
    for kind, pattern in (("how_many", _HOW_MANY), ("who", _WHO), ("when", _WHEN),
                          ("why", _WHY)):
        if pattern.search(q):
            return Shape(kind, count)
    if count is not None or _LIST.search(q):
        return Shape("list", count)
    if _DEFINITION.search(q):
        return Shape("definition")
    if _HOW.search(q):
        return Shape("how")
    return Shape("other")


_DEFINING = re.compile(
    r"\b(?:is|are|was)\s+(?:an?|the)\b|\bmeans\b|\brefers\s+to\b|\bis\s+defined\b"
    r"|\bdefines?\b|\bstands\s+for\b|\bdescribes?\b", re.I)
_NAMES = re.compile(r"(?<=\w )(?:[A-Z][a-z]+|[A-Z]{2,})\b")
_REASON = re.compile(r"\b(?:because|so\s+that|so\s+as\s+to|in\s+order\s+to|reasons?|helps?"
                     r"|matters|benefits?|leads?\s+to|avoids?)\b", re.I)
_ACTION = re.compile(r"^(?:[A-Z][a-z]+e?s?\b)|\b(?:should|can|needs?\s+to|must|start|agree"
                     r"|set\s+up|make\s+sure|use)\b", re.I)
_COUNT_IN = re.compile(rf"\b{_N}\b", re.I)


def _names_count(sentence: str, n: int) -> bool:
    """The sentence says it names ``n`` things ("names four elements", "the 3 questions")."""
    for raw in _COUNT_IN.findall(sentence):
        raw = raw.lower()
        if (int(raw) if raw.isdigit() else NUMBER_WORDS.get(raw)) == n:
            return True
    return False


def _enumerated(sentence: str) -> int:
    """How many members a sentence lists inline ("a; b; and c" or "a, b, c and d")."""
    body = sentence.split(":", 1)[-1] if ":" in sentence else sentence
    parts = re.split(r";|,\s*(?:and\s+|or\s+)?|\s+and\s+", body)
    return len([p for p in parts if p.strip()]) if (";" in body or body.count(",") >= 2) else 0


def shape_features(shape: Shape, sentence: str, items: tuple[str, ...]) -> dict[str, float]:
    """How well one sentence (with the list it introduces) fits the wanted shape, as 0/1s."""
    listed = len(items) or _enumerated(sentence)
    whole = " ".join((sentence, *items))
    f = {
        "list_fit": float(shape.kind == "list" and listed >= 2),
        "count_fit": float(shape.count is not None and (
            listed == shape.count or (listed >= 2 and _names_count(sentence, shape.count)))),
        "definition_fit": float(shape.kind == "definition" and bool(_DEFINING.search(sentence))),
        "who_fit": float(shape.kind == "who" and len(_NAMES.findall(whole)) >= 2),
        "when_fit": float(shape.kind == "when" and bool(figures(whole, years=True))),
        "figure_fit": float(shape.kind == "how_many" and bool(figures(whole))),
        "how_fit": float(shape.kind == "how" and (bool(items) or bool(_ACTION.search(sentence)))),
        "why_fit": float(shape.kind == "why" and bool(_REASON.search(whole))),
    }
    return f
