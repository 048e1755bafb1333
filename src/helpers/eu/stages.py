"""The EU study's computing stages as plain functions: the notebooks call these, and so does the benchmark.

Stage 0 (:func:`read_inputs`): read the respondent file, the sex-by-age margins and the population file,
reporting the problems of every file at once.
Stage 1 (:func:`prepare_respondents`): clean the vendor file, add the two weights and the index.
Stage 2 (:func:`estimate_tables`): every estimate, test and model table of the study, for the benchmark and
batch use. Notebook 21 does not call it: it declares the survey design and calls each estimate, test and model
itself (the same functions, with the same arguments as here, so the two routes give the same numbers; tested).

:func:`run_cleaning` is the whole cleaning step (stages 0 and 1, the checks that the sample is large enough to
weight and to estimate, and the data's origin): notebook 20 and ``python -m helpers.data.real_data check`` both
call it, so that the check and the pipeline cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import paths
from helpers.data.datapackage import verified_sha256
from helpers.data.delivery import normalise_data_origin
from helpers.data.origin import (
    MixedOriginError,
    OriginDecision,
    content_evidence,
    content_match,
    decide_origin,
    registered_synthetic_files,
    sha256_evidence,
)
from helpers.eu.clean import CleaningError, CleaningResult, clean, read_respondent_file
from helpers.eu.codebook import RAW_COLUMNS, SEX_CODES
from helpers.eu.estimates import (
    PSU_COLUMN,
    STRATUM_COLUMN,
    activity_frequencies,
    index_by_sector,
    index_by_sector_country,
    with_weighting,
)
from helpers.eu.index import add_indices
from helpers.eu.statistics import (
    CORRELATES_FORMULA,
    correlates_table,
    country_differences,
    heterogeneity_tests,
    sector_differences,
    unweighted_effect_sizes,
)
from helpers.eu.weights import (
    FIVE_COUNTRY_WEIGHT,
    WITHIN_COUNTRY_WEIGHT,
    WeightError,
    add_weights,
    age_group,
    read_population_shares,
    read_sex_age_margins,
)
from helpers.stats.survey import SurveyDesign
from helpers.data.availability import availability, available_index_items
from helpers.data.validation import InputFileError


@dataclass(frozen=True)
class StudyInputs:
    """The three inputs of the cleaning step, read and checked."""

    raw: pd.DataFrame
    margins: pd.DataFrame
    population_shares: pd.Series


def read_inputs(respondent_file: str, column_map: Mapping[str, str] | None, margins_file: str,
                populations_file: str, **reading: Any) -> StudyInputs:
    """Read the respondent file, the sex-by-age margins and the population file.

    Every file is read even when an earlier one fails, so that one message lists the problems of all of them
    (one file's error is raised as it is; several are joined into one ``InputFileError``). ``reading`` goes to
    :func:`helpers.eu.clean.read_respondent_file` (``missing_codes``, ``delimiter``, ``decimal``, ``encoding``).
    """
    readers: dict[str, Callable[[], Any]] = {
        "raw": lambda: read_respondent_file(respondent_file, column_map or None, **reading),
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
    value_map: Mapping[str, Mapping[object, object]] | None = None,
) -> tuple[CleaningResult, pd.DataFrame]:
    """Clean ``raw``, then add the within-country and cross-country weights and the index per sector.

    Each sector's index is built from its items (``index_items``, else the codebook's) that the data have
    (:func:`helpers.data.real_data.available_index_items`: an item the file lacks, or without a valid answer, is
    left out of a default set; one asked for explicitly must be there). A post-stratification cell without a
    respondent stops it with a ``CleaningError`` naming the file and every such cell.
    """
    cleaned = clean(raw, source_name, value_map=value_map)
    margins = read_sex_age_margins() if margins is None else margins
    empty = empty_weighting_cells(cleaned.data, margins)
    if empty:
        raise CleaningError(
            f"{source_name}: too few respondents to weight: no respondent in {len(empty)} of the post-stratification "
            f"cells (country x sex x age group) of the countries in the file: {'; '.join(empty[:12])}"
            f"{f' (and {len(empty) - 12} more)' if len(empty) > 12 else ''}. The within-country weights need at "
            f"least one respondent in every cell; {len(cleaned.data)} respondents remain after cleaning")
    try:
        weighted = add_weights(cleaned.data, margins, population_shares)
    except WeightError as error:
        raise CleaningError(f"{source_name}: the weights cannot be computed: {error}") from None
    return cleaned, add_indices(weighted, available_index_items(cleaned.data, index_items))


def empty_weighting_cells(data: pd.DataFrame, margins: pd.DataFrame) -> list[str]:
    """The post-stratification cells of the countries in ``data`` that have no respondent, as
    ``'Denmark, male, 18-34 (population share 0.134)'``."""
    if data.empty:
        return []
    present = data.assign(age_group=age_group(data["AGE"]).astype(str))
    observed = set(zip(present["COUNTRY"].astype(str), present["SEX"].astype("int64"), present["age_group"],
                       strict=True))
    countries = set(present["COUNTRY"].astype(str))
    return [f"{row.country}, {SEX_CODES.get(int(row.SEX), row.SEX).lower()}, {row.age_group} "
            f"(population share {row.population_share:.3f})"
            for row in margins.itertuples(index=False)
            if row.country in countries and (row.country, int(row.SEX), row.age_group) not in observed]


def study_designs(weighting: str = "population") -> tuple[SurveyDesign, SurveyDesign]:
    """The two designs of step 2 under a weighting scheme: five-country figures (cross-country weight, EU-04)
    and country figures (within-country weight); countries as strata, respondents as PSUs (A-EU-ANALYSIS-01)."""
    five_country = SurveyDesign(weight=FIVE_COUNTRY_WEIGHT, strata=STRATUM_COLUMN, psu=PSU_COLUMN)
    within_country = SurveyDesign(weight=WITHIN_COUNTRY_WEIGHT, strata=STRATUM_COLUMN, psu=PSU_COLUMN)
    return with_weighting(five_country, weighting), with_weighting(within_country, weighting)


def estimate_tables(
    respondents: pd.DataFrame, claims: pd.DataFrame, *, alpha: float = 0.05, weighting: str = "population",
    formula: str = CORRELATES_FORMULA,
) -> dict[str, pd.DataFrame]:
    """Every table of step 2 that the data support, keyed by the file name it is saved under (batch route).

    A table whose variables the respondents lack (``helpers.data.real_data.availability(...).skipped["tables"]``,
    e.g. the correlates without URBAN) is left out; the activity frequencies cover the activity items present.
    """
    five_country, within_country = study_designs(weighting)
    supported = availability(respondents)
    builders = {
        "index_by_sector": lambda: index_by_sector(respondents, design=five_country, alpha=alpha, claims=claims),
        "index_by_sector_country": lambda: index_by_sector_country(respondents, design=within_country, alpha=alpha),
        "activity_frequencies": lambda: activity_frequencies(
            respondents, design=within_country, alpha=alpha, items=supported.present("activity_frequencies")),
        "sector_tests": lambda: sector_differences(respondents, design=five_country, alpha=alpha),
        "country_tests": lambda: country_differences(respondents, design=within_country, alpha=alpha),
        "heterogeneity_tests": lambda: heterogeneity_tests(respondents, formula=formula, design=five_country,
                                                           alpha=alpha),
        "coefficients": lambda: correlates_table(respondents, formula=formula, design=five_country, alpha=alpha),
        "effect_sizes": lambda: unweighted_effect_sizes(respondents),
    }
    skipped = set(supported.skipped["tables"])
    return {name: build() for name, build in builders.items() if name not in skipped}


# ---------------------------------------------------------------------------------------------------------
# The cleaning step as a whole (notebook 20 and the check command)
# ---------------------------------------------------------------------------------------------------------

TRIAL_ESTIMATE_BELOW: int = 2000
"""Samples smaller than this are estimated once, as step 2 will, before anything is written: a sample too small
to estimate is refused here, by the cleaning step, naming the cause (larger samples take seconds to estimate and
have always worked)."""


@dataclass(frozen=True)
class CleaningStep:
    """Everything the cleaning step computes: inputs, cleaning result, analysed respondents, the data's origin."""

    inputs: StudyInputs
    cleaned: CleaningResult
    respondents: pd.DataFrame
    origin: OriginDecision
    sha256: str


def run_cleaning(
    respondent_file: str | Path,
    column_map: Mapping[str, str] | None = None,
    margins_file: str | Path = paths.SEX_AGE_MARGINS_FILE,
    populations_file: str | Path = paths.POPULATIONS_FILE,
    *,
    value_map: Mapping[str, Mapping[object, object]] | None = None,
    missing_codes: Mapping[str, object] | None = None,
    index_items: Mapping[str, Sequence[str]] | None = None,
    data_origin: str | None = None,
    delimiter: str = "auto",
    decimal: str = "auto",
    encoding: str = "auto",
) -> CleaningStep:
    """The cleaning step of the 2008 study: read, clean, weight, index, check the sample, decide the origin.

    Raises an ``InputFileError`` (``CleaningError`` for the respondent file) naming the file and the cause for
    every refusal: the file itself, the parameters, the cleaning, too few respondents to weight or to estimate,
    and a file mixing synthetic and other records. Nothing is written: the caller writes the products.
    """
    source = str(respondent_file)
    try:
        declared = normalise_data_origin(data_origin)
    except ValueError as error:
        raise CleaningError(f"{source}: {error}") from None
    inputs = read_inputs(source, column_map, str(margins_file), str(populations_file), missing_codes=missing_codes,
                         delimiter=delimiter, decimal=decimal, encoding=encoding)
    cleaned, respondents = prepare_respondents(inputs.raw, source, inputs.margins, inputs.population_shares,
                                               index_items, value_map)
    sample_problem = estimation_problem(respondents, source)
    if sample_problem:
        raise CleaningError(sample_problem)
    sha256 = verified_sha256(Path(respondent_file))
    origin = decide_origin(declared, origin_evidence(cleaned, sha256, source))
    cleaned = replace(cleaned, data_are_synthetic=origin.origin == "synthetic", data_origin=origin.origin)
    return CleaningStep(inputs, cleaned, respondents, origin, sha256)


def origin_evidence(cleaned: CleaningResult, sha256: str, source: str) -> list[str]:
    """Evidence that the data are synthetic: the bytes, the marker, or records of the synthetic stand-in."""
    evidence = [*sha256_evidence(sha256), *cleaned.origin_evidence]
    if evidence:
        return evidence
    reference = synthetic_reference()
    if reference is None:
        return []
    try:
        return content_evidence(content_match(cleaned.data, reference, key=["RESPID"], reference_name=
                                              f"data/raw/{paths.EU_RAW_FILE.name}",
                                              columns=[c for c in RAW_COLUMNS if c not in ("RESPID", "SYNTHETIC")]))
    except MixedOriginError as error:
        raise CleaningError(f"{source}: {error}") from None


@lru_cache(maxsize=1)
def synthetic_reference() -> pd.DataFrame | None:
    """The cleaned records of the committed synthetic stand-in (None when the data package does not list it as
    synthetic), to recognise copies of it however renamed, relabelled or damaged."""
    if paths.EU_RAW_FILE.name not in registered_synthetic_files() or not paths.EU_RAW_FILE.is_file():
        return None
    return clean(read_respondent_file(paths.EU_RAW_FILE), str(paths.EU_RAW_FILE)).data


def estimation_problem(respondents: pd.DataFrame, source: str) -> str | None:
    """Why step 2 could not estimate from ``respondents`` (a sample too small), or None.

    A sample of at least :data:`TRIAL_ESTIMATE_BELOW` respondents is not tried. Step 2 needs at least two
    countries (it compares them) and enough respondents in each answer category for its models.
    """
    if len(respondents) >= TRIAL_ESTIMATE_BELOW:
        return None
    by_country = respondents["COUNTRY"].astype(str).value_counts().sort_index()
    sizes = ", ".join(f"{country} {count}" for country, count in by_country.items())
    if len(by_country) < 2:
        return (f"{source}: too few respondents to estimate: the {len(respondents)} respondents kept are all from "
                f"{sizes.rsplit(' ', 1)[0] or 'no country'}; the estimates compare countries and need at least two")
    from helpers.data.claims import load_claims

    try:
        estimate_tables(respondents, load_claims(paths.CLAIMS_FILE))
    except Exception as error:  # noqa: BLE001 - svy and the models fail in many ways on tiny samples
        return (f"{source}: sample too small to estimate: {len(respondents)} respondents kept ({sizes}); the "
                "estimation step cannot compute its design-based estimates, design effects and models from so few "
                "(some answer categories or weighting cells are too thin). Deliver the full sample "
                f"(step 2 stopped with {failure_code(error)})")
    return None


def failure_code(error: Exception) -> str:
    """``'ModelError [RANK_DEFICIENT]'``: the kind of a library failure, without the library's own advice."""
    code = re.search(r"\[([A-Z][A-Z_]+)\]", str(error))
    return f"{type(error).__name__}{f' [{code.group(1)}]' if code else ''}"
