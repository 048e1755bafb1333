"""Tests and models of the 2008 citizen survey: sectors (EU-09), countries (EU-09, EU-17), correlates (EU-11..17).

Design-based inference uses svy (:mod:`helpers.stats.survey` builds the ``svy.Sample``): country strata,
respondents as PSUs, the survey weights of :mod:`helpers.eu.weights` (assumption A-EU-ANALYSIS-01).
Unweighted comparisons and effect sizes use pingouin. Every function returns a tidy pandas frame.

- :func:`sector_differences` (EU-09): within-respondent differences between the three sector indices:
  pingouin's repeated-measures ANOVA (generalised eta squared) and Friedman test (Kendall's W; pingouin's
  formulas in :func:`friedman_test`, with the tie correction vectorised), paired
  t-tests with Holm correction and Cohen's d (unweighted), and the weighted mean paired differences with
  design-based CIs and t-tests (svy), Holm-corrected. Columns :data:`TEST_COLUMNS`.
- :func:`country_differences` (EU-09): per sector, the design-based Wald F test that the five country
  means are equal (svy GLM of the index on country dummies, ``term_test``), and pingouin's unweighted
  Welch ANOVA (partial eta squared). Columns :data:`TEST_COLUMNS`.
- :func:`correlates_table` (EU-11..EU-16): per sector, a weighted linear model (svy GLM, gaussian, identity)
  of the index on the correlates (:data:`CORRELATE_TERMS`) and country fixed effects, with design-based
  (linearisation, i.e. heteroskedasticity-robust) standard errors. Columns :data:`COEFFICIENT_COLUMNS`.
- :func:`heterogeneity_tests` (EU-17): (a) family ``sector``: a stacked model of the three indices (three
  rows per respondent, the respondent as PSU, so the sectors' estimates are correlated as they should be)
  and, per correlate, the design-based Wald F test that its effect is equal in the three sectors (Holm over
  the correlates); (b) family ``country_by_sector``: in the same model, the test that the country
  differences are equal in the three sectors; (c) family ``country``: per sector, the model with every key
  correlate x country interaction and, per key correlate and sector, the Wald F test that its interactions
  are all zero (Holm over sectors x key correlates). In :func:`heterogeneity_tests` one rule replaces the
  two: Holm over both families at once (:data:`EU17_FAMILIES`). Columns :data:`HETEROGENEITY_COLUMNS`.
- :func:`unweighted_effect_sizes`: pingouin's Welch t-test of women versus men (Cohen's d) and Spearman's
  correlation of the index with self-efficacy, per sector. Columns :data:`TEST_COLUMNS`.
- :func:`parameter_recovery`: the coefficient table set against the generator's generating values.

The models are written as formulas, as text (:data:`CORRELATES_FORMULA`, ``"index ~ female + age_decades + ...
+ country"``), read by formulaic (:func:`model_columns`): a notebook changes a correlate, adds an interaction
(``female:urban``) or drops the country effects by editing that text. Every function takes the survey design as a
:class:`helpers.stats.survey.SurveyDesign` (``design=``); without one, the study's design with the weight given.
The functions that bundle several tests (:func:`sector_differences`, :func:`country_differences`,
:func:`unweighted_effect_sizes`) are made of the single tests a notebook calls one by one
(:func:`repeated_measures_anova`, :func:`friedman_sector_test`, :func:`paired_t_tests`,
:func:`weighted_paired_differences`, :func:`design_wald_f_tests`, :func:`welch_anovas`,
:func:`women_vs_men_t_tests`, :func:`efficacy_correlations`), put together by :func:`combine_tests`.

svy's ``term_test`` tests the coefficients of one model term; joint tests of interaction terms or of
equality across sectors are general linear restrictions, which svy does not offer, so :func:`wald_test`
computes F = (Rb)'(RVR')^-1(Rb)/q from svy's coefficients and design-based covariance, on (q, design df)
degrees of freedom exactly as svy's ``term_test`` does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import svy

from helpers.data.claims import claim_direction, load_claims
from helpers.eu.codebook import CANONICAL_COUNTRIES, SECTORS, sector_column
from helpers.eu.estimates import COUNTRY_COLUMN, PSU_COLUMN, STRATUM_COLUMN, apply_design, study_design
from helpers.eu.index import index_column
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT, WITHIN_COUNTRY_WEIGHT
from helpers.stats.survey import SurveyDesign, make_sample, survey_means

# ---------------------------------------------------------------------------------------------------------
# Terms and output columns
# ---------------------------------------------------------------------------------------------------------

INDEX: str = "index"
INTERCEPT: str = "intercept"
_SVY_INTERCEPT: str = "_intercept_"
REFERENCE_COUNTRY: str = CANONICAL_COUNTRIES[0]
COUNTRY_TERMS: tuple[str, ...] = tuple(f"country_{country}" for country in CANONICAL_COUNTRIES[1:])
"""Country fixed effects: one dummy per country but the reference (:data:`REFERENCE_COUNTRY`)."""

CORRELATE_TERMS: tuple[str, ...] = (
    "female", "age_decades", "efficacy", "outcome", "govperf", "informed", "consulted",
    "educ_upper_secondary", "educ_tertiary",
    "employ_unemployed", "employ_retired", "employ_student", "employ_other",
    "urban",
)
"""The correlates (EU-16) as model terms; coding in :func:`correlate_frame` (A-EU-ANALYSIS-04)."""

COUNTRY_FACTOR: str = "country"
"""The name of the country in a model formula: ``+ country`` adds the country fixed effects (one dummy
``country_<name>`` per country but the first present), ``female:country`` the female x country interactions."""

CORRELATES_FORMULA: str = (
    "index ~ female + age_decades + efficacy + outcome + govperf + informed + consulted"
    " + educ_upper_secondary + educ_tertiary + employ_unemployed + employ_retired + employ_student + employ_other"
    " + urban + country"
)
"""The model of each sector's index on the correlates (EU-16, coded as in :func:`correlate_frame`) with country
fixed effects: the formula the notebook writes out and the batch route (:func:`correlates_table`) uses."""

KEY_TERMS: tuple[str, ...] = ("female", "age_decades", "efficacy", "outcome", "informed", "consulted")
"""Correlates with a published direction (EU-11 to EU-15); their country interactions test EU-17."""

CLAIM_OF_TERM: dict[str, str] = {
    "female": "EU-11",
    "age_decades": "EU-12",
    "efficacy": "EU-13",
    "outcome": "EU-14",
    "informed": "EU-15",
    "consulted": "EU-15",
}
"""The claim about each key correlate's direction; its sign and qualifier are read from the claims registry
(:func:`published_directions`), never typed here."""


def published_directions(claims: pd.DataFrame | None = None) -> dict[str, tuple[str, int]]:
    """Each key correlate's claim and published sign (+1 or -1), the sign read from the registry's
    ``direction`` column (default: the project registry)."""
    claims = load_claims() if claims is None else claims
    return {term: (claim_id, claim_direction(claims, claim_id)) for term, claim_id in CLAIM_OF_TERM.items()}


CLAIMED_CORRELATES: dict[str, tuple[str, ...]] = {
    "age": ("age_decades",),
    "gender": ("female",),
    "education": ("educ_upper_secondary", "educ_tertiary"),
    "employment status": ("employ_unemployed", "employ_retired", "employ_student", "employ_other"),
    "urban or non-urban": ("urban",),
    "perceived government performance": ("govperf", "outcome"),
    "information and consultation": ("informed", "consulted"),
    "self-efficacy": ("efficacy",),
}
"""Each correlate named in EU-16 and the model terms that represent it (A-EU-ANALYSIS-04). The keys are claim
EU-16's list in the claims registry (kept equal by tests/test_scorecard_registry.py)."""

TEST_COLUMNS: tuple[str, ...] = (
    "analysis", "sector", "comparison", "statistic_name", "statistic", "df1", "df2", "p_value", "p_adjusted",
    "effect_size_name", "effect_size", "estimate", "ci_low", "ci_high", "n", "weighting",
)
COEFFICIENT_COLUMNS: tuple[str, ...] = (
    "sector", "term", "term_group", "estimate", "se", "ci_low", "ci_high", "statistic", "p_value", "df", "n",
    "weighting", "confidence_level",
)
HETEROGENEITY_COLUMNS: tuple[str, ...] = (
    "family", "sector", "term", "statistic", "df1", "df2", "p_value", "p_holm", "n", "weighting",
)
RECOVERY_COLUMNS: tuple[str, ...] = (
    "sector", "term", "term_group", "estimate", "se", "ci_low", "ci_high", "generating_value", "error", "z",
    "covered", "published_sign", "sign_agrees",
)


# ---------------------------------------------------------------------------------------------------------
# Generic pieces
# ---------------------------------------------------------------------------------------------------------


def _pingouin() -> Any:
    """pingouin, imported on first use: importing it (and scipy.stats) takes seconds, and the figures,
    scorecard and cleaning steps import this module only for its constants and model frames."""
    import pingouin

    return pingouin


def _scipy_stats() -> Any:
    """scipy.stats, imported on first use (see :func:`_pingouin`)."""
    from scipy import stats

    return stats


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN), in the input order."""
    p = np.asarray(p_values, dtype=float)
    present = np.flatnonzero(~np.isnan(p))
    adjusted = np.full(p.shape, np.nan)
    if present.size == 0:
        return adjusted
    order = present[np.argsort(p[present], kind="stable")]
    m = order.size
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def wald_test(estimates: np.ndarray, covariance: np.ndarray, restrictions: np.ndarray,
              df_den: float) -> dict[str, float]:
    """F test of ``restrictions @ estimates == 0``: F = (Rb)'(RVR')^-1(Rb)/q on (q, df_den).

    With svy's design-based covariance ``V`` and design df this is svy's ``term_test`` generalised to any
    linear restrictions (a joint Wald test, as R's ``regTermTest(method="Wald")``).
    """
    restrictions = np.atleast_2d(np.asarray(restrictions, dtype=float))
    difference = restrictions @ np.asarray(estimates, dtype=float)
    middle = restrictions @ np.asarray(covariance, dtype=float) @ restrictions.T
    q = restrictions.shape[0]
    statistic = float(difference @ np.linalg.solve(middle, difference)) / q
    return {"statistic": statistic, "df1": float(q), "df2": float(df_den),
            "p_value": float(_scipy_stats().f.sf(statistic, q, df_den))}


def _as_float(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _indicator(values: pd.Series, code: int) -> np.ndarray:
    """1.0 where ``values == code``, 0.0 elsewhere, NaN where missing."""
    numbers = _as_float(values)
    return np.where(np.isnan(numbers), np.nan, (numbers == code).astype(float))


def _t_p_value(estimate: float, se: float, df: float) -> float:
    return float(2.0 * _scipy_stats().t.sf(abs(estimate / se), df)) if se > 0 else float("nan")


# ---------------------------------------------------------------------------------------------------------
# Model frames
# ---------------------------------------------------------------------------------------------------------


def correlate_frame(data: pd.DataFrame, sector: str, design_columns: Sequence[str] = ()) -> pd.DataFrame:
    """One sector's model frame: ``index``, :data:`CORRELATE_TERMS`, a dummy ``country_<name>`` per country, the
    country itself (``country``, categorical, for formulas) and the design columns (the study's and
    ``design_columns``).

    Coding (centred so that the intercept is a plausible respondent, A-EU-ANALYSIS-04): female = SEX 2;
    age_decades = (AGE - 50) / 10; efficacy, outcome, govperf = code (1-4) - 2.5; informed, consulted = yes;
    education dummies against lower secondary, employment dummies against employed; urban = URBAN 1.
    Missing answers stay missing (the model drops the respondent: listwise deletion).
    """
    educ, employ = data["EDUC"], data["EMPLOY"]
    columns: dict[str, Any] = {
        INDEX: _as_float(data[index_column(sector)]),
        "female": _indicator(data["SEX"], 2),
        "age_decades": (_as_float(data["AGE"]) - 50.0) / 10.0,
        "efficacy": _as_float(data[sector_column(sector, "EFFICACY")]) - 2.5,
        "outcome": _as_float(data[sector_column(sector, "OUTCOME")]) - 2.5,
        "govperf": _as_float(data[sector_column(sector, "GOVPERF")]) - 2.5,
        "informed": _indicator(data[sector_column(sector, "INFORMED")], 1),
        "consulted": _indicator(data[sector_column(sector, "CONSULTED")], 1),
        "educ_upper_secondary": _indicator(educ, 2),
        "educ_tertiary": _indicator(educ, 3),
        "employ_unemployed": _indicator(employ, 2),
        "employ_retired": _indicator(employ, 3),
        "employ_student": _indicator(employ, 4),
        "employ_other": _indicator(employ, 5),
        "urban": _indicator(data["URBAN"], 1),
    }
    country = data[COUNTRY_COLUMN].astype(str)
    columns.update({f"country_{name}": (country == name).astype(float).to_numpy() for name in CANONICAL_COUNTRIES})
    present = [name for name in CANONICAL_COUNTRIES if name in set(country)]
    columns[COUNTRY_FACTOR] = pd.Categorical(country.to_numpy(), categories=present or None)
    wanted = (STRATUM_COLUMN, PSU_COLUMN, FIVE_COUNTRY_WEIGHT, WITHIN_COUNTRY_WEIGHT, *design_columns)
    design = [column for column in dict.fromkeys(wanted) if column and column in data.columns]
    return pd.DataFrame(columns, index=data.index).join(data[design])


# ---------------------------------------------------------------------------------------------------------
# Model formulas (formulaic)
# ---------------------------------------------------------------------------------------------------------

_FORMULAIC_COUNTRY = re.compile(rf"\b{COUNTRY_FACTOR}\[T\.(.+?)\]")


def _formulaic() -> Any:
    """formulaic, imported on first use (see :func:`_pingouin`)."""
    import formulaic

    return formulaic


def model_columns(frame: pd.DataFrame, formula: str) -> tuple[pd.DataFrame, bool]:
    """The columns of the model ``formula`` on ``frame`` (one per coefficient but the intercept), named as the
    coefficient tables name them, and whether the model has an intercept.

    ``formula`` is text read by formulaic: ``"index ~ female + age_decades + country"``; ``a:b`` is an interaction
    (the product of a and b), ``a*b`` both and their interaction, ``- 1`` no intercept, ``country`` the country
    fixed effects (``country_<name>``). The variables are the columns of :func:`correlate_frame`; a name that is
    not one is refused with the list of those that are. Missing values stay missing (the model drops the
    respondent).
    """
    formulaic = _formulaic()
    try:
        parsed = formulaic.Formula(formula)
    except Exception as error:  # noqa: BLE001 - formulaic raises several kinds of parse errors
        raise ValueError(f"model formula {formula!r} cannot be read: {error}") from None
    if not hasattr(parsed, "lhs") or {str(v) for v in parsed.lhs.required_variables} != {INDEX}:
        raise ValueError(f"model formula {formula!r}: write it as 'index ~ <terms>' (the index is the outcome)")
    available = [column for column in frame.columns if column not in (INDEX, STRATUM_COLUMN, PSU_COLUMN)]
    unknown = sorted(str(v) for v in parsed.rhs.required_variables if str(v) not in frame.columns)
    if unknown:
        raise ValueError(f"model formula {formula!r}: unknown variable(s) {', '.join(unknown)}; the model variables "
                         f"are {', '.join(c for c in available if not c.startswith('country_'))}")
    matrix = pd.DataFrame(formulaic.model_matrix(parsed.rhs, frame, na_action="ignore"))
    intercept = "Intercept" in matrix.columns
    matrix = matrix.drop(columns="Intercept", errors="ignore")
    matrix.columns = [_FORMULAIC_COUNTRY.sub(lambda match: f"country_{match.group(1)}", str(c))
                      for c in matrix.columns]
    return matrix.astype(float), intercept


def formula_without(formula: str, variable: str) -> str:
    """``formula`` without every term that involves ``variable`` (e.g. the country effects)."""
    parsed = _formulaic().Formula(formula)
    terms = [str(term) for term in parsed.rhs]
    kept = [term for term in terms if variable not in term.split(":")]
    intercept = "1" in kept
    rhs = " + ".join(term for term in kept if term != "1") or "1"
    return f"{INDEX} ~ {rhs}" + ("" if intercept or rhs == "1" else " - 1")


def fit_model(frame: pd.DataFrame, formula: str, *, design: SurveyDesign, weight_column: str | None,
              alpha: float = 0.05) -> Any:
    """The svy GLM (gaussian, identity) of ``formula`` on a model frame (:func:`correlate_frame`) with the design's
    strata and PSUs and ``weight_column``; rows with a missing value are dropped (listwise)."""
    columns, intercept = model_columns(frame, formula)
    model_frame = columns.join(frame[[c for c in dict.fromkeys([INDEX, design.strata, design.psu, weight_column])
                                      if c]])
    return _fit_design(model_frame, list(columns.columns), weight_column, design, alpha=alpha, intercept=intercept)


def _fit(frame: pd.DataFrame, terms: Sequence[str], weight: str | None, *, alpha: float,
         intercept: bool = True) -> Any:
    """svy GLM (gaussian, identity) of ``index`` on ``terms`` with the study's design; rows with a missing value
    are dropped."""
    return _fit_design(frame, terms, weight, study_design(weight), alpha=alpha, intercept=intercept)


def _fit_design(frame: pd.DataFrame, terms: Sequence[str], weight: str | None, design: SurveyDesign, *,
                alpha: float, intercept: bool = True) -> Any:
    """svy GLM (gaussian, identity) of ``index`` on ``terms`` with ``design``'s strata and PSUs."""
    sample = make_sample(frame, weight=weight, strata=design.strata, psu=design.psu, analysis=[INDEX, *terms])
    return sample.glm.fit(y=INDEX, x=list(terms), intercept=intercept, family="gaussian", alpha=alpha)


def _coefficients(model: Any) -> pd.DataFrame:
    table = model.to_polars().to_pandas().rename(columns={
        "std_err": "se", "conf_low": "ci_low", "conf_high": "ci_high"})
    table["term"] = table["term"].replace({_SVY_INTERCEPT: INTERCEPT})
    table["n"] = int(model.fitted.stats.n)
    return table


def _term_group(term: str) -> str:
    if term == INTERCEPT:
        return "intercept"
    if term.startswith("country_"):
        return "country"
    return "correlate"


def country_terms(data: pd.DataFrame) -> list[str]:
    """The country dummies a model of ``data`` can hold: every country present but the first present
    (:data:`REFERENCE_COUNTRY` when it is present, as in the survey)."""
    present = set(data[COUNTRY_COLUMN].astype(str).unique())
    return [f"country_{country}" for country in [c for c in CANONICAL_COUNTRIES if c in present][1:]]


# ---------------------------------------------------------------------------------------------------------
# Correlates (EU-11 to EU-16)
# ---------------------------------------------------------------------------------------------------------


def correlates_table(data: pd.DataFrame, *, formula: str = CORRELATES_FORMULA, design: SurveyDesign | None = None,
                     weight: str | None = FIVE_COUNTRY_WEIGHT, weighted: bool = True,
                     equal_country_weights: bool = False, country_effects: bool = True, alpha: float = 0.05,
                     sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """One weighted linear model per sector: the sector's index on the terms of ``formula``.

    ``formula`` is text (:data:`CORRELATES_FORMULA`: the correlates and the country fixed effects, reference
    :data:`REFERENCE_COUNTRY`; see :func:`model_columns`); ``design`` the survey design (default: the
    cross-country weight, country strata, respondents as PSUs). svy's design-based SEs, t-based CIs and
    p-values on the design df. ``country_effects=False`` drops the country terms from the formula.
    Columns :data:`COEFFICIENT_COLUMNS` (coefficients in index points per unit of the term).
    """
    design = design or study_design(weight, weighted=weighted, equal_country_weights=equal_country_weights)
    frame, weight_column, label = apply_design(data, design)
    formula = formula if country_effects else formula_without(formula, COUNTRY_FACTOR)
    tables = []
    for sector in sectors:
        model_frame = correlate_frame(frame, sector, [design.strata, design.psu, weight_column])
        model = fit_model(model_frame, formula, design=design, weight_column=weight_column, alpha=alpha)
        tables.append(_coefficients(model).assign(sector=sector, weighting=label))
    table = pd.concat(tables, ignore_index=True)
    table["term_group"] = table["term"].map(_term_group)
    table["confidence_level"] = round(1.0 - alpha, 10)  # the level of ci_low / ci_high, read by the figures
    return table[list(COEFFICIENT_COLUMNS)]


# ---------------------------------------------------------------------------------------------------------
# Sector differences (EU-09)
# ---------------------------------------------------------------------------------------------------------


def sector_long(data: pd.DataFrame, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Respondents with an index in every sector, long: RESPID, COUNTRY, sector, index (+ weights)."""
    columns = [index_column(sector) for sector in sectors]
    complete = data.loc[data[columns].notna().all(axis=1)]
    keep = [column for column in (PSU_COLUMN, STRATUM_COLUMN, FIVE_COUNTRY_WEIGHT, WITHIN_COUNTRY_WEIGHT)
            if column in data.columns]
    long = complete.melt(id_vars=keep, value_vars=columns, var_name="sector", value_name=INDEX)
    long["sector"] = long["sector"].str.removeprefix("index_")
    long[PSU_COLUMN] = long[PSU_COLUMN].astype("int64")
    return long


def _pairs(sectors: Sequence[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(sectors) for b in sectors[i + 1:]]


def sector_differences(data: pd.DataFrame, *, design: SurveyDesign | None = None,
                       weight: str | None = FIVE_COUNTRY_WEIGHT, weighted: bool = True,
                       alpha: float = 0.05, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Within-respondent differences between the sector indices (EU-09): the four tests below in one table.

    Rows: ``rm_anova`` (:func:`repeated_measures_anova`) and ``friedman`` (:func:`friedman_sector_test`) on the
    respondents with all three indices, ``paired_t`` (:func:`paired_t_tests`) and ``weighted_paired_difference``
    (:func:`weighted_paired_differences`, with ``design``: default the cross-country weight). Columns
    :data:`TEST_COLUMNS`.
    """
    long = sector_long(data, sectors)
    design = design or study_design(weight, weighted=weighted)
    return combine_tests([repeated_measures_anova(long), friedman_sector_test(long), paired_t_tests(long),
                          weighted_paired_differences(data, design=design, alpha=alpha, sectors=sectors)])


def _subjects(long: pd.DataFrame) -> int:
    return int(long[PSU_COLUMN].nunique())


def repeated_measures_anova(long: pd.DataFrame) -> pd.DataFrame:
    """Do the sector indices differ within respondents? pingouin's repeated-measures ANOVA (F, generalised eta
    squared) on :func:`sector_long`; unweighted. One row, columns :data:`TEST_COLUMNS`."""
    anova = _pingouin().rm_anova(data=long, dv=INDEX, within="sector", subject=PSU_COLUMN, detailed=False).iloc[0]
    sectors = list(dict.fromkeys(long["sector"]))
    return _test_frame([{"analysis": "rm_anova", "sector": "all", "comparison": " = ".join(sectors),
                         "statistic_name": "F", "statistic": anova["F"], "df1": anova["ddof1"], "df2": anova["ddof2"],
                         "p_value": anova["p_unc"], "effect_size_name": "generalised eta squared",
                         "effect_size": anova["ng2"], "n": _subjects(long), "weighting": "unweighted"}])


def friedman_sector_test(long: pd.DataFrame) -> pd.DataFrame:
    """The rank-based counterpart: Friedman's test of the sector indices within respondents (Q, Kendall's W;
    :func:`friedman_test`) on :func:`sector_long`; unweighted. One row, columns :data:`TEST_COLUMNS`."""
    friedman = friedman_test(long, dv=INDEX, within="sector", subject=PSU_COLUMN)
    sectors = list(dict.fromkeys(long["sector"]))
    return _test_frame([{"analysis": "friedman", "sector": "all", "comparison": " = ".join(sectors),
                         "statistic_name": "Q", "statistic": friedman["Q"], "df1": friedman["ddof1"],
                         "p_value": friedman["p_unc"], "effect_size_name": "Kendall's W", "effect_size": friedman["W"],
                         "n": _subjects(long), "weighting": "unweighted"}])


def paired_t_tests(long: pd.DataFrame) -> pd.DataFrame:
    """Each pair of sectors: pingouin's paired t-test (Holm-adjusted over the pairs, Cohen's d); ``estimate`` is
    the unweighted mean difference A - B. One row per pair, columns :data:`TEST_COLUMNS`."""
    pairwise = _pingouin().pairwise_tests(data=long, dv=INDEX, within="sector", subject=PSU_COLUMN,
                                          padjust="holm", effsize="cohen")
    wide = long.pivot(index=PSU_COLUMN, columns="sector", values=INDEX)
    n = _subjects(long)
    return _test_frame([{"analysis": "paired_t", "sector": "all", "comparison": f"{row.A} - {row.B}",
                         "statistic_name": "t", "statistic": row.T, "df1": row.dof, "p_value": row.p_unc,
                         "p_adjusted": row.p_corr, "effect_size_name": "Cohen's d", "effect_size": row.cohen,
                         "estimate": float((wide[row.A] - wide[row.B]).mean()), "n": n, "weighting": "unweighted"}
                        for row in pairwise.itertuples(index=False)])


def weighted_paired_differences(data: pd.DataFrame, *, design: SurveyDesign | None = None, alpha: float = 0.05,
                                sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Each pair of sectors: the design-based mean of index A - index B per respondent (svy), its interval and
    t test, Holm-adjusted over the pairs (``p_adjusted``). ``design`` default: the cross-country weight. One row
    per pair, columns :data:`TEST_COLUMNS`."""
    return _test_frame(_weighted_pair_rows(data, sectors, design or study_design(FIVE_COUNTRY_WEIGHT), alpha=alpha))


def combine_tests(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several test tables as one, in sector order (tests of all sectors first; the order within a sector kept):
    how the notebook and the batch functions put single tests together."""
    rows = [row for table in tables for row in table.to_dict(orient="records")]
    table = _test_frame(rows)
    rank = {"all": -1, **{sector: position for position, sector in enumerate(SECTORS)}}
    order = np.argsort(table["sector"].map(rank).fillna(len(SECTORS)).to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def friedman_test(long: pd.DataFrame, *, dv: str, within: str, subject: str) -> dict[str, float]:
    """Friedman test with Kendall's W, corrected for ties: ``pingouin.friedman`` (method ``chisq``), same
    formulas and the same numbers, with the tie correction summed over subjects without a Python loop.

    Subjects with a missing value are left out (pingouin's complete-case rule). Returns ``W``, ``Q``,
    ``ddof1`` and ``p_unc`` as pingouin names them.
    """
    wide = long.pivot_table(index=subject, columns=within, values=dv, observed=True).dropna()
    values = wide.to_numpy()
    n, k = values.shape
    ranked = _scipy_stats().rankdata(values, axis=1)
    ssbn = (ranked.sum(axis=0) ** 2).sum()
    ties = _tie_correction(values)
    w = (12 * ssbn - 3 * n**2 * k * (k + 1) ** 2) / (n**2 * k * (k - 1) * (k + 1) - n * ties)
    q = n * (k - 1) * w
    return {"W": w, "Q": q, "ddof1": k - 1, "p_unc": _scipy_stats().chi2.sf(q, k - 1)}


def _tie_correction(values: np.ndarray) -> np.int64:
    """Sum over rows of sum(t * (t^2 - 1)) over the row's groups of t tied values (integer, exact)."""
    n, k = values.shape
    if n == 0 or k == 0:
        return np.int64(0)
    ordered = np.sort(values, axis=1)
    starts = np.ones((n, k), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    counts = np.bincount(np.cumsum(starts.ravel()) - 1).astype(np.int64)
    return np.sum(counts * (counts * counts - 1))


def _weighted_pair_rows(data: pd.DataFrame, sectors: Sequence[str], design: SurveyDesign, *,
                        alpha: float) -> list[dict[str, Any]]:
    frame, weight_column, label = apply_design(data, design)
    pairs = _pairs(sectors)
    names = {pair: f"__difference_{position}__" for position, pair in enumerate(pairs)}
    # One sample for the three differences, holding only the design columns besides them.
    wanted = [design.strata, design.psu, *([weight_column] if weight_column else [])]
    columns = [column for column in dict.fromkeys(wanted) if column and column in frame.columns]
    differences = frame[columns].assign(**{
        names[(a, b)]: frame[index_column(a)].astype(float) - frame[index_column(b)].astype(float)
        for a, b in pairs
    })
    means = survey_means(differences, list(names.values()), weight=weight_column, strata=design.strata,
                         psu=design.psu, alpha=alpha)
    rows = []
    for a, b in pairs:
        result = means[names[(a, b)]].iloc[0]
        rows.append({"analysis": "weighted_paired_difference", "sector": "all", "comparison": f"{a} - {b}",
                     "statistic_name": "t", "statistic": result["estimate"] / result["se"], "df1": result["df"],
                     "p_value": _t_p_value(result["estimate"], result["se"], result["df"]),
                     "effect_size_name": "", "estimate": result["estimate"], "ci_low": result["ci_low"],
                     "ci_high": result["ci_high"], "n": result["n"], "weighting": label})
    adjusted = holm([row["p_value"] for row in rows])
    for row, p in zip(rows, adjusted, strict=True):
        row["p_adjusted"] = p
    return rows


def _test_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=list(TEST_COLUMNS))
    for column in ("statistic", "df1", "df2", "p_value", "p_adjusted", "effect_size", "estimate", "ci_low",
                   "ci_high"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    for column in ("analysis", "sector", "comparison", "statistic_name", "effect_size_name", "weighting"):
        table[column] = table[column].fillna("").astype(str)
    table["n"] = table["n"].astype("int64")
    return table


# ---------------------------------------------------------------------------------------------------------
# Country differences (EU-09)
# ---------------------------------------------------------------------------------------------------------


def country_differences(data: pd.DataFrame, *, design: SurveyDesign | None = None,
                        weight: str | None = WITHIN_COUNTRY_WEIGHT, weighted: bool = True,
                        alpha: float = 0.05, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector, tests that the five country means are equal (EU-09): :func:`design_wald_f_tests` (with
    ``design``, default the within-country weight) and :func:`welch_anovas`. Columns :data:`TEST_COLUMNS`."""
    design = design or study_design(weight, weighted=weighted)
    return combine_tests([design_wald_f_tests(data, design=design, alpha=alpha, sectors=sectors),
                          welch_anovas(data, sectors=sectors)])


def design_wald_f_tests(data: pd.DataFrame, *, design: SurveyDesign | None = None, alpha: float = 0.05,
                        sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector, the design-based Wald F test that the country means are equal: svy GLM of the index on country
    (categorical) and ``term_test`` (F on (countries - 1, design df)); ``estimate`` is the range of the country
    means (max - min). ``design`` default: the within-country weight (any weight that differs from it by a
    constant factor within each country gives the same test). Columns :data:`TEST_COLUMNS`."""
    design = design or study_design(WITHIN_COUNTRY_WEIGHT)
    frame, weight_column, label = apply_design(data, design)
    rows: list[dict[str, Any]] = []
    for sector in sectors:
        columns = {INDEX: _as_float(frame[index_column(sector)]),
                   COUNTRY_COLUMN: frame[COUNTRY_COLUMN].astype(str).to_numpy()}
        for column in (design.strata, design.psu):
            if column and column not in columns:
                columns[column] = frame[column].to_numpy()
        model_frame = pd.DataFrame(columns, index=frame.index)
        if weight_column:
            model_frame[weight_column] = frame[weight_column].to_numpy()
        sample = make_sample(model_frame, weight=weight_column, strata=design.strata, psu=design.psu,
                             analysis=[INDEX], by=None if COUNTRY_COLUMN in (design.strata, design.psu)
                             else COUNTRY_COLUMN)
        present = set(model_frame[COUNTRY_COLUMN].unique())
        reference = next(c for c in CANONICAL_COUNTRIES if c in present)
        country = svy.Cat(COUNTRY_COLUMN, ref=reference)
        model = sample.glm.fit(y=INDEX, x=[country], family="gaussian", alpha=alpha)
        test = model.term_test(country)
        coefficients = np.array([0.0, *(c.est for c in model.fitted.coefs if c.term != _SVY_INTERCEPT)])
        rows.append({"analysis": "design_wald_f", "sector": sector, "comparison": "all countries equal",
                     "statistic_name": "F", "statistic": test.value, "df1": test.df_num, "df2": test.df_den,
                     "p_value": test.p_value, "effect_size_name": "range of country means",
                     "effect_size": float(np.ptp(coefficients)), "estimate": float(np.ptp(coefficients)),
                     "n": int(model.fitted.stats.n), "weighting": label})
    return _test_frame(rows)


def welch_anovas(data: pd.DataFrame, *, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector, pingouin's Welch ANOVA of the index between countries (unweighted; partial eta squared).
    Columns :data:`TEST_COLUMNS`."""
    rows: list[dict[str, Any]] = []
    for sector in sectors:
        present = pd.DataFrame({INDEX: _as_float(data[index_column(sector)]),
                                COUNTRY_COLUMN: data[COUNTRY_COLUMN].astype(str).to_numpy()}).dropna(subset=[INDEX])
        welch = _pingouin().welch_anova(data=present, dv=INDEX, between=COUNTRY_COLUMN).iloc[0]
        rows.append({"analysis": "welch_anova", "sector": sector, "comparison": "all countries equal",
                     "statistic_name": "F", "statistic": welch["F"], "df1": welch["ddof1"], "df2": welch["ddof2"],
                     "p_value": welch["p_unc"], "effect_size_name": "partial eta squared",
                     "effect_size": welch["np2"], "n": len(present), "weighting": "unweighted"})
    return _test_frame(rows)


# ---------------------------------------------------------------------------------------------------------
# Heterogeneity (EU-17)
# ---------------------------------------------------------------------------------------------------------


def _sector_columns(frame: pd.DataFrame, sector: str, formula: str) -> pd.DataFrame:
    """One sector's model columns (:func:`model_columns`) with the intercept as a column ``intercept`` first."""
    columns, intercept = model_columns(correlate_frame(frame, sector), formula)
    return columns.assign(**{INTERCEPT: 1.0})[[INTERCEPT, *columns.columns]] if intercept else columns


def _stacked_frame(data: pd.DataFrame, sectors: Sequence[str], formula: str, design: SurveyDesign,
                   weight_column: str | None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Three rows per respondent (one per sector); every term interacted with the sector, no common intercept.
    Returns the frame, its terms (``<sector>:<term>``) and the base terms of one sector."""
    parts = []
    zeros = np.zeros(len(data))
    by_sector = {sector: _sector_columns(data, sector, formula) for sector in sectors}
    base_terms = list(by_sector[sectors[0]].columns)
    for sector in sectors:
        frame = correlate_frame(data, sector, [design.strata, design.psu, weight_column])
        own = by_sector[sector]
        columns = {INDEX: frame[INDEX].to_numpy()}
        for other in sectors:
            for term in base_terms:
                columns[f"{other}:{term}"] = own[term].to_numpy(dtype=float) if other == sector else zeros
        part = pd.DataFrame(columns, index=data.index)
        design_columns = [c for c in dict.fromkeys((STRATUM_COLUMN, PSU_COLUMN, FIVE_COUNTRY_WEIGHT,
                                                    WITHIN_COUNTRY_WEIGHT, design.strata, design.psu,
                                                    weight_column))
                          if c and c in frame.columns]
        parts.append(part.join(frame[design_columns]))
    terms = [f"{sector}:{term}" for sector in sectors for term in base_terms]
    return pd.concat(parts, ignore_index=True), terms, base_terms


def _is_country_term(term: str) -> bool:
    return term.startswith("country_") and ":" not in term


def sector_heterogeneity(data: pd.DataFrame, *, formula: str = CORRELATES_FORMULA,
                         design: SurveyDesign | None = None, weight: str | None = FIVE_COUNTRY_WEIGHT,
                         weighted: bool = True, country_effects: bool = True, alpha: float = 0.05,
                         sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per correlate of ``formula``, the design-based Wald F test that its effect is the same in every sector.

    Stacked model (respondent x sector rows, the respondent as PSU): its coefficients equal the per-sector
    models' and its covariance includes the between-sector covariances. Family ``sector``: one test per term of
    the formula (not the intercept or the country effects), Holm over them. Family ``country_by_sector`` (when
    the formula has country effects): one test that the country differences (fixed effects) are the same in
    every sector, i.e. that national context shifts co-production alike in all sectors. Columns
    :data:`HETEROGENEITY_COLUMNS` (``n``: respondent x sector rows used).
    """
    design = design or study_design(weight, weighted=weighted)
    formula = formula if country_effects else formula_without(formula, COUNTRY_FACTOR)
    frame, weight_column, label = apply_design(data, design)
    stacked, terms, base_terms = _stacked_frame(frame, sectors, formula, design, weight_column)
    model = _fit_design(stacked, terms, weight_column, design, alpha=alpha, intercept=False)
    estimates = np.array([c.est for c in model.fitted.coefs])
    names = model.keys()
    df_den = float(model.fitted.coefs[0].wald.df)

    def equal_across_sectors(model_terms: Sequence[str]) -> np.ndarray:
        """Restrictions: each term's coefficient in every other sector equals the first sector's."""
        restrictions = []
        for term in model_terms:
            first = names.index(f"{sectors[0]}:{term}")
            for sector in sectors[1:]:
                restriction = np.zeros(len(names))
                restriction[first], restriction[names.index(f"{sector}:{term}")] = 1.0, -1.0
                restrictions.append(restriction)
        return np.array(restrictions)

    common = {"n": int(model.fitted.stats.n), "weighting": label}
    correlates = [term for term in base_terms if term != INTERCEPT and not _is_country_term(term)]
    rows = [{"family": "sector", "sector": "all", "term": term, **common,
             **wald_test(estimates, model.fitted.cov_matrix, equal_across_sectors([term]), df_den)}
            for term in correlates]
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_value"])
    countries = [term for term in base_terms if _is_country_term(term)]
    if countries:
        test = wald_test(estimates, model.fitted.cov_matrix, equal_across_sectors(countries), df_den)
        table = pd.concat([table, pd.DataFrame([{"family": "country_by_sector", "sector": "all",
                                                 "term": "country", **common, **test,
                                                 "p_holm": test["p_value"]}])], ignore_index=True)
    return table[list(HETEROGENEITY_COLUMNS)]


def country_heterogeneity(data: pd.DataFrame, *, formula: str = CORRELATES_FORMULA,
                          design: SurveyDesign | None = None, weight: str | None = FIVE_COUNTRY_WEIGHT,
                          weighted: bool = True, terms: Sequence[str] = KEY_TERMS, alpha: float = 0.05,
                          sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector and key correlate, the Wald F test that the correlate's effect is the same in every country.

    One model per sector: the terms of ``formula`` (with the country effects, added when the formula lacks them)
    and every ``terms`` x country interaction (for the ``terms`` the formula has); the test is that a term's
    (number of countries - 1) interactions are all zero. Holm over all sectors and terms. Columns
    :data:`HETEROGENEITY_COLUMNS`.
    """
    design = design or study_design(weight, weighted=weighted)
    frame, weight_column, label = apply_design(data, design)
    rows = []
    for sector in sectors:
        model_frame = correlate_frame(frame, sector, [design.strata, design.psu, weight_column])
        columns, intercept = model_columns(model_frame, formula)
        dummies = [term for term in columns.columns if _is_country_term(term)]
        if not dummies:
            dummies = country_terms(model_frame)
            columns = columns.join(model_frame[dummies])
        keys = [term for term in terms if term in columns.columns]
        interactions = {f"{term}:{country}": columns[term] * columns[country]
                        for term in keys for country in dummies if f"{term}:{country}" not in columns.columns}
        columns = columns.assign(**interactions)
        fitted = columns.join(model_frame[[c for c in dict.fromkeys([INDEX, design.strata, design.psu,
                                                                      weight_column]) if c]])
        model = _fit_design(fitted, list(columns.columns), weight_column, design, alpha=alpha, intercept=intercept)
        estimates = np.array([c.est for c in model.fitted.coefs])
        names = model.keys()
        df_den = float(model.fitted.coefs[0].wald.df)
        for term in keys:
            restrictions = np.zeros((len(dummies), len(names)))
            for row, country in enumerate(dummies):
                restrictions[row, names.index(f"{term}:{country}")] = 1.0
            rows.append({"family": "country", "sector": sector, "term": term,
                         **wald_test(estimates, model.fitted.cov_matrix, restrictions, df_den),
                         "n": int(model.fitted.stats.n), "weighting": label})
    table = pd.DataFrame(rows, columns=[c for c in HETEROGENEITY_COLUMNS if c != "p_holm"])
    table["p_holm"] = holm(table["p_value"].to_numpy(dtype=float))
    return table[list(HETEROGENEITY_COLUMNS)]


EU17_FAMILIES: tuple[str, ...] = ("sector", "country")
"""The tests of EU-17's one multiplicity rule: Holm over every correlate x sector equality test and every
key correlate x country interaction test at once (14 + 18 = 32 tests with the full model)."""


def eu17_holm(heterogeneity: pd.DataFrame) -> pd.Series:
    """Holm-adjusted p-values over the :data:`EU17_FAMILIES` rows together (NaN on the other rows)."""
    family = heterogeneity["family"].isin(EU17_FAMILIES)
    adjusted = pd.Series(np.nan, index=heterogeneity.index)
    adjusted[family] = holm(heterogeneity.loc[family, "p_value"].to_numpy(dtype=float))
    return adjusted


def heterogeneity_tests(data: pd.DataFrame, *, formula: str = CORRELATES_FORMULA, design: SurveyDesign | None = None,
                        weight: str | None = FIVE_COUNTRY_WEIGHT, weighted: bool = True,
                        alpha: float = 0.05, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Do the correlates' effects vary by sector and by country (EU-17)? :func:`sector_heterogeneity` and
    :func:`country_heterogeneity` of the model ``formula`` with ``design`` in one table.

    ``p_holm`` follows EU-17's one multiplicity rule (:data:`EU17_FAMILIES`): Holm over the sector and country
    families together. The ``country_by_sector`` row is not part of the rule (it is shown, not tested);
    its ``p_holm`` is its own p-value.
    """
    design = design or study_design(weight, weighted=weighted)
    table = pd.concat([
        sector_heterogeneity(data, formula=formula, design=design, alpha=alpha, sectors=sectors),
        country_heterogeneity(data, formula=formula, design=design, alpha=alpha, sectors=sectors),
    ], ignore_index=True)
    table["p_holm"] = eu17_holm(table).fillna(table["p_value"])
    return table


# ---------------------------------------------------------------------------------------------------------
# Unweighted comparisons and effect sizes (pingouin)
# ---------------------------------------------------------------------------------------------------------


def unweighted_effect_sizes(data: pd.DataFrame, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector: :func:`women_vs_men_t_tests` and :func:`efficacy_correlations` (both unweighted, pingouin).
    Columns :data:`TEST_COLUMNS`."""
    return combine_tests([women_vs_men_t_tests(data, sectors=sectors), efficacy_correlations(data, sectors=sectors)])


def women_vs_men_t_tests(data: pd.DataFrame, *, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector: pingouin's Welch t-test of the index, women versus men (Cohen's d, CI of the difference);
    unweighted. Columns :data:`TEST_COLUMNS`."""
    rows: list[dict[str, Any]] = []
    sex = _as_float(data["SEX"])
    for sector in sectors:
        index = _as_float(data[index_column(sector)])
        women, men = index[(sex == 2) & ~np.isnan(index)], index[(sex == 1) & ~np.isnan(index)]
        ttest = _pingouin().ttest(women, men).iloc[0]
        rows.append({"analysis": "ttest_women_vs_men", "sector": sector, "comparison": "women - men",
                     "statistic_name": "t", "statistic": ttest["T"], "df1": ttest["dof"], "p_value": ttest["p_val"],
                     "effect_size_name": "Cohen's d", "effect_size": ttest["cohen_d"],
                     "estimate": float(women.mean() - men.mean()), "ci_low": ttest["CI95"][0],
                     "ci_high": ttest["CI95"][1], "n": len(women) + len(men), "weighting": "unweighted"})
    return _test_frame(rows)


def efficacy_correlations(data: pd.DataFrame, *, sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Per sector: Spearman's rho of the index with self-efficacy (ordinal 1-4), pingouin; unweighted.
    Columns :data:`TEST_COLUMNS`."""
    rows: list[dict[str, Any]] = []
    for sector in sectors:
        index = _as_float(data[index_column(sector)])
        efficacy = _as_float(data[sector_column(sector, "EFFICACY")])
        both = ~np.isnan(index) & ~np.isnan(efficacy)
        corr = _pingouin().corr(index[both], efficacy[both], method="spearman").iloc[0]
        rows.append({"analysis": "spearman_index_efficacy", "sector": sector, "comparison": "index ~ efficacy",
                     "statistic_name": "rho", "statistic": corr["r"], "p_value": corr["p_val"],
                     "effect_size_name": "Spearman's rho", "effect_size": corr["r"], "estimate": corr["r"],
                     "ci_low": corr["CI95"][0], "ci_high": corr["CI95"][1], "n": int(corr["n"]),
                     "weighting": "unweighted"})
    return _test_frame(rows)


# ---------------------------------------------------------------------------------------------------------
# Parameter recovery (synthetic data)
# ---------------------------------------------------------------------------------------------------------


def informed_shares(data: pd.DataFrame, weight: str | None = FIVE_COUNTRY_WEIGHT,
                    sectors: Sequence[str] = SECTORS) -> pd.DataFrame:
    """Weighted share informed (among those who answered) per sector and country: sector, country, share.

    A point estimate (no inference) used to state what the country terms of the model estimate when the
    effect of being informed differs by country (see :func:`generating_values`).
    """
    rows = []
    country = data[STRATUM_COLUMN].astype(str)
    weights = np.ones(len(data)) if weight is None else data[weight].to_numpy(dtype=float)
    for sector in sectors:
        informed = _indicator(data[sector_column(sector, "INFORMED")], 1)
        answered = ~np.isnan(informed)
        frame = pd.DataFrame({"country": country.to_numpy()[answered], "w": weights[answered],
                              "wx": weights[answered] * informed[answered]})
        totals = frame.groupby("country", sort=False)[["w", "wx"]].sum()
        rows += [{"sector": sector, "country": name, "share": float(total.wx / total.w)}
                 for name, total in totals.iterrows()]
    return pd.DataFrame(rows)


def generating_values(effects: pd.DataFrame, shares: pd.DataFrame | None = None) -> pd.DataFrame:
    """The generator's values (``GeneratedFile.effects``) as the model's terms: sector, term, generating_value.

    Correlates: the pooled values (``country == 'all'``; the generator's country deviations of the informed
    effect sum to zero with population-share weights, so the pooled slope targets the pooled value).
    With a common informed slope in the model, each country's level absorbs its deviation d_c times its
    share informed p_c (``shares``, from :func:`informed_shares`; none given: p_c = 0), so the model's
    intercept (reference country, every term 0) estimates alpha + shift_ref + d_ref p_ref and a country
    term estimates (shift_c + d_c p_c) - (shift_ref + d_ref p_ref).
    """
    pooled = effects.loc[effects["country"] == "all"]
    by_country = effects.loc[effects["country"] != "all"].pivot_table(
        index=["sector", "country"], columns="term", values="value", aggfunc="first")
    rows = [{"sector": row.sector, "term": row.term, "generating_value": float(row.value)}
            for row in pooled.itertuples(index=False) if row.term != INTERCEPT]
    share = {} if shares is None else {(r.sector, r.country): r.share for r in shares.itertuples(index=False)}
    slope = pooled.set_index(["sector", "term"])["value"]

    def level(sector: str, country: str) -> float:
        """Country shift plus the informed deviation times the share informed."""
        values = by_country.loc[(sector, country)]
        deviation = float(values.get("informed", np.nan)) - float(slope.get((sector, "informed"), np.nan))
        deviation = 0.0 if np.isnan(deviation) else deviation
        return float(values.get("country_shift", 0.0)) + deviation * share.get((sector, country), 0.0)

    for row in pooled.loc[pooled["term"] == INTERCEPT].itertuples(index=False):
        if (row.sector, REFERENCE_COUNTRY) not in by_country.index:
            continue
        reference = level(row.sector, REFERENCE_COUNTRY)
        rows.append({"sector": row.sector, "term": INTERCEPT, "generating_value": float(row.value) + reference})
        rows += [{"sector": row.sector, "term": term, "generating_value": level(row.sector, country) - reference}
                 for term, country in zip(COUNTRY_TERMS, CANONICAL_COUNTRIES[1:], strict=True)
                 if (row.sector, country) in by_country.index]
    return pd.DataFrame(rows)


def parameter_recovery(coefficients: pd.DataFrame, effects: pd.DataFrame,
                       data: pd.DataFrame | None = None, *, weight: str | None = FIVE_COUNTRY_WEIGHT,
                       claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Estimated coefficients against the generating values; columns :data:`RECOVERY_COLUMNS`.

    ``effects`` is ``GeneratedFile.effects``; ``data`` (the analysed respondents) gives the shares informed
    that the intercept and country terms depend on (:func:`generating_values`). ``covered``: the CI holds
    the generating value; ``z`` = (estimate - value) / se; ``published_sign`` is the claimed sign
    (EU-11..EU-15, from the registry ``claims``) of a key correlate, 0 otherwise; ``sign_agrees``: the estimate has the generating
    value's sign (NA where the generating value is 0).
    """
    shares = None if data is None else informed_shares(data, weight)
    table = coefficients.merge(generating_values(effects, shares), on=["sector", "term"], how="inner",
                               validate="1:1")
    table["error"] = table["estimate"] - table["generating_value"]
    table["z"] = table["error"] / table["se"]
    table["covered"] = (table["ci_low"] <= table["generating_value"]) & (table["generating_value"] <= table["ci_high"])
    signs = {term: sign for term, (_, sign) in published_directions(claims).items()}
    table["published_sign"] = table["term"].map(signs).fillna(0).astype("int64")
    truth_sign = np.sign(table["generating_value"].to_numpy())
    agrees = np.sign(table["estimate"].to_numpy()) == truth_sign
    table["sign_agrees"] = pd.array(np.where(truth_sign == 0, None, agrees), dtype="boolean")
    return table[list(RECOVERY_COLUMNS)].reset_index(drop=True)


def recovery_summary(recovery: pd.DataFrame, key_terms: Sequence[str] = KEY_TERMS) -> dict[str, Any]:
    """Counts for a report: coefficients, share covered, key correlates' signs and coverage, largest |z|."""
    key = recovery["term"].isin(list(key_terms))
    return {
        "n_coefficients": len(recovery),
        "share_covered": float(recovery["covered"].mean()),
        "n_key": int(key.sum()),
        "key_signs_right": bool(recovery.loc[key, "sign_agrees"].fillna(True).all()),
        "key_covered": int(recovery.loc[key, "covered"].sum()),
        "max_abs_z": float(recovery["z"].abs().max()),
    }
