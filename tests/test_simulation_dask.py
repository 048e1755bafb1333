"""The validation study on Dask, for real (issue 14): one worker or two, any order, an interrupted study resumed,
a scheduler and two workers started on 127.0.0.1, and the four notebooks end to end with non-default parameters.

Every comparison is exact: the replicates' seeds are spawned from one master seed, so where and in which order a
replicate runs must not change a single bit. Small populations and samples keep the tests to a few minutes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from helpers import paths
from helpers.data.status import SCORECARD_COLUMNS
from helpers.simulation.replicate import SCENARIOS, StudySettings
from helpers.simulation.runner import SCHEDULER_VARIABLE, WORKER_ENVIRONMENT, SimulationError, run_study

pytestmark = pytest.mark.slow

SETTINGS = StudySettings(master_seed=5, population_fraction=0.002, officials_population=5000,
                         respondents_per_country=300, officials_sample=120)
REPLICATES = 4
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def local_result(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The study on a local cluster of two workers, chunks submitted in the usual order."""
    run = run_study(SETTINGS, REPLICATES, tmp_path_factory.mktemp("two_workers"), chunk_size=2, workers=2,
                    say=lambda _: None)
    assert run.computed == {scenario: REPLICATES for scenario in SCENARIOS}
    return run.results


def test_the_results_cover_every_scenario_and_replicate(local_result: pd.DataFrame) -> None:
    for scenario in SCENARIOS:
        assert sorted(local_result.loc[local_result["scenario"] == scenario, "replicate"].unique()) == list(
            range(REPLICATES))
    index = local_result.query("family == 'index' and weighting == 'population shares'")
    assert len(index) == 3 * REPLICATES and index["estimate"].between(30, 75).all()


def test_one_worker_and_reversed_order_give_identical_results(local_result: pd.DataFrame, tmp_path: Path) -> None:
    run = run_study(SETTINGS, REPLICATES, tmp_path, chunk_size=3, workers=1, reverse=True, say=lambda _: None)
    pd.testing.assert_frame_equal(run.results, local_result, check_exact=True)


def test_an_interrupted_study_resumes_where_it_stopped(local_result: pd.DataFrame, tmp_path: Path) -> None:
    progress_lines = []

    def interrupt_after_the_first_chunk(line: str) -> None:
        progress_lines.append(line)
        if line.startswith("replicates done"):
            raise KeyboardInterrupt  # as a user stopping the kernel once one chunk is written

    with pytest.raises(KeyboardInterrupt):
        run_study(SETTINGS, REPLICATES, tmp_path, chunk_size=2, workers=2, say=interrupt_after_the_first_chunk)
    written = sorted(p.name for p in tmp_path.rglob("replicates_*.parquet"))
    assert 1 <= len(written) < 6, written
    lines: list[str] = []
    resumed = run_study(SETTINGS, REPLICATES, tmp_path, chunk_size=2, workers=2, say=lines.append)
    reused = sum(resumed.reused.values())
    assert reused == 2 * len(written) and sum(resumed.computed.values()) == 3 * REPLICATES - reused
    assert any(line.startswith("reusing replicates already written") for line in lines)
    pd.testing.assert_frame_equal(resumed.results, local_result, check_exact=True)
    again = run_study(SETTINGS, REPLICATES, tmp_path, chunk_size=2, workers=2, say=lines.append)
    assert sum(again.computed.values()) == 0  # nothing left to run: no cluster is even started
    more = run_study(SETTINGS, REPLICATES + 1, tmp_path, chunk_size=2, workers=1, say=lines.append)
    assert more.computed == {scenario: 1 for scenario in SCENARIOS}  # a larger study reuses the smaller one


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def scheduler_with_two_workers(tmp_path: Path) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, on ports chosen now; stopped after."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    environment = {**os.environ, **WORKER_ENVIRONMENT}
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("scheduler", "worker1", "worker2")]  # noqa: SIM115
    processes = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], stdout=logs[0], stderr=subprocess.STDOUT, env=environment)]
    try:
        from distributed import Client

        client = Client(address, timeout=60)
        for number in (1, 2):
            processes.append(subprocess.Popen(
                [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                 "--no-dashboard", "--name", f"test-worker-{number}", "--memory-limit", "0"],
                stdout=logs[number], stderr=subprocess.STDOUT, env=environment))
        client.wait_for_workers(2, timeout=120)
        client.close()
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def test_a_scheduler_and_two_workers_on_localhost_give_the_local_result(
        local_result: pd.DataFrame, scheduler_with_two_workers: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    run = run_study(SETTINGS, REPLICATES, tmp_path / "by_parameter", chunk_size=2,
                    address=scheduler_with_two_workers, say=lines.append)
    assert "2 Dask workers" in run.cluster and scheduler_with_two_workers in run.cluster
    pd.testing.assert_frame_equal(run.results, local_result, check_exact=True)
    monkeypatch.setenv(SCHEDULER_VARIABLE, scheduler_with_two_workers)  # the same cluster named by the variable
    by_variable = run_study(SETTINGS, REPLICATES, tmp_path / "by_variable", chunk_size=4, say=lines.append)
    assert scheduler_with_two_workers in by_variable.cluster
    pd.testing.assert_frame_equal(by_variable.results, local_result, check_exact=True)


def test_an_unreachable_scheduler_is_a_clear_refusal(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SimulationError, match=f"cannot reach the Dask scheduler at {address}"):
        run_study(SETTINGS, 1, tmp_path, address=address, say=lambda _: None)


def test_the_four_notebooks_end_to_end_with_non_default_parameters(tmp_path: Path) -> None:
    """``make test``'s small validation run: every step, other seed and sizes, a scorecard like the others."""
    parameters = ["master_seed=7", "population_fraction=0.002", "officials_population=5000",
                  "validation_replicates.replicates=3", "validation_replicates.chunk_size=2",
                  "validation_replicates.respondents_per_country=300", "validation_replicates.officials_sample=120",
                  "validation_replicates.workers=2"]
    steps = ["validation_population", "validation_replicates", "validation_multiverse", "validation_scorecard"]
    command = [sys.executable, "-m", "helpers.pipeline", "run", "--out", str(tmp_path),
               *[part for step in steps for part in ("--only", step)],
               *[part for parameter in parameters for part in ("-p", parameter)]]
    done = subprocess.run(command, cwd=paths.PROJECT_ROOT, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    reports = tmp_path / "reports"
    scorecard = pd.read_csv(reports / "tables" / "validation_scorecard.csv", keep_default_na=False)
    assert list(scorecard.columns) == list(SCORECARD_COLUMNS)
    criteria = pd.read_csv(paths.RAW_DIR / "validation_criteria.csv", keep_default_na=False)
    assert scorecard["claim_id"].tolist() == criteria["criterion_id"].tolist()
    assert set(scorecard["status"]) <= {"pass", "fail"} and (scorecard["study"] == "validation").all()
    assert scorecard["detail"].str.contains("over 3 replicates").all()
    provenance = json.loads((tmp_path / "data" / "processed" / "validation" / "provenance.json").read_text())
    assert provenance["master_seed"] == 7 and provenance["data_are_synthetic"] is True
    run = json.loads((tmp_path / "data" / "processed" / "validation_replicates" / "summary" / "run.json").read_text())
    assert run["replicates"] == 3 and sum(run["computed"].values()) == 9
    figures = {p.name for p in (reports / "figures").rglob("*.png")}
    assert {"validation_population.png", "validation_coverage.png", "validation_weighting.png",
            "validation_tests.png", "validation_multiverse.png", "validation_multiverse_eu.png"} <= figures
    for step in steps:  # a reviewer report per step, with the synthetic notice and no error in it
        page = (reports / f"{step}.reviewer.html").read_text(encoding="utf-8")
        assert "SYNTHETIC" in page and "Traceback" not in page
    from helpers.report.export import missing_pdf_tools

    assert missing_pdf_tools() or (reports / "validation_report.pdf").stat().st_size > 10_000
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "Validation study" in index and "VAL-01" in index and "VAL-15" in index
    started = time.perf_counter()
    rerun = subprocess.run(command, cwd=paths.PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0 and rerun.stdout.count("skipped (notebook") == 4, rerun.stdout
    assert time.perf_counter() - started < 60
