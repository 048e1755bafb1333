"""Measure the compendium's speed and memory on this machine, in one run, and write the table as CSV.

    .venv/bin/python benchmarks/run_benchmarks.py            # everything (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/run_benchmarks.py --quick    # stage sizes up to 50,000 only
    .venv/bin/python benchmarks/run_benchmarks.py --repeat 3 # pipeline timings: best of 3 (busy machines)

Every pipeline measurement runs ``python -m helpers.pipeline run --out DIR`` in a fresh temporary folder,
so nothing is reused from earlier runs unless the measurement is about reuse:

- cold full run: ``--force`` with the HTML/PDF export, into an empty folder;
- floor: the same computations in one plain Python process (:func:`floor`): the OECD and EU studies'
  cleaning, estimates, figures, scorecards and the sensitivity analysis, writing the same data products,
  without notebooks, kernels or export;
- no-op re-run: the same command again with nothing changed (every step and export skipped);
- one parameter changed: ``-p oecd2010_figures.confidence_level=0.9`` after the cold run (two steps and
  one study's export rerun);
- serial against parallel: ``--force --no-export --jobs 1`` against ``--jobs 2``, each in a fresh folder;
- the EU stages at n = 5,000 ... 1,000,000 synthetic respondents: clean + weights + index
  (``helpers.eu.stages.prepare_respondents``) and the design-based survey estimates
  (``index_by_sector``, ``index_by_sector_country``, ``activity_frequencies``), with the full
  ``estimate_tables`` (tests and models too) timed at 5,000 and 50,000 for information.

Memory of the stages is measured honestly, in the pipeline's own process layout: a first process generates
the respondents (``helpers.eu.synthetic.generate``) and writes them as Parquet (the generator's memory is
not counted); a second, fresh process reads them and runs clean + weights + index (the cleaning step), then
writes the cleaned respondents as Parquet, as the cleaning notebook does; a third, fresh process reads those
and runs the estimates (the estimates step). Each of the two measuring processes first warms up on its
input's first 5,000 rows (imports and first-call set-up are not part of the scaling), hands the file
reader's buffers back and resets its peak-memory mark (``/proc/self/clear_refs``), then runs its stage. A
stage's peak is its process's peak resident set size during the stage (VmHWM: the interpreter, the imported
libraries and the input frame included); the stages' peak is the larger of the two. The processes' whole
peaks (file reading and warm-up included) are reported too.

The validation study's replicates (issue 14), each measurement in a fresh process, all three scenarios, the
default sizes (1,000 respondents per country, 480 officials), chunks of 5 written to Parquet as the study does:

- plain loop: ``helpers.simulation.replicate.run_chunk`` called in one process, chunk after chunk, with one thread
  for polars and BLAS as a Dask worker has (``runner.WORKER_ENVIRONMENT``);
- Dask with 1 and with 2 workers: ``helpers.simulation.runner.run_study`` on a ``LocalCluster``.

A first process draws the three populations and saves them, as the study's step 1 does; before timing, every
process (the loop's, each Dask worker) has imported the code, read the three populations and run one replicate
of each scenario (``replicate.warm_up``), so the timings are the steady state: replicates
per second per worker, the speed-up of 2 workers over 1, and Dask's overhead against the plain loop at 1 worker.
The cluster's start-up and the workers' warm-up are reported for information. Peak memory per worker is each
worker process's peak resident set size (VmHWM), the populations read included. The results of the three routes are
checked to be identical.

Targets (ratios measured side by side) are printed next to the figures; ``load`` is the 1-minute load
average when each measurement started (the machine may be shared: a load above the number of cores means
other work competed for the CPU).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
SIZES = (5_000, 50_000, 500_000, 1_000_000)
FULL_TABLE_SIZES = (5_000, 50_000)
SEED = 2008
WARM_UP_ROWS = 5_000
GIB_MIB = 2048
ENVIRONMENT = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}


# ---------------------------------------------------------------------------------------------------------
# Running and timing child processes
# ---------------------------------------------------------------------------------------------------------


def load_average() -> float:
    return os.getloadavg()[0]


def run_child(arguments: list[str], what: str, environment: dict[str, str] | None = None) -> tuple[float, dict[str, str]]:
    """Wall time of a child process and the ``KEY=value`` lines it printed; fails loudly if it fails."""
    started = time.perf_counter()
    done = subprocess.run(arguments, cwd=ROOT, capture_output=True, text=True, env=environment or ENVIRONMENT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(arguments)}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line and line[:1].isupper())
    return elapsed, values


def pipeline(out: Path, *arguments: str) -> float:
    """Wall time of one pipeline run into ``out``."""
    seconds, _ = run_child([PYTHON, "-m", "helpers.pipeline", "run", "--out", str(out), *arguments],
                           f"pipeline run {' '.join(arguments)}")
    return seconds


def best_of(repeat: int, measure: Any) -> tuple[float, float]:
    """The smallest of ``repeat`` measurements and the load average before the first."""
    load = load_average()
    return min(measure(attempt) for attempt in range(repeat)), load


# ---------------------------------------------------------------------------------------------------------
# The floor: the pipeline's computations in one plain Python process
# ---------------------------------------------------------------------------------------------------------


def run_cells(notebook: Path, parameters: dict[str, Any]) -> None:
    """A notebook's code cells run in this process (no kernel, no papermill), with ``parameters`` set after its
    parameters cell as papermill injects them; what the cells display goes nowhere. The figure notebooks draw their
    figures in their own cells, so the floor runs those cells rather than a copy of them."""
    import contextlib
    import io

    import nbformat

    namespace: dict[str, Any] = {"__name__": "__notebook__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            exec(compile(cell.source, str(notebook), "exec"), namespace)  # noqa: S102 - the project's own notebook
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(parameters)


def floor(out: Path) -> None:
    """Every step's computations and data products, as the notebooks do them, without kernels or export (the
    figure notebooks' cells run in this process, :func:`run_cells`)."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from helpers import paths
    from helpers.data.claims import load_claims
    from helpers.data.datapackage import verified_sha256
    from helpers.eu.clean import read_respondent_file
    from helpers.eu.codebook import SECTORS
    from helpers.eu.codebook import write_codebook as write_eu_codebook
    from helpers.eu.index import index_items
    from helpers.eu.products import read_cleaning, read_respondents, write_cleaned
    from helpers.eu.scorecard import eu_scorecard
    from helpers.eu.stages import estimate_tables, prepare_respondents
    from helpers.eu.weights import read_population_shares, read_sex_age_margins
    from helpers.oecd.clean import clean_vendor_file
    from helpers.oecd.codebook import write_codebook as write_oecd_codebook
    from helpers.oecd.scorecard import oecd_scorecard
    from helpers.outputs import write_csv, write_json
    from helpers.data.provenance import read_data_provenance, write_data_provenance

    processed, figures, tables = out / "processed", out / "figures", out / "tables"
    # OECD: clean, estimates and figures, scorecard (notebooks 10-12)
    oecd_dir = processed / "oecd2010"
    sha = verified_sha256(paths.OECD_RAW_FILE)
    cleaned = clean_vendor_file(paths.OECD_RAW_FILE, paths.CLAIMS_FILE)
    write_csv(cleaned.long, oecd_dir / "responses_long.csv")
    write_csv(cleaned.dropped, oecd_dir / "dropped_rows.csv")
    write_oecd_codebook(oecd_dir / "codebook.csv", paths.CLAIMS_FILE)
    write_data_provenance(oecd_dir, source_file=paths.OECD_RAW_FILE, data_are_synthetic=cleaned.data_are_synthetic,
                          sha256=sha, description="benchmark floor")
    long_table = pd.read_csv(oecd_dir / "responses_long.csv", dtype=str)
    oecd_claims = load_claims(paths.CLAIMS_FILE, study="oecd2010")
    run_cells(ROOT / "notebooks" / "11_oecd_figures.ipynb",  # estimates and the three figures
              {"processed_dir": str(oecd_dir), "figures_dir": str(figures / "oecd2010"),
               "estimates_file": str(processed / "oecd2010_estimates" / "item_estimates.csv")})
    estimates = pd.read_csv(processed / "oecd2010_estimates" / "item_estimates.csv", dtype={"claim_id": str})
    scorecard = oecd_scorecard(long_table, estimates, oecd_claims)
    write_csv(scorecard, tables / "oecd2010_scorecard.csv")
    write_json(scorecard.to_dict(orient="records"), tables / "oecd2010_scorecard.json")

    # EU: clean + weights + index, estimates, figures, scorecard, sensitivity (notebooks 20-24)
    eu_dir, estimates_dir = processed / "eu2008", processed / "eu2008_estimates"
    sha = verified_sha256(paths.EU_RAW_FILE)
    raw = read_respondent_file(paths.EU_RAW_FILE)
    cleaning, respondents = prepare_respondents(raw, str(paths.EU_RAW_FILE), read_sex_age_margins(),
                                                read_population_shares(), {})
    write_cleaned(cleaning, respondents, eu_dir)
    write_eu_codebook(eu_dir / "codebook.csv")
    write_data_provenance(eu_dir, source_file=paths.EU_RAW_FILE, data_are_synthetic=cleaning.data_are_synthetic,
                          sha256=sha, description="benchmark floor",
                          extra={"index_items": {sector: list(index_items(sector)) for sector in SECTORS}})
    claims = load_claims(paths.CLAIMS_FILE)
    respondents = read_respondents(eu_dir)
    for name, table in estimate_tables(respondents, claims, alpha=0.05, weighting="population").items():
        write_csv(table, estimates_dir / f"{name}.csv")
    read = {name: pd.read_csv(estimates_dir / f"{name}.csv") for name in
            ["index_by_sector", "coefficients", "sector_tests", "country_tests", "heterogeneity_tests"]}
    run_cells(ROOT / "notebooks" / "22_eu_figures.ipynb",
              {"processed_dir": str(eu_dir), "estimates_dir": str(estimates_dir), "figures_dir": str(figures / "eu2008")})
    cleaning = read_cleaning(eu_dir)
    scorecard = eu_scorecard(
        cleaning.data, cleaning, claims, sector_estimates=read["index_by_sector"], coefficients=read["coefficients"],
        sector_tests=read["sector_tests"], country_tests=read["country_tests"],
        heterogeneity=read["heterogeneity_tests"], index_items_used=read_data_provenance(eu_dir)["index_items"],
        alpha=0.05)
    write_csv(scorecard, tables / "eu2008_scorecard.csv")
    write_json(scorecard.to_dict(orient="records"), tables / "eu2008_scorecard.json")
    failed = scorecard.loc[scorecard["status"] == "fail", "claim_id"].tolist()
    if failed:
        raise RuntimeError(f"floor: EU claims fail: {failed}")
    run_cells(ROOT / "notebooks" / "24_eu_sensitivity.ipynb",
              {"processed_dir": str(eu_dir), "figures_dir": str(figures / "eu2008_sensitivity")})


def floor_seconds(repeat: int) -> tuple[float, float, int]:
    """Wall time (best of ``repeat``), the load before it, and the peak MiB of the floor process."""
    peaks = []

    def once(_: int) -> float:
        with tempfile.TemporaryDirectory() as scratch:
            seconds, values = run_child([PYTHON, __file__, "_floor", scratch], "floor")
        peaks.append(int(float(values["PEAK_RSS_MIB"])))
        return seconds

    seconds, load = best_of(repeat, once)
    return seconds, load, max(peaks)


# ---------------------------------------------------------------------------------------------------------
# The EU stages at growing sizes
# ---------------------------------------------------------------------------------------------------------


def generate_file(n: int, target: Path) -> None:
    """First process: generate ``n`` synthetic respondents and write them as Parquet."""
    from helpers.eu.synthetic import generate

    generate(seed=SEED, n=n).data.to_parquet(target, index=False)


def _memory_status(key: str) -> float:
    """A VmRSS/VmHWM value of this process in MiB (``/proc/self/status``); NaN where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_peak() -> bool:
    """Reset this process's peak resident set size (VmHWM) to the current one; False where not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _start_measuring() -> None:
    """After the input is read and the code warmed up: hand the reader's buffers back, reset the peak."""
    import pyarrow as pa

    print(f"PROCESS_PEAK_INPUT_MIB={_memory_status('VmHWM'):.1f}")  # reading and warm-up
    gc.collect()
    pa.default_memory_pool().release_unused()
    print(f"INPUT_RSS_MIB={_memory_status('VmRSS'):.1f}")
    print(f"RESET_OF_PEAK={'yes' if _reset_peak() else 'no'}")


def _peak(label: str) -> None:
    print(f"PEAK_{label}_MIB={_memory_status('VmHWM'):.1f}")


def prepare_stage(source: Path, target: Path) -> None:
    """Second process (the pipeline's cleaning step): clean + weights + index of the generated respondents."""
    import pandas as pd

    from helpers.outputs import write_parquet
    from helpers.eu.stages import prepare_respondents

    raw = pd.read_parquet(source)
    prepare_respondents(raw.head(WARM_UP_ROWS).copy(), str(source))  # imports, first calls
    _start_measuring()
    started = time.perf_counter()
    _, respondents = prepare_respondents(raw, str(source))
    print(f"SECONDS_prepare={time.perf_counter() - started:.4f}")
    _peak("PREPARE")
    print(f"RESPONDENTS={len(respondents)}")
    write_parquet(respondents, target)  # as the cleaning step writes respondents.parquet (not timed)


def estimate_stage(source: Path, full_tables: bool) -> None:
    """Third process (the pipeline's estimates step): the design-based estimates of the cleaned respondents."""
    import pandas as pd

    from helpers.data.claims import load_claims
    from helpers.eu.estimates import activity_frequencies, index_by_sector, index_by_sector_country
    from helpers.eu.stages import estimate_tables

    claims = load_claims()
    respondents = pd.read_parquet(source)
    estimates = {
        "index_by_sector": lambda data: index_by_sector(data, claims=claims),
        "index_by_sector_country": index_by_sector_country,
        "activity_frequencies": activity_frequencies,
    }
    warm = respondents.head(WARM_UP_ROWS).copy()
    for estimate in estimates.values():
        estimate(warm)
    del warm
    _start_measuring()
    for name, estimate in estimates.items():
        started = time.perf_counter()
        estimate(respondents)
        print(f"SECONDS_{name}={time.perf_counter() - started:.4f}")
    _peak("ESTIMATES")
    if full_tables:
        estimate_tables(respondents.head(WARM_UP_ROWS).copy(), claims)
        started = time.perf_counter()
        estimate_tables(respondents, claims)
        print(f"ESTIMATE_TABLES_SECONDS={time.perf_counter() - started:.4f}")


STAGE_PARTS = ("prepare", "index_by_sector", "index_by_sector_country", "activity_frequencies")


def stage_measurement(n: int, scratch: Path) -> tuple[dict[str, float], float]:
    """Generate, prepare and estimate in three processes; their values and the load before the second."""
    raw, respondents = scratch / f"raw_{n}.parquet", scratch / f"respondents_{n}.parquet"
    run_child([PYTHON, __file__, "_generate", str(n), str(raw)], f"generating n={n}")
    load = load_average()
    _, prepared = run_child([PYTHON, __file__, "_prepare", str(raw), str(respondents)], f"prepare at n={n}")
    full = "full" if n in FULL_TABLE_SIZES else "estimates"
    _, estimated = run_child([PYTHON, __file__, "_estimate", str(respondents), full], f"estimates at n={n}")
    raw.unlink()
    respondents.unlink()
    numbers = {key: float(value) for key, value in {**prepared, **estimated}.items()
               if key.startswith(("SECONDS_", "PEAK_", "ESTIMATE_TABLES", "RESPONDENTS"))}
    numbers["INPUT_RSS_PREPARE_MIB"] = float(prepared["INPUT_RSS_MIB"])
    numbers["INPUT_RSS_ESTIMATES_MIB"] = float(estimated["INPUT_RSS_MIB"])
    numbers["STAGES_SECONDS"] = sum(numbers[f"SECONDS_{part}"] for part in STAGE_PARTS)
    numbers["STAGES_PEAK_MIB"] = max(numbers["PEAK_PREPARE_MIB"], numbers["PEAK_ESTIMATES_MIB"])
    numbers["PROCESS_PEAK_MIB"] = max(numbers["STAGES_PEAK_MIB"], float(prepared["PROCESS_PEAK_INPUT_MIB"]),
                                      float(estimated["PROCESS_PEAK_INPUT_MIB"]))
    if "no" in (prepared.get("RESET_OF_PEAK"), estimated.get("RESET_OF_PEAK")):
        print("note: the peak-memory mark could not be reset; stage peaks include reading the input")
    return numbers, load


# ---------------------------------------------------------------------------------------------------------
# The validation study's replicates (issue 14)
# ---------------------------------------------------------------------------------------------------------

VALIDATION_REPLICATES = 20
"""Replicates per scenario timed in each route (60 in all; the first replicate of each scenario warms up)."""
VALIDATION_CHUNK = 5


def validation_settings() -> Any:
    from helpers.simulation.replicate import StudySettings

    return StudySettings()


def _validation_frame(folder: Path) -> Any:
    """Every chunk file under ``folder``, sorted, as one frame (to compare the routes)."""
    import pandas as pd

    files = sorted(folder.rglob("replicates_*.parquet"))
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values(["scenario", "replicate"], kind="stable").reset_index(drop=True)


def validation_populations(directory: Path) -> None:
    """Child process: draw and save the three populations, as the study's step 1 does for its workers."""
    from helpers.simulation.population import (
        draw_eu_population,
        draw_oecd_population,
        save_eu_population,
        save_oecd_population,
    )

    settings = validation_settings()
    started = time.perf_counter()
    for scenario in ("eu_effects", "eu_null"):
        save_eu_population(draw_eu_population(settings.eu_population(scenario)), directory)
    save_oecd_population(draw_oecd_population(settings.oecd_population()), directory)
    print(f"SECONDS={time.perf_counter() - started:.4f}")
    print(f"PEAK_MIB={_memory_status('VmHWM'):.1f}")


def validation_plain(replicates: int, out: Path, populations: Path) -> None:
    """Child process: the plain loop, chunk after chunk, writing each chunk as the study does."""
    from helpers.outputs import write_parquet
    from helpers.simulation.replicate import SCENARIOS, run_chunk, warm_up
    from helpers.simulation.runner import chunk_path

    settings = validation_settings()
    started = time.perf_counter()
    warm_up(settings, str(populations))
    print(f"WARM_SECONDS={time.perf_counter() - started:.4f}")
    started = time.perf_counter()
    for scenario in SCENARIOS:
        for first in range(1, replicates + 1, VALIDATION_CHUNK):
            chunk = list(range(first, min(first + VALIDATION_CHUNK, replicates + 1)))
            write_parquet(run_chunk(settings, scenario, chunk, str(populations)), chunk_path(out, scenario, chunk))
    print(f"SECONDS={time.perf_counter() - started:.4f}")
    print(f"PEAK_MIB={_memory_status('VmHWM'):.1f}")


def _worker_peak_mib() -> float:
    return _memory_status("VmHWM")


def validation_dask(workers: int, replicates: int, out: Path, populations: Path) -> None:
    """Child process: the same replicates on a local Dask cluster of ``workers`` warmed-up workers."""
    from helpers.simulation.replicate import SCENARIOS, warm_up
    from helpers.simulation.runner import chunk_path, dask_client, results_key, run_study

    settings = validation_settings()
    started = time.perf_counter()
    with dask_client(None, workers) as client:
        print(f"CLUSTER_SECONDS={time.perf_counter() - started:.4f}")
        started = time.perf_counter()
        client.run(warm_up, settings, str(populations))
        print(f"WARM_SECONDS={time.perf_counter() - started:.4f}")
        # replicate 0 of each scenario is already known to the workers' warm-up: pre-write it so that the timed
        # run computes replicates 1..replicates, exactly as the plain loop does
        key_folder = out / results_key(settings)
        from helpers.outputs import write_parquet
        from helpers.simulation.replicate import run_chunk

        for scenario in SCENARIOS:
            write_parquet(client.submit(run_chunk, settings, scenario, [0], str(populations)).result(),
                          chunk_path(key_folder, scenario, [0]))
        started = time.perf_counter()
        run_study(settings, replicates + 1, out, chunk_size=VALIDATION_CHUNK, client=client, population_dir=populations,
                  say=lambda _: None)
        print(f"SECONDS={time.perf_counter() - started:.4f}")
        peaks = client.run(_worker_peak_mib)
        print(f"WORKER_PEAK_MIB={max(peaks.values()):.1f}")


def validation_measurements(replicates: int, scratch: Path, repeat: int = 1) -> list[dict[str, str]]:
    """The validation rows of the table (see the module docstring); each route the best of ``repeat`` runs, the
    routes taking turns (plain, 1 worker, 2 workers, plain, ...) so that a busy spell of the machine hits them alike."""
    populations = scratch / "validation_populations"
    _, drawn = run_child([PYTHON, __file__, "_validation_populations", str(populations)], "drawing the populations")
    load = load_average()
    best: dict[str, dict[str, str]] = {}
    for attempt in range(repeat):
        plain_dir = scratch / f"validation_plain{attempt}"
        # one thread, as a Dask worker has (WORKER_ENVIRONMENT): otherwise polars and BLAS would use both cores
        from helpers.simulation.runner import WORKER_ENVIRONMENT

        _, values = run_child([PYTHON, __file__, "_validation_plain", str(replicates), str(plain_dir),
                               str(populations)], "plain loop", {**ENVIRONMENT, **WORKER_ENVIRONMENT})
        routes = {"plain": values}
        reference = _validation_frame(plain_dir)
        for workers in (1, 2):
            folder = scratch / f"validation_dask{workers}_{attempt}"
            _, routes[str(workers)] = run_child([PYTHON, __file__, "_validation_dask", str(workers), str(replicates),
                                                 str(folder), str(populations)], f"Dask with {workers} workers")
            frame = _validation_frame(folder)
            frame = frame.loc[frame["replicate"] >= 1].reset_index(drop=True)
            if not frame.equals(reference):
                raise RuntimeError(f"the Dask route with {workers} workers gave other numbers than the plain loop")
        for name, values in routes.items():
            if name not in best or float(values["SECONDS"]) < float(best[name]["SECONDS"]):
                best[name] = values
    plain, timings = best["plain"], {1: best["1"], 2: best["2"]}
    total = 3 * replicates
    plain_seconds = float(plain["SECONDS"])
    one, two = float(timings[1]["SECONDS"]), float(timings[2]["SECONDS"])
    overhead = one / plain_seconds - 1
    speedup = one / two
    return [
        row(f"validation: plain loop, {total} replicates (3 scenarios), best of {repeat}", plain_seconds, "s",
            load=load),
        row("validation: Dask, 1 worker", one, "s"),
        row("validation: Dask, 2 workers", two, "s"),
        row("validation: replicates per second per worker (1 worker)", total / one, "1/s"),
        row("validation: replicates per second per worker (2 workers)", total / two / 2, "1/s"),
        row("validation: speed-up of 2 workers over 1", speedup, "ratio", ">= 1.7", verdict(speedup >= 1.7)),
        row("validation: Dask overhead against the plain loop (1 worker)", 100 * overhead, "%", "<= 10",
            verdict(overhead <= 0.10), digits=1),
        row("validation: peak memory per worker (populations included)",
            max(float(timings[1]["WORKER_PEAK_MIB"]), float(timings[2]["WORKER_PEAK_MIB"])), "MiB", digits=0),
        row("  for information: drawing and saving the 3 populations (step 1's share)", float(drawn["SECONDS"]), "s"),
        row("  for information: peak memory of that process", float(drawn["PEAK_MIB"]), "MiB", digits=0),
        row("  for information: starting the local cluster (2 workers)", float(timings[2]["CLUSTER_SECONDS"]), "s"),
        row("  for information: warming up a worker (imports, reading 3 populations, 1 replicate each)",
            float(timings[1]["WARM_SECONDS"]), "s"),
        row("  for information: the same warm-up in the plain loop's process", float(plain["WARM_SECONDS"]), "s"),
    ]


# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------

FIELDS = ("measure", "value", "unit", "target", "met", "load_1min")


def row(measure: str, value: float, unit: str, target: str = "", met: str = "", load: float | None = None,
        digits: int = 2) -> dict[str, str]:
    return {"measure": measure, "value": f"{value:.{digits}f}", "unit": unit, "target": target, "met": met,
            "load_1min": "" if load is None else f"{load:.1f}"}


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def measure_all(args: argparse.Namespace) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    say = print if args.verbose else (lambda *_: None)
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as scratch_name:
        scratch = Path(scratch_name)
        say("validation study's replicates ...")
        rows += validation_measurements(args.validation_replicates, scratch, args.repeat)
        if args.only_validation:
            return rows
        say("cold full run ...")
        cold_runs = []

        def cold_once(attempt: int) -> float:
            out = scratch / f"cold{attempt}"
            cold_runs.append(out)
            return pipeline(out, "--force")

        cold, cold_load = best_of(args.repeat, cold_once)
        say("floor ...")
        floor_time, floor_load, floor_peak = floor_seconds(args.repeat)
        say("no-op re-run ...")
        noop, noop_load = best_of(args.repeat, lambda _: pipeline(cold_runs[-1]))
        say("one parameter changed ...")
        values = iter((0.9, 0.95) * args.repeat)
        one_parameter, one_load = best_of(args.repeat, lambda _: pipeline(
            cold_runs[-1], "-p", f"oecd2010_figures.confidence_level={next(values)}"))
        say("serial and parallel ...")
        serial, serial_load = best_of(args.repeat, lambda attempt: pipeline(
            scratch / f"serial{attempt}", "--force", "--no-export", "--jobs", "1"))
        parallel, parallel_load = best_of(args.repeat, lambda attempt: pipeline(
            scratch / f"parallel{attempt}", "--force", "--no-export", "--jobs", "2"))
        rows += [
            row("cold full run (with export)", cold, "s", load=cold_load),
            row("floor: same computations, one Python process", floor_time, "s", load=floor_load),
            row("floor peak memory", floor_peak, "MiB", digits=0),
            row("cold / floor", cold / floor_time, "ratio", "<= 1.5", verdict(cold / floor_time <= 1.5)),
            row("no-op re-run", noop, "s", load=noop_load),
            row("no-op / cold", noop / cold, "ratio", "<= 0.05", verdict(noop / cold <= 0.05), digits=3),
            row("run after changing one OECD parameter", one_parameter, "s", load=one_load),
            row("serial run (--jobs 1, no export)", serial, "s", load=serial_load),
            row("parallel run (--jobs 2, no export)", parallel, "s", load=parallel_load),
            row("parallel / serial", parallel / serial, "ratio", "<= 0.65", verdict(parallel / serial <= 0.65)),
            row("  for information: parallel run without export / floor", parallel / floor_time, "ratio"),
        ]
        sizes = SIZES[:2] if args.quick else SIZES
        stage_times: dict[int, float] = {}
        for n in sizes:
            say(f"EU stages, n = {n:,} ...")
            values, load = stage_measurement(n, scratch)
            stage_times[n] = values["STAGES_SECONDS"]
            peak = values["STAGES_PEAK_MIB"]
            last = n == SIZES[-1]
            rows.append(row(f"EU clean+weight+estimate, n={n:,}", stage_times[n], "s", load=load))
            for name in STAGE_PARTS:
                rows.append(row(f"  of which {name}", values[f"SECONDS_{name}"], "s"))
            rows.append(row(f"EU stages peak memory, n={n:,}", peak, "MiB", f"< {GIB_MIB}" if last else "",
                            verdict(peak < GIB_MIB) if last else "", digits=0))
            rows.append(row("  of which the clean+weight+index process", values["PEAK_PREPARE_MIB"], "MiB",
                            digits=0))
            rows.append(row("  of which the estimates process", values["PEAK_ESTIMATES_MIB"], "MiB", digits=0))
            rows.append(row("  whole processes (file reading and warm-up included)", values["PROCESS_PEAK_MIB"],
                            "MiB", digits=0))
            if "ESTIMATE_TABLES_SECONDS" in values:
                rows.append(row(f"EU estimate_tables (all tests and models), n={n:,}",
                                values["ESTIMATE_TABLES_SECONDS"], "s"))
        if SIZES[-1] in stage_times:
            ratio = stage_times[SIZES[-1]] / stage_times[SIZES[0]]
            rows.append(row("EU stages 1,000,000 / 5,000", ratio, "ratio", "<= 200", verdict(ratio <= 200), digits=1))
    return rows


def write_table(rows: list[dict[str, str]], target: Path, header: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FIELDS))
        writer.writeheader()
        writer.writerows(rows)
    target.with_suffix(".json").write_text(json.dumps({"measured": header, "rows": rows}, indent=2) + "\n",
                                           encoding="utf-8")


def print_table(rows: list[dict[str, str]]) -> None:
    width = max(len(r["measure"]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  {'unit':<5}  {'target':<8}  {'met':<3}  load")
    for r in rows:
        print(f"{r['measure'].ljust(width)}  {r['value']:>10}  {r['unit']:<5}  {r['target']:<8}  {r['met']:<3}  "
              f"{r['load_1min']}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_floor"]:
        floor(Path(argv[1]))
        print(f"PEAK_RSS_MIB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")
        return 0
    if argv[:1] == ["_generate"]:
        generate_file(int(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["_prepare"]:
        prepare_stage(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["_estimate"]:
        estimate_stage(Path(argv[1]), full_tables=argv[2] == "full")
        return 0
    if argv[:1] == ["_validation_populations"]:
        validation_populations(Path(argv[1]))
        return 0
    if argv[:1] == ["_validation_plain"]:
        validation_plain(int(argv[1]), Path(argv[2]), Path(argv[3]))
        return 0
    if argv[:1] == ["_validation_dask"]:
        validation_dask(int(argv[1]), int(argv[2]), Path(argv[3]), Path(argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stage sizes up to 50,000 only")
    parser.add_argument("--repeat", type=int, default=1, help="pipeline and floor timings: best of N (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS / "benchmarks.csv", help="CSV file for the table")
    parser.add_argument("--verbose", action="store_true", help="say what is being measured")
    parser.add_argument("--only-validation", action="store_true", help="only the validation study's replicates")
    parser.add_argument("--validation-replicates", type=int, default=VALIDATION_REPLICATES,
                        help=f"replicates per scenario timed in each route (default {VALIDATION_REPLICATES})")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    started = dt.datetime.now().astimezone()
    header = f"{started:%Y-%m-%d %H:%M %Z}; {machine()}; repeat {args.repeat}"
    print(f"benchmarks: {header}", flush=True)
    rows = measure_all(args)
    write_table(rows, args.out, header)
    print_table(rows)
    print(f"\nwritten to {args.out} (and {args.out.with_suffix('.json').name}); "
          f"took {(dt.datetime.now().astimezone() - started).total_seconds() / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
