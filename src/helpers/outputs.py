"""Write outputs whole or not at all, and byte-for-byte deterministic.

Every data product (processed data, tables, figures, reports, the scorecard) goes through these
functions: each writes to a temporary file in the target folder and renames it over the target, so
a run killed at any moment leaves the previous good file readable.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

# Fixed so that SVG ids and PNG/SVG/PDF metadata do not change from run to run.
MATPLOTLIB_DETERMINISTIC_RC: dict[str, Any] = {"svg.hashsalt": "coproduction-compendium", "svg.fonttype": "path"}
PNG_METADATA: dict[str, Any] = {"Software": None}
SVG_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, 0o644)
        os.replace(temporary_path, target)
    finally:
        if temporary_path.exists():
            temporary_path.unlink()


def write_bytes(target: str | os.PathLike[str], content: bytes) -> Path:
    """Write ``content`` to ``target`` atomically."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(content)
    return Path(target)


def write_text(target: str | os.PathLike[str], content: str) -> Path:
    """Write UTF-8 ``content`` to ``target`` atomically, with Unix line endings."""
    return write_bytes(target, content.encode("utf-8"))


def write_csv(frame: pd.DataFrame, target: str | os.PathLike[str], *, index: bool = False) -> Path:
    """Write a data frame as UTF-8 CSV atomically (Unix line endings, stable float format)."""
    text = frame.to_csv(index=index, lineterminator="\n", float_format="%.10g")
    return write_text(target, text)


def write_json(payload: Any, target: str | os.PathLike[str]) -> Path:
    """Write ``payload`` as indented JSON with sorted keys, atomically."""
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    return write_text(target, text)


def write_parquet(frame: pd.DataFrame, target: str | os.PathLike[str]) -> Path:
    """Write a data frame as Parquet atomically, without ``frame.attrs`` (pandas would store them in the file,
    and they may hold where the data came from, e.g. an absolute path, which would make the bytes depend on
    the checkout's location)."""
    without_attrs = frame.copy(deep=False)  # a new frame on the same data (no copy of the values)
    without_attrs.attrs = {}
    with atomic_path(target) as temporary:
        without_attrs.to_parquet(temporary, index=False)
    return Path(target)


def save_figure(figure: Any, stem: str | os.PathLike[str], formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save a matplotlib figure as ``stem.png`` and ``stem.svg`` with metadata fixed for determinism."""
    import matplotlib

    written: list[Path] = []
    with matplotlib.rc_context(MATPLOTLIB_DETERMINISTIC_RC):
        for extension in formats:
            target = Path(f"{stem}.{extension}")
            metadata = PNG_METADATA if extension == "png" else SVG_METADATA if extension == "svg" else None
            with atomic_path(target) as temporary:
                figure.savefig(temporary, format=extension, dpi=150, bbox_inches="tight", metadata=metadata)
            written.append(target)
    return written
