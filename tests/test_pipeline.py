"""The pipeline runner: parameter checks, planning, running, skipping, failing, locking."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.pipeline import runner as pipeline
from helpers.paths import PROJECT_ROOT
from helpers.pipeline.runner import Locations, PipelineError


def make_notebook(path: Path, parameters_source: str, body: str) -> Path:
    """A two-cell notebook: a tagged parameters cell and a body cell."""
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(parameters_source)
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(body)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@pytest.fixture()
def tiny_project(tmp_path: Path) -> tuple[Path, Path]:
    """A pipeline of two steps: 'write' writes a number to a file, 'double' reads it and doubles it."""
    make_notebook(
        tmp_path / "write.ipynb",
        'value: int = 3  # the number to write\nout_file: str = ""  # where to write it',
        "from pathlib import Path\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
        "Path(out_file).write_text(str(value))",
    )
    make_notebook(
        tmp_path / "double.ipynb",
        'in_file: str = ""\nout_file: str = ""\nfail: bool = False',
        "from pathlib import Path\nnumber = int(Path(in_file).read_text())\n"
        "assert not fail, 'asked to fail'\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
        "Path(out_file).write_text(str(2 * number))",
    )
    spec = {
        "steps": [
            {
                "name": "write",
                "notebook": str(tmp_path / "write.ipynb"),
                "study": "a",
                "parameters": {"value": 3, "out_file": "{processed}/a/value.txt"},
                "outputs": ["out_file"],
            },
            {
                "name": "double",
                "notebook": str(tmp_path / "double.ipynb"),
                "study": "b",
                "needs": ["write"],
                "parameters": {"in_file": "{processed}/a/value.txt", "out_file": "{processed}/b/double.txt"},
                "inputs": ["in_file"],
                "outputs": ["out_file"],
            },
        ]
    }
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps(spec))  # JSON is valid YAML
    return pipeline_file, tmp_path / "out"


def load(pipeline_file: Path, out: Path) -> tuple[list[pipeline.Step], Locations]:
    locations = Locations(root=PROJECT_ROOT, out=out)
    return pipeline.load_pipeline(pipeline_file, locations), locations


def test_parse_override_reads_values_as_yaml() -> None:
    assert pipeline.parse_override("seed=7") == (None, "seed", 7)
    assert pipeline.parse_override("clean.rate=0.5") == ("clean", "rate", 0.5)
    assert pipeline.parse_override("flag=true") == (None, "flag", True)
    assert pipeline.parse_override("path=/tmp/a=b.csv") == (None, "path", "/tmp/a=b.csv")
    with pytest.raises(PipelineError, match="expected name=value"):
        pipeline.parse_override("seed")


def test_misspelt_parameter_is_refused_with_a_suggestion(tiny_project: tuple[Path, Path]) -> None:
    steps, _ = load(*tiny_project)
    with pytest.raises(PipelineError) as caught:
        pipeline.apply_overrides(steps, ["valeu=4", "double.fial=true"])
    message = str(caught.value)
    assert "unknown parameter 'valeu'" in message and "Did you mean 'value'?" in message
    assert "unknown parameter 'fial' for step 'double'" in message  # both problems at once


def test_override_of_wrong_type_is_refused(tiny_project: tuple[Path, Path]) -> None:
    steps, _ = load(*tiny_project)
    with pytest.raises(PipelineError, match="expects int for 'value'"):
        pipeline.apply_overrides(steps, ["value=three"])


def test_override_applies_to_every_step_declaring_the_name(tiny_project: tuple[Path, Path]) -> None:
    steps, _ = load(*tiny_project)
    updated = pipeline.apply_overrides(steps, ["out_file=/tmp/x.txt"])
    assert [step.parameters["out_file"] for step in updated] == ["/tmp/x.txt", "/tmp/x.txt"]
    only_one = pipeline.apply_overrides(steps, ["write.out_file=/tmp/y.txt"])
    assert only_one[0].parameters["out_file"] == "/tmp/y.txt"
    assert only_one[1].parameters["out_file"].endswith("b/double.txt")


def test_pipeline_file_problems_are_reported_together(tmp_path: Path, tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    spec = json.loads(pipeline_file.read_text())
    spec["steps"][0]["colour"] = "red"
    spec["steps"][1]["needs"] = ["wirte"]
    spec["steps"][1]["inputs"] = ["not_a_parameter"]
    spec["steps"][0]["parameters"]["undeclared"] = 1
    pipeline_file.write_text(json.dumps(spec))
    with pytest.raises(PipelineError) as caught:
        load(pipeline_file, out)
    problems = caught.value.problems
    assert any("unknown key(s) ['colour']" in p for p in problems)
    assert any("needs unknown step 'wirte'" in p for p in problems)
    assert any("'not_a_parameter' under inputs" in p for p in problems)


def test_notebook_must_declare_pipeline_parameters(tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    spec = json.loads(pipeline_file.read_text())
    spec["steps"][0]["parameters"]["undeclared"] = 1
    pipeline_file.write_text(json.dumps(spec))
    with pytest.raises(PipelineError, match="sets 'undeclared', which write.ipynb does not declare"):
        load(pipeline_file, out)


def test_cycle_is_refused(tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    spec = json.loads(pipeline_file.read_text())
    spec["steps"][0]["needs"] = ["double"]
    pipeline_file.write_text(json.dumps(spec))
    with pytest.raises(PipelineError, match="cycle"):
        load(pipeline_file, out)


def test_run_skip_rerun_and_failure(tiny_project: tuple[Path, Path]) -> None:
    steps, locations = load(*tiny_project)
    messages: list[str] = []
    first = pipeline.run_steps(steps, locations, say=messages.append)
    assert [r.status for r in first] == ["succeeded", "succeeded"], [r.message for r in first]
    assert (locations.processed / "b" / "double.txt").read_text() == "6"
    assert (locations.executed / "double.ipynb").is_file()
    manifest = json.loads((locations.build / "run_manifest.json").read_text())
    assert manifest["steps"]["double"]["status"] == "succeeded"
    assert manifest["steps"]["double"]["inputs_sha256"]["in_file"]

    second = pipeline.run_steps(steps, locations, say=messages.append)
    assert [r.status for r in second] == ["skipped", "skipped"]
    assert any("skipped" in m for m in messages)

    changed = pipeline.apply_overrides(steps, ["write.value=5"])
    third = pipeline.run_steps(changed, locations, say=messages.append)
    assert [r.status for r in third] == ["succeeded", "succeeded"]  # new input hash reruns 'double' too
    assert (locations.processed / "b" / "double.txt").read_text() == "10"

    failing = pipeline.apply_overrides(changed, ["double.fail=true"])
    fourth = pipeline.run_steps(failing, locations, force=True, say=messages.append)
    failed = [r for r in fourth if r.status == "failed"]
    assert len(failed) == 1 and failed[0].name == "double"
    assert "assert not fail, 'asked to fail'" in failed[0].message  # the failing source line
    assert "AssertionError: asked to fail" in failed[0].message
    assert Path(failed[0].executed_notebook).is_file()
    assert (locations.processed / "b" / "double.txt").read_text() == "10"  # previous good output kept


def test_cli_plan_lists_the_real_pipeline() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "plan"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "oecd2010_clean" in done.stdout and "oecd2010_figures" in done.stdout and "oecd2010_scorecard" in done.stdout
    assert "input:" in done.stdout and "output:" in done.stdout


def test_cli_refuses_a_misspelt_parameter_before_running() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "-p", "confidnce_level=0.9", "--out", "/nonexistent/x"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 2
    assert "unknown parameter 'confidnce_level'" in done.stderr
    assert "Did you mean 'confidence_level'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert not Path("/nonexistent/x").exists()
