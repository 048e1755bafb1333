"""The paragraphs under each table and figure (helpers.eu.narrative, helpers.oecd.narrative) say what hand-made
tables hold: which row is highest, by how much, with what interval, p-values as '< 0.001'; the synthetic-data
sentence exactly when the data are synthetic; the study's description read from the claims registry, not typed.

The rendered paragraphs of a pipeline run are compared with the tables that run wrote in tests/test_notebooks.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.data.claims import load_claims
from helpers.eu import narrative as eu
from helpers.eu.sensitivity import MAIN_INDEX_ITEMS, compare_with_main, variant_table
from helpers.oecd import narrative as oecd
from helpers.report.paragraph import SYNTHETIC_SENTENCE, Paragraph, p_value_text
from helpers.stats.survey import SurveyDesign


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


def sector_table() -> pd.DataFrame:
    return pd.DataFrame({
        "sector": ["environment", "health", "safety"], "estimate": [58.04, 61.26, 40.0],
        "ci_low": [57.0, 60.14, 39.2], "ci_high": [59.11, 62.3, 40.8], "claim_id": ["EU-06", "EU-07", "EU-08"],
        "published": [61.0, 52.0, 45.0], "confidence_level": [0.9] * 3,
    })


def test_the_index_paragraph_names_the_highest_sector_its_lead_and_intervals() -> None:
    text = str(eu.index_by_sector_text(sector_table(), synthetic=False))
    assert text.startswith("Citizens co-produce most in public health and least in community safety:")
    assert "public health 61.3 (90% interval 60.1 to 62.3)" in text
    assert "the local environment 58.0 (90% interval 57.0 to 59.1)" in text
    assert "The highest index is 21.3 points above the lowest." in text  # 61.26 - 40.0
    assert "public health 61.3 against 52 (EU-07)" in text
    assert SYNTHETIC_SENTENCE not in text
    assert str(eu.index_by_sector_text(sector_table(), synthetic=True)).endswith(SYNTHETIC_SENTENCE)


def test_the_country_paragraph_names_the_lowest_and_highest_country() -> None:
    table = pd.DataFrame({"sector": ["safety"] * 3, "country": ["Denmark", "France", "Germany"],
                          "estimate": [48.0, 39.14, 46.3], "ci_low": [46.8, 37.8, 45.0],
                          "ci_high": [49.2, 40.45, 47.5], "confidence_level": [0.95] * 3})
    text = str(eu.index_by_country_text(table, synthetic=True))
    assert ("In community safety the index ranges from 39.1 in France (37.8 to 40.5) to 48.0 in Denmark "
            "(46.8 to 49.2), 8.9 points apart.") in text
    assert "95% intervals" in text and text.endswith(SYNTHETIC_SENTENCE)


def test_p_values_are_never_zero() -> None:
    assert p_value_text(0.0) == "p < 0.001"
    assert p_value_text(0.0004) == "p < 0.001"
    assert p_value_text(0.0123) == "p = 0.012"
    assert p_value_text(float("nan")) == "p not available"


def test_the_sector_tests_paragraph() -> None:
    tests = pd.DataFrame([
        {"analysis": "rm_anova", "comparison": "environment = health = safety", "statistic": 956.72, "df1": 2.0,
         "df2": 9848.0, "p_value": 0.0, "p_adjusted": float("nan"), "effect_size": 0.1023, "estimate": float("nan"),
         "ci_low": float("nan"), "ci_high": float("nan"), "n": 4925},
        {"analysis": "weighted_paired_difference", "comparison": "environment - health", "statistic": 19.6, "df1": 4925,
         "df2": float("nan"), "p_value": 1e-20, "p_adjusted": 3e-20, "effect_size": float("nan"), "estimate": 8.96,
         "ci_low": 8.07, "ci_high": 9.86, "n": 4930},
        {"analysis": "weighted_paired_difference", "comparison": "health - safety", "statistic": 1.2, "df1": 4925,
         "df2": float("nan"), "p_value": 0.2, "p_adjusted": 0.4, "effect_size": float("nan"), "estimate": -0.4,
         "ci_low": -1.1, "ci_high": 0.3, "n": 4930},
    ])
    text = str(eu.sector_tests_text(tests, alpha=0.05, synthetic=False))
    assert "repeated-measures ANOVA F(2, 9848) = 956.7, p < 0.001, generalised eta squared 0.102 (n = 4,925)" in text
    assert "environment minus health +9.0 points (8.1 to 9.9)" in text
    assert "health minus safety -0.4 points (-1.1 to 0.3)" in text
    assert "1 of 2 are significant at 0.05 after Holm adjustment" in text
    assert "Within respondents the three indices differ:" in text
    assert "Design-based paired differences (the weight of the run)" in text  # no weighting column here
    not_different = tests.assign(p_value=[0.67, 0.5, 0.6], p_adjusted=[float("nan"), 0.9, 0.9],
                                 weighting=["unweighted", "unweighted", "unweighted"])
    text = str(eu.sector_tests_text(not_different, alpha=0.05, synthetic=False))
    assert "the three indices do not differ significantly at 0.05: repeated-measures ANOVA" in text
    assert "Design-based paired differences (no weights)" in text and "0 of 2 are significant" in text


@pytest.mark.parametrize(("differences", "d", "expected"), [
    ([3.5, 5.4], [0.25, 0.41], "women's index is higher than men's by 3.5 to 5.4 points (Cohen's d 0.25 to 0.41, "
                               "small effects)"),
    ([-3.2, -1.0], [-0.9, -0.1], "women's index is lower than men's by 1.0 to 3.2 points (Cohen's d -0.90 to "
                                 "-0.10, negligible to large effects)"),
    ([-1.0, 2.0], [-0.05, 0.6], "between -1.0 and +2.0 points from men's (higher in some sectors, lower in others) "
                                "(Cohen's d -0.05 to 0.60, negligible to medium effects)"),
])
def test_the_effect_sizes_paragraph_reads_direction_and_size_from_the_numbers(
        differences: list[float], d: list[float], expected: str) -> None:
    table = pd.DataFrame({"analysis": ["ttest_women_vs_men"] * 2, "estimate": differences, "effect_size": d})
    rho = pd.DataFrame({"analysis": ["spearman_index_efficacy"] * 2, "estimate": [float("nan")] * 2,
                        "effect_size": [-0.3, -0.1]})
    text = str(eu.effect_sizes_text(pd.concat([table, rho]), synthetic=False))
    assert expected in text
    assert "The index falls with self-efficacy: Spearman's rho -0.30 to -0.10." in text


def test_the_country_tests_and_correlates_paragraphs() -> None:
    countries = pd.DataFrame([{"analysis": "design_wald_f", "sector": "health", "statistic": 25.71, "df1": 4.0,
                               "df2": 4925.0, "p_value": 0.02, "estimate": 8.53},
                              {"analysis": "welch_anova", "sector": "health", "statistic": 26.7, "df1": 4.0,
                               "df2": 2462.0, "p_value": 0.0, "estimate": float("nan")}])
    text = str(eu.country_tests_text(countries, alpha=0.01, synthetic=False))
    assert "public health F(4, 4925) = 25.7, p = 0.020, the country means 8.5 points apart" in text
    assert "0 of 1 sectors show country differences significant at 0.01" in text
    coefficients = pd.DataFrame([
        {"sector": sector, "term": term, "term_group": "correlate", "estimate": estimate, "statistic": t,
         "p_value": p, "n": n, "confidence_level": 0.95}
        for sector, n, rows in (("environment", 3961, [("female", 3.5, 5.0, 1e-6), ("efficacy", 6.2, 17.0, 0.0)]),
                                ("health", 3941, [("female", 5.4, 7.2, 0.0), ("efficacy", 5.2, 13.5, 0.0)]))
        for term, estimate, t, p in rows
    ])
    text = str(eu.coefficients_text(coefficients, alpha=0.05, synthetic=False))
    assert "Women (vs men): +3.5 to +5.4 points" in text and "Self-efficacy (1-4): +5.2 to +6.2 points" in text
    assert "self-efficacy (1-4) in every sector (t = 17.0, 13.5)" in text
    assert "3,961 in the local environment and 3,941 in public health" in text


def test_the_sensitivity_paragraph_says_why_an_alternative_equals_the_main_result() -> None:
    def index(values: list[float]) -> pd.DataFrame:
        return pd.DataFrame({"sector": ["environment", "health", "safety"], "estimate": values,
                             "ci_low": [v - 1 for v in values], "ci_high": [v + 1 for v in values],
                             "published": [61.0, 52.0, 45.0]})
    table = variant_table({
        "population": index([61.0, 52.0, 45.0]),
        "unweighted": index([62.09, 52.0, 45.7]),
        "item_set": index([61.0, 43.05, 45.0]).assign(index_items=[MAIN_INDEX_ITEMS, "HEA_EXERCISE",
                                                                   "SAF_INTERVENE, SAF_SECURE_HOME, SAF_REPORT_POLICE"]),
    })
    comparison = compare_with_main(table)
    why = comparison.set_index(["variant", "sector"])["why_equal"]
    assert why[("item_set", "environment")].startswith("its items are the main index's own")
    assert why[("item_set", "safety")].startswith("its items are the main index's own")  # the codebook's three
    assert why[("unweighted", "health")] == "equal at two decimals in these data (not by construction)"
    assert why[("item_set", "health")] == "" and why[("population", "health")] == ""
    text = str(eu.sensitivity_text(comparison, synthetic=True))
    assert "No weights: the index moves by at most +1.09 points (the local environment)." in text
    assert "Index from another item set: the index moves by at most -8.95 points (public health)." in text
    assert "For the local environment, the index from another item set equals the main result: its items" in text


def test_the_design_paragraph_follows_the_declared_design() -> None:
    five = SurveyDesign(weight="weight_five_country", strata="COUNTRY", psu="RESPID").with_equal_stratum_totals()
    text = str(eu.design_text(five, SurveyDesign(strata="COUNTRY", psu="RESPID")))
    assert ("the five-country weight (each country's population share) (column `weight_five_country`) rescaled to "
            "equal country totals") in text
    assert "country figures use no weight (every respondent counts once)" in text
    assert "Strata: the five countries (column `COUNTRY`); primary sampling units: the respondents" in text


def test_the_cleaning_paragraph_names_the_changes_in_words() -> None:
    text = str(eu.cleaning_text(5000, 4951, {"dont_know_to_missing": 3556, "exact_duplicate_dropped": 20,
                                             "whitespace_stripped": 0}))
    assert "Of the 5,000 records delivered, 4,951 are kept for the analysis (49 dropped)." in text
    assert "dont know" not in text and "(3,556)" in text and "exact duplicate record dropped (20)" in text


def test_the_study_is_described_from_the_claims_registry(claims: pd.DataFrame) -> None:
    text = str(eu.survey_overview(claims))
    assert "Telephone survey from 16 April to 5 May 2008" in text and "4951 respondents" in text
    assert "61 for the local environment (EU-06)" in text
    changed = claims.copy()
    changed.loc[changed["claim_id"] == "EU-06", "value"] = "66"
    assert "66 for the local environment (EU-06)" in str(eu.survey_overview(changed))  # read, never typed
    table = eu.published_numbers(claims)
    assert list(table["claim"]) == [f"EU-{n:02d}" for n in range(1, 18)]
    assert table.set_index("claim").loc["EU-07", "published"] == "52"
    assert table.set_index("claim").loc["EU-11", "source"] == "Parrado et al. (2013), abstract"
    activities = eu.activity_table()
    assert len(activities) == 9 and {"ENV_RECYCLE", "SAF_REPORT_POLICE"} <= set(activities["code"])
    oecd_text = str(oecd.survey_overview(claims))
    assert "20 OECD member countries" in oecd_text and "Brazil, Egypt, the Russian Federation and Ukraine" in oecd_text
    items = oecd.item_table_for_readers(claims).set_index("claim")
    assert items.loc["OECD-06", "published"] == "42%" and items.loc["OECD-10", "published"] == "rank 1 (no value)"


def test_the_oecd_figure_paragraph_and_rank_only_items() -> None:
    estimates = pd.DataFrame({
        "figure": ["50.3"] * 3, "label": ["Leadership", "Willingness", "Accountability"],
        "estimate": [84.04, 78.0, 73.0], "ci_low": [81.3, 75.0, 69.9], "ci_high": [86.4, 80.8, 75.9],
        "published_value": [float("nan"), float("nan"), 73.0], "published_rank": pd.array([1, 2, pd.NA], dtype="Int64"),
        "confidence_level": [0.95] * 3,
    })
    text = str(oecd.figure_text(estimates, "50.3", synthetic=True))
    assert text.startswith('In Figure 50.3 the most frequent answer is "Leadership" (84.0%, 95% interval 81.3 to 86.4) '
                           "(a rank-only item: in synthetic data its height is the generator's assumption, A-OECD-05)")
    assert "accountability 73.0% (published 73%)" in text and "willingness 78.0% (published: rank 2, no value)" in text
    assert "generator's assumption" not in str(oecd.figure_text(estimates, "50.3", synthetic=False))


def test_a_paragraph_shows_as_text() -> None:
    paragraph = eu.index_by_sector_text(sector_table(), synthetic=False)
    assert isinstance(paragraph, Paragraph)
    assert paragraph._repr_markdown_() == str(paragraph)
