"""YAML helpers shared by the loaders, the journey file and the eval suites."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

# libyaml's loader when PyYAML was built with it (the wheels are): the same safe subset, about
# ten times faster than the pure-Python one, which cost the loaders 5 ms a knowledge file.
# Its parser also stops nesting at 1,000 levels with an error rather than recursing.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TOO_DEEP = "maximum nesting depth"


def load(text: str) -> Any:
    """``yaml.safe_load`` through the fastest safe loader there is."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 — a safe loader


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` (the node tree, with line marks) through the same loader."""
    return yaml.compose(text, Loader=SafeLoader)


def too_deep(exc: BaseException) -> bool:
    """Whether a load failed because the text nests too deeply (libyaml's limit, or the
    pure-Python loader's recursion)."""
    return isinstance(exc, RecursionError) or TOO_DEEP in str(getattr(exc, "problem", ""))


def error_line(exc: BaseException, offset: int = 1) -> str:
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


M = TypeVar("M", bound=BaseModel)


def explain(exc: ValidationError) -> tuple[tuple[int | str, ...], str]:
    """The first problem of a validation error as (location, "path: message"), the others
    counted. An unknown key comes first: a misspelt key is also a missing one, and the
    unknown key names the typo."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    loc = tuple(first["loc"])
    path = ".".join(str(p) for p in loc) or "(top level)"
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return loc, f"{path}: {first['msg'].removeprefix('Value error, ')}{more}"


def parse_model(text: str, name: str, model: type[M], error: type[Exception], *,
                mapping: str = "") -> M:
    """``text`` (YAML) validated as ``model``; any problem raises ``error`` naming the file
    and the line. ``mapping``: the message when the top level is not a mapping."""
    try:
        data = load(text)
        root = compose(text)
    except yaml.YAMLError as exc:
        raise error(f"{name}{error_line(exc)}: not valid YAML "
                    f"({getattr(exc, 'problem', exc)})") from exc
    if mapping and not isinstance(data, dict):
        raise error(f"{name} line 1: {mapping}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc, message = explain(exc)
        line = node_line(root, loc)
        raise error(f"{name}{f' line {line}' if line else ''}: {message}") from exc
