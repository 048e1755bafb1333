"""One pipeline run at a time per output folder.

A second run started while one is going stops at once with a message naming the lock file and the
process that holds it, instead of interleaving its writes with the first run's.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from helpers.pipeline.errors import PipelineError

LOCK_NAME = ".pipeline.lock"


class RunLock:
    """Context manager around an exclusive, non-blocking file lock in the output folder."""

    def __init__(self, out_dir: Path, wait_seconds: float = 0.0) -> None:
        self.out_dir = Path(out_dir)
        self.lock_file = self.out_dir / LOCK_NAME
        self.owner_file = self.out_dir / f"{LOCK_NAME}.owner"
        self.wait_seconds = wait_seconds
        self._lock = FileLock(str(self.lock_file))

    def __enter__(self) -> "RunLock":
        self.out_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=self.wait_seconds)
        except Timeout:
            owner = self.owner_file.read_text().strip() if self.owner_file.exists() else "unknown"
            raise PipelineError(
                f"another pipeline run is already running in {self.out_dir} (lock {self.lock_file}, "
                f"held by process {owner}); wait for it to finish, or use --out for a separate folder."
            ) from None
        self.owner_file.write_text(f"{os.getpid()}\n")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.owner_file.unlink(missing_ok=True)
        self._lock.release()
