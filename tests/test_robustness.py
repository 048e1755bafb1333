"""Failures and concurrency: a killed run loses nothing, two runs do not interleave, cold runs are identical."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

OECD_ONLY = ["--only", "oecd2010_clean", "--only", "oecd2010_figures", "--only", "oecd2010_scorecard"]


def start_pipeline(out: Path, *arguments: str) -> subprocess.Popen[str]:
    """Start the runner in its own process group (so the kernels it starts can be killed with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *arguments],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_pipeline(out: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.1)


def product_hashes(out: Path) -> dict[str, str]:
    """sha256 of every data product that must be deterministic (not the manifest, not the reports)."""
    folders = [out / "data" / "processed", out / "reports" / "figures", out / "reports" / "tables"]
    hashes = {}
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            hashes[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def test_two_cold_runs_give_byte_identical_products(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        done = run_pipeline(out, "--no-export", *OECD_ONLY)
        assert done.returncode == 0, done.stderr
    hashes_first, hashes_second = product_hashes(first), product_hashes(second)
    assert any(name.endswith(".png") for name in hashes_first)
    assert any(name.endswith(".svg") for name in hashes_first)
    assert any("scorecard" in name for name in hashes_first)
    different = sorted(name for name in hashes_first if hashes_first[name] != hashes_second.get(name))
    assert hashes_first.keys() == hashes_second.keys()
    assert different == []


def test_a_killed_run_leaves_previous_outputs_readable_and_the_next_run_completes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_pipeline(out, "--no-export", *OECD_ONLY).returncode == 0
    scorecard = out / "reports" / "tables" / "oecd2010_scorecard.csv"
    before = scorecard.read_bytes()

    running = start_pipeline(out, "--no-export", "--force", *OECD_ONLY)
    executed = out / "build" / "executed" / "oecd2010_figures.ipynb"
    stamp = executed.stat().st_mtime
    wait_for(lambda: executed.exists() and executed.stat().st_mtime != stamp)  # the figures step has started
    os.killpg(running.pid, signal.SIGKILL)
    running.wait(timeout=30)

    long_table = pd.read_csv(out / "data" / "processed" / "oecd2010" / "responses_long.csv")
    assert len(long_table) > 0
    assert scorecard.read_bytes() == before  # the scorecard step never ran: old file intact
    for figure in (out / "reports" / "figures" / "oecd2010").glob("*.csv"):
        assert len(pd.read_csv(figure)) > 0

    again = run_pipeline(out, "--no-export", *OECD_ONLY)
    assert again.returncode == 0, again.stderr
    assert (pd.read_csv(scorecard)["status"] != "fail").all()


def test_a_second_run_in_the_same_folder_stops_with_a_clear_message(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = start_pipeline(out, "--no-export", *OECD_ONLY)
    try:
        wait_for(lambda: (out / ".pipeline.lock.owner").exists())
        second = run_pipeline(out, "--no-export", *OECD_ONLY)
        assert second.returncode == 2
        assert "another pipeline run is already running" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0


def test_changing_one_study_parameter_reruns_only_that_study(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_pipeline(out, "--no-export").returncode == 0
    again = run_pipeline(out, "--no-export", "-p", "oecd2010_figures.confidence_level=0.9")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    ran = {line.split("]")[1].split(":")[0].strip() for line in lines if "running" in line}
    skipped = {line.split("]")[1].split(":")[0].strip() for line in lines if "skipped" in line}
    assert "oecd2010_figures" in ran
    assert "oecd2010_clean" in skipped
    assert {name for name in skipped | ran if name.startswith("eu2008")} == {n for n in skipped if n.startswith("eu2008")}
    assert any(name.startswith("eu2008") for name in skipped)
    nothing = run_pipeline(out, "--no-export", "-p", "oecd2010_figures.confidence_level=0.9")
    assert "running" not in nothing.stdout  # a no-op re-run skips every step


def test_parquet_bytes_do_not_depend_on_where_the_data_came_from(tmp_path: Path) -> None:
    """pandas would store ``frame.attrs`` (the reader puts the source file's absolute path there) in the file."""
    from helpers.outputs import write_parquet

    frame = pd.DataFrame({"RESPID": pd.array([1, 2], dtype="Int64"), "COUNTRY": ["Denmark", "France"]})
    here, there = frame.copy(), frame.copy()
    here.attrs["source_file"], there.attrs["source_file"] = "/home/a/file.csv", "/srv/b/other.csv"
    write_parquet(here, tmp_path / "here.parquet")
    write_parquet(there, tmp_path / "there.parquet")
    assert (tmp_path / "here.parquet").read_bytes() == (tmp_path / "there.parquet").read_bytes()
    assert pd.read_parquet(tmp_path / "here.parquet").equals(frame)
    assert here.attrs == {"source_file": "/home/a/file.csv"}  # the caller's frame is left as it was
