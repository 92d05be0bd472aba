"""Markdown in passages and answers: stripping emphasis and links, and group headings."""

from __future__ import annotations

import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def strip_markdown(text: str) -> str:
    """``text`` without bold, italic, code and link syntax (the words are kept)."""
    for pattern in (_BOLD, _ITALIC, _CODE, _LINK):
        text = pattern.sub(r"\1", text)
    return text


def is_heading(line: str) -> bool:
    """A Markdown heading, or a group heading an answer puts above its sentences
    (``**The report says** (...):``, see prompts/answer-labels.yaml)."""
    s = line.strip()
    return s.startswith("#") or (s.startswith("**") and s.endswith(":"))
