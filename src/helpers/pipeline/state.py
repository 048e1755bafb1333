"""What one run leaves for the next: the run manifest, which steps are out of date, leftovers of a killed run.

The manifest (``build/run_manifest.json``, copied beside the reports) holds one record per step (its
fingerprint, status, outputs' hashes, when it finished) and, under ``run``, the last run as a whole: when it
started and ended, its status (``running`` until it ends, so a killed run is visible as such), the steps
that failed, the steps left out of date, the command's ``--only`` and ``-p``. ``last_successful_run`` keeps
the same for the last run that succeeded. :mod:`helpers.report.runinfo` turns it into what the reports show.

Everything here is a plain function on dictionaries and paths; the runner decides when to call them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from helpers.outputs import write_json

MANIFEST_NAME = "run_manifest.json"
PARTIAL_FILE_PATTERN = ".*.part"
# what helpers.outputs.atomic_path and the runner name their temporary files: tempfile's 8 random characters
PARTIAL_FILE_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
RUN_KEYS_KEPT_ON_SUCCESS = ("started_at", "finished_at", "git_commit", "git_dirty", "git_changed_files", "only",
                            "overrides")


def now_utc() -> str:
    """The current time as an ISO 8601 string in UTC, to the second (for the manifest and the reports)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_manifest(build_dir: Path) -> dict[str, Any]:
    """The previous run manifest, or an empty one (also when it is damaged: then every step reruns)."""
    manifest_file = build_dir / MANIFEST_NAME
    try:
        loaded = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"steps": {}}
    if not isinstance(loaded, dict) or not isinstance(loaded.get("steps"), dict):
        return {"steps": {}}
    return loaded


def write_manifest(build_dir: Path, reports_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest atomically to the build folder and beside the reports; return the first."""
    target = write_json(manifest, build_dir / MANIFEST_NAME)
    write_json(manifest, reports_dir / MANIFEST_NAME)
    return target


def begin_run(manifest: dict[str, Any], *, git: Mapping[str, Any], only: Sequence[str], overrides: Sequence[str],
              placeholders: Mapping[str, str], pipeline_file: Path) -> dict[str, Any]:
    """Record in ``manifest`` that a run has started (status ``running`` until :func:`end_run`)."""
    manifest["run"] = {
        "status": "running",
        "started_at": now_utc(),
        "finished_at": None,
        "git_commit": git.get("git_commit"),
        "git_dirty": git.get("git_dirty"),
        "git_changed_files": list(git.get("git_changed_files") or []),
        "only": list(only),
        "overrides": list(overrides),
        "placeholders": dict(placeholders),
        "pipeline_file": str(pipeline_file),
        "failed_steps": [],
        "failed_exports": [],
        "stale_steps": {},
    }
    return manifest


def end_run(manifest: dict[str, Any], *, status: str, failed_steps: Sequence[str] = (),
            failed_exports: Sequence[str] = (), stale: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Record how the run ended; a successful run also becomes ``last_successful_run``."""
    run = manifest.setdefault("run", {})
    run.update(status=status, finished_at=now_utc(), failed_steps=list(failed_steps),
               failed_exports=list(failed_exports), stale_steps=dict(stale or {}))
    if status == "succeeded":
        manifest["last_successful_run"] = {key: run.get(key) for key in RUN_KEYS_KEPT_ON_SUCCESS}
    return manifest


def remove_partial_files(folders: Iterable[Path]) -> list[Path]:
    """Delete the hidden ``.<name>.<random>.part`` files a killed write left in ``folders`` (recursively).

    Only called while the run lock is held, so no other run of this folder is writing them; only names of the
    form the compendium's writers use (``.<name>.<8 random characters>.part``) are touched.
    """
    removed: list[Path] = []
    for folder in {Path(f) for f in folders}:
        if not folder.is_dir():
            continue
        for leftover in folder.rglob(PARTIAL_FILE_PATTERN):
            if leftover.is_file() and PARTIAL_FILE_NAME.match(leftover.name):
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    return sorted(removed)


# ----------------------------------------------------------------------------------------------
# Which steps are out of date
# ----------------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def own_stale_reasons(record: Mapping[str, Any] | None, fingerprint: Mapping[str, Any], *,
                      study_parameters: Iterable[str], compare_study_parameters: bool,
                      outputs_intact: bool, executed_intact: bool) -> list[str]:
    """Why a step that did not run in this run no longer matches what it was built from (empty: it does, or it
    never ran in this folder).

    ``fingerprint`` is what the step would run with now (see the runner's ``step_fingerprint``). Its own
    parameters are compared only for the study-level ones, and only when ``compare_study_parameters`` (some
    step of its study ran in this run, so the study's value is this run's).
    """
    if not record:
        return []  # never ran here: no result of it is shown, so none can be out of date
    status = record.get("status")
    if status != "succeeded":
        return ["its last run was interrupted" if status == "running" else f"its last run {status}"]
    reasons: list[str] = []
    if record.get("notebook_sha256") != fingerprint.get("notebook_sha256"):
        reasons.append("its notebook changed since it ran")
    if record.get("code_sha256") != fingerprint.get("code_sha256"):
        reasons.append("the helper code changed since it ran")
    recorded_inputs = record.get("inputs_sha256") or {}
    changed = [name for name, digest in (fingerprint.get("inputs_sha256") or {}).items()
               if recorded_inputs.get(name) != digest]
    if changed:
        reasons.append(f"its input {', '.join(changed)} changed since it ran")
    if compare_study_parameters:
        recorded_parameters = record.get("parameters") or {}
        for name in sorted(study_parameters):
            now = (fingerprint.get("parameters") or {}).get(name)
            if name in recorded_parameters and recorded_parameters[name] != now:
                reasons.append(f"it ran with {name} = {_shown(recorded_parameters[name])}, the study now uses "
                               f"{_shown(now)}")
    if not outputs_intact:
        reasons.append("its outputs changed or are missing since it ran")
    if not executed_intact:
        reasons.append("its executed notebook is missing or changed")
    return reasons


def propagate_staleness(order: Sequence[str], needs: Mapping[str, Sequence[str]],
                        own: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Every stale step with one readable reason: its own, or the first step it needs that is stale.

    ``order`` lists the steps so that a step comes after the steps it needs (pipeline order does).
    """
    stale: dict[str, str] = {}
    for name in order:
        if own.get(name):
            stale[name] = "; ".join(own[name])
            continue
        upstream = [needed for needed in needs.get(name, ()) if needed in stale]
        if upstream:
            stale[name] = f"it was built from {upstream[0]}, which is out of date"
    return stale
