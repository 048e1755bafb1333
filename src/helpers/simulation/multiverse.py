"""A multiverse of the analysis choices the sources leave open, run on the calibrated synthetic samples.

For every published number the sources give (EU-06 to EU-08, OECD-04 to OECD-09 and OECD-12) the analysis is run
under every combination of the choices below (a full grid), and each result is set against the published value:
*reproduces* means it rounds half up to the published value at its printed precision (as the scorecard checks).

EU five-country index (``eu_multiverse``), from ``data/raw/eu2008_citizens_synthetic.csv`` cleaned by
``helpers.eu.clean.clean``:

- weighting: population shares after post-stratification (EU-04, the compendium's), post-stratified only (each
  country by its sample size), equal country totals, unweighted;
- don't know on an activity: missing (the compendium's), counted as "never", or the respondent left out of
  that sector;
- index items: the sector's three items (ours, A-EU-02), only the items the sources name, or one item left out;
- index formula: mean of the valid items on 0-100 with at least two valid (ours, A-EU-07), with every item
  valid, with at least one valid, or the share of the valid items done "often" or "always" (x 100);
- age limits: 18 and over (EU-02, ours), 18-74, 18-64 (weights recomputed on the subsample).

OECD percentages (``oecd_multiverse``), from ``data/raw/oecd2010_officials_synthetic.csv``: the percentage base
(``helpers.oecd.estimates.BASES``: yes over yes + no + don't know, the compendium's reading of OECD-03; over every
answered and unanswered cell; over yes + no, i.e. don't know left out) and the weighting (each response once, the
published pooling; each country equally; each official equally).

The estimates are point estimates (the compendium's weighted mean); the spread over the grid is the question.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.data.checks import published_precision, round_half_up
from helpers.data.claims import claim_value_text
from helpers.eu.clean import CleaningResult
from helpers.eu.codebook import ACTIVITIES, SECTOR_TARGET_CLAIM, SECTORS, activity_items
from helpers.eu.estimates import equal_country_weight
from helpers.eu.index import coproduction_index, weighted_mean
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT, WITHIN_COUNTRY_WEIGHT, add_weights
from helpers.oecd import codebook as oecd_codebook
from helpers.oecd.estimates import BASES, affirmative_indicator

EU_CHOICES: dict[str, tuple[str, ...]] = {
    "weighting": ("population shares", "post-stratified only", "equal country totals", "unweighted"),
    "dont_know": ("missing", "as never", "respondent left out"),
    "items": ("all three", "named in the sources", "first left out", "second left out", "third left out"),
    "formula": ("mean, 2+ valid", "mean, all valid", "mean, 1+ valid", "share often or always"),
    "age": ("18+", "18-74", "18-64"),
}
"""Every choice of the EU grid; the first level of each is the compendium's (the published specification)."""
OECD_CHOICES: dict[str, tuple[str, ...]] = {
    "base": BASES,
    "weighting": ("each response", "each country", "each official"),
}
"""Every choice of the OECD grid; the first level of each is the compendium's."""
CHOICE_LABELS: dict[str, str] = {
    "weighting": "Weighting", "dont_know": "Don't know", "items": "Index items", "formula": "Index formula",
    "age": "Age limits", "base": "Percentage base",
}
BASE_LABELS: dict[str, str] = {
    "responses": "yes / (yes + no + don't know)", "all_cells": "yes / every cell", "excluding_dont_know": "yes / (yes + no)",
}
AGE_LIMITS: dict[str, tuple[int, int]] = {"18+": (18, 200), "18-74": (18, 74), "18-64": (18, 64)}
OFTEN: int = 3
"""Codes at or above this are "often" or "always" (the frequency scale 1-4)."""
MULTIVERSE_COLUMNS: tuple[str, ...] = ("study", "claim_id", "target", "published", "estimate", "reproduces",
                                       "is_published_specification")


# ---------------------------------------------------------------------------------------------------------
# EU
# ---------------------------------------------------------------------------------------------------------


def dont_know_cells(cleaning: CleaningResult) -> pd.DataFrame:
    """(RESPID, column) of every don't-know answer the cleaning turned into missing."""
    log = cleaning.log
    cells = log.loc[log["reason"] == "dont_know_to_missing", ["RESPID", "column"]]
    return cells.astype({"RESPID": "int64", "column": "str"})


def with_dont_know(data: pd.DataFrame, cells: pd.DataFrame, items: Sequence[str], handling: str) -> pd.DataFrame:
    """``items`` of ``data`` with don't know handled as ``handling`` (``EU_CHOICES['dont_know']``); a respondent
    left out has every item of the set missing."""
    frame = data[list(items)].astype("float64").copy()
    if handling == "missing":
        return frame
    position = pd.Series(np.arange(len(data)), index=data["RESPID"].astype("int64").to_numpy())
    relevant = cells.loc[cells["column"].isin(list(items)) & cells["RESPID"].isin(position.index)]
    rows = position.loc[relevant["RESPID"]].to_numpy()
    if handling == "as never":
        for column in items:
            frame.iloc[rows[relevant["column"].to_numpy() == column], frame.columns.get_loc(column)] = 1.0
        return frame
    if handling == "respondent left out":
        frame.iloc[np.unique(rows)] = np.nan
        return frame
    raise ValueError(f"unknown don't-know handling {handling!r}")


def item_set(sector: str, choice: str) -> list[str]:
    """The items of ``sector`` under an ``EU_CHOICES['items']`` choice."""
    items = list(activity_items(sector))
    if choice == "all three":
        return items
    if choice == "named in the sources":
        return [a.column for a in ACTIVITIES if a.sector == sector and a.source.startswith("published")]
    position = ("first left out", "second left out", "third left out").index(choice)
    return [item for i, item in enumerate(items) if i != position]


def index_values(items: pd.DataFrame, sector: str, formula: str) -> np.ndarray:
    """Each respondent's index of ``sector`` from the item frame under an ``EU_CHOICES['formula']`` choice."""
    columns = list(items.columns)
    if formula == "mean, 2+ valid":
        return coproduction_index(items, sector, columns).to_numpy()
    if formula == "mean, all valid":
        return coproduction_index(items, sector, columns, min_valid=len(columns)).to_numpy()
    if formula == "mean, 1+ valid":
        return coproduction_index(items, sector, columns, min_valid=1).to_numpy()
    if formula == "share often or always":
        values = items.to_numpy(dtype=float)
        valid = ~np.isnan(values)
        n_valid = valid.sum(axis=1)
        often = np.where(valid, values >= OFTEN, False).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = 100.0 * often / n_valid
        return np.where(n_valid >= min(2, len(columns)), share, np.nan)
    raise ValueError(f"unknown index formula {formula!r}")


def weight_values(data: pd.DataFrame, weighting: str) -> np.ndarray:
    """The weight of every respondent under an ``EU_CHOICES['weighting']`` choice (``data`` has both weights)."""
    if weighting == "population shares":
        return data[FIVE_COUNTRY_WEIGHT].to_numpy(dtype=float)
    if weighting == "post-stratified only":
        return data[WITHIN_COUNTRY_WEIGHT].to_numpy(dtype=float)
    if weighting == "equal country totals":
        return equal_country_weight(data, WITHIN_COUNTRY_WEIGHT).to_numpy(dtype=float)
    if weighting == "unweighted":
        return np.ones(len(data))
    raise ValueError(f"unknown weighting {weighting!r}")


def eu_multiverse(cleaning: CleaningResult, claims: pd.DataFrame, margins: pd.DataFrame,
                  population_shares: pd.Series) -> pd.DataFrame:
    """The five-country index of every sector under every specification of :data:`EU_CHOICES`.

    Columns :data:`MULTIVERSE_COLUMNS` plus one column per choice.
    """
    cells = dont_know_cells(cleaning)
    rows = []
    for age_choice, (low, high) in AGE_LIMITS.items():
        ages = cleaning.data["AGE"].astype(float)
        subset = cleaning.data.loc[(ages >= low) & (ages <= high)].reset_index(drop=True)
        data = add_weights(subset, margins, population_shares)
        weights = {choice: weight_values(data, choice) for choice in EU_CHOICES["weighting"]}
        for sector in SECTORS:
            claim_id = SECTOR_TARGET_CLAIM[sector]
            published = claim_value_text(claims, claim_id)
            for dont_know, items_choice, formula in itertools.product(
                    EU_CHOICES["dont_know"], EU_CHOICES["items"], EU_CHOICES["formula"]):
                items = with_dont_know(data, cells, item_set(sector, items_choice), dont_know)
                values = index_values(items, sector, formula)
                for weighting, weight in weights.items():
                    estimate = weighted_mean(values, weight)
                    rows.append({"study": "eu2008", "claim_id": claim_id, "target": sector, "published": published,
                                 "estimate": estimate, "weighting": weighting, "dont_know": dont_know,
                                 "items": items_choice, "formula": formula, "age": age_choice})
    return _finish(pd.DataFrame(rows), EU_CHOICES)


# ---------------------------------------------------------------------------------------------------------
# OECD
# ---------------------------------------------------------------------------------------------------------


def oecd_weights(long_table: pd.DataFrame, weighting: str) -> np.ndarray:
    """Row weights under an ``OECD_CHOICES['weighting']`` choice: 1; 1 / rows of the country (per item, so each
    country's answers sum to 1); 1 / areas the official answered (each official sums to 1 per item)."""
    if weighting == "each response":
        return np.ones(len(long_table))
    if weighting == "each country":
        rows = long_table.groupby(["country", "item_id"])["item_id"].transform("size")
        return 1.0 / rows.to_numpy(dtype=float)
    if weighting == "each official":
        rows = long_table.groupby(["respondent_id", "item_id"])["item_id"].transform("size")
        return 1.0 / rows.to_numpy(dtype=float)
    raise ValueError(f"unknown weighting {weighting!r}")


def oecd_multiverse(long_table: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The percentage affirmative of every item with a published value under every specification of
    :data:`OECD_CHOICES` (``long_table``: ``helpers.oecd.clean.clean_vendor_file(...).long``)."""
    items = oecd_codebook.figure_items()
    valued = items.loc[[claims.set_index("claim_id").loc[c, "kind"] == "value" for c in items["claim_id"]]]
    table = long_table.loc[long_table["item_id"].isin(list(valued["item_id"]))].reset_index(drop=True)
    rows = []
    for base, weighting in itertools.product(OECD_CHOICES["base"], OECD_CHOICES["weighting"]):
        indicator = affirmative_indicator(table["response"], base)
        weights = oecd_weights(table, weighting)
        for item in valued.itertuples():
            in_item = (table["item_id"] == item.item_id).to_numpy()
            estimate = 100.0 * weighted_mean(indicator.to_numpy()[in_item], weights[in_item])
            rows.append({"study": "oecd2010", "claim_id": item.claim_id, "target": item.label,
                         "published": claim_value_text(claims, item.claim_id), "estimate": estimate,
                         "base": base, "weighting": weighting})
    return _finish(pd.DataFrame(rows), OECD_CHOICES)


# ---------------------------------------------------------------------------------------------------------
# Shared
# ---------------------------------------------------------------------------------------------------------


def reproduces(estimate: float, published: str) -> bool:
    """Whether ``estimate`` rounds half up to the published value at its printed precision."""
    digits = published_precision(published)
    return bool(np.isclose(round_half_up(estimate, digits), float(published), rtol=0, atol=10.0 ** -digits / 100))


def _finish(frame: pd.DataFrame, choices: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    frame["reproduces"] = [reproduces(e, p) for e, p in zip(frame["estimate"], frame["published"], strict=True)]
    published_specification = np.ones(len(frame), dtype=bool)
    for name, levels in choices.items():
        published_specification &= (frame[name] == levels[0]).to_numpy()
    frame["is_published_specification"] = published_specification
    frame["published"] = frame["published"].astype(float)
    return frame[[*MULTIVERSE_COLUMNS, *choices]]


def multiverse_summary(multiverse: pd.DataFrame) -> pd.DataFrame:
    """Per published number: specifications, smallest, largest and published-specification estimate, the share of
    specifications that reproduce the published value."""
    def summary(group: pd.DataFrame) -> pd.Series:
        chosen = group.loc[group["is_published_specification"], "estimate"]
        return pd.Series({
            "target": group["target"].iloc[0], "published": group["published"].iloc[0],
            "specifications": len(group), "lowest": group["estimate"].min(), "highest": group["estimate"].max(),
            "published_specification": chosen.iloc[0] if len(chosen) else np.nan,
            "share_reproducing": group["reproduces"].mean(),
        })

    return (multiverse.groupby(["study", "claim_id"], sort=False)[list(multiverse.columns)]
            .apply(summary).reset_index())


def specification_ranks(multiverse: pd.DataFrame) -> pd.DataFrame:
    """``multiverse`` with ``rank`` (1 = lowest estimate) within each published number, for a specification curve."""
    ordered = multiverse.sort_values(["claim_id", "estimate"], kind="stable").copy()
    ordered["rank"] = ordered.groupby("claim_id").cumcount() + 1
    return ordered


def choice_indicators(ranked: pd.DataFrame, choices: dict[str, tuple[str, ...]], claim_id: str) -> pd.DataFrame:
    """The indicator panel of one specification curve: rows 'Choice: level', columns the ranks, 1 where the
    specification made that choice (for ``seaborn.heatmap``)."""
    curve = ranked.loc[ranked["claim_id"] == claim_id]
    rows = {f"{CHOICE_LABELS[name]}: {BASE_LABELS.get(level, level)}": (curve[name] == level).astype(int).to_numpy()
            for name, levels in choices.items() for level in levels}
    return pd.DataFrame(rows, index=curve["rank"].to_numpy()).T
