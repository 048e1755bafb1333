"""Every pass / fail check of the scorecard fails on data that contradict its claim, and every "holds by
construction" row fails when the code did not enforce it (issue 10).

Small hand-made inputs, so that the tests are fast (they are the tests ``make mutation`` runs): for each check
one input that meets the claim at the edge of its rule and one just beyond it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from helpers.data.checks import check_value_claim, scorecard_frame
from helpers.data.claims import load_claims, read_claims_text
from helpers.data.status import FAIL, HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, PASS
from helpers.eu import scorecard as eu
from helpers.eu.clean import DROPPED, CleaningResult
from helpers.eu.codebook import CANONICAL_COUNTRIES, SECTORS
from helpers.eu.statistics import CORRELATE_TERMS, EU17_FAMILIES, eu17_holm, holm, sector_differences
from helpers.oecd import codebook as oecd_codebook
from helpers.oecd import scorecard as oecd
from helpers.oecd.estimates import percent_affirmative

ALPHA = 0.05


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


def with_cell(claims: pd.DataFrame, claim_id: str, column: str, value: str) -> pd.DataFrame:
    """A copy of the registry with one cell changed (a contrary registry)."""
    changed = claims.copy()
    changed.loc[changed["claim_id"] == claim_id, column] = value
    return changed


# ---------------------------------------------------------------------------------------------------------
# EU-01 (holds by construction, verified)
# ---------------------------------------------------------------------------------------------------------


def test_eu01_a_date_outside_the_window_fails_inside_holds_by_construction(claims) -> None:
    inside = pd.DataFrame({"INTDATE": ["2008-04-16", "2008-05-05"]})
    assert eu.fieldwork_check(inside, claims)["status"] == HOLDS_BY_CONSTRUCTION
    for outside in ("2008-04-15", "2008-05-06"):
        check = eu.fieldwork_check(pd.DataFrame({"INTDATE": ["2008-04-20", outside]}), claims)
        assert check["status"] == FAIL and "1 of 2 interviews" in check["detail"]
    assert eu.fieldwork_check(pd.DataFrame({"INTDATE": pd.Series([], dtype=str)}), claims)["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# EU-02 and EU-03 (tests)
# ---------------------------------------------------------------------------------------------------------


def cleaning_of(n_analysed: int, n_dropped: int) -> tuple[pd.DataFrame, CleaningResult]:
    data = pd.DataFrame({"RESPID": np.arange(n_analysed)})
    log = pd.DataFrame({"RESPID": [f"d{i}" for i in range(n_dropped)], "new_value": [DROPPED] * n_dropped,
                        "reason": ["age_out_of_range_dropped"] * n_dropped})
    return data, CleaningResult(data=data, log=log, counts={"age_out_of_range_dropped": n_dropped},
                                data_are_synthetic=True)


@pytest.mark.parametrize(("analysed", "dropped", "expected"), [
    (100, 0, PASS),   # every delivered respondent analysed
    (99, 1, PASS),    # 99% analysed: the edge of MIN_ANALYSED_SHARE
    (98, 2, FAIL),    # 100 delivered, but the cleaning dropped 2%
    (99, 0, FAIL),    # one respondent short of the published n
    (100, 1, FAIL),   # one respondent too many
])
def test_eu02_delivered_respondents_and_share_analysed(claims, analysed, dropped, expected) -> None:
    registry = with_cell(claims, "EU-02", "value", "100")
    data, cleaning = cleaning_of(analysed, dropped)
    check = eu.sample_size_check(data, cleaning, registry)
    assert check["status"] == expected, check["detail"]
    assert check["reproduced"] == analysed + dropped


def test_eu02_without_the_cleaning_result_fails(claims) -> None:
    assert eu.sample_size_check(pd.DataFrame({"RESPID": [1]}), None, claims)["status"] == FAIL


def countries(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"COUNTRY": [country for country, n in counts.items() for _ in range(n)]})


@pytest.mark.parametrize(("low", "high", "expected"), [
    (900, 1100, PASS),    # both edges of +-10% of "about 1000"
    (899, 1000, FAIL),    # just below
    (1000, 1101, FAIL),   # just above
])
def test_eu03_about_1000_per_country_at_the_edges_of_the_tolerance(claims, low, high, expected) -> None:
    counts = dict.fromkeys(CANONICAL_COUNTRIES, 1000) | {"Denmark": low, "France": high}
    check = eu.per_country_check(countries(counts), claims)
    assert check["status"] == expected, check["detail"]


def test_eu03_a_missing_or_an_extra_country_fails(claims) -> None:
    five = dict.fromkeys(CANONICAL_COUNTRIES, 1000)
    assert eu.per_country_check(countries(five), claims)["status"] == PASS
    assert eu.per_country_check(countries({**five, "Denmark": 0}), claims)["status"] == FAIL
    assert eu.per_country_check(countries({**five, "Austria": 1000}), claims)["status"] == FAIL
    # The countries come from the registry: a registry naming Austria instead of Denmark fails the same data.
    registry = with_cell(claims, "EU-03", "names", "Czech Republic; Austria; France; Germany; United Kingdom")
    assert eu.per_country_check(countries(five), registry)["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# EU-04, EU-05, EU-10, EU-16 (holds by construction, verified)
# ---------------------------------------------------------------------------------------------------------


SHARES = pd.Series({"Czech Republic": 0.1, "Denmark": 0.1, "France": 0.2, "Germany": 0.3, "United Kingdom": 0.3})


def weighted_by(shares: pd.Series) -> pd.DataFrame:
    """Two respondents per country whose cross-country weights sum to the country's share."""
    rows = [(country, share / 2) for country, share in shares.items() for _ in range(2)]
    return pd.DataFrame(rows, columns=["COUNTRY", "weight_five_country"])


def test_eu04_checks_the_shares_the_cleaning_step_used(claims) -> None:
    data = weighted_by(SHARES)
    estimates = pd.DataFrame({"weighting": ["weight_five_country"]})
    check = eu.weighting_check(data, estimates, None, population_shares=SHARES, source="other.csv")
    assert check["status"] == HOLDS_BY_CONSTRUCTION and "other.csv" in check["detail"]
    assert "helpers.eu.weights" in check["basis"]
    # The same weights against the project's default population file (other shares) fail.
    assert eu.weighting_check(data, estimates, None)["status"] == FAIL
    # Weights that miss a share by 1e-3, estimates with another weight, models with another weight: fail.
    off = SHARES.add(pd.Series({"Czech Republic": 1e-3, "Denmark": -1e-3}), fill_value=0.0)
    assert eu.weighting_check(weighted_by(off), estimates, None, population_shares=SHARES)["status"] == FAIL
    other = pd.DataFrame({"weighting": ["weight_country"]})
    assert eu.weighting_check(data, other, None, population_shares=SHARES)["status"] == FAIL
    assert eu.weighting_check(data, estimates, other, population_shares=SHARES)["status"] == FAIL
    assert eu.weighting_check(data.drop(columns="weight_five_country"), estimates, None,
                              population_shares=SHARES)["status"] == FAIL


def test_eu04_tolerance_is_tight() -> None:
    estimates = pd.DataFrame({"weighting": ["weight_five_country"]})
    near = SHARES.add(pd.Series({"Czech Republic": 5e-7, "Denmark": -5e-7}), fill_value=0.0)
    far = SHARES.add(pd.Series({"Czech Republic": 2e-6, "Denmark": -2e-6}), fill_value=0.0)
    assert eu.weighting_check(weighted_by(near), estimates, None, population_shares=SHARES)["status"] == \
        HOLDS_BY_CONSTRUCTION
    assert eu.weighting_check(weighted_by(far), estimates, None, population_shares=SHARES)["status"] == FAIL


def index_frame(sectors=SECTORS) -> pd.DataFrame:
    return pd.DataFrame({f"index_{sector}": [50.0, 60.0] for sector in sectors})


def test_eu05_every_sector_needs_an_index_and_an_estimate(claims) -> None:
    estimates = pd.DataFrame({"sector": list(SECTORS)})
    assert eu.sectors_check(index_frame(), estimates, claims)["status"] == HOLDS_BY_CONSTRUCTION
    assert eu.sectors_check(index_frame(SECTORS[:2]), estimates, claims)["status"] == FAIL
    assert eu.sectors_check(index_frame(), estimates.iloc[:2], claims)["status"] == FAIL
    empty = index_frame().assign(index_safety=np.nan)
    assert eu.sectors_check(empty, estimates, claims)["status"] == FAIL
    renamed = with_cell(claims, "EU-05", "value", "community safety; local environment; education")
    assert eu.sectors_check(index_frame(), estimates, renamed)["status"] == FAIL


def coefficient_rows(estimate: float = 2.0, p_value: float = 0.001, terms=CORRELATE_TERMS, **changes) -> pd.DataFrame:
    """Every correlate in every sector with one estimate, |t| = 3 and one p-value; ``changes`` maps
    (sector, term) to a dict of column values."""
    rows = []
    for sector in SECTORS:
        for term in terms:
            row = {"sector": sector, "term": term, "estimate": estimate, "se": 1.0, "ci_low": estimate - 2,
                   "ci_high": estimate + 2, "statistic": 3.0, "p_value": p_value, "weighting": "weight_five_country"}
            row.update(changes.get(f"{sector}:{term}", {}))
            rows.append(row)
    return pd.DataFrame(rows)


def test_eu16_every_listed_correlate_in_every_model(claims) -> None:
    assert eu.correlates_present_check(coefficient_rows(), claims)["status"] == HOLDS_BY_CONSTRUCTION
    without = coefficient_rows().query("not (sector == 'health' and term == 'urban')")
    assert eu.correlates_present_check(without, claims)["status"] == FAIL
    assert ("urban or non-urban: urban (vs non-urban), but missing in health"
            in eu.correlates_present_check(without, claims)["reproduced"])
    dropped = coefficient_rows().query("not term.str.startswith('educ_')")  # a formula without education
    check = eu.correlates_present_check(dropped, claims)
    assert check["status"] == FAIL and "education: not in the models" in check["reproduced"]
    assert "age: age (per decade)" in check["reproduced"]  # the others are still named, in words
    not_estimable = coefficient_rows(**{"safety:efficacy": {"se": np.nan}})
    assert eu.correlates_present_check(not_estimable, claims)["status"] == FAIL
    unknown = with_cell(claims, "EU-16", "value", "age; gender; income")
    assert eu.correlates_present_check(coefficient_rows(), unknown)["status"] == FAIL


def test_eu10_only_activities_and_the_index_in_the_data() -> None:
    data = pd.DataFrame({"ENV_RECYCLE": [1, 4], "ENV_SAVE_ENERGY": [2, 4], "ENV_WILLING": [1, 2]})
    data["index_environment"] = [100 / 6, 100.0]  # mean of (1, 2) and (4, 4), rescaled to 0-100
    data["index_health"] = np.nan
    data["index_safety"] = np.nan
    items = {"environment": ["ENV_RECYCLE", "ENV_SAVE_ENERGY"], "health": ["HEA_EXERCISE"],
             "safety": ["SAF_INTERVENE"]}
    data["HEA_EXERCISE"] = pd.array([pd.NA, pd.NA], dtype="Int64")
    data["SAF_INTERVENE"] = pd.array([pd.NA, pd.NA], dtype="Int64")
    assert eu.definition_check(data, items)["status"] == HOLDS_BY_CONSTRUCTION
    assert eu.definition_check(data.assign(index_environment=[20.0, 100.0]), items)["status"] == FAIL
    attitude = {**items, "environment": ["ENV_RECYCLE", "ENV_WILLING"]}
    assert eu.definition_check(data, attitude)["status"] == FAIL
    assert eu.definition_check(data.drop(columns="index_health"), items)["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# EU-09 (test): every difference significant at alpha, not at any threshold
# ---------------------------------------------------------------------------------------------------------


def sector_tests(omnibus: float = 0.04, pairs: float = 0.04) -> pd.DataFrame:
    rows = [{"analysis": name, "p_value": omnibus, "p_adjusted": np.nan, "comparison": "all", "estimate": 1.0,
             "ci_low": 0.5, "ci_high": 1.5} for name in ("rm_anova", "friedman")]
    rows += [{"analysis": name, "p_value": pairs / 3, "p_adjusted": pairs, "comparison": f"pair {i}",
              "estimate": 1.0, "ci_low": 0.5, "ci_high": 1.5}
             for name in ("paired_t", "weighted_paired_difference") for i in range(3)]
    return pd.DataFrame(rows)


def country_tests(p: float = 0.04, sectors=SECTORS) -> pd.DataFrame:
    return pd.DataFrame([{"analysis": "design_wald_f", "sector": sector, "p_value": p, "df1": 4, "df2": 900,
                          "statistic": 3.0} for sector in sectors])


@pytest.mark.parametrize(("omnibus", "pairs", "country", "alpha", "expected"), [
    (0.04, 0.04, 0.04, 0.05, PASS),
    (0.06, 0.04, 0.04, 0.05, FAIL),   # an omnibus test not significant
    (0.04, 0.06, 0.04, 0.05, FAIL),   # a pair not significant after Holm
    (0.04, 0.04, 0.06, 0.05, FAIL),   # countries not significant in a sector
    (0.04, 0.04, 0.04, 0.01, FAIL),   # the threshold is alpha, not a fixed 5%
    (0.009, 0.009, 0.009, 0.01, PASS),
])
def test_eu09_significance_threshold(omnibus, pairs, country, alpha, expected) -> None:
    check = eu.sector_country_differences_check(sector_tests(omnibus, pairs), country_tests(country), alpha)
    assert check["status"] == expected, check["detail"]


def test_eu09_needs_every_sector_and_some_tests() -> None:
    assert eu.sector_country_differences_check(sector_tests(), country_tests(sectors=SECTORS[:2]),
                                               ALPHA)["status"] == FAIL
    assert eu.sector_country_differences_check(sector_tests().iloc[2:], country_tests(), ALPHA)["status"] == FAIL
    assert eu.sector_country_differences_check(sector_tests().iloc[:2], country_tests(), ALPHA)["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# EU-11 to EU-15 (tests): sign, qualifier and sectors required come from the registry
# ---------------------------------------------------------------------------------------------------------


def term_in(sectors, term: str, **values) -> dict[str, dict]:
    return {f"{sector}:{term}": dict(values) for sector in sectors}


def test_direction_rules_are_read_from_the_registry(claims) -> None:
    rule = eu.direction_rule(claims, "EU-11")
    assert (rule["terms"], rule["sign"], rule["min_sectors"], rule["qualifier"]) == (("female",), 1, 2, "generally")
    assert eu.direction_rule(claims, "EU-14")["sign"] == -1
    assert eu.direction_rule(claims, "EU-13")["largest"] and eu.direction_rule(claims, "EU-14")["all_signs"]
    assert eu.direction_rule(claims, "EU-15")["terms"] == ("informed", "consulted")
    with pytest.raises(ValueError, match="qualifier"):
        eu.direction_rule(with_cell(claims, "EU-11", "qualifier", "usually"), "EU-11")


def test_eu11_generally_needs_two_sectors_and_none_against(claims) -> None:
    rule = eu.direction_rule(claims, "EU-11")
    two = coefficient_rows(**term_in(SECTORS[:1], "female", p_value=0.2))
    assert eu.direction_check(two, rule, ALPHA)["status"] == PASS
    one = coefficient_rows(**term_in(SECTORS[:2], "female", p_value=0.2))
    assert eu.direction_check(one, rule, ALPHA)["status"] == FAIL
    against = coefficient_rows(**term_in(SECTORS[:1], "female", estimate=-2.0, statistic=-3.0))
    assert eu.direction_check(against, rule, ALPHA)["status"] == FAIL
    reversed_sign = coefficient_rows(**term_in(SECTORS, "female", estimate=-2.0, statistic=-3.0))
    assert eu.direction_check(reversed_sign, rule, ALPHA)["status"] == FAIL
    # The registry decides: the same estimates fail when it says "-", pass with 1 sector required.
    minus = eu.direction_rule(with_cell(claims, "EU-11", "direction", "-"), "EU-11")
    assert eu.direction_check(coefficient_rows(), minus, ALPHA)["status"] == FAIL
    assert eu.direction_check(reversed_sign, minus, ALPHA)["status"] == PASS
    one_required = eu.direction_rule(with_cell(claims, "EU-11", "sectors_required", "1"), "EU-11")
    assert eu.direction_check(one, one_required, ALPHA)["status"] == PASS


def test_direction_threshold_is_alpha(claims) -> None:
    rule = eu.direction_rule(claims, "EU-12")
    at = coefficient_rows(p_value=0.03)
    assert eu.direction_check(at, rule, 0.05)["status"] == PASS
    assert eu.direction_check(at, rule, 0.01)["status"] == FAIL
    assert eu.direction_check(coefficient_rows(p_value=0.05), rule, 0.05)["status"] == FAIL


def test_eu13_in_every_sector_and_the_strongest(claims) -> None:
    rule = eu.direction_rule(claims, "EU-13")
    strong = term_in(SECTORS, "efficacy", statistic=5.0)
    assert eu.direction_check(coefficient_rows(**strong), rule, ALPHA)["status"] == PASS
    not_first = coefficient_rows(**{**strong, "health:urban": {"statistic": -6.0}})
    assert eu.direction_check(not_first, rule, ALPHA)["status"] == FAIL
    two_sectors = coefficient_rows(**{**strong, "safety:efficacy": {"statistic": 5.0, "p_value": 0.2}})
    assert eu.direction_check(two_sectors, rule, ALPHA)["status"] == FAIL


def test_eu14_somewhat_every_estimate_with_the_sign(claims) -> None:
    rule = eu.direction_rule(claims, "EU-14")
    weak = term_in(SECTORS, "outcome", estimate=-1.0, statistic=-3.0, p_value=0.2)
    once = {"estimate": -1.0, "statistic": -3.0, "p_value": 0.01}
    assert eu.direction_check(coefficient_rows(**{**weak, "health:outcome": once}), rule, ALPHA)["status"] == PASS
    one_positive = coefficient_rows(**{**weak, "health:outcome": once,
                                       "safety:outcome": {"estimate": 0.5, "statistic": 0.5, "p_value": 0.6}})
    assert eu.direction_check(one_positive, rule, ALPHA)["status"] == FAIL
    assert eu.direction_check(coefficient_rows(**weak), rule, ALPHA)["status"] == FAIL


def test_eu15_some_evidence_from_either_term(claims) -> None:
    rule = eu.direction_rule(claims, "EU-15")
    neither = coefficient_rows(**term_in(SECTORS, "informed", p_value=0.3), **term_in(SECTORS, "consulted", p_value=0.3))
    assert eu.direction_check(neither, rule, ALPHA)["status"] == FAIL
    consulted_once = coefficient_rows(**term_in(SECTORS, "informed", p_value=0.3),
                                      **term_in(SECTORS[1:], "consulted", p_value=0.3))
    assert eu.direction_check(consulted_once, rule, ALPHA)["status"] == PASS
    assert eu.direction_check(coefficient_rows().query("term != 'informed' and term != 'consulted'"), rule,
                              ALPHA)["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# EU-17 (test): interactions, with Holm over every EU-17 test at once
# ---------------------------------------------------------------------------------------------------------


def heterogeneity(sector_p: float = 0.5, country_p: float = 0.5, levels_p: float = 1e-30, **small) -> pd.DataFrame:
    """14 sector tests and 18 country tests (+ the country_by_sector row); ``small`` maps 'family:term:sector'
    to a p-value."""
    rows = [{"family": "sector", "sector": "all", "term": term, "p_value": sector_p} for term in CORRELATE_TERMS]
    rows += [{"family": "country", "sector": sector, "term": term, "p_value": country_p}
             for sector in SECTORS for term in ("female", "age_decades", "efficacy", "outcome", "informed",
                                                "consulted")]
    rows.append({"family": "country_by_sector", "sector": "all", "term": "country", "p_value": levels_p})
    table = pd.DataFrame(rows).assign(statistic=2.0, df1=2.0, df2=900.0, n=1000, weighting="w")
    for key, p in small.items():
        family, term, sector = key.split(":")
        table.loc[(table["family"] == family) & (table["term"] == term) & (table["sector"] == sector), "p_value"] = p
    table["p_holm"] = table["p_value"]
    return table


def test_eu17_needs_an_interaction_not_only_country_levels() -> None:
    both = heterogeneity(**{"sector:urban:all": 1e-4, "country:informed:safety": 1e-4})
    assert eu.heterogeneity_check(both, ALPHA)["status"] == PASS
    # The old proxy alone (country differences that differ between sectors, p = 1e-30) is not enough.
    assert eu.heterogeneity_check(heterogeneity(**{"sector:urban:all": 1e-4}), ALPHA)["status"] == FAIL
    assert eu.heterogeneity_check(heterogeneity(**{"country:informed:safety": 1e-4}), ALPHA)["status"] == FAIL


def test_eu17_holm_over_all_32_tests_is_applied() -> None:
    # p = 0.01 is significant alone, not after Holm over 32 tests (0.01 x 32 = 0.32).
    alone = heterogeneity(**{"sector:urban:all": 0.01, "country:informed:safety": 0.01})
    check = eu.heterogeneity_check(alone, ALPHA)
    assert check["status"] == FAIL and "32 EU-17 tests" in check["basis"]
    # 0.0015 x 32 = 0.048 and 0.0015 x 31 = 0.0465: both survive.
    edge = heterogeneity(**{"sector:urban:all": 0.0015, "country:informed:safety": 0.0015})
    assert eu.heterogeneity_check(edge, ALPHA)["status"] == PASS
    over = heterogeneity(**{"sector:urban:all": 0.0016, "country:informed:safety": 0.0016})
    assert eu.heterogeneity_check(over, ALPHA)["status"] == FAIL


def test_eu17_holm_is_the_textbook_holm() -> None:
    rng = np.random.default_rng(3)
    table = heterogeneity().assign(p_value=rng.uniform(0, 0.2, 33))
    rule = table["family"].isin(EU17_FAMILIES)
    expected = multipletests(table.loc[rule, "p_value"], method="holm")[1]
    assert eu17_holm(table)[rule].to_numpy() == pytest.approx(expected)
    assert eu17_holm(table)[~rule].isna().all()


def test_holm_matches_statsmodels() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.001, np.nan])
    expected = multipletests(p[:5], method="holm")[1]
    assert holm(p)[:5] == pytest.approx(expected)
    assert np.isnan(holm(p)[5])


def test_weighted_sector_pairs_are_holm_corrected() -> None:
    rng = np.random.default_rng(11)
    n = 60
    frame = pd.DataFrame({
        "RESPID": np.arange(n), "COUNTRY": np.repeat(["Denmark", "France"], n // 2),
        "index_environment": rng.normal(52, 10, n), "index_health": rng.normal(50, 10, n),
        "index_safety": rng.normal(49, 10, n), "weight_five_country": rng.uniform(0.5, 2.0, n),
    })
    table = sector_differences(frame)
    for analysis in ("weighted_paired_difference", "paired_t"):
        rows = table.loc[table["analysis"] == analysis]
        expected = multipletests(rows["p_value"], method="holm")[1]
        assert rows["p_adjusted"].to_numpy() == pytest.approx(expected), analysis
        assert (rows["p_adjusted"] > rows["p_value"]).any(), analysis


# ---------------------------------------------------------------------------------------------------------
# OECD: the definition (OECD-03) recounted, design facts verified, OECD-13 not checkable
# ---------------------------------------------------------------------------------------------------------


def long_answers(rows: list[tuple[str, str, str]], country: str = "Canada", area: str = "01") -> pd.DataFrame:
    """Cleaned answers: (respondent, item, response) rows for one country and area."""
    return pd.DataFrame({
        "respondent_id": [r[0] for r in rows], "country": country, "country_code": "CAN", "membership": "oecd",
        "cofog_code": area, "item_id": [r[1] for r in rows],
        "response": pd.Categorical([r[2] for r in rows], categories=oecd_codebook.RESPONSE_CATEGORIES),
    })


def test_oecd03_recount_by_hand() -> None:
    answers = long_answers([("R1", "reason_reduce_costs", "yes"), ("R2", "reason_reduce_costs", "no"),
                            ("R3", "reason_reduce_costs", "dont_know"), ("R4", "reason_reduce_costs", "not_answered"),
                            ("R1", "barrier_resources", "yes")])
    recount = oecd.recounted_percentages(answers).set_index("item_id")
    assert recount.loc["reason_reduce_costs", "n_yes"] == 1 and recount.loc["reason_reduce_costs", "n_responses"] == 3
    assert recount.loc["reason_reduce_costs", "percent"] == pytest.approx(100 / 3)
    assert recount.loc["barrier_resources", "percent"] == 100.0


@pytest.mark.parametrize(("base", "expected"), [("responses", PASS), ("all_cells", FAIL),
                                                ("excluding_dont_know", FAIL)])
def test_oecd03_fails_when_the_estimates_use_another_base(claims, base, expected) -> None:
    answers = long_answers([("R1", "reason_reduce_costs", "yes"), ("R2", "reason_reduce_costs", "no"),
                            ("R3", "reason_reduce_costs", "dont_know"), ("R4", "reason_reduce_costs", "not_answered")])
    estimates = percent_affirmative(answers, claims, base=base)
    check = oecd.definition_check(answers, estimates, claims)
    assert check["status"] == expected, check["detail"]


def test_oecd03_fails_when_an_estimate_is_off(claims) -> None:
    answers = long_answers([("R1", "reason_reduce_costs", "yes"), ("R2", "reason_reduce_costs", "no")])
    estimates = pd.DataFrame({"item_id": ["reason_reduce_costs"], "estimate": [50.0]})
    assert oecd.definition_check(answers, estimates, claims)["status"] == PASS
    assert oecd.definition_check(answers, estimates.assign(estimate=50.001), claims)["status"] == FAIL
    # The estimates file keeps 10 significant digits: 5e-7 points off is storage, 2e-6 is not.
    assert oecd.definition_check(answers, estimates.assign(estimate=50 + 5e-7), claims)["status"] == PASS
    assert oecd.definition_check(answers, estimates.assign(estimate=50 + 2e-6), claims)["status"] == FAIL
    assert oecd.definition_check(answers, estimates.iloc[0:0], claims)["status"] == FAIL
    nobody = long_answers([("R1", "reason_reduce_costs", "not_answered")])
    assert oecd.definition_check(nobody, estimates.assign(estimate=np.nan), claims)["status"] == FAIL


@pytest.fixture(scope="module")
def oecd_long() -> pd.DataFrame:
    from helpers.oecd.clean import clean_vendor_file

    return clean_vendor_file().long


def test_oecd_design_facts_hold_by_construction_until_something_is_missing(oecd_long, claims) -> None:
    checks = oecd.design_checks(oecd_long, claims)
    assert [checks[c]["status"] for c in ("OECD-01", "OECD-02", "OECD-15")] == [HOLDS_BY_CONSTRUCTION] * 3
    assert checks["OECD-13"]["status"] == NOT_CHECKABLE and "do not measure" in checks["OECD-13"]["basis"]
    without_egypt = oecd_long.loc[oecd_long["country"] != "Egypt"]
    assert oecd.design_checks(without_egypt, claims)["OECD-02"]["status"] == FAIL
    member = oecd_long.loc[oecd_long["membership"] == "oecd", "country"].iloc[0]
    assert oecd.design_checks(oecd_long.loc[oecd_long["country"] != member], claims)["OECD-01"]["status"] == FAIL
    without_defence = oecd_long.loc[oecd_long["cofog_code"] != "02"]
    assert oecd.design_checks(without_defence, claims)["OECD-15"]["status"] == FAIL
    other_names = with_cell(claims, "OECD-02", "names", "Brazil; Egypt; India; Ukraine")
    assert oecd.design_checks(oecd_long, other_names)["OECD-02"]["status"] == FAIL


def test_oecd14_majority_is_strict(claims) -> None:
    def members(yes: int, total: int) -> pd.DataFrame:
        frames = [long_answers([(f"R{i}", oecd_codebook.EXPERIENCE_ITEM, "yes" if i < yes else "no")],
                               country=f"Country {i}") for i in range(total)]
        return pd.concat(frames, ignore_index=True)

    assert oecd.design_checks(members(3, 4), claims)["OECD-14"]["status"] == PASS
    assert oecd.design_checks(members(2, 4), claims)["OECD-14"]["status"] == FAIL


# ---------------------------------------------------------------------------------------------------------
# Values: the rounding rule is the test, the interval is shown with its level
# ---------------------------------------------------------------------------------------------------------


def test_value_check_shows_the_actual_level_and_never_tests_the_interval() -> None:
    check = check_value_claim(41.6, 30.0, 40.0, "42", level=0.9)
    assert check["status"] == PASS and check["ci_covers_published"] is False
    assert "90% interval [30.00, 40.00] does not contain" in check["detail"] and "95%" not in check["detail"]
    assert check_value_claim(41.4, 40.0, 44.0, "42", level=0.95)["status"] == FAIL
    assert "level not recorded" in check_value_claim(42.0, 40.0, 44.0, "42")["detail"]


def test_scorecard_rows_need_a_basis_and_carry_the_built_in_note(claims) -> None:
    with pytest.raises(ValueError, match="needs a basis"):
        scorecard_frame(claims, {"OECD-13": {"status": NOT_CHECKABLE, "detail": "x"}})
    frame = scorecard_frame(claims, {"OECD-04": check_value_claim(60.0, 57, 63, "60", level=0.95),
                                     "OECD-05": check_value_claim(23.0, 20, 26, "23", level=0.95)},
                            built_in={"OECD-04": "calibrated"})
    assert frame.loc[0, "built_in"].startswith("built into the synthetic data") and "calibrated" in frame.loc[0, "built_in"]
    assert frame.loc[1, "built_in"] == "" and frame.loc[0, "ci_level"] == 0.95


def test_registry_schema_guards_the_new_columns(tmp_path) -> None:
    from helpers.data.claims import ClaimsRegistryError

    text = read_claims_text()
    text.loc[text["claim_id"] == "EU-11", "direction"] = "up"
    text.loc[text["claim_id"] == "EU-12", "sectors_required"] = "two"
    text.loc[text["claim_id"] == "EU-13", "qualifier"] = ""
    bad = tmp_path / "claims.csv"
    text.to_csv(bad, index=False)
    with pytest.raises(ClaimsRegistryError) as caught:
        load_claims(bad)
    message = str(caught.value)
    assert "direction" in message and "sectors_required" in message and "qualifier" in message


# ---------------------------------------------------------------------------------------------------------
# Edges that mutation testing found untested
# ---------------------------------------------------------------------------------------------------------


def test_eu04_shares_are_shares_whatever_the_weights_sum_to() -> None:
    estimates = pd.DataFrame({"weighting": ["weight_five_country"]})
    scaled = weighted_by(SHARES).assign(weight_five_country=lambda frame: frame["weight_five_country"] * 4951)
    check = eu.weighting_check(scaled, estimates, None, population_shares=SHARES)
    assert check["status"] == HOLDS_BY_CONSTRUCTION
    assert check["reproduced"].startswith("Czech Republic 0.1000; Denmark 0.1000; France 0.2000")
    without_denmark = scaled.loc[scaled["COUNTRY"] != "Denmark"]
    check = eu.weighting_check(without_denmark, estimates, None, population_shares=SHARES)
    assert check["status"] == FAIL and "Denmark nan" in check["reproduced"]


def test_delivered_respondents_count_people_not_records(claims) -> None:
    data = pd.DataFrame({"RESPID": [1, 2, 3]})
    log = pd.DataFrame({
        "RESPID": ["7", "7", "", "", "9", "8"],
        "new_value": [DROPPED, DROPPED, DROPPED, DROPPED, DROPPED, "x"],
        "reason": ["age_out_of_range_dropped", "age_out_of_range_dropped", "conflicting_duplicate_dropped",
                   "conflicting_duplicate_dropped", "exact_duplicate_dropped", "whitespace_stripped"],
    })
    cleaning = CleaningResult(data=data, log=log, counts={"exact_duplicate_dropped": 4}, data_are_synthetic=False)
    # id 7 twice is one respondent; two records without an id are two; the exact copy of 9 and the changed
    # cell of 8 are no dropped respondents.
    assert eu.delivered_respondents(data, cleaning) == {"analysed": 3, "dropped": 3, "delivered": 6,
                                                        "duplicate_copies": 4}
    check = eu.sample_size_check(data, cleaning, with_cell(claims, "EU-02", "value", "6"))
    assert check["reproduced"] == 6 and "4 exact duplicate copies" in check["detail"]


def test_eu01_one_interview_and_an_unreadable_date(claims) -> None:
    assert eu.fieldwork_check(pd.DataFrame({"INTDATE": ["2008-04-30"]}), claims)["status"] == HOLDS_BY_CONSTRUCTION
    check = eu.fieldwork_check(pd.DataFrame({"INTDATE": ["2008-04-30", "not a date"]}), claims)
    assert check["status"] == FAIL and "1 of 2 interviews" in check["detail"]
    none = eu.fieldwork_check(pd.DataFrame({"INTDATE": ["not a date"]}), claims)
    assert none["status"] == FAIL and none["reproduced"] == "no dates"


def test_count_text_needs_one_flag_per_row() -> None:
    from helpers.data.status import count_text

    with pytest.raises(ValueError):
        count_text([PASS, PASS], [True])


def test_value_check_edges_of_precision_and_interval() -> None:
    # One decimal printed: 41.9 is not 42.0, 41.95 is.
    assert check_value_claim(41.94, 40.0, 44.0, "42.0")["status"] == FAIL
    assert check_value_claim(41.95, 40.0, 44.0, "42.0")["status"] == PASS
    assert check_value_claim(41.6, 40.0, 44.0, "42", digits=1)["status"] == FAIL  # digits given wins
    # The interval's ends count as covering the published value.
    assert check_value_claim(42.0, 42.0, 44.0, "42")["ci_covers_published"] is True
    assert check_value_claim(42.0, 40.0, 42.0, "42")["ci_covers_published"] is True
    assert check_value_claim(42.0, 42.01, 44.0, "42")["ci_covers_published"] is False


def test_rank_check_names_a_missing_item_and_orders_ties_by_name() -> None:
    from helpers.data.checks import check_rank_claim

    with pytest.raises(KeyError, match=r"item 'z' is not among the ranked estimates \['a', 'b'\]"):
        check_rank_claim({"a": 1.0, "b": 2.0}, "z", 1)
    detail = check_rank_claim({"b": 80.0, "a": 80.0, "c": 90.0}, "a", 2)["detail"]
    assert "order: c 90.000, a 80.000, b 80.000; tied with b" in detail
