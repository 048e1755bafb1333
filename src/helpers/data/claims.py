"""The claims registry: reading and validating it, and reading a claim's fields.

``data/raw/claims.csv`` is the only place a published number or statement is typed. Each row is one published
claim (``claim_id`` like ``OECD-04`` or ``EU-06``) with its source, location, kind and value, and for the
claims that need them:

- ``direction`` (``+`` or ``-``): the published sign of an effect (EU-11 to EU-15);
- ``qualifier``: how firmly it is stated ("generally", "somewhat", "some evidence", ...), which decides the
  rule of the test (:data:`helpers.eu.scorecard.QUALIFIER_RULES`);
- ``sectors_required``: in how many of the three sectors the effect must be significant;
- ``summary``: a short form of the statement, shown as the published entry where ``value`` is empty
  (definitions, weighting, directions);
- ``names``: the countries a claim names when ``value`` holds their number (OECD-02, EU-03).

This module is generic (both studies) and only reads: the checks of reproduced numbers against the registry
live in :mod:`helpers.data.checks`, the status vocabulary in :mod:`helpers.data.status` (re-exported here).
The synthetic-data generators read the registry through this module but never import the checks.

- :func:`load_claims` reads and validates the registry (pandera, all failures reported at once).
- :func:`claim_row`, :func:`claim_value_text`, :func:`claim_number`, :func:`claim_list`, :func:`claim_names`,
  :func:`claim_direction`, :func:`claim_qualifier`, :func:`claim_sectors_required`, :func:`claim_summary`
  read one claim's fields.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.paths import CLAIMS_FILE
from helpers.data.status import FAIL, HOLDS_BY_CONSTRUCTION, NOT_AVAILABLE, NOT_CHECKABLE, PASS, STATUSES  # noqa: F401
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
    "direction",
    "qualifier",
    "sectors_required",
    "summary",
    "names",
)
DIRECTIONS: dict[str, int] = {"+": 1, "-": -1}
"""Signs a ``direction`` cell may hold, as numbers."""

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


def _sectors_required_with_direction(claims: pd.DataFrame) -> pd.Series:
    """Dataframe check: a claim with a direction says in how many sectors it must hold, and with what qualifier."""
    has_direction = claims["direction"].str.strip() != ""
    complete = (claims["sectors_required"].str.strip() != "") & (claims["qualifier"].str.strip() != "")
    return complete | ~has_direction


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
            "direction": pa.Column(str, pa.Check.isin(["", *DIRECTIONS])),
            "qualifier": pa.Column(str),
            "sectors_required": pa.Column(str, pa.Check.str_matches(r"^(|[1-9])$")),
            "summary": pa.Column(str),
            "names": pa.Column(str),
        },
        checks=[pa.Check(_numeric_value_for_numeric_kinds, name="value is a number for value and rank claims"),
                pa.Check(_sectors_required_with_direction,
                         name="a claim with a direction has a qualifier and sectors_required")],
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


def _split(text: str, separator: str = ";") -> list[str]:
    return [part.strip() for part in str(text).split(separator) if part.strip()]


def claim_names(claims: pd.DataFrame, claim_id: str) -> list[str]:
    """The ``names`` cell of ``claim_id`` as a list (the countries a claim names beside their number)."""
    names = _split(claim_row(claims, claim_id)["names"])
    if not names:
        raise ValueError(f"claim {claim_id}: the registry's names column is empty")
    return names


def claim_direction(claims: pd.DataFrame, claim_id: str) -> int:
    """The published sign of ``claim_id`` (+1 or -1) from the ``direction`` column (ValueError when empty)."""
    text = str(claim_row(claims, claim_id)["direction"]).strip()
    if text not in DIRECTIONS:
        raise ValueError(f"claim {claim_id}: direction must be one of {', '.join(DIRECTIONS)} in the registry, "
                         f"got {text!r}")
    return DIRECTIONS[text]


def claim_qualifier(claims: pd.DataFrame, claim_id: str) -> str:
    """The ``qualifier`` cell of ``claim_id`` ('generally', 'somewhat', ...; '' when none)."""
    return str(claim_row(claims, claim_id)["qualifier"]).strip()


def claim_sectors_required(claims: pd.DataFrame, claim_id: str) -> int:
    """The ``sectors_required`` cell of ``claim_id`` as a number (ValueError when empty)."""
    text = str(claim_row(claims, claim_id)["sectors_required"]).strip()
    if not text.isdigit():
        raise ValueError(f"claim {claim_id}: sectors_required is empty in the registry")
    return int(text)


def claim_summary(claims: pd.DataFrame, claim_id: str) -> str:
    """What the scorecard shows as published: the ``value`` cell, else the ``summary`` cell."""
    row = claim_row(claims, claim_id)
    return str(row["value"]).strip() or str(row["summary"]).strip()
