"""Save a reviewed answer as a case of a Q&A suite, in one step.

The case holds the item's question and history (both redacted when queued), ``answerable``
(the reviewer's "should it have refused?" turned round), the evidence quote — a sentence of
the passage the reviewer ticks, the one holding a must-include term if any — and the
must-include terms. It is tagged ``from-review`` plus why the answer was queued, gets a fresh
id (``review-<item id>``, then ``-2``, ``-3``... if taken), and is checked by the suite's own
schema (coach/evals/cases.py) with every case already there before a byte is written: bad
input gets a message and leaves the file as it was. A question the suite already asks
(compared case-, space- and punctuation-blind) is refused, naming the case.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.errors import BadInputError
from coach.evals.cases import SuiteError, load_suite, parse_cases, suite_kind
from coach.review.store import Item, ReviewStore
from coach.text.sentences import sentences

QUOTE_WORDS = 25  # the longest evidence quote, in words (a quote may be any part of a sentence)
MIN_QUOTE_WORDS = 4
TAG = "from-review"


@dataclass(frozen=True)
class Saved:
    case_id: str
    suite: Path
    cases_file: Path
    case: dict[str, Any]


def normalised(question: str) -> str:
    """A question as the de-duplication compares it: lower case, words only."""
    return " ".join(re.findall(r"\w+", question.casefold()))


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _plain(term: str) -> str:
    """A must-include term as plain text ('' for a /regex/)."""
    return "" if len(term) > 1 and term.startswith("/") and term.endswith("/") else term


def pick_quote(text: str, terms: Sequence[str] = ()) -> str:
    """The evidence quote from a passage: its first sentence holding a must-include term,
    else its first sentence of at least four words; cut to ``QUOTE_WORDS`` words."""
    found = [s.strip() for s in sentences(text) if len(s.split()) >= MIN_QUOTE_WORDS]
    plain = [_words(t) for t in terms if _plain(t)]
    chosen = next((s for s in found if any(t and t in _words(s) for t in plain)),
                  found[0] if found else text.strip())
    return " ".join(chosen.split()[:QUOTE_WORDS])


def evidence_of(item: Item, number: int | None, quote: str | None, terms: Sequence[str]
                ) -> list[dict[str, str]]:
    """The case's evidence from passage ``number`` (1-based) of the item."""
    if number is None:
        return []
    if not 1 <= number <= len(item.passages):
        raise BadInputError(f"Item {item.id} has {len(item.passages)} passage(s); pick the "
                            f"evidence as a number from 1 to {len(item.passages)}."
                            if item.passages else f"Item {item.id} has no passages to quote.")
    passage = item.passages[number - 1]
    if quote and _words(quote) not in _words(passage["text"]):
        raise BadInputError(f"The quote is not in passage {number} ({passage['source']}): "
                            "copy a sentence of its text.")
    return [{"doc": passage["source"], "quote": quote.strip() if quote
             else pick_quote(passage["text"], terms)}]


def fresh_id(item: Item, taken: set[str]) -> str:
    base = f"review-{item.id}"
    n, found = 1, base
    while found in taken:
        n += 1
        found = f"{base}-{n}"
    return found


def case_for(item: Item, *, evidence: int | None, quote: str | None = None,
             must_include: Sequence[str] | None = None, taken: set[str] | None = None
             ) -> dict[str, Any]:
    """The case (as its JSON line holds it) for a reviewed item."""
    if item.review is None:
        raise BadInputError(f"Review item {item.id} first: a case needs the reviewer's "
                            "verdict (should it have refused? what must the answer include?).")
    rubric = item.review.rubric
    answerable = not rubric.should_refuse
    terms = list(dict.fromkeys(t.strip() for t in (must_include if must_include is not None
                                                   else rubric.must_include) if t.strip()))
    if answerable and evidence is None:
        raise BadInputError("An answerable case needs evidence: tick the passage that holds "
                            "the answer (--evidence N).")
    expect: dict[str, Any] = {"answerable": answerable,
                              "evidence": evidence_of(item, evidence, quote, terms)}
    if answerable:
        expect["must_include"] = terms
    return {"id": fresh_id(item, taken or set()), "question": item.question,
            "history": [list(pair) for pair in item.history],
            "tags": [TAG, *item.kinds], "expect": expect}


def save_case(store: ReviewStore, item_id: int, suite_path: Path, *, evidence: int | None,
              quote: str | None = None, must_include: Sequence[str] | None = None) -> Saved:
    """Append the reviewed item ``item_id`` to the suite's cases file as a new case, checked
    first; the review records the case id."""
    suite_path = Path(suite_path)
    if suite_kind(suite_path) != "qa":
        raise SuiteError(f"{suite_path}: cases are saved to Q&A suites only, not "
                         f"{suite_kind(suite_path)} suites.")
    suite, cases = load_suite(suite_path)  # the suite as it is must be valid
    item = store.get(item_id)
    question = normalised(item.question)
    same = next((c for c in cases if normalised(c.question) == question), None)
    if same is not None:
        raise BadInputError(f"{suite.name} already asks this question (case {same.id}); "
                            "nothing was written.")
    case = case_for(item, evidence=evidence, quote=quote, must_include=must_include,
                    taken={c.id for c in cases})
    cases_file = suite_path.parent / suite.cases
    text = cases_file.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    line = json.dumps(case, ensure_ascii=False)
    parse_cases([*text.splitlines(), line], str(cases_file))  # the suite's schema, every check
    temp = cases_file.with_name(cases_file.name + ".saving")
    temp.write_text(text + line + "\n", encoding="utf-8")
    os.replace(temp, cases_file)
    store.saved_as(item_id, case["id"], str(suite_path))
    return Saved(case["id"], suite_path, cases_file, case)
