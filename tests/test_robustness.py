"""Failures and concurrency: a killed run loses nothing and is never taken for a finished one, two runs do not
interleave, cold runs are identical, three pipelines can start their kernels at once, a relative path means the
file in the user's directory."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
# The 2008 study's five steps and their export: the kills below happen in its steps and its export; the
# validation study (minutes of simulation) is left out so that the suite stays within its time budget.
EU_ONLY = [part for step in ("eu2008_clean", "eu2008_estimates", "eu2008_figures", "eu2008_scorecard",
                             "eu2008_sensitivity") for part in ("--only", step)]


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


def step_status(out: Path, step: str) -> str | None:
    """A step's status in the run manifest (written whole, so always readable), or None."""
    try:
        manifest = json.loads((out / "build" / "run_manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (manifest.get("steps", {}).get(step) or {}).get("status")


def wait_for(condition, timeout: float = 300.0) -> None:
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
    wait_for(lambda: step_status(out, "oecd2010_figures") == "running")  # the figures step has started
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
    both = [*OECD_ONLY, "--only", "eu2008_clean", "--only", "eu2008_estimates"]  # two studies, no simulation
    assert run_pipeline(out, "--no-export", *both).returncode == 0
    again = run_pipeline(out, "--no-export", *both, "-p", "oecd2010_figures.confidence_level=0.9")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    ran = {line.split("]")[1].split(":")[0].strip() for line in lines if "running" in line}
    skipped = {line.split("]")[1].split(":")[0].strip() for line in lines if "skipped" in line}
    assert "oecd2010_figures" in ran
    assert "oecd2010_clean" in skipped
    assert {name for name in skipped | ran if name.startswith("eu2008")} == {n for n in skipped if n.startswith("eu2008")}
    assert any(name.startswith("eu2008") for name in skipped)
    nothing = run_pipeline(out, "--no-export", *both, "-p", "oecd2010_figures.confidence_level=0.9")
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


# ----------------------------------------------------------------------------------------------
# A cold run killed at several moments, then run again, gives the reports of an uninterrupted run
# ----------------------------------------------------------------------------------------------
#
# "Identical" means: every data product (processed data, the figures' PNG, SVG and CSV, every table and
# scorecard) byte for byte; the same report files; every HTML page the same text once the run record's
# timestamps ("2026-11-30 06:15 UTC") and the output folder's path are replaced by placeholders; every PDF the
# same number of pages and the same text (pdftotext) after the same replacements, whitespace collapsed. The
# folders have names of the same length, so paths wrap the same way in the PDFs.

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\+00:00| UTC)?")


def normalised(text: str, out: Path) -> str:
    """``text`` with timestamps and the output folder's path replaced, whitespace collapsed."""
    text = text.replace(str(out), "<out>")
    return " ".join(TIMESTAMP.sub("<time>", text).split())


def normalised_pdf_text(text: str, out: Path) -> str:
    """pdftotext output without whitespace and hyphens (line breaks inside a path differ), timestamps and the
    output folder's path replaced."""
    def squeeze(value: str) -> str:
        return "".join(value.split()).replace("-", "").replace("\u00ad", "")

    return squeeze(TIMESTAMP.sub("<time>", text)).replace(squeeze(str(out)), "<out>")


def pdf_text(pdf: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, through poppler's pdfinfo and pdftotext."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


def report_contents(out: Path) -> dict[str, object]:
    """What a reader sees in ``out/reports``: each HTML page's and PDF's normalised text (PDF: with its pages)."""
    reports = out / "reports"
    seen: dict[str, object] = {}
    for page in sorted(p for p in reports.iterdir() if p.is_file() and not p.name.startswith(".")):
        if page.suffix == ".html":
            seen[page.name] = normalised(page.read_text(encoding="utf-8"), out)
        elif page.suffix == ".pdf":
            pages, text = pdf_text(page)
            seen[page.name] = (pages, normalised_pdf_text(text, out))
        elif page.name != "run_manifest.json":
            seen[page.name] = hashlib.sha256(page.read_bytes()).hexdigest()
    return seen


def first_difference(left: object, right: object) -> str:
    if isinstance(left, str) and isinstance(right, str):
        at = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))
        return f"...{left[max(0, at - 80):at + 80]!r}\n   vs ...{right[max(0, at - 80):at + 80]!r}"
    return f"{str(left)[:200]} vs {str(right)[:200]}"


@pytest.fixture(scope="module")
def kill_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the uninterrupted run and the killed ones, so their paths have the same length."""
    return tmp_path_factory.mktemp("kill")


@pytest.fixture(scope="module")
def uninterrupted(kill_folder: Path) -> Path:
    """One uninterrupted cold run of the 2008 study with its reports (folder name 'ref', as long as the others)."""
    out = kill_folder / "ref"
    done = run_pipeline(out, *EU_ONLY)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def partial_notebook_written(out: Path, step: str) -> bool:
    """papermill has started writing the step's notebook (into its hidden temporary file)."""
    return step_status(out, step) == "running" and any(
        p.stat().st_size > 0 for p in (out / "build" / "executed").glob(f".{step}.ipynb.*.part"))


MOMENTS = {
    # name (3 characters, as 'ref') -> the moment to kill the runner at
    "cln": lambda out, log: step_status(out, "eu2008_clean") == "running",
    "fig": lambda out, log: partial_notebook_written(out, "eu2008_figures"),
    "exp": lambda out, log: "writing reviewer and replicator HTML" in log.read_text(encoding="utf-8")
    and any((out / "reports").glob("*.reviewer.html")),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_run_killed_at_any_moment_is_completed_by_the_next_plain_run(
        moment: str, uninterrupted: Path, kill_folder: Path) -> None:
    out = kill_folder / moment
    out.mkdir()
    log = kill_folder / f"{moment}.log"
    with log.open("w", encoding="utf-8") as handle:
        runner = subprocess.Popen([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *EU_ONLY],
                                  cwd=PROJECT_ROOT, stdout=handle, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True)
        try:
            wait_for(lambda: MOMENTS[moment](out, log) or runner.poll() is not None, timeout=600)
            assert runner.poll() is None, f"the run ended before the moment '{moment}':\n{log.read_text()}"
            os.kill(runner.pid, signal.SIGKILL)  # the runner alone: its workers and kernels must end by themselves
            runner.wait(timeout=60)
        finally:
            try:
                os.killpg(runner.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    manifest = json.loads((out / "build" / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["status"] == "running"  # the killed run is not recorded as finished
    if moment == "fig":
        assert manifest["steps"]["eu2008_figures"]["status"] == "running"  # never taken for a finished step
    time.sleep(2)
    again = run_pipeline(out, *EU_ONLY)
    assert again.returncode == 0, again.stdout + again.stderr
    assert product_hashes(out) == product_hashes(uninterrupted)
    expected, found = report_contents(uninterrupted), report_contents(out)
    assert sorted(found) == sorted(expected)
    different = [name for name in expected if found[name] != expected[name]]
    assert different == [], "\n".join(f"{name}: {first_difference(expected[name], found[name])}" for name in different)
    assert not list(out.rglob("*.part")), "partial files were left behind"
    figures = (out / "reports" / "eu2008_figures.reviewer.html").read_text(encoding="utf-8")
    assert figures.count("data:image/png;base64") >= 4  # all four figures, not a half-written notebook's


# ----------------------------------------------------------------------------------------------
# Paths, kernels, parameters across a study
# ----------------------------------------------------------------------------------------------


def test_a_relative_respondent_file_is_the_one_in_the_users_directory(tmp_path: Path) -> None:
    """Both the project and the user's directory hold data/raw/eu2008_citizens_synthetic.csv; the user's (a
    shorter copy) is the one hashed, checked and analysed."""
    from helpers.data.datapackage import sha256_of_file

    project_file = PROJECT_ROOT / "data" / "raw" / "eu2008_citizens_synthetic.csv"
    users = tmp_path / "work"
    users_file = users / "data" / "raw" / "eu2008_citizens_synthetic.csv"
    users_file.parent.mkdir(parents=True)
    lines = project_file.read_text(encoding="utf-8").splitlines(keepends=True)
    users_file.write_text("".join(lines[:3001]), encoding="utf-8")  # header and 3,000 respondents
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--no-export", "--out", str(out), "--only", "eu2008_clean",
         "-p", "eu2008_clean.respondent_file=data/raw/eu2008_citizens_synthetic.csv"],
        cwd=users, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = json.loads((out / "build" / "run_manifest.json").read_text(encoding="utf-8"))
    record = manifest["steps"]["eu2008_clean"]
    assert record["parameters"]["respondent_file"] == str(users_file)
    assert record["inputs_sha256"]["respondent_file"] == sha256_of_file(users_file) != sha256_of_file(project_file)
    provenance = json.loads((out / "data" / "processed" / "eu2008" / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["sha256"] == sha256_of_file(users_file)
    respondents = pd.read_parquet(out / "data" / "processed" / "eu2008" / "respondents.parquet")
    assert len(respondents) <= 3000


def test_three_pipelines_start_their_kernels_at_once(tmp_path: Path) -> None:
    """Three runs, two workers each, started together: every kernel starts (ipc transport, retried if one dies)."""
    outs = [tmp_path / f"run{number}" for number in range(3)]
    runs = [start_pipeline(out, "--no-export", "--jobs", "2", "--only", "oecd2010_clean", "--only", "eu2008_clean")
            for out in outs]
    for out, run in zip(outs, runs, strict=True):
        stdout, stderr = run.communicate(timeout=900)
        assert run.returncode == 0, stdout + stderr
        assert "Kernel died" not in stdout + stderr
        manifest = json.loads((out / "build" / "run_manifest.json").read_text(encoding="utf-8"))
        assert {step["status"] for step in manifest["steps"].values()} == {"succeeded"}
    assert product_hashes(outs[0]) == product_hashes(outs[1]) == product_hashes(outs[2])


def test_a_figure_labels_the_level_its_numbers_have(tmp_path: Path) -> None:
    """``-p eu2008_figures.confidence_level=0.9`` sets the level for the whole study: the estimates are 90%
    intervals, the figures' CSVs say 0.9 and hold those bounds, and the figures are labelled from the table."""
    from scipy import stats

    out = tmp_path / "out"
    done = run_pipeline(out, "--no-export", "--only", "eu2008_clean", "--only", "eu2008_estimates",
                        "--only", "eu2008_figures", "-p", "eu2008_figures.confidence_level=0.9")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "'confidence_level' is set once for the whole study eu2008" in done.stdout
    estimates = pd.read_csv(out / "data" / "processed" / "eu2008_estimates" / "index_by_sector.csv")
    behind = pd.read_csv(out / "reports" / "figures" / "eu2008" / "eu2008_index_by_sector.csv")
    assert set(behind["confidence_level"]) == {0.9} == set(estimates["confidence_level"])
    half_width = estimates["ci_high"] - estimates["estimate"]
    t90 = stats.t.ppf(0.95, estimates["df"])
    assert (half_width / estimates["se"]).round(6).tolist() == pd.Series(t90).round(6).tolist()  # 90% bounds
    assert behind[["estimate", "ci_low", "ci_high"]].equals(estimates[["estimate", "ci_low", "ci_high"]])
    figures = out / "reports" / "figures" / "eu2008"

    def svg_texts(stem: str) -> list[str]:
        """The texts drawn in a saved figure (matplotlib writes each as a comment before its glyphs)."""
        return re.findall(r"<!-- (.*?) -->", (figures / f"{stem}.svg").read_text(encoding="utf-8"))

    assert "reproduced, with its 90% interval" in svg_texts("eu2008_index_by_sector")  # the legend
    assert "Index points per unit of the term (90% interval)" in svg_texts("eu2008_correlates")  # the axis
    assert "90% design-based interval" in json.loads((figures / "eu2008_index_by_sector.json").read_text())["caption"]


def test_only_a_figures_step_with_another_level_marks_the_scorecard_out_of_date(tmp_path: Path) -> None:
    """The README's ``--only oecd2010_figures -p confidence_level=0.9``: the scorecard is named out of date on
    the index and in its own report, until a plain run."""
    out = tmp_path / "out"
    only_oecd = ["--only", "oecd2010_clean", "--only", "oecd2010_figures", "--only", "oecd2010_scorecard"]
    assert run_pipeline(out, *only_oecd).returncode == 0
    done = run_pipeline(out, "--only", "oecd2010_figures", "-p", "confidence_level=0.9")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "oecd2010_scorecard: its input estimates_file changed since it ran" in done.stdout
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert "OUT OF DATE" in index and "oecd2010_scorecard: its input estimates_file changed since it ran" in index
    assert "confidence_level = 0.9 (pipeline.yaml: 0.95)" in index
    assert "The scorecard rows of oecd2010 come from a step that is out of date" in index
    page = (out / "reports" / "oecd2010_scorecard.reviewer.html").read_text(encoding="utf-8")
    assert "OUT OF DATE" in page and "oecd2010_scorecard" in page
    pages, text = pdf_text(out / "reports" / "oecd2010_report.pdf")
    assert "OUT OF DATE" in text and pages > 1
    plain = run_pipeline(out, *only_oecd, "-p", "confidence_level=0.9")
    assert plain.returncode == 0 and "out of date" not in plain.stdout
    assert "OUT OF DATE" not in (out / "reports" / "index.html").read_text(encoding="utf-8")


def worker_running_a_kernel(runner_pid: int) -> int | None:
    """The pid of the runner's worker process that has started a Jupyter kernel, or None yet."""
    import psutil

    try:
        children = psutil.Process(runner_pid).children()
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            if any("ipykernel" in " ".join(grandchild.cmdline()) for grandchild in child.children()):
                return child.pid
        except psutil.NoSuchProcess:
            continue
    return None


def test_a_worker_killed_under_a_step_ends_the_run_with_one_message_and_the_next_run_completes(
        uninterrupted: Path, kill_folder: Path) -> None:
    """The tester's case: SIGKILL to the worker running eu2008_estimates gave a BrokenProcessPool traceback and a
    manifest saying 'running' after the runner had exited."""
    out = kill_folder / "wkr"
    out.mkdir()
    runner = start_pipeline(out, *EU_ONLY)
    try:
        wait_for(lambda: step_status(out, "eu2008_estimates") == "running" or runner.poll() is not None, timeout=600)
        worker: list[int] = []
        wait_for(lambda: bool(worker.append(worker_running_a_kernel(runner.pid)) or worker[-1])
                 or runner.poll() is not None, timeout=120)
        assert runner.poll() is None, "the run ended before a worker could be killed"
        os.kill(worker[-1], signal.SIGKILL)
        stdout, stderr = runner.communicate(timeout=120)
    finally:
        try:
            os.killpg(runner.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert runner.returncode == 1, stdout + stderr
    assert "could not finish: a worker process of the run ended abruptly" in stdout + stderr
    assert "Traceback" not in stdout + stderr and "BrokenProcessPool" not in stdout + stderr
    manifest = json.loads((out / "build" / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["status"] == "failed"
    assert manifest["steps"]["eu2008_estimates"]["status"] == "failed"
    again = run_pipeline(out, *EU_ONLY)
    assert again.returncode == 0, again.stdout + again.stderr
    assert product_hashes(out) == product_hashes(uninterrupted)
    assert not list(out.rglob("*.part")), "partial files were left behind"


def test_a_run_that_does_not_re_export_marks_the_report_page_that_links_its_new_figures(tmp_path: Path) -> None:
    """The tester's case: after --no-export -p oecd2010.confidence_level=0.9 the old oecd2010_report.html said
    95% and 'all as in pipeline.yaml' while the figure it links had been redrawn at 90%."""
    out = tmp_path / "out"
    first = run_pipeline(out, *OECD_ONLY)
    assert first.returncode == 0, first.stdout + first.stderr
    page = out / "reports" / "oecd2010_report.html"
    assert "Not re-exported." not in page.read_text(encoding="utf-8")
    variant = run_pipeline(out, *OECD_ONLY, "--no-export", "-p", "oecd2010.confidence_level=0.9")
    assert variant.returncode == 0, variant.stdout + variant.stderr
    assert "Not re-exported." in page.read_text(encoding="utf-8")
    assert "Reports not re-exported" in (out / "reports" / "index.html").read_text(encoding="utf-8")
    again = run_pipeline(out, *OECD_ONLY, "-p", "oecd2010.confidence_level=0.9")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Not re-exported." not in page.read_text(encoding="utf-8")  # written anew by the export
