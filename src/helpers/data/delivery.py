"""A respondent file as a survey vendor delivers it: the reading layer shared by both studies' cleaning steps
and by ``python -m helpers.data.real_data check`` (so that the check and the pipeline cannot disagree).

- **Parameters** of the cleaning steps, checked before anything is read: :func:`column_map_problems`,
  :func:`value_map_problems`, :func:`missing_codes_problems`, :func:`normalise_data_origin`.
- **Reading** (:func:`read_delivery`): CSV (any of the encodings and delimiters of
  :func:`helpers.data.validation.read_csv_checked`), SPSS ``.sav``/``.zsav`` and Stata ``.dta``, with every
  value as delivered, the value labels, column labels and file label, and the **declared missing values**:
  SPSS user-missing values and ranges, Stata extended missing values (.a-.z) and the ``missing_codes``
  parameter (for a CSV, which cannot declare them), each a :class:`MissingDeclaration`.
- **Values**: :func:`value_key` compares values as delivered (``99``, ``99.0`` and ``' 99'`` are the same
  code; text ignores case and spacing), :func:`missing_reasons` gives each declared missing value its reason
  (don't know, refused, not asked, from the value label, the parameter or the codebook), and
  :func:`mapped_values` applies a ``value_map`` to a column's values or their labels.

Every refusal names the file and the cause (the caller's error type, a
:class:`helpers.data.validation.InputFileError`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.pipeline.choices import DECLARED_ORIGINS, UNDECLARED_ORIGIN_WORDS, origin_word
from helpers.data.provenance import DATA_ORIGINS
from helpers.data.validation import (
    FILE_KINDS,
    InputFileError,
    check_input_path,
    file_kind,
    plain_text,
    problems_message,
    read_csv_checked,
    renamed_columns_hint,
    wrong_kind_problem,
)

CSV_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", ".tab", ".dat")
LABELLED_SUFFIXES: dict[str, str] = {".sav": "sav", ".zsav": "sav", ".dta": "dta"}
FORMAT_NAMES: dict[str, str] = {"csv": "CSV", "sav": "SPSS", "dta": "Stata"}
MAX_CELLS: int = 20_000_000
"""Largest number of cells (rows x columns) read from an SPSS or Stata file (a compressed file can be small on
disk and huge in memory); the real files have about 200 000."""

MISSING_REASONS: dict[str, str] = {
    "dont_know": "don't know",
    "refused": "refused",
    "not_asked": "not asked",
    "missing": "declared missing, no reason given",
}
"""Why a value is missing, as the cleaning logs it (``<reason>_to_missing``; 'missing' -> ``declared_missing``)."""
ALL_COLUMNS: str = "*"
"""Key of ``missing_codes`` for codes that are missing in every column."""

_REASON_PATTERNS: dict[str, re.Pattern[str]] = {
    reason: re.compile(r"\b(?:" + "|".join(words) + r")\b")
    for reason, words in {
        "dont_know": (r"don ?t know", r"do not know", r"dk", r"ne sai[st] pas", r"nsp", r"wei(?:ss|ß) nicht",
                      r"ved ikke", r"nevim", r"nevi", r"unknown", r"not known", r"don ?t know"),
        "refused": (r"refus\w*", r"verweiger\w*", r"naegter", r"n.gter", r"vil ikke svare", r"odmit\w*",
                    r"no answer", r"not answered", r"keine angabe", r"sans reponse", r"pas de reponse", r"nr"),
        "not_asked": (r"not asked", r"non posee?", r"nicht gefragt", r"ikke spurgt", r"filter\w*", r"inapplicable",
                      r"not applicable", r"sans objet", r"nedotazovan\w*", r"n a", r"na"),
    }.items()
}
_REASON_NAMES: dict[str, str] = {
    "dont_know": "dont_know", "don't know": "dont_know", "dont know": "dont_know", "dk": "dont_know",
    "refused": "refused", "refusal": "refused", "not_asked": "not_asked", "not asked": "not_asked",
    "not applicable": "not_asked", "missing": "missing", "": "missing",
}


# ---------------------------------------------------------------------------------------------------------
# Values as delivered
# ---------------------------------------------------------------------------------------------------------


def value_key(value: Any) -> str | None:
    """A value as compared with the keys of ``value_map`` and ``missing_codes``: whole numbers without '.0'
    (``99``, ``99.0`` and ``' 99 '`` are all ``'99'``), dates as ISO text, other text stripped, case-folded and
    with internal spacing collapsed; None for a missing value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    text = unicodedata.normalize("NFC", " ".join(str(value).split()))
    try:
        number = float(text)
    except ValueError:
        return text.casefold()
    return value_key(number) if math.isfinite(number) else text.casefold()


def label_of(labels: Mapping[Any, str] | None, value: Any) -> str | None:
    """The value label of ``value`` in ``labels`` ({code: label}), comparing codes with :func:`value_key`."""
    if not labels:
        return None
    keyed = {value_key(code): text for code, text in labels.items()}
    return keyed.get(value_key(value))


def reason_from_label(label: str | None) -> str | None:
    """'dont_know', 'refused' or 'not_asked' when a value label says so (in English, French, German, Danish or
    Czech: "Don't know", "Refus", "Ne sait pas", "Weiß nicht", "Ved ikke", "Not asked" ...), else None."""
    if not label:
        return None
    text = plain_text(label)
    for reason, pattern in _REASON_PATTERNS.items():
        if pattern.search(text):
            return reason
    return None


def normalise_reason(reason: Any) -> str | None:
    """A reason as the user wrote it ('refused', "don't know", 'not asked', None ...) -> a key of
    :data:`MISSING_REASONS`; None when it is none of them."""
    text = "" if reason is None else " ".join(str(reason).replace("_", " ").split()).casefold()
    return _REASON_NAMES.get(text) or _REASON_NAMES.get(text.replace(" ", "_"))


# ---------------------------------------------------------------------------------------------------------
# Declared missing values
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingDeclaration:
    """Values declared missing in one column: by the file (SPSS, Stata) or by the ``missing_codes`` parameter.

    ``values`` are ``(value_key, reason)`` pairs (reason '' when the declaration gives none), ``ranges``
    ``(low, high)`` numeric ranges (SPSS), ``extended`` marks Stata's extended missing values .a-.z.
    """

    source: str
    values: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()
    extended: bool = False

    def mask(self, values: pd.Series) -> np.ndarray:
        """Which of ``values`` (one column, as delivered) this declaration makes missing."""
        keys = values.map(value_key)
        declared = keys.isin([key for key, _ in self.values]).to_numpy(dtype=bool).copy()
        if self.ranges:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            for low, high in self.ranges:
                declared |= (numbers >= low) & (numbers <= high)
        if self.extended:
            declared |= values.map(_is_extended_missing).to_numpy(dtype=bool)
        return declared & values.notna().to_numpy(dtype=bool)

    def reason_given(self, value: Any) -> str:
        """The reason this declaration gives for ``value`` ('' when it gives none)."""
        return dict(self.values).get(value_key(value) or "", "")

    def describe(self) -> str:
        """``'SPSS user-missing values: 98, 99'`` and the like, for logs and the check command."""
        parts = [key + (f" ({MISSING_REASONS[reason]})" if reason else "") for key, reason in self.values]
        parts += [f"{_number_text(low)} to {_number_text(high)}" for low, high in self.ranges]
        if self.extended:
            parts.append(".a to .z")
        return f"{self.source}: {', '.join(parts)}"


def _is_extended_missing(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 1 and "a" <= value <= "z"


def _number_text(number: float) -> str:
    if math.isinf(number):
        return "lowest" if number < 0 else "highest"
    return value_key(number) or str(number)


def missing_reasons(values: pd.Series, declarations: Sequence[MissingDeclaration],
                    labels: Mapping[Any, str] | None = None,
                    default_reasons: Mapping[int, str] | None = None) -> pd.Series:
    """Per cell of ``values``, the reason it is declared missing (a key of :data:`MISSING_REASONS`), or None.

    The reason is the one the declaration gives (``missing_codes: {AGE: {99: refused}}``), else the one the
    value label says ('Refus', "Don't know", 'Not asked' ...), else the codebook's for that code
    (``default_reasons``, e.g. 8 don't know, 9 refused), else 'missing'.
    """
    reasons = pd.Series([None] * len(values), index=values.index, dtype="object")
    defaults = {str(code): reason for code, reason in (default_reasons or {}).items()}
    for declaration in declarations:
        mask = declaration.mask(values) & reasons.isna().to_numpy(dtype=bool)
        for position in np.flatnonzero(mask):
            value = values.iloc[position]
            reasons.iloc[position] = (declaration.reason_given(value) or reason_from_label(label_of(labels, value))
                                      or defaults.get(value_key(value) or "") or "missing")
    return reasons


def spss_declarations(missing_ranges: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, MissingDeclaration]:
    """SPSS user-missing values and ranges (pyreadstat's ``meta.missing_ranges``) by column."""
    declarations = {}
    for column, entries in (missing_ranges or {}).items():
        values, ranges = [], []
        for entry in entries:
            low, high = entry.get("lo"), entry.get("hi")
            if isinstance(low, str) or low == high:
                key = value_key(low)
                if key is not None:
                    values.append((key, ""))
            else:
                ranges.append((float(low), float(high)))
        if values or ranges:
            declarations[column] = MissingDeclaration("SPSS user-missing values", tuple(values), tuple(ranges))
    return declarations


def stata_declarations(frame: pd.DataFrame, variable_types: Mapping[str, str]) -> dict[str, MissingDeclaration]:
    """Stata's extended missing values (.a-.z) in the numeric columns that hold any."""
    declarations = {}
    for column in frame.columns:
        if variable_types.get(column, "double") == "string" or frame[column].dtype != object:
            continue
        if frame[column].map(_is_extended_missing).any():
            declarations[column] = MissingDeclaration("Stata extended missing values", extended=True)
    return declarations


def parameter_declarations(missing_codes: Mapping[str, Any], columns: Iterable[str],
                           every_column: Iterable[str]) -> dict[str, MissingDeclaration]:
    """The ``missing_codes`` parameter (checked with :func:`missing_codes_problems`) by column: ``columns`` are
    the file's columns (after renaming), ``every_column`` those that ``'*'`` applies to."""
    declarations: dict[str, MissingDeclaration] = {}
    present = set(columns)
    for column, codes in (missing_codes or {}).items():
        targets = [name for name in every_column if name in present] if column == ALL_COLUMNS else [str(column)]
        pairs = tuple(_code_reasons(codes))
        for target in targets:
            earlier = declarations.get(target)
            merged = pairs if earlier is None else (*earlier.values, *pairs)
            declarations[target] = MissingDeclaration("missing_codes parameter", merged)
    return declarations


def _code_reasons(codes: Any) -> list[tuple[str, str]]:
    """``[(value_key, reason)]`` from a list of codes, one code, or a mapping {code: reason}."""
    if isinstance(codes, Mapping):
        return [(value_key(code) or "", normalise_reason(reason) or "missing") for code, reason in codes.items()]
    if isinstance(codes, (list, tuple, set)):
        return [(value_key(code) or "", "") for code in codes]
    return [(value_key(codes) or "", "")]


# ---------------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------------


def column_map_problems(column_map: Any, file_columns: Sequence[str], codebook_columns: Sequence[str]) -> list[str]:
    """What is wrong with ``column_map`` ({the file's name: the codebook's name}) for a file with ``file_columns``.

    A null or empty target, a target that is not a name, file names the file lacks (with a guess), and two
    columns given the same name.
    """
    if column_map in (None, {}):
        return []
    if not isinstance(column_map, Mapping):
        return [f"column_map must be a mapping {{your_name: CODEBOOK_NAME}}, got {column_map!r}"]
    problems = []
    for source, target in column_map.items():
        if target is None or (isinstance(target, str) and not target.strip()):
            problems.append(f"column_map maps {str(source)!r} to nothing (null): give the codebook name it holds "
                            f"(one of {', '.join(codebook_columns[:6])} ...), or leave the entry out")
        elif not isinstance(target, str):
            problems.append(f"column_map maps {str(source)!r} to {target!r}, which is not a column name")
    names = {str(source) for source in column_map}
    not_in_file = sorted(names - set(file_columns))
    if not_in_file:
        targets = [str(target) for target in column_map.values() if isinstance(target, str)]
        problems.append(f"column_map names columns that are not in the file: {not_in_file}"
                        f"{renamed_columns_hint(not_in_file, file_columns, targets)}")
    renamed = [_target(column_map, name) for name in file_columns]
    repeated = sorted({name for name in renamed if renamed.count(name) > 1})
    if repeated:
        problems.append(f"after renaming with column_map, columns {repeated} appear more than once")
    return problems


def _target(column_map: Mapping[Any, Any], name: str) -> str:
    mapped = {str(source): target for source, target in column_map.items()}.get(name)
    return mapped if isinstance(mapped, str) and mapped.strip() else name


def clean_column_map(column_map: Mapping[Any, Any] | None) -> dict[str, str]:
    """``column_map`` with text keys and the entries :func:`column_map_problems` accepts."""
    return {str(source): target.strip() for source, target in (column_map or {}).items()
            if isinstance(target, str) and target.strip()}


def value_map_problems(value_map: Any, columns: Sequence[str]) -> list[str]:
    """What is wrong with ``value_map`` ({column: {delivered value or label: codebook value}}) for a file with
    ``columns`` (codebook names after renaming)."""
    if value_map in (None, {}):
        return []
    if not isinstance(value_map, Mapping):
        return [f"value_map must be a mapping {{COLUMN: {{your value: codebook value}}}}, got {value_map!r}"]
    problems = []
    for column, mapping in value_map.items():
        if str(column) not in columns:
            problems.append(f"value_map names column {str(column)!r}, which the file does not have (after column_map)"
                            f"{renamed_columns_hint([str(column)], columns)}")
        if not isinstance(mapping, Mapping) or not mapping:
            problems.append(f"value_map[{str(column)!r}] must be a non-empty mapping {{your value: codebook value}}, "
                            f"got {mapping!r}")
            continue
        nulls = [str(key) for key, target in mapping.items() if target is None or str(target).strip() == ""]
        if nulls:
            problems.append(f"value_map[{str(column)!r}] maps {nulls} to nothing (null): to make a value missing, "
                            "declare it with the missing_codes parameter")
    return problems


def missing_codes_problems(missing_codes: Any, columns: Sequence[str]) -> list[str]:
    """What is wrong with ``missing_codes`` ({column or '*': codes or {code: reason}}) for a file with ``columns``."""
    if missing_codes in (None, {}):
        return []
    if not isinstance(missing_codes, Mapping):
        return [f"missing_codes must be a mapping {{COLUMN or '*': [codes] or {{code: reason}}}}, got {missing_codes!r}"]
    problems = []
    accepted = ", ".join(reason for reason in MISSING_REASONS if reason != "missing")
    for column, codes in missing_codes.items():
        if str(column) != ALL_COLUMNS and str(column) not in columns:
            problems.append(f"missing_codes names column {str(column)!r}, which the file does not have (after "
                            f"column_map){renamed_columns_hint([str(column)], columns)}")
        if codes is None or (isinstance(codes, (Mapping, list, tuple)) and not codes):
            problems.append(f"missing_codes[{str(column)!r}] lists no code")
            continue
        if isinstance(codes, Mapping):
            unknown = [reason for reason in codes.values() if reason is not None and normalise_reason(reason) is None]
            if unknown:
                problems.append(f"missing_codes[{str(column)!r}] gives unknown reasons {unknown}; use {accepted} "
                                "(or leave the reason out)")
    return problems


def normalise_data_origin(value: Any) -> str:
    """The ``data_origin`` parameter as one of :data:`DATA_ORIGINS`; ``ValueError`` naming the choices otherwise."""
    text = origin_word(value)
    if text in UNDECLARED_ORIGIN_WORDS:
        return "not declared"
    if text in DECLARED_ORIGINS:
        return text
    raise ValueError(f"data_origin must be 'real', 'synthetic' or 'not declared' (empty), got {value!r}")


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """A respondent file as delivered: the values, the file's metadata and what it declares missing.

    Column names are the file's (renaming is the studies' business); ``declared_missing`` holds the file's
    own declarations (SPSS, Stata) by the file's column names.
    """

    frame: pd.DataFrame
    source: Path
    format: str
    reading: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    column_labels: dict[str, str] = field(default_factory=dict)
    file_label: str = ""
    declared_missing: dict[str, MissingDeclaration] = field(default_factory=dict)


def delivery_format(path: Path, error_type: type[Exception], formats: Sequence[str]) -> str:
    """'csv', 'sav' or 'dta' for ``path``, by its suffix checked against its content; a refusal naming what the
    file is when the two disagree (a spreadsheet saved as .csv, a CSV named .sav) or the format is not read."""
    check_input_path(path, error_type)
    with open(path, "rb") as handle:
        head = handle.read(512)
    kind = file_kind(head)
    suffix = path.suffix.lower()
    expected = "csv" if suffix in CSV_SUFFIXES or not suffix else LABELLED_SUFFIXES.get(suffix)
    accepted = ", ".join(f".{name}" if name != "csv" else ".csv" for name in formats)
    if expected is None:
        what = f" ({FILE_KINDS[kind]})" if kind else ""
        raise error_type(f"{path}: unsupported file type {suffix!r}{what}; expected {accepted}"
                         + (": save it as 'CSV UTF-8'" if kind in ("xlsx", "xls", "ods") else ""))
    if expected == "csv" and kind is not None:
        raise error_type(f"{path}: {wrong_kind_problem(path, kind)}")
    if expected != "csv" and kind != expected:
        actual = FILE_KINDS[kind] if kind else "a text file (CSV?)"
        raise error_type(f"{path}: named {suffix!r} but is {actual} by its content; give it its proper suffix")
    if expected not in formats:
        raise error_type(f"{path}: this step reads {accepted} files, not {FORMAT_NAMES[expected]}; export the file "
                         "as CSV (UTF-8)")
    return expected


def read_delivery(path: str | Path, *, error_type: type[Exception] = InputFileError,
                  dtype: Any = None, delimiter: str = "auto", decimal: str = "auto", encoding: str = "auto",
                  formats: Sequence[str] = ("csv", "sav", "dta"),
                  header_problems: Callable[[list[str]], list[str]] | None = None) -> Delivery:
    """Read a respondent file of any of ``formats`` with every value as delivered (see the module docstring).

    CSV: ``dtype`` as in :func:`helpers.data.validation.read_csv_checked` (empty cells become missing);
    SPSS and Stata: codes as codes (declared missing values included, for the cleaning to log), dates as dates.
    ``header_problems`` (column names -> problems) is the caller's check of the columns, reported with the
    file's own problems (for SPSS and Stata, after reading).
    """
    path = Path(path)
    kind = delivery_format(path, error_type, formats)
    if kind == "csv":
        frame = read_csv_checked(path, dtype=dtype, na_values=[""], error_type=error_type, delimiter=delimiter,
                                 decimal=decimal, encoding=encoding, header_problems=header_problems)
        return Delivery(frame, path, "CSV", dict(frame.attrs.get("reading", {})))
    delivery = _read_labelled(path, kind, error_type)
    problems = header_problems([str(column) for column in delivery.frame.columns]) if header_problems else []
    if problems:
        raise error_type(problems_message(path, problems))
    return delivery


def _read_labelled(path: Path, kind: str, error_type: type[Exception]) -> Delivery:
    """An SPSS or Stata file with its metadata and declared missing values."""
    import pyreadstat

    reader = pyreadstat.read_dta if kind == "dta" else pyreadstat.read_sav
    name = "a Stata" if kind == "dta" else "an SPSS"
    try:
        _, meta = reader(str(path), metadataonly=True)
        cells = int(meta.number_rows or 0) * int(meta.number_columns or 0)
        if cells > MAX_CELLS:
            raise error_type(f"{path}: {meta.number_rows} rows x {meta.number_columns} columns is more than the "
                             f"{MAX_CELLS} cells a respondent file of these surveys can plausibly have; is it the "
                             "right file?")
        frame, meta = reader(str(path), apply_value_formats=False, user_missing=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, UnicodeError, ValueError) as error:
        if isinstance(error, error_type):
            raise
        raise error_type(f"{path}: cannot be read as {name} file (damaged or truncated?): {error}") from None
    if kind == "dta":
        declared = stata_declarations(frame, dict(meta.readstat_variable_types or {}))
    else:
        declared = spss_declarations(dict(meta.missing_ranges or {}))
    return Delivery(
        frame=frame,
        source=path,
        format=FORMAT_NAMES[kind],
        reading={"format": FORMAT_NAMES[kind], "encoding": str(meta.file_encoding or "")},
        value_labels={column: dict(labels) for column, labels in (meta.variable_value_labels or {}).items()},
        column_labels=dict(zip(meta.column_names, meta.column_labels or [], strict=False)),
        file_label=str(meta.file_label or ""),
        declared_missing=declared,
    )


def codebook_renames(file_columns: Sequence[str], codebook_columns: Sequence[str],
                     column_map: Mapping[str, str]) -> dict[str, str]:
    """File columns that are a codebook name but for case or surrounding spaces (``' age'``, ``'Sex'``), and
    that ``column_map`` does not name, when the exact codebook name is not in the file: {file name: codebook name}."""
    exact = set(file_columns) | set(column_map.values())
    by_key = {name.casefold(): name for name in codebook_columns}
    renames = {}
    for name in file_columns:
        target = by_key.get(str(name).strip().strip('"').strip().casefold())
        if target and target != name and name not in column_map and target not in exact:
            renames[name] = target
    if len(set(renames.values())) != len(renames):  # two file columns would get one name: rename neither
        counts = pd.Series(list(renames.values())).value_counts()
        renames = {name: target for name, target in renames.items() if counts[target] == 1}
    return renames


# ---------------------------------------------------------------------------------------------------------
# Value maps
# ---------------------------------------------------------------------------------------------------------


def mapped_values(values: pd.Series, mapping: Mapping[Any, Any],
                  labels: Mapping[Any, str] | None = None) -> tuple[pd.Series, np.ndarray]:
    """``values`` with ``mapping`` applied, and which cells changed.

    A cell is mapped when its value (:func:`value_key`) is a key of ``mapping``, or else when its value label
    (``labels``, {code: label}) is one; both are compared without regard to case and spacing, so ``Homme``,
    ``homme`` and the code labelled 'Homme' all match. Unmapped cells are left as they are.
    """
    targets = {value_key(key): target for key, target in mapping.items()}
    keyed_labels = {value_key(code): value_key(label) for code, label in (labels or {}).items()}

    def lookup(value: Any) -> Any:
        key = value_key(value)
        if key in targets:
            return targets[key]
        label = keyed_labels.get(key)
        return targets.get(label, _UNMAPPED) if label is not None else _UNMAPPED

    unique = pd.unique(values.dropna())
    table = {value: lookup(value) for value in unique}
    new = values.map(lambda value: table.get(value, _UNMAPPED) if not pd.isna(value) else _UNMAPPED)
    changed = new.map(lambda value: value is not _UNMAPPED).to_numpy(dtype=bool)
    result = values.astype("object").copy()
    result[changed] = new[changed]
    return result, changed


class _Unmapped:
    def __repr__(self) -> str:  # pragma: no cover - a sentinel
        return "<unmapped>"


_UNMAPPED = _Unmapped()


def json_ready(value: Any) -> Any:
    """A parameter value (``value_map``, ``missing_codes`` ...) as JSON with text keys, for provenance.json."""
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_ready(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
