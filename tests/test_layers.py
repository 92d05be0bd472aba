"""The layout's rules, read from the code's own imports (grimp builds the graph, counting
imports inside functions and under TYPE_CHECKING): no import circle in coach/, and none of
the forbidden directions — the answer pipeline importing a feature, a feature importing the
web app (ui/), the database seam (db/) importing a feature, the ingest engine importing the
Coach. See docs/contributors/architecture.md (and the README's "Architecture")."""

from __future__ import annotations

from collections.abc import Iterable

import grimp
import pytest

GRAPH = grimp.build_graph("coach", include_external_packages=False)

# the answer pipeline and every floor below it
PIPELINE = ("coach.pipeline", "coach.routing", "coach.answering", "coach.retrieval", "coach.ingest",
            "coach.store", "coach.providers", "coach.text", "coach.ports", "coach.types",
            "coach.config", "coach.errors", "coach.pii", "coach.prompts", "coach.tuning",
            "coach.yamlio", "coach.ratelimit")
# features: built on the pipeline, each with its own store
FEATURES = ("coach.coaching", "coach.insights", "coach.evals", "coach.library",
            "coach.access", "coach.conversations", "coach.workbench", "coach.mcp",
            "coach.review")
ABOVE_PIPELINE = (*FEATURES, "coach.ui", "coach.app", "coach.cli", "coach.db")


def inside(module: str, places: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in places)


def modules_in(places: Iterable[str]) -> list[str]:
    return sorted(m for m in GRAPH.modules if inside(m, places))


def imports_of(module: str) -> set[str]:
    return GRAPH.find_modules_directly_imported_by(module)


def circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(GRAPH.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(imports_of(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports_of(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def crossings(sources: Iterable[str], targets: Iterable[str]) -> list[str]:
    targets = tuple(targets)
    return [f"{m} imports {t}" for m in modules_in(sources)
            for t in sorted(imports_of(m)) if inside(t, targets)]


def test_the_graph_is_read():  # a rule over an empty graph would pass for nothing
    assert {"coach.pipeline", "coach.app", "coach.coaching.chat.router"} <= GRAPH.modules
    assert "coach.pipeline" in imports_of("coach.app")


def test_there_is_no_import_circle_in_coach():
    assert circles() == []


def test_the_circle_finder_finds_a_circle():
    GRAPH.add_import(importer="coach.types", imported="coach.pipeline")
    try:
        assert any("coach.types" in c and "coach.pipeline" in c for c in circles())
    finally:
        GRAPH.remove_import(importer="coach.types", imported="coach.pipeline")


@pytest.mark.parametrize(("rule", "sources", "targets"), [
    ("the pipeline imports no feature (journeys reach it through ports.JourneyRouter)",
     PIPELINE, ABOVE_PIPELINE),
    ("a feature never imports the web app", FEATURES, ("coach.ui",)),
    ("the database seam imports no feature", ("coach.db",),
     (*FEATURES, "coach.ui", "coach.app", "coach.pipeline")),
    ("the ingest engine never imports the Coach", ("coach.ingest",),
     ("coach.pipeline", "coach.app")),
])
def test_no_forbidden_direction(rule: str, sources: tuple[str, ...],
                                targets: tuple[str, ...]):
    assert crossings(sources, targets) == [], rule
