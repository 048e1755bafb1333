"""helpers.stats.survey: design-based means and proportions through svy, checked against hand computations.

Hand computations use Taylor linearisation of the ratio mean ybar = sum(w y) / sum(w):
z_i = w_i (y_i - ybar) / sum(w) for rows in the domain (0 otherwise), t_hi = sum of z over PSU i of
stratum h, var = sum_h n_h / (n_h - 1) * sum_i (t_hi - tbar_h)^2, df = #PSUs - #strata.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from helpers.stats.survey import ESTIMATE_COLUMNS, survey_mean, survey_proportion


@pytest.fixture()
def clustered() -> pd.DataFrame:
    """Six rows, three PSUs of two rows; one missing y (left out of the estimate, kept in the design)."""
    return pd.DataFrame(
        {
            "y": [1.0, 0.0, 1.0, None, 1.0, 0.0],
            "psu": ["a", "a", "b", "b", "c", "c"],
            "group": ["g1", "g1", "g1", "g1", "g2", "g2"],
            "answer": ["yes", "no", "yes", None, "yes", "no"],
        }
    )


def test_clustered_mean_by_hand(clustered: pd.DataFrame) -> None:
    # ybar = 3/5 = 0.6; z = (y - 0.6)/5; PSU totals a: (0.4 - 0.6)/5 = -0.04, b: 0.4/5 = 0.08,
    # c: -0.04; var = 3/2 * (0.0016 + 0.0064 + 0.0016) = 0.0144; se = 0.12; df = 3 - 1 = 2.
    result = survey_mean(clustered, "y", psu="psu")
    assert tuple(result.columns) == ESTIMATE_COLUMNS
    row = result.iloc[0]
    assert row["estimate"] == pytest.approx(0.6)
    assert row["se"] == pytest.approx(0.12)
    assert row["df"] == 2 and row["n"] == 5
    t = stats.t.ppf(0.975, 2)
    assert row["ci_low"] == pytest.approx(0.6 - t * 0.12)
    assert row["ci_high"] == pytest.approx(0.6 + t * 0.12)
    # deff (with replacement) = 0.0144 / (s^2 / n), s^2 = 1.2 / 4 = 0.3, n = 5: 0.0144 / 0.06 = 0.24
    assert row["deff"] == pytest.approx(0.24)


def test_clustered_proportion_by_hand_logit_ci(clustered: pd.DataFrame) -> None:
    # Share of "yes" among non-missing answers = 3/5, same SE as the mean of the 0/1 indicator.
    # Logit CI: logit(0.6) +- t(2) * 0.12 / (0.6 * 0.4), back-transformed.
    row = survey_proportion(clustered, "answer", "yes", psu="psu").iloc[0]
    assert row["estimate"] == pytest.approx(0.6)
    assert row["se"] == pytest.approx(0.12)
    half = stats.t.ppf(0.975, 2) * 0.12 / 0.24
    centre = math.log(0.6 / 0.4)
    assert row["ci_low"] == pytest.approx(1 / (1 + math.exp(-(centre - half))))
    assert row["ci_high"] == pytest.approx(1 / (1 + math.exp(-(centre + half))))


def test_domain_by_group_by_hand(clustered: pd.DataFrame) -> None:
    # Domain g1: rows 1-3 (row 4 missing), ybar = 2/3, z = (y - 2/3)/3: PSU a: (1/3 - 2/3)/3 = -1/9,
    # PSU b: (1/3)/3 = 1/9, PSU c: 0 (no domain rows). var = 3/2 * 2/81 = 1/27.
    result = survey_proportion(clustered, "answer", "yes", psu="psu", by="group")
    assert list(result["group"]) == ["g1", "g2"]
    g1 = result.iloc[0]
    assert g1["estimate"] == pytest.approx(2 / 3)
    assert g1["se"] == pytest.approx(math.sqrt(1 / 27))
    assert g1["n"] == 3


def test_stratified_weighted_mean_by_hand() -> None:
    # W = 6, sum(w y) = 4, ybar = 2/3. z = w (y - 2/3) / 6: 1/9, -1/9, 1/18, -1/9, 1/18.
    # Stratum A PSU totals 1/9, -1/9 -> 2 * 2/81; stratum B totals 1/18, -1/18 -> 2 * 1/162.
    # var = 4/81 + 1/81 = 5/81, se = sqrt(5)/9; df = 4 PSUs - 2 strata = 2.
    data = pd.DataFrame(
        {
            "stratum": ["A", "A", "B", "B", "B"],
            "psu": [1, 2, 3, 4, 4],
            "w": [2.0, 1.0, 1.0, 1.0, 1.0],
            "y": [1, 0, 1, 0, 1],
        }
    )
    row = survey_mean(data, "y", weight="w", strata="stratum", psu="psu").iloc[0]
    assert row["estimate"] == pytest.approx(2 / 3)
    assert row["se"] == pytest.approx(math.sqrt(5) / 9)
    assert row["df"] == 2


def test_unclustered_equal_weights_is_srs(clustered: pd.DataFrame) -> None:
    # Each row its own PSU; the missing row stays in the design (6 units):
    # var = 6/5 * sum(z^2), z = (y - 0.6)/5 -> sum z^2 = (3 * 0.16 + 2 * 0.36)/25 = 0.048; var = 0.0576.
    row = survey_mean(clustered, "y").iloc[0]
    assert row["se"] == pytest.approx(0.24)


def test_missing_design_values_and_columns_raise(clustered: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="nope"):
        survey_mean(clustered, "y", psu="nope")
    broken = clustered.assign(psu=["a", None, "b", "b", "c", "c"])
    with pytest.raises(ValueError, match="missing values"):
        survey_mean(broken, "y", psu="psu")


def test_design_effect_can_be_left_out(clustered: pd.DataFrame) -> None:
    row = survey_mean(clustered, "y", psu="psu", deff=None).iloc[0]
    assert math.isnan(row["deff"]) and row["se"] == pytest.approx(0.12)


def test_singleton_strata_raise_unless_a_rule_is_chosen() -> None:
    # Stratum B has one PSU: svy refuses to guess its variance; "center" (R's adjust) is accepted.
    data = pd.DataFrame({"stratum": ["A", "A", "B"], "psu": [1, 2, 3], "y": [1.0, 0.0, 1.0]})
    with pytest.raises(Exception, match="singleton"):
        survey_mean(data, "y", strata="stratum", psu="psu")
    assert survey_mean(data, "y", strata="stratum", psu="psu", singleton="center")["estimate"].iloc[0] == (
        pytest.approx(2 / 3)
    )
