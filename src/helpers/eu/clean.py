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
step 5 only for the records that remain. The result is validated with a pandera schema (lazy).

What cleaning does not resolve stops it with one ``CleaningError`` that lists every problem at once, naming
the file, the column(s) and the rows (0-based record positions, as ``source_row`` in the log): values that are
not whole numbers in a numeric column, unknown country labels, more conflicting duplicates than
``MAX_CONFLICTING_DUPLICATE_SHARE`` of the records, more codes outside the codebook in one column than
``MAX_UNDOCUMENTED_CODE_SHARE`` (a different coding scheme, not keying slips), schema failures of the cleaned
data (ids, dates outside the fieldwork window, SEX), and a SYNTHETIC column mixing 0 and 1. The two shares
never refuse ``MIN_TOLERATED_RECORDS`` records or fewer, so a small file may have a few such records.

``read_respondent_file`` first checks the file itself (for CSV with ``helpers.data.validation.read_csv_checked``:
empty, header-only, not UTF-8, not comma-delimited, truncated, ragged lines; for SPSS/Stata: unreadable or
without records) and the columns (missing required ones named, with a guess for renamed ones). Only
``codebook.REQUIRED_COLUMNS`` (RESPID, COUNTRY, INTDATE, SEX, AGE) must be there; an optional column the file
lacks is added empty by ``clean``, and the analyses that need it are narrowed or skipped with a note in the
reports (``helpers.data.real_data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
    REFUSED,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
    VARIABLE_BY_NAME,
    fieldwork_window,
)
from helpers.data.validation import (
    InputFileError,
    format_row_numbers,
    format_values,
    problems_message,
    read_csv_checked,
    renamed_columns_hint,
)

DROPPED: str = "(record dropped)"
"""``new_value`` of a log entry for a dropped record."""
NUMERIC_COLUMNS: tuple[str, ...] = tuple(column for column in RAW_COLUMNS if column not in TEXT_COLUMNS)
LOG_COLUMNS: tuple[str, ...] = ("source_row", "RESPID", "column", "old_value", "new_value", "reason")
MAX_ROWS_IN_MESSAGE: int = 20
MAX_CONFLICTING_DUPLICATE_SHARE: float = 0.01
"""Largest share of the delivered records that may be dropped as conflicting duplicates (ids whose records differ)."""
MAX_UNDOCUMENTED_CODE_SHARE: float = 0.05
"""Largest share of the delivered records that may carry a code outside the codebook in any one column."""
MIN_TOLERATED_RECORDS: int = 10
"""The two shares above never refuse this many records or fewer (1% of a small file is less than one record)."""
ROWS_NOTE: str = "rows are 0-based record positions, row 0 being the first record, as source_row in the cleaning log"


class CleaningError(InputFileError):
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
        frame = read_csv_checked(path, dtype=text_names, na_values=[""], error_type=CleaningError)
        value_labels, column_labels = {}, {}
    elif suffix in (".sav", ".zsav", ".dta"):
        frame, value_labels, column_labels = _read_labelled_file(path)
    else:
        raise CleaningError(f"{path}: unsupported file type {suffix!r} (expected .csv, .sav or .dta)")
    problems = _column_problems(list(frame.columns), column_map)
    if frame.empty and not problems:
        problems.append(f"the file has {len(frame.columns)} columns but no records")
    if problems:
        raise CleaningError(problems_message(path, problems))
    frame = frame.rename(columns=column_map)
    ordered = [column for column in RAW_COLUMNS if column in frame.columns]
    frame = frame[ordered + [column for column in frame.columns if column not in ordered]]
    labels_by_codebook_name = {column_map.get(name, name): labels for name, labels in value_labels.items()}
    frame = _country_codes_as_labels(frame, labels_by_codebook_name.get("COUNTRY"))
    frame.attrs["source_file"] = str(path)
    frame.attrs["value_labels"] = labels_by_codebook_name
    frame.attrs["column_labels"] = {column_map.get(name, name): label for name, label in column_labels.items()}
    return frame


def _country_codes_as_labels(frame: pd.DataFrame, labels: Mapping[float, str] | None) -> pd.DataFrame:
    """A numerically coded COUNTRY (SPSS and Stata deliveries often code it) as its value labels' text.

    Codes without a label become their number as text ('7'), so that the country check names them; a
    COUNTRY that is already text, or has no value labels, is left as it is.
    """
    if not labels or "COUNTRY" not in frame.columns or not pd.api.types.is_numeric_dtype(frame["COUNTRY"]):
        return frame
    codes = frame["COUNTRY"].astype("float64")
    as_text = codes.map({float(code): str(label) for code, label in labels.items()}).astype("object")
    unlabelled = codes.notna() & as_text.isna()
    whole = unlabelled & (codes % 1 == 0)
    as_text[whole] = codes[whole].astype("int64").astype("str")
    as_text[unlabelled & ~whole] = codes[unlabelled & ~whole].astype("str")
    return frame.assign(COUNTRY=as_text)


def _read_labelled_file(path: Path) -> tuple[pd.DataFrame, dict, dict]:
    """Read an SPSS (.sav, .zsav) or Stata (.dta) file: the frame, value labels and column labels by file name."""
    if path.stat().st_size == 0:
        raise CleaningError(f"{path}: the file is empty (0 bytes)")
    is_stata = path.suffix.lower() == ".dta"
    reader = pyreadstat.read_dta if is_stata else pyreadstat.read_sav
    options = {} if is_stata else {"user_missing": True}
    try:
        frame, meta = reader(str(path), apply_value_formats=False, **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError) as error:
        kind = "a Stata" if is_stata else "an SPSS"
        raise CleaningError(f"{path}: cannot be read as {kind} file (damaged or truncated?): {error}") from None
    value_labels = dict(meta.variable_value_labels)
    column_labels = dict(zip(meta.column_names, meta.column_labels or [], strict=False))
    return frame, value_labels, column_labels


def _column_problems(file_columns: list[str], column_map: Mapping[str, str]) -> list[str]:
    """Names in ``column_map`` that the file lacks, columns repeated after renaming, missing required columns."""
    problems = []
    not_in_file = sorted(set(column_map) - set(file_columns))
    if not_in_file:
        problems.append(f"column_map names columns that are not in the file: {not_in_file}"
                        f"{renamed_columns_hint(not_in_file, file_columns, column_map.values())}")
    renamed = [column_map.get(name, name) for name in file_columns]
    repeated = sorted({name for name in renamed if renamed.count(name) > 1})
    if repeated:
        problems.append(f"after renaming, columns {repeated} appear more than once")
    missing = [column for column in REQUIRED_COLUMNS if column not in renamed]
    if missing:
        unknown = [name for name in renamed if name not in RAW_COLUMNS]
        problems.append(f"missing required columns {missing}{renamed_columns_hint(missing, renamed, RAW_COLUMNS)} "
                        f"(columns not in the codebook: {unknown}); map the file's names to the codebook's with "
                        "column_map={file_name: codebook_name}")
    return problems


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
        hint = renamed_columns_hint(missing, list(raw.columns), RAW_COLUMNS)
        raise CleaningError(f"{source_name}: missing required columns {missing}{hint}")


def _rows(rows: Iterable[int]) -> str:
    """``'rows [1, 3]'`` (at most MAX_ROWS_IN_MESSAGE listed, then '(and N more)')."""
    return format_row_numbers(rows, label="rows", limit=MAX_ROWS_IN_MESSAGE, bracketed=True)


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


def _harmonise_countries(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame], list[str]]:
    """Map COUNTRY labels to the canonical names; unknown or missing labels are kept and reported as a problem."""
    labels = frame["COUNTRY"].astype("str")
    keys = labels.str.split().str.join(" ").str.casefold()
    canonical = keys.map(COUNTRY_ALIASES)
    unknown = canonical.isna().to_numpy(dtype=bool)
    problems = []
    if unknown.any():
        bad = labels[unknown]
        listing = "; ".join(
            f"{label!r} at {_rows(rows)}"
            for label, rows in bad.groupby(bad.fillna("<missing>"), sort=True).groups.items()
        )
        problems.append(f"column COUNTRY has {int(unknown.sum())} unknown or missing labels: {listing} "
                        f"(known: {list(CANONICAL_COUNTRIES)} and the aliases in "
                        "helpers.eu.codebook.COUNTRY_ALIASES)")
    changed = (~unknown & (canonical != labels)).to_numpy(dtype=bool)
    logs = []
    if changed.any():
        logs.append(_log_entries(frame, changed, "COUNTRY", labels, canonical, "country_label_harmonised"))
    return frame.assign(COUNTRY=canonical.fillna(labels).astype("str")), logs, problems


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


def _to_integers(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric codebook columns as nullable integers; text or fractional values become missing and are
    reported, by column, as problems naming the column, the rows and the values."""
    updates = {}
    problems = {}
    for column in NUMERIC_COLUMNS:
        if column not in frame.columns:
            continue
        values = frame[column]
        numbers = pd.to_numeric(values, errors="coerce")
        bad = (numbers.isna() & values.notna()) | (numbers.notna() & (numbers % 1 != 0))
        if bad.any():
            problems[column] = (f"column {column}: not whole numbers at {_rows(frame.index[bad.to_numpy()])} "
                                f"(values {format_values(values[bad].astype(str), limit=5)})")
            numbers = numbers.mask(bad)
        updates[column] = numbers.astype("Int64")
    return frame.assign(**updates), problems


def _add_absent_optional_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Every optional codebook column the file lacks, added as an empty (all missing) column in codebook order,
    so that the cleaned data always have the codebook's shape; ``helpers.data.real_data.missing_variables`` then
    reports it as not available, like a column whose every answer is missing."""
    absent = [column for column in OPTIONAL_COLUMNS if column not in frame.columns]
    if not absent:
        return frame
    added = frame.assign(**{column: pd.array([pd.NA] * len(frame), dtype="Int64") for column in absent})
    ordered = [column for column in RAW_COLUMNS if column in added.columns]
    return added[ordered + [column for column in added.columns if column not in ordered]]


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


def _schema_problems(frame: pd.DataFrame, delivered: pd.DataFrame, already_reported: set[str]) -> list[str]:
    """Every failure of the cleaned data against ``respondent_schema`` (one problem listing them), with the
    values as ``delivered`` (a SEX code 3 rather than the missing value cleaning made of it), leaving out the
    columns in ``already_reported`` (their values were reported by an earlier check)."""
    try:
        respondent_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases.loc[~cases["column"].isin(already_reported)]
        lines = []
        for (column, check), group in cases.groupby(["column", "check"], sort=True, dropna=False):
            rows = group["index"].dropna().astype(int)
            if column in delivered.columns and len(rows):
                values = format_values(_as_text(delivered.loc[rows, column]), limit=5)
            else:
                values = format_values(group["failure_case"].astype(str), limit=5)
            lines.append(f"  column {column}, check {check}: {len(group)} failures at {_rows(rows)} "
                         f"(values as delivered {values})")
        if lines:
            return ["the cleaned data fail validation:\n" + "\n".join(lines)]
    return []


def _too_many(count: int, n_records: int, share: float) -> bool:
    """Whether ``count`` records exceed ``share`` of ``n_records`` (never when at most MIN_TOLERATED_RECORDS)."""
    return count > max(MIN_TOLERATED_RECORDS, share * n_records)


def _conflicting_duplicate_problems(log: pd.DataFrame, n_records: int, share: float) -> list[str]:
    """A problem when more records than ``share`` of the file were dropped as conflicting duplicates."""
    dropped = log.loc[log["reason"] == "conflicting_duplicate_dropped"]
    if not _too_many(len(dropped), n_records, share):
        return []
    ids = format_values(dropped["RESPID"].astype(str), limit=10)
    return [f"column RESPID: {len(dropped)} of {n_records} records ({len(dropped) / n_records:.1%}) share an id "
            f"with a record that differs (conflicting duplicates, ids {ids}) at {_rows(dropped['source_row'])}; "
            f"cleaning drops at most {share:.0%} of the records (or {MIN_TOLERATED_RECORDS}) this way: ask the vendor "
            "which records are right"]


def _undocumented_code_problems(log: pd.DataFrame, n_records: int, share: float) -> dict[str, str]:
    """A problem, by column, where more records than ``share`` carry codes outside the codebook."""
    undocumented = log.loc[log["reason"] == "undocumented_code_to_missing"]
    problems = {}
    for column, entries in undocumented.groupby("column", sort=False):
        if _too_many(len(entries), n_records, share):
            documented = sorted(VARIABLE_BY_NAME[column].documented_codes)
            problems[column] = (
                f"column {column}: {len(entries)} of {n_records} records ({len(entries) / n_records:.1%}) have codes "
                f"outside the codebook (values {format_values(entries['old_value'], limit=5)}; documented "
                f"{documented}) at {_rows(entries['source_row'])}; more than {share:.0%} suggests another coding "
                "scheme: map the codes first"
            )
    return problems


def _synthetic_flag(frame: pd.DataFrame) -> tuple[bool, list[str]]:
    """True if every record carries SYNTHETIC = 1; False without the column or with all 0; mixed is a problem."""
    if "SYNTHETIC" not in frame.columns or frame.empty:
        return False, []
    values = set(frame["SYNTHETIC"].dropna().astype(int).unique().tolist())
    if values == {1}:
        return True, []
    if values <= {0}:
        return False, []
    mixed = f"column SYNTHETIC mixes synthetic and real records (values {sorted(values)})"
    return False, [mixed]


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def clean(
    raw: pd.DataFrame,
    source_name: str,
    *,
    max_conflicting_share: float = MAX_CONFLICTING_DUPLICATE_SHARE,
    max_undocumented_share: float = MAX_UNDOCUMENTED_CODE_SHARE,
) -> CleaningResult:
    """Clean a raw respondent frame (see the module docstring for the steps); ``source_name`` names the file
    in every message. The log's ``source_row`` is the 0-based row position in ``raw``.

    Raises ``CleaningError`` listing every problem cleaning cannot resolve (module docstring), all at once.
    """
    _check_required(raw, source_name)
    frame = raw.reset_index(drop=True)
    frame, logs = _strip_whitespace(frame)
    frame, type_problems = _to_integers(frame)
    frame = _add_absent_optional_columns(frame)
    frame, country_logs, country_problems = _harmonise_countries(frame)
    frame = _parse_dates(frame)
    frame, duplicate_logs = _resolve_duplicates(frame)
    frame, age_logs = _drop_bad_ages(frame)
    frame, code_logs = _recode_non_answers(frame)
    log = _assemble_log(logs + country_logs + duplicate_logs + age_logs + code_logs)
    code_problems = _undocumented_code_problems(log, len(raw), max_undocumented_share)
    already_reported = set(type_problems) | set(code_problems) | ({"COUNTRY"} if country_problems else set())
    data_are_synthetic, synthetic_problems = _synthetic_flag(frame)
    problems = [
        *type_problems.values(),
        *country_problems,
        *_conflicting_duplicate_problems(log, len(raw), max_conflicting_share),
        *code_problems.values(),
        *_schema_problems(frame, raw.reset_index(drop=True), already_reported),
        *synthetic_problems,
    ]
    if problems:
        raise CleaningError(f"{problems_message(source_name, problems)}\n  ({ROWS_NOTE})")
    counts_by_reason = log["reason"].value_counts()
    return CleaningResult(
        data=frame.reset_index(drop=True),
        log=log,
        counts={reason: int(counts_by_reason.get(reason, 0)) for reason in CLEANING_REASONS},
        data_are_synthetic=data_are_synthetic,
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
