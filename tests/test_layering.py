"""The apps are layers: editai -> publishing -> library -> costs -> webhooks -> profiles. A module imports
only from its own app or the apps below it (profiles, the lowest, from none of the others: higher
apps plug into it through hook lists such as profiles.services.VOICE_CHECKS), and the modules of
one app import each other without a cycle.

Read from the source with `ast`, so every import counts: module level, inside functions (lazy
imports hide a dependency, they do not remove it) and under TYPE_CHECKING for the layers. Only
the cycle check leaves TYPE_CHECKING imports out: they never run, so they close no cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ("profiles", "webhooks", "costs", "library", "publishing", "editai")  # lowest first
ROOT = Path(settings.BASE_DIR)


@dataclass(frozen=True)
class Import:
    importer: str
    line: int
    target: str  # the module imported (a submodule when `from package import submodule`)
    typing_only: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for app in LAYERS for p in sorted((ROOT / app).rglob("*.py"))}


MODULES = _modules()


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, typing_only: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        inside = typing_only or (_is_type_checking(node) and child in getattr(node, "body", []))
        yield child, inside
        yield from _walk(child, inside)


def imports_of(name: str, path: Path) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, typing_only in _walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, node.lineno, alias.name, typing_only)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from . import x, from ..models import y
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                yield Import(name, node.lineno, submodule if submodule in MODULES else module, typing_only)


def _layer(module: str) -> int | None:
    top = module.split(".", 1)[0]
    return LAYERS.index(top) if top in LAYERS else None


def upward_imports(app: str) -> list[str]:
    found = []
    for name, path in MODULES.items():
        if name.split(".", 1)[0] != app:
            continue
        for imp in imports_of(name, path):
            target_layer = _layer(imp.target)
            if target_layer is not None and target_layer > LAYERS.index(app):
                found.append(f"{path.relative_to(ROOT)}:{imp.line} imports {imp.target}")
    return found


def cycles(app: str) -> list[list[str]]:
    """The import cycles among one app's modules (strongly connected components of 2+ modules)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        if name.split(".", 1)[0] == app:
            graph[name] = {
                imp.target
                for imp in imports_of(name, path)
                if not imp.typing_only and imp.target in MODULES and imp.target != name
                and imp.target.split(".", 1)[0] == app
            }  # fmt: skip
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_from_the_apps_below_it(app: str) -> None:
    assert upward_imports(app) == []


@pytest.mark.parametrize("app", LAYERS)
def test_the_modules_of_an_app_import_each_other_without_a_cycle(app: str) -> None:
    assert cycles(app) == []


def test_the_checks_see_every_kind_of_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself: a lazy upward import and a cycle closed inside a function are found;
    a cycle through TYPE_CHECKING is not a cycle."""
    files = {
        "profiles/zz_lazy.py": "def f():\n    from publishing.models import Publication\n",
        "costs/zz_a.py": "from costs import zz_b\n",
        "costs/zz_b.py": "def f():\n    from .zz_a import x\n",
        "library/zz_c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from library.zz_d import D\n",
        "library/zz_d.py": "from library import zz_c\n",
    }
    modules = {}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        modules[rel[:-3].replace("/", ".")] = path
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.MODULES", modules)
    assert upward_imports("profiles") == ["profiles/zz_lazy.py:2 imports publishing.models"]
    assert cycles("costs") == [["costs.zz_a", "costs.zz_b"]]
    assert cycles("library") == []
