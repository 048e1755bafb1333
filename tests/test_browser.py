"""The reports in a real browser: headless Chromium opens them from disk, offline, without errors.

A module fixture runs one study's pipeline steps into a temporary folder (``--out``) and builds the
index there, so the test works on a fresh clone. Chromium is driven over the DevTools protocol
(``browser_devtools``, a test helper): every ``Network.requestWillBeSent`` URL must be ``file://`` or ``data:``,
and no ``console.error``, uncaught exception or browser log error may appear. Screenshots go to
``reports/screenshots/`` of the project (for people and CI artifacts) and of the temporary run.
The PDF check renders page 1 of each ``*_report.pdf`` with ``pdftoppm`` and counts non-white pixels.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from browser_devtools import Chromium, Visit, find_chromium, non_local, visit_page
from helpers.outputs import write_bytes
from helpers.paths import PIPELINE_FILE, PROJECT_ROOT, REPORTS_DIR
from helpers.report.site import build_index

STUDY = "oecd2010"  # the study whose steps the fixture runs
NO_CHROMIUM = "Chromium is not installed (Debian package 'chromium'; scripts/install_system_deps.sh installs it)"
needs_chromium = pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)


def study_steps(study: str) -> list[str]:
    """Names of the pipeline steps of ``study``, from pipeline.yaml."""
    document = yaml.safe_load(PIPELINE_FILE.read_text(encoding="utf-8"))
    return [step["name"] for step in document["steps"] if step.get("study") == study]


@pytest.fixture(scope="module")
def built_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the study's steps into a temporary folder and build its index; return its reports folder."""
    out = tmp_path_factory.mktemp("site")
    only = [argument for name in study_steps(STUDY) for argument in ("--only", name)]
    done = subprocess.run([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *only],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    build_index(out / "reports", out / "data" / "processed")
    return out / "reports"


def save_screenshot(visit: Visit, reports: Path, name: str) -> None:
    """Keep the screenshot beside the temporary reports and in the project's reports/screenshots/."""
    for folder in (reports, REPORTS_DIR):
        write_bytes(folder / "screenshots" / name, visit.screenshot)


def non_white_fraction(png: bytes, threshold: int = 245) -> float:
    """Share of pixels with any channel darker than ``threshold``."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[:threshold]) / (image.width * image.height)


def missing_local_targets(links: list[str]) -> list[str]:
    """``file://`` links whose file does not exist."""
    paths = [Path(unquote(urlparse(link).path)) for link in links if link.startswith("file://")]
    return [str(path) for path in paths if not path.is_file()]


def assert_clean_offline_visit(visit: Visit) -> None:
    assert visit.console_errors == [], visit.console_errors
    assert non_local(visit.requests) == [], f"requests outside the file system: {non_local(visit.requests)}"
    assert visit.url in visit.requests  # the observer saw the page itself
    assert visit.broken_images == [], visit.broken_images
    assert missing_local_targets(visit.links) == []
    assert non_white_fraction(visit.screenshot) > 0.02


@needs_chromium
def test_the_observer_sees_console_errors_and_network_requests(tmp_path: Path) -> None:
    """Self-check: a page that logs an error, throws and loads from the network is caught (nothing leaves)."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body><p>bad</p>'
                   '<img src="https://example.invalid/pixel.png"><img src="missing.png">'
                   '<script>console.error("boom"); throw new Error("uncaught");</script></body></html>',
                   encoding="utf-8")
    visit = visit_page(bad)
    assert non_local(visit.requests) == ["https://example.invalid/pixel.png"]
    assert any("boom" in error for error in visit.console_errors)
    assert any("uncaught" in error for error in visit.console_errors)
    assert any("missing.png" in error for error in visit.console_errors)
    assert len(visit.broken_images) == 2


@pytest.mark.slow
@needs_chromium
def test_index_and_a_reviewer_report_open_offline_without_errors(built_reports: Path) -> None:
    reviewer_pages = sorted(built_reports.glob("*.reviewer.html"))
    assert reviewer_pages, "the pipeline wrote no reviewer report"
    with Chromium() as browser:
        index = browser.visit((built_reports / "index.html").resolve().as_uri())
        report = browser.visit(reviewer_pages[0].resolve().as_uri())
    save_screenshot(index, built_reports, "index.png")
    save_screenshot(report, built_reports, reviewer_pages[0].name.removesuffix(".html") + ".png")

    assert_clean_offline_visit(index)
    figures = sorted((built_reports / "figures").rglob("*.png"))
    assert figures and {f.resolve().as_uri() for f in figures} <= set(index.requests)  # every thumbnail loaded
    assert any(link.endswith(".replicator.html") for link in index.links)
    assert_clean_offline_visit(report)


@pytest.mark.slow
@needs_chromium
def test_every_html_page_opens_offline_without_errors(built_reports: Path) -> None:
    """All reviewer and replicator reports and the logs, one browser for all."""
    pages = sorted(built_reports.glob("*.html"))
    assert len(pages) >= 4
    with Chromium() as browser:
        visits = [browser.visit(page.resolve().as_uri(), screenshot=False) for page in pages]
    problems = {
        visit.url: {"errors": visit.console_errors, "non_local_requests": non_local(visit.requests),
                    "broken_images": visit.broken_images, "missing_link_targets": missing_local_targets(visit.links)}
        for visit in visits
    }
    assert {url: p for url, p in problems.items() if any(p.values())} == {}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (Debian poppler-utils)")
def test_pdf_reports_have_a_first_page_that_is_not_blank(built_reports: Path, tmp_path: Path) -> None:
    from helpers.report.export import missing_pdf_tools

    pdfs = sorted(built_reports.glob("*_report.pdf"))
    if not pdfs and missing_pdf_tools():
        pytest.skip(f"no PDF reports: the pipeline skipped them, missing {missing_pdf_tools()}")
    assert pdfs, "the LaTeX tools are installed but the pipeline wrote no PDF report"
    for pdf in pdfs:
        stem = tmp_path / pdf.stem
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", "-singlefile", str(pdf), str(stem)],
                       check=True, timeout=120)
        fraction = non_white_fraction(stem.with_suffix(".png").read_bytes())
        assert fraction > 0.01, f"page 1 of {pdf.name} is (nearly) blank: {fraction:.2%} non-white pixels"
