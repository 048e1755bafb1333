"""What run a report came from: date, commit, data origin, parameters that differ from pipeline.yaml.

:func:`summarise_run` reads a run manifest (``run_manifest.json``, written by the runner) and ``pipeline.yaml``
and returns a :class:`RunSummary`: the last run as a whole (status, dates, failed and out-of-date steps) and,
per study, a :class:`StudyRun` (when its results were computed, from which commit, from which data, with which
non-default parameters, which of its steps are out of date). The index page, every HTML report and every
study PDF show it near the top (:func:`study_block`, :func:`run_block_html`), so a reader always sees which
run, and which choices, a page shows; a run that changed the analysis is never presented as the reproduction
of the published numbers.

:func:`data_origin` is the one place that decides a study's data origin for the reports: the provenance's
``data_origin`` key (``synthetic``, ``real`` or ``not declared``) when present, else its
``data_are_synthetic`` flag.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.data.provenance import data_origin_of, escape_latex
from helpers.pipeline.spec import default_parameters, read_pipeline_file

ORIGIN_TEXT = {
    "synthetic": "synthetic stand-in data (calibrated to the published aggregates; not survey findings)",
    "real": "real respondent-level data",
    "not declared": "respondent file of undeclared origin (neither registered synthetic data nor declared real)",
    "unknown": "no data provenance found (treat as synthetic)",
}
SIMULATED_DATA_TEXT = ("simulated populations drawn from the synthetic-data generators' models (synthetic by design: "
                       "a check of the code and the design, not survey findings)")
"""The data line of the validation study, which reads no respondent file."""
SIMULATION_STUDIES: frozenset[str] = frozenset({"validation"})
NOT_IN_PIPELINE = "the notebook's default"
_MISSING: Any = type("Missing", (), {"__repr__": lambda self: "missing"})()  # a parameter pipeline.yaml lacks


# ----------------------------------------------------------------------------------------------
# The data origin, decided in one place
# ----------------------------------------------------------------------------------------------


def data_origin(provenance: Mapping[str, Any] | None) -> str:
    """``synthetic``, ``real``, ``not declared`` (``helpers.data.provenance.data_origin_of``) or ``unknown``
    (no record)."""
    return "unknown" if provenance is None else data_origin_of(provenance)


def read_provenance_file(path: Path) -> dict[str, Any] | None:
    """A ``provenance.json``, or None when missing or unreadable."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


# ----------------------------------------------------------------------------------------------
# The summary
# ----------------------------------------------------------------------------------------------


def run_roots(run: Mapping[str, Any]) -> tuple[str, ...]:
    """The folders a run's paths are shown relative to: its output folder (``--out``, the parent of its reports
    folder) and the project."""
    placeholders = dict(run.get("placeholders") or {})
    if placeholders.get("reports"):
        out = [str(Path(str(placeholders["reports"])).parent)]  # <out>/reports
    elif placeholders.get("processed"):
        out = [str(Path(str(placeholders["processed"])).parent.parent)]  # <out>/data/processed
    else:
        out = []
    return (*out, str(paths.PROJECT_ROOT))


def reader_path(text: str, roots: Sequence[str] = ()) -> str:
    """A file path as the reports show it: relative to the run's output folder or the project (``roots``, default
    the project) when inside one; a file elsewhere by its name, marked as outside the project (no folder of the
    machine that ran it reaches a report; the run manifest keeps the full path and the file's sha256). Anything
    that is not an absolute path is returned as it is."""
    path = Path(text)
    if not path.is_absolute():
        return text
    for root in roots or (str(paths.PROJECT_ROOT),):
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            continue
    return f"{path.name} (outside the project; full path and sha256 in the run manifest)"


def shown(value: Any, roots: Sequence[str] = ()) -> str:
    """A parameter value as a reader sees it (strings bare, paths by :func:`reader_path`, the rest as JSON)."""
    if isinstance(value, str):
        return reader_path(value, roots) if value.startswith("/") else value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class ParameterChange:
    """One parameter of one step whose value differs from pipeline.yaml's."""

    study: str
    step: str
    name: str
    value: Any
    default: Any
    is_output: bool = False  # where a result is written, which does not change the analysis
    roots: tuple[str, ...] = ()  # the folders paths are shown relative to (run_roots)

    def text(self) -> str:
        """``weighting = unweighted (pipeline.yaml: population)``."""
        default = NOT_IN_PIPELINE if self.default is _MISSING else f"pipeline.yaml: {shown(self.default, self.roots)}"
        return f"{self.name} = {shown(self.value, self.roots)} ({default})"

    def short_text(self) -> str:
        """``weighting = unweighted instead of population``."""
        default = NOT_IN_PIPELINE if self.default is _MISSING else shown(self.default, self.roots)
        return f"{self.name} = {shown(self.value, self.roots)} instead of {default}"



def written_to(path: str | Path, outputs: Iterable[str]) -> bool:
    """Whether ``path`` is one of ``outputs`` (files and folders a step writes) or lies in one of those folders."""
    text = str(path)
    return any(text == output or text.startswith(output.rstrip("/") + "/") for output in outputs)


@dataclass(frozen=True)
class StudyRun:
    """What one study's reports come from."""

    study: str
    computed_at: str | None
    commits: tuple[str, ...]
    origin: str
    source: str
    changes: tuple[ParameterChange, ...] = ()
    stale: dict[str, str] = field(default_factory=dict)
    unfinished: tuple[str, ...] = ()  # steps whose last run failed or was interrupted
    stale_outputs: tuple[str, ...] = ()  # the files and folders written by the out-of-date steps
    defaults_known: bool = True  # False when pipeline.yaml could not be read (nothing to compare with)
    edited_files: tuple[str, ...] = ()  # notebooks, helpers, data, pipeline.yaml edited since the commit

    def is_stale_file(self, path: Path) -> bool:
        """Whether ``path`` was written by an out-of-date step of the study."""
        return written_to(path, self.stale_outputs)

    @property
    def analysis_changes(self) -> tuple[ParameterChange, ...]:
        """The changes that alter the analysis (not merely where results are written)."""
        return tuple(change for change in self.changes if not change.is_output)

    @property
    def edits_unknown(self) -> bool:
        """Whether some results come from a copy that is not a git clone, where edits cannot be told."""
        return "unknown" in self.commits

    @property
    def is_variant(self) -> bool:
        """Whether the numbers come from a changed analysis: a parameter that differs from pipeline.yaml, or
        notebooks, helpers or data edited since the commit the run names."""
        return bool(self.analysis_changes or self.edited_files)

    @property
    def variant_texts(self) -> tuple[str, ...]:
        """What changed the analysis, in short phrases (``confidence_level 0.9 (default 0.95)``, ``edited since
        the commit: notebooks/11_oecd_figures.ipynb``)."""
        edited = (f"edited since the commit: {files_text(self.edited_files)}",) if self.edited_files else ()
        return tuple(change.short_text() for change in self.analysis_changes) + edited

    @property
    def reproduces_published_choices(self) -> bool:
        """True when the study ran with pipeline.yaml's analysis and the committed code: only then may a report
        say it reproduces the published numbers (on synthetic data, from data calibrated to them)."""
        return not self.is_variant


@dataclass(frozen=True)
class RunSummary:
    """The last run of an output folder and what each study's reports come from."""

    status: str  # "succeeded", "failed", "interrupted", "running" (still running, or killed), "unknown"
    started_at: str | None
    finished_at: str | None
    commit: str
    only: tuple[str, ...]
    overrides: tuple[str, ...]
    failed_steps: tuple[str, ...]
    failed_exports: tuple[str, ...]
    stale: dict[str, str]
    reports_outdated: tuple[str, ...]
    last_success: dict[str, Any] | None
    studies: dict[str, StudyRun]

    @property
    def changes(self) -> tuple[ParameterChange, ...]:
        return tuple(change for study in self.studies.values() for change in study.changes)


FILES_SHOWN: int = 5


def edited_analysis_files(records: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The files the records' steps computed with that were edited since their commit (the runner keeps, per
    step, its notebook, the helpers, its inputs, ``pipeline.yaml`` and the raw data package)."""
    return tuple(sorted({str(name) for record in records for name in record.get("git_changed_files") or ()}))


def files_text(files: Sequence[str]) -> str:
    """``a, b, c`` (at most :data:`FILES_SHOWN` names, then ``and N more``)."""
    shown_files = ", ".join(files[:FILES_SHOWN])
    return shown_files + (f" and {len(files) - FILES_SHOWN} more" if len(files) > FILES_SHOWN else "")


def commit_label(record: Mapping[str, Any]) -> str:
    """``abc1234``, ``abc1234-dirty`` (uncommitted changes) or ``unknown``."""
    commit = str(record.get("git_commit") or "unknown")
    short = commit[:7] if commit != "unknown" else commit
    return f"{short}-dirty" if record.get("git_dirty") and short != "unknown" else short


def _same(left: Any, right: Any) -> bool:
    return json.dumps(left, sort_keys=True, default=str) == json.dumps(right, sort_keys=True, default=str)


def pipeline_defaults(manifest: Mapping[str, Any], pipeline_file: Path | None
                      ) -> tuple[dict[str, dict[str, Any]], dict[str, set[str]]] | None:
    """Per step, pipeline.yaml's values (with the run's placeholders) and the names of its output parameters;
    None when pipeline.yaml cannot be read."""
    run = manifest.get("run") or {}
    file = Path(pipeline_file or run.get("pipeline_file") or paths.PIPELINE_FILE)
    try:
        document = read_pipeline_file(file)
    except Exception:  # noqa: BLE001 - without pipeline.yaml there is nothing to compare with
        return None
    defaults = default_parameters(document, dict(run.get("placeholders") or {}), file)
    outputs = {str(step.get("name")): set(step.get("outputs") or ()) for step in document["steps"]
               if isinstance(step, dict)}
    return defaults, outputs


def parameter_changes(step: str, record: Mapping[str, Any], defaults: Mapping[str, Any],
                      outputs: set[str], roots: tuple[str, ...] = ()) -> list[ParameterChange]:
    """The parameters ``record`` ran with that differ from ``defaults`` (pipeline.yaml's for this step)."""
    changes = []
    for name, value in sorted((record.get("parameters") or {}).items()):
        default = defaults.get(name, _MISSING)
        if default is _MISSING or not _same(value, default):
            changes.append(ParameterChange(str(record.get("study", "")), step, name, value, default, name in outputs,
                                           roots))
    return changes


def study_provenance(records: Mapping[str, Mapping[str, Any]], processed_dir: Path | None, study: str) -> dict | None:
    """The study's ``provenance.json``: beside the processed data its steps name, else ``<processed>/<study>``."""
    candidates = [Path(str(r["parameters"]["processed_dir"])) for r in records.values()
                  if isinstance(r.get("parameters"), dict) and r["parameters"].get("processed_dir")]
    if processed_dir is not None:
        candidates.append(processed_dir / study)
    for folder in candidates:
        record = read_provenance_file(folder / "provenance.json")
        if record is not None:
            return record
    return None


def study_run(study: str, records: Mapping[str, Mapping[str, Any]], run: Mapping[str, Any],
              pipeline: tuple[dict[str, dict[str, Any]], dict[str, set[str]]] | None,
              processed_dir: Path | None) -> StudyRun:
    """One study's :class:`StudyRun` from its steps' manifest records and pipeline.yaml's defaults."""
    defaults, outputs = pipeline or ({}, {})
    done = {name: r for name, r in records.items() if r.get("status") == "succeeded"}
    finished = sorted(str(r["finished_at"]) for r in done.values() if r.get("finished_at"))
    commits = tuple(sorted({commit_label(r) for r in done.values()}))
    changes = [change for name, r in sorted(records.items()) if pipeline is not None
               for change in parameter_changes(name, r, defaults.get(name, {}), outputs.get(name, set()),
                                               run_roots(run))]
    changes = _one_per_study_parameter(changes)
    provenance = study_provenance(records, processed_dir, study)
    source = reader_path(str((provenance or {}).get("source_file") or "source file not recorded"), run_roots(run))
    stale = {name: reason for name, reason in (run.get("stale_steps") or {}).items() if name in records}
    unfinished = tuple(sorted(name for name, r in records.items() if r.get("status") in {"failed", "running"}))
    stale_outputs = tuple(sorted(str(records[name]["parameters"][output]) for name in [*stale, *unfinished]
                                 for output in (records[name].get("outputs_sha256") or {})
                                 if output in (records[name].get("parameters") or {})))
    return StudyRun(study, finished[-1] if finished else None, commits, data_origin(provenance), source,
                    tuple(changes), stale, unfinished, stale_outputs, pipeline is not None,
                    edited_analysis_files(done.values()))


def _one_per_study_parameter(changes: list[ParameterChange]) -> list[ParameterChange]:
    """A study-level parameter changed for several steps is listed once (with the steps joined)."""
    merged: dict[tuple[str, str, str], ParameterChange] = {}
    for change in changes:
        key = (change.name, shown(change.value), shown(change.default))
        if key in merged:
            first = merged[key]
            merged[key] = ParameterChange(first.study, f"{first.step}, {change.step}", first.name, first.value,
                                          first.default, first.is_output and change.is_output, first.roots)
        else:
            merged[key] = change
    return list(merged.values())


def summarise_run(manifest: Mapping[str, Any], pipeline_file: Path | None = None,
                  processed_dir: Path | None = None) -> RunSummary:
    """The :class:`RunSummary` of a run manifest, compared with ``pipeline_file`` (default: the one the run
    recorded). ``processed_dir`` is where ``<study>/provenance.json`` is looked for when no step names it."""
    run = dict(manifest.get("run") or {})
    steps = {name: record for name, record in (manifest.get("steps") or {}).items() if isinstance(record, dict)}
    pipeline = pipeline_defaults(manifest, pipeline_file)
    studies = sorted({str(r.get("study")) for r in steps.values() if r.get("study")})
    by_study = {study: {n: r for n, r in steps.items() if r.get("study") == study} for study in studies}
    return RunSummary(
        status=str(run.get("status") or "unknown"),
        started_at=run.get("started_at"),
        finished_at=run.get("finished_at"),
        commit=commit_label(run) if run else "unknown",
        only=tuple(run.get("only") or ()),
        overrides=tuple(run.get("overrides") or ()),
        failed_steps=tuple(run.get("failed_steps") or ()),
        failed_exports=tuple(run.get("failed_exports") or ()),
        stale=dict(run.get("stale_steps") or {}),
        reports_outdated=tuple(run.get("reports_outdated") or ()),
        last_success=manifest.get("last_successful_run"),
        studies={study: study_run(study, by_study[study], run, pipeline, processed_dir)
                 for study in studies},
    )


def read_run_summary(manifest_file: Path, pipeline_file: Path | None = None,
                     processed_dir: Path | None = None) -> RunSummary | None:
    """:func:`summarise_run` of a manifest file, or None when there is no readable manifest."""
    try:
        manifest = json.loads(Path(manifest_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summarise_run(manifest, pipeline_file, processed_dir) if isinstance(manifest, dict) else None


# ----------------------------------------------------------------------------------------------
# Texts
# ----------------------------------------------------------------------------------------------


def when(timestamp: str | None) -> str:
    """``2026-11-30 06:10 UTC`` for an ISO timestamp (``not recorded`` without one)."""
    if not timestamp:
        return "not recorded"
    try:
        moment = datetime.fromisoformat(str(timestamp))
    except ValueError:
        return str(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def study_lines(study: StudyRun) -> list[tuple[str, str]]:
    """The facts of a study's run as (label, text) pairs, in reading order."""
    commits = ", ".join(study.commits) or "not recorded"
    lines = [
        ("Computed", f"{when(study.computed_at)} from commit {commits}"),
        ("Data", ORIGIN_TEXT.get(study.origin, study.origin)),
        ("Respondent file", study.source),  # its own line, so that a path is not broken across lines
    ]
    if study.study in SIMULATION_STUDIES and study.origin == "synthetic":
        lines[1:] = [("Data", SIMULATED_DATA_TEXT), ("Population shares from", study.source)]
    if not study.defaults_known:
        lines.append(("Parameters", "not compared with pipeline.yaml, which could not be read; see the run "
                                    "manifest"))
    elif study.changes:
        lines.append(("Parameters that differ from pipeline.yaml",
                      "; ".join(f"{change.text()} [{change.step}]" for change in study.changes)))
    else:
        lines.append(("Parameters", "all as in pipeline.yaml"))
    if study.edited_files:
        lines.append(("Edited since the commit", f"{files_text(study.edited_files)}: the numbers were computed with "
                                                 "these edited files, which the commit alone does not hold"))
    elif study.edits_unknown:
        lines.append(("Edited since the commit", "cannot be told: the project is not a git clone, so whether its "
                                                 "files were edited is not known"))
    if study.is_variant:
        lines.append(("Note", "this run changed the analysis: its numbers are a variant of the published analysis, "
                              "not a reproduction of the published numbers."))
    for name, reason in study.stale.items():
        lines.append(("OUT OF DATE", f"{name}: {reason}. Its results here come from an earlier run; run the "
                                     "whole pipeline again (without --only) to update them."))
    for name in study.unfinished:
        lines.append(("NOT FINISHED", f"{name}: its last run failed or was interrupted; what is shown of it comes "
                                      "from its last successful run."))
    return lines


def is_alarming(study: StudyRun) -> bool:
    """Whether the block must be red: out-of-date or unfinished steps, or a changed analysis."""
    return bool(study.stale or study.unfinished or study.is_variant)


@dataclass(frozen=True)
class RunBlock:
    """The run record of one study as HTML (report pages, index), LaTeX, and the facts the reproduction report's
    title page shows (:mod:`helpers.report.reproduction`): the (label, text) lines, the data origin, when the
    results were computed, the commits, whether the record is alarming, and the parameters the study ran with."""

    html: str
    latex: str
    lines: tuple[tuple[str, str], ...] = ()
    origin: str = "unknown"
    computed: str = "not recorded"
    commit: str = "not recorded"
    alarming: bool = False
    parameters: tuple[tuple[str, Any], ...] = ()
    stale_outputs: tuple[str, ...] = ()  # what the study's out-of-date steps wrote (their figures, tables)


_BOX_STYLE = {
    False: "border:2px solid #1f3a5f;background:#eef3f9;color:#1f1f1f;padding:0.6em 1em;margin:0.4em 0 1em 0;",
    True: "border:3px solid #b3261e;background:#fdeceb;color:#5c0f0a;padding:0.6em 1em;margin:0.4em 0 1em 0;",
}


def study_block_html(study: StudyRun, title: str = "Run record") -> str:
    """The run record of a study as an HTML box with inline styles (works in nbconvert pages and the index)."""
    rows = "".join(
        f'<li><strong>{html.escape(label)}:</strong> {html.escape(text)}</li>' for label, text in study_lines(study)
    )
    return (f'<div class="run-record" role="note" style="{_BOX_STYLE[is_alarming(study)]}">'
            f'<strong>{html.escape(title)}: {html.escape(study.study)}</strong>'
            f'<ul style="margin:0.3em 0 0 0;padding-left:1.2em;">{rows}</ul></div>')


def study_block_latex(study: StudyRun, title: str = "Run record") -> str:
    """The run record of a study as a framed LaTeX box (for the PDF)."""
    frame, fill = ("red!70!black", "red!6") if is_alarming(study) else ("blue!40!black", "blue!4")
    items = "\n".join(rf"\item \textbf{{{escape_latex(label)}:}} {escape_latex(text)}"
                      for label, text in study_lines(study))
    return (
        r"\begin{center}" "\n"
        rf"\fcolorbox{{{frame}}}{{{fill}}}{{\parbox{{0.95\linewidth}}{{\vspace{{0.3em}}\raggedright"
        rf"\textbf{{{escape_latex(title)}: {escape_latex(study.study)}}}" "\n"
        r"\begin{itemize}\setlength{\itemsep}{0pt}" "\n"
        f"{items}\n"
        r"\end{itemize}\vspace{0.2em}}}" "\n"
        r"\end{center}" "\n"
    )


def study_block(study: StudyRun, parameters: Mapping[str, Any] | None = None) -> RunBlock:
    """The run record of a study for the report pages of the study and its reproduction report; ``parameters``
    are those the study's steps ran with (from the run manifest)."""
    return RunBlock(html=study_block_html(study), latex=study_block_latex(study),
                    lines=tuple(study_lines(study)), origin=study.origin, computed=when(study.computed_at),
                    commit=", ".join(study.commits) or "not recorded", alarming=is_alarming(study),
                    parameters=tuple(sorted((parameters or {}).items())), stale_outputs=study.stale_outputs)


def study_parameters(manifest: Mapping[str, Any], study: str) -> dict[str, Any]:
    """The parameters the study's steps ran with (the first step's value for a name several steps share)."""
    parameters: dict[str, Any] = {}
    for record in (manifest.get("steps") or {}).values():
        if isinstance(record, dict) and record.get("study") == study:
            for name, value in (record.get("parameters") or {}).items():
                parameters.setdefault(name, value)
    return parameters


def run_status_text(summary: RunSummary) -> str:
    """One sentence on the last run: when, which commit, how it ended, with which command options."""
    if summary.status == "unknown":
        return "The run manifest does not record the last run as a whole (it predates run records)."
    options = " ".join([*(f"--only {name}" for name in summary.only), *(f"-p {text}" for text in summary.overrides)])
    command = f" with {options}" if options else " with pipeline.yaml's parameters"
    ended = {"succeeded": "succeeded", "failed": "FAILED", "interrupted": "was INTERRUPTED",
             "running": "has not finished (it is running, or it was killed)"}.get(summary.status, summary.status)
    return f"Last run: started {when(summary.started_at)}, commit {summary.commit}{command}; it {ended}."


def failure_text(summary: RunSummary) -> str | None:
    """What a reader must know when the last run failed or did not finish, or None otherwise."""
    if summary.status not in {"failed", "running", "interrupted"}:
        return None
    what = []
    if summary.failed_steps:
        what.append(f"step {', '.join(summary.failed_steps)} failed")
    if summary.failed_exports:
        what.append(f"the export of {', '.join(summary.failed_exports)} failed")
    if summary.status == "running":
        what.append("it is still running, or it was killed")
    if summary.status == "interrupted":
        what.append("it was interrupted (Ctrl-C or SIGTERM) before every step had run")
    last = summary.last_success
    verb = "has not finished" if summary.status == "running" else "did not succeed"
    if last:
        whose = (f"The reports below are those of the last successful run (started {when(last.get('started_at'))}, "
                 f"commit {commit_label(last)}), not of that run")
    else:
        whose = ("No successful run is recorded in this folder: the reports below were written by unfinished runs "
                 "(this one, before it stopped, or earlier ones)")
    return (f"The last run (started {when(summary.started_at)}) {verb}: {'; '.join(what) or summary.status}. "
            f"{whose}; each report's run record says when it was computed.")


def failure_heading(summary: RunSummary) -> str:
    """The bold start of the failure box."""
    return "The last run has not finished." if summary.status == "running" else "The last run did not succeed."


def run_block_html(summary: RunSummary) -> str:
    """The index page's run section: the last run, a failure box when it did not succeed, every study's record."""
    failure = failure_text(summary)
    parts = ['<section id="run-record" class="run-record-section" aria-label="Run record">',
             "<h2>Which run these reports come from</h2>",
             f"<p>{html.escape(run_status_text(summary))}</p>"]
    if failure:
        parts.append(f'<div class="run-failed" role="alert" style="{_BOX_STYLE[True]}"><strong>'
                     f"{failure_heading(summary)}</strong> {html.escape(failure)}</div>")
    if summary.reports_outdated:
        parts.append(f'<div class="run-outdated" role="alert" style="{_BOX_STYLE[True]}"><strong>Reports not '
                     f"re-exported:</strong> the HTML and PDF reports of {html.escape(', '.join(summary.reports_outdated))} "
                     "do not show their steps' latest results or run record (the last run used --no-export, failed "
                     "before the export, or its export failed); the figures and tables below are newer than those "
                     "reports.</div>")
    parts += [study_block_html(study) for study in summary.studies.values()]
    parts.append("</section>")
    return "".join(parts)
