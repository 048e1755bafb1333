"""Issue 13's acceptance, end to end: the pipeline runs the OECD and EU studies into a fresh folder (the OECD study
at a 90% confidence level, not pipeline.yaml's 95%), and every report is read as a reviewer would read it: each
study's PDF is A4, every table's header row is whole in ``pdftotext -layout``, no word's box lies outside the text
area, no page ends with a lone heading or holds a single table row, every figure's smallest text is at least 7 pt
as printed; no report (HTML or PDF) shows an absolute path or ``p = 0``; ``reports/previews`` holds PNGs of each
PDF's first pages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import pdf_checks
from helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

STEPS = ["oecd2010_clean", "oecd2010_figures", "oecd2010_scorecard",
         "eu2008_clean", "eu2008_estimates", "eu2008_figures", "eu2008_scorecard", "eu2008_sensitivity"]
STUDIES = ("oecd2010", "eu2008")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("acceptance") / "out"
    only = [option for step in STEPS for option in ("--only", step)]
    done = subprocess.run([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(folder), *only,
                           "-p", "oecd2010.confidence_level=0.9"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return folder


@pytest.mark.parametrize("study", STUDIES)
def test_the_pdf_reads_cleanly(out: Path, study: str) -> None:
    reports = out / "reports"
    pdf, html_text = reports / f"{study}_report.pdf", (reports / f"{study}_report.html").read_text(encoding="utf-8")
    assert all(pdf_checks.is_a4(size) for size in pdf_checks.page_sizes(pdf))
    assert pdf_checks.header_rows_not_whole(pdf, html_text) == []
    assert pdf_checks.words_outside_text_area(pdf) == []
    assert pdf_checks.layout_problems(html_text, reports) == []
    assert sorted(path.name for path in (reports / "previews").glob(f"{study}_report-*.png")) == [
        f"{study}_report-{page}.png" for page in (1, 2, 3)]


@pytest.mark.parametrize("study", STUDIES)
def test_every_figure_prints_its_smallest_text_at_7_pt_or_more(out: Path, study: str) -> None:
    """Computed from each figure's drawn size (its SVG) and the width the report prints it at."""
    reports = out / "reports"
    fonts = pdf_checks.printed_fonts((reports / f"{study}_report.html").read_text(encoding="utf-8"), reports)
    assert fonts
    small = [(font.figure, round(font.smallest_printed_pt, 1)) for font in fonts if font.smallest_printed_pt < 7]
    assert small == []


def test_no_report_shows_an_absolute_path_or_p_zero(out: Path) -> None:
    reports = out / "reports"
    documents = {page.name: page.read_text(encoding="utf-8") for page in sorted(reports.glob("*.html"))}
    for study in STUDIES:
        documents[f"{study}_report.pdf"] = "\n".join(pdf_checks.layout_pages(reports / f"{study}_report.pdf"))
    assert len(documents) >= 2 * len(STEPS) + 3
    for name, text in documents.items():
        assert pdf_checks.absolute_paths(text, [out, PROJECT_ROOT]) == [], name
        assert pdf_checks.p_zero(text) == [], name


def test_the_changed_level_is_on_the_title_page_and_in_the_intervals(out: Path) -> None:
    pages = pdf_checks.layout_pages(out / "reports" / "oecd2010_report.pdf")
    first = " ".join(pages[0].split())
    assert "confidence_level = 0.9 (pipeline.yaml: 0.95)" in first
    text = " ".join(" ".join(pages).split())
    assert re.search(r"90% CI \d", text) and not re.search(r"95% CI \d", text)  # every interval at its level
    eu = " ".join(pdf_checks.layout_pages(out / "reports" / "eu2008_report.pdf")[0].split())
    assert "Parameters: all as in pipeline.yaml" in eu
