"""Reading ``pipeline.yaml``: its steps, its study-level parameters and the defaults of every step.

Shared by the runner (which builds and runs the steps) and by :mod:`helpers.report.runinfo` (which compares a
run's parameters with these defaults), so both read the file the same way. Nothing here runs a notebook.

A study-level parameter (``studies: <study>: parameters:``) is one value for every step of the study whose
notebook declares it: the confidence level, the weighting scheme, the items of an index. It is set once, so
two steps of a study can never use different values (a step may not set it in its own ``parameters``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from helpers.pipeline.errors import PipelineError

STUDY_KEYS = {"description", "parameters"}


def read_pipeline_file(pipeline_file: Path) -> dict[str, Any]:
    """Parse pipeline.yaml, with a clear error for a missing, unreadable or malformed file."""
    if not pipeline_file.is_file():
        raise PipelineError(f"{pipeline_file}: pipeline file not found.")
    try:
        document = yaml.safe_load(pipeline_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise PipelineError(f"{pipeline_file}: cannot be read ({error.strerror}).") from None
    except yaml.YAMLError as error:
        raise PipelineError(f"{pipeline_file}: not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list) or not document["steps"]:
        raise PipelineError(f"{pipeline_file}: expected a mapping with a non-empty list 'steps'.")
    return document


def substitute_placeholders(value: Any, placeholders: dict[str, str]) -> Any:
    """Replace ``{raw}``-style placeholders in strings (recursively in lists)."""
    if isinstance(value, str):
        for key, replacement in placeholders.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, list):
        return [substitute_placeholders(item, placeholders) for item in value]
    return value


def absolute_path(value: Any, base: Path) -> Any:
    """A path (a string) made absolute against ``base`` when relative, ``~`` expanded, ``..`` folded; other
    values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    return os.path.normpath(base / Path(value).expanduser())


def path_parameter_names(raw_step: dict[str, Any]) -> set[str]:
    """The parameters of a step (as written in pipeline.yaml) that hold paths: its inputs and outputs."""
    return set(raw_step.get("inputs") or ()) | set(raw_step.get("outputs") or ())


def study_parameters(document: dict[str, Any], pipeline_file: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """``{study: {name: value}}`` from the ``studies`` section, and the problems found in it."""
    section = document.get("studies") or {}
    if not isinstance(section, dict):
        return {}, [f"{pipeline_file}: 'studies' must be a mapping of study name to its settings."]
    problems: list[str] = []
    parameters: dict[str, dict[str, Any]] = {}
    for study, settings in section.items():
        where = f"{pipeline_file}: study '{study}'"
        if not isinstance(settings, dict):
            problems.append(f"{where}: expected a mapping with 'parameters'.")
            continue
        unknown = sorted(set(settings) - STUDY_KEYS)
        if unknown:
            problems.append(f"{where}: unknown key(s) {unknown}; allowed: {sorted(STUDY_KEYS)}.")
        values = settings.get("parameters") or {}
        if not isinstance(values, dict):
            problems.append(f"{where}: 'parameters' must be a mapping of name to value.")
            continue
        parameters[str(study)] = dict(values)
    return parameters, problems


def default_parameters(document: dict[str, Any], placeholders: dict[str, str],
                       pipeline_file: Path) -> dict[str, dict[str, Any]]:
    """Per step, the values pipeline.yaml gives: the study's parameters, then the step's own, placeholders filled
    and relative paths made absolute against the pipeline file's folder (as the runner does).

    A step's notebook may not declare every study parameter; looking a name up here is still right, because
    a step only ever receives the study parameters its notebook declares.
    """
    studies, _ = study_parameters(document, Path("pipeline.yaml"))
    defaults: dict[str, dict[str, Any]] = {}
    for raw_step in document.get("steps") or []:
        if not isinstance(raw_step, dict) or "name" not in raw_step:
            continue
        merged = {**studies.get(str(raw_step.get("study", "")), {}), **(raw_step.get("parameters") or {})}
        path_names = path_parameter_names(raw_step)
        values = {name: substitute_placeholders(value, placeholders) for name, value in merged.items()}
        defaults[str(raw_step["name"])] = {
            name: absolute_path(value, pipeline_file.parent) if name in path_names else value
            for name, value in values.items()
        }
    return defaults
