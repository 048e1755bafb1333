"""The pipeline runner: parameter checks, planning, running, skipping, failing, locking."""

from __future__ import annotations

import json
import os
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


# ----------------------------------------------------------------------------------------------
# Study-level parameters, relative paths (issue 11)
# ----------------------------------------------------------------------------------------------


@pytest.fixture()
def study_project(tmp_path: Path) -> Path:
    """One study 's' of two steps that both declare 'level' (a study-level parameter) and a step of study 't'."""
    for name in ("first", "second", "other"):
        make_notebook(tmp_path / f"{name}.ipynb", 'level: float = 0.95\nout_file: str = ""',
                      "from pathlib import Path\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
                      "Path(out_file).write_text(str(level))")
    spec = {
        "studies": {"s": {"parameters": {"level": 0.95}}},
        "steps": [
            {"name": "first", "notebook": str(tmp_path / "first.ipynb"), "study": "s",
             "parameters": {"out_file": "{processed}/first.txt"}, "outputs": ["out_file"]},
            {"name": "second", "notebook": str(tmp_path / "second.ipynb"), "study": "s", "needs": ["first"],
             "parameters": {"out_file": "{processed}/second.txt"}, "outputs": ["out_file"]},
            {"name": "other", "notebook": str(tmp_path / "other.ipynb"), "study": "t",
             "parameters": {"out_file": "{processed}/other.txt", "level": 0.5}, "outputs": ["out_file"]},
        ],
    }
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps(spec))
    return pipeline_file


def levels(steps: list[pipeline.Step]) -> dict[str, float]:
    return {step.name: step.parameters["level"] for step in steps}


def test_a_study_parameter_reaches_every_step_of_the_study(study_project: Path, tmp_path: Path) -> None:
    steps, _ = load(study_project, tmp_path / "out")
    assert levels(steps) == {"first": 0.95, "second": 0.95, "other": 0.5}
    assert [step.study_parameters for step in steps] == [("level",), ("level",), ()]
    assert levels(pipeline.apply_overrides(steps, ["s.level=0.9"])) == {"first": 0.9, "second": 0.9, "other": 0.5}
    assert levels(pipeline.apply_overrides(steps, ["level=0.8"])) == {"first": 0.8, "second": 0.8, "other": 0.8}
    # naming one step of the study still sets the whole study, and says so
    notes: list[str] = []
    updated = pipeline.apply_overrides(steps, ["second.level=0.9"], notes)
    assert levels(updated) == {"first": 0.9, "second": 0.9, "other": 0.5}
    assert notes == ["note: 'level' is set once for the whole study s; -p second.level=0.9 sets it for first, second."]
    # a parameter that is not study-level stays per step
    assert levels(pipeline.apply_overrides(steps, ["other.level=0.7"]))["other"] == 0.7
    with pytest.raises(PipelineError, match="unknown parameter 'levle' for study 's'. Did you mean 'level'"):
        pipeline.apply_overrides(steps, ["s.levle=0.9"])


def test_a_step_may_not_set_a_study_parameter_itself(study_project: Path, tmp_path: Path) -> None:
    spec = json.loads(study_project.read_text())
    spec["steps"][1]["parameters"]["level"] = 0.9
    spec["studies"]["s"]["parameters"]["colour"] = "red"
    spec["studies"]["u"] = {"parameters": {"level": 0.9}}
    study_project.write_text(json.dumps(spec))
    with pytest.raises(PipelineError) as caught:
        load(study_project, tmp_path / "out")
    problems = "\n".join(caught.value.problems)
    assert "step 'second' sets 'level', which is set once for the whole study" in problems
    assert "study 's' sets 'colour', which no notebook of the study declares" in problems
    assert "'studies' names 'u', but no step belongs to it" in problems


def test_study_disagreement_is_refused_before_running(study_project: Path, tmp_path: Path) -> None:
    steps, _ = load(study_project, tmp_path / "out")
    parameters = {step.name: dict(step.parameters) for step in steps}
    parameters["second"]["level"] = 0.9
    problems = pipeline.study_disagreements(steps, parameters)
    assert problems == ["study 's': its steps disagree on 'level' (first = 0.95, second = 0.9); set it once with "
                        "-p s.level=VALUE."]


def test_the_real_pipeline_sets_the_confidence_level_once_per_study() -> None:
    steps, _ = load(PROJECT_ROOT / "pipeline.yaml", PROJECT_ROOT)
    by_name = {step.name: step for step in steps}
    assert "confidence_level" in by_name["eu2008_estimates"].study_parameters
    assert "confidence_level" in by_name["eu2008_sensitivity"].study_parameters
    assert "confidence_level" not in pipeline.notebook_parameters(by_name["eu2008_figures"].notebook)
    updated = {s.name: s for s in pipeline.apply_overrides(steps, ["eu2008_figures.confidence_level=0.9"], [])}
    assert {updated[n].parameters["confidence_level"] for n in ("eu2008_estimates", "eu2008_sensitivity")} == {0.9}
    assert updated["oecd2010_figures"].parameters["confidence_level"] == 0.95


def test_a_relative_path_is_resolved_against_the_current_directory(tiny_project: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    steps, _ = load(*tiny_project)
    elsewhere = tmp_path / "elsewhere"
    updated = pipeline.apply_overrides(steps, ["double.in_file=data/value.txt", "write.value=4"], base=elsewhere)
    assert updated[1].parameters["in_file"] == str(elsewhere / "data" / "value.txt")
    absolute = pipeline.apply_overrides(steps, [f"double.in_file={tmp_path}/x/../y.txt"], base=elsewhere)
    assert absolute[1].parameters["in_file"] == str(tmp_path / "y.txt")


# ----------------------------------------------------------------------------------------------
# A killed run is never taken for a finished one (issue 11)
# ----------------------------------------------------------------------------------------------


def test_a_half_written_executed_notebook_or_an_interrupted_step_is_rerun(tiny_project: tuple[Path, Path]) -> None:
    steps, locations = load(*tiny_project)
    assert [r.status for r in pipeline.run_steps(steps, locations, say=lambda *_: None)] == ["succeeded"] * 2
    executed = locations.executed / "double.ipynb"
    manifest = json.loads((locations.build / "run_manifest.json").read_text())
    assert manifest["steps"]["double"]["executed_sha256"] == pipeline.sha256_of_path(executed)
    assert not list(locations.executed.glob(".*.part"))  # papermill wrote to a temporary file, renamed at the end
    executed.write_bytes(executed.read_bytes()[: executed.stat().st_size // 2])  # as a killed papermill leaves it
    again = pipeline.run_steps(steps, locations, say=lambda *_: None)
    assert [r.status for r in again] == ["skipped", "succeeded"]
    assert nbformat.read(executed, as_version=4).cells  # whole again
    manifest = json.loads((locations.build / "run_manifest.json").read_text())
    manifest["steps"]["write"]["status"] = "running"  # what a run killed while 'write' ran leaves
    (locations.build / "run_manifest.json").write_text(json.dumps(manifest))
    assert [r.status for r in pipeline.run_steps(steps, locations, say=lambda *_: None)] == ["succeeded", "skipped"]


def test_a_failed_step_keeps_its_last_good_notebook(tiny_project: tuple[Path, Path]) -> None:
    steps, locations = load(*tiny_project)
    pipeline.run_steps(steps, locations, say=lambda *_: None)
    good = (locations.executed / "double.ipynb").read_bytes()
    failing = pipeline.apply_overrides(steps, ["double.fail=true"])
    result = pipeline.run_steps(failing, locations, force=True, say=lambda *_: None)[-1]
    assert result.status == "failed" and result.executed_notebook.endswith("double.failed.ipynb")
    assert "asked to fail" in Path(result.executed_notebook).read_text()
    assert (locations.executed / "double.ipynb").read_bytes() == good
    assert json.loads((locations.build / "run_manifest.json").read_text())["steps"]["double"]["status"] == "failed"


def run_cli(pipeline_file: Path, out: Path, *arguments: str, cwd: Path = PROJECT_ROOT,
            **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--pipeline", str(pipeline_file), "--out", str(out),
         "--no-export", *arguments], capture_output=True, text=True, cwd=cwd, timeout=600, **options)


def test_partial_files_of_a_killed_write_are_removed_by_the_next_run(tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    assert run_cli(pipeline_file, out).returncode == 0
    leftovers = [out / "data" / "processed" / "a" / ".value.txt.x1y2z3w4.part",
                 out / "reports" / ".index.html.abc_1234.part", out / "build" / "executed" / ".double.ipynb.q9r8s7t6.part"]
    not_ours = out / "data" / "processed" / "a" / ".download.part"
    for leftover in [*leftovers, not_ours]:
        leftover.parent.mkdir(parents=True, exist_ok=True)
        leftover.write_text("half")
    done = run_cli(pipeline_file, out)
    assert done.returncode == 0, done.stderr
    assert "removed 3 partial file(s) an interrupted run left behind" in done.stdout
    assert not any(leftover.exists() for leftover in leftovers)
    assert not_ours.exists()  # not a name the compendium writes


def test_only_names_the_steps_it_leaves_out_of_date(tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    assert run_cli(pipeline_file, out).returncode == 0
    done = run_cli(pipeline_file, out, "--only", "write", "-p", "write.value=5")
    assert done.returncode == 0, done.stderr
    assert "out of date after this run" in done.stdout
    assert "double: its input in_file changed since it ran" in done.stdout
    manifest = json.loads((out / "reports" / "run_manifest.json").read_text())
    assert manifest["run"]["stale_steps"] == {"double": "its input in_file changed since it ran"}
    index = (out / "reports" / "index.html").read_text()
    assert "OUT OF DATE" in index and "double: its input in_file changed since it ran" in index
    # a full plain run brings it up to date and the mark goes
    done = run_cli(pipeline_file, out, "-p", "write.value=5")
    assert done.returncode == 0 and "out of date" not in done.stdout
    assert (out / "data" / "processed" / "b" / "double.txt").read_text() == "10"
    assert "OUT OF DATE" not in (out / "reports" / "index.html").read_text()


def test_a_failed_run_is_named_on_the_index_and_the_last_success_kept(tiny_project: tuple[Path, Path]) -> None:
    pipeline_file, out = tiny_project
    assert run_cli(pipeline_file, out).returncode == 0
    first = json.loads((out / "reports" / "run_manifest.json").read_text())["run"]
    failed = run_cli(pipeline_file, out, "-p", "double.fail=true")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    manifest = json.loads((out / "reports" / "run_manifest.json").read_text())
    assert manifest["run"]["status"] == "failed" and manifest["run"]["failed_steps"] == ["double"]
    assert manifest["last_successful_run"]["started_at"] == first["started_at"]
    index = (out / "reports" / "index.html").read_text()
    assert "The last run did not succeed" in index and "step double failed" in index
    assert "The reports below are those of the last successful run" in index


# ----------------------------------------------------------------------------------------------
# Workers and kernels (issue 11)
# ----------------------------------------------------------------------------------------------


def processes() -> dict[int, tuple[int, str, str]]:
    """Every process on this (Linux) machine: pid -> (parent pid, state, command line), from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (name) "
        table[int(entry.name)] = (int(fields[1]), fields[0], command)
    return table


def descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, directly or not, that are still its descendants."""
    table = processes()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, (ppid, _, _) in table.items() if ppid == parent]
        found += children
        frontier += children
    return found


def kernels_of(pids: list[int]) -> list[int]:
    """Kernels started for this run: their parent (a worker) is one of ``pids`` (they run in their own session)."""
    return [pid for pid, (ppid, _, command) in processes().items() if ppid in pids and "ipykernel" in command]


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` that still run (a zombie, ended but not yet reaped, does not count)."""
    table = processes()
    return [pid for pid in pids if pid in table and table[pid][1] != "Z"]


def start_slow_pipeline(tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A run of two steps that sleep, with two workers; returns it once both kernels have started, and the
    worker and kernel processes."""
    import time

    for name in ("slow_a", "slow_b"):
        make_notebook(tmp_path / f"{name}.ipynb", 'seconds: int = 120\nstarted: str = ""',
                      "import time\nfrom pathlib import Path\nPath(started).touch()\ntime.sleep(seconds)")
    spec = {"steps": [{"name": name, "notebook": str(tmp_path / f"{name}.ipynb"), "study": "a",
                       "parameters": {"started": str(tmp_path / f"{name}.started")}} for name in ("slow_a", "slow_b")]}
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps(spec))
    runner = subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "run", "--pipeline", str(pipeline_file), "--out",
         str(tmp_path / "out"), "--no-export", "--jobs", "2"], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    workers: list[int] = []
    kernels: list[int] = []
    started = [tmp_path / "slow_a.started", tmp_path / "slow_b.started"]
    while time.monotonic() < deadline and runner.poll() is None and not (
            len(kernels) == 2 and all(marker.exists() for marker in started)):  # both kernels run a cell
        time.sleep(0.5)
        workers = descendants(runner.pid)
        kernels = kernels_of(workers)
    if len(kernels) < 2 or not all(marker.exists() for marker in started):
        runner.kill()
        raise AssertionError(f"two kernels did not start (workers {workers}): {runner.communicate()}")
    return runner, sorted(set(workers) | set(kernels))


def kernels_files(pids: list[int]) -> list[Path]:
    """The connection files of the kernels among ``pids`` and the folders of their sockets (ipc transport)."""
    files = []
    for pid in pids:
        words = processes().get(pid, (0, "", ""))[2].split()
        if "ipykernel" in " ".join(words) and "-f" in words:
            connection = Path(words[words.index("-f") + 1])
            files += [connection, Path(json.loads(connection.read_text())["ip"]).parent]
    return files


def wait_until_gone(pids: list[int], seconds: float = 30.0) -> list[int]:
    """The processes of ``pids`` still alive after up to ``seconds`` (a kernel checks its parent every second)."""
    import time

    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.25)
    return alive(pids)


def test_killing_the_runner_ends_its_workers_and_kernels(tmp_path: Path) -> None:
    """SIGKILL to the runner alone (not its group): within a few seconds no worker and no kernel is left."""
    import signal

    runner, everything = start_slow_pipeline(tmp_path)
    try:
        kernel_files = kernels_files(everything)
        assert kernel_files and all(path.exists() for path in kernel_files)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait(timeout=60)
        assert wait_until_gone(everything) == [], "processes outlived the runner"
    finally:
        if runner.poll() is None:
            runner.kill()
    assert [path for path in kernel_files if path.exists()] == []  # no socket folder or connection file left
    manifest = json.loads((tmp_path / "out" / "build" / "run_manifest.json").read_text())
    assert manifest["run"]["status"] == "running"
    assert {step["status"] for step in manifest["steps"].values()} == {"running"}
    index = (tmp_path / "out" / "reports" / "index.html").read_text()  # written when the run started
    assert "The last run has not finished." in index and "it is still running, or it was killed" in index


def test_an_interrupted_run_says_so_and_ends_its_workers(tmp_path: Path) -> None:
    """SIGTERM (or Ctrl-C): one line, exit status 130, the manifest and the index say the run was interrupted."""
    import signal

    runner, everything = start_slow_pipeline(tmp_path)
    try:
        runner.send_signal(signal.SIGTERM)
        _, stderr = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 130
    assert stderr.strip() == ("pipeline: interrupted; the steps that had not finished will run again next time.")
    assert wait_until_gone(everything) == []
    manifest = json.loads((tmp_path / "out" / "reports" / "run_manifest.json").read_text())
    assert manifest["run"]["status"] == "interrupted"
    index = (tmp_path / "out" / "reports" / "index.html").read_text()
    assert "; it was INTERRUPTED." in index
    assert "it was interrupted (Ctrl-C or SIGTERM) before every step had run" in index


def test_a_kernel_that_dies_at_start_is_started_again(tiny_project: tuple[Path, Path], tmp_path: Path) -> None:
    """A kernelspec 'python3' (found first on JUPYTER_PATH) whose first start dies before replying."""
    from helpers.pipeline.workers import is_kernel_start_failure

    assert is_kernel_start_failure(RuntimeError("Kernel died before replying to kernel_info"))
    assert not is_kernel_start_failure(RuntimeError("Kernel died"))  # mid-run: not retried
    spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    marker = tmp_path / "died-once"
    launcher = tmp_path / "flaky_kernel.py"
    launcher.write_text(
        "import os, sys\n"
        f"marker = {str(marker)!r}\n"
        "if not os.path.exists(marker):\n"
        "    open(marker, 'w').close()\n"
        "    sys.exit(1)  # dies before it replies\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', *sys.argv[1:]])\n")
    (spec_dir / "kernel.json").write_text(json.dumps(
        {"argv": [sys.executable, str(launcher), "-f", "{connection_file}"], "display_name": "flaky",
         "language": "python"}))
    pipeline_file, out = tiny_project
    environment = os.environ | {"JUPYTER_PATH": str(tmp_path / "jupyter")}
    done = run_cli(pipeline_file, out, "--only", "write", "--jobs", "1", env=environment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert marker.exists()
    assert "write: done in" in done.stdout and "(kernel started at attempt 2)" in done.stdout
    manifest = json.loads((out / "build" / "run_manifest.json").read_text())
    assert manifest["steps"]["write"]["kernel_attempts"] == 2


def test_a_notebook_missing_two_steps_names_both_in_running_order(tmp_path: Path) -> None:
    from helpers.pipeline.inputs import MissingInputError, require_steps

    present = tmp_path / "present.csv"
    present.write_text("x\n", encoding="utf-8")
    require_steps({"eu2008_clean": [present]})  # nothing missing: no error
    with pytest.raises(MissingInputError) as raised:
        require_steps({"eu2008_clean": [tmp_path / "respondents.parquet"], "eu2008_estimates": [present],
                       "eu2008_figures": [tmp_path / "figure.csv"]})
    message = str(raised.value)
    assert message.startswith("Input missing: ") and "respondents.parquet" in message and "figure.csv" in message
    assert ("Run notebook 20_eu_clean.ipynb first (pipeline step eu2008_clean), then 22_eu_figures.ipynb "
            "(pipeline step eu2008_figures)") in message
    assert "--only eu2008_clean --only eu2008_figures`" in message and "eu2008_estimates" not in message


def test_with_one_job_a_step_is_said_to_run_only_when_it_starts(tmp_path: Path) -> None:
    # Reviewer: with --jobs 1 every ready step was printed "running" (and marked so in the manifest) while it
    # waited in the queue. Two independent steps and one job: the second starts after the first is done.
    steps = []
    for name in ("first", "second"):
        make_notebook(tmp_path / f"{name}.ipynb", 'out_file: str = ""',
                      "from pathlib import Path\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
                      f"Path(out_file).write_text('{name}')")
        steps.append({"name": name, "notebook": str(tmp_path / f"{name}.ipynb"), "study": "a",
                      "parameters": {"out_file": f"{{processed}}/{name}.txt"}, "outputs": ["out_file"]})
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps({"steps": steps}))
    loaded, locations = load(pipeline_file, tmp_path / "out")
    messages: list[str] = []
    manifests: list[dict[str, str]] = []

    def say(message: str) -> None:
        messages.append(message.strip())
        if "done" in message:
            manifest = json.loads((locations.build / "run_manifest.json").read_text())
            manifests.append({name: record["status"] for name, record in manifest["steps"].items()})

    results = pipeline.run_steps(loaded, locations, jobs=1, say=say)
    assert [r.status for r in results] == ["succeeded", "succeeded"]
    assert [m.split(" in ")[0] for m in messages] == [
        "[1/2] first: running " + str(tmp_path / "first.ipynb"), "first: done",
        "[2/2] second: running " + str(tmp_path / "second.ipynb"), "second: done"]
    assert manifests[0] == {"first": "succeeded"}  # when the first is done, the second is not yet "running"
