"""The study notebooks a student reads, runs and changes (issue 12).

Fast: every notebook links the glossary; every helper a notebook calls has a docstring; notebook 21 declares the
survey design and calls each estimate, test and model (its formula as text) itself; the figure notebooks draw with
seaborn; no notebook hides behind a bundling stage function.

Slow: (1) each notebook run alone on a fresh copy of the project (no processed data), with papermill and with
``jupyter nbconvert --execute``, stops with one message naming the notebook and pipeline step to run first, and no
traceback; (2) a pipeline run with non-default parameters (90% intervals, equal country weights, another item set):
the notebook route writes exactly the tables of the batch route (``estimate_tables``, ``headline_variants``), the
numbers in the rendered paragraphs are those of the tables written, and every saved figure is at most 16 cm wide
with no text below 7 pt at that size, its captions saying what the issue asks.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.data.claims import load_claims
from helpers.eu.narrative import sector_name
from helpers.eu.products import read_respondents
from helpers.eu.sensitivity import SENSITIVITY_COLUMNS, headline_variants
from helpers.eu.stages import estimate_tables
from helpers.outputs import write_csv
from helpers.paths import PROJECT_ROOT
from test_figures import printed_sizes, svg_width_pt

NOTEBOOKS = PROJECT_ROOT / "notebooks"
STUDY_NOTEBOOKS = ["10_oecd_clean", "11_oecd_figures", "12_oecd_scorecard", "20_eu_clean", "21_eu_estimates",
                   "22_eu_figures", "23_eu_scorecard", "24_eu_sensitivity"]
RUN_FIRST = {  # notebook run alone -> the step it must name first
    "11_oecd_figures": ("oecd2010_clean", "10_oecd_clean.ipynb"),
    "12_oecd_scorecard": ("oecd2010_clean", "10_oecd_clean.ipynb"),
    "21_eu_estimates": ("eu2008_clean", "20_eu_clean.ipynb"),
    "22_eu_figures": ("eu2008_clean", "20_eu_clean.ipynb"),
    "23_eu_scorecard": ("eu2008_clean", "20_eu_clean.ipynb"),
    "24_eu_sensitivity": ("eu2008_clean", "20_eu_clean.ipynb"),
    "31_validation_replicates": ("validation_population", "30_validation_population.ipynb"),
    "33_validation_scorecard": ("validation_population", "30_validation_population.ipynb"),
}
RUN_SECOND = {  # notebooks that need two earlier steps: the message names the second one too
    "12_oecd_scorecard": "oecd2010_figures", "22_eu_figures": "eu2008_estimates",
    "23_eu_scorecard": "eu2008_estimates", "33_validation_scorecard": "validation_replicates",
}
TEXT_WIDTH_PT = 16 / 2.54 * 72


def notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def code(name: str) -> str:
    return "\n".join(cell.source for cell in notebook(name).cells if cell.cell_type == "code")


# ---------------------------------------------------------------------------------------------------------
# Fast: what the notebooks show
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_every_notebook_links_the_glossary(name: str) -> None:
    first = notebook(name).cells[0].source
    assert "[glossary](../docs/glossary.md)" in first and "(glossary.html)" in first
    assert (PROJECT_ROOT / "docs" / "glossary.md").is_file()


def helpers_called(name: str) -> list[tuple[str, str]]:
    """(module, name) of every helper a notebook imports."""
    found = []
    for node in ast.walk(ast.parse(code(name))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_every_helper_a_notebook_calls_has_a_docstring(name: str) -> None:
    missing = []
    for module_name, attribute in helpers_called(name):
        module = importlib.import_module(module_name)
        value = getattr(module, attribute, None) or importlib.import_module(f"{module_name}.{attribute}")
        if inspect.ismodule(value) or callable(value):
            doc = inspect.getdoc(value) or ""
            if len(doc.strip()) < 20:
                missing.append(f"{module_name}.{attribute}")
    assert not missing, f"{name} calls helpers without a docstring: {missing}"


def test_notebook_21_declares_the_design_and_calls_each_analysis() -> None:
    source = code("21_eu_estimates")
    assert re.search(r'SurveyDesign\(weight="weight_five_country", strata="COUNTRY", psu="RESPID"\)', source)
    assert re.search(r'SurveyDesign\(weight="weight_country", strata="COUNTRY", psu="RESPID"\)', source)
    for call in ("index_by_sector(", "index_by_sector_country(", "activity_frequencies(", "repeated_measures_anova(",
                 "friedman_sector_test(", "paired_t_tests(", "weighted_paired_differences(", "design_wald_f_tests(",
                 "welch_anovas(", "correlates_table(", "heterogeneity_tests(", "women_vs_men_t_tests(",
                 "efficacy_correlations("):
        assert call in source, call
    formula = re.search(r"correlates_formula = \((.*?)\n\)", source, re.S).group(1)
    terms = re.findall(r'"\s*(?:index ~ )?\+?\s*([^"]+)"', formula)
    assert "index ~" in formula and any("urban" in term for term in terms) and any("country" in term for term in terms)
    assert "formula=correlates_formula" in source  # the model and the heterogeneity tests use the text above


@pytest.mark.parametrize("name", STUDY_NOTEBOOKS)
def test_no_notebook_hides_behind_a_bundling_function(name: str) -> None:
    source = code(name)
    for bundle in ("estimate_tables", "headline_variants", "sector_differences", "country_differences",
                   "unweighted_effect_sizes", "plot_figure", "plot_index_by_sector"):
        assert not re.search(rf"(?<![\w.]){bundle}\(", source), f"{name} calls {bundle}"


@pytest.mark.parametrize("name", ["11_oecd_figures", "22_eu_figures", "24_eu_sensitivity"])
def test_figure_notebooks_draw_with_seaborn_and_save_for_the_page(name: str) -> None:
    source = code(name)
    assert re.search(r"sns\.(barplot|pointplot|histplot)\(", source)
    for step in ("page_figure(", "finish_figure(", "save_page_figure(", "title=", "caption="):
        assert step in source, step


# ---------------------------------------------------------------------------------------------------------
# Slow: a notebook run alone on a fresh folder
# ---------------------------------------------------------------------------------------------------------


def fresh_copy(target: Path) -> Path:
    """The project as a clone has it (tracked and untracked-but-not-ignored files), with the project's .venv."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=PROJECT_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in listed:
        if name and (PROJECT_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, target / name)
    (target / ".venv").symlink_to(PROJECT_ROOT / ".venv", target_is_directory=True)
    return target


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = fresh_copy(tmp_path_factory.mktemp("fresh-clone"))
    assert not (copy / "data" / "processed" / "eu2008").exists()
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RUN_FIRST))
def test_a_notebook_run_alone_says_which_step_to_run_first(fresh: Path, name: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    monkeypatch.setenv("COMPENDIUM_ROOT", str(fresh))  # the kernel finds the fresh copy's (empty) data folders
    step, first = RUN_FIRST[name]
    output = tmp_path / f"{name}.ipynb"
    with pytest.raises(PapermillExecutionError) as raised:
        papermill.execute_notebook(str(fresh / "notebooks" / f"{name}.ipynb"), str(output), kernel_name="python3",
                                   cwd=str(fresh / "notebooks"), progress_bar=False)
    assert raised.value.ename == "MissingInputError"
    errors = [o for cell in nbformat.read(output, as_version=4).cells for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert len(errors) == 1
    shown = "\n".join(errors[0]["traceback"])
    assert f"Run notebook {first} first (pipeline step {step})" in shown
    assert f"--only {step}" in shown and "data/processed/" in shown
    if name in RUN_SECOND:  # every step to run, in order, not only the first
        assert "then " in shown and f"(pipeline step {RUN_SECOND[name]})" in shown
        assert f"--only {step} --only {RUN_SECOND[name]}" in shown
    for frame in ("Traceback", 'File "', "Cell In[", "---->"):  # the message alone, no traceback
        assert frame not in shown, frame
    assert len(errors[0]["traceback"]) == 1


@pytest.mark.slow
def test_nbconvert_execute_alone_names_the_step_to_run_first(fresh: Path) -> None:
    environment = os.environ | {"COMPENDIUM_ROOT": str(fresh)}
    done = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "jupyter"), "nbconvert", "--to", "notebook",
                           "--execute", "--output-dir", str(fresh / "build"), "21_eu_estimates.ipynb"],
                          cwd=fresh / "notebooks", env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Input missing: data/processed/eu2008/respondents.parquet")
    assert "Run notebook 20_eu_clean.ipynb first (pipeline step eu2008_clean)" in last_line


# ---------------------------------------------------------------------------------------------------------
# Slow: a pipeline run with other parameters
# ---------------------------------------------------------------------------------------------------------

ALTERNATIVE = {"health": ["HEA_EXERCISE"]}


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("varied")
    steps = ["oecd2010_clean", "oecd2010_figures", "eu2008_clean", "eu2008_estimates", "eu2008_figures",
             "eu2008_sensitivity"]
    done = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--no-export", "--out", str(out),
         *[part for step in steps for part in ("--only", step)],
         "-p", "confidence_level=0.9", "-p", "eu2008.weighting=equal_countries",
         "-p", "eu2008_sensitivity.alternative_items={health: [HEA_EXERCISE]}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def written(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A table as the pipeline writes and reads it back."""
    write_csv(frame, path)
    return pd.read_csv(path)


@pytest.mark.slow
def test_the_notebook_route_gives_the_numbers_of_the_batch_route(varied: Path, tmp_path: Path) -> None:
    estimates_dir = varied / "data" / "processed" / "eu2008_estimates"
    respondents = read_respondents(varied / "data" / "processed" / "eu2008")
    batch = estimate_tables(respondents, load_claims(), alpha=1 - 0.9, weighting="equal_countries")
    assert sorted(path.stem for path in estimates_dir.glob("*.csv")) == sorted(batch)
    for name, table in batch.items():
        pd.testing.assert_frame_equal(pd.read_csv(estimates_dir / f"{name}.csv"), written(table, tmp_path / name),
                                      check_exact=True, obj=name)
    assert set(pd.read_csv(estimates_dir / "index_by_sector.csv")["confidence_level"]) == {0.9}
    variants = headline_variants(respondents, load_claims(), alternative_items=ALTERNATIVE, alpha=1 - 0.9)
    drawn = pd.read_csv(varied / "reports" / "figures" / "eu2008_sensitivity" / "eu2008_sensitivity.csv")
    pd.testing.assert_frame_equal(drawn[list(SENSITIVITY_COLUMNS)], written(variants, tmp_path / "variants.csv"),
                                  check_exact=True)


def paragraphs(executed: Path) -> str:
    """The text of every Markdown output (the generated paragraphs) of an executed notebook."""
    texts = []
    for cell in nbformat.read(executed, as_version=4).cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data and "text/html" not in data:  # tables and the banner carry HTML too
                texts.append("".join(data["text/markdown"]))
    return "\n".join(texts)


@pytest.mark.slow
def test_the_rendered_paragraphs_hold_the_numbers_of_the_tables(varied: Path) -> None:
    executed = varied / "build" / "executed"
    text = paragraphs(executed / "eu2008_estimates.ipynb")
    tables = varied / "data" / "processed" / "eu2008_estimates"
    by_sector = pd.read_csv(tables / "index_by_sector.csv")
    for row in by_sector.itertuples(index=False):
        assert f"{sector_name(row.sector)} {row.estimate:.1f} (90% interval {row.ci_low:.1f} to {row.ci_high:.1f})" \
            in text, row.sector
    top, bottom = by_sector.loc[by_sector["estimate"].idxmax()], by_sector.loc[by_sector["estimate"].idxmin()]
    assert f"most in {sector_name(top.sector)} and least in {sector_name(bottom.sector)}" in text
    assert f"{top.estimate - bottom.estimate:.1f} points above the lowest" in text
    by_country = pd.read_csv(tables / "index_by_sector_country.csv")
    for sector, rows in by_country.groupby("sector"):
        low, high = rows.loc[rows["estimate"].idxmin()], rows.loc[rows["estimate"].idxmax()]
        assert (f"ranges from {low.estimate:.1f} in {low.country} ({low.ci_low:.1f} to {low.ci_high:.1f}) to "
                f"{high.estimate:.1f} in {high.country}") in text, sector
    sector_tests = pd.read_csv(tables / "sector_tests.csv")
    for row in sector_tests.loc[sector_tests["analysis"] == "weighted_paired_difference"].itertuples(index=False):
        assert f"{row.comparison.replace(' - ', ' minus ')} {row.estimate:+.1f} points" in text
    country_tests = pd.read_csv(tables / "country_tests.csv")
    for row in country_tests.loc[country_tests["analysis"] == "design_wald_f"].itertuples(index=False):
        assert f"F({row.df1:.0f}, {row.df2:.0f}) = {row.statistic:.1f}" in text
    coefficients = pd.read_csv(tables / "coefficients.csv")
    female = coefficients.loc[coefficients["term"] == "female", "estimate"]
    assert f"Women (vs men): {female.min():+.1f} to {female.max():+.1f} points" in text
    assert "p = 0 " not in text and "p = 0.000" not in text
    assert "These numbers describe the synthetic stand-in data" in text
    sensitivity = pd.read_csv(varied / "reports" / "figures" / "eu2008_sensitivity" / "eu2008_sensitivity.csv")
    text = paragraphs(executed / "eu2008_sensitivity.ipynb")
    unweighted = sensitivity.loc[sensitivity["variant"] == "unweighted"]
    largest = unweighted.loc[unweighted["difference_from_main"].abs().idxmax()]
    assert f"No weights: the index moves by at most {largest.difference_from_main:+.2f} points" in text
    oecd = pd.read_csv(varied / "data" / "processed" / "oecd2010_estimates" / "item_estimates.csv",
                       dtype={"figure": str, "claim_id": str})
    text = paragraphs(executed / "oecd2010_figures.ipynb")
    for figure, rows in oecd.groupby("figure"):
        top = rows.loc[rows["estimate"].idxmax()]
        assert (f'In Figure {figure} the most frequent answer is "{top.label}" ({top.estimate:.1f}%, 90% interval '
                f"{top.ci_low:.1f} to {top.ci_high:.1f})") in text, figure


@pytest.mark.slow
def test_every_figure_prints_at_most_16_cm_wide_with_text_of_7_pt_or_more(varied: Path) -> None:
    svgs = sorted((varied / "reports" / "figures").rglob("*.svg"))
    assert {svg.stem for svg in svgs} == {
        "oecd2010_figure_50_1", "oecd2010_figure_50_2", "oecd2010_figure_50_3", "eu2008_index_by_sector",
        "eu2008_index_by_country", "eu2008_activity_frequencies", "eu2008_correlates", "eu2008_sensitivity"}
    for svg in svgs:
        width = svg_width_pt(svg)
        assert width <= TEXT_WIDTH_PT + 0.05, svg.name
        printed = printed_sizes(svg, width)  # the report prints it at 100% of its saved width
        smallest = min(printed, key=lambda item: item[1])
        assert smallest[1] >= 7.0 - 1e-9, (svg.name, smallest)
        record = json.loads(svg.with_suffix(".json").read_text())
        assert record["width_in"] * 72 == pytest.approx(width, abs=0.01)
        assert record["smallest_font_pt"] == pytest.approx(smallest[1], abs=1e-6)
        assert all(svg.with_suffix(suffix).stat().st_size > 0 for suffix in (".pdf", ".png", ".csv"))
        assert "90%" in record["caption"] or svg.stem in ("eu2008_activity_frequencies", "eu2008_sensitivity")


@pytest.mark.slow
def test_the_captions_say_what_the_issue_asks(varied: Path) -> None:
    figures = varied / "reports" / "figures"
    for figure in ("50_1", "50_2", "50_3"):
        caption = json.loads((figures / "oecd2010" / f"oecd2010_figure_{figure}.json").read_text())["caption"]
        assert "Only the items with a published value or rank are shown" in caption
    rank_caption = json.loads((figures / "oecd2010" / "oecd2010_figure_50_3.json").read_text())["caption"]
    assert "come from the generator's assumed targets (assumptions log, A-OECD-05), not from a published number" \
        in rank_caption
    sensitivity = json.loads((figures / "eu2008_sensitivity" / "eu2008_sensitivity.json").read_text())["caption"]
    assert "on one scale for all sectors" in sensitivity
    assert "Local environment: the index from another item set equals the main result because its items are the main " \
           "index's own" in sensitivity  # the item set left the environment's items as they are
    assert "Community safety: the index from another item set equals the main result" in sensitivity
    weights = json.loads((figures / "eu2008" / "eu2008_index_by_sector.json").read_text())["caption"]
    assert "rescaled to equal country totals" in weights and "weight_five_country" not in weights
