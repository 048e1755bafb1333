"""Sensitivity of the headline numbers (the five-country index by sector) to the analyst's choices.

Variants: the published weighting (each country by its population, EU-04), equal country weights, no
weights, and the index built from another item set (by default only the activities that the sources name,
leaving out the items we assumed; see the assumptions log, A-EU-02). Notebook 24 computes each variant itself
with :func:`helpers.eu.estimates.index_by_sector` and a survey design; :func:`item_set_variant` builds the
item-set variant, :func:`variant_table` puts the variants in one table and :func:`compare_with_main` sets each
against the main result (the published scheme) and says why an alternative equals it when it does.
:func:`headline_variants` does all of it in one call, for the benchmark and batch use (same numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.data.real_data import lacking
from helpers.eu.codebook import ACTIVITIES, SECTORS, activity_items
from helpers.eu.estimates import PSU_COLUMN, STRATUM_COLUMN, index_by_sector
from helpers.eu.index import add_indices
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT
from helpers.stats.survey import SurveyDesign

VARIANT_LABELS: dict[str, str] = {
    "population": "published scheme: population weights (EU-04)",
    "equal_countries": "equal weight for each country",
    "unweighted": "no weights",
    "item_set": "index from another item set",
}
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "variant", "variant_label", "sector", "estimate", "ci_low", "ci_high", "published", "difference", "index_items",
)
COMPARISON_COLUMNS: tuple[str, ...] = (*SENSITIVITY_COLUMNS, "difference_from_main", "equals_main", "why_equal")
MAIN_INDEX_ITEMS: str = "as in the main index"
MAIN_VARIANT: str = "population"
EQUAL_AT: float = 0.005
"""Two estimates closer than this are equal at the printed precision (two decimals)."""


def published_activity_items() -> dict[str, list[str]]:
    """Per sector, the activity items named in the sources (the assumed ones left out)."""
    return {
        sector: [a.column for a in ACTIVITIES if a.sector == sector and a.source.startswith("published")]
        for sector in SECTORS
    }


def published_scheme() -> SurveyDesign:
    """The design of the published five-country figures: cross-country weight, country strata, respondents as
    PSUs (EU-04, A-EU-ANALYSIS-01)."""
    return SurveyDesign(weight=FIVE_COUNTRY_WEIGHT, strata=STRATUM_COLUMN, psu=PSU_COLUMN)


def item_set_variant(respondents: pd.DataFrame, claims: pd.DataFrame, *, items: Mapping[str, Sequence[str]],
                     design: SurveyDesign | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """The five-country index by sector with each sector's index rebuilt from ``items`` (sector -> activity
    columns; a sector not named keeps the codebook's items).

    Uses the items the data have (a real file may lack some): ``index_items`` lists the items used and those the
    file lacks; a sector with none of its items has no estimate (the figure shows no point for it).
    """
    requested = {sector: list(columns) for sector, columns in items.items()}
    alternative = {sector: [item for item in columns if not lacking(respondents, [item])]
                   for sector, columns in requested.items()}
    usable = {sector: columns for sector, columns in alternative.items() if columns}
    table = index_by_sector(add_indices(respondents, usable), design=design or published_scheme(), claims=claims,
                            alpha=alpha)
    without_items = table["sector"].isin([sector for sector in alternative if sector not in usable])
    table.loc[without_items, ["estimate", "ci_low", "ci_high"]] = float("nan")
    return table.assign(index_items=table["sector"].map(
        lambda sector: item_set_text(requested.get(sector), alternative.get(sector))))


def variant_table(variants: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The variants (name -> :func:`index_by_sector` table) in one table: each row with its variant's label and
    its ``difference`` from the published value (index points). Columns :data:`SENSITIVITY_COLUMNS`."""
    frames = [table.assign(variant=name, variant_label=VARIANT_LABELS.get(name, name),
                           difference=table["estimate"] - table["published"])
              for name, table in variants.items()]
    combined = pd.concat(frames, ignore_index=True)
    if "index_items" not in combined.columns:
        combined["index_items"] = np.nan
    combined["index_items"] = combined["index_items"].fillna(MAIN_INDEX_ITEMS)
    return combined[list(SENSITIVITY_COLUMNS)]


def headline_variants(
    respondents: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    alternative_items: Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The five-country index by sector under each variant, with the published value and the difference (the
    batch route of notebook 24: the same calls). Columns :data:`SENSITIVITY_COLUMNS`."""
    design = published_scheme()
    return variant_table({
        "population": index_by_sector(respondents, design=design, claims=claims, alpha=alpha),
        "equal_countries": index_by_sector(respondents, design=design.with_equal_stratum_totals(), claims=claims,
                                           alpha=alpha),
        "unweighted": index_by_sector(respondents, design=design.unweighted(), claims=claims, alpha=alpha),
        "item_set": item_set_variant(respondents, claims, items=alternative_items or published_activity_items(),
                                     design=design, alpha=alpha),
    })


def item_set_text(requested: Sequence[str] | None, used: Sequence[str] | None) -> str:
    """The items of a sector's alternative index as the table shows them, naming those the file lacks."""
    if requested is None:
        return MAIN_INDEX_ITEMS  # a sector the alternative item set does not name keeps its items
    missing = [item for item in requested if item not in (used or [])]
    text = ", ".join(used or []) or "none"
    return f"{text} (not in this file: {', '.join(missing)})" if missing else text


def compare_with_main(table: pd.DataFrame, main_items: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Each variant against the main result (the published scheme, :data:`MAIN_VARIANT`): ``difference_from_main``
    in index points, ``equals_main`` (equal at the printed precision) and ``why_equal``, the reason in words.

    An item-set variant whose items are the main index's own (``main_items``: sector -> items, as the cleaning
    step recorded them; default the codebook's) builds the same index, so it equals the main result by
    construction; any other equality is a coincidence of the data, said as such. Columns
    :data:`COMPARISON_COLUMNS`.
    """
    main = table.loc[table["variant"] == MAIN_VARIANT].set_index("sector")["estimate"]
    items = {sector: list(main_items.get(sector, activity_items(sector))) if main_items else list(activity_items(sector))
             for sector in SECTORS}
    rows = table.assign(difference_from_main=table["estimate"] - table["sector"].map(main))
    reasons = []
    for row in rows.itertuples(index=False):
        reasons.append(_why_equal(row, items))
    rows["why_equal"] = reasons
    rows["equals_main"] = rows["why_equal"] != ""
    return rows[list(COMPARISON_COLUMNS)]


def _why_equal(row: object, main_items: Mapping[str, Sequence[str]]) -> str:
    """Why a variant's estimate equals the main result ('' when it does not, or it is the main result)."""
    variant, sector, difference = row.variant, row.sector, row.difference_from_main  # type: ignore[attr-defined]
    if variant == MAIN_VARIANT or not np.isfinite(difference):
        return ""
    used = [item.strip() for item in str(row.index_items).split(" (not in this file")[0].split(",")]  # type: ignore[attr-defined]
    if variant == "item_set" and (row.index_items == MAIN_INDEX_ITEMS  # type: ignore[attr-defined]
                                  or sorted(used) == sorted(main_items.get(sector, []))):
        return ("its items are the main index's own (all named in the sources), so it is the same index "
                "and the same estimate by construction")
    if abs(difference) < EQUAL_AT:
        return "equal at two decimals in these data (not by construction)"
    return ""
