"""Edges of the estimators, weights and index that mutation testing found untested (issue 10, ``make mutation``).

Small hand-made inputs only: each test states the number a correct implementation gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data.claims import load_claims
from helpers.eu import index, weights
from helpers.eu.estimates import activity_frequencies, equal_country_weight
from helpers.oecd import codebook
from helpers.oecd.estimates import country_experience, design_facts, percent_affirmative, published_item_values
from test_eu_weights import tiny_margins, tiny_table


def test_weighted_mean_edges() -> None:
    assert index.weighted_mean([10, None, 40], [1, 5, 3]) == pytest.approx(32.5)  # None is missing
    assert index.weighted_mean([10.0, 40.0], [0.0, 2.0]) == pytest.approx(40.0)  # a zero weight is allowed
    assert index.weighted_mean([10.0, 40.0], [0.5, 0.5]) == pytest.approx(25.0)  # weights below 1 too
    assert index.weighted_mean(np.array([10, 40]), np.array([1, 3])) == pytest.approx(32.5)
    with pytest.raises(ValueError, match=r"values and weights differ in shape: \(2,\) vs \(3,\)"):
        index.weighted_mean([1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="No non-missing values to average"):
        index.weighted_mean([np.nan], [1.0])
    with pytest.raises(ValueError, match="Weights must be non-negative and not missing"):
        index.weighted_mean([1.0, 2.0], [1.0, -0.5])
    with pytest.raises(ValueError, match="Weights must be non-negative and not missing"):
        index.weighted_mean([1.0, 2.0], [1.0, np.nan])


def test_index_errors_name_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"Unknown sector 'transport'; expected one of"):
        index.index_column("transport")
    with pytest.raises(ValueError, match="No items given for the co-production index"):
        index.coproduction_index(pd.DataFrame({"A": [1]}), "environment", [])
    with pytest.raises(KeyError, match=r"Index items not in the data: \['ENV_RECYCLE'\]"):
        index.coproduction_index(pd.DataFrame({"A": [1]}), "environment", ["ENV_RECYCLE"])


def small_respondents() -> pd.DataFrame:
    """Three respondents with every activity: codes 1, 4 and (1, 4, missing) -> indices 0, 100, 50."""
    frame = pd.DataFrame({"w": [1.0, 1.0, 2.0]})
    for sector in ("environment", "health", "safety"):
        first, second, third = index.index_items(sector)
        frame[first] = pd.array([1, 4, 1], dtype="Int64")
        frame[second] = pd.array([1, 4, 4], dtype="Int64")
        frame[third] = pd.array([1, 4, None], dtype="Int64")
    return frame


def test_add_indices_and_weighted_index_means_by_hand() -> None:
    data = index.add_indices(small_respondents())
    for sector in ("environment", "health", "safety"):
        assert data[f"index_{sector}"].tolist() == pytest.approx([0.0, 100.0, 50.0])
    # (0 x 1 + 100 x 1 + 50 x 2) / 4 = 50
    assert index.weighted_index_means(data, "w") == pytest.approx({"environment": 50.0, "health": 50.0,
                                                                   "safety": 50.0})
    narrow = index.add_indices(small_respondents(), {"health": index.index_items("health")[:1]})
    assert narrow["index_health"].tolist() == pytest.approx([0.0, 100.0, 0.0])
    strict = index.add_indices(small_respondents(), min_valid=3)
    assert np.isnan(strict["index_safety"].iloc[2]) and strict["index_safety"].iloc[1] == 100.0


def test_add_weights_uses_the_population_shares_it_is_given() -> None:
    table = tiny_table()
    shares = pd.Series({"Denmark": 1.0, "France": 3.0}) / 4.0
    weighted = weights.add_weights(table, tiny_margins(), shares)
    assert weighted.loc[weighted["COUNTRY"] == "Denmark", "weight_five_country"].sum() == pytest.approx(3.5)
    assert weighted.loc[weighted["COUNTRY"] == "France", "weight_five_country"].sum() == pytest.approx(10.5)
    assert weighted["weight_country"].sum() == pytest.approx(14)
    assert weighted["age_group"].astype(str).iloc[0] in {"18-34", "35-54", "55+"}


def test_population_shares_are_named_and_sum_to_one() -> None:
    shares = weights.read_population_shares()
    assert shares.name == "population_share" and shares.sum() == pytest.approx(1.0)


def test_equal_country_weight_with_integer_weights() -> None:
    frame = pd.DataFrame({"COUNTRY": ["Denmark", "Denmark", "France"], "w": [1, 3, 2]})
    rescaled = equal_country_weight(frame, "w")
    # n / countries = 1.5 per country: Denmark 1.5 x (1, 3) / 4, France 1.5
    assert rescaled.tolist() == pytest.approx([0.375, 1.125, 1.5])
    assert equal_country_weight(frame, None).tolist() == pytest.approx([0.75, 0.75, 1.5])


def test_activity_frequencies_label_and_a_country_nobody_answered() -> None:
    frame = pd.DataFrame({
        "RESPID": [1, 2, 3, 4], "COUNTRY": ["Denmark", "Denmark", "France", "France"],
        "ENV_RECYCLE": pd.array([1, 2, None, None], dtype="Int64"), "weight_country": [1.0, 3.0, 1.0, 1.0],
    })
    table = activity_frequencies(frame, items=["ENV_RECYCLE"], sectors=("environment",))
    assert (table["weighting"] == "weight_country").all()
    denmark = table.loc[table["country"] == "Denmark"].set_index("category")["estimate"]
    assert denmark.to_dict() == pytest.approx({1: 0.25, 2: 0.75, 3: 0.0, 4: 0.0})
    france = table.loc[table["country"] == "France"]
    assert france.empty or (france["n"] == 0).all()


def long_answers(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(respondent, country, item, response) rows, one area."""
    return pd.DataFrame({
        "respondent_id": [r[0] for r in rows], "country": [r[1] for r in rows],
        "country_code": [r[1][:3].upper() for r in rows],
        "membership": ["partner" if r[1] == "Brazil" else "oecd" for r in rows], "cofog_code": "01",
        "item_id": [r[2] for r in rows],
        "response": pd.Categorical([r[3] for r in rows], categories=codebook.RESPONSE_CATEGORIES),
    })


def test_percent_affirmative_reads_the_registry_it_is_given() -> None:
    claims = load_claims()
    changed = claims.copy()
    changed.loc[changed["claim_id"] == "OECD-05", "value"] = "24"
    answers = long_answers([("R1", "Canada", "reason_reduce_costs", "yes"), ("R2", "Norway", "reason_reduce_costs", "no")])
    table = percent_affirmative(answers, changed).set_index("item_id")
    assert table.loc["reason_reduce_costs", "published_value"] == 24.0
    assert table.loc["reason_reduce_costs", "estimate"] == pytest.approx(50.0)
    assert str(table["df"].dtype) == "Int64" and table.loc["reason_reduce_costs", "n_responses"] == 2
    values = published_item_values(claims).set_index("item_id")
    assert values.loc["factor_leadership", "published_rank"] == 1 and np.isnan(values.loc["factor_leadership",
                                                                                          "published_value"])
    assert pd.isna(values.loc["reason_reduce_costs", "published_rank"])


def test_country_experience_and_design_facts_by_hand() -> None:
    answers = long_answers([("R2", "Norway", codebook.EXPERIENCE_ITEM, "no"),
                            ("R1", "Canada", codebook.EXPERIENCE_ITEM, "yes"),
                            ("R3", "Brazil", codebook.EXPERIENCE_ITEM, "yes")])
    experience = country_experience(answers)
    assert experience["country"].tolist() == ["Brazil", "Canada", "Norway"]  # sorted
    assert experience["has_experience"].tolist() == [True, True, False]
    facts = design_facts(answers)
    assert facts["n_respondents"] == 3 and facts["n_respondent_areas"] == 3
    assert facts["n_oecd_countries"] == 2 and facts["partner_countries"] == ["Brazil"]
