"""Where a result comes from: git commit, package versions, data provenance, and the run banner.

A cleaning notebook writes ``provenance.json`` next to the processed data
(:func:`write_data_provenance`); later notebooks read it (:func:`read_data_provenance`) and show
:func:`run_banner` as their first output, so every exported report states the study, the
parameters, the commit and, visibly, whether the respondent-level data are synthetic.

Nothing here records a date or a time: the same commit and parameters give the same bytes.
The banner and :func:`display_table` carry an HTML, a Markdown and a LaTeX rendering, so they read
well in JupyterLab, in the HTML reports and in the PDF (nbconvert's LaTeX route).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.outputs import write_json

PROVENANCE_FILENAME = "provenance.json"
PROVENANCE_SCHEMA_VERSION = 1
REQUIRED_PROVENANCE_KEYS = ("source_file", "data_are_synthetic", "sha256")

SYNTHETIC_DATA_NOTICE = (
    "SYNTHETIC DATA: the respondent-level data are synthetic stand-ins calibrated to published "
    "aggregates; no number here is a survey finding"
)
REAL_DATA_PREFIX = "Real respondent-level data:"
NOT_DECLARED_PREFIX = "Origin of the respondent-level data not declared:"
DATA_ORIGINS: tuple[str, ...] = ("synthetic", "real", "not declared")
"""``data_origin`` in provenance.json: synthetic (the stand-ins, or a file marked or recognised as such), real
(declared by the user, nothing marks it synthetic) or not declared (helpers.data.origin decides)."""
DATA_NOTICE_MARKERS: dict[str, str] = {
    "synthetic": SYNTHETIC_DATA_NOTICE, "real": REAL_DATA_PREFIX, "not declared": NOT_DECLARED_PREFIX,
}
"""Text by which each origin's notice is recognised in a report (helpers.report.export.data_notices)."""
DEFAULT_ASSUMPTIONS_HREF = "assumptions.html"
DEFAULT_MANIFEST_HREF = "run_manifest.json"


# --------------------------------------------------------------------------------------------
# git and package versions
# --------------------------------------------------------------------------------------------


def _run_git(root: str | os.PathLike[str], *arguments: str) -> str | None:
    """Return the stripped stdout of ``git -C root <arguments>``, or None if git fails or is absent."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip()


def git_commit(root: str | os.PathLike[str] | None = None) -> str:
    """Short sha of HEAD in ``root`` (default: the project root), or ``'unknown'`` outside git."""
    sha = _run_git(root or _project_root(), "rev-parse", "--short", "HEAD")
    return sha if sha else "unknown"


def git_is_dirty(root: str | os.PathLike[str] | None = None) -> bool | None:
    """True if tracked files differ from HEAD, False if clean, None outside git.

    Untracked files are ignored (``build/``, ``reports/`` and processed data are git-ignored, and a
    new scratch file does not change any result).
    """
    status = _run_git(root or _project_root(), "status", "--porcelain", "--untracked-files=no")
    if status is None:
        return None
    return bool(status)


def git_commit_label(root: str | os.PathLike[str] | None = None) -> str:
    """The commit as shown in reports: ``'abc1234'``, ``'abc1234-dirty'`` or ``'unknown'``."""
    commit = git_commit(root)
    return f"{commit}-dirty" if commit != "unknown" and git_is_dirty(root) else commit


def git_commit_timestamp(root: str | os.PathLike[str] | None = None) -> int | None:
    """Committer time of HEAD as Unix seconds (a deterministic stand-in for 'now'), or None."""
    stamp = _run_git(root or _project_root(), "log", "-1", "--format=%ct")
    return int(stamp) if stamp and stamp.isdigit() else None


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed distribution version for each name, ``'not installed'`` when missing."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _project_root() -> Path:
    from helpers.paths import PROJECT_ROOT

    return PROJECT_ROOT


# --------------------------------------------------------------------------------------------
# data provenance (provenance.json next to processed data)
# --------------------------------------------------------------------------------------------


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _display_path(path: str | os.PathLike[str]) -> str:
    """An absolute ``path`` inside the project as project-relative (portable); others as given."""
    candidate = Path(path)
    if not candidate.is_absolute():
        return candidate.as_posix()
    try:
        return candidate.resolve().relative_to(_project_root().resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


def write_data_provenance(
    folder: str | os.PathLike[str],
    *,
    source_file: str | os.PathLike[str],
    data_are_synthetic: bool | None = None,
    sha256: str | None = None,
    description: str | None = None,
    extra: Mapping[str, Any] | None = None,
    data_origin: str | None = None,
) -> Path:
    """Write ``folder/provenance.json`` describing where the processed data in ``folder`` came from.

    ``data_origin`` is one of :data:`DATA_ORIGINS` (the cleaning steps decide it with
    :mod:`helpers.data.origin`); ``data_are_synthetic`` (kept for readers of older records) follows from it.
    Given alone, ``data_are_synthetic=True`` means 'synthetic' and False 'not declared'.
    ``sha256`` is the hash of ``source_file``; when None it is computed from the file.
    ``extra`` holds any further JSON-serialisable facts (row counts, calibration targets ...).
    No timestamp is written, so the file is identical from run to run.
    """
    if data_are_synthetic is not None and not isinstance(data_are_synthetic, bool):
        raise TypeError("data_are_synthetic must be True or False")
    if data_origin is None:
        if data_are_synthetic is None:
            raise TypeError("give data_origin (or data_are_synthetic)")
        data_origin = "synthetic" if data_are_synthetic else "not declared"
    if data_origin not in DATA_ORIGINS:
        raise ValueError(f"data_origin must be one of {DATA_ORIGINS}, got {data_origin!r}")
    if data_are_synthetic is not None and data_are_synthetic != (data_origin == "synthetic"):
        raise ValueError(f"data_are_synthetic={data_are_synthetic} contradicts data_origin={data_origin!r}")
    record: dict[str, Any] = {
        "schema_version": PROVENANCE_SCHEMA_VERSION,
        "source_file": _display_path(source_file),
        "data_are_synthetic": data_origin == "synthetic",
        "data_origin": data_origin,
        "sha256": sha256 or file_sha256(source_file),
    }
    if description:
        record["description"] = description
    if extra:
        clashes = set(extra) & set(record)
        if clashes:
            raise ValueError(f"extra may not override {sorted(clashes)}")
        record.update(extra)
    return write_json(record, Path(folder) / PROVENANCE_FILENAME)


def read_data_provenance(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``folder/provenance.json`` and check that it names the source, its hash and its nature."""
    target = Path(folder) / PROVENANCE_FILENAME
    if not target.is_file():
        raise FileNotFoundError(
            f"{target} is missing: run the cleaning step that writes it (write_data_provenance)."
        )
    record = json.loads(target.read_text(encoding="utf-8"))
    missing = [key for key in REQUIRED_PROVENANCE_KEYS if key not in record]
    if missing:
        raise ValueError(f"{target} lacks {missing}")
    if not isinstance(record["data_are_synthetic"], bool):
        raise ValueError(f"{target}: data_are_synthetic must be true or false")
    record["data_origin"] = data_origin_of(record)
    return record


def data_origin_of(record: Mapping[str, Any] | None) -> str:
    """The origin a provenance record states (:data:`DATA_ORIGINS`); a record written before ``data_origin``
    existed is synthetic when it says so and otherwise 'not declared' (never real by default)."""
    if not record:
        return "not declared"
    origin = record.get("data_origin")
    if origin in DATA_ORIGINS:
        if record.get("data_are_synthetic") is True:
            return "synthetic"
        return str(origin)
    return "synthetic" if record.get("data_are_synthetic") is True else "not declared"


def data_origin_label(origin: str | bool, data_file: str | os.PathLike[str] | None = None) -> str:
    """THE human label of the data's origin, shown by every banner, report and page that states it.

    'synthetic' (or True): :data:`SYNTHETIC_DATA_NOTICE`; 'real': "Real respondent-level data: FILE";
    'not declared' (and anything else, False included): "Origin of the respondent-level data not declared: FILE
    ...". The wording of each starts with its :data:`DATA_NOTICE_MARKERS` entry.
    """
    origin = _origin(origin)
    shown = _display_path(data_file) if data_file else "file not named"
    if origin == "synthetic":
        return SYNTHETIC_DATA_NOTICE
    if origin == "real":
        return f"{REAL_DATA_PREFIX} {shown}"
    return (f"{NOT_DECLARED_PREFIX} {shown}. Not recognised as the synthetic stand-in, but not declared real either: "
            "treat the results with care, and set data_origin: real in the cleaning step if these are the real data")


def _origin(origin: str | bool) -> str:
    """An origin given as text or as the old synthetic flag (True synthetic, False not declared)."""
    if origin is True:
        return "synthetic"
    return origin if origin in DATA_ORIGINS else "not declared"


# --------------------------------------------------------------------------------------------
# rich display objects: HTML for JupyterLab / HTML reports, LaTeX + Markdown for the PDF
# --------------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}
_LATEX_SPECIALS_PATTERN = re.compile("|".join(re.escape(character) for character in _LATEX_SPECIALS))
_MARKDOWN_SPECIALS_PATTERN = re.compile(r"([\\`*_\[\]<>|$~^#])")


def escape_latex(text: Any) -> str:
    """Escape LaTeX's special characters in ``str(text)`` (Unicode passes through for xelatex)."""
    return _LATEX_SPECIALS_PATTERN.sub(lambda match: _LATEX_SPECIALS[match.group()], str(text))


def escape_latex_url(url: str) -> str:
    """Escape a URL for the first argument of hyperref's ``\\href`` (only ``%`` and ``#`` matter)."""
    return url.replace("%", r"\%").replace("#", r"\#")


def escape_markdown(text: Any) -> str:
    """Backslash-escape Markdown punctuation in ``str(text)`` so a value renders literally."""
    return _MARKDOWN_SPECIALS_PATTERN.sub(r"\\\1", str(text)).replace("\n", " ")


@dataclass(frozen=True)
class RichDisplay:
    """A display object with the same content as HTML, Markdown, LaTeX and plain text.

    ``IPython.display.display(obj)`` stores all four in the notebook; JupyterLab and nbconvert's
    HTML route show the HTML, nbconvert's LaTeX/PDF route takes the LaTeX.
    """

    html: str
    markdown: str
    latex: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_latex_(self) -> str:
        return self.latex

    def __repr__(self) -> str:
        return self.text


def _format_parameter(value: Any) -> str:
    """A parameter value as shown in the banner (JSON-like, stable)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


# Inline styles, not a <style> block: JupyterLab strips <style> from untrusted outputs.
_NOTICE_STYLE = {
    "synthetic": "padding:0.8em 1em;margin:0.5em 0 0.8em 0;font-weight:bold;font-size:1.15em;"
    "border:3px solid #b00020;background-color:#fdecea;color:#7a0014;",
    "real": "padding:0.8em 1em;margin:0.5em 0 0.8em 0;font-weight:bold;font-size:1.15em;"
    "border:3px solid #1b5e20;background-color:#e8f5e9;color:#1b5e20;",
    "not declared": "padding:0.8em 1em;margin:0.5em 0 0.8em 0;font-weight:bold;font-size:1.15em;"
    "border:3px solid #b26a00;background-color:#fff4e5;color:#5f3700;",
}
_NOTICE_LATEX_COLOURS = {"synthetic": ("red!70!black", "red!8"), "real": ("green!50!black", "green!8"),
                         "not declared": ("orange!70!black", "orange!8")}
_CELL_STYLE = "border:1px solid #bbbbbb;padding:0.2em 0.6em;text-align:left;font-family:monospace;"


def _banner_html(title: str, notice: str, origin: str, rows: list[tuple[str, str]], commit: str,
                 step: str | None, assumptions_href: str, manifest_href: str) -> str:
    escape = html.escape
    cell = f'style="{_CELL_STYLE}"'
    table_rows = "".join(f"<tr><td {cell}>{escape(name)}</td><td {cell}>{escape(value)}</td></tr>" for name, value in rows)
    parameters = (
        f'<table class="run-banner-parameters" style="border-collapse:collapse;margin:0.4em 0;">'
        f"<thead><tr><th {cell}>parameter</th><th {cell}>value</th></tr></thead><tbody>{table_rows}</tbody></table>"
        if rows
        else "<p><em>No parameters.</em></p>"
    )
    step_line = f" &middot; step <code>{escape(step)}</code>" if step else ""
    return (
        '<div class="run-banner">'
        f'<h1 style="margin:0 0 0.4em 0;">{escape(title)}</h1>'
        f'<div class="run-banner-data-notice" role="note" style="{_NOTICE_STYLE[origin]}">{escape(notice)}</div>'
        f"<p>git commit <code>{escape(commit)}</code>{step_line} &middot; "
        f'<a href="{escape(assumptions_href)}">assumptions and caveats log</a> &middot; '
        f'<a href="{escape(manifest_href)}">run manifest</a></p>'
        f"<p><strong>Parameters used</strong></p>{parameters}</div>"
    )


def _banner_markdown(title: str, notice: str, rows: list[tuple[str, str]], commit: str, step: str | None,
                     assumptions_href: str, manifest_href: str) -> str:
    lines = [f"# {escape_markdown(title)}", "", f"> **{escape_markdown(notice)}**", ""]
    step_part = f" · step `{step}`" if step else ""
    lines += [
        f"git commit `{commit}`{step_part} · [assumptions and caveats log]({assumptions_href}) · "
        f"[run manifest]({manifest_href})",
        "",
        "**Parameters used**",
        "",
    ]
    if rows:
        lines += ["| parameter | value |", "|:--|:--|"]
        lines += [f"| {escape_markdown(name)} | {escape_markdown(value)} |" for name, value in rows]
    else:
        lines.append("*No parameters.*")
    return "\n".join(lines) + "\n"


def _banner_latex(title: str, notice: str, origin: str, rows: list[tuple[str, str]], commit: str,
                  step: str | None, assumptions_href: str, manifest_href: str) -> str:
    frame, fill = _NOTICE_LATEX_COLOURS[origin]
    step_part = rf" \textperiodcentered{{}} step \texttt{{{escape_latex(step)}}}" if step else ""
    parts = [
        rf"\section*{{{escape_latex(title)}}}",
        r"\begin{center}",
        rf"\fcolorbox{{{frame}}}{{{fill}}}{{\parbox{{0.95\linewidth}}{{\vspace{{0.4em}}"
        rf"\raggedright\large\bfseries {escape_latex(notice)}\par\vspace{{0.4em}}}}}}",
        r"\end{center}",
        rf"\noindent git commit \texttt{{{escape_latex(commit)}}}{step_part} \textperiodcentered{{}} "
        rf"\href{{{escape_latex_url(assumptions_href)}}}{{assumptions and caveats log}} \textperiodcentered{{}} "
        rf"\href{{{escape_latex_url(manifest_href)}}}{{run manifest}}",
        "",
        r"\smallskip\noindent\textbf{Parameters used}",
        "",
    ]
    if rows:
        body = "\n".join(
            rf"\texttt{{{escape_latex(name)}}} & \texttt{{{escape_latex(value)}}} \\" for name, value in rows
        )
        parts += [
            r"\begin{longtable}{@{}lp{0.6\linewidth}@{}}",
            r"\toprule parameter & value \\ \midrule",
            body,
            r"\bottomrule",
            r"\end{longtable}",
        ]
    else:
        parts.append(r"\noindent\emph{No parameters.}")
    return "\n".join(parts) + "\n"


def run_banner(
    study_title: str,
    parameters: Mapping[str, Any],
    data_origin: str | bool,
    *,
    data_file: str | os.PathLike[str] | None = None,
    step: str | None = None,
    root: str | os.PathLike[str] | None = None,
    assumptions_href: str = DEFAULT_ASSUMPTIONS_HREF,
    manifest_href: str = DEFAULT_MANIFEST_HREF,
) -> RichDisplay:
    """The first output of every notebook: title, data-origin notice, commit, links, parameters.

    ``data_origin`` is 'synthetic', 'real' or 'not declared' (True and False, the old synthetic flag, mean
    'synthetic' and 'not declared'); the notice is :func:`data_origin_label` (red, green or amber).

    ``parameters`` is typically ``{name: value}`` of the notebook's parameters cell. The links are
    relative to where the report is exported (``reports/``). No date is shown, for determinism.
    Display it with ``IPython.display.display(run_banner(...))`` or as the cell's last expression.
    """
    commit = git_commit_label(root)
    origin = _origin(data_origin)
    notice = data_origin_label(origin, data_file)
    rows = [(str(name), _format_parameter(value)) for name, value in parameters.items()]
    html_text = _banner_html(study_title, notice, origin, rows, commit, step, assumptions_href, manifest_href)
    markdown_text = _banner_markdown(study_title, notice, rows, commit, step, assumptions_href, manifest_href)
    latex_text = _banner_latex(study_title, notice, origin, rows, commit, step, assumptions_href, manifest_href)
    plain = "\n".join(
        [study_title, notice, f"git commit {commit}"] + [f"{name} = {value}" for name, value in rows]
    )
    return RichDisplay(html=html_text, markdown=markdown_text, latex=latex_text, text=plain)


def banner_from_provenance(
    study_title: str,
    parameters: Mapping[str, Any],
    processed_folder: str | os.PathLike[str],
    **banner_options: Any,
) -> RichDisplay:
    """:func:`run_banner` with the data origin and data file read from ``provenance.json``."""
    record = read_data_provenance(processed_folder)
    return run_banner(
        study_title,
        parameters,
        data_origin_of(record),
        data_file=banner_options.pop("data_file", record["source_file"]),
        **banner_options,
    )


# --------------------------------------------------------------------------------------------
# tables that survive both routes
# --------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    """True for None, NaN, NA and NaT (False for anything pandas cannot judge as a scalar)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _formatted_cells(frame: Any, decimals: int, readable: bool = True) -> Any:
    """A copy of ``frame`` with every cell a string as a reader reads it
    (:func:`helpers.report.labels.format_cell`: p-values as ``< 0.001``, numbers at their column's precision,
    identifiers in words); missing values blank. ``readable=False`` only rounds floats to ``decimals``."""
    from helpers.report.labels import format_cell

    def plain(value: Any) -> str:
        if _is_missing(value):
            return ""
        return f"{value:.{decimals}f}" if isinstance(value, float) else str(value)

    columns = {}
    for column in frame.columns:
        values = frame[column].tolist()
        columns[column] = ([format_cell(value, column, decimals) for value in values] if readable
                           else [plain(value) for value in values])
    import pandas as pd

    return pd.DataFrame(columns, columns=list(frame.columns), index=range(len(frame)))


def _needs_index(frame: Any) -> bool:
    """Whether the index carries information a reader needs: named, or labels that are not row numbers. An unnamed
    integer index (a range, or what is left of one after filtering or sorting) is pandas' row numbering: never shown."""
    from pandas.api.types import is_integer_dtype

    index = frame.index
    unnamed = all(name is None for name in index.names)
    return not (unnamed and index.nlevels == 1 and is_integer_dtype(index.dtype))


def _numeric_columns(frame: Any) -> list[bool]:
    """For each column of ``frame``: is it numeric (shown right-aligned)?"""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [is_numeric_dtype(frame[column]) and not is_bool_dtype(frame[column]) for column in frame.columns]


LONG_TEXT_CHARACTERS = 24  # text columns wider than this wrap in the PDF instead of running off the page


def _latex_alignment(cells: Any, numeric: list[bool]) -> str:
    """Column types: numbers right-aligned, short text left-aligned, long text wrapped in a paragraph column.

    The long text columns share about half the line width, so a wide table stays on the page.
    """
    widths = [int(cells[column].str.len().max() or 0) for column in cells.columns]
    long_columns = [i for i, (w, n) in enumerate(zip(widths, numeric)) if not n and w > LONG_TEXT_CHARACTERS]
    share = 0.5 / max(1, len(long_columns))
    kinds = []
    for position, is_numeric in enumerate(numeric):
        if position in long_columns:
            kinds.append(rf"p{{{share:.2f}\linewidth}}")
        else:
            kinds.append("r" if is_numeric else "l")
    return "".join(kinds)


def _table_latex(cells: Any, numeric: list[bool], caption: str | None) -> str:
    """A booktabs ``longtable`` (both packages are loaded by nbconvert's LaTeX template)."""
    alignment = _latex_alignment(cells, numeric)
    header = " & ".join(rf"\textbf{{{escape_latex(column)}}}" for column in cells.columns) + r" \\"
    rows = cells.itertuples(index=False)
    body = "\n".join(" & ".join(escape_latex(value) for value in row) + r" \\" for row in rows)
    caption_lines = [rf"\par\noindent\emph{{{escape_latex(caption)}}}"] if caption else []
    return "\n".join(
        [
            *caption_lines,
            r"{\footnotesize" if len(numeric) > 6 else r"{\small",
            rf"\begin{{longtable}}{{@{{}}{alignment}@{{}}}}",
            r"\toprule",
            header,
            r"\midrule\endhead",
            body,
            r"\bottomrule",
            r"\end{longtable}}",
        ]
    ) + "\n"


def _table_markdown(cells: Any, numeric: list[bool], caption: str | None) -> str:
    """A pipe table (pandoc and JupyterLab both read it)."""
    header = "| " + " | ".join(escape_markdown(column) for column in cells.columns) + " |"
    rule = "|" + "|".join("--:" if is_numeric else ":--" for is_numeric in numeric) + "|"
    rows = cells.itertuples(index=False)
    body = ["| " + " | ".join(escape_markdown(value) for value in row) + " |" for row in rows]
    lines = ([f"*{escape_markdown(caption)}*", ""] if caption else []) + [header, rule, *body]
    return "\n".join(lines) + "\n"


# Inline styles (JupyterLab keeps them, its own stylesheet right-aligns every cell): text left, numbers right
# with tabular figures; text wraps at spaces only (no forced hyphenation); the table never exceeds the page.
_TABLE_STYLE = "border-collapse:collapse;margin:0.4em 0 1em 0;max-width:100%;font-size:0.92em;"
_HEAD_STYLE = "border-bottom:1px solid #555;padding:0.25em 0.6em;vertical-align:bottom;font-weight:bold;"
_CELL_STYLE_TEXT = "text-align:left;padding:0.2em 0.6em;vertical-align:top;hyphens:manual;overflow-wrap:break-word;"
_CELL_STYLE_NUMBER = ("text-align:right;padding:0.2em 0.6em;vertical-align:top;white-space:nowrap;"
                      "font-variant-numeric:tabular-nums;")
_CAPTION_STYLE = "caption-side:top;text-align:left;font-style:italic;padding-bottom:0.3em;"


def _table_html(cells: Any, numeric: list[bool], caption: str | None, csv_link: str | None) -> str:
    """A table with a caption, its header row, text left-aligned and numbers right-aligned, no index column."""
    escape = html.escape

    def cell(tag: str, value: str, is_numeric: bool, head: bool = False) -> str:
        style = (_CELL_STYLE_NUMBER if is_numeric else _CELL_STYLE_TEXT) + (_HEAD_STYLE if head else "")
        return f'<{tag} style="{style}">{escape(value)}</{tag}>'

    header = "".join(cell("th", str(column), is_numeric, head=True) for column, is_numeric in zip(cells.columns, numeric))
    body = "".join("<tr>" + "".join(cell("td", value, is_numeric) for value, is_numeric in zip(row, numeric)) + "</tr>"
                   for row in cells.itertuples(index=False))
    caption_html = f'<caption style="{_CAPTION_STYLE}">{escape(caption)}</caption>' if caption else ""
    table = (f'<table class="compendium-table" style="{_TABLE_STYLE}">{caption_html}<thead><tr>{header}</tr></thead>'
             f"<tbody>{body}</tbody></table>")
    if csv_link:
        table += (f'<p class="full-table" style="margin:-0.6em 0 1em 0;font-size:0.9em;">Full table: '
                  f'<a href="{escape(csv_link)}">{escape(csv_link)}</a></p>')
    return f'<div class="table-wrap" style="max-width:100%;overflow-x:auto;">{table}</div>'


def _selected_columns(frame: Any, columns: Sequence[str] | Mapping[str, str] | None) -> Any:
    """``frame`` with only ``columns`` (in their order; a mapping also renames them to its values)."""
    if columns is None:
        return frame
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"display_table: no column {missing} in the table (it has {list(frame.columns)})")
    chosen = frame[list(columns)]
    return chosen.rename(columns=dict(columns)) if isinstance(columns, Mapping) else chosen


def table_display(frame: Any, *, caption: str | None = None, decimals: int = 3, max_rows: int = 200,
                  columns: Sequence[str] | Mapping[str, str] | None = None, csv: str | None = None,
                  readable: bool = True) -> RichDisplay:
    """A pandas data frame as a :class:`RichDisplay` (HTML, Markdown, LaTeX and text tables).

    With ``readable`` (the default) headers and cells read as words (:mod:`helpers.report.labels`): column
    names and identifiers (tests, terms, weights, sectors, items) as labels, p-values as ``< 0.001``, numbers
    at their column's precision (``decimals`` for columns it does not know). ``columns`` chooses the columns
    shown (a mapping also names them); ``csv`` is a link to the full table, shown under it. A non-default
    index becomes leading columns; the default index is never shown. Frames longer than ``max_rows`` are
    refused (a report table that long belongs in a CSV).
    """
    if len(frame) > max_rows:
        raise ValueError(f"table has {len(frame)} rows (> {max_rows}); write it to a CSV instead")
    flat = frame.reset_index() if _needs_index(frame) else frame
    flat = flat.copy()
    flat.columns = [" / ".join(map(str, column)) if isinstance(column, tuple) else str(column) for column in flat.columns]
    flat = _selected_columns(flat, columns)
    numeric = _numeric_columns(flat)
    cells = _formatted_cells(flat, decimals, readable)
    if readable:
        from helpers.report.labels import column_label, is_p_column

        renamed = dict(columns) if isinstance(columns, Mapping) else {}
        names = [column if column in renamed.values() else column_label(column) for column in flat.columns]
        numeric = [is_numeric or is_p_column(column) for is_numeric, column in zip(numeric, flat.columns)]
        cells.columns = names
    return RichDisplay(
        html=_table_html(cells, numeric, caption, csv),
        markdown=_table_markdown(cells, numeric, caption),
        latex=_table_latex(cells, numeric, caption),
        text=cells.to_string(index=False),
    )


def not_computed_display(what: str, why: str) -> RichDisplay:
    """A visible 'Not computed: <what>, because <why>.' line for a report, in place of a table or figure."""
    text = f"Not computed: {what}, because {why}."
    return RichDisplay(
        html=f'<p class="not-computed" role="note" style="font-weight:bold;color:#5f3700;">{html.escape(text)}</p>',
        markdown=f"**{escape_markdown(text)}**\n",
        latex=f"\\textbf{{{escape_latex(text)}}}\n",
        text=text,
    )


def display_table(frame: Any, *, caption: str | None = None, decimals: int = 3, max_rows: int = 200,
                  columns: Sequence[str] | Mapping[str, str] | None = None, csv: str | None = None) -> None:
    """Display a data frame so that it is a real table in JupyterLab, the HTML report and the PDF, read as
    words and plain numbers (:func:`table_display`; ``columns`` chooses the columns, ``csv`` links the full table)."""
    from IPython.display import display

    display(table_display(frame, caption=caption, decimals=decimals, max_rows=max_rows, columns=columns, csv=csv))
