"""helpers.eu.estimates and helpers.eu.figures: svy estimates against hand computations, the committed file,
weighting variants and survey designs, and the rows, labels and source line the figure cells draw with.

Hand computations use Taylor linearisation of the weighted mean ybar = sum(w y) / sum(w) with country strata
and respondents as PSUs: z_i = w_i (y_i - ybar) / sum(w), var = sum_h n_h / (n_h - 1) sum_i (z_hi - zbar_h)^2,
df = respondents - strata.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.data.checks import round_half_up
from helpers.data.claims import claim_number, load_claims
from helpers.eu import clean, index, weights
from helpers.eu.codebook import ACTIVITIES, CANONICAL_COUNTRIES, SECTOR_TARGET_CLAIM, SECTORS
from helpers.eu.estimates import (
    ESTIMATE_COLUMNS,
    FIVE_COUNTRIES,
    FREQUENCY_COLUMNS,
    SECTOR_ESTIMATE_COLUMNS,
    UNWEIGHTED,
    activity_frequencies,
    equal_country_weight,
    index_by_sector,
    index_by_sector_country,
)
from helpers.eu.figures import (
    SOURCE,
    SYNTHETIC_LABEL,
    coefficient_rows,
    frequency_rows,
    source_line,
    term_label,
    weighting_label,
)
from helpers.eu.statistics import correlates_table
from helpers.paths import EU_RAW_FILE
from helpers.stats.survey import SurveyDesign

ENVIRONMENT_ITEMS = [activity.column for activity in ACTIVITIES if activity.sector == "environment"]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    """The committed synthetic file through clean -> weights -> index."""
    result = clean.clean(clean.read_respondent_file(EU_RAW_FILE), str(EU_RAW_FILE))
    return index.add_indices(weights.add_weights(result.data))


@pytest.fixture(scope="module")
def sector_estimates(committed: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    return index_by_sector(committed, claims=claims)


def six_respondents() -> pd.DataFrame:
    """Two countries (strata) of three respondents.

    Denmark: index 60, 40, 50 with weights 1, 2, 1; France: 70, 80, 90 with weights 2, 1, 1 (cross-country
    weight; the within-country weight is 2 and 1/2 times these).
    Activity answers (all three environment items): Denmark 1, 2, 2; France 4, 4, missing.
    """
    frame = pd.DataFrame({
        "RESPID": [1, 2, 3, 4, 5, 6],
        "COUNTRY": ["Denmark"] * 3 + ["France"] * 3,
        "index_environment": [60.0, 40.0, 50.0, 70.0, 80.0, 90.0],
        "weight_five_country": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
        # The within-country weight differs from the cross-country one by a factor per country (2 in Denmark,
        # 1/2 in France), as the real weights do: the country means agree, the five-country mean does not.
        "weight_country": [2.0, 4.0, 2.0, 1.0, 0.5, 0.5],
    })
    for item in ENVIRONMENT_ITEMS:
        frame[item] = pd.array([1, 2, 2, 4, 4, None], dtype="Int64")
    return frame


# ---------------------------------------------------------------------------------------------------------
# Hand computations
# ---------------------------------------------------------------------------------------------------------


def test_five_country_mean_by_hand(claims: pd.DataFrame) -> None:
    # sum(w) = 8, sum(w y) = 60 + 80 + 50 + 140 + 80 + 90 = 500, ybar = 62.5.
    # z: Denmark -0.3125, -5.625, -1.5625 (mean -2.5); France 1.875, 2.1875, 3.4375 (mean 2.5).
    # Squared deviations: Denmark 4.78515625 + 9.765625 + 0.87890625 = 15.4296875;
    # France 0.390625 + 0.09765625 + 0.87890625 = 1.3671875; var = 3/2 * 16.796875 = 25.1953125; df = 6 - 2.
    table = index_by_sector(six_respondents(), sectors=("environment",), claims=claims)
    assert tuple(table.columns) == SECTOR_ESTIMATE_COLUMNS
    row = table.iloc[0]
    se = math.sqrt(25.1953125)
    assert row["estimate"] == pytest.approx(62.5)
    assert row["se"] == pytest.approx(se)
    assert row["df"] == 4 and row["n"] == 6
    assert row["ci_low"] == pytest.approx(62.5 - stats.t.ppf(0.975, 4) * se)
    assert row["ci_high"] == pytest.approx(62.5 + stats.t.ppf(0.975, 4) * se)
    assert row["country"] == FIVE_COUNTRIES and row["weighting"] == "weight_five_country"
    assert row["claim_id"] == "EU-06" and row["published"] == claim_number(claims, "EU-06")
    assert np.isfinite(row["deff"])


def test_alpha_changes_only_the_interval(claims: pd.DataFrame) -> None:
    wide = index_by_sector(six_respondents(), sectors=("environment",), claims=claims, alpha=0.10).iloc[0]
    assert wide["se"] == pytest.approx(math.sqrt(25.1953125))
    assert wide["ci_high"] - wide["estimate"] == pytest.approx(stats.t.ppf(0.95, 4) * wide["se"])


def test_country_means_by_hand() -> None:
    # Denmark: (60 + 80 + 50) / 4 = 47.5; z = 3.125, -3.75, 0.625 (mean 0); var = 3/2 * 24.21875 = 36.328125.
    # France: (140 + 80 + 90) / 4 = 77.5; z = 2(-7.5)/4, 2.5/4, 12.5/4 = -3.75, 0.625, 3.125 (mean 0);
    # var = 3/2 * (14.0625 + 0.390625 + 9.765625) = 36.328125 as well.
    table = index_by_sector_country(six_respondents(), sectors=("environment",))
    assert tuple(table.columns) == ESTIMATE_COLUMNS
    assert list(table["country"]) == ["Denmark", "France"]
    assert table["estimate"].tolist() == pytest.approx([47.5, 77.5])
    assert table["se"].tolist() == pytest.approx([math.sqrt(36.328125)] * 2)
    assert table["df"].tolist() == [2, 2]
    assert table["weighting"].unique().tolist() == ["weight_country"]


def test_unweighted_and_equal_country_variants_by_hand(claims: pd.DataFrame) -> None:
    frame = six_respondents().assign(weight_five_country=[1.0, 2.0, 1.0, 2.0, 2.0, 1.0])
    # Unweighted: (60 + 40 + 50 + 70 + 80 + 90) / 6 = 65.
    unweighted = index_by_sector(frame, sectors=("environment",), claims=claims, weighted=False).iloc[0]
    assert unweighted["estimate"] == pytest.approx(65.0) and unweighted["weighting"] == UNWEIGHTED
    # Weighted: Denmark 190 / 4, France (140 + 160 + 90) / 5 = 78; pooled 580 / 9.
    weighted = index_by_sector(frame, sectors=("environment",), claims=claims).iloc[0]
    assert weighted["estimate"] == pytest.approx(580 / 9)
    # Equal country totals: the plain average of the country means, (47.5 + 78) / 2 = 62.75.
    equal = index_by_sector(frame, sectors=("environment",), claims=claims, equal_country_weights=True).iloc[0]
    assert equal["estimate"] == pytest.approx(62.75)
    assert equal["weighting"] == "weight_five_country (equal country totals)"
    rescaled = equal_country_weight(frame, "weight_five_country")
    assert rescaled.groupby(frame["COUNTRY"]).sum().tolist() == pytest.approx([3.0, 3.0])


def test_activity_shares_by_hand() -> None:
    # Denmark: weights 1, 2, 1 answer 1, 2, 2 -> never 1/4, occasionally 3/4, often 0, always 0.
    # SE of 1/4: z = 0.1875, -0.125, -0.0625 (mean 0), var = 3/2 * 0.0546875 = 0.08203125.
    # France: the two who answered said "always" (the missing answer leaves the denominator) -> always 1.
    table = activity_frequencies(six_respondents(), sectors=("environment",))
    assert tuple(table.columns) == FREQUENCY_COLUMNS
    recycle = table.loc[table["item"] == "ENV_RECYCLE"].set_index(["country", "category"])
    assert recycle.loc[("Denmark", 1), "estimate"] == pytest.approx(0.25)
    assert recycle.loc[("Denmark", 1), "se"] == pytest.approx(math.sqrt(0.08203125))
    assert recycle.loc[("Denmark", 2), "estimate"] == pytest.approx(0.75)
    assert recycle.loc[("Denmark", 3), "estimate"] == 0.0 and recycle.loc[("Denmark", 3), "se"] == 0.0
    assert recycle.loc[("France", 4), "estimate"] == pytest.approx(1.0)
    assert recycle.loc[("France", 4), "n"] == 2
    sums = table.groupby(["item", "country"])["estimate"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)))


def test_missing_weight_or_index_is_an_error(claims: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="weight column"):
        index_by_sector(six_respondents(), sectors=("environment",), weight="no_such_weight", claims=claims)
    with pytest.raises(KeyError, match="index columns"):
        index_by_sector(six_respondents(), claims=claims)


# ---------------------------------------------------------------------------------------------------------
# The committed file
# ---------------------------------------------------------------------------------------------------------


def test_committed_index_rounds_to_the_published_values(sector_estimates: pd.DataFrame,
                                                        claims: pd.DataFrame) -> None:
    assert list(sector_estimates["sector"]) == list(SECTORS)
    for row in sector_estimates.itertuples():
        published = claim_number(claims, SECTOR_TARGET_CLAIM[row.sector])
        assert row.published == published
        assert round_half_up(row.estimate) == published
        assert row.ci_low < row.estimate < row.ci_high
        assert 1.0 < row.deff < 3.0  # post-stratification and country rescaling inflate the variance


def test_committed_unweighted_index_misses_the_published_values(committed: pd.DataFrame,
                                                                claims: pd.DataFrame) -> None:
    unweighted = index_by_sector(committed, claims=claims, weighted=False)
    assert (unweighted["weighting"] == UNWEIGHTED).all()
    assert any(round_half_up(row.estimate) != row.published for row in unweighted.itertuples())


def test_committed_country_table(committed: pd.DataFrame) -> None:
    table = index_by_sector_country(committed)
    assert len(table) == len(SECTORS) * len(CANONICAL_COUNTRIES)
    assert list(table["country"][:5]) == list(CANONICAL_COUNTRIES)
    counts = committed["COUNTRY"].value_counts()
    for row in table.itertuples():
        assert row.n <= counts[row.country]
        assert row.ci_low < row.estimate < row.ci_high


def test_committed_activity_table(committed: pd.DataFrame) -> None:
    table = activity_frequencies(committed)
    assert len(table) == len(ACTIVITIES) * len(CANONICAL_COUNTRIES) * 4
    sums = table.groupby(["item", "country"])["estimate"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(len(sums)))
    assert ((table["ci_low"] >= 0) & (table["ci_high"] <= 1)).all()


# ---------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------


def test_a_design_is_the_same_as_the_weight_keywords(committed: pd.DataFrame, claims: pd.DataFrame) -> None:
    """A SurveyDesign declared in a notebook gives the numbers of the keyword route it replaces."""
    design = SurveyDesign(weight="weight_five_country", strata="COUNTRY", psu="RESPID")
    pd.testing.assert_frame_equal(index_by_sector(committed, design=design, claims=claims),
                                  index_by_sector(committed, claims=claims), check_exact=True)
    pd.testing.assert_frame_equal(index_by_sector(committed, design=design.with_equal_stratum_totals(), claims=claims),
                                  index_by_sector(committed, equal_country_weights=True, claims=claims),
                                  check_exact=True)
    pd.testing.assert_frame_equal(index_by_sector(committed, design=design.unweighted(), claims=claims),
                                  index_by_sector(committed, weighted=False, claims=claims), check_exact=True)


def test_without_strata_the_intervals_change_and_the_estimates_do_not(committed: pd.DataFrame,
                                                                      claims: pd.DataFrame) -> None:
    """The design's strata are really used: dropping them keeps the means and changes the standard errors."""
    stratified = index_by_sector(committed, design=SurveyDesign("weight_five_country", "COUNTRY", "RESPID"),
                                 claims=claims)
    one_sample = index_by_sector(committed, design=SurveyDesign("weight_five_country", None, "RESPID"), claims=claims)
    assert one_sample["estimate"].to_numpy() == pytest.approx(stratified["estimate"].to_numpy(), abs=1e-12)
    assert not np.allclose(one_sample["se"], stratified["se"], rtol=1e-6)
    assert (one_sample["df"] == stratified["df"] + len(CANONICAL_COUNTRIES) - 1).all()  # PSUs - strata


def test_figure_labels_and_source(committed: pd.DataFrame) -> None:
    assert "Löffler" in SOURCE and "Parrado" in SOURCE
    assert source_line(True).endswith("synthetic stand-in data; see the assumptions log.")
    assert source_line(False) == SOURCE
    assert SYNTHETIC_LABEL.startswith("SYNTHETIC DATA")
    assert term_label("female") == "Women (vs men)"
    assert term_label("country_Denmark") == "Denmark (vs Czech Republic)"
    assert term_label("female:urban") == "Women (vs men) \u00d7 Urban (vs non-urban)"
    assert weighting_label("weight_country") == "the within-country weight (sex by age group)"
    assert weighting_label(pd.Series(["weight_five_country (equal country totals)"])).endswith(
        "rescaled to equal country totals")
    assert weighting_label("unweighted") == "no weights"


def test_the_rows_the_figures_draw(committed: pd.DataFrame) -> None:
    coefficients = correlates_table(committed, sectors=("health",))
    rows = coefficient_rows(coefficients)
    assert set(rows["term_group"]) == {"correlate"} and set(rows["sector"]) == {"health"}
    assert rows.set_index("term").loc["female", "published_direction"] == "yes"
    assert rows.set_index("term").loc["urban", "published_direction"] == "no"
    frequencies = frequency_rows(activity_frequencies(committed, sectors=("environment",)))
    assert set(frequencies["item"]) == set(ENVIRONMENT_ITEMS)
    assert list(frequencies["item"].drop_duplicates()) == ENVIRONMENT_ITEMS  # codebook order
    sums = frequencies.groupby(["item", "country"])["percent"].sum()
    assert sums.to_numpy() == pytest.approx(np.full(len(sums), 100.0))
    assert set(frequencies["frequency"]) == {"Never", "Occasionally", "Often", "Always"}


# ---------------------------------------------------------------------------------------------------------
# The two routes of the activity shares, pinned on hand-made frames (mutation test set)
# ---------------------------------------------------------------------------------------------------------

from helpers.eu import estimates as eu_estimates  # noqa: E402
from svy import errors as svy_errors  # noqa: E402

ITEM = ENVIRONMENT_ITEMS[0]


def interior_answers() -> pd.DataFrame:
    """six_respondents with answers Denmark 1, 2, 2 (weights 2, 4, 2) and France 2, 4, 4 (weights 1, 1/2, 1/2):
    category 2 has share 6/8 = 0.75 in Denmark and 1/2 in France."""
    frame = six_respondents()
    frame[ITEM] = pd.array([1, 2, 2, 2, 4, 4], dtype="Int64")
    return frame


def level_shares(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"COUNTRY": [r[0] for r in rows], "level": [r[1] for r in rows],
                         "estimate": [r[2] for r in rows], "se": 0.1, "ci_low": 0.0, "ci_high": 1.0,
                         "deff": [r[3] for r in rows], "df": 2, "n": 3})


def four_categories(estimates: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4), deff: float = 1.0) -> list:
    return [(country, code, share, deff) for country in ("Denmark", "France")
            for code, share in zip((1, 2, 3, 4), estimates, strict=True)]


def test_category_share_of_one_code_by_hand() -> None:
    design = eu_estimates.study_design("weight_country")
    share = eu_estimates._category_share(interior_answers(), ITEM, 2, "weight_country", 0.05, design)
    assert share["COUNTRY"].tolist() == ["Denmark", "France"]
    assert share["estimate"].tolist() == pytest.approx([0.75, 0.5])
    assert share["deff"].tolist() == pytest.approx([0.875, 1.125])


def test_shares_by_code_splits_complete_interior_shares() -> None:
    answered = pd.Series({"Denmark": 3, "France": 3})
    by_code = eu_estimates._shares_by_code(level_shares(four_categories()), answered, {"Denmark", "France"})
    assert sorted(by_code) == [1, 2, 3, 4]
    assert list(by_code[3].columns) == ["country", "estimate", "se", "ci_low", "ci_high", "deff", "df", "n"]
    assert by_code[3]["country"].tolist() == ["Denmark", "France"] and by_code[3].index.tolist() == [0, 1]
    assert by_code[3]["estimate"].tolist() == [0.3, 0.3]


@pytest.mark.parametrize("rows", [
    four_categories((0.0, 0.2, 0.3, 0.5)),  # a category nobody chose
    four_categories((1.0, 0.2, 0.3, 0.4)),  # a category everybody chose
    four_categories((0.1, 0.2, 0.3, 1.5)),  # not a share
    four_categories(deff=float("nan")),  # no design effect
    [(c, 5 if code == 4 else code, s, d) for c, code, s, d in four_categories()],  # a code outside the codebook
    four_categories()[:7],  # a category missing in one country
])
def test_shares_by_code_leaves_the_other_cases_to_the_per_category_route(rows: list) -> None:
    answered = pd.Series({"Denmark": 3, "France": 3})
    assert eu_estimates._shares_by_code(level_shares(rows), answered, {"Denmark", "France"}) is None


def test_complete_countries_fill_a_country_nobody_in_which_chose_the_category() -> None:
    result = pd.DataFrame({"COUNTRY": ["Denmark"], "estimate": [0.25], "se": [0.2], "ci_low": [0.01],
                           "ci_high": [0.9], "deff": [0.875], "df": [2], "n": [3]})
    completed = eu_estimates._complete_countries(result, pd.Series({"Denmark": 3, "France": 2}))
    assert list(completed.columns) == ["country", "estimate", "se", "ci_low", "ci_high", "deff", "df", "n"]
    assert completed["country"].tolist() == ["Denmark", "France"]
    assert completed["estimate"].tolist() == [0.25, 0.0] and completed["se"].tolist() == [0.2, 0.0]
    assert completed["ci_high"].isna().tolist() == [False, True] and completed["deff"].isna().tolist() == [False, True]
    assert completed["df"].tolist() == [2, 1] and completed["n"].tolist() == [3, 2]


def test_all_category_shares_fall_back_item_by_item(monkeypatch: pytest.MonkeyPatch) -> None:
    real = eu_estimates.survey_level_shares

    def refusing(frame: pd.DataFrame, items: list[str], **options: object) -> dict:
        if len(items) > 1 or items[0] == ENVIRONMENT_ITEMS[1]:
            raise svy_errors.MethodError("no design effect", "a share of 0 or 1")
        return real(frame, items, **options)

    monkeypatch.setattr(eu_estimates, "survey_level_shares", refusing)
    design = eu_estimates.study_design("weight_country")
    shares = eu_estimates._all_category_shares(interior_answers(), ENVIRONMENT_ITEMS[:2], "weight_country", 0.05,
                                               design)
    assert list(shares) == ENVIRONMENT_ITEMS[:2] and shares[ENVIRONMENT_ITEMS[1]] is None
    denmark = shares[ITEM].query("COUNTRY == 'Denmark'")
    assert denmark["estimate"].tolist() == pytest.approx([0.25, 0.75, 0.0])  # codes 1, 2, 4
    assert eu_estimates._all_category_shares(interior_answers(), [], "weight_country", 0.05, design) == {}


def test_activity_frequencies_name_a_missing_item() -> None:
    with pytest.raises(KeyError) as caught:
        activity_frequencies(six_respondents().drop(columns=[ITEM]), sectors=("environment",))
    assert caught.value.args == (f"activity item {ITEM!r} is not in the data",)
