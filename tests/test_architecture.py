"""The package's folders tell its architecture, and no module imports another that imports it back.

Imports inside functions count too: a lazy import that closes a circle is still a circle.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def helper_imports(path: Path, known: set[str]) -> set[str]:
    """The helpers modules ``path`` imports (``from helpers.x import y`` counts ``helpers.x.y`` when a module)."""

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    files = [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]
    known = {module_name(p) for p in files}
    graph = {module_name(p): helper_imports(p, known) for p in files}
    # A package's __init__ is imported with each of its modules; that edge is not a circle.
    return {name: {d for d in deps if not name.startswith(d + ".")} for name, deps in graph.items()}


def test_the_helpers_have_no_import_circle() -> None:
    graph = import_graph()
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None


def test_a_planted_circle_is_found() -> None:
    graph = import_graph()
    graph["helpers.paths"] = graph["helpers.paths"] | {"helpers.pipeline.runner"}
    graph["helpers.pipeline.runner"] = graph["helpers.pipeline.runner"] | {"helpers.paths"}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError:
        return
    raise AssertionError("the circle check missed a planted circle")


def test_top_level_holds_only_the_foundation_and_the_groups() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    groups = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert modules == ["outputs", "paths"], modules
    assert {"data", "eu", "oecd", "pipeline", "report", "stats"} <= set(groups), groups
