"""Percent affirmative by the published definition, wrong bases, claim checks, design facts, figures."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from helpers.data.checks import scorecard_frame
from helpers.data.claims import load_claims
from helpers.oecd import codebook
from helpers.oecd.clean import clean_vendor_file
from helpers.oecd.estimates import (
    ESTIMATE_COLUMNS,
    affirmative_indicator,
    design_facts,
    member_experience_share,
    percent_affirmative,
)
from helpers.oecd.scorecard import design_checks, value_and_rank_checks
from helpers.oecd.figures import SYNTHETIC_LABEL, figure_rows, source_line
from helpers.oecd.synthetic import write

VALUE_CLAIMS = ["OECD-04", "OECD-05", "OECD-06", "OECD-07", "OECD-08", "OECD-09", "OECD-12"]
RANK_CLAIMS = ["OECD-10", "OECD-11"]


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def cleaned():
    return clean_vendor_file()


@pytest.fixture(scope="module")
def estimates(cleaned, claims) -> pd.DataFrame:
    return percent_affirmative(cleaned.long, claims)


def six_row_table() -> pd.DataFrame:
    """One item (reduce costs), three officials, six official x area cells.

    Responses: yes, no (R1); yes, don't know (R2); not answered, yes (R3).
    Published base (yes + no + don't know): 3 / 5 = 60%; all cells: 3 / 6 = 50%;
    excluding don't know: 3 / 4 = 75%.
    """
    return pd.DataFrame(
        {
            "respondent_id": ["R1", "R1", "R2", "R2", "R3", "R3"],
            "cofog_code": ["01", "02", "01", "03", "01", "02"],
            "item_id": ["reason_reduce_costs"] * 6,
            "response": pd.Categorical(
                ["yes", "no", "yes", "dont_know", "not_answered", "yes"], categories=codebook.RESPONSE_CATEGORIES
            ),
        }
    )


def test_six_row_table_by_hand(claims: pd.DataFrame) -> None:
    table = percent_affirmative(six_row_table(), claims)
    assert tuple(table.columns) == ESTIMATE_COLUMNS
    row = table.set_index("item_id").loc["reason_reduce_costs"]
    assert row["estimate"] == pytest.approx(60.0)
    assert row["n_responses"] == 5 and row["n_yes"] == 3
    # Officials as clusters: z = (y - 0.6)/5 per response; totals R1 -0.04, R2 -0.04, R3 0.08;
    # var = 3/2 * (0.0016 + 0.0016 + 0.0064) = 0.0144 -> SE 0.12 = 12 points, df = 2, logit CI.
    assert row["se"] == pytest.approx(12.0)
    assert row["df"] == 2
    half = stats.t.ppf(0.975, 2) * 0.12 / 0.24
    assert row["ci_low"] == pytest.approx(100 / (1 + math.exp(-(math.log(1.5) - half))))
    assert row["claim_id"] == "OECD-05"
    assert row["published_value"] == float(claims.set_index("claim_id").loc["OECD-05", "value"])
    assert pd.isna(row["published_rank"])


@pytest.mark.parametrize(("base", "expected", "n"), [("all_cells", 50.0, 6), ("excluding_dont_know", 75.0, 4)])
def test_six_row_table_other_bases(claims: pd.DataFrame, base: str, expected: float, n: int) -> None:
    row = percent_affirmative(six_row_table(), claims, base=base).set_index("item_id").loc["reason_reduce_costs"]
    assert row["estimate"] == pytest.approx(expected)
    assert row["n_responses"] == n


def test_unknown_base_is_rejected() -> None:
    with pytest.raises(ValueError, match="base must be one of"):
        affirmative_indicator(pd.Series(["yes"]), "everything")


def test_committed_file_passes_every_value_and_rank_claim(estimates, claims) -> None:
    scorecard = scorecard_frame(claims, value_and_rank_checks(estimates, claims))
    assert list(scorecard["claim_id"]) == sorted(VALUE_CLAIMS + RANK_CLAIMS)
    assert (scorecard["status"] == "pass").all(), scorecard.loc[scorecard["status"] != "pass", "detail"].tolist()
    ranked = estimates.set_index("claim_id")
    assert pd.isna(ranked.loc["OECD-10", "published_value"]) and ranked.loc["OECD-10", "published_rank"] == 1


@pytest.mark.parametrize("base", ["all_cells", "excluding_dont_know"])
def test_wrong_base_makes_value_claims_fail(cleaned, claims, base: str) -> None:
    wrong = percent_affirmative(cleaned.long, claims, base=base)
    checks = value_and_rank_checks(wrong, claims)
    failed = [claim_id for claim_id in VALUE_CLAIMS if checks[claim_id]["status"] == "fail"]
    assert len(failed) >= 1


def test_minimum_size_other_seed_passes_through_clean_and_estimate(tmp_path: Path, claims) -> None:
    path = tmp_path / "small.csv"
    write(path, 31, 120)
    result = clean_vendor_file(path)
    checks = value_and_rank_checks(percent_affirmative(result.long, claims), claims)
    assert all(check["status"] == "pass" for check in checks.values())


def test_design_facts_and_design_checks(cleaned, claims) -> None:
    facts = design_facts(cleaned.long)
    assert facts["n_oecd_countries"] == 20 and facts["n_partner_countries"] == 4
    assert facts["cofog_codes"] == list(codebook.COFOG_AREAS)
    assert all(facts["named_countries_present"].values())
    experience = member_experience_share(cleaned.long)
    assert experience["majority"] and experience["n_members"] == 20
    checks = design_checks(cleaned.long, claims)
    assert sorted(checks) == ["OECD-01", "OECD-02", "OECD-13", "OECD-14", "OECD-15"]
    statuses = {claim_id: check["status"] for claim_id, check in checks.items()}
    assert statuses == {"OECD-01": "holds by construction", "OECD-02": "holds by construction",
                        "OECD-13": "not checkable", "OECD-14": "pass", "OECD-15": "holds by construction"}


def test_experience_minority_fails_oecd14(claims) -> None:
    long = pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "country": ["Canada", "Norway", "Finland"],
            "country_code": ["CAN", "NOR", "FIN"],
            "membership": ["oecd"] * 3,
            "cofog_code": ["01"] * 3,
            "item_id": [codebook.EXPERIENCE_ITEM] * 3,
            "response": pd.Categorical(["yes", "no", "dont_know"], categories=codebook.RESPONSE_CATEGORIES),
        }
    )
    share = member_experience_share(long)
    assert share["n_with_experience"] == 1 and not share["majority"]
    assert design_checks(long, claims)["OECD-14"]["status"] == "fail"


def test_the_rows_of_a_figure_mark_published_values_and_ranks(estimates) -> None:
    rows = figure_rows(estimates, "50.3").set_index("claim_id")
    assert rows.loc["OECD-10", "annotation"] == "published: rank 1, no value"
    assert rows.loc["OECD-11", "annotation"] == "published: rank 2, no value"
    assert rows.loc["OECD-12", "annotation"] == "published 73%"
    assert rows.loc[["OECD-10", "OECD-11"], "published_as"].tolist() == ["rank only", "rank only"]
    assert rows.loc["OECD-12", "published_as"] == "value"
    assert all(len(line) <= 34 for item in rows["item"] for line in item.splitlines())
    assert source_line("50.3", True).startswith("Source: OECD (2011), Government at a Glance 2011, ch. 50, Figure 50.3.")
    assert "synthetic" in source_line("50.3", True) and "synthetic" not in source_line("50.3", False)
    assert SYNTHETIC_LABEL.startswith("SYNTHETIC DATA")
