"""A project's aim checked for the three parts a SMART aim states — how much, by when, for whom
or where — and the IHI progress score scale (0.5 to 5) with what each score means (pure).

The check reads the wording only: numbers that belong to a date, a place ("Ward 7"), an age
("over 65s") or the measure itself ("per 1,000 bed days", "a 4-hour wait", "within 4 hours")
do not count as how much. The names and suggestions are in prompts/aim-check.yaml; the
scale's meanings in prompts/progress-scores.yaml, as the shared QI methods reference gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach import prompts
from coach.errors import BadInputError

PARTS = ("how_much", "by_when", "for_whom")
AIM_FILE = "aim-check.yaml"
SCALE_FILE = "progress-scores.yaml"
PROGRESS_SCORES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)

_I = re.IGNORECASE
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_SEASON = r"(?:year|month|quarter|winter|spring|summer|autumn|project)"
_COUNT = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
          r"|eighteen|twenty-four)")
_WHEN = re.compile("|".join((
    r"\b(?:19|20)\d{2}(?:[/-]\d{2})?\b",  # 2026, 2025/26
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b",  # 31/03/2026
    r"\bfy\s?\d{2}\b",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b",  # 31 March
    rf"\b(?:by|before|until|till|in|during|from|end\s+of)\s+(?:the\s+)?(?:end\s+of\s+)?{_MONTH}\b",
    r"\b(?:q[1-4]|quarter\s+[1-4])\b",
    rf"\b(?:by|before|until)\s+(?:the\s+)?(?:(?:this|next|coming)\s+)?{_SEASON}\b",
    rf"\b(?:end|close)\s+of\s+(?:the\s+)?(?:(?:this|next|current|financial|calendar)\s+)*"
    rf"{_SEASON}\b",
    rf"\b(?:this|next|coming)\s+(?:(?:financial|calendar)\s+)?{_SEASON}\b",
    r"\byear[- ]end\b",
    rf"\b(?:within|in|over|during)\s+(?:the\s+)?(?:(?:next|coming|first)\s+)?{_COUNT}\s+"
    r"(?:weeks?|months?|years?)\b(?!\s+(?:of|from|after|following|post)\b)",
)), _I)
# numbers that name a place, an age or the measure rather than how much it should change
_NOT_AMOUNT = re.compile("|".join((
    r"\b(?:wards?|bays?|units?|levels?|floors?|rooms?|theatres?|beds?|pods?|zones?|areas?)"
    r"\s+\d+\w*",
    r"\baged?\s+(?:(?:over|under|above|below)\s+)?\d+",
    r"\b\d+\s*(?:years?|yrs?)(?:\s+old|\s+and\s+(?:over|above|under)|\s*\+)",
    r"\b(?:over|under)[\s-]*\d+s\b",
    r"\bper\s+\d[\d,]*",
    r"(?<!to )\bwithin\s+\d+\s+\w+",
)), _I)
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*(?:k|m|bn)?(?![\w-])", _I)  # 12, 1,200, £200k
_AMOUNT_WORDS = re.compile(
    r"\b(?:halve|halving|halved|half|double|doubling|treble|triple|zero|eliminate|eliminating"
    r"|(?:a|one|two)\s+thirds?|(?:a|one|three)\s+quarters?|a\s+fifth"
    r"|(?:one|two|three|four|five|six|seven|eight|nine|ten)\s+in\s+(?:\w+)"
    r"|(?:five|ten|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
    r"\s+(?:per\s*cent|percent))\b", _I)
_WHO = re.compile("|".join((
    r"\b(?:in-?|out-?)?patients?\b", r"\bstaff\b", r"\b(?:nurses?|nursing|midwives|midwifery"
    r"|doctors?|consultants?|clinicians?|colleagues?|physicians?|surgeons?|therapists?"
    r"|pharmacists?|porters?|trainees?|students?|residents?|service\s+users?|people"
    r"|children|child|adults?|elderly|women|men|mothers?|babies|baby|infants?|neonates?"
    r"|families|carers?|clients?|population|caseloads?|over\s*-?\s*\d+s)\b",
    r"\b(?:wards?|units?|departments?|teams?|clinics?|services?|practices?|surgery|surgeries"
    r"|hospitals?|trusts?|sites?|theatres?|bays?|care\s+homes?|community|division"
    r"|directorate|pathways?|health\s+board|icb|pcn|primary\s+care|maternity|paediatrics"
    r"|endoscopy|radiology|pharmacy|outpatients?|emergency\s+department|critical\s+care"
    r"|intensive\s+care|icu|itu|hdu|nicu|picu|scbu|amu|sdec|gp)\b",
    r"(?<!\w)a\s?&\s?e(?!\w)", r"(?<!\w)a\s+and\s+e(?!\w)",
)), _I)
_ED = re.compile(r"\bED\b")  # upper case only: "ed" is not a place


def says_by_when(aim: str) -> bool:
    """A date, month, quarter, year or deadline ("by the end of ...", "within 6 months")."""
    return bool(_WHEN.search(aim))


def says_how_much(aim: str) -> bool:
    """A percentage, a fraction word ("halve"), or a number that is not a date, place, age or
    part of the measure's name."""
    text = _NOT_AMOUNT.sub(" ", _WHEN.sub(" ", aim))
    return bool(_AMOUNT_WORDS.search(text) or _NUMBER.search(text))


def says_for_whom(aim: str) -> bool:
    """A patient group, staff group, ward, team, service or place."""
    return bool(_WHO.search(aim) or _ED.search(aim))


_CHECKS = {"how_much": says_how_much, "by_when": says_by_when, "for_whom": says_for_whom}


@dataclass(frozen=True)
class AimCheck:
    """Which parts an aim is missing (in PARTS order), a suggestion for each, and a summary."""

    aim: str
    missing: tuple[str, ...]
    suggestions: tuple[str, ...]
    summary: str

    @property
    def complete(self) -> bool:
        return not self.missing


def check_aim(aim: str) -> AimCheck:
    """Check a SMART aim for how much, by when and for whom (pure)."""
    text = " ".join(aim.split())
    wording = prompts.read_yaml(AIM_FILE)
    parts = wording["parts"]
    missing = tuple(p for p in PARTS if not text or not _CHECKS[p](text))
    suggestions = tuple(" ".join(parts[p]["suggestion"].split()) for p in missing)
    if not text:
        summary = wording["empty"]
    elif missing:
        summary = prompts.render(wording["incomplete"],
                                 missing=_joined([parts[p]["label"] for p in missing]))
    else:
        summary = wording["complete"]
    return AimCheck(text, missing, suggestions, summary)


def _joined(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


@dataclass(frozen=True)
class ProgressLevel:
    score: float
    meaning: str


def progress_scale() -> tuple[ProgressLevel, ...]:
    """The IHI progress scale, 0.5 to 5 in steps of 0.5, each with its meaning."""
    scale = prompts.read_yaml(SCALE_FILE)["scale"]
    return tuple(ProgressLevel(score, str(scale[score])) for score in PROGRESS_SCORES)


def progress_score(value: float | str) -> float:
    """A score a person entered, checked against the scale; BadInputError says what is allowed."""
    try:
        score = float(str(value).strip())
    except ValueError:
        score = -1.0
    if score not in PROGRESS_SCORES:
        raise BadInputError(f"{str(value).strip()!r} is not an IHI progress score: choose one of "
                            "0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5 or 5.")
    return score


def progress_meaning(score: float | str) -> str:
    """What a progress score means ("3.5: improvement")."""
    checked = progress_score(score)
    return next(level.meaning for level in progress_scale() if level.score == checked)
