"""docs/adapting.md, followed on a copy of the project: every marked block runs as written, and each effect
the guide states is checked. The guide says what this test does; keep the two together.

The copy holds the files git knows about (tracked and untracked-but-not-ignored, as in the working tree), the
project's ``.venv`` linked in, ``COMPENDIUM_ROOT`` set to the copy and ``PYTHONPATH`` to the copy's ``src/``,
so that the copy's code and notebooks run and the project itself is not touched. The baseline and the two
variants (a) and (b) write to different folders and run at the same time; (d) runs after them. About 1.5
minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers.paths import PROJECT_ROOT
from helpers.data.provenance import SYNTHETIC_DATA_NOTICE

pytestmark = pytest.mark.slow

GUIDE = PROJECT_ROOT / "docs" / "adapting.md"
MARKER = re.compile(r"<!-- test: ([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.DOTALL)


def guide_blocks() -> dict[str, str]:
    """The guide's marked code blocks, by name, in order (all bash)."""
    blocks = {}
    for name, language, body in MARKER.findall(GUIDE.read_text(encoding="utf-8")):
        assert language == "bash", f"block {name}: the test runs bash blocks only"
        blocks[name] = body
    return blocks


def project_files() -> list[str]:
    """What a clone would have, as in the working tree: tracked and untracked-but-not-ignored files."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=PROJECT_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    return [name for name in listed if name and not name.startswith(".pipeline.lock")
            and (PROJECT_ROOT / name).is_file()]


def make_copy(target: Path) -> Path:
    for name in project_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, destination)
    (target / ".venv").symlink_to(PROJECT_ROOT / ".venv", target_is_directory=True)
    return target


def start(block: str, copy: Path) -> subprocess.Popen[str]:
    environment = os.environ | {"COMPENDIUM_ROOT": str(copy), "PYTHONPATH": str(copy / "src")}
    return subprocess.Popen(["bash", "-euo", "pipefail", "-c", block], cwd=copy, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run(block: str, copy: Path) -> str:
    process = start(block, copy)
    output = process.communicate(timeout=900)[0]
    assert process.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The guide, followed: the outputs of every block and the copy they ran in."""
    blocks = guide_blocks()
    assert list(blocks) == ["baseline", "equal-countries", "compare-equal-countries", "two-items", "make-notebook",
                            "register-step", "run-my-figure", "misspelt-parameter"]
    copy = make_copy(tmp_path_factory.mktemp("my-compendium"))
    outputs: dict[str, str] = {}
    parallel = {name: start(blocks[name], copy) for name in ("baseline", "equal-countries", "two-items")}
    for name, process in parallel.items():
        outputs[name] = process.communicate(timeout=900)[0]
        assert process.returncode == 0, f"block {name} failed:\n{outputs[name]}"
    for name in ("compare-equal-countries", "make-notebook", "register-step", "run-my-figure"):
        outputs[name] = run(blocks[name], copy)
    outputs["run-my-figure again"] = run(blocks["run-my-figure"], copy)
    outputs["misspelt-parameter"] = run(blocks["misspelt-parameter"], copy)
    without_guard = start(blocks["misspelt-parameter"].replace(" || true", ""), copy)
    without_guard.communicate(timeout=300)
    outputs["misspelt-parameter status"] = str(without_guard.returncode)
    return {"copy": copy, "outputs": outputs}


def scorecard(copy: Path, out: str = "") -> pd.DataFrame:
    return pd.read_csv(copy / out / "reports" / "tables" / "eu2008_scorecard.csv").set_index("claim_id")


def test_the_copy_is_a_copy() -> None:
    files = project_files()
    assert "pipeline.yaml" in files and "docs/adapting.md" in files and "src/helpers/pipeline/runner.py" in files
    assert not any(name.startswith(("data/processed/eu2008/", "reports/figures/", "build/")) for name in files)


def test_baseline_every_eu_claim_passes(walkthrough: dict[str, object]) -> None:
    base = scorecard(walkthrough["copy"])
    assert len(base) == 17 and (base["status"] != "fail").all(), base.loc[base["status"] == "fail", "detail"]
    assert set(base["status"]) == {"pass", "holds by construction"}
    values = base.loc[["EU-06", "EU-07", "EU-08"], "reproduced"].astype(float).round(1).tolist()
    assert values == [61.0, 52.0, 45.0]


def test_a_equal_country_weights_fail_eu04_and_eu06_only(walkthrough: dict[str, object]) -> None:
    copy = walkthrough["copy"]
    before, after = scorecard(copy), scorecard(copy, "runs/equal_countries")
    changed_status = sorted(before.index[before["status"] != after["status"]])
    assert changed_status == ["EU-04", "EU-06"]
    assert (after.loc[["EU-04", "EU-06"], "status"] == "fail").all()
    values = after.loc[["EU-06", "EU-07", "EU-08"], "reproduced"].astype(float)
    assert values.round(2).tolist() == [61.6, 52.18, 45.04]
    assert "equal country totals" in after.loc["EU-04", "detail"]
    # the comparison block of the guide prints the changed claims
    printed = walkthrough["outputs"]["compare-equal-countries"]
    assert all(claim in printed for claim in ("EU-04", "EU-06", "EU-07", "EU-08"))
    # the country means behind the explanation
    countries = pd.read_csv(copy / "data/processed/eu2008_estimates/index_by_sector_country.csv")
    environment = countries.loc[countries["sector"] == "environment"].set_index("country")["estimate"].round(1)
    assert environment[["France", "United Kingdom", "Denmark"]].tolist() == [56.8, 58.4, 66.1]
    assert round(countries.loc[countries["sector"] == "environment", "estimate"].mean(), 2) == 61.6


def test_b_two_environment_items_change_eu06_and_only_the_environment_index(walkthrough: dict[str, object]) -> None:
    copy = walkthrough["copy"]
    before, after = scorecard(copy), scorecard(copy, "runs/two_items")
    provenance = json.loads((copy / "runs/two_items/data/processed/eu2008/provenance.json").read_text())
    assert provenance["index_items"] == {
        "environment": ["ENV_RECYCLE", "ENV_SAVE_ENERGY"],
        "health": ["HEA_EXERCISE", "HEA_CARE_SICK", "HEA_EAT_HEALTHY"],
        "safety": ["SAF_INTERVENE", "SAF_SECURE_HOME", "SAF_REPORT_POLICE"],
    }
    assert after.loc["EU-06", "status"] == "fail" and round(float(after.loc["EU-06", "reproduced"]), 2) == 68.7
    assert "n = 4761" in after.loc["EU-06", "detail"] and "n = 4937" in before.loc["EU-06", "detail"]
    assert after.loc["EU-10", "status"] == "holds by construction"
    assert after.loc["EU-10", "reproduced"].startswith("environment: ENV_RECYCLE, ENV_SAVE_ENERGY;")
    assert after.loc[["EU-07", "EU-08"], "reproduced"].tolist() == before.loc[["EU-07", "EU-08"], "reproduced"].tolist()


def test_d_the_new_step_is_planned_and_run(walkthrough: dict[str, object]) -> None:
    copy, outputs = walkthrough["copy"], walkthrough["outputs"]
    assert (copy / "notebooks" / "30_my_figure.ipynb").is_file()
    plan_lines = [line for line in outputs["register-step"].splitlines() if re.match(r"\s*\d+\. ", line)]
    assert "my_figure" in plan_lines[-1] and "30_my_figure.ipynb" in plan_lines[-1]
    figure = copy / "reports" / "figures" / "my_figure"
    assert sorted(path.name for path in figure.iterdir()) == [
        "index_by_country_lines.csv", "index_by_country_lines.png", "index_by_country_lines.svg"]
    assert "index_by_country_lines.png" in outputs["run-my-figure"]
    behind = pd.read_csv(figure / "index_by_country_lines.csv")
    estimates = pd.read_csv(copy / "data/processed/eu2008_estimates/index_by_sector_country.csv")
    assert len(behind) == 15
    pd.testing.assert_frame_equal(behind, estimates[["sector", "country", "estimate", "ci_low", "ci_high"]])
    manifest = json.loads((copy / "build" / "run_manifest.json").read_text())
    assert manifest["steps"]["my_figure"]["status"] in {"succeeded", "skipped"}
    executed = (copy / "build" / "executed" / "my_figure.ipynb").read_text()
    assert SYNTHETIC_DATA_NOTICE in executed


def test_d_an_unchanged_step_is_skipped_and_a_misspelt_parameter_refused(walkthrough: dict[str, object]) -> None:
    outputs = walkthrough["outputs"]
    assert "my_figure: running" in outputs["run-my-figure"]
    assert "my_figure: skipped (notebook, parameters and inputs unchanged)" in outputs["run-my-figure again"]
    assert ("-p my_figure.figure_dir=/tmp/x: unknown parameter 'figure_dir' for step 'my_figure'. "
            "Did you mean 'figures_dir'?") in outputs["misspelt-parameter"]
    assert outputs["misspelt-parameter status"] == "2"
