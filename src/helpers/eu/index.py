"""The co-production index per respondent and sector, on a 0-100 scale (assumption A-EU-07).

The 2008 report publishes the five-country index per sector (EU-06 to EU-08) but not its formula. Ours:

    index = (mean of the sector's valid activity items - 1) / 3 * 100

on the frequency scale 1 never, 2 occasionally, 3 often, 4 always, so that 'never' on every item is 0 and
'always' on every item is 100; a respondent needs at least ``min_valid`` valid items (default: 2 of 3, or all
items when fewer than 2 are used), otherwise the index is missing. Don't-know, refused and undocumented codes
must already be missing (``helpers.eu.clean``). ``index_items(sector)`` is the default item set; any other set
can be passed for sensitivity analyses.

``weighted_mean`` is a plain point estimate for tests' sanity checks; the published-style estimates with
confidence intervals come from svy in ``helpers.stats.survey``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.eu.codebook import FREQUENCY_LABELS, SECTORS, activity_items

INDEX_MIN_VALID_ITEMS: int = 2
SCALE_MIN: int = min(FREQUENCY_LABELS)
SCALE_MAX: int = max(FREQUENCY_LABELS)


def index_items(sector: str) -> tuple[str, ...]:
    """The default activity items of ``sector`` (three per sector, see codebook.ACTIVITIES)."""
    return activity_items(sector)


def index_column(sector: str) -> str:
    """Name of the index column of ``sector`` added by ``add_indices``, e.g. ``index_environment``."""
    if sector not in SECTORS:
        raise ValueError(f"Unknown sector {sector!r}; expected one of {SECTORS}")
    return f"index_{sector}"


def coproduction_index(data: pd.DataFrame, sector: str, items: Sequence[str] | None = None,
                       min_valid: int | None = None) -> pd.Series:
    """Index (0-100) of every respondent for ``sector`` from ``items`` (default ``index_items(sector)``).

    Missing (NaN) where fewer than ``min_valid`` items are valid (default ``min(2, len(items))``).
    Raises ``ValueError`` if an item holds a value outside 1-4 (e.g. an uncleaned 8 or 9).
    """
    items = tuple(index_items(sector) if items is None else items)
    if not items:
        raise ValueError("No items given for the co-production index")
    missing = [item for item in items if item not in data.columns]
    if missing:
        raise KeyError(f"Index items not in the data: {missing}")
    min_valid = min(INDEX_MIN_VALID_ITEMS, len(items)) if min_valid is None else int(min_valid)
    if not 1 <= min_valid <= len(items):
        raise ValueError(f"min_valid must be between 1 and {len(items)}, got {min_valid}")
    values = data[list(items)].astype("float64").to_numpy(na_value=np.nan)
    valid = ~np.isnan(values)
    out_of_scale = valid & ((values < SCALE_MIN) | (values > SCALE_MAX))
    if out_of_scale.any():
        rows, columns = np.nonzero(out_of_scale)
        raise ValueError(
            f"Items outside the {SCALE_MIN}-{SCALE_MAX} scale (clean the data first): "
            f"{sorted({items[column] for column in columns})} at rows {data.index[rows[:20]].tolist()}")
    n_valid = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_item = np.where(valid, values, 0.0).sum(axis=1) / n_valid
    index = (mean_item - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100.0
    return pd.Series(np.where(n_valid >= min_valid, index, np.nan), index=data.index, name=index_column(sector))


def add_indices(data: pd.DataFrame, items: Mapping[str, Sequence[str]] | None = None,
                min_valid: int | None = None) -> pd.DataFrame:
    """``data`` with one ``index_<sector>`` column per sector (``items`` may override a sector's item set)."""
    items = items or {}
    return data.assign(**{
        index_column(sector): coproduction_index(data, sector, items.get(sector), min_valid) for sector in SECTORS
    })


def weighted_mean(values: pd.Series | np.ndarray, weights: pd.Series | np.ndarray) -> float:
    """Sum(w x) / sum(w) over the entries where ``values`` is not missing (a point estimate only)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if values.shape != weights.shape:
        raise ValueError(f"values and weights differ in shape: {values.shape} vs {weights.shape}")
    present = ~np.isnan(values)
    if not present.any():
        raise ValueError("No non-missing values to average")
    if np.isnan(weights[present]).any() or (weights[present] < 0).any():
        raise ValueError("Weights must be non-negative and not missing")
    return float(np.sum(weights[present] * values[present]) / np.sum(weights[present]))


def weighted_index_means(data: pd.DataFrame, weight_column: str) -> dict[str, float]:
    """Weighted mean of every sector's index column (``add_indices`` first) with ``weight_column``."""
    return {sector: weighted_mean(data[index_column(sector)], data[weight_column]) for sector in SECTORS}

