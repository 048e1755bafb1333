"""One replicate of the validation study: draw a sample, run the compendium's own analysis on it, in-process.

Each replicate calls the functions the reports use, not copies of them:

- EU (scenarios ``eu_effects`` and ``eu_null``): ``helpers.eu.clean.clean`` on the vendor file, then
  ``helpers.eu.weights.add_weights`` (post-stratification with svy) and ``helpers.eu.index.add_indices``.
  Scenario ``eu_effects`` then estimates the five-country index per sector under each weighting scheme
  (``index_by_sector``: unweighted, post-stratified within country only, post-stratified and scaled to the
  population shares as published), the index per sector and country (``index_by_sector_country``, unweighted
  and post-stratified), the sector and country tests (``sector_differences``, ``country_differences``) and the
  correlates models (``correlates_table``). Scenario ``eu_null`` runs the two tests only.
- OECD (scenario ``oecd``): ``helpers.oecd.clean.clean_vendor_frame`` and ``percent_affirmative`` (the published
  base, officials as clusters).

Each interval estimate is computed at the 95% and the 90% level (two calls: svy makes both intervals). The
result is one tidy frame per replicate with the columns :data:`RESULT_COLUMNS`.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.claims import load_claims
from helpers.eu.clean import clean
from helpers.eu.estimates import index_by_sector, index_by_sector_country
from helpers.eu.index import add_indices
from helpers.eu.statistics import correlates_table, country_differences, sector_differences
from helpers.eu.weights import WITHIN_COUNTRY_WEIGHT, add_weights, read_population_shares, read_sex_age_margins
from helpers.oecd.clean import clean_vendor_frame
from helpers.oecd.estimates import PUBLISHED_BASE, percent_affirmative
from helpers.simulation.population import (
    DEFAULT_FRACTION,
    DEFAULT_OFFICIALS_POPULATION,
    EuPopulationSpec,
    OecdPopulationSpec,
    cached_eu_population,
    cached_oecd_population,
)
from helpers.simulation.sampling import DEFAULT_OFFICIALS_SAMPLE, DEFAULT_RESPONDENTS_PER_COUNTRY, eu_sample, oecd_sample
from helpers.simulation.seeds import SCENARIO_KEYS, replicate_rng

SCENARIOS: tuple[str, ...] = tuple(SCENARIO_KEYS)
SCENARIO_LABELS: dict[str, str] = {
    "eu_effects": "EU citizens, the generator's effects",
    "eu_null": "EU citizens, null population (no sector or country differences)",
    "oecd": "OECD officials",
}
RESULT_COLUMNS: tuple[str, ...] = (
    "scenario", "replicate", "family", "analysis", "target", "country", "term", "weighting",
    "estimate", "se", "ci95_low", "ci95_high", "ci90_low", "ci90_high", "df", "n", "p_value", "p_adjusted",
)
TEXT_COLUMNS: tuple[str, ...] = ("scenario", "family", "analysis", "target", "country", "term", "weighting")
LEVELS: dict[str, float] = {"95": 0.05, "90": 0.10}
"""Interval levels computed for every interval estimate (label -> alpha)."""

UNWEIGHTED, POST_STRATIFIED, POPULATION_SHARES = "unweighted", "post-stratified", "population shares"
FIVE_COUNTRY_SCHEMES: dict[str, dict[str, Any]] = {
    UNWEIGHTED: {"weighted": False},
    POST_STRATIFIED: {"weight": WITHIN_COUNTRY_WEIGHT},
    POPULATION_SHARES: {},
}
"""Weighting schemes of the five-country index: keyword arguments of ``index_by_sector``. Post-stratified alone
makes every country count by its sample size; with the population shares (EU-04, published) by its population."""
COUNTRY_SCHEMES: dict[str, dict[str, Any]] = {UNWEIGHTED: {"weighted": False}, POST_STRATIFIED: {}}
"""Weighting schemes of the country index (within a country the population-share weight is the post-stratified
weight times a constant, so it gives the same estimate as post-stratified)."""


@dataclass(frozen=True)
class StudySettings:
    """Everything a replicate's numbers depend on besides its scenario and number."""

    master_seed: int = 2026
    population_fraction: float = DEFAULT_FRACTION
    officials_population: int = DEFAULT_OFFICIALS_POPULATION
    respondents_per_country: int = DEFAULT_RESPONDENTS_PER_COUNTRY
    officials_sample: int = DEFAULT_OFFICIALS_SAMPLE

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def eu_population(self, scenario: str) -> EuPopulationSpec:
        return EuPopulationSpec(self.master_seed, scenario, self.population_fraction)

    def oecd_population(self) -> OecdPopulationSpec:
        return OecdPopulationSpec(self.master_seed, self.officials_population)


@lru_cache(maxsize=1)
def _fixed_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The claims registry, the sex x age margins and the population shares (read once per process)."""
    return load_claims(), read_sex_age_margins(), read_population_shares()


def _with_levels(tables: dict[str, pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """One frame from the 95% and 90% versions of an estimate table, the intervals side by side."""
    ninety = tables["90"][[*keys, "ci_low", "ci_high"]].rename(columns={"ci_low": "ci90_low", "ci_high": "ci90_high"})
    merged = tables["95"].rename(columns={"ci_low": "ci95_low", "ci_high": "ci95_high"})
    return merged.merge(ninety, on=keys, how="left", validate="1:1")


def _eu_respondents(settings: StudySettings, scenario: str, rng: np.random.Generator, source: str,
                    population_dir: str | None) -> pd.DataFrame:
    """Sample, clean, weight and index: the compendium's step 1 on one replicate."""
    claims, margins, shares = _fixed_inputs()
    population = cached_eu_population(settings.eu_population(scenario), population_dir)
    raw = eu_sample(population, rng, settings.respondents_per_country)
    cleaned = clean(raw, source)
    return add_indices(add_weights(cleaned.data, margins, shares))


def eu_index_rows(data: pd.DataFrame) -> list[pd.DataFrame]:
    """The five-country and the country index per sector under every weighting scheme, both levels."""
    claims, _, _ = _fixed_inputs()
    frames = []
    for scheme, options in FIVE_COUNTRY_SCHEMES.items():
        tables = {label: index_by_sector(data, claims=claims, alpha=alpha, **options) for label, alpha in LEVELS.items()}
        frames.append(_with_levels(tables, ["sector"]).assign(family="index", analysis="index_by_sector",
                                                              weighting=scheme))
    for scheme, options in COUNTRY_SCHEMES.items():
        tables = {label: index_by_sector_country(data, alpha=alpha, **options) for label, alpha in LEVELS.items()}
        frames.append(_with_levels(tables, ["sector", "country"]).assign(
            family="index_country", analysis="index_by_sector_country", weighting=scheme))
    return [frame.rename(columns={"sector": "target"}) for frame in frames]


def eu_test_rows(data: pd.DataFrame) -> list[pd.DataFrame]:
    """The sector tests (EU-09, within respondents) and the country tests (EU-09), as the estimates step runs them."""
    renames = {"sector": "target", "comparison": "term", "ci_low": "ci95_low", "ci_high": "ci95_high"}
    return [sector_differences(data).rename(columns=renames).assign(family="sector_test"),
            country_differences(data).rename(columns=renames).assign(family="country_test")]


def eu_coefficient_rows(data: pd.DataFrame) -> pd.DataFrame:
    """The correlates models (published weights, country fixed effects, design-based 95% intervals)."""
    table = correlates_table(data)
    return table.rename(columns={"sector": "target", "ci_low": "ci95_low", "ci_high": "ci95_high"}).assign(
        family="coefficient", analysis="correlates_table")


def oecd_rows(settings: StudySettings, rng: np.random.Generator, source: str,
              population_dir: str | None = None) -> pd.DataFrame:
    """Clean an officials' sample and estimate the percentage affirmative of every figure item, both levels."""
    claims, _, _ = _fixed_inputs()
    population = cached_oecd_population(settings.oecd_population(), population_dir)
    cleaned = clean_vendor_frame(oecd_sample(population, rng, settings.officials_sample), source)
    tables = {label: percent_affirmative(cleaned.long, claims, base=PUBLISHED_BASE, alpha=alpha)
              for label, alpha in LEVELS.items()}
    table = _with_levels(tables, ["item_id"])
    return table.rename(columns={"item_id": "target", "n_responses": "n", "base": "term"}).assign(
        family="percent", analysis="percent_affirmative", weighting=UNWEIGHTED)


def run_replicate(settings: StudySettings, scenario: str, replicate: int,
                  population_dir: str | None = None) -> pd.DataFrame:
    """Every estimate of replicate ``replicate`` of ``scenario``: columns :data:`RESULT_COLUMNS`.

    ``population_dir``: where step 1 saved the populations (read if there, else drawn: the same arrays)."""
    rng = replicate_rng(settings.master_seed, scenario, replicate)
    source = f"validation sample {replicate} of scenario {scenario}"
    if scenario == "oecd":
        frames = [oecd_rows(settings, rng, source, population_dir)]
    else:
        data = _eu_respondents(settings, scenario, rng, source, population_dir)
        frames = eu_test_rows(data)
        if scenario == "eu_effects":
            frames += [*eu_index_rows(data), eu_coefficient_rows(data)]
    return tidy_results(pd.concat(frames, ignore_index=True).assign(scenario=scenario, replicate=replicate))


def tidy_results(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly :data:`RESULT_COLUMNS`: text columns as str ('' when absent), numbers as float."""
    frame = frame.reindex(columns=list(RESULT_COLUMNS))
    for column in RESULT_COLUMNS:
        if column in TEXT_COLUMNS:
            values = frame[column].astype("object")
            frame[column] = values.where(values.notna(), "").astype(str)
        elif column == "replicate":
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def run_chunk(settings: StudySettings, scenario: str, replicates: list[int],
              population_dir: str | None = None) -> pd.DataFrame:
    """:func:`run_replicate` for each of ``replicates`` (a Dask task), concatenated in replicate order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pingouin's pandas deprecation notes, once per call
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # pingouin's Bayes factor overflows for huge t (unused here)
        frames = [run_replicate(settings, scenario, replicate, population_dir) for replicate in sorted(replicates)]
    return pd.concat(frames, ignore_index=True)


def warm_up(settings: StudySettings, population_dir: str | None = None) -> int:
    """Draw every population of ``settings`` into this process's cache and run one replicate of each scenario
    (imports and first calls done): what a worker does before its first result. Returns the process id.
    The benchmark runs it on every Dask worker (``client.run``) before timing."""
    import os

    for scenario in SCENARIOS:
        run_chunk(settings, scenario, [0], population_dir)
    return os.getpid()
