"""Personal-data guard (pure): find and redact NHS numbers, UK phone numbers and email
addresses in a question before it reaches a language model or a log.

NHS numbers are 10 digits (often written 3-3-4 with spaces or dashes) whose last digit is a
modulus-11 check digit; a 10-digit number that fails the check is not treated as one. Phone
numbers are UK numbers starting 0 or +44 with 10 or 11 digits in all (spaces, dashes, dots and
brackets allowed). The notice telling the user what was removed is prompts/notices.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from coach import prompts

NHS_NUMBER = "NHS number"
PHONE = "phone number"
EMAIL = "email address"

_PLACEHOLDER = {NHS_NUMBER: "[NHS number removed]", PHONE: "[phone number removed]",
                EMAIL: "[email address removed]"}
_ARTICLE = {NHS_NUMBER: "an", PHONE: "a", EMAIL: "an"}

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# 10 digits, contiguous or grouped 3-3-4 with single spaces or dashes.
_NHS = re.compile(r"(?<![\d+])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])")
# UK numbers: +44 / 0044 / 0 then 9 or 10 more digits, with separators between digit groups.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)"
    r"\d(?:[\s.-]?\)?[\s.-]?\d){8,9}(?!\d)"
)


def nhs_checksum_ok(digits: str) -> bool:
    """True when a 10-digit string passes the NHS number modulus-11 check."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


@dataclass(frozen=True)
class Redacted:
    kind: str  # NHS_NUMBER | PHONE | EMAIL
    value: str  # the text removed (never log it)


@dataclass(frozen=True)
class Redaction:
    text: str
    items: tuple[Redacted, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.items)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds found, each once, in a stable order."""
        return tuple(k for k in (NHS_NUMBER, PHONE, EMAIL) if any(i.kind == k for i in self.items))

    def notice(self) -> str:
        """A sentence telling the user what was removed, or '' when nothing was."""
        if not self.items:
            return ""
        kinds = [_ARTICLE[k] + " " + k for k in self.kinds]
        listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
        return prompts.fill("notices.yaml", "personal-data", found=listed)


def _replace(pattern: re.Pattern[str], kind: str, text: str, found: list[Redacted],
             accept: Callable[[re.Match[str]], bool] | None = None) -> str:
    def sub(match: re.Match[str]) -> str:
        if accept is not None and not accept(match):
            return match.group(0)
        found.append(Redacted(kind, match.group(0)))
        return _PLACEHOLDER[kind]

    return pattern.sub(sub, text)


def _is_nhs(match: re.Match[str]) -> bool:
    return nhs_checksum_ok("".join(match.groups()))


def redact(text: str) -> Redaction:
    """Replace personal data in ``text`` with placeholders; report what was removed."""
    found: list[Redacted] = []
    out = _replace(_EMAIL, EMAIL, text, found)
    out = _replace(_NHS, NHS_NUMBER, out, found, accept=_is_nhs)
    out = _replace(_PHONE, PHONE, out, found)
    return Redaction(out, tuple(found))
