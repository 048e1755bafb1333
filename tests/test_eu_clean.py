"""Cleaning of the respondent file: hand-made fixtures for each rule, and the injected ground truth of the
synthetic generator found exactly (counts and records) in the committed file and in another seed."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from helpers.eu import codebook, synthetic
from helpers.eu.clean import DROPPED, CleaningError, _country_codes_as_labels, clean, read_respondent_file
from helpers.paths import EU_RAW_FILE


def raw_frame(n: int = 3, **columns: list) -> pd.DataFrame:
    """A valid raw frame of ``n`` records (every answer 2, SEX 1, AGE 40, Denmark), overridden by ``columns``."""
    values: dict[str, list] = {}
    for column in codebook.RAW_COLUMNS:
        if column == "RESPID":
            values[column] = list(range(1, n + 1))
        elif column == "COUNTRY":
            values[column] = ["Denmark"] * n
        elif column == "INTDATE":
            values[column] = ["2008-04-20"] * n
        elif column == "AGE":
            values[column] = [40] * n
        elif column in ("SEX", "SYNTHETIC"):
            values[column] = [1] * n
        else:
            values[column] = [2] * n
    values.update(columns)
    frame = pd.DataFrame(values)
    return frame.astype({"COUNTRY": "str", "INTDATE": "str"})


def log_rows(result, reason: str) -> list[tuple]:
    entries = result.log[result.log["reason"] == reason]
    return list(zip(entries["source_row"], entries["column"], entries["old_value"], entries["new_value"], strict=True))


def test_whitespace_and_country_labels_are_harmonised_and_logged() -> None:
    labels = [" UK", "Deutschland", "CZECH REP.", "czech   republic ", "France", "Great Britain", "Danmark"]
    result = clean(raw_frame(len(labels), COUNTRY=labels), "fixture.csv")
    assert result.data["COUNTRY"].tolist() == ["United Kingdom", "Germany", "Czech Republic", "Czech Republic",
                                               "France", "United Kingdom", "Denmark"]
    assert log_rows(result, "whitespace_stripped") == [(0, "COUNTRY", " UK", "UK"),
                                                       (3, "COUNTRY", "czech   republic ", "czech   republic")]
    assert log_rows(result, "country_label_harmonised") == [
        (0, "COUNTRY", "UK", "United Kingdom"), (1, "COUNTRY", "Deutschland", "Germany"),
        (2, "COUNTRY", "CZECH REP.", "Czech Republic"), (3, "COUNTRY", "czech   republic", "Czech Republic"),
        (5, "COUNTRY", "Great Britain", "United Kingdom"), (6, "COUNTRY", "Danmark", "Denmark")]
    assert result.counts["whitespace_stripped"] == 2 and result.counts["country_label_harmonised"] == 6


def test_unknown_country_label_is_an_error_naming_file_column_and_rows() -> None:
    frame = raw_frame(4, COUNTRY=["Denmark", "Narnia", "Denmark", "Narnia"])
    with pytest.raises(CleaningError, match=r"delivery\.csv: column COUNTRY .*'Narnia' at rows \[1, 3\]"):
        clean(frame, "delivery.csv")


def test_exact_duplicates_keep_the_first_and_conflicting_duplicates_drop_all() -> None:
    frame = raw_frame(6, RESPID=[10, 10, 11, 12, 12, 13], AGE=[40, 40, 50, 60, 61, 30],
                      COUNTRY=["Denmark", "DK", "Denmark", "France", "France", "France"])
    result = clean(frame, "fixture.csv")
    assert result.data["RESPID"].tolist() == [10, 11, 13]  # 10 kept once ('DK' = 'Denmark'); both 12s dropped
    assert log_rows(result, "exact_duplicate_dropped") == [(1, "RESPID", "10", DROPPED)]
    assert log_rows(result, "conflicting_duplicate_dropped") == [(3, "RESPID", "12", DROPPED),
                                                                 (4, "RESPID", "12", DROPPED)]


def test_out_of_range_and_missing_ages_drop_the_record() -> None:
    frame = raw_frame(6, AGE=[17, 18, 99, 100, 999, None])
    result = clean(frame, "fixture.csv")
    assert result.data["AGE"].tolist() == [18, 99]
    assert log_rows(result, "age_out_of_range_dropped") == [(0, "AGE", "17", DROPPED), (3, "AGE", "100", DROPPED),
                                                            (4, "AGE", "999", DROPPED)]
    assert log_rows(result, "age_missing_dropped") == [(5, "AGE", "", DROPPED)]


def test_dont_know_refused_and_undocumented_codes_become_missing() -> None:
    frame = raw_frame(4, ENV_RECYCLE=[1, 8, 9, 7], EDUC=[3, 0, 9, 1], EMPLOY=[5, 2, 6, 1])
    result = clean(frame, "fixture.csv")
    assert result.data["ENV_RECYCLE"].tolist()[0] == 1
    assert result.data["ENV_RECYCLE"].isna().tolist() == [False, True, True, True]
    assert result.data["EDUC"].isna().tolist() == [False, True, True, False]
    assert result.data["EMPLOY"].tolist()[0] == 5
    assert result.data["EMPLOY"].isna().tolist() == [False, False, True, False]
    assert log_rows(result, "dont_know_to_missing") == [(1, "ENV_RECYCLE", "8", "")]
    assert log_rows(result, "refused_to_missing") == [(2, "EDUC", "9", ""), (2, "ENV_RECYCLE", "9", "")]
    assert log_rows(result, "undocumented_code_to_missing") == [
        (1, "EDUC", "0", ""), (2, "EMPLOY", "6", ""), (3, "ENV_RECYCLE", "7", "")]
    assert result.counts["undocumented_code_to_missing"] == 3
    assert str(result.data["ENV_RECYCLE"].dtype) == "Int64"


def test_schema_reports_every_failure_at_once_with_columns_and_rows() -> None:
    frame = raw_frame(4, SEX=[1, 3, 2, 1], INTDATE=["2008-04-20", "2008-06-01", "2008-04-20", "not a date"])
    with pytest.raises(CleaningError) as error:
        clean(frame, "fixture.sav")
    message = str(error.value)
    assert message.startswith("fixture.sav: 2 problems")
    assert "column INTDATE: not a date written YYYY-MM-DD at rows [3] (values 'not a date')" in message
    assert "the cleaned data fail validation" in message and "column INTDATE, check in_range" in message
    assert "rows [1]" in message and "column SEX" in message
    assert "not_nullable: 1 failures at rows [3]" not in message  # the unreadable date is reported once


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(CleaningError, match=r"fixture\.csv: missing required columns \['SEX', 'AGE'\]$"):
        clean(raw_frame().drop(columns=["AGE", "SAF_WILLING", "SEX"]), "fixture.csv")


def test_absent_optional_columns_are_added_empty_in_codebook_order() -> None:
    result = clean(raw_frame().drop(columns=["SAF_WILLING", "EDUC"]), "fixture.csv")
    assert result.data["SAF_WILLING"].isna().all() and result.data["EDUC"].isna().all()
    assert str(result.data["EDUC"].dtype) == "Int64"
    codebook_columns = [column for column in result.data.columns if column in codebook.RAW_COLUMNS]
    assert codebook_columns == [column for column in codebook.RAW_COLUMNS if column in result.data.columns]


def test_synthetic_flag() -> None:
    assert clean(raw_frame(), "f").data_are_synthetic
    assert not clean(raw_frame().drop(columns="SYNTHETIC"), "f").data_are_synthetic
    assert not clean(raw_frame(SYNTHETIC=[0, 0, 0]), "f").data_are_synthetic
    with pytest.raises(CleaningError, match="mixes"):
        clean(raw_frame(SYNTHETIC=[0, 1, 1]), "f")


def test_clean_log_on_a_clean_file_is_empty() -> None:
    result = clean(raw_frame(), "fixture.csv")
    assert result.log.empty and set(result.counts.values()) == {0} and len(result.data) == 3


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------

VENDOR_NAMES = {column: f"v_{column.lower()}" for column in codebook.RAW_COLUMNS}


def test_read_csv_keeps_whitespace_for_the_log(tmp_path) -> None:
    path = tmp_path / "delivery.csv"
    raw_frame(2, COUNTRY=[" Denmark", "DK "]).to_csv(path, index=False)
    frame = read_respondent_file(path)
    assert frame["COUNTRY"].tolist() == [" Denmark", "DK "]
    assert clean(frame, str(path)).counts["whitespace_stripped"] == 2


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_read_spss_and_stata_with_a_column_map(tmp_path, suffix: str) -> None:
    path = tmp_path / f"delivery{suffix}"
    frame = raw_frame(3, ENV_RECYCLE=[1, 8, 4]).rename(columns=VENDOR_NAMES)
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(frame, str(path), variable_value_labels={"v_env_recycle": {1: "Never", 4: "Always", 8: "Don't know"}})
    read = read_respondent_file(path, {name: column for column, name in VENDOR_NAMES.items()})
    assert tuple(read.columns) == codebook.RAW_COLUMNS
    assert read.attrs["value_labels"]["ENV_RECYCLE"][8] == "Don't know"
    result = clean(read, str(path))
    assert result.data["ENV_RECYCLE"].isna().tolist() == [False, True, False]
    assert result.data["COUNTRY"].tolist() == ["Denmark"] * 3


def test_read_names_the_file_and_the_missing_columns(tmp_path) -> None:
    path = tmp_path / "delivery.csv"
    raw_frame().rename(columns={"SEX": "Q1", "AGE": "Q2"}).to_csv(path, index=False)
    with pytest.raises(CleaningError, match=r"delivery\.csv: missing required columns \['SEX', 'AGE'\]"):
        read_respondent_file(path)
    assert read_respondent_file(path, {"Q1": "SEX", "Q2": "AGE"})["SEX"].tolist() == [1, 1, 1]
    with pytest.raises(CleaningError, match=r"not in the file: \['Q9'\]"):
        read_respondent_file(path, {"Q9": "SEX"})


# ---------------------------------------------------------------------------------------------------------
# Ground truth of the synthetic generator
# ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def generated(seed: int) -> synthetic.GeneratedFile:
    return synthetic.generate(seed)


@pytest.mark.parametrize("seed", [synthetic.DEFAULT_SEED, 7])
def test_cleaning_finds_exactly_the_injected_defects(seed: int, tmp_path) -> None:
    truth = generated(seed)
    if seed == synthetic.DEFAULT_SEED:
        path = EU_RAW_FILE  # the committed file
    else:
        path = tmp_path / "other.csv"
        synthetic.write(path, seed)
    result = clean(read_respondent_file(path), str(path))
    assert result.counts == truth.defect_counts
    found = result.log[["source_row", "RESPID", "column", "reason", "old_value"]].to_numpy().tolist()
    injected = truth.defects[["row", "RESPID", "column", "reason", "raw_value"]].to_numpy().tolist()
    assert found == injected
    assert result.data_are_synthetic
    assert result.data["RESPID"].is_unique
    assert len(result.data) == truth.n - truth.defect_counts["age_out_of_range_dropped"]
    for column in codebook.SURVEY_QUESTION_COLUMNS:
        assert set(result.data[column].dropna().unique()) <= set(codebook.VARIABLE_BY_NAME[column].value_labels)
    assert np.isin(result.data["COUNTRY"].unique(), codebook.CANONICAL_COUNTRIES).all()


def test_country_codes_become_their_value_labels_by_hand() -> None:
    # An SPSS/Stata COUNTRY coded 1, 2, 7 (no label), 2.5 (no label) and a text code left for the cleaning.
    frame = pd.DataFrame({"COUNTRY": pd.Series([1.0, 2.0, 7.0, 2.5, "Dk"], dtype="object"), "AGE": [30] * 5})
    labelled = _country_codes_as_labels(frame, {1.0: "Denmark", 2: "France", "x": "ignored"})
    assert labelled["COUNTRY"].tolist() == ["Denmark", "France", "7", "2.5", "Dk"]
    assert labelled["AGE"].tolist() == [30] * 5
    numeric = pd.DataFrame({"COUNTRY": [1.0, 2.0]})
    assert _country_codes_as_labels(numeric, {1.0: "Denmark", 2.0: "France"})["COUNTRY"].tolist() == [
        "Denmark", "France"]
    text = pd.DataFrame({"COUNTRY": pd.Series(["1", "2"], dtype="string")})
    assert _country_codes_as_labels(text, {1.0: "Denmark"})["COUNTRY"].tolist() == ["1", "2"]
    assert _country_codes_as_labels(numeric, None) is numeric
    assert _country_codes_as_labels(numeric.rename(columns={"COUNTRY": "LAND"}), {1.0: "Denmark"})[
        "LAND"].tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------------------------------------
# Parameters, messages and metadata, each on a hand-made frame or file (mutation test set)
# ---------------------------------------------------------------------------------------------------------

ROWS_NOTE = "\n  (rows are 0-based record positions, row 0 being the first record, as source_row in the cleaning log)"


def cleaning_message(frame: pd.DataFrame, source_name: str, **options) -> str:
    with pytest.raises(CleaningError) as caught:
        clean(frame, source_name, **options)
    return str(caught.value)


def test_missing_codes_parameter_makes_declared_codes_missing_with_their_reason(tmp_path) -> None:
    path = tmp_path / "delivery.csv"
    raw_frame(4, EDUC=[1, 97, 3, 7], ENV_RECYCLE=[1, 97, 2, 4], SAF_WILLING=[1, 2, 7, 2]).to_csv(path, index=False)
    frame = read_respondent_file(path, missing_codes={"*": [97], "SAF_WILLING": {"7": "not_asked"}})
    assert set(frame.attrs["declared_missing"]) == set(codebook.RAW_COLUMNS) - {"RESPID", "SYNTHETIC"}
    result = clean(frame, str(path))
    assert result.log.to_dict("records") == [
        {"source_row": 2, "RESPID": 3, "column": "SAF_WILLING", "old_value": "7", "new_value": "",
         "reason": "not_asked_to_missing"},
        {"source_row": 1, "RESPID": 2, "column": "EDUC", "old_value": "97", "new_value": "",
         "reason": "declared_missing_to_missing"},
        {"source_row": 1, "RESPID": 2, "column": "ENV_RECYCLE", "old_value": "97", "new_value": "",
         "reason": "declared_missing_to_missing"},
        {"source_row": 3, "RESPID": 4, "column": "EDUC", "old_value": "7", "new_value": "",
         "reason": "undocumented_code_to_missing"},
    ]
    assert result.data["EDUC"].isna().tolist() == [False, True, False, True]
    assert result.data["SAF_WILLING"].isna().tolist() == [False, False, True, False]


def test_value_map_maps_values_and_value_labels_and_names_unknown_columns() -> None:
    frame = raw_frame(3, COUNTRY=["Daenemark-X", "Denmark", "Denmark"], EDUC=[1, 5, 6])
    frame.attrs["value_labels"] = {"EDUC": {5: "Higher", 6: "Primary"}}
    result = clean(frame, "fixture.csv", value_map={"COUNTRY": {"Daenemark-X": "Denmark"}, "EDUC": {"higher": 3, 6: 1}})
    assert result.data[["COUNTRY", "EDUC"]].values.tolist() == [["Denmark", 1], ["Denmark", 3], ["Denmark", 1]]
    assert log_rows(result, "value_mapped") == [(0, "COUNTRY", "Daenemark-X", "Denmark"), (1, "EDUC", "5", "3"),
                                                (2, "EDUC", "6", "1")]
    assert cleaning_message(raw_frame(2), "fixture.csv", value_map={"NOPE": {1: 2}}) == (
        "fixture.csv: value_map names column 'NOPE', which the file does not have (after column_map)")


def test_a_column_repeated_in_the_header_is_named(tmp_path) -> None:
    path = tmp_path / "delivery.csv"
    raw_frame(2).rename(columns={"EMPLOY": "EDUC"}).to_csv(path, index=False)
    with pytest.raises(CleaningError) as caught:
        read_respondent_file(path)
    assert str(caught.value) == (f"{path}: 2 problems:\n  - after renaming, columns ['EDUC'] appear more than once\n"
                                 "  - column(s) EDUC appear more than once in the header")


def test_unknown_country_labels_are_listed_in_order_with_the_advice() -> None:
    message = cleaning_message(raw_frame(3, COUNTRY=["Zembla", "Denmark", "Atlantis"]), "delivery.csv")
    assert message == (
        "delivery.csv: column COUNTRY has 2 unknown or missing labels: 'Atlantis' at rows [2]; 'Zembla' at rows [0] "
        "(known: ['Czech Republic', 'Denmark', 'France', 'Germany', 'United Kingdom'], their names in Czech, Danish, "
        "French and German, their ISO codes and the aliases in helpers.eu.codebook.COUNTRY_ALIASES; map other labels "
        "with value_map: {COUNTRY: {label: Denmark}})" + ROWS_NOTE)


def test_dates_not_written_year_month_day_are_refused(tmp_path) -> None:
    message = cleaning_message(raw_frame(3, INTDATE=["2008-04-20", "20.04.2008", "2008/04/21"]), "delivery.csv")
    assert message == ("delivery.csv: column INTDATE: not a date written YYYY-MM-DD at rows [1, 2] (values "
                       "'20.04.2008', '2008/04/21'); write the dates as YYYY-MM-DD, or deliver a date variable "
                       "(SPSS, Stata)" + ROWS_NOTE)
    path = tmp_path / "digits.csv"  # dates written as eight digits are read as text, not as numbers
    raw_frame(2, INTDATE=["20080420", "20080421"]).to_csv(path, index=False)
    assert cleaning_message(read_respondent_file(path), "digits.csv") == (
        "digits.csv: column INTDATE: not a date written YYYY-MM-DD at rows [0, 1] (values '20080420', '20080421'); "
        "write the dates as YYYY-MM-DD, or deliver a date variable (SPSS, Stata)" + ROWS_NOTE)


def test_a_missing_interview_date_is_a_schema_failure() -> None:
    message = cleaning_message(raw_frame(3, INTDATE=["2008-04-20", None, "2008-04-21"]), "delivery.csv")
    assert message == ("delivery.csv: the cleaned data fail validation:\n  column INTDATE, check not_nullable: "
                       "1 failures at rows [1] (values as delivered '')" + ROWS_NOTE)


def test_schema_failures_show_at_most_five_values() -> None:
    message = cleaning_message(raw_frame(7, RESPID=[0, -1, -2, -3, -4, -5, 1]), "delivery.csv")
    assert message == ("delivery.csv: the cleaned data fail validation:\n  column RESPID, check "
                       "greater_than_or_equal_to(1): 6 failures at rows [0, 1, 2, 3, 4, 5] (values as delivered "
                       "'-1', '-2', '-3', '-4', '-5' (and 1 more))" + ROWS_NOTE)


def test_cleaned_data_have_the_codebook_columns_and_a_fresh_index() -> None:
    result = clean(raw_frame(4, AGE=[40, 12, 50, 60]).set_axis([10, 11, 12, 13]), "fixture.csv")
    assert list(result.data.columns) == list(codebook.RAW_COLUMNS)
    assert result.data.index.tolist() == [0, 1, 2] and result.data["RESPID"].tolist() == [1, 3, 4]
    assert result.data_origin == "synthetic" and result.origin_evidence == (
        "it has a column 'SYNTHETIC' marking synthetic data (values 1)",)
    assert clean(raw_frame(2).drop(columns="SYNTHETIC"), "fixture.csv").data_origin == "not declared"


def test_semicolon_windows_1252_file_with_decimal_commas_is_read(tmp_path) -> None:
    path = tmp_path / "delivery.csv"
    raw_frame(2, COUNTRY=["Dänemark", "DK"], AGE=["40,0", "35"]).to_csv(path, index=False, sep=";", encoding="cp1252")
    frame = read_respondent_file(path)
    assert frame.attrs["reading"] == {"format": "CSV", "encoding": "Windows-1252", "delimiter": "semicolon",
                                      "decimal": ","}
    result = clean(frame, str(path))
    assert result.data[["COUNTRY", "AGE"]].values.tolist() == [["Denmark", 40], ["Denmark", 35]]
    assert log_rows(result, "country_label_harmonised") == [(0, "COUNTRY", "Dänemark", "Denmark"),
                                                            (1, "COUNTRY", "DK", "Denmark")]


def test_spss_column_labels_follow_the_column_map_and_a_file_label_marks_synthetic(tmp_path) -> None:
    path = tmp_path / "delivery.sav"
    frame = raw_frame(2).drop(columns="SYNTHETIC").rename(columns=VENDOR_NAMES)
    pyreadstat.write_sav(frame, str(path), column_labels={"v_educ": "Highest level of education"},
                         file_label="Synthetic test data")
    read = read_respondent_file(path, {name: column for column, name in VENDOR_NAMES.items() if column != "SYNTHETIC"})
    assert read.attrs["column_labels"]["EDUC"] == "Highest level of education"
    assert read.attrs["file_label"] == "Synthetic test data"
    result = clean(read, str(path))
    assert result.data_are_synthetic and result.data_origin == "synthetic"
    assert result.origin_evidence == ("the file label says 'Synthetic test data'",)


def test_whitespace_is_stripped_in_a_column_mixing_text_and_numbers() -> None:
    # a reader that keeps a column as Python objects: EDUC with a padded text code among numbers
    frame = raw_frame(3, EDUC=pd.Series([" 3", 2, "1 "], dtype="object"))
    result = clean(frame, "fixture.csv")
    assert log_rows(result, "whitespace_stripped") == [(0, "EDUC", " 3", "3"), (2, "EDUC", "1 ", "1")]
    assert result.data["EDUC"].tolist() == [3, 2, 1] and str(result.data["EDUC"].dtype) == "Int64"
