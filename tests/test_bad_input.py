"""Every kind of malformed raw input stops the run with one message naming the file, the column and the rows.

Each test writes a small bad file in tmp_path (mostly a few rows of a committed raw file, spoilt on purpose)
and checks the exception type, that the message names the file, the column(s) and the file lines or rows,
and, where the fixture has two different problems, that both are listed. The last tests run the pipeline's
command line on bad inputs: non-zero exit, a message that is not a traceback, raw files unchanged and no
processed output.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from helpers.pipeline import runner as pipeline
from helpers.data.claims import ClaimsRegistryError, load_claims
from helpers.eu.clean import CleaningError, clean, read_respondent_file
from helpers.eu.stages import read_inputs
from helpers.eu.weights import PopulationFileError, WeightError, check_weights, read_population_shares, read_sex_age_margins
from helpers.oecd.clean import VendorFileError, clean_vendor_file
from helpers.paths import (
    CLAIMS_FILE,
    EU_RAW_FILE,
    OECD_RAW_FILE,
    POPULATIONS_FILE,
    PROJECT_ROOT,
    RAW_DIR,
    SEX_AGE_MARGINS_FILE,
)
from helpers.pipeline.runner import Locations, PipelineError
from helpers.data.validation import InputFileError, format_row_numbers, read_csv_checked
from helpers.data.real_data import availability


def first_lines(path: Path, n: int) -> list[str]:
    """The first ``n`` lines of a committed file (header included), without line ends."""
    with open(path, encoding="utf-8") as handle:
        return [next(handle).rstrip("\n") for _ in range(n)]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def set_field(line: str, position: int, value: str) -> str:
    """``line`` (a CSV line without quotes) with field ``position`` replaced by ``value``."""
    fields = line.split(",")
    fields[position] = value
    return ",".join(fields)


def oecd_column(name: str) -> int:
    return first_lines(OECD_RAW_FILE, 1)[0].split(",").index(name)


def eu_column(name: str) -> int:
    return first_lines(EU_RAW_FILE, 1)[0].split(",").index(name)


# ---------------------------------------------------------------------------------------------------------
# The file itself: empty, header only, delimiter, encoding, truncation, ragged lines, columns
# ---------------------------------------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "officials.csv"
    path.write_bytes(b"")
    with pytest.raises(VendorFileError, match=r"officials\.csv: the file is empty \(0 bytes\)"):
        clean_vendor_file(path)


def test_header_only_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "claims.csv", first_lines(CLAIMS_FILE, 1))
    with pytest.raises(ClaimsRegistryError, match=r"claims\.csv: the file has a header line but no data rows"):
        load_claims(path)


@pytest.mark.parametrize(("delimiter", "shown"), [(";", "';'"), ("\t", "'\\\\t'")])
def test_other_delimiters_are_read_in_respondent_files_and_named_in_registry_files(
        tmp_path: Path, delimiter: str, shown: str) -> None:
    """A vendor's semicolon or tab file is read as it is (detected); the claims registry must be comma-delimited."""
    lines = first_lines(OECD_RAW_FILE, 30)
    path = write_lines(tmp_path / "officials.csv", [line.replace(",", delimiter) for line in lines])
    comma = write_lines(tmp_path / "comma.csv", lines)
    result = clean_vendor_file(path)
    pd.testing.assert_frame_equal(result.long, clean_vendor_file(comma).long)
    assert result.reading["delimiter"] == {";": "semicolon", "\t": "tab"}[delimiter]
    claims = write_lines(tmp_path / "claims.csv", [line.replace(",", delimiter) for line in first_lines(CLAIMS_FILE, 1)]
                         + ["a" + delimiter + "b"])
    with pytest.raises(ClaimsRegistryError, match=rf"claims\.csv: looks like {shown}-delimited .* expected comma"):
        load_claims(claims)


def test_wrong_encoding_names_the_byte_offset_and_every_line(tmp_path: Path) -> None:
    lines = first_lines(EU_RAW_FILE, 6)
    country = eu_column("COUNTRY")
    lines[2] = set_field(lines[2], country, "Dänemark")
    lines[5] = set_field(lines[5], country, "Française")
    path = tmp_path / "citizens.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    offset = len("\n".join(lines[:2]).encode("latin-1")) + 1 + lines[2].index("ä")
    with pytest.raises(CleaningError) as caught:
        read_respondent_file(path, encoding="utf-8")  # UTF-8 required: refused, naming what the file is
    message = str(caught.value)
    assert message.startswith(f"{path}: not UTF-8")
    assert f"byte 0xe4 at offset {offset}" in message
    assert "file lines 3, 6" in message and "Expected UTF-8" in message and "looks like Windows-1252" in message
    read = read_respondent_file(path)  # the default, encoding 'auto': read as Windows-1252, and said so
    assert read.attrs["reading"]["encoding"] == "Windows-1252"
    assert read["COUNTRY"].iloc[1] == "Dänemark" and read["COUNTRY"].iloc[4] == "Française"


def test_truncated_file(tmp_path: Path) -> None:
    text = OECD_RAW_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    cut = len("\n".join(lines[:5])) + 1 + 20  # 20 characters into line 6
    path = tmp_path / "officials.csv"
    path.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(VendorFileError, match=r"officials\.csv: the last line \(line 6\) stops after \d+ of 16 "
                                              r"fields and has no line end: the file looks truncated"):
        clean_vendor_file(path)


def test_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    text = CLAIMS_FILE.read_text(encoding="utf-8")
    path = tmp_path / "claims.csv"
    path.write_text(text[: text.index('"', text.index("\nOECD-02")) + 10], encoding="utf-8")  # inside 'source'
    with pytest.raises(ClaimsRegistryError, match=r"claims\.csv: line 3: .*never closes: the file looks truncated"):
        load_claims(path)


def test_truncated_spss_file(tmp_path: Path) -> None:
    whole, cut = tmp_path / "whole.sav", tmp_path / "citizens.sav"
    pyreadstat.write_sav(read_respondent_file(EU_RAW_FILE).head(5).drop(columns=["INTDATE"]), str(whole))
    cut.write_bytes(whole.read_bytes()[:400])
    with pytest.raises(CleaningError, match=r"citizens\.sav: cannot be read as an SPSS file \(damaged or truncated\?\)"):
        read_respondent_file(cut)


def test_ragged_lines_are_all_named(tmp_path: Path) -> None:
    lines = first_lines(OECD_RAW_FILE, 8)
    lines[2] += ",1,2"  # line 3: two fields too many
    lines[4] = lines[4].rsplit(",", 3)[0]  # line 5: three too few
    lines[6] = lines[6].rsplit(",", 1)[0]  # line 7: one too few
    path = write_lines(tmp_path / "officials.csv", lines)
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 2 problems")
    assert "fewer fields than the header's 16 on file lines 5, 7" in message
    assert "more fields than the header's 16 on file lines 3" in message


def test_missing_and_renamed_columns_with_a_ragged_line(tmp_path: Path) -> None:
    drop = oecd_column("Q3_02")
    lines = [",".join(f for i, f in enumerate(line.split(",")) if i != drop) for line in first_lines(OECD_RAW_FILE, 5)]
    lines[0] = lines[0].replace("COFOG", "cofog_code")
    lines[3] += ",9"
    path = write_lines(tmp_path / "officials.csv", lines)
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)
    message = str(caught.value)
    assert "missing required column(s): COFOG, Q3_02 (renamed? 'cofog_code' looks like COFOG)" in message
    assert "more fields than the header's 15 on file lines 4" in message


def test_renamed_column_in_the_eu_file(tmp_path: Path) -> None:
    lines = first_lines(EU_RAW_FILE, 4)
    lines[0] = lines[0].replace(",AGE,", ",Age_years,").replace(",URBAN,", ",URBANISATION,")
    path = write_lines(tmp_path / "citizens.csv", lines)
    with pytest.raises(CleaningError, match=r"citizens\.csv: missing required columns \['AGE'\] "
                                            r"\(renamed\? 'Age_years' looks like AGE\)"):
        read_respondent_file(path)


def test_a_renamed_optional_column_is_read_as_missing_and_reported(tmp_path: Path) -> None:
    """URBAN is optional: under another name it is not in the codebook, so the cleaned data lack it and
    the availability record names it (the reports then say the correlates are not computed)."""
    lines = first_lines(EU_RAW_FILE, 40)
    lines[0] = lines[0].replace(",URBAN,", ",URBANISATION,")
    path = write_lines(tmp_path / "citizens.csv", lines)
    cleaned = clean(read_respondent_file(path), str(path))
    assert cleaned.data["URBAN"].isna().all()
    supported = availability(cleaned.data)
    assert supported.missing["correlates"] == ["URBAN"]
    assert supported.look_alikes == {"URBAN": "URBANISATION"}  # the reports suggest the column_map entry
    assert "'URBANISATION' looks like URBAN" in supported.notes[-1] and "column_map" in supported.notes[-1]


def test_read_csv_checked_index_is_the_file_line_minus_two(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "small.csv", ["a,b", "1,2", "", "3,4"])
    frame = read_csv_checked(path, required_columns=["a", "b"])
    assert list(frame.index + 2) == [2, 4]
    assert frame["a"].tolist() == ["1", "3"]


def test_format_row_numbers() -> None:
    assert format_row_numbers([9, 5, 5, 12]) == "file lines 5, 9, 12"
    assert format_row_numbers(range(2, 30), limit=3) == "file lines 2, 3, 4 (and 25 more)"
    assert format_row_numbers([3, 1], label="rows", bracketed=True) == "rows [1, 3]"


def test_every_reader_error_is_an_input_file_error() -> None:
    for error_type in (VendorFileError, CleaningError, ClaimsRegistryError, PopulationFileError):
        assert issubclass(error_type, InputFileError) and issubclass(error_type, ValueError)
    assert issubclass(PopulationFileError, WeightError)


# ---------------------------------------------------------------------------------------------------------
# Codes, types and duplicates in the respondent files
# ---------------------------------------------------------------------------------------------------------


def test_oecd_codes_outside_the_codebook_and_unknown_area(tmp_path: Path) -> None:
    lines = first_lines(OECD_RAW_FILE, 7)
    lines[1] = set_field(lines[1], oecd_column("Q2_01"), "7")
    lines[4] = set_field(lines[4], oecd_column("Q2_01"), "3")
    lines[5] = set_field(lines[5], oecd_column("COFOG"), "11")
    path = write_lines(tmp_path / "officials.csv", lines)
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)
    message = str(caught.value)
    assert str(path) in message.splitlines()[0]
    by_column = {line.split("'")[1]: line for line in message.splitlines()[1:]}
    assert "file lines 2, 5" in by_column["Q2_01"] and "'3'" in by_column["Q2_01"] and "'7'" in by_column["Q2_01"]
    assert "file lines 6" in by_column["COFOG"] and "'11'" in by_column["COFOG"]


def test_oecd_duplicated_respondent_and_area_rows(tmp_path: Path) -> None:
    lines = first_lines(OECD_RAW_FILE, 5)
    lines.append(lines[2])  # line 6 repeats line 3: same RESPID and COFOG
    lines[3] = set_field(lines[3], oecd_column("Q1_01"), "")  # line 4: an empty answer
    path = write_lines(tmp_path / "officials.csv", lines)
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)
    message = str(caught.value)
    duplicate = next(line for line in message.splitlines() if "'RESPID, COFOG'" in line)
    assert "file lines 3, 6" in duplicate
    assert "file lines 4" in next(line for line in message.splitlines() if "'Q1_01'" in line)


def eu_frame(n: int) -> pd.DataFrame:
    """The first ``n`` records of the committed EU file, read as the reader does."""
    return read_respondent_file(EU_RAW_FILE).iloc[:n].reset_index(drop=True)


def test_eu_wrong_types_and_unknown_country_are_listed_together(tmp_path: Path) -> None:
    lines = first_lines(EU_RAW_FILE, 12)
    lines[3] = set_field(lines[3], eu_column("AGE"), "forty")  # row 2
    lines[6] = set_field(lines[6], eu_column("EDUC"), "2.5")  # row 5
    lines[9] = set_field(lines[9], eu_column("COUNTRY"), "Narnia")  # row 8
    path = write_lines(tmp_path / "citizens.csv", lines)
    with pytest.raises(CleaningError) as caught:
        clean(read_respondent_file(path), str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: 3 problems")
    assert "column AGE: not whole numbers at rows [2] (values 'forty')" in message
    assert "column EDUC: not whole numbers at rows [5] (values '2.5')" in message
    assert "column COUNTRY has 1 unknown or missing labels: 'Narnia' at rows [8]" in message
    assert "0-based" in message


def test_eu_conflicting_duplicates_beyond_the_threshold(tmp_path: Path) -> None:
    frame = eu_frame(60)
    copies = frame.iloc[:6].assign(AGE=frame["AGE"].iloc[:6] + 1)  # 6 ids, each with two different records
    bad = pd.concat([frame, copies], ignore_index=True)
    bad.loc[30, "COUNTRY"] = "Atlantis"  # and an unknown country label
    with pytest.raises(CleaningError) as caught:
        clean(bad, "citizens.csv")
    message = str(caught.value)
    assert message.startswith("citizens.csv: 2 problems")
    assert "column RESPID: 12 of 66 records (18.2%) share an id with a record that differs" in message
    assert "rows [0, 1, 2, 3, 4, 5, 60, 61, 62, 63, 64, 65]" in message
    assert str(frame["RESPID"].iloc[0]) in message
    assert "column COUNTRY has 1 unknown or missing labels: 'Atlantis' at rows [30]" in message
    few = pd.concat([frame, copies.iloc[:2]], ignore_index=True)  # 4 records: resolved by dropping them
    assert len(clean(few, "citizens.csv").data) == 60 - 2


def test_eu_many_codes_outside_the_codebook_in_one_column() -> None:
    frame = eu_frame(40)
    frame.loc[:14, "EDUC"] = 0  # 15 of 40 records: a 0-based coding scheme, not keying slips
    frame.loc[[20, 21], "SEX"] = 3  # SEX may not be missing: schema failure
    with pytest.raises(CleaningError) as caught:
        clean(frame, "citizens.csv")
    message = str(caught.value)
    assert "column EDUC: 15 of 40 records (37.5%) have codes outside the codebook (values '0'" in message
    assert "rows [0, 1, 2," in message
    assert "column SEX, check not_nullable: 2 failures at rows [20, 21] (values as delivered '3')" in message


# ---------------------------------------------------------------------------------------------------------
# Population margins and weights
# ---------------------------------------------------------------------------------------------------------


def test_population_file_problems_are_all_listed(tmp_path: Path) -> None:
    table = pd.read_csv(POPULATIONS_FILE, dtype=str, keep_default_na=False)
    table.loc[1, "population_millions"] = "-5.4"  # line 3
    table.loc[2, "country"] = "Frnace"  # line 4
    table.loc[3, "population_millions"] = ""  # line 5
    table.loc[4, "population_millions"] = "sixty"  # line 6
    path = tmp_path / "populations.csv"
    table.to_csv(path, index=False)
    with pytest.raises(PopulationFileError) as caught:
        read_population_shares(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 4 problems")
    assert "column population_millions: zero or negative on file lines 3 (values -5.4)" in message
    assert "column population_millions: missing values on file lines 5" in message
    assert "column population_millions: not a number on file lines 6 (values 'sixty')" in message
    assert "column country: no population for France; 'Frnace' looks like France" in message


def test_margins_file_problems_are_all_listed(tmp_path: Path) -> None:
    table = pd.read_csv(SEX_AGE_MARGINS_FILE, dtype=str, keep_default_na=False)
    table.loc[0, "sex"] = "M"  # line 2
    table.loc[7, "population_share"] = "0"  # line 9
    table.loc[13, "population_share"] = "0.5"  # line 15: that country's shares no longer sum to 1
    country_of_line_15 = table.loc[13, "country"]
    table = pd.concat([table, table.iloc[[20]]], ignore_index=True)  # line 32 repeats line 22
    path = tmp_path / "margins.csv"
    table.to_csv(path, index=False)
    with pytest.raises(PopulationFileError) as caught:
        read_sex_age_margins(path)
    message = str(caught.value)
    assert str(path) in message.splitlines()[0]
    assert "column population_share: zero or negative on file lines 9" in message
    assert "column sex: values outside the codebook on file lines 2 (values 'M'" in message
    assert "column(s) country, sex, age_group: the same value appears more than once on file lines 22, 32" in message
    assert f"the shares of {country_of_line_15} sum to" in message and "file lines 14, 15" in message


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_zero_negative_or_missing_weights_name_the_column_and_rows(bad: float) -> None:
    weights = pd.Series([1.0, bad, 2.0, -3.0])
    with pytest.raises(WeightError) as caught:
        check_weights(weights, "weight_country")
    message = str(caught.value)
    assert message.startswith("weight_country: ")
    assert "negative at rows [1, 3]" in message if bad < 0 else "negative at rows [3]" in message
    if bad == 0:
        assert "zero at rows [1]" in message
    if np.isnan(bad):
        assert "missing at rows [1]" in message


# ---------------------------------------------------------------------------------------------------------
# Claims registry
# ---------------------------------------------------------------------------------------------------------


def test_claims_without_source_duplicated_id_unknown_kind_and_text_value(tmp_path: Path) -> None:
    claims = pd.read_csv(CLAIMS_FILE, dtype=str, keep_default_na=False).head(8)
    claims.loc[1, "source"] = ""  # line 3
    claims.loc[4, "claim_id"] = claims.loc[3, "claim_id"]  # lines 5 and 6
    claims.loc[5, "kind"] = "guess"  # line 7
    claims.loc[6, "value"] = "about forty"  # line 8: a value claim without a number
    path = tmp_path / "claims.csv"
    claims.to_csv(path, index=False)
    with pytest.raises(ClaimsRegistryError) as caught:
        load_claims(path)
    message = str(caught.value)
    assert str(path) in message.splitlines()[0]
    lines = message.splitlines()[1:]
    assert "file lines 3" in next(line for line in lines if "'source'" in line)
    assert "file lines 5, 6" in next(line for line in lines if "'claim_id'" in line and "unique" in line)
    assert "file lines 7" in next(line for line in lines if "'kind'" in line)
    assert "file lines 8" in next(line for line in lines if "value is a number" in line)


# ---------------------------------------------------------------------------------------------------------
# Pipeline file and parameters
# ---------------------------------------------------------------------------------------------------------


def test_pipeline_file_with_unknown_step_key_and_parameter(tmp_path: Path) -> None:
    step = {
        "name": "oecd2010_clean",
        "notebook": "notebooks/10_oecd_clean.ipynb",
        "parameters": {"respondent_file": "{raw}/oecd2010_officials_synthetic.csv", "colour_scheme": "red"},
        "needs": ["oecd2010_cleaning"],
        "outputs": ["processed_dir"],
        "colour": "red",
    }
    pipeline_file = tmp_path / "pipeline.yaml"
    pipeline_file.write_text(json.dumps({"steps": [step]}))
    locations = Locations(root=PROJECT_ROOT, out=tmp_path / "out")
    with pytest.raises(PipelineError) as caught:
        pipeline.steps_from_document(pipeline.read_pipeline_file(pipeline_file), pipeline_file, locations)
    message = str(caught.value)
    assert "unknown key(s) ['colour']" in message
    assert "needs unknown step 'oecd2010_cleaning'" in message
    assert "'processed_dir' under outputs, but it is not one of the step's parameters" in message
    del step["needs"], step["colour"], step["outputs"]
    pipeline_file.write_text(json.dumps({"steps": [step]}))
    with pytest.raises(PipelineError, match="sets 'colour_scheme', which 10_oecd_clean.ipynb does not declare"):
        pipeline.load_pipeline(pipeline_file, locations)
    steps = pipeline.steps_from_document(pipeline.read_pipeline_file(pipeline_file), pipeline_file, locations)
    with pytest.raises(PipelineError) as caught:
        pipeline.apply_overrides(steps, ["respondent_fiel=/tmp/x.csv", "column_map=7"])
    assert "unknown parameter 'respondent_fiel'" in str(caught.value) and "Did you mean 'respondent_file'" in str(caught.value)
    # (a text parameter takes what is written as text, so the wrong type is shown on a mapping)
    assert "expects dict for 'column_map', got 7; write a mapping as -p 'column_map={COLUMN: {old: new}}'" in str(
        caught.value)


# ---------------------------------------------------------------------------------------------------------
# End to end through the runner's command line
# ---------------------------------------------------------------------------------------------------------


def raw_hashes() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(RAW_DIR.iterdir())}


def run_cli(out: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpers.pipeline", "run", "--no-export", "--out", str(out), *arguments],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


def assert_stopped_cleanly(done: subprocess.CompletedProcess[str], bad_file: Path, before: dict[str, str],
                           bad_file_hash: str) -> str:
    """Non-zero exit, no traceback, raw files and the bad file unchanged; returns the whole output."""
    message = done.stdout + done.stderr
    assert done.returncode != 0, message
    assert "Traceback" not in message
    assert raw_hashes() == before
    assert hashlib.sha256(bad_file.read_bytes()).hexdigest() == bad_file_hash
    return message


def test_cli_truncated_oecd_file(tmp_path: Path) -> None:
    text = OECD_RAW_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "officials.csv"
    bad.write_text(text[: len(text) // 2], encoding="utf-8")
    before, bad_hash = raw_hashes(), hashlib.sha256(bad.read_bytes()).hexdigest()
    out = tmp_path / "out"
    done = run_cli(out, "--only", "oecd2010_clean", "-p", f"oecd2010_clean.respondent_file={bad}")
    message = assert_stopped_cleanly(done, bad, before, bad_hash)
    assert done.returncode == 1
    assert "step 'oecd2010_clean' failed" in message
    assert f"VendorFileError: {bad}: the last line (line " in message and "looks truncated" in message
    assert not (out / "data" / "processed" / "oecd2010").exists()


def test_cli_eu_file_with_two_problems(tmp_path: Path) -> None:
    lines = first_lines(EU_RAW_FILE, 30)
    lines[4] = set_field(lines[4], eu_column("AGE"), "forty")
    lines[8] = set_field(lines[8], eu_column("COUNTRY"), "Narnia")
    bad = write_lines(tmp_path / "citizens.csv", lines)
    before, bad_hash = raw_hashes(), hashlib.sha256(bad.read_bytes()).hexdigest()
    out = tmp_path / "out"
    done = run_cli(out, "--only", "eu2008_clean", "-p", f"eu2008_clean.respondent_file={bad}")
    message = assert_stopped_cleanly(done, bad, before, bad_hash)
    assert done.returncode == 1
    assert f"CleaningError: {bad}: 2 problems" in message
    assert "column AGE: not whole numbers at rows [3]" in message and "'Narnia' at rows [7]" in message
    assert not (out / "data" / "processed" / "eu2008").exists()


def test_cli_unknown_parameter_and_step_stop_before_running(tmp_path: Path) -> None:
    bad = OECD_RAW_FILE
    before = raw_hashes()
    out = tmp_path / "out"
    done = run_cli(out, "--only", "oecd2010_clean", "-p", "oecd2010_clean.respondent_fiel=x.csv",
                   "-p", "oecd2010_cleaning.claims_file=y.csv")
    message = assert_stopped_cleanly(done, bad, before, before[bad.name])
    assert done.returncode == 2
    assert "unknown parameter 'respondent_fiel'" in message
    assert "unknown step 'oecd2010_cleaning'" in message
    assert not out.exists()


def test_the_cleaning_step_names_every_bad_input_file_at_once(tmp_path: Path) -> None:
    """A bad respondent file and a bad margins file: one message names both (and each file's problems)."""
    lines = first_lines(EU_RAW_FILE, 6)
    lines[0] = lines[0].replace(",AGE,", ",Age_years,")
    respondents = write_lines(tmp_path / "citizens.csv", lines)
    margins = pd.read_csv(SEX_AGE_MARGINS_FILE, dtype=str, keep_default_na=False)
    margins.loc[7, "population_share"] = "0"  # file line 9
    margins_path = tmp_path / "margins.csv"
    margins.to_csv(margins_path, index=False)
    with pytest.raises(InputFileError) as caught:
        read_inputs(str(respondents), {}, str(margins_path), str(POPULATIONS_FILE))
    message = str(caught.value)
    assert message.startswith("2 input files cannot be used:")
    assert f"{respondents}: missing required columns ['AGE']" in message
    assert f"{margins_path}" in message and "zero or negative on file lines 9" in message
    with pytest.raises(CleaningError, match="missing required columns"):  # one bad file: its own error
        read_inputs(str(respondents), {}, str(SEX_AGE_MARGINS_FILE), str(POPULATIONS_FILE))
