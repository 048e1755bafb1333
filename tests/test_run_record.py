"""Every report says which run it came from (issue 11, part 3), through four runs of the EU study in one folder:
pipeline.yaml's parameters; a changed weighting; a run that fails; and ``--only`` with another weighting, which
leaves later steps out of date. After each, the index, every HTML page and the PDF are read as a reader would."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

EU_STEPS = ["eu2008_clean", "eu2008_estimates", "eu2008_figures", "eu2008_scorecard", "eu2008_sensitivity"]
WHEN = re.compile(r"Computed:\s*(?:</strong>)?\s*(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC) from commit ([0-9a-f]{7}(?:-dirty)?)")


def run(out: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    only = [option for step in EU_STEPS for option in ("--only", step)]
    return subprocess.run([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *only, *arguments],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800)


def pages(out: Path) -> dict[str, str]:
    """Every report page of the study (reviewer and replicator HTML, the reproduction report's HTML) and the PDF's
    text."""
    reports = out / "reports"
    texts = {page.name: page.read_text(encoding="utf-8") for page in sorted(reports.glob("eu2008_*.html"))}
    texts["eu2008_report.pdf"] = subprocess.run(["pdftotext", str(reports / "eu2008_report.pdf"), "-"],
                                                capture_output=True, text=True, check=True).stdout
    return texts


def flat(text: str) -> str:
    """The text of an HTML page or PDF with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&#x27;", "'").replace("&quot;", '"').split())


def head(text: str, characters: int = 6000) -> str:
    """The top of a page, where the run record must be (the PDF's first page, the HTML's opening)."""
    body = text.split("<body", 1)[-1]
    return flat(body)[:characters]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("record") / "out"
    seen: dict[str, object] = {"out": out}
    # A step that fails while it runs: a claims registry without the EU claims makes the estimates step stop
    # ("claim 'EU-06' is not in the claims registry"). A wrong value such as weighting=bogus no longer serves:
    # the runner refuses it before anything runs (tests/test_parameter_values.py).
    with (PROJECT_ROOT / "data" / "raw" / "claims.csv").open(encoding="utf-8", newline="") as registry:
        rows = [row for row in csv.reader(registry) if row[1] != "eu2008"]
    without_eu = out.parent / "claims_without_eu.csv"
    with without_eu.open("w", encoding="utf-8", newline="") as written:
        csv.writer(written).writerows(rows)
    for name, arguments in (("default", ()), ("unweighted", ("-p", "eu2008.weighting=unweighted")),
                            ("failed", ("-p", "eu2008.weighting=unweighted", "-p",
                                        f"eu2008_estimates.claims_file={without_eu}")),
                            ("only", ("--only", "eu2008_estimates", "-p", "eu2008.weighting=equal_countries"))):
        if name == "only":
            done = subprocess.run([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out),
                                   "--only", "eu2008_estimates", "-p", "eu2008.weighting=equal_countries"],
                                  cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800)
        else:
            done = run(out, *arguments)
        seen[name] = {"done": done, "index": (out / "reports" / "index.html").read_text(encoding="utf-8"),
                      "pages": pages(out),
                      "manifest": json.loads((out / "reports" / "run_manifest.json").read_text(encoding="utf-8"))}
    return seen


def test_every_page_shows_date_commit_origin_and_parameters(runs: dict[str, object]) -> None:
    default = runs["default"]
    assert default["done"].returncode == 0, default["done"].stdout + default["done"].stderr
    commit = default["manifest"]["run"]["git_commit"][:7]
    assert len(default["pages"]) == 2 * len(EU_STEPS) + 2  # and the reproduction report, HTML and PDF
    for name, text in default["pages"].items():
        top = head(text)
        found = WHEN.search(top)
        assert found, f"{name}: no run record near the top"
        assert found.group(2).startswith(commit), name
        assert "Data: synthetic stand-in data" in top and "data/raw/eu2008_citizens_synthetic.csv" in top, name
        assert "Parameters: all as in pipeline.yaml" in top, name
    index = flat(default["index"])
    assert "Last run: started" in index and f"commit {commit}" in index and "it succeeded" in index
    assert "reproduces the published numbers" in index


def test_a_changed_weighting_is_shown_everywhere_and_no_reproduction_is_claimed(runs: dict[str, object]) -> None:
    changed = runs["unweighted"]
    assert changed["done"].returncode == 0, changed["done"].stdout + changed["done"].stderr
    shown = "weighting = unweighted (pipeline.yaml: population)"
    for name, text in changed["pages"].items():
        top = head(text)
        assert shown in top, name
        assert "this run changed the analysis" in top, name
    index = flat(changed["index"])
    assert shown in index and "-p eu2008.weighting=unweighted" in index
    assert "changed analysis: weighting = unweighted instead of population" in index  # under the claim count
    data_box = index.split("Which run these reports come from")[0]
    assert "reproduces the published numbers" not in data_box.replace("would demonstrate that the analysis code "
                                                                      "reproduces the published numbers", "")
    assert "a variant of the published analysis" in data_box


def test_a_failed_run_leaves_the_reports_marked_as_the_last_successful_runs(runs: dict[str, object]) -> None:
    failed, before = runs["failed"], runs["unweighted"]
    assert failed["done"].returncode == 1
    assert "Traceback" not in failed["done"].stderr
    assert "step 'eu2008_estimates' failed" in failed["done"].stdout
    index = flat(failed["index"])
    assert "The last run did not succeed" in index and "step eu2008_estimates failed" in index
    last = before["manifest"]["run"]["started_at"][:16].replace("T", " ")
    assert f"The reports below are those of the last successful run (started {last} UTC" in index
    assert failed["pages"] == before["pages"]  # the pages themselves were not touched, and say when they were made
    assert "NOT FINISHED" in index and "eu2008_estimates: its last run failed or was interrupted" in index


def test_only_leaves_later_steps_marked_out_of_date_on_every_page(runs: dict[str, object]) -> None:
    only = runs["only"]
    assert only["done"].returncode == 0, only["done"].stdout + only["done"].stderr
    stale = only["manifest"]["run"]["stale_steps"]
    assert set(stale) == {"eu2008_figures", "eu2008_scorecard"}
    assert stale["eu2008_scorecard"] == "its input estimates_dir changed since it ran"
    for name, text in only["pages"].items():
        top = head(text, 9000)
        assert "OUT OF DATE" in top and "eu2008_figures: its input estimates_dir changed since it ran" in top, name
    index = flat(only["index"])
    assert "out of date: eu2008_figures, eu2008_scorecard" in index
    assert "eu2008_figures out of date" in index and "The scorecard rows of eu2008 come from a step" in index
    assert "weighting = equal_countries (pipeline.yaml: population)" in index
