"""Samples drawn from a known population the way the surveys were drawn, delivered as a vendor file.

EU citizens (:func:`eu_sample`): in each country people are called in random order (a simple random sample
without replacement of the country's population) and each one called takes part with a probability that
depends on sex and age group (:func:`response_probability`, assumption A-VAL-03), until
``respondents_per_country`` have taken part (about 1,000 per country, EU-03). The interviews then go through
the citizen generator's delivery: don't know, refused and undocumented codes at its rates, exact duplicate
records, out-of-range ages, country labels spelt several ways and stray whitespace
(``helpers.eu.synthetic``'s ``_missing_code_masks``, ``_choose_defect_rows`` and ``_assemble_delivery``), so
each replicate's cleaning has the work the real file's cleaning has.

OECD officials (:func:`oecd_sample`): a simple random sample without replacement of ``officials`` officials
(default 480, as the synthetic file), each delivering every service-area row of theirs: a sample clustered by
official. Their answers (don't know, not answered, break-offs) are those of the population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.eu import synthetic as eu_generator
from helpers.eu.codebook import AGE_GROUP_LOWER_BOUNDS, AGE_GROUPS, fieldwork_window
from helpers.simulation.population import PEOPLE_COLUMNS, EuPopulation, OecdPopulation

DEFAULT_RESPONDENTS_PER_COUNTRY: int = 1000
DEFAULT_OFFICIALS_SAMPLE: int = 480
MEAN_RESPONSE_RATE: float = 0.30
"""Response rate of a person of average reach (A-VAL-03); only the ratios between cells change the sample."""
CALL_MARGIN: float = 1.5
"""People called per respondent needed, over the expected number (more are called if too few took part)."""


def response_probability(sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Probability that a person called takes part: MEAN_RESPONSE_RATE x the generator's telephone-reach
    factors of sex and age group (women 1.08, men 0.92; 18-34 0.80, 35-54 1.00, 55+ 1.15; A-EU-10)."""
    group = np.searchsorted(np.asarray(AGE_GROUP_LOWER_BOUNDS), age, side="right") - 1
    by_sex = np.array([eu_generator.SELECTION_FACTOR_SEX[1], eu_generator.SELECTION_FACTOR_SEX[2]])
    by_group = np.array([eu_generator.SELECTION_FACTOR_AGE_GROUP[g] for g in AGE_GROUPS])
    return MEAN_RESPONSE_RATE * by_sex[np.asarray(sex, dtype=np.int64) - 1] * by_group[group]


def respondents_of_country(rng: np.random.Generator, rows: np.ndarray, probability: np.ndarray,
                           wanted: int) -> np.ndarray:
    """Population rows of the first ``wanted`` people who take part when ``rows`` are called in random order.

    People are called in batches (a random order without replacement of the country's rows); each called
    person takes part with their ``probability`` (indexed like ``rows``).
    """
    if wanted > len(rows):
        raise ValueError(f"{wanted} respondents wanted from a population of {len(rows)}")
    order = rng.permutation(len(rows))
    taken: list[np.ndarray] = []
    found, start = 0, 0
    expected_rate = float(np.mean(probability))
    while found < wanted:
        if start >= len(order):
            raise ValueError(f"only {found} of {len(rows)} people called took part; {wanted} wanted")
        batch = order[start:start + int(CALL_MARGIN * (wanted - found) / expected_rate) + 50]
        start += len(batch)
        took_part = batch[rng.random(len(batch)) < probability[batch]]
        taken.append(took_part[:wanted - found])
        found += len(taken[-1])
    return rows[np.concatenate(taken)]


def eu_sample(population: EuPopulation, rng: np.random.Generator,
              respondents_per_country: int = DEFAULT_RESPONDENTS_PER_COUNTRY) -> pd.DataFrame:
    """One replicate's vendor file (``helpers.eu.codebook.RAW_COLUMNS``), drawn from ``population``."""
    columns = population.columns
    probability = response_probability(columns["sex"], columns["age"])
    chosen = np.concatenate([respondents_of_country(rng, rows, probability[rows], respondents_per_country)
                             for rows in population.country_rows()])
    n = len(chosen)
    first_day, last_day = fieldwork_window()
    people = {name: columns[name][chosen].astype(np.int64) for name in ("country", *PEOPLE_COLUMNS)}
    people["day"] = rng.integers(0, (last_day - first_day).days + 1, n)
    people["tiebreak"] = rng.random(n)
    answers = {name: values[chosen] for name, values in columns.items() if name not in (*PEOPLE_COLUMNS, "country")}
    codes = eu_generator._missing_code_masks(rng, n)
    bad_age_rows, copied_rows = eu_generator._choose_defect_rows(rng, n)
    vendor, _ = eu_generator._assemble_delivery(rng, people, answers, codes, bad_age_rows, copied_rows)
    return vendor


def oecd_sample(population: OecdPopulation, rng: np.random.Generator,
                officials: int = DEFAULT_OFFICIALS_SAMPLE) -> pd.DataFrame:
    """One replicate's vendor file (every column as text): all rows of ``officials`` officials drawn at random."""
    n_population = int(population.official.max()) + 1
    if officials > n_population:
        raise ValueError(f"{officials} officials wanted from a population of {n_population}")
    chosen = np.zeros(n_population, dtype=bool)
    chosen[rng.choice(n_population, size=officials, replace=False)] = True
    return population.vendor_frame(np.flatnonzero(chosen[population.official]))
