"""The validation study's pieces (issue 14): seeds, populations and their truth, samples, Monte Carlo summaries,
chunk bookkeeping, the scorecard's judgement and the multiverse. Fast: small populations, hand-computed fixtures.
The Dask routes and the notebooks end to end are in test_simulation_dask.py (slow)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import paths
from helpers.data.claims import load_claims
from helpers.data.status import SCORECARD_COLUMNS
from helpers.eu import synthetic as eu_generator
from helpers.eu.clean import clean, read_respondent_file
from helpers.eu.codebook import CANONICAL_COUNTRIES, SECTORS, activity_items
from helpers.eu.weights import read_population_shares, read_sex_age_margins
from helpers.oecd.clean import clean_vendor_file
from helpers.simulation import multiverse, population, sampling, scorecard, seeds, summaries
from helpers.simulation.replicate import RESULT_COLUMNS, StudySettings, run_replicate
from helpers.simulation.runner import (
    SCHEDULER_VARIABLE,
    SimulationError,
    check_arguments,
    chunk_plan,
    read_results,
    require_same_populations,
    results_key,
    run_study,
    scheduler_address,
    written_chunks,
)

SMALL = 0.0005  # 1/2000 of each country: about 112,000 people, drawn in a fraction of a second


@pytest.fixture(scope="module")
def small_population() -> population.EuPopulation:
    return population.draw_eu_population(population.EuPopulationSpec(11, "eu_effects", SMALL))


@pytest.fixture(scope="module")
def small_null_population() -> population.EuPopulation:
    return population.draw_eu_population(population.EuPopulationSpec(11, "eu_null", SMALL))


# ---------------------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------------------


def test_replicate_seed_is_the_spawned_child_of_the_master_seed() -> None:
    def tree(key: int) -> list[np.random.SeedSequence]:
        """A fresh tree each time: ``spawn`` remembers how many children it gave."""
        return np.random.SeedSequence(2026).spawn(key + 1)[key].spawn(2)

    for scenario, key in seeds.SCENARIO_KEYS.items():
        assert seeds.population_seed(2026, scenario).generate_state(4).tolist() == tree(key)[0].generate_state(4).tolist()
        for replicate in (0, 7):
            child = tree(key)[1].spawn(replicate + 1)[replicate]
            assert (seeds.replicate_seed(2026, scenario, replicate).generate_state(4).tolist()
                    == child.generate_state(4).tolist())


def test_seeds_differ_between_replicates_scenarios_and_master_seeds() -> None:
    states = {tuple(seeds.replicate_seed(m, s, r).generate_state(2)) for m in (1, 2) for s in seeds.SCENARIO_KEYS
              for r in range(3)}
    assert len(states) == 2 * len(seeds.SCENARIO_KEYS) * 3
    with pytest.raises(ValueError, match="unknown scenario"):
        seeds.replicate_seed(1, "eu", 0)
    with pytest.raises(ValueError, match="start at 0"):
        seeds.replicate_seed(1, "oecd", -1)


# ---------------------------------------------------------------------------------------------------------
# Populations and their truth
# ---------------------------------------------------------------------------------------------------------


def test_largest_remainder_by_hand() -> None:
    assert population.largest_remainder(10, np.array([1, 1, 1])).tolist() == [4, 3, 3]
    assert population.largest_remainder(7, np.array([0.5, 0.25, 0.25])).tolist() == [3, 2, 2]  # 3.5, 1.75, 1.75


def test_population_sizes_and_cells_follow_the_files(small_population: population.EuPopulation) -> None:
    millions = pd.read_csv(paths.POPULATIONS_FILE).set_index("country").loc[list(CANONICAL_COUNTRIES),
                                                                            "population_millions"]
    counts = np.bincount(small_population.columns["country"], minlength=5)
    assert counts.tolist() == [round(m * 1e6 * SMALL) for m in millions]
    cells = population.population_summary(small_population)
    people = cells.groupby("country")["people"].transform("sum")
    assert (abs(cells["population_share"] - cells["margin_share"]) <= 1 / people + 1e-12).all()
    assert small_population.clipped_share == {sector: 0.0 for sector in SECTORS}


def test_population_is_deterministic_in_its_spec() -> None:
    spec = population.EuPopulationSpec(5, "eu_effects", 0.0002)
    first, second = population.draw_eu_population(spec), population.draw_eu_population(spec)
    other = population.draw_eu_population(population.EuPopulationSpec(6, "eu_effects", 0.0002))
    assert all(np.array_equal(first.columns[name], second.columns[name]) for name in first.columns)
    assert not np.array_equal(first.columns["ENV_RECYCLE"], other.columns["ENV_RECYCLE"])


def test_truth_is_the_population_share_weighted_mean_of_the_country_means(small_population) -> None:
    truth = population.eu_truth(small_population)
    columns = small_population.columns
    shares = eu_generator.read_population_shares()
    for sector in SECTORS:
        items = np.column_stack([columns[item] for item in activity_items(sector)]).astype(float)
        index = (items.mean(axis=1) - 1) / 3 * 100  # every item is answered in the population
        means = np.array([index[columns["country"] == c].mean() for c in range(5)])
        five = truth.query("family == 'index' and target == @sector")["value"].item()
        assert five == pytest.approx(float(shares @ means), abs=1e-9)
        by_country = truth.query("family == 'index_country' and target == @sector").set_index("country")["value"]
        assert by_country.loc[list(CANONICAL_COUNTRIES)].to_numpy() == pytest.approx(means, abs=1e-9)


def test_expected_index_is_the_published_value_and_the_null_population_is_flat(small_population,
                                                                               small_null_population) -> None:
    effects, null = population.eu_truth(small_population), population.eu_truth(small_null_population)
    published = load_claims().set_index("claim_id")["value"]
    for sector, claim in zip(SECTORS, ("EU-06", "EU-07", "EU-08"), strict=True):
        realised = effects.query("family == 'index' and target == @sector")["value"].item()
        assert abs(realised - float(published[claim])) < 0.5  # the expectation is exact; the draws add noise
    assert effects.query("family == 'country_range'")["value"].min() > 5
    assert null.query("family == 'country_range'")["value"].max() < 2
    assert null.query("family == 'sector_difference'")["value"].abs().max() < 0.5
    assert null.query("family == 'coefficient'").empty


def test_population_coefficients_are_least_squares_and_near_the_generating_effects(small_population) -> None:
    from helpers.eu.index import add_indices
    from helpers.eu.statistics import CORRELATE_TERMS, COUNTRY_TERMS, INDEX, correlate_frame

    frame = add_indices(small_population.frame())
    coefficients = population.population_coefficients(frame, "health")
    model = correlate_frame(frame, "health")
    design = np.column_stack([np.ones(len(model)), model[[*CORRELATE_TERMS, *COUNTRY_TERMS]].to_numpy(float)])
    reference, *_ = np.linalg.lstsq(design, model[INDEX].to_numpy(float), rcond=None)
    assert list(coefficients.values()) == pytest.approx(reference.tolist(), abs=1e-8)
    for term in ("female", "efficacy", "outcome"):
        assert coefficients[term] == pytest.approx(eu_generator.EFFECTS[term]["health"], abs=0.6)


def test_oecd_truth_is_the_share_of_yes_among_the_base() -> None:
    drawn = population.draw_oecd_population(population.OecdPopulationSpec(3, 2000))
    truth = population.oecd_truth(drawn)
    answered = ~(drawn.codes == 9).all(axis=1)
    column = list(drawn.vendor_frame().columns).index("Q3_01") - 5  # item columns follow the five id columns
    codes = drawn.codes[answered, column]
    expected = {"responses": 100 * (codes == 1).sum() / np.isin(codes, (1, 2, 8)).sum(),
                "excluding_dont_know": 100 * (codes == 1).sum() / np.isin(codes, (1, 2)).sum(),
                "all_cells": 100 * (codes == 1).sum() / len(codes)}
    got = truth.query("target == 'barrier_resources'").set_index("term")["value"]
    for base, value in expected.items():
        assert got[base] == pytest.approx(value, abs=1e-9)


# ---------------------------------------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------------------------------------


def test_response_probability_by_hand() -> None:
    probability = sampling.response_probability(np.array([2, 1, 1]), np.array([60, 20, 40]))
    assert probability.tolist() == pytest.approx([0.3 * 1.08 * 1.15, 0.3 * 0.92 * 0.80, 0.3 * 0.92 * 1.00])


def test_a_sample_has_the_countries_sizes_defects_and_non_response(small_population) -> None:
    raw = sampling.eu_sample(small_population, np.random.default_rng(4), 500)  # Denmark has 2,700 people here
    cleaned = clean(raw, "a validation sample")
    assert cleaned.data_are_synthetic
    assert cleaned.counts["exact_duplicate_dropped"] > 0 and cleaned.counts["dont_know_to_missing"] > 0
    sizes = cleaned.data["COUNTRY"].value_counts()
    assert set(sizes.index) == set(CANONICAL_COUNTRIES) and sizes.between(490, 500).all()
    women_in_sample = (cleaned.data["SEX"] == 2).mean()
    women_in_population = (small_population.columns["sex"] == 2).mean()
    assert women_in_sample - women_in_population > 0.015  # women take part more often (A-VAL-03)


def test_an_oecd_sample_is_clustered_by_official() -> None:
    drawn = population.draw_oecd_population(population.OecdPopulationSpec(3, 2000))
    frame = sampling.oecd_sample(drawn, np.random.default_rng(1), 150)
    assert frame["RESPID"].nunique() == 150
    per_official = np.bincount(drawn.official)
    assert len(frame) > 150 and len(frame) <= per_official.max() * 150
    with pytest.raises(ValueError, match="officials wanted"):
        sampling.oecd_sample(drawn, np.random.default_rng(1), 5000)


def test_a_replicate_runs_the_compendiums_estimators() -> None:
    settings = StudySettings(master_seed=3, population_fraction=SMALL, officials_population=2000,
                             respondents_per_country=300, officials_sample=120)
    result = run_replicate(settings, "oecd", 0)
    assert list(result.columns) == list(RESULT_COLUMNS)
    assert set(result["family"]) == {"percent"} and len(result) == 9
    assert ((result["ci90_low"] > result["ci95_low"]) & (result["ci90_high"] < result["ci95_high"])).all()
    assert run_replicate(settings, "oecd", 0).equals(result)
    assert not run_replicate(settings, "oecd", 1)["estimate"].equals(result["estimate"])


# ---------------------------------------------------------------------------------------------------------
# Monte Carlo summaries
# ---------------------------------------------------------------------------------------------------------


def test_monte_carlo_formulas_by_hand() -> None:
    estimates = np.array([1.0, 2.0, 3.0, 4.0])
    sd = math.sqrt(5 / 3)
    assert summaries.bias_with_mcse(estimates, 2.0) == pytest.approx((0.5, sd / 2))
    assert summaries.empirical_se_with_mcse(estimates) == pytest.approx((sd, sd / math.sqrt(6)))
    squared = np.array([1.0, 0.0, 1.0, 4.0])
    rmse = math.sqrt(1.5)
    assert summaries.rmse_with_mcse(estimates, 2.0) == pytest.approx(
        (rmse, math.sqrt(squared.var(ddof=1) / 4) / (2 * rmse)))
    assert summaries.share_with_mcse(np.array([1, 1, 1, 0])) == pytest.approx((0.75, math.sqrt(0.75 * 0.25 / 4)))
    ratio, _ = summaries.se_ratio_with_mcse(np.array([1.0, 1.0, 1.0, 1.0]), estimates)
    assert ratio == pytest.approx(1 / sd)
    assert summaries.mcse_for_coverage(2000) == pytest.approx(math.sqrt(0.95 * 0.05 / 2000))


def _results_fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two estimators over four replicates, and their truths (10 and 20)."""
    rows = []
    for replicate, (a, b) in enumerate([(8.8, 21.0), (10.5, 19.0), (11.0, 20.5), (12.0, 18.0)]):
        for target, estimate, truth in (("environment", a, 10.0), ("health", b, 20.0)):
            rows.append({"scenario": "eu_effects", "replicate": replicate, "family": "index",
                         "analysis": "index_by_sector", "target": target, "country": "Five countries", "term": "",
                         "weighting": "population shares", "estimate": estimate, "se": 1.0,
                         "ci95_low": estimate - 1.5, "ci95_high": estimate + 1.5,
                         "ci90_low": estimate - 1.0, "ci90_high": estimate + 1.0})
    results = pd.DataFrame(rows)
    truth = pd.DataFrame({"scenario": "eu_effects", "family": "index", "target": ["environment", "health"],
                          "country": "Five countries", "term": "", "value": [10.0, 20.0]})
    return results, truth


def test_performance_table_by_hand() -> None:
    results, truth = _results_fixture()
    performance = summaries.estimator_performance(summaries.with_truth(results, truth)).set_index("target")
    environment = performance.loc["environment"]
    assert environment["bias"] == pytest.approx(0.575)          # mean(8.8, 10.5, 11, 12) - 10
    assert environment["coverage95"] == pytest.approx(0.75)     # 12 +- 1.5 misses 10
    assert environment["coverage90"] == pytest.approx(0.5)      # 8.8 +- 1 and 12 +- 1 miss 10 (11 +- 1 holds it)
    assert performance.loc["health", "coverage95"] == pytest.approx(0.75)  # 18 +- 1.5 misses 20
    assert environment["replicates"] == 4


def test_pooled_share_uses_the_spread_between_replicates() -> None:
    results, truth = _results_fixture()
    joined = summaries.with_truth(results, truth)
    flags = summaries.covered(joined["truth"], joined["ci95_low"], joined["ci95_high"])
    value, mcse, replicates = summaries.pooled_share(joined, flags)
    per_replicate = np.array([1.0, 1.0, 1.0, 0.0])  # replicate 3 misses both
    assert (value, replicates) == (0.75, 4)
    assert mcse == pytest.approx(per_replicate.std(ddof=1) / 2)


# ---------------------------------------------------------------------------------------------------------
# Chunks, resume bookkeeping, arguments
# ---------------------------------------------------------------------------------------------------------


def test_chunk_plan_covers_only_the_missing_replicates() -> None:
    assert chunk_plan(10, {0, 1, 2, 5}, 3) == [[3, 4], [6, 7, 8], [9]]
    assert chunk_plan(3, {0, 1, 2}, 2) == []


def test_written_chunks_ignore_temporary_files_and_overlaps_are_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "oecd"
    folder.mkdir()
    frame = pd.DataFrame({"replicate": [0, 1, 2], "estimate": [1.0, 2.0, 3.0]})
    frame.to_parquet(folder / "replicates_000000_000002.parquet")
    frame.iloc[1:].to_parquet(folder / "replicates_000001_000002.parquet")
    (folder / ".replicates_000003_000004.parquet.abc.part").write_bytes(b"half a file")
    assert list(written_chunks(tmp_path, "oecd").values()) == [range(0, 3), range(1, 3)]
    read = read_results(tmp_path, "oecd", 2)
    assert read["replicate"].tolist() == [0, 1]


def test_arguments_and_scheduler_address(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SimulationError, match="replicates must be a whole number.*chunk_size.*scenarios"):
        check_arguments(0, 0, ["nowhere"])
    monkeypatch.delenv(SCHEDULER_VARIABLE, raising=False)
    assert scheduler_address("") is None
    monkeypatch.setenv(SCHEDULER_VARIABLE, "tcp://10.1.2.3:8786")
    assert scheduler_address(None) == "tcp://10.1.2.3:8786"
    assert scheduler_address("tcp://127.0.0.1:9") == "tcp://127.0.0.1:9"


def test_a_sample_larger_than_its_population_is_refused_before_any_replicate(tmp_path: Path) -> None:
    too_many = StudySettings(officials_population=100, officials_sample=120)
    with pytest.raises(SimulationError, match="officials_sample = 120 is larger than officials_population = 100"):
        run_study(too_many, 1, tmp_path, say=lambda _: None)
    assert not any(tmp_path.iterdir())  # refused before the results folder was made
    check_arguments(1, 1, ["oecd"], StudySettings(officials_population=120, officials_sample=120))  # equal: fine


def test_a_population_too_small_for_its_samples_is_refused_before_any_replicate(tmp_path: Path) -> None:
    """The reviewer's case: population_fraction=0.0001 gave Denmark 540 people and a ValueError inside the Dask
    workers ('only 307 of 1030 people called took part')."""
    tiny = StudySettings(population_fraction=0.0001)
    # Denmark: round(5.4 million x 0.0001) = 540 people; 1,000 respondents at a 30% response rate need 2 x 1,000 /
    # 0.3 = 6,667 people.
    with pytest.raises(SimulationError, match="gives the smallest country 540 people, too few to find 1,000 "
                                              r"respondents at a response rate of about 30% \(at least 6,667"):
        run_study(tiny, 1, tmp_path, say=lambda _: None)
    assert not any(tmp_path.iterdir())
    check_arguments(1, 1, ["eu_effects"], StudySettings(population_fraction=0.0001, respondents_per_country=50))


def test_replicates_are_not_judged_against_another_populations_truth(tmp_path: Path) -> None:
    provenance = tmp_path / "provenance.json"
    provenance.write_text(json.dumps({"master_seed": 2026, "population_fraction": 0.01, "officials_population": 48000}))
    require_same_populations(provenance, StudySettings(master_seed=2026, population_fraction=0.01,
                                                       officials_population=48000, officials_sample=50))
    with pytest.raises(SimulationError) as refused:
        require_same_populations(provenance, StudySettings(master_seed=7, population_fraction=0.01,
                                                           officials_population=5000))
    message = str(refused.value)
    assert "master_seed 2026 there, 7 here; officials_population 48000 there, 5000 here" in message
    assert "population_fraction" not in message and "-p validation.NAME=VALUE" in message


def test_results_key_changes_with_the_settings() -> None:
    assert results_key(StudySettings()) == results_key(StudySettings())
    assert results_key(StudySettings()) != results_key(StudySettings(master_seed=1))
    assert results_key(StudySettings()) != results_key(StudySettings(respondents_per_country=999))


# ---------------------------------------------------------------------------------------------------------
# The scorecard's judgement
# ---------------------------------------------------------------------------------------------------------


def _criterion(measure: str, lower: float, upper: float) -> pd.Series:
    return pd.Series({"measure": measure, "lower": lower, "upper": upper})


def test_a_criterion_passes_within_its_band_allowing_two_monte_carlo_errors() -> None:
    coverage = _criterion("coverage95", 0.93, 0.97)
    assert scorecard.passes(coverage, scorecard.Evidence(0.95, 0.005, 2000, 1))
    assert not scorecard.passes(coverage, scorecard.Evidence(0.90, 0.0067, 2000, 1))  # 0.90 + 2 x 0.0067 < 0.93
    assert scorecard.passes(coverage, scorecard.Evidence(0.92, 0.006, 2000, 1))       # within two MCSEs
    # 20 covering intervals of 20: the observed MCSE is 0, but a share is not known exactly from 20
    assert scorecard.passes(coverage, scorecard.Evidence(1.0, 0.0, 20, 1))
    assert not scorecard.passes(coverage, scorecard.Evidence(1.0, 0.0, 2000, 1))
    assert not scorecard.passes(coverage, scorecard.Evidence(float("nan"), float("nan"), 0, 0))
    bias = _criterion("max_abs_bias", 0, 0.1)
    assert scorecard.passes(bias, scorecard.Evidence(0.15, 0.03, 100, 3))
    assert not scorecard.passes(bias, scorecard.Evidence(0.3, 0.05, 100, 3))


def test_the_criteria_file_is_checked(tmp_path: Path) -> None:
    criteria = scorecard.read_criteria(paths.RAW_DIR / "validation_criteria.csv")
    assert criteria["criterion_id"].str.fullmatch(r"VAL-\d\d").all() and criteria["criterion_id"].is_unique
    bad = pd.read_csv(paths.RAW_DIR / "validation_criteria.csv", dtype=str, keep_default_na=False)
    bad.loc[1, "measure"] = "coverage99"
    bad.loc[3, "lower"] = "0.5"
    bad.loc[3, "upper"] = "0.1"
    target = tmp_path / "criteria.csv"
    bad.to_csv(target, index=False)
    with pytest.raises(scorecard.CriteriaFileError) as error:
        scorecard.read_criteria(target)
    message = str(error.value)
    assert str(target) in message and "column measure" in message and "lines 3" in message
    assert "lower above upper on lines 5" in message


def test_scorecard_rows_have_the_claims_scorecard_columns() -> None:
    results, truth = _results_fixture()
    joined = summaries.with_truth(results, truth)
    criteria = pd.DataFrame([{"criterion_id": "VAL-01", "subject": "coverage", "measure": "coverage95",
                              "scenario": "eu_effects", "family": "index", "analysis": "index_by_sector",
                              "weighting": "population shares", "terms": "", "lower": 0.93, "upper": 0.97,
                              "unit": "share", "rationale": "nominal"}])
    rows = scorecard.scorecard(criteria, results, joined, summaries.estimator_performance(joined))
    assert list(rows.columns) == list(SCORECARD_COLUMNS)
    row = rows.iloc[0]
    assert row["study"] == "validation" and row["reproduced"] == 0.75 and row["status"] in ("pass", "fail")
    assert "4 replicates" in row["detail"] and "Monte Carlo standard error" in row["detail"]


# ---------------------------------------------------------------------------------------------------------
# The multiverse
# ---------------------------------------------------------------------------------------------------------


def test_dont_know_handling_and_the_share_formula_by_hand() -> None:
    data = pd.DataFrame({"RESPID": [1, 2, 3], "ENV_RECYCLE": [4.0, np.nan, 2.0], "ENV_SAVE_ENERGY": [3.0, 1.0, np.nan],
                         "ENV_PUBLIC_TRANSPORT": [1.0, 2.0, 3.0]})
    cells = pd.DataFrame({"RESPID": [2], "column": ["ENV_RECYCLE"]})  # respondent 2 said "don't know"
    items = list(activity_items("environment"))
    as_never = multiverse.with_dont_know(data, cells, items, "as never")
    assert as_never.loc[1, "ENV_RECYCLE"] == 1.0 and np.isnan(as_never.loc[2, "ENV_SAVE_ENERGY"])
    left_out = multiverse.with_dont_know(data, cells, items, "respondent left out")
    assert left_out.loc[1].isna().all() and left_out.loc[0].notna().all()
    share = multiverse.index_values(data[items], "environment", "share often or always")
    assert share[0] == pytest.approx(200 / 3) and share[1] == 0.0 and share[2] == 50.0
    mean_all = multiverse.index_values(data[items], "environment", "mean, all valid")
    assert mean_all[0] == pytest.approx((8 / 3 - 1) / 3 * 100) and np.isnan(mean_all[1])


def test_the_published_specification_reproduces_every_published_number() -> None:
    claims = load_claims()
    cleaning = clean(read_respondent_file(paths.EU_RAW_FILE), str(paths.EU_RAW_FILE))
    eu = multiverse.eu_multiverse(cleaning, claims, read_sex_age_margins(), read_population_shares())
    oecd = multiverse.oecd_multiverse(clean_vendor_file().long, claims)
    assert len(eu) == 3 * 720 and len(oecd) == 7 * 9
    for frame in (eu, oecd):
        chosen = frame.loc[frame["is_published_specification"]]
        assert chosen["reproduces"].all() and chosen["claim_id"].is_unique
        assert not frame["reproduces"].all()  # other choices move the numbers
    summary = multiverse.multiverse_summary(pd.concat([eu, oecd]))
    assert (summary["lowest"] <= summary["published_specification"]).all()
    assert summary["share_reproducing"].between(0, 1).all()


def test_a_saved_population_is_read_back_identical_and_only_for_its_spec(tmp_path: Path) -> None:
    spec = population.EuPopulationSpec(8, "eu_null", 0.0002)
    drawn = population.draw_eu_population(spec)
    population.save_eu_population(drawn, tmp_path)
    loaded = population.load_eu_population(spec, tmp_path)
    assert loaded is not None and loaded.columns.keys() == drawn.columns.keys()
    assert all(np.array_equal(loaded.columns[name], drawn.columns[name]) and
               loaded.columns[name].dtype == drawn.columns[name].dtype for name in drawn.columns)
    assert loaded.levels.equals(drawn.levels) and loaded.clipped_share == drawn.clipped_share
    assert population.load_eu_population(population.EuPopulationSpec(9, "eu_null", 0.0002), tmp_path) is None
    population.population_file(tmp_path, spec).write_bytes(b"damaged")
    assert population.load_eu_population(spec, tmp_path) is None  # then the worker draws it again
    officials = population.draw_oecd_population(population.OecdPopulationSpec(8, 500))
    population.save_oecd_population(officials, tmp_path)
    again = population.load_oecd_population(population.OecdPopulationSpec(8, 500), tmp_path)
    assert again is not None and np.array_equal(again.codes, officials.codes)
    assert np.array_equal(again.official, officials.official)


def test_the_scorecard_in_words_gives_units_the_monte_carlo_range_and_met_or_not() -> None:
    from helpers.simulation.labels import scorecard_in_words

    rows = pd.DataFrame([
        {"claim_id": "VAL-01", "kind": "validation", "subject": "coverage", "published": "93.0% to 97.0%",
         "reproduced": 0.922222, "ci_low": 0.868433, "ci_high": 0.976012, "status": "pass"},
        {"claim_id": "VAL-02", "kind": "validation", "subject": "coverage 90", "published": "88.0% to 92.0%",
         "reproduced": 0.911111, "ci_low": 0.851116, "ci_high": 0.971107, "status": "pass"},
        {"claim_id": "VAL-04", "kind": "validation", "subject": "bias", "published": "at most 0.100 index points",
         "reproduced": 0.2, "ci_low": 0.15, "ci_high": 0.25, "status": "fail"},
        {"claim_id": "VAL-09", "kind": "validation", "subject": "no replicate", "published": "at most 0.500 ratio",
         "reproduced": np.nan, "ci_low": np.nan, "ci_high": np.nan, "status": "fail"},
    ])
    shown = scorecard_in_words(rows).set_index("Criterion")
    # 92.2% lies outside 93-97% but within two Monte Carlo SEs: the scorecard's pass, not ruled out, never "Met"
    assert shown.loc["VAL-01"].tolist() == ["coverage", "93.0% to 97.0%", "92.2%", "86.8% to 97.6%",
                                            "Within Monte Carlo error"]
    assert shown.loc["VAL-02", "Result"] == "Met"
    assert shown.loc["VAL-04"].tolist() == ["bias", "at most 0.100 index points", "0.200 index points",
                                            "0.150 to 0.250 index points", "Not met"]
    assert shown.loc["VAL-09", "Found"] == "\u2013" and shown.loc["VAL-09", "Result"] == "Not met"
