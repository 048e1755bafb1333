"""Read a vendor respondent file of the OECD 2010 officials survey and return a tidy long table.

Steps, each a small function:

1. :func:`read_vendor_file` reads every column as text (so codes such as ``7`` or an empty cell are
   seen as delivered, not silently converted), after :func:`helpers.data.validation.read_csv_checked` has
   checked the file itself: not empty, not header-only, UTF-8, comma-delimited, not truncated, no ragged
   lines, every required column present (missing ones named, with a guess for renamed ones).
2. :func:`check_required_columns` names the file and every missing column (for frames built elsewhere).
3. :func:`validate_vendor_frame` checks the file against the codebook with a pandera schema, lazily:
   every failure is reported at once (codes outside the codebook, unknown countries or service areas,
   a respondent id repeated for the same service area), naming the file, the column and the file lines.
4. :func:`recode_responses` maps vendor codes (1, 2, 8, 9) to yes / no / dont_know / not_answered.
5. :func:`clean_vendor_file` drops rows whose every item is not answered (logged with the reason)
   and melts the rest into one row per respondent x service area x item.

``data_are_synthetic`` is True iff the file has a ``SYNTHETIC`` column that is 1 on every row.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.oecd import codebook
from helpers.paths import CLAIMS_FILE, OECD_RAW_FILE
from helpers.data.validation import (
    FIRST_DATA_LINE,
    InputFileError,
    format_schema_errors,
    missing_columns_problem,
    read_csv_checked,
)

REQUIRED_COLUMNS: tuple[str, ...] = (*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS)
LONG_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "country",
    "country_code",
    "membership",
    "cofog_code",
    "area",
    "item_id",
    "response",
)
DROPPED_COLUMNS: tuple[str, ...] = ("line", "respondent_id", "country", "cofog_code", "reason")
REASON_ALL_NOT_ANSWERED = "every item not answered (code 9): break-off, no information"
_LINE_OFFSET = FIRST_DATA_LINE  # frame index + 2 is the file line (line 1 is the header)


class VendorFileError(InputFileError):
    """A vendor file is unreadable, lacks required columns or breaks the codebook."""


@dataclass(frozen=True)
class CleanedSurvey:
    """Result of :func:`clean_vendor_file`."""

    long: pd.DataFrame
    dropped: pd.DataFrame
    data_are_synthetic: bool
    source: Path
    n_rows_read: int


def read_vendor_file(path: str | os.PathLike[str], column_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a vendor CSV with every column as text; empty cells stay empty strings.

    ``column_map`` (the file's name -> the codebook's name) renames a real file's columns to the codebook's;
    the columns may come in any order. Raises VendorFileError listing every problem of the file itself (see
    the module docstring); missing required columns are named by the codebook's names.
    """
    if not column_map:
        return read_csv_checked(path, required_columns=REQUIRED_COLUMNS, error_type=VendorFileError)
    frame = read_csv_checked(path, error_type=VendorFileError)  # required columns: checked after renaming
    problems = []
    not_in_file = sorted(set(column_map) - set(frame.columns))
    if not_in_file:
        problems.append(f"column_map names columns that are not in the file: {not_in_file}")
    renamed = [column_map.get(name, name) for name in frame.columns]
    repeated = sorted({name for name in renamed if renamed.count(name) > 1})
    if repeated:
        problems.append(f"after renaming with column_map, columns {repeated} appear more than once")
    missing = missing_columns_problem(REQUIRED_COLUMNS, renamed)
    if missing:
        problems.append(missing)
    if problems:
        raise VendorFileError(f"{path}: " + "; ".join(problems))
    return frame.rename(columns=dict(column_map))


def check_required_columns(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Raise VendorFileError naming the file and every required column it lacks."""
    problem = missing_columns_problem(REQUIRED_COLUMNS, list(frame.columns))
    if problem:
        raise VendorFileError(f"{path}: {problem}")


def _country_matches_codebook(countries: pd.DataFrame):
    """Dataframe check: country name, code and membership are a codebook triple (vectorised lookup)."""
    triple = [codebook.COUNTRY_COLUMN, codebook.COUNTRY_CODE_COLUMN, codebook.MEMBERSHIP_COLUMN]
    valid = pd.MultiIndex.from_frame(countries[["country", "country_code", "membership"]].astype(str))

    def check(frame: pd.DataFrame) -> pd.Series:
        delivered = pd.MultiIndex.from_frame(frame[triple].astype(str))
        return pd.Series(delivered.isin(valid), index=frame.index)

    return check


def _one_country_per_respondent(frame: pd.DataFrame) -> pd.Series:
    """Dataframe check: every row of a respondent has the same country."""
    per_respondent = frame.groupby(codebook.RESPONDENT_COLUMN)[codebook.COUNTRY_COLUMN].transform("nunique")
    return per_respondent == 1


def vendor_schema(claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> pa.DataFrameSchema:
    """Pandera schema of a vendor file (all columns as text) built from the codebook."""
    countries = codebook.country_table(claims_path)
    codes = [str(code) for code in codebook.RESPONSE_CODES]
    non_empty = pa.Check(lambda s: s.str.strip().str.len() > 0, name="non_empty")
    columns = {
        codebook.RESPONDENT_COLUMN: pa.Column(str, non_empty),
        codebook.COUNTRY_COLUMN: pa.Column(str, pa.Check.isin(list(countries["country"]))),
        codebook.COUNTRY_CODE_COLUMN: pa.Column(str, pa.Check.isin(list(countries["country_code"]))),
        codebook.MEMBERSHIP_COLUMN: pa.Column(str, pa.Check.isin(list(codebook.MEMBERSHIPS))),
        codebook.AREA_COLUMN: pa.Column(str, pa.Check.isin(list(codebook.COFOG_AREAS))),
        **{column: pa.Column(str, pa.Check.isin(codes)) for column in codebook.ITEM_COLUMNS},
        codebook.SYNTHETIC_COLUMN: pa.Column(str, pa.Check.isin(["0", "1"]), required=False),
    }
    return pa.DataFrameSchema(
        columns,
        checks=[
            pa.Check(_country_matches_codebook(countries), name="COUNTRY, CNTRY_CODE and MEMBERSHIP match the codebook"),
            pa.Check(_one_country_per_respondent, name="one COUNTRY per RESPID"),
        ],
        unique=[codebook.RESPONDENT_COLUMN, codebook.AREA_COLUMN],
        report_duplicates="all",
        name="OECD 2010 vendor file",
        strict=False,
    )


def validate_vendor_frame(
    frame: pd.DataFrame, path: str | os.PathLike[str], claims_path: str | os.PathLike[str] = CLAIMS_FILE
) -> None:
    """Raise VendorFileError listing every schema failure (file, column, check, file lines)."""
    try:
        vendor_schema(claims_path).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        raise VendorFileError(format_schema_errors(errors, path)) from None


def recode_responses(codes: pd.Series) -> pd.Series:
    """Vendor codes (int or text '1', '2', '8', '9') -> categorical yes / no / dont_know / not_answered."""
    labels = pd.to_numeric(codes, errors="raise").map(codebook.RESPONSE_CODES)
    if labels.isna().any():
        bad = sorted(set(codes[labels.isna()].astype(str)))
        raise VendorFileError(f"codes outside the codebook: {', '.join(bad)}")
    return pd.Series(pd.Categorical(labels, categories=list(codebook.RESPONSE_CATEGORIES)), index=codes.index)


def data_are_synthetic(frame: pd.DataFrame) -> bool:
    """True iff ``frame`` has a SYNTHETIC column equal to 1 on every (and at least one) row."""
    if codebook.SYNTHETIC_COLUMN not in frame.columns or frame.empty:
        return False
    flags = pd.to_numeric(frame[codebook.SYNTHETIC_COLUMN], errors="coerce")
    return bool((flags == 1).all())


def unanswered_rows(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of rows whose every item is coded not answered (9)."""
    not_answered = str(codebook.CODE_OF_RESPONSE[codebook.NOT_ANSWERED])
    return frame[list(codebook.ITEM_COLUMNS)].astype(str).eq(not_answered).all(axis=1)


def dropped_log(frame: pd.DataFrame, mask: pd.Series, reason: str) -> pd.DataFrame:
    """Log of the rows selected by ``mask``: file line, respondent, country, area, reason."""
    rows = frame.loc[mask]
    return pd.DataFrame(
        {
            "line": (rows.index.to_numpy() + _LINE_OFFSET).astype("int64"),
            "respondent_id": rows[codebook.RESPONDENT_COLUMN].to_numpy(),
            "country": rows[codebook.COUNTRY_COLUMN].to_numpy(),
            "cofog_code": rows[codebook.AREA_COLUMN].to_numpy(),
            "reason": reason,
        },
        columns=list(DROPPED_COLUMNS),
    )


def to_long(frame: pd.DataFrame) -> pd.DataFrame:
    """Wide vendor rows -> one row per respondent x area x item with a categorical ``response``."""
    id_columns = {
        codebook.RESPONDENT_COLUMN: "respondent_id",
        codebook.COUNTRY_COLUMN: "country",
        codebook.COUNTRY_CODE_COLUMN: "country_code",
        codebook.MEMBERSHIP_COLUMN: "membership",
        codebook.AREA_COLUMN: "cofog_code",
    }
    long = frame.melt(
        id_vars=list(id_columns), value_vars=list(codebook.ITEM_COLUMNS), var_name="column", value_name="code"
    ).rename(columns=id_columns)
    item_position = {column: position for position, column in enumerate(codebook.ITEM_COLUMNS)}
    long["item_position"] = long["column"].map(item_position)
    long["item_id"] = long["column"].map(codebook.item_id_of_column())
    long["area"] = long["cofog_code"].map(codebook.COFOG_AREAS)
    long["response"] = recode_responses(long["code"])
    long = long.sort_values(["respondent_id", "cofog_code", "item_position"], kind="stable")
    return long[list(LONG_COLUMNS)].reset_index(drop=True)


def clean_vendor_file(
    path: str | os.PathLike[str] = OECD_RAW_FILE,
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
    column_map: Mapping[str, str] | None = None,
) -> CleanedSurvey:
    """Read, check, validate and reshape a vendor file (``column_map``: see :func:`read_vendor_file`)."""
    path = Path(path)
    return clean_vendor_frame(read_vendor_file(path, column_map), path, claims_path)


def clean_vendor_frame(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
) -> CleanedSurvey:
    """Check, validate and reshape a vendor frame already read (every column as text, as
    :func:`read_vendor_file` gives it); ``path`` names its source in messages. The validation study
    (``helpers.simulation``) cleans its samples in-process through this function."""
    path = Path(path)
    check_required_columns(frame, path)
    validate_vendor_frame(frame, path, claims_path)
    unanswered = unanswered_rows(frame)
    dropped = dropped_log(frame, unanswered, REASON_ALL_NOT_ANSWERED)
    long = to_long(frame.loc[~unanswered])
    return CleanedSurvey(
        long=long,
        dropped=dropped,
        data_are_synthetic=data_are_synthetic(frame),
        source=path,
        n_rows_read=len(frame),
    )
