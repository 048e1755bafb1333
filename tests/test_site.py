"""The offline index page (helpers.report.site) on a small fake reports folder."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers.data.status import SCORECARD_COLUMNS
from helpers.report.export import external_resource_references
from helpers.report.site import (
    build_index,
    combined_rows,
    count_text,
    figure_title,
    format_number,
    json_value,
    pass_count,
    scorecard_row,
    study_of,
    write_combined_scorecard,
)

COLUMNS = list(SCORECARD_COLUMNS)
LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']*)["']""", re.I)


def write_scorecard(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in COLUMNS} for row in rows)


def claim(claim_id: str, study: str, status: str, published: str = "60.0", reproduced: str = "60.02",
          ci: tuple[str, str] = ("56.5", "63.4")) -> dict[str, str]:
    return {"claim_id": claim_id, "study": study, "kind": "value", "subject": f"subject <{claim_id}>",
            "source": "OECD (2011) & co", "location": "Figure 1", "published": published,
            "reproduced": reproduced, "ci_low": ci[0], "ci_high": ci[1], "status": status, "detail": "why"}


def fake_outputs(root: Path, *, synthetic: bool | None) -> tuple[Path, Path]:
    """A reports folder with two studies (oecd2010 complete, eu2008 partial) and processed provenance."""
    reports, processed = root / "reports", root / "data" / "processed"
    for stem in ("oecd2010_clean", "oecd2010_figures", "eu2008_clean"):
        for view in ("reviewer", "replicator"):
            (reports / f"{stem}.{view}.html").parent.mkdir(parents=True, exist_ok=True)
            (reports / f"{stem}.{view}.html").write_text("<html></html>", encoding="utf-8")
    (reports / "oecd2010_report.pdf").write_bytes(b"%PDF-1.5\n")
    figures = reports / "figures" / "oecd2010"
    figures.mkdir(parents=True)
    for stem in ("oecd2010_figure_50_1", "oecd2010_figure_50_2"):
        for extension in ("png", "svg", "csv"):
            (figures / f"{stem}.{extension}").write_bytes(b"x")
    (reports / "figures" / "eu2008").mkdir()
    (reports / "figures" / "eu2008" / "eu2008 index by sector.png").write_bytes(b"x")
    write_scorecard(reports / "tables" / "oecd2010_scorecard.csv",
                    [claim("OECD-01", "oecd2010", "pass"), claim("OECD-02", "oecd2010", "fail", ci=("", ""))])
    write_scorecard(reports / "tables" / "eu2008_scorecard.csv", [claim("EU-01", "eu2008", "pass")])
    (reports / "assumptions.html").write_text(
        '<h1 id="top">Log</h1><h2 id="general">General</h2><h3 id="c-01-synthetic">C-01. Synthetic &amp; more</h3>',
        encoding="utf-8")
    (reports / "data_log.html").write_text("<h1>Data log</h1>", encoding="utf-8")
    (reports / "run_manifest.json").write_text(json.dumps({"steps": {
        "oecd2010_clean": {"study": "oecd2010", "status": "succeeded", "notebook": "10.ipynb", "git_commit": "abc"},
        "eu2008_clean": {"study": "eu2008", "status": "failed", "notebook": "20.ipynb", "git_commit": "abc"},
    }}), encoding="utf-8")
    if synthetic is not None:
        for study in ("oecd2010", "eu2008"):
            (processed / study).mkdir(parents=True)
            (processed / study / "provenance.json").write_text(json.dumps(
                {"data_are_synthetic": synthetic, "source_file": f"data/raw/{study}.csv", "sha256": "0"}))
    return reports, processed


@pytest.fixture
def synthetic_site(tmp_path: Path) -> tuple[Path, str]:
    reports, processed = fake_outputs(tmp_path, synthetic=True)
    index = build_index(reports, processed, claims_file=None)
    return reports, index.read_text(encoding="utf-8")


def local_links(page: str) -> list[str]:
    return [link for link in LINK.findall(page) if not link.startswith(("#", "data:"))]


def test_every_link_is_relative_and_resolves(synthetic_site: tuple[Path, str]) -> None:
    reports, page = synthetic_site
    links = LINK.findall(page)
    assert links
    assert not [link for link in links if "http" in link.lower() or "//" in link or link.startswith("/")]
    assert external_resource_references(page) == []
    assert "<script" not in page.lower()
    for link in local_links(page):
        assert (reports / unquote(link.split("#", 1)[0])).is_file(), link


def test_every_report_figure_and_log_is_linked(synthetic_site: tuple[Path, str]) -> None:
    reports, page = synthetic_site
    linked = {unquote(link.split("#", 1)[0]) for link in local_links(page)}
    expected = {p.relative_to(reports).as_posix() for p in reports.rglob("*") if p.is_file()} - {"index.html"}
    assert expected <= linked, sorted(expected - linked)
    assert 'src="figures/oecd2010/oecd2010_figure_50_1.png"' in page
    assert 'src="figures/eu2008/eu2008%20index%20by%20sector.png"' in page
    assert 'href="assumptions.html#c-01-synthetic"' in page and "C-01. Synthetic &amp; more" in page


def test_scorecard_rows_are_colour_coded_with_counts(synthetic_site: tuple[Path, str]) -> None:
    _, page = synthetic_site
    assert page.count('<tr class="pass">') == 2
    assert page.count('<tr class="fail">') == 1
    assert "tr.pass" in page and "tr.fail" in page  # the classes are styled
    assert "1 of 2 tested claims pass" in page and "1 of 1 tested claims pass" in page
    assert "subject &lt;OECD-01&gt;" in page and "OECD (2011) &amp; co" in page  # escaped
    assert "[56.50, 63.40]" in page
    assert '<td class="num">60.0</td>' in page  # a reproduced value with one decimal, as in the reproduction reports


def test_synthetic_box_on_top_when_provenance_says_synthetic(synthetic_site: tuple[Path, str]) -> None:
    _, page = synthetic_site
    body = page.split("<main>", 1)[1]
    assert body.lstrip().startswith('<section class="databox synthetic"')
    assert "synthetic stand-ins" in body and "not</em> findings" in body
    assert "Figure 50.1, Figure 50.2" in body  # what it means for each figure
    assert body.count('class="caveat"') == 3


def declare_origin(processed: Path, origin: str) -> None:
    """Set ``data_origin`` in the fake provenance records (as the cleaning steps write it)."""
    for record_file in processed.glob("*/provenance.json"):
        record = json.loads(record_file.read_text()) | {"data_origin": origin}
        record_file.write_text(json.dumps(record))


def test_real_data_note_when_provenance_says_real(tmp_path: Path) -> None:
    reports, processed = fake_outputs(tmp_path, synthetic=False)
    declare_origin(processed, "real")
    page = build_index(reports, processed, claims_file=None).read_text(encoding="utf-8")
    assert "databox synthetic" not in page and "synthetic stand-ins" not in page
    assert 'class="caveat"' not in page
    assert "Real respondent-level data" in page and "data/raw/oecd2010.csv" in page


def test_undeclared_origin_is_never_shown_as_real(tmp_path: Path) -> None:
    """Not synthetic and not declared real (or a record older than data_origin): 'origin not declared'."""
    reports, processed = fake_outputs(tmp_path, synthetic=False)
    page = build_index(reports, processed, claims_file=None).read_text(encoding="utf-8")
    assert "Real respondent-level data" not in page and "\u00b7 real data \u00b7" not in page
    assert "Origin of the data not declared" in page and "origin not declared" in page
    assert "Origin of the respondent-level data not declared: data/raw/eu2008.csv" in page


def test_unknown_provenance_is_said(tmp_path: Path) -> None:
    reports, processed = fake_outputs(tmp_path, synthetic=None)
    page = build_index(reports, processed, claims_file=None).read_text(encoding="utf-8")
    assert "databox unknown" in page and "Real respondent-level data" not in page


def test_index_is_deterministic(tmp_path: Path) -> None:
    reports, processed = fake_outputs(tmp_path, synthetic=True)
    first = build_index(reports, processed, claims_file=None).read_bytes()
    second = build_index(reports, processed, claims_file=None).read_bytes()
    assert first == second
    assert not re.search(rb"20\d\d-\d\d-\d\d", first)


def test_combined_scorecard_follows_the_claims_file(tmp_path: Path) -> None:
    reports, _ = fake_outputs(tmp_path, synthetic=True)
    claims_file = tmp_path / "claims.csv"
    claims_file.write_text("claim_id,study\nOECD-02,oecd2010\nOECD-01,oecd2010\nEU-01,eu2008\n", encoding="utf-8")
    target = write_combined_scorecard(reports, claims_file)
    assert target == reports / "tables" / "scorecard.csv"
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["claim_id"] for row in rows] == ["OECD-02", "OECD-01", "EU-01"]
    assert list(rows[0]) == COLUMNS
    records = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
    assert [r["claim_id"] for r in records] == ["OECD-02", "OECD-01", "EU-01"]
    assert records[0]["ci_low"] is None and records[1]["ci_low"] == 56.5


def test_combined_scorecard_without_claims_file_keeps_study_then_file_order(tmp_path: Path) -> None:
    rows = combined_rows({"b": [{"claim_id": "B-2"}, {"claim_id": "B-1"}], "a": [{"claim_id": "A-1"}]}, {})
    assert [row["claim_id"] for row in rows] == ["A-1", "B-2", "B-1"]


@pytest.mark.parametrize(("stem", "studies", "expected"), [
    ("oecd2010_clean", ["oecd2010", "eu2008"], "oecd2010"),
    ("eu2008_figures", ["oecd2010", "eu2008"], "eu2008"),
    ("eu2008_x_clean", ["eu2008", "eu2008_x"], "eu2008_x"),
    ("new_step", [], "new"),
])
def test_study_of(stem: str, studies: list[str], expected: str) -> None:
    assert study_of(stem, studies) == expected


def test_small_formatters() -> None:
    assert figure_title("oecd2010_figure_50_1", "oecd2010") == "Figure 50.1"
    assert figure_title("eu2008_index_by_sector_EU", "eu2008") == "Index by sector EU"
    assert figure_title("validation_multiverse_eu", "validation") == "Multiverse EU"
    assert format_number("60.0") == "60" and format_number("60.02415") == "60.02"
    assert format_number("0.012345") == "0.0123" and format_number("majority") == "majority"
    assert json_value("") is None and json_value("20") == 20 and json_value("1.5") == 1.5
    assert json_value("base = responses") == "base = responses" and json_value("nan") is None


def test_a_claim_not_available_in_the_file_is_a_grey_na_row_not_a_pass() -> None:
    row = {"claim_id": "EU-11", "study": "eu2008", "subject": "women co-produce more", "source": "Parrado 2013",
           "location": "p. 99", "published": "positive", "reproduced": "not available in this file",
           "ci_low": "", "ci_high": "", "status": "not available",
           "detail": "Not available in this file: URBAN."}
    html_row = scorecard_row(row)
    assert html_row.startswith('<tr class="na">') and '<span class="badge na">N/A</span>' in html_row
    assert "Not available in this file: URBAN." in html_row
    assert pass_count([row, {**row, "status": "pass"}, {**row, "status": "fail"}]) == (1, 2)  # tested: 2
    assert count_text([row, {**row, "status": "pass"}]) == "1 of 1 tested claims pass; 1 not available in this file"
    assert count_text([{**row, "status": "pass"}, {**row, "status": "fail"}]) == "1 of 2 tested claims pass"
    assert 'class="fail"' in scorecard_row({**row, "status": "something else"})


def test_index_scorecard_reads_in_words_ranks_as_ranks_and_directions_with_their_sign(tmp_path: Path) -> None:
    """Issue 13: no 'p = 0' and no identifier in the index's scorecard; a rank beside a percentage interval says
    the interval is the item's percentage; a direction claim shows the claimed direction in 'published'."""
    claims = tmp_path / "claims.csv"
    claims.write_text("claim_id,study,kind,subject,value,unit,direction,qualifier,summary\n"
                      "EU-11,eu2008,direction,gender,,,+,generally,women engage more\n"
                      "OECD-10,oecd2010,rank,factor,1,rank,,,\n", encoding="utf-8")
    from helpers.report.claims_view import read_claims

    registry = read_claims(claims)
    direction = {"claim_id": "EU-11", "study": "eu2008", "kind": "direction", "subject": "gender", "source": "P",
                 "location": "abstract", "published": "+, generally", "reproduced": "significant in 3 sectors",
                 "ci_low": "", "ci_high": "", "status": "pass",
                 "detail": "rm_anova p = 0; weight: weight_five_country; p(Holm) = 2.1e-82; p = 0.0192"}
    row = scorecard_row(direction, registry)
    assert "positive (+): women engage more (generally)" in row
    assert "p = 0;" not in row and "rm_anova" not in row and "weight_five_country" not in row
    assert "repeated-measures ANOVA (unweighted) p &lt; 0.001" in row and "p (Holm) &lt; 0.001" in row
    assert "p = 0.019" in row
    rank = {"claim_id": "OECD-10", "study": "oecd2010", "kind": "rank", "subject": "factor", "source": "OECD",
            "location": "Figure 50.3", "published": "1", "reproduced": "1", "ci_low": "81.25", "ci_high": "86.45",
            "ci_level": "0.95", "status": "pass", "detail": "reproduced rank 1 of 3"}
    row = scorecard_row(rank, registry)
    assert '<td class="num">rank 1</td>' in row and row.count("rank 1</td>") == 2
    assert "item&#x27;s percentage: 95% [81.25, 86.45]" in row


def test_a_validation_figure_is_not_said_to_reproduce_published_numbers(tmp_path: Path) -> None:
    from helpers.report.site import Figure, figure_card

    png = tmp_path / "validation_tests.png"
    png.write_bytes(b"png")
    validation = figure_card(Figure("validation", "validation_tests", {"png": png}), tmp_path, synthetic=True)
    assert "checks the code and the design, not the surveys" in validation
    assert "reproduces the published numbers" not in validation
    multiverse = figure_card(Figure("validation", "validation_multiverse_eu", {"png": png}), tmp_path, synthetic=True)
    assert "Synthetic data: shows that the code reproduces the published numbers" in multiverse  # synthetic files
    eu = figure_card(Figure("eu2008", "eu2008_index_by_sector", {"png": png}), tmp_path, synthetic=True)
    assert "Synthetic data: shows that the code reproduces the published numbers; not a finding." in eu


def test_the_validation_studys_heading_counts_criteria_met() -> None:
    from helpers.report.site import study_row

    rows = [claim("VAL-01", "validation", "pass", "93.0% to 97.0%", "0.95") | {"kind": "validation"},
            claim("VAL-02", "validation", "fail", "93.0% to 97.0%", "0.5") | {"kind": "validation"},
            claim("VAL-03", "validation", "pass", "at most 0.100 index points", "0.2") | {"kind": "validation"},
            claim("EU-06", "eu2008", "pass")]
    heading = study_row("validation", rows)
    assert "validation: 1 of 3 validation criteria met; 1 within Monte Carlo error of their target" in heading
    assert "(targets we set, not published numbers)" in heading
    badges = re.findall(r'class="badge (\w+)">([^<]+)<', "".join(scorecard_row(row) for row in rows))
    assert badges == [("pass", "MET"), ("fail", "NOT MET"), ("within", "WITHIN MC ERROR"), ("pass", "PASS")]
    assert "tested claims" in study_row("eu2008", rows)
