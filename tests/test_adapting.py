"""docs/adapting.md, followed on a copy of the project: every marked block runs as written, and each effect
the guide states is checked. The guide says what this test does; keep the two together.

The copy holds the files git knows about (tracked and untracked-but-not-ignored, as in the working tree),
committed to a new git repository as in a clone, the project's ``.venv`` linked in, ``COMPENDIUM_ROOT`` set to
the copy and ``PYTHONPATH`` to the copy's ``src/``, so that the copy's code and notebooks run and the project
itself is not touched. The baseline and the two variants (a) and (b) write to different folders and run at the
same time; then the notebook edits of (c) to (e) are made in the copy's notebooks exactly as the guide's
``<!-- edit: ... -->`` blocks say, (f) runs them with the export and undoes them, and (h) runs last. About 2.5
minutes on 2 cores. The edits themselves are checked against the notebooks in the fast suite
(:func:`test_every_edit_of_the_guide_finds_its_lines_in_the_notebook`), so the guide and the notebooks cannot
drift apart unnoticed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from helpers.data.provenance import SYNTHETIC_DATA_NOTICE
from helpers.eu.codebook import CANONICAL_COUNTRIES
from helpers.eu.figures import frequency_rows
from helpers.eu.statistics import model_columns
from helpers.paths import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "adapting.md"
MARKER = re.compile(r"<!-- test: ([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.DOTALL)
EDIT = re.compile(r"<!-- edit: ([\w-]+) (\S+) -->\n```diff\n(.*?)\n```", re.DOTALL)
EDITED_NOTEBOOKS = ("notebooks/21_eu_estimates.ipynb", "notebooks/22_eu_figures.ipynb")


def guide_blocks() -> dict[str, str]:
    """The guide's marked code blocks, by name, in order (all bash)."""
    blocks = {}
    for name, language, body in MARKER.findall(GUIDE.read_text(encoding="utf-8")):
        assert language == "bash", f"block {name}: the test runs bash blocks only"
        blocks[name] = body
    return blocks


@dataclass(frozen=True)
class Edit:
    """A notebook edit of the guide: the lines to find (``-``) and the lines that replace them (``+``)."""

    name: str
    notebook: str
    old: tuple[str, ...]
    new: tuple[str, ...]


def guide_edits() -> dict[str, Edit]:
    """The guide's ``<!-- edit: NAME NOTEBOOK -->`` diff blocks, by name, in order."""
    edits = {}
    for name, notebook, body in EDIT.findall(GUIDE.read_text(encoding="utf-8")):
        lines = body.split("\n")
        assert all(line[:1] in "-+" and line for line in lines), f"edit {name}: every line starts with - or +"
        old = tuple(line[1:] for line in lines if line.startswith("-"))
        new = tuple(line[1:] for line in lines if line.startswith("+"))
        assert old and lines == [f"-{line}" for line in old] + [f"+{line}" for line in new], \
            f"edit {name}: the - lines first, then the + lines"
        edits[name] = Edit(name, notebook, old, new)
    return edits


def edited_notebook(notebook: nbformat.NotebookNode, edit: Edit) -> nbformat.NotebookNode:
    """``notebook`` with ``edit`` made in the one cell whose text holds its ``-`` lines (consecutive, whole
    lines, exactly once in the notebook): what a student does in JupyterLab."""
    places = []
    for index, cell in enumerate(notebook.cells):
        lines = cell.source.split("\n")
        places += [(index, start) for start in range(len(lines) - len(edit.old) + 1)
                   if tuple(lines[start:start + len(edit.old)]) == edit.old]
    assert len(places) == 1, (f"edit {edit.name}: the guide's line(s) {list(edit.old)} are in {edit.notebook} "
                              f"{len(places)} times, not once: update docs/adapting.md")
    (index, start), = places
    changed = nbformat.from_dict(json.loads(json.dumps(notebook)))
    lines = changed.cells[index].source.split("\n")
    lines[start:start + len(edit.old)] = edit.new
    changed.cells[index].source = "\n".join(lines)
    return changed


def make_edit(copy: Path, edit: Edit) -> None:
    path = copy / edit.notebook
    nbformat.write(edited_notebook(nbformat.read(path, as_version=4), edit), path)


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


def make_clone(target: Path) -> Path:
    """:func:`make_copy`, committed to a new git repository, as a student's clone is (the guide's undo uses git,
    and the run record marks a run from edited notebooks ``-dirty``)."""
    make_copy(target)
    git = ["git", "-c", "user.name=Student", "-c", "user.email=student@example.org"]
    for arguments in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "my clone"]):
        subprocess.run([*git, *arguments], cwd=target, check=True, capture_output=True)
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
    assert list(blocks) == ["baseline", "equal-countries", "compare-equal-countries", "two-items", "my-analysis",
                            "compare-my-analysis", "undo-edits", "make-notebook", "register-step", "run-my-figure",
                            "misspelt-parameter"]
    edits = guide_edits()
    assert list(edits) == ["drop-education", "add-interaction", "panels-by-country"]
    copy = make_clone(tmp_path_factory.mktemp("my-compendium"))
    outputs: dict[str, str] = {}
    parallel = {name: start(blocks[name], copy) for name in ("baseline", "equal-countries", "two-items")}
    for name, process in parallel.items():
        outputs[name] = process.communicate(timeout=900)[0]
        assert process.returncode == 0, f"block {name} failed:\n{outputs[name]}"
    outputs["compare-equal-countries"] = run(blocks["compare-equal-countries"], copy)
    for edit in edits.values():  # (c), (d), (e): one line each, in the notebooks' cell text
        make_edit(copy, edit)
    for name in ("my-analysis", "compare-my-analysis", "undo-edits"):  # (f)
        outputs[name] = run(blocks[name], copy)
    for name in ("make-notebook", "register-step", "run-my-figure"):
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


def test_every_edit_of_the_guide_finds_its_lines_in_the_notebook() -> None:
    """Each line the guide tells a student to change is in its notebook exactly once, and the edited notebook
    is still Python: the fast check that docs/adapting.md and the notebooks have not drifted apart."""
    edits = guide_edits()
    assert {edit.notebook for edit in edits.values()} == set(EDITED_NOTEBOOKS)
    for path in EDITED_NOTEBOOKS:
        notebook = nbformat.read(PROJECT_ROOT / path, as_version=4)
        for edit in (edit for edit in edits.values() if edit.notebook == path):
            notebook = edited_notebook(notebook, edit)
            assert any("\n".join(edit.new) in cell.source for cell in notebook.cells) if edit.new else True
        for cell in notebook.cells:
            if cell.cell_type == "code":
                compile(cell.source, f"{path}, edited", "exec")


def test_the_edited_formula_drops_education_and_adds_the_interaction() -> None:
    """The model formula of notebook 21 after edits (c) and (d), read by the helper the notebook calls, on a
    hand-made frame: no education columns, the other correlates and the country effects kept, and one new
    column, the product of female and age_decades."""
    edits = guide_edits()
    notebook = nbformat.read(PROJECT_ROOT / "notebooks/21_eu_estimates.ipynb", as_version=4)
    for name in ("drop-education", "add-interaction"):
        notebook = edited_notebook(notebook, edits[name])
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assignment = re.search(r"^correlates_formula = \(.*?\n\)$", source, re.MULTILINE | re.DOTALL).group(0)
    namespace: dict[str, object] = {}
    exec(assignment, namespace)  # the formula as the notebook writes it: strings joined in parentheses
    formula = str(namespace["correlates_formula"])
    assert "educ" not in formula and "female * age_decades" in formula
    rows = 4
    frame = pd.DataFrame({name: np.arange(rows, dtype=float) for name in (
        "index", "efficacy", "outcome", "govperf", "informed", "consulted", "employ_unemployed", "employ_retired",
        "employ_student", "employ_other", "urban", "educ_upper_secondary", "educ_tertiary")})
    frame["female"] = [0.0, 1.0, 1.0, 0.0]
    frame["age_decades"] = [-1.5, 0.5, 2.0, 1.0]
    frame["country"] = pd.Categorical(["Czech Republic", "Denmark", "Denmark", "Czech Republic"])
    columns, intercept = model_columns(frame, formula)
    assert intercept
    assert sorted(columns.columns) == sorted([
        "female", "age_decades", "female:age_decades", "efficacy", "outcome", "govperf", "informed", "consulted",
        "employ_unemployed", "employ_retired", "employ_student", "employ_other", "urban", "country_Denmark"])
    assert columns["female:age_decades"].tolist() == [0.0, 0.5, 2.0, 0.0]


@pytest.mark.slow
def test_baseline_every_eu_claim_passes(walkthrough: dict[str, object]) -> None:
    base = scorecard(walkthrough["copy"])
    assert len(base) == 17 and (base["status"] != "fail").all(), base.loc[base["status"] == "fail", "detail"]
    assert set(base["status"]) == {"pass", "holds by construction"}
    values = base.loc[["EU-06", "EU-07", "EU-08"], "reproduced"].astype(float).round(1).tolist()
    assert values == [61.0, 52.0, 45.0]


@pytest.mark.slow
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


@pytest.mark.slow
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


def my_analysis(copy: Path, *parts: str) -> Path:
    return copy.joinpath("runs", "my_analysis", *parts)


def correlate_rows(coefficients: pd.DataFrame) -> pd.DataFrame:
    return coefficients.loc[coefficients["term_group"] == "correlate"]


@pytest.mark.slow
def test_c_the_dropped_correlate_is_gone_from_every_model_and_the_others_remain(
        walkthrough: dict[str, object]) -> None:
    copy, outputs = walkthrough["copy"], walkthrough["outputs"]
    before = pd.read_csv(copy / "data/processed/eu2008_estimates/coefficients.csv")
    after = pd.read_csv(my_analysis(copy, "data/processed/eu2008_estimates/coefficients.csv"))
    education = {"educ_upper_secondary", "educ_tertiary"}
    assert education <= set(before["term"]) and not education & set(after["term"])
    kept = [term for term in correlate_rows(before)["term"].drop_duplicates() if term not in education]
    assert len(kept) == 12
    for sector in ("environment", "health", "safety"):
        terms = set(after.loc[after["sector"] == sector, "term"])
        assert set(kept) <= terms and set(before.loc[(before["sector"] == sector)
                                                     & (before["term_group"] == "country"), "term"]) <= terms
    assert before.groupby("sector")["n"].first().tolist() == [3961, 3941, 3951]
    assert after.groupby("sector")["n"].first().tolist() == [4020, 3998, 4008]
    heterogeneity = pd.read_csv(my_analysis(copy, "data/processed/eu2008_estimates/heterogeneity_tests.csv"))
    assert not education & set(heterogeneity["term"])  # the same formula for the EU-17 tests
    assert "terms dropped: ['educ_tertiary', 'educ_upper_secondary']" in outputs["compare-my-analysis"]
    executed = nbformat.read(my_analysis(copy, "build/executed/eu2008_estimates.ipynb"), as_version=4)
    source = "\n".join(cell.source for cell in executed.cells)
    assert "educ_upper_secondary" not in source and '"index ~ female * age_decades"' in source


@pytest.mark.slow
def test_d_the_interaction_is_a_term_of_every_model(walkthrough: dict[str, object]) -> None:
    copy, outputs = walkthrough["copy"], walkthrough["outputs"]
    after = pd.read_csv(my_analysis(copy, "data/processed/eu2008_estimates/coefficients.csv"))
    interaction = after.loc[after["term"] == "female:age_decades"].set_index("sector")
    assert interaction.index.tolist() == ["environment", "health", "safety"]
    assert (interaction["term_group"] == "correlate").all()
    assert interaction["estimate"].round(2).tolist() == [0.31, -0.01, -0.83]
    assert interaction["p_value"].round(3).tolist() == [0.419, 0.990, 0.039]
    assert interaction.loc["safety", ["ci_low", "ci_high"]].astype(float).round(2).tolist() == [-1.62, -0.04]
    assert "terms added: ['female:age_decades']" in outputs["compare-my-analysis"]
    heterogeneity = pd.read_csv(my_analysis(copy, "data/processed/eu2008_estimates/heterogeneity_tests.csv"))
    assert "female:age_decades" in set(heterogeneity.loc[heterogeneity["family"] == "sector", "term"])
    figure = pd.read_csv(my_analysis(copy, "reports/figures/eu2008/eu2008_correlates.csv"))
    assert "female:age_decades" in set(figure["term"]) and not set(figure["term"]) & {"educ_tertiary"}


@pytest.mark.slow
def test_e_the_figure_is_regrouped_one_panel_per_country(walkthrough: dict[str, object]) -> None:
    copy = walkthrough["copy"]
    stem = my_analysis(copy, "reports/figures/eu2008/eu2008_activity_frequencies")
    record = json.loads(stem.with_suffix(".json").read_text())
    assert record["title"] == "How often citizens do each activity, one panel per country"
    assert record["panels"] == list(CANONICAL_COUNTRIES)
    assert "by activity" in record["caption"]
    behind = pd.read_csv(stem.with_suffix(".csv"))
    baseline = frequency_rows(pd.read_csv(copy / "data/processed/eu2008_estimates/activity_frequencies.csv"))
    pd.testing.assert_frame_equal(behind, baseline[list(behind.columns)], check_dtype=False)  # only the drawing


@pytest.mark.slow
def test_f_the_scorecard_and_the_reports_show_the_run(walkthrough: dict[str, object]) -> None:
    copy, outputs = walkthrough["copy"], walkthrough["outputs"]
    before, after = scorecard(copy), scorecard(copy, "runs/my_analysis")
    assert sorted(before.index[before["status"] != after["status"]]) == ["EU-16"]
    assert after.loc["EU-16", "status"] == "fail" and (after["status"] != "fail").sum() == 16
    assert ("'education' [upper secondary education (vs lower), tertiary education (vs lower)] missing or not "
            "estimable in environment" in after.loc["EU-16", "detail"])
    assert "education: not in the models" in after.loc["EU-16", "reproduced"]
    assert "gender: women (vs men);" in after.loc["EU-16", "reproduced"]
    assert (after.loc[["EU-11", "EU-12", "EU-13", "EU-14", "EU-15", "EU-17"], "status"] == "pass").all()
    assert "16 of 17 EU claims still reproduce" in outputs["compare-my-analysis"]
    assert re.search(r"EU-16\s+holds by construction\s+fail", outputs["compare-my-analysis"])
    reports = my_analysis(copy, "reports")
    assert (reports / "index.html").is_file() and (reports / "eu2008_report.pdf").is_file()
    assert "female * age_decades" in (reports / "eu2008_estimates.replicator.html").read_text()
    report = (reports / "eu2008_report.html").read_text()
    assert "Women (vs men) \u00d7 Age (per decade)" in report and "female:age_decades" not in report
    claims_table = report[report.index('<table class="claims'):]
    claims_table = claims_table[:claims_table.index("</table>")]  # "Published vs reproduced"
    rows = {re.search(r"<td>(EU-\d+)</td>", row).group(1): row for row in claims_table.split("<tr") if "<td>EU-" in row}
    assert len(rows) == 17 and [claim for claim, row in rows.items() if "status fail" in row] == ["EU-16"]
    assert "Not reproduced" in rows["EU-16"] and "education: not in the models" in rows["EU-16"]
    # the run record: the edited notebooks make the commit "-dirty"; the baseline ran from the clean commit ...
    manifest = json.loads(my_analysis(copy, "build/run_manifest.json").read_text())
    assert manifest["run"]["git_dirty"] is True
    assert json.loads((copy / "build/run_manifest.json").read_text())["steps"]["eu2008_estimates"]["git_dirty"] is False
    assert re.search(r"from commit [0-9a-f]{7}-dirty", report)
    # ... and names the edited notebooks, so the report is marked a variant, not the published analysis
    assert manifest["run"]["git_changed_files"] == ["notebooks/21_eu_estimates.ipynb", "notebooks/22_eu_figures.ipynb"]
    assert ("Edited since the commit:</strong> notebooks/21_eu_estimates.ipynb, notebooks/22_eu_figures.ipynb"
            in report)


@pytest.mark.slow
def test_f_undoing_the_edits_restores_the_published_notebooks(walkthrough: dict[str, object]) -> None:
    copy = walkthrough["copy"]
    for path in EDITED_NOTEBOOKS:
        assert (copy / path).read_bytes() == (PROJECT_ROOT / path).read_bytes(), path
    executed = nbformat.read(my_analysis(copy, "build/executed/eu2008_figures.ipynb"), as_version=4)
    assert any(guide_edits()["panels-by-country"].new[0] in cell.source for cell in executed.cells)


@pytest.mark.slow
def test_h_the_new_step_is_planned_and_run(walkthrough: dict[str, object]) -> None:
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


@pytest.mark.slow
def test_h_an_unchanged_step_is_skipped_and_a_misspelt_parameter_refused(walkthrough: dict[str, object]) -> None:
    outputs = walkthrough["outputs"]
    assert "my_figure: running" in outputs["run-my-figure"]
    assert "my_figure: skipped (notebook, parameters and inputs unchanged)" in outputs["run-my-figure again"]
    assert ("-p my_figure.figure_dir=/tmp/x: unknown parameter 'figure_dir' for step 'my_figure'. "
            "Did you mean 'figures_dir'?") in outputs["misspelt-parameter"]
    assert outputs["misspelt-parameter status"] == "2"
