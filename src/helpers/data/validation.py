"""Checks shared by every reader of a raw input file (respondent files, claims registry, population margins).

A malformed input stops the run with one message that names the file, the column(s) and the file lines, and
lists every problem found, not only the first. The pieces:

- :class:`InputFileError`: the common base of the readers' errors (``VendorFileError``, ``CleaningError``,
  ``ClaimsRegistryError``, ``PopulationFileError``).
- :func:`check_input_path`: the path is a readable regular file of plausible size (not a folder, not
  unreadable for this user, not empty, not huge: refused before reading, :data:`MAX_INPUT_BYTES`).
- :func:`read_text_file`: its text, after recognising files that are not text whatever their name (a
  spreadsheet saved as .csv, SPSS, Stata, archives), the encoding (UTF-8, UTF-16 and Windows-1252 recognised
  and named) and NUL bytes or other control characters (a damaged file).
- :func:`read_csv_checked`: read a CSV after checking that it exists, is not empty, is in the expected
  encoding, has the expected delimiter (or 'auto': ',' ';' tab '|'), has data rows, has the same number of
  fields on every line (a short last line without a line end means a truncated file), does not repeat its
  header line inside, and has the required columns (with a guess for renamed ones).
- :func:`format_row_numbers`, :func:`file_lines`, :func:`problems_message`: the wording of the messages;
  :func:`missing_columns_problem` and :func:`closest_names` name missing columns and guess renamed ones.
- :func:`positive_number_problems`, :func:`unknown_values_problem`, :func:`repeated_key_problem`: small
  column checks that return a problem (text) instead of raising, so a reader can collect all of them.
- :func:`format_schema_errors`: every failure of a lazy pandera validation, by column and check.

Line numbers are those of the file: line 1 is the header. A frame returned by :func:`read_csv_checked` is
indexed so that ``index + 2`` is the file line of each record, also after blank lines or quoted line breaks.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

MAX_LISTED: int = 20
"""How many line numbers (or values) a message lists before saying '(and N more)'."""
FIRST_DATA_LINE: int = 2
"""File line of the first record (line 1 is the header): a frame index ``i`` is file line ``i + 2``."""
OTHER_DELIMITERS: dict[str, str] = {";": "semicolon", "\t": "tab", "|": "pipe"}
DELIMITER_NAMES: dict[str, str] = {",": "comma", **OTHER_DELIMITERS}
"""The delimiters 'auto' recognises (:func:`detect_delimiter`), with their names."""
MAX_INPUT_BYTES: int = 64 * 2**20
"""Largest input file read (64 MiB): the respondent files of both surveys are about 0.5 MB; a larger file is
refused before it is read, so that a huge or garbage file cannot exhaust the memory."""
ENCODING_NAMES: dict[str, str] = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with a byte-order mark)", "utf-16": "UTF-16",
                                  "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "cp1252": "Windows-1252",
                                  "latin-1": "Latin-1 (ISO 8859-1)", "iso8859-1": "Latin-1 (ISO 8859-1)"}
FILE_KINDS: dict[str, str] = {
    "xlsx": "an Excel workbook (.xlsx)", "xls": "an Excel 97-2003 workbook (.xls)",
    "ods": "an OpenDocument spreadsheet (.ods)", "zip": "a ZIP archive", "gzip": "a gzip-compressed file",
    "sav": "an SPSS data file (.sav)", "dta": "a Stata data file (.dta)", "pdf": "a PDF document",
    "parquet": "a Parquet file", "html": "an HTML page",
}
"""Kinds of files that are not CSV text, recognised by their first bytes (:func:`file_kind`)."""
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NUL = re.compile("\x00")
_KEPT_LINES: int = 1000
MAX_LINE_CHARACTERS: int = 100_000
"""A line longer than this (a respondent record is a few hundred characters) means a garbage or binary file."""


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
# The file itself: path, size, kind, encoding
# ---------------------------------------------------------------------------------------------------------


def check_input_path(path: str | os.PathLike[str], error_type: type[Exception] = InputFileError,
                     max_bytes: int | None = None) -> int:
    """The size of the file at ``path`` in bytes, after checking that it can be read at all.

    Refused, with a message naming the file and the cause: a path that does not exist, a folder (its first
    entries are named), anything that is not a regular file, a file this user may not read, an empty file,
    and a file larger than ``max_bytes`` (default :data:`MAX_INPUT_BYTES`), which is refused before a byte
    of it is read so that a huge or garbage file cannot exhaust the memory.
    """
    path = Path(path)
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error_type(f"{path}: file not found") from None
    except PermissionError:
        raise error_type(f"{path}: cannot be reached: permission denied on a folder of its path for this user") from None
    except OSError as error:
        raise error_type(f"{path}: cannot be read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error_type(f"{path}: is a folder, not a file; give the path of the respondent file itself"
                         f"{_folder_listing(path)}")
    if not stat.S_ISREG(info.st_mode):
        raise error_type(f"{path}: is not a regular file (a device, pipe or socket); give the path of a data file")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except PermissionError:
        raise error_type(f"{path}: cannot be read: permission denied (the file's permissions do not let this user "
                         "read it; ask its owner, or copy it somewhere you may read)") from None
    except OSError as error:
        raise error_type(f"{path}: cannot be read: {error.strerror or error}") from None
    if info.st_size == 0:
        raise error_type(f"{path}: the file is empty (0 bytes); expected a header line and data rows")
    if info.st_size > limit:
        raise error_type(
            f"{path}: the file is {_size_text(info.st_size)}, more than the {_size_text(limit)} a respondent file "
            "of these surveys can plausibly need (the real files are a few MB): refused before reading it. Is it "
            "the right file? (limit: helpers.data.validation.MAX_INPUT_BYTES)")
    return info.st_size


def _folder_listing(path: Path) -> str:
    """`` (it holds a.csv, b.sav ...)`` for a folder, or ``''`` when it cannot be listed or is empty."""
    try:
        names = sorted(child.name for child in path.iterdir())
    except OSError:
        return ""
    if not names:
        return " (the folder is empty)"
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f" (it holds {shown})"


def _size_text(size: int) -> str:
    """``'2.0 GB'``, ``'64 MiB'``-like sizes for messages."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def file_kind(head: bytes) -> str | None:
    """The kind of a file that is not plain text, from its first bytes (:data:`FILE_KINDS`); None for text."""
    if head.startswith(b"PK\x03\x04"):
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head[:200]:
            return "ods"
        return "xlsx" if b"[Content_Types].xml" in head or b"xl/" in head else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"<stata_dta>") or (len(head) >= 4 and head[0] in range(0x66, 0x78)
                                           and head[1] in (1, 2) and head[2] == 1 and head[3] == 0):
        return "dta"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head[:200].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def text_encoding(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """``(codec, name shown to users)`` for ``data``; ``encoding`` 'auto' detects UTF-8 (with or without a
    byte-order mark), UTF-16 (by its byte-order mark, or by the zero bytes of ASCII text) and, failing those,
    Windows-1252. Another value names the codec to use (``'utf-8'``, ``'cp1252'``, ``'latin-1'`` ...).

    Raises ``LookupError`` for an unknown codec and ``UnicodeError`` (with a readable message) when the bytes are
    neither of the automatic choices.
    """
    if encoding.strip().lower() != "auto":
        codec = codecs.lookup(encoding.strip()).name
        return codec, ENCODING_NAMES.get(codec, codec)
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 (with a byte-order mark)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        order = "little-endian" if data.startswith(codecs.BOM_UTF16_LE) else "big-endian"
        return "utf-16", f"UTF-16 ({order}, with a byte-order mark)"
    utf16 = _utf16_without_mark(data[:4096])
    if utf16:
        return utf16, f"UTF-16 ({'little' if utf16.endswith('le') else 'big'}-endian, without a byte-order mark)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "UTF-8"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UnicodeError(
            f"the text is neither UTF-8, UTF-16 nor Windows-1252 (byte 0x{data[error.start]:02x} at offset "
            f"{error.start} fits none of them); save the file as UTF-8, or name its encoding with the encoding "
            "parameter") from None
    return "cp1252", "Windows-1252"


def _utf16_without_mark(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte of ``head`` is zero (ASCII text in UTF-16), else None."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def read_text_checked(path: str | os.PathLike[str], error_type: type[Exception] = InputFileError,
                      encoding: str = "utf-8") -> str:
    """The file's text (a byte-order mark dropped); see :func:`read_text_file` for what is refused."""
    return read_text_file(path, error_type, encoding).text


@dataclass(frozen=True)
class TextFile:
    """A text file as read: its text and the encoding it was read with (as shown to users)."""

    text: str
    encoding: str


def read_text_file(path: str | os.PathLike[str], error_type: type[Exception] = InputFileError,
                   encoding: str = "utf-8") -> TextFile:
    """Read a text file after :func:`check_input_path`; ``encoding`` 'utf-8' (strict), 'auto' or a codec.

    Refused with a message naming the file: a spreadsheet, SPSS or Stata file, archive or PDF given as text (by
    its content, whatever its name), text that is not in the expected encoding (UTF-16 and Windows-1252 are
    recognised and named), NUL bytes or other control characters (a damaged or binary file; the file lines
    are named), and a file of blank lines only.
    """
    path = Path(path)
    check_input_path(path, error_type)
    data = path.read_bytes()
    kind = file_kind(data[:512])
    if kind:
        raise error_type(f"{path}: {wrong_kind_problem(path, kind)}")
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_mark(data[:4096])
    if utf16 and encoding.strip().lower() != "auto" and "16" not in _codec_name(encoding):
        _, name = text_encoding(data, "auto")
        raise error_type(f"{path}: not {ENCODING_NAMES.get(_codec_name(encoding), encoding)}: the file is {name}; "
                         "save it as UTF-8 (or, for a respondent file, set the encoding parameter, e.g. encoding: auto)")
    if b"\x00" in data and not utf16:
        raise error_type(f"{path}: {control_character_problem(data.decode('latin-1'), nul_only=True)}")
    try:
        codec, name = text_encoding(data, encoding)
        text = data.decode(codec)
    except LookupError:
        raise error_type(f"{path}: unknown encoding {encoding!r}; use 'auto', 'utf-8', 'utf-16' or 'cp1252'") from None
    except UnicodeDecodeError as error:
        raise error_type(f"{path}: {encoding_problem(data, error, codec)}") from None
    except UnicodeError as error:
        raise error_type(f"{path}: {error}") from None
    text = text.removeprefix("\ufeff")
    damaged = control_character_problem(text)
    if damaged:
        raise error_type(f"{path}: {damaged}")
    if not text.strip():
        raise error_type(f"{path}: the file has only blank lines ({len(data)} bytes); expected a header line and data rows")
    return TextFile(text, name)


def _codec_name(encoding: str) -> str:
    """The codec's canonical name ('utf-8', 'cp1252' ...), or the name as given when Python does not know it."""
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        return encoding.strip()


def wrong_kind_problem(path: Path, kind: str) -> str:
    """Why a file of ``kind`` (:func:`file_kind`) cannot be read under its name, and what to do."""
    what = FILE_KINDS[kind]
    if kind in ("xlsx", "xls", "ods"):
        return (f"is {what}, not a CSV text file, although it is named {path.name!r} (a spreadsheet saved with a "
                ".csv name?); open it in the spreadsheet program and save it as 'CSV UTF-8 (comma delimited)'")
    if kind in ("sav", "dta"):
        return (f"is {what} by its content, although it is named {path.name!r}; give it its proper suffix "
                f"(.{kind}) and use that path")
    return f"is {what}, not a CSV text file; give the path of the respondent file itself"


def encoding_problem(data: bytes, error: UnicodeDecodeError, codec: str = "utf-8") -> str:
    """Where the bytes that do not fit ``codec`` are (first byte offset, file lines), and what the file looks like."""
    bad_lines = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode(codec)
        except UnicodeDecodeError:
            bad_lines.append(number)
            if len(bad_lines) > 1000:
                break
    byte = data[error.start : error.start + 1].hex()
    shown = ENCODING_NAMES.get(codecs.lookup(codec).name, codec)
    try:
        _, detected = text_encoding(data, "auto")
    except UnicodeError:
        detected = "neither UTF-8, UTF-16 nor Windows-1252"
    return (
        f"not {shown}: byte 0x{byte} at offset {error.start} cannot be decoded; bytes that are not {shown} on "
        f"{format_row_numbers(bad_lines)}. The file looks like {detected} text. Expected {shown}: save the file as "
        f"UTF-8 (or, for a respondent file, set the encoding parameter, e.g. encoding: auto)"
    )


def control_character_problem(text: str, nul_only: bool = False) -> str | None:
    """NUL bytes or other control characters (not tab or line ends) in ``text``: the file lines holding them
    (``nul_only``: NUL bytes only)."""
    pattern = _NUL if nul_only else _CONTROL_CHARACTERS
    found = pattern.search(text)
    if not found:
        return None
    lines = []
    for match in pattern.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        if len(lines) > MAX_LISTED:
            break
    character = found.group()
    what = "NUL bytes (0x00)" if character == "\x00" else f"control characters (first 0x{ord(character):02x})"
    return (f"{what} on {format_row_numbers(lines)}{' and further lines' if len(lines) > MAX_LISTED else ''}: "
            "a text file has none, so the file is damaged or not a text file; ask for a clean copy")


# ---------------------------------------------------------------------------------------------------------
# Reading a CSV file
# ---------------------------------------------------------------------------------------------------------


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV text: the one of ',', ';', tab and '|' that splits the header and the first
    lines into the same number (two or more) of fields; ',' when none does."""
    sample = text[:65536].splitlines()[:50]
    best, best_fields = ",", 1
    for delimiter in DELIMITER_NAMES:
        try:
            rows = [row for row in csv.reader(sample, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        consistent = sum(len(row) == len(rows[0]) for row in rows) >= 0.8 * len(rows)
        if consistent and len(rows[0]) > best_fields:
            best, best_fields = delimiter, len(rows[0])
    return best


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


@dataclass
class _LineList:
    """File lines (with a count) kept up to a bound, so that a garbage file cannot fill the memory."""

    lines: list[tuple[int, int]] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, fields: int) -> None:
        self.total += 1
        if len(self.lines) < _KEPT_LINES:
            self.lines.append((line, fields))

    def text(self) -> str:
        listed = format_row_numbers(line for line, _ in self.lines)
        more = self.total - len(self.lines)
        return f"{listed} and {more} more lines" if more > 0 else listed


def csv_layout(text: str, delimiter: str = ",") -> CsvLayout:
    """First pass with the csv module: the header, each record's file line, and every structural problem.

    Problems: a non-comma delimiter when ``delimiter`` is ',' (then nothing else is checked), an unclosed
    quote, a field too long to be a value, lines with fewer or more fields than the header, a short last line
    without a line end (a truncated file), the header line repeated inside the file, no data rows, and column
    names that appear twice. Only line numbers are kept, so the pass needs little memory on any file.
    """
    line = first_long_line(text)
    if line:
        return CsvLayout(header=[], problems=[f"line {line}: longer than {MAX_LINE_CHARACTERS} characters: not a CSV "
                                             "file of survey answers (a garbage or binary file?)"])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_key: list[str] = []
    record_lines: list[int] = []
    short, long, repeated_header = _LineList(), _LineList(), _LineList()
    last: tuple[int, int] | None = None
    previous_end = 0
    problems: list[str] = []
    try:
        for row in reader:
            if row:  # blank lines are skipped, as pandas does
                line = previous_end + 1
                if header is None:
                    header, header_key = row, [name.strip().casefold() for name in row]
                    if delimiter == ",":
                        wrong_delimiter = delimiter_problem(header)
                        if wrong_delimiter:
                            return CsvLayout(header=header, problems=[wrong_delimiter], comma_delimited=False)
                else:
                    record_lines.append(line)
                    last = (line, len(row))
                    if len(row) < len(header):
                        short.add(line, len(row))
                    elif len(row) > len(header):
                        long.add(line, len(row))
                    elif [value.strip().casefold() for value in row] == header_key:
                        repeated_header.add(line, len(row))
            previous_end = reader.line_num
    except csv.Error as error:
        problems.append(_csv_error_problem(previous_end + 1, error))
    if header is None:
        return CsvLayout(header=[], problems=problems or ["the file has no header line"])
    problems.extend(field_count_problems(len(header), short, long, last, ends_with_newline=text.endswith(("\n", "\r"))))
    if repeated_header.total:
        problems.append(f"the header line is repeated inside the file on {repeated_header.text()} (files joined "
                        "together?); remove the repeated header lines, or ask for a single file")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"column(s) {', '.join(repeated)} appear more than once in the header")
    if not record_lines and not problems:
        problems.append("the file has a header line but no data rows")
    return CsvLayout(header=header, record_lines=record_lines, problems=problems,
                     comma_delimited=delimiter == "," or len(header) > 1)


def first_long_line(text: str, limit: int = MAX_LINE_CHARACTERS) -> int | None:
    """The number of the first line of ``text`` longer than ``limit`` characters, or None (one linear pass)."""
    start, number = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if end - start > limit:
            return number
        start, number = end + 1, number + 1
    return None


def _csv_error_problem(line: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (f"line {line}: a field longer than {csv.field_size_limit()} characters: not a CSV file of survey "
                "answers (a garbage or binary file, or a quote that never closes)")
    return (f"line {line}: {error} (a quoted field that never closes: the file looks truncated, or a quote "
            "character is not escaped)")


def field_count_problems(expected: int, short: _LineList, long: _LineList, last: tuple[int, int] | None, *,
                         ends_with_newline: bool) -> list[str]:
    """Lines with fewer or more fields than the header; a short last line without a line end is a truncation."""
    problems = []
    if last and short.lines and short.lines[-1][0] == last[0] and short.total == len(short.lines) \
            and not ends_with_newline:
        line, count = short.lines.pop()
        short.total -= 1
        problems.append(
            f"the last line (line {line}) stops after {count} of {expected} fields and has no line end: "
            "the file looks truncated (cut off while copying or downloading?)"
        )
    if short.total:
        problems.append(f"fewer fields than the header's {expected} on {short.text()} "
                        f"(line {short.lines[0][0]} has {short.lines[0][1]})")
    if long.total:
        problems.append(f"more fields than the header's {expected} on {long.text()} "
                        f"(line {long.lines[0][0]} has {long.lines[0][1]}): an unquoted delimiter in a value?")
    return problems


def read_csv_checked(
    path: str | os.PathLike[str],
    *,
    required_columns: Sequence[str] = (),
    dtype: type | str | Mapping[str, str] | None = str,
    na_values: Sequence[str] = (),
    error_type: type[Exception] = InputFileError,
    delimiter: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    header_problems: Callable[[list[str]], list[str]] | None = None,
) -> pd.DataFrame:
    """Read a delimited text file after checking its structure; raise ``error_type`` listing every problem.

    Checked: the file exists, is a readable file of plausible size, is text in the expected ``encoding`` without
    NUL bytes, is delimited by ``delimiter``, has the same number of fields on every line (not truncated), no
    repeated header line, data rows and every ``required_columns`` (missing ones are named, with a guess for
    renamed ones). ``delimiter``, ``decimal`` and ``encoding`` may be 'auto' (respondent files: European
    CSV with ';' and ',' as decimal mark, UTF-16 and Windows-1252 are read; see :func:`detect_delimiter` and
    :func:`text_encoding`). Cells are read with ``dtype`` (default: every column as text); only the texts in
    ``na_values`` become missing (an empty cell stays ``''`` unless ``''`` is listed). The index is the file
    line minus 2, so ``index + 2`` is the file line of a record. ``frame.attrs['reading']`` says how the file
    was read (format, encoding, delimiter, decimal mark). ``header_problems`` (the header -> problems) adds a
    reader's own checks of the column names (a ``column_map``, renamed columns) to the same message.
    """
    path = Path(path)
    text_file = read_text_file(path, error_type, encoding)
    text = text_file.text
    separator = detect_delimiter(text) if delimiter == "auto" else delimiter
    decimal_mark = ("," if separator == ";" else ".") if decimal == "auto" else decimal
    if decimal_mark == separator:
        raise error_type(f"{path}: the decimal mark {decimal_mark!r} cannot also be the delimiter; set decimal or "
                         "delimiter")
    layout = csv_layout(text, separator)
    problems = list(layout.problems)
    if layout.header and layout.comma_delimited:
        missing = missing_columns_problem(required_columns, layout.header)
        if missing:
            problems.insert(0, missing)
        if header_problems is not None:
            problems[:0] = header_problems(list(layout.header))
    raise_problems(path, problems, error_type)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, decimal=decimal_mark, dtype=dtype,
                            keep_default_na=False, na_values=list(na_values))
    except (pd.errors.ParserError, ValueError) as error:
        raise error_type(f"{path}: cannot be read as CSV: {error}") from None
    index_of_lines = [line - FIRST_DATA_LINE for line in layout.record_lines]
    if len(frame) == len(index_of_lines) and index_of_lines != list(range(len(frame))):
        frame.index = pd.Index(index_of_lines)  # blank lines or quoted line breaks: keep index + 2 = file line
    frame.attrs["reading"] = {"format": "CSV", "encoding": text_file.encoding,
                              "delimiter": DELIMITER_NAMES.get(separator, repr(separator)), "decimal": decimal_mark}
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


def plain_text(text: str) -> str:
    """``text`` without accents, case-folded, with everything but letters and digits as single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(re.sub(r"[^0-9a-zß]+", " ", stripped.casefold().replace("ø", "o").replace("æ", "ae")).split())
