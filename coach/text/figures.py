"""Figures: numbers written in digits, and the number words that stand for them."""

from __future__ import annotations

import re

# "2.5", "650", "2,500" (thousands), "96%"; not the "4" of "Q4" or of "v1.4"
_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?%?")
_YEAR = re.compile(r"^(?:19|20)\d\d$")

# number words -> the figure they stand for (counts, then ordinals)
NUMBER_WORDS: dict[str, str] = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
    "thousand": "1000", "dozen": "12", "half": "0.5",
}
ORDINAL_WORDS: dict[str, str] = {
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6",
}


def figures(text: str, *, years: bool = True) -> set[str]:
    """The numbers written in digits in ``text``, normalised: "2,500" -> "2500", "96%" ->
    "96", "1,2" -> "1" and "2". Years (1900-2099) are left out when ``years`` is False."""
    found = {n.rstrip("%").replace(",", "") for n in _NUMBER.findall(text)}
    return found if years else {n for n in found if not _YEAR.match(n)}
