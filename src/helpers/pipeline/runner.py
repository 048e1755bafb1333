"""Run the compendium's notebooks in order, as declared in ``pipeline.yaml``.

Usage::

    python -m helpers.pipeline plan                  # what would run: steps, inputs, outputs
    python -m helpers.pipeline run                   # run every step (skips unchanged ones)
    python -m helpers.pipeline run --only oecd2010_figures -p confidence_level=0.9
    python -m helpers.pipeline run -p eu2008.weighting=unweighted      # a study-level parameter
    python -m helpers.pipeline run --out /tmp/try -p oecd2010_clean.respondent_file=/data/real.csv

Each step is a notebook executed with papermill (kernel ``python3``) into ``build/executed/``.
Parameters given with ``-p`` are checked against each notebook's ``parameters`` cell before anything
runs (papermill itself only warns about unknown names). A parameter listed under ``studies:`` in
pipeline.yaml has one value for the whole study (every step of the study whose notebook declares it gets
it), so the steps of a study cannot disagree on it; a relative path given with ``-p`` is resolved against
the directory the command was run in. The dependency graph comes from the steps' ``needs`` lists and is
ordered by the standard library's :mod:`graphlib`; independent steps run in parallel processes, bounded by
the number of cores.

Run integrity: a step's executed notebook is written to a hidden temporary file and renamed into place only
when the notebook finished; a step is recorded as succeeded only after that and after its outputs are
hashed, and it is marked ``running`` in the manifest while it runs, so a killed run is never taken for a
finished one. A step whose outputs or executed notebook no longer match the manifest is rerun. Workers and
their kernels end with the runner (:mod:`helpers.pipeline.workers`); the leftovers of a killed write are
removed by the next run. Steps that ``--only`` left out of date are named, in the manifest and on every
report (:mod:`helpers.pipeline.state`, :mod:`helpers.report.runinfo`).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

from helpers import paths
from helpers.pipeline import state
from helpers.pipeline.choices import combination_problems, value_problem
from helpers.pipeline.errors import PipelineError
from helpers.pipeline.spec import (
    absolute_path,
    path_parameter_names,
    read_pipeline_file,
    study_parameters,
    substitute_placeholders,
)

KERNEL_NAME = "python3"
KERNEL_START_TIMEOUT = 180  # seconds; papermill's 60 can pass on a loaded machine with kernels starting at once
STEP_KEYS = {"name", "notebook", "study", "description", "parameters", "inputs", "outputs", "needs"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
MANIFEST_NAME = state.MANIFEST_NAME
TRACKED_PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "pingouin", "svy", "pandera")
__all__ = ["read_pipeline_file", "substitute_placeholders"]  # re-exported from helpers.pipeline.spec


class Interrupted(Exception):
    """The run was stopped by SIGTERM or Ctrl-C."""


@dataclass(frozen=True)
class Step:
    """One notebook of the pipeline with its parameters and the parameters naming its inputs and outputs."""

    name: str
    notebook: Path
    study: str
    description: str
    parameters: dict[str, Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    needs: tuple[str, ...]
    study_parameters: tuple[str, ...] = ()  # the study-level parameters this step receives


@dataclass(frozen=True)
class Locations:
    """Where a run reads and writes: raw data is always the project's; the rest may go elsewhere."""

    root: Path
    out: Path

    @property
    def processed(self) -> Path:
        return self.out / "data" / "processed"

    @property
    def reports(self) -> Path:
        return self.out / "reports"

    @property
    def build(self) -> Path:
        return self.out / "build"

    @property
    def executed(self) -> Path:
        return self.build / "executed"

    def placeholders(self) -> dict[str, str]:
        """Values for ``{root}``, ``{raw}``, ``{processed}``, ``{reports}``, ``{build}`` in pipeline.yaml."""
        return {
            "root": str(self.root),
            "raw": str(self.root / "data" / "raw"),
            "processed": str(self.processed),
            "reports": str(self.reports),
            "build": str(self.build),
        }


@dataclass
class StepResult:
    """What happened to one step (the manifest entry is built from it by :func:`record_for`)."""

    name: str
    status: str  # "succeeded", "failed", "skipped"
    duration_seconds: float = 0.0
    executed_notebook: str = ""
    message: str = ""
    kernel_attempts: int = 0  # kernel starts it took (more than 1: a kernel died at start and was retried)


# ----------------------------------------------------------------------------------------------
# Reading and checking the pipeline file
# ----------------------------------------------------------------------------------------------


PARAMETER_CACHE_NAME = "notebook_parameters.json"
_parameter_cache: dict[str, Any] = {"file": None, "entries": {}, "changed": False}


def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The names, inferred types and defaults in a notebook's ``parameters`` cell (papermill's inspection).

    Cached by the notebook's sha256 and papermill's version (in memory, and in
    ``build/notebook_parameters.json`` once :func:`use_parameter_cache` named it), because importing
    papermill alone takes seconds: a run with nothing to do then does not import it at all.
    """
    key = f"{hashlib.sha256(notebook.read_bytes()).hexdigest()} papermill {_papermill_version()}"
    entries = _parameter_cache["entries"]
    cached = entries.get(str(notebook))
    if isinstance(cached, dict) and cached.get("key") == key and isinstance(cached.get("parameters"), dict):
        return json.loads(json.dumps(cached["parameters"]))
    import papermill

    parameters = papermill.inspect_notebook(str(notebook))
    try:
        entries[str(notebook)] = {"key": key, "parameters": json.loads(json.dumps(parameters))}
        _parameter_cache["changed"] = True
    except (TypeError, ValueError):  # not plain JSON: inspect again next time
        entries.pop(str(notebook), None)
    return parameters


def _papermill_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("papermill")
    except PackageNotFoundError:
        return "not installed"


def use_parameter_cache(cache_file: Path) -> None:
    """Read the cached notebook inspections from ``cache_file`` (a missing or damaged file is an empty cache)."""
    entries: dict[str, Any] = {}
    if cache_file.is_file():
        try:
            loaded = json.loads(cache_file.read_text(encoding="utf-8"))
            entries = loaded if isinstance(loaded, dict) else {}
        except (OSError, json.JSONDecodeError):
            entries = {}
    _parameter_cache.update(file=cache_file, entries=entries, changed=False)


def save_parameter_cache() -> None:
    """Write the cache back when an inspection was added (atomically)."""
    if _parameter_cache["file"] is not None and _parameter_cache["changed"]:
        from helpers.outputs import write_json

        write_json(_parameter_cache["entries"], _parameter_cache["file"])
        _parameter_cache["changed"] = False


def steps_from_document(document: dict[str, Any], pipeline_file: Path, locations: Locations) -> list[Step]:
    """Build the steps, collecting every problem in the file before raising.

    A relative path in an input or output parameter is taken relative to the pipeline file's folder.
    """
    problems: list[str] = []
    steps: list[Step] = []
    placeholders = locations.placeholders()
    for position, raw_step in enumerate(document["steps"], start=1):
        where = f"{pipeline_file}: step {position}"
        if not isinstance(raw_step, dict) or "name" not in raw_step or "notebook" not in raw_step:
            problems.append(f"{where}: each step needs at least 'name' and 'notebook'.")
            continue
        where = f"{pipeline_file}: step '{raw_step['name']}'"
        unknown_keys = sorted(set(raw_step) - STEP_KEYS)
        if unknown_keys:
            problems.append(f"{where}: unknown key(s) {unknown_keys}; allowed: {sorted(STEP_KEYS)}.")
        notebook = locations.root / raw_step["notebook"]
        if not notebook.is_file():
            problems.append(f"{where}: notebook {raw_step['notebook']} not found.")
        path_names = path_parameter_names(raw_step)
        parameters = {}
        for name, value in (raw_step.get("parameters") or {}).items():
            value = substitute_placeholders(value, placeholders)
            parameters[name] = absolute_path(value, pipeline_file.parent) if name in path_names else value
        steps.append(
            Step(
                name=str(raw_step["name"]),
                notebook=notebook,
                study=str(raw_step.get("study", "")),
                description=str(raw_step.get("description", "")),
                parameters=parameters,
                inputs=tuple(raw_step.get("inputs") or ()),
                outputs=tuple(raw_step.get("outputs") or ()),
                needs=tuple(raw_step.get("needs") or ()),
            )
        )
    problems.extend(structural_problems(steps, pipeline_file))
    if problems:
        raise PipelineError(problems)
    return steps


def structural_problems(steps: list[Step], pipeline_file: Path) -> list[str]:
    """Duplicate names, unknown ``needs``, inputs/outputs that are not parameters, cycles."""
    problems: list[str] = []
    names = [step.name for step in steps]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{pipeline_file}: step name '{name}' is used more than once.")
    for study in sorted({step.study for step in steps} & set(names)):
        problems.append(f"{pipeline_file}: '{study}' names both a study and a step; -p {study}.NAME would be ambiguous.")
    for step in steps:
        for needed in step.needs:
            if needed not in names:
                problems.append(f"{pipeline_file}: step '{step.name}' needs unknown step '{needed}'.")
        for role, names_of_paths in (("inputs", step.inputs), ("outputs", step.outputs)):
            for parameter in names_of_paths:
                if parameter not in step.parameters:
                    problems.append(
                        f"{pipeline_file}: step '{step.name}' lists '{parameter}' under {role}, "
                        "but it is not one of the step's parameters."
                    )
    if not problems:
        try:
            TopologicalSorter({s.name: set(s.needs) for s in steps}).prepare()
        except CycleError as error:
            problems.append(f"{pipeline_file}: the 'needs' lists form a cycle: {error.args[1]}")
    return problems


def notebook_parameter_problems(steps: list[Step]) -> list[str]:
    """Pipeline parameters that a step's notebook does not declare in its ``parameters`` cell."""
    problems: list[str] = []
    for step in steps:
        declared = notebook_parameters(step.notebook)
        if not declared:
            problems.append(f"{step.notebook}: no cell tagged 'parameters'.")
            continue
        for name in step.parameters:
            if name not in declared:
                problems.append(
                    f"pipeline.yaml: step '{step.name}' sets '{name}', which {step.notebook.name} does not declare "
                    f"(declared: {', '.join(sorted(declared))})."
                )
    return problems


def with_study_parameters(steps: list[Step], studies: dict[str, dict[str, Any]], pipeline_file: Path,
                          placeholders: dict[str, str]) -> list[Step]:
    """Give each step the study-level parameters its notebook declares; refuse a step that sets one itself,
    a study no step belongs to, and a study parameter no notebook of the study declares."""
    problems: list[str] = []
    known_studies = {step.study for step in steps}
    for study in sorted(set(studies) - known_studies):
        problems.append(f"{pipeline_file}: 'studies' names '{study}', but no step belongs to it "
                        f"(studies of the steps: {', '.join(sorted(known_studies))}).")
    updated: list[Step] = []
    for step in steps:
        shared = studies.get(step.study, {})
        for name in sorted(set(shared) & set(step.parameters)):
            problems.append(f"{pipeline_file}: step '{step.name}' sets '{name}', which is set once for the whole "
                            f"study under studies: {step.study}: parameters (remove it from the step).")
        declared = notebook_parameters(step.notebook)
        received = tuple(sorted(name for name in shared if name in declared))
        values = {name: substitute_placeholders(shared[name], placeholders) for name in received}
        updated.append(replace(step, parameters={**values, **step.parameters}, study_parameters=received))
    for study, shared in studies.items():
        for name in sorted(shared):
            if study in known_studies and not any(name in s.study_parameters for s in updated if s.study == study):
                problems.append(f"{pipeline_file}: study '{study}' sets '{name}', which no notebook of the study "
                                "declares.")
    if problems:
        raise PipelineError(problems)
    return updated


def load_pipeline(pipeline_file: Path, locations: Locations) -> list[Step]:
    """Read pipeline.yaml, substitute placeholders, add the study-level parameters and check it all against
    the notebooks."""
    document = read_pipeline_file(pipeline_file)
    steps = steps_from_document(document, pipeline_file, locations)
    studies, problems = study_parameters(document, pipeline_file)
    problems += notebook_parameter_problems(steps)
    if problems:
        raise PipelineError(problems)
    return with_study_parameters(steps, studies, pipeline_file, locations.placeholders())


# ----------------------------------------------------------------------------------------------
# Parameters given on the command line
# ----------------------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[str | None, str, Any]:
    """Split ``step.name=value`` or ``name=value``; the value is read as YAML (so 7 is an int, true a bool), and
    a value YAML cannot read, or reads as empty although something was written (``,``, ``|``), as the text itself
    (so ``-p delimiter=,`` is the comma)."""
    if "=" not in text:
        raise PipelineError(f"-p {text!r}: expected name=value or step.name=value.")
    key, raw_value = text.split("=", 1)
    step_name, _, name = key.rpartition(".")
    return (step_name or None), name.strip(), yaml_value(raw_value)


YAML_EMPTY_WORDS: frozenset[str] = frozenset({"null", "Null", "NULL", "~", '""', "''"})
"""What YAML reads as empty or null on purpose; other text it reads so (``|``, ``#``) is kept as written."""


def yaml_value(raw_value: str) -> Any:
    """``raw_value`` read as YAML; the text itself when YAML cannot read it or reads written text as empty."""
    if not raw_value.strip():
        return ""
    try:
        value = yaml.safe_load(raw_value)
    except Exception:  # noqa: BLE001 - YAML fails in several ways (a bad tag raises KeyError or IndexError)
        return raw_value
    if value in ("", None) and raw_value.strip() not in YAML_EMPTY_WORDS:
        return raw_value
    return value


def value_read_as(parsed: Any, raw_value: str, type_name: str) -> Any:
    """A ``-p`` value as the notebook declares it: a text parameter takes the text as written unless quoted (so
    ``data/raw/my #2.csv`` keeps what YAML would read as a comment), a number the number Python reads
    (``1e-3``, which YAML reads as text); anything else as YAML read it."""
    base = (type_name or "").replace(" ", "").split("[", 1)[0]
    text = raw_value.strip()
    if base == "str" and text and text[0] not in "\"'":
        return text
    if base in ("int", "float") and isinstance(parsed, str):
        try:
            return int(text) if base == "int" else float(text)
        except ValueError:
            return parsed
    return parsed


def mapping_hint(raw_value: str, name: str) -> str:
    """Why a ``-p`` value is not a mapping (YAML's reason), and how to write one."""
    try:
        yaml.safe_load(raw_value)
        reason = ""
    except Exception as error:  # noqa: BLE001 - YAML fails in several ways
        reason = " ".join(str(error).split("\n")[0].split())
    why = f" (YAML could not read it: {reason})" if reason else ""
    return f"{why}; write a mapping as -p '{name}={{COLUMN: {{old: new}}}}'"


def value_matches_type(value: Any, type_name: str) -> bool:
    """Whether an override fits the type papermill inferred for the notebook parameter."""
    type_name = (type_name or "None").replace(" ", "")
    if type_name in {"None", "Any", ""} or "|" in type_name or "Optional" in type_name:
        return True
    checks = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
        "str": lambda v: isinstance(v, str),
        "list": lambda v: isinstance(v, list),
        "dict": lambda v: isinstance(v, dict),
    }
    base = type_name.split("[", 1)[0]
    return checks.get(base, lambda v: True)(value)


def override_targets(steps: list[Step], declared: dict[str, dict[str, Any]], scope: str | None,
                     name: str) -> tuple[list[str], str | None]:
    """The steps a ``-p [scope.]name=value`` sets, and a note (with ``{}`` for the option) when a step scope widens
    to its study.

    ``scope`` is None (every step declaring ``name``), a study (its steps declaring ``name``) or a step. A
    study-level parameter named with a step sets it for the step's whole study, so a study's steps never
    disagree on it.
    """
    by_name = {step.name: step for step in steps}
    if scope is None:
        return [s.name for s in steps if name in declared[s.name]], None
    study = by_name[scope].study if scope in by_name else None
    if study is not None and any(name in s.study_parameters for s in steps if s.study == study):
        targets = [s.name for s in steps if s.study == study and name in s.study_parameters]
        return targets, f"note: '{name}' is set once for the whole study {study}; -p {{}} sets it for {', '.join(targets)}."
    if scope in by_name:
        return ([scope] if name in declared[scope] else []), None
    return [s.name for s in steps if s.study == scope and name in declared[s.name]], None


def apply_overrides(steps: list[Step], overrides: list[str], notes: list[str] | None = None,
                    base: Path | None = None) -> list[Step]:
    """Set ``-p`` values on the steps whose notebooks declare them; refuse unknown names and wrong types.

    ``-p name=value`` sets every step declaring ``name``, ``-p study.name=value`` the steps of one study,
    ``-p step.name=value`` one step (or, for a study-level parameter, its study: a line is added to
    ``notes``). A relative path given for an input or output is made absolute against ``base`` (default:
    the current directory), so the file that is checked and hashed is the one the notebook opens.
    """
    problems: list[str] = []
    declared = {step.name: notebook_parameters(step.notebook) for step in steps}
    studies = {step.study for step in steps if step.study}
    paths_of = {step.name: set(step.inputs) | set(step.outputs) for step in steps}
    updated = {step.name: dict(step.parameters) for step in steps}
    for text in overrides:
        try:
            scope, name, value = parse_override(text)
        except PipelineError as error:
            problems.extend(error.problems)
            continue
        if scope is not None and scope not in declared and scope not in studies:
            close = difflib.get_close_matches(scope, [*declared, *sorted(studies)], n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"-p {text}: unknown step '{scope}' (no study has that name either).{hint}")
            continue
        targets, note = override_targets(steps, declared, scope, name)
        if not targets:
            every_name = sorted({n for names in declared.values() for n in names})
            close = difflib.get_close_matches(name, every_name, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            where = "any step" if scope is None else f"step '{scope}'" if scope in declared else f"study '{scope}'"
            problems.append(f"-p {text}: unknown parameter '{name}' for {where}.{hint}")
            continue
        if note and notes is not None:
            notes.append(note.format(text))
        for target in targets:
            type_name = declared[target][name].get("inferred_type_name", "None")
            written = text.split("=", 1)[1]
            typed = value_read_as(value, written, type_name)
            if not value_matches_type(typed, type_name):
                hint = mapping_hint(written, name) if type_name.startswith("dict") else ""
                problems.append(f"-p {text}: step '{target}' expects {type_name} for '{name}', got {typed!r}{hint}.")
            in_place = name in paths_of[target]
            updated[target][name] = absolute_path(typed, base or Path.cwd()) if in_place else typed
    problems += study_disagreements(steps, updated)
    if problems:
        raise PipelineError(problems)
    return [replace(step, parameters=updated[step.name]) for step in steps]


def study_disagreements(steps: list[Step], parameters: dict[str, dict[str, Any]]) -> list[str]:
    """Study-level parameters whose value differs between two steps of the study (checked before running)."""
    problems: list[str] = []
    for study in sorted({step.study for step in steps}):
        members = [step for step in steps if step.study == study]
        for name in sorted({n for step in members for n in step.study_parameters}):
            values = {step.name: parameters[step.name].get(name) for step in members if name in step.study_parameters}
            if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
                listed = ", ".join(f"{step} = {value!r}" for step, value in values.items())
                problems.append(f"study '{study}': its steps disagree on '{name}' ({listed}); set it once with "
                                f"-p {study}.{name}=VALUE.")
    return problems


def notebook_default(declaration: dict[str, Any]) -> tuple[bool, Any]:
    """Whether a notebook parameter's default (papermill's ``default``, source text) is a plain literal, and its
    value (``"responses"`` -> 'responses'; ``str(paths.X)`` is not a literal)."""
    try:
        return True, ast.literal_eval(str(declaration.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def parameter_value_problems(loaded: list[Step], steps: list[Step], pipeline_name: str = "pipeline.yaml") -> list[str]:
    """Every parameter value a notebook would refuse (:func:`helpers.pipeline.choices.value_problem`) and every
    step's values that do not fit together (:func:`~helpers.pipeline.choices.combination_problems`), found before
    anything runs: the values ``steps`` carry (pipeline.yaml with the ``-p`` values) and the literal defaults of the
    notebooks' ``parameters`` cells. ``loaded`` (pipeline.yaml alone) tells which values came from ``-p``.
    One line per wrong value, naming where it was set and the steps that would receive it."""
    before = {step.name: step.parameters for step in loaded}
    found: dict[tuple[str, str, str, str], list[str]] = {}
    combinations: list[str] = []
    for step in steps:
        values: dict[str, tuple[Any, str]] = {}
        for name, declaration in notebook_parameters(step.notebook).items():
            literal, default = notebook_default(declaration)
            if literal:
                values[name] = (default, f"the parameters cell of {step.notebook.name}")
        for name, value in step.parameters.items():
            changed = name not in before.get(step.name, {}) or before[step.name][name] != value
            values[name] = (value, "-p" if changed else pipeline_name)
        for name, (value, source) in values.items():
            problem = value_problem(name, value)
            if problem:
                found.setdefault((name, repr(value), source, problem), []).append(step.name)
        combinations += [f"step {step.name}: {problem}." for problem in
                         combination_problems({name: value for name, (value, _) in values.items()})]
    return [f"{name} = {value} ({'given with -p' if source == '-p' else 'set in ' + source}) {problem}; it would "
            f"reach step(s) {', '.join(names)}." for (name, value, source, problem), names in found.items()] + combinations


def select_steps(steps: list[Step], only: list[str]) -> list[Step]:
    """Keep the steps named with ``--only`` (in pipeline order)."""
    if not only:
        return steps
    names = [step.name for step in steps]
    unknown = [name for name in only if name not in names]
    if unknown:
        raise PipelineError([f"--only {name}: unknown step; steps are {', '.join(names)}." for name in unknown])
    return [step for step in steps if step.name in only]


# ----------------------------------------------------------------------------------------------
# Hashing, manifest and skipping unchanged steps
# ----------------------------------------------------------------------------------------------


def sha256_of_path(path: Path) -> str | None:
    """sha256 of a file, or of a folder's files (names and contents, sorted); None when missing."""
    from helpers.data.datapackage import sha256_of_file

    if path.is_file():
        return sha256_of_file(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            digest.update(str(child.relative_to(path)).encode())
            digest.update(sha256_of_file(child).encode())
        return digest.hexdigest()
    return None


def code_fingerprint(root: Path) -> str:
    """One hash over the helper package's source: a change in the logic reruns every step."""
    digest = hashlib.sha256()
    for source in sorted((root / "src" / "helpers").rglob("*")):
        if source.is_file() and source.suffix in {".py", ".tpl", ".j2", ".css", ".json"}:
            digest.update(str(source.relative_to(root)).encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()


def step_fingerprint(step: Step, code_hash: str) -> dict[str, Any]:
    """What decides whether a step must rerun: notebook, parameters, inputs and helper code."""
    return {
        "notebook_sha256": sha256_of_path(step.notebook),
        "parameters": step.parameters,
        "inputs_sha256": {name: sha256_of_path(Path(step.parameters[name])) for name in step.inputs},
        "code_sha256": code_hash,
    }


def read_manifest(locations: Locations) -> dict[str, Any]:
    """The previous run manifest, or an empty one."""
    return state.read_manifest(locations.build)


def outputs_unchanged(step: Step, record: dict[str, Any]) -> bool:
    """Every output still exists with the hash the last successful run recorded."""
    recorded = record.get("outputs_sha256", {})
    return all(
        recorded.get(name) is not None and sha256_of_path(Path(step.parameters[name])) == recorded.get(name)
        for name in step.outputs
    )


def executed_unchanged(record: dict[str, Any], executed: Path | None) -> bool:
    """The executed notebook is there, whole, with the hash recorded when the step succeeded."""
    if executed is None:
        return True
    recorded = record.get("executed_sha256")
    return recorded is not None and sha256_of_path(executed) == recorded


def is_up_to_date(step: Step, fingerprint: dict[str, Any], manifest: dict[str, Any],
                  executed: Path | None = None) -> bool:
    """A step is skipped when its last run succeeded with the same fingerprint, intact outputs and (when
    ``executed`` is given) the same executed notebook."""
    record = manifest.get("steps", {}).get(step.name)
    if not record or record.get("status") != "succeeded":
        return False
    same = all(record.get(key) == value for key, value in fingerprint.items())
    return same and outputs_unchanged(step, record) and executed_unchanged(record, executed)


def git_state(root: Path) -> dict[str, Any]:
    """The commit, whether the work tree has uncommitted changes (None outside git) and the tracked files that
    differ from the commit (shown on every report of the run: its numbers come from the edited files)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, errors="replace",
                                  timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    # -z: names as they are (git quotes other names); --relative: relative to the project, also inside a larger repo
    listed = (git("diff", "--name-only", "--relative", "-z", "HEAD") or "") if status else ""
    changed = [name for name in listed.split("\0") if name and not same_notebook_code(root, name, git)]
    return {"git_commit": commit or "unknown", "git_dirty": None if status is None else bool(status),
            "git_changed_files": sorted(changed)}


def notebook_code(text: str | None) -> list[str] | None:
    """The source of a notebook's code cells (None when ``text`` is not a notebook)."""
    try:
        cells = json.loads(text or "")["cells"]
        return ["".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])
                for cell in cells if cell.get("cell_type") == "code"]
    except (ValueError, TypeError, KeyError):
        return None


def same_notebook_code(root: Path, name: str, git: Any) -> bool:
    """Whether ``name`` is a notebook whose code cells are those of the commit (only outputs, say, or a markdown
    cell changed: what it computes did not)."""
    if not name.endswith(".ipynb"):
        return False
    try:
        current = (root / name).read_text(encoding="utf-8")
    except (OSError, ValueError):  # unreadable, or not UTF-8: counted as edited
        return False
    committed = notebook_code(git("show", f"HEAD:./{name}"))
    return committed is not None and committed == notebook_code(current)


def files_used_by(step: Step, changed: list[str], root: Path) -> list[str]:
    """The changed files (relative to ``root``) that ``step`` computes with: its notebook, the helpers under
    ``src/``, ``pipeline.yaml``, the raw data package (which tells synthetic files) and its input files (or
    files inside its input folders)."""
    real_root = root.resolve()

    def relative_to_root(path: Path | str) -> str | None:
        resolved = Path(path).resolve()  # through symbolic links, as the root
        return resolved.relative_to(real_root).as_posix() if resolved.is_relative_to(real_root) else None

    inputs = [relative_to_root(step.parameters[name]) for name in step.inputs if name in step.parameters]
    own = {relative_to_root(step.notebook), "pipeline.yaml", "data/raw/datapackage.json"}
    return [name for name in changed if name in own or name.startswith("src/")
            or any(item and (name == item or name.startswith(item.rstrip("/") + "/")) for item in inputs)]


def environment_record() -> dict[str, Any]:
    """Python and package versions for the manifest."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str] = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return {"python": platform.python_version(), "packages": versions}


# ----------------------------------------------------------------------------------------------
# Executing a step
# ----------------------------------------------------------------------------------------------


def failing_source_line(source: str, traceback_lines: list[str]) -> str:
    """The line of the failing cell that raised, from IPython's 'Cell In[n], line k' marker."""
    plain = ANSI_ESCAPE.sub("", "\n".join(traceback_lines))
    matches = CELL_LINE.findall(plain)
    lines = source.splitlines()
    if matches:
        number = int(matches[0])
        if 1 <= number <= len(lines):
            return f"line {number}: {lines[number - 1].strip()}"
    return lines[-1].strip() if lines else ""


def failed_notebook_path(executed_notebook: Path) -> Path:
    """Where the executed notebook of a failed step is kept (``<step>.failed.ipynb``), beside the last good one."""
    return executed_notebook.with_name(f"{executed_notebook.stem}.failed.ipynb")


def hidden_temporary_path(target: Path) -> Path:
    """A new, empty hidden ``.<name>.<random>.part`` file beside ``target`` (removed by the next run if left)."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)
    return Path(name)


def execute_notebook_with_retries(step: Step, output: Path, cwd: Path, attempts: int) -> int:
    """papermill on ``step`` into ``output``; a kernel that dies before it answers is started again, up to
    ``attempts`` times in all. Returns the number of attempts used; raises the last error otherwise."""
    import random

    import papermill

    from helpers.pipeline.workers import is_kernel_start_failure, kernel_transport_options

    for attempt in range(1, attempts + 1):
        try:
            papermill.execute_notebook(
                str(step.notebook),
                str(output),
                parameters=step.parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                cwd=str(cwd),
                start_timeout=KERNEL_START_TIMEOUT,
                **kernel_transport_options(),
            )
            return attempt
        except Exception as error:
            if attempt == attempts or not is_kernel_start_failure(error):
                raise
            print(f"kernel start failed ({type(error).__name__}: {error}); starting it again "
                  f"(attempt {attempt + 1} of {attempts})", flush=True)
            time.sleep(random.uniform(0.5, 2.0) * attempt)
    return attempts


def execute_step(step: Step, executed_notebook: Path, cwd: Path, attempts: int | None = None) -> StepResult:
    """Run one notebook with papermill, whole or not at all.

    papermill saves the notebook after every cell, so it writes to a hidden temporary file; only a notebook
    that ran to the end is renamed to ``executed_notebook``. A failed one is kept as ``<step>.failed.ipynb``
    (the message says where it broke); the last good executed notebook is left as it was.
    """
    from papermill.exceptions import PapermillExecutionError

    from helpers.pipeline.workers import KERNEL_START_ATTEMPTS

    started = time.perf_counter()
    temporary = hidden_temporary_path(executed_notebook)
    failed_copy = failed_notebook_path(executed_notebook)
    try:
        used = execute_notebook_with_retries(step, temporary, cwd, attempts or KERNEL_START_ATTEMPTS)
    except PapermillExecutionError as error:
        keep_failed_notebook(temporary, failed_copy)
        line = failing_source_line(error.source, error.traceback)
        message = (
            f"step '{step.name}' failed in cell {error.cell_index} ({line})\n"
            f"  {error.ename}: {textwrap.indent(str(error.evalue), '    ').lstrip()}\n"
            f"  executed notebook kept at {failed_copy}"
        )
        return StepResult(step.name, "failed", time.perf_counter() - started, str(failed_copy), message)
    except Exception as error:  # kernel died, notebook unreadable, ...
        keep_failed_notebook(temporary, failed_copy)
        message = f"step '{step.name}' could not run: {type(error).__name__}: {error}"
        return StepResult(step.name, "failed", time.perf_counter() - started, str(failed_copy), message)
    os.chmod(temporary, 0o644)
    os.replace(temporary, executed_notebook)
    failed_copy.unlink(missing_ok=True)
    return StepResult(step.name, "succeeded", time.perf_counter() - started, str(executed_notebook),
                      kernel_attempts=used)


def keep_failed_notebook(temporary: Path, failed_copy: Path) -> None:
    """Move what papermill wrote of a failed run to ``failed_copy`` (or drop an empty temporary file)."""
    if temporary.is_file() and temporary.stat().st_size > 0:
        os.chmod(temporary, 0o644)
        os.replace(temporary, failed_copy)
    else:
        temporary.unlink(missing_ok=True)


def _import_papermill_before_forking() -> None:
    """Import papermill (and nbformat) in this process before the first step is handed to a worker.

    The workers are forked when the first step is submitted and inherit what is imported here, so
    papermill is imported once rather than once per worker (seconds each); the export that follows reuses
    it too. A run that skips every step never gets here and never imports it.
    """
    import papermill  # noqa: F401


def run_step_in_worker(step: Step, executed_notebook: Path, cwd: Path) -> StepResult:
    """Entry point for a worker process: the kernel's own log lines go to ``<step>.log``, not the terminal.

    The kernel is a child of this worker and inherits its standard output and error, so both are pointed
    at a log file beside the executed notebook; the step's result and any error come back as a value.
    """
    log_file = executed_notebook.with_suffix(".log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w", encoding="utf-8") as log:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            return execute_step(step, executed_notebook, cwd)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def relative(path: Path | str, root: Path) -> str:
    """Show a path relative to the project when it lies inside it."""
    path = Path(path)
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def verify_raw_inputs(steps: list[Step]) -> list[str]:
    """Checksum every input that lies in data/raw; files elsewhere (a user's real data) are only hashed."""
    from helpers.data.datapackage import ChecksumError, is_raw_file, verify_raw_file

    problems: list[str] = []
    seen: set[Path] = set()
    for step in steps:
        for name in step.inputs:
            path = Path(step.parameters[name])
            if path in seen or not is_raw_file(path):
                continue
            seen.add(path)
            try:
                verify_raw_file(path)
            except ChecksumError as error:
                problems.append(str(error))
    return problems


def missing_inputs(steps: list[Step], will_produce: set[Path]) -> list[str]:
    """Inputs that neither exist nor are produced by an earlier step of this run, a folder given for a
    ``*_file`` input, and input files this user may not read (named before anything runs or is hashed)."""
    problems = []
    for step in steps:
        for name in step.inputs:
            path = Path(step.parameters[name])
            if not path.exists() and path not in will_produce:
                problems.append(f"step '{step.name}': input '{name}' = {path} does not exist.")
            elif name.endswith("_file") and path.is_dir():
                problems.append(f"step '{step.name}': input '{name}' = {path} is a folder, not a file; give the "
                                "path of the file itself.")
            elif path.is_file() and not _readable(path):
                problems.append(f"step '{step.name}': input '{name}' = {path} cannot be read: permission denied "
                                "(the file's permissions do not let this user read it).")
    return problems


def _readable(path: Path) -> bool:
    """Whether this process can open ``path`` for reading (root without its override capabilities too)."""
    try:
        with open(path, "rb"):
            return True
    except PermissionError:
        return False
    except OSError:
        return True  # another problem: the step's reader names it


def record_for(step: Step, result: StepResult, fingerprint: dict[str, Any], git: dict[str, Any],
               root: Path) -> dict[str, Any]:
    """The manifest entry of one finished step: written only after its notebook is complete and its outputs
    hashed, so a step recorded as succeeded has every output the notebook wrote."""
    executed = Path(result.executed_notebook) if result.status == "succeeded" else None
    return {
        **fingerprint,
        "status": result.status,
        "notebook": str(step.notebook.name),
        "study": step.study,
        "executed_notebook": result.executed_notebook,
        "executed_sha256": sha256_of_path(executed) if executed else None,
        "outputs_sha256": {name: sha256_of_path(Path(step.parameters[name])) for name in step.outputs},
        "duration_seconds": round(result.duration_seconds, 2),
        "finished_at": state.now_utc(),
        "kernel_attempts": result.kernel_attempts,
        **git,
        "git_changed_files": files_used_by(step, list(git.get("git_changed_files") or []), root),
        **environment_record(),
    }


def running_record(previous: dict[str, Any] | None, step: Step) -> dict[str, Any]:
    """The manifest entry of a step while it runs: never 'succeeded', so a run killed now reruns it."""
    return {**(previous or {}), "status": "running", "study": step.study, "notebook": str(step.notebook.name),
            "started_at": state.now_utc()}


def write_manifest(locations: Locations, manifest: dict[str, Any]) -> Path:
    """Write the run manifest atomically (build/run_manifest.json, copied beside the reports)."""
    return state.write_manifest(locations.build, locations.reports, manifest)


def run_steps(
    steps: list[Step],
    locations: Locations,
    *,
    force: bool = False,
    jobs: int | None = None,
    say: Any = print,
    manifest: dict[str, Any] | None = None,
    git: dict[str, Any] | None = None,
) -> list[StepResult]:
    """Run the steps in dependency order, at most ``jobs`` at once (each reported as running, and marked running in
    the manifest, only when it starts); stop scheduling at the first failure.

    ``manifest`` (read from the build folder when not given) is updated in place and written after every
    change. If this process is interrupted, the workers and their kernels are ended before it returns.
    """
    from helpers.pipeline.workers import stop_workers, worker_pool

    code_hash = code_fingerprint(locations.root)
    git = git if git is not None else git_state(locations.root)
    manifest = manifest if manifest is not None else read_manifest(locations)
    manifest.setdefault("steps", {})
    selected = {step.name: step for step in steps}
    graph = TopologicalSorter({s.name: {n for n in s.needs if n in selected} for s in steps})
    graph.prepare()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(steps)))
    results: list[StepResult] = []
    running: dict[Future[StepResult], tuple[Step, dict[str, Any]]] = {}
    waiting: list[tuple[Step, dict[str, Any]]] = []  # ready to run, for a free worker
    failed = False
    count = 0
    pool = worker_pool(workers)
    try:
        while graph.is_active():
            skipped_any = False
            for name in graph.get_ready() if not failed else ():
                step = selected[name]
                fingerprint = step_fingerprint(step, code_hash)
                if not force and is_up_to_date(step, fingerprint, manifest, locations.executed / f"{name}.ipynb"):
                    count += 1
                    say(f"[{count}/{len(steps)}] {name}: skipped (notebook, parameters and inputs unchanged)")
                    results.append(StepResult(name, "skipped"))
                    graph.done(name)
                    skipped_any = True
                    continue
                waiting.append((step, fingerprint))
            while waiting and len(running) < workers and not failed:
                step, fingerprint = waiting.pop(0)  # a step is said to run, and marked running, when it starts
                count += 1
                say(f"[{count}/{len(steps)}] {step.name}: running {relative(step.notebook, locations.root)}")
                manifest["steps"][step.name] = running_record(manifest["steps"].get(step.name), step)
                write_manifest(locations, manifest)
                _import_papermill_before_forking()
                executed = locations.executed / f"{step.name}.ipynb"
                running[pool.submit(run_step_in_worker, step, executed, locations.root)] = (step, fingerprint)
            if skipped_any and not running:
                continue  # every ready step was skipped; the steps they unblock are ready now
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step, fingerprint = running.pop(future)
                result = worker_result(future, step)
                results.append(result)
                manifest["steps"][step.name] = record_for(step, result, fingerprint, git, locations.root)
                write_manifest(locations, manifest)
                if result.status == "succeeded":
                    retried = f" (kernel started at attempt {result.kernel_attempts})" if result.kernel_attempts > 1 else ""
                    say(f"      {step.name}: done in {result.duration_seconds:.1f} s{retried}")
                    graph.done(step.name)
                else:
                    failed = True
                    say(f"      {step.name}: FAILED\n{result.message}")
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return results


def worker_result(future: Future[StepResult], step: Step) -> StepResult:
    """The step's result, or a failed result when its worker process died under it (killed, out of memory): the
    pool is then broken, so the run stops; the last good executed notebook stays as it was (the half-written
    hidden ``.part`` file is removed by the next run)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        return StepResult(step.name, "failed", message=(
            f"step '{step.name}' could not finish: a worker process of the run ended abruptly (killed, or out of "
            "memory), which stops every step running at the time; the run stops here. Run the same command again "
            "to rerun it."))


def out_of_date_steps(all_steps: list[Step], current: set[str], locations: Locations,
                      manifest: dict[str, Any]) -> dict[str, str]:
    """The steps whose last results no longer match what they were built from, each with a reason.

    ``current`` names the steps this run ran or found up to date. Any other step is out of date when it never
    succeeded here, when its notebook, the helper code or one of its inputs changed since it ran (an earlier
    step was rerun with ``--only``), when its outputs or executed notebook changed, or when it ran with another
    value of a study-level parameter than the steps of its study that ran now; and so is every step built
    from an out-of-date step.
    """
    code_hash = code_fingerprint(locations.root)
    ran_studies = {step.study for step in all_steps if step.name in current}
    own: dict[str, list[str]] = {}
    for step in all_steps:
        if step.name in current:
            continue
        record = manifest.get("steps", {}).get(step.name)
        executed = locations.executed / f"{step.name}.ipynb"
        own[step.name] = state.own_stale_reasons(
            record, step_fingerprint(step, code_hash), study_parameters=step.study_parameters,
            compare_study_parameters=step.study in ran_studies,
            outputs_intact=bool(record) and outputs_unchanged(step, record or {}),
            executed_intact=bool(record) and executed_unchanged(record or {}, executed))
    order = list(TopologicalSorter({s.name: set(s.needs) for s in all_steps}).static_order())
    return state.propagate_staleness(order, {s.name: s.needs for s in all_steps}, own)


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------


def describe_plan(steps: list[Step], locations: Locations) -> str:
    """A readable plan: each step with its notebook, needs, inputs and outputs."""
    lines = [f"Pipeline: {len(steps)} step(s); outputs under {locations.out}"]
    for position, step in enumerate(steps, start=1):
        lines.append(f"{position}. {step.name}  [{step.study}]  {relative(step.notebook, locations.root)}")
        if step.description:
            lines.append(f"     {step.description}")
        if step.needs:
            lines.append(f"     needs:   {', '.join(step.needs)}")
        if step.study_parameters:
            shared = ", ".join(f"{n} = {json.dumps(step.parameters[n], default=str)}" for n in step.study_parameters)
            lines.append(f"     study parameters: {shared}")
        for name in step.inputs:
            lines.append(f"     input:   {name} = {relative(step.parameters[name], locations.root)}")
        for name in step.outputs:
            lines.append(f"     output:  {name} = {relative(step.parameters[name], locations.root)}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m helpers.pipeline", description="Run the compendium's notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("plan", "print what would run, without running"), ("run", "run the pipeline")):
        command = sub.add_parser(name, help=text)
        command.add_argument("-p", "--parameter", action="append", default=[], metavar="[STEP.|STUDY.]NAME=VALUE")
        command.add_argument("--only", action="append", default=[], metavar="STEP", help="run only this step")
        command.add_argument("--out", type=Path, default=None, help="folder for processed data, reports, build")
        command.add_argument("--pipeline", type=Path, default=None, help="pipeline file (default pipeline.yaml)")
        if name == "run":
            command.add_argument("--force", action="store_true", help="rerun steps even when unchanged")
            command.add_argument("--jobs", type=int, default=None, help="parallel steps (default: cores)")
            command.add_argument("--no-export", action="store_true", help="skip the HTML/PDF export")
    return parser


@dataclass
class Prepared:
    """A checked command: every step (with the ``-p`` values), the ones ``--only`` selected, where they run."""

    all_steps: list[Step]
    steps: list[Step]
    locations: Locations
    pipeline_file: Path
    notes: list[str] = field(default_factory=list)


def prepare(args: argparse.Namespace) -> Prepared:
    """Load the pipeline, apply ``-p`` and ``--only``; every check happens before anything runs."""
    root = paths.PROJECT_ROOT
    locations = Locations(root=root, out=Path(os.path.abspath(args.out or root)))
    pipeline_file = Path(os.path.abspath(args.pipeline or root / "pipeline.yaml"))
    use_parameter_cache(locations.build / PARAMETER_CACHE_NAME)
    notes: list[str] = []
    loaded = load_pipeline(pipeline_file, locations)
    steps = apply_overrides(loaded, args.parameter, notes)
    selected = select_steps(steps, args.only)
    problems = writes_into_raw_data(selected, locations) + parameter_value_problems(loaded, selected,
                                                                                   pipeline_file.name)
    if problems:
        raise PipelineError(problems)
    return Prepared(steps, selected, locations, pipeline_file, notes)


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (symbolic links resolved)."""
    resolved, base = path.resolve(), folder.resolve()
    return resolved == base or base in resolved.parents


def writes_into_raw_data(steps: list[Step], locations: Locations) -> list[str]:
    """The output folder (``--out``) or outputs (``-p``) that would write into data/raw: the raw data are read-only
    (the data package records every file there, and a run must never add or change one)."""
    raw = locations.root / "data" / "raw"
    if is_inside(locations.out, raw):
        return [f"--out {locations.out} is inside {raw}, the raw data, which a run never writes; choose another "
                "folder."]
    problems = [f"the {what} {folder} is inside {raw} (through a symbolic link), the raw data, which a run never "
                "writes; choose another --out." for folder, what in ((locations.build, "build folder"),
                                                                    (locations.reports, "reports folder"),
                                                                    (locations.processed, "processed-data folder"))
                if is_inside(folder, raw)]
    for step in steps:
        for name in written_parameters(step):
            if is_inside(Path(str(step.parameters[name])), raw):
                problems.append(f"{name} = {step.parameters[name]} (step {step.name}) is inside {raw}, the raw data, "
                                "which a run never writes; choose another place.")
    return problems


def written_parameters(step: Step) -> list[str]:
    """The parameters naming places a step writes: its declared outputs and every other folder parameter
    (``*_dir``, such as a cache) that is not one of its inputs."""
    folders = [name for name in step.parameters if name.endswith("_dir") and name not in step.inputs]
    return [name for name in dict.fromkeys([*step.outputs, *folders]) if str(step.parameters.get(name) or "")]


def _raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    except ValueError:  # not the main thread: leave SIGTERM as it is
        previous = None
    try:
        prepared = prepare(args)
        for note in prepared.notes:
            print(note)
        if args.command == "plan":
            print(describe_plan(prepared.steps, prepared.locations))
            return 0
        return run_command(args, prepared)
    except PipelineError as error:
        print("pipeline: stopped before running anything:" if error.problems else "pipeline: error", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except OSError as error:
        from helpers.pipeline.preflight import describe_os_error

        print(f"pipeline: stopped: {describe_os_error(error)}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted):
        print("pipeline: interrupted; the steps that had not finished will run again next time.", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


EXPORT_FOLDERS: tuple[tuple[str, str], ...] = (("previews", "folder for the PDF previews"),)
"""Folders under reports/ only the export writes (``helpers.report.export.PREVIEWS_FOLDER``)."""


def places_written(steps: list[Step], locations: Locations, export: bool = True) -> list[tuple[Path, str]]:
    """Every folder and file a run writes: the output folder and its lock, build, reports (with the export's own
    folders unless ``export`` is False), processed data, and each selected step's outputs."""
    from helpers.pipeline.runlock import LOCK_NAME

    places = [(locations.out, "output folder"), (locations.out / LOCK_NAME, "run lock"),
              (locations.out / f"{LOCK_NAME}.owner", "run lock"),
              (locations.build, "build folder"), (locations.executed, "folder for executed notebooks"),
              (locations.reports, "reports folder"), (locations.processed, "processed-data folder"),
              (locations.reports / "tables", "folder for the scorecards")]  # the index's combined scorecard, always
    if export:
        places += [(locations.reports / folder, what) for folder, what in EXPORT_FOLDERS]
    for step in steps:
        places += [(Path(step.parameters[name]), f"output '{name}' of step '{step.name}'") for name in step.outputs]
    return places


def run_command(args: argparse.Namespace, prepared: Prepared) -> int:
    """``run``: check inputs and permissions, take the lock, run the steps, export the reports, write the index."""
    from helpers.pipeline.preflight import write_problems
    from helpers.pipeline.runlock import RunLock

    steps, locations = prepared.steps, prepared.locations
    produced = {Path(s.parameters[n]) for s in steps for n in s.outputs}
    problems = write_problems(places_written(steps, locations, export=not args.no_export))
    problems += verify_raw_inputs(steps) + missing_inputs(steps, produced)
    if problems:
        raise PipelineError(problems)
    with RunLock(locations.out):
        save_parameter_cache()
        folders = [locations.build, locations.reports, locations.processed]
        folders += [Path(s.parameters[n]) for s in prepared.all_steps for n in s.outputs]
        leftovers = state.remove_partial_files(folder if folder.is_dir() else folder.parent for folder in folders)
        if leftovers:
            print(f"removed {len(leftovers)} partial file(s) an interrupted run left behind")
        git = git_state(locations.root)
        manifest = read_manifest(locations)
        state.begin_run(manifest, git=git, only=args.only, overrides=args.parameter,
                        placeholders=locations.placeholders(), pipeline_file=prepared.pipeline_file)
        write_manifest(locations, manifest)
        refresh_index(locations)
        started = time.perf_counter()
        try:
            results = run_steps(steps, locations, force=args.force, jobs=args.jobs, manifest=manifest, git=git)
            return finish_run(args, prepared, manifest, results, started)
        except (KeyboardInterrupt, Interrupted):
            state.end_run(manifest, status="interrupted", stale=manifest["run"].get("stale_steps"))
            write_manifest(locations, manifest)
            refresh_index(locations)
            raise


def finish_run(args: argparse.Namespace, prepared: Prepared, manifest: dict[str, Any], results: list[StepResult],
               started: float) -> int:
    """After the steps: name the out-of-date steps, export (when every step succeeded), record how the run
    ended and write the index, which says so."""
    locations = prepared.locations
    failed = [result.name for result in results if result.status == "failed"]
    current = {result.name for result in results if result.status != "failed"}
    stale = out_of_date_steps(prepared.all_steps, current, locations, manifest)
    manifest["run"]["stale_steps"] = stale
    write_manifest(locations, manifest)
    failed_exports: list[str] = []
    from helpers.report.reporting import ExportError, export_reports, mark_not_re_exported, outdated_reports
    from helpers.report.runinfo import when

    if not failed and not args.no_export:
        try:
            export_reports(prepared.all_steps, results, locations, jobs=args.jobs)
        except ExportError as error:
            failed_exports = list(error.studies)
            print(f"pipeline: the steps succeeded but the reports could not be written:\n{error}", file=sys.stderr)
    manifest["run"]["reports_outdated"] = outdated_reports(prepared.all_steps, locations)
    succeeded = {result.name for result in results if result.status == "succeeded"}
    redrawn = {step.study for step in prepared.steps if step.name in succeeded}  # studies with results rewritten now
    for study in sorted({step.study for step in prepared.all_steps}):  # the report page links figures and tables:
        outdated = study in manifest["run"]["reports_outdated"]         # a box says when this run rewrote them
        if outdated and study not in redrawn:
            continue  # nothing of the study was rewritten now: the page stays as it is (with or without a box)
        try:
            mark_not_re_exported(locations.reports / f"{study}_report.html",
                                 when(manifest["run"].get("started_at")) if outdated else None)
        except OSError as error:
            print(f"pipeline: could not mark {study}_report.html (not re-exported): {error}", file=sys.stderr)
    status = "failed" if failed or failed_exports else "succeeded"
    state.end_run(manifest, status=status, failed_steps=failed, failed_exports=failed_exports, stale=stale)
    write_manifest(locations, manifest)
    refresh_index(locations)
    if stale:
        again = "run without --only" if args.only else "run the pipeline again"
        print(f"pipeline: out of date after this run (their reports say so; {again} to update them):")
        for name, reason in stale.items():
            print(f"  - {name}: {reason}")
    if failed:
        print(f"pipeline: FAILED after {time.perf_counter() - started:.1f} s (see the message above); the reports "
              "in place are from the last successful run", file=sys.stderr)
        return 1
    if failed_exports:
        return 1
    print(f"pipeline: finished in {time.perf_counter() - started:.1f} s; reports in {locations.reports}")
    return 0


def refresh_index(locations: Locations) -> None:
    """Rewrite ``reports/index.html`` from the reports in place and the manifest (quick, no export)."""
    from helpers.report.reporting import write_index

    write_index(locations)
