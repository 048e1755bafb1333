"""Readers' words for the compendium's identifiers, and numbers written as a reader reads them.

One place for every label a report shows (the tables of the notebooks through
:func:`helpers.data.provenance.display_table`, the reproduction reports, the index page):

* :func:`label` turns an identifier (a test, model, term, weight, sector, item or column) into words, and
  leaves anything it does not know unchanged;
* :func:`column_label` names a table column (``ci_low`` -> ``Lower``, ``p_adjusted`` -> ``p (Holm)``);
* :func:`format_p` writes a p-value as ``< 0.001`` or with three decimals, never ``0.000`` or ``0``;
* :func:`format_number` writes a number with the precision its column needs (:data:`COLUMN_DECIMALS`);
* :func:`readable_text` rewrites free text (a scorecard's detail): p-values as above and the snake_case
  identifiers it knows in words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

LESS_THAN_P = "< 0.001"
SMALLEST_P_SHOWN = 0.001

SECTOR_LABELS: dict[str, str] = {
    "environment": "Local environment",
    "health": "Public health",
    "safety": "Community safety",
    "all": "All sectors",
}

TEST_LABELS: dict[str, str] = {
    "rm_anova": "Repeated-measures ANOVA (unweighted)",
    "friedman": "Friedman test (unweighted)",
    "paired_t": "Paired t test (unweighted)",
    "weighted_paired_difference": "Design-based paired difference",
    "design_wald_f": "Design-based Wald F test",
    "welch_anova": "Welch ANOVA (unweighted)",
    "ttest_women_vs_men": "Welch t test, women vs men (unweighted)",
    "spearman_index_efficacy": "Spearman correlation of index and self-efficacy (unweighted)",
    "index_by_sector": "Co-production index by sector",
    "index_by_sector_country": "Co-production index by sector and country",
    "ols": "Linear model (weighted, design-based standard errors)",
}

TERM_LABELS: dict[str, str] = {
    "intercept": "Intercept",
    "female": "Women (vs men)",
    "age_decades": "Age (per decade)",
    "efficacy": "Self-efficacy (1-4)",
    "outcome": "Perceived outcome performance (1-4)",
    "govperf": "Perceived government performance (1-4)",
    "informed": "Informed by government",
    "consulted": "Consulted by government",
    "educ_upper_secondary": "Upper secondary education (vs lower)",
    "educ_tertiary": "Tertiary education (vs lower)",
    "employ_unemployed": "Unemployed (vs employed)",
    "employ_retired": "Retired (vs employed)",
    "employ_student": "Student (vs employed)",
    "employ_other": "Other employment status (vs employed)",
    "urban": "Urban (vs non-urban)",
    "correlate": "Correlate",
    "country": "Country",
}

WEIGHT_LABELS: dict[str, str] = {
    "weight_five_country": "Five-country weight (each country's population share)",
    "weight_country": "Within-country weight (post-stratified by sex and age)",
    "unweighted": "Unweighted",
    "population": "Population shares (published scheme)",
    "equal_countries": "Equal weight per country",
    "population shares": "Population shares (published scheme)",
    "post-stratified": "Post-stratified within country",
}

MEASURE_LABELS: dict[str, str] = {
    "coverage95": "coverage of the 95% intervals",
    "coverage90": "coverage of the 90% intervals",
    "max_abs_bias": "largest absolute bias",
    "worst_se_ratio": "ratio of model to empirical standard error (the sector furthest from 1)",
    "rejection_rate": "rejection rate at the 5% level",
    "rejection_rate_adjusted": "rejection rate at the 5% level after Holm's adjustment",
    "sign_recovery": "share of replicates with the population's sign",
    "percent_affirmative": "percentage affirmative per item",
    "correlates_table": "correlates of the index (linear models)",
}
"""The validation study's measures and analyses (data/raw/validation_criteria.csv) in words."""

SCENARIO_LABELS: dict[str, str] = {
    "eu_effects": "Population with the generator's effects (power)",
    "eu_null": "Null population (size)",
    "oecd": "OECD officials",
}

COLUMN_LABELS: dict[str, str] = {
    "claim_id": "Claim",
    "study": "Study",
    "kind": "Kind",
    "subject": "What is claimed",
    "source": "Source",
    "location": "Location",
    "published": "Published",
    "published_value": "Published",
    "published_rank": "Published rank",
    "reproduced": "Reproduced",
    "status": "Result",
    "detail": "Why",
    "basis": "How it was checked",
    "built_in": "Built into the synthetic data",
    "figure": "Figure",
    "question": "Question",
    "item": "Item",
    "item_id": "Item",
    "item_label": "Item",
    "label": "Item",
    "category": "Code",
    "category_label": "Answer",
    "sector": "Sector",
    "country": "Country",
    "term": "Term",
    "term_group": "Kind of term",
    "analysis": "Test",
    "comparison": "Comparison",
    "family": "Family",
    "statistic_name": "Statistic",
    "statistic": "Value",
    "effect_size_name": "Effect size",
    "effect_size": "Effect size value",
    "estimate": "Estimate",
    "se": "Standard error",
    "ci_low": "Lower",
    "ci_high": "Upper",
    "deff": "Design effect",
    "df": "df",
    "df1": "df 1",
    "df2": "df 2",
    "n": "n",
    "n_responses": "Responses",
    "n_yes": "Yes",
    "p_value": "p",
    "p_adjusted": "p (Holm)",
    "p_holm": "p (Holm)",
    "p_unc": "p",
    "p_corr": "p (corrected)",
    "weighting": "Weight",
    "confidence_level": "Level",
    "base": "Percentage base",
    "reason": "Reason",
    "count": "Count",
    "rows": "Rows",
    "cells": "Cells",
    "respondent_id": "Respondent",
    "cofog_code": "Service area (COFOG)",
    "scenario": "Population",
    "truth": "True value",
    "bias": "Bias",
    "rmse": "RMSE",
    "coverage95": "Coverage of 95% intervals",
    "coverage90": "Coverage of 90% intervals",
    "rate": "Rejection rate",
    "target": "Target",
    "lowest": "Lowest",
    "highest": "Highest",
    "specifications": "Specifications",
    "published_specification": "Published specification",
    "share_reproducing": "Share reproducing",
}

REASON_LABELS: dict[str, str] = {
    "whitespace_stripped": "Stray whitespace removed",
    "value_mapped": "Value written otherwise, mapped",
    "country_label_harmonised": "Country label harmonised",
    "exact_duplicate_dropped": "Exact duplicate record dropped",
    "conflicting_duplicate_dropped": "Duplicated id with conflicting answers dropped",
    "age_out_of_range_dropped": "Age outside 18-99, record dropped",
    "age_missing_dropped": "Age missing, record dropped",
    "dont_know_to_missing": "Don't know set to missing",
    "refused_to_missing": "Refused set to missing",
    "not_asked_to_missing": "Not asked set to missing",
    "declared_missing_to_missing": "Declared missing value set to missing",
    "undocumented_code_to_missing": "Undocumented code set to missing",
}

# Precision by column: n and counts as integers, design effects and test statistics with 2 decimals,
# estimates and intervals with 1 (percentages and index points); anything else falls back to the caller's.
COLUMN_DECIMALS: dict[str, int] = {
    "n": 0, "n_responses": 0, "n_yes": 0, "count": 0, "rows": 0, "cells": 0, "df": 0, "replicates": 0,
    "specifications": 0,
    "deff": 2, "statistic": 2, "df1": 1, "df2": 1, "effect_size": 3, "se": 2,
    "estimate": 1, "ci_low": 1, "ci_high": 1, "published": 1, "published_value": 1, "mean_estimate": 2,
    "truth": 2, "bias": 3, "rmse": 3, "lowest": 1, "highest": 1, "published_specification": 1,
}

NUMBERS_AS_NAMES = frozenset({"figure", "figure_number"})  # "Figure 50.1" is a name: 50.1, never 50.10
WHOLE_WHEN_INTEGRAL = frozenset({"df", "df1", "df2"})  # degrees of freedom: 4 and 4928, but Welch's 4593.3
PERCENT_COLUMNS = frozenset({"confidence_level", "ci_level"})  # 0.95 -> 95%
BARE_IDENTIFIERS: dict[str, str] = {"friedman": "Friedman test", "rm_anova": "repeated-measures ANOVA",
                                    "coverage95": MEASURE_LABELS["coverage95"],
                                    "coverage90": MEASURE_LABELS["coverage90"]}

P_COLUMNS = frozenset({"p_value", "p_adjusted", "p_holm", "p_unc", "p_corr", "p", "pvalue", "p-value", "p (Holm)"})
IDENTIFIER_COLUMNS = frozenset({"analysis", "term", "term_group", "weighting", "sector", "item", "item_id",
                                "reason", "scenario", "target", "family"})

_SNAKE_CASE = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.])")
# Questionnaire item codes (ENV_RECYCLE, HEA_EXERCISE): replaced by the item's words where the codebook has them.
_ITEM_CODE = re.compile(r"(?<![\w.])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w.])")
_BARE_WORD = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(word) for word in BARE_IDENTIFIERS
                                                     if "_" not in word) + r")(?![\w.])")
_P_IN_TEXT = re.compile(
    r"(?P<name>\bp(?:\s*\((?:Holm|holm|adj(?:usted)?|corrected)\))?)"
    r"(?P<op>\s*(?:=|<|<=|≤)\s*)"
    r"(?P<value>[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(?!\w|\.\d)"  # a full stop after it ends the sentence
)


@lru_cache(maxsize=1)
def item_labels() -> dict[str, str]:
    """The questionnaire items in words: OECD item ids and columns, EU activity columns."""
    from helpers.eu.codebook import ACTIVITIES
    from helpers.oecd import codebook as oecd_codebook

    labels = {activity.column: activity.label for activity in ACTIVITIES}
    for column, item_id, text, _claim, _assumed in oecd_codebook._ITEM_ROWS:  # noqa: SLF001 - the one item list
        labels[item_id] = text
        labels[column] = text
    return labels


def _all_labels() -> dict[str, str]:
    return {**COLUMN_LABELS, **REASON_LABELS, **SCENARIO_LABELS, **WEIGHT_LABELS, **SECTOR_LABELS,
            **TERM_LABELS, **TEST_LABELS, **MEASURE_LABELS, **item_labels()}


def label(identifier: Any, kind: str | None = None) -> str:
    """``identifier`` in words: a test, model, term, weight, sector, scenario, cleaning reason or item.

    ``kind`` (a column name such as ``term`` or ``sector``) looks in that family first; an unknown
    identifier comes back unchanged (as text), ``country_X`` terms as the country ``X``, and a model's
    interaction term (``female:age_decades``, kind ``term``) as its parts' labels joined by ``×``.
    """
    text = str(identifier)
    if kind == "term" and ":" in text and all(part.strip() for part in text.split(":")):
        return " \u00d7 ".join(label(part, "term") for part in text.split(":"))
    families: Mapping[str | None, Mapping[str, str]] = {
        "sector": SECTOR_LABELS, "term": TERM_LABELS, "term_group": TERM_LABELS, "analysis": TEST_LABELS,
        "weighting": WEIGHT_LABELS, "scenario": SCENARIO_LABELS, "reason": REASON_LABELS,
        "item": item_labels(), "item_id": item_labels(), "target": {**SECTOR_LABELS, **item_labels()},
    }
    family = families.get(kind, {})
    if text in family:
        return family[text]
    if text.startswith("country_") and kind in (None, "term"):
        return text.removeprefix("country_")
    if kind in (None, "family"):
        labels = {key: value for key, value in _all_labels().items() if key not in COLUMN_LABELS}
        return labels.get(text, text)
    return text


def column_label(name: Any) -> str:
    """A table column's header in words (unknown names unchanged, underscores as spaces)."""
    text = str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    return text.replace("_", " ") if _SNAKE_CASE.fullmatch(text) else text


def is_p_column(name: Any) -> bool:
    """Whether a column holds p-values (shown with :func:`format_p`)."""
    text = str(name)
    return text in P_COLUMNS or text.lower().startswith("p_") or text.lower() in {"p", "p-value", "p value"}


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def format_p(value: Any) -> str:
    """A p-value as a reader reads it: ``< 0.001`` below 0.001, else three decimals; blank when missing."""
    number = _finite(value)
    if number is None:
        return ""
    if number < SMALLEST_P_SHOWN:
        return LESS_THAN_P
    return f"{min(number, 1.0):.3f}"


def decimals_for(column: Any, default: int) -> int:
    """How many decimals a column's numbers get (:data:`COLUMN_DECIMALS`, else ``default``)."""
    return COLUMN_DECIMALS.get(str(column), default)


def format_number(value: Any, decimals: int) -> str:
    """A number with ``decimals`` places (integers stay integers); blank when missing; text unchanged."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u2009") if abs(value) >= 10000 else str(value)
    number = _finite(value)
    if number is None:
        return "" if value is None or (isinstance(value, float)) else str(value)
    if decimals == 0:
        return str(int(round(number)))
    return f"{number:.{decimals}f}"


def format_cell(value: Any, column: Any, default_decimals: int = 3) -> str:
    """One table cell as shown: p-values by :func:`format_p`, numbers by their column's precision,
    identifiers of :data:`IDENTIFIER_COLUMNS` in words, other text through :func:`readable_text`."""
    name = str(column)
    if is_p_column(name):
        return format_p(value) if _finite(value) is not None else ("" if _missing(value) else str(value))
    if _missing(value):
        return ""
    if isinstance(value, str):
        return label(value, name) if name in IDENTIFIER_COLUMNS else readable_text(value)
    number = _finite(value)
    if number is not None and name in NUMBERS_AS_NAMES:
        return f"{number:g}"
    if number is not None and name in PERCENT_COLUMNS:
        return f"{number * 100:g}%"
    if number is not None and name in WHOLE_WHEN_INTEGRAL and number == int(number):
        return str(int(number))
    return format_number(value, decimals_for(name, default_decimals))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NA
    except (TypeError, ValueError):
        return False


def _p_replacement(match: re.Match[str]) -> str:
    number = _finite(match.group("value"))
    name = match.group("name").replace("(holm)", "(Holm)")
    name = re.sub(r"p\s*\(", "p (", name)
    if number is None:
        return match.group(0)
    operator = match.group("op").strip()
    if number < SMALLEST_P_SHOWN:
        return f"{name} {LESS_THAN_P}"
    return f"{name} {operator} {number:.3f}"


def readable_p_values(text: str) -> str:
    """Every ``p = 0``, ``p = 3.1e-300`` or ``p(Holm) = 2e-82`` in ``text`` as ``p < 0.001``; larger p-values
    with three decimals (``p = 0.019``)."""
    return _P_IN_TEXT.sub(_p_replacement, text)


def readable_identifiers(text: str, item_codes: bool = True) -> str:
    """The snake_case identifiers in ``text`` that have a label, in words (module paths are left alone); a survey
    item's code as its label, followed by the code in brackets unless ``item_codes`` is False (the claims tables,
    whose narrow cells list many items: the codes are in the scorecard CSV and the cleaning report's codebook)."""
    labels = _all_labels()
    text = _SNAKE_CASE.sub(lambda match: lower_first(labels[match.group(0)]) if match.group(0) in labels
                           else match.group(0), text)
    items = item_labels()
    text = _ITEM_CODE.sub(lambda match: (lower_first(items[match.group(0)])
                                         + (f" ({match.group(0)})" if item_codes else ""))
                          if match.group(0) in items else match.group(0), text)
    return _BARE_WORD.sub(lambda match: BARE_IDENTIFIERS[match.group(0)], text)


def lower_first(text: str) -> str:
    """'Repeated-measures ANOVA' stays; 'Five-country weight' -> 'five-country weight' inside a sentence."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() or any(c.isupper() for c in first[1:]) else text[:1].lower() + text[1:]


_E_NOTATION = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w])")


def number_written_out(match: re.Match[str]) -> str:
    """A number written in e-notation as a reader writes it: ``9.07e-02`` -> ``0.0907``; a tiny one (a rounding
    difference such as ``3.66e-15``) -> ``< 0.000001``."""
    value = float(match.group(0))
    if value == 0:
        return "0"
    if abs(value) < 1e-6:
        return "< 0.000001"
    return np.format_float_positional(value, precision=4, unique=False, fractional=False, trim="-")


def readable_text(text: Any, item_codes: bool = True) -> str:
    """Free text for readers: p-values by :func:`readable_p_values`, other numbers in e-notation written out,
    known identifiers in words (survey items with their codes unless ``item_codes`` is False)."""
    return readable_identifiers(_E_NOTATION.sub(number_written_out, readable_p_values(str(text))), item_codes)
