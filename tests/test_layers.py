"""Imports go one way: facade_app → bridges.<system> → transports → drivers; the core is a leaf."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bridges", "mainframe", "rdbms", "web_scrape", "extract", "facade_app")
TRANSPORTS = ("mainframe", "rdbms", "web_scrape", "extract")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    module = _module_name(path)
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    graph = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            graph[_module_name(path)] = _imports(path, top_level_only)
    modules = set(graph)
    # "from a.b import c" names either module a.b.c or attribute c of a.b: keep what exists.
    return {m: {i for i in deps if i in modules} | {i.rsplit(".", 1)[0] for i in deps if i not in modules
                                                       and i.rsplit(".", 1)[0] in modules} for m, deps in graph.items()}


def _layer(module: str) -> str:
    top = module.split(".")[0]
    if top == "bridges":
        return "core" if module == "bridges" or module.startswith("bridges.core") else "bridge"
    return "transport" if top in TRANSPORTS else top


FORBIDDEN = {
    "core": {"bridge", "transport", "facade_app"},
    "transport": {"bridge", "facade_app"},
    "bridge": {"facade_app"},
    "facade_app": {"transport"},
}


def test_layers_import_one_way():
    bad = []
    for module, deps in _graph(top_level_only=False).items():
        for dep in deps:
            if _layer(dep) in FORBIDDEN.get(_layer(module), set()):
                bad.append(f"{module} imports {dep}")
    assert not bad, "layering broken:\n" + "\n".join(sorted(bad))


def test_transports_do_not_import_each_other():
    bad = [f"{m} imports {d}" for m, deps in _graph(top_level_only=False).items() for d in deps
           if _layer(m) == "transport" and _layer(d) == "transport" and m.split(".")[0] != d.split(".")[0]]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = _graph(top_level_only=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, ()):
            if dep == node or dep not in graph:
                continue
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            # A package's __init__ re-exporting its own submodules is not a cycle to worry about.
            if len(component) > 1 and not _only_package_reexports(component):
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def _only_package_reexports(component: list[str]) -> bool:
    packages = [m for m in component if (ROOT / m.replace(".", "/") / "__init__.py").exists()]
    return len(packages) == 1 and all(m.startswith(packages[0] + ".") or m == packages[0] for m in component)
