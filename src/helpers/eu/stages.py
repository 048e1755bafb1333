"""The EU study's computing stages as plain functions: the notebooks call these, and so does the benchmark.

Stage 1 (:func:`prepare_respondents`): clean the vendor file, add the two weights and the index.
Stage 2 (:func:`estimate_tables`): every estimate, test and model table of the study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.eu.clean import CleaningResult, clean
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
from helpers.eu.weights import add_weights
from helpers.real_data import availability, available_index_items


def prepare_respondents(
    raw: pd.DataFrame,
    source_name: str,
    margins: pd.DataFrame | None = None,
    population_shares: pd.Series | None = None,
    index_items: Mapping[str, Sequence[str]] | None = None,
) -> tuple[CleaningResult, pd.DataFrame]:
    """Clean ``raw``, then add the within-country and cross-country weights and the index per sector.

    Each sector's index is built from its items (``index_items``, else the codebook's) that the data have
    (:func:`helpers.real_data.available_index_items`: an item the file lacks, or without a valid answer, is
    left out of a default set; one asked for explicitly must be there).
    """
    cleaned = clean(raw, source_name)
    weighted = add_weights(cleaned.data, margins, population_shares)
    return cleaned, add_indices(weighted, available_index_items(cleaned.data, index_items))


def estimate_tables(
    respondents: pd.DataFrame, claims: pd.DataFrame, *, alpha: float = 0.05, weighting: str = "population"
) -> dict[str, pd.DataFrame]:
    """Every table of step 2 that the data support, keyed by the file name it is saved under.

    A table whose variables the respondents lack (``helpers.real_data.availability(...).skipped["tables"]``,
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
