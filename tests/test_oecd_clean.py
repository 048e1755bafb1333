"""Codebook and cleaning of vendor files: required columns, recoding, schema errors, dropped rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.claims import claim_list, claim_number, claim_row, load_claims
from helpers.oecd import codebook
from helpers.paths import OECD_RAW_FILE
from helpers.oecd.clean import (
    LONG_COLUMNS,
    REASON_ALL_NOT_ANSWERED,
    VendorFileError,
    clean_vendor_file,
    data_are_synthetic,
    recode_responses,
)

HEADER = ",".join([*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS, codebook.SYNTHETIC_COLUMN])


def vendor_csv(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "vendor.csv") -> Path:
    """Write a small vendor file: header + rows (each a CSV line)."""
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# Three rows; the third has every item not answered (a break-off).
GOOD_ROWS = [
    "R00001,Canada,CAN,oecd,07,1,1,2,8,2,1,9,1,1,8,1",
    "R00001,Canada,CAN,oecd,09,2,2,1,1,2,1,1,1,1,1,1",
    "R00002,Brazil,BRA,partner,01,9,9,9,9,9,9,9,9,9,9,1",
]


# --------------------------------------------------------------------------------------------
# Codebook against the claims registry
# --------------------------------------------------------------------------------------------


def test_codebook_countries_match_design_claims() -> None:
    claims = load_claims()
    countries = codebook.country_table()
    assert len(countries) == 24
    members = countries.loc[countries["membership"] == "oecd"]
    partners = countries.loc[countries["membership"] == "partner"]
    assert len(members) == claim_number(claims, "OECD-01")
    assert len(partners) == claim_number(claims, "OECD-02")
    assert set(members.loc[members["named_in_sources"], "country"]) == set(claim_list(claims, "OECD-13"))
    statement = claim_row(claims, "OECD-02")["statement"]
    assert all(name in statement for name in partners["country"])
    assert "OECD member (unnamed) 15" in set(countries["country"])
    assert countries["country_code"].is_unique


def test_codebook_areas_are_the_cofog_divisions_of_oecd15() -> None:
    areas = codebook.area_table()
    assert list(areas["cofog_code"]) == [f"{i:02d}" for i in range(1, 11)]
    assert list(areas["area"]) == claim_list(load_claims(), "OECD-15")


def test_codebook_items_are_the_claimed_items() -> None:
    claims = load_claims()
    items = codebook.figure_items()
    assert list(items["claim_id"]) == [f"OECD-{i:02d}" for i in range(4, 13)]
    for item in items.itertuples():
        subject = claim_row(claims, item.claim_id)["subject"]
        assert subject.split(": ", 1)[1].lower() == item.label.lower()
    assumed = codebook.item_table().dropna(subset=["assumed_percent"])
    assert set(assumed["claim_id"]) == {"OECD-10", "OECD-11"}  # rank-only items, and only those


def test_codebook_table_exports(tmp_path: Path) -> None:
    table = codebook.codebook_table()
    assert list(table.columns) == ["column", "question", "item", "label", "codes"]
    assert list(table["column"]) == [*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS, codebook.SYNTHETIC_COLUMN]
    codebook.write_codebook(tmp_path / "codebook.csv")
    assert pd.read_csv(tmp_path / "codebook.csv").shape == table.shape


# --------------------------------------------------------------------------------------------
# Recoding and cleaning
# --------------------------------------------------------------------------------------------


def test_recode_vendor_codes() -> None:
    recoded = recode_responses(pd.Series(["1", "2", "8", "9", "1"]))
    assert list(recoded) == ["yes", "no", "dont_know", "not_answered", "yes"]
    assert list(recoded.cat.categories) == ["yes", "no", "dont_know", "not_answered"]
    assert list(recode_responses(pd.Series([2, 9]))) == ["no", "not_answered"]
    with pytest.raises(VendorFileError, match="7"):
        recode_responses(pd.Series(["1", "7"]))


def test_clean_small_file_by_hand(tmp_path: Path) -> None:
    result = clean_vendor_file(vendor_csv(tmp_path, GOOD_ROWS))
    long = result.long
    assert tuple(long.columns) == LONG_COLUMNS
    assert len(long) == 2 * len(codebook.ITEM_COLUMNS)  # third row dropped
    first = long.iloc[: len(codebook.ITEM_COLUMNS)]
    assert list(first["response"]) == [
        "yes", "yes", "no", "dont_know", "no", "yes", "not_answered", "yes", "yes", "dont_know"
    ]
    assert list(first["item_id"]) == list(codebook.item_table()["item_id"])
    assert set(first["area"]) == {"Health"}
    assert result.dropped.to_dict("records") == [
        {"line": 4, "respondent_id": "R00002", "country": "Brazil", "cofog_code": "01",
         "reason": REASON_ALL_NOT_ANSWERED}
    ]
    assert result.data_are_synthetic is True
    assert result.n_rows_read == 3


def test_missing_columns_are_all_named_with_the_file(tmp_path: Path) -> None:
    header = HEADER.replace("Q3_02,", "").replace("COFOG,", "")
    rows = [",".join(r.split(",")[:4] + r.split(",")[5:8] + r.split(",")[9:]) for r in GOOD_ROWS]
    path = vendor_csv(tmp_path, rows, header=header)
    with pytest.raises(VendorFileError, match=r"vendor\.csv: missing required column\(s\): COFOG, Q3_02"):
        clean_vendor_file(path)


def test_schema_errors_list_every_bad_row(tmp_path: Path) -> None:
    rows = [
        "R00001,Canada,CAN,oecd,07,1,7,2,8,2,1,9,1,1,8,1",  # line 2: Q2_01 = 7
        "R00001,Canada,CAN,oecd,09,2,2,1,1,2,1,1,1,1,1,1",  # line 3: fine
        "R00002,Brazil,BRA,partner,01,1,3,1,1,2,1,1,1,1,,1",  # line 4: Q2_01 = 3, Q4_03 empty
        "R00003,France,FRA,oecd,11,1,1,1,1,2,1,1,1,1,1,1",  # line 5: country, code, COFOG
        "R00004,Norway,CAN,oecd,02,1,7,1,1,2,1,1,1,1,1,1",  # line 6: Q2_01 = 7, code mismatch
        "R00001,Canada,CAN,oecd,09,2,2,1,1,2,1,1,1,1,1,1",  # line 7: duplicate of line 3
    ]
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(vendor_csv(tmp_path, rows))
    message = str(caught.value)
    by_column = {}
    for line in message.splitlines()[1:]:
        by_column.setdefault(line.split("'")[1], []).append(line)
    assert "vendor.csv" in message.splitlines()[0]
    assert "file lines 2, 4, 6" in by_column["Q2_01"][0]
    assert "'3'" in by_column["Q2_01"][0] and "'7'" in by_column["Q2_01"][0]
    assert "file lines 4" in by_column["Q4_03"][0]
    assert "file lines 5" in by_column["COUNTRY"][0]
    assert "file lines 5" in by_column["CNTRY_CODE"][0]
    assert "file lines 5" in by_column["COFOG"][0]
    assert "file lines 3, 7" in by_column["RESPID, COFOG"][0]
    assert any("match the codebook" in line and "file lines 5, 6" in line for line in by_column["whole rows"])


def test_synthetic_flag() -> None:
    assert data_are_synthetic(pd.DataFrame({"SYNTHETIC": ["1", "1"]}))
    assert not data_are_synthetic(pd.DataFrame({"SYNTHETIC": ["1", "0"]}))
    assert not data_are_synthetic(pd.DataFrame({"other": [1]}))
    assert not data_are_synthetic(pd.DataFrame({"SYNTHETIC": []}))


def test_file_without_synthetic_column_is_not_synthetic(tmp_path: Path) -> None:
    """Other officials than the synthetic file's (ids X...): nothing says synthetic, nothing declares real."""
    header = HEADER.removesuffix(",SYNTHETIC")
    rows = [row.rsplit(",", 1)[0].replace("R0000", "X0000") for row in GOOD_ROWS]
    result = clean_vendor_file(vendor_csv(tmp_path, rows, header=header))
    assert result.data_are_synthetic is False and result.data_origin == "not declared"
    declared = clean_vendor_file(vendor_csv(tmp_path, rows, header=header), data_origin="real")
    assert declared.data_origin == "real"
    # records of the committed synthetic file without their SYNTHETIC column: synthetic, whatever the declaration
    excerpt = [line.rsplit(",", 1)[0] for line in OECD_RAW_FILE.read_text(encoding="utf-8").splitlines()[1:13]]
    copied = clean_vendor_file(vendor_csv(tmp_path, excerpt, header=header), data_origin="real")
    assert copied.data_origin == "synthetic" and "12 of 12 records are records of data/raw/" in copied.origin.evidence[0]
    assert "reported as synthetic" in copied.origin.note


def test_committed_file_cleans() -> None:
    result = clean_vendor_file()
    assert result.data_are_synthetic
    assert len(result.dropped) > 0
    assert len(result.long) == (result.n_rows_read - len(result.dropped)) * len(codebook.ITEM_COLUMNS)
    assert set(result.long["country"]) == set(codebook.country_table()["country"])


# --------------------------------------------------------------------------------------------
# Harmonising a hand-made vendor frame: every kind of change and its log line (mutation test set)
# --------------------------------------------------------------------------------------------

from helpers.oecd.clean import harmonise  # noqa: E402

VENDOR_COLUMNS = [*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS, codebook.SYNTHETIC_COLUMN]


def test_harmonise_a_hand_made_frame_and_log_every_change() -> None:
    rows = [["R1 ", " Canada", "ca", "OECD", "7", "1", "01", "2.0", "98", "2", "1", "9", "1", "1", "8", "1"],
            ["R2", "brazil", "BRA", "partner", "9", "99", "2", "1", "1", "2", "1", "1", "1", "1", "X", "1"],
            ["R3", "Norway", "zz", "oecd", "03", "1", "2", "1", "1", "2", "1", "1", "1", "1", "1", "1"]]
    frame = pd.DataFrame(rows, columns=VENDOR_COLUMNS)
    harmonised, log = harmonise(frame, value_map={"Q4_03": {"X": "2"}},
                                missing_codes={"Q2_01": {"2": "dont_know", "01": "refused"}})
    assert harmonised[["RESPID", "COUNTRY", "CNTRY_CODE", "MEMBERSHIP", "COFOG"]].values.tolist() == [
        ["R1", "Canada", "CAN", "oecd", "07"], ["R2", "Brazil", "BRA", "partner", "09"],
        ["R3", "Norway", "zz", "oecd", "03"]]
    assert harmonised["Q1_01"].tolist() == ["1", "9", "1"] and harmonised["Q2_01"].tolist() == ["9", "8", "8"]
    assert harmonised["Q2_02"].tolist() == ["2", "1", "1"] and harmonised["Q3_01"].tolist() == ["8", "1", "1"]
    assert harmonised["Q4_03"].tolist() == ["8", "2", "1"]
    assert tuple(log.columns) == ("line", "respondent_id", "column", "old_value", "new_value", "reason")
    assert log.index.tolist() == list(range(len(log))) and log["line"].dtype == "int64"
    assert [tuple(record.values()) for record in log.to_dict("records")] == [
        (2, "R1", "CNTRY_CODE", "ca", "CAN", "code_normalised"),
        (2, "R1", "COFOG", "7", "07", "code_normalised"),
        (2, "R1", "COUNTRY", " Canada", "Canada", "whitespace_stripped"),
        (2, "R1", "MEMBERSHIP", "OECD", "oecd", "code_normalised"),
        (2, "R1", "Q2_01", "01", "9", "declared_missing"),
        (2, "R1", "Q2_02", "2.0", "2", "code_normalised"),
        (2, "R1", "Q3_01", "98", "8", "code_normalised"),
        (2, "R1 ", "RESPID", "R1 ", "R1", "whitespace_stripped"),
        (3, "R2", "COFOG", "9", "09", "code_normalised"),
        (3, "R2", "COUNTRY", "brazil", "Brazil", "code_normalised"),
        (3, "R2", "Q1_01", "99", "9", "code_normalised"),
        (3, "R2", "Q2_01", "2", "8", "declared_missing"),
        (3, "R2", "Q4_03", "X", "2", "value_mapped"),
        (4, "R3", "Q2_01", "2", "8", "declared_missing"),
    ]


def test_harmonise_leaves_a_clean_frame_and_an_empty_log() -> None:
    frame = pd.DataFrame([["R1", "Canada", "CAN", "oecd", "07", *["1"] * 10, "1"]], columns=VENDOR_COLUMNS)
    harmonised, log = harmonise(frame)
    assert harmonised.equals(frame) and log.empty and tuple(log.columns) == (
        "line", "respondent_id", "column", "old_value", "new_value", "reason")


def test_read_renamed_columns_and_refuse_missing_codes_on_id_columns(tmp_path: Path) -> None:
    import hashlib

    from helpers.oecd.clean import clean_vendor_frame, dropped_log, read_vendor_file

    header = HEADER.replace("RESPID", "respid ").replace("COFOG", "AREA")
    path = vendor_csv(tmp_path, GOOD_ROWS, header=header)
    frame = read_vendor_file(path, {"AREA": "COFOG"})
    assert list(frame.columns) == HEADER.split(",")
    assert frame.attrs["reading"]["renamed"] == {"respid ": "RESPID"}
    result = clean_vendor_file(path, column_map={"AREA": "COFOG"})
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.log["line"].dtype == "int64" or result.log.empty
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_frame(frame, path, value_map={"NOPE": {"a": "b"}},
                           missing_codes={"COUNTRY": ["99"], "Q1_01": ["7"]})
    assert str(caught.value) == (f"{path}: value_map names column 'NOPE', which the file does not have (after "
                                 "column_map); missing_codes names 'COUNTRY': only the item columns "
                                 "(Q1_01, Q2_01, Q2_02 ...) may have missing codes")
    none_dropped = dropped_log(frame, pd.Series(False, index=frame.index), REASON_ALL_NOT_ANSWERED)
    assert list(none_dropped.columns) == ["line", "respondent_id", "country", "cofog_code", "reason"]
    assert none_dropped.empty


# --------------------------------------------------------------------------------------------
# Schema failures of IDs and areas, the reading record, another claims registry (mutation test set)
# --------------------------------------------------------------------------------------------


def test_empty_id_empty_area_and_unknown_membership_are_each_named(tmp_path: Path) -> None:
    rows = ["R00001,Canada,CAN,oecd,07,1,1,2,8,2,1,9,1,1,8,1",
            " ,Canada,CAN,oecd,,2,2,1,1,2,1,1,1,1,1,1",  # line 3: RESPID blank, COFOG empty
            "R00002,Brazil,BRA,member,011,1,1,1,1,1,1,1,1,1,1,1"]  # line 4: membership 'member', COFOG '011'
    path = vendor_csv(tmp_path, rows)
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)
    assert str(caught.value).splitlines() == [
        f"{path}: schema failures",
        "  column 'COFOG': check isin(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10']) failed on rows "
        "at file lines 3, 4 (values: '', '011')",
        "  column 'MEMBERSHIP': check isin(['oecd', 'partner']) failed on rows at file lines 4 (values: 'member')",
        "  column 'RESPID': check non_empty failed on rows at file lines 3 (values: '')",
        "  column 'whole rows': check COUNTRY, CNTRY_CODE and MEMBERSHIP match the codebook failed on rows at file "
        "lines 4",
    ]


def test_the_cleaned_survey_records_how_the_file_was_read(tmp_path: Path) -> None:
    result = clean_vendor_file(vendor_csv(tmp_path, GOOD_ROWS))
    assert result.reading == {"format": "CSV", "encoding": "UTF-8", "delimiter": "comma", "decimal": "."}
    header = HEADER.replace("RESPID", "respid ")
    semicolons = vendor_csv(tmp_path, [row.replace(",", ";") for row in GOOD_ROWS], header=header.replace(",", ";"),
                            name="semicolons.csv")
    assert clean_vendor_file(semicolons).reading == {"format": "CSV", "encoding": "UTF-8", "delimiter": "semicolon",
                                                     "decimal": ",", "renamed": {"respid ": "RESPID"}}


def claims_with_oecd_members(tmp_path: Path, members: int) -> Path:
    """A copy of the project's claims registry whose OECD-01 gives ``members`` OECD member countries."""
    from helpers.paths import CLAIMS_FILE

    text = CLAIMS_FILE.read_text(encoding="utf-8")
    assert text.count("OECD-01,oecd2010,") == 1
    line = next(line for line in text.splitlines() if line.startswith("OECD-01,"))
    assert ",design,countries: OECD members responding,20,countries," in line
    path = tmp_path / "claims.csv"
    path.write_text(text.replace(line, line.replace(",20,countries,", f",{members},countries,")), encoding="utf-8")
    return path


def test_the_country_list_comes_from_the_claims_registry_given(tmp_path: Path) -> None:
    # 21 members in the registry given: 'OECD member (unnamed) 16' (U16) exists; with the project's 20 it does not
    rows = [*GOOD_ROWS, "R00003,OECD member (unnamed) 16,U16,oecd,04,1,2,1,2,1,2,1,2,1,2,1"]
    path = vendor_csv(tmp_path, rows)
    result = clean_vendor_file(path, claims_with_oecd_members(tmp_path, 21))
    assert sorted(set(result.long["country_code"])) == ["CAN", "U16"]
    assert result.long.loc[result.long["respondent_id"] == "R00003", "country"].unique().tolist() == [
        "OECD member (unnamed) 16"]
    with pytest.raises(VendorFileError) as caught:
        clean_vendor_file(path)  # the project's registry: 20 members, U16 unknown
    assert "column 'CNTRY_CODE': check isin(" in str(caught.value) and "failed on rows at file lines 5" in str(
        caught.value)


# --------------------------------------------------------------------------------------------
# The cleaning step's refusal of a sample too small to estimate from (tiny files, well under a second)
# --------------------------------------------------------------------------------------------

from helpers.oecd.clean import estimation_problem, run_cleaning  # noqa: E402

TOO_FEW = ("sample too small to estimate: {officials} official(s) with at least one answer ({answers} answers); the "
           "percentages, their intervals and design effects of the next step cannot be computed from so few. Deliver "
           "the full sample")
THREE_OFFICIALS = [
    "X1,Canada,CAN,oecd,07,1,1,2,8,2,1,9,1,1,8,0",
    "X1,Canada,CAN,oecd,09,2,2,1,1,2,1,1,1,1,1,0",
    "X2,Brazil,BRA,partner,01,1,2,1,2,1,2,1,2,1,2,0",
    "X3,Norway,NOR,oecd,03,2,2,2,1,1,1,8,8,1,2,0",
]


def test_one_official_is_refused_naming_the_file_and_the_counts(tmp_path: Path) -> None:
    # X1 answers for two areas (20 answers); X2's only row is every item not answered (dropped, no answers)
    path = vendor_csv(tmp_path, [*THREE_OFFICIALS[:2], "X2,Brazil,BRA,partner,01,9,9,9,9,9,9,9,9,9,9,0"])
    with pytest.raises(VendorFileError) as caught:
        run_cleaning(path)
    assert str(caught.value) == f"{path}: " + TOO_FEW.format(officials=1, answers=20)


def test_three_officials_are_enough_and_the_cleaned_survey_is_returned(tmp_path: Path) -> None:
    path = vendor_csv(tmp_path, THREE_OFFICIALS)
    cleaned = run_cleaning(path)
    assert len(cleaned.long) == 4 * len(codebook.ITEM_COLUMNS) and cleaned.n_rows_read == 4
    assert cleaned.long["respondent_id"].drop_duplicates().tolist() == ["X1", "X2", "X3"]
    assert estimation_problem(cleaned.long, path) is None


def test_an_estimate_that_stops_is_named_with_its_error_and_code(tmp_path: Path) -> None:
    # two officials answering yes to everything: no variance, so the design effects cannot be computed
    path = vendor_csv(tmp_path, ["Y1,Canada,CAN,oecd,07,1,1,1,1,1,1,1,1,1,1,0",
                                 "Y2,Brazil,BRA,partner,01,1,1,1,1,1,1,1,1,1,1,0"])
    with pytest.raises(VendorFileError) as caught:
        run_cleaning(path)
    assert str(caught.value) == (f"{path}: " + TOO_FEW.format(officials=2, answers=20)
                                 + " (the estimate stopped with MethodError [DEFF_NOT_COMPUTABLE])")


def test_the_estimate_reads_the_oecd_claims_of_the_registry_given(tmp_path: Path) -> None:
    path = vendor_csv(tmp_path, THREE_OFFICIALS)
    long = clean_vendor_file(path).long
    broken = tmp_path / "broken_claims.csv"
    broken.write_text("claim_id,study\nOECD-01,oecd2010\n", encoding="utf-8")
    assert estimation_problem(long, path, broken) == (f"{path}: " + TOO_FEW.format(officials=3, answers=40)
                                                      + " (the estimate stopped with ClaimsRegistryError)")
    # OECD-04 (an item's published value) filed under the other study: the OECD estimate does not find it
    from helpers.paths import CLAIMS_FILE

    moved = tmp_path / "moved_claims.csv"
    moved.write_text(CLAIMS_FILE.read_text(encoding="utf-8").replace("OECD-04,oecd2010,", "OECD-04,eu2008,"),
                     encoding="utf-8")
    assert estimation_problem(long, path, moved) == (f"{path}: " + TOO_FEW.format(officials=3, answers=40)
                                                     + " (the estimate stopped with KeyError)")
    assert estimation_problem(long, path, claims_with_oecd_members(tmp_path, 21)) is None
    assert estimation_problem(long.iloc[0:0], path) == f"{path}: " + TOO_FEW.format(officials=0, answers=0)
