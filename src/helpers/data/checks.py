"""Checks of reproduced numbers against the claims registry, and the scorecard table they make.

The generic half of every study's scorecard (the registry itself is read by :mod:`helpers.data.claims`, the
statuses are defined in :mod:`helpers.data.status`). The synthetic-data generators never import this module,
so that a fault here cannot hide behind the same fault in the data it is checked against (tested).

- :func:`round_half_up` rounds the way printed tables do (41.5 -> 42), not banker's rounding.
- :func:`published_precision` reads the printed precision of a published value ("42" -> 0 decimals).
- :func:`check_value_claim` / :func:`check_rank_claim` compare a reproduced number with a claim.
- :func:`scorecard_rows` / :func:`scorecard_frame` turn those checks into the scorecard table
  (:data:`helpers.data.status.SCORECARD_COLUMNS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from helpers.data.claims import claim_summary
from helpers.data.status import BUILT_IN_NOTE, FAIL, NEEDS_BASIS, PASS, SCORECARD_COLUMNS, STATUSES, interval_label

# --------------------------------------------------------------------------------------------
# Rounding and checks
# --------------------------------------------------------------------------------------------


def published_precision(published: str | float) -> int:
    """Number of decimals a published value is printed with: ``"42"`` -> 0, ``"42.5"`` -> 1.

    A float is read the same way from its shortest representation (``42.0`` counts as 0 decimals).
    """
    if isinstance(published, str):
        text = published.strip()
    else:
        number = float(published)
        text = str(int(number)) if number.is_integer() else repr(number)
    return len(text.split(".", 1)[1]) if "." in text else 0


def round_half_up(x: float, digits: int = 0) -> float:
    """Round ``x`` half away from zero at ``digits`` decimals (41.5 -> 42, 41.49 -> 41, -0.5 -> -1).

    The value is first rounded to 9 decimals to remove binary floating-point noise, so that a
    percentage computed as ``0.415 * 100`` (= 41.49999999999999 in binary) rounds like 41.5.
    NaN stays NaN.
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return math.nan
    cleaned = Decimal(repr(round(float(x), 9)))
    quantum = Decimal(1).scaleb(-digits)
    return float(cleaned.quantize(quantum, rounding=ROUND_HALF_UP))


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def interval_text(ci_low: float, ci_high: float, level: float | None, decimals: int) -> str:
    """'95% interval [40.12, 43.57]' with the interval's actual level ('no interval' without one)."""
    label = interval_label(ci_low, ci_high, level, decimals)
    if not label:
        return "no interval"
    return label.replace("level not recorded [", "interval (level not recorded) [").replace("% [", "% interval [")


def check_value_claim(
    reproduced: float,
    ci_low: float,
    ci_high: float,
    published: str | float,
    *,
    digits: int | None = None,
    level: float | None = None,
) -> dict[str, Any]:
    """Check a reproduced number against a published value.

    Passes when ``reproduced`` rounds half up to ``published`` at the published precision (the number of
    decimals printed, or ``digits``): the test. The interval (of confidence ``level``, e.g. 0.95) is shown
    with its level, and whether it covers the published value is reported (``ci_covers_published``), but it
    does not decide the status: on data calibrated to the published value it always covers it
    (:data:`helpers.data.status.INTERVAL_NOTE`).
    """
    digits = published_precision(published) if digits is None else digits
    published_number = float(published)
    basis = (f"test: the reproduced value rounded half up to {digits} decimal(s) equals the published value; "
             "the interval is shown, not tested")
    if _is_missing(reproduced):
        return {
            "status": FAIL,
            "published": published_number,
            "reproduced": math.nan,
            "rounded": math.nan,
            "digits": digits,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "ci_level": level,
            "ci_covers_published": False,
            "basis": basis,
            "detail": f"no reproduced value; published {published_number:.{digits}f}",
        }
    rounded = round_half_up(reproduced, digits)
    passed = math.isclose(rounded, published_number, rel_tol=0.0, abs_tol=10.0 ** (-digits) / 100)
    covers = (not _is_missing(ci_low)) and (not _is_missing(ci_high)) and ci_low <= published_number <= ci_high
    detail = (
        f"reproduced {reproduced:.{digits + 3}f} rounds half up to {rounded:.{digits}f}; "
        f"published {published_number:.{digits}f}; "
        f"{interval_text(ci_low, ci_high, level, digits + 2)} "
        f"{'contains' if covers else 'does not contain'} the published value"
    )
    return {
        "status": PASS if passed else FAIL,
        "published": published_number,
        "reproduced": float(reproduced),
        "rounded": rounded,
        "digits": digits,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "ci_level": level,
        "ci_covers_published": bool(covers),
        "basis": basis,
        "detail": detail,
    }


def check_rank_claim(estimates: Mapping[str, float], item: str, published_rank: int) -> dict[str, Any]:
    """Check that ``item`` holds ``published_rank`` (1 = largest) among ``estimates``.

    ``estimates`` maps every competing item (including ``item``) to its reproduced value. The rank
    is 1 + the number of items with a strictly larger value; a tie with another item fails, since the
    published order is then not reproduced.
    """
    if item not in estimates:
        raise KeyError(f"item {item!r} is not among the ranked estimates {sorted(estimates)}")
    value = float(estimates[item])
    others = {name: float(v) for name, v in estimates.items() if name != item}
    rank = 1 + sum(1 for v in others.values() if v > value)
    tied = sorted(name for name, v in others.items() if v == value)
    ordering = ", ".join(f"{name} {v:.3f}" for name, v in sorted(estimates.items(), key=lambda kv: (-kv[1], kv[0])))
    passed = rank == int(published_rank) and not tied
    detail = f"reproduced rank {rank} of {len(estimates)} (published rank {int(published_rank)}); order: {ordering}"
    if tied:
        detail += f"; tied with {', '.join(tied)}"
    return {
        "status": PASS if passed else FAIL,
        "basis": "test: the item's place among its figure's reproduced values (1 = largest) equals the published "
                 "rank, without a tie",
        "published": int(published_rank),
        "reproduced": rank,
        "estimate": value,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "detail": detail,
    }


# --------------------------------------------------------------------------------------------
# Scorecard
# --------------------------------------------------------------------------------------------


def scorecard_rows(claims: pd.DataFrame, checks: Mapping[str, Mapping[str, Any]],
                   built_in: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One scorecard row per checked claim, in registry order.

    ``checks`` maps claim_id to a check result (from :func:`check_value_claim`, :func:`check_rank_claim`, or
    any dict with ``status``, ``detail`` and ``basis`` and optionally ``published``, ``reproduced``,
    ``ci_low``, ``ci_high``, ``ci_level``). The registry supplies study, kind, subject, source and location;
    ``published`` defaults to the registry's value, else its summary. A status that needs a reason
    (:data:`helpers.data.status.NEEDS_BASIS`) without a ``basis`` is an error. ``built_in`` (synthetic data
    only) maps claim ids to how the generator builds their result in; those rows get
    :data:`helpers.data.status.BUILT_IN_NOTE` in ``built_in``.
    """
    unknown = sorted(set(checks) - set(claims["claim_id"]))
    if unknown:
        raise KeyError(f"checks for claims not in the registry: {', '.join(unknown)}")
    built_in = built_in or {}
    rows: list[dict[str, Any]] = []
    for _, claim in claims.loc[claims["claim_id"].isin(list(checks))].iterrows():
        claim_id = claim["claim_id"]
        check = checks[claim_id]
        status = check.get("status")
        if status not in STATUSES:
            raise ValueError(f"claim {claim_id}: status must be one of {', '.join(STATUSES)}, got {status!r}")
        basis = str(check.get("basis") or "").strip()
        if status in NEEDS_BASIS and not basis:
            raise ValueError(f"claim {claim_id}: status {status!r} needs a basis (which code enforces it, or why)")
        how = built_in.get(claim_id, "")
        rows.append(
            {
                "claim_id": claim_id,
                "study": claim["study"],
                "kind": claim["kind"],
                "subject": claim["subject"],
                "source": claim["source"],
                "location": claim["location"],
                "published": check.get("published", claim_summary(claims, claim_id)),
                "reproduced": check.get("reproduced", math.nan),
                "ci_low": check.get("ci_low", math.nan),
                "ci_high": check.get("ci_high", math.nan),
                "status": status,
                "detail": check.get("detail", ""),
                "basis": basis,
                "built_in": f"{BUILT_IN_NOTE} ({how})" if how else "",
                "ci_level": check.get("ci_level", math.nan),
            }
        )
    return rows


def scorecard_frame(claims: pd.DataFrame, checks: Mapping[str, Mapping[str, Any]],
                    built_in: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The scorecard as a data frame with columns :data:`helpers.data.status.SCORECARD_COLUMNS`.

    ``published`` and ``reproduced`` are object columns: numbers for value and rank claims, text
    for design claims (e.g. a list of countries).
    """
    rows = scorecard_rows(claims, checks, built_in)
    frame = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
    for column in ("published", "reproduced"):
        frame[column] = frame[column].astype(object)
    for column in ("ci_low", "ci_high", "ci_level"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def unchecked_claims(claims: pd.DataFrame, checks: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A registry claim without a check fails, so that no claim silently drops out of the scorecard."""
    return {
        claim_id: {"status": FAIL, "detail": "no check implemented for this claim",
                   "basis": "every claim of the registry needs a check; this one has none"}
        for claim_id in claims["claim_id"]
        if claim_id not in checks
    }
