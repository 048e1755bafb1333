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

The two population files are checked before use (``helpers.data.validation.read_csv_checked``, then their own
rules): a problem raises ``PopulationFileError`` listing every problem at once with the file, the column and
the file lines (missing, non-numeric, zero or negative populations or shares; unknown sex labels or age
groups; repeated countries or cells; countries or cells without a row; shares not summing to 1).
"""

from __future__ import annotations

from collections.abc import Iterable
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
from helpers.data.validation import (
    InputFileError,
    file_lines,
    format_row_numbers,
    positive_number_problems,
    raise_problems,
    read_csv_checked,
    closest_names,
    repeated_key_problem,
    unknown_values_problem,
)

AGE_GROUP_COLUMN: str = "age_group"
WITHIN_COUNTRY_WEIGHT: str = "weight_country"
FIVE_COUNTRY_WEIGHT: str = "weight_five_country"
SHARE_SUM_TOLERANCE: float = 0.005
"""Largest accepted distance of a country's margin shares from 1 (rounded shares); they are then normalised."""


POPULATION_COLUMNS: tuple[str, ...] = ("country", "population_millions")
MARGIN_COLUMNS: tuple[str, ...] = ("country", "sex", "age_group", "population_share")


class WeightError(ValueError):
    """Weights could not be computed, or came out missing, zero, negative or infinite."""


class PopulationFileError(WeightError, InputFileError):
    """A population or sex x age margins file is unreadable or breaks its rules (weights cannot be computed)."""


def age_group(age: pd.Series) -> pd.Series:
    """Age group label (``codebook.AGE_GROUPS``) of every age; error for missing or out-of-range ages."""
    values = pd.to_numeric(age, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = np.isnan(values) | (values < AGE_GROUP_LOWER_BOUNDS[0]) | (values > AGE_MAX)
    if bad.any():
        raise WeightError(f"Ages missing or out of range at rows {age.index[bad][:20].tolist()}: clean the data first")
    position = np.searchsorted(np.asarray(AGE_GROUP_LOWER_BOUNDS), values, side="right") - 1
    return pd.Series(pd.Categorical.from_codes(position, categories=list(AGE_GROUPS)), index=age.index,
                     name=AGE_GROUP_COLUMN)


def missing_countries_problem(table: pd.DataFrame, what: str) -> str | None:
    """The canonical countries without a row in ``table``, with a guess among its unknown labels."""
    present = set(table["country"])
    missing = [country for country in CANONICAL_COUNTRIES if country not in present]
    if not missing:
        return None
    unknown = sorted(present - set(CANONICAL_COUNTRIES))
    guesses = closest_names(missing, unknown)
    hint = "".join(f"; {found!r} looks like {country}" for country, found in guesses.items())
    return f"column country: no {what} for {', '.join(missing)}{hint}"


def read_sex_age_margins(path: str | Path = SEX_AGE_MARGINS_FILE) -> pd.DataFrame:
    """Margins as (country, SEX code, age_group, population_share), shares normalised to 1 within country.

    Raises ``PopulationFileError`` listing every problem of the file (module docstring).
    """
    table = read_csv_checked(path, required_columns=MARGIN_COLUMNS, error_type=PopulationFileError)
    sex_code = {label: code for code, label in SEX_CODES.items()}
    shares, problems = positive_number_problems(table, "population_share")
    problems += [problem for problem in (
        unknown_values_problem(table, "sex", sex_code),
        unknown_values_problem(table, "age_group", AGE_GROUPS),
        repeated_key_problem(table, ["country", "sex", "age_group"]),
        missing_countries_problem(table, "population shares"),
    ) if problem]
    table = table.assign(SEX=table["sex"].map(sex_code), population_share=shares)
    problems += missing_cells_problems(table, sex_code.values())
    problems += share_sum_problems(table)
    raise_problems(path, problems, PopulationFileError)
    expected = pd.MultiIndex.from_product([CANONICAL_COUNTRIES, sorted(sex_code.values()), AGE_GROUPS])
    cells = table.set_index(["country", "SEX", "age_group"])["population_share"].loc[expected]
    normalised = cells / cells.groupby(level="country").transform("sum")
    return normalised.rename("population_share").rename_axis(["country", "SEX", "age_group"]).reset_index()


def missing_cells_problems(table: pd.DataFrame, sex_codes: Iterable[int]) -> list[str]:
    """Cells (sex x age group) without a row, for each canonical country that has some rows."""
    present = set(zip(table["country"], table["SEX"], table["age_group"], strict=True))
    problems = []
    for country in CANONICAL_COUNTRIES:
        if country not in set(table["country"]):
            continue  # reported by missing_countries_problem
        missing = [(SEX_CODES[sex], group) for sex in sorted(sex_codes) for group in AGE_GROUPS
                   if (country, sex, group) not in present]
        if missing:
            cells = ", ".join(f"{sex} {group}" for sex, group in missing)
            problems.append(f"columns sex, age_group: no population share for {country}: {cells}")
    return problems


def share_sum_problems(table: pd.DataFrame) -> list[str]:
    """Countries whose shares do not sum to 1 within SHARE_SUM_TOLERANCE, with their file lines.

    Only countries with exactly one positive share in each sex x age-group cell are summed (the others are
    reported by the checks on cells and shares).
    """
    cells_per_country = len(SEX_CODES) * len(AGE_GROUPS)
    problems = []
    for country in CANONICAL_COUNTRIES:
        rows = table.loc[table["country"] == country]
        cells = set(zip(rows["SEX"], rows["age_group"], strict=True))
        complete = len(rows) == cells_per_country and len(cells) == cells_per_country and rows["SEX"].notna().all()
        if not complete or not (rows["population_share"] > 0).all():
            continue
        total = float(rows["population_share"].sum())
        if abs(total - 1) > SHARE_SUM_TOLERANCE:
            lines = format_row_numbers(file_lines(rows, [True] * len(rows)))
            problems.append(f"column population_share: the shares of {country} sum to {total:.4f}, not 1 "
                            f"(tolerance {SHARE_SUM_TOLERANCE}) on {lines}")
    return problems


def read_population_shares(path: str | Path = POPULATIONS_FILE) -> pd.Series:
    """Each country's share of the five countries' population (EU-04), indexed by country.

    Raises ``PopulationFileError`` listing every problem of the file (module docstring).
    """
    table = read_csv_checked(path, required_columns=POPULATION_COLUMNS, error_type=PopulationFileError)
    population, problems = positive_number_problems(table, "population_millions")
    problems += [problem for problem in (
        repeated_key_problem(table, ["country"]),
        missing_countries_problem(table, "population"),
    ) if problem]
    raise_problems(path, problems, PopulationFileError)
    population = pd.Series(population.to_numpy(), index=table["country"]).loc[list(CANONICAL_COUNTRIES)]
    return (population / population.sum()).rename("population_share")


def check_weights(weights: pd.Series | np.ndarray, name: str = "weight") -> None:
    """Raise ``WeightError`` naming the column and, by kind, the rows of missing, infinite, zero or negative weights."""
    values = pd.Series(weights).astype("float64")
    kinds = {
        "missing": values.isna(),
        "infinite": np.isinf(values),
        "zero": values == 0,
        "negative": values < 0,
    }
    bad = kinds["missing"] | kinds["infinite"] | kinds["zero"] | kinds["negative"]
    if bad.any():
        listing = "; ".join(
            f"{kind} at {format_row_numbers(values.index[mask.to_numpy()], label='rows', bracketed=True)}"
            for kind, mask in kinds.items() if mask.any()
        )
        raise WeightError(f"{name}: {int(bad.sum())} missing, infinite, zero or negative weights: {listing}")


def _sample_frame(data: pd.DataFrame, base_weight: np.ndarray) -> pl.DataFrame:
    unknown = sorted(set(data["COUNTRY"].astype(str)) - set(CANONICAL_COUNTRIES))
    if unknown:
        raise WeightError(f"Countries without margins: {unknown} (harmonise labels with helpers.eu.clean first)")
    unknown_sex = set(pd.unique(data["SEX"])) - set(SEX_CODES)
    if unknown_sex:
        codes = ", ".join(sorted(str(code) for code in unknown_sex))
        raise WeightError(f"SEX codes without margins: {codes} (missing SEX must be resolved first)")
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
