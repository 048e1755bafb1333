"""Vendor deliveries (issue 9): declared missing values, labels and layouts, the data's origin, and refusals.

Every test writes its own small fixture (a few records of the committed files, spoilt or relabelled on purpose,
as CSV, SPSS or Stata) and checks what the cleaning steps make of it: the values and the cleaning log for a
file that can be analysed, the message (file, column, rows or cause) for one that cannot. The origin tests
run each route by which a file is, or is not, recognised as synthetic, damaged copies included. The slow tests
run the pipeline's command line on bad files and compare its verdict with ``python -m helpers.data.real_data
check``, and measure the memory that a huge garbage file costs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.delivery import reason_from_label
from helpers.data.provenance import (
    NOT_DECLARED_PREFIX,
    REAL_DATA_PREFIX,
    SYNTHETIC_DATA_NOTICE,
    data_origin_label,
    data_origin_of,
    read_data_provenance,
    write_data_provenance,
)
from helpers.data.real_data import check_file, write_as
from helpers.data.validation import MAX_INPUT_BYTES
from helpers.eu import synthetic as eu_synthetic
from helpers.eu.clean import CleaningError, clean, read_respondent_file
from helpers.eu.codebook import (
    CANONICAL_COUNTRIES,
    COUNTRY_ISO_CODES,
    COUNTRY_NAMES_BY_LANGUAGE,
    canonical_country,
)
from helpers.eu.stages import run_cleaning
from helpers.oecd import synthetic as oecd_synthetic
from helpers.oecd.clean import VendorFileError, clean_vendor_file
from helpers.oecd.clean import run_cleaning as run_oecd_cleaning
from helpers.paths import EU_RAW_FILE, OECD_RAW_FILE, PROJECT_ROOT

ENVIRONMENT = os.environ | {"PYTHONPATH": str(PROJECT_ROOT / "src")}


# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------


def eu_text(n: int | None = None) -> pd.DataFrame:
    """The first ``n`` records of the committed EU file, every cell as text (blank cells '')."""
    frame = pd.read_csv(EU_RAW_FILE, dtype=str, keep_default_na=False)
    return frame if n is None else frame.head(n).copy()


def eu_numbers(n: int | None = None) -> pd.DataFrame:
    """The first ``n`` records with numbers as numbers (as SPSS and Stata hold them); COUNTRY stripped."""
    frame = pd.read_csv(EU_RAW_FILE, dtype={"COUNTRY": str, "INTDATE": str}, keep_default_na=False, na_values=[""])
    frame = frame if n is None else frame.head(n).copy()
    return frame.assign(COUNTRY=frame["COUNTRY"].str.strip(), INTDATE=frame["INTDATE"].str.strip())


def write_csv(frame: pd.DataFrame, path: Path, **options: object) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n", **options)
    return path


def reasons(result, column: str) -> dict[str, list[int]]:
    """Cleaning-log reason -> source rows, for one column."""
    log = result.log[result.log["column"] == column]
    return {reason: sorted(rows["source_row"].astype(int)) for reason, rows in log.groupby("reason")}


def another_sample(tmp_path: Path) -> Path:
    """The EU generator's seed 7 without its SYNTHETIC column: a file that is not the committed sample."""
    path = tmp_path / "another.csv"
    eu_synthetic.write(path, seed=7)
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="SYNTHETIC").to_csv(path, index=False)
    return path


# ---------------------------------------------------------------------------------------------------------
# 1. Declared missing values
# ---------------------------------------------------------------------------------------------------------


def test_an_spss_age_declared_missing_is_not_a_99_year_old(tmp_path: Path) -> None:
    """The silent wrong result: AGE 99 declared user-missing ('Refus') was analysed as ninety-nine years."""
    frame = eu_numbers(120).drop(columns="SYNTHETIC")
    refused = [3, 10, 57]
    frame.loc[refused, "AGE"] = 99
    declared = write_as(frame, tmp_path / "declared.sav", value_labels={"AGE": {99: "Refus"}},
                        user_missing={"AGE": [99]})
    undeclared = write_as(frame, tmp_path / "undeclared.sav")
    result = clean(read_respondent_file(declared), "declared.sav")
    assert reasons(result, "AGE")["refused_to_missing"] == refused
    assert set(refused) <= set(reasons(result, "AGE")["age_missing_dropped"])
    assert not result.data["AGE"].eq(99).any()
    # without the declaration the same file is read as it says: 99-year-olds (what the issue found)
    assert clean(read_respondent_file(undeclared), "undeclared.sav").data["AGE"].eq(99).sum() == len(refused)


def test_spss_missing_ranges_take_their_reason_from_the_labels(tmp_path: Path) -> None:
    frame = eu_numbers(60).drop(columns="SYNTHETIC")
    frame.loc[[1, 2], "ENV_RECYCLE"] = 97
    frame.loc[[4], "ENV_RECYCLE"] = 98
    frame.loc[[5, 6], "ENV_RECYCLE"] = 99
    frame.loc[[7], "EDUC"] = 7  # declared missing, no label: no reason given
    path = write_as(frame, tmp_path / "ranges.sav",
                    value_labels={"ENV_RECYCLE": {97: "Non posé", 98: "NSP", 99: "Refus"}},
                    user_missing={"ENV_RECYCLE": [{"lo": 97, "hi": 99}], "EDUC": [7]})
    raw = read_respondent_file(path)
    assert [d.describe() for d in raw.attrs["declared_missing"]["ENV_RECYCLE"]] == \
        ["SPSS user-missing values: 97 to 99"]
    result = clean(raw, "ranges.sav")
    recycle = reasons(result, "ENV_RECYCLE")
    assert recycle["not_asked_to_missing"] == [1, 2]
    assert 4 in recycle["dont_know_to_missing"] and {5, 6} <= set(recycle["refused_to_missing"])
    assert reasons(result, "EDUC")["declared_missing_to_missing"] == [7]
    assert "undocumented_code_to_missing" not in reasons(result, "EDUC")


def test_stata_extended_missing_values_become_missing_with_their_reason(tmp_path: Path) -> None:
    frame = eu_numbers(60).drop(columns="SYNTHETIC")
    age = frame["AGE"].astype("object")
    age[[2, 9]] = "a"
    educ = frame["EDUC"].astype("object")
    educ[[3]] = "b"
    recycle = frame["ENV_RECYCLE"].astype("object")
    recycle[[4]] = "z"
    path = write_as(frame.assign(AGE=age, EDUC=educ, ENV_RECYCLE=recycle), tmp_path / "extended.dta",
                    value_labels={"AGE": {"a": "Refus"}, "EDUC": {"b": "Ne sait pas"}},
                    user_missing={"AGE": ["a"], "EDUC": ["b"], "ENV_RECYCLE": ["z"]})
    result = clean(read_respondent_file(path), "extended.dta")
    assert reasons(result, "AGE")["refused_to_missing"] == [2, 9]
    assert reasons(result, "EDUC")["dont_know_to_missing"][0] == 3
    assert reasons(result, "ENV_RECYCLE")["declared_missing_to_missing"] == [4]
    assert result.log.loc[result.log["reason"] == "declared_missing_to_missing", "old_value"].tolist() == ["z"]


def test_two_digit_dont_know_and_refused_codes_are_logged_as_such() -> None:
    frame = eu_text(40)
    frame.loc[[0, 1], "ENV_RECYCLE"] = "98"
    frame.loc[[2], "HEA_GOVPERF"] = "99"
    result = clean(frame_as_read(frame), "codes.csv")
    assert reasons(result, "ENV_RECYCLE")["dont_know_to_missing"][:2] == [0, 1]
    assert 2 in reasons(result, "HEA_GOVPERF")["refused_to_missing"]
    undocumented = result.log[result.log["reason"] == "undocumented_code_to_missing"]
    assert not undocumented["old_value"].isin(["98", "99"]).any()


def frame_as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (text) as read_respondent_file reads a CSV of it (through a temporary file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return read_respondent_file(write_csv(frame, Path(folder) / "file.csv"))


def test_the_missing_codes_parameter_declares_a_csvs_missing_values(tmp_path: Path) -> None:
    frame = eu_text(60)
    frame.loc[[3, 8], "AGE"] = "99"
    frame.loc[[5], "EDUC"] = "-9"
    frame.loc[[6], "ENV_RECYCLE"] = "-9"
    frame.loc[[7], "URBAN"] = "7"
    path = write_csv(frame, tmp_path / "codes.csv")
    raw = read_respondent_file(path, missing_codes={"AGE": {99: "refused"}, "*": {-9: "not asked"}, "URBAN": [7]})
    result = clean(raw, str(path))
    assert reasons(result, "AGE")["refused_to_missing"] == [3, 8]
    assert reasons(result, "EDUC")["not_asked_to_missing"] == [5]
    assert reasons(result, "ENV_RECYCLE")["not_asked_to_missing"] == [6]
    assert reasons(result, "URBAN")["declared_missing_to_missing"] == [7]
    assert "missing_codes parameter: 99 (refused)" in raw.attrs["declared_missing"]["AGE"][0].describe()
    with pytest.raises(CleaningError) as caught:
        read_respondent_file(path, missing_codes={"AGE": {99: "maybe"}, "AGEE": [99]})
    message = str(caught.value)
    assert str(path) in message and "gives unknown reasons ['maybe']" in message
    assert "missing_codes names column 'AGEE', which the file does not have" in message


@pytest.mark.parametrize(("label", "reason"), [("Refus", "refused"), ("Ne sait pas", "dont_know"),
                                               ("Weiß nicht", "dont_know"), ("Ved ikke", "dont_know"),
                                               ("Not asked", "not_asked"), ("Sans objet", "not_asked"),
                                               ("Odmítl", "refused"), ("Very good", None)])
def test_reasons_are_read_from_labels_in_the_five_languages(label: str, reason: str | None) -> None:
    assert reason_from_label(label) == reason


# ---------------------------------------------------------------------------------------------------------
# 2. Labels and layouts
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", CANONICAL_COUNTRIES)
def test_countries_are_recognised_in_the_five_languages_and_by_iso_codes(country: str) -> None:
    names = [name for names in COUNTRY_NAMES_BY_LANGUAGE[country].values() for name in names]
    spellings = [*names, *COUNTRY_ISO_CODES[country], *(name.upper() for name in names),
                 *(f"  {name.lower()} " for name in names)]
    assert {spelling: canonical_country(spelling) for spelling in spellings} == dict.fromkeys(spellings, country)
    frame = eu_text(len(spellings))
    frame["COUNTRY"] = spellings
    result = clean(frame_as_read(frame), "countries.csv")
    assert set(result.data["COUNTRY"]) == {country}


def test_the_issue_s_french_country_names_are_all_recognised() -> None:
    for label in ("Danemark", "Royaume-Uni", "République tchèque", "Allemagne", "France", "Republique Tcheque"):
        assert canonical_country(label) in CANONICAL_COUNTRIES, label


def test_value_map_maps_values_and_value_labels_and_is_logged(tmp_path: Path) -> None:
    frame = eu_text(50)
    frame["SEX"] = frame["SEX"].map({"1": "Homme", "2": "Femme"})
    frame.loc[0, "COUNTRY"] = "Danmerkur"  # not a known spelling: mapped by the user
    path = write_csv(frame, tmp_path / "french.csv")
    raw = read_respondent_file(path)
    result = clean(raw, str(path), value_map={"SEX": {"homme": 1, "FEMME": 2}, "COUNTRY": {"Danmerkur": "Denmark"}})
    expected = clean(frame_as_read(eu_text(50)), "plain.csv")
    pd.testing.assert_series_equal(result.data["SEX"], expected.data["SEX"])
    mapped = result.log[result.log["reason"] == "value_mapped"]
    assert len(mapped) == 51 and ("Homme", "1") in set(zip(mapped["old_value"], mapped["new_value"], strict=True))
    # codes the other way round in SPSS, mapped through their labels
    numbers = eu_numbers(50).drop(columns="SYNTHETIC")
    swapped = write_as(numbers.assign(SEX=numbers["SEX"].map({1: 2, 2: 1})), tmp_path / "swapped.sav",
                       value_labels={"SEX": {1: "Femme", 2: "Homme"}})
    by_label = clean(read_respondent_file(swapped), "swapped.sav", value_map={"SEX": {"Homme": 1, "Femme": 2}})
    assert by_label.data["SEX"].tolist() == clean(read_respondent_file(write_as(numbers, tmp_path / "x.sav")),
                                                  "x.sav").data["SEX"].tolist()
    with pytest.raises(CleaningError) as caught:
        clean(raw, str(path), value_map={"SEXE": {"Homme": 1}, "SEX": {"Homme": None}})
    message = str(caught.value)
    assert "value_map names column 'SEXE', which the file does not have" in message
    assert "value_map['SEX'] maps ['Homme'] to nothing (null)" in message


def test_european_csv_with_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    frame = eu_text(80)
    reference = clean(frame_as_read(frame), "comma.csv").data
    european = frame.assign(AGE=frame["AGE"].map(lambda age: f"{age},0" if age else age))
    path = write_csv(european, tmp_path / "european.csv", sep=";")
    raw = read_respondent_file(path)
    assert raw.attrs["reading"]["delimiter"] == "semicolon" and raw.attrs["reading"]["decimal"] == ","
    pd.testing.assert_frame_equal(clean(raw, str(path)).data, reference)
    given = read_respondent_file(path, delimiter=";", decimal=",")
    pd.testing.assert_frame_equal(clean(given, str(path)).data, reference)
    with pytest.raises(CleaningError, match=r"european\.csv: looks like ';'-delimited"):
        read_respondent_file(path, delimiter=",")


@pytest.mark.parametrize(("encoding", "name"), [("utf-16", "UTF-16 (little-endian, with a byte-order mark)"),
                                                ("utf-16-le", "UTF-16 (little-endian, without a byte-order mark)"),
                                                ("cp1252", "Windows-1252"),
                                                ("utf-8-sig", "UTF-8 (with a byte-order mark)")])
def test_utf16_and_windows_1252_are_read_and_named(tmp_path: Path, encoding: str, name: str) -> None:
    frame = eu_text(60)
    frame.loc[[1, 2], "COUNTRY"] = ["Dänemark", "République tchèque"]
    path = tmp_path / "encoded.csv"
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode(encoding))
    raw = read_respondent_file(path)
    assert raw.attrs["reading"]["encoding"] == name
    result = clean(raw, str(path))
    assert result.data.loc[result.data["RESPID"] == int(frame.loc[1, "RESPID"]), "COUNTRY"].item() == "Denmark"
    if encoding != "utf-8-sig":
        with pytest.raises(CleaningError, match=rf"not UTF-8: .*(looks like|the file is) {name.split(' ')[0]}"):
            read_respondent_file(path, encoding="utf-8")


def test_a_spreadsheet_or_another_format_under_a_csv_name_is_named(tmp_path: Path) -> None:
    workbook = tmp_path / "respondents.csv"
    with zipfile.ZipFile(workbook, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(CleaningError, match=r"respondents\.csv: is an Excel workbook \(\.xlsx\), not a CSV text "
                                            r"file.*saved with a \.csv name"):
        read_respondent_file(workbook)
    old_excel = tmp_path / "old.csv"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(CleaningError, match=r"old\.csv: is an Excel 97-2003 workbook \(\.xls\)"):
        read_respondent_file(old_excel)
    spss = write_as(eu_numbers(5), tmp_path / "real.sav")
    renamed = tmp_path / "spss.csv"
    shutil.copy(spss, renamed)
    with pytest.raises(CleaningError, match=r"spss\.csv: is an SPSS data file \(\.sav\) by its content"):
        read_respondent_file(renamed)
    text_as_sav = tmp_path / "text.sav"
    shutil.copy(EU_RAW_FILE, text_as_sav)
    with pytest.raises(CleaningError, match=r"text\.sav: named '\.sav' but is a text file \(CSV\?\)"):
        read_respondent_file(text_as_sav)
    with pytest.raises(VendorFileError, match=r"reads \.csv files, not SPSS"):
        clean_vendor_file(spss)


def test_duplicates_are_judged_on_the_codebook_columns_and_vendor_columns_carried_along(tmp_path: Path) -> None:
    frame = eu_text(60).assign(WEIGHT="1.0", INTERVIEWER="K17")
    copy = frame.iloc[[5]].assign(WEIGHT="1.2", INTERVIEWER="K18")
    path = write_csv(pd.concat([frame, copy], ignore_index=True), tmp_path / "vendor.csv")
    result = clean(read_respondent_file(path), str(path))
    assert reasons(result, "RESPID") == {"exact_duplicate_dropped": [60]}
    assert "conflicting_duplicate_dropped" not in result.log["reason"].tolist()
    assert {"WEIGHT", "INTERVIEWER"} <= set(result.data.columns)
    assert (result.data["RESPID"] == int(frame.loc[5, "RESPID"])).sum() == 1


# ---------------------------------------------------------------------------------------------------------
# 3. The data's origin
# ---------------------------------------------------------------------------------------------------------


def test_the_origin_label_is_one_function() -> None:
    assert data_origin_label("synthetic", "x.csv") == SYNTHETIC_DATA_NOTICE
    assert data_origin_label("real", "/secure/x.sav") == f"{REAL_DATA_PREFIX} /secure/x.sav"
    assert data_origin_label("not declared", "/secure/x.sav").startswith(f"{NOT_DECLARED_PREFIX} /secure/x.sav.")
    assert data_origin_of({"data_are_synthetic": False}) == "not declared"  # a record older than data_origin
    assert data_origin_of({"data_are_synthetic": True, "data_origin": "real"}) == "synthetic"


def origin(path: Path, **options: object) -> str:
    return run_cleaning(path, **options).origin.origin


def test_a_byte_copy_of_the_synthetic_file_is_synthetic_wherever_it_lies(tmp_path: Path) -> None:
    copy = tmp_path / "secure" / "coproduction2008.csv"
    copy.parent.mkdir()
    shutil.copy(EU_RAW_FILE, copy)
    step = run_cleaning(copy, data_origin="real")
    assert step.origin.origin == "synthetic" and "its bytes are those of data/raw/" in step.origin.evidence[0]
    assert "reported as synthetic" in step.origin.note


@pytest.mark.parametrize(("name", "value"), [(" SYNTHETIC", "1"), ("synthetic", "1"), ("Synthetic_Flag", "yes"),
                                             ("SYNTHETIC", ""), ("SYNTHETIC", "TRUE"), ("is_synthetic", "1.0"),
                                             ("SYNTHÉTIQUE", "1"), ("SYNTH", "1")])
def test_a_damaged_synthetic_marker_still_marks_the_file(tmp_path: Path, name: str, value: str) -> None:
    """The marker however spelt or emptied: a NUL in the header is refused (below), never read as real."""
    frame = pd.read_csv(another_sample(tmp_path), dtype=str, keep_default_na=False)  # records not the committed ones
    path = write_csv(frame.assign(**{name: value}), tmp_path / "marked.csv")
    step = run_cleaning(path, data_origin="real")
    assert step.origin.origin == "synthetic"
    assert "marking synthetic data" in step.origin.evidence[0]


def test_a_marker_mixing_zero_and_one_is_refused(tmp_path: Path) -> None:
    frame = eu_text(60)
    frame.loc[:9, "SYNTHETIC"] = "0"
    with pytest.raises(CleaningError, match=r"column 'SYNTHETIC' mixes synthetic and real records"):
        clean(frame_as_read(frame), "mixed.csv")


def test_labels_that_say_synthetic_mark_the_file(tmp_path: Path) -> None:
    frame = pd.read_csv(another_sample(tmp_path), dtype={"COUNTRY": str, "INTDATE": str}, keep_default_na=False,
                        na_values=[""])
    frame = frame.assign(COUNTRY=frame["COUNTRY"].str.strip(), INTDATE=frame["INTDATE"].str.strip())
    labelled = write_as(frame, tmp_path / "labels.sav", value_labels={"URBAN": {1: "Urbain (données synthétiques)"}})
    titled = write_as(frame, tmp_path / "titled.dta", file_label="Synthetic stand-in, seed 7")
    column = write_as(frame, tmp_path / "column.sav", column_labels={"AGE": "Age (synthetisch)"})
    plain = write_as(frame, tmp_path / "plain.sav")
    assert [origin(path) for path in (labelled, titled, column, plain)] == ["synthetic"] * 3 + ["not declared"]


def damaged_copy(tmp_path: Path) -> Path:
    """The committed file renamed, reordered, without SYNTHETIC, 10% of records gone, 3% of cells changed."""
    rng = np.random.default_rng(9)
    frame = eu_text().drop(columns="SYNTHETIC")
    frame = frame.iloc[np.sort(rng.choice(len(frame), int(0.9 * len(frame)), replace=False))].reset_index(drop=True)
    items = ["ENV_RECYCLE", "HEA_EXERCISE", "SAF_INTERVENE", "ENV_OUTCOME", "HEA_OUTCOME"]
    for column in items:
        rows = rng.choice(len(frame), int(0.15 * len(frame)), replace=False)
        frame.loc[rows, column] = "2"
    frame = frame.rename(columns={"AGE": "age_years", "COUNTRY": "pays"})
    frame = frame[list(rng.permutation(frame.columns))]
    return write_csv(frame, tmp_path / "damaged.csv")


def test_a_renamed_reordered_damaged_copy_is_recognised_by_its_records(tmp_path: Path) -> None:
    path = damaged_copy(tmp_path)
    step = run_cleaning(path, {"age_years": "AGE", "pays": "COUNTRY"}, data_origin="real")
    assert step.origin.origin == "synthetic"
    assert "records are records of data/raw/eu2008_citizens_synthetic.csv" in step.origin.evidence[0]
    renumbered = pd.read_csv(path, dtype=str, keep_default_na=False)
    renumbered["RESPID"] = (pd.to_numeric(renumbered["RESPID"]) + 800000).astype(str)  # no id in common
    path = write_csv(renumbered, tmp_path / "renumbered.csv")
    assert origin(path, column_map={"age_years": "AGE", "pays": "COUNTRY"}) == "synthetic"


def test_a_synthetic_column_of_zeros_does_not_hide_the_synthetic_records(tmp_path: Path) -> None:
    path = write_csv(eu_text().assign(SYNTHETIC="0"), tmp_path / "zeros.csv")
    assert origin(path) == "synthetic"


def test_another_file_is_real_only_when_declared(tmp_path: Path) -> None:
    path = another_sample(tmp_path)
    assert origin(path) == "not declared"
    assert origin(path, data_origin="real") == "real"
    assert origin(path, data_origin="synthetic") == "synthetic"
    with pytest.raises(CleaningError, match=r"data_origin must be 'real', 'synthetic' or 'not declared'"):
        run_cleaning(path, data_origin="yes please")


def test_a_file_mixing_synthetic_and_other_records_is_refused(tmp_path: Path) -> None:
    other = pd.read_csv(another_sample(tmp_path), dtype=str, keep_default_na=False)
    other["RESPID"] = (pd.to_numeric(other["RESPID"]) + 800000).astype(str)
    mixed = pd.concat([other, eu_text(600).drop(columns="SYNTHETIC")], ignore_index=True)
    path = write_csv(mixed, tmp_path / "mixed.csv")
    with pytest.raises(CleaningError, match=r"mixed\.csv: \d+ of \d+ records are records of "
                                            r"data/raw/eu2008_citizens_synthetic\.csv .* cannot be analysed"):
        run_cleaning(path, data_origin="real")


def test_oecd_origin_routes(tmp_path: Path) -> None:
    renamed = pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False).drop(columns="SYNTHETIC")
    renamed = renamed[list(reversed(renamed.columns))].rename(columns={"RESPID": "official"})
    copy = write_csv(renamed, tmp_path / "officials.csv")
    result = clean_vendor_file(copy, column_map={"official": "RESPID"}, data_origin="real")
    assert result.data_origin == "synthetic" and "records are records of data/raw/" in result.origin.evidence[0]
    blank = write_csv(pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False).assign(SYNTHETIC=""),
                      tmp_path / "blank.csv")
    assert clean_vendor_file(blank).data_origin == "synthetic"
    other = oecd_synthetic.generate(seed=7).drop(columns="SYNTHETIC")
    other_path = write_csv(other, tmp_path / "other.csv")
    assert clean_vendor_file(other_path).data_origin == "not declared"
    assert clean_vendor_file(other_path, data_origin="real").data_origin == "real"


def test_provenance_records_the_origin(tmp_path: Path) -> None:
    write_data_provenance(tmp_path, source_file=EU_RAW_FILE, data_origin="not declared", sha256="ab")
    record = read_data_provenance(tmp_path)
    assert record["data_origin"] == "not declared" and record["data_are_synthetic"] is False


# ---------------------------------------------------------------------------------------------------------
# 4. Refusals: one message naming the file and the column, rows or cause
# ---------------------------------------------------------------------------------------------------------


def test_a_non_numeric_respondent_id_is_named_not_a_type_error(tmp_path: Path) -> None:
    frame = eu_text(40)
    frame.loc[3, "RESPID"] = "A17"
    frame.loc[4, "COUNTRY"] = " Denmark "  # a logged change on another record (what made the TypeError)
    path = write_csv(frame, tmp_path / "ids.csv")
    with pytest.raises(CleaningError) as caught:
        clean(read_respondent_file(path), str(path))
    assert f"{path}: column RESPID: not whole numbers at rows [3] (values 'A17')" in str(caught.value)


def test_a_header_repeated_inside_the_file_is_named(tmp_path: Path) -> None:
    lines = EU_RAW_FILE.read_text(encoding="utf-8").splitlines()[:30]
    path = tmp_path / "joined.csv"
    path.write_text("\n".join([*lines[:12], lines[0], *lines[12:]]) + "\n", encoding="utf-8")
    with pytest.raises(CleaningError, match=r"joined\.csv: the header line is repeated inside the file on file "
                                            r"lines 13 \(files joined together\?\)"):
        read_respondent_file(path)
    officials = OECD_RAW_FILE.read_text(encoding="utf-8").splitlines()[:20]
    oecd = tmp_path / "officials.csv"
    oecd.write_text("\n".join([*officials, officials[0], *officials[1:5]]) + "\n", encoding="utf-8")
    with pytest.raises(VendorFileError, match=r"officials\.csv: the header line is repeated .* file lines 21"):
        clean_vendor_file(oecd)


def test_too_few_respondents_to_weight_names_the_file_and_the_cells(tmp_path: Path) -> None:
    path = write_csv(eu_text(12), tmp_path / "few.csv")
    with pytest.raises(CleaningError) as caught:
        run_cleaning(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: too few respondents to weight: no respondent in ")
    assert "post-stratification cells" in message and "(population share 0." in message
    assert any(f"{country}, male, 18-34" in message or f"{country}, female, 18-34" in message
               for country in CANONICAL_COUNTRIES)


def test_a_sample_too_small_to_estimate_says_so(tmp_path: Path) -> None:
    cleaned = clean(frame_as_read(eu_text()), "all.csv").data
    groups = pd.cut(cleaned["AGE"].astype(float), [17, 34, 54, 200])
    one_country = cleaned.loc[cleaned["COUNTRY"] == "Denmark", "RESPID"]
    two_small = cleaned[cleaned["COUNTRY"].isin(["Denmark", "France"])].assign(group=groups).groupby(
        ["COUNTRY", "SEX", "group"], observed=True).head(2)["RESPID"]
    for name, ids, expected in (("denmark.csv", one_country, "are all from Denmark; the estimates compare countries"),
                                ("tiny.csv", two_small, "sample too small to estimate: 24 respondents kept")):
        frame = eu_text()
        path = write_csv(frame[pd.to_numeric(frame["RESPID"]).isin(ids)], tmp_path / name)
        with pytest.raises(CleaningError) as caught:
            run_cleaning(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and expected in message
        assert "Hint" not in message and "deff=" not in message  # not the survey library's advice


def test_a_one_row_oecd_file_is_refused_by_the_cleaning_step(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("\n".join(OECD_RAW_FILE.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    with pytest.raises(VendorFileError, match=r"one\.csv: sample too small to estimate: 1 official"):
        run_oecd_cleaning(path)


def test_labels_and_dates_written_otherwise_are_named_with_what_to_do(tmp_path: Path) -> None:
    frame = eu_text(40)
    frame["SEX"] = frame["SEX"].map({"1": "M", "2": "F"})
    frame.loc[4, "INTDATE"] = "20/04/2008"
    with pytest.raises(CleaningError) as caught:
        clean(frame_as_read(frame), "vendor.csv")
    message = str(caught.value)
    assert "column SEX: not whole numbers at rows [0, 1, 2," in message
    assert "if these are labels, map them with value_map: {SEX: {label: code}}" in message
    assert "column INTDATE: not a date written YYYY-MM-DD at rows [4] (values '20/04/2008')" in message


def test_a_folder_given_as_the_file(tmp_path: Path) -> None:
    (tmp_path / "inside.csv").write_text("x\n")
    with pytest.raises(CleaningError, match=rf"{tmp_path}: is a folder, not a file.*\(it holds inside\.csv\)"):
        read_respondent_file(tmp_path)
    with pytest.raises(VendorFileError, match=r"is a folder, not a file"):
        clean_vendor_file(tmp_path)


def test_a_null_target_in_column_map_is_named(tmp_path: Path) -> None:
    path = write_csv(eu_text(20), tmp_path / "citizens.csv")
    with pytest.raises(CleaningError, match=r"citizens\.csv: column_map maps 'AGE' to nothing \(null\)"):
        read_respondent_file(path, {"AGE": None})
    with pytest.raises(VendorFileError, match=r"column_map maps 'COFOG' to nothing \(null\)"):
        clean_vendor_file(OECD_RAW_FILE, column_map={"COFOG": None})


@pytest.mark.parametrize("where", ["header", "body"])
def test_nul_bytes_anywhere_are_refused_naming_the_line(tmp_path: Path, where: str) -> None:
    data = bytearray(EU_RAW_FILE.read_bytes()[:20000])
    data = data[: data.rindex(b"\n") + 1]
    line_starts = [0, *(i + 1 for i, byte in enumerate(data) if byte == 10)]
    position = data.index(b"SYNTHETIC") + 9 if where == "header" else line_starts[6] + 3
    data[position:position] = b"\x00"
    path = tmp_path / "nul.csv"
    path.write_bytes(bytes(data))
    line = 1 if where == "header" else 7
    with pytest.raises(CleaningError, match=rf"nul\.csv: NUL bytes \(0x00\) on file lines {line}:"):
        read_respondent_file(path)


def test_garbage_below_the_size_limit_is_refused_without_reading_it_as_data(tmp_path: Path) -> None:
    binary = tmp_path / "binary.csv"
    binary.write_bytes(np.random.default_rng(1).integers(0, 256, 2_000_000, dtype=np.uint8).tobytes())
    with pytest.raises(CleaningError, match=r"binary\.csv: (NUL bytes|control characters|the text is neither)"):
        read_respondent_file(binary)
    one_line = tmp_path / "oneline.csv"
    one_line.write_text("A" * 3_000_000, encoding="ascii")
    with pytest.raises(CleaningError, match=r"oneline\.csv: line 1: longer than 100000 characters"):
        read_respondent_file(one_line)


# ---------------------------------------------------------------------------------------------------------
# 5. The check command
# ---------------------------------------------------------------------------------------------------------


def check_cli(*arguments: str, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(user or []), sys.executable, "-m", "helpers.data.real_data", "check", *arguments],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=ENVIRONMENT, timeout=300)


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad files of both studies: name -> (path, study)."""
    files: dict[str, tuple[Path, str]] = {}
    lines = EU_RAW_FILE.read_text(encoding="utf-8").splitlines()
    (tmp_path / "missing.csv").unlink(missing_ok=True)
    files["missing"] = (tmp_path / "missing.csv", "eu2008")
    files["folder"] = (tmp_path, "eu2008")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(("\n".join(lines) + "\n").replace("Denmark", "Dänemark").encode("latin-1"))
    files["latin, read as Windows-1252"] = (latin, "eu2008")
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("\n".join([*lines[:40], lines[0], *lines[40:80]]) + "\n", encoding="utf-8")
    files["repeated header"] = (repeated, "eu2008")
    few = tmp_path / "few.csv"
    few.write_text("\n".join(lines[:15]) + "\n", encoding="utf-8")
    files["too few to weight"] = (few, "eu2008")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(("\n".join(lines[:30]) + "\n").replace("Denmark", "Den\x00mark", 1).encode())
    files["NUL"] = (nul, "eu2008")
    one = tmp_path / "one.csv"
    one.write_text("\n".join(OECD_RAW_FILE.read_text(encoding="utf-8").splitlines()[:2]) + "\n", encoding="utf-8")
    files["one official"] = (one, "oecd2010")
    bad_code = tmp_path / "officials.csv"
    officials = OECD_RAW_FILE.read_text(encoding="utf-8").splitlines()
    officials[5] = officials[5].replace(",oecd,", ",OECD,").rsplit(",", 2)[0] + ",7,1"
    bad_code.write_text("\n".join(officials) + "\n", encoding="utf-8")
    files["code outside the codebook"] = (bad_code, "oecd2010")
    return files


def test_check_and_the_cleaning_steps_agree_on_bad_files(tmp_path: Path) -> None:
    """The check runs the very function the notebooks run: refused exactly when the cleaning step raises."""
    for name, (path, study) in bad_files(tmp_path).items():
        result = check_file(path, study=study)
        step = run_cleaning if study == "eu2008" else run_oecd_cleaning
        try:
            step(path)
            raised = False
        except (CleaningError, VendorFileError):
            raised = True
        assert result.refused == raised, name
        assert "Traceback" not in result.text
        assert result.refused == (name not in ("latin, read as Windows-1252",)), (name, result.text)


@pytest.mark.parametrize("case", ["missing", "folder", "non-UTF-8 required", "garbage", "bad YAML"])
def test_the_check_command_answers_without_a_traceback(tmp_path: Path, case: str) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 100)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("RESPID,COUNTRY\n1,Dänemark\n".encode("latin-1"))
    arguments = {"missing": [str(tmp_path / "nothing.csv")], "folder": [str(tmp_path)],
                 "non-UTF-8 required": [str(latin), "--encoding", "utf-8"], "garbage": [str(garbage)],
                 "bad YAML": [str(latin), "--column-map", "{a: [b"]}[case]
    done = check_cli(*arguments)
    output = done.stdout + done.stderr
    assert done.returncode == (2 if case == "bad YAML" else 1), output
    assert "Traceback" not in output
    expected = {"missing": "file not found", "folder": "is a folder", "non-UTF-8 required": "not UTF-8",
                "garbage": "NUL bytes", "bad YAML": "--column-map is not valid YAML"}[case]
    assert expected in output


def can_drop_root_override() -> bool:
    return shutil.which("setpriv") is not None and os.geteuid() == 0


def test_an_unreadable_file_is_named_by_the_check_and_the_pipeline(tmp_path: Path) -> None:
    """Run as a user without root's override (capabilities dropped with setpriv): a mode-000 file is unreadable."""
    if os.geteuid() != 0:
        user: list[str] = []
    elif can_drop_root_override():
        user = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]
    else:
        pytest.skip("setpriv is not available to drop root's override")
    path = write_csv(eu_text(60), tmp_path / "locked.csv")
    path.chmod(0)
    try:
        done = check_cli(str(path), user=user)
        assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
        assert f"{path}: cannot be read: permission denied" in done.stdout
        out = tmp_path / "out"
        out.mkdir()
        run = subprocess.run([*user, sys.executable, "-m", "helpers.pipeline", "run", "--no-export", "--out", str(out),
                              "--only", "eu2008_clean", "-p", f"eu2008_clean.respondent_file={path}"],
                             capture_output=True, text=True, cwd=PROJECT_ROOT, env=ENVIRONMENT, timeout=300)
        assert run.returncode != 0 and "Traceback" not in run.stdout + run.stderr
        assert f"{path} cannot be read: permission denied" in run.stderr
        assert not (out / "data" / "processed" / "eu2008").exists()
    finally:
        path.chmod(0o644)


def peak_memory(command: list[str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run ``command`` under a small wrapper; its exit, output and the peak resident memory (bytes) it needed."""
    wrapper = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stdout.write(done.stdout + done.stderr); "
               "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(done.returncode)")
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=ENVIRONMENT, timeout=600)
    peak_kib = int(done.stdout.rsplit("PEAK", 1)[1].split()[0])
    return done, peak_kib * 1024


def test_a_huge_garbage_file_is_refused_early_with_little_memory(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    block = np.random.default_rng(3).integers(0, 256, 1 << 22, dtype=np.uint8).tobytes()
    with open(huge, "wb") as handle:
        for _ in range(300 * (1 << 20) // len(block)):  # 300 MiB of random bytes
            handle.write(block)
    below = tmp_path / "below.csv"
    with open(below, "wb") as handle:
        for _ in range((MAX_INPUT_BYTES - (1 << 20)) // len(block)):  # just under the limit
            handle.write(block)
    for path, expected in ((huge, "more than the 67.1 MB"), (below, "NUL bytes (0x00) on file lines")):
        done, peak = peak_memory([sys.executable, "-m", "helpers.data.real_data", "check", str(path)])
        assert done.returncode == 1 and expected in done.stdout, done.stdout
        assert "Traceback" not in done.stdout
        assert peak < 2 * 2**30, f"{path.name}: peak {peak / 2**20:.0f} MiB"


# ---------------------------------------------------------------------------------------------------------
# OECD: values written another way, missing codes
# ---------------------------------------------------------------------------------------------------------


def test_oecd_codes_written_another_way_are_harmonised_and_logged(tmp_path: Path) -> None:
    frame = pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False)
    spoilt = frame.copy()
    spoilt.loc[0, "COFOG"] = "4"
    spoilt.loc[1, "Q1_01"] = "1.0"
    spoilt.loc[2, "Q3_01"] = "98"
    spoilt.loc[3, "MEMBERSHIP"] = "OECD"
    spoilt.loc[4, "CNTRY_CODE"] = "ca" if frame.loc[4, "CNTRY_CODE"] == "CAN" else frame.loc[4, "CNTRY_CODE"].lower()
    spoilt.loc[5, "COUNTRY"] = f"  {frame.loc[5, 'COUNTRY'].upper()} "
    reference = clean_vendor_file(OECD_RAW_FILE)
    expected = frame.loc[2, "Q3_01"]
    result = clean_vendor_file(write_csv(spoilt, tmp_path / "officials.csv"))
    if expected == "8":
        pd.testing.assert_frame_equal(result.long, reference.long)
    changed = set(zip(result.log["line"], result.log["column"], result.log["reason"], strict=True))
    assert {(2, "COFOG", "code_normalised"), (3, "Q1_01", "code_normalised"), (4, "Q3_01", "code_normalised"),
            (5, "MEMBERSHIP", "code_normalised"), (6, "CNTRY_CODE", "code_normalised"),
            (7, "COUNTRY", "whitespace_stripped"), (7, "COUNTRY", "code_normalised")} <= changed


def test_oecd_missing_codes_and_value_map(tmp_path: Path) -> None:
    frame = pd.read_csv(OECD_RAW_FILE, dtype=str, keep_default_na=False)
    frame.loc[[0, 1], "Q2_01"] = "7"
    frame.loc[[2], "Q4_03"] = "-1"
    frame["MEMBERSHIP"] = frame["MEMBERSHIP"].map({"oecd": "member", "partner": "partner"})
    path = write_csv(frame, tmp_path / "officials.csv")
    result = clean_vendor_file(path, missing_codes={"Q2_01": {7: "dont_know"}, "*": {-1: "not asked"}},
                               value_map={"MEMBERSHIP": {"member": "oecd"}})
    log = result.log.set_index(["line", "column"])
    assert log.loc[(2, "Q2_01"), "new_value"] == "8" and log.loc[(4, "Q4_03"), "new_value"] == "9"
    assert log.loc[(2, "Q2_01"), "reason"] == "declared_missing"
    assert (result.log["reason"] == "value_mapped").sum() == (frame["MEMBERSHIP"] == "member").sum()
    with pytest.raises(VendorFileError, match=r"missing_codes names 'COFOG': only the item columns"):
        clean_vendor_file(path, missing_codes={"COFOG": [99]})


# ---------------------------------------------------------------------------------------------------------
# Slow: the pipeline's verdict and the check's agree, and a refused file leaves no processed data
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_pipeline_and_the_check_agree_on_bad_files(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    files = {name: entry for name, entry in bad_files(tmp_path / "files").items()
             if name in ("repeated header", "too few to weight", "one official", "latin, read as Windows-1252")}
    runs = {}
    for name, (path, study) in files.items():
        out = tmp_path / f"out_{len(runs)}"
        step = f"{study}_clean"
        runs[name] = (out, study, subprocess.Popen(
            [sys.executable, "-m", "helpers.pipeline", "run", "--no-export", "--jobs", "1", "--out", str(out),
             "--only", step, "-p", f"{step}.respondent_file={path}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT, env=ENVIRONMENT))
    for name, (out, study, process) in runs.items():
        output = process.communicate(timeout=600)[0]
        path = files[name][0]
        check = check_cli(str(path), "--study", study)
        assert (process.returncode != 0) == (check.returncode != 0), (name, output, check.stdout)
        assert "Traceback" not in output
        processed = out / "data" / "processed" / study
        if process.returncode != 0:
            assert not processed.exists() or not any(processed.iterdir()), name  # nothing for later steps
            assert str(path) in output
        else:
            assert json.loads((processed / "provenance.json").read_text())["data_origin"] == "synthetic"
