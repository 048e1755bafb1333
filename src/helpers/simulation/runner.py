"""Run the validation study's replicates as tasks on Dask, writing each chunk of results as it completes.

Where the replicates run (:func:`dask_client`):

- by default on a ``dask.distributed.LocalCluster`` sized to the machine: one single-threaded worker process per
  core (``workers`` overrides the number);
- with a scheduler address (the ``scheduler_address`` parameter, else the environment variable
  :data:`SCHEDULER_VARIABLE`), on that existing cluster, e.g. one started on a Slurm or PBS system with
  ``dask-jobqueue`` (README, "The validation study"). Nothing else changes: the same command, the same results.

Each task runs a *chunk* of consecutive replicates of one scenario (:func:`helpers.simulation.replicate.run_chunk`);
every replicate draws from its own seed (:mod:`helpers.simulation.seeds`), so the results do not depend on the
chunking, the order the tasks finish in or the number of workers (tested, also against a scheduler and two workers
started on 127.0.0.1). The client writes each chunk's results as soon as the task finishes, atomically, to
``<folder>/<key>/<scenario>/replicates_<first>_<last>.parquet`` (``helpers.outputs.write_parquet``); ``<key>`` is
a hash of the settings, the helper code a replicate runs, the raw inputs it reads and the numerical libraries'
versions, so results of other settings or other code are never mixed in. A study that is interrupted (a killed
kernel, a lost cluster) resumes where it stopped: the chunks already written are read back and only the missing
replicates run. A larger ``replicates`` later reuses the smaller run's replicates.

Progress is printed as chunks complete: replicates done per scenario, elapsed time and an estimate of the time left.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import paths
from helpers.outputs import write_json, write_parquet
from helpers.pipeline.choices import combination_problems
from helpers.simulation.population import country_sizes
from helpers.simulation.replicate import SCENARIOS, StudySettings, run_chunk
from helpers.simulation.sampling import MEAN_RESPONSE_RATE

SCHEDULER_VARIABLE: str = "COMPENDIUM_DASK_SCHEDULER"
"""Environment variable holding the address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``)."""
WORKER_ENVIRONMENT: dict[str, str] = {
    "POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}
"""Set in the local cluster's worker processes (and recommended for any cluster's workers): one thread per worker
process, so that the workers do not compete for the cores and the arithmetic is the same everywhere."""
WORKER_CONFIG: dict[str, Any] = {"distributed.worker.profile.enabled": False}
"""Dask configuration of the local cluster's workers (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False`` in a
cluster's environment does the same): the profiler's sampling is overhead the study does not need."""
CONNECT_TIMEOUT_SECONDS: int = 20
DEFAULT_CHUNK_SIZE: int = 5
CHUNK_NAME = re.compile(r"^replicates_(\d{6})_(\d{6})\.parquet$")
CODE_PACKAGES: tuple[str, ...] = ("eu", "oecd", "stats", "data", "simulation")
"""Helper packages whose source a replicate runs: a change in any of them starts the results afresh."""
NUMERIC_LIBRARIES: tuple[str, ...] = ("numpy", "pandas", "polars", "svy", "scipy", "pingouin", "pandera")


class SimulationError(RuntimeError):
    """The validation study cannot run as asked: the message says what to change."""


# ---------------------------------------------------------------------------------------------------------
# Where the results go
# ---------------------------------------------------------------------------------------------------------


def results_key(settings: StudySettings) -> str:
    """A hash of everything a replicate's numbers depend on (see the module docstring), 16 hex digits."""
    digest = hashlib.sha256(json.dumps(settings.as_dict(), sort_keys=True).encode())
    source_root = Path(__file__).resolve().parents[1]
    for package in CODE_PACKAGES:
        for source in sorted((source_root / package).rglob("*.py")):
            digest.update(str(source.relative_to(source_root)).encode())
            digest.update(source.read_bytes())
    for raw in (paths.CLAIMS_FILE, paths.POPULATIONS_FILE, paths.SEX_AGE_MARGINS_FILE):
        digest.update(raw.read_bytes())
    for library in NUMERIC_LIBRARIES:
        digest.update(f"{library}=={metadata.version(library)}".encode())
    return digest.hexdigest()[:16]


def chunk_path(folder: Path, scenario: str, replicates: Sequence[int]) -> Path:
    """The file of a chunk of consecutive replicates."""
    return folder / scenario / f"replicates_{min(replicates):06d}_{max(replicates):06d}.parquet"


def written_chunks(folder: Path, scenario: str) -> dict[Path, range]:
    """Chunk files already written for ``scenario`` and the replicates each holds (by name; temporary files of
    an interrupted write start with a dot and are ignored)."""
    found = {}
    directory = folder / scenario
    if directory.is_dir():
        for file in sorted(directory.iterdir()):
            match = CHUNK_NAME.match(file.name)
            if match:
                found[file] = range(int(match.group(1)), int(match.group(2)) + 1)
    return found


def chunk_plan(replicates: int, done: set[int], chunk_size: int) -> list[list[int]]:
    """The replicates 0 .. replicates-1 not in ``done``, in runs of at most ``chunk_size`` consecutive numbers."""
    plan: list[list[int]] = []
    for replicate in range(replicates):
        if replicate in done:
            continue
        if plan and replicate == plan[-1][-1] + 1 and len(plan[-1]) < chunk_size:
            plan[-1].append(replicate)
        else:
            plan.append([replicate])
    return plan


def read_results(folder: Path, scenario: str, replicates: int) -> pd.DataFrame:
    """Every written result of ``scenario`` with replicate < ``replicates``, in replicate order (a replicate
    written twice, by overlapping chunks, is read once)."""
    frames, seen = [], set()
    for file, numbers in written_chunks(folder, scenario).items():
        wanted = [n for n in numbers if n < replicates and n not in seen]
        if not wanted:
            continue
        frame = pd.read_parquet(file)
        frames.append(frame.loc[frame["replicate"].isin(wanted)])
        seen.update(wanted)
    if not frames:
        return pd.DataFrame()
    combined = pd.concat(frames, ignore_index=True)
    return combined.sort_values("replicate", kind="stable").reset_index(drop=True)


def readable_chunks(folder: Path, scenario: str) -> set[int]:
    """Replicates held by chunk files that can be read; an unreadable file is removed (it will be rerun)."""
    done: set[int] = set()
    for file, numbers in written_chunks(folder, scenario).items():
        try:
            pd.read_parquet(file, columns=["replicate"])
        except Exception:  # noqa: BLE001 - any damage means: run these replicates again
            file.unlink(missing_ok=True)
            continue
        done.update(numbers)
    return done


# ---------------------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------------------


def scheduler_address(parameter: str | None = None) -> str | None:
    """The scheduler to use: ``parameter`` if given, else :data:`SCHEDULER_VARIABLE`, else None (local cluster)."""
    address = (parameter or os.environ.get(SCHEDULER_VARIABLE, "")).strip()
    return address or None


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(address: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``dask.distributed.Client`` on the scheduler at ``address``, or on a new local cluster of ``workers``
    single-threaded processes (default: one per core), closed on exit."""
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise SimulationError(
                f"cannot reach the Dask scheduler at {address} ({type(error).__name__}: {error}); start one "
                f"(`dask scheduler`), or leave scheduler_address and {SCHEDULER_VARIABLE} empty to use this "
                "machine's cores") from None
        try:
            yield client
        finally:
            client.close()
        return
    count = default_workers() if workers is None else int(workers)
    if count < 1:
        raise SimulationError(f"workers must be at least 1, got {workers}")
    import dask

    # The nannies hand this configuration to their workers: no statistical profiler sampling every 10 ms.
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR, env=dict(WORKER_ENVIRONMENT))
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def describe_cluster(client: Any, show_address: bool = True) -> str:
    """'2 Dask workers (2 threads) on this machine' or, for a scheduler the user named, '8 Dask workers
    (16 threads) at tcp://...' (a local cluster's random port is left out: the executed notebook, and so the
    report, is then the same run to run)."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(worker.get("nthreads", 0) for worker in workers.values())
    where = f"at {client.scheduler.address}" if show_address else "on this machine"
    return f"{len(workers)} Dask workers ({threads} threads) {where}"


# ---------------------------------------------------------------------------------------------------------
# Running the study
# ---------------------------------------------------------------------------------------------------------


@dataclass
class StudyRun:
    """What :func:`run_study` did: the results, where they are, and how many replicates ran or were reused."""

    results: pd.DataFrame
    folder: Path
    computed: dict[str, int] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cluster: str = ""


class Progress:
    """Prints replicates done per scenario as chunks complete: at each tenth of the study and at the end (so a
    report holds about ten lines however long the study)."""

    def __init__(self, totals: dict[str, int], done: dict[str, int], say: Callable[[str], Any],
                 steps: int = 10) -> None:
        self.totals, self.done, self.say, self.steps = totals, dict(done), say, steps
        self.started = time.perf_counter()
        self.new = 0
        self.last_step = -1

    def advance(self, scenario: str, count: int, final: bool = False) -> None:
        self.done[scenario] += count
        self.new += count
        total = sum(self.totals.values())
        step = sum(self.done.values()) * self.steps // max(total, 1)
        if step == self.last_step and (not final or step == self.steps):
            return  # nothing new to say (the last chunk already printed the 100% line)
        self.last_step = step
        elapsed = time.perf_counter() - self.started
        remaining = total - sum(self.done.values())
        rate = self.new / elapsed if elapsed > 0 else 0.0
        left = f", about {remaining / rate:.0f} s left" if rate > 0 and remaining else ""
        counts = "; ".join(f"{name} {self.done[name]}/{self.totals[name]}" for name in self.totals)
        self.say(f"replicates done: {counts} ({elapsed:.0f} s{left})")


def run_study(settings: StudySettings, replicates: int, folder: str | os.PathLike[str], *,
              scenarios: Sequence[str] = SCENARIOS, chunk_size: int = DEFAULT_CHUNK_SIZE,
              address: str | None = None, workers: int | None = None, client: Any = None,
              population_dir: str | os.PathLike[str] | None = None, say: Callable[[str], Any] = print,
              reverse: bool = False) -> StudyRun:
    """Run (or resume) ``replicates`` replicates of every scenario on Dask; return every result.

    ``folder`` holds the results (a subfolder per :func:`results_key`); ``client`` an open Dask client, else one is
    opened with :func:`dask_client` (``address``, ``workers``). ``population_dir``: where step 1 saved the
    populations (workers that see it read them instead of drawing them; the results are the same). ``reverse`` submits the chunks last first (the tests
    use it to show that the order does not matter). Raises :class:`SimulationError` with a readable message.
    """
    check_arguments(replicates, chunk_size, scenarios, settings)
    started = time.perf_counter()
    study_folder = Path(folder) / results_key(settings)
    write_json({"settings": settings.as_dict(), "key": study_folder.name}, study_folder / "settings.json")
    done = {scenario: {r for r in readable_chunks(study_folder, scenario) if r < replicates} for scenario in scenarios}
    plan = [(scenario, chunk) for scenario in scenarios for chunk in chunk_plan(replicates, done[scenario], chunk_size)]
    run = StudyRun(results=pd.DataFrame(), folder=study_folder,
                   reused={scenario: len(done[scenario]) for scenario in scenarios},
                   computed={scenario: 0 for scenario in scenarios})
    reused_text = ", ".join(f"{count} of {scenario}" for scenario, count in run.reused.items() if count)
    if reused_text:
        say(f"reusing replicates already written in {study_folder}: {reused_text}")
    if plan:
        progress = Progress({scenario: replicates for scenario in scenarios}, run.reused, say)
        with _client(client, address, workers) as active:
            named = client is not None or scheduler_address(address) is not None  # a cluster the user chose
            run.cluster = describe_cluster(active, show_address=named)
            say(f"running {sum(len(chunk) for _, chunk in plan)} replicates in {len(plan)} tasks on {run.cluster}")
            _submit_and_write(active, settings, plan[::-1] if reverse else plan, study_folder, progress, run,
                              None if population_dir is None else str(Path(population_dir).resolve()))
        progress.advance(scenarios[0], 0, final=True)
    run.results = pd.concat([read_results(study_folder, scenario, replicates) for scenario in scenarios],
                            ignore_index=True)
    run.seconds = time.perf_counter() - started
    return run


def check_arguments(replicates: int, chunk_size: int, scenarios: Sequence[str],
                    settings: StudySettings | None = None) -> None:
    """Refuse impossible settings with one message naming each problem (the rules across parameters are those
    the pipeline checks before running: :func:`helpers.pipeline.choices.combination_problems`)."""
    problems = []
    if settings is not None:
        problems += combination_problems(settings.as_dict()) + sample_size_problems(settings)
    if int(replicates) != replicates or replicates < 1:
        problems.append(f"replicates must be a whole number of at least 1, got {replicates!r}")
    if int(chunk_size) != chunk_size or chunk_size < 1:
        problems.append(f"chunk_size must be a whole number of at least 1, got {chunk_size!r}")
    unknown = [scenario for scenario in scenarios if scenario not in SCENARIOS]
    if unknown or not scenarios:
        problems.append(f"scenarios must be some of {', '.join(SCENARIOS)}, got {list(scenarios)}")
    if problems:
        raise SimulationError("the validation study cannot run: " + "; ".join(problems))


def sample_size_problems(settings: StudySettings) -> list[str]:
    """Whether the smallest country of the simulated EU population holds enough people to find
    ``respondents_per_country`` of them at the samples' response rate (at least twice as many expected takers as
    wanted, so that a sample never runs out of people to call)."""
    smallest = int(country_sizes(settings.population_fraction).min())
    needed = math.ceil(2 * settings.respondents_per_country / MEAN_RESPONSE_RATE)
    if smallest >= needed:
        return []
    return [f"population_fraction = {settings.population_fraction:g} gives the smallest country {smallest:,} people, "
            f"too few to find {settings.respondents_per_country:,} respondents at a response rate of about "
            f"{MEAN_RESPONSE_RATE:.0%} (at least {needed:,} are needed): raise population_fraction or lower "
            "respondents_per_country"]


POPULATION_SETTINGS: tuple[str, ...] = ("master_seed", "population_fraction", "officials_population")
"""The settings step 1 (``validation_population``) draws the populations with, recorded in its provenance.json."""


def population_mismatches(recorded: dict[str, Any], settings: StudySettings) -> list[str]:
    """The population settings in which step 1's record differs from ``settings`` (one phrase each)."""
    return [f"{name} {recorded.get(name)!r} there, {getattr(settings, name)!r} here" for name in POPULATION_SETTINGS
            if recorded.get(name) != getattr(settings, name)]


def require_same_populations(provenance_file: str | os.PathLike[str], settings: StudySettings) -> None:
    """Stop when step 1 drew its populations (and their true values) with other settings than ``settings``: the
    replicates would be judged against another population's values."""
    path = Path(provenance_file)
    recorded = json.loads(path.read_text(encoding="utf-8"))
    mismatches = population_mismatches(recorded, settings)
    if mismatches:
        raise SimulationError(
            f"the true values in {path.parent} were computed for other populations ({'; '.join(mismatches)}): "
            "run validation_population again with this step's settings, or set them once for both steps "
            "(-p validation.NAME=VALUE)")


@contextmanager
def _client(client: Any, address: str | None, workers: int | None) -> Iterator[Any]:
    if client is not None:
        yield client
        return
    with dask_client(scheduler_address(address), workers) as opened:
        yield opened


def _submit_and_write(client: Any, settings: StudySettings, plan: list[tuple[str, list[int]]], folder: Path,
                      progress: Progress, run: StudyRun, population_dir: str | None) -> None:
    """Submit every chunk; write each one's results the moment its task finishes."""
    from distributed import as_completed

    futures = {}
    for scenario, chunk in plan:
        key = f"validation-{folder.name}-{scenario}-{chunk[0]}-{chunk[-1]}"
        futures[client.submit(run_chunk, settings, scenario, chunk, population_dir, key=key)] = (scenario, chunk)
    try:
        for future in as_completed(futures):
            scenario, chunk = futures[future]
            try:
                frame = future.result()
            except Exception as error:  # noqa: BLE001 - reported with the chunk it belongs to
                raise SimulationError(f"replicates {chunk[0]}-{chunk[-1]} of scenario {scenario} failed on a worker: "
                                      f"{type(error).__name__}: {error}") from None
            write_parquet(frame, chunk_path(folder, scenario, chunk))
            run.computed[scenario] += len(chunk)
            progress.advance(scenario, len(chunk))
    finally:
        for future in futures:
            future.cancel()
