"""Weights: post-stratification within country and the cross-country (EU-04) weight, by hand on a tiny
table, and their totals on the committed file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.eu import codebook, weights
from helpers.eu.clean import clean, read_respondent_file
from helpers.paths import EU_RAW_FILE, POPULATIONS_FILE

CELLS = [(1, "18-34"), (2, "18-34"), (1, "35-54"), (2, "35-54"), (1, "55+"), (2, "55+")]
AGE_OF_GROUP = {"18-34": 25, "35-54": 45, "55+": 70}


def tiny_table() -> pd.DataFrame:
    """Denmark: 8 respondents (2 in M 18-34, 2 in F 55+, 1 in each other cell); France: 1 per cell."""
    denmark = [CELLS[0], CELLS[0], CELLS[1], CELLS[2], CELLS[3], CELLS[4], CELLS[5], CELLS[5]]
    rows = [("Denmark", sex, AGE_OF_GROUP[group]) for sex, group in denmark]
    rows += [("France", sex, AGE_OF_GROUP[group]) for sex, group in CELLS]
    return pd.DataFrame(rows, columns=["COUNTRY", "SEX", "AGE"]).astype({"SEX": "Int64", "AGE": "Int64"})


def tiny_margins() -> pd.DataFrame:
    denmark = [0.15, 0.15, 0.20, 0.20, 0.10, 0.20]
    france = [1 / 6] * 6
    return pd.DataFrame(
        [("Denmark", sex, group, share) for (sex, group), share in zip(CELLS, denmark, strict=True)]
        + [("France", sex, group, share) for (sex, group), share in zip(CELLS, france, strict=True)],
        columns=["country", "SEX", "age_group", "population_share"])


def test_within_country_weights_by_hand() -> None:
    within = weights.within_country_weights(tiny_table(), tiny_margins())
    # Denmark, n = 8: weight = 8 x share / cell count
    expected_denmark = [8 * 0.15 / 2, 8 * 0.15 / 2, 8 * 0.15 / 1, 8 * 0.20, 8 * 0.20, 8 * 0.10,
                        8 * 0.20 / 2, 8 * 0.20 / 2]
    np.testing.assert_allclose(within.to_numpy(), expected_denmark + [1.0] * 6, rtol=1e-12)
    assert within[:8].sum() == pytest.approx(8) and within[8:].sum() == pytest.approx(6)


def test_cross_country_weights_by_hand() -> None:
    table = tiny_table()
    within = weights.within_country_weights(table, tiny_margins())
    shares = pd.Series({"Denmark": 1.0, "France": 3.0}) / 4.0
    five = weights.cross_country_weights(table, within, shares)
    # n = 14: Denmark's weights sum to 14 x 1/4 = 3.5 (factor 3.5 / 8), France's to 10.5 (factor 10.5 / 6)
    np.testing.assert_allclose(five[:8].to_numpy(), within[:8].to_numpy() * 3.5 / 8, rtol=1e-12)
    np.testing.assert_allclose(five[8:].to_numpy(), [10.5 / 6] * 6, rtol=1e-12)
    assert five.sum() == pytest.approx(14)


def test_age_groups() -> None:
    ages = pd.Series([18, 34, 35, 54, 55, 99])
    assert weights.age_group(ages).astype(str).tolist() == ["18-34", "18-34", "35-54", "35-54", "55+", "55+"]
    with pytest.raises(weights.WeightError, match=r"rows \[1, 2\]"):
        weights.age_group(pd.Series([40, 17, None]))


def test_empty_cell_is_an_error() -> None:
    table = tiny_table().drop(index=[2])  # the only Danish woman aged 18-34
    with pytest.raises(weights.WeightError, match="No respondent in cell \\('Denmark', 2, '18-34'\\)"):
        weights.within_country_weights(table, tiny_margins())


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_zero_negative_missing_or_infinite_weights_are_errors(bad: float) -> None:
    with pytest.raises(weights.WeightError, match=r"rows \[2\]"):
        weights.check_weights(pd.Series([1.0, 2.0, bad]), "w")
    table = tiny_table()
    within = pd.Series(np.ones(len(table)), index=table.index)
    within[2] = bad
    with pytest.raises(weights.WeightError):
        weights.cross_country_weights(table, within)


def test_margins_file_is_complete_and_declared_an_assumption() -> None:
    table = pd.read_csv(codebook.SEX_AGE_MARGINS_FILE)
    assert len(table) == len(codebook.CANONICAL_COUNTRIES) * 2 * len(codebook.AGE_GROUPS)
    assert table.groupby("country")["population_share"].sum().sub(1).abs().max() < 1e-9
    assert table["source"].str.contains("Assumption of ours").all()
    margins = weights.read_sex_age_margins()
    assert margins.groupby("country")["population_share"].sum().sub(1).abs().max() < 1e-12


def test_population_shares_follow_the_populations_file() -> None:
    populations = pd.read_csv(POPULATIONS_FILE).set_index("country")["population_millions"]
    shares = weights.read_population_shares()
    assert shares.sum() == pytest.approx(1)
    assert shares["Germany"] == pytest.approx(populations["Germany"] / populations.sum())


def test_weight_totals_on_the_committed_file() -> None:
    data = clean(read_respondent_file(EU_RAW_FILE), str(EU_RAW_FILE)).data
    weighted = weights.add_weights(data)
    n = len(weighted)
    by_country = weighted.groupby("COUNTRY")
    np.testing.assert_allclose(by_country[weights.WITHIN_COUNTRY_WEIGHT].sum(), by_country.size(), rtol=1e-9)
    shares = weights.read_population_shares()
    np.testing.assert_allclose(by_country[weights.FIVE_COUNTRY_WEIGHT].sum(), n * shares[by_country.size().index],
                               rtol=1e-9)
    # Within each country, the weighted sex x age composition equals the margins.
    margins = weights.read_sex_age_margins().set_index(["country", "SEX", "age_group"])["population_share"]
    cell_columns = ["COUNTRY", "SEX", weights.AGE_GROUP_COLUMN]
    cells = weighted.groupby(cell_columns, observed=True)[weights.WITHIN_COUNTRY_WEIGHT].sum()
    composition = cells / cells.groupby(level="COUNTRY").transform("sum")
    np.testing.assert_allclose(composition.to_numpy(), margins.loc[composition.index].to_numpy(), rtol=1e-9)
    assert (weighted[weights.FIVE_COUNTRY_WEIGHT] > 0).all()


# ---------------------------------------------------------------------------------------------------------
# Small hand-made cases for the mutation test set (README, "Mutation testing"): each pins one behaviour.
# ---------------------------------------------------------------------------------------------------------

EXPECTED_DENMARK_WITHIN = [0.6, 0.6, 1.2, 1.6, 1.6, 0.8, 0.8, 0.8]  # 8 x share / cell count (tiny_margins)


def test_cross_country_weights_normalise_the_shares_of_the_countries_present() -> None:
    # Shares of five countries; only Denmark (0.1) and France (0.3) are in the data: renormalised to 1/4, 3/4.
    table = tiny_table()
    within = weights.within_country_weights(table, tiny_margins())
    shares = pd.Series({"Denmark": 0.1, "France": 0.3, "Germany": 0.4, "Spain": 0.1, "United Kingdom": 0.1})
    five = weights.cross_country_weights(table, within, shares)
    np.testing.assert_allclose(five.to_numpy(), [w * 3.5 / 8 for w in EXPECTED_DENMARK_WITHIN] + [10.5 / 6] * 6,
                               rtol=1e-12)
    assert five.name == weights.FIVE_COUNTRY_WEIGHT


def test_cross_country_weights_name_a_country_without_population_share() -> None:
    table = tiny_table()
    within = pd.Series(np.ones(len(table)), index=table.index)
    with pytest.raises(weights.WeightError) as caught:
        weights.cross_country_weights(table, within, pd.Series({"Denmark": 0.5, "Germany": 0.5}))
    assert str(caught.value) == "No population share for ['France']"


def test_cross_country_weights_name_the_bad_within_country_weight() -> None:
    table = tiny_table()
    within = pd.Series(np.ones(len(table)), index=table.index)
    within[3] = 0.0
    with pytest.raises(weights.WeightError) as caught:
        weights.cross_country_weights(table, within, pd.Series({"Denmark": 0.5, "France": 0.5}))
    assert str(caught.value) == "weight_country: 1 missing, infinite, zero or negative weights: zero at rows [3]"


def test_cross_country_weights_accept_weights_held_as_objects() -> None:
    # A weight column of Python floats (object dtype, as after a merge with missing rows filled) is read as numbers.
    table = tiny_table()
    within = pd.Series([1.0] * len(table), index=table.index, dtype=object)
    five = weights.cross_country_weights(table, within, pd.Series({"Denmark": 0.5, "France": 0.5}))
    np.testing.assert_allclose(five.to_numpy(), [7 / 8] * 8 + [7 / 6] * 6, rtol=1e-12)


def test_add_weights_uses_the_margins_and_shares_given() -> None:
    table = tiny_table()
    weighted = weights.add_weights(table, tiny_margins(), pd.Series({"Denmark": 0.25, "France": 0.75}))
    assert list(weighted.columns) == ["COUNTRY", "SEX", "AGE", "age_group", "weight_country", "weight_five_country"]
    np.testing.assert_allclose(weighted["weight_country"].to_numpy(), EXPECTED_DENMARK_WITHIN + [1.0] * 6,
                               rtol=1e-12)
    np.testing.assert_allclose(weighted["weight_five_country"].to_numpy(),
                               [w * 3.5 / 8 for w in EXPECTED_DENMARK_WITHIN] + [10.5 / 6] * 6, rtol=1e-12)
    assert weighted["age_group"].astype(str).tolist()[:3] == ["18-34", "18-34", "18-34"]


def test_age_groups_keep_the_index_and_name_text_ages_and_list_at_most_20_rows() -> None:
    groups = weights.age_group(pd.Series([25, 60], index=[7, 3]))
    assert groups.name == "age_group" and groups.index.tolist() == [7, 3]
    assert groups.astype(str).tolist() == ["18-34", "55+"]
    with pytest.raises(weights.WeightError) as caught:
        weights.age_group(pd.Series(["40", "unknown", "17"]))
    assert str(caught.value) == "Ages missing or out of range at rows [1, 2]: clean the data first"
    with pytest.raises(weights.WeightError) as caught:
        weights.age_group(pd.Series([10] * 21))
    assert str(caught.value) == f"Ages missing or out of range at rows {list(range(20))}: clean the data first"


def test_within_country_weights_name_unknown_countries_sex_codes_and_countries_without_margins() -> None:
    table = tiny_table()
    with pytest.raises(weights.WeightError) as caught:
        weights.within_country_weights(table.assign(COUNTRY=["Danmark"] * 8 + ["France"] * 6), tiny_margins())
    assert str(caught.value) == ("Countries without margins: ['Danmark'] "
                                 "(harmonise labels with helpers.eu.clean first)")
    with pytest.raises(weights.WeightError) as caught:
        weights.within_country_weights(table.assign(SEX=[1] * 12 + [3, 0]), tiny_margins())
    assert str(caught.value) == "SEX codes without margins: 0, 3 (missing SEX must be resolved first)"
    france_only = tiny_margins().query("country == 'France'")
    with pytest.raises(weights.WeightError) as caught:
        weights.within_country_weights(table, france_only)
    assert str(caught.value) == "No sex x age margins for ['Denmark']"
    with pytest.raises(weights.WeightError) as caught:
        weights.within_country_weights(table.drop(index=[2]), tiny_margins())
    assert str(caught.value) == ("No respondent in cell ('Denmark', 2, '18-34') (population share 0.150): "
                                 "cannot post-stratify; collapse cells or check the data")


def test_within_country_weights_skip_margins_of_countries_not_in_the_data() -> None:
    # Margins of a country absent from the data (Austria here, listed first) are skipped, not a stop.
    austria = tiny_margins().query("country == 'France'").assign(country="Austria")
    margins = pd.concat([austria, tiny_margins()], ignore_index=True)
    table = tiny_table().set_axis(range(100, 114))
    within = weights.within_country_weights(table, margins)
    np.testing.assert_allclose(within.to_numpy(), EXPECTED_DENMARK_WITHIN + [1.0] * 6, rtol=1e-12)
    assert within.name == "weight_country" and within.index.tolist() == list(range(100, 114))


def test_zero_population_shares_give_refused_zero_weights() -> None:
    margins = tiny_margins()
    margins.loc[0, "population_share"], margins.loc[1, "population_share"] = 0.0, 0.3
    with pytest.raises(weights.WeightError) as caught:
        weights.within_country_weights(tiny_table(), margins)
    assert str(caught.value) == "weight_country: 2 missing, infinite, zero or negative weights: zero at rows [0, 1]"
    table = tiny_table()
    within = weights.within_country_weights(table, tiny_margins())
    with pytest.raises(weights.WeightError) as caught:
        weights.cross_country_weights(table, within, pd.Series({"Denmark": 1.0, "France": 0.0}))
    assert str(caught.value) == ("weight_five_country: 6 missing, infinite, zero or negative weights: "
                                 "zero at rows [8, 9, 10, 11, 12, 13]")


def test_cross_country_weights_keep_the_index_and_name() -> None:
    table = tiny_table().set_axis(range(100, 114))
    within = pd.Series(np.ones(14), index=table.index)
    five = weights.cross_country_weights(table, within, pd.Series({"Denmark": 0.5, "France": 0.5}))
    assert five.name == "weight_five_country" and five.index.tolist() == list(range(100, 114))


def test_check_weights_default_name_and_every_kind_listed() -> None:
    with pytest.raises(weights.WeightError) as caught:
        weights.check_weights(pd.Series([1.0, np.nan, 0.0, -2.0, np.inf]))
    assert str(caught.value) == ("weight: 4 missing, infinite, zero or negative weights: missing at rows [1]; "
                                 "infinite at rows [4]; zero at rows [2]; negative at rows [3]")


def test_margins_file_without_the_share_column_is_named(tmp_path) -> None:
    path = tmp_path / "margins.csv"
    path.write_text("country,sex,age_group\nDenmark,Male,18-34\n", encoding="utf-8")
    with pytest.raises(weights.PopulationFileError) as caught:
        weights.read_sex_age_margins(path)
    assert str(caught.value) == f"{path}: missing required column(s): population_share"
