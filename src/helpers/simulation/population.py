"""Known, seeded, SYNTHETIC populations drawn from the generators' models, and their true values.

EU citizens (:func:`eu_population`)
-----------------------------------
One record per adult of a scaled-down copy of each country: ``N_c = round(fraction x population_c)`` with the
populations of ``data/raw/eu2008_populations.csv`` (default fraction 1/100; assumption A-VAL-02). Within each
country the sex x age-group cells hold exactly the shares of ``data/raw/eu2008_sex_age_margins.csv`` (largest
remainders), so the post-stratification targets are the population's true composition. Everything else is the
citizen generator's model (:mod:`helpers.eu.synthetic`, A-EU-10 to A-EU-13), called through its own pieces:
ages within cells, education, employment by age, urban residence, attitudes, the linear predictor with the
generating effects, the person and item noise and the binomial item answers. What is left out is the
generator's *final calibration* (the bisection that makes one sample's weighted index hit the published value)
and its telephone-reach factors (here non-response does that job, :mod:`helpers.simulation.sampling`).

The intercepts are set on the population's expectation instead: scenario ``eu_effects`` takes
``alpha_s = published_s - sum_c share_c mean_c(L_is - alpha_s)``, so the *expected* five-country index of
sector s is its published value; scenario ``eu_null`` replaces the country shifts and the country deviations of
the informed effect by one level per sector and country chosen so that every sector and every country has the
same expected index (the mean of the three published values): the null population of the sector and country
tests. The covariate effects stay as generated in both.

OECD officials (:func:`oecd_population`)
----------------------------------------
``officials`` officials (default 48,000, a hundred times the synthetic sample; A-VAL-02) allocated to the 24
countries and to 1-10 service areas each, with yes / no / don't know / not answered drawn by the officials'
generator (:mod:`helpers.oecd.synthetic`: country, country x item, area and official random effects, break-offs
and item non-response) around the target percentages of the claims registry, without its calibration step.

The truth
---------
:func:`eu_truth` and :func:`oecd_truth` compute the population values every estimator targets, with the
compendium's own functions where one exists (the index, the model frame of the correlates, the affirmative
indicator): the five-country and country index per sector, the sector differences, the population regression
coefficients of the correlates models and the percentage affirmative per item. The estimand of a five-country
number is ``sum_c share_c x (population mean of country c)`` with the population shares the weights use (EU-04).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.claims import load_claims
from helpers.eu import synthetic as eu_generator
from helpers.eu.codebook import (
    AGE_GROUP_LOWER_BOUNDS,
    AGE_GROUPS,
    CANONICAL_COUNTRIES,
    SECTORS,
    activity_items,
    published_index_targets,
    sector_column,
)
from helpers.eu.estimates import FIVE_COUNTRIES, STRATUM_COLUMN
from helpers.eu.index import add_indices, index_column
from helpers.eu.statistics import CORRELATE_TERMS, COUNTRY_TERMS, INDEX, INTERCEPT, correlate_frame
from helpers.oecd import codebook as oecd_codebook
from helpers.oecd import synthetic as oecd_generator
from helpers.oecd.clean import to_long, unanswered_rows
from helpers.oecd.estimates import BASES, affirmative_indicator
from helpers.outputs import atomic_path
from helpers.simulation.seeds import population_seed

DEFAULT_FRACTION: float = 0.01
"""Share of each country's population in the simulated population (A-VAL-02)."""
DEFAULT_OFFICIALS_POPULATION: int = 48_000
"""Officials in the simulated OECD population (A-VAL-02)."""
EU_SCENARIOS: tuple[str, ...] = ("eu_effects", "eu_null")
TRUTH_COLUMNS: tuple[str, ...] = ("scenario", "family", "target", "country", "term", "value")


# ---------------------------------------------------------------------------------------------------------
# EU citizens
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EuPopulationSpec:
    """What defines an EU population: the master seed, the scenario and the population fraction."""

    master_seed: int
    scenario: str = "eu_effects"
    fraction: float = DEFAULT_FRACTION

    def __post_init__(self) -> None:
        if self.scenario not in EU_SCENARIOS:
            raise ValueError(f"scenario must be one of {EU_SCENARIOS}, got {self.scenario!r}")
        if not 0 < self.fraction <= 0.1:
            raise ValueError(f"fraction must be in (0, 0.1], got {self.fraction}")


@dataclass(frozen=True, eq=False)
class EuPopulation:
    """A drawn population: one entry per person in every array of ``columns`` (true answers, no missing codes).

    ``columns`` holds ``country`` (0-based index into ``CANONICAL_COUNTRIES``), ``sex``, ``age``, ``educ``,
    ``employ``, ``urban`` and every survey question of the codebook; ``levels`` the level (intercept plus
    country shift) of each sector and country, ``clipped_share`` per sector the share of people whose linear
    predictor left [0, 100] (0 when the index is exactly linear in the covariates).
    """

    spec: EuPopulationSpec
    columns: dict[str, np.ndarray]
    levels: pd.DataFrame
    clipped_share: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.columns["country"])

    def country_rows(self) -> list[np.ndarray]:
        """Row numbers of each country's people, in ``CANONICAL_COUNTRIES`` order."""
        order = np.argsort(self.columns["country"], kind="stable")
        bounds = np.searchsorted(self.columns["country"][order], np.arange(len(CANONICAL_COUNTRIES) + 1))
        return [order[bounds[c]:bounds[c + 1]] for c in range(len(CANONICAL_COUNTRIES))]

    def frame(self) -> pd.DataFrame:
        """The population as a cleaned-respondent-like frame: RESPID, COUNTRY (text) and the codebook's columns."""
        people = {name.upper(): self.columns[name] for name in PEOPLE_COLUMNS}
        answers = {name: values for name, values in self.columns.items() if name not in (*PEOPLE_COLUMNS, "country")}
        country = np.asarray(CANONICAL_COUNTRIES, dtype=object)[self.columns["country"]]
        return pd.DataFrame({"RESPID": np.arange(1, self.size + 1), STRATUM_COLUMN: country, **people, **answers})


PEOPLE_COLUMNS: tuple[str, ...] = ("sex", "age", "educ", "employ", "urban")


def country_sizes(fraction: float) -> np.ndarray:
    """People per country: round(fraction x population) from the populations file."""
    shares_file = pd.read_csv(eu_generator.POPULATIONS_FILE).set_index("country")["population_millions"]
    millions = shares_file.loc[list(CANONICAL_COUNTRIES)].to_numpy(dtype=float)
    return np.rint(millions * 1e6 * fraction).astype(np.int64)


def largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole counts summing to ``total`` in proportion to ``shares`` (Hamilton's largest-remainder rule)."""
    exact = total * np.asarray(shares, dtype=float) / np.sum(shares)
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def _ages(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """Ages within age group as the citizen generator draws them (uniform; 55+ falling linearly to 94)."""
    uniform = rng.random(len(group))
    return np.select(
        [group == 0, group == 1],
        [AGE_GROUP_LOWER_BOUNDS[0] + np.floor(uniform * 17), AGE_GROUP_LOWER_BOUNDS[1] + np.floor(uniform * 20)],
        AGE_GROUP_LOWER_BOUNDS[2] + np.floor((eu_generator.OLDEST_AGE - 54) * (1.0 - np.sqrt(1.0 - uniform))),
    ).astype(np.int64)


def _draw_population_people(rng: np.random.Generator, sizes: np.ndarray) -> dict[str, np.ndarray]:
    """Country, sex, age, education, employment and urban residence: cells exactly at the margins' shares."""
    margins = eu_generator.read_margins()
    cells = np.concatenate([
        np.repeat(np.arange(2 * len(AGE_GROUPS)), largest_remainder(int(size), margins[c].ravel()))
        for c, size in enumerate(sizes)
    ])
    country = np.repeat(np.arange(len(sizes)), sizes)
    n = len(country)
    group = cells % len(AGE_GROUPS)
    age = _ages(rng, group)
    band = np.searchsorted(np.asarray(eu_generator.EMPLOYMENT_AGE_BANDS), age, side="right") - 1
    return {
        "country": country.astype(np.int8),
        "sex": (cells // len(AGE_GROUPS) + 1).astype(np.int8),
        "age": age.astype(np.int16),
        "educ": (eu_generator._draw_categorical(rng, eu_generator.EDUCATION_PROBABILITIES, n) + 1).astype(np.int8),
        "employ": (eu_generator._draw_categorical(rng, np.asarray(eu_generator.EMPLOYMENT_PROBABILITIES)[band])
                   + 1).astype(np.int8),
        "urban": np.where(rng.random(n) < eu_generator.URBAN_PROBABILITY, 1, 2).astype(np.int8),
    }


def _country_means(values: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Mean of ``values`` within each country (0-based country index)."""
    return np.bincount(country, weights=values, minlength=len(CANONICAL_COUNTRIES)) / np.bincount(
        country, minlength=len(CANONICAL_COUNTRIES))


def _sector_levels(spec: EuPopulationSpec, people: dict[str, np.ndarray], attitudes: dict[str, np.ndarray],
                   population_shares: np.ndarray) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Per sector the linear predictor of everyone and the table of levels by country (see the module docstring)."""
    targets = published_index_targets()
    deviations = eu_generator.informed_country_deviations(population_shares)
    country = people["country"].astype(np.int64)
    generator_people = {**people, "sex": people["sex"].astype(np.int64), "age": people["age"].astype(np.int64)}
    predictors, rows = {}, []
    common = float(np.mean(list(targets.values())))
    for sector in SECTORS:
        if spec.scenario == "eu_effects":
            base = eu_generator._linear_predictor_without_intercept(generator_people, attitudes, sector,
                                                                    deviations[sector])
            intercept = targets[sector] - float(population_shares @ _country_means(base, country))
            shifts = np.array([eu_generator.COUNTRY_LEVEL_SHIFTS[sector][c] for c in CANONICAL_COUNTRIES])
            levels = intercept + shifts
            predictors[sector] = intercept + base
        else:
            shifts = np.array([eu_generator.COUNTRY_LEVEL_SHIFTS[sector][c] for c in CANONICAL_COUNTRIES])
            base = eu_generator._linear_predictor_without_intercept(
                generator_people, attitudes, sector, np.zeros(len(CANONICAL_COUNTRIES))) - shifts[country]
            levels = common - _country_means(base, country)
            predictors[sector] = levels[country] + base
        rows += [{"sector": sector, "country": name, "level": float(levels[c])}
                 for c, name in enumerate(CANONICAL_COUNTRIES)]
    return predictors, pd.DataFrame(rows)


def draw_eu_population(spec: EuPopulationSpec) -> EuPopulation:
    """Draw the population of ``spec`` (deterministic in ``spec``); vectorised, a few seconds at 1/100."""
    rng = np.random.default_rng(population_seed(spec.master_seed, spec.scenario))
    population_shares = eu_generator.read_population_shares()
    people = _draw_population_people(rng, country_sizes(spec.fraction))
    n = len(people["country"])
    attitudes = eu_generator._draw_attitudes(rng, n)
    predictors, levels = _sector_levels(spec, people, attitudes, population_shares)
    shared_noise = rng.uniform(-1.0, 1.0, n)
    answers: dict[str, np.ndarray] = {}
    clipped = {}
    for sector in SECTORS:
        columns = list(activity_items(sector))
        offsets = np.array([eu_generator.ITEM_OFFSETS[column] for column in columns])
        noise = 0.5 * shared_noise + 0.5 * rng.uniform(-1.0, 1.0, n)
        uniforms = rng.random((n, len(columns)))
        predictor = predictors[sector]
        clipped[sector] = float(np.mean((predictor < 0) | (predictor > 100)))
        mu = np.clip(predictor / 100.0, 0.0, 1.0)
        responses = eu_generator._item_responses(mu, noise, uniforms, offsets)
        answers.update({column: responses[:, j] for j, column in enumerate(columns)})
        propensity = mu + eu_generator.PERSON_NOISE * np.minimum(mu, 1.0 - mu) * noise
        efficacy = attitudes[sector_column(sector, "EFFICACY")]
        p_willing = (eu_generator.WILLING_BASE + eu_generator.WILLING_PER_PROPENSITY * propensity
                     + eu_generator.WILLING_PER_EFFICACY * (efficacy - 2.5))
        answers[sector_column(sector, "WILLING")] = np.where(rng.random(n) < p_willing, 1, 2).astype(np.int8)
    return EuPopulation(spec=spec, columns={**people, **attitudes, **answers}, levels=levels,
                        clipped_share=clipped)


@lru_cache(maxsize=4)
def cached_eu_population(spec: EuPopulationSpec, directory: str | None = None) -> EuPopulation:
    """The population of ``spec``, once per process (each Dask worker keeps its populations): read from the file
    step 1 saved in ``directory`` when it is there and was drawn by this code (:func:`load_eu_population`), else
    drawn (a worker on another machine draws it; the arrays are the same, tested)."""
    loaded = load_eu_population(spec, directory) if directory else None
    return loaded if loaded is not None else draw_eu_population(spec)


def eu_truth(population: EuPopulation) -> pd.DataFrame:
    """The population values of every EU estimator: columns :data:`TRUTH_COLUMNS`.

    Families: ``index`` (five-country, population-share weighted), ``index_country``, ``sector_difference``
    (five-country mean of index A - index B), ``country_range`` (largest minus smallest country mean), and
    ``coefficient`` (scenario ``eu_effects`` only: the population least-squares coefficients of the correlates
    model with country fixed effects, the compendium's coding via ``helpers.eu.statistics.correlate_frame``).
    """
    shares = eu_generator.read_population_shares()
    frame = add_indices(population.frame())
    country = population.columns["country"].astype(np.int64)
    scenario = population.spec.scenario
    rows = []
    five_country = {}
    for sector in SECTORS:
        means = _country_means(frame[index_column(sector)].to_numpy(dtype=float), country)
        five_country[sector] = float(shares @ means)
        rows.append((scenario, "index", sector, FIVE_COUNTRIES, "", five_country[sector]))
        rows += [(scenario, "index_country", sector, name, "", float(means[c]))
                 for c, name in enumerate(CANONICAL_COUNTRIES)]
        rows.append((scenario, "country_range", sector, "", "", float(np.ptp(means))))
    for position, first in enumerate(SECTORS):
        for second in SECTORS[position + 1:]:
            rows.append((scenario, "sector_difference", "all", FIVE_COUNTRIES, f"{first} - {second}",
                         five_country[first] - five_country[second]))
    for sector in SECTORS if scenario == "eu_effects" else ():  # the null population serves the tests only
        coefficients = population_coefficients(frame, sector)
        rows += [(scenario, "coefficient", sector, "", term, value) for term, value in coefficients.items()]
    return pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))


def population_coefficients(frame: pd.DataFrame, sector: str) -> dict[str, float]:
    """Least-squares coefficients of the index on the correlates and country dummies over the whole population.

    The census counterpart of ``helpers.eu.statistics.correlates_table`` (whose weights make each country
    count by its population share, as the population's own country sizes do): intercept, the
    ``CORRELATE_TERMS`` and the ``COUNTRY_TERMS`` (reference: the first country).
    """
    model = correlate_frame(frame, sector)
    terms = [*CORRELATE_TERMS, *COUNTRY_TERMS]
    design = np.column_stack([np.ones(len(model)), model[terms].to_numpy(dtype=float)])
    # The normal equations (19 columns, centred covariates: well conditioned) are ten times faster than a QR
    # decomposition of millions of rows and agree with it to about 1e-10 (tested).
    solution = np.linalg.solve(design.T @ design, design.T @ model[INDEX].to_numpy(dtype=float))
    return dict(zip([INTERCEPT, *terms], (float(value) for value in solution), strict=True))


# ---------------------------------------------------------------------------------------------------------
# OECD officials
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OecdPopulationSpec:
    """What defines the officials' population: the master seed and the number of officials."""

    master_seed: int
    officials: int = DEFAULT_OFFICIALS_POPULATION

    def __post_init__(self) -> None:
        if self.officials < oecd_generator.MIN_OFFICIALS:
            raise ValueError(f"officials must be at least {oecd_generator.MIN_OFFICIALS}, got {self.officials}")


@dataclass(frozen=True, eq=False)
class OecdPopulation:
    """Every official x service area row: the official, country and area (0-based) and the item codes."""

    spec: OecdPopulationSpec
    official: np.ndarray
    country: np.ndarray
    area: np.ndarray
    codes: np.ndarray

    def vendor_frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """The rows (all by default) in the vendor layout, every column as text, as a delivered file is read."""
        rows = np.arange(len(self.official)) if rows is None else rows
        official = self.official[rows]
        _, renumbered = np.unique(official, return_inverse=True)
        frame = oecd_generator.assemble_vendor_frame(
            renumbered, self.country[rows], self.area[rows], self.codes[rows],
            oecd_codebook.country_table(), oecd_codebook.area_table(), oecd_codebook.item_table())
        return frame.astype(str)


def draw_oecd_population(spec: OecdPopulationSpec) -> OecdPopulation:
    """Draw the officials' population of ``spec`` with the generator's model, without its calibration."""
    rng = np.random.default_rng(population_seed(spec.master_seed, "oecd"))
    countries = oecd_codebook.country_table()
    areas = oecd_codebook.area_table()
    targets = oecd_generator.calibration_targets(load_claims())
    per_country = oecd_generator.allocate_officials(rng, len(countries), spec.officials)
    country_of_official = np.repeat(np.arange(len(countries)), per_country)
    official, area = oecd_generator.draw_service_areas(rng, spec.officials, len(areas))
    country = country_of_official[official]
    is_member = (countries["membership"] == oecd_codebook.OECD_MEMBER).to_numpy()
    shares = np.concatenate([[oecd_generator.EXPERIENCE_RATE], [float(t) / 100 for t in targets["target"]]])
    fixed_shift = np.zeros((len(countries), len(shares)))
    fixed_shift[:, 0] = np.where(countries["named_in_sources"].to_numpy() & is_member,
                                 oecd_generator.EMBEDDED_COUNTRY_EXPERIENCE_SHIFT, 0.0)
    codes = oecd_generator.draw_item_codes(rng, country, area, official, shares, fixed_shift, len(areas),
                                           spec.officials)
    codes = oecd_generator.mark_not_answered(rng, codes, country, len(countries))
    return OecdPopulation(spec=spec, official=official, country=country, area=area, codes=codes.astype(np.int8))


@lru_cache(maxsize=2)
def cached_oecd_population(spec: OecdPopulationSpec, directory: str | None = None) -> OecdPopulation:
    """The officials' population of ``spec``, once per process: read from ``directory`` if saved there, else drawn."""
    loaded = load_oecd_population(spec, directory) if directory else None
    return loaded if loaded is not None else draw_oecd_population(spec)


# ---------------------------------------------------------------------------------------------------------
# Saving a drawn population for the workers of the same machine
# ---------------------------------------------------------------------------------------------------------


def model_fingerprint() -> str:
    """A hash of the code and raw files a population is drawn from: a saved population of other code is not read."""
    digest = hashlib.sha256()
    for source in (Path(__file__), Path(eu_generator.__file__), Path(oecd_generator.__file__),
                   eu_generator.POPULATIONS_FILE, eu_generator.SEX_AGE_MARGINS_FILE, eu_generator.CLAIMS_FILE):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def population_file(directory: str | os.PathLike[str], spec: EuPopulationSpec | OecdPopulationSpec) -> Path:
    """Where step 1 saves the population of ``spec`` (NumPy ``.npz``, uncompressed: read in a fraction of a second)."""
    if isinstance(spec, EuPopulationSpec):
        name = f"eu_{spec.scenario}_seed{spec.master_seed}_fraction{spec.fraction:g}.npz"
    else:
        name = f"oecd_seed{spec.master_seed}_officials{spec.officials}.npz"
    return Path(directory) / name


def _save(arrays: dict[str, np.ndarray], meta: dict, target: Path) -> Path:
    with atomic_path(target) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, __meta__=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    return target


def _load(target: Path, spec: EuPopulationSpec | OecdPopulationSpec) -> dict[str, np.ndarray] | None:
    """The arrays of a saved population, or None when it is absent, unreadable, of another spec or other code."""
    try:
        with np.load(target, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        meta = json.loads(str(arrays.pop("__meta__")))
    except (OSError, ValueError, KeyError):
        return None
    if meta.get("spec") != asdict(spec) or meta.get("model") != model_fingerprint():
        return None
    return {"__meta__": meta, **arrays}


def save_eu_population(population: EuPopulation, directory: str | os.PathLike[str]) -> Path:
    """Save ``population`` for the workers (:func:`cached_eu_population`), atomically."""
    levels = population.levels
    meta = {"spec": asdict(population.spec), "model": model_fingerprint(), "clipped_share": population.clipped_share,
            "levels": {"sector": levels["sector"].tolist(), "country": levels["country"].tolist(),
                       "level": levels["level"].tolist()}}
    return _save(population.columns, meta, population_file(directory, population.spec))


def load_eu_population(spec: EuPopulationSpec, directory: str | os.PathLike[str]) -> EuPopulation | None:
    """The population saved by :func:`save_eu_population`, or None (see :func:`_load`)."""
    arrays = _load(population_file(directory, spec), spec)
    if arrays is None:
        return None
    meta = arrays.pop("__meta__")
    levels = pd.DataFrame(meta["levels"])[["sector", "country", "level"]]  # JSON sorted the keys
    return EuPopulation(spec=spec, columns=arrays, levels=levels,
                        clipped_share=meta["clipped_share"])


def save_oecd_population(population: OecdPopulation, directory: str | os.PathLike[str]) -> Path:
    """Save the officials' population for the workers, atomically."""
    arrays = {"official": population.official, "country": population.country, "area": population.area,
              "codes": population.codes}
    return _save(arrays, {"spec": asdict(population.spec), "model": model_fingerprint()},
                 population_file(directory, population.spec))


def load_oecd_population(spec: OecdPopulationSpec, directory: str | os.PathLike[str]) -> OecdPopulation | None:
    """The officials' population saved by :func:`save_oecd_population`, or None."""
    arrays = _load(population_file(directory, spec), spec)
    if arrays is None:
        return None
    return OecdPopulation(spec=spec, official=arrays["official"], country=arrays["country"], area=arrays["area"],
                          codes=arrays["codes"])


def oecd_truth(population: OecdPopulation) -> pd.DataFrame:
    """Percent affirmative of every figure item in the population, for each percentage base (the ``term``
    column; the published base is ``responses``), after dropping break-off rows as the cleaning does:
    family ``percent``, columns :data:`TRUTH_COLUMNS`."""
    frame = population.vendor_frame()
    long = to_long(frame.loc[~unanswered_rows(frame)])
    items = set(oecd_codebook.figure_items()["item_id"])
    long = long.loc[long["item_id"].isin(items)]
    rows = []
    for base in BASES:
        percent = 100.0 * affirmative_indicator(long["response"], base).groupby(long["item_id"]).mean()
        rows += [("oecd", "percent", item, "", base, float(value)) for item, value in percent.items()]
    return pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))


def population_summary(population: EuPopulation) -> pd.DataFrame:
    """People per country and sex x age cell, with the margins' share and the population's share."""
    margins = eu_generator.read_margins()
    cells = (population.columns["country"].astype(np.int64) * 2 + population.columns["sex"] - 1) * len(AGE_GROUPS)
    group = np.searchsorted(np.asarray(AGE_GROUP_LOWER_BOUNDS), population.columns["age"], side="right") - 1
    counts = np.bincount(cells + group, minlength=margins.size).reshape(margins.shape)
    rows = []
    for c, country in enumerate(CANONICAL_COUNTRIES):
        for s, sex in enumerate(("Male", "Female")):
            for g, age_group in enumerate(AGE_GROUPS):
                rows.append({"country": country, "sex": sex, "age_group": age_group, "people": int(counts[c, s, g]),
                             "population_share": counts[c, s, g] / counts[c].sum(), "margin_share": margins[c, s, g]})
    return pd.DataFrame(rows)


__all__ = [
    "EuPopulationSpec", "EuPopulation", "draw_eu_population", "cached_eu_population", "eu_truth",
    "OecdPopulationSpec", "OecdPopulation", "draw_oecd_population", "cached_oecd_population", "oecd_truth",
    "population_coefficients", "population_summary", "country_sizes", "largest_remainder",
]
