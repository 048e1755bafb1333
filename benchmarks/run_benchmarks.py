"""Measure the compendium's speed and memory on this machine, in one run, and write the table as CSV.

    .venv/bin/python benchmarks/run_benchmarks.py            # everything (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/run_benchmarks.py --quick    # skip the 500,000 and 1,000,000 sizes

Measurements (each in a fresh temporary output folder, so nothing is cached between them):
- cold full run: ``python -m helpers.pipeline run --force`` with export;
- floor: the same computations in one plain Python process (no notebooks, no export);
- no-op re-run: a second run with nothing changed (every step skipped);
- one parameter changed: ``-p oecd2010_figures.confidence_level=0.9`` after a full run;
- parallel against serial: ``--jobs 2`` against ``--jobs 1``, both ``--force --no-export``;
- the EU clean + weight + estimate stages at n = 5,000 ... 1,000,000 synthetic respondents, each in a
  subprocess, with its peak resident memory.
Targets (ratios measured side by side) are printed next to the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
PYTHON = sys.executable
SIZES = (5_000, 50_000, 500_000, 1_000_000)


def timed_command(arguments: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (MiB) of a child command; fails loudly if it fails."""
    started = time.perf_counter()
    done = subprocess.run(arguments, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak_line = [line for line in done.stdout.splitlines() if line.startswith("PEAK_RSS_MIB=")]
    peak = int(float(peak_line[-1].split("=")[1])) if peak_line else -1
    return elapsed, peak


def pipeline(out: Path, *arguments: str) -> float:
    """Wall time of one pipeline run into ``out``."""
    seconds, _ = timed_command([PYTHON, "-m", "helpers.pipeline", "run", "--out", str(out), *arguments])
    return seconds


FLOOR_SCRIPT = r"""
import resource, sys, tempfile
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
from helpers import paths
from helpers.claims import load_claims
from helpers.oecd.clean import clean_vendor_file
from helpers.oecd.estimates import percent_affirmative
from helpers.oecd.figures import FIGURE_TITLES, figure_data, plot_figure, save_oecd_figure
from helpers.oecd.scorecard import oecd_scorecard
from helpers.outputs import write_csv

out = Path(tempfile.mkdtemp())
claims = load_claims(paths.CLAIMS_FILE)
cleaned = clean_vendor_file(paths.OECD_RAW_FILE, paths.CLAIMS_FILE)
write_csv(cleaned.long, out / "long.csv")
estimates = percent_affirmative(cleaned.long, claims)
for figure in FIGURE_TITLES:
    save_oecd_figure(plot_figure(estimates, figure, synthetic=True), figure_data(estimates, figure), out / figure)
write_csv(oecd_scorecard(cleaned.long, estimates, claims), out / "scorecard.csv")
EU_FLOOR
print("PEAK_RSS_MIB=%s" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
"""

EU_FLOOR = r"""
from helpers.eu.pipeline_steps import eu_floor
eu_floor(paths.EU_RAW_FILE, out)
"""

STAGES_SCRIPT = r"""
import resource, sys, time
from helpers.eu.pipeline_steps import clean_weight_estimate
from helpers.eu.synthetic import generate
n = int(sys.argv[1])
generated = generate(seed=2008, n=n)
started = time.perf_counter()
clean_weight_estimate(generated.frame)
print("STAGE_SECONDS=%.3f" % (time.perf_counter() - started))
print("PEAK_RSS_MIB=%s" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
"""


def has_eu_stages() -> bool:
    """Whether the EU study's stage functions exist (they arrive with the EU study)."""
    return (ROOT / "src" / "helpers" / "eu" / "pipeline_steps.py").is_file()


def floor_seconds() -> tuple[float, int]:
    """The same computations as the notebooks, in one plain Python process."""
    script = FLOOR_SCRIPT.replace("EU_FLOOR", EU_FLOOR if has_eu_stages() else "")
    return timed_command([PYTHON, "-c", script])


def stage_measurement(n: int) -> tuple[float, int]:
    """Seconds of clean + weight + estimate (generation excluded) and peak MiB of the process."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", STAGES_SCRIPT, str(n)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"stages at n={n} failed:\n{done.stderr[-3000:]}")
    values = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    return float(values["STAGE_SECONDS"]), int(float(values["PEAK_RSS_MIB"]))


def row(measure: str, value: float, unit: str, target: str = "", met: str = "") -> dict[str, str]:
    return {"measure": measure, "value": f"{value:.2f}", "unit": unit, "target": target, "met": met}


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stage sizes up to 50,000 only")
    args = parser.parse_args()
    rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        cold = pipeline(scratch_path / "cold", "--force")
        floor, floor_peak = floor_seconds()
        noop = pipeline(scratch_path / "cold")
        one_parameter = pipeline(scratch_path / "cold", "-p", "oecd2010_figures.confidence_level=0.9")
        serial = pipeline(scratch_path / "serial", "--force", "--no-export", "--jobs", "1")
        parallel = pipeline(scratch_path / "parallel", "--force", "--no-export", "--jobs", "2")
    rows += [
        row("cold full run (with export)", cold, "s"),
        row("floor: same computations, one Python process", floor, "s"),
        row("cold / floor", cold / floor, "ratio", "<= 1.5", verdict(cold / floor <= 1.5)),
        row("no-op re-run", noop, "s"),
        row("no-op / cold", noop / cold, "ratio", "<= 0.05", verdict(noop / cold <= 0.05)),
        row("run after changing one OECD parameter", one_parameter, "s"),
        row("serial run (--jobs 1, no export)", serial, "s"),
        row("parallel run (--jobs 2, no export)", parallel, "s"),
        row("parallel / serial", parallel / serial, "ratio", "<= 0.65", verdict(parallel / serial <= 0.65)),
    ]
    if has_eu_stages():
        sizes = SIZES[:2] if args.quick else SIZES
        stage_times: dict[int, float] = {}
        for n in sizes:
            seconds, peak = stage_measurement(n)
            stage_times[n] = seconds
            rows.append(row(f"EU clean+weight+estimate, n={n:,}", seconds, "s"))
            rows.append(row(f"EU stages peak memory, n={n:,}", peak, "MiB", "< 2048" if n == SIZES[-1] else "",
                            verdict(peak < 2048) if n == SIZES[-1] else ""))
        if SIZES[-1] in stage_times:
            ratio = stage_times[SIZES[-1]] / stage_times[SIZES[0]]
            rows.append(row("EU stages 1,000,000 / 5,000", ratio, "ratio", "<= 200", verdict(ratio <= 200)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "benchmarks.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    width = max(len(r["measure"]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  unit   target    met")
    for r in rows:
        print(f"{r['measure'].ljust(width)}  {r['value']:>10}  {r['unit']:<5}  {r['target']:<8}  {r['met']}")
    print(f"\nwritten to {RESULTS / 'benchmarks.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
