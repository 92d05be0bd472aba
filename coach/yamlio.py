"""YAML helpers shared by the loaders, the journey file and the eval suites."""

from __future__ import annotations

import yaml


def error_line(exc: yaml.YAMLError, offset: int = 1) -> str:
    """' line N' for a YAML parse error (N 1-based, shifted by ``offset - 1``), or ''."""
    mark = getattr(exc, "problem_mark", None)
    return f" line {mark.line + offset}" if mark is not None else ""
