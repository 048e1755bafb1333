"""After the notebooks ran: export each study's reports and render the logs, skipping what is unchanged.

For each study the executed notebooks of its steps become reviewer HTML (no code), replicator HTML
(with code) and one PDF (``helpers.export``). The assumptions-and-caveats log and the data log are
rendered next to them, so the links in every report's banner work offline.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from helpers import paths
from helpers.export import export_study, study_report_paths
from helpers.outputs import write_json
from helpers.site import build_index

STUDY_TITLES: dict[str, str] = {
    "oecd2010": "OECD 2010 Survey on Innovation in Public Services: Government at a Glance 2011, Figures 50.1-50.3",
    "eu2008": "2008 five-country citizen survey on co-production (Löffler et al. 2008; Parrado et al. 2013)",
}
EXPORT_STATE = "export_state.json"


def fingerprint_of_files(files: list[Path]) -> str:
    """One sha256 over the names and contents of ``files`` plus the export code."""
    digest = hashlib.sha256()
    for file in [*files, Path(__file__), paths.PROJECT_ROOT / "src" / "helpers" / "export.py"]:
        digest.update(file.name.encode())
        digest.update(file.read_bytes() if file.is_file() else b"missing")
    return digest.hexdigest()


def read_export_state(build_dir: Path) -> dict[str, Any]:
    """Fingerprints of the last successful export per study."""
    state_file = build_dir / EXPORT_STATE
    return json.loads(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}


def expected_outputs(executed: list[Path], reports_dir: Path, study: str) -> list[Path]:
    """The report files a study's export writes (the PDF only when the LaTeX tools exist)."""
    from helpers.export import missing_pdf_tools

    outputs = list(study_report_paths(executed, reports_dir, study).values())
    return [p for p in outputs if p.suffix != ".pdf" or not missing_pdf_tools()]


def export_reports(steps: list[Any], results: list[Any], locations: Any, *, say: Any = print) -> list[Path]:
    """Export every study whose executed notebooks or docs changed since its last export."""
    state = read_export_state(locations.build)
    documents = [paths.ASSUMPTIONS_LOG, paths.DATA_LOG]
    written: list[Path] = []
    studies = sorted({step.study for step in steps})
    for study in studies:
        executed = [locations.executed / f"{step.name}.ipynb" for step in steps if step.study == study]
        if not all(path.is_file() for path in executed):
            say(f"export {study}: skipped, not every step of the study has an executed notebook")
            continue
        fingerprint = fingerprint_of_files(executed + documents)
        outputs = expected_outputs(executed, locations.reports, study)
        if state.get(study) == fingerprint and all(path.is_file() for path in outputs):
            say(f"export {study}: skipped (executed notebooks unchanged)")
            continue
        say(f"export {study}: writing reviewer and replicator HTML and the PDF ...")
        exported = export_study(
            executed,
            locations.reports,
            study,
            STUDY_TITLES.get(study, study),
            assumptions_md=paths.ASSUMPTIONS_LOG,
            data_log_md=paths.DATA_LOG,
        )
        written.extend(exported.written)
        state[study] = fingerprint
        write_json(state, locations.build / EXPORT_STATE)
    written.append(build_index(locations.reports, locations.processed))
    say(f"wrote {written[-1]}")
    return written

