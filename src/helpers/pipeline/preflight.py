"""Before a run writes anything: can it write where it must?

A folder that cannot be written (an output folder, the run lock, a read-only parent of ``--out``) is found
here and named in one message, instead of surfacing as a traceback halfway through a run. The check asks
the operating system (:func:`os.access` with the effective user), so it holds for a user without root's
override; root passes it everywhere, as root can write everywhere.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path


def nearest_existing(path: Path) -> Path:
    """``path`` itself when it exists, else its closest existing parent (the folder a write would create it in)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or "/")


def write_problem(path: Path, what: str) -> str | None:
    """Why ``path`` (a folder or file to create or replace) cannot be written, or None when it can."""
    existing = nearest_existing(path)
    if existing == path and path.is_file():
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
            return f"{what} {path} cannot be written (permission denied)."
        return None
    if not existing.is_dir():
        return f"{what} {path} cannot be created: {existing} is a file, not a folder."
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == path else f" (its parent {existing} is read-only for this user)"
        return f"{what} {path} cannot be written: permission denied{where}."
    return None


def write_problems(targets: Iterable[tuple[Path, str]]) -> list[str]:
    """One line per target that cannot be written, each named once."""
    problems: list[str] = []
    seen: set[Path] = set()
    for path, what in targets:
        if path in seen:
            continue
        seen.add(path)
        problem = write_problem(path, what)
        if problem:
            problems.append(problem)
    return problems


def describe_os_error(error: OSError) -> str:
    """One sentence for an operating-system error met while writing (no traceback)."""
    name = error.filename or ""
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write {name}: permission denied."
    if error.errno == errno.EROFS:
        return f"cannot write {name}: the file system is read-only."
    if error.errno == errno.ENOSPC:
        return f"cannot write {name}: no space left on the device."
    return f"cannot write {name}: {error.strerror or error}."
