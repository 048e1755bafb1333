"""Run the compendium's notebooks in order, as declared in ``pipeline.yaml``.

Usage::

    python -m helpers.pipeline plan                  # what would run: steps, inputs, outputs
    python -m helpers.pipeline run                   # run every step (skips unchanged ones)
    python -m helpers.pipeline run --only oecd_figures -p confidence_level=0.9
    python -m helpers.pipeline run --out /tmp/try -p oecd_clean.respondent_file=/data/real.csv

Each step is a notebook executed with papermill (kernel ``python3``) into ``build/executed/``.
Parameters given with ``-p`` are checked against each notebook's ``parameters`` cell before anything
runs (papermill itself only warns about unknown names). The dependency graph comes from the steps'
``needs`` lists and is ordered by the standard library's :mod:`graphlib`; independent steps run in
parallel processes, bounded by the number of cores.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

from helpers import paths
from helpers.pipeline.errors import PipelineError

KERNEL_NAME = "python3"
STEP_KEYS = {"name", "notebook", "study", "description", "parameters", "inputs", "outputs", "needs"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")
MANIFEST_NAME = "run_manifest.json"
TRACKED_PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "pingouin", "svy", "pandera")


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


# ----------------------------------------------------------------------------------------------
# Reading and checking the pipeline file
# ----------------------------------------------------------------------------------------------


def read_pipeline_file(pipeline_file: Path) -> dict[str, Any]:
    """Parse pipeline.yaml, with a clear error for a missing or malformed file."""
    if not pipeline_file.is_file():
        raise PipelineError(f"{pipeline_file}: pipeline file not found.")
    try:
        document = yaml.safe_load(pipeline_file.read_text(encoding="utf-8"))
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
    """Build the steps, collecting every problem in the file before raising."""
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
        parameters = {
            name: substitute_placeholders(value, placeholders)
            for name, value in (raw_step.get("parameters") or {}).items()
        }
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


def load_pipeline(pipeline_file: Path, locations: Locations) -> list[Step]:
    """Read pipeline.yaml, substitute placeholders and check it against the notebooks."""
    steps = steps_from_document(read_pipeline_file(pipeline_file), pipeline_file, locations)
    problems = notebook_parameter_problems(steps)
    if problems:
        raise PipelineError(problems)
    return steps


# ----------------------------------------------------------------------------------------------
# Parameters given on the command line
# ----------------------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[str | None, str, Any]:
    """Split ``step.name=value`` or ``name=value``; the value is read as YAML (so 7 is an int, true a bool)."""
    if "=" not in text:
        raise PipelineError(f"-p {text!r}: expected name=value or step.name=value.")
    key, raw_value = text.split("=", 1)
    step_name, _, name = key.rpartition(".")
    value = yaml.safe_load(raw_value) if raw_value.strip() else ""
    return (step_name or None), name.strip(), value


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


def apply_overrides(steps: list[Step], overrides: list[str]) -> list[Step]:
    """Set ``-p`` values on the steps whose notebooks declare them; refuse unknown names and wrong types."""
    problems: list[str] = []
    declared = {step.name: notebook_parameters(step.notebook) for step in steps}
    updated = {step.name: dict(step.parameters) for step in steps}
    for text in overrides:
        try:
            step_name, name, value = parse_override(text)
        except PipelineError as error:
            problems.extend(error.problems)
            continue
        if step_name is not None and step_name not in declared:
            close = difflib.get_close_matches(step_name, declared, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(f"-p {text}: unknown step '{step_name}'.{hint}")
            continue
        targets = [step_name] if step_name else [s for s in declared if name in declared[s]]
        targets = [t for t in targets if name in declared[t]]
        if not targets:
            every_name = sorted({n for names in declared.values() for n in names})
            close = difflib.get_close_matches(name, every_name, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            scope = f"step '{step_name}'" if step_name else "any step"
            problems.append(f"-p {text}: unknown parameter '{name}' for {scope}.{hint}")
            continue
        for target in targets:
            type_name = declared[target][name].get("inferred_type_name", "None")
            if not value_matches_type(value, type_name):
                problems.append(f"-p {text}: step '{target}' expects {type_name} for '{name}', got {value!r}.")
            updated[target][name] = value
    if problems:
        raise PipelineError(problems)
    return [replace(step, parameters=updated[step.name]) for step in steps]


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
    manifest_file = locations.build / MANIFEST_NAME
    if manifest_file.is_file():
        try:
            return json.loads(manifest_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {"steps": {}}
    return {"steps": {}}


def outputs_unchanged(step: Step, record: dict[str, Any]) -> bool:
    """Every output still exists with the hash the last successful run recorded."""
    recorded = record.get("outputs_sha256", {})
    return all(
        recorded.get(name) is not None and sha256_of_path(Path(step.parameters[name])) == recorded.get(name)
        for name in step.outputs
    )


def is_up_to_date(step: Step, fingerprint: dict[str, Any], manifest: dict[str, Any]) -> bool:
    """A step is skipped when its last run succeeded with the same fingerprint and intact outputs."""
    record = manifest.get("steps", {}).get(step.name)
    if not record or record.get("status") != "succeeded":
        return False
    same = all(record.get(key) == value for key, value in fingerprint.items())
    return same and outputs_unchanged(step, record)


def git_state(root: Path) -> dict[str, Any]:
    """The commit and whether the work tree has uncommitted changes (None outside git)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit or "unknown", "git_dirty": None if status is None else bool(status)}


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


def execute_step(step: Step, executed_notebook: Path, cwd: Path) -> StepResult:
    """Run one notebook with papermill; a failure keeps the executed notebook and says where it broke."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed_notebook.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(step.notebook),
            str(executed_notebook),
            parameters=step.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            cwd=str(cwd),
        )
    except PapermillExecutionError as error:
        line = failing_source_line(error.source, error.traceback)
        message = (
            f"step '{step.name}' failed in cell {error.cell_index} ({line})\n"
            f"  {error.ename}: {textwrap.indent(str(error.evalue), '    ').lstrip()}\n"
            f"  executed notebook kept at {executed_notebook}"
        )
        return StepResult(step.name, "failed", time.perf_counter() - started, str(executed_notebook), message)
    except Exception as error:  # kernel died, notebook unreadable, ...
        message = f"step '{step.name}' could not run: {type(error).__name__}: {error}"
        return StepResult(step.name, "failed", time.perf_counter() - started, str(executed_notebook), message)
    return StepResult(step.name, "succeeded", time.perf_counter() - started, str(executed_notebook))


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


def record_for(step: Step, result: StepResult, fingerprint: dict[str, Any], git: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry of one finished step."""
    return {
        **fingerprint,
        "status": result.status,
        "notebook": str(step.notebook.name),
        "study": step.study,
        "executed_notebook": result.executed_notebook,
        "outputs_sha256": {name: sha256_of_path(Path(step.parameters[name])) for name in step.outputs},
        "duration_seconds": round(result.duration_seconds, 2),
        **git,
        **environment_record(),
    }


def write_manifest(locations: Locations, manifest: dict[str, Any]) -> Path:
    """Write the run manifest atomically (build/run_manifest.json, copied beside the reports)."""
    from helpers.outputs import write_json

    target = write_json(manifest, locations.build / MANIFEST_NAME)
    write_json(manifest, locations.reports / MANIFEST_NAME)
    return target


def run_steps(
    steps: list[Step],
    locations: Locations,
    *,
    force: bool = False,
    jobs: int | None = None,
    say: Any = print,
) -> list[StepResult]:
    """Run the steps in dependency order, in parallel where independent; stop scheduling at the first failure."""
    code_hash = code_fingerprint(locations.root)
    git = git_state(locations.root)
    manifest = read_manifest(locations)
    manifest.setdefault("steps", {})
    selected = {step.name: step for step in steps}
    graph = TopologicalSorter({s.name: {n for n in s.needs if n in selected} for s in steps})
    graph.prepare()
    workers = max(1, min(jobs or os.cpu_count() or 1, len(steps)))
    results: list[StepResult] = []
    running: dict[Future[StepResult], tuple[Step, dict[str, Any]]] = {}
    failed = False
    count = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        while graph.is_active():
            ready = graph.get_ready() if not failed else ()
            for name in ready:
                step = selected[name]
                count += 1
                fingerprint = step_fingerprint(step, code_hash)
                if not force and is_up_to_date(step, fingerprint, manifest):
                    say(f"[{count}/{len(steps)}] {name}: skipped (notebook, parameters and inputs unchanged)")
                    results.append(StepResult(name, "skipped"))
                    graph.done(name)
                    continue
                executed = locations.executed / f"{name}.ipynb"
                say(f"[{count}/{len(steps)}] {name}: running {relative(step.notebook, locations.root)}")
                _import_papermill_before_forking()
                running[pool.submit(run_step_in_worker, step, executed, locations.root)] = (step, fingerprint)
            if ready and not running:
                continue  # every ready step was skipped; the steps they unblock are ready now
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step, fingerprint = running.pop(future)
                result = future.result()
                results.append(result)
                manifest["steps"][step.name] = record_for(step, result, fingerprint, git)
                write_manifest(locations, manifest)
                if result.status == "succeeded":
                    say(f"      {step.name}: done in {result.duration_seconds:.1f} s")
                    graph.done(step.name)
                else:
                    failed = True
                    say(f"      {step.name}: FAILED\n{result.message}")
    return results


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
        command.add_argument("-p", "--parameter", action="append", default=[], metavar="[STEP.]NAME=VALUE")
        command.add_argument("--only", action="append", default=[], metavar="STEP", help="run only this step")
        command.add_argument("--out", type=Path, default=None, help="folder for processed data, reports, build")
        command.add_argument("--pipeline", type=Path, default=None, help="pipeline file (default pipeline.yaml)")
        if name == "run":
            command.add_argument("--force", action="store_true", help="rerun steps even when unchanged")
            command.add_argument("--jobs", type=int, default=None, help="parallel steps (default: cores)")
            command.add_argument("--no-export", action="store_true", help="skip the HTML/PDF export")
    return parser


def prepare(args: argparse.Namespace) -> tuple[list[Step], Locations]:
    """Load the pipeline, apply ``-p`` and ``--only``; every check happens before anything runs."""
    root = paths.PROJECT_ROOT
    locations = Locations(root=root, out=(args.out or root).resolve())
    use_parameter_cache(locations.build / PARAMETER_CACHE_NAME)
    steps = load_pipeline((args.pipeline or root / "pipeline.yaml").resolve(), locations)
    steps = apply_overrides(steps, args.parameter)
    if args.command == "run":
        save_parameter_cache()
    return select_steps(steps, args.only), locations


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        steps, locations = prepare(args)
        if args.command == "plan":
            print(describe_plan(steps, locations))
            return 0
        return run_command(args, steps, locations)
    except PipelineError as error:
        print("pipeline: stopped before running anything:" if error.problems else "pipeline: error", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2


def run_command(args: argparse.Namespace, steps: list[Step], locations: Locations) -> int:
    """``run``: verify inputs, take the lock, run the steps, export the reports."""
    from helpers.pipeline.runlock import RunLock

    produced = {Path(s.parameters[n]) for s in steps for n in s.outputs}
    problems = verify_raw_inputs(steps) + missing_inputs(steps, produced)
    if problems:
        raise PipelineError(problems)
    with RunLock(locations.out):
        started = time.perf_counter()
        results = run_steps(steps, locations, force=args.force, jobs=args.jobs)
        if any(result.status == "failed" for result in results):
            print(f"pipeline: FAILED after {time.perf_counter() - started:.1f} s (see the message above)", file=sys.stderr)
            return 1
        if not args.no_export:
            from helpers.report.reporting import ExportError, export_reports

            try:
                export_reports(steps, results, locations, jobs=args.jobs)
            except ExportError as error:
                print(f"pipeline: the steps succeeded but the reports could not be written:\n{error}", file=sys.stderr)
                return 1
        print(f"pipeline: finished in {time.perf_counter() - started:.1f} s; reports in {locations.reports}")
    return 0

