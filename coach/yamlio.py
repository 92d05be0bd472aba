"""YAML helpers shared by the loaders, the journey file and the eval suites."""

from __future__ import annotations

import yaml


def error_line(exc: yaml.YAMLError, offset: int = 1) -> str:
    """' line N' for a YAML parse error (N 1-based, shifted by ``offset - 1``), or ''."""
    mark = getattr(exc, "problem_mark", None)
    return f" line {mark.line + offset}" if mark is not None else ""


def node_line(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at a pydantic error location (nearest existing parent)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if str(k.value) == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            nxt = node.value[key] if key < len(node.value) else None
        else:
            nxt = None
        if nxt is None:
            break
        node, line = nxt, nxt.start_mark.line + 1
    return line
