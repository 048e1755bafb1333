"""The run record (helpers.report.runinfo): what a report says about the run it came from, from hand-made
manifests and a small pipeline.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.report import runinfo

PIPELINE = {
    "studies": {"s": {"parameters": {"confidence_level": 0.95, "weighting": "population"}}},
    "steps": [
        {"name": "s_clean", "study": "s", "notebook": "a.ipynb", "parameters": {"processed_dir": "{processed}/s"},
         "outputs": ["processed_dir"]},
        {"name": "s_estimates", "study": "s", "notebook": "b.ipynb", "needs": ["s_clean"],
         "parameters": {"processed_dir": "{processed}/s", "table": "{processed}/s_estimates/t.csv"},
         "inputs": ["processed_dir"], "outputs": ["table"]},
    ],
}


def record(study: str, parameters: dict, *, status: str = "succeeded", finished: str = "2026-11-30T06:10:00+00:00",
           commit: str = "0123456789abcdef", dirty: bool = False, outputs: tuple[str, ...] = ()) -> dict:
    return {"study": study, "status": status, "parameters": parameters, "finished_at": finished,
            "git_commit": commit, "git_dirty": dirty, "outputs_sha256": {name: "x" for name in outputs}}


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Path, dict]:
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps(PIPELINE))
    processed = tmp_path / "out" / "data" / "processed"
    (processed / "s").mkdir(parents=True)
    (processed / "s" / "provenance.json").write_text(json.dumps(
        {"source_file": "data/raw/s_synthetic.csv", "data_are_synthetic": True, "sha256": "x"}))
    manifest = {
        "run": {"status": "succeeded", "started_at": "2026-11-30T06:00:00+00:00", "git_commit": "0123456789abcdef",
                "git_dirty": False, "only": [], "overrides": [], "pipeline_file": str(pipeline_file),
                "placeholders": {"processed": str(processed)}, "stale_steps": {}},
        "steps": {
            "s_clean": record("s", {"processed_dir": str(processed / "s")}, finished="2026-11-30T06:05:00+00:00",
                              outputs=("processed_dir",)),
            "s_estimates": record("s", {"processed_dir": str(processed / "s"), "confidence_level": 0.95,
                                        "weighting": "population", "table": str(processed / "s_estimates/t.csv")},
                                  outputs=("table",)),
        },
    }
    return processed, manifest


def test_data_origin_prefers_the_declared_key_and_falls_back_to_the_flag() -> None:
    assert runinfo.data_origin({"data_origin": "not declared", "data_are_synthetic": False}) == "not declared"
    assert runinfo.data_origin({"data_origin": "synthetic", "data_are_synthetic": False}) == "synthetic"
    assert runinfo.data_origin({"data_origin": "made up", "data_are_synthetic": True}) == "synthetic"
    assert runinfo.data_origin({"data_are_synthetic": False}) == "not declared"  # never real unless declared (issue 9)
    assert runinfo.data_origin(None) == "unknown"


def test_a_default_run_is_summarised_with_date_commit_and_origin(project: tuple[Path, dict]) -> None:
    processed, manifest = project
    summary = runinfo.summarise_run(manifest)
    study = summary.studies["s"]
    assert study.computed_at == "2026-11-30T06:10:00+00:00"  # the later of the two steps
    assert study.commits == ("0123456",) and study.origin == "synthetic"
    assert study.changes == () and study.reproduces_published_choices
    lines = dict(runinfo.study_lines(study))
    assert lines["Computed"] == "2026-11-30 06:10 UTC from commit 0123456"
    assert lines["Data"].startswith("synthetic stand-in data") and lines["Respondent file"] == "data/raw/s_synthetic.csv"
    assert lines["Parameters"] == "all as in pipeline.yaml"
    assert runinfo.failure_text(summary) is None
    assert runinfo.run_status_text(summary) == ("Last run: started 2026-11-30 06:00 UTC, commit 0123456 with "
                                                "pipeline.yaml's parameters; it succeeded.")


def test_the_validation_study_says_its_data_are_simulated_populations(project: tuple[Path, dict]) -> None:
    from dataclasses import replace

    processed, manifest = project
    study = runinfo.summarise_run(manifest).studies["s"]
    lines = dict(runinfo.study_lines(replace(study, study="validation", source="data/raw/eu2008_populations.csv")))
    assert lines["Data"] == runinfo.SIMULATED_DATA_TEXT and "Respondent file" not in lines
    assert lines["Population shares from"] == "data/raw/eu2008_populations.csv"
    assert dict(runinfo.study_lines(study))["Respondent file"] == "data/raw/s_synthetic.csv"  # another study: as before


def test_a_changed_study_parameter_is_a_changed_analysis_but_an_output_path_is_not(project: tuple[Path, dict]) -> None:
    _, manifest = project
    manifest["steps"]["s_estimates"]["parameters"]["weighting"] = "unweighted"
    manifest["steps"]["s_estimates"]["parameters"]["table"] = "/elsewhere/t.csv"
    manifest["steps"]["s_estimates"]["git_dirty"] = True
    study = runinfo.summarise_run(manifest).studies["s"]
    # paths as a reader sees them: under the run's folder relative to it, elsewhere by name (issue 13)
    assert [change.text() for change in study.changes] == ["table = t.csv (outside the project; full path and sha256 in "
                                                           "the run manifest) (pipeline.yaml: "
                                                           "data/processed/s_estimates/t.csv)",
                                                           "weighting = unweighted (pipeline.yaml: population)"]
    assert [change.name for change in study.analysis_changes] == ["weighting"]
    assert not study.reproduces_published_choices
    assert study.commits == ("0123456", "0123456-dirty")
    html = runinfo.study_block_html(study)
    assert "border:3px solid #b3261e" in html and "this run changed the analysis" in html
    latex = runinfo.study_block_latex(study)
    assert r"weighting = unweighted (pipeline.yaml: population) [s\_estimates]" in latex and "red!70!black" in latex


def test_analysis_files_edited_since_the_commit_make_a_variant_and_are_named(project: tuple[Path, dict]) -> None:
    # A run from edited notebooks was marked only by "-dirty" on the commit; its reports said the code reproduces
    # the published numbers. The files a step computed with that were edited (the runner keeps only those per
    # step: tests/test_runinfo.py::test_a_step_records_only_the_edited_files_it_computes_with) are named, and the
    # run is a variant.
    _, manifest = project
    manifest["steps"]["s_estimates"]["git_dirty"] = True
    manifest["steps"]["s_estimates"]["git_changed_files"] = [
        "src/helpers/oecd/estimates.py", "notebooks/11_oecd_figures.ipynb"]
    manifest["steps"]["s_clean"]["git_changed_files"] = ["data/raw/claims.csv"]
    manifest["steps"]["s_clean"]["status"] = "failed"  # a failed step's edits did not make the shown numbers
    study = runinfo.summarise_run(manifest).studies["s"]
    assert study.edited_files == ("notebooks/11_oecd_figures.ipynb", "src/helpers/oecd/estimates.py")
    assert study.changes == () and study.is_variant and not study.reproduces_published_choices
    assert study.variant_texts == ("edited since the commit: notebooks/11_oecd_figures.ipynb, "
                                   "src/helpers/oecd/estimates.py",)
    lines = dict(runinfo.study_lines(study))
    assert lines["Edited since the commit"] == ("notebooks/11_oecd_figures.ipynb, src/helpers/oecd/estimates.py: the "
                                                "numbers were computed with these edited files, which the commit "
                                                "alone does not hold")
    assert lines["Note"].startswith("this run changed the analysis")
    assert runinfo.is_alarming(study)
    manifest["steps"]["s_estimates"]["git_changed_files"] = []  # edits the step did not compute with
    unchanged = runinfo.summarise_run(manifest).studies["s"]
    assert unchanged.edited_files == () and not unchanged.is_variant and "Note" not in dict(runinfo.study_lines(unchanged))


def test_a_long_list_of_edited_files_is_shortened() -> None:
    files = [f"src/helpers/m{number}.py" for number in range(7)]
    assert runinfo.files_text(files) == ("src/helpers/m0.py, src/helpers/m1.py, src/helpers/m2.py, src/helpers/m3.py, "
                                         "src/helpers/m4.py and 2 more")
    assert runinfo.files_text(files[:2]) == "src/helpers/m0.py, src/helpers/m1.py"


def notebook_text(code: str, output: str = "") -> str:
    outputs = [{"output_type": "stream", "name": "stdout", "text": output}] if output else []
    return json.dumps({"cells": [{"cell_type": "code", "source": code, "outputs": outputs, "metadata": {},
                                  "execution_count": None}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_the_runner_records_the_files_edited_since_the_commit(tmp_path: Path) -> None:
    import subprocess

    from helpers.pipeline.runner import git_state

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    project = tmp_path / "compendium"  # inside a larger repository: names relative to the project
    (project / "notebooks").mkdir(parents=True)
    (project / "notebooks" / "a.ipynb").write_text(notebook_text("x = 1"))
    (project / "notebooks" / "21_schätzung.ipynb").write_text(notebook_text("y = 1"))
    (project / "README.md").write_text("x")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    assert git_state(project)["git_changed_files"] == [] and git_state(project)["git_dirty"] is False
    (project / "notebooks" / "a.ipynb").write_text(notebook_text("x = 2"))
    (project / "notebooks" / "21_schätzung.ipynb").write_text(notebook_text("y = 2"))  # git would quote this name
    (project / "untracked.txt").write_text("not part of the project")
    state = git_state(project)
    assert state["git_dirty"] is True
    assert state["git_changed_files"] == ["notebooks/21_schätzung.ipynb", "notebooks/a.ipynb"]
    git("add", "compendium/notebooks/a.ipynb")  # staged counts too
    assert "notebooks/a.ipynb" in git_state(project)["git_changed_files"]
    # a notebook saved with outputs, its code unchanged, computes what the commit computes
    (project / "notebooks" / "21_schätzung.ipynb").write_text(notebook_text("y = 1", output="1\n"))
    assert git_state(project)["git_changed_files"] == ["notebooks/a.ipynb"]


def test_a_step_records_only_the_edited_files_it_computes_with(tmp_path: Path) -> None:
    from helpers.pipeline.runner import Step, files_used_by

    step = Step("eu_clean", tmp_path / "notebooks" / "20_eu_clean.ipynb", "eu", "", {
        "respondent_file": str(tmp_path / "data" / "raw" / "eu.csv"), "processed_dir": str(tmp_path / "out" / "eu"),
        "reference_dir": str(tmp_path / "data" / "reference")}, ("respondent_file", "reference_dir"),
        ("processed_dir",), ())
    changed = ["README.md", "data/raw/eu.csv", "data/raw/oecd.csv", "data/reference/table.csv",
               "notebooks/11_oecd_figures.ipynb", "notebooks/20_eu_clean.ipynb", "pipeline.yaml",
               "src/helpers/eu/clean.py", "tests/test_x.py"]
    assert files_used_by(step, changed, tmp_path) == [
        "data/raw/eu.csv", "data/reference/table.csv", "notebooks/20_eu_clean.ipynb", "pipeline.yaml",
        "src/helpers/eu/clean.py"]
    package = files_used_by(step, ["data/raw/datapackage.json"], tmp_path)  # it tells which files are synthetic
    assert package == ["data/raw/datapackage.json"]
    linked = tmp_path.parent / f"{tmp_path.name}-link"  # the project reached through a symbolic link
    linked.symlink_to(tmp_path)
    through_link = Step("eu_clean", linked / "notebooks" / "20_eu_clean.ipynb", "eu", "", {
        "respondent_file": str(linked / "data" / "raw" / "eu.csv")}, ("respondent_file",), (), ())
    assert files_used_by(through_link, changed, tmp_path) == [
        "data/raw/eu.csv", "notebooks/20_eu_clean.ipynb", "pipeline.yaml", "src/helpers/eu/clean.py"]


def test_outside_git_the_record_says_edits_cannot_be_told(project: tuple[Path, dict]) -> None:
    _, manifest = project
    for record in manifest["steps"].values():
        record["git_commit"], record["git_dirty"] = "unknown", None
    lines = dict(runinfo.study_lines(runinfo.summarise_run(manifest).studies["s"]))
    assert lines["Computed"].endswith("from commit unknown")
    assert lines["Edited since the commit"].startswith("cannot be told: the project is not a git clone")
    manifest["steps"]["s_clean"]["git_commit"] = "0123456789abcdef"  # one step from a clone, one not
    mixed = runinfo.summarise_run(manifest).studies["s"]
    assert mixed.edits_unknown and dict(runinfo.study_lines(mixed))["Edited since the commit"].startswith("cannot")


def test_a_parameter_pipeline_yaml_does_not_set_is_compared_with_the_notebook_default(
        project: tuple[Path, dict]) -> None:
    _, manifest = project
    manifest["steps"]["s_clean"]["parameters"]["index_items"] = {"environment": ["A", "B"]}
    change = runinfo.summarise_run(manifest).studies["s"].changes[0]
    assert change.text() == "index_items = {\"environment\": [\"A\", \"B\"]} (the notebook's default)"
    assert change.short_text() == "index_items = {\"environment\": [\"A\", \"B\"]} instead of the notebook's default"


def test_out_of_date_unfinished_and_failed_runs(project: tuple[Path, dict]) -> None:
    processed, manifest = project
    manifest["run"].update(status="failed", failed_steps=["s_estimates"],
                           stale_steps={"s_clean": "its notebook changed since it ran"})
    manifest["steps"]["s_estimates"]["status"] = "failed"
    manifest["last_successful_run"] = {"started_at": "2026-11-29T10:00:00+00:00", "git_commit": "fedcba9876",
                                       "git_dirty": False}
    summary = runinfo.summarise_run(manifest)
    study = summary.studies["s"]
    assert study.stale == {"s_clean": "its notebook changed since it ran"}
    assert study.unfinished == ("s_estimates",)
    assert study.is_stale_file(processed / "s" / "respondents.parquet")
    assert study.is_stale_file(processed / "s_estimates" / "t.csv")
    assert not study.is_stale_file(processed / "s_other" / "x.csv")
    text = runinfo.failure_text(summary)
    assert text.startswith("The last run (started 2026-11-30 06:00 UTC) did not succeed: step s_estimates failed.")
    assert "those of the last successful run (started 2026-11-29 10:00 UTC, commit fedcba9)" in text
    lines = runinfo.study_lines(study)
    assert ("OUT OF DATE", "s_clean: its notebook changed since it ran. Its results here come from an earlier "
                           "run; run the whole pipeline again (without --only) to update them.") in lines
    html = runinfo.run_block_html(summary)
    assert 'class="run-failed" role="alert"' in html and "The last run did not succeed." in html
    del manifest["last_successful_run"]  # the tester's case: a first run whose export failed halfway
    manifest["run"]["status"] = "running"
    text = runinfo.failure_text(runinfo.summarise_run(manifest))
    assert "has not finished: step s_estimates failed; it is still running, or it was killed." in text
    assert "No successful run is recorded in this folder: the reports below were written by unfinished runs" in text
    assert "earlier run (" not in text


def test_without_a_readable_pipeline_file_nothing_is_claimed_about_parameters(project: tuple[Path, dict],
                                                                               tmp_path: Path) -> None:
    _, manifest = project
    study = runinfo.summarise_run(manifest, pipeline_file=tmp_path / "missing.yaml").studies["s"]
    assert dict(runinfo.study_lines(study))["Parameters"].startswith("not compared with pipeline.yaml")


def test_level_labels_come_from_the_table() -> None:
    import pandas as pd

    from helpers.stats.intervals import level_label, table_confidence_level

    assert level_label(0.95) == "95%" and level_label(0.9) == "90%" and level_label(0.995) == "99.5%"
    assert table_confidence_level(pd.DataFrame({"confidence_level": [0.9, 0.9]}), "t") == 0.9
    with pytest.raises(KeyError, match="t: the table has no 'confidence_level' column"):
        table_confidence_level(pd.DataFrame({"estimate": [1.0]}), "t")
    with pytest.raises(ValueError, match=r"expected one confidence level .* found \[0.9, 0.95\]"):
        table_confidence_level(pd.DataFrame({"confidence_level": [0.9, 0.95]}), "t")


def test_the_run_record_is_near_the_top_of_a_page_with_its_style_and_other_raw_html_is_still_sanitised(
        tmp_path: Path) -> None:
    import nbformat

    from helpers.report import export

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title\n\nWhat it does."),
                      nbformat.v4.new_raw_cell('<div style="color:red" onclick="x()">raw</div>',
                                               metadata={"raw_mimetype": "text/html"}),
                      nbformat.v4.new_code_cell("1 + 1")]
    block = runinfo.RunBlock(html='<div class="run-record" style="border:3px solid #b3261e">RECORD</div>',
                             latex=r"\textbf{RECORD}")
    marked = export.with_run_block(notebook, block)
    assert [cell.cell_type for cell in marked.cells] == ["markdown", "raw", "raw", "raw", "code"]
    assert export.with_run_block(notebook, block, after_title=False).cells[0].source == block.html
    for write in (export.export_reviewer_html, export.export_replicator_html):
        page = write(notebook, tmp_path / "page.html", run_block=block).read_text(encoding="utf-8")
        assert '<div class="run-record" style="border:3px solid #b3261e">RECORD</div>' in page
        assert page.index("RECORD") < page.index("raw</div>")
        assert 'style="color:red"' not in page and "onclick" not in page  # the notebook's own raw HTML: sanitised
        assert r"\textbf{RECORD}" not in page  # the LaTeX cell shows only in the PDF


def test_paths_reach_the_reports_relative_to_the_run_or_the_project_never_absolute(tmp_path: Path) -> None:
    from helpers.paths import PROJECT_ROOT

    out = tmp_path / "out"
    roots = runinfo.run_roots({"placeholders": {"reports": str(out / "reports")}})
    assert runinfo.reader_path(str(PROJECT_ROOT / "data" / "raw" / "x.csv"), roots) == "data/raw/x.csv"
    assert runinfo.reader_path(str(out / "data" / "processed" / "eu2008"), roots) == "data/processed/eu2008"
    elsewhere = runinfo.reader_path("/srv/vendor/delivery_2008.sav", roots)
    assert elsewhere.startswith("delivery_2008.sav (outside the project") and "/srv" not in elsewhere
    assert runinfo.reader_path("data/raw/x.csv", roots) == "data/raw/x.csv"
    change = runinfo.ParameterChange("eu2008", "eu2008_clean", "respondent_file", "/srv/vendor/d.csv",
                                     str(PROJECT_ROOT / "data" / "raw" / "eu2008_citizens_synthetic.csv"),
                                     roots=roots)
    assert change.text() == ("respondent_file = d.csv (outside the project; full path and sha256 in the run "
                             "manifest) (pipeline.yaml: data/raw/eu2008_citizens_synthetic.csv)")


def test_a_report_page_not_re_exported_gets_one_box_at_its_top(tmp_path: Path) -> None:
    from helpers.report.reporting import mark_not_re_exported

    page = tmp_path / "s_report.html"
    assert not mark_not_re_exported(page, "2026-11-30 06:00 UTC")  # no page: nothing written
    assert not page.exists()
    page.write_text('<html><head><title>t</title></head><body class="x"><h1>Report</h1></body></html>', encoding="utf-8")
    assert mark_not_re_exported(page, "2026-11-30 06:00 UTC")
    assert mark_not_re_exported(page, "2026-11-30 07:00 UTC")  # a second run renews the box, never adds one
    text = page.read_text(encoding="utf-8")
    assert text.count("Not re-exported.") == 1 and "(started 2026-11-30 07:00 UTC)" in text
    assert text.index('<body class="x">') < text.index("Not re-exported.") < text.index("<h1>Report</h1>")
    assert mark_not_re_exported(page, None)  # the reviewer's case: what it is built from is as exported again
    assert page.read_text(encoding="utf-8") == ('<html><head><title>t</title></head><body class="x"><h1>Report</h1>'
                                                "</body></html>")
    assert not mark_not_re_exported(page, None)  # nothing to take away: the page is not written again
