"""The reports in a real browser: headless Chromium opens them from disk, offline, without errors.

A module fixture runs one study's pipeline steps into a temporary folder (``--out``) and builds the
index there, so the test works on a fresh clone. Debian's Chromium is driven by Playwright (its
``executable_path``; Playwright's own browser builds are never downloaded). Each page is opened in a fresh
browser context that records every request, and every ``http(s)``/``ws(s)``/``ftp`` request is aborted inside
the browser so that no test touches the network (it is still recorded and fails the test). A visit fails on
any request outside ``file://`` or ``data:``, any ``console.error``/``console.assert``, uncaught exception or
failed load, a broken image, or a ``file://`` link to a missing file. Screenshots are written to
``build/screenshots/`` of the temporary run (pytest keeps the last three temporary folders), never to the
project's ``reports/``. The PDF check renders page 1 of each ``*_report.pdf`` with ``pdftoppm`` and counts
non-white pixels.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Request, Route, sync_playwright

from helpers.outputs import write_bytes
from helpers.paths import PIPELINE_FILE, PROJECT_ROOT
from helpers.report.site import build_index

STUDY = "oecd2010"  # the study whose steps the fixture runs
CHROMIUM = shutil.which("chromium")  # Debian's package; scripts/install_system_deps.sh installs it
NO_CHROMIUM = "Chromium is not installed (Debian package 'chromium'; scripts/install_system_deps.sh installs it)"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
# Chromium as root needs --no-sandbox (Playwright passes it); the others keep it from calling home.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-default-apps"]
NETWORK_URL = re.compile(r"^(https?|wss?|ftp)://", re.IGNORECASE)
LOCAL_URL_PREFIXES = ("file://", "data:")
VIEWPORT = {"width": 1280, "height": 900}
MAX_SCREENSHOT_HEIGHT = 12000  # CSS pixels; longer pages are cut in the screenshot only


def study_steps(study: str) -> list[str]:
    """Names of the pipeline steps of ``study``, from pipeline.yaml."""
    document = yaml.safe_load(PIPELINE_FILE.read_text(encoding="utf-8"))
    return [step["name"] for step in document["steps"] if step.get("study") == study]


def non_local(urls: list[str]) -> list[str]:
    """The URLs that are neither ``file://`` nor ``data:``."""
    return [url for url in urls if not url.startswith(LOCAL_URL_PREFIXES)]


@dataclass
class Visit:
    """What one page load showed."""

    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def console_error_text(message: ConsoleMessage) -> str | None:
    """``console.error``/``console.assert`` as text with the page location, or None for other messages."""
    if message.type not in ("error", "assert"):
        return None
    location = message.location.get("url", "")
    return f"console.{message.type}: {message.text}" + (f" ({location})" if location else "")


def abort_network_request(route: Route) -> None:
    """Keep the test offline: the request is recorded by the page's listener, then refused."""
    route.abort("blockedbyclient")


def visit(browser: Browser, url: str, *, screenshot: bool = True, settle_ms: int = 300) -> Visit:
    """Open ``url`` in a fresh context; return its requests, errors, links and (optionally) a full-page PNG."""
    seen = Visit(url=url)
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    try:
        context.route(NETWORK_URL, abort_network_request)
        page = context.new_page()
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("console", lambda message: (text := console_error_text(message)) and seen.console_errors.append(text))
        page.on("pageerror", lambda error: seen.console_errors.append(f"exception: {error}"))
        page.on("requestfailed",
                lambda request: seen.console_errors.append(f"failed to load {request.url}: {failure(request)}"))
        page.goto(url, wait_until="load", timeout=30_000)
        page.wait_for_load_state("networkidle", timeout=30_000)
        page.wait_for_timeout(settle_ms)  # late console messages and requests
        seen.broken_images = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        seen.links = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        if screenshot:
            height = min(MAX_SCREENSHOT_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
            seen.screenshot = page.screenshot(full_page=True,
                                              clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})
    finally:
        context.close()
    return seen


def failure(request: Request) -> str:
    """Why a request failed, as Chromium says it."""
    return request.failure or "unknown error"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, started once for the module."""
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the study's steps into a temporary folder and build its index; return that folder."""
    out = tmp_path_factory.mktemp("site")
    only = [argument for name in study_steps(STUDY) for argument in ("--only", name)]
    done = subprocess.run([sys.executable, "-m", "helpers.pipeline", "run", "--out", str(out), *only],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    build_index(out / "reports", out / "data" / "processed")
    return out


@pytest.fixture(scope="module")
def built_reports(run_folder: Path) -> Path:
    return run_folder / "reports"


def save_screenshot(seen: Visit, run: Path, name: str) -> Path:
    """Keep the screenshot in the temporary run's build/screenshots/ (for people and CI artifacts)."""
    target = run / "build" / "screenshots" / name
    write_bytes(target, seen.screenshot)
    return target


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


def assert_clean_offline_visit(seen: Visit) -> None:
    assert seen.console_errors == [], seen.console_errors
    assert non_local(seen.requests) == [], f"requests outside the file system: {non_local(seen.requests)}"
    assert seen.url in seen.requests  # the observer saw the page itself
    assert seen.broken_images == [], seen.broken_images
    assert missing_local_targets(seen.links) == []
    assert non_white_fraction(seen.screenshot) > 0.02


@needs_chromium
def test_the_observer_sees_console_errors_and_network_requests(browser: Browser, tmp_path: Path) -> None:
    """Self-check: a page that logs an error, throws and loads from the network is caught (nothing leaves)."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body><p>bad</p>'
                   '<img src="https://example.invalid/pixel.png"><img src="missing.png">'
                   '<a href="gone.html">gone</a>'
                   '<script>console.error("boom"); throw new Error("uncaught");</script></body></html>',
                   encoding="utf-8")
    seen = visit(browser, bad.resolve().as_uri())
    assert non_local(seen.requests) == ["https://example.invalid/pixel.png"]
    assert bad.resolve().as_uri() in seen.requests
    assert any("boom" in error for error in seen.console_errors)
    assert any("uncaught" in error for error in seen.console_errors)
    assert any("missing.png" in error for error in seen.console_errors)
    assert any("example.invalid" in error and "BLOCKED_BY_CLIENT" in error for error in seen.console_errors)
    assert len(seen.broken_images) == 2
    assert missing_local_targets(seen.links) == [str(tmp_path.resolve() / "gone.html")]
    assert non_white_fraction(seen.screenshot) > 0


@needs_chromium
def test_a_clean_local_page_passes_every_check(browser: Browser, tmp_path: Path) -> None:
    """The other side of the self-check: a page with a local image, a data: image and a local link is clean."""
    from PIL import Image

    Image.new("RGB", (600, 200), "navy").save(tmp_path / "dot.png")
    (tmp_path / "other.html").write_text("<!DOCTYPE html><title>other</title>", encoding="utf-8")
    page = tmp_path / "good.html"
    page.write_text('<!DOCTYPE html><html><head><title>good</title><link rel="icon" href="data:,"></head><body>'
                    '<h1>A heading</h1><img src="dot.png"><a href="other.html">other</a>'
                    '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">'
                    '<script>console.log("fine")</script></body></html>', encoding="utf-8")
    seen = visit(browser, page.resolve().as_uri())
    assert_clean_offline_visit(seen)
    assert (tmp_path / "dot.png").resolve().as_uri() in seen.requests


@pytest.mark.slow
@needs_chromium
def test_index_and_a_reviewer_report_open_offline_without_errors(browser: Browser, run_folder: Path,
                                                                  built_reports: Path) -> None:
    reviewer_pages = sorted(built_reports.glob("*.reviewer.html"))
    assert reviewer_pages, "the pipeline wrote no reviewer report"
    index = visit(browser, (built_reports / "index.html").resolve().as_uri())
    report = visit(browser, reviewer_pages[0].resolve().as_uri())
    shots = [save_screenshot(index, run_folder, "index.png"),
             save_screenshot(report, run_folder, reviewer_pages[0].name.removesuffix(".html") + ".png")]
    assert all(shot.is_file() and shot.stat().st_size > 0 for shot in shots)
    assert not (built_reports / "screenshots").exists()  # the reports folder holds reports only

    assert_clean_offline_visit(index)
    figures = sorted((built_reports / "figures").rglob("*.png"))
    assert figures and {f.resolve().as_uri() for f in figures} <= set(index.requests)  # every thumbnail loaded
    assert any(link.endswith(".replicator.html") for link in index.links)
    assert_clean_offline_visit(report)


@pytest.mark.slow
@needs_chromium
def test_every_html_page_opens_offline_without_errors(browser: Browser, built_reports: Path) -> None:
    """All reviewer and replicator reports and the logs, one browser for all."""
    pages = sorted(built_reports.glob("*.html"))
    assert len(pages) >= 4
    visits = [visit(browser, page.resolve().as_uri(), screenshot=False) for page in pages]
    problems = {
        seen.url: {"errors": seen.console_errors, "non_local_requests": non_local(seen.requests),
                   "broken_images": seen.broken_images, "missing_link_targets": missing_local_targets(seen.links),
                   "page_not_requested": [] if seen.url in seen.requests else [seen.url]}
        for seen in visits
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
