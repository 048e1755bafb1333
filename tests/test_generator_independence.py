"""The synthetic-data generators share no code with what they are checked against (issue 10).

A generator that imported the claim checks, the cleaning, the estimators or a scorecard could carry the same
fault as the code it tests, and the fault would cancel out. Each generator may import only the foundation,
the registry reader and its own study's codebook: a whitelist, so that a new analysis module is covered
without naming it here. Checked statically (every import, including those inside functions, followed through
the modules it reaches) and at run time (the modules actually loaded).
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from helpers.paths import PROJECT_ROOT
from test_architecture import import_graph

ALLOWED: dict[str, set[str]] = {
    "helpers.oecd.synthetic": {"helpers.oecd", "helpers.oecd.codebook"},
    "helpers.eu.synthetic": {"helpers.eu", "helpers.eu.codebook"},
}
FOUNDATION: set[str] = {"helpers", "helpers.paths", "helpers.outputs", "helpers.data", "helpers.data.claims",
                        "helpers.data.status", "helpers.data.validation"}
"""Reading files and the claims registry (not checking against it)."""
MUST_BE_FORBIDDEN: set[str] = {
    "helpers.data.checks", "helpers.oecd.clean", "helpers.oecd.estimates", "helpers.oecd.scorecard",
    "helpers.oecd.figures", "helpers.eu.clean", "helpers.eu.weights", "helpers.eu.index", "helpers.eu.estimates",
    "helpers.eu.statistics", "helpers.eu.scorecard", "helpers.eu.sensitivity", "helpers.eu.stages",
    "helpers.stats.survey",
}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        module = stack.pop()
        for dependency in graph.get(module, set()):
            if dependency not in seen:
                seen.add(dependency)
                stack.append(dependency)
    return seen


@pytest.mark.parametrize("generator", sorted(ALLOWED))
def test_a_generator_reaches_only_the_registry_reader_and_its_codebook(generator: str) -> None:
    graph = import_graph()
    allowed = FOUNDATION | ALLOWED[generator]
    assert MUST_BE_FORBIDDEN <= set(graph) - allowed  # every analysis and scorecard module is outside the whitelist
    forbidden = reachable(graph, generator) - allowed
    assert not forbidden, f"{generator} imports {sorted(forbidden)}"


@pytest.mark.parametrize("generator", sorted(ALLOWED))
def test_a_generator_loads_no_analysis_module_at_run_time(generator: str) -> None:
    code = f"import sys, {generator}; print(sorted(m for m in sys.modules if m.startswith('helpers')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PROJECT_ROOT).stdout
    modules = set(ast.literal_eval(loaded))
    extra = modules - FOUNDATION - ALLOWED[generator] - {generator}
    assert not extra, f"{generator} loads {sorted(extra)}"


def test_a_planted_import_is_found() -> None:
    graph = import_graph()
    graph["helpers.oecd.codebook"] = graph["helpers.oecd.codebook"] | {"helpers.data.checks"}
    assert "helpers.data.checks" in reachable(graph, "helpers.oecd.synthetic")
