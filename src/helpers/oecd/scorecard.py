"""Every OECD claim of the registry (OECD-01 to OECD-15) checked against the reproduction, as one scorecard.

Statuses (:mod:`helpers.data.status`) and the rule of each check:

- values OECD-04..09, OECD-12 (pass / fail): the reproduced percentage rounds half up to the published one;
  the interval is shown with its level, not tested;
- ranks OECD-10, OECD-11 (pass / fail): the item's place in its figure, no ties;
- definition OECD-03 (pass / fail): each item's percentage recomputed here from the cleaned answers with the
  published base (yes over yes + no + don't know, all countries pooled), by counting, independently of the
  estimator, must equal the estimate;
- OECD-14 (pass / fail): a strict majority of the member countries in the data have some experience;
- OECD-01, OECD-02, OECD-15 (holds by construction): the codebook's country and area lists are these claims
  (``helpers.oecd.codebook``; tested equal to the registry) and the cleaning refuses anything else, so the
  data can hold fewer but never more; verified: every listed country and area is present (else fail);
- OECD-13 (not checkable): the items do not measure whether co-production went beyond pilots.

On synthetic data the rows whose result the generator builds in carry the built-in note
(:func:`helpers.oecd.synthetic.built_in_claims`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.checks import check_rank_claim, check_value_claim, scorecard_frame, unchecked_claims
from helpers.data.claims import claim_list, claim_names, claim_number, claim_row, claim_summary, claim_value_text
from helpers.data.status import FAIL, HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, PASS
from helpers.oecd import codebook
from helpers.oecd.estimates import design_facts, member_experience_share

STUDY: str = "oecd2010"
DEFINITION_TOLERANCE: float = 1e-6
"""OECD-03: largest accepted difference (percentage points) between the estimate and the recount. The estimates
file stores 10 significant digits (``helpers.outputs.write_csv``): up to 5e-8 points lost; another base moves a
percentage by tenths of a point or more."""
PUBLISHED_BASE_RESPONSES: tuple[str, ...] = (codebook.YES, codebook.NO, codebook.DONT_KNOW)
"""OECD-03's "total responses to the question": every answer but 'not answered'."""


def _status(passed: bool) -> str:
    return PASS if passed else FAIL


def _level(row: Any) -> float:
    """The interval's confidence level from an estimates row (NaN when the table does not record it)."""
    return float(getattr(row, "confidence_level", np.nan))


def value_and_rank_checks(estimates: pd.DataFrame, claims: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Checks of the value claims (rounded half up at printed precision) and rank claims (within figure)."""
    checks: dict[str, dict[str, Any]] = {}
    for row in estimates.itertuples():
        kind = claim_row(claims, row.claim_id)["kind"]
        if kind == "value":
            checks[row.claim_id] = check_value_claim(
                row.estimate, row.ci_low, row.ci_high, claim_value_text(claims, row.claim_id), level=_level(row)
            )
        elif kind == "rank":
            same_figure = estimates.loc[estimates["figure"] == row.figure]
            ranked = dict(zip(same_figure["item_id"], same_figure["estimate"], strict=True))
            check = check_rank_claim(ranked, row.item_id, int(claim_number(claims, row.claim_id)))
            check["ci_low"], check["ci_high"], check["ci_level"] = row.ci_low, row.ci_high, _level(row)
            checks[row.claim_id] = check
    return checks


def recounted_percentages(long_table: pd.DataFrame) -> pd.DataFrame:
    """Per figure item, counted from the cleaned answers: n_yes, n_responses (yes, no, don't know) and
    percent = 100 n_yes / n_responses, all countries and service areas pooled (OECD-03's definition)."""
    items = list(codebook.figure_items()["item_id"])
    answers = long_table.loc[long_table["item_id"].isin(items)]
    response = answers["response"].astype(str)
    counted = pd.DataFrame({"item_id": answers["item_id"].to_numpy(),
                            "yes": (response == codebook.YES).to_numpy(),
                            "response": response.isin(PUBLISHED_BASE_RESPONSES).to_numpy()})
    totals = counted.groupby("item_id").agg(n_yes=("yes", "sum"), n_responses=("response", "sum"))
    totals = totals.reindex(items, fill_value=0)
    totals["percent"] = 100.0 * totals["n_yes"] / totals["n_responses"].where(totals["n_responses"] > 0)
    return totals.reset_index()


def definition_check(long_table: pd.DataFrame, estimates: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """OECD-03: every item's estimate equals its percentage recounted with the published base."""
    recount = recounted_percentages(long_table).set_index("item_id")
    reproduced = estimates.set_index("item_id")["estimate"].astype(float).reindex(recount.index)
    difference = (reproduced - recount["percent"]).abs()
    neither = reproduced.isna() & recount["percent"].isna()  # an item nobody answered has neither
    off = difference.index[~((difference <= DEFINITION_TOLERANCE) | neither)].tolist()
    worst = difference.fillna(np.inf).idxmax() if len(difference) else None
    detail = ("; ".join(f"{item}: estimate {reproduced[item]:.3f}, recount {recount.loc[item, 'n_yes']}/"
                        f"{recount.loc[item, 'n_responses']} = {recount.loc[item, 'percent']:.3f}" for item in off)
              if off else f"every item's estimate equals its recount (largest difference {difference.max():.1e}; "
              f"e.g. {worst}: {recount.loc[worst, 'n_yes']}/{recount.loc[worst, 'n_responses']})")
    return {
        "status": _status(bool((~neither).any()) and not off),
        "published": claim_summary(claims, "OECD-03"),
        "reproduced": "estimates equal the recount" if not off else f"{len(off)} item(s) differ from the recount",
        "basis": "test: each item's percentage recounted from the cleaned answers as yes / (yes + no + don't know), "
                 "all countries and areas pooled, by counting here (not by the estimator), equals the estimate",
        "detail": detail,
    }


def design_checks(long_table: pd.DataFrame, claims: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """OECD-01, -02, -15 (holds by construction, verified), OECD-13 (not checkable) and OECD-14 (test)."""
    facts = design_facts(long_table)
    n_members = int(claim_number(claims, "OECD-01"))
    partners = claim_names(claims, "OECD-02")
    n_partners = int(claim_number(claims, "OECD-02"))
    named = claim_list(claims, "OECD-13")
    areas = claim_list(claims, "OECD-15")
    experience = member_experience_share(long_table)
    present_named = [name for name in named if facts["named_countries_present"].get(name, False)]
    missing_areas = [area for area in areas if area not in facts["cofog_areas"]]
    missing_partners = [name for name in partners if name not in facts["partner_countries"]]
    cleaning = "the cleaning's schema (helpers.oecd.clean)"

    def constructed(verified: bool) -> str:
        return HOLDS_BY_CONSTRUCTION if verified else FAIL

    return {
        "OECD-01": {
            "status": constructed(facts["n_oecd_countries"] == n_members),
            "published": n_members,
            "reproduced": facts["n_oecd_countries"],
            "basis": f"the codebook's country table (helpers.oecd.codebook.country_table) makes {n_members} member "
                     "countries from this claim and "
                     f"{cleaning} refuses other countries; verified: all of them in the data",
            "detail": f"{facts['n_oecd_countries']} OECD member countries in the data",
        },
        "OECD-02": {
            "status": constructed(facts["n_partner_countries"] == n_partners == len(partners) and not missing_partners),
            "published": "; ".join(partners),
            "reproduced": "; ".join(facts["partner_countries"]),
            "basis": "the codebook's partner countries (helpers.oecd.codebook.PARTNER_COUNTRIES) are this claim's "
                     f"countries (tested equal to the registry's names) and {cleaning} refuses other countries; "
                     "verified: all of them in the data",
            "detail": f"{facts['n_partner_countries']} partner countries in the data"
                      + (f"; missing: {', '.join(missing_partners)}" if missing_partners else ""),
        },
        "OECD-13": {
            "status": NOT_CHECKABLE,
            "published": "; ".join(named),
            "reproduced": "; ".join(present_named),
            "basis": "the survey's items do not measure whether co-production was embedded beyond pilots; the data "
                     "can only show that the named countries responded",
            "detail": f"{len(present_named)} of the {len(named)} named countries responded",
        },
        "OECD-14": {
            "status": _status(experience["majority"]),
            "published": claim_summary(claims, "OECD-14"),
            "reproduced": f"{experience['n_with_experience']} of {experience['n_members']} member countries "
                          f"({experience['share']:.0%})",
            "basis": "test: more than half of the OECD member countries in the data have a yes to the experience "
                     "item in at least one service area",
            "detail": (
                f"{experience['n_with_experience']} of {experience['n_members']} OECD member countries have a "
                "yes to the experience item in at least one service area"
            ),
        },
        "OECD-15": {
            "status": constructed(bool(areas) and not missing_areas),
            "published": "; ".join(areas),
            "reproduced": "; ".join(facts["cofog_areas"]),
            "basis": f"the codebook's service areas (helpers.oecd.codebook.COFOG_AREAS) are this claim's areas (tested "
                     f"equal to the registry) and "
                     f"{cleaning} refuses other areas; verified: every listed area in the data",
            "detail": f"{len(facts['cofog_areas'])} COFOG areas in the data"
                      + (f"; missing: {', '.join(missing_areas)}" if missing_areas else ""),
        },
    }


def oecd_scorecard(long_table: pd.DataFrame, estimates: pd.DataFrame, claims: pd.DataFrame, *,
                   built_in: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Scorecard rows for every OECD claim (:data:`helpers.data.status.SCORECARD_COLUMNS`), in registry order.

    ``long_table``: the cleaned answers (``helpers.oecd.clean``); ``estimates``: ``percent_affirmative``.
    ``built_in`` (synthetic data only, :func:`helpers.oecd.synthetic.built_in_claims`): the claims whose
    result the generator builds in.
    """
    oecd_claims = claims.loc[claims["study"] == STUDY]
    checks = {
        **value_and_rank_checks(estimates, oecd_claims),
        **design_checks(long_table, oecd_claims),
        "OECD-03": definition_check(long_table, estimates, oecd_claims),
    }
    checks = {claim_id: check for claim_id, check in checks.items() if claim_id in set(oecd_claims["claim_id"])}
    checks.update(unchecked_claims(oecd_claims, checks))
    return scorecard_frame(oecd_claims, checks, built_in)
