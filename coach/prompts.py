"""Prompts live as files in prompts/; this module finds and renders them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from coach import yamlio

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=32)
def read(name: str) -> str:
    """The text of prompts/NAME (with or without extension)."""
    path = PROMPTS_DIR / name
    if not path.suffix:
        path = path.with_suffix(".md")
    return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=16)
def read_yaml(name: str) -> dict[str, Any]:
    return yamlio.load(read(name)) or {}


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, **values: object) -> str:
    """Fill {placeholders}; a missing value renders empty rather than failing."""
    return template.format_map(_Blank({k: ("" if v is None else v) for k, v in values.items()}))


def fill(name: str, key: str, **values: object) -> str:
    """Entry KEY of the YAML prompt file NAME (a fixed reply sentence), its {placeholders}
    filled as ``render`` fills them. tests/test_reply_prompts.py checks that every caller
    supplies exactly the placeholders its entry names."""
    return render(read_yaml(name)[key], **values)
