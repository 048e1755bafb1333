"""Write environment.yml from requirements.lock, so conda users install exactly the locked set.

Conda is not reachable on the project's machines; the Makefile uses a venv with the same lock.
tests/test_environment.py checks that the two files agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def locked_pins(lock_file: Path) -> list[str]:
    """The ``name==version`` lines of a pip-compile style lock, in file order."""
    pins = []
    for line in lock_file.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


def environment_yml(pins: list[str]) -> str:
    """The conda environment text: Python 3.11, pip, and every locked pin under pip."""
    lines = [
        "# Generated from requirements.lock by scripts/write_environment_yml.py; do not edit by hand.",
        "# conda env create -f environment.yml && conda activate coproduction-compendium && pip install --no-deps -e .",
        "name: coproduction-compendium",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {pin}" for pin in pins]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = ROOT / "environment.yml"
    target.write_text(environment_yml(locked_pins(ROOT / "requirements.lock")), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
