"""The claims registry: schema validation, rounding half up, value and rank checks, scorecard."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.checks import (
    check_rank_claim,
    check_value_claim,
    published_precision,
    round_half_up,
    scorecard_frame,
)
from helpers.data.claims import (
    CLAIM_COLUMNS,
    ClaimsRegistryError,
    claim_direction,
    claim_list,
    claim_names,
    claim_number,
    claim_qualifier,
    claim_row,
    claim_sectors_required,
    claim_summary,
    claim_value_text,
    load_claims,
    read_claims_text,
)
from helpers.data.status import SCORECARD_COLUMNS
from helpers.paths import CLAIMS_FILE


def test_project_registry_is_valid() -> None:
    claims = load_claims(CLAIMS_FILE)
    assert claims["claim_id"].is_unique
    assert set(claims["kind"]) <= {"value", "rank", "direction", "design", "definition"}
    assert len(load_claims(CLAIMS_FILE, study="oecd2010")) == 15


def test_registry_errors_name_file_columns_and_every_bad_row(tmp_path: Path) -> None:
    claims = read_claims_text(CLAIMS_FILE)
    claims.loc[2, "claim_id"] = "OECD-3"  # bad pattern: file line 4
    claims.loc[4, "claim_id"] = "OECD-01"  # duplicate of line 2: lines 2 and 6
    claims.loc[6, "kind"] = "guess"  # line 8
    claims.loc[7, "kind"] = "estimate"  # line 9
    claims.loc[8, "source"] = " "  # line 10
    claims.loc[9, "location"] = ""  # line 11
    bad = tmp_path / "claims.csv"
    claims.to_csv(bad, index=False)
    with pytest.raises(ClaimsRegistryError) as caught:
        load_claims(bad)
    message = str(caught.value)
    assert str(bad) in message
    lines = {line.split("'")[1]: line for line in message.splitlines()[1:]}
    assert "file lines 4" in next(v for v in message.splitlines() if "str_matches" in v)
    assert "file lines 2, 6" in next(v for v in message.splitlines() if "uniqueness" in v)
    assert "file lines 8, 9" in lines["kind"]
    assert "file lines 10" in lines["source"]
    assert "file lines 11" in lines["location"]


def test_registry_missing_column_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "claims.csv"
    read_claims_text(CLAIMS_FILE).drop(columns=["location", "kind"]).to_csv(bad, index=False)
    with pytest.raises(ClaimsRegistryError, match=r"claims\.csv: missing required column\(s\): location, kind"):
        load_claims(bad)


def test_claim_accessors() -> None:
    claims = load_claims()
    assert claim_number(claims, "OECD-01") == 20
    assert claim_list(claims, "OECD-13")[0] == "Canada"
    with pytest.raises(KeyError, match="OECD-99"):
        claim_number(claims, "OECD-99")


@pytest.mark.parametrize(
    ("x", "digits", "expected"),
    [
        (41.5, 0, 42.0),
        (41.49, 0, 41.0),
        (42.5, 0, 43.0),  # Python's round() would give 42 (half to even)
        (0.415 * 100, 0, 42.0),  # 41.49999999999999 in binary, printed 41.5
        (0.25, 1, 0.3),
        (-0.5, 0, -1.0),
        (73.0, 0, 73.0),
    ],
)
def test_round_half_up(x: float, digits: int, expected: float) -> None:
    assert round_half_up(x, digits) == expected


def test_round_half_up_nan() -> None:
    assert math.isnan(round_half_up(float("nan")))


def test_published_precision() -> None:
    assert published_precision("42") == 0
    assert published_precision("42.0") == 1
    assert published_precision("4.25") == 2
    assert published_precision(42.0) == 0
    assert published_precision(41.5) == 1


def test_value_claim_passes_when_rounding_half_up_matches() -> None:
    result = check_value_claim(41.5, 38.0, 45.0, "42")
    assert result["status"] == "pass"
    assert result["rounded"] == 42.0
    assert result["ci_covers_published"] is True


def test_value_claim_fails_just_below_the_half() -> None:
    assert check_value_claim(41.49, 38.0, 45.0, "42")["status"] == "fail"
    assert check_value_claim(42.5, 38.0, 45.0, "42")["status"] == "fail"


def test_value_claim_respects_printed_precision() -> None:
    assert check_value_claim(41.96, 40.0, 44.0, "42.0")["status"] == "pass"
    assert check_value_claim(41.94, 40.0, 44.0, "42.0")["status"] == "fail"


def test_value_claim_missing_reproduction_fails() -> None:
    assert check_value_claim(float("nan"), float("nan"), float("nan"), "42")["status"] == "fail"


def test_rank_claim_order_and_ties() -> None:
    estimates = {"leadership": 84.0, "willingness": 78.0, "accountability": 73.0}
    assert check_rank_claim(estimates, "leadership", 1)["status"] == "pass"
    assert check_rank_claim(estimates, "willingness", 2)["status"] == "pass"
    assert check_rank_claim(estimates, "accountability", 2)["status"] == "fail"
    assert check_rank_claim(estimates, "accountability", 3)["reproduced"] == 3
    tied = {"a": 80.0, "b": 80.0, "c": 70.0}
    result = check_rank_claim(tied, "a", 1)
    assert result["status"] == "fail" and "tied with b" in result["detail"]


def test_scorecard_frame_columns_and_registry_fields() -> None:
    claims = load_claims()
    checks = {
        "OECD-06": check_value_claim(41.975, 38.3, 45.8, "42"),
        "OECD-10": check_rank_claim({"x": 84.0, "y": 78.0}, "x", 1),
        "OECD-01": {"status": "fail", "published": 20, "reproduced": 19, "detail": "one missing", "basis": "b"},
    }
    frame = scorecard_frame(claims, checks)
    assert tuple(frame.columns) == SCORECARD_COLUMNS
    assert list(frame["claim_id"]) == ["OECD-01", "OECD-06", "OECD-10"]  # registry order
    assert list(frame["status"]) == ["fail", "pass", "pass"]
    assert frame.loc[1, "location"] == "Figure 50.2 (barriers) and text"
    assert frame.loc[1, "published"] == 42.0
    assert pd.isna(frame.loc[2, "ci_low"])


def test_scorecard_rejects_unknown_claims_and_bad_status() -> None:
    claims = load_claims()
    with pytest.raises(KeyError, match="OECD-77"):
        scorecard_frame(claims, {"OECD-77": {"status": "pass"}})
    with pytest.raises(ValueError, match="status"):
        scorecard_frame(claims, {"OECD-01": {"status": "ok"}})


# ---------------------------------------------------------------------------------------------------------
# A hand-made registry (no committed file): every rule of the schema and every accessor, exactly.
# ---------------------------------------------------------------------------------------------------------


def registry_row(**cells: str) -> dict[str, str]:
    row = dict.fromkeys(CLAIM_COLUMNS, "")
    row.update(claim_id="OECD-01", study="oecd2010", source="OECD 2011", location="Figure 50.1", kind="value",
               value="20")
    row.update(cells)
    return row


def hand_registry() -> pd.DataFrame:
    return pd.DataFrame([
        registry_row(value=" 20 ", names="Canada; France;"),
        registry_row(claim_id="OECD-13", kind="design", value="Canada; Korea ;; Spain", names=" ; "),
        registry_row(claim_id="EU-11", study="eu2008", kind="direction", value="", direction=" - ",
                     qualifier=" somewhat ", sectors_required="2", summary=" negative, somewhat "),
        registry_row(claim_id="EU-12", study="eu2008", kind="direction", value="", direction="",
                     qualifier="", sectors_required="", summary=""),
        registry_row(claim_id="EU-13", study="eu2008", kind="rank", value="2|3"),
    ])


def test_hand_registry_errors_are_listed_exactly(tmp_path: Path) -> None:
    rows = [registry_row(), registry_row(claim_id="OECD-1", study=" ", kind="guess"),
            registry_row(claim_id="EU-11", study="eu2008", kind="direction", value="", direction="+",
                         qualifier=" ", sectors_required="3"),
            registry_row(claim_id="EU-12", study="eu2008", kind="rank", value="n/a", direction="x",
                         sectors_required="10"),
            registry_row(source="", location="")]
    path = tmp_path / "claims.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(ClaimsRegistryError) as caught:
        load_claims(path)
    assert str(caught.value).splitlines() == [
        f"{path}: schema failures",
        "  column 'claim_id': check field_uniqueness failed on rows at file lines 2, 6 (values: 'OECD-01')",
        "  column 'claim_id': check str_matches('^(OECD|EU)-\\d\\d$') failed on rows at file lines 3 (values: 'OECD-1')",
        "  column 'direction': check isin(['', '+', '-']) failed on rows at file lines 5 (values: 'x')",
        "  column 'kind': check isin(['value', 'rank', 'direction', 'design', 'definition']) failed on rows at "
        "file lines 3 (values: 'guess')",
        "  column 'location': check non_empty failed on rows at file lines 6 (values: '')",
        "  column 'sectors_required': check str_matches('^(|[1-9])$') failed on rows at file lines 5 (values: '10')",
        "  column 'source': check non_empty failed on rows at file lines 6 (values: '')",
        "  column 'study': check non_empty failed on rows at file lines 3 (values: ' ')",
        "  column 'whole rows': check a claim with a direction has a qualifier and sectors_required failed on rows "
        "at file lines 4, 5",
        "  column 'whole rows': check value is a number for value and rank claims failed on rows at file lines 5",
    ]


def test_hand_registry_loads_with_extra_columns_and_keeps_one_study(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    registry = hand_registry().assign(notes="checked 2026")  # a column the schema does not know is kept
    registry.loc[4, "value"] = " 3 "  # a number with spaces is a number
    registry.loc[2, "direction"] = "-"  # the schema takes the sign without spaces
    registry.loc[0, "location"] = "p"  # one character is not empty
    registry.to_csv(path, index=False)
    claims = load_claims(path)
    assert claims["claim_id"].tolist() == ["OECD-01", "OECD-13", "EU-11", "EU-12", "EU-13"]
    assert claims["notes"].tolist() == ["checked 2026"] * 5
    eu = load_claims(path, study="eu2008")
    assert eu["claim_id"].tolist() == ["EU-11", "EU-12", "EU-13"] and eu.index.tolist() == [0, 1, 2]
    assert list(eu.columns) == list(claims.columns)


def test_hand_registry_direction_without_sectors_required_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    registry = hand_registry()
    registry.loc[2, ["direction", "sectors_required"]] = ["-", ""]  # a qualifier but no number of sectors
    registry.to_csv(path, index=False)
    with pytest.raises(ClaimsRegistryError) as caught:
        load_claims(path)
    assert str(caught.value).splitlines()[1:] == [
        "  column 'whole rows': check a claim with a direction has a qualifier and sectors_required failed on rows "
        "at file lines 4",
        "  column 'whole rows': check value is a number for value and rank claims failed on rows at file lines 6"]


def test_hand_registry_accessors() -> None:
    claims = hand_registry()
    assert claim_row(claims, "EU-11")["qualifier"] == " somewhat "
    with pytest.raises(KeyError) as caught:
        claim_row(claims, "EU-99")
    assert caught.value.args == ("claim 'EU-99' is not in the claims registry",)
    assert claim_value_text(claims, "OECD-01") == " 20 " and claim_number(claims, "OECD-01") == 20.0
    with pytest.raises(ValueError) as caught:
        claim_number(claims, "EU-13")
    assert str(caught.value) == "claim EU-13: value '2|3' is not a number"
    assert claim_list(claims, "OECD-13") == ["Canada", "Korea", "Spain"]
    assert claim_list(claims, "EU-13", separator="|") == ["2", "3"]
    assert claim_names(claims, "OECD-01") == ["Canada", "France"]
    with pytest.raises(ValueError) as caught:
        claim_names(claims, "OECD-13")
    assert str(caught.value) == "claim OECD-13: the registry's names column is empty"
    assert claim_direction(claims, "EU-11") == -1
    with pytest.raises(ValueError) as caught:
        claim_direction(claims, "EU-12")
    assert str(caught.value) == "claim EU-12: direction must be one of +, - in the registry, got ''"
    assert claim_qualifier(claims, "EU-11") == "somewhat" and claim_qualifier(claims, "EU-12") == ""
    assert claim_sectors_required(claims, "EU-11") == 2
    with pytest.raises(ValueError) as caught:
        claim_sectors_required(claims, "EU-12")
    assert str(caught.value) == "claim EU-12: sectors_required is empty in the registry"
    assert claim_summary(claims, "OECD-01") == "20"
    assert claim_summary(claims, "EU-11") == "negative, somewhat"
    assert claim_summary(claims, "EU-12") == ""
