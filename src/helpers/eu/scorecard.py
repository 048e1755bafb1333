"""Every EU claim of the registry (EU-01 to EU-17) checked against the reproduction, as one scorecard table.

:func:`eu_scorecard` returns ``helpers.data.claims.scorecard_frame`` rows (``claim_id, study, kind, subject, source,
location, published, reproduced, ci_low, ci_high, status, detail``). Published values and lists are read from
the claims registry; a registry claim without a check fails (``helpers.oecd.scorecard.unchecked_claims``).
The rules (assumption A-EU-ANALYSIS-07 and following):

- values EU-06..EU-08: the five-country index rounds half up to the published value (interval shown);
- design EU-01: every interview date inside the fieldwork window; EU-02: the delivered respondents (cleaned
  respondents plus respondents the cleaning had to drop; exact duplicate copies are records, not
  respondents) equal the published number, and the cleaning kept at least :data:`MIN_ANALYSED_SHARE` of
  them; EU-03: each of the five countries within :data:`ABOUT_TOLERANCE` of "about 1000"; EU-04: the
  cross-country weights give each country its population share and the five-country estimates used them;
  EU-05: the three sectors have an index; EU-16: every listed correlate is in every sector's model;
- definition EU-10: each index is built only from its sector's co-production activities (citizens' own
  behaviour), and the index in the data is that index;
- directions EU-09: sector differences significant (rm-ANOVA, Friedman, every pairwise test unweighted
  and weighted, Holm) and country differences significant in every sector (design-based Wald F);
  EU-11..EU-15: sign and significance at ``alpha`` in the correlates models, with the claim's qualifier
  ("generally": a majority of sectors; "in every sector"; "somewhat": negative everywhere, significant
  somewhere; "some evidence": significant somewhere), never significant the other way; EU-17: some
  correlate's effect differs significantly between sectors (Holm) and national context matters in a
  sector-specific way (a correlate x country interaction significant after Holm, or country differences
  that differ significantly between sectors).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.claims import FAIL, NOT_AVAILABLE, PASS, check_value_claim, claim_list, claim_value_text, load_claims, scorecard_frame
from helpers.eu.clean import DROPPED, CleaningResult
from helpers.eu.codebook import ACTIVITIES, CANONICAL_COUNTRIES, SECTOR_NAMES, SECTORS
from helpers.eu.estimates import index_by_sector
from helpers.eu.index import coproduction_index, index_column, index_items
from helpers.eu.statistics import (
    CLAIMED_CORRELATES,
    CORRELATE_TERMS,
    correlates_table,
    country_differences,
    heterogeneity_tests,
    sector_differences,
)
from helpers.eu.weights import FIVE_COUNTRY_WEIGHT, read_population_shares
from helpers.oecd.scorecard import unchecked_claims
from helpers.data.real_data import Availability

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
            checks[claim_id] = {"status": FAIL, "detail": f"no estimate for sector {sector}"}
            continue
        row = rows.iloc[0]
        check = check_value_claim(row["estimate"], row["ci_low"], row["ci_high"], claim_value_text(claims, claim_id))
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
    return {"status": _status(bool(inside.all()) and len(data) > 0), "reproduced": reproduced,
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
    if cleaning is None:
        return {"status": FAIL, "published": published, "reproduced": len(data),
                "detail": "no cleaning result given: the respondents the cleaning dropped cannot be counted"}
    counts = delivered_respondents(data, cleaning)
    kept_share = counts["analysed"] / published
    reasons = ", ".join(f"{reason} {count}" for reason, count in cleaning.counts.items()
                        if count and reason.endswith("_dropped") and reason != "exact_duplicate_dropped")
    passed = counts["delivered"] == published and kept_share >= MIN_ANALYSED_SHARE
    return {
        "status": _status(passed), "published": published, "reproduced": counts["delivered"],
        "detail": (f"the published n is the delivered sample: {counts['delivered']} distinct respondents delivered "
                   f"({counts['duplicate_copies']} exact duplicate copies of records removed, not counted); "
                   f"{counts['dropped']} respondents dropped by the cleaning ({reasons or 'none'}); "
                   f"{counts['analysed']} analysed = {100 * kept_share:.1f}% of the published n "
                   f"(at least {100 * MIN_ANALYSED_SHARE:.0f}% required)"),
    }


def per_country_check(data: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-03: about 1000 interviews in each of the five countries (each within ABOUT_TOLERANCE)."""
    text = claim_value_text(claims, "EU-03")
    target = float(re.sub(r"[^\d.]", "", text))
    counts = data["COUNTRY"].astype(str).value_counts().reindex(list(CANONICAL_COUNTRIES), fill_value=0)
    extra = sorted(set(data["COUNTRY"].astype(str)) - set(CANONICAL_COUNTRIES))
    within = ((counts - target).abs() <= ABOUT_TOLERANCE * target)
    return {"status": _status(bool(within.all()) and not extra),
            "reproduced": "; ".join(f"{country} {count}" for country, count in counts.items()),
            "detail": f"cleaned respondents per country; each must be within {100 * ABOUT_TOLERANCE:.0f}% of "
                      f"{target:g} ('{text}')" + (f"; unexpected countries {extra}" if extra else "")
                      + ("" if within.all() else f"; outside: {', '.join(counts.index[~within])}")}


def weighting_check(data: pd.DataFrame, sector_estimates: pd.DataFrame, coefficients: pd.DataFrame | None,
                    weight: str = FIVE_COUNTRY_WEIGHT) -> dict[str, Any]:
    """EU-04: the cross-country weights reproduce the population shares and the five-country results use them
    (the models too, unless they were not computed: ``coefficients`` None)."""
    if weight not in data.columns:
        return {"status": FAIL, "detail": f"no weight column {weight!r} in the data"}
    shares = read_population_shares()
    weight_shares = data.groupby(data["COUNTRY"].astype(str))[weight].sum() / data[weight].sum()
    difference = (weight_shares.reindex(shares.index) - shares).abs()
    used = sorted(set(sector_estimates["weighting"]) | set([] if coefficients is None else coefficients["weighting"]))
    passed = bool(difference.max() <= WEIGHT_SHARE_TOLERANCE) and used == [weight]
    return {"status": _status(passed),
            "published": "each country weighted by its representation in the EU",
            "reproduced": "; ".join(f"{country} {weight_shares.get(country, math.nan):.4f}"
                                    for country in shares.index),
            "detail": f"weight shares vs population shares (data/raw/eu2008_populations.csv): largest difference "
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
    return {"status": _status(all(present.values()) and len(present) == len(SECTORS)),
            "reproduced": "; ".join(name for name, ok in present.items() if ok),
            "detail": "; ".join(f"{name} -> {mapping[name] or 'no codebook sector'}: "
                                f"{'index and estimate present' if ok else 'missing'}" for name, ok in present.items())}


def correlates_present_check(coefficients: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """EU-16: every correlate the claim lists is represented by terms with estimates in every sector's model."""
    names = claim_list(claims, "EU-16")
    problems, found = [], []
    for name in names:
        terms = CLAIMED_CORRELATES.get(name)
        if terms is None:
            problems.append(f"'{name}' has no model terms")
            continue
        for sector in SECTORS:
            rows = coefficients.loc[(coefficients["sector"] == sector) & coefficients["term"].isin(terms)]
            if len(rows) != len(terms) or not np.isfinite(rows[["estimate", "se"]].to_numpy(dtype=float)).all():
                problems.append(f"'{name}' ({', '.join(terms)}) missing or not estimable in {sector}")
        found.append(f"{name}: {', '.join(terms)}")
    return {"status": _status(not problems and bool(names)), "reproduced": "; ".join(found),
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
    return {"status": _status(not problems), "published": "involvement of citizens in the delivery of services "
            "(outcomes depend partly on their own behaviour)", "reproduced": "; ".join(used),
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
            "detail": detail}


DIRECTION_RULES: dict[str, dict[str, Any]] = {
    "EU-11": {"terms": ("female",), "sign": 1, "min_sectors": 2, "all_signs": False, "qualifier": "generally"},
    "EU-12": {"terms": ("age_decades",), "sign": 1, "min_sectors": 2, "all_signs": False, "qualifier": "generally"},
    "EU-13": {"terms": ("efficacy",), "sign": 1, "min_sectors": 3, "all_signs": True, "largest": True,
              "qualifier": "in every sector, the strongest correlate"},
    "EU-14": {"terms": ("outcome",), "sign": -1, "min_sectors": 1, "all_signs": True, "qualifier": "somewhat"},
    "EU-15": {"terms": ("informed", "consulted"), "sign": 1, "min_sectors": 1, "all_signs": False,
              "qualifier": "some evidence"},
}
"""Per claim: terms, claimed sign, sectors in which some term must be significant with that sign, whether every
estimate must have the sign, and (EU-13) whether the term must have the largest |t| of the correlates."""


def direction_check(coefficients: pd.DataFrame, rule: Mapping[str, Any], alpha: float) -> dict[str, Any]:
    """A correlate claim: significant with the claimed sign in enough sectors, never significant against it."""
    correlates = coefficients.loc[coefficients["term"].isin(CORRELATE_TERMS)]
    rows = correlates.loc[correlates["term"].isin(rule["terms"])]
    sign = rule["sign"]
    right = rows.loc[(np.sign(rows["estimate"]) == sign) & (rows["p_value"] < alpha)]
    wrong = rows.loc[(np.sign(rows["estimate"]) == -sign) & (rows["p_value"] < alpha)]
    sectors_right = [s for s in SECTORS if s in set(right["sector"])]
    passed = len(sectors_right) >= rule["min_sectors"] and wrong.empty
    if rule["all_signs"]:
        passed &= bool((np.sign(rows["estimate"]) == sign).all())
    notes = []
    if rule.get("largest"):
        strongest = correlates.loc[correlates.groupby("sector")["statistic"].apply(lambda t: t.abs().idxmax())]
        largest_in = [row.sector for row in strongest.itertuples() if row.term in rule["terms"]]
        passed &= len(largest_in) == len(SECTORS)
        notes.append(f"largest |t| among the correlates in: {_sectors_text(largest_in)}")
    estimates = "; ".join(f"{row.sector} {row.term} {row.estimate:+.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] "
                          f"p = {row.p_value:.2g}" for row in rows.itertuples())
    detail = (f"claimed sign {'+' if sign > 0 else '-'} ({rule['qualifier']}): significant at {alpha:g} with it in "
              f"{_sectors_text(sectors_right)} (at least {rule['min_sectors']} of {len(SECTORS)} required)"
              f"{'; every estimate must have the sign' if rule['all_signs'] else ''}; significant against it in "
              f"{_sectors_text(sorted(set(wrong['sector'])))}; " + "; ".join(notes) + ("; " if notes else "")
              + estimates)
    return {"status": _status(passed), "reproduced": f"significant with the claimed sign in {len(sectors_right)} "
            f"sector(s): {_sectors_text(sectors_right)}", "detail": detail}


def heterogeneity_check(heterogeneity: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """EU-17: a correlate's effect differs between sectors (Holm) and national context matters sector-specifically."""
    by_family = {family: group for family, group in heterogeneity.groupby("family", sort=False)}
    empty = heterogeneity.iloc[0:0]
    sector = by_family.get("sector", empty)
    country = by_family.get("country", empty)
    country_by_sector = by_family.get("country_by_sector", empty)
    sector_terms = list(sector.loc[sector["p_holm"] < alpha, "term"])
    country_terms = [f"{row.term} in {row.sector}" for row in country.loc[country["p_holm"] < alpha].itertuples()]
    levels_differ = bool(len(country_by_sector) and (country_by_sector["p_value"] < alpha).all())
    national = bool(country_terms) or levels_differ
    best_country = country.nsmallest(1, "p_value")
    detail = (
        f"by sector: effects differing significantly between sectors (Wald F, Holm over {len(sector)} correlates): "
        f"{', '.join(sector_terms) or 'none'}. Across countries: correlate x country interactions significant after "
        f"Holm over {len(country)} tests: {', '.join(country_terms) or 'none'}"
        + (f" (smallest p {best_country['p_value'].iloc[0]:.2g}, Holm {best_country['p_holm'].iloc[0]:.2g}: "
           f"{best_country['term'].iloc[0]} in {best_country['sector'].iloc[0]})" if len(best_country) else "")
        + "; country differences differ between sectors: "
        + ("; ".join(f"F({row.df1:.0f}, {row.df2:.0f}) = {row.statistic:.1f}, p = {row.p_value:.2g}"
                     for row in country_by_sector.itertuples()) or "not tested")
    )
    interactions = f"interaction(s) {', '.join(country_terms)}" if country_terms else "no significant interaction"
    return {"status": _status(bool(sector_terms) and national),
            "reproduced": f"sector: {len(sector_terms)} correlate(s) differ; countries: {interactions}"
                          f"{'; country differences vary by sector' if levels_differ else ''}",
            "detail": detail}


# ---------------------------------------------------------------------------------------------------------
# The scorecard
# ---------------------------------------------------------------------------------------------------------


def eu_scorecard(data: pd.DataFrame, cleaning: CleaningResult | None, claims: pd.DataFrame | None = None, *,
                 sector_estimates: pd.DataFrame | None = None, coefficients: pd.DataFrame | None = None,
                 sector_tests: pd.DataFrame | None = None, country_tests: pd.DataFrame | None = None,
                 heterogeneity: pd.DataFrame | None = None, index_items_used: Mapping[str, Sequence[str]] | None = None,
                 alpha: float = 0.05, availability: Availability | None = None) -> pd.DataFrame:
    """Scorecard rows for every EU claim (``helpers.data.claims.SCORECARD_COLUMNS``), in registry order.

    ``data``: cleaned respondents with weights (``add_weights``) and indices (``add_indices``); ``cleaning``:
    the ``CleaningResult`` they came from (EU-02). Tables not given are computed from ``data`` with the
    defaults of :mod:`helpers.eu.estimates` and :mod:`helpers.eu.statistics`; pass them to score a variant
    (e.g. unweighted estimates). ``index_items_used``: the item set per sector the index was built from
    (default ``helpers.eu.index.index_items``). ``availability`` (``helpers.data.real_data.read_availability``):
    what the respondent file lacks; the claims it makes impossible to check get status ``not available`` with
    the reason, the models are then neither read nor computed, and the claims checked on part of the
    variables (an index without one of its items) carry the note in their detail.
    """
    claims = load_claims() if claims is None else claims
    eu_claims = claims.loc[claims["study"] == STUDY].reset_index(drop=True)
    not_checkable = set(availability.skipped["claims"]) if availability is not None else set()
    notes = availability.claim_notes() if availability is not None else {}
    models_computed = not set(DIRECTION_RULES) & not_checkable
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
        "EU-04": weighting_check(data, sector_estimates, coefficients if models_computed else None),
        "EU-05": sectors_check(data, sector_estimates, eu_claims),
        "EU-09": sector_country_differences_check(sector_tests, country_tests, alpha),
        "EU-10": definition_check(data, items),
    }
    if models_computed:
        checks.update({claim_id: direction_check(coefficients, rule, alpha) for claim_id, rule in DIRECTION_RULES.items()})
        checks["EU-16"] = correlates_present_check(coefficients, eu_claims)
        checks["EU-17"] = heterogeneity_check(heterogeneity, alpha)
    for claim_id in not_checkable:
        checks[claim_id] = {"status": NOT_AVAILABLE, "reproduced": "not available in this file",
                            "detail": notes.get(claim_id, "the respondent file lacks the variables this claim needs")}
    for claim_id, note in notes.items():
        if claim_id in checks and claim_id not in not_checkable:
            checks[claim_id] = {**checks[claim_id], "detail": f"{checks[claim_id].get('detail', '')} {note}".strip()}
    checks = {claim_id: check for claim_id, check in checks.items() if claim_id in set(eu_claims["claim_id"])}
    checks.update(unchecked_claims(eu_claims, checks))
    return scorecard_frame(eu_claims, checks)

