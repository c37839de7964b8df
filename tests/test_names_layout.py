"""pipeline.names imports in the order its module map (pipeline/names/__init__.py) gives."""

from __future__ import annotations

from tests.test_layout import import_graph

# The module map's order: each part imports only the parts before it.
ORDER = ["entity", "morphology", "person", "matching", "ner", "grouping", "discovery", "table", "registry", "stage", "group_names"]


def _part(module: str) -> str | None:
    return module.removeprefix("pipeline.names.").split(".")[0] if module.startswith("pipeline.names.") else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imported in sorted(graph.items()):
        if (part := _part(module)) is None:
            continue
        for target in sorted(imported):
            other = _part(target)
            if other is not None and other != part and ORDER.index(other) > ORDER.index(part):
                found.append(f"{module} imports {target}")
    return found


def test_every_part_of_names_is_in_the_module_map() -> None:
    parts = {part for module in import_graph() if (part := _part(module))}
    assert parts == set(ORDER)


def test_names_imports_follow_the_module_map() -> None:
    assert upward_imports(import_graph()) == []


def test_an_upward_import_is_found() -> None:
    graph = {"pipeline.names.person.folding": {"pipeline.names.registry.entities"}}
    assert upward_imports(graph) == ["pipeline.names.person.folding imports pipeline.names.registry.entities"]
