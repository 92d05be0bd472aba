"""Does a drafted answer address the question? (pure; runs after the draft is written)

The gate (gate.py) refuses before any answerer runs; this check runs on the draft, because
close passages can still miss the point of a question: a number or a name the question asks
about that the answer never mentions, or a figure asked for that the answer does not give.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from coach.text import (
    NUMBER_WORDS,
    STOPWORDS,
    figures,
    is_heading,
    split_sentences,
    strip_markers,
    tokens,
)
from coach.tuning import NAME_MAX_SHARE
from coach.types import Citation

_QUANTITY = re.compile(
    r"^\s*(?:how\s+many|how\s+much\s+(?:money|funding|budget|did|does|do|was|is)"
    r"|what\s+(?:year|date|percentage|proportion|budget|amount|number)|when\s+(?:was|were))\b",
    re.IGNORECASE)


# a figure asked for by what it measures: "What was the budget…", "What pay band…"
_AMOUNT = re.compile(
    r"\bwhat(?:'s|\s+is|\s+was|\s+are|\s+were)?\s+(?:the\s+|its\s+|their\s+|[\w.-]+'s\s+)?"
    r"(?:total\s+|annual\s+)?(?:budget|cost|costs|spend|spending|salary|pay\s+band|pay\s+grade"
    r"|band|grade)\b",
    re.IGNORECASE)
_ASKS_DATE = re.compile(r"\b(?:when|what\s+year|which\s+year|what\s+date|how\s+long)\b",
                        re.IGNORECASE)
# a name in the question: a capitalised word that does not start it ("Northumbria", "ELFT")
_NAME = re.compile(r"(?<=[\w,;:)] )(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)*|[A-Z]{2,}s?)\b")
# job titles written as acronyms name a role every trust has, not a subject the answer must
# name ("now the CEO wants trust-wide QI")
_ROLES = frozenset({"CEO", "CEOS", "COO", "CFO", "CNO", "CMO", "CIO", "MD", "HCA"})
# a timescale put forward in a yes/no question ("can we do it in 12 months?", "is 6 weeks
# enough?"): answered by the time it takes, which need not repeat the number proposed
_YES_NO = re.compile(r"^\s*(?:can|could|will|would|is|are|should|do|does|must|might)\b", re.I)
_PROPOSED_SPAN = re.compile(
    r"\b(\d+)\s*(?:-\s*)?(?:days?|weeks?|months?|years?|yrs?|mths?)\b", re.I)


# sentence ends as staff type them: "...never done one. where do i even start"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def asking_part(question: str) -> str:
    """The sentences of ``question`` that ask: those ending in "?", else the last one. Staff
    set the scene first ("im a band 6 on a 28 bed ward... where do i even start"): the
    numbers and names of the scene are not what the answer must mention."""
    parts = [p for p in _SENTENCE_END.split(question.strip()) if p.strip()]
    asks = [p for p in parts if p.rstrip().endswith("?")]
    return " ".join(asks or parts[-1:])


def expects_figure(question: str) -> bool:
    """A question that asks for a number, amount or date ("How many…", "What year…")."""
    return bool(_QUANTITY.search(question) or _AMOUNT.search(question))


_COUNTED = re.compile(r"\bhow\s+many\s+(\w+)(?:\s+(\w+))?", re.IGNORECASE)
_NUMBER_WORDS = "|".join((*NUMBER_WORDS, "several"))


def _same_word(a: str, b: str) -> bool:
    """One word, allowing a plural and a typo ("pionts" ~ "points")."""
    import difflib

    a, b = a.rstrip("s"), b.rstrip("s")
    return a == b or (min(len(a), len(b)) >= 4
                      and difflib.SequenceMatcher(None, a, b).ratio() >= 0.8)


# nouns a count may be given in: "how many staff" is answered by "20% of the workforce",
# "how many dots" by "six or more consecutive points"
_SAME_COUNT = tuple(frozenset(group) for group in (
    {"staff", "people", "employees", "workforce", "colleagues"},
    {"dots", "points", "values"},
))


def _counted_as(noun: str) -> set[str]:
    """``noun`` and the nouns a count of it may be given in."""
    out = {noun}
    for group in _SAME_COUNT:
        if noun in group or noun + "s" in group:
            out |= group
    return out


def _gives_figure(question: str, answer: str) -> bool:
    """The answer gives the figure asked for.

    "How many <things>…": a number (digits or words) at most three words before <things>.
    "What was the budget/band…": a sentence with a number that names the budget/band.
    Otherwise ("how much…", "when…"): any number; years count only when a date was asked.
    """
    years = bool(_ASKS_DATE.search(question))
    counted = _COUNTED.search(question)
    if counted and not years:
        nouns = [n for w in counted.groups() if w and w.lower() not in STOPWORDS
                 for n in _counted_as(w.lower())]
        number = r"(?:\d[\d.,]*%?|" + _NUMBER_WORDS + r")"
        for window in re.findall(rf"\b{number}((?:[\s–-]+[\w%]+){{1,4}})", answer.lower()):
            if any(_same_word(w, n) for w in re.findall(r"\w+", window) for n in nouns):
                return True
        return False
    amount = _AMOUNT.search(question)
    noun = amount.group(0).split()[-1].lower().rstrip("s")[:5] if amount else ""
    clauses = (clause for line in answer.splitlines() for sentence in split_sentences(line)
               for clause in sentence.split(";"))
    return any(figures(clause, years=years) and noun in clause.lower() for clause in clauses)




def evidence_of(citations: Sequence[Citation]) -> list[str]:
    """What ``unanswered`` reads of the cited passages: each passage's text after the title and
    publisher of its document ("according to the HF report…" is answered by a passage of the
    Health Foundation's report, whether or not that passage names its publisher)."""
    return [f"{c.title} ({c.publisher}): {c.text}" if c.title or c.publisher else c.text
            for c in citations]


def plain_answer(text: str) -> str:
    """Answer text as the check reads it: no citation markers and no group headings (which
    carry years)."""
    return strip_markers("\n".join(line for line in text.splitlines() if not is_heading(line)))


def unanswered(question: str, answer: str, evidence: Sequence[str],
               share: Callable[[str], float] | None = None) -> str:
    """Why a drafted answer does not address the question, or "" when it does (pure).

    A close passage can still miss the point of the question; these checks catch that
    before a loosely related answer is passed off as the reply (numbers and names are read
    from the sentences that ask, ``asking_part``, not from the scene set before them):
      * a number the question names (a year, a band) that the answer never mentions (not a
        timescale a yes/no question puts forward: "can we do it in 12 months?");
      * a question asking for a figure ("How many…", "What was the budget…") whose answer
        gives none (years only count when a date was asked for);
      * a name in the question ("Northumbria") found neither in the answer nor in the
        passages it cites (job titles such as "CEO" are roles, not names; given ``share``,
        the share of chunks using a word, only names used by fewer than NAME_MAX_SHARE of
        them);
      * a figure asked for about a named subject ("How many staff at Northumbria…") that no
        cited passage naming that subject gives: a figure about something else and a
        passage that merely names the subject do not make an answer together.
    ``answer`` is the answer text without markers; ``evidence`` the cited passages' texts.
    """
    asked = asking_part(question)
    answer_figures = figures(answer, years=True)
    proposed = set(_PROPOSED_SPAN.findall(asked)) if _YES_NO.match(asked) else set()
    for number in figures(asked, years=True) - proposed:
        if len(number) >= 2 and number not in answer_figures:
            return f"the answer does not mention {number}"
    if expects_figure(question) and not _gives_figure(question, answer):
        return "the question asks for a figure the guidance does not give"
    cited = " ".join(evidence) + " " + answer
    for name in _NAME.findall(asked):
        if name.upper() in _ROLES:
            continue
        rare = share is None or min((share(t) for t in tokens(name)), default=0.0) < NAME_MAX_SHARE
        if not rare:
            continue
        if not mentions(cited, name):
            return f"nothing cited mentions {name}"
        # a cited passage, or one sentence of the answer, must name it and give the figure
        if expects_figure(question) and not any(
                mentions(text, name) and _gives_figure(question, text)
                for text in (*evidence, *re.split(r"(?<=[.!?])\s+|\n+", answer)) if text):
            return f"no figure is given for {name}"
    return ""


_JOINERS = frozenset({"of", "and", "for", "the", "in", "&"})


def mentions(text: str, name: str) -> bool:
    """``text`` names ``name``, as written or, for an acronym, spelt out: "NHSE" matches
    "NHS England", "ELFT" matches "East London NHS Foundation Trust" (the letters of
    capitalised words, whole capitalised acronyms, joiners such as "of" skipped)."""
    if name.endswith("s") and name[:-1].isupper():  # a plural acronym: "CQCs"
        name = name[:-1]
    if name.lower() in text.lower():
        return True
    if not name.isupper() or len(name) < 2:
        return False
    words = [w for w in re.findall(r"[\w&]+", text) if w.lower() not in _JOINERS]
    variants = (
        [w if w.isupper() else w[0] for w in words if w[0].isupper()],  # NHS + England
        [w[0] for w in words if w[0].isupper() and not w.isupper()],  # East London (NHS) FT
        [w[0].upper() for w in words],  # quality improvement
    )
    return any(_spells(name, parts) for parts in variants)


def _spells(acronym: str, parts: Sequence[str]) -> bool:
    for start in range(len(parts)):
        spelt = ""
        for part in parts[start:]:
            spelt += part
            if not acronym.startswith(spelt):
                break
            if spelt == acronym:
                return True
    return False
