"""Read and clean a respondent file of the 2008 five-country citizen survey (assumption A-EU-06).

``read_respondent_file`` reads CSV, SPSS (.sav) or Stata (.dta), renames a real file's columns to the
codebook's through ``column_map`` and keeps value labels (in ``frame.attrs``). ``clean`` then applies, in
this order, logging every changed cell and every dropped record (``codebook.CLEANING_REASONS``):

1. ``whitespace_stripped``: leading and trailing whitespace removed from text cells;
2. ``country_label_harmonised``: COUNTRY mapped to one of the five canonical names (``codebook.COUNTRY_ALIASES``,
   case and internal spacing ignored); an unknown label is an error naming the file, column, labels and rows;
3. ``exact_duplicate_dropped``: a record identical to an earlier one with the same RESPID (all columns, after
   steps 1-2): the first is kept, the copies dropped;
   ``conflicting_duplicate_dropped``: a RESPID with records that differ: every copy is dropped, since which
   one is right cannot be told;
4. ``age_out_of_range_dropped`` / ``age_missing_dropped``: AGE outside 18-99 or missing: the record is dropped
   (the sample is adults 18+, and age is needed for the weighting cell; a keyed 0, 150 or 999 says nothing
   reliable about the person);
5. ``dont_know_to_missing`` (8), ``refused_to_missing`` (9), ``undocumented_code_to_missing`` (any code the
   codebook does not document for that column): the cell becomes missing, the record is kept.

Cell changes of steps 1-2 are logged for every delivered record (they precede the duplicate check); those of
step 5 only for the records that remain. The result is validated with a pandera schema (lazy: every failure
at once; the error names the file, the columns, the checks and the rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyreadstat

from helpers.eu.codebook import (
    AGE_MAX,
    AGE_MIN,
    CANONICAL_COUNTRIES,
    CLEANING_REASONS,
    CODED_COLUMNS,
    COUNTRY_ALIASES,
    DONT_KNOW,
    RAW_COLUMNS,
    REFUSED,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
    VARIABLE_BY_NAME,
    fieldwork_window,
)

DROPPED: str = "(record dropped)"
"""``new_value`` of a log entry for a dropped record."""
NUMERIC_COLUMNS: tuple[str, ...] = tuple(column for column in RAW_COLUMNS if column not in TEXT_COLUMNS)
LOG_COLUMNS: tuple[str, ...] = ("source_row", "RESPID", "column", "old_value", "new_value", "reason")
MAX_ROWS_IN_MESSAGE: int = 20


class CleaningError(ValueError):
    """The file cannot be cleaned as it is: the message names the file, the column(s) and the rows."""


@dataclass(frozen=True)
class CleaningResult:
    """Cleaned respondents, the log of every change, counts per reason, and whether the data are synthetic.

    ``log`` has one row per changed cell or dropped record: ``source_row`` (0-based row of the raw frame),
    ``RESPID``, ``column``, ``old_value``, ``new_value`` ('' = missing, '(record dropped)'), ``reason``.
    """

    data: pd.DataFrame
    log: pd.DataFrame
    counts: dict[str, int]
    data_are_synthetic: bool


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------


def read_respondent_file(path: str | Path, column_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a respondent file (.csv, .sav or .dta) and rename its columns to the codebook's.

    ``column_map`` maps the file's column names to codebook names (``{"Q1": "SEX", ...}``); columns it does
    not name keep theirs. Codes are kept as codes (SPSS user-missing values included); SPSS/Stata value and
    variable labels go to ``frame.attrs['value_labels']`` and ``['column_labels']`` under the new names.
    Raises ``CleaningError`` naming the file and the columns if required codebook columns are missing.
    """
    path = Path(path)
    column_map = dict(column_map or {})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text_names = {name: "str" for name in _file_names(TEXT_COLUMNS, column_map)}
        frame = pd.read_csv(path, dtype=text_names, keep_default_na=False, na_values=[""])
        value_labels, column_labels = {}, {}
    elif suffix in (".sav", ".zsav", ".dta"):
        reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
        options = {} if suffix == ".dta" else {"user_missing": True}
        frame, meta = reader(str(path), apply_value_formats=False, **options)
        value_labels = dict(meta.variable_value_labels)
        column_labels = dict(zip(meta.column_names, meta.column_labels or [], strict=False))
    else:
        raise CleaningError(f"{path}: unsupported file type {suffix!r} (expected .csv, .sav or .dta)")
    not_in_file = sorted(set(column_map) - set(frame.columns))
    if not_in_file:
        raise CleaningError(f"{path}: column_map names columns that are not in the file: {not_in_file}")
    frame = frame.rename(columns=column_map)
    repeated = sorted(frame.columns[frame.columns.duplicated()].unique())
    if repeated:
        raise CleaningError(f"{path}: after renaming, columns {repeated} appear more than once")
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise CleaningError(f"{path}: missing required columns {missing} (file has {list(frame.columns)}); "
                            "map the file's names to the codebook's with column_map={file_name: codebook_name}")
    ordered = [column for column in RAW_COLUMNS if column in frame.columns]
    frame = frame[ordered + [column for column in frame.columns if column not in ordered]]
    frame.attrs["source_file"] = str(path)
    frame.attrs["value_labels"] = {column_map.get(name, name): labels for name, labels in value_labels.items()}
    frame.attrs["column_labels"] = {column_map.get(name, name): label for name, label in column_labels.items()}
    return frame


def _file_names(columns: tuple[str, ...], column_map: Mapping[str, str]) -> list[str]:
    """The file's names of codebook ``columns`` given ``column_map`` (file name -> codebook name)."""
    inverse = {target: source for source, target in column_map.items()}
    return [inverse.get(column, column) for column in columns]


# ---------------------------------------------------------------------------------------------------------
# Cleaning steps (each returns the new frame and its log entries)
# ---------------------------------------------------------------------------------------------------------


def _log_entries(frame: pd.DataFrame, mask: np.ndarray, column: str, old: pd.Series,
                 new: pd.Series | str, reason: str) -> pd.DataFrame:
    """Log rows for the records of ``frame`` selected by ``mask`` (``old``/``new`` aligned with ``frame``)."""
    mask = np.asarray(mask, dtype=bool)
    return pd.DataFrame({
        "source_row": frame.index.to_numpy()[mask],
        "RESPID": frame["RESPID"].to_numpy()[mask],
        "column": column,
        "old_value": _as_text(old[mask]),
        "new_value": new if isinstance(new, str) else _as_text(new[mask]),
        "reason": reason,
    })


def _as_text(values: pd.Series) -> np.ndarray:
    """Values as log text: whole numbers without '.0', missing as ''."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("str").fillna("").to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.notna() & (values % 1 == 0)
        text = values.astype("str")
        text[whole] = values[whole].astype("int64").astype("str")
        return text.fillna("").to_numpy(dtype=object)
    return values.astype("str").fillna("").to_numpy(dtype=object)


def _check_required(raw: pd.DataFrame, source_name: str) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        raise CleaningError(f"{source_name}: missing required columns {missing}")


def _strip_whitespace(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Strip leading/trailing whitespace from every text cell (text columns and numbers delivered as text)."""
    logs = []
    updates = {}
    for column in frame.columns:
        if not (pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object):
            continue
        original = frame[column].astype("str")
        stripped = original.str.strip()
        changed = (original.notna() & (original != stripped)).to_numpy(dtype=bool)
        if changed.any():
            logs.append(_log_entries(frame, changed, column, original, stripped, "whitespace_stripped"))
        updates[column] = stripped
    return frame.assign(**updates), logs


def _harmonise_countries(frame: pd.DataFrame, source_name: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Map COUNTRY labels to the canonical names; unknown or missing labels are an error."""
    labels = frame["COUNTRY"].astype("str")
    keys = labels.str.split().str.join(" ").str.casefold()
    canonical = keys.map(COUNTRY_ALIASES)
    unknown = canonical.isna().to_numpy(dtype=bool)
    if unknown.any():
        bad = labels[unknown]
        listing = "; ".join(
            f"{label!r} at rows {rows[:MAX_ROWS_IN_MESSAGE]}"
            for label, rows in bad.groupby(bad.fillna("<missing>"), sort=True).groups.items()
            for rows in [list(rows)]
        )
        raise CleaningError(f"{source_name}: column COUNTRY has {int(unknown.sum())} unknown or missing labels: "
                            f"{listing} (known: {list(CANONICAL_COUNTRIES)} and the aliases in "
                            "helpers.eu.codebook.COUNTRY_ALIASES)")
    changed = (canonical != labels).to_numpy(dtype=bool)
    logs = []
    if changed.any():
        logs.append(_log_entries(frame, changed, "COUNTRY", labels, canonical, "country_label_harmonised"))
    return frame.assign(COUNTRY=canonical.astype("str")), logs


def _parse_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """INTDATE as datetime64 (unparseable values become NaT, which the schema then reports with their rows)."""
    values = frame["INTDATE"]
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    elif pd.api.types.is_string_dtype(values):
        parsed = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    else:
        parsed = pd.to_datetime(values, errors="coerce")
    return frame.assign(INTDATE=parsed.astype("datetime64[s]"))


def _to_integers(frame: pd.DataFrame, source_name: str) -> pd.DataFrame:
    """Numeric codebook columns as nullable integers; text or fractional values are an error naming rows."""
    updates = {}
    problems = []
    for column in NUMERIC_COLUMNS:
        if column not in frame.columns:
            continue
        values = frame[column]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = (numbers.isna() & values.notna()) | (numbers.notna() & (numbers % 1 != 0))
        if bad.any():
            rows = frame.index[bad.to_numpy()][:MAX_ROWS_IN_MESSAGE].tolist()
            problems.append(f"column {column}: not whole numbers at rows {rows}"
                            f" (values {values[bad].astype(str).unique()[:5].tolist()})")
            continue
        updates[column] = numbers.astype("Int64")
    if problems:
        raise CleaningError(f"{source_name}: " + "; ".join(problems))
    return frame.assign(**updates)


def _resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Drop exact copies of a record (keep the first) and every record of an id whose records differ."""
    has_id = frame["RESPID"].notna().to_numpy(dtype=bool)
    exact_copy = frame.duplicated(keep="first").to_numpy(dtype=bool) & has_id
    distinct = frame.loc[~exact_copy & has_id, "RESPID"]
    conflicting_ids = distinct[distinct.duplicated(keep=False)].unique()
    conflicting = frame["RESPID"].isin(conflicting_ids).to_numpy(dtype=bool) & has_id
    exact_drop = exact_copy & ~conflicting
    ids = frame["RESPID"]
    logs = [
        _log_entries(frame, exact_drop, "RESPID", ids, DROPPED, "exact_duplicate_dropped"),
        _log_entries(frame, conflicting, "RESPID", ids, DROPPED, "conflicting_duplicate_dropped"),
    ]
    return frame.loc[~(exact_drop | conflicting)], logs


def _drop_bad_ages(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Drop records whose AGE is missing or outside AGE_MIN-AGE_MAX."""
    age = frame["AGE"]
    missing = age.isna().to_numpy(dtype=bool)
    out_of_range = ~missing & ~age.between(AGE_MIN, AGE_MAX).fillna(False).to_numpy(dtype=bool)
    logs = [
        _log_entries(frame, out_of_range, "AGE", age, DROPPED, "age_out_of_range_dropped"),
        _log_entries(frame, missing, "AGE", age, DROPPED, "age_missing_dropped"),
    ]
    return frame.loc[~(missing | out_of_range)], logs


def _recode_non_answers(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Don't know (8), refused (9) and undocumented codes become missing, column by column."""
    logs, updates = [], {}
    for column in CODED_COLUMNS:
        if column not in frame.columns:
            continue
        variable = VARIABLE_BY_NAME[column]
        values = frame[column]
        present = values.notna().to_numpy(dtype=bool)
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        dont_know = present & (numbers == DONT_KNOW) & (DONT_KNOW in variable.missing_codes)
        refused = present & (numbers == REFUSED) & (REFUSED in variable.missing_codes)
        undocumented = present & ~np.isin(numbers, sorted(variable.documented_codes))
        for reason, mask in (("dont_know_to_missing", dont_know), ("refused_to_missing", refused),
                             ("undocumented_code_to_missing", undocumented)):
            if mask.any():
                logs.append(_log_entries(frame, mask, column, values, "", reason))
        to_missing = dont_know | refused | undocumented
        if to_missing.any():
            updates[column] = values.mask(to_missing)
    return frame.assign(**updates), logs


# ---------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------


def respondent_schema() -> pa.DataFrameSchema:
    """Pandera schema of a cleaned respondent file (extra columns allowed; SYNTHETIC optional)."""
    first_day, last_day = fieldwork_window()
    columns: dict[str, pa.Column] = {
        "RESPID": pa.Column("Int64", pa.Check.ge(1), nullable=False, unique=True),
        "COUNTRY": pa.Column(None, pa.Check.isin(list(CANONICAL_COUNTRIES)), nullable=False),
        "INTDATE": pa.Column(None, pa.Check.in_range(pd.Timestamp(first_day), pd.Timestamp(last_day)), nullable=False),
        "AGE": pa.Column("Int64", pa.Check.in_range(AGE_MIN, AGE_MAX), nullable=False),
    }
    for column in CODED_COLUMNS:
        variable = VARIABLE_BY_NAME[column]
        columns[column] = pa.Column("Int64", pa.Check.isin(sorted(variable.value_labels)),
                                    nullable=column != "SEX", required=variable.required)
    return pa.DataFrameSchema(columns, strict=False, coerce=False, name="eu2008 respondents (cleaned)")


def _validate(frame: pd.DataFrame, source_name: str) -> None:
    try:
        respondent_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        lines = []
        for (column, check), group in cases.groupby(["column", "check"], sort=True, dropna=False):
            rows = sorted(int(row) for row in group["index"].dropna().unique())
            values = group["failure_case"].astype(str).unique()[:5].tolist()
            lines.append(f"  column {column}, check {check}: {len(group)} failures at rows "
                         f"{rows[:MAX_ROWS_IN_MESSAGE]}{' ...' if len(rows) > MAX_ROWS_IN_MESSAGE else ''} "
                         f"(values {values})")
        raise CleaningError(f"{source_name}: the cleaned data fail validation:\n" + "\n".join(lines)) from None


def _synthetic_flag(frame: pd.DataFrame, source_name: str) -> bool:
    """True if every record carries SYNTHETIC = 1; False without the column or with all 0; mixed is an error."""
    if "SYNTHETIC" not in frame.columns or frame.empty:
        return False
    values = set(frame["SYNTHETIC"].dropna().astype(int).unique().tolist())
    if values == {1}:
        return True
    if values <= {0}:
        return False
    raise CleaningError(f"{source_name}: column SYNTHETIC mixes synthetic and real records")


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def clean(raw: pd.DataFrame, source_name: str) -> CleaningResult:
    """Clean a raw respondent frame (see the module docstring for the steps); ``source_name`` names the file
    in every message. The log's ``source_row`` is the 0-based row position in ``raw``."""
    _check_required(raw, source_name)
    frame = raw.reset_index(drop=True)
    frame, logs = _strip_whitespace(frame)
    frame = _to_integers(frame, source_name)
    frame, country_logs = _harmonise_countries(frame, source_name)
    frame = _parse_dates(frame)
    frame, duplicate_logs = _resolve_duplicates(frame)
    frame, age_logs = _drop_bad_ages(frame)
    frame, code_logs = _recode_non_answers(frame)
    _validate(frame, source_name)
    log = _assemble_log(logs + country_logs + duplicate_logs + age_logs + code_logs)
    counts_by_reason = log["reason"].value_counts()
    return CleaningResult(
        data=frame.reset_index(drop=True),
        log=log,
        counts={reason: int(counts_by_reason.get(reason, 0)) for reason in CLEANING_REASONS},
        data_are_synthetic=_synthetic_flag(frame, source_name),
    )


def _assemble_log(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One log frame, ordered by reason (cleaning order), source row and column (codebook order)."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({name: pd.Series(dtype="str") for name in LOG_COLUMNS}).astype(
            {"source_row": "int64", "RESPID": "Int64"})
    log = pd.concat(parts, ignore_index=True)
    reason_rank = log["reason"].map({reason: rank for rank, reason in enumerate(CLEANING_REASONS)})
    column_rank = log["column"].map({column: rank for rank, column in enumerate(RAW_COLUMNS)}).fillna(len(RAW_COLUMNS))
    order = np.lexsort((column_rank.to_numpy(), log["source_row"].to_numpy(), reason_rank.to_numpy()))
    log = log.iloc[order].reset_index(drop=True)
    return log.astype({"source_row": "int64", "RESPID": "Int64", "column": "str", "old_value": "str",
                       "new_value": "str", "reason": "str"})[list(LOG_COLUMNS)]
