"""Sensitivity of the headline numbers (the five-country index by sector) to the analyst's choices.

Variants: the published weighting (each country by its population, EU-04), equal country weights, no
weights, and the index built from another item set (by default only the activities that the sources name,
leaving out the items we assumed; see the assumptions log, A-EU-02).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from helpers.eu.codebook import ACTIVITIES, SECTORS
from helpers.eu.estimates import index_by_sector
from helpers.eu.figures import POINT_COLOUR, PUBLISHED_COLOUR, _decorate, _sector_title
from helpers.eu.index import add_indices
from helpers.data.real_data import lacking

VARIANT_LABELS: dict[str, str] = {
    "population": "published scheme: population weights (EU-04)",
    "equal_countries": "equal weight for each country",
    "unweighted": "no weights",
    "item_set": "index from another item set",
}
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "variant", "variant_label", "sector", "estimate", "ci_low", "ci_high", "published", "difference", "index_items",
)
MAIN_INDEX_ITEMS: str = "as in the main index"


def published_activity_items() -> dict[str, list[str]]:
    """Per sector, the activity items named in the sources (the assumed ones left out)."""
    return {
        sector: [a.column for a in ACTIVITIES if a.sector == sector and a.source.startswith("published")]
        for sector in SECTORS
    }


def headline_variants(
    respondents: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    alternative_items: Mapping[str, Sequence[str]] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The five-country index by sector under each variant, with the published value and the difference.

    The item-set variant uses the alternative items the data have (a real file may lack some): its
    ``index_items`` column lists the items used and those the file lacks; a sector with none of its items has
    no estimate in that variant (the figure shows no point for it).
    """
    requested = {sector: list(items) for sector, items in (alternative_items or published_activity_items()).items()}
    alternative = {sector: [item for item in items if not lacking(respondents, [item])]
                   for sector, items in requested.items()}
    variants = {
        "population": index_by_sector(respondents, claims=claims, alpha=alpha),
        "equal_countries": index_by_sector(respondents, claims=claims, alpha=alpha, equal_country_weights=True),
        "unweighted": index_by_sector(respondents, claims=claims, alpha=alpha, weighted=False),
    }
    usable = {sector: items for sector, items in alternative.items() if items}
    item_set = index_by_sector(add_indices(respondents, usable), claims=claims, alpha=alpha)
    without_items = item_set["sector"].isin([sector for sector in alternative if sector not in usable])
    item_set.loc[without_items, ["estimate", "ci_low", "ci_high"]] = float("nan")
    variants["item_set"] = item_set.assign(index_items=item_set["sector"].map(
        lambda sector: item_set_text(requested.get(sector), alternative.get(sector))))
    frames = [
        table.assign(variant=name, variant_label=VARIANT_LABELS[name], difference=table["estimate"] - table["published"])
        for name, table in variants.items()
    ]
    combined = pd.concat(frames, ignore_index=True)
    combined["index_items"] = combined["index_items"].fillna(MAIN_INDEX_ITEMS)
    return combined[list(SENSITIVITY_COLUMNS)]


def item_set_text(requested: Sequence[str] | None, used: Sequence[str] | None) -> str:
    """The items of a sector's alternative index as the table shows them, naming those the file lacks."""
    if requested is None:
        return MAIN_INDEX_ITEMS  # a sector the alternative item set does not name keeps its items
    missing = [item for item in requested if item not in (used or [])]
    text = ", ".join(used or []) or "none"
    return f"{text} (not in this file: {', '.join(missing)})" if missing else text


def plot_headline_variants(variants: pd.DataFrame, *, synthetic: bool) -> Figure:
    """One panel per sector: each variant's estimate with its interval, the published value as a line."""
    figure = Figure(figsize=(10, 3.8))
    axes = figure.subplots(1, len(SECTORS), sharey=True)
    names = list(VARIANT_LABELS)
    for ax, sector in zip(axes, SECTORS, strict=True):
        rows = variants.loc[variants["sector"] == sector].set_index("variant").reindex(names)
        positions = range(len(names))
        ax.errorbar(
            rows["estimate"], positions,
            xerr=[rows["estimate"] - rows["ci_low"], rows["ci_high"] - rows["estimate"]],
            fmt="o", color=POINT_COLOUR, capsize=3,
        )
        published = rows["published"].iloc[0]
        ax.axvline(published, color=PUBLISHED_COLOUR, linestyle="--", linewidth=1)
        ax.set_title(f"{_sector_title(sector)}\n(published {published:g}, dashed line)", fontsize=9)
        ax.set_xlabel("Index (0-100)")
        ax.set_ylim(len(names) - 0.5, -0.5)
    axes[0].set_yticks(range(len(names)), [VARIANT_LABELS[n] for n in names], fontsize=8)
    figure.subplots_adjust(left=0.27, right=0.98, top=0.78, bottom=0.2, wspace=0.08)
    _decorate(figure, list(axes), "How the headline index moves with the analyst's choices", synthetic=synthetic)
    return figure
