"""Read and clean a respondent file of the 2008 five-country citizen survey (assumption A-EU-06).

``read_respondent_file`` reads CSV (UTF-8, UTF-16 or Windows-1252; comma, semicolon, tab or pipe delimited;
'.' or ',' as decimal mark), SPSS (.sav, .zsav) or Stata (.dta) through ``helpers.data.delivery``, renames a real
file's columns to the codebook's through ``column_map`` (a column that differs from a codebook name only by case
or surrounding spaces is renamed too), keeps value labels (in ``frame.attrs``) and collects the values the file
declares missing (SPSS user-missing values and ranges, Stata extended missing values .a-.z) and those the
``missing_codes`` parameter declares. ``clean`` then applies, in this order, logging every changed cell and
every dropped record (``codebook.CLEANING_REASONS``):

1. ``whitespace_stripped``: leading and trailing whitespace removed from text cells;
2. declared missing values become missing, in every column, with their reason (``dont_know_to_missing``,
   ``refused_to_missing``, ``not_asked_to_missing``, or ``declared_missing_to_missing`` when neither the
   declaration, the value label nor the codebook gives one);
3. ``value_mapped``: the ``value_map`` parameter ({COLUMN: {delivered value or its label: codebook value}});
4. ``country_label_harmonised``: COUNTRY mapped to one of the five canonical names (any spelling in
   ``codebook.COUNTRY_ALIASES``: the names in the five countries' languages and the ISO codes, case, accents
   and punctuation ignored); an unknown label is an error naming the file, column, labels and rows;
5. ``exact_duplicate_dropped``: a record identical to an earlier one with the same RESPID (on the codebook's
   columns; extra vendor columns such as weights or interviewer ids are carried along and ignored): the first
   is kept, the copies dropped;
   ``conflicting_duplicate_dropped``: a RESPID with records that differ: every copy is dropped, since which
   one is right cannot be told;
6. ``age_out_of_range_dropped`` / ``age_missing_dropped``: AGE outside 18-99 or missing: the record is dropped
   (the sample is adults 18+, and age is needed for the weighting cell; a keyed 0, 150 or 999 says nothing
   reliable about the person);
7. ``dont_know_to_missing`` (8, 98), ``refused_to_missing`` (9, 99), ``undocumented_code_to_missing`` (any code
   the codebook does not document for that column): the cell becomes missing, the record is kept.

Cell changes of steps 1-4 are logged for every delivered record (they precede the duplicate check); those of
step 7 only for the records that remain. The result is validated with a pandera schema (lazy).

What cleaning does not resolve stops it with one ``CleaningError`` that lists every problem at once, naming
the file, the column(s) and the rows (0-based record positions, as ``source_row`` in the log): values that are
not whole numbers in a numeric column, unknown country labels, more conflicting duplicates than
``MAX_CONFLICTING_DUPLICATE_SHARE`` of the records, more codes outside the codebook in one column than
``MAX_UNDOCUMENTED_CODE_SHARE`` (a different coding scheme, not keying slips), schema failures of the cleaned
data (ids, dates outside the fieldwork window, SEX), and a SYNTHETIC column mixing 0 and 1. The synthetic
marker in any form (``helpers.data.origin.marker_evidence``) is kept as evidence for the data's origin, which
``helpers.eu.stages.run_cleaning`` decides. The two shares
never refuse ``MIN_TOLERATED_RECORDS`` records or fewer, so a small file may have a few such records.

``read_respondent_file`` first checks the file itself (``helpers.data.delivery.read_delivery``: a folder, an
unreadable or huge file, a spreadsheet under a .csv name, empty, header-only, encoding, NUL bytes, truncated,
ragged lines, a repeated header line; for SPSS/Stata: unreadable or without records), the parameters
(``column_map`` with a null target, ``missing_codes``) and the columns (missing required ones named, with a guess
for renamed ones). Only
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

from helpers.data.delivery import (
    MissingDeclaration,
    clean_column_map,
    codebook_renames,
    column_map_problems,
    mapped_values,
    missing_codes_problems,
    missing_reasons,
    parameter_declarations,
    read_delivery,
    value_map_problems,
)
from helpers.data.origin import marker_evidence
from helpers.eu.codebook import (
    AGE_MAX,
    AGE_MIN,
    CANONICAL_COUNTRIES,
    CLEANING_REASONS,
    CODED_COLUMNS,
    DONT_KNOW_CODES,
    MISSING_CODE_REASONS,
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
    REFUSED_CODES,
    REQUIRED_COLUMNS,
    SURVEY_QUESTION_COLUMNS,
    TEXT_COLUMNS,
    VARIABLE_BY_NAME,
    canonical_country,
    fieldwork_window,
)
from helpers.data.validation import (
    InputFileError,
    format_row_numbers,
    format_values,
    problems_message,
    renamed_columns_hint,
)

DROPPED: str = "(record dropped)"
"""``new_value`` of a log entry for a dropped record."""
NUMERIC_COLUMNS: tuple[str, ...] = tuple(column for column in RAW_COLUMNS if column not in TEXT_COLUMNS)
MISSING_LOG_REASONS: dict[str, str] = {"dont_know": "dont_know_to_missing", "refused": "refused_to_missing",
                                       "not_asked": "not_asked_to_missing", "missing": "declared_missing_to_missing"}
"""Log reason of a declared missing value, by its reason (``helpers.data.delivery.MISSING_REASONS``)."""
MISSING_CODES_EVERY_COLUMN: tuple[str, ...] = tuple(column for column in RAW_COLUMNS if column not in ("RESPID", "SYNTHETIC"))
"""The columns ``missing_codes: {'*': ...}`` applies to (every codebook column but the id and the flag)."""
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
    origin_evidence: tuple[str, ...] = ()
    """What in the file marks it as synthetic (``helpers.data.origin.marker_evidence``); empty when nothing does."""
    data_origin: str = "not declared"
    """'synthetic', 'real' or 'not declared', once ``helpers.eu.stages.run_cleaning`` has decided it."""


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------


def read_respondent_file(
    path: str | Path,
    column_map: Mapping[str, str] | None = None,
    *,
    missing_codes: Mapping[str, object] | None = None,
    delimiter: str = "auto",
    decimal: str = "auto",
    encoding: str = "auto",
) -> pd.DataFrame:
    """Read a respondent file (.csv, .sav, .zsav or .dta) and rename its columns to the codebook's.

    ``column_map`` maps the file's column names to codebook names (``{"Q1": "SEX", ...}``); columns it does
    not name keep theirs (or take the codebook's name when they differ from it only by case or surrounding
    spaces). Codes are kept as delivered; what the file declares missing (SPSS user-missing values, Stata
    extended missing values) and what ``missing_codes`` ({COLUMN or '*': [codes] or {code: reason}}) declares
    go to ``frame.attrs['declared_missing']`` for :func:`clean` to apply and log. SPSS/Stata value and variable
    labels go to ``frame.attrs['value_labels']`` and ``['column_labels']`` under the new names; ``['reading']``
    says how the file was read (format, encoding, delimiter). ``delimiter``, ``decimal`` and ``encoding`` apply
    to a CSV ('auto' detects them).

    Raises ``CleaningError`` naming the file and the problem: the file itself (see the module docstring), the
    parameters, and required codebook columns that are missing.
    """
    path = Path(path)
    given_map = column_map or {}
    mapping = clean_column_map(given_map) if isinstance(given_map, Mapping) else {}
    text_names = {name: "str" for name in _file_names(TEXT_COLUMNS, mapping)}
    delivery = read_delivery(path, error_type=CleaningError, dtype=text_names, delimiter=delimiter, decimal=decimal,
                             encoding=encoding, header_problems=lambda names: _header_problems(names, given_map,
                                                                                              missing_codes))
    frame = delivery.frame
    file_columns = [str(column) for column in frame.columns]
    automatic = codebook_renames(file_columns, RAW_COLUMNS, mapping)
    full_map = {**automatic, **mapping}
    if frame.empty:
        raise CleaningError(f"{path}: the file has {len(frame.columns)} columns but no records")
    frame = frame.rename(columns=full_map)
    ordered = [column for column in RAW_COLUMNS if column in frame.columns]
    frame = frame[ordered + [column for column in frame.columns if column not in ordered]]
    labels_by_codebook_name = {full_map.get(name, name): labels for name, labels in delivery.value_labels.items()}
    declared: dict[str, list[MissingDeclaration]] = {
        full_map.get(name, name): [declaration] for name, declaration in delivery.declared_missing.items()}
    every_column = [column for column in MISSING_CODES_EVERY_COLUMN if column in frame.columns]
    for column, declaration in parameter_declarations(missing_codes or {}, frame.columns, every_column).items():
        declared.setdefault(column, []).append(declaration)
    frame = _country_codes_as_labels(frame, labels_by_codebook_name.get("COUNTRY"))
    frame.attrs["source_file"] = str(path)
    frame.attrs["value_labels"] = labels_by_codebook_name
    frame.attrs["column_labels"] = {full_map.get(name, name): label for name, label in delivery.column_labels.items()}
    frame.attrs["file_label"] = delivery.file_label
    frame.attrs["declared_missing"] = declared
    frame.attrs["reading"] = {**delivery.reading, **({"renamed": automatic} if automatic else {})}
    return frame


def _country_codes_as_labels(frame: pd.DataFrame, labels: Mapping[float, str] | None) -> pd.DataFrame:
    """A numerically coded COUNTRY (SPSS and Stata deliveries often code it) as its value labels' text.

    Codes without a label become their number as text ('7'), so that the country check names them; a
    COUNTRY that is already text, or has no value labels, is left as it is.
    """
    if not labels or "COUNTRY" not in frame.columns:
        return frame
    codes = pd.to_numeric(frame["COUNTRY"], errors="coerce").astype("float64")
    if not codes.notna().any() or pd.api.types.is_string_dtype(frame["COUNTRY"]):
        return frame
    as_text = codes.map({float(code): str(label) for code, label in labels.items()
                         if not isinstance(code, str)}).astype("object")
    unlabelled = codes.notna() & as_text.isna()
    whole = unlabelled & (codes % 1 == 0)
    as_text[whole] = codes[whole].astype("int64").astype("str")
    as_text[unlabelled & ~whole] = codes[unlabelled & ~whole].astype("str")
    keep = codes.isna()  # not a number: an extended missing value or a text label, left for the cleaning
    as_text[keep] = frame.loc[keep, "COUNTRY"]
    return frame.assign(COUNTRY=as_text)


def _header_problems(file_columns: list[str], column_map: object, missing_codes: object) -> list[str]:
    """Every problem of the file's column names with the parameters: ``column_map`` (null targets, names the file
    lacks), columns repeated after renaming, missing required columns, ``missing_codes`` naming unknown columns."""
    problems = column_map_problems(column_map, file_columns, RAW_COLUMNS)
    mapping = clean_column_map(column_map) if isinstance(column_map, Mapping) else {}
    full_map = {**codebook_renames(file_columns, RAW_COLUMNS, mapping), **mapping}
    if not problems:
        problems += _column_problems(file_columns, full_map)
    return problems + missing_codes_problems(missing_codes, [full_map.get(name, name) for name in file_columns])


def _column_problems(file_columns: list[str], column_map: Mapping[str, str]) -> list[str]:
    """Columns repeated after renaming and missing required columns (names ``column_map`` gets wrong are
    reported by ``helpers.data.delivery.column_map_problems``)."""
    problems = []
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
        "RESPID": _respid_for_log(frame["RESPID"]).to_numpy()[mask],
        "column": column,
        "old_value": _as_text(old[mask]),
        "new_value": new if isinstance(new, str) else _as_text(new[mask]),
        "reason": reason,
    })


def _respid_for_log(ids: pd.Series) -> pd.Series:
    """RESPID as the log's whole numbers; an id that is not one (text, a fraction) is logged as missing (the
    cleaning then refuses the file, naming it)."""
    numbers = pd.to_numeric(ids, errors="coerce").astype("float64")
    return numbers.where(numbers % 1 == 0).astype("Int64")


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
    canonical = frame["COUNTRY"].map(canonical_country)
    unknown = canonical.isna().to_numpy(dtype=bool)
    problems = []
    if unknown.any():
        bad = labels[unknown]
        listing = "; ".join(
            f"{label!r} at {_rows(rows)}"
            for label, rows in bad.groupby(bad.fillna("<missing>"), sort=True).groups.items()
        )
        problems.append(f"column COUNTRY has {int(unknown.sum())} unknown or missing labels: {listing} "
                        f"(known: {list(CANONICAL_COUNTRIES)}, their names in Czech, Danish, French and German, "
                        "their ISO codes and the aliases in helpers.eu.codebook.COUNTRY_ALIASES; map other labels "
                        "with value_map: {COUNTRY: {label: Denmark}})")
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


def _date_problems(frame: pd.DataFrame, delivered: pd.Series) -> list[str]:
    """Interview dates delivered but not readable as dates (``YYYY-MM-DD`` in a CSV), with their rows and values."""
    unreadable = (frame["INTDATE"].isna() & delivered.notna()).to_numpy(dtype=bool)
    if not unreadable.any():
        return []
    return [f"column INTDATE: not a date written YYYY-MM-DD at {_rows(frame.index[unreadable])} (values "
            f"{format_values(delivered[unreadable].astype(str), limit=5)}); write the dates as YYYY-MM-DD, or deliver "
            "a date variable (SPSS, Stata)"]


def _to_integers(frame: pd.DataFrame, decimal: str = ".") -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric codebook columns as nullable integers; text or fractional values become missing and are
    reported, by column, as problems naming the column, the rows and the values (with ``decimal`` ',' a
    '35,0' is 35). The SYNTHETIC flag is converted without complaint: its values are evidence, judged by
    ``helpers.data.origin.flag_state``, not data."""
    updates = {}
    problems = {}
    for column in NUMERIC_COLUMNS:
        if column not in frame.columns:
            continue
        values = frame[column]
        text = values.astype("object").where(values.notna())
        if decimal == ",":
            text = text.map(lambda value: value.replace(",", ".") if isinstance(value, str) else value)
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = (numbers.isna() & values.notna()) | (numbers.notna() & (numbers % 1 != 0))
        if column == "SYNTHETIC":
            updates[column] = numbers.mask(bad).astype("Int64")
            continue
        if bad.any():
            labels = column in CODED_COLUMNS and bool((numbers.isna() & values.notna()).any())
            hint = f"; if these are labels, map them with value_map: {{{column}: {{label: code}}}}" if labels else ""
            problems[column] = (f"column {column}: not whole numbers at {_rows(frame.index[bad.to_numpy()])} "
                                f"(values {format_values(values[bad].astype(str), limit=5)}){hint}")
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
    """Drop exact copies of a record (keep the first) and every record of an id whose records differ; records
    are compared on the codebook's columns only (two copies differing in a vendor weight are one interview)."""
    has_id = frame["RESPID"].notna().to_numpy(dtype=bool)
    codebook_columns = [column for column in RAW_COLUMNS if column in frame.columns]
    exact_copy = frame.duplicated(subset=codebook_columns, keep="first").to_numpy(dtype=bool) & has_id
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
    """Don't know (8, 98), refused (9, 99) and undocumented codes become missing, column by column."""
    logs, updates = [], {}
    for column in CODED_COLUMNS:
        if column not in frame.columns:
            continue
        variable = VARIABLE_BY_NAME[column]
        values = frame[column]
        present = values.notna().to_numpy(dtype=bool)
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        dont_know = present & np.isin(numbers, [code for code in DONT_KNOW_CODES if code in variable.missing_codes])
        refused = present & np.isin(numbers, [code for code in REFUSED_CODES if code in variable.missing_codes])
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
    columns in ``already_reported`` (their values were reported by an earlier check), or single checks of a
    column given as ``'COLUMN:check'``."""
    try:
        respondent_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        pairs = cases["column"].astype(str) + ":" + cases["check"].astype(str)
        cases = cases.loc[~cases["column"].isin(already_reported) & ~pairs.isin(already_reported)]
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


def _apply_declared_missing(frame: pd.DataFrame, declared: Mapping[str, list[MissingDeclaration]],
                            value_labels: Mapping[str, Mapping[object, str]]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Every value the file or ``missing_codes`` declares missing becomes missing, logged with its reason."""
    logs, updates = [], {}
    for column, declarations in declared.items():
        if column not in frame.columns:
            continue
        defaults = MISSING_CODE_REASONS if column in SURVEY_QUESTION_COLUMNS else None
        reasons = missing_reasons(frame[column], declarations, value_labels.get(column), defaults)
        declared_missing = reasons.notna().to_numpy(dtype=bool)
        if not declared_missing.any():
            continue
        for reason, log_reason in MISSING_LOG_REASONS.items():
            mask = (reasons == reason).to_numpy(dtype=bool)
            if mask.any():
                logs.append(_log_entries(frame, mask, column, frame[column], "", log_reason))
        updates[column] = frame[column].astype("object").mask(declared_missing)
    return frame.assign(**updates), logs


def _apply_value_map(frame: pd.DataFrame, value_map: Mapping[str, Mapping[object, object]],
                     value_labels: Mapping[str, Mapping[object, str]]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The ``value_map`` parameter applied to each column it names (to the values, or to their value labels)."""
    logs, updates = [], {}
    for column, mapping in value_map.items():
        new, changed = mapped_values(frame[column], mapping, value_labels.get(column))
        if changed.any():
            logs.append(_log_entries(frame, changed, column, frame[column], new.astype("object"), "value_mapped"))
            updates[column] = new
    return frame.assign(**updates), logs


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def clean(
    raw: pd.DataFrame,
    source_name: str,
    *,
    value_map: Mapping[str, Mapping[object, object]] | None = None,
    max_conflicting_share: float = MAX_CONFLICTING_DUPLICATE_SHARE,
    max_undocumented_share: float = MAX_UNDOCUMENTED_CODE_SHARE,
) -> CleaningResult:
    """Clean a raw respondent frame (see the module docstring for the steps); ``source_name`` names the file
    in every message. The log's ``source_row`` is the 0-based row position in ``raw``. ``value_map`` maps
    delivered values (or their value labels) onto the codebook's, by codebook column; the missing values
    declared by the file or the ``missing_codes`` parameter come with ``raw`` (``raw.attrs``, from
    :func:`read_respondent_file`).

    Raises ``CleaningError`` listing every problem cleaning cannot resolve (module docstring), all at once.
    """
    _check_required(raw, source_name)
    value_map = dict(value_map or {})
    parameter_problems = value_map_problems(value_map, list(raw.columns))
    if parameter_problems:
        raise CleaningError(problems_message(source_name, parameter_problems))
    attrs = raw.attrs
    value_labels = dict(attrs.get("value_labels") or {})
    frame = raw.reset_index(drop=True)
    frame, logs = _strip_whitespace(frame)
    frame, missing_logs = _apply_declared_missing(frame, attrs.get("declared_missing") or {}, value_labels)
    frame, map_logs = _apply_value_map(frame, {str(column): mapping for column, mapping in value_map.items()},
                                       value_labels)
    evidence, synthetic_problems = marker_evidence(frame, value_labels=value_labels,
                                                   column_labels=attrs.get("column_labels"),
                                                   file_label=str(attrs.get("file_label") or ""))
    frame, type_problems = _to_integers(frame, (attrs.get("reading") or {}).get("decimal", "."))
    frame = _add_absent_optional_columns(frame)
    frame, country_logs, country_problems = _harmonise_countries(frame)
    delivered_dates = frame["INTDATE"]
    frame = _parse_dates(frame)
    date_problems = _date_problems(frame, delivered_dates)
    frame, duplicate_logs = _resolve_duplicates(frame)
    frame, age_logs = _drop_bad_ages(frame)
    frame, code_logs = _recode_non_answers(frame)
    log = _assemble_log(logs + missing_logs + map_logs + country_logs + duplicate_logs + age_logs + code_logs)
    code_problems = _undocumented_code_problems(log, len(raw), max_undocumented_share)
    already_reported = (set(type_problems) | set(code_problems) | ({"COUNTRY"} if country_problems else set())
                        | ({"INTDATE:not_nullable"} if date_problems else set()))
    problems = [
        *type_problems.values(),
        *country_problems,
        *date_problems,
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
        data_are_synthetic=bool(evidence),
        origin_evidence=tuple(evidence),
        data_origin="synthetic" if evidence else "not declared",
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
