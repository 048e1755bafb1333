"""helpers.eu.statistics and helpers.eu.scorecard: hand-computed fixtures, a known-sign regression, the
committed file's tests, and the scorecard (every EU claim passes on the committed file; broken inputs fail)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests
from scipy import stats

from helpers.data.claims import load_claims
from helpers.data.status import FAIL, HOLDS_BY_CONSTRUCTION, PASS, SCORECARD_COLUMNS
from helpers.eu import clean, index, weights
from helpers.eu.codebook import ACTIVITIES, CANONICAL_COUNTRIES, SECTORS
from helpers.eu.estimates import index_by_sector
from helpers.eu.scorecard import eu_scorecard
from helpers.eu.statistics import (
    COEFFICIENT_COLUMNS,
    CORRELATE_TERMS,
    COUNTRY_TERMS,
    HETEROGENEITY_COLUMNS,
    INTERCEPT,
    KEY_TERMS,
    TEST_COLUMNS,
    correlate_frame,
    correlates_table,
    country_differences,
    heterogeneity_tests,
    holm,
    sector_differences,
    unweighted_effect_sizes,
    wald_test,
)
from helpers.paths import EU_RAW_FILE

EU_CLAIMS = [f"EU-{number:02d}" for number in range(1, 18)]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def cleaning() -> clean.CleaningResult:
    return clean.clean(clean.read_respondent_file(EU_RAW_FILE), str(EU_RAW_FILE))


@pytest.fixture(scope="module")
def committed(cleaning: clean.CleaningResult) -> pd.DataFrame:
    return index.add_indices(weights.add_weights(cleaning.data))


@pytest.fixture(scope="module")
def tables(committed: pd.DataFrame, claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "sector_estimates": index_by_sector(committed, claims=claims),
        "coefficients": correlates_table(committed),
        "sector_tests": sector_differences(committed),
        "country_tests": country_differences(committed),
        "heterogeneity": heterogeneity_tests(committed),
    }


@pytest.fixture(scope="module")
def scorecard(committed, cleaning, claims) -> pd.DataFrame:
    """The scorecard as a notebook calls it: every table computed inside with the defaults."""
    return eu_scorecard(committed, cleaning, claims)


# ---------------------------------------------------------------------------------------------------------
# Generic pieces by hand
# ---------------------------------------------------------------------------------------------------------


def test_holm_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> running maximum 0.03, 0.06, 0.06.
    assert holm([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, np.nan]).tolist()[0] == pytest.approx(0.5)
    assert math.isnan(holm([0.5, np.nan])[1])


def test_wald_test_by_hand() -> None:
    # b = (2, 1), V = diag(1, 4): F = (2^2 / 1 + 1^2 / 4) / 2 = 2.125 on (2, 10).
    result = wald_test(np.array([2.0, 1.0]), np.diag([1.0, 4.0]), np.eye(2), 10)
    assert result["statistic"] == pytest.approx(2.125)
    assert result["p_value"] == pytest.approx(stats.f.sf(2.125, 2, 10))
    # Equality of the two: (2 - 1)^2 / (1 + 4) = 0.2 on (1, 10).
    assert wald_test(np.array([2.0, 1.0]), np.diag([1.0, 4.0]), [[1.0, -1.0]], 10)["statistic"] == pytest.approx(0.2)


def four_respondents() -> pd.DataFrame:
    """Four respondents in two countries with an index in every sector (environment > health > safety)."""
    return pd.DataFrame({
        "RESPID": [1, 2, 3, 4],
        "COUNTRY": ["Denmark", "Denmark", "France", "France"],
        "index_environment": [70.0, 60.0, 80.0, 50.0],
        "index_health": [50.0, 50.0, 60.0, 40.0],
        "index_safety": [40.0, 35.0, 50.0, 20.0],
        "weight_five_country": [1.0, 3.0, 1.0, 1.0],
    })


def test_sector_differences_by_hand() -> None:
    table = sector_differences(four_respondents())
    assert tuple(table.columns) == TEST_COLUMNS
    rows = table.set_index(["analysis", "comparison"])
    # Friedman: every respondent ranks environment > health > safety: rank sums 12, 8, 4;
    # Q = 12 / (4 * 3 * 4) * (144 + 64 + 16) - 3 * 4 * 4 = 8, W = Q / (4 * 2) = 1, p = exp(-4).
    friedman = rows.loc[("friedman", "environment = health = safety")]
    assert friedman["statistic"] == pytest.approx(8.0) and friedman["effect_size"] == pytest.approx(1.0)
    assert friedman["p_value"] == pytest.approx(math.exp(-4))
    # Paired t, environment - health: differences 20, 10, 20, 10: mean 15, sd sqrt(100/3), t = 15 / (sd / 2).
    paired = rows.loc[("paired_t", "environment - health")]
    assert paired["estimate"] == pytest.approx(15.0)
    assert paired["statistic"] == pytest.approx(15.0 / (math.sqrt(100 / 3) / 2))
    # Cohen's d (pingouin, paired): 15 / sqrt((var(env) + var(health)) / 2) = 15 / sqrt((500/3 + 200/3) / 2).
    assert paired["effect_size"] == pytest.approx(15.0 / math.sqrt(350 / 3))
    # Weighted (1, 3, 1, 1): (20 + 30 + 20 + 10) / 6.
    weighted = rows.loc[("weighted_paired_difference", "environment - health")]
    assert weighted["estimate"] == pytest.approx(80 / 6)
    assert weighted["weighting"] == "weight_five_country"
    # Holm over the three weighted pairs: sorted p times 3, 2, 1, running maximum (statsmodels' Holm as reference).
    pairs = table.loc[table["analysis"] == "weighted_paired_difference"]
    assert pairs["p_adjusted"].to_numpy() == pytest.approx(multipletests(pairs["p_value"], method="holm")[1])


def test_country_difference_f_by_hand() -> None:
    # Two countries: Denmark 47.5 and France 77.5, each mean with variance 36.328125 (see
    # test_eu_estimates.test_country_means_by_hand), independent strata: F = 30^2 / (2 * 36.328125).
    frame = pd.DataFrame({
        "RESPID": [1, 2, 3, 4, 5, 6], "COUNTRY": ["Denmark"] * 3 + ["France"] * 3,
        "index_environment": [60.0, 40.0, 50.0, 70.0, 80.0, 90.0],
        "weight_country": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
    })
    table = country_differences(frame, sectors=("environment",))
    design = table.loc[table["analysis"] == "design_wald_f"].iloc[0]
    assert design["statistic"] == pytest.approx(900 / (2 * 36.328125))
    assert design["df1"] == 1
    assert design["p_value"] == pytest.approx(stats.f.sf(design["statistic"], 1, design["df2"]))
    assert design["estimate"] == pytest.approx(30.0)


def test_effect_sizes_by_hand() -> None:
    # Women 60, 70; men 40, 50: difference 20, pooled variance 50, d = 20 / sqrt(50), t = 20 / sqrt(50).
    # Spearman: index ranks 3, 4, 1, 2 and efficacy ranks 4, 3, 1, 2: rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    frame = pd.DataFrame({"SEX": [2, 2, 1, 1], "index_environment": [60.0, 70.0, 40.0, 50.0],
                          "ENV_EFFICACY": [4, 3, 1, 2]})
    table = unweighted_effect_sizes(frame, sectors=("environment",)).set_index("analysis")
    assert table.loc["ttest_women_vs_men", "estimate"] == pytest.approx(20.0)
    assert table.loc["ttest_women_vs_men", "effect_size"] == pytest.approx(20 / math.sqrt(50))
    assert table.loc["ttest_women_vs_men", "statistic"] == pytest.approx(20 / math.sqrt(50))
    assert table.loc["spearman_index_efficacy", "effect_size"] == pytest.approx(0.8)


# ---------------------------------------------------------------------------------------------------------
# A regression with known signs
# ---------------------------------------------------------------------------------------------------------

TRUE_EFFECTS = {"female": 5.0, "efficacy": 4.0, "outcome": -3.0}


def known_sign_respondents(n: int = 800, seed: int = 7) -> pd.DataFrame:
    """Respondents whose environment index is 50 + 5 female + 4 (efficacy - 2.5) - 3 (outcome - 2.5) + noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "RESPID": np.arange(1, n + 1),
        "COUNTRY": np.asarray(CANONICAL_COUNTRIES)[rng.integers(0, 5, n)],
        "SEX": rng.integers(1, 3, n), "AGE": rng.integers(18, 90, n), "EDUC": rng.integers(1, 4, n),
        "EMPLOY": rng.integers(1, 6, n), "URBAN": rng.integers(1, 3, n),
        "ENV_EFFICACY": rng.integers(1, 5, n), "ENV_OUTCOME": rng.integers(1, 5, n),
        "ENV_GOVPERF": rng.integers(1, 5, n), "ENV_INFORMED": rng.integers(1, 3, n),
        "ENV_CONSULTED": rng.integers(1, 3, n),
        "weight_five_country": rng.uniform(0.5, 2.0, n),
    })
    frame["index_environment"] = (50.0 + TRUE_EFFECTS["female"] * (frame["SEX"] == 2)
                                  + TRUE_EFFECTS["efficacy"] * (frame["ENV_EFFICACY"] - 2.5)
                                  + TRUE_EFFECTS["outcome"] * (frame["ENV_OUTCOME"] - 2.5)
                                  + rng.normal(0.0, 8.0, n))
    frame.loc[frame.index[:5], "ENV_GOVPERF"] = pd.NA  # listwise deletion
    return frame


def test_known_sign_regression() -> None:
    frame = known_sign_respondents()
    table = correlates_table(frame, sectors=("environment",))
    assert tuple(table.columns) == COEFFICIENT_COLUMNS
    assert list(table["term"]) == [INTERCEPT, *CORRELATE_TERMS, *COUNTRY_TERMS]
    assert (table["n"] == len(frame) - 5).all()
    rows = table.set_index("term")
    for term, value in TRUE_EFFECTS.items():
        assert np.sign(rows.loc[term, "estimate"]) == np.sign(value)
        assert rows.loc[term, "ci_low"] < value < rows.loc[term, "ci_high"]
        assert rows.loc[term, "p_value"] < 1e-6
    # Point estimates are weighted least squares; the design-based SEs are close to HC1 sandwich SEs
    # (they differ by the stratum centring and the design df).
    model_frame = correlate_frame(frame, "environment").dropna()
    design = sm.add_constant(model_frame[[*CORRELATE_TERMS, *COUNTRY_TERMS]].to_numpy())
    wls = sm.WLS(model_frame["index"].to_numpy(), design, weights=model_frame["weight_five_country"].to_numpy())
    fitted = wls.fit(cov_type="HC1")
    assert table["estimate"].to_numpy() == pytest.approx(fitted.params, abs=1e-8)
    assert (table["se"].to_numpy() / fitted.bse) == pytest.approx(np.ones(len(table)), abs=0.05)


def test_unweighted_and_no_country_variants() -> None:
    frame = known_sign_respondents()
    table = correlates_table(frame, sectors=("environment",), weighted=False, country_effects=False)
    assert set(table["term"]) == {INTERCEPT, *CORRELATE_TERMS}
    assert (table["weighting"] == "unweighted").all()


# ---------------------------------------------------------------------------------------------------------
# The committed file
# ---------------------------------------------------------------------------------------------------------


def test_committed_tests_have_the_expected_shape(tables: dict[str, pd.DataFrame]) -> None:
    sector_tests, country_tests = tables["sector_tests"], tables["country_tests"]
    assert list(sector_tests["analysis"].value_counts().sort_index().items()) == [
        ("friedman", 1), ("paired_t", 3), ("rm_anova", 1), ("weighted_paired_difference", 3)]
    assert set(country_tests["sector"]) == set(SECTORS) and len(country_tests) == 2 * len(SECTORS)
    heterogeneity = tables["heterogeneity"]
    assert tuple(heterogeneity.columns) == HETEROGENEITY_COLUMNS
    counts = heterogeneity["family"].value_counts()
    assert counts["sector"] == len(CORRELATE_TERMS)
    assert counts["country"] == len(KEY_TERMS) * len(SECTORS)
    assert counts["country_by_sector"] == 1
    assert ((heterogeneity["p_value"] >= 0) & (heterogeneity["p_value"] <= 1)).all()
    assert (heterogeneity["p_holm"] >= heterogeneity["p_value"] - 1e-15).all()
    rule = heterogeneity["family"].isin(["sector", "country"])  # EU-17's one rule: Holm over both families
    assert heterogeneity.loc[rule, "p_holm"].to_numpy() == pytest.approx(
        multipletests(heterogeneity.loc[rule, "p_value"], method="holm")[1])
    # Published ordering of the sectors: environment > health > safety (EU-06..EU-08).
    weighted = sector_tests.loc[sector_tests["analysis"] == "weighted_paired_difference"]
    assert (weighted["ci_low"] > 0).all()


# ---------------------------------------------------------------------------------------------------------
# Scorecard
# ---------------------------------------------------------------------------------------------------------


def test_every_eu_claim_passes_on_the_committed_file(scorecard: pd.DataFrame) -> None:
    assert tuple(scorecard.columns) == SCORECARD_COLUMNS
    assert list(scorecard["claim_id"]) == EU_CLAIMS
    failed = scorecard.loc[scorecard["status"] == FAIL, ["claim_id", "detail"]]
    assert failed.empty, failed.to_string()
    constructed = ["EU-01", "EU-04", "EU-05", "EU-10", "EU-16"]
    status = scorecard.set_index("claim_id")["status"]
    assert (status[constructed] == HOLDS_BY_CONSTRUCTION).all()
    assert (status.drop(index=constructed) == PASS).all()
    assert (scorecard["basis"].str.len() > 0).all()
    assert (scorecard["detail"].str.len() > 0).all()
    assert scorecard.set_index("claim_id").loc["EU-02", "reproduced"] == 4951


def test_unweighted_index_fails_the_value_claims(committed, cleaning, claims, tables) -> None:
    broken = {**tables, "sector_estimates": index_by_sector(committed, claims=claims, weighted=False)}
    status = eu_scorecard(committed, cleaning, claims, **broken).set_index("claim_id")["status"]
    assert (status[["EU-06", "EU-07", "EU-08", "EU-04"]] == FAIL).all()
    assert status["EU-11"] == PASS


def test_wrong_item_set_fails(committed, cleaning, claims, tables) -> None:
    # Dropping an activity from the environment index: still the definition, but not the published number.
    fewer = {"environment": ("ENV_RECYCLE", "ENV_SAVE_ENERGY")}
    data = index.add_indices(committed, items=fewer)
    variant = {**tables, "sector_estimates": index_by_sector(data, claims=claims)}
    status = eu_scorecard(data, cleaning, claims, index_items_used=fewer, **variant).set_index("claim_id")["status"]
    assert status["EU-06"] == FAIL and status["EU-10"] == HOLDS_BY_CONSTRUCTION
    # An attitude instead of an activity breaks the definition (EU-10).
    wrong = {"environment": ("ENV_RECYCLE", "ENV_SAVE_ENERGY", "ENV_WILLING")}
    data = index.add_indices(committed, items=wrong)
    status = eu_scorecard(data, cleaning, claims, index_items_used=wrong, **tables).set_index("claim_id")["status"]
    assert status["EU-10"] == FAIL
    # An index that is not the one declared also fails EU-10.
    status = eu_scorecard(data, cleaning, claims, **tables).set_index("claim_id")["status"]
    assert status["EU-10"] == FAIL
    assert {activity.column for activity in ACTIVITIES} >= {"ENV_RECYCLE", "ENV_SAVE_ENERGY"}


def test_missing_cleaning_result_and_unchecked_claim_fail(committed, claims, tables) -> None:
    extra = claims.loc[claims["claim_id"] == "EU-05"].assign(claim_id="EU-99")
    with_extra = pd.concat([claims, extra], ignore_index=True)
    card = eu_scorecard(committed, None, with_extra, **tables).set_index("claim_id")
    assert card.loc["EU-02", "status"] == FAIL
    assert card.loc["EU-99", "status"] == FAIL and "no check" in card.loc["EU-99", "detail"]


def test_direction_claims_fail_when_the_sign_is_reversed(committed, cleaning, claims, tables) -> None:
    reversed_table = tables["coefficients"].copy()
    female = reversed_table["term"] == "female"
    reversed_table.loc[female, ["estimate", "ci_low", "ci_high", "statistic"]] = (
        -reversed_table.loc[female, ["estimate", "ci_high", "ci_low", "statistic"]].to_numpy())
    card = eu_scorecard(committed, cleaning, claims, **{**tables, "coefficients": reversed_table})
    assert card.set_index("claim_id").loc["EU-11", "status"] == FAIL
