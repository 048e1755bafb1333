"""Seeded generator of the SYNTHETIC stand-in for the 2008 five-country citizen survey's respondent file.

The respondent-level data are not public. This module writes a file shaped like a telephone-survey vendor's
delivery (columns and codes of ``helpers.eu.codebook``), with the published directions of effect built in
and the published five-country index per sector reproduced exactly (to rounding) by the pipeline's own
cleaning, weighting and index. Every row carries ``SYNTHETIC = 1``.

Generating model (all constants below; assumptions A-EU-10 to A-EU-16 in docs/assumptions_eu.md)
-------------------------------------------------------------------------------------------------
For respondent i in country c and sector s, on the 0-100 index scale::

    L_is = alpha_s + shift_sc + sum_k beta_sk * x_ik + dev_sc * informed_is        (linear predictor)
    mu_is = clip(L_is / 100, 0, 1)                                                  (never binds: see tests)
    q_is = mu_is + PERSON_NOISE * min(mu_is, 1 - mu_is) * v_is,  v_is ~ U(-1, 1)   (person propensity)
    q_ijs = q_is + ITEM_OFFSET_j * min(q_is, 1 - q_is)                              (item j's propensity)
    item_ijs = 1 + Binomial(3, q_ijs)                                               (1 never ... 4 always)

``E[v] = 0`` and the item offsets of a sector sum to 0, so with all items answered
``E[index_is | x] = E[(mean_j item_ijs - 1) / 3 * 100] = L_is`` exactly: the index is linear in the covariates
and the regression coefficient of the index on ``x_k`` IS the generating value ``beta_sk`` (no attenuation by
the discretisation, because the binomial's mean is linear in its probability). When an item is missing the
mean of the remaining offsets is not zero; that bends the line by well under 0.1 index point per unit
(documented in A-EU-12). Covariates are coded as in ``COVARIATE_CODING``. ``dev_sc`` makes the effect of
being informed differ by country (EU-17); the deviations sum to zero both unweighted and weighted by the
countries' population shares, so pooled models (unweighted or with the cross-country weight) still target
``beta_s,informed``.

Calibration: ``alpha_s`` is not a constant but solved for. After the cleaning the injected defects call for
(exact duplicate copies dropped, out-of-range ages dropped, don't-know/refused/undocumented codes missing) and
with the cross-country weight (post-stratification by sex x age group within country, then each country
rescaled to its population share, EU-04), the weighted mean index of each sector is monotone in ``alpha_s``
given the fixed random draws; bisection finds the ``alpha_s`` whose weighted mean is closest to the published
value (EU-06/07/08, read from the claims registry). The result is within ``CALIBRATION_TOLERANCE`` of the
target for any seed and any ``n >= MIN_N``, or ``generate`` raises. That calibration re-implements, in a few
lines here, what helpers.eu.clean, .weights and .index do: this module must not import them (tested), so that
the tests check the pipeline against an independent computation.

Defects a vendor file typically has are injected at documented rates and returned as ground truth
(``GeneratedFile.defects``): exact duplicate records, out-of-range ages, country labels spelt several ways,
stray whitespace, undocumented codes; don't-know and refused codes are part of the codebook but are also
listed, so that every change the cleaning makes can be checked against them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.eu.codebook import (
    AGE_GROUP_LOWER_BOUNDS,
    AGE_GROUPS,
    CANONICAL_COUNTRIES,
    CLEANING_REASONS,
    COUNTRY_SPELLINGS_IN_DELIVERY,
    DONT_KNOW,
    RAW_COLUMNS,
    REFUSED,
    SECTORS,
    SEX_AGE_MARGINS_FILE,
    SEX_CODES,
    SURVEY_QUESTION_COLUMNS,
    VARIABLE_BY_NAME,
    activity_items,
    fieldwork_window,
    published_index_targets,
    published_sample_size,
    sector_column,
)
from helpers.outputs import write_csv
from helpers.paths import CLAIMS_FILE, EU_RAW_FILE, POPULATIONS_FILE

# ---------------------------------------------------------------------------------------------------------
# Documented constants
# ---------------------------------------------------------------------------------------------------------

DEFAULT_SEED: int = 2008
MIN_N: int = 1000
"""Smallest sample the calibration is guaranteed for (about 200 per country, 6 weighting cells each)."""
CALIBRATION_TOLERANCE: float = 0.2
"""Largest accepted distance between the weighted index and its published value (rounding needs < 0.5)."""
CALIBRATION_AIM: float = 0.005
"""The search stops once the weighted index is this close to its target (or a step straddles the target)."""
INDEX_MIN_VALID_ITEMS: int = 2
"""Mirror of helpers.eu.index's default: an index needs at least 2 of the sector's 3 items (tested equal)."""
FIRST_RESPID: int = 100001

# Sample composition: telephone surveys reach women and older people more easily (A-EU-10). A cell's
# probability is its population share (margins file) times these factors, renormalised within country.
SELECTION_FACTOR_SEX: dict[int, float] = {1: 0.92, 2: 1.08}
SELECTION_FACTOR_AGE_GROUP: dict[str, float] = {"18-34": 0.80, "35-54": 1.00, "55+": 1.15}
OLDEST_AGE: int = 94
"""Ages within 55+ fall linearly from 55 to OLDEST_AGE; within 18-34 and 35-54 they are uniform."""

EDUCATION_PROBABILITIES: tuple[float, ...] = (0.25, 0.45, 0.30)
EMPLOYMENT_AGE_BANDS: tuple[int, ...] = (18, 25, 60, 65)
"""Lower bounds of the age bands of ``EMPLOYMENT_PROBABILITIES`` rows."""
EMPLOYMENT_PROBABILITIES: tuple[tuple[float, ...], ...] = (
    # employed, unemployed, retired, student, other
    (0.40, 0.08, 0.00, 0.47, 0.05),  # 18-24
    (0.75, 0.07, 0.03, 0.02, 0.13),  # 25-59
    (0.40, 0.04, 0.45, 0.00, 0.11),  # 60-64
    (0.05, 0.00, 0.88, 0.00, 0.07),  # 65+
)
URBAN_PROBABILITY: float = 0.65
EFFICACY_PROBABILITIES: dict[str, tuple[float, ...]] = {
    "environment": (0.10, 0.25, 0.35, 0.30), "health": (0.08, 0.22, 0.35, 0.35), "safety": (0.15, 0.30, 0.33, 0.22)}
OUTCOME_PROBABILITIES: dict[str, tuple[float, ...]] = {
    "environment": (0.07, 0.18, 0.50, 0.25), "health": (0.04, 0.14, 0.52, 0.30), "safety": (0.06, 0.17, 0.50, 0.27)}
GOVPERF_PROBABILITIES: dict[str, tuple[float, ...]] = {
    "environment": (0.10, 0.30, 0.45, 0.15), "health": (0.10, 0.30, 0.45, 0.15), "safety": (0.10, 0.30, 0.45, 0.15)}
INFORMED_PROBABILITY: dict[str, float] = {"environment": 0.40, "health": 0.35, "safety": 0.30}
CONSULTED_PROBABILITY: dict[str, float] = {"environment": 0.20, "health": 0.18, "safety": 0.15}

COVARIATE_CODING: dict[str, str] = {
    "female": "1 if SEX == 2 else 0",
    "age_decades": "(AGE - 50) / 10",
    "efficacy": "<S>_EFFICACY (1-4) - 2.5",
    "outcome": "<S>_OUTCOME (1-4) - 2.5",
    "govperf": "<S>_GOVPERF (1-4) - 2.5",
    "informed": "1 if <S>_INFORMED == 1 (yes) else 0",
    "consulted": "1 if <S>_CONSULTED == 1 (yes) else 0",
    "educ_upper_secondary": "1 if EDUC == 2 else 0 (reference: EDUC == 1)",
    "educ_tertiary": "1 if EDUC == 3 else 0",
    "employ_unemployed": "1 if EMPLOY == 2 else 0 (reference: EMPLOY == 1, employed)",
    "employ_retired": "1 if EMPLOY == 3 else 0",
    "employ_student": "1 if EMPLOY == 4 else 0",
    "employ_other": "1 if EMPLOY == 5 else 0",
    "urban": "1 if URBAN == 1 else 0",
}
"""How each term of the generating model is computed from the cleaned columns (<S> = ENV, HEA or SAF)."""

EFFECTS: dict[str, dict[str, float]] = {
    # term: {sector: effect in index points per unit of the term}       published direction
    "female": {"environment": 4.0, "health": 5.0, "safety": 3.0},                    # EU-11 +
    "age_decades": {"environment": 1.25, "health": 1.5, "safety": 2.0},               # EU-12 +
    "efficacy": {"environment": 6.0, "health": 5.0, "safety": 7.0},                  # EU-13 + strong
    "outcome": {"environment": -2.5, "health": -2.0, "safety": -3.0},                # EU-14 - (somewhat)
    "govperf": {"environment": 1.0, "health": 0.5, "safety": -1.0},                  # none published
    "informed": {"environment": 4.0, "health": 3.0, "safety": 3.5},                  # EU-15 +
    "consulted": {"environment": 3.5, "health": 3.0, "safety": 4.0},                 # EU-15 +
    "educ_upper_secondary": {"environment": 1.5, "health": 1.0, "safety": 0.0},      # none published
    "educ_tertiary": {"environment": 2.5, "health": 2.5, "safety": -1.0},            # none published
    "employ_unemployed": {"environment": -1.0, "health": -1.5, "safety": 0.5},       # none published
    "employ_retired": {"environment": 1.0, "health": 0.5, "safety": 1.5},            # none published
    "employ_student": {"environment": 0.0, "health": 1.0, "safety": -2.0},           # none published
    "employ_other": {"environment": 1.0, "health": 2.0, "safety": 1.0},              # none published
    "urban": {"environment": 1.5, "health": 0.0, "safety": -1.5},                    # none published
}
"""Generating effects on the 0-100 index scale (A-EU-11): the values a regression of the index recovers."""

COUNTRY_LEVEL_SHIFTS: dict[str, dict[str, float]] = {
    "environment": {"Czech Republic": 1.0, "Denmark": 3.0, "France": -3.0, "Germany": 3.0, "United Kingdom": -2.0},
    "health": {"Czech Republic": -3.0, "Denmark": 3.0, "France": 1.0, "Germany": -2.0, "United Kingdom": 2.0},
    "safety": {"Czech Republic": -2.0, "Denmark": 2.0, "France": -4.0, "Germany": 0.0, "United Kingdom": 4.0},
}
"""Country differences in level by sector (EU-09, EU-17), index points, relative to the calibrated intercept."""

INFORMED_COUNTRY_PATTERN: dict[str, dict[str, float]] = {
    "environment": {"Czech Republic": -4.0, "Denmark": 6.0, "France": -2.0, "Germany": 2.0, "United Kingdom": -2.0},
    "health": {"Czech Republic": -2.0, "Denmark": 4.0, "France": 2.0, "Germany": -2.0, "United Kingdom": -2.0},
    "safety": {"Czech Republic": -4.0, "Denmark": 2.0, "France": -4.0, "Germany": 2.0, "United Kingdom": 4.0},
}
"""Raw pattern of country deviations in the effect of being informed (EU-17); ``informed_country_deviations``
projects it so that it sums to zero unweighted and weighted by population share. Its size (twice the first
version's, assumption A-EU-17 in docs/assumptions.md) makes the informed x country interaction detectable at
n = 4,951 after Holm over all EU-17 tests: the country effects of being informed then range from about -0.7
to 9.2 index points in the local environment (pooled 4.0), -0.1 to 5.7 in health (3.0) and -1.0 to 7.1 in
safety (3.5)."""

BUILT_IN_CLAIMS: dict[str, str] = {
    "EU-02": "the generator draws the published number of respondents",
    "EU-03": "respondents are spread evenly over the five countries",
    "EU-06": "the intercept is solved so that the weighted index equals the published value",
    "EU-07": "the intercept is solved so that the weighted index equals the published value",
    "EU-08": "the intercept is solved so that the weighted index equals the published value",
    "EU-09": "sector levels calibrated in the published order and country levels shifted "
             "(COUNTRY_LEVEL_SHIFTS)",
    "EU-11": "the generator's effects (EFFECTS) give women the published sign",
    "EU-12": "the generator's effects (EFFECTS) give age the published sign",
    "EU-13": "the generator's effects (EFFECTS) make self-efficacy the strongest "
             "correlate",
    "EU-14": "the generator's effects (EFFECTS) give outcome performance the published "
             "sign",
    "EU-15": "the generator's effects (EFFECTS) give being informed and consulted the "
             "published sign",
    "EU-17": "the generator's effects differ between sectors (EFFECTS) and the effect of being "
             "informed between countries (INFORMED_COUNTRY_PATTERN)",
}
"""Tested claims whose result this generator builds into the synthetic file, and how: a pass on these data shows
that the code detects the result, not that the result is true (the scorecard says so next to each)."""


PERSON_NOISE: float = 0.5
"""Scale of the person-level propensity noise (0 = none; must be < 1 to keep the mapping monotone)."""
ITEM_OFFSETS: dict[str, float] = {
    "ENV_RECYCLE": 0.30, "ENV_SAVE_ENERGY": 0.15, "ENV_PUBLIC_TRANSPORT": -0.45,
    "HEA_EXERCISE": -0.15, "HEA_CARE_SICK": -0.30, "HEA_EAT_HEALTHY": 0.45,
    "SAF_INTERVENE": -0.45, "SAF_SECURE_HOME": 0.35, "SAF_REPORT_POLICE": 0.10,
}
"""Item 'difficulty' (share of the distance to the nearer bound); they sum to zero within a sector."""
WILLING_BASE: float = 0.15
WILLING_PER_PROPENSITY: float = 0.50
WILLING_PER_EFFICACY: float = 0.05

DONT_KNOW_RATE: dict[str, float] = {
    "activity": 0.015, "outcome": 0.02, "govperf": 0.06, "informed": 0.02, "consulted": 0.02, "efficacy": 0.04,
    "willing": 0.05, "education": 0.002, "employment": 0.0, "urban": 0.005}
REFUSED_RATE: dict[str, float] = {
    "activity": 0.005, "outcome": 0.005, "govperf": 0.005, "informed": 0.005, "consulted": 0.005,
    "efficacy": 0.005, "willing": 0.005, "education": 0.01, "employment": 0.005, "urban": 0.005}
UNDOCUMENTED_CODE_RATE: dict[str, float] = {"activity": 0.001}
UNDOCUMENTED_CODE_RATE_OTHER: float = 0.0005
UNDOCUMENTED_CODES: tuple[int, ...] = (0, 5, 6, 7)
"""Keying errors: codes no column of the codebook documents (valid codes are 1-5, missing 8 and 9; 5 is
valid only for EMPLOY, where it is therefore never injected)."""

EXACT_DUPLICATE_RATE: float = 0.004
"""Extra exact copies of records, as a share of n (at least one copy)."""
AGE_OUT_OF_RANGE_RATE: float = 0.002
"""Records whose AGE is a keying error, as a share of n (at least one)."""
OUT_OF_RANGE_AGES: tuple[int, ...] = (0, 7, 17, 150, 999)
COUNTRY_VARIANT_RATE: float = 0.03
WHITESPACE_RATE: dict[str, float] = {"COUNTRY": 0.01, "INTDATE": 0.005}
WHITESPACE_PADDINGS: tuple[tuple[str, str], ...] = ((" ", ""), ("", " "), ("  ", " "), ("", "  "))


# ---------------------------------------------------------------------------------------------------------
# Result type
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedFile:
    """A generated vendor file and what went into it.

    - ``data``: the vendor frame (``codebook.RAW_COLUMNS``, one row per delivered record, sorted by RESPID);
    - ``defects``: ground truth, one row per change a correct cleaning makes: ``row`` (0-based position in
      ``data``), ``RESPID``, ``column``, ``reason`` (``codebook.CLEANING_REASONS``), ``raw_value``;
    - ``effects``: generating values on the index scale: ``sector``, ``country`` ('all' or a country),
      ``term``, ``value`` (terms of ``COVARIATE_CODING``, plus ``intercept``, ``country_shift``);
    - ``calibration``: per sector the target, the achieved weighted index, the calibrated intercept, the share
      of respondents whose linear predictor was clipped to [0, 100] (0), the observed predictor range and
      ``bound_min``/``bound_max``, the range over every possible respondent (inside [0, 100]: the clip never
      binds, so the index is linear in the covariates).
    """

    data: pd.DataFrame
    defects: pd.DataFrame
    effects: pd.DataFrame
    calibration: pd.DataFrame
    seed: int
    n: int

    @property
    def defect_counts(self) -> dict[str, int]:
        """Number of ground-truth changes per cleaning reason (every reason listed, zeros included)."""
        counts = self.defects["reason"].value_counts()
        return {reason: int(counts.get(reason, 0)) for reason in CLEANING_REASONS}


# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------


def _draw_categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int | None = None) -> np.ndarray:
    """Draw 0-based category indices: ``probabilities`` is (k,) with ``size`` draws, or (n, k) row-wise."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim == 1:
        cumulative = np.cumsum(probabilities / probabilities.sum())
        return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), len(cumulative) - 1)
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    draws = rng.random(len(probabilities))
    return np.minimum((draws[:, None] >= cumulative).sum(axis=1), probabilities.shape[1] - 1)


def read_margins(path: str | Path = SEX_AGE_MARGINS_FILE) -> np.ndarray:
    """Population shares as an array [country, sex - 1, age group], normalised to 1 within country."""
    table = pd.read_csv(path)
    sex_code = {label: code for code, label in SEX_CODES.items()}
    shares = np.zeros((len(CANONICAL_COUNTRIES), 2, len(AGE_GROUPS)))
    for row in table.itertuples(index=False):  # 30 rows: a loop over the margins file, not over respondents
        shares[CANONICAL_COUNTRIES.index(row.country), sex_code[row.sex] - 1,
               AGE_GROUPS.index(row.age_group)] = row.population_share
    return shares / shares.sum(axis=(1, 2), keepdims=True)


def read_population_shares(path: str | Path = POPULATIONS_FILE) -> np.ndarray:
    """Each country's share of the five countries' population (EU-04), in ``CANONICAL_COUNTRIES`` order."""
    table = pd.read_csv(path).set_index("country")["population_millions"]
    population = table.loc[list(CANONICAL_COUNTRIES)].to_numpy(dtype=float)
    return population / population.sum()


def informed_country_deviations(population_shares: np.ndarray) -> dict[str, np.ndarray]:
    """Per sector, the informed-effect deviations by country: ``INFORMED_COUNTRY_PATTERN`` projected onto the
    vectors orthogonal to (1, ..., 1) and to the population shares (least-squares closest such vector)."""
    constraints = np.vstack([np.ones(len(CANONICAL_COUNTRIES)), population_shares])
    projector = constraints.T @ np.linalg.solve(constraints @ constraints.T, constraints)
    deviations = {}
    for sector in SECTORS:
        raw = np.array([INFORMED_COUNTRY_PATTERN[sector][country] for country in CANONICAL_COUNTRIES])
        deviations[sector] = raw - projector @ raw
    return deviations


def age_group_index(age: np.ndarray) -> np.ndarray:
    """0-based index into ``AGE_GROUPS`` (18-34, 35-54, 55+)."""
    return np.searchsorted(np.asarray(AGE_GROUP_LOWER_BOUNDS), age, side="right") - 1


def five_country_weights(country: np.ndarray, sex: np.ndarray, age: np.ndarray, margins: np.ndarray,
                         population_shares: np.ndarray) -> np.ndarray:
    """Cross-country weights, re-implemented (helpers.eu.weights is the pipeline's version).

    Within each country, weight = population share of the sex x age-group cell x n_country / cell count
    (post-stratification, summing to n_country); then each country's weights are rescaled to sum to
    n x population share of the country.
    """
    n_countries = len(CANONICAL_COUNTRIES)
    cell = (country * 2 + (sex - 1)) * len(AGE_GROUPS) + age_group_index(age)
    cell_counts = np.bincount(cell, minlength=margins.size)
    country_counts = np.bincount(country, minlength=n_countries)
    controls = (country_counts[:, None, None] * margins).ravel()
    if np.any((cell_counts == 0) & (controls > 0)):
        raise RuntimeError("An empty sex x age-group cell: the sample is too small to post-stratify")
    within = controls[cell] / cell_counts[cell]
    return within * (len(country) * population_shares[country]) / country_counts[country]


def _binomial3_from_uniform(probability: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """1 + Binomial(3, probability) by inversion of a fixed uniform (monotone in ``probability``)."""
    complement = 1.0 - probability
    complement_squared = complement * complement
    first = complement_squared * complement                      # P(0)
    second = first + 3.0 * probability * complement_squared      # P(<= 1)
    third = 1.0 - probability * probability * probability        # P(<= 2)
    responses = (uniform > first).astype(np.int8)
    responses += uniform > second
    responses += uniform > third
    return responses + np.int8(1)


def _item_responses(mu: np.ndarray, person_noise: np.ndarray, uniforms: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Item responses (n, items) from the propensity ``mu`` (n,), noise v in [-1, 1] and uniforms (n, items)."""
    propensity = mu + PERSON_NOISE * np.minimum(mu, 1.0 - mu) * person_noise
    item_propensity = propensity[:, None] + offsets[None, :] * np.minimum(propensity, 1.0 - propensity)[:, None]
    return _binomial3_from_uniform(item_propensity, uniforms)


def _weighted_index_mean(items: np.ndarray, valid: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean of the index, re-implemented (helpers.eu.index is the pipeline's version): per
    respondent (mean of valid items - 1) / 3 * 100 when at least INDEX_MIN_VALID_ITEMS are valid."""
    n_valid = valid.sum(axis=1)
    has_index = n_valid >= INDEX_MIN_VALID_ITEMS
    mean_item = np.where(valid, items, 0).sum(axis=1)[has_index] / n_valid[has_index]
    index = (mean_item - 1.0) / 3.0 * 100.0
    return float(np.sum(weights[has_index] * index) / np.sum(weights[has_index]))


def _calibrate_intercept(objective: Callable[[float], float], target: float) -> tuple[float, float]:
    """The intercept whose ``objective`` (a non-decreasing step function) is closest to ``target``.

    Safeguarded secant search: the bracket [low, high] always holds the target; a secant step is taken when
    it falls inside the bracket, a bisection step otherwise. Stops within CALIBRATION_AIM of the target or when the
    bracket is narrower than 1e-9 (a step of the function straddles the target), keeping the closer end.
    """
    low, high = -100.0, 200.0
    value_low, value_high = objective(low), objective(high)
    if not value_low <= target <= value_high:
        raise RuntimeError(f"Target {target} outside the reachable range [{value_low:.2f}, {value_high:.2f}]")
    guess = target
    for _ in range(100):
        if not low < guess < high:
            guess = (low + high) / 2.0
        value = objective(guess)
        if abs(value - target) < CALIBRATION_AIM:
            return guess, value
        if value < target:
            low, value_low = guess, value
        else:
            high, value_high = guess, value
        if high - low < 1e-9:
            break
        secant = low + (target - value_low) * (high - low) / (value_high - value_low)
        # Alternate secant and bisection when the secant stalls near one end of the bracket.
        guess = secant if min(secant - low, high - secant) > 1e-3 * (high - low) else (low + high) / 2.0
    return (low, value_low) if abs(value_low - target) <= abs(value_high - target) else (high, value_high)


# ---------------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------------


def _draw_people(rng: np.random.Generator, n: int, margins: np.ndarray) -> dict[str, np.ndarray]:
    """Country, sex, age, education, employment, urban residence and interview day of n respondents."""
    country_counts = rng.multinomial(n, np.full(len(CANONICAL_COUNTRIES), 1.0 / len(CANONICAL_COUNTRIES)))
    country = np.repeat(np.arange(len(CANONICAL_COUNTRIES)), country_counts)
    factors = (np.array([SELECTION_FACTOR_SEX[1], SELECTION_FACTOR_SEX[2]])[:, None]
               * np.array([SELECTION_FACTOR_AGE_GROUP[group] for group in AGE_GROUPS])[None, :])
    cell_probabilities = (margins * factors[None]).reshape(len(CANONICAL_COUNTRIES), -1)
    cell = _draw_categorical(rng, cell_probabilities[country])
    sex = cell // len(AGE_GROUPS) + 1
    group = cell % len(AGE_GROUPS)
    uniform = rng.random(n)
    age = np.select(
        [group == 0, group == 1],
        [18 + np.floor(uniform * 17), 35 + np.floor(uniform * 20)],
        55 + np.floor((OLDEST_AGE - 54) * (1.0 - np.sqrt(1.0 - uniform))),
    ).astype(np.int64)
    band = np.searchsorted(np.asarray(EMPLOYMENT_AGE_BANDS), age, side="right") - 1
    first_day, last_day = fieldwork_window()
    n_days = (last_day - first_day).days + 1
    return {
        "country": country,
        "sex": sex.astype(np.int64),
        "age": age,
        "educ": _draw_categorical(rng, EDUCATION_PROBABILITIES, n) + 1,
        "employ": _draw_categorical(rng, np.asarray(EMPLOYMENT_PROBABILITIES)[band]) + 1,
        "urban": np.where(rng.random(n) < URBAN_PROBABILITY, 1, 2),
        "day": rng.integers(0, n_days, n),
        "tiebreak": rng.random(n),
    }


def _draw_attitudes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per sector: outcome, government performance, informed, consulted, efficacy (true codes)."""
    columns = {}
    for sector in SECTORS:
        columns[sector_column(sector, "OUTCOME")] = _draw_categorical(rng, OUTCOME_PROBABILITIES[sector], n) + 1
        columns[sector_column(sector, "GOVPERF")] = _draw_categorical(rng, GOVPERF_PROBABILITIES[sector], n) + 1
        columns[sector_column(sector, "INFORMED")] = np.where(rng.random(n) < INFORMED_PROBABILITY[sector], 1, 2)
        columns[sector_column(sector, "CONSULTED")] = np.where(rng.random(n) < CONSULTED_PROBABILITY[sector], 1, 2)
        columns[sector_column(sector, "EFFICACY")] = _draw_categorical(rng, EFFICACY_PROBABILITIES[sector], n) + 1
    return {name: values.astype(np.int8) for name, values in columns.items()}


def _design_terms(people: dict[str, np.ndarray], attitudes: dict[str, np.ndarray],
                  sector: str) -> dict[str, np.ndarray]:
    """The terms of the generating model (``COVARIATE_CODING``) for one sector."""
    educ, employ = people["educ"], people["employ"]
    return {
        "female": (people["sex"] == 2).astype(float),
        "age_decades": (people["age"] - 50) / 10.0,
        "efficacy": attitudes[sector_column(sector, "EFFICACY")] - 2.5,
        "outcome": attitudes[sector_column(sector, "OUTCOME")] - 2.5,
        "govperf": attitudes[sector_column(sector, "GOVPERF")] - 2.5,
        "informed": (attitudes[sector_column(sector, "INFORMED")] == 1).astype(float),
        "consulted": (attitudes[sector_column(sector, "CONSULTED")] == 1).astype(float),
        "educ_upper_secondary": (educ == 2).astype(float),
        "educ_tertiary": (educ == 3).astype(float),
        "employ_unemployed": (employ == 2).astype(float),
        "employ_retired": (employ == 3).astype(float),
        "employ_student": (employ == 4).astype(float),
        "employ_other": (employ == 5).astype(float),
        "urban": (people["urban"] == 1).astype(float),
    }


def _linear_predictor_without_intercept(people: dict[str, np.ndarray], attitudes: dict[str, np.ndarray],
                                        sector: str, informed_deviation: np.ndarray) -> np.ndarray:
    terms = _design_terms(people, attitudes, sector)
    country = people["country"]
    shifts = np.array([COUNTRY_LEVEL_SHIFTS[sector][name] for name in CANONICAL_COUNTRIES])
    predictor = shifts[country] + informed_deviation[country] * terms["informed"]
    for term, values in terms.items():
        predictor = predictor + EFFECTS[term][sector] * values
    return predictor


def predictor_bounds(sector: str, informed_deviation: np.ndarray) -> tuple[float, float]:
    """Smallest and largest ``L - alpha`` over every possible respondent (all covariate combinations).

    With the calibrated intercept added, both must lie in [0, 100] for the clip in the model never to bind
    (``generate`` records them; the tests check them).
    """
    effects = {term: values[sector] for term, values in EFFECTS.items()}
    ranges = {"female": (0.0, 1.0), "age_decades": ((AGE_GROUP_LOWER_BOUNDS[0] - 50) / 10, (OLDEST_AGE - 50) / 10),
              "efficacy": (-1.5, 1.5), "outcome": (-1.5, 1.5), "govperf": (-1.5, 1.5), "consulted": (0.0, 1.0),
              "urban": (0.0, 1.0)}
    low = sum(min(effects[term] * a, effects[term] * b) for term, (a, b) in ranges.items())
    high = sum(max(effects[term] * a, effects[term] * b) for term, (a, b) in ranges.items())
    for group in (("educ_upper_secondary", "educ_tertiary"),
                  ("employ_unemployed", "employ_retired", "employ_student", "employ_other")):
        options = [0.0] + [effects[term] for term in group]
        low, high = low + min(options), high + max(options)
    shifts = np.array([COUNTRY_LEVEL_SHIFTS[sector][country] for country in CANONICAL_COUNTRIES])
    informed = effects["informed"] + informed_deviation
    low += float(np.min(shifts + np.minimum(informed, 0.0)))
    high += float(np.max(shifts + np.maximum(informed, 0.0)))
    return low, high


def _missing_code_masks(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Per survey question, the code replacing the true answer: 0 (none), 8, 9 or an undocumented code."""
    masks = {}
    for column in SURVEY_QUESTION_COLUMNS:
        role = VARIABLE_BY_NAME[column].role
        dont_know, refused = DONT_KNOW_RATE[role], REFUSED_RATE[role]
        undocumented = UNDOCUMENTED_CODE_RATE.get(role, UNDOCUMENTED_CODE_RATE_OTHER)
        allowed = np.array([code for code in UNDOCUMENTED_CODES
                            if code not in VARIABLE_BY_NAME[column].documented_codes])
        uniform = rng.random(n)
        replacement = allowed[rng.integers(0, len(allowed), n)]
        masks[column] = np.select(
            [uniform < dont_know, uniform < dont_know + refused, uniform < dont_know + refused + undocumented],
            [DONT_KNOW, REFUSED, replacement], default=-1).astype(np.int8)
    return masks


def _choose_defect_rows(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows with an out-of-range age, and the (distinct, other) rows copied as exact duplicates."""
    n_bad_age = max(1, round(AGE_OUT_OF_RANGE_RATE * n))
    n_copies = max(1, round(EXACT_DUPLICATE_RATE * n))
    chosen = rng.choice(n, size=n_bad_age + n_copies, replace=False)
    return np.sort(chosen[:n_bad_age]), np.sort(chosen[n_bad_age:])


def _country_labels(rng: np.random.Generator, country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Delivered country labels (before whitespace) and whether each is a non-canonical spelling."""
    n = len(country)
    labels = np.asarray(CANONICAL_COUNTRIES, dtype=object)[country]
    is_variant = rng.random(n) < COUNTRY_VARIANT_RATE
    choice = rng.random(n)
    for index, name in enumerate(CANONICAL_COUNTRIES):  # five countries, not rows
        spellings = np.asarray(COUNTRY_SPELLINGS_IN_DELIVERY[name], dtype=object)
        rows = is_variant & (country == index)
        labels[rows] = spellings[(choice[rows] * len(spellings)).astype(int)]
    return labels, is_variant


def _pad_with_whitespace(rng: np.random.Generator, values: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Add leading/trailing spaces to a random ``rate`` share of ``values``; return values and the mask."""
    padded = rng.random(len(values)) < rate
    choice = rng.integers(0, len(WHITESPACE_PADDINGS), len(values))
    values = values.copy()
    for index, (before, after) in enumerate(WHITESPACE_PADDINGS):
        rows = padded & (choice == index)
        values[rows] = before + values[rows].astype(str).astype(object) + after
    return values, padded


def generate(seed: int = DEFAULT_SEED, n: int | None = None) -> GeneratedFile:
    """Generate the synthetic vendor file of ``n`` respondents (default: EU-02 from the claims registry).

    Vectorised throughout; the same ``seed`` and ``n`` give the same file. Raises ``ValueError`` for
    ``n < MIN_N`` and ``RuntimeError`` if the calibration misses its tolerance (it has not for any seed tried).
    """
    n = published_sample_size() if n is None else int(n)
    if n < MIN_N:
        raise ValueError(f"n = {n} is below MIN_N = {MIN_N}, the smallest sample the calibration is checked for")
    rng = np.random.default_rng(seed)
    margins = read_margins()
    population_shares = read_population_shares()
    targets = published_index_targets()
    deviations = informed_country_deviations(population_shares)

    people = _draw_people(rng, n, margins)
    attitudes = _draw_attitudes(rng, n)
    codes = _missing_code_masks(rng, n)
    bad_age_rows, copied_rows = _choose_defect_rows(rng, n)
    shared_noise = rng.uniform(-1.0, 1.0, n)

    kept = np.ones(n, dtype=bool)
    kept[bad_age_rows] = False
    weights = five_country_weights(people["country"][kept], people["sex"][kept], people["age"][kept],
                                   margins, population_shares)

    items: dict[str, np.ndarray] = {}
    willing: dict[str, np.ndarray] = {}
    calibration_rows, effect_rows = [], []
    for sector in SECTORS:
        columns = list(activity_items(sector))
        offsets = np.array([ITEM_OFFSETS[column] for column in columns])
        noise = 0.5 * shared_noise + 0.5 * rng.uniform(-1.0, 1.0, n)
        uniforms = rng.random((n, len(columns)))
        base = _linear_predictor_without_intercept(people, attitudes, sector, deviations[sector])
        valid = np.column_stack([codes[column] < 0 for column in columns])
        kept_base, kept_noise, kept_uniforms, kept_valid = base[kept], noise[kept], uniforms[kept], valid[kept]

        def weighted_mean(intercept: float, base=kept_base, noise=kept_noise, uniforms=kept_uniforms,
                          valid=kept_valid, offsets=offsets) -> float:
            """Weighted five-country index of the cleaned sample for a given intercept."""
            mu = np.clip((intercept + base) / 100.0, 0.0, 1.0)
            return _weighted_index_mean(_item_responses(mu, noise, uniforms, offsets), valid, weights)

        intercept, achieved = _calibrate_intercept(weighted_mean, targets[sector])
        bounds = predictor_bounds(sector, deviations[sector])
        if abs(achieved - targets[sector]) > CALIBRATION_TOLERANCE:
            raise RuntimeError(f"Calibration of {sector} missed: {achieved:.3f} vs {targets[sector]}")
        predictor = intercept + base
        mu = np.clip(predictor / 100.0, 0.0, 1.0)
        responses = _item_responses(mu, noise, uniforms, offsets)
        items.update({column: responses[:, j] for j, column in enumerate(columns)})
        propensity = mu + PERSON_NOISE * np.minimum(mu, 1.0 - mu) * noise
        p_willing = (WILLING_BASE + WILLING_PER_PROPENSITY * propensity
                     + WILLING_PER_EFFICACY * (attitudes[sector_column(sector, "EFFICACY")] - 2.5))
        willing[sector_column(sector, "WILLING")] = np.where(rng.random(n) < p_willing, 1, 2).astype(np.int8)
        calibration_rows.append({
            "sector": sector, "target": targets[sector], "achieved": achieved, "intercept": intercept,
            "clipped_share": float(np.mean((predictor < 0) | (predictor > 100))),
            "predictor_min": float(predictor.min()), "predictor_max": float(predictor.max()),
            "bound_min": intercept + bounds[0], "bound_max": intercept + bounds[1],
        })
        effect_rows += _effect_rows(sector, intercept, deviations[sector])

    vendor, defects = _assemble_delivery(rng, people, {**attitudes, **items, **willing}, codes,
                                         bad_age_rows, copied_rows)
    return GeneratedFile(
        data=vendor,
        defects=defects,
        effects=pd.DataFrame(effect_rows),
        calibration=pd.DataFrame(calibration_rows),
        seed=seed,
        n=n,
    )


def _effect_rows(sector: str, intercept: float, informed_deviation: np.ndarray) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [{"sector": sector, "country": "all", "term": "intercept", "value": intercept}]
    rows += [{"sector": sector, "country": "all", "term": term, "value": EFFECTS[term][sector]}
             for term in COVARIATE_CODING]
    for index, country in enumerate(CANONICAL_COUNTRIES):
        rows.append({"sector": sector, "country": country, "term": "country_shift",
                     "value": COUNTRY_LEVEL_SHIFTS[sector][country]})
        rows.append({"sector": sector, "country": country, "term": "informed",
                     "value": EFFECTS["informed"][sector] + float(informed_deviation[index])})
    return rows


def _assemble_delivery(rng: np.random.Generator, people: dict[str, np.ndarray], answers: dict[str, np.ndarray],
                       codes: dict[str, np.ndarray], bad_age_rows: np.ndarray,
                       copied_rows: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply codes and defects, add the duplicate copies, sort by RESPID; return the frame and the truth."""
    n = len(people["age"])
    order = np.lexsort((people["tiebreak"], people["day"]))
    respid = np.empty(n, dtype=np.int64)
    respid[order] = FIRST_RESPID + np.arange(n)

    first_day, _ = fieldwork_window()
    dates = np.datetime_as_string(np.datetime64(first_day, "D") + people["day"], unit="D").astype(object)
    dates, date_padded = _pad_with_whitespace(rng, dates, WHITESPACE_RATE["INTDATE"])
    labels, label_variant = _country_labels(rng, people["country"])
    stripped_labels = labels.copy()
    labels, label_padded = _pad_with_whitespace(rng, labels, WHITESPACE_RATE["COUNTRY"])
    age = people["age"].copy()
    age[bad_age_rows] = np.asarray(OUT_OF_RANGE_AGES)[rng.integers(0, len(OUT_OF_RANGE_AGES), len(bad_age_rows))]

    columns: dict[str, np.ndarray] = {
        "RESPID": respid, "COUNTRY": labels, "INTDATE": dates, "SEX": people["sex"], "AGE": age,
        "EDUC": people["educ"], "EMPLOY": people["employ"], "URBAN": people["urban"], **answers,
    }
    for column, code in codes.items():
        columns[column] = np.where(code >= 0, code, columns[column]).astype(np.int8)
    columns["SYNTHETIC"] = np.ones(n, dtype=np.int8)

    source = np.concatenate([np.arange(n), copied_rows])
    is_copy = np.arange(len(source)) >= n
    delivered = np.argsort(respid[source], kind="stable")
    source, is_copy = source[delivered], is_copy[delivered]
    frame = pd.DataFrame({
        name: pd.array(columns[name][source], dtype="str") if name in ("COUNTRY", "INTDATE")
        else columns[name][source].astype(np.int64)
        for name in RAW_COLUMNS
    })

    position = np.arange(len(source))
    bad_age = np.zeros(n, dtype=bool)
    bad_age[bad_age_rows] = True
    kept = ~is_copy & ~bad_age[source]
    truth = [
        _truth(position[date_padded[source]], "INTDATE", "whitespace_stripped", columns["INTDATE"][source]),
        _truth(position[label_padded[source]], "COUNTRY", "whitespace_stripped", columns["COUNTRY"][source]),
        _truth(position[label_variant[source]], "COUNTRY", "country_label_harmonised", stripped_labels[source]),
        _truth(position[is_copy], "RESPID", "exact_duplicate_dropped", respid[source]),
        _truth(position[~is_copy & bad_age[source]], "AGE", "age_out_of_range_dropped", age[source]),
    ]
    for column in SURVEY_QUESTION_COLUMNS:
        code = codes[column][source]
        undocumented = (code >= 0) & (code != DONT_KNOW) & (code != REFUSED)
        for reason, mask in (("dont_know_to_missing", code == DONT_KNOW), ("refused_to_missing", code == REFUSED),
                             ("undocumented_code_to_missing", undocumented)):
            truth.append(_truth(position[kept & mask], column, reason, code))
    rows = np.concatenate([part[0] for part in truth])
    column_rank = np.concatenate([part[1] for part in truth])
    reason_rank = np.concatenate([part[2] for part in truth])
    raw_value = np.concatenate([part[3] for part in truth])
    order = np.lexsort((column_rank, rows, reason_rank))
    defects = pd.DataFrame({
        "row": rows[order],
        "RESPID": frame["RESPID"].to_numpy()[rows[order]],
        "column": pd.array(np.asarray(RAW_COLUMNS)[column_rank[order]], dtype="str"),
        "reason": pd.array(np.asarray(CLEANING_REASONS)[reason_rank[order]], dtype="str"),
        "raw_value": pd.array(raw_value[order], dtype="str"),
    })
    return frame, defects


def _truth(rows: np.ndarray, column: str, reason: str,
           values_by_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ground-truth entries: delivered rows, column rank, reason rank, raw value as text."""
    rows = rows.astype(np.int64)
    return (rows, np.full(len(rows), RAW_COLUMNS.index(column)), np.full(len(rows), CLEANING_REASONS.index(reason)),
            np.asarray(values_by_row[rows]).astype(str).astype(object))


# ---------------------------------------------------------------------------------------------------------
# Writing and command line
# ---------------------------------------------------------------------------------------------------------


def write(path: str | Path = EU_RAW_FILE, seed: int = DEFAULT_SEED, n: int | None = None,
          truth_path: str | Path | None = None, effects_path: str | Path | None = None) -> GeneratedFile:
    """Generate and write the vendor CSV (UTF-8, '\\n', sorted by RESPID); optionally the ground truth of
    defects and the generating effects as CSV. Byte-for-byte reproducible for the same seed and n."""
    generated = generate(seed, n)
    write_csv(generated.data, path)
    if truth_path is not None:
        write_csv(generated.defects, truth_path)
    if effects_path is not None:
        write_csv(generated.effects, effects_path)
    return generated


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.eu.synthetic --seed 2008 --n 4951 --out PATH [--truth PATH] [--effects PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--n", type=int, default=None,
                        help=f"respondents (default: EU-02 from the claims; at least {MIN_N})")
    parser.add_argument("--out", type=Path, default=EU_RAW_FILE)
    parser.add_argument("--truth", type=Path, default=None, help="CSV of the injected defects")
    parser.add_argument("--effects", type=Path, default=None, help="CSV of the generating effects")
    arguments = parser.parse_args(argv)
    try:
        generated = write(arguments.out, arguments.seed, arguments.n, arguments.truth, arguments.effects)
    except ValueError as error:  # a size the calibration is not checked for: a usage error, not a traceback
        parser.error(str(error))
    summary = ", ".join(f"{row.sector} {row.achieved:.3f} (target {row.target:g})"
                        for row in generated.calibration.itertuples())
    print(f"Wrote {arguments.out}: {len(generated.data)} records, {generated.n} respondents; "
          f"weighted index {summary}; claims from {CLAIMS_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
