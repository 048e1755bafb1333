"""The fast routes give exactly the numbers of the routes they replace (benchmarks/README.md).

- one ``svy.Sample`` for several variables (``survey_means``, ``survey_level_shares``) against one sample per
  variable and one indicator per level (``survey_mean``, ``survey_proportion``);
- ``activity_frequencies``: all categories of an item in one svy call against the per-category route,
  also on data where the per-category route must fill in (a category nobody chose, a country without answers);
- ``friedman_test`` against ``pingouin.friedman``;
- the pipeline's cache of notebook inspections against papermill, and a run with nothing to do that does
  not import papermill.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import polars as pl
import pytest

import helpers.eu.estimates as estimates
from helpers import paths
from helpers.pipeline import runner as pipeline
from helpers.eu.clean import read_respondent_file
from helpers.eu.stages import prepare_respondents
from helpers.eu.statistics import friedman_test
from helpers.stats.survey import _to_polars, survey_level_shares, survey_mean, survey_means, survey_proportion


@pytest.fixture(scope="module")
def respondents() -> pd.DataFrame:
    _, data = prepare_respondents(read_respondent_file(paths.EU_RAW_FILE), str(paths.EU_RAW_FILE))
    return data


def test_identifiers_are_the_text_pandas_writes() -> None:
    data = pd.DataFrame({
        "id": np.array([1, -5, 123456789012, 0], dtype=np.int64),
        "small": pd.array([3, 2, 1, 7], dtype="Int64"),
        "label": pd.Series(["a", "b b", "c", "a"], dtype="str"),
        "code": pd.Series(["x", "y", "x", "y"]).astype("category"),
        "number": [1.0, 2.5, 3.0, 4.0],
        "flag": [True, False, True, True],
        "y": [1.0, np.nan, 3.0, 4.0],
    })
    identifiers = ["id", "small", "label", "code", "number", "flag"]
    fast = _to_polars(data, ["y"], identifiers, [])
    expected = pl.from_pandas(pd.DataFrame({
        **{column: data[column].astype(str).to_numpy() for column in identifiers},
        "y": data["y"].to_numpy(),
    }))
    assert fast.equals(expected)
    assert fast["y"].null_count() == 1  # NaN becomes missing, as pl.from_pandas makes it


def test_shared_sample_means_equal_one_sample_per_variable(respondents: pd.DataFrame) -> None:
    variables = ["index_environment", "index_health", "index_safety"]
    options = {"weight": "weight_country", "strata": "COUNTRY", "psu": "RESPID"}
    for by in (None, "COUNTRY"):
        shared = survey_means(respondents, variables, by=by, **options)
        for variable in variables:
            pd.testing.assert_frame_equal(shared[variable], survey_mean(respondents, variable, by=by, **options),
                                          check_exact=True)


def test_level_shares_equal_one_indicator_per_level(respondents: pd.DataFrame) -> None:
    options = {"weight": "weight_country", "strata": "COUNTRY", "psu": "RESPID", "by": "COUNTRY"}
    shares = survey_level_shares(respondents, ["ENV_RECYCLE", "SAF_INTERVENE"], **options)
    for item, table in shares.items():
        for code in (1, 2, 3, 4):
            rows = table.loc[table["level"] == code].drop(columns=["level"]).reset_index(drop=True)
            pd.testing.assert_frame_equal(rows, survey_proportion(respondents, item, code, **options),
                                          check_exact=True)


def _per_category_route(monkeypatch: pytest.MonkeyPatch, data: pd.DataFrame, **options) -> pd.DataFrame:
    with monkeypatch.context() as patch:
        patch.setattr(estimates, "_shares_by_code", lambda *arguments: None)
        return estimates.activity_frequencies(data, **options)


@pytest.mark.parametrize("case", ["as delivered", "unweighted", "category nobody chose in one country",
                                  "category nobody chose", "country without answers",
                                  "everybody in a country the same", "code outside the codebook"])
def test_activity_frequencies_equal_the_per_category_route(respondents: pd.DataFrame,
                                                           monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    data, options = respondents.copy(), {}
    if case == "unweighted":
        options = {"weighted": False}
    elif case == "category nobody chose in one country":
        data.loc[(data["COUNTRY"] == "Denmark") & (data["ENV_RECYCLE"] == 1), "ENV_RECYCLE"] = 2
    elif case == "category nobody chose":
        data.loc[data["HEA_EXERCISE"] == 4, "HEA_EXERCISE"] = 3
    elif case == "country without answers":
        data.loc[data["COUNTRY"] == "France", "SAF_REPORT_POLICE"] = pd.NA
    elif case == "everybody in a country the same":
        data.loc[data["COUNTRY"] == "Germany", "SAF_INTERVENE"] = 3
    elif case == "code outside the codebook":
        data["ENV_RECYCLE"] = data["ENV_RECYCLE"].astype("float64")
        data.loc[data.index[:5], "ENV_RECYCLE"] = 7.0
    taken: list[bool] = []
    original = estimates._shares_by_code

    def spy(*arguments: object) -> object:
        result = original(*arguments)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(estimates, "_shares_by_code", spy)
        fast = estimates.activity_frequencies(data, **options)
    pd.testing.assert_frame_equal(fast, _per_category_route(monkeypatch, data, **options), check_exact=True)
    assert len(taken) == 9  # one decision per activity item
    if case in ("as delivered", "unweighted"):
        assert all(taken)  # the fast route was compared, not the per-category route with itself
    else:
        assert not all(taken) and any(taken)  # the changed item falls back, the others stay fast


def test_friedman_equals_pingouin() -> None:
    rng = np.random.default_rng(7)
    for trial in range(40):
        n, k = int(rng.integers(3, 40)), int(rng.integers(2, 5))
        values = rng.integers(0, 4, (n, k)).astype(float) if trial % 2 else rng.normal(size=(n, k)).round(1)
        values[rng.integers(0, n), rng.integers(0, k)] = np.nan  # one incomplete subject, left out by both
        long = pd.DataFrame(values).rename_axis("subject").reset_index().melt(
            id_vars="subject", var_name="condition", value_name="value")
        expected = pingouin.friedman(data=long, dv="value", within="condition", subject="subject").iloc[0]
        result = friedman_test(long, dv="value", within="condition", subject="subject")
        for key in ("W", "Q", "ddof1", "p_unc"):
            assert result[key] == expected[key] or (np.isnan(result[key]) and np.isnan(expected[key]))


def test_cached_notebook_inspection_equals_papermill(tmp_path: Path) -> None:
    import papermill

    notebook = paths.PROJECT_ROOT / "notebooks" / "21_eu_estimates.ipynb"
    cache = tmp_path / "build" / pipeline.PARAMETER_CACHE_NAME
    pipeline.use_parameter_cache(cache)
    first = pipeline.notebook_parameters(notebook)
    pipeline.save_parameter_cache()
    assert cache.is_file()
    pipeline.use_parameter_cache(cache)
    expected = papermill.inspect_notebook(str(notebook))

    def not_called(path: str) -> None:
        raise AssertionError(f"papermill inspected {path} although the cache holds it")

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(papermill, "inspect_notebook", not_called)
            assert pipeline.notebook_parameters(notebook) == first == expected
    finally:
        pipeline.use_parameter_cache(tmp_path / "unused.json")  # leave no cache file behind for other tests


def test_run_with_nothing_to_do_does_not_import_papermill(tmp_path: Path) -> None:
    """A tiny pipeline is run once, then run again in a process that records whether papermill was imported."""
    import nbformat

    notebook = tmp_path / "step.ipynb"
    parameters = nbformat.v4.new_code_cell('value: int = 1\nout: str = "value.txt"')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell("from pathlib import Path\nPath(out).write_text(str(value))")
    document = nbformat.v4.new_notebook(cells=[parameters, body])
    document.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(document, notebook)
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(
        "steps:\n"
        "  - name: only\n"
        f"    notebook: {notebook}\n"
        "    parameters:\n"
        "      out: \"{build}/value.txt\"\n"
        "    outputs: [out]\n",
        encoding="utf-8",
    )
    command = ["run", "--pipeline", str(pipeline_file), "--out", str(tmp_path / "out"), "--no-export"]
    probe = (
        "import sys\n"
        "from helpers.pipeline.runner import main\n"
        f"code = main({command!r})\n"
        "print('PAPERMILL_IMPORTED=' + str('papermill' in sys.modules))\n"
        "raise SystemExit(code)\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "PAPERMILL_IMPORTED=True" in first.stdout
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "skipped" in second.stdout
    assert "PAPERMILL_IMPORTED=False" in second.stdout


def test_a_damaged_cache_entry_is_a_cache_miss(tmp_path: Path) -> None:
    notebook = paths.PROJECT_ROOT / "notebooks" / "21_eu_estimates.ipynb"
    cache = tmp_path / pipeline.PARAMETER_CACHE_NAME
    for entry in ("not a mapping", {"key": "wrong"}, {"key": None, "parameters": []}):
        cache.write_text(json.dumps({str(notebook): entry}), encoding="utf-8")
        try:
            pipeline.use_parameter_cache(cache)
            assert "confidence_level" in pipeline.notebook_parameters(notebook)
        finally:
            pipeline.use_parameter_cache(tmp_path / "unused.json")
