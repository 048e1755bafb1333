"""Every EU claim of the registry (EU-01 to EU-17) checked against the reproduction, as one scorecard table.

:func:`eu_scorecard` returns ``helpers.data.checks.scorecard_frame`` rows (columns
:data:`helpers.data.status.SCORECARD_COLUMNS`). Published values, lists, directions, qualifiers and the number
of sectors required are read from the claims registry; a registry claim without a check fails
(``helpers.data.checks.unchecked_claims``). Statuses (:mod:`helpers.data.status`) and rules (assumption
A-EU-ANALYSIS-07 and following):

- values EU-06..EU-08 (pass / fail): the five-country index rounds half up to the published value; the
  interval is shown with its level, not tested;
- EU-02 (pass / fail): the delivered respondents (cleaned respondents plus respondents the cleaning had to
  drop; exact duplicate copies are records, not respondents) equal the published number, and the cleaning
  kept at least :data:`MIN_ANALYSED_SHARE` of them; EU-03 (pass / fail): each of the five countries within
  :data:`ABOUT_TOLERANCE` of "about 1000", no other country;
- directions EU-09 (pass / fail): sector differences significant (rm-ANOVA, Friedman, every pairwise test
  unweighted and weighted, Holm) and country differences significant in every sector (design-based Wald F);
  EU-11..EU-15 (pass / fail): sign (registry ``direction``) and significance at ``alpha`` in the correlates
  models in at least ``sectors_required`` sectors, with the rule of the claim's ``qualifier``
  (:data:`QUALIFIER_RULES`), never significant the other way; EU-17 (pass / fail): after Holm over every
  EU-17 test at once (:data:`helpers.eu.statistics.EU17_FAMILIES`), some correlate's effect differs between
  sectors and some correlate x country interaction is significant;
- holds by construction, verified: EU-01 (the cleaning refuses interview dates outside the window), EU-04 (the
  weights are set to the population shares of the file the cleaning step was given), EU-05 (the codebook's
  sectors are the claim's), EU-10 (each index is built from its sector's co-production activities), EU-16
  (the models hold a term for every listed correlate). A failed verification makes the row fail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.checks import check_value_claim, scorecard_frame, unchecked_claims
from helpers.data.claims import (
    claim_direction,
    claim_list,
    claim_names,
    claim_qualifier,
    claim_sectors_required,
    claim_value_text,
    load_claims,
)
from helpers.data.real_data import Availability
from helpers.data.status import FAIL, HOLDS_BY_CONSTRUCTION, NOT_AVAILABLE, PASS
from helpers.eu.clean import DROPPED, CleaningResult
from helpers.eu.codebook import ACTIVITIES, SECTOR_NAMES, SECTORS
from helpers.eu.estimates import index_by_sector
from helpers.eu.index import coproduction_index, index_column, index_items
from helpers.eu.statistics import (
    CLAIM_OF_TERM,
    CLAIMED_CORRELATES,
    CORRELATE_TERMS,
    EU17_FAMILIES,
    correlates_table,
    country_differences,
    eu17_holm,
    heterogeneity_tests,
    sector_differences,
)
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT, read_population_shares
from helpers.report.labels import TERM_LABELS, lower_first

STUDY: str = "eu2008"
ABOUT_TOLERANCE: float = 0.10
"""'About 1000' per country (EU-03): each country's cleaned count within +-10% of 1000."""
MIN_ANALYSED_SHARE: float = 0.99
"""EU-02: the cleaning may drop at most 1% of the delivered respondents."""
WEIGHT_SHARE_TOLERANCE: float = 1e-6
"""EU-04: largest accepted difference between a country's weight share and its population share."""
VALUE_CLAIMS: dict[str, str] = {"environment": "EU-06", "health": "EU-07", "safety": "EU-08"}


def _status(passed: bool) -> str:
    return PASS if passed else FAIL


def _constructed(verified: bool) -> str:
    """A design fact the code enforces: holds by construction when verified, fail when the code did not do it."""
    return HOLDS_BY_CONSTRUCTION if verified else FAIL


def _sectors_text(sectors: Sequence[str]) -> str:
    return ", ".join(sectors) if len(sectors) else "none"


# ---------------------------------------------------------------------------------------------------------
# Values (EU-06..EU-08)
# ---------------------------------------------------------------------------------------------------------


def value_checks(sector_estimates: pd.DataFrame, claims: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """EU-06..EU-08: the five-country index per sector against its published value (round half up)."""
    checks = {}
    for sector, claim_id in VALUE_CLAIMS.items():
        rows = sector_estimates.loc[sector_estimates["sector"] == sector]
        if rows.empty:
            checks[claim_id] = {"status": FAIL, "detail": f"no estimate for sector {sector}",
                                "basis": "test: the five-country index rounds half up to the published value"}
            continue
        row = rows.iloc[0]
        level = float(row["confidence_level"]) if "confidence_level" in row.index else math.nan
        check = check_value_claim(row["estimate"], row["ci_low"], row["ci_high"], claim_value_text(claims, claim_id),
                                  level=level)
        check["detail"] += f"; weight: {row['weighting']}; n = {int(row['n'])}"
        checks[claim_id] = check
    return checks


# ---------------------------------------------------------------------------------------------------------
# Design facts (EU-01..EU-05, EU-16)
# ---------------------------------------------------------------------------------------------------------


def fieldwork_check(data: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-01: every interview date within the published fieldwork window."""
    start, end = (pd.Timestamp(part) for part in claim_value_text(claims, "EU-01").split("/"))
    dates = pd.to_datetime(data["INTDATE"], errors="coerce")
    inside = dates.between(start, end)
    first, last = dates.min(), dates.max()
    reproduced = f"{first:%Y-%m-%d}/{last:%Y-%m-%d}" if dates.notna().any() else "no dates"
    return {"status": _constructed(bool(inside.all()) and len(data) > 0), "reproduced": reproduced,
            "basis": "helpers.eu.clean refuses a file with an interview date outside this window (read from this "
                     "claim by helpers.eu.codebook.fieldwork_window), so the data cannot show otherwise; verified: "
                     "every interview date inside it",
            "detail": f"{int(inside.sum())} of {len(data)} interviews dated {start:%Y-%m-%d} to {end:%Y-%m-%d}; "
                      f"first {reproduced.split('/')[0]}, last {reproduced.split('/')[-1]}"}


def delivered_respondents(data: pd.DataFrame, cleaning: CleaningResult) -> dict[str, int]:
    """Respondents analysed, dropped by the cleaning (distinct ids) and delivered (their sum); duplicate copies."""
    log = cleaning.log
    dropped = log.loc[(log["new_value"] == DROPPED) & (log["reason"] != "exact_duplicate_dropped")]
    ids = dropped["RESPID"].astype("string").replace("", pd.NA)  # a log read back from CSV holds text
    n_dropped = int(ids.dropna().nunique() + ids.isna().sum())
    return {"analysed": len(data), "dropped": n_dropped, "delivered": len(data) + n_dropped,
            "duplicate_copies": int(cleaning.counts.get("exact_duplicate_dropped", 0))}


def sample_size_check(data: pd.DataFrame, cleaning: CleaningResult | None, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-02: the delivered respondents equal the published number; the cleaning kept nearly all of them."""
    published = int(float(claim_value_text(claims, "EU-02")))
    basis = (f"test: the delivered respondents (analysed plus dropped by the cleaning) equal the published number, "
             f"and at least {100 * MIN_ANALYSED_SHARE:.0f}% of them are analysed")
    if cleaning is None:
        return {"status": FAIL, "published": published, "reproduced": len(data), "basis": basis,
                "detail": "no cleaning result given: the respondents the cleaning dropped cannot be counted"}
    counts = delivered_respondents(data, cleaning)
    kept_share = counts["analysed"] / published
    reasons = ", ".join(f"{reason} {count}" for reason, count in cleaning.counts.items()
                        if count and reason.endswith("_dropped") and reason != "exact_duplicate_dropped")
    passed = counts["delivered"] == published and kept_share >= MIN_ANALYSED_SHARE
    return {
        "status": _status(passed), "published": published, "reproduced": counts["delivered"], "basis": basis,
        "detail": (f"the published n is the delivered sample: {counts['delivered']} distinct respondents delivered "
                   f"({counts['duplicate_copies']} exact duplicate copies of records removed, not counted); "
                   f"{counts['dropped']} respondents dropped by the cleaning ({reasons or 'none'}); "
                   f"{counts['analysed']} analysed = {100 * kept_share:.1f}% of the published n "
                   f"(at least {100 * MIN_ANALYSED_SHARE:.0f}% required)"),
    }


def per_country_check(data: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-03: about 1000 interviews in each of the five countries the claim names (each within ABOUT_TOLERANCE),
    and no other country."""
    text = claim_value_text(claims, "EU-03")
    target = float(re.sub(r"[^\d.]", "", text))
    countries = claim_names(claims, "EU-03")
    counts = data["COUNTRY"].astype(str).value_counts().reindex(countries, fill_value=0)
    extra = sorted(set(data["COUNTRY"].astype(str)) - set(countries))
    within = ((counts - target).abs() <= ABOUT_TOLERANCE * target)
    return {"status": _status(bool(within.all()) and not extra),
            "published": f"{text} in each of {', '.join(countries)}",
            "reproduced": "; ".join(f"{country} {count}" for country, count in counts.items()),
            "basis": f"test: each named country has {target:g} cleaned respondents within "
                     f"{100 * ABOUT_TOLERANCE:g}% ('{text}'), and no other country is in the data",
            "detail": f"cleaned respondents per country; each must be within {100 * ABOUT_TOLERANCE:.0f}% of "
                      f"{target:g} ('{text}')" + (f"; unexpected countries {extra}" if extra else "")
                      + ("" if within.all() else f"; outside: {', '.join(counts.index[~within])}")}


def weighting_check(data: pd.DataFrame, sector_estimates: pd.DataFrame, coefficients: pd.DataFrame | None,
                    weight: str = FIVE_COUNTRY_WEIGHT, population_shares: pd.Series | None = None,
                    source: str = "") -> dict[str, Any]:
    """EU-04, holds by construction: helpers.eu.weights sets each country's cross-country weights to its population
    share. Verified: the weights in the data give each country the share of ``population_shares`` (the shares
    the cleaning step used, from its provenance; default the project's populations file), and the
    five-country results (and models, unless ``coefficients`` is None) used that weight."""
    if population_shares is None:
        population_shares, source = read_population_shares(), source or "data/raw/eu2008_populations.csv (default)"
    basis = ("helpers.eu.weights.add_weights rescales each country's weights to its share of the population file "
             "the cleaning step was given, so the data cannot show otherwise; verified: the weight shares equal "
             "those population shares and the five-country estimates used the cross-country weight")
    if weight not in data.columns:
        return {"status": FAIL, "basis": basis, "detail": f"no weight column {weight!r} in the data"}
    shares = population_shares.astype(float)
    weight_shares = data.groupby(data["COUNTRY"].astype(str))[weight].sum() / data[weight].sum()
    difference = (weight_shares.reindex(shares.index) - shares).abs()
    used = sorted(set(sector_estimates["weighting"]) | set([] if coefficients is None else coefficients["weighting"]))
    verified = bool(difference.max() <= WEIGHT_SHARE_TOLERANCE) and used == [weight]
    return {"status": _constructed(verified),
            "reproduced": "; ".join(f"{country} {weight_shares.get(country, math.nan):.4f}"
                                    for country in shares.index),
            "basis": basis,
            "detail": f"weight shares vs population shares ({source or 'shares given'}): largest difference "
                      f"{difference.max():.2e}; five-country estimates and models weighted by {', '.join(used)} "
                      f"(required: {weight})"}


def sector_names_from_claim(claims: pd.DataFrame) -> dict[str, str | None]:
    """EU-05's sector names mapped to the codebook's sectors (None when a name matches none)."""
    by_name = {name.removeprefix("the ").casefold(): sector for sector, name in SECTOR_NAMES.items()}
    return {name: by_name.get(name.casefold()) for name in claim_list(claims, "EU-05")}


def sectors_check(data: pd.DataFrame, sector_estimates: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-05: the three published sectors each have an index in the data and an estimate."""
    mapping = sector_names_from_claim(claims)
    present = {name: sector is not None and index_column(sector) in data.columns
               and bool(data[index_column(sector)].notna().any()) and sector in set(sector_estimates["sector"])
               for name, sector in mapping.items()}
    return {"status": _constructed(all(present.values()) and len(present) == len(SECTORS)),
            "reproduced": "; ".join(name for name, ok in present.items() if ok),
            "basis": "the codebook's sectors (helpers.eu.codebook.SECTORS, named in SECTOR_NAMES as this claim names "
                     "them) are the survey's design, so the data cannot show otherwise; verified: each has an "
                     "index in the data and an estimate",
            "detail": "; ".join(f"{name} -> {mapping[name] or 'no codebook sector'}: "
                                f"{'index and estimate present' if ok else 'missing'}" for name, ok in present.items())}


def _terms_text(terms: Sequence[str]) -> str:
    """Model terms in words, as the reports label them ('age_decades' -> 'age (per decade)')."""
    return ", ".join(lower_first(TERM_LABELS.get(term, term)) for term in terms)


def correlates_present_check(coefficients: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-16: every correlate the claim lists is represented by terms with estimates in every sector's model.
    ``reproduced`` names each correlate's terms, or says in which sectors' models they are missing (a model
    whose formula dropped the correlate: "not in the models")."""
    names = claim_list(claims, "EU-16")
    problems, found = [], []
    for name in names:
        terms = CLAIMED_CORRELATES.get(name)
        if terms is None:
            problems.append(f"'{name}' has no model terms")
            continue
        missing_in = []
        for sector in SECTORS:
            rows = coefficients.loc[(coefficients["sector"] == sector) & coefficients["term"].isin(terms)]
            if len(rows) != len(terms) or not np.isfinite(rows[["estimate", "se"]].to_numpy(dtype=float)).all():
                problems.append(f"'{name}' [{_terms_text(terms)}] missing or not estimable in {sector}")
                missing_in.append(sector)
        if not missing_in:
            found.append(f"{name}: {_terms_text(terms)}")
        elif len(missing_in) == len(SECTORS):
            found.append(f"{name}: not in the models")
        else:
            found.append(f"{name}: {_terms_text(terms)}, but missing in {_sectors_text(missing_in)}")
    return {"status": _constructed(not problems and bool(names)), "reproduced": "; ".join(found),
            "basis": "the models hold a term for each correlate this claim lists (helpers.eu.statistics."
                     "CLAIMED_CORRELATES, keyed by the registry's names), so the data cannot show otherwise; "
                     "verified: every term estimated in every sector",
            "detail": "every listed correlate in every sector's model" if not problems else "; ".join(problems)}


# ---------------------------------------------------------------------------------------------------------
# Definition (EU-10)
# ---------------------------------------------------------------------------------------------------------


def definition_check(data: pd.DataFrame, items: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """EU-10: each sector's index uses only that sector's co-production activities, and the data hold it."""
    problems, used = [], []
    for sector in SECTORS:
        sector_items = list(items.get(sector, index_items(sector)))
        activities = {activity.column for activity in ACTIVITIES if activity.sector == sector}
        not_activities = [item for item in sector_items if item not in activities]
        if not sector_items or not_activities:
            problems.append(f"{sector}: {not_activities or 'no items'} are not co-production activities of the sector")
            continue
        column = index_column(sector)
        if column not in data.columns:
            problems.append(f"{sector}: no index column")
            continue
        expected = coproduction_index(data, sector, sector_items).to_numpy(dtype=float)
        if not np.allclose(data[column].to_numpy(dtype=float), expected, equal_nan=True):
            problems.append(f"{sector}: the index in the data is not the index of {sector_items}")
        used.append(f"{sector}: {', '.join(sector_items)}")
    return {"status": _constructed(not problems), "reproduced": "; ".join(used),
            "basis": "each index is built only from its sector's co-production activities (helpers.eu.index with "
                     "helpers.eu.codebook.ACTIVITIES), so the data cannot show otherwise; verified: the items are "
                     "activities and the index in the data is recomputed from them",
            "detail": ("each index is the mean frequency of the sector's own co-production activities "
                       "(helpers.eu.codebook.ACTIVITIES), recomputed and matched") if not problems
            else "; ".join(problems)}


# ---------------------------------------------------------------------------------------------------------
# Directions (EU-09, EU-11..EU-15, EU-17)
# ---------------------------------------------------------------------------------------------------------


def sector_country_differences_check(sector_tests: pd.DataFrame, country_tests: pd.DataFrame,
                                     alpha: float) -> dict[str, Any]:
    """EU-09: the sector differences (omnibus and every pair) and the country differences are significant."""
    omnibus = sector_tests.loc[sector_tests["analysis"].isin(["rm_anova", "friedman"])]
    pairs = sector_tests.loc[sector_tests["analysis"].isin(["paired_t", "weighted_paired_difference"])]
    design = country_tests.loc[country_tests["analysis"] == "design_wald_f"]
    sector_ok = bool(len(omnibus) and (omnibus["p_value"] < alpha).all() and len(pairs)
                     and (pairs["p_adjusted"] < alpha).all())
    country_ok = bool(len(design) == len(SECTORS) and (design["p_value"] < alpha).all())
    weighted = pairs.loc[pairs["analysis"] == "weighted_paired_difference"]
    detail = (
        "sectors (within respondents): "
        + "; ".join(f"{row.analysis} p = {row.p_value:.2g}" for row in omnibus.itertuples())
        + "; " + "; ".join(f"{row.comparison} {row.estimate:+.1f} [{row.ci_low:.1f}, {row.ci_high:.1f}] "
                           f"p(Holm) = {row.p_adjusted:.2g}" for row in weighted.itertuples())
        + f"; max unweighted paired-t p(Holm) = {pairs.loc[pairs['analysis'] == 'paired_t', 'p_adjusted'].max():.2g}"
        + ". Countries (design-based Wald F): "
        + "; ".join(f"{row.sector} F({row.df1:.0f}, {row.df2:.0f}) = {row.statistic:.1f}, p = {row.p_value:.2g}"
                    for row in design.itertuples())
    )
    return {"status": _status(sector_ok and country_ok),
            "reproduced": f"sectors {'significant' if sector_ok else 'not all significant'}; "
                          f"countries {'significant' if country_ok else 'not all significant'}",
            "basis": f"test at alpha = {alpha:g}: the sector omnibus tests (rm-ANOVA, Friedman) and every pairwise "
                     "sector difference (paired t and weighted, Holm over the pairs) significant, and the country "
                     "differences significant in every sector (design-based Wald F)",
            "detail": detail}


QUALIFIER_RULES: dict[str, dict[str, bool]] = {
    "generally": {"all_signs": False, "largest": False},
    "some evidence": {"all_signs": False, "largest": False},
    "somewhat": {"all_signs": True, "largest": False},
    "especially important in every sector": {"all_signs": True, "largest": True},
}
"""How a registry ``qualifier`` is tested, besides "significant with the sign in at least ``sectors_required``
sectors, never significant against it": ``all_signs``, every sector's estimate has the sign (a consistent if
modest effect: "somewhat"); ``largest``, the term has the largest |t| of the correlates in every sector
("especially important")."""


def direction_claims() -> dict[str, tuple[str, ...]]:
    """Each direction claim about correlates (EU-11..EU-15) and its model terms (:data:`CLAIM_OF_TERM`)."""
    claims: dict[str, tuple[str, ...]] = {}
    for term, claim_id in CLAIM_OF_TERM.items():
        claims[claim_id] = (*claims.get(claim_id, ()), term)
    return claims


def direction_rule(claims: pd.DataFrame, claim_id: str) -> dict[str, Any]:
    """The test of a direction claim, read from the registry: terms, sign, qualifier, sectors required, and the
    qualifier's rule (:data:`QUALIFIER_RULES`; ValueError for a qualifier without one)."""
    qualifier = claim_qualifier(claims, claim_id)
    if qualifier not in QUALIFIER_RULES:
        raise ValueError(f"claim {claim_id}: qualifier {qualifier!r} has no test rule; known: "
                         f"{', '.join(QUALIFIER_RULES)}")
    return {"terms": direction_claims()[claim_id], "sign": claim_direction(claims, claim_id),
            "min_sectors": claim_sectors_required(claims, claim_id), "qualifier": qualifier,
            **QUALIFIER_RULES[qualifier]}


def direction_check(coefficients: pd.DataFrame, rule: Mapping[str, Any], alpha: float) -> dict[str, Any]:
    """A correlate claim: significant with the claimed sign in enough sectors, never significant against it (and
    the qualifier's extra conditions, :data:`QUALIFIER_RULES`)."""
    correlates = coefficients.loc[coefficients["term"].isin(CORRELATE_TERMS)]
    rows = correlates.loc[correlates["term"].isin(rule["terms"])]
    sign = rule["sign"]
    right = rows.loc[(np.sign(rows["estimate"]) == sign) & (rows["p_value"] < alpha)]
    wrong = rows.loc[(np.sign(rows["estimate"]) == -sign) & (rows["p_value"] < alpha)]
    sectors_right = [s for s in SECTORS if s in set(right["sector"])]
    passed = len(sectors_right) >= rule["min_sectors"] and wrong.empty and not rows.empty
    if rule["all_signs"]:
        passed &= bool((np.sign(rows["estimate"]) == sign).all())
    notes = []
    if rule["largest"]:
        strongest = correlates.loc[correlates.groupby("sector")["statistic"].apply(lambda t: t.abs().idxmax())]
        largest_in = [row.sector for row in strongest.itertuples() if row.term in rule["terms"]]
        passed &= len(largest_in) == len(SECTORS)
        notes.append(f"largest |t| among the correlates in: {_sectors_text(largest_in)}")
    estimates = "; ".join(f"{row.sector} {row.term} {row.estimate:+.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] "
                          f"p = {row.p_value:.2g}" for row in rows.itertuples())
    sign_text = "+" if sign > 0 else "-"
    basis = (f"test at alpha = {alpha:g}: {', '.join(rule['terms'])} significant with sign {sign_text} in at least "
             f"{rule['min_sectors']} of {len(SECTORS)} sectors and never significant against it"
             + ("; every sector's estimate with the sign" if rule["all_signs"] else "")
             + ("; the largest |t| of the correlates in every sector" if rule["largest"] else "")
             + f" (registry: direction {sign_text}, qualifier '{rule['qualifier']}', "
               f"sectors_required {rule['min_sectors']})")
    detail = (f"significant at {alpha:g} with the claimed sign in {_sectors_text(sectors_right)}; significant "
              f"against it in {_sectors_text(sorted(set(wrong['sector'])))}; " + "; ".join(notes)
              + ("; " if notes else "") + estimates)
    return {"status": _status(passed), "published": f"{sign_text}, {rule['qualifier']}",
            "reproduced": f"significant with the claimed sign in {len(sectors_right)} sector(s): "
                          f"{_sectors_text(sectors_right)}", "basis": basis, "detail": detail}


def heterogeneity_check(heterogeneity: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """EU-17: after Holm over every EU-17 test at once (:data:`helpers.eu.statistics.EU17_FAMILIES`), some
    correlate's effect differs between sectors and some correlate x country interaction is significant."""
    table = heterogeneity.assign(p_rule=eu17_holm(heterogeneity))
    sector = table.loc[table["family"] == "sector"]
    country = table.loc[table["family"] == "country"]
    levels = table.loc[table["family"] == "country_by_sector"]
    n_tests = int(table["family"].isin(EU17_FAMILIES).sum())
    sector_terms = list(sector.loc[sector["p_rule"] < alpha, "term"])
    country_terms = [f"{row.term} in {row.sector}" for row in country.loc[country["p_rule"] < alpha].itertuples()]
    best = country.nsmallest(1, "p_value")
    detail = (
        f"effects differing between sectors (Wald F): {', '.join(sector_terms) or 'none'}; correlate x country "
        f"interactions (Wald F per sector and key correlate): {', '.join(country_terms) or 'none'}"
        + (f" (smallest interaction p = {best['p_value'].iloc[0]:.2g}, p (Holm) = {best['p_rule'].iloc[0]:.2g}: "
           f"{best['term'].iloc[0]} in {best['sector'].iloc[0]})" if len(best) else "")
        + "; shown, not tested: country differences differ between sectors "
        + ("; ".join(f"F({row.df1:.0f}, {row.df2:.0f}) = {row.statistic:.1f}, p = {row.p_value:.2g}"
                     for row in levels.itertuples()) or "not computed")
    )
    return {"status": _status(bool(sector_terms) and bool(country_terms)),
            "reproduced": f"{len(sector_terms)} correlate(s) differ between sectors; "
                          f"{len(country_terms)} correlate x country interaction(s) significant",
            "basis": f"test: Holm over all {n_tests} EU-17 tests at once (every correlate's equality across sectors "
                     "and every key correlate x country interaction per sector) at alpha = "
                     f"{alpha:g}; at least one sector difference and one country interaction significant",
            "detail": detail}


# ---------------------------------------------------------------------------------------------------------
# The scorecard
# ---------------------------------------------------------------------------------------------------------


def eu_scorecard(data: pd.DataFrame, cleaning: CleaningResult | None, claims: pd.DataFrame | None = None, *,
                 sector_estimates: pd.DataFrame | None = None, coefficients: pd.DataFrame | None = None,
                 sector_tests: pd.DataFrame | None = None, country_tests: pd.DataFrame | None = None,
                 heterogeneity: pd.DataFrame | None = None, index_items_used: Mapping[str, Sequence[str]] | None = None,
                 alpha: float = 0.05, availability: Availability | None = None,
                 population_shares: pd.Series | None = None, population_source: str = "",
                 built_in: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Scorecard rows for every EU claim (:data:`helpers.data.status.SCORECARD_COLUMNS`), in registry order.

    ``data``: cleaned respondents with weights (``add_weights``) and indices (``add_indices``); ``cleaning``:
    the ``CleaningResult`` they came from (EU-02). Tables not given are computed from ``data`` with the
    defaults of :mod:`helpers.eu.estimates` and :mod:`helpers.eu.statistics`; pass them to score a variant
    (e.g. unweighted estimates). ``index_items_used``: the item set per sector the index was built from
    (default ``helpers.eu.index.index_items``). ``availability`` (``helpers.data.real_data.read_availability``):
    what the respondent file lacks; the claims it makes impossible to check get status ``not available`` with
    the reason, the models are then neither read nor computed, and the claims checked on part of the
    variables (an index without one of its items) carry the note in their detail. ``population_shares``: the
    shares the cleaning step weighted with (its provenance; ``population_source`` names the file), for EU-04.
    ``built_in`` (synthetic data only, :func:`helpers.eu.synthetic.built_in_claims`): the claims whose result
    the generator builds in.
    """
    claims = load_claims() if claims is None else claims
    eu_claims = claims.loc[claims["study"] == STUDY].reset_index(drop=True)
    not_checkable = set(availability.skipped["claims"]) if availability is not None else set()
    notes = availability.claim_notes() if availability is not None else {}
    models_computed = not set(direction_claims()) & not_checkable
    sector_estimates = index_by_sector(data, claims=claims) if sector_estimates is None else sector_estimates
    if models_computed:
        coefficients = correlates_table(data) if coefficients is None else coefficients
        heterogeneity = heterogeneity_tests(data) if heterogeneity is None else heterogeneity
    sector_tests = sector_differences(data) if sector_tests is None else sector_tests
    country_tests = country_differences(data) if country_tests is None else country_tests
    items = dict(index_items_used or {})
    checks: dict[str, dict[str, Any]] = {
        **value_checks(sector_estimates, eu_claims),
        "EU-01": fieldwork_check(data, eu_claims),
        "EU-02": sample_size_check(data, cleaning, eu_claims),
        "EU-03": per_country_check(data, eu_claims),
        "EU-04": weighting_check(data, sector_estimates, coefficients if models_computed else None,
                                 population_shares=population_shares, source=population_source),
        "EU-05": sectors_check(data, sector_estimates, eu_claims),
        "EU-09": sector_country_differences_check(sector_tests, country_tests, alpha),
        "EU-10": definition_check(data, items),
    }
    if models_computed:
        checks.update({claim_id: direction_check(coefficients, direction_rule(eu_claims, claim_id), alpha)
                       for claim_id in direction_claims() if claim_id in set(eu_claims["claim_id"])})
        checks["EU-16"] = correlates_present_check(coefficients, eu_claims)
        checks["EU-17"] = heterogeneity_check(heterogeneity, alpha)
    for claim_id in not_checkable:
        reason = notes.get(claim_id, "the respondent file lacks the variables this claim needs")
        checks[claim_id] = {"status": NOT_AVAILABLE, "reproduced": "not available in this file",
                            "basis": reason, "detail": reason}
    for claim_id, note in notes.items():
        if claim_id in checks and claim_id not in not_checkable:
            checks[claim_id] = {**checks[claim_id], "detail": f"{checks[claim_id].get('detail', '')} {note}".strip()}
    checks = {claim_id: check for claim_id, check in checks.items() if claim_id in set(eu_claims["claim_id"])}
    checks.update(unchecked_claims(eu_claims, checks))
    return scorecard_frame(eu_claims, checks, built_in)
