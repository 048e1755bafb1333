"""After the notebooks ran: export each study's reports and render the logs, skipping what is unchanged.

For each study the executed notebooks of its steps become reviewer HTML (no code), replicator HTML
(with code) and one PDF (``helpers.report.export``). The assumptions-and-caveats log and the data log are
rendered next to them, so the links in every report's banner work offline.

Studies that must be exported are exported in parallel processes (at most one per core, or ``jobs``):
the PDF route sets ``SOURCE_DATE_EPOCH`` in the process environment while xelatex runs, so the exports
must not share a process. The two logs are rendered by the last study exported in study order, as when
the studies were exported one after the other. ``helpers.report.export`` (which imports nbformat, slow to
import) is imported only when something is exported: a run with nothing to export stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.outputs import write_json
from helpers.report.site import build_index
from helpers.report.titles import STUDY_TITLES

EXPORT_STATE = "export_state.json"


def fingerprint_of_files(files: list[Path]) -> str:
    """One sha256 over the names and contents of ``files`` plus the export code."""
    digest = hashlib.sha256()
    for file in [*files, Path(__file__), paths.PROJECT_ROOT / "src" / "helpers" / "export.py"]:
        digest.update(file.name.encode())
        digest.update(file.read_bytes() if file.is_file() else b"missing")
    return digest.hexdigest()


class ExportError(RuntimeError):
    """One or more studies could not be exported: one line per study, the tracebacks in ``build/export_<study>.log``."""

    def __init__(self, failures: dict[str, BaseException], build_dir: Path) -> None:
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
    state_file = build_dir / EXPORT_STATE
    return json.loads(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}


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


def export_one_study(executed: list[Path], reports_dir: Path, study: str, with_logs: bool) -> list[Path]:
    """Export one study (in a worker process); ``with_logs`` also renders the assumptions and data logs."""
    from helpers.report.export import export_study

    exported = export_study(
        executed,
        reports_dir,
        study,
        STUDY_TITLES.get(study, study),
        assumptions_md=paths.ASSUMPTIONS_LOG if with_logs else None,
        data_log_md=paths.DATA_LOG if with_logs else None,
    )
    return list(exported.written)


def export_or_error(executed: list[Path], reports_dir: Path, study: str, with_logs: bool) -> list[Path] | Exception:
    """:func:`export_one_study`, returning the exception instead of raising it (the other studies go on)."""
    try:
        return export_one_study(executed, reports_dir, study, with_logs)
    except Exception as error:  # noqa: BLE001 - reported by export_reports as an ExportError, with its traceback
        return error


def export_reports(steps: list[Any], results: list[Any], locations: Any, *, say: Any = print,
                   jobs: int | None = None) -> list[Path]:
    """Export every study whose executed notebooks or docs changed since its last export, in parallel."""
    state = read_export_state(locations.build)
    documents = [paths.ASSUMPTIONS_LOG, paths.DATA_LOG]
    written: list[Path] = []
    pending: list[tuple[str, list[Path], str]] = []
    for study in sorted({step.study for step in steps}):
        executed = [locations.executed / f"{step.name}.ipynb" for step in steps if step.study == study]
        if not all(path.is_file() for path in executed):
            say(f"export {study}: skipped, not every step of the study has an executed notebook")
            continue
        fingerprint = fingerprint_of_files(executed + documents)
        if is_exported(state.get(study), fingerprint):
            say(f"export {study}: skipped (executed notebooks unchanged)")
            continue
        pending.append((study, executed, fingerprint))
    if pending:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
        last = pending[-1][0]
        for study, _, _ in pending:
            say(f"export {study}: writing reviewer and replicator HTML and the PDF ...")
        arguments = [(executed, locations.reports, study, study == last) for study, executed, _ in pending]
        if workers == 1:
            outcomes: list[list[Path] | BaseException] = [export_or_error(*item) for item in arguments]
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(export_one_study, *item) for item in arguments]
                outcomes = [future.exception() or future.result() for future in futures]
        for (study, executed, fingerprint), files in zip(pending, outcomes, strict=True):
            if isinstance(files, BaseException):
                continue
            written.extend(files)
            outputs = expected_outputs(executed, locations.reports, study)
            state[study] = {"fingerprint": fingerprint, "outputs": [str(path) for path in outputs]}
            write_json(state, locations.build / EXPORT_STATE)
        failures = {study: outcome for (study, _, _), outcome in zip(pending, outcomes, strict=True)
                    if isinstance(outcome, BaseException)}
        if failures:
            # the index still lists what the other studies exported (and the failed study's older reports)
            say(f"wrote {build_index(locations.reports, locations.processed)}")
            raise ExportError(failures, locations.build)
    written.append(build_index(locations.reports, locations.processed))
    say(f"wrote {written[-1]}")
    return written
