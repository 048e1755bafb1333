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


def blocking_path(path: Path) -> tuple[Path, str] | None:
    """What stops ``path`` (a folder or file to create or replace) from being written, and why; None if nothing.

    The answer is ``path`` itself when it exists and cannot be written, else the closest existing parent
    that cannot be written into (or that is a file where a folder is needed).
    """
    existing = nearest_existing(path)
    if existing == path and path.is_file():
        if not os.access(path, os.W_OK):
            return path, "is read-only for this user (permission denied)"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return path.parent, "is read-only for this user (permission denied)"
        return None
    if not existing.is_dir():
        return existing, "is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return existing, "is read-only for this user (permission denied)"
    return None


def write_problems(targets: Iterable[tuple[Path, str]]) -> list[str]:
    """One line per obstacle: the first place it blocks, the reason, and how many other places it blocks."""
    blocked: dict[Path, tuple[str, list[str]]] = {}
    for path, what in dict.fromkeys(targets):
        found = blocking_path(path)
        if found is not None:
            obstacle, reason = found
            blocked.setdefault(obstacle, (reason, []))[1].append(f"{what} {path}")
    problems = []
    for obstacle, (reason, places) in blocked.items():
        others = f"; {len(places) - 1} other place(s) this run writes are blocked by it too" if len(places) > 1 else ""
        subject = "it" if places[0].endswith(f" {obstacle}") else str(obstacle)
        problems.append(f"{places[0]} cannot be written: {subject} {reason}{others}.")
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
