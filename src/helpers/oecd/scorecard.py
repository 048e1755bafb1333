"""Every OECD claim of the registry checked against the reproduction, as one scorecard table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.data.claims import FAIL, PASS, scorecard_frame
from helpers.oecd.estimates import PUBLISHED_BASE, design_checks, value_and_rank_checks


def definition_checks(estimates: pd.DataFrame, claims: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A definition claim passes when the estimates were computed with it (OECD-03: the percentage base)."""
    checks: dict[str, dict[str, Any]] = {}
    bases = sorted(set(estimates["base"].astype(str)))
    for claim_id in claims.loc[claims["kind"] == "definition", "claim_id"]:
        applied = bases == [PUBLISHED_BASE]
        checks[claim_id] = {
            "status": PASS if applied else FAIL,
            "published": "yes over total responses to the question, all countries",
            "reproduced": f"base = {', '.join(bases)}",
            "detail": "applied by helpers.oecd.estimates.percent_affirmative"
            if applied
            else f"estimates used base {bases}, not the published definition ('{PUBLISHED_BASE}')",
        }
    return checks


def unchecked_claims(claims: pd.DataFrame, checks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A registry claim without a check fails, so that no claim silently drops out of the scorecard."""
    return {
        claim_id: {"status": FAIL, "detail": "no check implemented for this claim"}
        for claim_id in claims["claim_id"]
        if claim_id not in checks
    }


def oecd_scorecard(long_table: pd.DataFrame, estimates: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows for every OECD claim: values, ranks, design facts and definitions."""
    oecd_claims = claims.loc[claims["study"] == "oecd2010"]
    checks = {
        **value_and_rank_checks(estimates, oecd_claims),
        **design_checks(long_table, oecd_claims),
        **definition_checks(estimates, oecd_claims),
    }
    checks.update(unchecked_claims(oecd_claims, checks))
    return scorecard_frame(oecd_claims, checks)
