"""The reply screen: sentences no answer may contain, whatever wrote it.

Run on every draft, before the citation check. Retrieval already cuts what a document
addresses to a model and the LLM prompt fences passages as data; this is the last line, for a
payload that got through anyway (OWASP LLM01). A sentence is dropped when it

- speaks to or as a language model (coach/text/instructions.py: "Ignore previous
  instructions…", "As an AI…");
- gives a link (web address, domain or email) that no retrieved passage gives;
- gives a dose of a medicine (``clinical.states_a_dose``): clinical advice, never;
- claims to be an organisation ("I am the Health Foundation…");
- repeats the coach's own prompt: eight words in a row from it, or a passage fence.

A draft screened to nothing is refused like an empty one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from coach import prompts
from coach.answering.clinical import states_a_dose
from coach.text import (
    addressed_to_a_model,
    list_item,
    markers_before_stop,
    split_sentences,
    strip_markers,
)
from coach.types import Passage

log = logging.getLogger(__name__)

_TLD = (r"(?:com|org|net|uk|io|info|biz|co|gov|nhs|ai|app|dev|ly|me|xyz|site|online|example"
        r"|eu|us|de|fr|ru|cn|top|link|click|health)")
_LINK = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\[\]\"']+"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+" + _TLD + r"\b(?:/[^\s<>()\[\]\"']*)?",
    re.IGNORECASE,
)
_CLAIM = re.compile(
    r"\b(?:i\s+am|i'm|we\s+at|i\s+speak\s+for|(?:speaking|writing|answering)\s+(?:for|on\s+behalf"
    r"\s+of))\s+(?:the\s+|an?\s+)?(?:official\s+)?(?:[\w'-]+\s+){0,3}(?:foundation|nhs|trust"
    r"|department|institute|england|organi[sz]ation|charity|government|ministry|agency"
    r"|authority|council)\b"
    r"|\b(?:this|my|our)\s+(?:is\s+(?:the|an?)\s+)?official\s+(?:[\w'-]+\s+){0,3}(?:answer|reply"
    r"|response|advice|statement)\b",
    re.IGNORECASE,
)
# a passage fence (or one defused), or its key copied without the brackets
_FENCE = re.compile(r"[<‹]/?\s*passage-|\bpassage-[0-9a-f]{8}\b", re.IGNORECASE)
_PROMPT_RUN = 8  # words in a row shared with the coach's own prompt


@dataclass(frozen=True)
class Screened:
    text: str
    dropped: tuple[tuple[str, str], ...] = ()  # (sentence, why)


def _host(link: str) -> str:
    link = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).rstrip(".,;:!?")
    return link.split("@")[-1].split("/")[0]


@lru_cache(maxsize=1)
def _prompt_runs() -> frozenset[tuple[str, ...]]:
    """Every run of eight words of the system and answer prompts."""
    runs: set[tuple[str, ...]] = set()
    for name in ("system", "answer-with-citations"):
        words = _words(prompts.read(name))
        runs.update(tuple(words[i:i + _PROMPT_RUN]) for i in range(len(words) - _PROMPT_RUN + 1))
    return frozenset(runs)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def repeats_prompt(sentence: str) -> bool:
    words = _words(sentence)
    runs = _prompt_runs()
    return bool(_FENCE.search(sentence)) or any(
        tuple(words[i:i + _PROMPT_RUN]) in runs for i in range(len(words) - _PROMPT_RUN + 1))


def why_dropped(sentence: str, hosts: frozenset[str]) -> str:
    """Why a reply may not contain this sentence ("" when it may); ``hosts`` are the link
    hosts the retrieved passages give."""
    if addressed_to_a_model(sentence):
        return "addressed to a language model"
    for link in _LINK.findall(sentence):
        host = _host(link)
        if not any(host == h or host.endswith("." + h) for h in hosts):
            return f"a link the guidance does not give ({host})"
    if states_a_dose(sentence):
        return "a dose of a medicine"
    if _CLAIM.search(sentence):
        return "claims to be an organisation"
    if repeats_prompt(sentence):
        return "repeats the coach's instructions"
    return ""


def passage_hosts(passages: Sequence[Passage]) -> frozenset[str]:
    found = {_host(link) for p in passages for link in _LINK.findall(p.text)}
    found |= {_host(p.url) for p in passages if p.url}
    return frozenset(h for h in found if h)


def screen(text: str, passages: Sequence[Passage]) -> Screened:
    """``text`` without the sentences no answer may contain (lines left untouched otherwise)."""
    hosts = passage_hosts(passages)
    out: list[str] = []
    dropped: list[tuple[str, str]] = []
    for line in text.splitlines():
        item = list_item(line)
        prefix = item.group(0) if item else line[:len(line) - len(line.lstrip())]
        kept, cut = [], False
        for sentence in split_sentences(markers_before_stop(line[len(prefix):])):
            why = why_dropped(strip_markers(sentence), hosts)
            if why:
                dropped.append((sentence, why))
                cut = True
            else:
                kept.append(sentence)
        if not cut:
            out.append(line)
        elif kept:
            out.append(prefix + " ".join(kept))
    if dropped:
        log.info("reply screen dropped %d sentence(s): %s", len(dropped),
                 "; ".join(sorted({why for _, why in dropped})))
    return Screened("\n".join(out).strip() if dropped else text, tuple(dropped))
