"""Read a vendor respondent file of the OECD 2010 officials survey and return a tidy long table.

Steps, each a small function:

1. :func:`read_vendor_file` reads every column as text (so codes such as ``7`` or an empty cell are
   seen as delivered, not silently converted), after :func:`helpers.data.validation.read_csv_checked` has
   checked the file itself: a readable file (not a folder, not huge, not a spreadsheet under a .csv name),
   not empty, not header-only, its encoding (UTF-8, UTF-16, Windows-1252), its delimiter (',' ';' tab '|'),
   no NUL bytes, not truncated, no ragged lines, no repeated header line, every required column present
   (missing ones named, with a guess for renamed ones), and ``column_map`` (no null targets).
2. :func:`harmonise` logs every cell it changes (``cleaning_log.csv``): whitespace stripped, values the
   ``missing_codes`` parameter declares missing (don't know -> 8, any other reason -> 9, not answered),
   the ``value_map`` parameter, and codes written another way (COFOG ``4`` -> ``04``, ``1.0`` -> ``1``, ``98`` ->
   ``8`` and ``99`` -> ``9``, ``OECD`` -> ``oecd``, an ISO alpha-2 country code -> alpha-3, a country name in
   other case or spacing).
3. :func:`validate_vendor_frame` checks the file against the codebook with a pandera schema, lazily:
   every failure is reported at once (codes outside the codebook, unknown countries or service areas,
   a respondent id repeated for the same service area), naming the file, the column and the file lines.
4. :func:`recode_responses` maps vendor codes (1, 2, 8, 9) to yes / no / dont_know / not_answered.
5. :func:`clean_vendor_file` drops rows whose every item is not answered (logged with the reason)
   and melts the rest into one row per respondent x service area x item.

The data's origin (:mod:`helpers.data.origin`): synthetic when the file is, by its bytes, its marker (a
``SYNTHETIC`` column however damaged) or its records, a synthetic stand-in; real when the ``data_origin``
parameter declares it and nothing says synthetic; otherwise not declared. A file too small for the estimates
of the next step (one official, say) is refused here, so that no processed data are left for it to read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from helpers.data.datapackage import verified_sha256
from helpers.data.delivery import (
    ALL_COLUMNS,
    clean_column_map,
    codebook_renames,
    column_map_problems,
    delivery_format,
    mapped_values,
    missing_codes_problems,
    missing_reasons,
    normalise_data_origin,
    parameter_declarations,
    plain_text,
    value_map_problems,
)
from helpers.data.origin import (
    MixedOriginError,
    OriginDecision,
    content_evidence,
    content_match,
    decide_origin,
    marker_evidence,
    registered_synthetic_files,
    sha256_evidence,
)
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
LOG_COLUMNS: tuple[str, ...] = ("line", "respondent_id", "column", "old_value", "new_value", "reason")
LOG_REASONS: tuple[str, ...] = ("whitespace_stripped", "declared_missing", "value_mapped", "code_normalised")
"""Why :func:`harmonise` changed a cell (``cleaning_log.csv``)."""
CODEBOOK_COLUMNS: tuple[str, ...] = (*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS, codebook.SYNTHETIC_COLUMN)
ISO_ALPHA2: dict[str, str] = {"CA": "CAN", "NO": "NOR", "US": "USA", "FI": "FIN", "GB": "GBR", "UK": "GBR",
                              "BR": "BRA", "EG": "EGY", "RU": "RUS", "UA": "UKR"}
"""ISO 3166-1 alpha-2 codes of the named countries (and 'UK') -> the codebook's alpha-3 codes."""
TWO_DIGIT_MISSING: dict[str, str] = {"98": "8", "99": "9"}
"""Two-digit don't know / not answered codes some vendors use -> the codebook's 8 and 9."""
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
    log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(LOG_COLUMNS)))
    """Every cell :func:`harmonise` changed (``cleaning_log.csv``)."""
    origin: OriginDecision | None = None
    sha256: str = ""
    reading: dict[str, str] = field(default_factory=dict)

    @property
    def data_origin(self) -> str:
        """'synthetic', 'real' or 'not declared'."""
        if self.origin is not None:
            return self.origin.origin
        return "synthetic" if self.data_are_synthetic else "not declared"


def read_vendor_file(path: str | os.PathLike[str], column_map: Mapping[str, str] | None = None, *,
                     delimiter: str = "auto", decimal: str = "auto", encoding: str = "auto") -> pd.DataFrame:
    """Read a vendor CSV with every column as text; empty cells stay empty strings.

    ``column_map`` (the file's name -> the codebook's name) renames a real file's columns to the codebook's;
    the columns may come in any order, and a column that differs from a codebook name only by case or
    surrounding spaces takes the codebook's name. Raises VendorFileError listing every problem of the file itself
    and of ``column_map`` (see the module docstring); missing required columns are named by the codebook's names.
    ``frame.attrs['reading']`` says how the file was read.
    """
    delivery_format(Path(path), VendorFileError, formats=("csv",))
    given = column_map or {}
    frame = read_csv_checked(path, error_type=VendorFileError, delimiter=delimiter, decimal=decimal, encoding=encoding,
                             header_problems=lambda names: _header_problems(names, given))
    file_columns = [str(name) for name in frame.columns]
    mapping = clean_column_map(given) if isinstance(given, Mapping) else {}
    automatic = codebook_renames(file_columns, CODEBOOK_COLUMNS, mapping)
    full_map = {**automatic, **mapping}
    reading = {**frame.attrs.get("reading", {}), **({"renamed": automatic} if automatic else {})}
    frame = frame.rename(columns=full_map)
    frame.attrs["reading"] = reading
    return frame


def _header_problems(file_columns: list[str], column_map: Any) -> list[str]:
    """``column_map`` problems (null targets, names the file lacks, repeats), then missing required columns."""
    problems = column_map_problems(column_map, file_columns, CODEBOOK_COLUMNS)
    mapping = clean_column_map(column_map) if isinstance(column_map, Mapping) else {}
    full_map = {**codebook_renames(file_columns, CODEBOOK_COLUMNS, mapping), **mapping}
    missing = missing_columns_problem(REQUIRED_COLUMNS, [full_map.get(name, name) for name in file_columns])
    return problems + ([missing] if missing and not problems else [])


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
        codebook.SYNTHETIC_COLUMN: pa.Column(str, required=False, nullable=True),  # judged by helpers.data.origin
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


# --------------------------------------------------------------------------------------------
# Harmonising values as delivered (logged)
# --------------------------------------------------------------------------------------------


def _log(frame: pd.DataFrame, mask: np.ndarray, column: str, old: pd.Series, new: pd.Series, reason: str) -> pd.DataFrame:
    """Log rows for the cells of ``column`` selected by ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    return pd.DataFrame({
        "line": (frame.index.to_numpy()[mask] + _LINE_OFFSET).astype("int64"),
        "respondent_id": frame[codebook.RESPONDENT_COLUMN].astype(str).to_numpy()[mask],
        "column": column,
        "old_value": old.astype(str).to_numpy()[mask],
        "new_value": new.astype(str).to_numpy()[mask],
        "reason": reason,
    }, columns=list(LOG_COLUMNS))


def _normalised_code(column: str, value: str, countries: pd.DataFrame) -> str:
    """``value`` of ``column`` in the codebook's spelling when it is one written another way, else unchanged."""
    text = value.strip()
    whole = re.fullmatch(r"0*(\d+)(?:\.0+)?", text)
    if column == codebook.AREA_COLUMN and whole and 1 <= int(whole.group(1)) <= len(codebook.COFOG_AREAS):
        return f"{int(whole.group(1)):02d}"
    if column in codebook.ITEM_COLUMNS and whole:
        number = str(int(whole.group(1)))
        return TWO_DIGIT_MISSING.get(number, number)
    if column == codebook.MEMBERSHIP_COLUMN:
        return text.casefold() if text.casefold() in codebook.MEMBERSHIPS else value
    if column == codebook.COUNTRY_CODE_COLUMN:
        upper = text.upper()
        return ISO_ALPHA2.get(upper, upper) if upper in set(countries["country_code"]) | set(ISO_ALPHA2) else value
    if column == codebook.COUNTRY_COLUMN:
        names = {plain_text(name): name for name in countries["country"]}
        return names.get(plain_text(text), value)
    return value


def harmonise(frame: pd.DataFrame, *, value_map: Mapping[str, Mapping[Any, Any]] | None = None,
              missing_codes: Mapping[str, Any] | None = None,
              claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The vendor frame (all text) with whitespace stripped, declared missing codes, ``value_map`` and codes
    written another way turned into the codebook's, and the log of every changed cell (module docstring)."""
    countries = codebook.country_table(claims_path)
    frame = frame.copy()
    logs = []
    for column in frame.columns:
        values = frame[column].astype(str)
        stripped = values.str.strip()
        changed = (values != stripped).to_numpy()
        if changed.any():
            logs.append(_log(frame, changed, column, values, stripped, "whitespace_stripped"))
            frame[column] = stripped
    items = [column for column in codebook.ITEM_COLUMNS if column in frame.columns]
    for column, declaration in parameter_declarations(missing_codes or {}, frame.columns, items).items():
        reasons = missing_reasons(frame[column], [declaration])
        declared = reasons.notna().to_numpy(dtype=bool)
        if declared.any():
            code = reasons.map(lambda reason: "8" if reason == "dont_know" else "9")
            new = frame[column].where(~declared, code)
            logs.append(_log(frame, declared, column, frame[column], new, "declared_missing"))
            frame[column] = new
    for column, mapping in (value_map or {}).items():
        new, changed = mapped_values(frame[column], mapping)
        if changed.any():
            new = new.astype(str)
            logs.append(_log(frame, changed, column, frame[column], new, "value_mapped"))
            frame[column] = new
    for column in (*codebook.ID_COLUMNS, *items):
        if column not in frame.columns or column == codebook.RESPONDENT_COLUMN:
            continue
        table = {value: _normalised_code(column, value, countries) for value in pd.unique(frame[column])}
        new = frame[column].map(table)
        changed = (new != frame[column]).to_numpy()
        if changed.any():
            logs.append(_log(frame, changed, column, frame[column], new, "code_normalised"))
            frame[column] = new
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=list(LOG_COLUMNS))
    return frame, log.sort_values(["line", "column"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The cleaning step
# --------------------------------------------------------------------------------------------


def clean_vendor_file(
    path: str | os.PathLike[str] = OECD_RAW_FILE,
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
    column_map: Mapping[str, str] | None = None,
    *,
    value_map: Mapping[str, Mapping[Any, Any]] | None = None,
    missing_codes: Mapping[str, Any] | None = None,
    data_origin: str | None = None,
    delimiter: str = "auto",
    decimal: str = "auto",
    encoding: str = "auto",
) -> CleanedSurvey:
    """Read, check, harmonise, validate and reshape a vendor file, and decide the data's origin (the cleaning
    step as a whole, with the check that the next step can estimate, is :func:`run_cleaning`).

    ``column_map``: see :func:`read_vendor_file`; ``value_map`` ({COLUMN: {delivered: codebook value}}) and
    ``missing_codes`` ({ITEM or '*': [codes] or {code: reason}}): see :func:`harmonise`; ``data_origin``:
    'real', 'synthetic' or empty (not declared); ``delimiter``, ``decimal``, ``encoding``: 'auto' or given.
    Raises VendorFileError naming the file and every problem.
    """
    path = Path(path)
    frame = read_vendor_file(path, column_map, delimiter=delimiter, decimal=decimal, encoding=encoding)
    return clean_vendor_frame(frame, path, claims_path, value_map=value_map, missing_codes=missing_codes,
                              data_origin=data_origin, sha256=verified_sha256(path))


def clean_vendor_frame(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
    *,
    value_map: Mapping[str, Mapping[Any, Any]] | None = None,
    missing_codes: Mapping[str, Any] | None = None,
    data_origin: str | None = None,
    sha256: str | None = None,
) -> CleanedSurvey:
    """Check, harmonise, validate and reshape a vendor frame already read (every column as text, as
    :func:`read_vendor_file` gives it); ``path`` names its source in messages, ``sha256`` is the file's hash
    when there is a file. The validation study (``helpers.simulation``) cleans its samples in-process through
    this function."""
    path = Path(path)
    try:
        declared = normalise_data_origin(data_origin)
    except ValueError as error:
        raise VendorFileError(f"{path}: {error}") from None
    reading = dict(frame.attrs.get("reading", {}))
    check_required_columns(frame, path)
    problems = value_map_problems(value_map, list(frame.columns))
    problems += missing_codes_problems(missing_codes, list(frame.columns))
    problems += [f"missing_codes names {column!r}: only the item columns ({', '.join(codebook.ITEM_COLUMNS[:3])} "
                 "...) may have missing codes" for column in (missing_codes or {})
                 if column != ALL_COLUMNS and column in codebook.ID_COLUMNS]
    if problems:
        raise VendorFileError(f"{path}: " + "; ".join(problems))
    frame, log = harmonise(frame, value_map=value_map, missing_codes=missing_codes, claims_path=claims_path)
    validate_vendor_frame(frame, path, claims_path)
    evidence, marker_problems = marker_evidence(frame)
    if marker_problems:
        raise VendorFileError(f"{path}: " + "; ".join(marker_problems))
    unanswered = unanswered_rows(frame)
    dropped = dropped_log(frame, unanswered, REASON_ALL_NOT_ANSWERED)
    long = to_long(frame.loc[~unanswered])
    origin = decide_origin(declared, [*sha256_evidence(sha256), *evidence] or _content_evidence(frame, path))
    return CleanedSurvey(
        long=long,
        dropped=dropped,
        data_are_synthetic=origin.origin == "synthetic",
        source=path,
        n_rows_read=len(frame),
        log=log,
        origin=origin,
        sha256=sha256,
        reading=reading,
    )


def run_cleaning(path: str | os.PathLike[str] = OECD_RAW_FILE, claims_path: str | os.PathLike[str] = CLAIMS_FILE,
                 column_map: Mapping[str, str] | None = None, **options: Any) -> CleanedSurvey:
    """The cleaning step: :func:`clean_vendor_file` (``options`` are its keyword arguments), then a refusal when
    the next step could not estimate from the result (:func:`estimation_problem`). Notebook 10 and
    ``python -m helpers.data.real_data check`` both call it, so that they cannot disagree."""
    cleaned = clean_vendor_file(path, claims_path, column_map, **options)
    problem = estimation_problem(cleaned.long, Path(path), claims_path)
    if problem:
        raise VendorFileError(problem)
    return cleaned


def estimation_problem(long: pd.DataFrame, path: Path, claims_path: str | os.PathLike[str] = CLAIMS_FILE) -> str | None:
    """Why the figures step could not estimate from ``long`` (too few officials), or None."""
    from helpers.data.claims import load_claims
    from helpers.oecd.estimates import percent_affirmative

    officials = long["respondent_id"].nunique() if len(long) else 0
    problem = (f"{path}: sample too small to estimate: {officials} official(s) with at least one answer "
               f"({len(long)} answers); the percentages, their intervals and design effects of the next step "
               "cannot be computed from so few. Deliver the full sample")
    if officials < 2:
        return problem
    try:
        percent_affirmative(long, load_claims(claims_path, study="oecd2010"))
    except Exception as error:  # noqa: BLE001 - svy fails in several ways on tiny samples
        code = re.search(r"\[([A-Z][A-Z_]+)\]", str(error))
        return f"{problem} (the estimate stopped with {type(error).__name__}{f' [{code.group(1)}]' if code else ''})"
    return None


def _content_evidence(frame: pd.DataFrame, path: Path) -> list[str]:
    """Evidence that most records are records of the committed synthetic stand-in (helpers.data.origin)."""
    reference = synthetic_reference()
    if reference is None:
        return []
    columns = [column for column in CODEBOOK_COLUMNS if column not in (codebook.RESPONDENT_COLUMN,
                                                                      codebook.AREA_COLUMN, codebook.SYNTHETIC_COLUMN)]
    try:
        return content_evidence(content_match(frame, reference, key=[codebook.RESPONDENT_COLUMN, codebook.AREA_COLUMN],
                                              columns=columns, reference_name=f"data/raw/{OECD_RAW_FILE.name}"))
    except MixedOriginError as error:
        raise VendorFileError(f"{path}: {error}") from None


@lru_cache(maxsize=1)
def synthetic_reference() -> pd.DataFrame | None:
    """The committed synthetic stand-in as harmonised text (None when the data package does not list it)."""
    if OECD_RAW_FILE.name not in registered_synthetic_files() or not OECD_RAW_FILE.is_file():
        return None
    return harmonise(read_vendor_file(OECD_RAW_FILE))[0]
