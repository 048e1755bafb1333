"""A notebook run on its own checks that the steps before it have run: :func:`require_inputs`.

Run alone (in JupyterLab, with ``jupyter nbconvert --execute`` or papermill) on a fresh clone, a notebook whose
inputs another step writes stops at its first code cell that needs them with one plain message: which files
are missing, which notebook (and pipeline step) writes them, and the command that runs it. No traceback: the
error renders as that message alone (IPython shows an exception's ``_render_traceback_`` instead of the
traceback), so JupyterLab's "Run All" stops there and papermill's error names the cause.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from helpers import paths


class MissingInputError(FileNotFoundError):
    """An input written by an earlier step is missing; the message says which step to run first."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message, nothing else."""
        return [str(self)]


def step_notebook(step: str, pipeline_file: str | os.PathLike[str] | None = None) -> str:
    """The notebook file name of pipeline step ``step`` (``'20_eu_clean.ipynb'``), read from pipeline.yaml."""
    import yaml

    source = Path(pipeline_file or paths.PIPELINE_FILE)
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return f"the notebook of step {step}"
    for entry in document.get("steps") or []:
        if isinstance(entry, dict) and entry.get("name") == step and entry.get("notebook"):
            return Path(str(entry["notebook"])).name
    return f"the notebook of step {step}"


def _shown(path: Path) -> str:
    """A path relative to the project when it lies inside it."""
    try:
        return path.resolve().relative_to(paths.PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def missing_input_message(missing: Iterable[str | os.PathLike[str]], step: str) -> str:
    """The message for inputs ``missing`` that pipeline step ``step`` writes."""
    files = [_shown(Path(path)) for path in missing]
    notebook = step_notebook(step)
    return (f"Input missing: {', '.join(files)}. Run notebook {notebook} first (pipeline step {step}): open "
            f"notebooks/{notebook} and run all its cells, or run "
            f"`.venv/bin/python -m helpers.pipeline run --only {step}` in the project folder. "
            "Then run this notebook again.")


def missing_steps_message(missing: Mapping[str, Sequence[str | os.PathLike[str]]]) -> str:
    """The message for the inputs ``missing`` of several steps (step -> its missing files), in running order:
    every notebook to run, not only the first."""
    if len(missing) == 1:
        step, files = next(iter(missing.items()))
        return missing_input_message(files, step)
    shown = [_shown(Path(path)) for files in missing.values() for path in files]
    steps = list(missing)
    order = ", then ".join(f"{step_notebook(step)} (pipeline step {step})" for step in steps[1:])
    first = steps[0]
    return (f"Input missing: {', '.join(shown)}. Run notebook {step_notebook(first)} first (pipeline step {first}), "
            f"then {order}: open each in notebooks/ and run all its cells, in that order, or run "
            f"`.venv/bin/python -m helpers.pipeline run {' '.join(f'--only {step}' for step in steps)}` in the "
            "project folder. Then run this notebook again.")


def require_steps(needs: Mapping[str, Sequence[str | os.PathLike[str]]]) -> None:
    """Stop with one plain message when files of the steps in ``needs`` (step -> the files it writes that this
    notebook reads, in running order) are missing, naming every step to run first and its notebook."""
    missing = {step: [file for file in files if not Path(file).exists()] for step, files in needs.items()}
    missing = {step: files for step, files in missing.items() if files}
    if missing:
        raise MissingInputError(missing_steps_message(missing))


def require_inputs(*files: str | os.PathLike[str], made_by: str) -> None:
    """Stop with a plain message when one of ``files`` is missing, naming the pipeline step ``made_by`` (and its
    notebook) that writes them. Call it before the first cell that reads them."""
    require_steps({made_by: files})
