"""Figures of the 2008 five-country citizen survey: index by sector, by country, activities, correlates.

Every function draws on a fresh ``matplotlib.figure.Figure`` (no pyplot state; fixed size, order and
colours, so the output is deterministic) and returns ``(figure, data)``: the figure and the data frame
behind it. Each figure carries a visible "SYNTHETIC DATA — not survey findings" label (and a faint
watermark) when the data are synthetic, and the source line of the study. :func:`save_eu_figure` writes
PNG + SVG (``helpers.outputs.save_figure``, fixed metadata) and the CSV behind the figure (``write_csv``).

Every interval is labelled with the confidence level its table records (``confidence_level``, e.g. 95%),
never with a parameter of the figure, so the label is always the level of the numbers drawn.

- :func:`plot_index_by_sector`: five-country index per sector with its CI and the published value
  (red diamond and "published 61"), from :func:`helpers.eu.estimates.index_by_sector`;
- :func:`plot_index_by_country`: index per country, one panel per sector, with the five-country estimate
  as a reference line, from :func:`helpers.eu.estimates.index_by_sector_country`;
- :func:`plot_activity_frequencies`: each activity's frequency distribution per country as stacked bars,
  one panel per sector, from :func:`helpers.eu.estimates.activity_frequencies`;
- :func:`plot_coefficients`: the correlates' coefficients with their CIs, one panel per sector, from
  :func:`helpers.eu.statistics.correlates_table`.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.eu.codebook import ACTIVITIES, CANONICAL_COUNTRIES, FREQUENCY_LABELS, SECTOR_NAMES, SECTORS
from helpers.eu.statistics import CLAIM_OF_TERM, CORRELATE_TERMS
from helpers.outputs import save_figure, write_csv
from helpers.stats.intervals import level_label, table_confidence_level

SYNTHETIC_LABEL: str = "SYNTHETIC DATA \u2014 not survey findings"
SOURCE: str = (
    "Source: L\u00f6ffler, Parrado, Bovaird and Van Ryzin (2008); Parrado, Van Ryzin, Bovaird and L\u00f6ffler "
    "(2013), International Public Management Journal 16(1)."
)
SOURCE_SYNTHETIC_SUFFIX: str = " Reproduced from synthetic stand-in data; see the assumptions log."
TITLES: dict[str, str] = {
    "sector": "Co-production index by sector, five countries (0-100)",
    "country": "Co-production index by sector and country (0-100)",
    "activities": "How often citizens do each activity, by country",
    "coefficients": "Correlates of co-production: weighted linear models of the index, by sector",
}
POINT_COLOUR: str = "#4C72B0"
PUBLISHED_COLOUR: str = "#C44E52"
COUNTRY_COLOURS: dict[str, str] = dict(zip(CANONICAL_COUNTRIES, ("#4C72B0", "#DD8452", "#55A868", "#8172B3",
                                                                  "#937860"), strict=True))
CATEGORY_COLOURS: tuple[str, ...] = ("#d7e3f4", "#9ebce0", "#5b8fc7", "#23568f")
TERM_LABELS: dict[str, str] = {
    "female": "Female (vs male)",
    "age_decades": "Age (per 10 years)",
    "efficacy": "Self-efficacy (per step, 1-4)",
    "outcome": "Perceived outcome (per step, 1-4)",
    "govperf": "Government performance (per step, 1-4)",
    "informed": "Informed by government",
    "consulted": "Consulted by government",
    "educ_upper_secondary": "Upper secondary (vs lower)",
    "educ_tertiary": "Tertiary (vs lower)",
    "employ_unemployed": "Unemployed (vs employed)",
    "employ_retired": "Retired (vs employed)",
    "employ_student": "Student (vs employed)",
    "employ_other": "Other not in work (vs employed)",
    "urban": "Urban (vs non-urban)",
}


# ---------------------------------------------------------------------------------------------------------
# Common decoration
# ---------------------------------------------------------------------------------------------------------


def source_line(synthetic: bool) -> str:
    """The source line under every figure (with the synthetic-data note when ``synthetic``)."""
    return SOURCE + (SOURCE_SYNTHETIC_SUFFIX if synthetic else "")


def _decorate(fig: Figure, axes: list[Axes], title: str, *, synthetic: bool) -> None:
    """Title, SYNTHETIC label and watermark (when synthetic) and source line; fixed layout margins."""
    fig.suptitle(title, x=0.01, y=0.955, ha="left", fontsize=11)
    if synthetic:
        fig.text(0.01, 0.995, SYNTHETIC_LABEL, ha="left", va="top", fontsize=10, color="red", weight="bold")
        for ax in axes:
            ax.text(0.5, 0.5, "SYNTHETIC", transform=ax.transAxes, fontsize=30, color="grey", alpha=0.15,
                    ha="center", va="center", rotation=20, zorder=0)
    fig.text(0.01, 0.005, textwrap.fill(source_line(synthetic), 150), ha="left", va="bottom", fontsize=7.5)


def _sector_title(sector: str) -> str:
    return SECTOR_NAMES.get(sector, sector).removeprefix("the ").capitalize()


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise KeyError(f"{what}: columns {missing} are missing")
    if table.empty:
        raise ValueError(f"{what}: no rows to plot")


def _sector_order(values: pd.Series) -> np.ndarray:
    return values.map({sector: rank for rank, sector in enumerate(SECTORS)}).fillna(len(SECTORS)).to_numpy()


# ---------------------------------------------------------------------------------------------------------
# (a) Index by sector, with the published values
# ---------------------------------------------------------------------------------------------------------

SECTOR_FIGURE_COLUMNS: tuple[str, ...] = (
    "sector", "country", "estimate", "ci_low", "ci_high", "n", "weighting", "claim_id", "published",
    "confidence_level",
)


def plot_index_by_sector(estimates: pd.DataFrame, *, synthetic: bool) -> tuple[Figure, pd.DataFrame]:
    """Five-country index per sector (point and CI) with the published value (diamond, 'published 61')."""
    _require(estimates, SECTOR_FIGURE_COLUMNS, "plot_index_by_sector")
    level = level_label(table_confidence_level(estimates, "plot_index_by_sector"))
    data = estimates.iloc[np.argsort(_sector_order(estimates["sector"]), kind="stable")]
    data = data[list(SECTOR_FIGURE_COLUMNS)].reset_index(drop=True)
    fig = Figure(figsize=(8.0, 4.2), dpi=100)
    ax = fig.subplots()
    positions = np.arange(len(data))
    ax.errorbar(data["estimate"], positions, xerr=np.vstack([data["estimate"] - data["ci_low"],
                                                             data["ci_high"] - data["estimate"]]),
                fmt="o", color=POINT_COLOUR, ecolor="black", elinewidth=1.2, capsize=4, markersize=7,
                label=f"reproduced, {level} CI" + (" (synthetic)" if synthetic else ""), zorder=3)
    has_published = data["published"].notna().to_numpy()
    ax.scatter(data.loc[has_published, "published"], positions[has_published] + 0.28, marker="D", s=40,
               color=PUBLISHED_COLOUR, zorder=3, label="published value")
    for position, row in zip(positions, data.itertuples(index=False), strict=True):
        ax.text(row.ci_high + 0.6, position, f"{row.estimate:.1f}", va="center", fontsize=9)
        if not pd.isna(row.published):
            ax.text(row.published + 0.6, position + 0.28, f"published {row.published:g} ({row.claim_id})",
                    va="center", fontsize=8.5, color=PUBLISHED_COLOUR, style="italic")
    ax.set_yticks(positions, [_sector_title(sector) for sector in data["sector"]])
    ax.set_ylim(len(data) - 0.4, -0.6)
    low = float(np.nanmin([data["ci_low"].min(), data["published"].min()]))
    high = float(np.nanmax([data["ci_high"].max(), data["published"].max()]))
    ax.set_xlim(max(0.0, low - 8.0), min(100.0, high + 12.0))
    ax.set_xlabel(f"Index (0 = never, 100 = always); weight: {', '.join(sorted(set(data['weighting'])))}")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _decorate(fig, [ax], TITLES["sector"], synthetic=synthetic)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.86, bottom=0.2)
    return fig, data


# ---------------------------------------------------------------------------------------------------------
# (b) Index by sector and country
# ---------------------------------------------------------------------------------------------------------

COUNTRY_FIGURE_COLUMNS: tuple[str, ...] = ("sector", "country", "estimate", "ci_low", "ci_high", "n", "weighting",
                                           "confidence_level")


def plot_index_by_country(estimates: pd.DataFrame, *, synthetic: bool,
                          five_country: pd.DataFrame | None = None) -> tuple[Figure, pd.DataFrame]:
    """Index per country (point and CI), one panel per sector; the five-country estimate (from
    ``five_country``, e.g. ``index_by_sector``) as a dashed line when given (at the same confidence level)."""
    _require(estimates, COUNTRY_FIGURE_COLUMNS, "plot_index_by_country")
    data = estimates[list(COUNTRY_FIGURE_COLUMNS)]
    if five_country is not None:
        data = pd.concat([data, five_country[list(COUNTRY_FIGURE_COLUMNS)]], ignore_index=True)
    level = level_label(table_confidence_level(data, "plot_index_by_country"))
    country_rank = {country: rank for rank, country in enumerate(CANONICAL_COUNTRIES)}
    order = np.lexsort((data["country"].map(country_rank).fillna(len(country_rank)).to_numpy(),
                        _sector_order(data["sector"])))
    data = data.iloc[order].reset_index(drop=True)
    sectors = [sector for sector in SECTORS if sector in set(data["sector"])]
    fig = Figure(figsize=(11.0, 4.4), dpi=100)
    axes = list(np.atleast_1d(fig.subplots(1, len(sectors), sharex=True, sharey=True)))
    for ax, sector in zip(axes, sectors, strict=True):
        rows = data.loc[(data["sector"] == sector) & data["country"].isin(CANONICAL_COUNTRIES)]
        positions = rows["country"].map(country_rank).to_numpy()
        for position, row in zip(positions, rows.itertuples(index=False), strict=True):
            ax.errorbar([row.estimate], [position], xerr=[[row.estimate - row.ci_low], [row.ci_high - row.estimate]],
                        fmt="o", color=COUNTRY_COLOURS[row.country], ecolor="black", elinewidth=1.0, capsize=3,
                        markersize=6, zorder=3)
            ax.text(row.ci_high + 0.5, position, f"{row.estimate:.1f}", va="center", fontsize=8)
        pooled = data.loc[(data["sector"] == sector) & ~data["country"].isin(CANONICAL_COUNTRIES)]
        for row in pooled.itertuples(index=False):
            ax.axvline(row.estimate, color="grey", linestyle="--", linewidth=1.0, zorder=1)
            ax.text(row.estimate, -0.75, f"{row.country} {row.estimate:.1f}", ha="center", fontsize=7.5,
                    color="dimgrey")
        ax.set_title(_sector_title(sector), fontsize=10)
        ax.set_yticks(range(len(CANONICAL_COUNTRIES)), list(CANONICAL_COUNTRIES))
        ax.set_ylim(len(CANONICAL_COUNTRIES) - 0.5, -1.1)
        ax.set_xlabel("Index (0-100)")
    low, high = float(data["ci_low"].min()), float(data["ci_high"].max())
    axes[0].set_xlim(max(0.0, low - 4.0), min(100.0, high + 5.0))
    weighting = ", ".join(sorted(set(estimates["weighting"])))
    _decorate(fig, axes, f"{TITLES['country']}; weight: {weighting}; {level} CIs", synthetic=synthetic)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.8, bottom=0.2, wspace=0.08)
    return fig, data


# ---------------------------------------------------------------------------------------------------------
# (c) Activity frequencies by country
# ---------------------------------------------------------------------------------------------------------

FREQUENCY_FIGURE_COLUMNS: tuple[str, ...] = (
    "sector", "country", "item", "item_label", "category", "category_label", "estimate", "ci_low", "ci_high", "n",
    "weighting",
)


def plot_activity_frequencies(frequencies: pd.DataFrame, *, synthetic: bool) -> tuple[Figure, pd.DataFrame]:
    """Stacked horizontal bars (never, occasionally, often, always; percent) per activity and country,
    one panel per sector."""
    _require(frequencies, FREQUENCY_FIGURE_COLUMNS, "plot_activity_frequencies")
    data = frequencies[list(FREQUENCY_FIGURE_COLUMNS)].reset_index(drop=True)
    sectors = [sector for sector in SECTORS if sector in set(data["sector"])]
    items_per_sector = {sector: [a for a in ACTIVITIES if a.sector == sector and a.column in set(data["item"])]
                        for sector in sectors}
    heights = [len(items) * (len(CANONICAL_COUNTRIES) + 1) for items in items_per_sector.values()]
    fig = Figure(figsize=(10.0, 2.2 + 0.19 * sum(heights)), dpi=100)
    axes = list(np.atleast_1d(fig.subplots(len(sectors), 1, sharex=True, gridspec_kw={"height_ratios": heights})))
    categories = list(FREQUENCY_LABELS)
    for ax, sector in zip(axes, sectors, strict=True):
        ticks, labels = [], []
        for item_rank, activity in enumerate(items_per_sector[sector]):
            shares = (data.loc[data["item"] == activity.column]
                      .pivot_table(index="country", columns="category", values="estimate", aggfunc="first")
                      .reindex(index=list(CANONICAL_COUNTRIES), columns=categories).fillna(0.0) * 100.0)
            base = item_rank * (len(CANONICAL_COUNTRIES) + 1)
            positions = base + np.arange(len(CANONICAL_COUNTRIES))
            left = np.zeros(len(CANONICAL_COUNTRIES))
            for colour, category in zip(CATEGORY_COLOURS, categories, strict=True):
                ax.barh(positions, shares[category].to_numpy(), left=left, height=0.8, color=colour,
                        edgecolor="white", linewidth=0.5,
                        label=FREQUENCY_LABELS[category] if item_rank == 0 else None)
                left = left + shares[category].to_numpy()
            ticks += list(positions)
            labels += list(CANONICAL_COUNTRIES)
            ax.text(-1.0, base - 0.9, activity.label, ha="right", va="center", fontsize=8.5, weight="bold")
        ax.set_yticks(ticks, labels, fontsize=7.5)
        ax.set_ylim(max(ticks) + 0.7, -1.5)
        ax.set_xlim(0, 100)
        ax.set_title(_sector_title(sector), fontsize=10, loc="left")
    axes[-1].set_xlabel("Percent of respondents who answered (weight: "
                        f"{', '.join(sorted(set(data['weighting'])))})")
    axes[0].legend(loc="lower center", bbox_to_anchor=(0.5, 1.12), ncol=4, fontsize=8, frameon=False)
    _decorate(fig, axes, TITLES["activities"], synthetic=synthetic)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.36, right=0.97, top=1 - 1.1 / height, bottom=0.75 / height, hspace=0.35)
    return fig, data


# ---------------------------------------------------------------------------------------------------------
# (d) Coefficients of the correlates
# ---------------------------------------------------------------------------------------------------------

COEFFICIENT_FIGURE_COLUMNS: tuple[str, ...] = (
    "sector", "term", "estimate", "ci_low", "ci_high", "p_value", "n", "weighting", "confidence_level",
)


def plot_coefficients(coefficients: pd.DataFrame, *, synthetic: bool,
                      terms: tuple[str, ...] = CORRELATE_TERMS) -> tuple[Figure, pd.DataFrame]:
    """Point and CI per correlate (index points per unit), one panel per sector; correlates with a
    published direction (EU-11..EU-15) in blue, the others in grey; a line at zero."""
    _require(coefficients, COEFFICIENT_FIGURE_COLUMNS, "plot_coefficients")
    level = level_label(table_confidence_level(coefficients, "plot_coefficients"))
    data = coefficients.loc[coefficients["term"].isin(terms), list(COEFFICIENT_FIGURE_COLUMNS)]
    term_rank = {term: rank for rank, term in enumerate(terms)}
    order = np.lexsort((data["term"].map(term_rank).to_numpy(), _sector_order(data["sector"])))
    data = data.iloc[order].reset_index(drop=True)
    sectors = [sector for sector in SECTORS if sector in set(data["sector"])]
    fig = Figure(figsize=(11.0, 1.8 + 0.32 * len(terms)), dpi=100)
    axes = list(np.atleast_1d(fig.subplots(1, len(sectors), sharex=True, sharey=True)))
    for ax, sector in zip(axes, sectors, strict=True):
        rows = data.loc[data["sector"] == sector]
        positions = rows["term"].map(term_rank).to_numpy()
        colours = [POINT_COLOUR if term in CLAIM_OF_TERM else "grey" for term in rows["term"]]
        ax.axvline(0.0, color="black", linewidth=0.8, zorder=1)
        for position, colour, row in zip(positions, colours, rows.itertuples(index=False), strict=True):
            ax.errorbar([row.estimate], [position], xerr=[[row.estimate - row.ci_low], [row.ci_high - row.estimate]],
                        fmt="o", color=colour, ecolor=colour, elinewidth=1.2, capsize=3, markersize=5, zorder=3)
        ax.set_title(f"{_sector_title(sector)} (n = {int(rows['n'].iloc[0]) if len(rows) else 0})", fontsize=10)
        ax.set_yticks(range(len(terms)), [TERM_LABELS.get(term, term) for term in terms], fontsize=8)
        ax.set_ylim(len(terms) - 0.5, -0.5)
        ax.set_xlabel(f"Index points ({level} CI)")
    weighting = ", ".join(sorted(set(data["weighting"])))
    _decorate(fig, axes, f"{TITLES['coefficients']}; weight: {weighting}", synthetic=synthetic)
    height = fig.get_figheight()
    has_countries = coefficients["term"].str.startswith("country_").any()
    country_note = " Country fixed effects in the models, not shown." if has_countries else ""
    fig.text(0.01, 0.42 / height, "Blue: correlates with a published direction (EU-11 to EU-15); grey: the other "
             f"correlates.{country_note}", ha="left", va="bottom", fontsize=8)
    fig.subplots_adjust(left=0.2, right=0.98, top=1 - 0.85 / height, bottom=1.05 / height, wspace=0.08)
    return fig, data


# ---------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------


def save_eu_figure(fig: Figure, data: pd.DataFrame, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem.png``, ``stem.svg`` (save_figure) and ``stem.csv`` (write_csv, the data behind it)."""
    written = save_figure(fig, stem)
    written.append(write_csv(data, f"{stem}.csv"))
    return written
