"""The sensitivity variants of the headline index (helpers.eu.sensitivity), on the committed file."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.data.claims import load_claims
from helpers.eu.clean import read_respondent_file
from helpers.eu.estimates import index_by_sector
from helpers.eu.index import add_indices
from helpers.eu.sensitivity import MAIN_INDEX_ITEMS, SENSITIVITY_COLUMNS, headline_variants, item_set_text
from helpers.eu.stages import prepare_respondents
from helpers.paths import EU_RAW_FILE


@pytest.fixture(scope="module")
def respondents() -> pd.DataFrame:
    return prepare_respondents(read_respondent_file(EU_RAW_FILE), str(EU_RAW_FILE))[1]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


def rows(variants: pd.DataFrame, variant: str) -> pd.DataFrame:
    return variants.loc[variants["variant"] == variant].set_index("sector")


def weighted_means(respondents: pd.DataFrame, weights: pd.Series | None) -> dict[str, float]:
    """Per sector, the weighted mean index computed here with numpy (not by the estimator under test)."""
    means = {}
    for sector in ("environment", "health", "safety"):
        index = respondents[f"index_{sector}"].astype(float)
        present = index.notna()
        w = np.ones(int(present.sum())) if weights is None else weights[present].to_numpy(dtype=float)
        means[sector] = float(np.average(index[present], weights=w))
    return means


def test_the_weighting_variants_are_the_estimates_they_name(respondents: pd.DataFrame, claims: pd.DataFrame) -> None:
    variants = headline_variants(respondents, claims)
    assert list(variants.columns) == list(SENSITIVITY_COLUMNS)
    five = respondents["weight_five_country"]
    country = respondents["COUNTRY"].astype(str)
    equal = five * (len(respondents) / country.nunique()) / five.groupby(country).transform("sum")
    expected = {"population": weighted_means(respondents, five), "unweighted": weighted_means(respondents, None),
                "equal_countries": weighted_means(respondents, equal)}
    for variant, means in expected.items():
        produced = rows(variants, variant)["estimate"]
        for sector, mean in means.items():
            assert produced[sector] == pytest.approx(mean, abs=1e-9), (variant, sector)
    assert rows(variants, "population")["estimate"].round(0).tolist() == [61.0, 52.0, 45.0]  # EU-06..EU-08
    assert rows(variants, "unweighted")["estimate"].sub(rows(variants, "population")["estimate"]).abs().min() > 0.01
    assert (rows(variants, "population")["index_items"] == MAIN_INDEX_ITEMS).all()
    published = rows(variants, "population")["published"]
    difference = rows(variants, "equal_countries")["difference"]
    assert difference.to_numpy() == pytest.approx((rows(variants, "equal_countries")["estimate"] - published).to_numpy())


def test_the_item_set_variant_uses_the_given_items(respondents: pd.DataFrame, claims: pd.DataFrame) -> None:
    alternative = {"health": ["HEA_EXERCISE"]}
    variants = headline_variants(respondents, claims, alternative_items=alternative)
    expected = index_by_sector(add_indices(respondents, alternative), claims=claims).set_index("sector")
    item_set = rows(variants, "item_set")
    assert item_set.loc["health", "estimate"] == expected.loc["health", "estimate"]
    assert item_set.loc["health", "index_items"] == "HEA_EXERCISE"
    assert item_set.loc["safety", "index_items"] == MAIN_INDEX_ITEMS  # not named: the main index's items


def test_items_a_file_lacks_are_named_and_a_sector_without_items_has_no_estimate(
        respondents: pd.DataFrame, claims: pd.DataFrame) -> None:
    empty = pd.array([pd.NA] * len(respondents), dtype="Int64")  # as the cleaning adds an absent column
    lacking = respondents.assign(HEA_EXERCISE=empty, SAF_INTERVENE=empty)
    alternative = {"health": ["HEA_EXERCISE", "HEA_CARE_SICK"], "safety": ["SAF_INTERVENE"]}
    item_set = rows(headline_variants(lacking, claims, alternative_items=alternative), "item_set")
    assert item_set.loc["health", "index_items"] == "HEA_CARE_SICK (not in this file: HEA_EXERCISE)"
    assert not math.isnan(item_set.loc["health", "estimate"])
    assert item_set.loc["safety", "index_items"] == "none (not in this file: SAF_INTERVENE)"
    assert math.isnan(item_set.loc["safety", "estimate"]) and math.isnan(item_set.loc["safety", "ci_low"])


def test_item_set_text() -> None:
    assert item_set_text(None, None) == MAIN_INDEX_ITEMS
    assert item_set_text(["A", "B"], ["A", "B"]) == "A, B"
    assert item_set_text(["A", "B"], ["B"]) == "B (not in this file: A)"
