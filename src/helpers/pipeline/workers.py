"""Worker processes that end with the runner, and kernels that start reliably when many start at once.

Workers: a pipeline run hands each step (and each study's export) to a worker process. If the runner is
killed (even with SIGKILL, which it cannot catch), its workers must not go on running notebooks or LaTeX on
their own. :func:`end_with_parent` (the pools' initializer) makes each worker the leader of its own process
group and asks Linux to send it SIGTERM when the runner dies (``prctl(PR_SET_PDEATHSIG)``); on SIGTERM the
worker kills its whole group (itself and programs it started, such as xelatex). Jupyter kernels run in a
session of their own and watch their parent (ipykernel's parent poller): when the worker is gone they exit
within a second. Where ``prctl`` is missing (not Linux) a thread polls the parent instead.

Kernels: jupyter_client picks free TCP ports, releases them and the kernel binds them later, so kernels
started at the same moment by separate processes can collide (``Address already in use``; the kernel dies
before it answers, "Kernel died before replying to kernel_info"). :class:`IpcKernelManager` connects to the
kernel through Unix domain sockets in a private temporary folder instead of TCP ports, so there is nothing to
collide on; :func:`is_kernel_start_failure` recognises a kernel that died at start for any other reason, and
the runner retries those (:data:`KERNEL_START_ATTEMPTS`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
KERNEL_START_ATTEMPTS = 3
KERNEL_START_FAILURES = (
    "Kernel died before replying to kernel_info",
    "Address already in use",
    "Kernel didn't respond in",
)
TRANSPORT_VARIABLE = "COMPENDIUM_KERNEL_TRANSPORT"
# A Unix socket path may not exceed 107 bytes; the kernel adds "-<n>" to the prefix.
MAX_SOCKET_PREFIX = 90


_kernel_files: list[Path] = []  # this process's kernels' socket folders and connection files


def _kill_own_group(signum: int, frame: Any) -> None:
    """SIGTERM in a worker: remove its kernels' socket folders and connection files, then kill the worker's
    process group (the worker and what it started; the kernels, in sessions of their own, end when they see
    the worker gone)."""
    for path in _kernel_files:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    os.killpg(os.getpid(), signal.SIGKILL)


def _ask_for_signal_on_parent_death(signum: int) -> bool:
    """Linux: deliver ``signum`` to this process when its parent dies. False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Fallback without prctl: end this process's group once the parent has gone."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        _kill_own_group(signal.SIGTERM, None)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def end_with_parent(parent: int) -> None:
    """Initializer of a worker process: end it, and the programs it started, when ``parent`` (the runner) dies."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may still print to the terminal
    signal.signal(signal.SIGTERM, _kill_own_group)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the runner, which ends the workers
    if not _ask_for_signal_on_parent_death(signal.SIGTERM):
        _watch_parent(parent)
    if os.getppid() != parent:  # the runner died before the request took effect
        _kill_own_group(signal.SIGTERM, None)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers end with this process (see :func:`end_with_parent`)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent, initargs=(os.getpid(),))


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers (and, through their groups, what they started) now, without waiting for them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive() and process.pid:
            try:
                os.kill(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    pool.shutdown(wait=False, cancel_futures=True)


def is_kernel_start_failure(error: BaseException) -> bool:
    """Whether ``error`` says the kernel died or never answered before the first cell ran."""
    text = f"{type(error).__name__}: {error}"
    return any(marker in text for marker in KERNEL_START_FAILURES)


def _socket_folder() -> Path:
    """A new private folder for one kernel's sockets, with a path short enough for Unix sockets."""
    base = tempfile.gettempdir()
    if len(base) > MAX_SOCKET_PREFIX - 30:
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix="compendium-kernel-", dir=base))


def ipc_kernel_manager_class() -> type:
    """jupyter_client's ``AsyncKernelManager`` on Unix domain sockets in a private folder (removed at shutdown).

    Built on first use, so that importing this module does not import jupyter_client.
    """
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        """A kernel manager whose kernel listens on Unix sockets instead of TCP ports (no port race)."""

        def __init__(self, **kwargs: Any) -> None:
            folder = _socket_folder()
            super().__init__(transport="ipc", ip=str(folder / "k"), **kwargs)
            self._socket_folder = folder
            _kernel_files.append(folder)

        def write_connection_file(self, **kwargs: Any) -> None:
            super().write_connection_file(**kwargs)
            _kernel_files.append(Path(self.connection_file))

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._socket_folder, ignore_errors=True)
                for path in (self._socket_folder, Path(self.connection_file)):
                    if path in _kernel_files:
                        _kernel_files.remove(path)

        cleanup_resources = _async_cleanup_resources  # AsyncKernelManager binds the name to the base function

    return IpcKernelManager


def kernel_transport_options() -> dict[str, Any]:
    """papermill keyword arguments for the kernel: the ipc manager on POSIX, papermill's default (TCP) elsewhere
    or when ``COMPENDIUM_KERNEL_TRANSPORT=tcp`` (to compare the two)."""
    if os.name != "posix" or os.environ.get(TRANSPORT_VARIABLE, "ipc") == "tcp":
        return {}
    return {"kernel_manager_class": ipc_kernel_manager_class()}
