"""The claims registry: loading it, checking reproduced numbers against it, and the scorecard.

``data/raw/claims.csv`` is the only place a published number is typed. Each row is one published
claim (``claim_id`` like ``OECD-04`` or ``EU-06``) with its source, location, kind and value. This
module is generic: it serves both studies.

- :func:`load_claims` reads and validates the registry (pandera, all failures reported at once).
- :func:`round_half_up` rounds the way printed tables do (41.5 -> 42), not banker's rounding.
- :func:`check_value_claim` / :func:`check_rank_claim` compare a reproduced number with a claim.
- :func:`scorecard_rows` / :func:`scorecard_frame` turn those checks into the scorecard table.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from helpers.paths import CLAIMS_FILE
from helpers.data.validation import InputFileError, read_csv_checked
from helpers.data.validation import format_schema_errors  # noqa: F401  (re-exported: it used to live here)

CLAIM_ID_PATTERN: str = r"^(OECD|EU)-\d\d$"
CLAIM_KINDS: tuple[str, ...] = ("value", "rank", "direction", "design", "definition")
CLAIM_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "study",
    "source",
    "location",
    "kind",
    "subject",
    "value",
    "unit",
    "statement",
)
SCORECARD_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "study",
    "kind",
    "subject",
    "source",
    "location",
    "published",
    "reproduced",
    "ci_low",
    "ci_high",
    "status",
    "detail",
)
PASS: str = "pass"
FAIL: str = "fail"
NOT_AVAILABLE: str = "not available"
"""A claim that cannot be checked because the respondent file lacks the variables it needs (real data only)."""
STATUSES: tuple[str, ...] = (PASS, FAIL, NOT_AVAILABLE)

NUMERIC_KINDS: tuple[str, ...] = ("value", "rank")
"""Kinds of claim whose ``value`` must be a number."""


class ClaimsRegistryError(InputFileError):
    """The claims registry is unreadable, is missing columns or has rows that break its schema."""


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _numeric_value_for_numeric_kinds(claims: pd.DataFrame) -> pd.Series:
    """Dataframe check: a value or rank claim has a number in ``value``."""
    is_number = pd.to_numeric(claims["value"].str.strip(), errors="coerce").notna()
    return is_number | ~claims["kind"].isin(list(NUMERIC_KINDS))


def claims_schema() -> pa.DataFrameSchema:
    """Pandera schema of the registry (all columns read as text)."""
    non_empty = pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False, name="non_empty")
    return pa.DataFrameSchema(
        {
            "claim_id": pa.Column(str, [pa.Check.str_matches(CLAIM_ID_PATTERN)], unique=True),
            "study": pa.Column(str, non_empty),
            "source": pa.Column(str, non_empty),
            "location": pa.Column(str, non_empty),
            "kind": pa.Column(str, pa.Check.isin(list(CLAIM_KINDS))),
            "subject": pa.Column(str),
            "value": pa.Column(str),
            "unit": pa.Column(str),
            "statement": pa.Column(str),
        },
        checks=[pa.Check(_numeric_value_for_numeric_kinds, name="value is a number for value and rank claims")],
        name="claims registry",
        strict=False,
        coerce=False,
    )


def read_claims_text(path: str | os.PathLike[str] = CLAIMS_FILE) -> pd.DataFrame:
    """Read the registry with every column as text; empty cells stay empty strings.

    Raises :class:`ClaimsRegistryError` for an unreadable file (empty, header only, not UTF-8, not
    comma-delimited, truncated, ragged lines) or missing columns, naming the file, columns and lines.
    """
    return read_csv_checked(path, required_columns=CLAIM_COLUMNS, error_type=ClaimsRegistryError)


def load_claims(path: str | os.PathLike[str] = CLAIMS_FILE, *, study: str | None = None) -> pd.DataFrame:
    """Read and validate the claims registry; optionally keep one study (``'oecd2010'``, ``'eu2008'``).

    ``value`` stays text (its printed precision matters, e.g. ``"42"`` versus ``"42.0"``).
    Raises :class:`ClaimsRegistryError` naming the file, the columns and the file lines of every
    failure (not only the first).
    """
    path = Path(path)
    claims = read_claims_text(path)
    try:
        claims_schema().validate(claims, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise ClaimsRegistryError(format_schema_errors(errors, path)) from None
    if study is not None:
        claims = claims.loc[claims["study"] == study].reset_index(drop=True)
    return claims


def claim_row(claims: pd.DataFrame, claim_id: str) -> pd.Series:
    """The registry row of ``claim_id`` (KeyError naming it when absent)."""
    rows = claims.loc[claims["claim_id"] == claim_id]
    if rows.empty:
        raise KeyError(f"claim {claim_id!r} is not in the claims registry")
    return rows.iloc[0]


def claim_value_text(claims: pd.DataFrame, claim_id: str) -> str:
    """The ``value`` cell of ``claim_id`` exactly as printed in the registry."""
    return str(claim_row(claims, claim_id)["value"])


def claim_number(claims: pd.DataFrame, claim_id: str) -> float:
    """The ``value`` cell of ``claim_id`` as a number (ValueError when it is not numeric)."""
    text = claim_value_text(claims, claim_id)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"claim {claim_id}: value {text!r} is not a number") from None


def claim_list(claims: pd.DataFrame, claim_id: str, separator: str = ";") -> list[str]:
    """The ``value`` cell of ``claim_id`` split into a list (e.g. country names, service areas)."""
    return [part.strip() for part in claim_value_text(claims, claim_id).split(separator) if part.strip()]


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


def check_value_claim(
    reproduced: float,
    ci_low: float,
    ci_high: float,
    published: str | float,
    *,
    digits: int | None = None,
) -> dict[str, Any]:
    """Check a reproduced number against a published value.

    Passes when ``reproduced`` rounds half up to ``published`` at the published precision (the
    number of decimals printed, or ``digits``). Whether the confidence interval covers the published
    value is reported (``ci_covers_published``) but does not decide the status.
    """
    digits = published_precision(published) if digits is None else digits
    published_number = float(published)
    if _is_missing(reproduced):
        return {
            "status": FAIL,
            "published": published_number,
            "reproduced": math.nan,
            "rounded": math.nan,
            "digits": digits,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "ci_covers_published": False,
            "detail": f"no reproduced value; published {published_number:.{digits}f}",
        }
    rounded = round_half_up(reproduced, digits)
    passed = math.isclose(rounded, published_number, rel_tol=0.0, abs_tol=10.0 ** (-digits) / 100)
    covers = (not _is_missing(ci_low)) and (not _is_missing(ci_high)) and ci_low <= published_number <= ci_high
    detail = (
        f"reproduced {reproduced:.{digits + 3}f} rounds half up to {rounded:.{digits}f}; "
        f"published {published_number:.{digits}f}; "
        f"95% CI [{ci_low:.{digits + 2}f}, {ci_high:.{digits + 2}f}] "
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
        "ci_covers_published": bool(covers),
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


def scorecard_rows(claims: pd.DataFrame, checks: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One scorecard row per checked claim, in registry order.

    ``checks`` maps claim_id to a check result (from :func:`check_value_claim`,
    :func:`check_rank_claim`, or any dict with ``status`` and ``detail`` and optionally
    ``published``, ``reproduced``, ``ci_low``, ``ci_high``). The registry supplies study, kind,
    subject, source and location; ``published`` defaults to the registry's value text.
    """
    unknown = sorted(set(checks) - set(claims["claim_id"]))
    if unknown:
        raise KeyError(f"checks for claims not in the registry: {', '.join(unknown)}")
    rows: list[dict[str, Any]] = []
    for _, claim in claims.loc[claims["claim_id"].isin(list(checks))].iterrows():
        check = checks[claim["claim_id"]]
        status = check.get("status")
        if status not in STATUSES:
            raise ValueError(f"claim {claim['claim_id']}: status must be one of {', '.join(STATUSES)}, got {status!r}")
        rows.append(
            {
                "claim_id": claim["claim_id"],
                "study": claim["study"],
                "kind": claim["kind"],
                "subject": claim["subject"],
                "source": claim["source"],
                "location": claim["location"],
                "published": check.get("published", claim["value"]),
                "reproduced": check.get("reproduced", math.nan),
                "ci_low": check.get("ci_low", math.nan),
                "ci_high": check.get("ci_high", math.nan),
                "status": status,
                "detail": check.get("detail", ""),
            }
        )
    return rows


def scorecard_frame(claims: pd.DataFrame, checks: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The scorecard as a data frame with columns :data:`SCORECARD_COLUMNS`.

    ``published`` and ``reproduced`` are object columns: numbers for value and rank claims, text
    for design claims (e.g. a list of countries).
    """
    rows = scorecard_rows(claims, checks)
    frame = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
    for column in ("published", "reproduced"):
        frame[column] = frame[column].astype(object)
    for column in ("ci_low", "ci_high"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def all_passed(scorecard: pd.DataFrame, claim_ids: Sequence[str] | None = None) -> bool:
    """True when every (or every listed) scorecard row has status 'pass'."""
    rows = scorecard if claim_ids is None else scorecard.loc[scorecard["claim_id"].isin(list(claim_ids))]
    return bool((rows["status"] == PASS).all())
