"""The real-data route: a respondent file as a user with the real microdata would have it.

The committed synthetic EU file is turned into a "vendor delivery" the way a real one differs from it: no
SYNTHETIC column, other column names (``respondent``, ``land``, ``q_sex`` ...), another column order, and
written as CSV, SPSS ``.sav`` (value labels, 8 and 9 declared user-missing, the interview date as a date) and
Stata ``.dta`` (value labels, the date as a date). The slow tests run the EU steps through the runner's
command line on each file, with the matching ``column_map`` given as a YAML flow mapping with ``-p``, and
the OECD steps on a CSV with its columns in another order, all at once, into temporary folders (about a
minute on 2 cores). The fast tests cover ``helpers.data.real_data`` on hand-made fixtures: writing the formats,
the column names of a file, and which analyses a file that lacks variables supports (docs/real_data.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.eu.clean import CleaningError, clean, read_respondent_file
from helpers.eu.codebook import REQUIRED_COLUMNS as CLEANING_REQUIRED_COLUMNS
from helpers.eu.codebook import (
    CANONICAL_COUNTRIES,
    COUNTRY_ALIASES,
    FREQUENCY_LABELS,
    MISSING_CODES,
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
)
from helpers.paths import EU_RAW_FILE, OECD_RAW_FILE, PROJECT_ROOT
from helpers.pipeline.runner import parse_override
from helpers.data.provenance import REAL_DATA_PREFIX, SYNTHETIC_DATA_NOTICE, file_sha256, write_data_provenance
from helpers.data.real_data import (
    ANALYSES,
    UNUSED_COLUMNS,
    analysis_requirements,
    availability,
    available_index_items,
    check_report,
    file_columns,
    flow_mapping,
    lacking,
    main,
    missing_note,
    missing_variables,
    notes_display,
    read_availability,
    skipped_outputs,
    write_as,
)

EU_STEPS = ("eu2008_clean", "eu2008_estimates", "eu2008_figures", "eu2008_scorecard")
EU_ALL_STEPS = (*EU_STEPS, "eu2008_sensitivity")
LACKING = ("URBAN", "HEA_EAT_HEALTHY", "ENV_WILLING")
"""What the 'lacking' delivery leaves out: a correlate (the models cannot run), an index item (the health index
is built from the other two), and a question nothing uses."""
OECD_STEPS = ("oecd2010_clean", "oecd2010_figures", "oecd2010_scorecard")
FORMATS = ("csv", "sav", "dta")


# ---------------------------------------------------------------------------------------------------------
# A vendor delivery made from the synthetic file
# ---------------------------------------------------------------------------------------------------------


def vendor_names() -> dict[str, str]:
    """Codebook name -> the delivery's name: lower case with a ``q_`` prefix, two names in the vendor's words."""
    names = {column: f"q_{column.lower()}" for column in RAW_COLUMNS if column != "SYNTHETIC"}
    return names | {"RESPID": "respondent", "COUNTRY": "land", "INTDATE": "interview_date"}


def vendor_frame() -> pd.DataFrame:
    """The synthetic EU file as a real delivery would look: no SYNTHETIC, other names, shuffled columns."""
    raw = pd.read_csv(EU_RAW_FILE, dtype={"COUNTRY": "str", "INTDATE": "str"}, keep_default_na=False, na_values=[""])
    frame = raw.drop(columns="SYNTHETIC").rename(columns=vendor_names())
    order = np.random.default_rng(2024).permutation(frame.columns.to_numpy())
    return frame[list(order)]


def vendor_value_labels(frame: pd.DataFrame) -> dict[str, dict[int, str]]:
    """Value labels a vendor would put on the coded columns (SEX and the activity items, with 8 and 9)."""
    names = vendor_names()
    labels = {names["SEX"]: {1: "Male", 2: "Female"}}
    items = [names[column] for column in ("ENV_RECYCLE", "HEA_EAT_HEALTHY", "SAF_INTERVENE")]
    labels |= {item: {**FREQUENCY_LABELS, **MISSING_CODES} for item in items}
    return {column: codes for column, codes in labels.items() if column in frame.columns}


def write_delivery(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as ``path`` (.csv, .sav or .dta); SPSS and Stata get value labels and a real date column."""
    if path.suffix == ".csv":
        return write_as(frame, path)
    dated = frame.assign(interview_date=pd.to_datetime(frame["interview_date"].str.strip(), format="%Y-%m-%d"))
    labels = vendor_value_labels(dated)
    if path.suffix == ".sav":
        items = [column for column in labels if column != vendor_names()["SEX"]]
        return write_as(dated, path, value_labels=labels, user_missing={item: [8, 9] for item in items},
                        column_labels={vendor_names()["COUNTRY"]: "Country of interview"})
    return write_as(dated, path, value_labels=labels)


def column_map_text() -> str:
    """The ``column_map`` as the YAML flow mapping that ``-p eu2008_clean.column_map=...`` takes."""
    return flow_mapping({vendor: codebook for codebook, vendor in vendor_names().items()})


# ---------------------------------------------------------------------------------------------------------
# Fast tests: writing and reading the formats
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_delivery() -> pd.DataFrame:
    return vendor_frame().head(300).reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".csv", ".sav", ".dta"])
def test_each_format_reads_back_to_the_same_cleaned_data(tmp_path: Path, small_delivery: pd.DataFrame,
                                                         suffix: str) -> None:
    path = write_delivery(small_delivery, tmp_path / f"delivery{suffix}")
    assert sorted(file_columns(path)) == sorted(small_delivery.columns)
    column_map = parse_override(f"eu2008_clean.column_map={column_map_text()}")[2]
    raw = read_respondent_file(path, column_map)
    assert list(raw.columns) == [column for column in RAW_COLUMNS if column != "SYNTHETIC"]
    if suffix != ".csv":
        assert raw.attrs["value_labels"]["SEX"] == {1: "Male", 2: "Female"}
    reference = clean(read_respondent_file(write_delivery(small_delivery, tmp_path / "reference.csv"), column_map),
                      "reference.csv")
    result = clean(raw, str(path))
    assert result.data_are_synthetic is False
    pd.testing.assert_frame_equal(result.data, reference.data)
    # SPSS pads text to a fixed width and drops trailing blanks, so it logs fewer whitespace changes
    assert {k: v for k, v in result.counts.items() if k != "whitespace_stripped"} == \
        {k: v for k, v in reference.counts.items() if k != "whitespace_stripped"}


def test_spss_user_missing_codes_are_read_as_codes_and_logged(tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    path = write_delivery(small_delivery, tmp_path / "delivery.sav")
    result = clean(read_respondent_file(path, parse_override(f"x={column_map_text()}")[2]), str(path))
    dont_know = result.log[(result.log["reason"] == "dont_know_to_missing") & (result.log["column"] == "ENV_RECYCLE")]
    assert (small_delivery["q_env_recycle"] == 8).sum() >= len(dont_know) > 0


def test_write_as_refuses_what_a_format_cannot_hold(tmp_path: Path) -> None:
    frame = pd.DataFrame({"land": ["Denmark"], "q_sex": [1]})
    with pytest.raises(TypeError, match="Stata keeps value labels on numeric columns only"):
        write_as(frame, tmp_path / "x.dta", value_labels={"land": {1: "Denmark"}})
    with pytest.raises(KeyError, match="not in the frame"):
        write_as(frame, tmp_path / "x.sav", value_labels={"sex": {1: "Male"}})
    with pytest.raises(ValueError, match="unknown format"):
        write_as(frame, tmp_path / "x.xlsx")


def test_flow_mapping_parses_back_through_the_runner() -> None:
    mapping = {"respondent": "RESPID", "land": "COUNTRY", "yes": "SEX", "1": "AGE", "q 2": "EDUC"}
    step, name, value = parse_override(f"eu2008_clean.column_map={flow_mapping(mapping)}")
    assert (step, name, value) == ("eu2008_clean", "column_map", mapping)


def test_a_missing_required_column_stops_the_cleaning_naming_it(tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    """Verified, not implemented here: helpers.eu.clean refuses a file without a required column, by name."""
    path = write_delivery(small_delivery.drop(columns="q_age"), tmp_path / "no_age.csv")
    column_map = {vendor: codebook for codebook, vendor in vendor_names().items() if codebook != "AGE"}
    with pytest.raises(CleaningError, match=r"no_age\.csv: missing required columns \['AGE'\]"):
        read_respondent_file(path, column_map)


def test_a_numerically_coded_country_with_value_labels_is_read_by_its_labels(
        tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    codes = {country: code for code, country in enumerate(CANONICAL_COUNTRIES, start=1)}
    labels = small_delivery["land"].str.split().str.join(" ").str.casefold().map(COUNTRY_ALIASES)
    frame = small_delivery.assign(land=labels.map(codes).astype("int64"))
    path = write_as(frame, tmp_path / "coded_country.sav",
                    value_labels={"land": {code: country for country, code in codes.items()}})
    result = clean(read_respondent_file(path, parse_override(f"x={column_map_text()}")[2]), str(path))
    assert set(result.data["COUNTRY"]) == set(CANONICAL_COUNTRIES)
    delivered = dict(zip(pd.to_numeric(small_delivery["respondent"].astype(str).str.strip()), labels, strict=True))
    assert result.data["COUNTRY"].tolist() == [delivered[respondent] for respondent in result.data["RESPID"]]


def test_a_country_code_without_a_value_label_is_named(tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    codes = {country: code for code, country in enumerate(CANONICAL_COUNTRIES, start=1)}
    labels = small_delivery["land"].str.split().str.join(" ").str.casefold().map(COUNTRY_ALIASES)
    coded = labels.map(codes).astype("int64")
    coded.iloc[[3, 7]] = 7  # a code the value labels do not have
    path = write_as(small_delivery.assign(land=coded), tmp_path / "unlabelled_code.sav",
                    value_labels={"land": {code: country for country, code in codes.items()}})
    with pytest.raises(CleaningError, match=r"COUNTRY.*'7'.*rows \[3, 7\]"):
        clean(read_respondent_file(path, parse_override(f"x={column_map_text()}")[2]), str(path))


def oecd_vendor_names() -> dict[str, str]:
    """Codebook name -> a real delivery's name for three OECD columns (the others keep the codebook's)."""
    return {"COFOG": "area_code", "RESPID": "official", "Q3_02": "reason_2"}


def test_the_oecd_column_map_renames_a_real_files_columns(tmp_path: Path) -> None:
    from helpers.oecd.clean import VendorFileError, clean_vendor_file

    frame = pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False)
    renamed = frame.rename(columns=oecd_vendor_names())
    path = write_as(renamed[list(reversed(renamed.columns))], tmp_path / "renamed.csv")
    column_map = {vendor: codebook for codebook, vendor in oecd_vendor_names().items()}
    expected = clean_vendor_file(OECD_RAW_FILE)
    mapped = clean_vendor_file(path, column_map=column_map)
    pd.testing.assert_frame_equal(mapped.long, expected.long)
    with pytest.raises(VendorFileError, match=r"renamed\.csv: .*COFOG.*Q3_02"):  # without the map: refused by name
        clean_vendor_file(path)
    with pytest.raises(VendorFileError, match=r"column_map names columns that are not in the file: \['areacode'\]"):
        clean_vendor_file(path, column_map={**column_map, "areacode": "COFOG"})


# ---------------------------------------------------------------------------------------------------------
# Fast tests: which analyses a file that lacks variables supports
# ---------------------------------------------------------------------------------------------------------


def hand_made_respondents() -> pd.DataFrame:
    """Four cleaned respondents with every codebook column but URBAN and HEA_EAT_HEALTHY; SAF_REPORT_POLICE all
    missing (everyone answered don't know, which cleaning made missing); ENV_WILLING absent too."""
    absent = {"URBAN", "HEA_EAT_HEALTHY", "ENV_WILLING", "SYNTHETIC"}
    frame = pd.DataFrame({column: [1, 2, 3, 4] for column in RAW_COLUMNS if column not in absent})
    frame["COUNTRY"] = ["Denmark", "France", "Germany", "Denmark"]
    frame["SAF_REPORT_POLICE"] = pd.array([pd.NA] * 4, dtype="Int64")
    return frame


def test_missing_variables_names_per_analysis_the_columns_a_file_lacks() -> None:
    missing = missing_variables(hand_made_respondents(), analysis_requirements())
    assert missing == {
        "index_health": ["HEA_EAT_HEALTHY"],
        "index_safety": ["SAF_REPORT_POLICE"],
        "activity_frequencies": ["HEA_EAT_HEALTHY", "SAF_REPORT_POLICE"],
        "correlates": ["URBAN"],
    }
    assert missing_variables(read_respondent_file(EU_RAW_FILE), analysis_requirements()) == {}
    # a header (a list of names) only knows absence
    assert missing_variables(["SEX", "ENV_EFFICACY"], {"effect_sizes": ("SEX", "ENV_EFFICACY", "HEA_EFFICACY")}) == \
        {"effect_sizes": ["HEA_EFFICACY"]}
    assert lacking(hand_made_respondents(), ["SEX", "URBAN", "SAF_REPORT_POLICE"]) == ["URBAN", "SAF_REPORT_POLICE"]


def test_index_items_follow_the_file_and_an_explicit_choice_is_not_narrowed() -> None:
    data = hand_made_respondents()
    assert available_index_items(data) == {
        "environment": ["ENV_RECYCLE", "ENV_SAVE_ENERGY", "ENV_PUBLIC_TRANSPORT"],
        "health": ["HEA_EXERCISE", "HEA_CARE_SICK"],
        "safety": ["SAF_INTERVENE", "SAF_SECURE_HOME"],
    }
    assert available_index_items(data, {"environment": ["ENV_RECYCLE"]})["environment"] == ["ENV_RECYCLE"]
    with pytest.raises(ValueError, match=r"index_items asks for HEA_EAT_HEALTHY \(health\)"):
        available_index_items(data, {"health": ["HEA_EXERCISE", "HEA_EAT_HEALTHY"]})
    with pytest.raises(ValueError, match="no activity item of environment"):
        available_index_items(data.drop(columns=["ENV_RECYCLE", "ENV_SAVE_ENERGY", "ENV_PUBLIC_TRANSPORT"]))


def test_notes_say_what_is_not_available_and_what_is_skipped() -> None:
    missing = missing_variables(hand_made_respondents(), analysis_requirements())
    notes = notes_display(missing)
    assert notes is not None and notes_display({}) is None
    assert notes.text.splitlines() == [
        "Not available in this file: HEA_EAT_HEALTHY. The co-production index of public health is built from the "
        "other items (HEA_EXERCISE, HEA_CARE_SICK) and is not comparable with the published value (EU-07) as it "
        "stands.",
        "Not available in this file: SAF_REPORT_POLICE. The co-production index of community safety is built from "
        "the other items (SAF_INTERVENE, SAF_SECURE_HOME) and is not comparable with the published value (EU-08) as "
        "it stands.",
        "Not available in this file: HEA_EAT_HEALTHY, SAF_REPORT_POLICE. The figure of activity frequencies by "
        "country (eu2008_activity_frequencies) is drawn without them.",
        "Not available in this file: URBAN. Not computed: the correlates models (one per sector) and their "
        "heterogeneity tests (tables coefficients, heterogeneity_tests; figure eu2008_correlates); claims EU-11, "
        "EU-12, EU-13, EU-14, EU-15, EU-16, EU-17 cannot be checked.",
    ]
    assert "Not available in this file: URBAN" in notes.html and 'role="note"' in notes.html
    assert r"HEA\_EAT\_HEALTHY" in notes.latex and r"HEA\_EAT\_HEALTHY" in notes.markdown
    assert skipped_outputs(missing) == {
        "tables": ["coefficients", "heterogeneity_tests"],
        "figures": ["eu2008_correlates"],
        "claims": ["EU-11", "EU-12", "EU-13", "EU-14", "EU-15", "EU-16", "EU-17"],
    }


def test_a_partial_analysis_is_skipped_only_when_every_column_is_missing() -> None:
    every_item = {"activity_frequencies": list(analysis_requirements()["activity_frequencies"])}
    assert skipped_outputs(every_item)["figures"] == ["eu2008_activity_frequencies"]
    assert missing_note("effect_sizes", ["SEX"]) == (
        "Not available in this file: SEX. Not computed: the unweighted effect sizes (women vs men; index and "
        "self-efficacy) (table effect_sizes).")
    assert missing_note("fieldwork", ["INTDATE"]).endswith("claim EU-01 cannot be checked.")


def test_availability_travels_through_provenance(tmp_path: Path) -> None:
    data = hand_made_respondents()
    found = availability(data)
    source = write_as(pd.DataFrame({"x": [1]}), tmp_path / "file.csv")
    write_data_provenance(tmp_path, source_file=source, data_are_synthetic=False,
                          extra={"index_items": available_index_items(data), **found.provenance_extra()})
    again = read_availability(tmp_path)
    assert again.missing == found.missing and again.notes == found.notes and again.skipped == found.skipped
    assert again.present("activity_frequencies") == [
        "ENV_RECYCLE", "ENV_SAVE_ENERGY", "ENV_PUBLIC_TRANSPORT", "HEA_EXERCISE", "HEA_CARE_SICK",
        "SAF_INTERVENE", "SAF_SECURE_HOME"]
    claims = again.claim_notes()
    assert set(claims) == {"EU-07", "EU-08", "EU-10", *again.skipped["claims"]}
    assert claims["EU-11"].startswith("Not available in this file: URBAN")
    assert "HEA_EAT_HEALTHY" in claims["EU-10"] and "SAF_REPORT_POLICE" in claims["EU-10"]
    # processed data written before the record existed count as complete
    write_data_provenance(tmp_path, source_file=source, data_are_synthetic=False)
    assert read_availability(tmp_path).missing == {}


def test_the_split_of_required_and_optional_columns_covers_the_codebook() -> None:
    assert CLEANING_REQUIRED_COLUMNS == ("RESPID", "COUNTRY", "INTDATE", "SEX", "AGE")
    assert set(CLEANING_REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | {"SYNTHETIC"} == set(RAW_COLUMNS)
    assert not set(CLEANING_REQUIRED_COLUMNS) & set(OPTIONAL_COLUMNS)
    used = {column for columns in analysis_requirements().values() for column in columns}
    assert set(UNUSED_COLUMNS) == set(OPTIONAL_COLUMNS) - used
    assert set(ANALYSES) == set(analysis_requirements())


def test_check_command_and_hash_command(tmp_path: Path, small_delivery: pd.DataFrame,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_delivery(small_delivery.drop(columns=["q_urban", "q_env_willing"]), tmp_path / "lacking.csv")
    column_map = {vendor: codebook for codebook, vendor in vendor_names().items()
                  if codebook not in ("URBAN", "ENV_WILLING")}
    report = check_report(path, column_map)
    assert "codebook columns missing: URBAN, ENV_WILLING" in report
    assert "required by the cleaning" not in report  # URBAN and ENV_WILLING are optional
    assert "Not available in this file: URBAN. Not computed: the correlates models" in report
    assert "ENV_WILLING: used by no figure or claim" in report
    assert "SYNTHETIC column: absent (the run reports real data)" in report
    unmapped = {name: codebook for name, codebook in column_map.items() if codebook != "AGE"}
    assert "codebook columns missing: AGE, URBAN, ENV_WILLING (renamed? 'q_age' looks like AGE)" in \
        check_report(path, unmapped)
    assert main(["check", str(path), "--column-map", flow_mapping(column_map)]) == 0
    assert "codebook columns missing: URBAN, ENV_WILLING" in capsys.readouterr().out
    sha256 = file_sha256(path)
    write_data_provenance(tmp_path / "processed", source_file=path, data_are_synthetic=False)
    assert main(["hash", str(path), "--processed", str(tmp_path / "processed")]) == 0
    assert capsys.readouterr().out.startswith(f"{sha256}  {path}\nsame as ")
    path.write_text(path.read_text() + "\n")
    assert main(["hash", str(path), "--processed", str(tmp_path / "processed")]) == 1


# ---------------------------------------------------------------------------------------------------------
# Slow tests: the runner on the three formats and on a reordered OECD file
# ---------------------------------------------------------------------------------------------------------


def runner(out: Path, steps: tuple[str, ...], *parameters: str, export: bool = False) -> subprocess.Popen[str]:
    """Start ``python -m helpers.pipeline run`` as a user would (this checkout's code, even mid-reinstall)."""
    only = [argument for step in steps for argument in ("--only", step)]
    parameter_arguments = [argument for parameter in parameters for argument in ("-p", parameter)]
    environment = os.environ | {"PYTHONPATH": str(PROJECT_ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *([] if export else ["--no-export"]),
         *only, *parameter_arguments],
        cwd=PROJECT_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def output_text(notebook: Path) -> str:
    """Every output of an executed notebook as text (all MIME types), but none of its source."""
    document = json.loads(notebook.read_text(encoding="utf-8"))
    parts = []
    for cell in document["cells"]:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", [])))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list) else "")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def real_route(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """The EU steps on the CSV, .sav and .dta delivery (and on a CSV lacking variables, exported) and the OECD
    steps on a reordered CSV with renamed columns, run at once."""
    folder = tmp_path_factory.mktemp("real_route")
    delivery = vendor_frame()
    runs: dict[str, dict[str, object]] = {}
    for suffix in FORMATS:
        path = write_delivery(delivery, folder / f"coproduction2008.{suffix}")
        runs[suffix] = {"file": path, "out": folder / f"out_{suffix}", "steps": EU_STEPS}
        runs[suffix]["process"] = runner(runs[suffix]["out"], EU_STEPS, f"eu2008_clean.respondent_file={path}",
                                         f"eu2008_clean.column_map={column_map_text()}")
    lacking_file = write_delivery(delivery.drop(columns=[vendor_names()[column] for column in LACKING]),
                                  folder / "coproduction2008_lacking.csv")
    runs["lacking"] = {"file": lacking_file, "out": folder / "out_lacking", "steps": EU_ALL_STEPS}
    lacking_map = flow_mapping({vendor: codebook for codebook, vendor in vendor_names().items()
                                if codebook not in LACKING})
    runs["lacking"]["process"] = runner(runs["lacking"]["out"], EU_ALL_STEPS,
                                        f"eu2008_clean.respondent_file={lacking_file}",
                                        f"eu2008_clean.column_map={lacking_map}", export=True)
    oecd = pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False).drop(columns="SYNTHETIC")
    oecd = oecd.rename(columns=oecd_vendor_names())
    oecd = oecd[list(reversed(oecd.columns))]
    oecd_file = write_as(oecd, folder / "oecd2010_officials.csv")
    oecd_map = flow_mapping({vendor: codebook for codebook, vendor in oecd_vendor_names().items()})
    runs["oecd"] = {"file": oecd_file, "out": folder / "out_oecd", "steps": OECD_STEPS}
    runs["oecd"]["process"] = runner(runs["oecd"]["out"], OECD_STEPS, f"oecd2010_clean.respondent_file={oecd_file}",
                                     f"oecd2010_clean.column_map={oecd_map}")
    for run in runs.values():
        process = run.pop("process")
        run["log"] = process.communicate(timeout=900)[0]
        run["returncode"] = process.returncode
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", [*FORMATS, "oecd", "lacking"])
def test_the_runner_succeeds_on_a_real_layout(real_route: dict[str, dict[str, object]], name: str) -> None:
    run = real_route[name]
    assert run["returncode"] == 0, run["log"]
    manifest = json.loads((Path(run["out"]) / "build" / "run_manifest.json").read_text())
    statuses = {step: manifest["steps"][step]["status"] for step in run["steps"]}
    assert statuses == dict.fromkeys(run["steps"], "succeeded")


@pytest.mark.slow
@pytest.mark.parametrize("name", [*FORMATS, "oecd", "lacking"])
def test_provenance_says_real_data_and_records_the_file_hash(real_route: dict[str, dict[str, object]],
                                                             name: str) -> None:
    run = real_route[name]
    study = "oecd2010" if name == "oecd" else "eu2008"
    provenance = json.loads((Path(run["out"]) / "data" / "processed" / study / "provenance.json").read_text())
    assert provenance["data_are_synthetic"] is False
    assert provenance["source_file"] == str(run["file"])  # outside the project: the path as given
    assert provenance["sha256"] == file_sha256(run["file"])
    manifest = json.loads((Path(run["out"]) / "build" / "run_manifest.json").read_text())
    assert manifest["steps"][f"{study}_clean"]["inputs_sha256"]["respondent_file"] == provenance["sha256"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [*FORMATS, "oecd", "lacking"])
def test_the_reports_say_real_respondent_level_data(real_route: dict[str, dict[str, object]], name: str) -> None:
    run = real_route[name]
    executed = Path(run["out"]) / "build" / "executed"
    for step in run["steps"]:
        outputs = output_text(executed / f"{step}.ipynb")
        assert f"{REAL_DATA_PREFIX} {run['file']}" in outputs, step
        assert SYNTHETIC_DATA_NOTICE not in outputs, step


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_the_published_index_still_reproduces(real_route: dict[str, dict[str, object]], name: str) -> None:
    """Same respondents as the synthetic file, so EU-06 to EU-08 pass as they do there."""
    scorecard = pd.read_csv(Path(real_route[name]["out"]) / "reports" / "tables" / "eu2008_scorecard.csv")
    status = scorecard.set_index("claim_id")["status"]
    assert status[["EU-06", "EU-07", "EU-08"]].tolist() == ["pass"] * 3
    assert (status != "fail").all(), scorecard.loc[scorecard["status"] == "fail", ["claim_id", "detail"]]
    assert set(status) == {"pass", "holds by construction"}
    assert (scorecard["built_in"].isna()).all()  # real data: nothing is built in


@pytest.mark.slow
def test_the_three_formats_give_the_same_products(real_route: dict[str, dict[str, object]]) -> None:
    def products(name: str, folder: str, file: str) -> pd.DataFrame:
        path = Path(real_route[name]["out"]) / "data" / "processed" / folder / file
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)

    for name in ("sav", "dta"):
        pd.testing.assert_frame_equal(products(name, "eu2008", "respondents.parquet"),
                                      products("csv", "eu2008", "respondents.parquet"))
        for table in ("index_by_sector.csv", "coefficients.csv", "activity_frequencies.csv"):
            pd.testing.assert_frame_equal(products(name, "eu2008_estimates", table),
                                          products("csv", "eu2008_estimates", table))


@pytest.mark.slow
def test_the_reordered_renamed_oecd_file_reproduces_every_oecd_claim(real_route: dict[str, dict[str, object]]) -> None:
    scorecard = pd.read_csv(Path(real_route["oecd"]["out"]) / "reports" / "tables" / "oecd2010_scorecard.csv")
    assert len(scorecard) == 15 and (scorecard["status"] != "fail").all()


# ---------------------------------------------------------------------------------------------------------
# Slow tests: a real file that lacks variables (URBAN, HEA_EAT_HEALTHY, ENV_WILLING), exported
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_file_lacking_variables_runs_and_skips_only_what_needs_them(real_route: dict[str, dict[str, object]]) -> None:
    run = real_route["lacking"]
    assert run["returncode"] == 0, run["log"]
    out = Path(run["out"])
    estimates = out / "data" / "processed" / "eu2008_estimates"
    assert not (estimates / "coefficients.csv").exists() and not (estimates / "heterogeneity_tests.csv").exists()
    assert (estimates / "effect_sizes.csv").exists()  # needs SEX and EFFICACY only
    items = set(pd.read_csv(estimates / "activity_frequencies.csv")["item"])
    assert "HEA_EAT_HEALTHY" not in items and len(items) == 8
    figures = out / "reports" / "figures" / "eu2008"
    assert not (figures / "eu2008_correlates.png").exists()
    assert all((figures / f"{stem}.png").exists() for stem in
               ("eu2008_index_by_sector", "eu2008_index_by_country", "eu2008_activity_frequencies"))
    provenance = json.loads((out / "data" / "processed" / "eu2008" / "provenance.json").read_text())
    assert provenance["index_items"]["health"] == ["HEA_EXERCISE", "HEA_CARE_SICK"]
    assert provenance["missing_variables"]["correlates"] == ["URBAN"]


@pytest.mark.slow
def test_the_scorecard_marks_unchecked_claims_not_available_with_the_reason(
        real_route: dict[str, dict[str, object]]) -> None:
    scorecard = pd.read_csv(Path(real_route["lacking"]["out"]) / "reports" / "tables" / "eu2008_scorecard.csv")
    rows = scorecard.set_index("claim_id")
    correlates = [f"EU-{number}" for number in range(11, 18)]
    assert (rows.loc[correlates, "status"] == "not available").all()
    assert rows.loc["EU-11", "detail"].startswith("Not available in this file: URBAN. Not computed: the correlates")
    assert "HEA_EAT_HEALTHY" in rows.loc["EU-07", "detail"] and "not comparable" in rows.loc["EU-07", "detail"]
    others = rows.drop(index=[*correlates, "EU-07", "EU-10"])
    assert others["status"].isin(["pass", "holds by construction"]).all(), others.loc[
        others["status"] == "fail", ["status", "detail"]]


@pytest.mark.slow
def test_every_report_of_the_study_says_what_is_not_available(real_route: dict[str, dict[str, object]]) -> None:
    reports = Path(real_route["lacking"]["out"]) / "reports"
    for step in EU_ALL_STEPS:
        for version in ("reviewer", "replicator"):
            text = (reports / f"{step}.{version}.html").read_text(encoding="utf-8")
            assert "Not available in this file: URBAN" in text, (step, version)
            assert "Not available in this file: HEA_EAT_HEALTHY" in text, (step, version)
    figures = (reports / "eu2008_figures.reviewer.html").read_text(encoding="utf-8")
    assert "Not computed: figure eu2008_correlates" in figures
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert index.count('<span class="badge na">N/A</span>') == 7
    assert "tested claims pass" in index and "7 not available in this file" in index
    if shutil.which("xelatex"):  # the PDF too (without the LaTeX tools there is none, by design)
        from pypdf import PdfReader

        text = " ".join(page.extract_text() for page in PdfReader(reports / "eu2008_report.pdf").pages)
        assert "Not available in this file: URBAN" in " ".join(text.split())
