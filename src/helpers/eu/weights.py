"""Survey weights of the 2008 five-country citizen survey (assumptions A-EU-08 and A-EU-09).

- Within-country weight (``weight_country``): post-stratification of the sex x age-group cells (18-34, 35-54,
  55+) of each country to the population shares in data/raw/eu2008_sex_age_margins.csv. Each country's
  weights sum to its number of respondents (mean 1). Used for country figures.
- Cross-country weight (``weight_five_country``): the within-country weight rescaled so that each country's
  weights sum to (number of respondents) x (its share of the five countries' population) (EU-04, populations
  from data/raw/eu2008_populations.csv); the weights sum to the number of respondents. Used for five-country
  figures.

Both steps use svy's ``Sample.weighting.poststratify`` (svy 0.35, polars underneath): the first with one
control total per (country, sex, age group) cell, the second with one per country. The vendor file has no
design weight, so the base weight is 1. Missing, zero, negative or non-finite weights raise ``WeightError``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import svy

from helpers.eu.codebook import (
    AGE_GROUP_LOWER_BOUNDS,
    AGE_GROUPS,
    AGE_MAX,
    CANONICAL_COUNTRIES,
    SEX_AGE_MARGINS_FILE,
    SEX_CODES,
)
from helpers.paths import POPULATIONS_FILE

AGE_GROUP_COLUMN: str = "age_group"
WITHIN_COUNTRY_WEIGHT: str = "weight_country"
FIVE_COUNTRY_WEIGHT: str = "weight_five_country"
SHARE_SUM_TOLERANCE: float = 0.005
"""Largest accepted distance of a country's margin shares from 1 (rounded shares); they are then normalised."""


class WeightError(ValueError):
    """Weights could not be computed, or came out missing, zero, negative or infinite."""


def age_group(age: pd.Series) -> pd.Series:
    """Age group label (``codebook.AGE_GROUPS``) of every age; error for missing or out-of-range ages."""
    values = pd.to_numeric(age, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = np.isnan(values) | (values < AGE_GROUP_LOWER_BOUNDS[0]) | (values > AGE_MAX)
    if bad.any():
        raise WeightError(f"Ages missing or out of range at rows {age.index[bad][:20].tolist()}: clean the data first")
    position = np.searchsorted(np.asarray(AGE_GROUP_LOWER_BOUNDS), values, side="right") - 1
    return pd.Series(pd.Categorical.from_codes(position, categories=list(AGE_GROUPS)), index=age.index,
                     name=AGE_GROUP_COLUMN)


def read_sex_age_margins(path: str | Path = SEX_AGE_MARGINS_FILE) -> pd.DataFrame:
    """Margins as (country, SEX code, age_group, population_share), shares normalised to 1 within country."""
    table = pd.read_csv(path)
    sex_code = {label: code for code, label in SEX_CODES.items()}
    unknown_sex = sorted(set(table["sex"]) - set(sex_code))
    if unknown_sex:
        raise WeightError(f"{path}: column sex has unknown labels {unknown_sex}")
    expected = pd.MultiIndex.from_product([CANONICAL_COUNTRIES, sorted(sex_code.values()), AGE_GROUPS])
    table = table.assign(SEX=table["sex"].map(sex_code)).set_index(["country", "SEX", "age_group"])
    missing = expected.difference(table.index)
    if len(missing):
        raise WeightError(f"{path}: no population share for cells {missing.tolist()}")
    shares = table.loc[expected, "population_share"].astype(float)
    if shares.isna().any() or (shares <= 0).any():
        bad_cells = shares[~(shares > 0)].index.tolist()
        raise WeightError(f"{path}: population_share must be positive; bad cells {bad_cells}")
    totals = shares.groupby(level="country").sum()
    off = totals[(totals - 1).abs() > SHARE_SUM_TOLERANCE]
    if len(off):
        raise WeightError(f"{path}: shares do not sum to 1 within {off.index.tolist()}: {off.round(4).tolist()}")
    normalised = shares / shares.groupby(level="country").transform("sum")
    return normalised.rename("population_share").reset_index()


def read_population_shares(path: str | Path = POPULATIONS_FILE) -> pd.Series:
    """Each country's share of the five countries' population (EU-04), indexed by country."""
    population = pd.read_csv(path).set_index("country")["population_millions"].astype(float)
    missing = sorted(set(CANONICAL_COUNTRIES) - set(population.index))
    if missing:
        raise WeightError(f"{path}: no population for {missing}")
    population = population.loc[list(CANONICAL_COUNTRIES)]
    if (population <= 0).any():
        raise WeightError(f"{path}: populations must be positive")
    return (population / population.sum()).rename("population_share")


def check_weights(weights: pd.Series | np.ndarray, name: str = "weight") -> None:
    """Raise ``WeightError`` naming the rows if any weight is missing, not finite, zero or negative."""
    values = pd.Series(weights).astype("float64")
    bad = values.isna() | ~np.isfinite(values.fillna(0.0)) | (values <= 0)
    if bad.any():
        raise WeightError(f"{name}: {int(bad.sum())} missing, infinite, zero or negative weights at rows "
                          f"{values.index[bad.to_numpy()][:20].tolist()}")


def _sample_frame(data: pd.DataFrame, base_weight: np.ndarray) -> pl.DataFrame:
    unknown = sorted(set(data["COUNTRY"].astype(str)) - set(CANONICAL_COUNTRIES))
    if unknown:
        raise WeightError(f"Countries without margins: {unknown} (harmonise labels with helpers.eu.clean first)")
    unknown_sex = sorted(set(pd.unique(data["SEX"])) - set(SEX_CODES))
    if unknown_sex:
        raise WeightError(f"SEX codes without margins: {unknown_sex} (missing SEX must be resolved first)")
    return pl.DataFrame({
        "row": np.arange(len(data)),
        "country": data["COUNTRY"].astype(str).to_numpy(),
        "sex": data["SEX"].astype("int64").to_numpy(),
        "age_group": age_group(data["AGE"]).astype(str).to_numpy(),
        "base_weight": base_weight,
    })


def within_country_weights(data: pd.DataFrame, margins: pd.DataFrame | None = None) -> pd.Series:
    """Post-stratification weight of every respondent to its country's sex x age-group shares (svy)."""
    margins = read_sex_age_margins() if margins is None else margins
    frame = _sample_frame(data, np.ones(len(data)))
    counts = frame.group_by(["country", "sex", "age_group"]).len()
    observed = {(row["country"], row["sex"], row["age_group"]) for row in counts.iter_rows(named=True)}
    country_sizes = data["COUNTRY"].astype(str).value_counts()
    without_margins = sorted(set(country_sizes.index) - set(margins["country"]))
    if without_margins:
        raise WeightError(f"No sex x age margins for {without_margins}")
    controls = {}
    for row in margins.itertuples(index=False):  # one control per cell of the margins (30), not per respondent
        if row.country not in country_sizes:
            continue
        cell = (row.country, int(row.SEX), row.age_group)
        if cell not in observed:
            raise WeightError(f"No respondent in cell {cell} (population share {row.population_share:.3f}): "
                              "cannot post-stratify; collapse cells or check the data")
        controls[cell] = float(country_sizes[row.country]) * float(row.population_share)
    sample = svy.Sample(frame, svy.Design(wgt="base_weight"))
    adjusted = sample.weighting.poststratify(controls, cells=["country", "sex", "age_group"],
                                             wgt_name=WITHIN_COUNTRY_WEIGHT)
    weights = adjusted.data.sort("row")[WITHIN_COUNTRY_WEIGHT].to_numpy()
    result = pd.Series(weights, index=data.index, name=WITHIN_COUNTRY_WEIGHT)
    check_weights(result, WITHIN_COUNTRY_WEIGHT)
    return result


def cross_country_weights(data: pd.DataFrame, within: pd.Series,
                          population_shares: pd.Series | None = None) -> pd.Series:
    """``within`` rescaled so each country sums to n x its population share (EU-04), with svy."""
    check_weights(within, WITHIN_COUNTRY_WEIGHT)
    population_shares = read_population_shares() if population_shares is None else population_shares
    frame = pl.DataFrame({
        "row": np.arange(len(data)),
        "country": data["COUNTRY"].astype(str).to_numpy(),
        "base_weight": within.to_numpy(dtype=float),
    })
    present = sorted(set(frame["country"].to_list()))
    missing = sorted(set(present) - set(population_shares.index))
    if missing:
        raise WeightError(f"No population share for {missing}")
    shares = population_shares.loc[present] / population_shares.loc[present].sum()
    controls = {country: len(data) * float(share) for country, share in shares.items()}
    sample = svy.Sample(frame, svy.Design(wgt="base_weight"))
    adjusted = sample.weighting.poststratify(controls, cells="country", wgt_name=FIVE_COUNTRY_WEIGHT)
    weights = adjusted.data.sort("row")[FIVE_COUNTRY_WEIGHT].to_numpy()
    result = pd.Series(weights, index=data.index, name=FIVE_COUNTRY_WEIGHT)
    check_weights(result, FIVE_COUNTRY_WEIGHT)
    return result


def add_weights(data: pd.DataFrame, margins: pd.DataFrame | None = None,
                population_shares: pd.Series | None = None) -> pd.DataFrame:
    """``data`` with ``age_group``, ``weight_country`` (country figures) and ``weight_five_country``
    (five-country figures)."""
    within = within_country_weights(data, margins)
    return data.assign(**{
        AGE_GROUP_COLUMN: age_group(data["AGE"]),
        WITHIN_COUNTRY_WEIGHT: within,
        FIVE_COUNTRY_WEIGHT: cross_country_weights(data, within, population_shares),
    })
