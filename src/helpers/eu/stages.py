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


def prepare_respondents(
    raw: pd.DataFrame,
    source_name: str,
    margins: pd.DataFrame | None = None,
    population_shares: pd.Series | None = None,
    index_items: Mapping[str, Sequence[str]] | None = None,
) -> tuple[CleaningResult, pd.DataFrame]:
    """Clean ``raw``, then add the within-country and cross-country weights and the index per sector."""
    cleaned = clean(raw, source_name)
    weighted = add_weights(cleaned.data, margins, population_shares)
    return cleaned, add_indices(weighted, index_items or None)


def estimate_tables(
    respondents: pd.DataFrame, claims: pd.DataFrame, *, alpha: float = 0.05, weighting: str = "population"
) -> dict[str, pd.DataFrame]:
    """Every table of step 2, keyed by the file name it is saved under."""
    options = weighting_options(weighting)
    weighted = options["weighted"]
    return {
        "index_by_sector": index_by_sector(respondents, alpha=alpha, claims=claims, **options),
        "index_by_sector_country": index_by_sector_country(respondents, alpha=alpha, weighted=weighted),
        "activity_frequencies": activity_frequencies(respondents, alpha=alpha, weighted=weighted),
        "sector_tests": sector_differences(respondents, alpha=alpha, weighted=weighted),
        "country_tests": country_differences(respondents, alpha=alpha, weighted=weighted),
        "heterogeneity_tests": heterogeneity_tests(respondents, alpha=alpha, weighted=weighted),
        "coefficients": correlates_table(respondents, alpha=alpha, **options),
        "effect_sizes": unweighted_effect_sizes(respondents),
    }
