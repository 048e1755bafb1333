"""Percent affirmative per item (Figures 50.1-50.3) and design facts (the claim checks: helpers.oecd.scorecard).

Published definition (claim OECD-03): the percentage for an item is the sum of affirmative
responses over all respondents in all countries divided by the total responses to the question
for all countries. We read "total responses" as yes + no + don't know for that item, pooled over
every official x service area row; not-answered cells (code 9) are not responses. That is
``base="responses"`` (the default). Two deliberately different bases exist to show that the base
matters: ``"all_cells"`` (not-answered cells count in the denominator) and
``"excluding_dont_know"`` (only yes + no).

Design assumption for the confidence intervals: every official x service area x item row has
weight 1 (the published percentages pool responses unweighted), there are no strata (the survey
was not a stratified probability sample), and each official is a cluster (PSU), because one
official answers for several service areas and those answers are not independent. Standard
errors, CIs (logit; 95% by default, the ``confidence_level`` column records the level) and design effects
(against SRS with replacement) come from svy through :mod:`helpers.stats.survey`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from helpers.pipeline.choices import PERCENTAGE_BASES
from helpers.data.claims import claim_row, load_claims
from helpers.oecd import codebook
from helpers.stats.survey import SurveyDesign, survey_proportion

BASES: tuple[str, ...] = PERCENTAGE_BASES  # helpers.pipeline.choices: the runner checks the parameter against it
PUBLISHED_BASE: str = "responses"
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "figure",
    "question",
    "item_id",
    "label",
    "claim_id",
    "published_value",
    "published_rank",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "deff",
    "df",
    "n_responses",
    "n_yes",
    "base",
    "confidence_level",
)
CLUSTER_COLUMN: str = "respondent_id"
OFFICIALS_AS_CLUSTERS: SurveyDesign = SurveyDesign(weight=None, strata=None, psu=CLUSTER_COLUMN)
"""The design of the intervals (A-OECD-11): no weights, no strata, each official a cluster (primary sampling unit)."""
_INDICATOR: str = "affirmative"

# Which responses count in the denominator under each base (yes is always the numerator).
_BASE_RESPONSES: dict[str, tuple[str, ...]] = {
    "responses": (codebook.YES, codebook.NO, codebook.DONT_KNOW),
    "all_cells": (codebook.YES, codebook.NO, codebook.DONT_KNOW, codebook.NOT_ANSWERED),
    "excluding_dont_know": (codebook.YES, codebook.NO),
}


BASE_WORDS: dict[str, str] = {
    "responses": "responses (yes + no + don't know)",
    "all_cells": "all answer cells (yes + no + don't know + not answered)",
    "excluding_dont_know": "yes and no answers (don't know left out)",
}
"""Each percentage base in words, for axis labels, captions and the report."""


def base_words(base: str) -> str:
    """The percentage base in words: 'responses (yes + no + don't know)' for ``"responses"``."""
    if base not in BASE_WORDS:
        raise ValueError(f"base must be one of {', '.join(BASES)}; got {base!r}")
    return BASE_WORDS[base]


def affirmative_indicator(response: pd.Series, base: str = PUBLISHED_BASE) -> pd.Series:
    """1.0 for yes, 0.0 for the other responses in ``base``, NaN for responses outside the base."""
    if base not in _BASE_RESPONSES:
        raise ValueError(f"base must be one of {', '.join(BASES)}; got {base!r}")
    text = response.astype(str)
    in_base = text.isin(_BASE_RESPONSES[base])
    return pd.Series(np.where(text == codebook.YES, 1.0, 0.0), index=response.index).where(in_base)


def published_item_values(claims: pd.DataFrame, items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per figure item: item_id, published_value (NaN unless kind 'value'), published_rank (<NA> unless 'rank')."""
    items = codebook.figure_items() if items is None else items
    values, ranks = [], []
    for claim_id in items["claim_id"]:
        claim = claim_row(claims, claim_id)
        values.append(float(claim["value"]) if claim["kind"] == "value" else math.nan)
        ranks.append(int(float(claim["value"])) if claim["kind"] == "rank" else pd.NA)
    return pd.DataFrame(
        {
            "item_id": items["item_id"].to_numpy(),
            "published_value": np.array(values, dtype=float),
            "published_rank": pd.array(ranks, dtype="Int64"),
        }
    )


def percent_affirmative(
    long_table: pd.DataFrame,
    claims: pd.DataFrame | None = None,
    *,
    base: str = PUBLISHED_BASE,
    alpha: float = 0.05,
    design: SurveyDesign = OFFICIALS_AS_CLUSTERS,
) -> pd.DataFrame:
    """Percent yes per item of Figures 50.1-50.3 with design-based intervals; columns :data:`ESTIMATE_COLUMNS`.

    ``long_table`` is :func:`helpers.oecd.clean.clean_vendor_file` ``.long``. ``base`` says which answers count in
    the denominator (the published definition, OECD-03, by default); ``design`` how the answers were sampled
    (default: officials as clusters, no weights). All rows stay in the design; rows of other items or outside
    ``base`` are missing in the indicator, so each item is a domain of the full sample. Percent, SE and CI are on
    the 0-100 scale. ``claims`` (default: the project registry) supplies published_value and published_rank.
    """
    claims = load_claims() if claims is None else claims
    items = codebook.figure_items()
    indicator = affirmative_indicator(long_table["response"], base)
    indicator = indicator.where(long_table["item_id"].isin(list(items["item_id"])))
    frame = long_table.assign(**{_INDICATOR: indicator})
    estimates = survey_proportion(frame, _INDICATOR, 1.0, weight=design.weight, strata=design.strata, psu=design.psu,
                                  by="item_id", alpha=alpha)
    n_yes = (
        frame.loc[frame[_INDICATOR] == 1.0].groupby("item_id").size().rename("n_yes").reset_index()
    )
    table = (
        items[["figure", "question", "item_id", "label", "claim_id"]]
        .merge(published_item_values(claims, items), on="item_id", how="left")
        .merge(estimates, on="item_id", how="left")
        .merge(n_yes, on="item_id", how="left")
    )
    for column in ("estimate", "se", "ci_low", "ci_high"):
        table[column] = 100.0 * table[column]
    table["n_responses"] = table["n"].fillna(0).astype("int64")
    table["n_yes"] = table["n_yes"].fillna(0).astype("int64")
    table["df"] = table["df"].astype("Int64")
    table["claim_id"] = table["claim_id"].astype(str)
    table["base"] = base
    table["confidence_level"] = round(1.0 - alpha, 10)  # the level of ci_low / ci_high, read by the figures
    return table[list(ESTIMATE_COLUMNS)]


# --------------------------------------------------------------------------------------------
# OECD-14 and design facts
# --------------------------------------------------------------------------------------------


def country_experience(long_table: pd.DataFrame) -> pd.DataFrame:
    """Per country: country, country_code, membership, has_experience (a yes to the experience item anywhere)."""
    experience = long_table.loc[long_table["item_id"] == codebook.EXPERIENCE_ITEM]
    said_yes = experience["response"].astype(str) == codebook.YES
    per_country = (
        experience.assign(said_yes=said_yes)
        .groupby(["country", "country_code", "membership"], sort=True)["said_yes"]
        .any()
        .rename("has_experience")
        .reset_index()
    )
    return per_country


def member_experience_share(long_table: pd.DataFrame) -> dict[str, Any]:
    """OECD-14: how many OECD member countries in the data have co-production experience in some area."""
    per_country = country_experience(long_table)
    members = per_country.loc[per_country["membership"] == codebook.OECD_MEMBER]
    n_members = len(members)
    n_with = int(members["has_experience"].sum())
    share = n_with / n_members if n_members else math.nan
    return {"n_members": n_members, "n_with_experience": n_with, "share": share, "majority": bool(share > 0.5)}


def design_facts(long_table: pd.DataFrame) -> dict[str, Any]:
    """Facts about the data to set against the design claims: countries, memberships, service areas."""
    countries = long_table[["country", "membership"]].drop_duplicates()
    named = [*codebook.NAMED_OECD_MEMBERS, *codebook.PARTNER_COUNTRIES]
    present = set(countries["country"])
    cofog_codes = sorted(set(long_table["cofog_code"]))
    return {
        "n_oecd_countries": int((countries["membership"] == codebook.OECD_MEMBER).sum()),
        "n_partner_countries": int((countries["membership"] == codebook.PARTNER).sum()),
        "partner_countries": sorted(countries.loc[countries["membership"] == codebook.PARTNER, "country"]),
        "cofog_codes": cofog_codes,
        "cofog_areas": [codebook.COFOG_AREAS[code] for code in cofog_codes],
        "named_countries_present": {name: name in present for name in named},
        "n_respondents": int(long_table[CLUSTER_COLUMN].nunique()),
        "n_respondent_areas": int(long_table[[CLUSTER_COLUMN, "cofog_code"]].drop_duplicates().shape[0]),
    }
