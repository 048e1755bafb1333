"""Checks shared by every reader of a raw input file (respondent files, claims registry, population margins).

A malformed input stops the run with one message that names the file, the column(s) and the file lines, and
lists every problem found, not only the first. The pieces:

- :class:`InputFileError`: the common base of the readers' errors (``VendorFileError``, ``CleaningError``,
  ``ClaimsRegistryError``, ``PopulationFileError``).
- :func:`read_csv_checked`: read a CSV after checking that it exists, is not empty, is UTF-8, is
  comma-delimited, has data rows, has the same number of fields on every line (a short last line without a
  line end means a truncated file) and has the required columns (with a guess for renamed ones).
- :func:`format_row_numbers`, :func:`file_lines`, :func:`problems_message`: the wording of the messages;
  :func:`missing_columns_problem` and :func:`closest_names` name missing columns and guess renamed ones.
- :func:`positive_number_problems`, :func:`unknown_values_problem`, :func:`repeated_key_problem`: small
  column checks that return a problem (text) instead of raising, so a reader can collect all of them.
- :func:`format_schema_errors`: every failure of a lazy pandera validation, by column and check.

Line numbers are those of the file: line 1 is the header. A frame returned by :func:`read_csv_checked` is
indexed so that ``index + 2`` is the file line of each record, also after blank lines or quoted line breaks.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

MAX_LISTED: int = 20
"""How many line numbers (or values) a message lists before saying '(and N more)'."""
FIRST_DATA_LINE: int = 2
"""File line of the first record (line 1 is the header): a frame index ``i`` is file line ``i + 2``."""
OTHER_DELIMITERS: dict[str, str] = {";": "semicolon", "\t": "tab", "|": "pipe"}


class InputFileError(ValueError):
    """A raw input cannot be used as it is; the message names the file, the column(s) and the lines."""


@dataclass
class CsvLayout:
    """What a first pass over a CSV text found: header, the file line of each record, and problems."""

    header: list[str]
    record_lines: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    comma_delimited: bool = True


# ---------------------------------------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------------------------------------


def format_row_numbers(
    numbers: Iterable[int], *, label: str = "file lines", limit: int = MAX_LISTED, bracketed: bool = False
) -> str:
    """``'file lines 5, 9, 12 (and 3 more)'``: sorted, unique, at most ``limit`` listed.

    ``bracketed`` gives ``'rows [5, 9, 12] (and 3 more)'`` (the style of the EU cleaning messages).
    """
    unique = sorted({int(number) for number in numbers})
    shown = ", ".join(str(number) for number in unique[:limit])
    if bracketed:
        shown = f"[{shown}]"
    more = f" (and {len(unique) - limit} more)" if len(unique) > limit else ""
    return f"{label} {shown}{more}"


def format_values(values: Iterable[object], limit: int = 10) -> str:
    """Distinct values as ``"'7', '3'"`` (text quoted, numbers plain; sorted), at most ``limit`` of them."""
    texts = sorted({repr(value) if isinstance(value, str) else str(value) for value in values})
    more = f" (and {len(texts) - limit} more)" if len(texts) > limit else ""
    return ", ".join(texts[:limit]) + more


def file_lines(frame: pd.DataFrame, mask: pd.Series | Sequence[bool]) -> list[int]:
    """File lines of the records of ``frame`` selected by ``mask`` (frame index + 2)."""
    selected = frame.index[pd.Series(mask, index=frame.index).to_numpy(dtype=bool)]
    return [int(index) + FIRST_DATA_LINE for index in selected]


def problems_message(source: str | os.PathLike[str], problems: Sequence[str]) -> str:
    """One message for every problem of ``source``: ``'file: problem'`` or a list under ``'file: N problems:'``."""
    if len(problems) == 1:
        return f"{source}: {problems[0]}"
    items = ["  - " + problem.replace("\n", "\n    ") for problem in problems]
    return f"{source}: {len(problems)} problems:\n" + "\n".join(items)


def raise_problems(
    source: str | os.PathLike[str], problems: Sequence[str], error_type: type[Exception] = InputFileError
) -> None:
    """Raise ``error_type`` listing every problem, if there is any."""
    if problems:
        raise error_type(problems_message(source, problems))


# ---------------------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------------------


def closest_names(missing: Iterable[str], present: Iterable[str]) -> dict[str, str]:
    """For each missing name, the present name it most resembles, if any: close by difflib, or one of the two
    containing the other (``URBAN`` in ``URBANISATION``); case is ignored."""
    candidates = {name.casefold(): name for name in present}
    guesses = {}
    for column in missing:
        key = column.casefold()
        close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
        containing = [name for name in candidates if len(key) >= 3 and (key in name or name in key) and len(name) >= 3]
        if close or containing:
            guesses[column] = candidates[(close or containing)[0]]
    return guesses


def renamed_columns_hint(missing: Sequence[str], present: Iterable[str], expected: Iterable[str] = ()) -> str:
    """``" (renamed? 'cofog' looks like COFOG)"`` for missing columns resembling unexpected ones, else ``""``."""
    unexpected = [name for name in present if name not in set(expected) | set(missing)]
    guesses = closest_names(missing, unexpected)
    if not guesses:
        return ""
    pairs = ", ".join(f"{found!r} looks like {column}" for column, found in guesses.items())
    return f" (renamed? {pairs})"


def missing_columns_problem(required: Sequence[str], present: Sequence[str]) -> str | None:
    """``'missing required column(s): A, B'`` (with a guess for renamed ones), or None when none is missing."""
    missing = [column for column in required if column not in present]
    if not missing:
        return None
    return f"missing required column(s): {', '.join(missing)}{renamed_columns_hint(missing, present, required)}"


# ---------------------------------------------------------------------------------------------------------
# Reading a CSV file
# ---------------------------------------------------------------------------------------------------------


def read_text_checked(path: str | os.PathLike[str], error_type: type[Exception] = InputFileError) -> str:
    """The file's text (UTF-8, a byte-order mark dropped); an error for a missing, empty or non-UTF-8 file."""
    path = Path(path)
    if not path.is_file():
        raise error_type(f"{path}: file not found")
    data = path.read_bytes()
    if not data:
        raise error_type(f"{path}: the file is empty (0 bytes); expected a header line and data rows")
    if not data.strip():
        raise error_type(f"{path}: the file has only blank lines ({len(data)} bytes); expected a header line and data rows")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise error_type(f"{path}: {encoding_problem(data, error)}") from None
    return text.removeprefix("\ufeff")


def encoding_problem(data: bytes, error: UnicodeDecodeError) -> str:
    """Where the bytes that are not UTF-8 are: first byte offset and every file line holding such bytes."""
    bad_lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines.append(number)
    byte = data[error.start : error.start + 1].hex()
    return (
        f"not UTF-8: byte 0x{byte} at offset {error.start} cannot be decoded; bytes that are not UTF-8 on "
        f"{format_row_numbers(bad_lines)}. Expected UTF-8: save the file as UTF-8 (it may be Latin-1 or Windows-1252)"
    )


def delimiter_problem(header: list[str]) -> str | None:
    """A one-column header that contains ';', a tab or '|' means the file is not comma-delimited."""
    if len(header) != 1:
        return None
    for delimiter, name in OTHER_DELIMITERS.items():
        if delimiter in header[0]:
            shown = header[0] if len(header[0]) <= 60 else header[0][:57] + "..."
            return (
                f"looks like {delimiter!r}-delimited ({name}), not comma-delimited: the header is one column "
                f"{shown!r}; expected comma-separated values"
            )
    return None


def csv_layout(text: str) -> CsvLayout:
    """First pass with the csv module: the header, each record's file line, and every structural problem.

    Problems: a non-comma delimiter (then nothing else is checked), an unclosed quote, lines with fewer or
    more fields than the header, a short last line without a line end (a truncated file), no data rows,
    and column names that appear twice.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    problems: list[str] = []
    try:
        for row in reader:
            if row:  # blank lines are skipped, as pandas does
                rows.append((previous_end + 1, row))
            previous_end = reader.line_num
    except csv.Error as error:
        problems.append(
            f"line {previous_end + 1}: {error} (a quoted field that never closes: the file looks truncated, "
            "or a quote character is not escaped)"
        )
    if not rows:
        return CsvLayout(header=[], problems=problems or ["the file has no header line"])
    (_, header), records = rows[0], rows[1:]
    wrong_delimiter = delimiter_problem(header)
    if wrong_delimiter:
        return CsvLayout(header=header, problems=[wrong_delimiter], comma_delimited=False)
    problems.extend(field_count_problems(header, records, ends_with_newline=text.endswith(("\n", "\r"))))
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"column(s) {', '.join(repeated)} appear more than once in the header")
    if not records and not problems:
        problems.append("the file has a header line but no data rows")
    return CsvLayout(header=header, record_lines=[line for line, _ in records], problems=problems)


def field_count_problems(header: list[str], records: list[tuple[int, list[str]]], *, ends_with_newline: bool) -> list[str]:
    """Lines with fewer or more fields than the header; a short last line without a line end is a truncation."""
    expected = len(header)
    problems = []
    short = [(line, len(row)) for line, row in records if len(row) < expected]
    long = [(line, len(row)) for line, row in records if len(row) > expected]
    if short and short[-1][0] == records[-1][0] and not ends_with_newline:
        line, count = short.pop()
        problems.append(
            f"the last line (line {line}) stops after {count} of {expected} fields and has no line end: "
            "the file looks truncated (cut off while copying or downloading?)"
        )
    if short:
        problems.append(f"fewer fields than the header's {expected} on {format_row_numbers(line for line, _ in short)} "
                        f"(line {short[0][0]} has {short[0][1]})")
    if long:
        problems.append(f"more fields than the header's {expected} on {format_row_numbers(line for line, _ in long)} "
                        f"(line {long[0][0]} has {long[0][1]}): an unquoted comma in a value?")
    return problems


def read_csv_checked(
    path: str | os.PathLike[str],
    *,
    required_columns: Sequence[str] = (),
    dtype: type | str | Mapping[str, str] | None = str,
    na_values: Sequence[str] = (),
    error_type: type[Exception] = InputFileError,
) -> pd.DataFrame:
    """Read a comma-separated UTF-8 file after checking its structure; raise ``error_type`` listing every problem.

    Checked: the file exists, is not empty, is UTF-8, is comma-delimited, has the same number of fields on
    every line (not truncated), has data rows and every ``required_columns`` (missing ones are named, with a
    guess for renamed ones). Cells are read with ``dtype`` (default: every column as text); only the texts in
    ``na_values`` become missing (an empty cell stays ``''`` unless ``''`` is listed). The index is the file
    line minus 2, so ``index + 2`` is the file line of a record.
    """
    path = Path(path)
    text = read_text_checked(path, error_type)
    layout = csv_layout(text)
    problems = list(layout.problems)
    if layout.header and layout.comma_delimited:
        missing = missing_columns_problem(required_columns, layout.header)
        if missing:
            problems.insert(0, missing)
    raise_problems(path, problems, error_type)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dtype, keep_default_na=False, na_values=list(na_values))
    except (pd.errors.ParserError, ValueError) as error:
        raise error_type(f"{path}: cannot be read as CSV: {error}") from None
    index_of_lines = [line - FIRST_DATA_LINE for line in layout.record_lines]
    if len(frame) == len(index_of_lines) and index_of_lines != list(range(len(frame))):
        frame.index = pd.Index(index_of_lines)  # blank lines or quoted line breaks: keep index + 2 = file line
    return frame


# ---------------------------------------------------------------------------------------------------------
# Column checks that return problems
# ---------------------------------------------------------------------------------------------------------


def positive_number_problems(frame: pd.DataFrame, column: str) -> tuple[pd.Series, list[str]]:
    """``column`` as numbers, and problems for missing, non-numeric, non-finite, zero or negative cells."""
    text = frame[column].astype("string").str.strip()
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    problems = []
    missing = text.isna() | (text == "")
    not_numeric = ~missing & (numbers.isna() | numbers.abs().eq(float("inf")))
    not_positive = numbers.notna() & ~not_numeric & (numbers <= 0)
    if missing.any():
        problems.append(f"column {column}: missing values on {format_row_numbers(file_lines(frame, missing))}")
    if not_numeric.any():
        problems.append(f"column {column}: not a number on {format_row_numbers(file_lines(frame, not_numeric))} "
                        f"(values {format_values(frame.loc[not_numeric.to_numpy(), column])})")
    if not_positive.any():
        problems.append(f"column {column}: zero or negative on {format_row_numbers(file_lines(frame, not_positive))} "
                        f"(values {format_values(numbers[not_positive])}); must be positive")
    return numbers, problems


def unknown_values_problem(frame: pd.DataFrame, column: str, allowed: Iterable[str]) -> str | None:
    """Values of ``column`` outside ``allowed``, with their file lines; None when every value is allowed."""
    allowed = list(allowed)
    unknown = ~frame[column].isin(allowed)
    if not unknown.any():
        return None
    return (f"column {column}: values outside the codebook on {format_row_numbers(file_lines(frame, unknown))} "
            f"(values {format_values(frame.loc[unknown.to_numpy(), column])}; expected one of "
            f"{', '.join(map(str, allowed))})")


def repeated_key_problem(frame: pd.DataFrame, columns: Sequence[str]) -> str | None:
    """Records that repeat the same values of ``columns``, with their file lines; None when keys are unique."""
    repeated = frame.duplicated(subset=list(columns), keep=False)
    if not repeated.any():
        return None
    keys = frame.loc[repeated.to_numpy(), list(columns)].astype(str).agg(" / ".join, axis=1)
    return (f"column(s) {', '.join(columns)}: the same value appears more than once on "
            f"{format_row_numbers(file_lines(frame, repeated))} (values {format_values(keys)})")


# ---------------------------------------------------------------------------------------------------------
# pandera
# ---------------------------------------------------------------------------------------------------------


def format_schema_errors(errors: pa.errors.SchemaErrors, file: str | os.PathLike[str]) -> str:
    """Describe every failure of a lazy pandera validation: file, column, check and file lines.

    Row numbers are given as lines of the CSV file (line 1 is the header; the frame's index + 2), so a
    reader can open the file at the offending line. Used for the claims registry and the OECD vendor files.
    """
    cases = errors.failure_cases.copy()
    # A dataframe-wide check reports one failure per column of a failing row: collapse those to
    # one entry naming the columns once (more than five columns: the check is about whole rows).
    frame_wide = (cases["schema_context"] == "DataFrameSchema") & (cases["check"] != "column_in_dataframe")
    for check, group in cases.loc[frame_wide].groupby("check", sort=True):
        columns = list(dict.fromkeys(group["column"].astype(str)))
        label = ", ".join(columns) if len(columns) <= 5 else "whole rows"
        cases.loc[group.index, "column"] = label
        cases.loc[group.index, "failure_case"] = "(see row)"
    lines: list[str] = [f"{file}: schema failures"]
    for (column, check), group in cases.groupby(["column", "check"], sort=True, dropna=False):
        check_text = check if len(str(check)) <= 100 else f"{str(check)[:97]}..."
        indices = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
        values = [value for value in group["failure_case"] if value != "(see row)"]
        values_text = f" (values: {format_values(values)})" if values else ""
        if indices.empty:
            lines.append(f"  column '{column}': check {check_text} failed{values_text}")
            continue
        rows = format_row_numbers(int(i) + FIRST_DATA_LINE for i in indices.unique())
        lines.append(f"  column '{column}': check {check_text} failed on rows at {rows}{values_text}")
    return "\n".join(lines)
