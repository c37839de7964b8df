"""The import graph of pipeline/: no cycles, nothing imports the CLI, packages import downward.

    python tests/test_layout.py      # prints the graph, module by module

Imports are read with `ast` (nothing is executed), including imports inside functions: a
deferred import is still a dependency.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pipeline"

# Shared by every domain: the run config, the record schema, the step every stage is, two leaf
# helpers and, at the very bottom, the language folders' lookup (pipeline.lang imports no other
# pipeline module).
BOTTOM = "pipeline.lang"
SHARED = {"pipeline", "pipeline.config", "pipeline.schema", "pipeline.step", "pipeline.files", "pipeline.scripts", BOTTOM}
# Who may import whom among the domain packages (besides SHARED). A package may use the ones
# listed for it, and nothing above it: chain/executors/run/cli sit on top of all of them.
DOMAINS: dict[str, set[str]] = {
    "pipeline.ingest": set(),
    "pipeline.langid": set(),
    "pipeline.names": {"pipeline.langid"},
    "pipeline.translation": {"pipeline.names", "pipeline.langid", "pipeline.ingest"},
    "pipeline.publish": {"pipeline.names"},
    "pipeline.review": {"pipeline.names", "pipeline.publish"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """module -> the pipeline modules it imports."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node, module, path.name == "__init__.py")
                names = [f"{target}.{alias.name}" for alias in node.names] + [target]
            else:
                continue
            for name in names:
                # "from pipeline.names import Registry": the module is the longest known prefix.
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module and name.startswith("pipeline"):
                    imported.add(name)
        graph[module] = imported
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _domain(module: str) -> str | None:
    return next((domain for domain in DOMAINS if module == domain or module.startswith(domain + ".")), None)


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, imported in sorted(graph.items()):
        for target in sorted(imported):
            if target == "pipeline.cli" and module != "pipeline.__main__":
                problems.append(f"{module} imports the CLI")
            source_domain, target_domain = _domain(module), _domain(target)
            if module in SHARED - {"pipeline"} and target not in SHARED:
                problems.append(f"{module} (shared) imports {target}")
            if module == BOTTOM or module.startswith(BOTTOM + "."):
                problems.append(f"{module} imports {target}: {BOTTOM} is the bottom of the graph")
            if source_domain and target not in SHARED and target_domain != source_domain and target_domain not in DOMAINS[source_domain]:
                problems.append(f"{module} imports {target}, above or beside its package")
    return problems


def test_the_import_graph_has_no_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 10 and graph["pipeline.__main__"] == {"pipeline.cli"}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_packages_import_downward_only() -> None:
    assert layering_violations(import_graph()) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    assert layering_violations({"pipeline.ingest.stage": {"pipeline.names.registry", "pipeline.config"}}) == [
        "pipeline.ingest.stage imports pipeline.names.registry, above or beside its package"
    ]
    assert layering_violations({"pipeline.lang": {"pipeline.scripts"}}) == [
        "pipeline.lang imports pipeline.scripts: pipeline.lang is the bottom of the graph"
    ]


def test_every_module_may_ask_the_language_folders() -> None:
    graph = import_graph()
    assert graph["pipeline.lang"] == set()
    askers = {module for module, imported in graph.items() if BOTTOM in imported}
    assert {"pipeline.scripts", "pipeline.langid.rules", "pipeline.translation.segment", "pipeline.translation.tiny_models"} <= askers


if __name__ == "__main__":
    graph = import_graph()
    for module in sorted(graph):
        print(f"{module}: {', '.join(sorted(graph[module])) or '-'}")
    cycle = find_cycle(graph)
    problems = layering_violations(graph)
    print("\ncycle: " + (" -> ".join(cycle) if cycle else "none"))
    print("layering: " + ("; ".join(problems) if problems else "ok"))
    sys.exit(1 if cycle or problems else 0)
