"""The reproduction report of a study (issue 13), built from hand-made data products and read as a reviewer reads
the PDF: A4 pages, every table's header row whole in the text, no word outside the text area, no absolute path and
no ``p = 0``, every figure's smallest text at least 7 pt as printed, no heading alone at a page foot, no page with
a single table row; and the document's parts: title page, contents, published vs reproduced, methods, results,
caveats, references."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

import pdf_checks
from helpers.report import reproduction
from helpers.report.reproduction import FigureSpec, ResultGroup, StudyContents, TableSpec

TITLE = "Demo survey of Löffler-Stadt: Figures 1-2"
COMMIT = "abc1234"
CHANGED = "confidence_level = 0.9 (pipeline.yaml: 0.95) [demo_estimates]"
SCORECARD_COLUMNS = ["claim_id", "study", "kind", "subject", "source", "location", "published", "reproduced",
                     "ci_low", "ci_high", "status", "detail", "basis", "built_in", "ci_level"]


def figure(path: Path, width_cm: float, font_pt: float) -> None:
    """An SVG drawn at ``width_cm`` with every text at ``font_pt`` (matplotlib's default glyph-path text)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_cm / 2.54, width_cm / 2.54 * 0.5))
    axes = fig.add_subplot()
    axes.barh(["Local environment", "Public health"], [61, 52])
    axes.set_xlabel("Index (0-100)", fontsize=font_pt)
    axes.tick_params(labelsize=font_pt)
    axes.set_title("Index by sector", fontsize=font_pt)
    fig.tight_layout()
    fig.savefig(path, format="svg")
    fig.savefig(path.with_suffix(".png"), format="png", dpi=100)


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def scorecard_rows() -> list[dict[str, str]]:
    base = {column: "" for column in SCORECARD_COLUMNS} | {"study": "demo", "source": "Löffler et al. (2008)"}
    return [
        base | {"claim_id": "DEMO-01", "kind": "value", "subject": "co-production index: local environment",
                "location": "para. 6", "published": "61.0", "reproduced": "60.999", "ci_low": "60.32",
                "ci_high": "61.67", "ci_level": "0.9", "status": "pass",
                "detail": "reproduced 60.999 rounds half up to 61; weight: weight_five_country"},
        base | {"claim_id": "DEMO-02", "kind": "rank", "subject": "factor: leadership", "location": "Figure 2",
                "published": "1", "reproduced": "1", "ci_low": "81.25", "ci_high": "86.45", "ci_level": "0.9",
                "status": "pass", "detail": "reproduced rank 1 of 3; order: factor_leadership 84.019"},
        base | {"claim_id": "DEMO-03", "kind": "direction", "subject": "differences between sectors",
                "location": "abstract", "published": "+, generally", "reproduced": "significant in 3 sectors",
                "status": "pass", "detail": "rm_anova p = 0; friedman p = 3.1e-300; p(Holm) = 2.1e-82",
                "built_in": "built into the synthetic data: a pass shows the code detects it, not that it is true"},
        base | {"claim_id": "DEMO-04", "kind": "design", "subject": "sectors", "location": "para. 5",
                "published": "community safety; local environment", "reproduced": "community safety; local environment",
                "status": "holds by construction", "detail": "every sector in the data",
                "basis": "helpers.eu.codebook.SECTORS are this claim's sectors"},
        base | {"claim_id": "DEMO-05", "kind": "design", "subject": "embedded beyond pilots", "location": "text",
                "published": "Canada; Norway", "reproduced": "Canada; Norway", "status": "not checkable",
                "detail": "2 of 2 countries responded", "basis": "no item measures it"},
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("demo_project")
    reports, processed = root / "reports", root / "data" / "processed"
    write_csv(reports / "tables" / "demo_scorecard.csv", scorecard_rows())
    (reports / "figures" / "demo").mkdir(parents=True)
    figure(reports / "figures" / "demo" / "demo_index.svg", width_cm=12, font_pt=8)
    figure(reports / "figures" / "demo" / "demo_wide.svg", width_cm=24, font_pt=8)  # printed at 17 cm: 5.7 pt
    (processed / "demo").mkdir(parents=True)
    (processed / "demo" / "provenance.json").write_text(
        '{"data_origin": "synthetic", "data_are_synthetic": true, "source_file": "data/raw/demo_synthetic.csv", '
        '"records_delivered": 5012, "respondents_kept": 4941}', encoding="utf-8")
    estimates = [{"sector": sector, "term": term, "analysis": "design_wald_f", "estimate": 3.14159 * (i + 1),
                  "ci_low": 1.0 + i, "ci_high": 5.0 + i, "p_value": 0.0 if i % 3 == 0 else 0.01924,
                  "n": 4937 - i, "weighting": "weight_five_country",
                  "note": "a long text that has to wrap inside its cell rather than run off the page " * 2,
                  "extra_1": 1.5, "extra_2": 2.5, "extra_3": 3.5}
                 for i, (sector, term) in enumerate((s, t) for s in ("environment", "health", "safety")
                                                    for t in ("female", "age_decades", "efficacy", "urban",
                                                              "informed", "consulted", "outcome", "govperf",
                                                              "educ_tertiary", "employ_retired", "employ_student",
                                                              "employ_other", "educ_upper_secondary", "intercept",
                                                              "employ_unemployed", "country_France", "country_Denmark",
                                                              "country_Germany", "country_United Kingdom",
                                                              "country_Czech Republic"))]
    write_csv(processed / "demo_estimates" / "coefficients.csv", estimates)
    claims = root / "claims.csv"
    write_csv(claims, [{"claim_id": "DEMO-01", "study": "demo", "kind": "value", "subject": "index", "value": "61",
                        "unit": "index score", "direction": "", "qualifier": "", "summary": "",
                        "source": "Löffler et al. (2008)"},
                       {"claim_id": "DEMO-02", "study": "demo", "kind": "rank", "subject": "factor", "value": "1",
                        "unit": "rank", "direction": "", "qualifier": "", "summary": "",
                        "source": "OECD (2011), Government at a Glance 2011"},
                       {"claim_id": "DEMO-03", "study": "demo", "kind": "direction", "subject": "sectors",
                        "value": "", "unit": "", "direction": "+", "qualifier": "generally",
                        "summary": "women engage more", "source": "Parrado et al. (2013)"}])
    assumptions = root / "assumptions.md"
    assumptions.write_text(
        "# Log\n\n## General caveats\n\n### C-01. The respondent-level data are synthetic\n"
        "- **What:** generated data.\n- **Effect:** not findings.\n- **Rating:** red.\n\n"
        "## Demo\n\n### A-DEMO-01 Index formula of Löffler-Stadt\n- **Assumption.** The mean of three items.\n"
        "- **Why.** Not published.\n- **Where.** `helpers.eu.index`.\n- **Effect.** Sets the values. Rating: amber.\n\n"
        "### A-OTHER-01 Not for this study\n- **Assumption.** Other.\n", encoding="utf-8")
    citation = root / "CITATION.cff"
    citation.write_text(
        'title: "Demo compendium"\nversion: "9.8.7"\ndate-released: "2026-11-23"\nauthors:\n  - name: "Demo team"\n'
        "references:\n  - type: report\n    title: \"If you want to go fast\"\n    year: 2008\n    authors:\n"
        '      - family-names: "Löffler"\n        given-names: "Elke"\n', encoding="utf-8")
    return {"root": root, "reports": reports, "processed": processed, "claims": claims,
            "assumptions": assumptions, "citation": citation}


CONTENTS = StudyContents(
    study="demo",
    short_title="Demo survey: reproduction report",
    methods=(("Data", "Read `{source_file}` ({origin_words}): {records_delivered} records, {respondents_kept} kept; "
                      "{missing_fact}."),
             ("Estimation", "Design-based {confidence} intervals.")),
    results=(ResultGroup("Index", "The index by sector.", (
        FigureSpec("demo_index", "The index by sector with its interval."),
        TableSpec("Coefficients per sector.", "demo_estimates/coefficients.csv",
                  {"sector": "", "term": "", "analysis": "", "estimate": "Coefficient", "p_value": "", "n": "",
                   "note": "Note"}, interval=True),
    )),),
    caveats=("C-", "A-DEMO-"),
    references=("Löffler",),
    extra_references=("Morris, T. P. (2019). Simulation studies.",),
)


def inputs_for(project: dict[str, Path]) -> reproduction.ReportInputs:
    run = reproduction.RunFacts(
        lines=(("Computed", f"2026-11-30 08:25 UTC from commit {COMMIT}"),
               ("Data", "synthetic stand-in data: data/raw/demo_synthetic.csv"),
               ("Parameters that differ from pipeline.yaml", CHANGED)),
        origin="synthetic", computed="2026-11-30 08:25 UTC", commit=COMMIT, alarming=True,
        parameters={"confidence_level": 0.9})
    return reproduction.ReportInputs("demo", TITLE, project["reports"], project["processed"], project["claims"],
                                     project["assumptions"], project["citation"], run)


@pytest.fixture(scope="module")
def report(project: dict[str, Path]) -> dict[str, object]:
    reports = project["reports"]
    written = reproduction.write_report(inputs_for(project), CONTENTS, reports / "demo_report.html",
                                        reports / "demo_report.pdf", ["demo_step.reviewer.html"],
                                        reports / "previews")
    html_text = (reports / "demo_report.html").read_text(encoding="utf-8")
    pages = pdf_checks.layout_pages(reports / "demo_report.pdf")
    return {"written": written, "html": html_text, "pdf": reports / "demo_report.pdf", "pages": pages,
            "reports": reports}


def test_every_page_is_a4(report: dict[str, object]) -> None:
    sizes = pdf_checks.page_sizes(report["pdf"])
    assert len(sizes) >= 5 and all(pdf_checks.is_a4(size) for size in sizes), sizes


def test_every_table_header_row_is_whole_in_the_text(report: dict[str, object]) -> None:
    headers = pdf_checks.read_html(report["html"]).headers
    assert ["Claim", "What is claimed", "Published", "Reproduced", "Result"] in headers
    assert ["Sector", "Term", "Test", "Coefficient", "90% CI", "p", "n", "Note"] in headers
    assert pdf_checks.header_rows_not_whole(report["pdf"], report["html"]) == []


def test_no_word_lies_outside_the_text_area(report: dict[str, object]) -> None:
    assert pdf_checks.words_outside_text_area(report["pdf"]) == []


def test_no_absolute_path_no_p_zero_no_identifier(report: dict[str, object], project: dict[str, Path]) -> None:
    text = "\n".join(report["pages"])
    for document in (text, report["html"]):
        assert pdf_checks.absolute_paths(document, [project["root"]]) == []
        assert pdf_checks.p_zero(document) == []
        for identifier in ("rm_anova", "weight_five_country", "design_wald_f", "age_decades", "factor_leadership"):
            assert identifier not in document, identifier
    assert "p &lt; 0.001" in report["html"] and "p (Holm) &lt; 0.001" in report["html"]


def test_figures_print_their_smallest_text_at_7_pt_or_more(report: dict[str, object]) -> None:
    fonts = pdf_checks.printed_fonts(report["html"], report["reports"])
    assert [font.figure for font in fonts] == ["figures/demo/demo_index.svg"]
    (font,) = fonts
    assert font.printed_width_pt == pytest.approx(font.drawn_width_pt, abs=0.1)  # printed at its saved width: 12 cm
    assert font.smallest_printed_pt == pytest.approx(8.0, abs=0.05) and font.smallest_printed_pt >= 7


def test_a_figure_drawn_wider_than_the_page_is_caught(project: dict[str, Path]) -> None:
    """The check can fail: a figure drawn 24 cm wide with 8 pt text prints at the 17 cm text width, so its text
    is 5.7 pt."""
    spec = FigureSpec("demo_wide", "A figure drawn too wide.")
    block = reproduction.figure_html(spec, inputs_for(project), 1)
    (font,) = pdf_checks.printed_fonts(block, project["reports"])
    assert font.printed_width_pt == pytest.approx(reproduction.TEXT_WIDTH_PT, abs=0.1)
    assert reproduction.TEXT_WIDTH_PT == pytest.approx(17 / 2.54 * 72)
    assert font.smallest_printed_pt == pytest.approx(8 * 17 / 24, abs=0.05) and font.smallest_printed_pt < 7


def test_no_heading_alone_at_a_page_foot_and_no_single_row_page(report: dict[str, object]) -> None:
    assert pdf_checks.layout_problems(report["html"], report["reports"]) == []
    spans = [page for page in report["pages"] if "Wald F" in page and "Coefficient" in page]
    assert len(spans) >= 2  # the 60-row table spans pages (its rows are kept at least two to a page)


def test_the_layout_check_finds_a_lone_heading_and_a_single_row(tmp_path: Path) -> None:
    lone_heading = "<h2>Alone</h2><div style='break-before: page'>next</div>"
    tall_rows = ("<table><thead><tr><th>h</th></tr></thead><tbody>"
                 + "<tr><td style='height: 600pt'>row</td></tr>" * 2 + "</tbody></table>")
    problems = pdf_checks.layout_problems(f"<html><body>{lone_heading}{tall_rows}</body></html>", tmp_path)
    assert "page 1 ends with a heading or caption" in problems
    assert any("single row" in problem for problem in problems)


def test_title_page_has_title_authors_version_date_commit_origin_and_changed_parameters(
        report: dict[str, object]) -> None:
    first = " ".join(report["pages"][0].split())
    assert TITLE in first and "Löffler" in first
    assert "Demo team" in first and "version 9.8.7" in first
    assert f"Computed: 2026-11-30 08:25 UTC from commit {COMMIT}" in first
    assert "SYNTHETIC DATA" in first and "data/raw/demo_synthetic.csv" in first
    assert CHANGED in first and "not the reproduction of the published analysis" in first


def test_every_page_carries_the_synthetic_notice_in_its_header(report: dict[str, object]) -> None:
    pages = [page for page in report["pages"] if page.strip()]
    assert all("SYNTHETIC DATA — not survey findings" in page for page in pages)
    assert all("commit abc1234" in page for page in pages)


def test_contents_list_the_sections_with_page_numbers(report: dict[str, object]) -> None:
    contents = next(page for page in report["pages"] if "Contents" in page)
    for heading in ("1 Published vs reproduced", "2 Methods", "2.1 Data", "3 Results", "3.1 Index", "4 Caveats",
                    "5 References"):
        line = next(line for line in contents.splitlines() if heading in line)
        assert line.rstrip()[-1].isdigit(), line


def claim_cells(html_text: str) -> dict[str, list[str]]:
    """The cells of the published-vs-reproduced table, as text, per claim."""
    import re

    table = html_text.split('id="claims-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    cells = [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()).replace("&#x27;", "'")
              for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    return {row[0]: row[1:] for row in cells}


def test_published_vs_reproduced_shows_every_claim_in_plain_words(report: dict[str, object]) -> None:
    text = " ".join(" ".join(report["pages"]).split())
    for claim in ("DEMO-01", "DEMO-02", "DEMO-03", "DEMO-04", "DEMO-05"):
        assert claim in text  # whole, on one line of the PDF
    cells = claim_cells(report["html"])
    assert cells["DEMO-01"][1:3] == ["61", "61.0 90% CI 60.3 to 61.7"]  # published; reproduced with interval, level
    assert cells["DEMO-01"][3].startswith("Reproduced reproduced 60.999 rounds half up to 61")
    assert cells["DEMO-02"][1:3] == ["rank 1", "rank 1 item's percentage: 90% CI 81.2 to 86.5"]
    assert cells["DEMO-03"][1] == "positive (+): women engage more (generally)"  # the claimed direction
    assert cells["DEMO-04"][3].startswith("Holds by construction helpers.eu.codebook.SECTORS")
    assert cells["DEMO-05"][3].startswith("Not checkable no item measures it")
    assert "3 of 3 tested claims pass" in text


def test_methods_results_caveats_and_references(report: dict[str, object]) -> None:
    text = " ".join(" ".join(report["pages"]).split())
    assert "Read data/raw/demo_synthetic.csv (the synthetic stand-in" in text
    assert "5012 records, 4941 kept; not recorded." in text  # a missing fact is said, never typed
    assert "Design-based 90% intervals" in text
    assert "Figure 1. The index by sector with its interval." in text
    assert "Table 2. Coefficients per sector." in text
    assert "Full table (13 columns, 60 rows)" in text
    assert "A-DEMO-01 Index formula of Löffler-Stadt (rating: amber)" in text and "A-OTHER-01" not in text
    assert "Löffler, E. (2008). If you want to go fast." in text and "Morris, T. P. (2019)" in text
    assert "Demo team (2026). Demo compendium. Version 9.8.7." in text


def test_html_version_is_the_same_document_offline_with_relative_links(report: dict[str, object]) -> None:
    from helpers.report.markup import external_resource_references

    html_text = report["html"]
    assert external_resource_references(html_text) == []
    assert 'href="index.html"' in html_text and 'href="demo_step.reviewer.html"' in html_text
    assert 'src="figures/demo/demo_index.svg"' in html_text
    assert 'href="tables/demo_scorecard.csv"' in html_text
    for link in pdf_checks.read_html(html_text).images:
        assert (report["reports"] / link["src"]).is_file()


def test_previews_of_the_first_pages(report: dict[str, object]) -> None:
    previews = sorted(path.name for path in (report["reports"] / "previews").glob("*.png"))
    assert previews == ["demo_report-1.png", "demo_report-2.png", "demo_report-3.png"]


def test_the_same_inputs_give_the_same_pdf(report: dict[str, object], project: dict[str, Path],
                                           tmp_path: Path) -> None:
    again = reproduction.render_pdf(report["html"], project["reports"], tmp_path / "again.pdf")
    assert again.read_bytes() == Path(report["pdf"]).read_bytes()


def validation_rows() -> list[dict[str, str]]:
    base = {column: "" for column in SCORECARD_COLUMNS} | {"study": "validation", "kind": "validation",
                                                           "source": "data/raw/validation_criteria.csv"}
    return [
        base | {"claim_id": "VAL-01", "subject": "95% intervals cover the population value",
                "location": "scenario eu_effects: index_by_sector (population shares)", "published": "93.0% to 97.0%",
                "reproduced": "0.952222", "ci_low": "0.898433", "ci_high": "1.0", "status": "pass",
                "detail": "95.2% over 30 replicates", "basis": "test: the replicates' coverage95 lies in the band"},
        base | {"claim_id": "VAL-02", "subject": "90% intervals cover the population value",
                "location": "scenario eu_null: index_by_sector (population shares)", "published": "88.0% to 92.0%",
                "reproduced": "0.861111", "ci_low": "0.801116", "ci_high": "0.921107", "status": "pass",
                "detail": "86.1% over 30 replicates", "basis": "test: in the band"},
        base | {"claim_id": "VAL-04", "subject": "the index is unbiased",
                "location": "scenario oecd: percent_affirmative (unweighted)", "published": "at most 0.100 index points",
                "reproduced": "0.129452", "ci_low": "0.0", "ci_high": "0.138", "status": "fail",
                "detail": "0.129 index points over 30 replicates", "basis": "test: max_abs_bias in the band"},
    ]


def test_the_validation_criteria_read_as_targets_met_or_not_never_as_published_claims(project) -> None:
    """A validation criterion is our own target: the table says target and found, met or not met, in the measure's
    unit, with two Monte Carlo standard errors (not an interval 'of level not recorded')."""
    rows = validation_rows()
    section = reproduction.claims_section(inputs_for(project), rows, {}, 1, synthetic=True)
    assert reproduction.chapter_one_heading(rows) == "Validation criteria: target vs found"
    assert reproduction.chapter_one_heading(scorecard_rows()) == "Published vs reproduced"
    headers = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", section)
    assert headers == ["Criterion", "What is checked", "Target", "Found", "Result"]
    assert ("1 of 3 validation criteria met; 1 within Monte Carlo error of their target" in section
            and "Published" not in section)
    cells = claim_cells(section)
    assert cells["VAL-01"][1:3] == ["93.0% to 97.0%", "95.2% \u00b1 2 Monte Carlo SE: 89.8% to 100.0%"]
    assert cells["VAL-01"][3].startswith("Met 95.2% over 30 replicates")
    assert cells["VAL-02"][3].startswith("Within Monte Carlo error 86.1%")  # outside 88-92%, a pass: not "Met"
    assert cells["VAL-01"][0].endswith("Population with the generator's effects (power): co-production index by "
                                       "sector (population shares)")
    assert cells["VAL-04"][2] == "0.129 index points \u00b1 2 Monte Carlo SE: 0.000 to 0.138 index points"
    assert cells["VAL-04"][3].startswith("Not met")
    assert cells["VAL-04"][0].endswith("OECD officials: percentage affirmative per item (unweighted)")
    assert "level not recorded" not in section and "coverage95" not in section and "max_abs_bias" not in section


def test_figures_tables_and_claims_of_an_out_of_date_step_say_so_where_they_are_shown(project) -> None:
    """The tester's case: after --only eu2008_estimates with other weights, the PDF showed the old scorecard and an
    old figure captioned with the new weighting, marked out of date only on its first page."""
    from dataclasses import replace

    inputs = inputs_for(project)
    figures, scorecard = project["reports"] / "figures" / "demo", project["reports"] / "tables" / "demo_scorecard.csv"
    stale = replace(inputs, run=replace(inputs.run, stale_outputs=(str(figures), str(scorecard))))
    spec = FigureSpec("demo_index", "The index by sector.")
    assert "OUT OF DATE" in reproduction.figure_html(spec, stale, 1)
    assert "OUT OF DATE" not in reproduction.figure_html(spec, inputs, 1)
    assert "OUT OF DATE" in reproduction.claims_section(stale, scorecard_rows(), {}, 1, synthetic=True)
    assert "OUT OF DATE" not in reproduction.claims_section(inputs, scorecard_rows(), {}, 1, synthetic=True)
    table = TableSpec("Coefficients per sector.", "demo_estimates/coefficients.csv", {"sector": "", "estimate": ""})
    assert "OUT OF DATE" not in reproduction.results_table(table, stale, 2)  # written by a step that is current
    only_estimates = replace(inputs, run=replace(inputs.run, stale_outputs=(str(project["processed"] /
                                                                              "demo_estimates"),)))
    assert "OUT OF DATE" in reproduction.results_table(table, only_estimates, 2)
    assert not reproduction.RunFacts(stale_outputs=(str(figures),)).is_stale_file(figures.parent / "demo_other")
