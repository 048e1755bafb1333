"""The synthetic stand-in for the 2008 citizen survey: reproducible, shaped as documented, calibrated, and
independent of the pipeline code it is checked against."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from helpers.eu import codebook, synthetic
from helpers.paths import EU_RAW_FILE, PROJECT_ROOT


@lru_cache(maxsize=None)
def generated(seed: int = synthetic.DEFAULT_SEED, n: int | None = None) -> synthetic.GeneratedFile:
    return synthetic.generate(seed, n)


def test_synthetic_does_not_import_clean_weights_or_index() -> None:
    tree = ast.parse((PROJECT_ROOT / "src/helpers/eu/synthetic.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
    forbidden = {f"helpers.eu.{name}" for name in ("clean", "weights", "index")}
    assert not imported & forbidden
    # ... and nothing it imports pulls them in either.
    code = ("import sys, helpers.eu.synthetic; "
            f"print(sorted(m for m in sys.modules if m in {sorted(forbidden)!r}))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_committed_file_regenerates_byte_for_byte(tmp_path) -> None:
    target = tmp_path / "regenerated.csv"
    synthetic.write(target, seed=synthetic.DEFAULT_SEED, n=codebook.published_sample_size())
    assert target.read_bytes() == EU_RAW_FILE.read_bytes()


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, again, other = synthetic.generate(5, 1000), synthetic.generate(5, 1000), synthetic.generate(6, 1000)
    pd.testing.assert_frame_equal(first.data, again.data)
    pd.testing.assert_frame_equal(first.defects, again.defects)
    assert not first.data.equals(other.data)


def test_vendor_frame_has_the_codebook_shape() -> None:
    result = generated()
    data = result.data
    assert tuple(data.columns) == codebook.RAW_COLUMNS
    assert (data["SYNTHETIC"] == 1).all()
    assert data["RESPID"].is_monotonic_increasing
    assert data["RESPID"].nunique() == codebook.published_sample_size() == result.n  # EU-02
    copies = result.defect_counts["exact_duplicate_dropped"]
    assert len(data) == result.n + copies
    for column in codebook.RAW_COLUMNS:
        if column not in codebook.TEXT_COLUMNS:
            assert pd.api.types.is_integer_dtype(data[column]), column
    for column in codebook.SURVEY_QUESTION_COLUMNS:  # documented codes, plus the injected undocumented ones
        allowed = codebook.VARIABLE_BY_NAME[column].documented_codes | set(synthetic.UNDOCUMENTED_CODES)
        assert set(data[column].unique()) <= allowed, column
    assert set(data["SEX"]) == {1, 2}


def test_about_a_fifth_of_respondents_per_country_and_dates_in_fieldwork() -> None:
    data = generated().data
    labels = data["COUNTRY"].map(codebook.canonical_country)
    assert labels.notna().all()
    shares = labels.value_counts(normalize=True)
    assert set(shares.index) == set(codebook.CANONICAL_COUNTRIES)
    assert ((shares - 0.2).abs() < 0.03).all()  # EU-03: about 1,000 each
    first_day, last_day = codebook.fieldwork_window()  # EU-01
    dates = pd.to_datetime(data["INTDATE"].str.strip(), format="%Y-%m-%d")
    assert dates.min() == pd.Timestamp(first_day) and dates.max() == pd.Timestamp(last_day)


@pytest.mark.parametrize(("seed", "n"), [(2008, None), (1, 1000), (123, 1000), (9, 20000)])
def test_calibration_hits_targets_and_the_clip_never_binds(seed: int, n: int | None) -> None:
    calibration = (generated(seed, n) if n is None else synthetic.generate(seed, n)).calibration
    targets = codebook.published_index_targets()
    for row in calibration.itertuples():
        assert row.target == targets[row.sector]
        assert abs(row.achieved - row.target) <= synthetic.CALIBRATION_TOLERANCE
        assert row.clipped_share == 0
        assert 0 <= row.bound_min <= row.predictor_min <= row.predictor_max <= row.bound_max <= 100


def test_effects_follow_the_published_directions() -> None:
    effects = generated().effects
    common = effects[effects["country"] == "all"].pivot(index="term", columns="sector", values="value")
    for sector in codebook.SECTORS:
        column = common[sector]
        assert column["female"] > 0  # EU-11
        assert column["age_decades"] > 0  # EU-12
        assert column["efficacy"] > 0 and column["efficacy"] == column.drop("intercept").abs().max()  # EU-13
        assert column["outcome"] < 0  # EU-14
        assert column["informed"] > 0 and column["consulted"] > 0  # EU-15
    assert common.drop("intercept").nunique(axis=1).max() > 1  # EU-17: effects differ by sector


def test_country_deviations_of_the_informed_effect_sum_to_zero_both_ways() -> None:
    shares = synthetic.read_population_shares()
    for sector, deviation in synthetic.informed_country_deviations(shares).items():
        assert abs(deviation.sum()) < 1e-12, sector
        assert abs((deviation * shares).sum()) < 1e-12, sector
        assert np.abs(deviation).max() > 1  # a real difference between countries (EU-17)


def test_index_is_linear_in_the_propensity() -> None:
    """E[index | mu] = 100 mu for the item mapping (no attenuation by the 4-point scale)."""
    rng = np.random.default_rng(0)
    for sector in codebook.SECTORS:
        offsets = np.array([synthetic.ITEM_OFFSETS[item] for item in codebook.activity_items(sector)])
        assert abs(offsets.sum()) < 1e-12
        for mu in (0.1, 0.35, 0.5, 0.62, 0.9):
            size = 400_000
            responses = synthetic._item_responses(np.full(size, mu), rng.uniform(-1, 1, size),
                                                  rng.random((size, 3)), offsets)
            index = (responses.mean(axis=1) - 1) / 3 * 100
            assert abs(index.mean() - 100 * mu) < 0.15, (sector, mu, index.mean())


def test_defect_ground_truth_is_complete_and_consistent() -> None:
    result = generated()
    counts = result.defect_counts
    assert set(counts) == set(codebook.CLEANING_REASONS)
    for reason in ("whitespace_stripped", "country_label_harmonised", "exact_duplicate_dropped",
                   "age_out_of_range_dropped", "dont_know_to_missing", "refused_to_missing",
                   "undocumented_code_to_missing"):
        assert counts[reason] > 0, reason
    assert counts["exact_duplicate_dropped"] == round(synthetic.EXACT_DUPLICATE_RATE * result.n)
    assert counts["age_out_of_range_dropped"] == round(synthetic.AGE_OUT_OF_RANGE_RATE * result.n)
    defects, data = result.defects, result.data
    assert (data["RESPID"].to_numpy()[defects["row"]] == defects["RESPID"].to_numpy()).all()
    copies = defects.loc[defects["reason"] == "exact_duplicate_dropped", "row"].to_numpy()
    for row in copies:  # each copy is identical to the record just before it
        assert data.iloc[row].equals(data.iloc[row - 1])
    ages = data["AGE"].to_numpy()[defects.loc[defects["reason"] == "age_out_of_range_dropped", "row"]]
    assert ((ages < codebook.AGE_MIN) | (ages > codebook.AGE_MAX)).all()
    assert all(age < codebook.AGE_MIN or age > codebook.AGE_MAX for age in synthetic.OUT_OF_RANGE_AGES)


def test_mirrored_constants_agree_with_the_pipeline() -> None:
    from helpers.eu import index

    assert synthetic.INDEX_MIN_VALID_ITEMS == index.INDEX_MIN_VALID_ITEMS


def test_reimplemented_weights_equal_the_pipeline_weights() -> None:
    from helpers.eu import clean, weights

    cleaned = clean.clean(generated().data, "generated").data
    pipeline = weights.add_weights(cleaned)[weights.FIVE_COUNTRY_WEIGHT].to_numpy()
    country = cleaned["COUNTRY"].map({name: i for i, name in enumerate(codebook.CANONICAL_COUNTRIES)}).to_numpy()
    own = synthetic.five_country_weights(country, cleaned["SEX"].to_numpy(int), cleaned["AGE"].to_numpy(int),
                                         synthetic.read_margins(), synthetic.read_population_shares())
    np.testing.assert_allclose(own, pipeline, rtol=1e-9)


def test_too_small_a_sample_is_refused() -> None:
    with pytest.raises(ValueError, match="MIN_N"):
        synthetic.generate(1, synthetic.MIN_N - 1)


def test_command_line_writes_the_file_and_the_truth(tmp_path) -> None:
    out, truth, effects = tmp_path / "file.csv", tmp_path / "truth.csv", tmp_path / "effects.csv"
    subprocess.run([sys.executable, "-m", "helpers.eu.synthetic", "--seed", "3", "--n", "1000", "--out", str(out),
                    "--truth", str(truth), "--effects", str(effects)], check=True, capture_output=True)
    expected = synthetic.generate(3, 1000)
    assert out.read_bytes() == expected.data.to_csv(index=False, lineterminator="\n").encode()
    assert len(pd.read_csv(truth)) == len(expected.defects)
    assert set(pd.read_csv(effects)["term"]) >= set(synthetic.COVARIATE_CODING)
    assert b"\r\n" not in out.read_bytes()
