"""Codebook of the (synthetic stand-in for the) 2010 OECD Survey on Innovation in Public Services.

What a survey vendor would ship with the respondent file: countries, service areas, questions,
items, vendor column names and response codes. The real questionnaire and codebook are not
public; the wording of questions here is ours (see docs/assumptions_oecd.md). Published numbers are
NOT typed here: the number of OECD member countries is read from claim OECD-01 and the published
percentages live only in the claims registry. The two ``assumed_percent`` values are the
generator's own choice for the rank-only items (OECD-10, OECD-11); they are assumptions, not
findings.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import pandas as pd

from helpers.data.claims import claim_number, load_claims
from helpers.paths import CLAIMS_FILE

# --------------------------------------------------------------------------------------------
# Response codes
# --------------------------------------------------------------------------------------------

YES, NO, DONT_KNOW, NOT_ANSWERED = "yes", "no", "dont_know", "not_answered"
RESPONSE_CATEGORIES: tuple[str, ...] = (YES, NO, DONT_KNOW, NOT_ANSWERED)
# Vendor codes as delivered in the item columns.
RESPONSE_CODES: dict[int, str] = {1: YES, 2: NO, 8: DONT_KNOW, 9: NOT_ANSWERED}
CODE_OF_RESPONSE: dict[str, int] = {label: code for code, label in RESPONSE_CODES.items()}

# --------------------------------------------------------------------------------------------
# Vendor column names of the respondent file
# --------------------------------------------------------------------------------------------

RESPONDENT_COLUMN = "RESPID"
COUNTRY_COLUMN = "COUNTRY"
COUNTRY_CODE_COLUMN = "CNTRY_CODE"
MEMBERSHIP_COLUMN = "MEMBERSHIP"
AREA_COLUMN = "COFOG"
SYNTHETIC_COLUMN = "SYNTHETIC"
ID_COLUMNS: tuple[str, ...] = (
    RESPONDENT_COLUMN,
    COUNTRY_COLUMN,
    COUNTRY_CODE_COLUMN,
    MEMBERSHIP_COLUMN,
    AREA_COLUMN,
)

OECD_MEMBER, PARTNER = "oecd", "partner"
MEMBERSHIPS: tuple[str, ...] = (OECD_MEMBER, PARTNER)

# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------

# OECD members named in the sources, with ISO 3166-1 alpha-3 codes. Source: claim OECD-13's list in the claims
# registry (tests/test_scorecard_registry.py keeps them equal); OECD-13 itself is not checkable.
NAMED_OECD_MEMBERS: dict[str, str] = {
    "Canada": "CAN",
    "Norway": "NOR",
    "United States": "USA",
    "Finland": "FIN",
    "United Kingdom": "GBR",
}
# Partner countries. Source: claim OECD-02's names in the claims registry (kept equal by a test); the scorecard
# marks OECD-02 as holding by construction because the cleaning accepts only these.
PARTNER_COUNTRIES: dict[str, str] = {
    "Brazil": "BRA",
    "Egypt": "EGY",
    "Russian Federation": "RUS",
    "Ukraine": "UKR",
}
UNNAMED_MEMBER_LABEL = "OECD member (unnamed) {:02d}"
UNNAMED_MEMBER_CODE = "U{:02d}"

# --------------------------------------------------------------------------------------------
# Service areas: the ten COFOG divisions. Source: claim OECD-15's list in the claims registry (kept equal by a
# test); the scorecard marks OECD-15 as holding by construction because the cleaning accepts only these
# --------------------------------------------------------------------------------------------

COFOG_AREAS: dict[str, str] = {
    "01": "General public services",
    "02": "Defence",
    "03": "Public order and safety",
    "04": "Economic affairs",
    "05": "Environmental protection",
    "06": "Housing and community amenities",
    "07": "Health",
    "08": "Recreation, culture and religion",
    "09": "Education",
    "10": "Social protection",
}

# --------------------------------------------------------------------------------------------
# Questions and items
# --------------------------------------------------------------------------------------------

EXPERIENCE_FIGURE = "experience"
FIGURES: tuple[str, ...] = ("50.1", "50.2", "50.3")

QUESTIONS: dict[str, str] = {
    "Q1": "Does your organisation have any experience of co-production (citizens or users taking part "
    "in delivering the service) in this service area?",
    "Q2": "What were the reasons for introducing co-production in this service area?",
    "Q3": "What are the main barriers to co-production in this service area?",
    "Q4": "Which factors are critical for the success of co-production in this service area?",
}
FIGURE_OF_QUESTION: dict[str, str] = {"Q1": EXPERIENCE_FIGURE, "Q2": "50.1", "Q3": "50.2", "Q4": "50.3"}

# column, item_id, label, claim_id, assumed_percent (only for rank-only items; NOT published)
_ITEM_ROWS: tuple[tuple[str, str, str, str | None, float], ...] = (
    ("Q1_01", "experience_any", "Any experience of co-production in this service area", None, np.nan),
    (
        "Q2_01",
        "reason_involvement_quality",
        "Increase citizen involvement and achieve better-quality service delivery",
        "OECD-04",
        np.nan,
    ),
    ("Q2_02", "reason_reduce_costs", "Reduce costs", "OECD-05", np.nan),
    ("Q3_01", "barrier_resources", "Shortage of resources", "OECD-06", np.nan),
    ("Q3_02", "barrier_resistance", "Organisational resistance to change", "OECD-07", np.nan),
    ("Q3_03", "barrier_incentives", "Lack of financial incentives", "OECD-08", np.nan),
    ("Q3_04", "barrier_evidence", "Lack of evidence of the potential benefits", "OECD-09", np.nan),
    ("Q4_01", "factor_leadership", "Leadership and commitment from senior public officials", "OECD-10", 84.0),
    ("Q4_02", "factor_willingness", "Willingness to engage with users and citizens", "OECD-11", 78.0),
    ("Q4_03", "factor_accountability", "Clear accountability and financial frameworks", "OECD-12", np.nan),
)

ITEM_COLUMNS: tuple[str, ...] = tuple(row[0] for row in _ITEM_ROWS)
EXPERIENCE_ITEM = "experience_any"


def item_table() -> pd.DataFrame:
    """One row per item: column, question_id, question, item_id, figure, label, claim_id, assumed_percent.

    ``assumed_percent`` is filled only for the rank-only items (OECD-10, OECD-11): the generator's
    chosen target, not a published value.
    """
    frame = pd.DataFrame(
        list(_ITEM_ROWS), columns=["column", "item_id", "label", "claim_id", "assumed_percent"]
    )
    frame["question_id"] = frame["column"].str.slice(0, 2)
    frame["figure"] = frame["question_id"].map(FIGURE_OF_QUESTION)
    frame["question"] = frame["question_id"].map(QUESTIONS)
    frame["claim_id"] = frame["claim_id"].astype("string")
    frame["assumed_percent"] = frame["assumed_percent"].astype(float)
    return frame[["column", "question_id", "question", "item_id", "figure", "label", "claim_id", "assumed_percent"]]


def figure_items() -> pd.DataFrame:
    """The items of Figures 50.1-50.3 (without the experience question)."""
    items = item_table()
    return items.loc[items["figure"].isin(FIGURES)].reset_index(drop=True)


def item_id_of_column() -> dict[str, str]:
    """Vendor column name -> item_id."""
    items = item_table()
    return dict(zip(items["column"], items["item_id"], strict=True))


def area_table() -> pd.DataFrame:
    """The ten COFOG service areas: cofog_code ('01'..'10') and area label."""
    return pd.DataFrame({"cofog_code": list(COFOG_AREAS), "area": list(COFOG_AREAS.values())})


@lru_cache(maxsize=8)
def _country_table_cached(claims_path: str) -> pd.DataFrame:
    claims = load_claims(claims_path)
    n_members = int(claim_number(claims, "OECD-01"))
    n_unnamed = n_members - len(NAMED_OECD_MEMBERS)
    if n_unnamed < 0:
        raise ValueError(f"claim OECD-01 gives {n_members} OECD members, fewer than the named ones")
    unnamed = {UNNAMED_MEMBER_LABEL.format(i): UNNAMED_MEMBER_CODE.format(i) for i in range(1, n_unnamed + 1)}
    rows = (
        [(name, code, OECD_MEMBER, True) for name, code in NAMED_OECD_MEMBERS.items()]
        + [(name, code, OECD_MEMBER, False) for name, code in unnamed.items()]
        + [(name, code, PARTNER, True) for name, code in PARTNER_COUNTRIES.items()]
    )
    return pd.DataFrame(rows, columns=["country", "country_code", "membership", "named_in_sources"])


def country_table(claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> pd.DataFrame:
    """The responding countries: country, country_code, membership ('oecd'/'partner'), named_in_sources.

    The number of OECD members comes from claim OECD-01; those not named in the sources are labelled
    "OECD member (unnamed) 01", ... with codes U01, ....
    """
    return _country_table_cached(str(claims_path)).copy()


def codebook_table(claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> pd.DataFrame:
    """The vendor codebook, one row per column of the respondent file: column, question, item, label, codes."""
    item_codes = "; ".join(f"{code} = {label}" for code, label in RESPONSE_CODES.items())
    countries = country_table(claims_path)
    id_rows = [
        (RESPONDENT_COLUMN, "Respondent (official) identifier", "", "respondent id", "text"),
        (COUNTRY_COLUMN, "Country of the responding official", "", "country name", f"{len(countries)} countries"),
        (COUNTRY_CODE_COLUMN, "Country code", "", "ISO 3166-1 alpha-3; U01.. for unnamed members", "text"),
        (MEMBERSHIP_COLUMN, "OECD membership", "", "oecd = OECD member; partner = partner country", "oecd; partner"),
        (AREA_COLUMN, "Service area answered for (COFOG division)", "", "COFOG code", "; ".join(
            f"{code} = {label}" for code, label in COFOG_AREAS.items()
        )),
    ]
    items = item_table()
    item_rows = [
        (row.column, row.question, row.item_id, row.label, item_codes) for row in items.itertuples()
    ]
    synthetic_row = [(SYNTHETIC_COLUMN, "Synthetic-data flag", "", "1 = synthetic row (not survey data)", "1")]
    return pd.DataFrame(id_rows + item_rows + synthetic_row, columns=["column", "question", "item", "label", "codes"])


def write_codebook(target: str | os.PathLike[str], claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> None:
    """Write :func:`codebook_table` as CSV (atomic, deterministic)."""
    from helpers.outputs import write_csv

    write_csv(codebook_table(claims_path), target)
