"""The real-data route: a respondent file as a user with the real microdata would have it.

The committed synthetic EU file is turned into a "vendor delivery" the way a real one differs from it: no
SYNTHETIC column, other column names (``respondent``, ``land``, ``q_sex`` ...), another column order, and
written as CSV, SPSS ``.sav`` and Stata ``.dta``. The SPSS and Stata deliveries are also relabelled in French
the way vendors do: countries in French (text in SPSS, codes with French value labels in Stata), SEX coded the
other way round (1 Femme, 2 Homme) and URBAN coded 0/1 (Urbain/Rural), both mapped back with ``value_map``;
don't know and refused declared user-missing (SPSS, labelled "Ne sait pas" and "Refus"); and the ages of
:data:`AGES_WITHHELD` respondents declared missing ("Refus": SPSS user-missing 997, Stata extended missing .a),
which the CSV delivery leaves blank. The slow tests run the EU steps through the runner's command line on each
file, with the matching ``column_map`` and ``value_map`` given as YAML flow mappings with ``-p``, and the OECD
steps on a CSV with its columns in another order, all at once, into temporary folders (about two minutes on 2
cores): the three formats give the same respondents and the same scorecard (the acceptance test of issue 9),
and, being the synthetic sample, every report says SYNTHETIC DATA although no SYNTHETIC column is left and one
run declares the data real. A file that is not the synthetic sample (the generator's seed 7, without its
SYNTHETIC column) is reported as real when declared so, and as of undeclared origin when not. The fast tests
cover ``helpers.data.real_data`` on hand-made fixtures: writing the formats, the column names of a file, the
check command, and which analyses a file that lacks variables supports (docs/real_data.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.eu.clean import CleaningError, clean, read_respondent_file
from helpers.eu import synthetic
from helpers.eu.codebook import REQUIRED_COLUMNS as CLEANING_REQUIRED_COLUMNS
from helpers.eu.codebook import (
    CANONICAL_COUNTRIES,
    FREQUENCY_LABELS,
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
    canonical_country,
)
from helpers.paths import EU_RAW_FILE, OECD_RAW_FILE, PROJECT_ROOT
from helpers.pipeline.runner import parse_override
from helpers.data.provenance import (
    NOT_DECLARED_PREFIX,
    REAL_DATA_PREFIX,
    SYNTHETIC_DATA_NOTICE,
    file_sha256,
    write_data_provenance,
)
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
AGES_WITHHELD = 25
"""Respondents whose age the delivery withholds: blank in the CSV, declared missing ("Refus") in SPSS and Stata."""
FRENCH_COUNTRIES: dict[str, str] = {"Czech Republic": "République tchèque", "Denmark": "Danemark", "France": "France",
                                    "Germany": "Allemagne", "United Kingdom": "Royaume-Uni"}
FRENCH_SEX: dict[int, str] = {1: "Femme", 2: "Homme"}  # coded the other way round from the codebook (1 male)
FRENCH_URBAN: dict[int, str] = {0: "Urbain", 1: "Rural"}  # 0/1 instead of the codebook's 1/2
FRENCH_MISSING: dict[int, str] = {8: "Ne sait pas", 9: "Refus"}
VALUE_MAP: dict[str, dict[str, int]] = {"SEX": {"Homme": 1, "Femme": 2}, "URBAN": {"Urbain": 1, "Rural": 2}}
"""What a user writes to map the French delivery's codes back onto the codebook's (through their labels)."""


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


def withheld_ages(frame: pd.DataFrame, count: int = AGES_WITHHELD) -> np.ndarray:
    """Positions of ``count`` records (valid age, an id of their own) whose age the delivery withholds."""
    ids = frame["respondent"].astype(str).str.strip()
    eligible = np.flatnonzero(frame["q_age"].between(18, 99).to_numpy() & ~ids.duplicated(keep=False).to_numpy())
    return np.sort(np.random.default_rng(2025).choice(eligible, size=min(count, len(eligible)), replace=False))


def french_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` relabelled as a French vendor would: countries in French, SEX 1 Femme 2 Homme, URBAN 0/1."""
    countries = frame["land"].map(canonical_country).map(FRENCH_COUNTRIES)
    sex = frame["q_sex"].map({1: 2, 2: 1})
    urban = frame["q_urban"].map(lambda code: {1: 0, 2: 1}.get(code, code))
    return frame.assign(land=countries, q_sex=sex, q_urban=urban)


def write_delivery(frame: pd.DataFrame, path: Path, withheld: Sequence[int] = ()) -> Path:
    """``frame`` as ``path``: a CSV as it is (the ``withheld`` ages blank); SPSS and Stata relabelled in French
    (:func:`french_frame`), with value labels, a real date column and the ``withheld`` ages declared missing."""
    names = vendor_names()
    positions = np.asarray(withheld, dtype=int)
    if path.suffix == ".csv":
        if "q_age" in frame.columns:
            frame = frame.assign(q_age=frame["q_age"].astype("float64").where(~np.isin(np.arange(len(frame)), positions)))
        return write_as(frame, path)
    french = french_frame(frame)
    dated = french.assign(interview_date=pd.to_datetime(french["interview_date"].str.strip(), format="%Y-%m-%d"))
    items = [names[column] for column in ("ENV_RECYCLE", "HEA_EAT_HEALTHY", "SAF_INTERVENE")]
    labels = {names["SEX"]: FRENCH_SEX, names["URBAN"]: {**FRENCH_URBAN, **FRENCH_MISSING},
              **{item: {**FREQUENCY_LABELS, **FRENCH_MISSING} for item in items}}
    if path.suffix == ".sav":
        age = dated["q_age"].astype("float64").to_numpy().copy()
        age[positions] = 997  # a code no age in the file has (it has keying errors such as 999)
        return write_as(dated.assign(q_age=age), path, value_labels={**labels, "q_age": {997: "Refus"}},
                        user_missing={**{item: [8, 9] for item in items}, "q_age": [997]},
                        column_labels={names["COUNTRY"]: "Pays de l'entretien"}, file_label="Enquête citoyens 2008")
    codes = {country: code for code, country in enumerate(FRENCH_COUNTRIES.values(), start=1)}
    age = dated["q_age"].astype("object").to_numpy().copy()
    age[positions] = "a"
    return write_as(dated.assign(land=dated["land"].map(codes).astype("int64"), q_age=age), path,
                    value_labels={**labels, "land": {code: name for name, code in codes.items()},
                                  "q_age": {"a": "Refus"}},
                    user_missing={"q_age": ["a"]}, file_label="Enquete citoyens 2008")


def column_map_text() -> str:
    """The ``column_map`` as the YAML flow mapping that ``-p eu2008_clean.column_map=...`` takes."""
    return flow_mapping({vendor: codebook for codebook, vendor in vendor_names().items()})


def value_map_for(suffix: str) -> dict[str, dict[str, int]]:
    """The ``value_map`` a delivery needs: the French ones map SEX and URBAN back through their labels."""
    return {} if suffix == ".csv" else VALUE_MAP


# ---------------------------------------------------------------------------------------------------------
# Fast tests: writing and reading the formats
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_delivery() -> pd.DataFrame:
    return vendor_frame().head(300).reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".csv", ".sav", ".dta"])
def test_each_format_reads_back_to_the_same_cleaned_data(tmp_path: Path, small_delivery: pd.DataFrame,
                                                         suffix: str) -> None:
    withheld = withheld_ages(small_delivery, 6)
    path = write_delivery(small_delivery, tmp_path / f"delivery{suffix}", withheld)
    assert sorted(file_columns(path)) == sorted(small_delivery.columns)
    column_map = parse_override(f"eu2008_clean.column_map={column_map_text()}")[2]
    value_map = parse_override(f"eu2008_clean.value_map={flow_mapping(value_map_for(suffix))}")[2]
    raw = read_respondent_file(path, column_map)
    assert list(raw.columns) == [column for column in RAW_COLUMNS if column != "SYNTHETIC"]
    if suffix != ".csv":
        assert raw.attrs["value_labels"]["SEX"] == FRENCH_SEX
    reference = clean(read_respondent_file(write_delivery(small_delivery, tmp_path / "reference.csv", withheld),
                                           column_map), "reference.csv")
    result = clean(raw, str(path), value_map=value_map)
    assert result.data_are_synthetic is False  # nothing in the file marks it; its records do (helpers.eu.stages)
    pd.testing.assert_frame_equal(result.data, reference.data)
    ignored = {"whitespace_stripped", "value_mapped", "refused_to_missing", "dont_know_to_missing",
               "country_label_harmonised"}
    assert {k: v for k, v in result.counts.items() if k not in ignored} == \
        {k: v for k, v in reference.counts.items() if k not in ignored}
    # the withheld ages: blank in the CSV; declared missing ("Refus") in SPSS and Stata, logged as refused
    dropped = result.log[result.log["reason"] == "age_missing_dropped"]["source_row"].tolist()
    assert dropped == reference.log[reference.log["reason"] == "age_missing_dropped"]["source_row"].tolist()
    assert set(withheld) <= set(dropped)
    if suffix != ".csv":
        refused = result.log[(result.log["reason"] == "refused_to_missing") & (result.log["column"] == "AGE")]
        assert refused["source_row"].tolist() == list(withheld)
        assert set(refused["old_value"]) == {"997" if suffix == ".sav" else "a"}


def test_spss_user_missing_codes_are_logged_with_the_reason_their_labels_give(
        tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    path = write_delivery(small_delivery, tmp_path / "delivery.sav")
    result = clean(read_respondent_file(path, parse_override(f"x={column_map_text()}")[2]), str(path),
                   value_map=VALUE_MAP)
    log = result.log[result.log["column"] == "ENV_RECYCLE"]
    assert (log.loc[log["reason"] == "dont_know_to_missing", "old_value"] == "8").all()
    assert (log["reason"] == "dont_know_to_missing").sum() == (small_delivery["q_env_recycle"] == 8).sum() > 0
    assert (log["reason"] == "refused_to_missing").sum() == (small_delivery["q_env_recycle"] == 9).sum()
    assert result.data["ENV_RECYCLE"].isin([1, 2, 3, 4]).all() or result.data["ENV_RECYCLE"].isna().any()


def test_write_as_refuses_what_a_format_cannot_hold(tmp_path: Path) -> None:
    frame = pd.DataFrame({"land": ["Denmark"], "q_sex": [1]})
    with pytest.raises(TypeError, match="Stata keeps value labels on numeric columns only"):
        write_as(frame, tmp_path / "x.dta", value_labels={"land": {1: "Denmark"}})
    with pytest.raises(ValueError, match=r"Stata declares missing values as the letters a-z"):
        write_as(frame, tmp_path / "x.dta", user_missing={"q_sex": [9]})
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
    labels = small_delivery["land"].map(canonical_country)
    frame = small_delivery.assign(land=labels.map(codes).astype("int64"))
    path = write_as(frame, tmp_path / "coded_country.sav",
                    value_labels={"land": {code: country for country, code in codes.items()}})
    result = clean(read_respondent_file(path, parse_override(f"x={column_map_text()}")[2]), str(path))
    assert set(result.data["COUNTRY"]) == set(CANONICAL_COUNTRIES)
    delivered = dict(zip(pd.to_numeric(small_delivery["respondent"].astype(str).str.strip()), labels, strict=True))
    assert result.data["COUNTRY"].tolist() == [delivered[respondent] for respondent in result.data["RESPID"]]


def test_a_country_code_without_a_value_label_is_named(tmp_path: Path, small_delivery: pd.DataFrame) -> None:
    codes = {country: code for code, country in enumerate(CANONICAL_COUNTRIES, start=1)}
    labels = small_delivery["land"].map(canonical_country)
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
    assert "country label harmonised: COUNTRY" in report and "'UK' -> 'United Kingdom'" in report
    # no SYNTHETIC column, but its records are the synthetic sample's: the run would say so
    assert "data origin: synthetic:" in report and "records are records of data/raw/eu2008_citizens_synthetic.csv" in report
    assert f"the reports would say: {SYNTHETIC_DATA_NOTICE}" in report
    assert report.rstrip().endswith("RESULT: the pipeline would run eu2008_clean on this file, with the changes above")
    unmapped = {name: codebook for name, codebook in column_map.items() if codebook != "AGE"}
    refused = check_report(path, unmapped)
    assert "RESULT: the pipeline would REFUSE this file (step eu2008_clean stops)" in refused
    assert "missing required columns ['AGE'] (renamed? 'q_age' looks like AGE)" in refused
    assert main(["check", str(path), "--column-map", flow_mapping(column_map)]) == 0
    assert "codebook columns missing: URBAN, ENV_WILLING" in capsys.readouterr().out
    assert main(["check", str(path), "--column-map", flow_mapping(unmapped)]) == 1
    assert "would REFUSE" in capsys.readouterr().out
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
    steps on a reordered CSV with renamed columns, run at once; then the EU steps on a file that is not the
    synthetic sample, declared real, and its cleaning step undeclared."""
    folder = tmp_path_factory.mktemp("real_route")
    delivery = vendor_frame()
    withheld = withheld_ages(delivery)
    runs: dict[str, dict[str, object]] = {}
    for suffix in FORMATS:
        path = write_delivery(delivery, folder / f"coproduction2008.{suffix}", withheld)
        runs[suffix] = {"file": path, "out": folder / f"out_{suffix}", "steps": EU_STEPS, "origin": "synthetic"}
        declared = ["eu2008_clean.data_origin=real"] if suffix == "csv" else []  # evidence wins over a declaration
        runs[suffix]["process"] = runner(runs[suffix]["out"], EU_STEPS, f"eu2008_clean.respondent_file={path}",
                                         f"eu2008_clean.column_map={column_map_text()}",
                                         f"eu2008_clean.value_map={flow_mapping(value_map_for('.' + suffix))}",
                                         *declared)
    lacking_file = write_delivery(delivery.drop(columns=[vendor_names()[column] for column in LACKING]),
                                  folder / "coproduction2008_lacking.csv")
    runs["lacking"] = {"file": lacking_file, "out": folder / "out_lacking", "steps": EU_ALL_STEPS,
                       "origin": "synthetic"}
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
    runs["oecd"] = {"file": oecd_file, "out": folder / "out_oecd", "steps": OECD_STEPS, "origin": "synthetic"}
    runs["oecd"]["process"] = runner(runs["oecd"]["out"], OECD_STEPS, f"oecd2010_clean.respondent_file={oecd_file}",
                                     f"oecd2010_clean.column_map={oecd_map}")
    finish(runs)
    other = folder / "another_sample.csv"  # the generator's seed 7: not the committed sample, no SYNTHETIC column
    synthetic.write(other, seed=7)
    pd.read_csv(other, dtype=str, keep_default_na=False).drop(columns="SYNTHETIC").to_csv(other, index=False)
    later = {"declared": {"file": other, "out": folder / "out_declared", "steps": EU_STEPS, "origin": "real"},
             "undeclared": {"file": other, "out": folder / "out_undeclared", "steps": EU_STEPS[:1],
                            "origin": "not declared"}}
    later["declared"]["process"] = runner(later["declared"]["out"], EU_STEPS, f"eu2008_clean.respondent_file={other}",
                                          "eu2008_clean.data_origin=real")
    later["undeclared"]["process"] = runner(later["undeclared"]["out"], EU_STEPS[:1],
                                            f"eu2008_clean.respondent_file={other}")
    finish(later)
    return runs | later


def finish(runs: dict[str, dict[str, object]]) -> None:
    """Wait for every started run; keep its output and exit code."""
    for run in runs.values():
        process = run.pop("process")
        run["log"] = process.communicate(timeout=900)[0]
        run["returncode"] = process.returncode


ALL_RUNS = (*FORMATS, "oecd", "lacking", "declared", "undeclared")


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_RUNS)
def test_the_runner_succeeds_on_a_real_layout(real_route: dict[str, dict[str, object]], name: str) -> None:
    run = real_route[name]
    assert run["returncode"] == 0, run["log"]
    manifest = json.loads((Path(run["out"]) / "build" / "run_manifest.json").read_text())
    statuses = {step: manifest["steps"][step]["status"] for step in run["steps"]}
    assert statuses == dict.fromkeys(run["steps"], "succeeded")


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_RUNS)
def test_provenance_records_the_origin_and_the_file_hash(real_route: dict[str, dict[str, object]],
                                                         name: str) -> None:
    run = real_route[name]
    study = "oecd2010" if name == "oecd" else "eu2008"
    provenance = json.loads((Path(run["out"]) / "data" / "processed" / study / "provenance.json").read_text())
    assert provenance["data_origin"] == run["origin"]
    assert provenance["data_are_synthetic"] is (run["origin"] == "synthetic")
    if run["origin"] == "synthetic":  # no SYNTHETIC column: recognised by its records
        assert "records are records of data/raw/" in " ".join(provenance["data_origin_evidence"])
    if name == "csv":
        assert provenance["data_origin_declared"] == "real" and "reported as synthetic" in provenance["data_origin_note"]
    assert provenance["source_file"] == str(run["file"])  # outside the project: the path as given
    assert provenance["sha256"] == file_sha256(run["file"])
    manifest = json.loads((Path(run["out"]) / "build" / "run_manifest.json").read_text())
    assert manifest["steps"][f"{study}_clean"]["inputs_sha256"]["respondent_file"] == provenance["sha256"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_RUNS)
def test_every_report_states_the_origin(real_route: dict[str, dict[str, object]], name: str) -> None:
    """Synthetic data are never shown as real: the synthetic sample without its SYNTHETIC column (and declared
    real) still says SYNTHETIC DATA; another file says real only when declared, else 'not declared'."""
    run = real_route[name]
    executed = Path(run["out"]) / "build" / "executed"
    expected = {"synthetic": SYNTHETIC_DATA_NOTICE, "real": f"{REAL_DATA_PREFIX} {run['file']}",
                "not declared": f"{NOT_DECLARED_PREFIX} {run['file']}"}
    for step in run["steps"]:
        outputs = output_text(executed / f"{step}.ipynb")
        assert expected[run["origin"]] in outputs, step
        others = [text for origin, text in expected.items() if origin != run["origin"]]
        assert not any(text.split(":")[0] in outputs for text in others), step


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_the_published_index_still_reproduces(real_route: dict[str, dict[str, object]], name: str) -> None:
    """Same respondents as the synthetic file, so EU-06 to EU-08 pass as they do there."""
    scorecard = pd.read_csv(Path(real_route[name]["out"]) / "reports" / "tables" / "eu2008_scorecard.csv")
    status = scorecard.set_index("claim_id")["status"]
    assert status[["EU-06", "EU-07", "EU-08"]].tolist() == ["pass"] * 3
    assert (status != "fail").all(), scorecard.loc[scorecard["status"] == "fail", ["claim_id", "detail"]]
    assert set(status) == {"pass", "holds by construction"}
    # These deliveries are the synthetic sample renamed and relabelled, and are recognised as synthetic (issue 9):
    # the rows whose result the generator builds in say so; on data of any other origin no row would.
    provenance = json.loads((Path(real_route[name]["out"]) / "data" / "processed" / "eu2008" / "provenance.json")
                            .read_text(encoding="utf-8"))
    assert provenance["data_origin"] == "synthetic"
    assert scorecard["built_in"].notna().any()


@pytest.mark.slow
def test_the_three_formats_give_the_same_products(real_route: dict[str, dict[str, object]]) -> None:
    """The acceptance test of issue 9: the SPSS and Stata deliveries (renamed, reordered, relabelled in French,
    ages declared missing) give the same respondents, estimates and scorecard as the CSV with those ages blank."""
    def products(name: str, folder: str, file: str) -> pd.DataFrame:
        path = Path(real_route[name]["out"]) / "data" / "processed" / folder / file
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)

    def scorecard(name: str) -> pd.DataFrame:
        return pd.read_csv(Path(real_route[name]["out"]) / "reports" / "tables" / "eu2008_scorecard.csv")

    for name in ("sav", "dta"):
        pd.testing.assert_frame_equal(products(name, "eu2008", "respondents.parquet"),
                                      products("csv", "eu2008", "respondents.parquet"))
        for table in ("index_by_sector.csv", "coefficients.csv", "activity_frequencies.csv"):
            pd.testing.assert_frame_equal(products(name, "eu2008_estimates", table),
                                          products("csv", "eu2008_estimates", table))
        pd.testing.assert_frame_equal(scorecard(name), scorecard("csv"))
        log = products(name, "eu2008", "cleaning_log.csv")
        refused_ages = log[(log["reason"] == "refused_to_missing") & (log["column"] == "AGE")]
        assert len(refused_ages) == AGES_WITHHELD  # declared missing ("Refus"), logged as refused, then dropped
        assert {"value_mapped"} <= set(log["reason"])
    respondents = products("csv", "eu2008", "respondents.parquet")
    withheld_ids = vendor_frame()["respondent"].iloc[withheld_ages(vendor_frame())].astype(str).str.strip()
    assert not set(withheld_ids.astype(int)) & set(respondents["RESPID"])  # none analysed with a made-up age


@pytest.mark.slow
@pytest.mark.parametrize("suffix", FORMATS)
def test_the_check_command_agrees_on_the_three_deliveries(real_route: dict[str, dict[str, object]],
                                                          suffix: str) -> None:
    """``check`` with the same maps: the pipeline would run, and it says what the file declares missing."""
    path = real_route[suffix]["file"]
    result = subprocess.run(
        [sys.executable, "-m", "helpers.data.real_data", "check", str(path), "--column-map", column_map_text(),
         "--value-map", flow_mapping(value_map_for("." + suffix))],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
        env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT / "src")})
    assert result.returncode == 0, result.stdout + result.stderr
    declared = {"csv": "declared missing values (made missing, with their reason, in the cleaning log):\n    - none",
                "sav": "AGE: SPSS user-missing values: 997", "dta": "AGE: Stata extended missing values: .a to .z"}
    assert declared[suffix] in result.stdout
    assert f"respondents: {len(vendor_frame())} delivered, " in result.stdout
    if suffix != "csv":
        assert "value mapped: SEX" in result.stdout and "'1' -> '2'" in result.stdout


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
    from helpers.report.export import missing_pdf_tools

    if not missing_pdf_tools():  # the PDF too (without WeasyPrint's libraries there is none, by design)
        from pypdf import PdfReader

        text = " ".join(page.extract_text() for page in PdfReader(reports / "eu2008_report.pdf").pages)
        assert "Not available in this file: URBAN" in " ".join(text.split())


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--delimiter", ";;", "must be 'auto' or one character"), ("--decimal", ";", "must be one of 'auto', '.', ','"),
    ("--encoding", "rot13", "a text encoding"), ("--data-origin", "fake", "must be 'real', 'synthetic'")])
def test_the_check_command_refuses_the_values_the_runner_refuses(tmp_path: Path, option: str, value: str, said: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # Reviewer: `check --delimiter '\t'` blamed the file ("the pipeline would stop on this file") for a value the
    # runner refuses before running; both now read the rules of helpers.pipeline.choices.
    with pytest.raises(SystemExit) as stopped:
        main(["check", str(EU_RAW_FILE), option, value])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert f"{option} {value!r}: " in error and said in error and "would stop on this file" not in error
