"""Figures 50.1 (reasons), 50.2 (barriers) and 50.3 (success factors): reproduced versus published.

One horizontal bar per item (percent affirmative, published base) with its CI (labelled with the level
recorded in the estimates table, e.g. 95%), the published
value marked beside it (diamond and "published 42%"), rank-only items marked "published: rank 1,
no value", a visible SYNTHETIC label when the data are synthetic, and the OECD source line.

Plotting is deterministic: a fresh ``matplotlib.figure.Figure`` (no pyplot state), fixed size,
fonts and order; :func:`save_oecd_figure` writes PNG + SVG through ``helpers.outputs.save_figure``
(fixed metadata) and the CSV behind the figure through ``write_csv``.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers.outputs import save_figure, write_csv
from helpers.stats.intervals import level_label, table_confidence_level

FIGURE_TITLES: dict[str, str] = {
    "50.1": "Figure 50.1. Reasons for co-production",
    "50.2": "Figure 50.2. Barriers to co-production",
    "50.3": "Figure 50.3. Success factors for co-production",
}
SYNTHETIC_LABEL = "SYNTHETIC DATA \u2014 not survey findings"
SOURCE_LINE = (
    "Source: OECD (2011), Government at a Glance 2011, ch. 50, Figure {figure}. "
    "Reproduced from synthetic stand-in data; see assumptions log."
)
SOURCE_LINE_REAL = "Source: OECD (2011), Government at a Glance 2011, ch. 50, Figure {figure}."
FIGURE_DATA_COLUMNS: tuple[str, ...] = (
    "figure",
    "item_id",
    "label",
    "claim_id",
    "estimate",
    "ci_low",
    "ci_high",
    "published_value",
    "published_rank",
    "n_responses",
    "n_yes",
    "base",
    "confidence_level",
)
BAR_COLOUR = "#4C72B0"
PUBLISHED_COLOUR = "#C44E52"
LABEL_WIDTH = 38


def figure_data(estimates: pd.DataFrame, figure: str) -> pd.DataFrame:
    """Rows of ``estimates`` (from ``percent_affirmative``) for one figure, in codebook order."""
    if figure not in FIGURE_TITLES:
        raise ValueError(f"figure must be one of {', '.join(FIGURE_TITLES)}; got {figure!r}")
    rows = estimates.loc[estimates["figure"] == figure, list(FIGURE_DATA_COLUMNS)]
    if rows.empty:
        raise ValueError(f"no estimates for Figure {figure}")
    return rows.reset_index(drop=True)


def published_annotation(published_value: float, published_rank: object) -> str:
    """Text beside a bar: 'published 42%' or 'published: rank 1, no value'."""
    if not pd.isna(published_value):
        return f"published {published_value:g}%"
    if not pd.isna(published_rank):
        return f"published: rank {int(published_rank)}, no value"
    return "no published value"


def plot_figure(estimates: pd.DataFrame, figure: str, *, synthetic: bool) -> Figure:
    """Draw one figure: bars with CIs, published markers, SYNTHETIC label (if ``synthetic``), source line.

    Each item has a bar (reproduced percent) with its CI and, on a line just below the bar, the published
    value as a red diamond with "published 42%", or "published: rank 1, no value". The CI's label gives the
    level the estimates table records (``confidence_level``), so it is the level of the numbers drawn.
    """
    data = figure_data(estimates, figure)
    level = level_label(table_confidence_level(data, f"Figure {figure}"))
    data = data.assign(wrapped=[textwrap.fill(label, LABEL_WIDTH) for label in data["label"]])
    n_items = len(data)
    fig = Figure(figsize=(9.0, 2.4 + 0.95 * n_items), dpi=100)
    ax = fig.subplots()
    sns.barplot(
        data=data, x="estimate", y="wrapped", orient="h", color=BAR_COLOUR, errorbar=None, width=0.5, ax=ax,
        label="reproduced (synthetic)" if synthetic else "reproduced",
    )
    positions = np.arange(n_items)
    marker_line = positions + 0.4
    ax.errorbar(
        x=data["estimate"],
        y=positions,
        xerr=np.vstack([data["estimate"] - data["ci_low"], data["ci_high"] - data["estimate"]]),
        fmt="none",
        ecolor="black",
        elinewidth=1.2,
        capsize=4,
        label=f"{level} CI (officials as clusters)",
    )
    has_value = data["published_value"].notna().to_numpy()
    ax.scatter(
        data.loc[has_value, "published_value"],
        marker_line[has_value],
        marker="D",
        s=40,
        color=PUBLISHED_COLOUR,
        zorder=3,
        label="published value",
    )
    for position, line, row in zip(positions, marker_line, data.itertuples(), strict=True):
        ax.text(row.ci_high + 1.0, position, f"{row.estimate:.1f}%", va="center", fontsize=9)
        annotation = published_annotation(row.published_value, row.published_rank)
        x_text = row.published_value + 1.5 if not pd.isna(row.published_value) else 1.0
        ax.text(x_text, line, annotation, va="center", fontsize=8.5, color=PUBLISHED_COLOUR, style="italic")
    ax.set_xlim(0, 105)
    ax.set_ylim(n_items - 0.3, -0.5)
    ax.set_xlabel("Percent yes among responses (yes + no + don't know), all countries pooled")
    ax.set_ylabel("")
    ax.set_title(FIGURE_TITLES[figure], loc="left", fontsize=11)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.55 / ax.figure.get_figheight() - 0.12), ncol=3,
              fontsize=8, frameon=False)
    if synthetic:
        ax.text(
            0.5, 0.5, "SYNTHETIC", transform=ax.transAxes, fontsize=44, color="grey", alpha=0.15,
            ha="center", va="center", rotation=20,
        )
        fig.text(0.01, 0.995, SYNTHETIC_LABEL, ha="left", va="top", fontsize=10, color="red", weight="bold")
    source = (SOURCE_LINE if synthetic else SOURCE_LINE_REAL).format(figure=figure)
    fig.text(0.01, 0.005, textwrap.fill(source, 160), ha="left", va="bottom", fontsize=7.5)
    fig.subplots_adjust(left=0.33, right=0.98, top=1 - 0.75 / fig.get_figheight(), bottom=1.45 / fig.get_figheight())
    return fig


def save_oecd_figure(fig: Figure, data: pd.DataFrame, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem.png``, ``stem.svg`` (save_figure) and ``stem.csv`` (write_csv, the data behind it)."""
    written = save_figure(fig, stem)
    written.append(write_csv(data, f"{stem}.csv"))
    return written
