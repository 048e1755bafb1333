"""One reproduction report per study, built from the study's data products: HTML, and the same document as an
A4 PDF.

The report is not a concatenation of notebooks. It reads what the pipeline wrote (the scorecard CSV, the
estimate tables, the figure files, ``provenance.json``, the run record of ``run_manifest.json``) with the
claims registry, the assumptions log and ``CITATION.cff``, and lays them out as a reviewer reads a reproduction:

1. a title page (title, authors and version from CITATION.cff, the date the results were computed, the commit,
   the data origin, the parameters that differ from pipeline.yaml) and a table of contents;
2. **Published vs reproduced**: every claim with the published value, the reproduced value with its interval
   and level, and its status in plain words with the reason;
3. **Methods** (data, cleaning, weighting, estimation), with the facts of this run filled in;
4. **Results**: each figure and table with a caption saying what it shows, the full table linked as CSV;
5. the **caveats** that apply (from the assumptions log) and the **references**.

What each study shows is declared in :mod:`helpers.report.contents`; a study without a declaration still gets
a report (its scorecard, every figure, the general caveats).

Route: HTML + CSS paged media rendered by WeasyPrint (``templates/reproduction/report.css``). The same HTML file
is the HTML version; the PDF is A4 with the study's title and the synthetic-data notice in the running header,
page numbers in the footer, a contents page with page numbers (``target-counter``), headings kept with what
follows (``break-after: avoid``), short tables and figures kept whole, long tables repeating their header row and
never leaving a single row on a page, and no hyphenation. WeasyPrint is a maintained Python package (no browser,
no LaTeX), draws SVG figures as vectors, and gives the same bytes for the same input. Figures are printed at
their saved width (never wider than the text block), so the size their text was drawn at is the size printed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from helpers.outputs import write_bytes, write_text
from helpers.report import claims_view, labels, runinfo
from helpers.report.markup import _require_offline, heading_slug, markdown_to_html_fragment

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "reproduction"
CSS_FILE = TEMPLATE_DIR / "report.css"
PAGE_WIDTH_PT = 595.276  # A4
PAGE_HEIGHT_PT = 841.89
MARGIN_PT = {"top": 22 / 25.4 * 72, "right": 20 / 25.4 * 72, "bottom": 20 / 25.4 * 72, "left": 20 / 25.4 * 72}
TEXT_WIDTH_PT = PAGE_WIDTH_PT - MARGIN_PT["left"] - MARGIN_PT["right"]  # 481.9 pt = 17.0 cm
NUM_CLASS = ' class="num"'
SHORT_TABLE_ROWS = 28  # tables up to this many rows are kept whole on one page
PREVIEW_PAGES = 3
PREVIEW_DPI = 60
ORIGIN_WORDS = {"synthetic": "the synthetic stand-in, calibrated to the published aggregates",
                "real": "real respondent-level data", "not declared": "a file of undeclared origin",
                "unknown": "no provenance recorded"}
NOTICE_SHORT = {"synthetic": "SYNTHETIC DATA \u2014 not survey findings",
                "not declared": "DATA OF UNDECLARED ORIGIN", "unknown": "DATA PROVENANCE UNKNOWN", "real": ""}


# ------------------------------------------------------------------------------------------------------------
# what a report is made of
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A table of the results: a CSV of the processed data (or of ``reports/``) and the columns a reader needs.

    ``source`` is relative to the processed folder (``eu2008_estimates/index_by_sector.csv``), or to the reports
    folder when it starts with ``reports:``. ``columns`` maps a column to its header ("" = the label of
    :func:`helpers.report.labels.column_label`), in the order shown; ``interval`` adds the ``ci_low``-``ci_high``
    interval as one column after ``interval_after``. ``rows`` filters or sorts the frame.
    """

    caption: str
    source: str
    columns: Mapping[str, str]
    note: str = ""
    interval: bool = False
    interval_after: str = "estimate"
    rows: Callable[[Any], Any] | None = None
    decimals: Mapping[str, int] = field(default_factory=dict)
    landscape: bool = False


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the results: its file stem under ``reports/figures/`` and a caption saying what it shows."""

    stem: str
    caption: str


@dataclass(frozen=True)
class ResultGroup:
    """A subsection of the results: a heading, a sentence, and figures and tables in reading order."""

    heading: str
    intro: str
    items: tuple[FigureSpec | TableSpec, ...]


@dataclass(frozen=True)
class StudyContents:
    """What a study's report shows beyond its scorecard (declared per study in :mod:`helpers.report.contents`).

    ``methods``: (heading, Markdown) pairs whose ``{name}`` fields are filled from the run's facts
    (:func:`study_facts`); ``caveats``: prefixes of the assumptions log's entry ids that apply;
    ``references``: words that pick the study's references out of CITATION.cff; ``extra_references``: full
    references the study cites that are not in CITATION.cff.
    """

    study: str
    short_title: str
    methods: tuple[tuple[str, str], ...] = ()
    methods_tables: tuple[TableSpec, ...] = ()
    results: tuple[ResultGroup, ...] = ()
    caveats: tuple[str, ...] = ("C-",)
    references: tuple[str, ...] = ()
    extra_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFacts:
    """The run record of a study as the title page shows it (from :mod:`helpers.report.runinfo`)."""

    lines: tuple[tuple[str, str], ...] = ()
    origin: str = "unknown"
    computed: str = "not recorded"
    commit: str = "not recorded"
    alarming: bool = False
    parameters: Mapping[str, Any] = field(default_factory=dict)
    stale_outputs: tuple[str, ...] = ()  # files and folders written by the study's out-of-date steps

    def is_stale_file(self, path: Path) -> bool:
        """Whether ``path`` was written by an out-of-date step (an earlier run's result, shown beside newer ones)."""
        return runinfo.written_to(path, self.stale_outputs)


@dataclass(frozen=True)
class ReportInputs:
    """Where a study's data products are, and the run they come from."""

    study: str
    title: str
    reports_dir: Path
    processed_dir: Path
    claims_file: Path | None = None
    assumptions_file: Path | None = None
    citation_file: Path | None = None
    run: RunFacts = field(default_factory=RunFacts)


# ------------------------------------------------------------------------------------------------------------
# reading the products
# ------------------------------------------------------------------------------------------------------------


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``, ``{}`` when missing or unreadable."""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def read_citation(citation_file: Path | None) -> dict[str, Any]:
    """CITATION.cff as a dictionary (``{}`` without it)."""
    if citation_file is None or not Path(citation_file).is_file():
        return {}
    import yaml

    loaded = yaml.safe_load(Path(citation_file).read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def person_name(person: Mapping[str, Any]) -> str:
    """``Löffler, E.`` for a CFF person, or the entity's ``name``."""
    if person.get("family-names"):
        given = " ".join(f"{part[0]}." for part in str(person.get("given-names", "")).replace("-", " ").split())
        return f"{person['family-names']}, {given}".rstrip(", ")
    return str(person.get("name", ""))


def authors_text(people: Sequence[Mapping[str, Any]]) -> str:
    """``A, B and C`` from CFF persons or entities."""
    names = [person_name(person) for person in people if person_name(person)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def reference_text(reference: Mapping[str, Any]) -> str:
    """One CFF reference in author-year style (plain text)."""
    parts = [f"{authors_text(reference.get('authors', []))} ({reference.get('year', 'n.d.')}). "
             f"{reference.get('title', '')}."]
    if reference.get("journal"):
        volume = f" {reference['volume']}" + (f"({reference['issue']})" if reference.get("issue") else "")
        pages = f": {reference['start']}\u2013{reference['end']}" if reference.get("start") else ""
        parts.append(f" {reference['journal']}{volume}{pages}.")
    publisher = (reference.get("publisher") or {}).get("name") if isinstance(reference.get("publisher"), dict) else None
    if publisher:
        place = (reference.get("location") or {}).get("name") if isinstance(reference.get("location"), dict) else None
        parts.append(f" {publisher}" + (f", {place}" if place else "") + ".")
    if reference.get("section"):
        parts.append(f" {reference['section']}.")
    return "".join(parts)


def study_facts(inputs: ReportInputs) -> dict[str, Any]:
    """The facts a study's methods text is filled with: its provenance, its run's parameters, counts."""
    provenance = read_json(inputs.processed_dir / inputs.study / "provenance.json")
    facts: dict[str, Any] = {key: value for key, value in provenance.items() if not isinstance(value, (dict, list))}
    facts.update({f"parameter_{name}": value for name, value in inputs.run.parameters.items()
                  if isinstance(value, (str, int, float))})
    level = inputs.run.parameters.get("confidence_level", 0.95)
    try:
        facts["confidence"] = f"{100 * float(level):g}%"
    except (TypeError, ValueError):
        facts["confidence"] = str(level)
    facts["origin"] = inputs.run.origin
    facts["origin_words"] = ORIGIN_WORDS.get(inputs.run.origin, ORIGIN_WORDS["unknown"])
    facts["source_file"] = runinfo.reader_path(str(provenance.get("source_file", "not recorded")))
    shares = provenance.get("population_shares") or {}
    if isinstance(shares, dict) and shares:
        facts["population_shares"] = "; ".join(f"{country} {100 * float(share):.1f}%"
                                               for country, share in shares.items())
    for name, value in (provenance.get("people") or {}).items() if isinstance(provenance.get("people"), dict) else ():
        facts[f"people_{name}"] = f"{int(value):,}"
    facts.update(weighting_facts(inputs.processed_dir))
    if "percentage_base" in inputs.run.parameters:
        from helpers.oecd.estimates import BASE_WORDS

        base = str(inputs.run.parameters["percentage_base"])
        facts["percentage_base_words"] = BASE_WORDS.get(base, base)
    run = read_json(inputs.processed_dir / f"{inputs.study}_replicates" / "summary" / "run.json")
    if run.get("replicates"):
        facts["replicates"] = run["replicates"]
    return facts


EQUAL_COUNTRY_SUFFIX = " (equal country totals)"
#: The weight a caption names, read from the ``weighting`` column of the table the estimates come from.
WEIGHTING_SOURCES = {"five_country_weight": "eu2008_estimates/index_by_sector.csv",
                     "within_country_weight": "eu2008_estimates/index_by_sector_country.csv"}


def weighting_words(values: Sequence[str]) -> str:
    """The weighting a table records, in words for a caption: 'the five-country weight (each country's population
    share)', 'no weights', '... rescaled to equal country totals'."""
    words = []
    for value in dict.fromkeys(str(v) for v in values):
        base, equal, _ = value.partition(EQUAL_COUNTRY_SUFFIX)
        text = "no weights" if base == "unweighted" else "the " + labels.lower_first(labels.label(base, "weighting"))
        words.append(f"{text}, rescaled to equal country totals" if equal else text)
    return "; ".join(words) or "not recorded"


def weighting_facts(processed_dir: Path) -> dict[str, str]:
    """``five_country_weight`` and ``within_country_weight`` in words, from the ``weighting`` column of the tables
    the captions describe (so that a caption never names a weight the run did not use)."""
    import pandas as pd

    facts = {}
    for name, source in WEIGHTING_SOURCES.items():
        path = processed_dir / source
        if path.is_file():
            frame = pd.read_csv(path, usecols=lambda column: column == "weighting")
            if "weighting" in frame.columns:
                facts[name] = weighting_words(frame["weighting"].dropna().tolist())
    return facts


class _Facts(dict):
    """``str.format_map`` mapping that shows a missing fact as 'not recorded' instead of failing."""

    def __missing__(self, key: str) -> str:
        return "not recorded"


def fill(template: str, facts: Mapping[str, Any]) -> str:
    """``template`` with its ``{name}`` fields from ``facts`` (missing ones 'not recorded')."""
    formatted = {key: (f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) and value >= 10000
                       else value) for key, value in facts.items()}
    return template.format_map(_Facts(formatted))


# ------------------------------------------------------------------------------------------------------------
# the caveats (assumptions log)
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One entry of the assumptions log: ``A-OECD-02`` and its title, its anchor in assumptions.html, its bullets."""

    entry_id: str
    title: str
    anchor: str
    bullets: tuple[tuple[str, str], ...]
    rating: str


_ENTRY_HEADING = re.compile(r"^###\s+(?P<id>[A-Z]+(?:-[A-Z]+)*-\d+)\.?\s+(?P<title>.+?)\s*$", re.M)
_BULLET = re.compile(r"^- \*\*(?P<label>[^*]+?)[.:]?\*\*[.:]?\s*(?P<text>.*?)(?=^- \*\*|\Z)", re.M | re.S)
_RATING = re.compile(r"Rating:?\*{0,2}\s*(green|amber|red)", re.I)
SHOWN_BULLETS = ("What", "Assumption", "Caveat", "Effect")


def assumption_entries(markdown_text: str) -> list[LogEntry]:
    """Every ``### ID title`` entry of the assumptions log with its What / Assumption / Caveat / Effect bullets."""
    headings = list(_ENTRY_HEADING.finditer(markdown_text))
    entries = []
    for position, heading in enumerate(headings):
        end = headings[position + 1].start() if position + 1 < len(headings) else len(markdown_text)
        body = markdown_text[heading.end():end]
        body = body.split("\n## ", 1)[0]
        bullets = tuple((match.group("label").strip(), " ".join(match.group("text").split()))
                        for match in _BULLET.finditer(body)
                        if match.group("label").strip() in SHOWN_BULLETS)
        rating = _RATING.search(body)
        heading_text = heading.group(0).lstrip("#").strip()
        entries.append(LogEntry(heading.group("id"), heading.group("title").strip(), heading_slug(heading_text),
                                bullets, rating.group(1).lower() if rating else ""))
    return entries


def caveats_for(entries: Sequence[LogEntry], prefixes: Sequence[str]) -> list[LogEntry]:
    """The entries whose id starts with one of ``prefixes``, in the log's order."""
    return [entry for entry in entries if any(entry.entry_id.startswith(prefix) for prefix in prefixes)]


# ------------------------------------------------------------------------------------------------------------
# HTML pieces
# ------------------------------------------------------------------------------------------------------------


def escape(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def inline_markdown(text: str) -> str:
    """Markdown of one paragraph or list as HTML (mistune, as the logs are rendered)."""
    return markdown_to_html_fragment(text).strip()


class Numbering:
    """Running numbers of figures and tables."""

    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0

    def next_figure(self) -> int:
        self.figures += 1
        return self.figures

    def next_table(self) -> int:
        self.tables += 1
        return self.tables


def table_rows_html(rows: Sequence[Sequence[str]], numeric: Sequence[bool], raw: bool = False,
                    long: bool = False) -> str:
    """``<tr>`` rows; in a table that may break across pages the first row is kept with the second and the last
    with the one before, so no page holds a single row of it."""
    parts = []
    count = len(rows)
    for index, row in enumerate(rows):
        classes = []
        if long and count > 1 and index == 0:
            classes.append("keep-with-next")
        if long and count > 1 and index == count - 1:
            classes.append("keep-with-previous")
        attribute = f' class="{" ".join(classes)}"' if classes else ""
        cells = "".join(f"<td{NUM_CLASS if is_numeric else ''}>{cell if raw else escape(cell)}</td>"
                        for cell, is_numeric in zip(row, numeric))
        parts.append(f"<tr{attribute}>{cells}</tr>")
    return "".join(parts)


def table_html(caption_html: str, headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               *, css_class: str = "", raw: bool = False, below: str = "", table_id: str = "",
               widths: Sequence[int] = (), breakable: bool = False) -> str:
    """A captioned table with a header row (repeated on every page it spans). A short table is kept whole on one
    page unless ``breakable`` (tall rows); ``widths`` are the columns' shares of the line in percent."""
    short = len(rows) <= SHORT_TABLE_ROWS and not breakable
    classes = " ".join(filter(None, [css_class, "short" if short else "long"]))
    columns = ("<colgroup>" + "".join(f'<col style="width:{width}%">' for width in widths) + "</colgroup>"
               if widths else "")
    head = "".join(f"<th{NUM_CLASS if is_numeric else ''}>{escape(header)}</th>"
                   for header, is_numeric in zip(headers, numeric))
    identifier = f' id="{escape(table_id)}"' if table_id else ""
    return (f'<div class="table-block"{identifier}><table class="{classes}"><caption>{caption_html}</caption>'
            f"{columns}<thead><tr>{head}</tr></thead><tbody>{table_rows_html(rows, numeric, raw, not short)}</tbody>"
            "</table>"
            f"{below}</div>")


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def table_path(spec: TableSpec, inputs: ReportInputs) -> Path:
    """The CSV file a table is read from (``reports:`` sources under the reports folder, others under processed)."""
    if spec.source.startswith("reports:"):
        return inputs.reports_dir / spec.source.removeprefix("reports:")
    return inputs.processed_dir / spec.source


def load_table(spec: TableSpec, inputs: ReportInputs) -> tuple[Any, Path]:
    """The frame a table shows and its CSV file."""
    import pandas as pd

    path = table_path(spec, inputs)
    frame = pd.read_csv(path)
    return (spec.rows(frame) if spec.rows else frame), path


def interval_cell(low: Any, high: Any, decimals: int) -> str:
    """``56.5 to 63.4`` (blank when either end is missing)."""
    low_text, high_text = labels.format_number(low, decimals), labels.format_number(high, decimals)
    if not low_text or not high_text:
        return ""
    return f"{low_text} to {high_text}".replace("-", "\u2212")


def level_of(frame: Any, parameters: Mapping[str, Any]) -> str:
    """``95%``: the interval level of a table (its ``confidence_level`` column, else the run's parameter)."""
    for column in ("confidence_level", "ci_level"):
        if column in frame.columns and frame[column].notna().any():
            return f"{100 * float(frame[column].dropna().iloc[0]):g}%"
    try:
        return f"{100 * float(parameters.get('confidence_level', 0.95)):g}%"
    except (TypeError, ValueError):
        return "95%"


def results_table(spec: TableSpec, inputs: ReportInputs, number: int, facts: Mapping[str, Any] | None = None) -> str:
    """A results table: the chosen columns in words, the interval as one column, a link to the full CSV; its caption
    filled with the run's ``facts`` (e.g. the weight the table's estimates used)."""
    from pandas.api.types import is_numeric_dtype

    spec = replace(spec, caption=fill(spec.caption, facts or {}))

    path = table_path(spec, inputs)
    if not path.is_file():
        return (f'<p class="small">Table {number} ({escape(spec.caption)}) is not available from this run: '
                f"{escape(path.name)} was not written (see the variables the respondent file lacks, above).</p>")
    frame, path = load_table(spec, inputs)
    missing = [column for column in spec.columns if column not in frame.columns]
    if missing:
        return (f'<p class="small">Table {number} ({escape(spec.caption)}) is not shown: {escape(path.name)} has no '
                f"column {escape(', '.join(missing))}.</p>")
    headers, numeric, columns = [], [], []
    for column, header in spec.columns.items():
        headers.append(header or labels.column_label(column))
        numeric.append(is_numeric_dtype(frame[column]) or labels.is_p_column(column))
        columns.append(column)
        if spec.interval and column == spec.interval_after:
            headers.append(f"{level_of(frame, inputs.run.parameters)} CI")
            numeric.append(True)
            columns.append("__interval__")
    rows = []
    for record in frame.to_dict(orient="records"):
        row = []
        for column in columns:
            if column == "__interval__":
                decimals = spec.decimals.get("ci_low", labels.decimals_for("ci_low", 1))
                row.append(interval_cell(record.get("ci_low"), record.get("ci_high"), decimals))
            elif column in spec.decimals and labels._finite(record[column]) is not None:  # noqa: SLF001
                row.append(labels.format_number(record[column], spec.decimals[column]))
            else:
                row.append(labels.format_cell(record[column], column, 2).replace("-", "\u2212")
                           if isinstance(record[column], (int, float)) and not isinstance(record[column], bool)
                           else labels.format_cell(record[column], column, 2))
        rows.append(row)
    link = _relative(path, inputs.reports_dir.parent) if path.is_file() else path.name
    href = _relative(path, inputs.reports_dir) if _is_under(path, inputs.reports_dir) else "../" + link
    note = f' <span class="note">{escape(spec.note)}</span>' if spec.note else ""
    caption = f'<span class="label">Table {number}.</span> {stale_mark(inputs, path)}{escape(spec.caption)}{note}'
    below = (f'<p class="source">Full table ({len(frame.columns)} columns, {len(frame)} rows): '
             f'<a href="{escape(href)}">{escape(link)}</a></p>')
    return table_html(caption, headers, rows, numeric, below=below, table_id=f"table-{number}")


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------------------------


_SVG_SIZE = re.compile(r"<svg\b[^>]*?\bwidth=\"([\d.]+)(pt|px|cm|mm|in)?\"[^>]*?\bheight=\"([\d.]+)(pt|px|cm|mm|in)?\"",
                       re.S)
_UNIT_PT = {"pt": 1.0, "px": 0.75, "cm": 72 / 2.54, "mm": 72 / 25.4, "in": 72.0, None: 0.75, "": 0.75}


def svg_size_pt(svg_text: str) -> tuple[float, float] | None:
    """The width and height an SVG was drawn at, in points (matplotlib writes ``width="460.8pt"``)."""
    match = _SVG_SIZE.search(svg_text)
    if not match:
        return None
    return (float(match.group(1)) * _UNIT_PT[match.group(2)], float(match.group(3)) * _UNIT_PT[match.group(4)])


_PATH_TEXT_SCALE = re.compile(r"<g id=\"text_\d+\">.*?scale\(([\d.]+) -\1\)", re.S)
_TEXT_FONT_SIZE = re.compile(r"<text\b[^>]*?(?:font-size[:=]\s*\"?([\d.]+)(px|pt)?|font:\s*(?:[\w-]+\s+)*?([\d.]+)(px|pt))",
                             re.S)
MATPLOTLIB_PATH_FONT_SCALE = 100.0  # matplotlib.textpath.TextToPath.FONT_SCALE: glyphs drawn at 100 units


def svg_font_sizes(svg_text: str) -> list[float]:
    """Every text's font size in an SVG, in points at the SVG's own size.

    matplotlib writes text either as glyph paths (``svg.fonttype = 'path'``: each text group ``text_N`` scales
    glyphs drawn at 100 units, so the scale times 100 is the size) or as ``<text>`` with a font size.
    """
    sizes = [float(scale) * MATPLOTLIB_PATH_FONT_SCALE for scale in _PATH_TEXT_SCALE.findall(svg_text)]
    for match in _TEXT_FONT_SIZE.finditer(svg_text):
        value, unit = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        sizes.append(float(value) * (1.0 if unit == "pt" else 0.75 if unit == "px" else 0.75))
    return sizes


@dataclass(frozen=True)
class PrintedFigure:
    """A figure as the report prints it: its file, the width it was drawn at and the width it is printed at."""

    path: Path
    saved_width_pt: float | None
    printed_width_pt: float | None

    @property
    def scale(self) -> float:
        """Printed size over drawn size (1.0 when printed at its saved width)."""
        if not self.saved_width_pt or not self.printed_width_pt:
            return 1.0
        return self.printed_width_pt / self.saved_width_pt


MAX_VECTOR_BYTES = 2_000_000  # an SVG larger than this (thousands of points) is printed from its PNG: WeasyPrint
# takes about 15 s per 8 MB of SVG, and the PNG of such a scatter reads as well


def figure_file(reports_dir: Path, stem: str) -> Path | None:
    """The figure's SVG (vector, sharp in the PDF), else its PNG, under ``reports/figures/*/``; the PNG also when
    the SVG is larger than :data:`MAX_VECTOR_BYTES`."""
    svg = sorted((reports_dir / "figures").glob(f"*/{stem}.svg"))
    png = sorted((reports_dir / "figures").glob(f"*/{stem}.png"))
    if svg and (svg[0].stat().st_size <= MAX_VECTOR_BYTES or not png):
        return svg[0]
    return png[0] if png else None


def printed_figure(path: Path, text_width_pt: float = TEXT_WIDTH_PT) -> PrintedFigure:
    """Print at the saved width (read from the SVG beside a PNG too), or the text block's width when the figure
    was drawn wider."""
    svg = path.with_suffix(".svg")
    size = svg_size_pt(svg.read_text(encoding="utf-8", errors="replace")) if svg.is_file() else None
    if size is None:
        return PrintedFigure(path, None, text_width_pt)
    return PrintedFigure(path, size[0], min(size[0], text_width_pt))


def figure_html(spec: FigureSpec, inputs: ReportInputs, number: int, facts: Mapping[str, Any] | None = None) -> str:
    """A figure at its printed width with its caption (filled with the run's ``facts``); a line saying so when the
    file is missing."""
    spec = replace(spec, caption=fill(spec.caption, facts or {}))
    path = figure_file(inputs.reports_dir, spec.stem)
    if path is None:
        return f'<p class="small">Figure {number} ({escape(spec.caption)}) was not drawn in this run.</p>'
    printed = printed_figure(path)
    source = _relative(path, inputs.reports_dir)
    csv_file = path.with_suffix(".csv")
    data_link = (f' Data: <a href="{escape(_relative(csv_file, inputs.reports_dir))}">'
                 f"{escape(_relative(csv_file, inputs.reports_dir.parent))}</a>.") if csv_file.is_file() else ""
    width = f"{printed.printed_width_pt:.1f}pt" if printed.printed_width_pt else "100%"
    saved = f' data-saved-width-pt="{printed.saved_width_pt:.2f}"' if printed.saved_width_pt else ""
    return (f'<figure id="figure-{number}"><img src="{escape(source)}" alt="Figure {number}: {escape(spec.caption)}" '
            f'style="width:{width}" data-printed-width-pt="{printed.printed_width_pt or 0:.2f}"{saved}>'
            f'<figcaption><span class="label">Figure {number}.</span> {stale_mark(inputs, path)}{escape(spec.caption)}'
            f"{data_link}</figcaption></figure>")


STALE_MARK = ('<span class="stale">OUT OF DATE:</span> <em>drawn by an earlier run of a step that is out of date '
              "(see the run record); the caption describes this run's settings, the content may not.</em> ")


def stale_mark(inputs: ReportInputs, path: Path) -> str:
    """The red mark before the caption of a figure or table that an out-of-date step wrote (nothing otherwise)."""
    return STALE_MARK if inputs.run.is_stale_file(path) else ""


# ------------------------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------------------------


def notice_text(origin: str, source: str) -> str:
    """The data notice of the title page (:func:`helpers.data.provenance.data_origin_label`)."""
    from helpers.data.provenance import data_origin_label

    if origin == "unknown":
        return "DATA PROVENANCE UNKNOWN: no provenance.json was found; treat every number here as synthetic"
    return data_origin_label(origin if origin in ("synthetic", "real", "not declared") else "not declared", source)


def title_page(inputs: ReportInputs, citation: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    """Title, authors and version, date, commit, data origin, parameters that differ from the defaults."""
    origin = inputs.run.origin
    authors = authors_text(citation.get("authors", [])) or "not recorded in CITATION.cff"
    version = citation.get("version", "not recorded")
    compendium = citation.get("title", "the compendium")
    notice_class = {"synthetic": "", "real": "real", "not declared": "undeclared"}.get(origin, "undeclared")
    notice = notice_text(origin, str(facts.get("source_file", "")))
    items = "".join(f"<li><strong>{escape(label)}:</strong> {escape(text)}</li>" for label, text in inputs.run.lines)
    alarm = ('<p class="alarm">This run changed the analysis or left steps out of date (see above): its numbers are '
             "not the reproduction of the published analysis.</p>" if inputs.run.alarming else "")
    return (
        '<section class="title-page" id="title">'
        f'<p class="kind">Reproduction report</p><h1>{escape(inputs.title)}</h1>'
        f'<p class="authors">{escape(authors)}</p>'
        f'<p class="version">{escape(compendium)}, version {escape(version)} (CITATION.cff). Results computed '
        f"{escape(inputs.run.computed)}, commit {escape(inputs.run.commit)}.</p>"
        f'<div class="data-notice {notice_class}" role="note">{escape(notice)}</div>'
        f'<h3>Run record</h3><ul class="run-facts">{items}</ul>{alarm}'
        '<p class="screen-nav"><a href="index.html">All reports (index)</a></p>'
        "</section>"
    )


def contents_page(headings: Sequence[tuple[int, str, str]]) -> str:
    """The table of contents: level-2 and level-3 headings with their page numbers in the PDF."""
    items = "".join(f'<li class="level-{level}"><a href="#{escape(anchor)}">{escape(text)}</a></li>'
                    for level, anchor, text in headings)
    return f'<nav class="toc" id="contents"><h2>Contents</h2><ol>{items}</ol></nav>'


def claims_section(inputs: ReportInputs, rows: Sequence[Mapping[str, str]], claims: Mapping[str, Mapping[str, str]],
                   number: int, synthetic: bool) -> str:
    """'Published vs reproduced': every claim, its published and reproduced value, interval and status in words."""
    from helpers.data.status import INTERVAL_NOTE, row_count_text

    if not rows:
        return ('<p>No scorecard was found for this study (<code>tables/'
                f"{escape(inputs.study)}_scorecard.csv</code>): no claim was checked in this run.</p>")
    table_rows = []
    for row in rows:
        claim = claims.get(row.get("claim_id", ""), {})
        key = claims_view.status_key(row)
        css = {"pass": "pass", "fail": "fail", "holds by construction": "hbc", "not checkable": "nc",
               "not available": "na"}[key]
        if claims_view.is_validation(row):
            css = claims_view.VALIDATION_CSS[claims_view.validation_outcome(row)]
        built_in = (f'<span class="builtin">{escape(labels.readable_text(row["built_in"]))}</span>'
                    if row.get("built_in") else "")
        where = claims_view.location_text(row)
        table_rows.append([
            escape(row.get("claim_id", "")),
            f'{escape(labels.readable_text(row.get("subject", "")))}<span class="why">{escape(where)}</span>',
            escape(claims_view.published_text(row, claim)),
            escape(claims_view.reproduced_text(row, claim)) + _why(claims_view.interval_text(row, claim)),
            f'<span class="status {css}">{escape(claims_view.status_word(row))}</span>'
            f'<span class="why">{escape(claims_view.reason_text(row))}</span>{built_in}',
        ])
    scorecard = inputs.reports_dir / "tables" / f"{inputs.study}_scorecard.csv"
    link = f'<a href="tables/{escape(scorecard.name)}">reports/tables/{escape(scorecard.name)}</a>'
    stale = stale_mark(inputs, scorecard)
    if claims_view.checks_are_criteria(rows):
        return criteria_table(rows, table_rows, number, link, stale)
    caption = (f'<span class="label">Table {number}.</span> {stale}Published vs reproduced: every claim of the study '
               '<span class="note">(published value from the claims registry; reproduced value with its interval and '
               "level; the result in words and why)</span>")
    below = (f'<p class="source">Full scorecard with the rule of every check: {link}; the claims registry: '
             "data/raw/claims.csv.</p>")
    table = checks_table(caption, ["Claim", "What is claimed", "Published", "Reproduced", "Result"], table_rows, below)
    synthetic_text = (" On synthetic data a pass shows that the code reproduces the published numbers from data "
                      "calibrated to them; the rows marked as built into the synthetic data are not evidence about "
                      "the survey." if synthetic else "")
    return (f"<p>{escape(row_count_text(rows))}.{escape(synthetic_text)} Reproduced: tested against the data and "
            "reproduced. Not reproduced: tested and not reproduced. Holds by construction: a design fact the code "
            "enforces, so the data could not show otherwise. Not checkable: the survey's items do not measure it. "
            f"Not available: the respondent file lacks the variables. {escape(INTERVAL_NOTE)}</p>{table}")


def checks_table(caption: str, headers: Sequence[str], table_rows: list[list[str]], below: str) -> str:
    """Chapter 1's table (claims or validation criteria): five columns of HTML cells, tall rows that may break."""
    return table_html(caption, headers, table_rows, [False] * 5, css_class="claims", raw=True, below=below,
                      table_id="claims-table", widths=(11, 20, 16, 17, 36), breakable=True)


def criteria_table(rows: Sequence[Mapping[str, str]], table_rows: list[list[str]], number: int, link: str,
                   stale: str = "") -> str:
    """Chapter 1 of the validation study: its criteria are targets we set, not published numbers, so the table
    says target and found, met or not met."""
    caption = (f'<span class="label">Table {number}.</span> {stale}Validation criteria: target vs found '
               '<span class="note">(target band from the criteria file; the measure found over the replicates, with '
               "two Monte Carlo standard errors either side; met or not, and why)</span>")
    below = (f'<p class="source">Full scorecard with the rule of every check: {link}; the criteria: '
             "data/raw/validation_criteria.csv.</p>")
    table = checks_table(caption, ["Criterion", "What is checked", "Target", "Found", "Result"], table_rows, below)
    return (f"<p>{escape(claims_view.criteria_count_text(rows))}. Each criterion is a target we set for the "
            "compendium's estimators and tests (data/raw/validation_criteria.csv; assumption A-VAL-06), not a "
            "published number. Met: the measure found over the replicates lies in its target band. Within Monte Carlo "
            "error: it lies outside the band by less than two Monte Carlo standard errors (the range under it), so the "
            "replicates cannot rule the target out; more replicates would tell. Not met: it lies outside even then. "
            "The populations are synthetic by design: the study checks the code, not the surveys.</p>"
            f"{table}")


def _why(text: str) -> str:
    """A small line under a cell's value (nothing for a dash)."""
    return "" if text in ("", claims_view.DASH) else f'<span class="why">{escape(text)}</span>'


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_css(short_title: str, notice: str, runline: str) -> str:
    """The running header and footer of this document: its short title, the data notice, the run line."""
    return ("@page { @top-left { content: " + css_string(short_title) + "; } "
            "@top-right { content: " + css_string(notice) + "; } "
            "@bottom-left { content: " + css_string(runline) + "; } }\n"
            "@page :first { @top-left { content: none; } }\n")


def methods_section(contents: StudyContents, inputs: ReportInputs, facts: Mapping[str, Any],
                    numbering: Numbering) -> tuple[str, list[tuple[int, str, str]]]:
    """The methods subsections with the run's facts filled in, and their headings for the contents."""
    parts, headings = [], []
    for position, (heading, text) in enumerate(contents.methods, start=1):
        anchor = f"methods-{position}"
        headings.append((3, anchor, f"2.{position} {heading}"))
        parts.append(f'<h3 id="{anchor}">2.{position} {escape(heading)}</h3>{inline_markdown(fill(text, facts))}')
    for spec in contents.methods_tables:
        parts.append(results_table(spec, inputs, numbering.next_table(), facts))
    if not contents.methods:
        parts.append("<p>The methods of this study are described in its notebooks (see the appendix).</p>")
    return "".join(parts), headings


def results_section(contents: StudyContents, inputs: ReportInputs, facts: Mapping[str, Any], numbering: Numbering,
                    synthetic: bool) -> tuple[str, list[tuple[int, str, str]]]:
    """Each results group: a heading, a sentence, its figures and tables with numbered captions."""
    groups = list(contents.results) or [default_results(inputs)]
    parts, headings = [], []
    if synthetic and inputs.study in runinfo.SIMULATION_STUDIES:
        parts.append("<p><strong>Every figure and table below is computed from simulated populations and samples "
                     "(synthetic by design):</strong> it shows how the compendium's estimators and tests behave when the "
                     "true values are known, not a finding about the surveys.</p>")
    elif synthetic:
        parts.append("<p><strong>Every figure and table below is computed from synthetic stand-in data:</strong> "
                     "it shows what the code produces from data calibrated to the published aggregates, not a "
                     "finding about the survey.</p>")
    parts.extend(f'<p class="caveat-note"><strong>{escape(note)}</strong></p>'
                 for note in missing_variable_notes(inputs))
    for position, group in enumerate(groups, start=1):
        anchor = f"results-{position}"
        headings.append((3, anchor, f"3.{position} {group.heading}"))
        body = [f'<h3 id="{anchor}">3.{position} {escape(group.heading)}</h3>']
        if group.intro:
            body.append(f'<p class="keep-with-next">{escape(fill(group.intro, facts))}</p>')
        for item in group.items:
            if isinstance(item, FigureSpec):
                body.append(figure_html(item, inputs, numbering.next_figure(), facts))
            else:
                block = results_table(item, inputs, numbering.next_table(), facts)
                body.append(f'<section class="landscape">{block}</section>' if item.landscape else block)
        parts.append("".join(body))
    return "".join(parts), headings


def missing_variable_notes(inputs: ReportInputs) -> list[str]:
    """The notes on variables the respondent file lacks, as the cleaning step recorded them (none when the file
    has them all, or the study records no such thing)."""
    from helpers.data.availability import read_availability

    if not (inputs.processed_dir / inputs.study / "provenance.json").is_file():
        return []
    return list(read_availability(inputs.processed_dir / inputs.study).notes)


def default_results(inputs: ReportInputs) -> ResultGroup:
    """A study without declared contents: every figure of ``reports/figures/<study>*/``."""
    stems = sorted({path.stem for folder in sorted((inputs.reports_dir / "figures").glob(f"{inputs.study}*"))
                    for path in folder.glob("*.svg")} | {path.stem for folder in
                    sorted((inputs.reports_dir / "figures").glob(f"{inputs.study}*")) for path in folder.glob("*.png")})
    return ResultGroup("Figures", "Every figure the study's steps drew.",
                       tuple(FigureSpec(stem, stem.replace("_", " ")) for stem in stems))


def caveats_section(contents: StudyContents, inputs: ReportInputs) -> str:
    """The assumptions-log entries that apply to the study, each with a link to the full entry."""
    if inputs.assumptions_file is None or not Path(inputs.assumptions_file).is_file():
        return "<p>The assumptions log (docs/assumptions.md) was not found.</p>"
    entries = caveats_for(assumption_entries(Path(inputs.assumptions_file).read_text(encoding="utf-8")),
                          contents.caveats)
    parts = ["<p>The choices the sources leave open and the caveats a reader must know, from the assumptions log "
             '(<a href="assumptions.html">assumptions.html</a>, docs/assumptions.md), which also says why each '
             "choice was made and where the code makes it. Rating: green, well supported with little effect; "
             "amber, plausible with a moderate effect; red, weakly supported or a large effect.</p>"]
    for entry in entries:
        bullets = "".join(f"<li><strong>{escape(label)}.</strong> {_inline(text)}</li>" for label, text in entry.bullets)
        rating = f" <span class=\"small\">(rating: {escape(entry.rating)})</span>" if entry.rating else ""
        parts.append(f'<div class="caveat"><h4><a href="assumptions.html#{escape(entry.anchor)}">'
                     f"{escape(entry.entry_id)}</a> {escape(entry.title)}{rating}</h4>"
                     + (f"<ul>{bullets}</ul>" if bullets else "") + "</div>")
    return "".join(parts)


def _inline(text: str) -> str:
    """One bullet's Markdown as inline HTML (no wrapping paragraph)."""
    rendered = inline_markdown(text)
    return re.sub(r"^<p>(.*)</p>$", r"\1", rendered, flags=re.S)


def references_section(contents: StudyContents, inputs: ReportInputs, citation: Mapping[str, Any],
                       claims: Mapping[str, Mapping[str, str]]) -> str:
    """The studies reproduced (CITATION.cff), other works cited, the sources of the claims and the compendium."""
    chosen = [reference for reference in citation.get("references", [])
              if any(word.lower() in json.dumps(reference, ensure_ascii=False).lower() for word in contents.references)]
    items = [reference_text(reference) for reference in chosen] + list(contents.extra_references)
    sources = sorted({row["source"] for row in claims.values() if row.get("study") == inputs.study and row.get("source")})
    compendium = (f"{authors_text(citation.get('authors', []))} ({str(citation.get('date-released', ''))[:4]}). "
                  f"{citation.get('title', '')}. Version {citation.get('version', '')}." if citation else "")
    parts = ['<ol class="references">' + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ol>"]
    if sources:
        parts.append("<h4>Sources of the published claims (claims registry)</h4><ul>"
                     + "".join(f"<li>{escape(source)}</li>" for source in sources) + "</ul>")
    if compendium:
        parts.append(f"<h4>This compendium</h4><p>{escape(compendium)} Cite it as CITATION.cff says, and cite the "
                     "original studies.</p>")
    return "".join(parts)


def files_section(inputs: ReportInputs, pages: Sequence[str]) -> str:
    """The report's companions: per-notebook pages, tables, logs, the run manifest."""
    page_links = "".join(f'<li><a href="{escape(page)}">{escape(page)}</a></li>' for page in pages)
    tables = sorted((inputs.reports_dir / "tables").glob(f"{inputs.study}_*.csv"))
    table_links = "".join(f'<li><a href="tables/{escape(path.name)}">reports/tables/{escape(path.name)}</a></li>'
                          for path in tables)
    return ("<p>Paths are relative to the folder of this report (reports/). The per-notebook pages show each step: "
            "the reviewer pages its results and narrative, the replicator pages every line of code and the "
            "parameters the run used.</p>"
            f"<ul>{page_links}{table_links}"
            '<li><a href="assumptions.html">assumptions.html</a>: the assumptions and caveats log</li>'
            '<li><a href="data_log.html">data_log.html</a>: where each data file comes from</li>'
            '<li><a href="run_manifest.json">run_manifest.json</a>: parameters, checksums, commit, package versions</li>'
            '<li><a href="index.html">index.html</a>: every report of the compendium</li></ul>')


# ------------------------------------------------------------------------------------------------------------
# the document
# ------------------------------------------------------------------------------------------------------------


def read_scorecard_rows(path: Path) -> list[dict[str, str]]:
    """A scorecard CSV as text rows, ``[]`` without the file."""
    import csv

    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: v or "" for k, v in row.items() if k} for row in csv.DictReader(handle)]


def chapter_one_heading(rows: Sequence[Mapping[str, str]]) -> str:
    """'Published vs reproduced', or for the validation study's criteria 'Validation criteria: target vs found'."""
    return "Validation criteria: target vs found" if claims_view.checks_are_criteria(rows) else "Published vs reproduced"


def report_html(inputs: ReportInputs, contents: StudyContents, pages: Sequence[str] = ()) -> str:
    """The whole reproduction report as one HTML document (the HTML version, and the PDF's source)."""
    citation = read_citation(inputs.citation_file)
    claims = claims_view.read_claims(inputs.claims_file)
    facts = study_facts(inputs)
    synthetic = inputs.run.origin in ("synthetic", "unknown")
    numbering = Numbering()
    rows = read_scorecard_rows(inputs.reports_dir / "tables" / f"{inputs.study}_scorecard.csv")
    claims_html = claims_section(inputs, rows, claims, numbering.next_table(), synthetic)
    methods_html, methods_headings = methods_section(contents, inputs, facts, numbering)
    results_html, results_headings = results_section(contents, inputs, facts, numbering, synthetic)
    chapters = [
        ("published", f"1 {chapter_one_heading(rows)}", claims_html, []),
        ("methods", "2 Methods", methods_html, methods_headings),
        ("results", "3 Results", results_html, results_headings),
        ("caveats", "4 Caveats", caveats_section(contents, inputs), []),
        ("references", "5 References", references_section(contents, inputs, citation, claims), []),
        ("files", "Appendix: files of this study", files_section(inputs, pages), []),
    ]
    headings: list[tuple[int, str, str]] = []
    for anchor, heading, _, subheadings in chapters:
        headings.append((2, anchor, heading))
        headings.extend(subheadings)
    continuing = {"caveats", "references", "files", "methods"}
    body = "".join(
        f'<section class="chapter{" continue" if anchor in continuing else ""}" id="{anchor}-section">'
        f'<h2 id="{anchor}">{escape(heading)}</h2>{content}</section>'
        for anchor, heading, content, _ in chapters
    )
    notice = NOTICE_SHORT.get(inputs.run.origin, NOTICE_SHORT["unknown"])
    runline = f"Computed {inputs.run.computed} \u00b7 commit {inputs.run.commit}"
    css = CSS_FILE.read_text(encoding="utf-8") + page_css(contents.short_title, notice, runline)
    screen = (f'<div class="screen-notice" role="note">{escape(notice)}</div>' if notice else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n<link rel="icon" href="data:,">\n'
            f"<title>Reproduction report: {escape(inputs.title)}</title>\n"
            f'<meta name="author" content="{escape(authors_text(citation.get("authors", [])))}">\n'
            f"<style>\n{css}\n</style>\n</head>\n<body>\n{screen}"
            f"{title_page(inputs, citation, facts)}{contents_page(headings)}{body}\n</body>\n</html>\n")


def render_pdf(html_text: str, base_dir: Path, out_pdf: Path) -> Path:
    """The HTML as an A4 PDF (WeasyPrint), written whole or not at all; relative links resolve in ``base_dir``."""
    from weasyprint import HTML

    pdf = HTML(string=html_text, base_url=str(Path(base_dir).resolve()) + "/").write_pdf()
    return write_bytes(out_pdf, pdf)


def write_previews(pdf: Path, folder: Path, pages: int = PREVIEW_PAGES, dpi: int = PREVIEW_DPI) -> list[Path]:
    """PNG renderings of the PDF's first ``pages`` pages (pdftoppm) as ``folder/<stem>-<n>.png``, for a quick look;
    none (and no error) without pdftoppm."""
    if shutil.which("pdftoppm") is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-l", str(pages), str(pdf), str(Path(scratch) / "page")],
                       check=True, capture_output=True)
        for number, image in enumerate(sorted(Path(scratch).glob("page-*.png")), start=1):
            written.append(write_bytes(folder / f"{pdf.stem}-{number}.png", image.read_bytes()))
    for stale in folder.glob(f"{pdf.stem}-*.png"):
        if stale not in written:
            stale.unlink()
    return written


def write_report(inputs: ReportInputs, contents: StudyContents, out_html: Path, out_pdf: Path | None,
                 pages: Sequence[str] = (), previews: Path | None = None) -> list[Path]:
    """Write the HTML version, the PDF (when ``out_pdf``) and its first pages as PNG (when ``previews``)."""
    document = report_html(inputs, contents, pages)
    _require_offline(document, out_html)
    written = [write_text(out_html, document)]
    if out_pdf is not None:
        written.append(render_pdf(document, inputs.reports_dir, out_pdf))
        if previews is not None:
            written.extend(write_previews(out_pdf, previews))
    return written
