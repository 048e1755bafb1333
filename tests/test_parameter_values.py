"""A parameter value a notebook would refuse is refused by the runner before anything runs (helpers.pipeline.choices).

The reviewer's case: ``-p percentage_base=respondents`` ran the cleaning step and failed only in the figures step.
Each rule is tested at its edges; the runner is tested on the real pipeline (a value given with ``-p``) and on a
small pipeline whose notebook default was edited (the same wrong value typed into a ``parameters`` cell).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.pipeline import choices
from helpers.pipeline.choices import value_problem
from helpers.data.delivery import normalise_data_origin
from helpers.eu.estimates import index_by_sector
from helpers.eu.products import weighting_options
from helpers.oecd.estimates import percent_affirmative
from helpers.paths import PROJECT_ROOT
from helpers.pipeline import runner
from helpers.pipeline.runner import Locations, PipelineError
from test_eu_estimates import six_respondents
from test_oecd_estimates import claims, six_row_table  # noqa: F401 - claims is a fixture
from test_pipeline import make_notebook


@pytest.mark.parametrize(("name", "accepted", "refused"), [
    ("percentage_base", ["responses", "all_cells", "excluding_dont_know"], ["respondents", "Responses", 1]),
    ("weighting", ["population", "equal_countries", "unweighted"], ["weighted", "", None]),
    ("data_origin", ["", "real", "synthetic", "Not_Declared", " REAL "], ["fake", "true", 1]),
    ("delimiter", ["auto", ",", ";", "\t", "|", ":"], ["comma", "", ";;", "\\t", 1, "\n", "\r", '"', "AUTO"]),
    ("decimal", ["auto", ".", ","], ["point", "", ";", "-"]),
    ("encoding", ["auto", "AUTO", " Auto ", "utf-8", "cp1252", "UTF-16", "latin-1"],
     ["klingon", "", 8, "rot13", "zlib", "undefined", "punycode"]),
    ("master_seed", [0, 2026], [-1, 1.5]),
    ("confidence_level", [0.5, 0.9, 0.95, 0.999], [0, 1, 1.5, -0.1, 95, "0.9", True]),
    ("alpha", [0.01, 0.05], [0, 1, 5]),
    ("population_fraction", [0.01, 1, 1.0], [0, 1.01, -0.5]),
    ("replicates", [1, 30, 30.0], [0, -3, 1.5, "30", False]),
    ("workers", [0, 1, 4], [-1, 0.5]),
])
def test_each_rule_accepts_and_refuses_at_its_edges(name: str, accepted: list, refused: list) -> None:
    for value in accepted:
        assert value_problem(name, value) is None, (name, value)
    for value in refused:
        assert value_problem(name, value), (name, value)


def test_a_parameter_without_a_rule_is_left_to_the_type_check() -> None:
    assert value_problem("respondent_file", "anything.csv") is None
    assert value_problem("index_items", {"x": ["y"]}) is None


@pytest.mark.parametrize(("written", "type_name", "value"), [
    ("data/raw/my #2.csv", "str", "data/raw/my #2.csv"),  # YAML would drop " #2.csv" as a comment
    ("null", "str", "null"), ('"quoted"', "str", "quoted"), ("1e-3", "float", 0.001), ("7", "int", 7),
    ("{a: [b]}", "dict", {"a": ["b"]}), ("seven", "int", "seven"),
])
def test_a_value_is_read_as_the_notebook_declares_it(written: str, type_name: str, value) -> None:
    assert runner.value_read_as(runner.yaml_value(written), written, type_name) == value


def test_a_malformed_mapping_is_refused_with_yamls_reason_and_an_example() -> None:
    hint = runner.mapping_hint("{a: b", "value_map")
    assert hint.startswith(" (YAML could not read it: while parsing a flow mapping")
    assert hint.endswith("; write a mapping as -p 'value_map={COLUMN: {old: new}}'")
    assert runner.mapping_hint("just text", "value_map") == "; write a mapping as -p 'value_map={COLUMN: {old: new}}'"
    for tag in ("!!int", "!!float x", "!!bool x"):  # YAML raises other errors than YAMLError on these
        assert runner.yaml_value(tag) == tag


def test_every_base_the_runner_accepts_is_one_the_estimator_computes(claims) -> None:
    # The six-cell table of tests/test_oecd_estimates.py, by hand: yes 3 of 5 responses, of 6 cells, of 4 yes/no.
    by_hand = {"responses": 60.0, "all_cells": 50.0, "excluding_dont_know": 75.0}
    assert set(choices.PERCENTAGE_BASES) == set(by_hand)  # a new choice needs its hand computation here
    for base in choices.PERCENTAGE_BASES:
        row = percent_affirmative(six_row_table(), claims, base=base).set_index("item_id").loc["reason_reduce_costs"]
        assert row["estimate"] == pytest.approx(by_hand[base]), base


def test_every_weighting_the_runner_accepts_gives_its_own_estimate(claims) -> None:
    # The six respondents of tests/test_eu_estimates.py with France's second weight 2: unweighted 65, population
    # weights 580 / 9, equal country totals (47.5 + 78) / 2 = 62.75.
    by_hand = {"unweighted": 65.0, "population": 580 / 9, "equal_countries": 62.75}
    assert set(choices.WEIGHTING_CHOICES) == set(by_hand)
    frame = six_respondents().assign(weight_five_country=[1.0, 2.0, 1.0, 2.0, 2.0, 1.0])
    for weighting in choices.WEIGHTING_CHOICES:
        row = index_by_sector(frame, sectors=("environment",), claims=claims, **weighting_options(weighting)).iloc[0]
        assert row["estimate"] == pytest.approx(by_hand[weighting]), weighting
    with pytest.raises(ValueError, match="weighting must be one of population, equal_countries, unweighted"):
        weighting_options("weighted")


def test_the_origin_words_the_runner_accepts_are_the_ones_the_cleaning_reads() -> None:
    for word in ["", "real", "synthetic", "Not_Declared", " REAL ", "auto", "unknown"]:
        assert value_problem("data_origin", word) is None
        assert normalise_data_origin(word) in ("real", "synthetic", "not declared")
    assert value_problem("data_origin", "fake")
    with pytest.raises(ValueError, match="data_origin must be"):
        normalise_data_origin("fake")


@pytest.mark.parametrize(("written", "value"), [
    ("delimiter=,", ","), ("decimal=,", ","), ("delimiter=|", "|"), ('delimiter="\t"', "\t"), ("delimiter=;", ";"),
    ("confidence_level=.9", 0.9), ("x=null", None), ('x=""', ""), ("value_map={a: b", "{a: b"),
])
def test_a_value_yaml_cannot_read_is_taken_as_written(written: str, value) -> None:
    # Reviewer: -p delimiter=, ended in a YAML traceback and -p 'delimiter=|' was read as ''.
    assert runner.parse_override(written)[2] == value
    if written.startswith(("delimiter", "decimal")):
        assert value_problem(written.split("=")[0], value) is None


def test_a_wrong_value_given_with_p_stops_the_real_pipeline_before_anything_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), "-p", "percentage_base=respondents",
         "-p", "eu2008.confidence_level=1.5"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "stopped before running anything" in done.stderr
    assert ("percentage_base = 'respondents' (given with -p) must be one of 'responses', 'all_cells', "
            "'excluding_dont_know'; it would reach step(s) oecd2010_figures.") in done.stderr
    assert ("confidence_level = 1.5 (given with -p) must be a number between 0 and 1 (both excluded); it would "
            "reach step(s) eu2008_estimates, eu2008_sensitivity.") in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()  # nothing was written, not even the output folder


def small_pipeline(tmp_path: Path, default: str) -> Path:
    """One step whose notebook declares ``percentage_base`` with ``default`` as its source text."""
    make_notebook(tmp_path / "base.ipynb", f"percentage_base: str = {default}\nout_file: str = ''",
                  "from pathlib import Path\nPath(out_file).parent.mkdir(parents=True, exist_ok=True)\n"
                  "Path(out_file).write_text(percentage_base)")
    spec = {"steps": [{"name": "base", "notebook": str(tmp_path / "base.ipynb"), "study": "a",
                       "parameters": {"out_file": "{processed}/a/base.txt"}, "outputs": ["out_file"]}]}
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps(spec))
    return pipeline_file


def problems_of(pipeline_file: Path, out: Path, overrides: list[str]) -> list[str]:
    loaded = runner.load_pipeline(pipeline_file, Locations(root=PROJECT_ROOT, out=out))
    return runner.parameter_value_problems(loaded, runner.apply_overrides(loaded, overrides))


def test_a_wrong_default_typed_into_a_notebook_is_found_and_named(tmp_path: Path) -> None:
    pipeline_file = small_pipeline(tmp_path, '"respondents"')
    assert problems_of(pipeline_file, tmp_path / "out", []) == [
        "percentage_base = 'respondents' (set in the parameters cell of base.ipynb) must be one of 'responses', "
        "'all_cells', 'excluding_dont_know'; it would reach step(s) base."]
    assert problems_of(pipeline_file, tmp_path / "out", ["percentage_base=all_cells"]) == []  # -p mends it
    good = small_pipeline(tmp_path, '"responses"')
    assert problems_of(good, tmp_path / "out", []) == []
    assert problems_of(good, tmp_path / "out", ["base.percentage_base=respondents"])[0].startswith(
        "percentage_base = 'respondents' (given with -p)")


def test_a_default_that_is_not_a_literal_is_not_judged(tmp_path: Path) -> None:
    pipeline_file = small_pipeline(tmp_path, "str(1)")
    assert problems_of(pipeline_file, tmp_path / "out", []) == []
    assert runner.notebook_default({"default": "str(1)"}) == (False, None)
    assert runner.notebook_default({"default": "0.9"}) == (True, 0.9)


def test_a_wrong_value_in_pipeline_yaml_is_named_as_set_there(tmp_path: Path) -> None:
    pipeline_file = small_pipeline(tmp_path, '"responses"')
    spec = json.loads(pipeline_file.read_text())
    spec["steps"][0]["parameters"]["percentage_base"] = "everyone"
    pipeline_file.write_text(json.dumps(spec))
    assert problems_of(pipeline_file, tmp_path / "out", [])[0].startswith(
        "percentage_base = 'everyone' (set in pipeline.yaml) must be one of")


def test_the_runner_refuses_through_prepare(tmp_path: Path) -> None:
    pipeline_file = small_pipeline(tmp_path, '"respondents"')
    args = runner.build_parser().parse_args(["run", "--pipeline", str(pipeline_file), "--out", str(tmp_path / "o")])
    with pytest.raises(PipelineError, match="percentage_base = 'respondents'"):
        runner.prepare(args)


@pytest.mark.parametrize(("values", "refused"), [
    ({"officials_sample": 480, "officials_population": 48000}, False),
    ({"officials_sample": 480, "officials_population": 480}, False),  # the whole population: allowed
    ({"officials_sample": 481, "officials_population": 480}, True),
    ({"officials_sample": 481}, False),  # no population in this step: nothing to compare
    ({"officials_sample": "481", "officials_population": 480}, False),  # not a number: value_problem's case
])
def test_a_sample_larger_than_its_population_is_refused(values: dict, refused: bool) -> None:
    problems = choices.combination_problems(values)
    assert bool(problems) is refused, problems
    if refused:
        assert problems == ["officials_sample = 481 is larger than officials_population = 480: a sample drawn "
                            "without replacement cannot be larger than its population"]


def test_the_real_pipeline_refuses_a_sample_larger_than_its_population_before_running() -> None:
    out = PROJECT_ROOT / "build" / "never-written"
    loaded = runner.load_pipeline(PROJECT_ROOT / "pipeline.yaml", Locations(root=PROJECT_ROOT, out=out))
    problems = runner.parameter_value_problems(
        loaded, runner.apply_overrides(loaded, ["validation.officials_population=400"]))
    assert problems == ["step validation_replicates: officials_sample = 480 is larger than officials_population = "
                        "400: a sample drawn without replacement cannot be larger than its population."]


def test_the_validation_steps_share_their_populations_settings() -> None:
    """Steps 30 and 31 must draw from the same populations: the settings are set once for the study, so ``-p`` with
    one step's name sets both, and they cannot disagree."""
    out = PROJECT_ROOT / "build" / "never-written"
    loaded = runner.load_pipeline(PROJECT_ROOT / "pipeline.yaml", Locations(root=PROJECT_ROOT, out=out))
    by_name = {step.name: step for step in runner.apply_overrides(loaded, ["validation_replicates.master_seed=7"])}
    for name in ("validation_population", "validation_replicates"):
        assert {"master_seed", "population_fraction", "officials_population"} <= set(by_name[name].study_parameters)
        assert by_name[name].parameters["master_seed"] == 7


def test_a_run_never_writes_into_the_raw_data(tmp_path: Path) -> None:
    """The tester's case: --out data/raw was accepted and wrote build/, data/, reports/ and a lock into data/raw.
    Checked in this process through ``prepare`` (which writes nothing), so a regression cannot write into the
    repository's raw data."""
    raw = PROJECT_ROOT / "data" / "raw"
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "build").symlink_to(raw)  # the reviewer's case: build/ is a symbolic link into data/raw
    cases = {
        "--out": (["--out", str(raw)], "--out"),
        "--out below": (["--out", str(raw / "sub")], "--out"),
        "an output": (["-p", "oecd2010_clean.processed_dir=data/raw/x", "--out", str(tmp_path / "o")],
                      f"processed_dir = {raw / 'x'} (step oecd2010_clean)"),
        "a cache folder": (["-p", "validation_population.population_cache_dir=" + str(raw / "cache"),
                            "--out", str(tmp_path / "o")], "population_cache_dir = "),
        "a linked build": (["--out", str(linked)], "the build folder"),
    }
    for name, (arguments, expected) in cases.items():
        args = runner.build_parser().parse_args(["run", *arguments])
        with pytest.raises(PipelineError) as refused:
            runner.prepare(args)
        message = str(refused.value)
        assert message.startswith(expected), (name, message)
        assert "the raw data, which a run never writes" in message, (name, message)
    assert runner.is_inside(raw / "a" / "b", raw) and runner.is_inside(raw, raw)
    assert not runner.is_inside(PROJECT_ROOT / "data" / "rawer", raw)
    runner.prepare(runner.build_parser().parse_args(["run", "--out", str(tmp_path / "fine")]))  # elsewhere: accepted
