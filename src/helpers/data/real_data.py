"""Helpers for running the compendium on real respondent files (docs/real_data.md).

Three groups:

- **Writing and inspecting files.** :func:`write_as` writes a data frame as CSV, SPSS ``.sav`` or Stata
  ``.dta`` (with value labels, declared missing values and a file label, as a survey vendor would);
  :func:`file_columns` reads only a file's column names; :func:`flow_mapping` renders a ``column_map`` (or a
  ``value_map``, ``missing_codes``) as the YAML flow mapping that ``-p`` takes.
- **Which analyses a file supports**: :mod:`helpers.data.availability` (:data:`ANALYSES`,
  :func:`missing_variables`, :func:`availability`, :func:`show_missing_variables` ...), re-exported here.
- **Command line.** ``python -m helpers.data.real_data check FILE [--study eu2008|oecd2010] [--column-map YAML]
  [--value-map YAML] [--missing-codes YAML] [--data-origin real] [--delimiter ;] [--decimal ,] [--encoding E]``
  runs the study's cleaning step on the file exactly as the pipeline would (the same function:
  ``helpers.eu.stages.run_cleaning`` or ``helpers.oecd.clean.run_cleaning``), without writing anything, and
  prints how the file was read, which codebook columns it lacks and what that means, what the cleaning would
  do with each problem (values and labels mapped, missing values declared, records dropped), the data's
  origin, and whether the pipeline would run or refuse the file; it exits 1 whenever the pipeline would
  refuse it. ``python -m helpers.data.real_data hash FILE [--processed DIR]`` prints the file's sha256 (to
  record it) and, with ``--processed``, compares it with the hash a run recorded in ``DIR/provenance.json``.

Only ``helpers.eu.codebook.REQUIRED_COLUMNS`` (RESPID, COUNTRY, INTDATE, SEX, AGE) are required by the
cleaning; every other codebook column is optional (docs/real_data.md, "Missing variables").
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from helpers.pipeline.choices import value_problem
from helpers.data.availability import (  # noqa: F401  (re-exported: the names notebooks and docs use)
    ANALYSES,
    CORRELATE_PERSON_COLUMNS,
    CORRELATE_SECTOR_ROLES,
    SECTOR_CLAIM,
    UNUSED_COLUMNS,
    Analysis,
    Availability,
    analysis_requirements,
    availability,
    available_index_items,
    display_of_notes,
    lacking,
    missing_note,
    missing_notes,
    missing_variables,
    notes_display,
    read_availability,
    show_missing_variables,
    skipped_outputs,
)
from helpers.data.delivery import MissingDeclaration
from helpers.data.provenance import data_origin_label, file_sha256
from helpers.data.validation import InputFileError, format_row_numbers, renamed_columns_hint
from helpers.eu.codebook import RAW_COLUMNS
from helpers.eu.codebook import REQUIRED_COLUMNS as CLEANING_REQUIRED_COLUMNS
from helpers.oecd import codebook as oecd_codebook

FORMATS: dict[str, str] = {".csv": "csv", ".sav": "sav", ".zsav": "sav", ".dta": "dta"}
"""File suffix -> format written by :func:`write_as` and read by ``helpers.eu.clean.read_respondent_file``."""
STUDIES: dict[str, str] = {"eu2008": "2008 five-country citizen survey", "oecd2010": "OECD 2010 officials survey"}


# ---------------------------------------------------------------------------------------------------------
# Writing and inspecting respondent files
# ---------------------------------------------------------------------------------------------------------


def write_as(
    frame: pd.DataFrame,
    path: str | Path,
    format: str | None = None,  # noqa: A002  (the word users know)
    value_labels: Mapping[str, Mapping[int | float, str]] | None = None,
    *,
    column_labels: Mapping[str, str] | None = None,
    user_missing: Mapping[str, Sequence[Any]] | None = None,
    file_label: str = "",
) -> Path:
    """Write ``frame`` as ``csv``, ``sav`` (SPSS) or ``dta`` (Stata); ``format`` defaults to the suffix.

    ``value_labels`` (column -> {code: label}) and ``column_labels`` go into the SPSS/Stata metadata (a CSV
    has none), and so does ``file_label``. ``user_missing`` (column -> codes) declares missing values as
    vendors do: for SPSS, user-missing codes (e.g. 8 and 9, or a range as ``{"lo": 97, "hi": 99}``); for Stata,
    the extended missing values the column holds (letters ``'a'`` to ``'z'`` in place of a number: .a-.z).
    The compendium reads them back as missing, with their reason from the value labels. Stata keeps value
    labels on numeric columns only, so labels on a text column are refused for ``dta`` rather than silently lost.
    """
    path = Path(path)
    kind = format or FORMATS.get(path.suffix.lower())
    if kind not in {"csv", "sav", "dta"}:
        raise ValueError(f"{path}: unknown format {format or path.suffix!r}; expected csv, sav or dta")
    labels = {column: dict(codes) for column, codes in (value_labels or {}).items()}
    unknown = sorted((set(labels) | set(column_labels or {}) | set(user_missing or {})) - set(frame.columns))
    if unknown:
        raise KeyError(f"labels or missing codes given for columns not in the frame: {unknown}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        frame.to_csv(path, index=False, lineterminator="\n")
        return path
    import pyreadstat

    if kind == "sav":
        pyreadstat.write_sav(
            frame, str(path), file_label=file_label, column_labels=dict(column_labels or {}) or None,
            variable_value_labels=labels or None,
            missing_ranges={column: list(codes) for column, codes in (user_missing or {}).items()} or None,
            compress=path.suffix.lower() == ".zsav",
        )
        return path
    extended = {column: [str(code) for code in codes] for column, codes in (user_missing or {}).items()}
    not_letters = sorted({code for codes in extended.values() for code in codes if not ("a" <= code <= "z"
                                                                                       and len(code) == 1)})
    if not_letters:
        raise ValueError(f"Stata declares missing values as the letters a-z (.a-.z), not {not_letters}")
    text_labelled = [column for column in labels if not pd.api.types.is_numeric_dtype(frame[column])
                     and column not in extended]
    if text_labelled:
        raise TypeError(f"Stata keeps value labels on numeric columns only; text columns: {text_labelled}")
    pyreadstat.write_dta(frame, str(path), file_label=file_label, column_labels=dict(column_labels or {}) or None,
                         variable_value_labels=labels or None, missing_user_values=extended or None)
    return path


def file_columns(path: str | Path) -> list[str]:
    """The column names of a CSV, SPSS or Stata file, without reading its records (a CSV's delimiter and
    encoding are detected as the cleaning does)."""
    from helpers.data.validation import detect_delimiter, text_encoding

    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind == "csv":
        with open(path, "rb") as handle:
            head = handle.read(65536)
        codec, _ = text_encoding(head, "auto")
        text = head.decode(codec, errors="replace").removeprefix("\ufeff")
        return next(csv.reader(text.splitlines()[:1], delimiter=detect_delimiter(text)), [])
    if kind in {"sav", "dta"}:
        import pyreadstat

        reader = pyreadstat.read_dta if kind == "dta" else pyreadstat.read_sav
        _, meta = reader(str(path), metadataonly=True)
        return list(meta.column_names)
    raise ValueError(f"{path}: unsupported file type {path.suffix!r} (expected .csv, .sav or .dta)")


def flow_mapping(mapping: Mapping[str, object]) -> str:
    """``mapping`` as a one-line YAML flow mapping, e.g. ``{land: COUNTRY, q_sex: SEX}``, for ``-p name=...``.

    The runner reads ``-p`` values as YAML, so the result parses back to ``mapping`` (names that YAML would
    read as numbers or booleans are quoted).
    """
    text = yaml.safe_dump(dict(mapping), default_flow_style=True, sort_keys=False, width=1 << 30,
                          allow_unicode=True).strip()
    if yaml.safe_load(text) != dict(mapping):  # pragma: no cover - safe_dump round-trips by design
        raise ValueError(f"cannot write {mapping!r} as a YAML flow mapping")
    return text


def reading_table(reading: Mapping[str, Any], declared_missing: Mapping[str, Sequence[MissingDeclaration]],
                  origin: Any, source: str | Path) -> pd.DataFrame:
    """What a cleaning notebook shows about its file: how it was read, what it declares missing, and where its
    data come from (``origin``: a :class:`helpers.data.origin.OriginDecision`)."""
    rows = [("format", str(reading.get("format", "")))]
    rows += [(key, str(value)) for key, value in reading.items() if key not in ("format", "renamed") and value]
    if reading.get("renamed"):
        rows.append(("columns renamed (case or spaces)",
                     ", ".join(f"{old!r} -> {new}" for old, new in reading["renamed"].items())))
    declarations = [f"{column}: {declaration.describe()}" for column, items in declared_missing.items()
                    for declaration in items]
    rows.append(("declared missing values", "; ".join(declarations) if declarations else "none"))
    rows.append(("data origin", origin.describe()))
    rows.append(("the reports say", data_origin_label(origin.origin, source)))
    return pd.DataFrame(rows, columns=["", "value"])


def declared_missing_record(declared_missing: Mapping[str, Sequence[MissingDeclaration]]) -> dict[str, list[str]]:
    """The declared missing values a cleaning step applied, for provenance.json."""
    return {column: [declaration.describe() for declaration in items] for column, items in declared_missing.items()}


# ---------------------------------------------------------------------------------------------------------
# Command line: check a file before a run
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """What ``check`` found: the report (text), whether the pipeline would refuse the file, and the study."""

    text: str
    refused: bool
    study: str


def guess_study(path: str | Path, column_map: Mapping[str, str] | None = None) -> str:
    """'oecd2010' when the file's columns (after ``column_map``) look like the officials survey's, else 'eu2008'."""
    try:
        names = {str((column_map or {}).get(name, name)).strip().upper() for name in file_columns(path)}
    except (OSError, ValueError, UnicodeError, Exception):  # noqa: BLE001 - the check itself names the problem
        return "eu2008"
    oecd = len(names & {column.upper() for column in (*oecd_codebook.ID_COLUMNS, *oecd_codebook.ITEM_COLUMNS)})
    eu = len(names & set(RAW_COLUMNS))
    return "oecd2010" if oecd > eu else "eu2008"


def _log_lines(log: pd.DataFrame, row_column: str, row_label: str) -> list[str]:
    """A cleaning log summarised: per reason, the records dropped or the cells changed, with examples and rows
    (per column when a reason touches three columns or fewer, else the columns with the most changes)."""
    if log.empty:
        return ["    - nothing to change"]
    lines = []
    for reason, entries in log.groupby("reason", sort=False):
        title = str(reason).replace("_", " ")
        if (entries["new_value"] == "(record dropped)").all():
            where = format_row_numbers(entries[row_column].astype(int), label=row_label, limit=8)
            lines.append(f"    - {title}: {len(entries)} records dropped; {where}")
            continue
        columns = entries.groupby("column", sort=False)
        if columns.ngroups > 3:
            sizes = columns.size().sort_values(ascending=False)
            top = ", ".join(f"{column} {count}" for column, count in sizes.head(5).items())
            lines.append(f"    - {title}: {len(entries)} cells in {columns.ngroups} columns ({top} ...), "
                         f"e.g. {_examples(entries)}")
            continue
        for column, cells in columns:
            where = format_row_numbers(cells[row_column].astype(int), label=row_label, limit=8)
            lines.append(f"    - {title}: {column}: {len(cells)} cells ({_examples(cells)}); {where}")
    return lines


def _examples(entries: pd.DataFrame, limit: int = 3) -> str:
    """``"'Danemark' -> 'Denmark', '99' -> missing"``: the first distinct changes of log ``entries``."""
    pairs = list(dict.fromkeys(zip(entries["old_value"].astype(str), entries["new_value"].astype(str), strict=True)))
    shown = ", ".join(f"{old!r} -> {'missing' if new == '' else repr(new)}" for old, new in pairs[:limit])
    return shown + (f" and {len(pairs) - limit} more" if len(pairs) > limit else "")


def _declared_lines(declared: Mapping[str, Sequence[MissingDeclaration]]) -> list[str]:
    lines = [f"    - {column}: {declaration.describe()}" for column, declarations in declared.items()
             for declaration in declarations]
    return lines or ["    - none"]


def _column_lines(columns: Sequence[str], renamed: Mapping[str, str]) -> list[str]:
    """The 2008 study's column notes: unknown columns, codebook columns missing and what they affect."""
    lines = []
    unknown = [name for name in columns if name not in RAW_COLUMNS]
    if unknown:
        lines.append(f"  columns not in the codebook (carried along, ignored by the analysis): {unknown}")
    absent = [column for column in RAW_COLUMNS if column not in columns and column != "SYNTHETIC"]
    hint = renamed_columns_hint(absent, unknown, RAW_COLUMNS) if absent and unknown else ""
    lines.append("  codebook columns missing: " + (", ".join(absent) if absent else "none") + hint)
    if absent:
        stopping = [column for column in absent if column in CLEANING_REQUIRED_COLUMNS]
        if stopping:
            lines.append(f"  required by the cleaning (helpers.eu.codebook.REQUIRED_COLUMNS): {', '.join(stopping)}: "
                         "the run stops at eu2008_clean naming them")
        notes = missing_notes(missing_variables(list(columns), analysis_requirements()))
        lines += ["  what they would affect:", *(f"    - {note}" for note in notes)]
        if any(column in UNUSED_COLUMNS for column in absent):
            lines.append(f"    - {', '.join(c for c in absent if c in UNUSED_COLUMNS)}: used by no figure or claim")
    if renamed:
        lines.append("  renamed to the codebook's names (case or spaces): "
                     + ", ".join(f"{old!r} -> {new}" for old, new in renamed.items()))
    return lines


def _reading_line(reading: Mapping[str, Any]) -> str:
    parts = [f"{key} {value}" for key, value in reading.items() if key not in ("format", "renamed") and value]
    return f"  read as: {reading.get('format', '?')}" + (f" ({', '.join(parts)})" if parts else "")


def _origin_lines(origin: Any, source: str) -> list[str]:
    return [f"  data origin: {origin.describe()}",
            f"  the reports would say: {data_origin_label(origin.origin, source)}"]


def check_eu(path: str | Path, options: Mapping[str, Any]) -> list[str]:
    """Run the 2008 study's cleaning step on ``path`` (nothing written) and describe what it did."""
    from helpers.eu.stages import run_cleaning

    step = run_cleaning(path, options.get("column_map"), value_map=options.get("value_map"),
                        missing_codes=options.get("missing_codes"), data_origin=options.get("data_origin"),
                        delimiter=options.get("delimiter", "auto"), decimal=options.get("decimal", "auto"),
                        encoding=options.get("encoding", "auto"))
    raw, cleaned = step.inputs.raw, step.cleaned
    reading = dict(raw.attrs.get("reading") or {})
    supported = availability(cleaned.data)
    columns = [column for column in raw.columns]
    lines = [_reading_line(reading), f"  {len(raw)} records, {len(raw.columns)} columns",
             *_column_lines(columns, reading.get("renamed") or {})]
    if supported.missing and not any(column not in raw.columns for needed in supported.missing.values()
                                     for column in needed):
        lines += ["  without a single valid answer (reported as not available):",
                  *(f"    - {note}" for note in supported.notes)]
    lines += ["  declared missing values (made missing, with their reason, in the cleaning log):",
              *_declared_lines(raw.attrs.get("declared_missing") or {}),
              "  what the cleaning would do (cleaning_log.csv; rows are 0-based record positions):",
              *_log_lines(cleaned.log, "source_row", "rows"),
              f"  respondents: {len(raw)} delivered, {len(step.respondents)} kept and weighted",
              *_origin_lines(step.origin, str(path))]
    return lines


def check_oecd(path: str | Path, options: Mapping[str, Any]) -> list[str]:
    """Run the OECD study's cleaning step on ``path`` (nothing written) and describe what it did."""
    from helpers.oecd.clean import run_cleaning

    cleaned = run_cleaning(path, column_map=options.get("column_map"), value_map=options.get("value_map"),
                           missing_codes=options.get("missing_codes"), data_origin=options.get("data_origin"),
                           delimiter=options.get("delimiter", "auto"), decimal=options.get("decimal", "auto"),
                           encoding=options.get("encoding", "auto"))
    dropped = cleaned.dropped
    lines = [_reading_line(cleaned.reading), f"  {cleaned.n_rows_read} rows (official x service area)"]
    if cleaned.reading.get("renamed"):
        lines.append("  renamed to the codebook's names (case or spaces): "
                     + ", ".join(f"{old!r} -> {new}" for old, new in cleaned.reading["renamed"].items()))
    lines += ["  what the cleaning would do (cleaning_log.csv; lines are file lines):",
              *_log_lines(cleaned.log, "line", "file lines")]
    if len(dropped):
        lines.append(f"    - {len(dropped)} rows dropped: {dropped['reason'].iloc[0]}; "
                     f"{format_row_numbers(dropped['line'], limit=8)}")
    lines += [f"  officials: {cleaned.long['respondent_id'].nunique()}, answers: {len(cleaned.long)}",
              *_origin_lines(cleaned.origin, str(path))]
    return lines


def check_file(path: str | Path, *, study: str | None = None, **options: Any) -> CheckResult:
    """Run the cleaning step of ``study`` (default: guessed from the columns) on ``path`` as the pipeline would,
    write nothing, and report; ``refused`` is True exactly when the pipeline's cleaning step would stop.

    ``options``: ``column_map``, ``value_map``, ``missing_codes``, ``data_origin``, ``delimiter``, ``decimal``,
    ``encoding``, as the parameters of the cleaning steps.
    """
    chosen = study or guess_study(path, options.get("column_map") if isinstance(options.get("column_map"), Mapping)
                                  else None)
    guessed = "" if study else " (guessed from the columns; choose with --study)"
    header = [f"{path}", f"  study: {chosen}, {STUDIES[chosen]}{guessed}"]
    try:
        lines = check_eu(path, options) if chosen == "eu2008" else check_oecd(path, options)
    except InputFileError as error:
        message = "\n".join("    " + line for line in str(error).splitlines())
        return CheckResult("\n".join([*header, "  RESULT: the pipeline would REFUSE this file "
                                       f"(step {chosen}_clean stops):", message]), True, chosen)
    except Exception as error:  # noqa: BLE001 - a check must answer, not crash; the cause is named
        return CheckResult("\n".join([*header, "  RESULT: the pipeline would stop on this file "
                                       f"(step {chosen}_clean fails): {type(error).__name__}: {error}"]), True, chosen)
    verdict = f"  RESULT: the pipeline would run {chosen}_clean on this file, with the changes above"
    return CheckResult("\n".join([*header, *lines, verdict]), False, chosen)


def check_report(path: str | Path, column_map: Mapping[str, str] | None = None, **options: Any) -> str:
    """The text ``python -m helpers.data.real_data check`` prints (:func:`check_file`)."""
    return check_file(path, column_map=column_map, **options).text


def _yaml_option(parser: argparse.ArgumentParser, name: str, text: str) -> dict[str, Any]:
    """A ``--name`` YAML mapping, or a usage error naming the option (never a traceback)."""
    try:
        value = yaml.safe_load(text) if text else {}
    except yaml.YAMLError as error:
        parser.error(f"--{name} is not valid YAML: {' '.join(str(error).split())}")
    if value is None:
        return {}
    if not isinstance(value, dict):
        parser.error(f"--{name} must be a YAML mapping, e.g. '{{land: COUNTRY}}', got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.data.real_data", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="what the cleaning step would do with a respondent file, and "
                                              "whether it would refuse it (exit 1)")
    check.add_argument("file")
    check.add_argument("--study", choices=sorted(STUDIES), default=None, help="default: guessed from the columns")
    check.add_argument("--column-map", default="{}", help="YAML mapping, your name -> codebook name")
    check.add_argument("--value-map", default="{}", help="YAML mapping, COLUMN -> {your value or label: codebook value}")
    check.add_argument("--missing-codes", default="{}",
                       help="YAML mapping, COLUMN or '*' -> [codes] or {code: dont_know|refused|not_asked}")
    check.add_argument("--data-origin", default="", help="'real' to declare the real microdata, or 'synthetic'")
    for name in ("delimiter", "decimal", "encoding"):
        check.add_argument(f"--{name}", default="auto", help="as the cleaning step's parameter (default: auto)")
    digest = commands.add_parser("hash", help="the file's sha256 (compare with a run's provenance.json)")
    digest.add_argument("file")
    digest.add_argument("--processed", help="a processed folder with provenance.json to compare with")
    arguments = parser.parse_args(argv)
    if arguments.command == "check":
        for name in ("data_origin", "delimiter", "decimal", "encoding"):
            problem = value_problem(name, getattr(arguments, name))
            if problem:
                parser.error(f"--{name.replace('_', '-')} {getattr(arguments, name)!r}: {problem}")
        options = {name.replace("-", "_"): _yaml_option(parser, name, getattr(arguments, name.replace("-", "_")))
                   for name in ("column-map", "value-map", "missing-codes")}
        result = check_file(arguments.file, study=arguments.study, data_origin=arguments.data_origin,
                            delimiter=arguments.delimiter, decimal=arguments.decimal, encoding=arguments.encoding,
                            **options)
        print(result.text)
        return 1 if result.refused else 0
    return hash_command(arguments.file, arguments.processed)


def hash_command(file: str, processed: str | None) -> int:
    """``hash``: print the file's sha256; with ``processed``, compare it with that run's provenance.json."""
    try:
        sha256 = file_sha256(file)
    except OSError as error:
        print(f"{file}: cannot be read: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"{sha256}  {file}")
    if processed:
        try:
            record = json.loads((Path(processed) / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"{processed}/provenance.json: cannot be read: {error}", file=sys.stderr)
            return 1
        if record.get("sha256") != sha256:
            print(f"DIFFERENT from {processed}/provenance.json: {record.get('sha256')} ({record.get('source_file')})")
            return 1
        print(f"same as {processed}/provenance.json ({record.get('source_file')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
