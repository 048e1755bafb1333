"""Figures 50.1 (reasons), 50.2 (barriers) and 50.3 (success factors): what the notebook's figure cells share.

The figures are drawn in ``11_oecd_figures.ipynb``, each with its seaborn call and labels written out, at the
size it is printed (:mod:`helpers.report.style`): one horizontal bar per item (percent affirmative, published
base) with its interval (labelled with the level recorded in the estimates table, e.g. 95%), the published value
marked beside it (diamond and "published 42%"), rank-only items marked "published: rank 1, no value" and drawn
apart (their bar heights come from the generator's assumption, A-OECD-05), the synthetic-data label when the data
are synthetic, and the OECD source line. This module keeps the rows each figure draws (:func:`figure_rows`), the
titles and the source line.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from helpers.report.style import SYNTHETIC_LABEL  # noqa: F401  (re-exported: the label every figure carries)

FIGURE_TITLES: dict[str, str] = {
    "50.1": "Figure 50.1. Reasons for co-production",
    "50.2": "Figure 50.2. Barriers to co-production",
    "50.3": "Figure 50.3. Success factors for co-production",
}
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
LABEL_WIDTH = 34


def figure_data(estimates: pd.DataFrame, figure: str) -> pd.DataFrame:
    """Rows of ``estimates`` (from ``percent_affirmative``) for one figure, in codebook order."""
    if figure not in FIGURE_TITLES:
        raise ValueError(f"figure must be one of {', '.join(FIGURE_TITLES)}; got {figure!r}")
    rows = estimates.loc[estimates["figure"].astype(str) == figure, list(FIGURE_DATA_COLUMNS)]
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


def figure_rows(estimates: pd.DataFrame, figure: str) -> pd.DataFrame:
    """The rows a figure draws (:func:`figure_data`) with what a reader needs beside each bar: ``item`` (the label
    wrapped to :data:`LABEL_WIDTH` characters), ``published_as`` ('value' or 'rank only') and ``annotation``
    ('published 42%' or 'published: rank 1, no value')."""
    data = figure_data(estimates, figure)
    return data.assign(
        item=[textwrap.fill(label, LABEL_WIDTH) for label in data["label"]],
        published_as=["value" if not pd.isna(value) else "rank only" if not pd.isna(rank) else "none"
                      for value, rank in zip(data["published_value"], data["published_rank"], strict=True)],
        annotation=[published_annotation(value, rank)
                    for value, rank in zip(data["published_value"], data["published_rank"], strict=True)],
    )


def source_line(figure: str, synthetic: bool) -> str:
    """The source line under a figure (with the synthetic-data note when ``synthetic``)."""
    return (SOURCE_LINE if synthetic else SOURCE_LINE_REAL).format(figure=figure)
