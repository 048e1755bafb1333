"""Labels, titles and source lines of the 2008 citizen survey's figures, and the data frames behind them.

The figures themselves are drawn in the notebooks (``22_eu_figures.ipynb``, ``24_eu_sensitivity.ipynb``): each
with its seaborn call and labels, written out where a student can change them, at the size it is printed
(:mod:`helpers.report.style`). This module keeps what those cells share: readable names for sectors, model
terms and countries (:func:`sector_label`, :func:`term_label`), the source line under every figure
(:func:`source_line`), and small reshapes of the estimate tables into the rows a figure draws
(:func:`coefficient_rows`, :func:`frequency_rows`).

Every interval is labelled with the confidence level its table records (``confidence_level``, e.g. 95%), never
with a parameter of the figure, so the label is always the level of the numbers drawn
(:func:`helpers.stats.intervals.level_label`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.eu.codebook import ACTIVITIES, CANONICAL_COUNTRIES, FREQUENCY_LABELS, SECTOR_NAMES, SECTORS
from helpers.eu.statistics import CLAIM_OF_TERM, INTERCEPT
from helpers.report.labels import TERM_LABELS as REPORT_TERM_LABELS
from helpers.report.style import SYNTHETIC_LABEL  # noqa: F401  (re-exported: the label every figure carries)

SOURCE: str = (
    "Source: L\u00f6ffler, Parrado, Bovaird and Van Ryzin (2008); Parrado, Van Ryzin, Bovaird and L\u00f6ffler "
    "(2013), International Public Management Journal 16(1)."
)
SOURCE_SYNTHETIC_SUFFIX: str = " Reproduced from synthetic stand-in data; see the assumptions log."
TERM_LABELS: dict[str, str] = {INTERCEPT: "Intercept", **REPORT_TERM_LABELS}
"""How a model term reads in a figure or table (the report's labels, one list for figures and tables); a country
term reads as its country (vs the reference)."""


WEIGHT_LABELS: dict[str, str] = {
    "weight_five_country": "the cross-country weight (each country by its population share, EU-04)",
    "weight_country": "the within-country weight (sex by age group)",
    "unweighted": "no weights",
}


def weighting_label(weighting: str | pd.Series) -> str:
    """The weighting a table records (its ``weighting`` column or one value) in words, e.g. 'the within-country
    weight (sex by age group)'; the equal-country variant says so."""
    values = sorted(set(weighting)) if isinstance(weighting, pd.Series) else [weighting]
    words = []
    for value in values:
        base, _, rest = str(value).partition(" (equal country totals)")
        label = WEIGHT_LABELS.get(base, base)
        words.append(f"{label}, rescaled to equal country totals" if _ else label)
    return "; ".join(words)


def source_line(synthetic: bool) -> str:
    """The source line under every figure (with the synthetic-data note when ``synthetic``)."""
    return SOURCE + (SOURCE_SYNTHETIC_SUFFIX if synthetic else "")


def sector_label(sector: str) -> str:
    """'Local environment' for 'environment' (the claims' names, capitalised)."""
    return SECTOR_NAMES.get(sector, sector).removeprefix("the ").capitalize()


def term_label(term: str, reference_country: str = CANONICAL_COUNTRIES[0]) -> str:
    """A model term in words: 'Women (vs men)', 'Denmark (vs Czech Republic)', an interaction 'a \u00d7 b'."""
    if ":" in term:
        return " \u00d7 ".join(term_label(part, reference_country) for part in term.split(":"))
    if term.startswith("country_"):
        return f"{term.removeprefix('country_')} (vs {reference_country})"
    return TERM_LABELS.get(term, term.replace("_", " "))


def has_published_direction(term: str) -> bool:
    """Whether the term is a correlate with a published direction (EU-11 to EU-15)."""
    return term in CLAIM_OF_TERM


def in_sector_order(table: pd.DataFrame) -> pd.DataFrame:
    """The rows in the codebook's sector order (environment, health, safety), otherwise as they were."""
    rank = table["sector"].map({sector: position for position, sector in enumerate(SECTORS)})
    return table.assign(_rank=rank.fillna(len(SECTORS))).sort_values("_rank", kind="stable").drop(columns="_rank")


def coefficient_rows(coefficients: pd.DataFrame, *, without: Sequence[str] = ("intercept", "country")) -> pd.DataFrame:
    """The coefficients a figure shows (not the intercept or the country effects, by ``term_group``), each with
    ``term_label``, ``sector_label`` and ``published_direction`` (has a published direction: yes or no), in the
    model's term order within each sector."""
    rows = coefficients.loc[~coefficients["term_group"].isin(list(without))].copy()
    rows["term_label"] = rows["term"].map(term_label)
    rows["sector_label"] = rows["sector"].map(sector_label)
    rows["published_direction"] = rows["term"].map(lambda term: "yes" if has_published_direction(term) else "no")
    return in_sector_order(rows).reset_index(drop=True)


def frequency_rows(frequencies: pd.DataFrame) -> pd.DataFrame:
    """The activity frequencies as a figure draws them: ``percent`` (0-100), the activity's label wrapped for a
    panel title, the category in words; activities in codebook order, countries in canonical order."""
    item_rank = {activity.column: rank for rank, activity in enumerate(ACTIVITIES)}
    country_rank = {country: rank for rank, country in enumerate(CANONICAL_COUNTRIES)}
    rows = frequencies.assign(
        percent=frequencies["estimate"] * 100.0,
        frequency=frequencies["category"].map(FREQUENCY_LABELS),
        sector_label=frequencies["sector"].map(sector_label),
        _item=frequencies["item"].map(item_rank), _country=frequencies["country"].map(country_rank),
    )
    return rows.sort_values(["_item", "_country", "category"], kind="stable").drop(columns=["_item", "_country"]) \
        .reset_index(drop=True)
