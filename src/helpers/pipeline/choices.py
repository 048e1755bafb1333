"""The values the notebooks' parameters may take, in one place.

The estimators read their lists of choices from here (``helpers.oecd.estimates.BASES``,
``helpers.eu.products.WEIGHTING_CHOICES``), and the runner checks every step's parameters against
:func:`value_problem` before anything runs, so that ``-p percentage_base=respondents`` (or the same edit in a
notebook's ``parameters`` cell) is refused at once, naming the choices, instead of failing halfway through a run.
This module imports nothing heavy: the runner reads it without loading pandas.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

PERCENTAGE_BASES: tuple[str, ...] = ("responses", "all_cells", "excluding_dont_know")
"""OECD percentage bases: yes over yes + no + don't know (the published one, OECD-03), over every cell, or over
yes + no (``helpers.oecd.estimates``)."""
WEIGHTING_CHOICES: dict[str, dict[str, bool]] = {
    "population": {"weighted": True, "equal_country_weights": False},  # EU-04, the published scheme
    "equal_countries": {"weighted": True, "equal_country_weights": True},
    "unweighted": {"weighted": False, "equal_country_weights": False},
}
"""EU weighting schemes and the keyword arguments of the estimate functions each stands for."""
UNDECLARED_ORIGIN_WORDS: tuple[str, ...] = ("", "not declared", "undeclared", "auto", "unknown")
"""``data_origin`` values that leave the origin to the data (``helpers.data.delivery.normalise_data_origin``)."""
DECLARED_ORIGINS: tuple[str, ...] = ("real", "synthetic")

PROBABILITIES: tuple[str, ...] = ("confidence_level", "alpha")
"""Parameters that must lie strictly between 0 and 1."""
FRACTIONS: tuple[str, ...] = ("population_fraction",)
"""Parameters that must lie above 0 and at most 1."""
POSITIVE_COUNTS: tuple[str, ...] = ("replicates", "chunk_size", "respondents_per_country", "officials_sample",
                                    "officials_population")
"""Parameters that must be whole numbers of at least 1."""
NON_NEGATIVE_COUNTS: tuple[str, ...] = ("workers", "master_seed")
"""Parameters that must be whole numbers of at least 0 (``workers`` 0 = as many as the machine has cores)."""
DECIMAL_MARKS: tuple[str, ...] = ("auto", ".", ",")
NOT_DELIMITERS: tuple[str, ...] = ("\n", "\r", '"')
"""Characters that cannot separate a CSV's fields (line ends, the quote character)."""
SAMPLES_OF_POPULATIONS: tuple[tuple[str, str], ...] = (("officials_sample", "officials_population"),)
"""Pairs of one step's parameters (sample size, population size): a sample drawn without replacement cannot be
larger than its population."""


def origin_word(value: Any) -> str:
    """``data_origin`` as a plain lower-case phrase ('Not_Declared ' -> 'not declared')."""
    return "" if value is None else " ".join(str(value).replace("_", " ").split()).casefold()


def _listed(choices: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(choice) for choice in choices)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text_encoding(value: str) -> bool:
    """Whether Python knows ``value`` as a text encoding ('rot13' and 'zlib' are codecs, not encodings)."""
    try:
        codec = codecs.lookup(value.strip())
    except LookupError:
        return False
    return bool(getattr(codec, "_is_text_encoding", True)) and codec.name not in ("undefined", "punycode", "idna")


def value_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not a value parameter ``name`` may take, or None (also for names this module has no
    rule for; the runner checks the type against the notebook's declaration separately)."""
    if name == "percentage_base" and value not in PERCENTAGE_BASES:
        return f"must be one of {_listed(PERCENTAGE_BASES)}"
    if name == "weighting" and value not in WEIGHTING_CHOICES:
        return f"must be one of {_listed(list(WEIGHTING_CHOICES))}"
    if name == "data_origin" and origin_word(value) not in UNDECLARED_ORIGIN_WORDS + DECLARED_ORIGINS:
        return "must be 'real', 'synthetic' or empty (not declared)"
    if name == "delimiter" and not (isinstance(value, str) and (value == "auto" or len(value) == 1)
                                    and value not in NOT_DELIMITERS):
        return ("must be 'auto' or one character other than a line end or '\"' (a tab: -p 'delimiter=\"\\t\"')")
    if name == "decimal" and value not in DECIMAL_MARKS:
        return f"must be one of {_listed(DECIMAL_MARKS)}"
    if name == "encoding" and not (isinstance(value, str) and (value.strip().lower() == "auto"
                                                              or _is_text_encoding(value))):
        return "must be 'auto' or a text encoding Python knows (such as 'utf-8' or 'cp1252')"
    if name in PROBABILITIES and not (_is_number(value) and 0 < value < 1):
        return "must be a number between 0 and 1 (both excluded)"
    if name in FRACTIONS and not (_is_number(value) and 0 < value <= 1):
        return "must be a number above 0 and at most 1"
    if name in POSITIVE_COUNTS and not (_is_number(value) and value == int(value) and value >= 1):
        return "must be a whole number of at least 1"
    if name in NON_NEGATIVE_COUNTS and not (_is_number(value) and value == int(value) and value >= 0):
        return "must be a whole number of at least 0"
    return None


def combination_problems(values: Mapping[str, Any]) -> list[str]:
    """Why one step's parameter values do not fit together, though each is allowed alone (a sample larger than
    the population it is drawn from)."""
    problems = []
    for sample, population in SAMPLES_OF_POPULATIONS:
        size, total = values.get(sample), values.get(population)
        if _is_number(size) and _is_number(total) and size > total:
            problems.append(f"{sample} = {size!r} is larger than {population} = {total!r}: a sample drawn without "
                            "replacement cannot be larger than its population")
    return problems
