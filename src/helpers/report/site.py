"""One offline front page for everything the pipeline wrote: ``reports/index.html``.

Usage::

    python -m helpers.report.site                                  # reports/ and data/processed/ of the project
    python -m helpers.report.site --reports OUT/reports --processed OUT/data/processed

:func:`build_index` discovers the files (nothing about a study is hard-coded) and writes a single
self-contained page: inline CSS, no JavaScript, no external URL, relative links only. It shows

* a box on top saying whether the respondent-level data are synthetic (from each study's
  ``<processed>/<study>/provenance.json``) and what that means for the figures;
* the run record below it (:mod:`helpers.report.runinfo`): the last run's date, commit and outcome (a failed
  or unfinished run is named, and the reports are said to be those of the last successful run), and per
  study when its results were computed, the data origin, every parameter that differs from pipeline.yaml and
  the steps left out of date (``--only``), which are also marked where their reports, figures and scorecard
  rows are shown;
* per study: the tested claims that pass, apart from those that hold by construction or cannot be
  checked; the reviewer / replicator HTML reports and the PDF;
* every figure in ``figures/<study>/`` as a thumbnail with links to its PNG, SVG and CSV;
* the combined scorecard as a colour-coded table (also written to ``tables/scorecard.csv`` and
  ``.json`` by :func:`write_combined_scorecard`);
* the assumptions-and-caveats log (with its headings), the data log and the run manifest.

The page is deterministic: sorted file lists, and no date but the run record's (from the manifest), so the
same files give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers import paths
from helpers.data.provenance import data_origin_label, data_origin_of
from helpers.data.status import (
    FAIL,
    HOLDS_BY_CONSTRUCTION,
    INTERVAL_NOTE,
    NOT_AVAILABLE,
    NOT_CHECKABLE,
    PASS,
    SCORECARD_COLUMNS,
    STATUS_BADGES,
    interval_label,
    normalised,
    row_count_text,
    status_counts,
)
from helpers.outputs import write_json, write_text
from helpers.report import claims_view, runinfo
from helpers.report.labels import readable_text
from helpers.report.titles import STUDY_TITLES

INDEX_NAME = "index.html"
DASH = "\u2013"
COMBINED_SCORECARD = "scorecard"
FIGURE_FORMATS = ("png", "svg", "csv")
LOG_PAGES = (
    ("assumptions.html", "Assumptions and caveats log",
     "Every assumption the reproduction makes and every caveat a reader should know."),
    ("data_log.html", "Data log", "Where each data file comes from, what is missing and how to use the real data."),
    ("run_manifest.json", "Run manifest",
     "Machine-readable record of the run: parameters, input and output checksums, commit, package versions."),
)
_HEADING = re.compile(r"<h([23])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_FIGURE_NUMBER = re.compile(r"figure_(\d+(?:_\d+)*)$", re.I)


# --------------------------------------------------------------------------------------------
# discovery (pure functions on folder listings)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure: its stem and the files found for it, keyed by extension (``png``, ``svg``, ``csv``)."""

    study: str
    stem: str
    files: dict[str, Path]


@dataclass
class Study:
    """Everything the index shows for one study."""

    name: str
    pages: dict[str, dict[str, Path]] = field(default_factory=dict)  # step stem -> {'reviewer': .., 'replicator': ..}
    pdf: Path | None = None
    report: Path | None = None  # the reproduction report's HTML version
    figures: list[Figure] = field(default_factory=list)
    scorecard: list[dict[str, str]] = field(default_factory=list)
    provenance: dict[str, Any] | None = None
    run: runinfo.StudyRun | None = None  # what the study's reports come from (from the run manifest)


def visible_files(folder: Path, pattern: str = "*") -> list[Path]:
    """Sorted files in ``folder`` matching ``pattern``, without hidden or partial (``.part``) files."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.is_file() and not p.name.startswith("."))


def read_manifest(reports_dir: Path) -> dict[str, Any]:
    """The run manifest beside the reports, or ``{}`` when it is missing or unreadable."""
    try:
        return json.loads((reports_dir / "run_manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_provenance(processed_dir: Path, study: str) -> dict[str, Any] | None:
    """``<processed>/<study>/provenance.json``, or None when absent or unreadable."""
    try:
        return json.loads((processed_dir / study / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discover_study_names(reports_dir: Path, processed_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Study names from the manifest, figure folders, scorecards, PDFs and processed data with provenance."""
    names = {str(step.get("study")) for step in manifest.get("steps", {}).values() if step.get("study")}
    names |= {p.name.removesuffix("_scorecard.csv") for p in visible_files(reports_dir / "tables", "*_scorecard.csv")}
    names |= {p.name.removesuffix("_report.pdf") for p in visible_files(reports_dir, "*_report.pdf")}
    if processed_dir.is_dir():
        names |= {p.name for p in processed_dir.iterdir() if (p / "provenance.json").is_file()}
    figures = reports_dir / "figures"
    folders = [p.name for p in figures.iterdir() if p.is_dir()] if figures.is_dir() else []
    names |= {study_of(folder, sorted(names)) if names else folder for folder in folders}  # figures/<study>_extra/
    return sorted(names)


def study_of(stem: str, studies: Sequence[str]) -> str:
    """The study a report stem ``<study>_<step>`` belongs to: the longest known prefix, else the first word."""
    matches = [s for s in studies if stem == s or stem.startswith(f"{s}_")]
    return max(matches, key=len) if matches else stem.split("_", 1)[0]


def report_pages(reports_dir: Path) -> dict[str, dict[str, Path]]:
    """``<stem>.reviewer.html`` / ``<stem>.replicator.html`` in ``reports_dir``, keyed by stem then view."""
    pages: dict[str, dict[str, Path]] = {}
    for view in ("reviewer", "replicator"):
        for page in visible_files(reports_dir, f"*.{view}.html"):
            pages.setdefault(page.name.removesuffix(f".{view}.html"), {})[view] = page
    return dict(sorted(pages.items()))


def study_figures(figures_dir: Path, study: str) -> list[Figure]:
    """Figures in ``figures/<study>/`` and ``figures/<study>_*/``, one per stem that has a PNG, SVG or CSV, sorted by stem."""
    files: dict[str, dict[str, Path]] = {}
    folders = [figures_dir / study, *sorted(figures_dir.glob(f"{study}_*"))]
    for file in [f for folder in folders if folder.is_dir() for f in visible_files(folder)]:
        extension = file.suffix.lstrip(".").lower()
        if extension in FIGURE_FORMATS:
            files.setdefault(file.stem, {})[extension] = file
    return [Figure(study, stem, found) for stem, found in sorted(files.items())]


def read_scorecard(path: Path) -> list[dict[str, str]]:
    """Rows of one scorecard CSV as text, every column of :data:`SCORECARD_COLUMNS` present."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [{**{c: "" for c in SCORECARD_COLUMNS}, **{k: v or "" for k, v in row.items() if k}} for row in rows]


def study_scorecards(reports_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Every ``tables/<study>_scorecard.csv``, keyed by study (sorted)."""
    return {
        p.name.removesuffix("_scorecard.csv"): read_scorecard(p)
        for p in visible_files(reports_dir / "tables", "*_scorecard.csv")
    }


def discover(reports_dir: Path, processed_dir: Path, summary: runinfo.RunSummary | None = None) -> list[Study]:
    """Every study with its reports, figures, scorecard, provenance and run record."""
    manifest = read_manifest(reports_dir)
    names = discover_study_names(reports_dir, processed_dir, manifest)
    scorecards = study_scorecards(reports_dir)
    studies = {name: Study(name) for name in names}
    for stem, views in report_pages(reports_dir).items():
        owner = study_of(stem, names)
        studies.setdefault(owner, Study(owner)).pages[stem] = views
    for study in studies.values():
        pdf = reports_dir / f"{study.name}_report.pdf"
        study.pdf = pdf if pdf.is_file() else None
        report = reports_dir / f"{study.name}_report.html"
        study.report = report if report.is_file() else None
        study.figures = study_figures(reports_dir / "figures", study.name)
        study.scorecard = scorecards.get(study.name, [])
        study.provenance = read_provenance(processed_dir, study.name)
        study.run = summary.studies.get(study.name) if summary else None
    return [studies[name] for name in sorted(studies)]


# --------------------------------------------------------------------------------------------
# combined scorecard
# --------------------------------------------------------------------------------------------


def claim_positions(claims_file: Path | None) -> dict[str, int]:
    """Position of each claim id in the claims file (the published order), ``{}`` without the file."""
    if claims_file is None or not claims_file.is_file():
        return {}
    with claims_file.open(encoding="utf-8", newline="") as handle:
        return {row["claim_id"]: i for i, row in enumerate(csv.DictReader(handle)) if row.get("claim_id")}


def combined_rows(scorecards: dict[str, list[dict[str, str]]], positions: dict[str, int]) -> list[dict[str, str]]:
    """All studies' rows in claim order: the claims file's order, then unknown claims by study and file order."""
    rows = [(study, i, row) for study, study_rows in scorecards.items() for i, row in enumerate(study_rows)]
    unknown = len(positions)

    def key(item: tuple[str, int, dict[str, str]]) -> tuple[int, str, int]:
        study, i, row = item
        position = positions.get(row["claim_id"], unknown)
        return (position, "" if position < unknown else study, i)

    return [row for _, _, row in sorted(rows, key=key)]


def json_value(text: str) -> Any:
    """A scorecard cell for JSON: empty is null, integer and decimal text become numbers, the rest stays text."""
    if text == "":
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else None


def scorecard_csv_text(rows: Iterable[dict[str, str]]) -> str:
    """The rows as CSV text with :data:`SCORECARD_COLUMNS` plus any extra columns, Unix line endings."""
    rows = list(rows)
    extra = sorted({k for row in rows for k in row} - set(SCORECARD_COLUMNS))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*SCORECARD_COLUMNS, *extra], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_combined_scorecard(reports_dir: Path, claims_file: Path | None = paths.CLAIMS_FILE) -> Path:
    """Write ``tables/scorecard.csv`` and ``.json``: every study's scorecard in claim order; return the CSV."""
    reports_dir = Path(reports_dir)
    rows = combined_rows(study_scorecards(reports_dir), claim_positions(claims_file))
    target = reports_dir / "tables" / f"{COMBINED_SCORECARD}.csv"
    write_text(target, scorecard_csv_text(rows))
    write_json([{k: json_value(v) for k, v in row.items()} for row in rows], target.with_suffix(".json"))
    return target


# --------------------------------------------------------------------------------------------
# HTML pieces (pure functions returning strings)
# --------------------------------------------------------------------------------------------


def href(target: Path, base: Path) -> str:
    """Relative, URL-quoted and HTML-escaped link from the folder ``base`` to ``target``."""
    return html.escape(quote(target.relative_to(base).as_posix()))


def link(target: Path, base: Path, text: str, css_class: str = "") -> str:
    """An ``<a>`` to a file relative to ``base``."""
    attribute = f' class="{css_class}"' if css_class else ""
    return f'<a{attribute} href="{href(target, base)}">{html.escape(text)}</a>'


ABBREVIATIONS: dict[str, str] = {"eu": "EU", "oecd": "OECD"}
"""Words of figure file names that read in capitals (``validation_multiverse_eu`` -> ``Multiverse EU``)."""


def figure_title(stem: str, study: str) -> str:
    """A reader's title for a figure file stem: ``oecd2010_figure_50_1`` -> ``Figure 50.1``."""
    name = stem.removeprefix(f"{study}_")
    number = _FIGURE_NUMBER.search(name)
    if number:
        return f"Figure {number.group(1).replace('_', '.')}"
    name = " ".join(ABBREVIATIONS.get(word, word) for word in name.split("_") if word)
    return name[:1].upper() + name[1:] if name else stem


def is_number(text: str) -> bool:
    """True when ``text`` parses as a float."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def format_number(text: str) -> str:
    """Numbers shown briefly (integers as integers, else 2 decimals or 3 significant digits); text as is."""
    try:
        value = float(text)
    except ValueError:
        return text
    if not math.isfinite(value):
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"


def interval_text(row: dict[str, str]) -> str:
    """``95% [low, high]`` with the interval's actual level when the row has an interval, otherwise a dash; for a
    rank claim the interval is the item's percentage and says so."""
    if claims_view.is_validation(row):  # the measure +- two Monte Carlo standard errors, not an interval with a level
        return claims_view.interval_text(row)
    low, high = format_number(row.get("ci_low", "")), format_number(row.get("ci_high", ""))
    if not (low and high):
        return DASH
    label = interval_label(low, high, row.get("ci_level", ""))
    text = f"{label.split(' [')[0]} [{low}, {high}]"
    return f"item's percentage: {text}" if row.get("kind") == "rank" else text


def pass_count(rows: Sequence[dict[str, str]]) -> tuple[int, int]:
    """(claims that pass, claims tested against the data): claims that hold by construction, cannot be checked
    or are not available in the file are not counted."""
    counts = status_counts(row.get("status") for row in rows)
    return counts[PASS], counts[PASS] + counts[FAIL]


def not_available_count(rows: Sequence[dict[str, str]]) -> int:
    """Claims the respondent file lacks the variables for (status "not available")."""
    return status_counts(row.get("status") for row in rows)[NOT_AVAILABLE]


def count_text(rows: Sequence[dict[str, str]]) -> str:
    """'11 of 11 tested claims pass (10 of them built into the synthetic data); 3 hold by construction;
    1 not checkable' (:func:`helpers.data.status.count_text`): never 'N of N pass' over claims that could not
    have failed."""
    return row_count_text(rows)


def is_synthetic(study: Study) -> bool:
    """True when the study's provenance says its respondent-level data are synthetic."""
    return study.provenance is not None and data_origin_of(study.provenance) == "synthetic"


def origin_of(study: Study) -> str:
    """'synthetic', 'real', 'not declared' (helpers.data.provenance.data_origin_of), or 'unknown' without provenance."""
    return data_origin_of(study.provenance) if study.provenance is not None else "unknown"


def source_text(study: Study) -> str:
    """The study's respondent file as recorded in its provenance."""
    return str((study.provenance or {}).get("source_file") or "source file not recorded")


def data_box(studies: Sequence[Study]) -> str:
    """The box at the very top: synthetic stand-ins (red), real data (green) or unknown provenance (amber)."""
    synthetic = [s for s in studies if is_synthetic(s)]
    unknown = [s for s in studies if s.provenance is None]
    real = [s for s in studies if origin_of(s) == "real"]
    undeclared = [s for s in studies if origin_of(s) == "not declared"]
    if synthetic:
        items = "".join(
            f"<li><strong>{html.escape(s.name)}</strong> ({html.escape(source_text(s))}): "
            + (", ".join(html.escape(figure_title(f.stem, s.name)) for f in s.figures) or "no figures")
            + f" and the scorecard {html.escape(what_it_shows(s))}. They are <em>not</em> findings.</li>"
            for s in synthetic
        )
        items += "".join(
            f"<li><strong>{html.escape(s.name)}</strong>: real respondent-level data "
            f"({html.escape(source_text(s))}).</li>" for s in real
        )
        items += "".join(
            f"<li><strong>{html.escape(s.name)}</strong>: {html.escape(data_origin_label('not declared', source_text(s)))}"
            "</li>" for s in undeclared
        )
        items += "".join(
            f"<li><strong>{html.escape(s.name)}</strong>: no data provenance found; treat as synthetic.</li>"
            for s in unknown
        )
        return (
            '<section class="databox synthetic" role="note" aria-label="About the data">'
            "<h2>Synthetic data: these figures are not survey findings</h2>"
            "<p>The respondent-level data behind these reports are <strong>synthetic stand-ins</strong>, generated "
            "so that their aggregates match the published ones. "
            + ("Run with pipeline.yaml's analysis, every figure and every scorecard row would demonstrate that the "
               "analysis code reproduces the published numbers; this run <strong>changed the analysis</strong> "
               "(see the run record below), so its numbers are a variant, not that demonstration. "
               if any(is_variant(s) for s in synthetic) else
               "Every figure and every scorecard row below therefore demonstrates that the analysis code "
               "<strong>reproduces the published numbers</strong> from data calibrated to them. ")
            + "None of them is evidence about governments or citizens: do not "
            "cite them as results. Run the pipeline on the real respondent files (see the data log) to obtain "
            "findings.</p>"
            f"<ul>{items}</ul></section>"
        )
    if unknown:
        names = ", ".join(html.escape(s.name) for s in unknown)
        return (
            '<section class="databox unknown" role="note" aria-label="About the data">'
            f"<h2>Data provenance unknown</h2><p>No <code>provenance.json</code> was found for {names}: "
            "it cannot be said whether these reports come from real or synthetic data.</p></section>"
        )
    if undeclared:
        items = "".join(f"<li><strong>{html.escape(s.name)}</strong>: "
                        f"{html.escape(data_origin_label('not declared', source_text(s)))}</li>" for s in undeclared)
        items += "".join(f"<li><strong>{html.escape(s.name)}</strong>: "
                         f"{html.escape(data_origin_label('real', source_text(s)))}</li>" for s in real)
        return (
            '<section class="databox unknown" role="note" aria-label="About the data">'
            "<h2>Origin of the data not declared</h2><p>These reports were computed from respondent files that are "
            "not the synthetic stand-ins but have not been declared real (the <code>data_origin</code> parameter "
            f"of the cleaning steps):</p><ul>{items}</ul></section>"
        )
    items = "".join(f"<li><strong>{html.escape(s.name)}</strong>: {html.escape(source_text(s))}</li>" for s in real)
    return (
        '<section class="databox real" role="note" aria-label="About the data">'
        "<h2>Real respondent-level data</h2><p>These reports were computed from the real respondent "
        f"files:</p><ul>{items}</ul></section>"
    )


def is_variant(study: Study) -> bool:
    """Whether the study's last results came from a changed analysis (a parameter differing from pipeline.yaml, or
    analysis files edited since the commit)."""
    return bool(study.run and study.run.is_variant)


def what_it_shows(study: Study) -> str:
    """What a synthetic study's figures and scorecard show: the reproduction, or a variant that is not one."""
    if claims_view.checks_are_criteria(study.scorecard) and not is_variant(study):
        return ("check the compendium's estimators and tests against simulated populations with known values: "
                "evidence about the code and the design, not about the surveys")
    if not is_variant(study):
        unchecked = (" (if its files are as published: this copy is not a git clone, so edits cannot be checked)"
                     if study.run and study.run.edits_unknown else "")
        return f"show that the code reproduces the published numbers from data calibrated to them{unchecked}"
    changed = "; ".join(study.run.variant_texts)
    return (f"show a variant of the published analysis ({changed}), not a reproduction of the published "
            "numbers")


def run_note(study: Study) -> str:
    """Under a study's count: the changed analysis and the out-of-date steps its numbers come with, if any."""
    notes = []
    if is_variant(study):
        notes.append("changed analysis: " + "; ".join(study.run.variant_texts))
    if study.run and study.run.stale:
        notes.append("out of date: " + ", ".join(study.run.stale))
    if study.run and study.run.unfinished:
        notes.append("last run failed or interrupted: " + ", ".join(study.run.unfinished))
    return "".join(f'<div class="run-note">{html.escape(note)}</div>' for note in notes)


def stale_mark(is_stale: bool) -> str:
    """A red 'out of date' label, or nothing."""
    return ' <span class="stale">out of date</span>' if is_stale else ""


def study_heading(study: Study) -> str:
    """``name: title`` when the study has a known title."""

    title = STUDY_TITLES.get(study.name)
    return f"{study.name}: {title}" if title else study.name


def summary_cards(studies: Sequence[Study], base: Path) -> str:
    """One card per study: how many tested claims pass and how many hold by construction or cannot be checked,
    the PDF and the number of figures."""
    cards = []
    for study in studies:
        passed, checked = pass_count(study.scorecard)
        unchecked = not_available_count(study.scorecard)
        state = ("none" if not study.scorecard else "somefail" if passed < checked else "somena" if unchecked
                 else "allpass" if checked else "none")
        count = (claims_view.criteria_count_text(study.scorecard) if claims_view.checks_are_criteria(study.scorecard)
                 else count_text(study.scorecard) if study.scorecard else "no scorecard")
        pdf = " \u00b7 ".join(filter(None, [link(study.report, base, "reproduction report") if study.report else "",
                                             link(study.pdf, base, "PDF") if study.pdf else "no PDF"]))
        data = {"synthetic": "synthetic data", "real": "real data", "not declared": "origin not declared"}.get(
            origin_of(study), "provenance unknown")
        cards.append(
            f'<div class="card {state}"><div class="study">{html.escape(study.name)}</div>'
            f'<div class="count">{html.escape(count)}</div>'
            f'<div class="meta">{len(study.figures)} figures \u00b7 {len(study.pages)} reports \u00b7 '
            f"{html.escape(data)} \u00b7 {pdf}</div>{run_note(study)}</div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def reports_section(studies: Sequence[Study], base: Path) -> str:
    """Per study, a table of steps with their reviewer and replicator HTML, and the PDF."""
    parts = ['<section id="reports"><h2>Reports</h2><p class="hint">Reviewer: results and narrative, no '
             "code. Replicator: the same with every line of code and the parameters the run used.</p>"]
    for study in studies:
        stale = set(study.run.stale) | set(study.run.unfinished) if study.run else set()
        rows = "".join(
            f"<tr><td>{html.escape(stem)}{stale_mark(stem in stale)}</td>"
            + "".join(f"<td>{link(views[v], base, v) if v in views else DASH}</td>" for v in ("reviewer", "replicator"))
            + "</tr>"
            for stem, views in study.pages.items()
        )
        documents = [link(path, base, path.name) for path in (study.report, study.pdf) if path]
        contents = ("validation criteria: target vs found" if claims_view.checks_are_criteria(study.scorecard)
                    else "published vs reproduced")
        pdf = (f"<p>Reproduction report ({contents}, methods, results, caveats): "
               + " \u00b7 ".join(documents) + "</p>" if documents else "<p>No reproduction report was written.</p>")
        table = (f'<table class="plain"><thead><tr><th>Step</th><th>Reviewer HTML</th><th>Replicator HTML</th>'
                 f"</tr></thead><tbody>{rows}</tbody></table>" if rows else "<p>No HTML reports.</p>")
        parts.append(f"<h3>{html.escape(study_heading(study))}</h3>{table}{pdf}")
    parts.append("</section>")
    return "".join(parts)


SYNTHETIC_FIGURE_CAVEATS: dict[str, str] = {
    "": "Synthetic data: shows that the code reproduces the published numbers; not a finding.",
    "validation": "Synthetic populations by design: checks the code and the design, not the surveys.",
}
"""The caveat under a figure drawn from synthetic data, per study (the validation study reproduces nothing)."""


def synthetic_caveat(figure: Figure) -> str:
    """The caveat under a figure drawn from synthetic data: the validation study's figures of simulated populations
    check the code; its multiverse figures, like the studies', are computed from the synthetic respondent files."""
    simulated = figure.study in SYNTHETIC_FIGURE_CAVEATS and "multiverse" not in figure.stem
    return SYNTHETIC_FIGURE_CAVEATS[figure.study if simulated else ""]


def figure_card(figure: Figure, base: Path, synthetic: bool, run: runinfo.StudyRun | None = None) -> str:
    """A thumbnail (linked to the PNG) with links to every format and, for synthetic data, a caveat; marked when
    an out-of-date step drew it, or when the run changed the analysis."""
    title = figure_title(figure.stem, figure.study)
    png = figure.files.get("png")
    image = (f'<a href="{href(png, base)}"><img src="{href(png, base)}" alt="{html.escape(title)} '
             f'({html.escape(figure.study)})"></a>' if png else '<div class="noimg">no PNG</div>')
    links = " \u00b7 ".join(link(figure.files[f], base, f.upper()) for f in FIGURE_FORMATS if f in figure.files)
    variant = bool(run and run.is_variant)
    caveat = f'<p class="caveat">{synthetic_caveat(figure)}</p>' if synthetic and not variant else ""
    if variant and figure.study in runinfo.SIMULATION_STUDIES:
        caveat += ('<p class="caveat">Changed settings (see the run record): synthetic populations, a check of the '
                   "code under other settings.</p>")
    elif variant:
        caveat += ('<p class="caveat">Changed analysis (see the run record): a variant, not a reproduction of the '
                   "published numbers" + ("; synthetic data, not a finding" if synthetic else "") + ".</p>")
    if run and any(run.is_stale_file(path) for path in figure.files.values()):
        caveat += '<p class="caveat"><span class="stale">out of date</span> drawn by a step that is out of date.</p>'

    return (f'<figure class="fig">{image}<figcaption><strong>{html.escape(title)}</strong> '
            f'<span class="stem">{html.escape(figure.stem)}</span><br>{links}{caveat}</figcaption></figure>')


def figures_section(studies: Sequence[Study], base: Path) -> str:
    """Every figure of every study, in a grid."""
    parts = ['<section id="figures"><h2>Figures</h2>']
    for study in studies:
        cards = "".join(figure_card(f, base, is_synthetic(study), study.run) for f in study.figures)
        parts.append(f"<h3>{html.escape(study_heading(study))}</h3>"
                     + (f'<div class="grid">{cards}</div>' if cards else "<p>No figures.</p>"))
    parts.append("</section>")
    return "".join(parts)


def shown_value_cell(text: str) -> str:
    """A value already written for readers (``60%``, ``rank 1``): short ones right-aligned, text wrapped."""
    short = len(text) <= 8 and any(character.isdigit() for character in text)
    return f'<td class="{"num" if short else "text"}">{html.escape(text)}</td>'


def value_cell(text: str) -> str:
    """A published or reproduced value: numbers right-aligned, text (lists, definitions) wrapped in small type."""
    return f'<td class="{"num" if is_number(text) else "text"}">{html.escape(format_number(text))}</td>'


STATUS_CLASSES: dict[str, str] = {PASS: "pass", FAIL: "fail", HOLDS_BY_CONSTRUCTION: "hbc", NOT_CHECKABLE: "nc",
                                  NOT_AVAILABLE: "na"}
"""CSS class of each status (:mod:`helpers.data.status`); unknown text is shown as a failure."""


def scorecard_row(row: dict[str, str], claims: dict[str, dict[str, str]] | None = None) -> str:
    """One claim as a table row, class ``pass`` (green), ``fail`` (red), ``hbc`` (blue: holds by construction),
    ``nc`` (grey: not checkable) or ``na`` (grey: not available in the respondent file). Under the claim: the
    basis of the status, the built-in note on synthetic data, and the detail, in readers' words
    (:func:`helpers.report.labels.readable_text`). The published and reproduced values read as in the
    reproduction reports (:mod:`helpers.report.claims_view`): ranks as ranks (the interval beside them labelled
    as the item's percentage), directions with the claimed direction."""
    status = normalised(row.get("status"))
    status = status if status in STATUS_CLASSES else FAIL
    css, badge = STATUS_CLASSES[status], STATUS_BADGES[status]
    if claims_view.is_validation(row):  # a target we set: met, within Monte Carlo error, or not met
        outcome = claims_view.validation_outcome(row)
        css, badge = claims_view.VALIDATION_CSS[outcome], claims_view.VALIDATION_BADGES[outcome]
    claim = (claims or {}).get(row.get("claim_id", ""), {})
    notes = [("basis", row.get("basis", "")), ("builtin", row.get("built_in", "")), ("detail", row.get("detail", ""))]
    shown = [(name, text) for i, (name, text) in enumerate(notes) if text and text not in (t for _, t in notes[:i])]
    detail = "".join(f'<div class="detail {name}">{html.escape(readable_text(text))}</div>' for name, text in shown)
    location = (f'<div class="detail">{html.escape(claims_view.location_text(row))}</div>' if row.get("location")
                else "")
    cells = (
        f'<td class="id">{html.escape(row["claim_id"])}</td>',
        f"<td>{html.escape(readable_text(row['subject']))}{detail}</td>",
        f"<td>{html.escape(row['source'])}{location}</td>",
        shown_value_cell(claims_view.published_text(row, claim) if claim or row.get("kind") in ("rank", "value")
                         else row["published"]),
        shown_value_cell(claims_view.reproduced_text(row, claim)),
        f'<td class="num interval">{html.escape(interval_text(row))}</td>',
        f'<td><span class="badge {css}">{badge}</span></td>',
    )
    return f'<tr class="{css}">{"".join(cells)}</tr>'


def study_row(study: str, rows: Sequence[dict[str, str]]) -> str:
    """A heading row above a study's claims with its counts by status."""
    members = [row for row in rows if row["study"] == study]
    if claims_view.checks_are_criteria(members):
        count = f"{claims_view.criteria_count_text(members)} (targets we set, not published numbers)"
    else:
        count = count_text(members)
    return f'<tr class="group"><th colspan="7">{html.escape(study)}: {html.escape(count)}</th></tr>'


def scorecard_section(rows: Sequence[dict[str, str]], tables: Sequence[Path], base: Path,
                      claims: dict[str, dict[str, str]] | None = None) -> str:
    """The combined scorecard table and links to every table file."""
    head = ("<tr><th>Claim</th><th>What is claimed</th><th>Source and location</th><th>Published</th>"
            "<th>Reproduced</th><th>Interval</th><th>Result</th></tr>")
    body = "".join(
        (study_row(row["study"], rows) if i == 0 or row["study"] != rows[i - 1]["study"] else "")
        + scorecard_row(row, claims)
        for i, row in enumerate(rows)
    )
    columns = "".join(f'<col style="width:{w}%">' for w in (8, 24, 16, 11, 12, 14, 15))
    table = (f'<table class="scorecard"><colgroup>{columns}</colgroup><thead>{head}</thead>'
             f"<tbody>{body}</tbody></table>" if rows else "<p>No scorecard was found in <code>tables/</code>.</p>")
    files = " \u00b7 ".join(link(p, base, p.name) for p in tables)
    return (
        '<section id="scorecard"><h2>Scorecard of published claims and validation criteria</h2><p class="hint">Each published number '
        "or statement, the value the reproduction obtained and, for estimates, its confidence interval with its "
        "level. Green rows were tested against the data and pass, red rows fail. Blue rows (BY CONSTRUCTION) "
        "hold by construction: the code enforces them, so the data could not have shown otherwise; the note "
        "under the claim names the code. Grey rows could not be tested: NOT CHECKABLE (the survey's items do "
        "not measure it) or N/A (the respondent file lacks the variables). On synthetic data, a pass marked "
        "&ldquo;built into the synthetic data&rdquo; shows that the code detects what the generator put in, "
        f"not that it is true. {html.escape(INTERVAL_NOTE)} The validation study's rows (VAL-) are targets we set "
        "for the estimators, not published numbers: in their columns 'Published' is the target and 'Reproduced' the "
        "measure found over the replicates, with two Monte Carlo standard errors either side; MET (inside the target), "
        "WITHIN MC ERROR (outside it by less than two Monte Carlo standard errors: not ruled out) or NOT MET.</p>"
        f"{table}<p>Tables: {files or 'none'}</p></section>"
    )


def log_headings(page: Path) -> list[tuple[int, str, str]]:
    """(level, anchor id, text) of the h2/h3 headings of a rendered log page."""
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return []
    return [(int(level), anchor, html.unescape(_TAG.sub("", inner)).strip())
            for level, anchor, inner in _HEADING.findall(text)]


def logs_section(base: Path) -> str:
    """Links to the assumptions log (with its headings), the data log and the run manifest."""
    items = []
    for name, title, description in LOG_PAGES:
        page = base / name
        if not page.is_file():
            items.append(f"<li><strong>{html.escape(title)}</strong>: not found ({html.escape(name)}).</li>")
            continue
        headings = "".join(
            f'<li class="h{level}"><a href="{html.escape(quote(name))}#{html.escape(quote(anchor))}">'
            f"{html.escape(text)}</a></li>" for level, anchor, text in log_headings(page)
        ) if page.suffix == ".html" else ""
        items.append(f"<li>{link(page, base, title)}: {html.escape(description)}"
                     + (f'<ul class="toc">{headings}</ul>' if headings else "") + "</li>")
    return f'<section id="logs"><h2>Assumptions, caveats and logs</h2><ul class="logs">{"".join(items)}</ul></section>'


def manifest_row(name: str, step: dict[str, Any]) -> str:
    """One step of the run manifest as a table row."""
    status = str(step.get("status", ""))
    commit = str(step.get("git_commit", ""))[:10] + ("-dirty" if step.get("git_dirty") else "")
    return (f"<tr><td>{html.escape(name)}</td><td>{html.escape(str(step.get('study', '')))}</td>"
            f"<td>{html.escape(str(step.get('notebook', '')))}</td>"
            f'<td class="{"ok" if status == "succeeded" else "bad"}">{html.escape(status)}</td>'
            f"<td><code>{html.escape(commit)}</code></td></tr>")


def stale_scorecard_note(studies: Sequence[Study], reports_dir: Path) -> str:
    """A warning above the scorecard naming the studies whose scorecard rows come from an out-of-date step."""
    stale = [s.name for s in studies
             if s.run and s.run.is_stale_file(reports_dir / "tables" / f"{s.name}_scorecard.csv")]
    if not stale:
        return ""
    return (f'<div class="stale-note" role="alert"><span class="stale">out of date</span> The scorecard rows of '
            f"{html.escape(', '.join(stale))} come from a step that is out of date (see the run record at the "
            "top); they do not reflect the latest results of the steps before it.</div>")


def manifest_section(manifest: dict[str, Any]) -> str:
    """The steps of the run: study, notebook, status and commit (no durations, so the page is stable)."""
    steps = manifest.get("steps", {})
    if not steps:
        return '<section id="run"><h2>Pipeline run</h2><p>No run manifest was found.</p></section>'
    rows = "".join(manifest_row(name, step) for name, step in sorted(steps.items()))
    return ('<section id="run"><h2>Pipeline run</h2><table class="plain"><thead><tr><th>Step</th><th>Study</th>'
            f"<th>Notebook</th><th>Status</th><th>Commit</th></tr></thead><tbody>{rows}</tbody></table></section>")


def other_files_section(reports_dir: Path, linked: set[Path]) -> str:
    """Files at the top of ``reports_dir`` that no other section links (new kinds of output)."""
    skip = {INDEX_NAME, "README.md"}
    others = [p for p in visible_files(reports_dir) if p not in linked and p.name not in skip]
    if not others:
        return ""
    items = "".join(f"<li>{link(p, reports_dir, p.name)}</li>" for p in others)
    return f'<section id="other"><h2>Other files</h2><ul>{items}</ul></section>'


def linked_files(studies: Sequence[Study], reports_dir: Path) -> set[Path]:
    """Top-level report files already linked by the study and log sections."""
    linked = {reports_dir / name for name, _, _ in LOG_PAGES}
    for study in studies:
        linked |= {p for views in study.pages.values() for p in views.values()}
        linked |= {path for path in (study.pdf, study.report) if path}
    return linked


_CSS = """
:root { --pass: #1e7b34; --pass-bg: #e7f5ea; --fail: #b3261e; --fail-bg: #fdeceb; --line: #d9dce1; --muted: #5f6368;
        --hbc: #1a56a8; --hbc-bg: #e8f0fb; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; line-height: 1.45;
       color: #1f1f1f; margin: 0; background: #f6f7f9; }
header { background: #1f3a5f; color: #fff; padding: 1.2em 0; }
header .inner, main { max-width: 1200px; margin: 0 auto; padding: 0 1.5em; }
header h1 { margin: 0; font-size: 1.6em; }
header p { margin: 0.3em 0 0 0; color: #d6e2f0; }
nav { margin-top: 0.8em; }
nav a { color: #fff; margin-right: 1.2em; text-decoration: none; border-bottom: 1px solid #8fb0d6; }
main { padding-top: 1.2em; padding-bottom: 3em; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em 1.4em 1.2em;
          margin: 1.2em 0; }
h2 { font-size: 1.3em; margin: 0.6em 0; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.5em; color: #1f3a5f; }
a { color: #1a56a8; }
.hint { color: var(--muted); margin-top: 0; }
.databox { border-width: 3px; }
.databox h2 { margin-top: 0.3em; }
.databox.synthetic { border-color: var(--fail); background: var(--fail-bg); color: #5c0f0a; }
.databox.synthetic h2 { color: var(--fail); }
.databox.real { border-color: var(--pass); background: var(--pass-bg); }
.databox.unknown { border-color: #b26a00; background: #fff4e0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 1em; margin: 1.2em 0; }
.card { background: #fff; border: 1px solid var(--line); border-left: 8px solid var(--muted); border-radius: 6px;
        padding: 0.8em 1em; }
.card.allpass { border-left-color: var(--pass); }
.card.somefail { border-left-color: var(--fail); }
.card.somena { border-left-color: var(--muted); }
.card .study { font-weight: bold; font-size: 1.1em; }
.card .count { font-size: 1.15em; margin: 0.2em 0; }
.card.allpass .count { color: var(--pass); }
.card.somefail .count { color: var(--fail); }
.card .meta { color: var(--muted); font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; font-size: 0.93em; }
th, td { border-bottom: 1px solid var(--line); padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
table.plain { width: auto; }
table.scorecard { table-layout: fixed; }
table.scorecard td { overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.interval { overflow-wrap: normal; }
tr.group th { background: #1f3a5f; color: #fff; }
td.text { font-size: 0.88em; }
td.id { white-space: nowrap; font-weight: bold; }
td.ok { color: var(--pass); } td.bad { color: var(--fail); font-weight: bold; }
tr.pass { background: var(--pass-bg); } tr.pass td:first-child { border-left: 5px solid var(--pass); }
tr.fail { background: var(--fail-bg); } tr.fail td:first-child { border-left: 5px solid var(--fail); }
.badge { display: inline-block; padding: 0.1em 0.5em; border-radius: 3px; color: #fff; font-weight: bold;
         font-size: 0.75em; overflow-wrap: normal; word-break: keep-all; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.na { background: var(--muted); }
.badge.hbc { background: var(--hbc); } .badge.nc { background: var(--muted); } .badge.within { background: #8a5a00; }
tr.within { background: #fdf3e1; } tr.within td:first-child { border-left: 5px solid #8a5a00; }
tr.na, tr.nc { background: #f1f3f4; } tr.na td:first-child, tr.nc td:first-child { border-left: 5px solid var(--muted); }
tr.hbc { background: var(--hbc-bg); } tr.hbc td:first-child { border-left: 5px solid var(--hbc); }
.detail.builtin { color: #8a4b00; }
.detail { color: var(--muted); font-size: 0.88em; margin-top: 0.15em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1em; }
figure.fig { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 0.6em; background: #fff; }
figure.fig img { width: 100%; height: auto; display: block; border: 1px solid #eee; }
figure.fig figcaption { margin-top: 0.5em; font-size: 0.92em; }
.stem { color: var(--muted); font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
.caveat { color: var(--fail); font-size: 0.88em; margin: 0.3em 0 0; }
.noimg { padding: 3em 0; text-align: center; color: var(--muted); background: #f2f2f2; }
.run-note { color: var(--fail); font-size: 0.88em; margin: 0.3em 0 0; }
.stale { display: inline-block; padding: 0 0.4em; border-radius: 3px; background: var(--fail); color: #fff;
         font-size: 0.8em; font-weight: bold; text-transform: uppercase; }
.stale-note { border: 2px solid var(--fail); background: var(--fail-bg); padding: 0.5em 1em; margin: 1em 0; }
ul.logs > li { margin-bottom: 0.6em; }
ul.toc { margin: 0.3em 0; font-size: 0.92em; }
ul.toc li.h3 { margin-left: 1.2em; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
"""


def page(title: str, header: str, body: str) -> str:
    """A complete HTML page with the inline stylesheet."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        # An empty data: icon stops the browser from asking the file system for /favicon.ico.
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"{header}\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def render_index(reports_dir: Path, processed_dir: Path, claims_file: Path | None = paths.CLAIMS_FILE) -> str:
    """The index page's HTML for the files currently in ``reports_dir`` (pure apart from reading files)."""
    manifest = read_manifest(reports_dir)
    summary = runinfo.summarise_run(manifest, processed_dir=processed_dir) if manifest else None
    studies = discover(reports_dir, processed_dir, summary)
    rows = combined_rows({s.name: s.scorecard for s in studies if s.scorecard}, claim_positions(claims_file))
    tables = visible_files(reports_dir / "tables")
    header = (
        '<header><div class="inner"><h1>Co-production compendium: reports</h1>'
        "<p>Every report, figure and check of published claims in this folder; the run record below says which "
        "run produced each. All links are to local files; this page works offline.</p>"
        '<nav><a href="#run-record">Run record</a><a href="#reports">Reports</a><a href="#figures">Figures</a>'
        '<a href="#scorecard">Scorecard</a><a href="#logs">Caveats and logs</a><a href="#run">Steps</a></nav>'
        "</div></header>"
    )
    body = "\n".join(
        part for part in (
            data_box(studies),
            runinfo.run_block_html(summary) if summary else "",
            summary_cards(studies, reports_dir),
            reports_section(studies, reports_dir),
            figures_section(studies, reports_dir),
            stale_scorecard_note(studies, reports_dir),
            scorecard_section(rows, tables, reports_dir, claims_view.read_claims(claims_file)),
            logs_section(reports_dir),
            manifest_section(manifest),
            other_files_section(reports_dir, linked_files(studies, reports_dir)),
        ) if part
    )
    return page("Co-production compendium: reports", header, body)


def build_index(reports_dir: Path, processed_dir: Path, *, claims_file: Path | None = paths.CLAIMS_FILE) -> Path:
    """Write the combined scorecard (when any study has one) and ``reports_dir/index.html``; return the page.

    ``processed_dir`` holds ``<study>/provenance.json`` (``DIR/data/processed`` after ``--out DIR``);
    ``claims_file`` gives the claim order of the combined scorecard.
    """
    reports_dir, processed_dir = Path(reports_dir), Path(processed_dir)
    if study_scorecards(reports_dir):
        write_combined_scorecard(reports_dir, claims_file)
    return write_text(reports_dir / INDEX_NAME, render_index(reports_dir, processed_dir, claims_file))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the index for a reports folder."""
    parser = argparse.ArgumentParser(prog="python -m helpers.report.site", description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=Path, default=paths.REPORTS_DIR, help="reports folder (default: reports/)")
    parser.add_argument("--processed", type=Path, default=paths.PROCESSED_DIR,
                        help="processed data folder with <study>/provenance.json (default: data/processed/)")
    arguments = parser.parse_args(argv)
    print(f"wrote {build_index(arguments.reports, arguments.processed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
