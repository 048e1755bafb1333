"""Mutation score per module from mutmut's results (``mutants/**/*.py.meta``), as printed in the README.

Usage: ``python scripts/mutation_score.py [--survivors]`` after ``mutmut run`` (``make mutation``).

A mutant counts as killed when a test failed with it; "survived", "no tests" (no selected test runs the mutated
function) and "timeout" (the tests ran out of their CPU time: an endless loop, or just slow) count against the
score. Mutants not checked yet are left out and reported.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

KILLED = {1, 3}
TIMEOUT = {24, 36, 152, 255, -24}
SURVIVED = {0}
NO_TESTS = {5, 33}


def module_results(mutants: Path) -> dict[str, dict[str, int | None]]:
    """Per module (dotted name): mutant name -> mutmut exit code (None = not checked)."""
    results = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        module = ".".join(meta.relative_to(mutants / "src").with_suffix("").with_suffix("").parts)
        results[module] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return results


def summary(codes: dict[str, int | None]) -> Counter:
    counts: Counter = Counter()
    for code in codes.values():
        counts["not checked" if code is None else "killed" if code in KILLED else "survived" if code in SURVIVED
               else "no tests" if code in NO_TESTS else "timeout" if code in TIMEOUT else "other"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    parser.add_argument("--survivors", action="store_true", help="list every mutant that was not killed")
    args = parser.parse_args(argv)
    results = module_results(args.mutants)
    if not results:
        print(f"no mutmut results in {args.mutants}/: run `make mutation` first")
        return 1
    total: Counter = Counter()
    print("| module | mutants | killed | survived | no tests | timeout | score |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for module, codes in results.items():
        counts = summary(codes)
        total.update(counts)
        checked = sum(counts.values()) - counts["not checked"]
        score = f"{100 * counts['killed'] / checked:.1f}%" if checked else "-"
        print(f"| {module} | {checked} | {counts['killed']} | {counts['survived']} | {counts['no tests']} | "
              f"{counts['timeout']} | {score} |")
    checked = sum(total.values()) - total["not checked"]
    print(f"| **all** | {checked} | {total['killed']} | {total['survived']} | {total['no tests']} | "
          f"{total['timeout']} | **{100 * total['killed'] / max(checked, 1):.1f}%** |")
    if total["not checked"]:
        print(f"\n{total['not checked']} mutants not checked yet (run `make mutation` again to continue).")
    if args.survivors:
        for module, codes in results.items():
            for name, code in codes.items():
                if code is not None and code not in KILLED:
                    kind = ("survived" if code in SURVIVED else "no tests" if code in NO_TESTS
                            else "timeout" if code in TIMEOUT else code)
                    print(f"{kind}: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
