"""The EU study's computing stages as plain functions: the notebooks call these, and so does the benchmark.

Stage 0 (:func:`read_inputs`): read the respondent file, the sex-by-age margins and the population file,
reporting the problems of every file at once.
Stage 1 (:func:`prepare_respondents`): clean the vendor file, add the two weights and the index.
Stage 2 (:func:`estimate_tables`): every estimate, test and model table of the study.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.eu.clean import CleaningResult, clean, read_respondent_file
from helpers.eu.estimates import activity_frequencies, index_by_sector, index_by_sector_country
from helpers.eu.index import add_indices
from helpers.eu.products import weighting_options
from helpers.eu.statistics import (
    correlates_table,
    country_differences,
    heterogeneity_tests,
    sector_differences,
    unweighted_effect_sizes,
)
from helpers.eu.weights import WeightError, add_weights, read_population_shares, read_sex_age_margins
from helpers.data.real_data import availability, available_index_items
from helpers.data.validation import InputFileError


@dataclass(frozen=True)
class StudyInputs:
    """The three inputs of the cleaning step, read and checked."""

    raw: pd.DataFrame
    margins: pd.DataFrame
    population_shares: pd.Series


def read_inputs(respondent_file: str, column_map: Mapping[str, str] | None, margins_file: str,
                populations_file: str) -> StudyInputs:
    """Read the respondent file, the sex-by-age margins and the population file.

    Every file is read even when an earlier one fails, so that one message lists the problems of all of them
    (one file's error is raised as it is; several are joined into one ``InputFileError``).
    """
    readers: dict[str, Callable[[], Any]] = {
        "raw": lambda: read_respondent_file(respondent_file, column_map or None),
        "margins": lambda: read_sex_age_margins(margins_file),
        "population_shares": lambda: read_population_shares(populations_file),
    }
    values: dict[str, Any] = {}
    errors: list[Exception] = []
    for name, read in readers.items():
        try:
            values[name] = read()
        except (InputFileError, WeightError, FileNotFoundError) as error:
            errors.append(error)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputFileError(f"{len(errors)} input files cannot be used:\n" + "\n".join(f"- {e}" for e in errors))
    return StudyInputs(**values)


def prepare_respondents(
    raw: pd.DataFrame,
    source_name: str,
    margins: pd.DataFrame | None = None,
    population_shares: pd.Series | None = None,
    index_items: Mapping[str, Sequence[str]] | None = None,
) -> tuple[CleaningResult, pd.DataFrame]:
    """Clean ``raw``, then add the within-country and cross-country weights and the index per sector.

    Each sector's index is built from its items (``index_items``, else the codebook's) that the data have
    (:func:`helpers.data.real_data.available_index_items`: an item the file lacks, or without a valid answer, is
    left out of a default set; one asked for explicitly must be there).
    """
    cleaned = clean(raw, source_name)
    weighted = add_weights(cleaned.data, margins, population_shares)
    return cleaned, add_indices(weighted, available_index_items(cleaned.data, index_items))


def estimate_tables(
    respondents: pd.DataFrame, claims: pd.DataFrame, *, alpha: float = 0.05, weighting: str = "population"
) -> dict[str, pd.DataFrame]:
    """Every table of step 2 that the data support, keyed by the file name it is saved under.

    A table whose variables the respondents lack (``helpers.data.real_data.availability(...).skipped["tables"]``,
    e.g. the correlates without URBAN) is left out; the activity frequencies cover the activity items present.
    """
    options = weighting_options(weighting)
    weighted = options["weighted"]
    supported = availability(respondents)
    builders = {
        "index_by_sector": lambda: index_by_sector(respondents, alpha=alpha, claims=claims, **options),
        "index_by_sector_country": lambda: index_by_sector_country(respondents, alpha=alpha, weighted=weighted),
        "activity_frequencies": lambda: activity_frequencies(
            respondents, alpha=alpha, weighted=weighted, items=supported.present("activity_frequencies")),
        "sector_tests": lambda: sector_differences(respondents, alpha=alpha, weighted=weighted),
        "country_tests": lambda: country_differences(respondents, alpha=alpha, weighted=weighted),
        "heterogeneity_tests": lambda: heterogeneity_tests(respondents, alpha=alpha, weighted=weighted),
        "coefficients": lambda: correlates_table(respondents, alpha=alpha, **options),
        "effect_sizes": lambda: unweighted_effect_sizes(respondents),
    }
    skipped = set(supported.skipped["tables"])
    return {name: build() for name, build in builders.items() if name not in skipped}
