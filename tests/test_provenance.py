"""git facts, data provenance files, the run banner and report tables."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import provenance

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _git(folder: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=Test", "-c", "user.email=test@example.org", *arguments],
        capture_output=True, text=True, check=True,
    )
    return completed.stdout.strip()


@pytest.fixture()
def repository(tmp_path: Path) -> Path:
    """A git repository with one commit holding ``tracked.txt``."""
    folder = tmp_path / "repo"
    folder.mkdir()
    _git(folder, "init", "-q")
    (folder / "tracked.txt").write_text("one\n", encoding="utf-8")
    _git(folder, "add", "tracked.txt")
    _git(folder, "commit", "-q", "-m", "first")
    return folder


def test_git_commit_is_the_short_sha(repository: Path) -> None:
    assert provenance.git_commit(repository) == _git(repository, "rev-parse", "--short", "HEAD")


def test_git_outside_a_repository(tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    assert provenance.git_commit(outside) == "unknown"
    assert provenance.git_is_dirty(outside) is None
    assert provenance.git_commit_label(outside) == "unknown"


def test_git_is_dirty_tracks_tracked_files_only(repository: Path) -> None:
    assert provenance.git_is_dirty(repository) is False
    (repository / "scratch.txt").write_text("untracked\n", encoding="utf-8")
    assert provenance.git_is_dirty(repository) is False
    (repository / "tracked.txt").write_text("two\n", encoding="utf-8")
    assert provenance.git_is_dirty(repository) is True
    assert provenance.git_commit_label(repository).endswith("-dirty")


def test_package_versions() -> None:
    versions = provenance.package_versions(["pandas", "surely-not-a-package-xyz"])
    assert versions["pandas"] == pd.__version__
    assert versions["surely-not-a-package-xyz"] == "not installed"


def test_data_provenance_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "raw.csv"
    source.write_text("id,x\n1,2\n", encoding="utf-8")
    processed = tmp_path / "processed"
    written = provenance.write_data_provenance(
        processed, source_file=source, data_are_synthetic=True, extra={"rows": 1}
    )
    first_bytes = written.read_bytes()
    record = provenance.read_data_provenance(processed)
    assert record["data_are_synthetic"] is True
    assert record["sha256"] == provenance.file_sha256(source)
    assert record["rows"] == 1
    assert written.name == "provenance.json"
    provenance.write_data_provenance(processed, source_file=source, data_are_synthetic=True, extra={"rows": 1})
    assert written.read_bytes() == first_bytes  # no timestamps: same input, same bytes


def test_data_provenance_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="write_data_provenance"):
        provenance.read_data_provenance(tmp_path)
    with pytest.raises(TypeError):
        provenance.write_data_provenance(tmp_path, source_file="x.csv", data_are_synthetic="yes", sha256="0")
    with pytest.raises(ValueError, match="override"):
        provenance.write_data_provenance(
            tmp_path, source_file="x.csv", data_are_synthetic=True, sha256="0", extra={"sha256": "1"}
        )
    (tmp_path / "provenance.json").write_text('{"source_file": "x.csv"}', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks"):
        provenance.read_data_provenance(tmp_path)


def test_synthetic_banner_says_so_everywhere(repository: Path) -> None:
    banner = provenance.run_banner("OECD 2010 — Löffler", {"alpha": 0.05, "country_code": "DE"}, True,
                                   step="clean", root=repository)
    commit = provenance.git_commit(repository)
    for rendering in (banner.html, banner.markdown, banner.latex, banner.text):
        assert "SYNTHETIC DATA" in rendering
        assert commit in rendering
    assert 'href="assumptions.html"' in banner.html and 'href="run_manifest.json"' in banner.html
    assert "(assumptions.html)" in banner.markdown and "(run_manifest.json)" in banner.markdown
    assert r"\href{run_manifest.json}" in banner.latex
    assert "country\\_code" in banner.latex and "country\\_code" in banner.markdown
    assert "| parameter | value |" in banner.markdown


def test_banner_for_real_data_names_the_file(repository: Path) -> None:
    banner = provenance.run_banner("EU 2008", {}, "real", data_file="data/raw/eu.csv", root=repository)
    assert "SYNTHETIC" not in banner.html + banner.markdown + banner.latex
    assert "Real respondent-level data: data/raw/eu.csv" in banner.html
    undeclared = provenance.run_banner("EU 2008", {}, False, data_file="data/raw/eu.csv", root=repository)
    assert "Real respondent-level data" not in undeclared.html + undeclared.latex
    assert "Origin of the respondent-level data not declared: data/raw/eu.csv" in undeclared.html
    assert "#b26a00" in undeclared.html and "orange" in undeclared.latex  # amber, neither red nor green


def test_banner_marks_a_dirty_tree(repository: Path) -> None:
    (repository / "tracked.txt").write_text("changed\n", encoding="utf-8")
    banner = provenance.run_banner("Study", {"a": 1}, True, root=repository)
    assert f"{provenance.git_commit(repository)}-dirty" in banner.html


def test_banner_has_no_date_and_is_deterministic(repository: Path) -> None:
    first = provenance.run_banner("Study", {"b": [1, 2], "a": None}, True, root=repository)
    second = provenance.run_banner("Study", {"b": [1, 2], "a": None}, True, root=repository)
    assert first == second
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", first.html + first.latex)


def test_banner_display_bundle_has_html_markdown_and_latex(repository: Path) -> None:
    from IPython.core.formatters import DisplayFormatter

    bundle, _ = DisplayFormatter().format(provenance.run_banner("Study", {"a": 1}, True, root=repository))
    assert {"text/html", "text/markdown", "text/latex", "text/plain"} <= set(bundle)
    assert "SYNTHETIC" in bundle["text/plain"]


def test_banner_from_provenance(tmp_path: Path, repository: Path) -> None:
    provenance.write_data_provenance(tmp_path, source_file="data/raw/x.csv", data_origin="real", sha256="ab")
    banner = provenance.banner_from_provenance("Study", {"a": 1}, tmp_path, root=repository)
    assert "Real respondent-level data: data/raw/x.csv" in banner.text
    provenance.write_data_provenance(tmp_path, source_file="data/raw/x.csv", data_are_synthetic=False, sha256="ab")
    assert provenance.read_data_provenance(tmp_path)["data_origin"] == "not declared"
    banner = provenance.banner_from_provenance("Study", {"a": 1}, tmp_path, root=repository)
    assert provenance.NOT_DECLARED_PREFIX in banner.text and "Real respondent" not in banner.text
    with pytest.raises(ValueError, match="contradicts"):
        provenance.write_data_provenance(tmp_path, source_file="x.csv", data_are_synthetic=True,
                                         data_origin="real", sha256="ab")


def test_escapes() -> None:
    assert provenance.escape_latex("50% of a_b & c#d {x} $y ~ ^ \\") == (
        r"50\% of a\_b \& c\#d \{x\} \$y \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert provenance.escape_markdown("a|b *c* [d]") == r"a\|b \*c\* \[d\]"


def test_table_display_renders_three_ways() -> None:
    frame = pd.DataFrame({"country": ["Österreich", "A_B"], "share": [0.123456, 0.5], "n": [10, 20]})
    table = provenance.table_display(frame.set_index("country"), caption="Shares ≥ 0", decimals=2)
    assert "<table" in table.html and "Shares ≥ 0</caption>" in table.html
    assert "| Country | share | n |" in table.markdown and "|:--|--:|--:|" in table.markdown
    assert "0.12" in table.markdown and "A\\_B" in table.markdown
    assert r"\begin{longtable}{@{}lrr@{}}" in table.latex and r"A\_B" in table.latex
    with pytest.raises(ValueError, match="CSV"):
        provenance.table_display(pd.DataFrame({"x": range(5)}), max_rows=3)


def test_table_display_reads_as_words_with_plain_numbers() -> None:
    """Issue 13: labels not identifiers, p-values never 0.000 or 0, sensible precision, text left-aligned and
    numbers right-aligned, no pandas index column, a chosen set of columns and a link to the full CSV."""
    frame = pd.DataFrame({
        "analysis": ["rm_anova", "design_wald_f"], "sector": ["environment", "safety"],
        "term": ["age_decades", "female"], "weighting": ["weight_five_country", "unweighted"],
        "estimate": [60.02415, 45.0], "deff": [1.468841, 1.04], "df2": [4928.0, 4593.33],
        "p_value": [0.0, 0.01924], "p_adjusted": [3.1e-300, float("nan")], "n": [4937, 4936],
        "confidence_level": [0.95, 0.95], "unused": ["x", "y"],
    }, index=[7, 9])
    table = provenance.table_display(frame.drop(columns="unused"))
    text = table.text
    for identifier in ("rm_anova", "design_wald_f", "age_decades", "weight_five_country", "index"):
        assert identifier not in text and identifier not in table.html, identifier
    assert "Repeated-measures ANOVA (unweighted)" in text and "Design-based Wald F test" in text
    assert "Local environment" in text and "Age (per decade)" in text and "Women (vs men)" in text
    assert "Five-country weight (each country's population share)" in text
    assert "< 0.001" in text and "0.019" in text and "0.000" not in text
    assert "60.0" in text and "60.02" not in text and "1.47" in text and "4928" in text and "4593.3" in text
    assert "95%" in text and "4937" in text
    assert " 7 " not in text and " 9 " not in text  # the pandas index is not shown
    assert "text-align:left" in table.html and "text-align:right" in table.html
    first_cell = table.html.split("<td ", 1)[1]
    assert first_cell.startswith('style="text-align:left')  # a text column
    assert "Test" in text and "p (Holm)" in text and "Design effect" in text
    chosen = provenance.table_display(frame, columns={"sector": "Sector", "estimate": "Index"},
                                      csv="tables/full.csv")
    assert chosen.text.split("\n")[0].split() == ["Sector", "Index"]
    assert 'href="tables/full.csv"' in chosen.html
    with pytest.raises(ValueError, match="no column"):
        provenance.table_display(frame, columns=["nope"])
    raw = provenance.table_display(frame, readable=False)
    assert "rm_anova" in raw.text  # the old behaviour stays available


def test_an_interaction_term_reads_as_its_parts() -> None:
    """docs/adapting.md (d): a term a student adds to a model formula (``female * age_decades`` gives
    ``female:age_decades``) is shown in words in the notebook's tables and the reports, like every other term."""
    from helpers.report.labels import label

    assert label("female:age_decades", "term") == "Women (vs men) \u00d7 Age (per decade)"
    assert label("urban:country_Denmark", "term") == "Urban (vs non-urban) \u00d7 Denmark"
    assert label("female:age_decades") == "female:age_decades"  # only a term is split
    table = provenance.table_display(pd.DataFrame({"term": ["female", "female:age_decades"], "estimate": [3.5, 0.3]}))
    assert "Women (vs men) \u00d7 Age (per decade)" in table.text and "female:age_decades" not in table.text


def test_source_file_is_stored_project_relative(tmp_path: Path) -> None:
    from helpers.paths import PROJECT_ROOT

    provenance.write_data_provenance(
        tmp_path, source_file=PROJECT_ROOT / "data" / "raw" / "x.csv", data_are_synthetic=True, sha256="ab"
    )
    assert provenance.read_data_provenance(tmp_path)["source_file"] == "data/raw/x.csv"
    provenance.write_data_provenance(tmp_path, source_file="data/raw/y.csv", data_are_synthetic=True, sha256="ab")
    assert provenance.read_data_provenance(tmp_path)["source_file"] == "data/raw/y.csv"


def test_item_codes_in_free_text_read_as_the_items_words_with_the_code() -> None:
    from helpers.report.labels import readable_text

    text = readable_text("index items: ENV_RECYCLE, HEA_EXERCISE; the constant EFFECTS and NOT_AN_ITEM stay")
    assert text.startswith("index items: separates rubbish for recycling (ENV_RECYCLE), ")
    assert "(HEA_EXERCISE)" in text and "HEA_EXERCISE," not in text
    assert text.endswith("the constant EFFECTS and NOT_AN_ITEM stay")


def test_the_claims_tables_name_items_by_their_labels_only() -> None:
    """EU-10's reproduced cell lists all nine items in a narrow column: with codes they broke mid-word in the PDF."""
    from helpers.report import claims_view, site

    row = {"claim_id": "EU-10", "kind": "definition", "reproduced": "environment: ENV_RECYCLE, ENV_SAVE_ENERGY; "
           "the constant NOT_AN_ITEM stays", "subject": "co-production", "source": "s", "published": "p",
           "status": "holds by construction"}
    expected = ("environment: separates rubbish for recycling, tries to save water or electricity; "
                "the constant NOT_AN_ITEM stays")
    assert claims_view.reproduced_text(row) == expected
    assert f'<td class="text">{expected}</td>' in site.scorecard_row(row)
    assert claims_view.reproduced_text({**row, "reproduced": ""}) == claims_view.DASH


def test_numbers_in_e_notation_are_written_out_for_readers() -> None:
    from helpers.report.labels import readable_text

    text = readable_text("largest difference 9.07e-02; exact 0.00e+00; rounding 3.66e-15; F = 2.0, p = 1e-30; 1.5e+03")
    assert text == "largest difference 0.0907; exact 0; rounding < 0.000001; F = 2.0, p < 0.001; 1500"
