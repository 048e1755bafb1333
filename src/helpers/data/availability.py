"""Which figures and analyses of the 2008 citizen survey a respondent file supports (docs/real_data.md, section 6).

:data:`ANALYSES` names, for every figure and analysis, the codebook columns it needs, the tables, figures and
claims it produces, and whether it can run on part of its columns (the index and the activity figure: yes, on
the items present; a regression model: no). :func:`missing_variables` returns, per analysis, the needed columns
a file or a cleaned frame lacks (absent, or without a single valid answer, which after cleaning is the same
thing); :func:`missing_notes` and :func:`notes_display` turn that into the note a report shows ("Not available
in this file: ..."); :func:`skipped_outputs` lists the tables, figures and claims that cannot be produced.

The cleaning step records :func:`availability` in ``provenance.json``; the later steps read it back
(:func:`show_missing_variables`), skip or narrow what cannot be computed and say so in the reports. Everything
here is also importable from :mod:`helpers.data.real_data`, where it was first written.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.provenance import RichDisplay, escape_latex, escape_markdown
from helpers.data.validation import closest_names
from helpers.eu.codebook import ACTIVITIES, RAW_COLUMNS, SECTOR_NAMES, SECTORS, activity_items, sector_column


# ---------------------------------------------------------------------------------------------------------
# Which analyses need which columns
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """One figure or analysis of the 2008 citizen survey and what it needs.

    ``partial``: the analysis still runs, on the columns present, when some of its columns are missing (an
    index on the items present, the activity figure without an item); otherwise it cannot run at all.
    ``tables`` are file stems in ``data/processed/eu2008_estimates``, ``figures`` stems in
    ``reports/figures/eu2008``, ``claims`` ids in ``data/raw/claims.csv``.
    """

    name: str
    title: str
    partial: bool
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


SECTOR_CLAIM: dict[str, str] = {"environment": "EU-06", "health": "EU-07", "safety": "EU-08"}

CORRELATE_PERSON_COLUMNS: tuple[str, ...] = ("SEX", "AGE", "EDUC", "EMPLOY", "URBAN")
CORRELATE_SECTOR_ROLES: tuple[str, ...] = ("OUTCOME", "GOVPERF", "INFORMED", "CONSULTED", "EFFICACY")

ANALYSES: dict[str, Analysis] = {
    **{
        f"index_{sector}": Analysis(
            f"index_{sector}",
            f"co-production index of {SECTOR_NAMES[sector]}",
            partial=True,
            figures=("eu2008_index_by_sector", "eu2008_index_by_country"),
            claims=(SECTOR_CLAIM[sector], "EU-10"),
        )
        for sector in SECTORS
    },
    "activity_frequencies": Analysis(
        "activity_frequencies", "activity frequencies by country", partial=True,
        tables=("activity_frequencies",), figures=("eu2008_activity_frequencies",),
    ),
    "correlates": Analysis(
        "correlates", "the correlates models (one per sector) and their heterogeneity tests",
        partial=False,
        tables=("coefficients", "heterogeneity_tests"), figures=("eu2008_correlates",),
        claims=("EU-11", "EU-12", "EU-13", "EU-14", "EU-15", "EU-16", "EU-17"),
    ),
    "effect_sizes": Analysis(
        "effect_sizes", "the unweighted effect sizes (women vs men; index and self-efficacy)", partial=False,
        tables=("effect_sizes",),
    ),
    "fieldwork": Analysis("fieldwork", "the fieldwork dates", partial=False, claims=("EU-01",)),
}
"""Every figure and analysis of the 2008 survey that depends on particular codebook columns. The weights
and the cleaning need RESPID, COUNTRY, SEX and AGE; they are not listed because nothing runs without them."""

UNUSED_COLUMNS: tuple[str, ...] = tuple(sector_column(sector, "WILLING") for sector in SECTORS)
"""Codebook columns no figure, table or claim uses (willingness to do more): absent, they change nothing."""


def analysis_requirements(index_items: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """Per analysis of :data:`ANALYSES`, the codebook columns it needs.

    ``index_items`` (sector -> items, as the ``index_items`` parameter of notebook 20) replaces a sector's
    default items; sectors it does not name keep the codebook's items.
    """
    items = dict(index_items or {})
    correlates = (*CORRELATE_PERSON_COLUMNS,
                  *(sector_column(sector, role) for sector in SECTORS for role in CORRELATE_SECTOR_ROLES))
    return {
        **{f"index_{sector}": tuple(items.get(sector) or activity_items(sector)) for sector in SECTORS},
        "activity_frequencies": tuple(activity.column for activity in ACTIVITIES),
        "correlates": correlates,
        "effect_sizes": ("SEX", *(sector_column(sector, "EFFICACY") for sector in SECTORS)),
        "fieldwork": ("INTDATE",),
    }


def lacking(frame: pd.DataFrame | Iterable[str], columns: Iterable[str]) -> list[str]:
    """The ``columns`` that ``frame`` lacks: absent, or (for a data frame) without one non-missing value.

    ``frame`` may also be a list of column names (a file's header): then only absence counts.
    """
    if isinstance(frame, pd.DataFrame):
        return [column for column in columns if column not in frame.columns or not frame[column].notna().any()]
    present = set(frame)
    return [column for column in columns if column not in present]


def missing_variables(frame: pd.DataFrame | Iterable[str],
                      required: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Per figure or analysis of ``required``, the codebook columns ``frame`` lacks (see :func:`lacking`).

    Only analyses that lack something are returned, in the order of ``required``: an empty result means the
    file supports every analysis. An all-missing column counts as missing: after cleaning, a column whose
    every answer was don't know, refused or empty carries as little as an absent one, and the models would
    otherwise fail with an unhelpful error (or an index would quietly lose an item).
    """
    result = {}
    for analysis, columns in required.items():
        missing = lacking(frame, columns)
        if missing:
            result[analysis] = missing
    return result


def _analysis(name: str) -> Analysis:
    return ANALYSES.get(name) or Analysis(name, name.replace("_", " "), partial=False)


def missing_note(analysis: str, columns: Sequence[str], required: Mapping[str, Sequence[str]] | None = None) -> str:
    """The note a report shows for ``analysis`` when ``columns`` are missing (one sentence or two)."""
    spec = _analysis(analysis)
    needed = list((required or analysis_requirements()).get(analysis, ()))
    present = [column for column in needed if column not in columns]
    listed = ", ".join(columns)
    if analysis.startswith("index_") and present:
        sector = analysis.removeprefix("index_")
        claim = SECTOR_CLAIM.get(sector, "")
        return (f"Not available in this file: {listed}. The {spec.title} is built from the other items "
                f"({', '.join(present)}) and is not comparable with the published value{f' ({claim})' if claim else ''}"
                " as it stands.")
    if spec.partial and present:
        figures = f" ({', '.join(spec.figures)})" if spec.figures else ""
        return f"Not available in this file: {listed}. The figure of {spec.title}{figures} is drawn without them."
    outputs = [f"{kind} {', '.join(names)}" for kind, names in
               (("table" if len(spec.tables) == 1 else "tables", spec.tables),
                ("figure" if len(spec.figures) == 1 else "figures", spec.figures)) if names]
    skipped = f" ({'; '.join(outputs)})" if outputs else ""
    claims = (f"; {'claim' if len(spec.claims) == 1 else 'claims'} {', '.join(spec.claims)} cannot be checked"
              if spec.claims else "")
    return f"Not available in this file: {listed}. Not computed: {spec.title}{skipped}{claims}."


def missing_notes(missing: Mapping[str, Sequence[str]],
                  required: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """One note per analysis of ``missing`` (the result of :func:`missing_variables`)."""
    return [missing_note(analysis, columns, required) for analysis, columns in missing.items()]


_NOTE_STYLE = ("padding:0.6em 1em;margin:0.5em 0;border:2px solid #b26a00;background-color:#fff4e5;"
               "color:#5f3700;font-weight:bold;")


def notes_display(missing: Mapping[str, Sequence[str]],
                  required: Mapping[str, Sequence[str]] | None = None) -> RichDisplay | None:
    """The notes as one display (HTML, Markdown, LaTeX, text) for a report; None when nothing is missing.

    In a notebook: ``display(notes)`` if it is not None; it shows in JupyterLab, the reviewer and replicator
    HTML and the PDF, like the run banner.
    """
    return display_of_notes(missing_notes(missing, required))


def display_of_notes(notes: Sequence[str]) -> RichDisplay | None:
    """Notes as one display (HTML, Markdown, LaTeX, text); None when there are none."""
    if not notes:
        return None
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    return RichDisplay(
        html=(f'<div class="missing-variables" role="note" style="{_NOTE_STYLE}">'
              f'<ul style="margin:0;">{items}</ul></div>'),
        markdown="\n>\n".join(f"> **{escape_markdown(note)}**" for note in notes) + "\n",
        latex="\n".join([r"\begin{itemize}", *(rf"\item \textbf{{{escape_latex(note)}}}" for note in notes),
                         r"\end{itemize}"]) + "\n",
        text="\n".join(notes),
    )


def skipped_outputs(missing: Mapping[str, Sequence[str]],
                    required: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """The tables, figures and claims that cannot be produced: those of analyses that cannot run at all.

    An analysis that runs on part of its columns (:attr:`Analysis.partial`) skips nothing unless every one of
    its columns (in ``required``, default :func:`analysis_requirements`) is missing.
    """
    required = required or analysis_requirements()
    skipped: dict[str, list[str]] = {"tables": [], "figures": [], "claims": []}
    for analysis, columns in missing.items():
        spec = _analysis(analysis)
        if spec.partial and any(column not in columns for column in required.get(analysis, ())):
            continue
        for kind, names in (("tables", spec.tables), ("figures", spec.figures), ("claims", spec.claims)):
            skipped[kind] += [name for name in names if name not in skipped[kind]]
    return skipped


def available_index_items(frame: pd.DataFrame | Iterable[str],
                          index_items: Mapping[str, Sequence[str]] | None = None) -> dict[str, list[str]]:
    """Per sector, the index items that ``frame`` has: the codebook's default items that are present, or, for a
    sector named in ``index_items``, exactly those items.

    Raises ``ValueError`` when an item asked for in ``index_items`` is missing (an explicit choice is not
    narrowed silently) or when a sector has no item at all (an index cannot be built from nothing).
    """
    index_items = dict(index_items or {})
    required = analysis_requirements(index_items)
    result, problems = {}, []
    for sector in SECTORS:
        items = required[f"index_{sector}"]
        missing = lacking(frame, items)
        result[sector] = [item for item in items if item not in missing]
        if missing and index_items.get(sector):
            problems.append(f"index_items asks for {', '.join(missing)} ({sector}), which the data lack")
        elif not result[sector]:
            problems.append(f"no activity item of {sector} ({', '.join(items)}) in the data: its index cannot be built")
    if problems:
        raise ValueError("; ".join(problems))
    return result


@dataclass(frozen=True)
class Availability:
    """What a respondent file supports: per analysis the missing columns, and the requirements they refer to.

    Built in the cleaning step with :func:`availability` (and kept in ``provenance.json`` through
    :meth:`provenance_extra`), read back in later steps with :func:`read_availability`.
    """

    missing: dict[str, list[str]]
    required: dict[str, tuple[str, ...]]
    look_alikes: dict[str, str] = field(default_factory=dict)
    """Missing codebook column -> a column of the file not in the codebook that resembles it (a likely rename)."""

    @property
    def notes(self) -> list[str]:
        """One note per affected analysis, and one naming likely renamed columns (empty when nothing is missing)."""
        notes = missing_notes(self.missing, self.required)
        if self.look_alikes:
            pairs = ", ".join(f"'{found}' looks like {column}" for column, found in self.look_alikes.items())
            notes.append(f"The file has columns the codebook does not know that resemble missing ones ({pairs}): "
                         "if they hold the same question, map them with the column_map parameter and rerun.")
        return notes

    @property
    def skipped(self) -> dict[str, list[str]]:
        """The ``tables``, ``figures`` and ``claims`` that cannot be produced (:func:`skipped_outputs`)."""
        return skipped_outputs(self.missing, self.required)

    def display(self) -> RichDisplay | None:
        """The notes as a report display (:func:`display_of_notes`); None when nothing is missing."""
        return display_of_notes(self.notes)

    def show(self) -> None:
        """In a notebook: display the notes, if there are any (nothing when the file has every variable)."""
        notes = self.display()
        if notes is not None:
            from IPython.display import display

            display(notes)

    def present(self, analysis: str) -> list[str]:
        """The columns of ``analysis`` the file has (e.g. the activity items of the activity figure)."""
        return [column for column in self.required[analysis] if column not in self.missing.get(analysis, ())]

    def claim_notes(self) -> dict[str, str]:
        """Claim id -> the note of the analysis behind it, for every claim a missing variable affects.

        Claims in ``skipped["claims"]`` cannot be checked at all; the others (e.g. EU-07 when the health index
        lost an item) are checked on what the file has, and the note belongs beside the result.
        """
        notes: dict[str, str] = {}
        for analysis, columns in self.missing.items():
            note = missing_note(analysis, columns, self.required)
            for claim in _analysis(analysis).claims:
                notes[claim] = f"{notes[claim]} {note}" if claim in notes else note
        return notes

    def provenance_extra(self) -> dict[str, object]:
        """What the cleaning step writes into provenance.json (``write_data_provenance(extra=...)``)."""
        return {"missing_variables": {analysis: list(columns) for analysis, columns in self.missing.items()},
                "missing_variables_look_alikes": dict(self.look_alikes)}


def availability(frame: pd.DataFrame | Iterable[str],
                 index_items: Mapping[str, Sequence[str]] | None = None) -> Availability:
    """:class:`Availability` of a (cleaned) respondent frame; ``index_items`` as used for the index.

    Columns that are not in the codebook but resemble a missing one (``URBANISATION`` for URBAN) are named as
    likely renames (:attr:`Availability.look_alikes`).
    """
    required = analysis_requirements(index_items)
    missing = missing_variables(frame, required)
    columns = list(frame.columns) if isinstance(frame, pd.DataFrame) else list(frame)
    unknown = [column for column in columns if column not in RAW_COLUMNS]
    absent = list(dict.fromkeys(column for needed in missing.values() for column in needed))
    return Availability(missing, required, closest_names(absent, unknown))


def read_availability(processed_dir: str | Path) -> Availability:
    """:class:`Availability` recorded by the cleaning step in ``processed_dir/provenance.json``.

    Processed data written before the record existed (no ``missing_variables`` key) count as complete.
    """
    record = json.loads((Path(processed_dir) / "provenance.json").read_text(encoding="utf-8"))
    recorded = record.get("missing_variables") or {}
    required = analysis_requirements(record.get("index_items"))
    order = [*required, *(analysis for analysis in recorded if analysis not in required)]  # JSON sorts the keys
    missing = {analysis: list(recorded[analysis]) for analysis in order if analysis in recorded}
    return Availability(missing, required, dict(record.get("missing_variables_look_alikes") or {}))


def show_missing_variables(processed_dir: str | Path) -> Availability:
    """In a notebook of the 2008 study: display the notes on variables the respondent file lacks (nothing when
    it has them all) and return the :class:`Availability` recorded by the cleaning step."""
    supported = read_availability(processed_dir)
    supported.show()
    return supported
