"""The runner verifies every raw input against the data package before it runs anything (issue 10).

A planted bug that skipped the verification survived the whole suite. Here a one-step pipeline reads a file
of data/raw; the data package is made to record another hash for it (the raw file itself is never touched),
and the run must stop before the step runs, naming the file. The same pipeline with the true hashes runs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from helpers.data import datapackage
from helpers.paths import CLAIMS_FILE
from helpers.pipeline import runner


def one_step_project(tmp_path: Path) -> Path:
    """A pipeline whose only step reads data/raw/claims.csv and writes its size."""
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('claims_file: str = ""\nout_file: str = ""')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(
        "from pathlib import Path\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
        "Path(out_file).write_text(str(len(Path(claims_file).read_bytes())))")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "read_raw.ipynb")
    spec = (f"steps:\n  - name: read_raw\n    study: a\n    notebook: {tmp_path / 'read_raw.ipynb'}\n"
            "    parameters:\n      claims_file: \"{raw}/claims.csv\"\n      out_file: \"{processed}/a/size.txt\"\n"
            "    inputs: [claims_file]\n    outputs: [out_file]\n")
    (tmp_path / "pipeline.yaml").write_text(spec, encoding="utf-8")
    return tmp_path / "pipeline.yaml"


def run(tmp_path: Path) -> int:
    return runner.main(["run", "--pipeline", str(tmp_path / "pipeline.yaml"), "--out", str(tmp_path / "out"),
                        "--no-export"])


def test_a_raw_input_that_differs_from_the_data_package_stops_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    one_step_project(tmp_path)
    recorded = datapackage.recorded_hashes()
    monkeypatch.setattr(datapackage, "recorded_hashes",
                        lambda package_file=None: {**recorded, CLAIMS_FILE.name: "0" * 64})
    assert run(tmp_path) == 2
    message = capsys.readouterr().err
    assert "stopped before running anything" in message
    assert "claims.csv: checksum differs from the data package" in message and "0" * 64 in message
    assert "Traceback" not in message
    assert not (tmp_path / "out" / "data" / "processed" / "a" / "size.txt").exists()


def test_a_raw_input_missing_from_the_data_package_stops_the_run(tmp_path: Path, monkeypatch, capsys) -> None:
    one_step_project(tmp_path)
    recorded = {name: digest for name, digest in datapackage.recorded_hashes().items() if name != CLAIMS_FILE.name}
    monkeypatch.setattr(datapackage, "recorded_hashes", lambda package_file=None: recorded)
    assert run(tmp_path) == 2
    assert "claims.csv: not recorded" in capsys.readouterr().err


@pytest.mark.slow
def test_the_same_pipeline_runs_when_the_hashes_match(tmp_path: Path) -> None:
    one_step_project(tmp_path)
    assert run(tmp_path) == 0
    assert (tmp_path / "out" / "data" / "processed" / "a" / "size.txt").read_text() == str(len(CLAIMS_FILE.read_bytes()))
