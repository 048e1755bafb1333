"""A run that cannot write where it must stops with one clear message, not a traceback.

Root may write anywhere, so these tests run the pipeline as a user without root's override: as ``nobody``
(``setpriv --reuid=65534``) when that user can run this Python and read the project, otherwise as root
without the capabilities that bypass file permissions (``setpriv --bounding-set=-dac_override,...``; the
interpreter may live where only root can read, e.g. under /root). A normal user runs them as itself. Each case
is refused before any notebook runs (the preflight in ``helpers.pipeline.preflight``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.paths import PROJECT_ROOT

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner",
                    "--inh-caps=-dac_override,-dac_read_search,-fowner"]


@functools.cache
def unprivileged_prefix() -> list[str]:
    """How to run a command here as a user whom file permissions apply to."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot drop root's override of file permissions")
    probe = [sys.executable, "-c", "import helpers.pipeline.runner"]
    environment = os.environ | {"HOME": "/nonexistent"}
    if subprocess.run([*NOBODY, *probe], cwd=PROJECT_ROOT, capture_output=True, env=environment).returncode == 0:
        return NOBODY
    return WITHOUT_OVERRIDE


@pytest.fixture()
def place() -> Iterator[Path]:
    """A folder every user can enter (pytest's own temporary folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="permissions-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


def read_only(path: Path) -> Path:
    """Make ``path`` read-only for everyone, the owner included (so root without override cannot write it)."""
    path.chmod(0o555 if path.is_dir() else 0o444)
    return path


def run_as_unprivileged(out: Path) -> subprocess.CompletedProcess[str]:
    command = [*unprivileged_prefix(), sys.executable, "-m", "helpers.pipeline", "run", "--no-export",
               "--only", "oecd2010_clean", "--out", str(out)]
    environment = os.environ | {"HOME": "/nonexistent"}
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env=environment)


def assert_one_clear_refusal(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr
    assert done.stderr.startswith("pipeline: stopped before running anything:")
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == len(expected), done.stderr
    for problem, text in zip(problems, expected, strict=True):
        assert text in problem, done.stderr
    assert "running" not in done.stdout


def test_a_read_only_parent_of_out(place: Path) -> None:
    parent = place / "shared"
    parent.mkdir()
    done = run_as_unprivileged(read_only(parent) / "out")
    assert_one_clear_refusal(done, f"output folder {parent / 'out'} cannot be written: {parent} is read-only for "
                                   "this user (permission denied)")
    assert not (parent / "out").exists()


def test_a_read_only_output_folder(place: Path) -> None:
    out = place / "out"
    out.mkdir()
    done = run_as_unprivileged(read_only(out))
    assert_one_clear_refusal(done, f"output folder {out} cannot be written: it is read-only for this user")


def test_a_lock_file_and_a_reports_folder_that_cannot_be_written(place: Path) -> None:
    out = place / "out"
    (out / "reports").mkdir(parents=True)
    (out / ".pipeline.lock").write_text("")
    out.chmod(0o777)
    read_only(out / ".pipeline.lock")
    read_only(out / "reports")
    done = run_as_unprivileged(out)
    assert_one_clear_refusal(
        done,
        f"run lock {out / '.pipeline.lock'} cannot be written: it is read-only for this user (permission denied)",
        f"reports folder {out / 'reports'} cannot be written: it is read-only for this user (permission denied)",
    )
    assert not (out / "build").exists()


def test_a_previews_folder_that_cannot_be_written_is_found_before_the_steps_run(place: Path) -> None:
    """The tester's case: an unwritable reports/previews was found only at the export, after every step had run."""
    out = place / "out"
    (out / "reports" / "previews").mkdir(parents=True)
    for folder in (out, out / "reports"):
        folder.chmod(0o777)
    read_only(out / "reports" / "previews")
    command = [*unprivileged_prefix(), sys.executable, "-m", "helpers.pipeline", "run", "--only", "oecd2010_clean",
               "--out", str(out)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          env=os.environ | {"HOME": "/nonexistent"})
    assert_one_clear_refusal(done, f"folder for the PDF previews {out / 'reports' / 'previews'} cannot be written: "
                                   "it is read-only for this user (permission denied)")
    assert not (out / "build" / "executed").exists()
