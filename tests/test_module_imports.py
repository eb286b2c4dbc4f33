"""No two of harvester's modules import each other, at module level or inside a function (a circle
hidden in a function still makes each module need the other)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "harvester"


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(module: str, path: Path, source: str, modules: dict[str, Path]) -> set[str]:
    """The package's modules `module` imports: `from pkg import sub` imports pkg.sub when that is a
    module, else pkg."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return (found & modules.keys()) - {module}


def test_no_two_modules_import_each_other() -> None:
    modules = module_names()
    graph = {name: imported(name, path, path.read_text(encoding="utf-8"), modules) for name, path in modules.items()}
    assert sum(map(len, graph.values())) > 200  # the walk sees the package's imports
    mutual = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets if a in graph[b]})
    assert mutual == []


def test_the_walk_sees_a_circle_hidden_in_a_function() -> None:
    modules = {"p": Path("p/__init__.py"), "p.a": Path("p/a.py"), "p.b": Path("p/b.py")}
    assert imported("p.a", modules["p.a"], "from p import b\n", modules) == {"p.b"}
    assert imported("p.b", modules["p.b"], "def f():\n    from .a import x\n", modules) == {"p.a"}
