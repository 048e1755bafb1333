"""The raw-data package records a sha256 per raw file, and a changed file is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers.data import datapackage
from helpers.data.datapackage import ChecksumError
from helpers.paths import RAW_DIR


def test_every_committed_raw_file_matches_its_recorded_checksum() -> None:
    assert datapackage.verify_all(RAW_DIR) == []


def test_frictionless_validates_the_package() -> None:
    from frictionless import Package

    package = Package(str(RAW_DIR / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]


def test_changed_raw_file_is_refused_naming_file_and_both_hashes(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "claims.csv").write_text("a,b\n1,2\n")
    datapackage.record_checksums(raw)
    recorded = json.loads((raw / "datapackage.json").read_text())["resources"][0]["hash"].removeprefix("sha256:")
    (raw / "claims.csv").write_text("a,b\n1,3\n")
    with pytest.raises(ChecksumError) as caught:
        datapackage.verify_raw_file(raw / "claims.csv", raw / "datapackage.json")
    message = str(caught.value)
    assert str(raw / "claims.csv") in message
    assert recorded in message and datapackage.sha256_of_file(raw / "claims.csv") in message
    assert "python -m helpers.data.datapackage record" in message


def test_unrecorded_raw_file_is_reported(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    (raw / "extra.csv").write_text("x\n1\n")
    problems = datapackage.verify_all(raw)
    assert any("extra.csv" in p and "not recorded" in p for p in problems)
