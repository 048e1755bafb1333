"""After the notebooks ran: export each study's reports and render the logs, skipping what is unchanged.

For each study the executed notebooks of its steps become reviewer HTML (no code) and replicator HTML (with
code), and the study's data products its reproduction report, HTML and PDF (``helpers.report.export``,
:mod:`helpers.report.reproduction`). The assumptions-and-caveats log and the data log are
rendered next to them, so the links in every report's banner work offline.

Studies that must be exported are exported in worker processes (at most one per core, or ``jobs``) that
end with the runner (:func:`helpers.pipeline.workers.worker_pool`). The two logs are
rendered by the last study exported in study order, as when the studies were exported one after the other.
``helpers.report.export`` (which imports nbformat, slow to import) is imported only when something is
exported: a run with nothing to export stays fast.

Every report page carries its study's run record (:mod:`helpers.report.runinfo`: when its results were
computed, the commit, the data origin, the parameters that differ from pipeline.yaml, out-of-date steps). The
record is part of the export's fingerprint, so a study is exported again when its record changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import traceback
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.outputs import write_json, write_text
from helpers.report import runinfo
from helpers.report.site import build_index
from helpers.report.titles import STUDY_TITLES

EXPORT_STATE = "export_state.json"
HERE = Path(__file__).resolve().parent
EXPORT_CODE = (HERE / "reporting.py", HERE / "export.py", HERE / "runinfo.py", HERE / "reproduction.py",
               HERE / "contents.py", HERE / "labels.py", HERE / "claims_view.py",
               *sorted(path for path in (HERE / "templates").rglob("*") if path.is_file()))


def fingerprint_of_files(files: list[Path], extra: str = "") -> str:
    """One sha256 over the names and contents of ``files``, the export code and ``extra`` (the run record)."""
    digest = hashlib.sha256()
    for file in [*files, *EXPORT_CODE]:
        digest.update(file.name.encode())
        digest.update(file.read_bytes() if file.is_file() else b"missing")
    digest.update(extra.encode())
    return digest.hexdigest()


class ExportError(RuntimeError):
    """One or more studies could not be exported: one line per study, the tracebacks in ``build/export_<study>.log``."""

    def __init__(self, failures: dict[str, BaseException], build_dir: Path) -> None:
        self.studies = sorted(failures)
        lines = []
        for study, error in failures.items():
            log = build_dir / f"export_{study}.log"
            details = "".join(traceback.format_exception(error))
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(details, encoding="utf-8")
            lines.append(f"export {study} failed: {type(error).__name__}: {error} (traceback in {log})")
        super().__init__("\n".join(lines))


def read_export_state(build_dir: Path) -> dict[str, Any]:
    """Per study, the fingerprint of its last successful export and the report files it wrote."""
    try:
        loaded = json.loads((build_dir / EXPORT_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or damaged: export again
        return {}
    return loaded if isinstance(loaded, dict) else {}


def expected_outputs(executed: list[Path], reports_dir: Path, study: str) -> list[Path]:
    """The report files a study's export writes (the PDF only when the LaTeX tools exist)."""
    from helpers.report.export import missing_pdf_tools, study_report_paths

    outputs = list(study_report_paths(executed, reports_dir, study).values())
    return [p for p in outputs if p.suffix != ".pdf" or not missing_pdf_tools()]


def is_exported(record: Any, fingerprint: str) -> bool:
    """Whether the last export of a study (its ``record`` in the export state) had this fingerprint and the
    report files it wrote are all still there. An export made without the LaTeX tools (no PDF) is redone once
    the tools are there; any other record (an older state file) means export again.
    """
    if not isinstance(record, dict) or record.get("fingerprint") != fingerprint:
        return False
    outputs = [Path(path) for path in record.get("outputs", [])]
    if not outputs or not all(path.is_file() for path in outputs):
        return False
    if any(path.suffix == ".pdf" for path in outputs):
        return True
    from helpers.report.export import missing_pdf_tools

    return bool(missing_pdf_tools())


def export_one_study(executed: list[Path], reports_dir: Path, study: str, with_logs: bool,
                     run_block: runinfo.RunBlock | None = None, processed_dir: Path | None = None) -> list[Path]:
    """Export one study (in a worker process); ``with_logs`` also renders the assumptions and data logs;
    ``run_block`` is the study's run record, shown near the top of every page and on the report's title page;
    ``processed_dir`` holds the data products the reproduction report is built from."""
    from helpers.report.export import export_study

    exported = export_study(
        executed,
        reports_dir,
        study,
        STUDY_TITLES.get(study, study),
        assumptions_md=paths.ASSUMPTIONS_LOG if with_logs else None,
        data_log_md=paths.DATA_LOG if with_logs else None,
        run_block=run_block,
        processed_dir=processed_dir,
    )
    if with_logs:  # the glossary every notebook links to, beside assumptions.html (issue 12)
        from helpers.report.export import render_markdown_page

        return [*exported.written, render_markdown_page(paths.GLOSSARY, reports_dir / "glossary.html", "Glossary")]
    return list(exported.written)


def export_in_worker(*arguments: Any) -> list[Path]:
    """:func:`export_one_study`, looked up when called (so a worker runs the module's current function)."""
    return export_one_study(*arguments)


def run_summary(locations: Any) -> runinfo.RunSummary | None:
    """The run record of the manifest in the build folder (None before the first run)."""
    return runinfo.read_run_summary(locations.build / "run_manifest.json", processed_dir=locations.processed)


def study_run_blocks(locations: Any) -> dict[str, runinfo.RunBlock]:
    """Each study's run record for its report pages, with the parameters its steps ran with."""
    summary = run_summary(locations)
    try:
        manifest = json.loads((locations.build / "run_manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return {study: runinfo.study_block(record, runinfo.study_parameters(manifest, study))
            for study, record in (summary.studies if summary else {}).items()}


def study_notebooks(steps: list[Any], locations: Any) -> dict[str, list[Path]]:
    """Per study, the executed notebooks of its steps, in pipeline order."""
    return {study: [locations.executed / f"{step.name}.ipynb" for step in steps if step.study == study]
            for study in sorted({step.study for step in steps})}


def study_fingerprints(steps: list[Any], locations: Any) -> dict[str, tuple[list[Path], str]]:
    """Per study whose steps all have an executed notebook: the notebooks and the fingerprint of an export."""
    documents = [paths.ASSUMPTIONS_LOG, paths.DATA_LOG, paths.GLOSSARY, paths.CLAIMS_FILE,
                 paths.PROJECT_ROOT / "CITATION.cff"]
    blocks = study_run_blocks(locations)
    fingerprints = {}
    for study, executed in study_notebooks(steps, locations).items():
        if all(path.is_file() for path in executed):
            block = blocks.get(study)
            extra = block.html + block.latex if block else ""
            fingerprints[study] = (executed, fingerprint_of_files(executed + documents, extra))
    return fingerprints


def outdated_reports(steps: list[Any], locations: Any) -> list[str]:
    """Studies whose report pages were not exported from their current executed notebooks and run record."""
    state = read_export_state(locations.build)
    current = study_fingerprints(steps, locations)
    return [study for study, (_, fingerprint) in current.items()
            if study in state and not is_exported(state.get(study), fingerprint)]


NOT_RE_EXPORTED_START = "<!-- not-re-exported -->"
NOT_RE_EXPORTED_END = "<!-- /not-re-exported -->"
_BODY_TAG = re.compile(r"<body[^>]*>", re.IGNORECASE)


def not_re_exported_banner(started: str) -> str:
    """The red box a study's reproduction report (HTML) gets when a later run changed its results but did not
    write its reports again: the page links its figures and tables, which that run may have redrawn."""
    return (f'{NOT_RE_EXPORTED_START}<div class="not-re-exported" role="alert" style="border:3px solid #b3261e;'
            'background:#fdeceb;color:#5c0f0a;padding:0.6em 1em;margin:0.6em 0;"><strong>Not re-exported.</strong> '
            f"This page was written by an earlier run (its run record below). A later run (started {started}) "
            "rewrote results of this study without writing its reports again (it used --no-export, or it failed), "
            "so the figures and tables this page links to may come "
            'from that later run and disagree with its text. See the <a href="index.html">index</a>; run the '
            "pipeline to write the reports again.</div>"
            f"{NOT_RE_EXPORTED_END}")


def _without_box(text: str) -> str:
    return re.sub(re.escape(NOT_RE_EXPORTED_START) + ".*?" + re.escape(NOT_RE_EXPORTED_END), "", text, flags=re.S)


def mark_not_re_exported(page: Path, started: str | None) -> bool:
    """Put (or renew) the 'not re-exported' box at the top of ``page``, written whole; with ``started`` None, take
    it away (the page matches what it is built from again). False when the page or its ``<body>`` is missing or
    nothing changed. The next export writes the page anew, without the box."""
    if not page.is_file():
        return False
    original = page.read_text(encoding="utf-8")
    text = _without_box(original)
    body = _BODY_TAG.search(text)
    if body is None:
        return False
    if started is not None:
        text = text[:body.end()] + not_re_exported_banner(started) + text[body.end():]
    if text == original:
        return False
    write_text(page, text)
    return True


def export_reports(steps: list[Any], results: list[Any], locations: Any, *, say: Any = print,
                   jobs: int | None = None) -> list[Path]:
    """Export every study whose executed notebooks, docs or run record changed since its last export, in
    worker processes, then write the index (:func:`write_index`; the runner writes it again after every run)."""
    from helpers.pipeline.workers import stop_workers, worker_pool

    state = read_export_state(locations.build)
    written: list[Path] = []
    pending: list[tuple[str, list[Path], str]] = []
    current = study_fingerprints(steps, locations)
    blocks = study_run_blocks(locations)
    for study in sorted({step.study for step in steps}):
        if study not in current:
            say(f"export {study}: skipped, not every step of the study has an executed notebook")
            continue
        executed, fingerprint = current[study]
        if is_exported(state.get(study), fingerprint):
            say(f"export {study}: skipped (executed notebooks and run record unchanged)")
            continue
        pending.append((study, executed, fingerprint))
    if not pending:
        written.append(write_index(locations, say=say))
        return written
    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
    last = pending[-1][0]
    for study, _, _ in pending:
        say(f"export {study}: writing reviewer and replicator HTML and the PDF ...")
    arguments = [(executed, locations.reports, study, study == last, blocks.get(study), locations.processed)
                 for study, executed, _ in pending]
    pool = worker_pool(workers)
    try:
        # a worker's exception comes back with its traceback (as its cause) for build/export_<study>.log
        futures = [pool.submit(export_in_worker, *item) for item in arguments]
        outcomes: list[list[Path] | BaseException] = [future.exception() or future.result() for future in futures]
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    for (study, executed, fingerprint), files in zip(pending, outcomes, strict=True):
        if isinstance(files, BaseException):
            continue
        written.extend(files)
        outputs = expected_outputs(executed, locations.reports, study)
        state[study] = {"fingerprint": fingerprint, "outputs": [str(path) for path in outputs]}
        write_json(state, locations.build / EXPORT_STATE)
    failures = {study: outcome for (study, _, _), outcome in zip(pending, outcomes, strict=True)
                if isinstance(outcome, BaseException)}
    # the index lists what was exported (and a failed study's older reports); the runner rewrites it once the
    # run's outcome is recorded
    written.append(write_index(locations, say=say))
    if failures:
        raise ExportError(failures, locations.build)
    return written


def write_index(locations: Any, *, say: Any = print) -> Path:
    """Write ``reports/index.html`` (and the combined scorecard) from the reports and the run manifest."""
    target = build_index(locations.reports, locations.processed)
    say(f"wrote {target}")
    return target
