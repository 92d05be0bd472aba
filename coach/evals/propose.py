"""Candidate cases from the guidance (`coach eval propose`): for every section of the knowledge
that no case covers (coach/evals/coverage.py), candidate cases for a person to review.

For each uncovered section ``propose`` offers: its heading question, each "Also asked"
phrasing, template paraphrases of the question's shape, a follow-up that names the subject
with a pronoun after a first question (coach/evals/propose_wording.py), and one of them typed
the way staff type. Every candidate is a valid Q&A case (coach/evals/cases.py) plus two review
fields, ``section`` and ``origin``: answerable, its evidence the first sentence of the
section's answer-first paragraph, its must-include terms the paragraph's words that best mark
the section (tf-idf over the knowledge's sections), tagged ``proposed`` and ``from:<source>``,
in the dev split. All wording choices come from a ``random.Random`` seeded by the seed and the
section, so a seed always gives the same candidates. ``candidates_for_review`` returns them
as plain dicts; ``as_case`` turns one into the case it proposes. Candidates are written for
review (``--out FILE.jsonl``), never into a suite.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from random import Random
from typing import TYPE_CHECKING, Any

from coach.evals.cases import Case, load_suite, parse_cases, suite_kind
from coach.evals.coverage import Section, read_sections, section_coverage
from coach.evals.propose_wording import (
    core,
    defined_subject,
    follow_up,
    paraphrases,
    shape,
    staff_style,
    with_pronoun,
)
from coach.text import (
    STOPWORDS,
    content_words,
    normalise,
    split_sentences,
    stem,
    strip_markdown,
    tokens,
)

if TYPE_CHECKING:
    from coach.config import Settings

log = logging.getLogger(__name__)

REVIEW_FIELDS = ("section", "origin")  # a candidate's fields that are not part of the case
MUST_INCLUDE_TERMS = 2
PROPOSED_TAG = "proposed"

_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s|^\s*[|#>]")


def lead_sentence(section: Section) -> str:
    """The evidence quote: the first sentence of the section's answer-first paragraph (of its
    first passage's opening prose when it has none), without Markdown."""
    for text in (section.answer, *section.texts):
        lines = text.strip().split("\n\n")[0].splitlines()
        prose = " ".join(line for line in lines[:next(
            (i for i, x in enumerate(lines) if _LIST_LINE.match(x)), len(lines))])
        sentences = split_sentences(" ".join(strip_markdown(prose).split()))
        if sentences and len(sentences[0]) >= 3:
            return sentences[0]
    return ""


def section_frequencies(sections: Iterable[Section]) -> Counter[str]:
    """In how many sections each (stemmed) content word occurs."""
    return Counter(w for s in sections for w in content_words(" ".join(s.texts)))


def rare_terms(paragraph: str, section_text: str, df: Counter[str], n_sections: int,
               avoid: Iterable[str] = (), n: int = MUST_INCLUDE_TERMS) -> list[str]:
    """The ``n`` words of the paragraph that best mark its section: how often the section
    uses the word times how rare it is elsewhere (tf-idf over the knowledge's sections; the
    first written first among equals), as written in lower case, leaving out stopwords,
    short words, numbers and the stems in ``avoid``."""
    skip = set(avoid)
    tf = Counter(tokens(section_text))
    scored: list[tuple[float, int, str]] = []
    for pos, word in enumerate(re.findall(r"[a-z][a-z0-9]+", strip_markdown(paragraph).lower())):
        key = stem(word)
        if len(word) < 4 or word in STOPWORDS or key in skip:
            continue
        skip.add(key)
        weight = tf[key] * math.log((1 + n_sections) / (1 + df.get(key, 0)))
        scored.append((-weight, pos, word))
    return [word for _, _, word in sorted(scored)[:n]]


def _definitions(sections: Sequence[Section]) -> dict[str, tuple[str, str]]:
    """Defined subject -> (the question defining it, the first sentence of its answer)."""
    out: dict[str, tuple[str, str]] = {}
    for s in sections:
        subject = defined_subject(shape(s.question))
        if subject and core(subject) not in {core(k) for k in out}:
            out[subject] = (s.question, lead_sentence(s))
    return out


def _case_id(section: Section, question: str, history: list[list[str]]) -> str:
    digest = hashlib.sha1(json.dumps([section.source, section.heading, question, history]
                                     ).encode("utf-8")).hexdigest()[:10]
    return f"proposed-{PurePath(section.source).stem}-{digest}"


def _questions(section: Section, definitions: dict[str, tuple[str, str]], quote: str,
               rng: Random) -> list[tuple[str, str, list[list[str]]]]:
    """(origin, question, history) of every candidate for one section."""
    question = section.question
    s = shape(question)
    found: list[tuple[str, str, list[list[str]]]] = [("heading", question, [])]
    found += [("also-asked", asked, []) for asked in section.asked]
    templated = paraphrases(s, rng)
    found += [(f"template:{s.kind}", text, []) for text in templated]
    own = defined_subject(s)
    others = {k: v for k, v in definitions.items() if core(k) != core(own)}
    if own:
        found.append(("follow-up", follow_up(own, rng), [[question, quote]]))
    elif (named := with_pronoun(question, list(others))) is not None:
        first, answer = others[named[1]]
        found.append(("follow-up", named[0], [[first, answer]]))
    found.append(("staff", staff_style(rng.choice([question, *templated]), rng), []))
    return found


def propose(sections: Sequence[Section], cases: Sequence[Case], *, seed: int = 0
            ) -> list[dict[str, Any]]:
    """Candidate cases (plain dicts: a case plus ``section`` and ``origin``) for every section
    no case covers, in document order; the same seed gives the same candidates."""
    cov = section_coverage(sections, cases)
    df = section_frequencies(sections)
    definitions = _definitions(sections)
    asked = {normalise(c.question) for c in cases if not c.history}
    out: list[dict[str, Any]] = []
    for section in cov.uncovered():
        quote = lead_sentence(section)
        if not section.question or not quote:
            log.info("propose: %s has no question or no sentence to quote", section.label)
            continue
        rng = Random(f"{seed}\x1f{section.source}\x1f{section.heading}\x1f{section.page}")
        terms = rare_terms(section.answer or quote, " ".join(section.texts), df,
                           len(sections), content_words(section.question))
        seen: set[str] = set()
        for origin, question, history in _questions(section, definitions, quote, rng):
            key = json.dumps([normalise(question), history])
            if key in seen or (not history and normalise(question) in asked):
                continue
            seen.add(key)
            out.append(_candidate(section, origin, question, history, quote, terms))
    return out


def _candidate(section: Section, origin: str, question: str, history: list[list[str]],
               quote: str, terms: list[str]) -> dict[str, Any]:
    return {"id": _case_id(section, question, history), "question": question,
            "history": history, "tags": [PROPOSED_TAG, f"from:{section.source}"],
            "split": "dev",
            "expect": {"answerable": True, "evidence": [{"doc": section.source, "quote": quote}],
                       "key_points": [], "must_include": terms, "must_not_include": []},
            "section": {"source": section.source, "heading": section.heading,
                        "page": section.page, "label": section.label},
            "origin": origin}


def as_case(candidate: dict[str, Any]) -> Case:
    """The case a candidate proposes (its review fields dropped), checked as a suite checks
    a line of its cases file (a SuiteError says what is wrong)."""
    case = {k: v for k, v in candidate.items() if k not in REVIEW_FIELDS}
    return parse_cases([json.dumps(case)], "candidate")[0]


def default_suites(evals_dir: Path) -> list[Path]:
    """The Q&A suite files under the evals folder."""
    from coach.evals.runs import list_suites

    found = (Path(evals_dir) / rel for rel in list_suites(Path(evals_dir)))
    return [path for path in found if suite_kind(path) == "qa"]


def load_cases(suites: Iterable[Path]) -> list[Case]:
    """Every case of the given Q&A suites (a bad suite raises SuiteError)."""
    return [case for path in suites for case in load_suite(path)[1]]


def candidates_for_review(settings: Settings, *, knowledge: Path | None = None,
                          suites: Sequence[Path] | None = None, seed: int = 0
                          ) -> list[dict[str, Any]]:
    """Candidates for the sections of ``knowledge`` (default COACH_KNOWLEDGE_DIR) that no case
    of ``suites`` (default: the Q&A suites under COACH_EVALS_DIR) covers, as plain dicts."""
    sections = read_sections(knowledge or settings.knowledge_dir, size=settings.chunk_size,
                             overlap=settings.chunk_overlap)
    cases = load_cases(default_suites(settings.evals_dir) if suites is None else suites)
    return propose(sections, cases, seed=seed)


def write_candidates(path: Path, candidates: Iterable[dict[str, Any]]) -> int:
    """Write candidates as JSON lines; returns how many."""
    lines = [json.dumps(c, ensure_ascii=False) for c in candidates]
    Path(path).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(lines)
