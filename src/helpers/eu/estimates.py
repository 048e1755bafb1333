"""Weighted estimates of the 2008 five-country citizen survey with design-based 95% intervals (svy).

Three tidy ("long") tables, each with the columns ``sector, country, estimate, se, ci_low, ci_high, deff,
df, n, weighting`` (plus the columns named below):

- :func:`index_by_sector`: the five-country co-production index per sector (EU-06 to EU-08), with the
  cross-country weight by default; ``country`` is :data:`FIVE_COUNTRIES`; adds ``claim_id`` and
  ``published`` (read from the claims registry, never typed here).
- :func:`index_by_sector_country`: the index per sector and country, with the within-country weight.
- :func:`activity_frequencies`: each activity's frequency distribution (never ... always) per country, as
  proportions (0-1) per category, with the within-country weight; adds ``item``, ``item_label``,
  ``category`` (code 1-4) and ``category_label``.

Design (assumption A-EU-ANALYSIS-01): the telephone survey drew a separate random sample of adults in each
country, so the country is the stratum and each respondent is a primary sampling unit (no clusters); the
weights are the post-stratification weights of :mod:`helpers.eu.weights`. Standard errors are svy's Taylor
linearisation (with-replacement PSU variance within strata), confidence intervals estimate +- t(df) x SE
(logit intervals for proportions), and ``deff`` is the design effect against simple random sampling with
replacement, all from :mod:`helpers.stats.survey`; nothing here computes a variance. Respondents whose index is
missing (fewer than two valid items) leave the estimate but stay in the design (domain estimation).

Every function takes the survey design as a :class:`helpers.stats.survey.SurveyDesign` (``design=``: weight,
strata and primary sampling units, as a notebook declares them); without one, the design above with the weight
column given. Weighting variants for sensitivity analyses (``weighting`` names the one used): the weight column
given (default), ``weighted=False`` or a design without weight (every respondent weight 1) and
``equal_country_weights=True`` or ``SurveyDesign(equal_stratum_totals=True)`` (the given weight rescaled so that
every country has the same total: an unweighted average of the countries); :func:`with_weighting` turns the
notebooks' ``weighting`` parameter into a design.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from svy import errors as svy_errors

from helpers.data.claims import claim_number, load_claims
from helpers.eu.codebook import (
    ACTIVITIES,
    CANONICAL_COUNTRIES,
    FREQUENCY_LABELS,
    SECTOR_TARGET_CLAIM,
    SECTORS,
)
from helpers.eu.index import index_column
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT, WITHIN_COUNTRY_WEIGHT
from helpers.stats.survey import LEVEL, SurveyDesign, survey_level_shares, survey_means, survey_proportion

STRATUM_COLUMN: str = "COUNTRY"
"""The stratum of the design: each country's sample was drawn separately."""
PSU_COLUMN: str = "RESPID"
"""The primary sampling unit: the respondent (a random sample of telephone numbers, no clusters)."""
COUNTRY_COLUMN: str = "COUNTRY"
"""The column the country estimates are grouped by (and the equal-country weights rescaled within)."""
FIVE_COUNTRIES: str = "Five countries"
"""``country`` value of the five-country (pooled) estimates."""
UNWEIGHTED: str = "unweighted"
EQUAL_COUNTRY_SUFFIX: str = " (equal country totals)"
_EQUAL_COUNTRY_WEIGHT: str = "__weight_equal_country__"

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "sector", "country", "estimate", "se", "ci_low", "ci_high", "deff", "df", "n", "weighting", "confidence_level",
)
SECTOR_ESTIMATE_COLUMNS: tuple[str, ...] = (*ESTIMATE_COLUMNS, "claim_id", "published")
FREQUENCY_COLUMNS: tuple[str, ...] = (
    "sector", "country", "item", "item_label", "category", "category_label",
    "estimate", "se", "ci_low", "ci_high", "deff", "df", "n", "weighting", "confidence_level",
)


# ---------------------------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------------------------


def equal_country_weight(data: pd.DataFrame, weight: str | None) -> pd.Series:
    """``weight`` (1 when None) rescaled within country so every country's weights sum to n / (number of countries).

    Within a country the relative weights (post-stratification) are kept; across countries each counts
    the same, whatever its population or sample size.
    """
    values = pd.Series(1.0, index=data.index) if weight is None else data[weight].astype(float)
    country = data[COUNTRY_COLUMN].astype(str)
    country_total = values.groupby(country).transform("sum")
    return (values * (len(data) / country.nunique()) / country_total).rename(_EQUAL_COUNTRY_WEIGHT)


def resolve_weighting(data: pd.DataFrame, weight: str | None, *, weighted: bool = True,
                      equal_country_weights: bool = False) -> tuple[pd.DataFrame, str | None, str]:
    """The data (with an added weight column if needed), the weight column to pass to svy, and its label.

    ``weighted=False`` or ``weight=None`` give equal weights (label ``'unweighted'``);
    ``equal_country_weights=True`` rescales ``weight`` (or 1 when unweighted) to equal country totals.
    """
    base = weight if weighted else None
    if base is not None and base not in data.columns:
        raise KeyError(f"weight column {base!r} is not in the data (add it with helpers.eu.weights.add_weights)")
    if equal_country_weights:
        label = f"{base or UNWEIGHTED}{EQUAL_COUNTRY_SUFFIX}"
        return data.assign(**{_EQUAL_COUNTRY_WEIGHT: equal_country_weight(data, base)}), _EQUAL_COUNTRY_WEIGHT, label
    return data, base, base or UNWEIGHTED


def study_design(weight: str | None, *, weighted: bool = True, equal_country_weights: bool = False) -> SurveyDesign:
    """The study's design (countries as strata, respondents as PSUs, A-EU-ANALYSIS-01) with ``weight``:
    what a function of this module uses when it is given no ``design``."""
    return SurveyDesign(weight=weight if weighted else None, strata=STRATUM_COLUMN, psu=PSU_COLUMN,
                        equal_stratum_totals=equal_country_weights)


def with_weighting(design: SurveyDesign, weighting: str) -> SurveyDesign:
    """``design`` under one of the notebooks' weighting schemes: ``"population"`` (as declared: the published
    scheme, EU-04), ``"equal_countries"`` (weights rescaled to equal country totals) or ``"unweighted"``."""
    from helpers.eu.products import weighting_options

    options = weighting_options(weighting)
    if not options["weighted"]:
        return design.unweighted()
    return design.with_equal_stratum_totals() if options["equal_country_weights"] else design


def apply_design(data: pd.DataFrame, design: SurveyDesign) -> tuple[pd.DataFrame, str | None, str]:
    """The data (with the rescaled weight added when the design asks for equal country totals), the weight
    column to give svy, and the weighting's label as the tables record it."""
    return resolve_weighting(data, design.weight, weighted=design.weight is not None,
                             equal_country_weights=design.equal_stratum_totals)


def _check_index_columns(data: pd.DataFrame, sectors: Sequence[str]) -> None:
    missing = [index_column(sector) for sector in sectors if index_column(sector) not in data.columns]
    if missing:
        raise KeyError(f"index columns {missing} are not in the data (add them with helpers.eu.index.add_indices)")


# ---------------------------------------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------------------------------------


def index_by_sector(data: pd.DataFrame, *, design: SurveyDesign | None = None,
                    weight: str | None = FIVE_COUNTRY_WEIGHT, weighted: bool = True,
                    equal_country_weights: bool = False, alpha: float = 0.05,
                    sectors: Sequence[str] = SECTORS, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Five-country co-production index per sector: the design-based mean of each ``index_<sector>`` column.

    ``design`` (a :class:`~helpers.stats.survey.SurveyDesign`; default: the cross-country weight of EU-04,
    country strata, respondents as PSUs) says how to weight and where the variance comes from; ``alpha`` sets
    the interval (0.05: 95%). ``published`` is the sector's value claim (EU-06, EU-07, EU-08) read from
    ``claims`` (default: the project registry). Columns :data:`SECTOR_ESTIMATE_COLUMNS`.
    """
    _check_index_columns(data, sectors)
    claims = load_claims() if claims is None else claims
    design = design or study_design(weight, weighted=weighted, equal_country_weights=equal_country_weights)
    frame, weight_column, label = apply_design(data, design)
    means = survey_means(frame, [index_column(sector) for sector in sectors], weight=weight_column,
                         strata=design.strata, psu=design.psu, alpha=alpha)
    rows = []
    for sector in sectors:
        result = means[index_column(sector)]
        claim_id = SECTOR_TARGET_CLAIM[sector]
        rows.append(result.assign(sector=sector, country=FIVE_COUNTRIES, weighting=label, claim_id=claim_id,
                                  published=claim_number(claims, claim_id)))
    return _tidy(rows, SECTOR_ESTIMATE_COLUMNS, alpha)


def index_by_sector_country(data: pd.DataFrame, *, design: SurveyDesign | None = None,
                            weight: str | None = WITHIN_COUNTRY_WEIGHT, weighted: bool = True,
                            alpha: float = 0.05, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Co-production index per sector and country: the design-based mean of each index in each country.

    ``design`` default: the within-country weight, country strata, respondents as PSUs. (Rescaling weights by
    a constant within a country, as the cross-country and equal-country weights do, leaves a country's
    estimate unchanged.) Columns :data:`ESTIMATE_COLUMNS`.
    """
    _check_index_columns(data, sectors)
    design = design or study_design(weight, weighted=weighted)
    frame, weight_column, label = apply_design(data, design)
    means = survey_means(frame, [index_column(sector) for sector in sectors], weight=weight_column,
                         strata=design.strata, psu=design.psu, by=COUNTRY_COLUMN, alpha=alpha)
    rows = [
        means[index_column(sector)]
        .rename(columns={COUNTRY_COLUMN: "country"})
        .assign(sector=sector, weighting=label)
        for sector in sectors
    ]
    return _order_countries(_tidy(rows, ESTIMATE_COLUMNS, alpha))


def activity_frequencies(data: pd.DataFrame, *, design: SurveyDesign | None = None,
                         weight: str | None = WITHIN_COUNTRY_WEIGHT, weighted: bool = True, alpha: float = 0.05,
                         sectors: Sequence[str] = SECTORS, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of respondents per frequency category (never ... always) of every activity, per country.

    ``design`` default: the within-country weight, country strata, respondents as PSUs. ``items``: only these
    activity columns (default: every activity of ``sectors``), e.g. those a real file has.

    Proportions on the 0-1 scale among respondents who answered the item (don't know and refused are
    missing after cleaning and leave the denominator); logit CIs. Columns :data:`FREQUENCY_COLUMNS`;
    the categories of an item and country sum to 1. A category that nobody (or everybody) in a country
    chose has estimate 0 (or 1), SE 0 and no CI or design effect (svy cannot compute them there).
    """
    design = design or study_design(weight, weighted=weighted)
    frame, weight_column, label = apply_design(data, design)
    activities = [activity for activity in ACTIVITIES
                  if activity.sector in sectors and (items is None or activity.column in items)]
    for activity in activities:
        if activity.column not in frame.columns:
            raise KeyError(f"activity item {activity.column!r} is not in the data")
    shares = _all_category_shares(frame, [activity.column for activity in activities], weight_column, alpha, design)
    countries = frame[COUNTRY_COLUMN]
    present = set(pd.unique(countries))
    rows = []
    for activity in activities:
        answered_country = countries[frame[activity.column].notna().to_numpy()]
        answered = answered_country.groupby(answered_country).size()
        by_code = _shares_by_code(shares.get(activity.column), answered, present)
        for code, category_label in FREQUENCY_LABELS.items():
            if by_code is not None:
                result = by_code[code]
            else:
                result = _complete_countries(_category_share(frame, activity.column, code, weight_column, alpha,
                                                             design), answered)
            rows.append(result.assign(sector=activity.sector, item=activity.column, item_label=activity.label,
                                      category=code, category_label=category_label, weighting=label))
    table = _tidy(rows, FREQUENCY_COLUMNS, alpha)
    item_rank = {activity.column: rank for rank, activity in enumerate(ACTIVITIES)}
    country_rank = {country: rank for rank, country in enumerate(CANONICAL_COUNTRIES)}
    order = np.lexsort((table["category"].to_numpy(), table["country"].map(country_rank).to_numpy(),
                        table["item"].map(item_rank).to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def _all_category_shares(frame: pd.DataFrame, items: Sequence[str], weight: str | None,
                         alpha: float, design: SurveyDesign) -> dict[str, pd.DataFrame | None]:
    """Every category's share per country of each item, one svy call per item on one shared sample
    (:func:`helpers.stats.survey.survey_level_shares`); ``None`` for an item where svy cannot give a design
    effect for any row (the per-category route then handles it)."""
    if not items:
        return {}
    options = {"weight": weight, "strata": design.strata, "psu": design.psu, "by": COUNTRY_COLUMN, "alpha": alpha}
    try:
        return dict(survey_level_shares(frame, items, **options))
    except svy_errors.MethodError:
        return {item: _level_shares_or_none(frame, item, options) for item in items}


def _level_shares_or_none(frame: pd.DataFrame, item: str, options: dict) -> pd.DataFrame | None:
    try:
        return survey_level_shares(frame, [item], **options)[item]
    except svy_errors.MethodError:
        return None


def _shares_by_code(shares: pd.DataFrame | None, answered: pd.Series,
                    countries: set) -> dict[int, pd.DataFrame] | None:
    """One item's svy level shares split into one frame per category code (as :func:`_category_share` and
    :func:`_complete_countries` give them), or ``None`` when the per-category route must be taken.

    The shares of all levels at once equal the per-category shares (svy computes each level from the same
    indicator) whenever the per-category calls would have gone the ordinary way: every country in the data
    (``countries``) answered the item, only the codebook's categories occur, and every category has a share strictly
    between 0 and 1 with a design effect in every country. Anything else (a category nobody or everybody
    chose somewhere, a country without answers, a code outside the codebook) goes the per-category route,
    which fills, and drops the design effect, exactly as before.
    """
    if shares is None or len(answered) == 0:
        return None
    expected_countries = set(answered.index)
    if countries != expected_countries:
        return None
    codes = list(FREQUENCY_LABELS)
    level = shares[LEVEL].to_numpy()
    if len(shares) != len(codes) * len(expected_countries) or not np.isin(level, codes).all():
        return None
    if set(shares[COUNTRY_COLUMN]) != expected_countries:
        return None
    estimate, deff = shares["estimate"].to_numpy(), shares["deff"].to_numpy()
    if not (((estimate > 0) & (estimate < 1)).all() and np.isfinite(deff).all()):
        return None
    by_code = {}
    for code in codes:
        rows = shares.loc[level == code].drop(columns=[LEVEL]).reset_index(drop=True)
        if len(rows) != len(expected_countries):
            return None
        by_code[code] = rows.rename(columns={COUNTRY_COLUMN: "country"})
    return by_code


def _category_share(frame: pd.DataFrame, item: str, code: int, weight: str | None, alpha: float,
                    design: SurveyDesign) -> pd.DataFrame:
    """svy share of ``item == code`` per country; without design effect where svy cannot compute one
    (a share of exactly 0 or 1 in some country makes svy raise on the design effect)."""
    options = {"weight": weight, "strata": design.strata, "psu": design.psu, "by": COUNTRY_COLUMN, "alpha": alpha}
    try:
        return survey_proportion(frame, item, code, **options)
    except svy_errors.MethodError:
        return survey_proportion(frame, item, code, deff=None, **options)


def _complete_countries(result: pd.DataFrame, answered: pd.Series) -> pd.DataFrame:
    """One row per country that answered the item: a country missing from svy's result (nobody chose the
    category) gets estimate 0 and SE 0, with its number of respondents and df = respondents - 1."""
    result = result.rename(columns={COUNTRY_COLUMN: "country"})
    missing = [country for country in answered.index if country not in set(result["country"])]
    if not missing:
        return result
    counts = answered.loc[missing].to_numpy()
    filler = pd.DataFrame({"country": missing, "estimate": 0.0, "se": 0.0, "ci_low": np.nan, "ci_high": np.nan,
                           "deff": np.nan, "df": counts - 1, "n": counts})
    return pd.concat([result, filler], ignore_index=True) if len(result) else filler


# ---------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------


def confidence_level_of(alpha: float) -> float:
    """The confidence level of intervals at significance ``alpha`` (0.95 for 0.05), as every table records it."""
    return round(1.0 - alpha, 10)


def _tidy(rows: list[pd.DataFrame], columns: Sequence[str], alpha: float) -> pd.DataFrame:
    """The rows as one table with ``columns``; ``confidence_level`` says the level of its intervals."""
    table = pd.concat(rows, ignore_index=True).assign(confidence_level=confidence_level_of(alpha))[list(columns)]
    for column in ("sector", "country", "weighting"):
        table[column] = table[column].astype(str)
    return table


def _order_countries(table: pd.DataFrame) -> pd.DataFrame:
    """Rows in sector (codebook) then country (canonical) order."""
    sector_rank = table["sector"].map({sector: rank for rank, sector in enumerate(SECTORS)})
    country_rank = table["country"].map({country: rank for rank, country in enumerate(CANONICAL_COUNTRIES)})
    order = np.lexsort((country_rank.fillna(len(CANONICAL_COUNTRIES)).to_numpy(), sector_rank.to_numpy()))
    return table.iloc[order].reset_index(drop=True)
