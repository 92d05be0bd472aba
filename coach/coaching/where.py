"""Where are we? A lead's own words mapped to the steps of the journey already in place.

The words come from the step titles in journey.yaml, so a renamed step is matched by its new
title. The result is a suggestion: the caller shows it and the machine's ``mark_in_place`` acts.
"""

from __future__ import annotations

import re

from coach.coaching.journey import Journey, Step
from coach.text import stem

_FILLER = {"securing", "developing", "creating", "wider", "and", "a", "an", "the", "of",
           "improvement", "organisation", "organisational", "organisation-wide", "approach"}
_NEGATION = re.compile(r"\b(no|not|never|without|lack\w*|yet to|\w+n't)\b")


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z-]+", text.lower())
    return {stem(w) for w in words if w not in _FILLER}


def steps_mentioned(journey: Journey, text: str) -> list[Step]:
    """Steps a lead's own words say are in place ("we already have board support").

    A step matches when the text uses a word found in its title (from journey.yaml) and in no
    other step's title. Clauses with a negation ("we have no board support") are ignored; the
    caller shows the match as a suggestion for the lead to confirm.
    """
    said: set[str] = set()
    for clause in re.split(r"[.,;:!?]|\bbut\b", text.lower()):
        if not _NEGATION.search(clause):
            said |= _stems(clause)
    keys = {s.id: _stems(s.title) for s in journey.steps}
    found = []
    for s in journey.steps:
        own = keys[s.id] - set().union(*(k for sid, k in keys.items() if sid != s.id))
        if own & said:
            found.append(s)
    return found
