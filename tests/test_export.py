"""Exports of an executed fixture notebook: reviewer/replicator HTML offline, the study export, Markdown pages."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from helpers.report import export

INJECTED_MARKER = "injected_marker_7f3a"
DEFAULT_MARKER = "default_marker_c91e"
CODE_MARKER = "code_marker_plt_subplots"
STDERR_MARKER = "stderr_marker_warning_5d2b"
UNICODE_TITLE = "Fixture study — Löffler ≥ 3 × 2"
LOG_FILE = "processed_marker.csv"

NETWORK_SCRIPT = re.compile(r"""<script[^>]*\bsrc\s*=\s*["']?\s*(https?:)?//""", re.I)
NETWORK_LINK = re.compile(r"""<link[^>]*\bhref\s*=\s*["']?\s*(https?:)?//""", re.I)


def _fixture_cells() -> list[nbformat.NotebookNode]:
    v4 = nbformat.v4
    parameters = v4.new_code_cell(f'alpha = 0.05\nlabel = "{DEFAULT_MARKER}"', metadata={"tags": ["parameters"]})
    banner = v4.new_code_cell(
        "from helpers.data.provenance import run_banner, display_table\n"
        f'run_banner("{UNICODE_TITLE}", {{"alpha": alpha, "label": label}}, True, step="fixture")'
    )
    narrative = v4.new_markdown_cell(
        "## Results\n\nA markdown table with Unicode (≥, —, ×, é in Löffler):\n\n"
        "| country | share |\n|:--|--:|\n| Deutschland | 0.42 |\n| Österreich | 0.37 |\n"
    )
    figure = v4.new_code_cell(
        "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\n"
        "import matplotlib.pyplot as plt\n"
        f"# {CODE_MARKER}\n"
        "fig, ax = plt.subplots(figsize=(4, 3))\nax.bar(['a', 'b', 'c'], [3, 1, 2], color='tab:blue')\n"
        "ax.set_title('Bars ≥ 1')\nplt.show()"
    )
    table = v4.new_code_cell(
        "import pandas as pd\n"
        "frame = pd.DataFrame({'country': ['Löffler-Land', 'B_x'], 'mean': [1.23456, 2.5], 'n': [10, 20]})\n"
        "display_table(frame, caption='Means ≥ 0 — by country')\nframe"
    )
    warning = v4.new_code_cell(
        f"import sys\nprint('{STDERR_MARKER}', file=sys.stderr)\nprint('stdout stays')\n"
        "from pathlib import Path\n"
        f"log_file = Path.cwd() / '{LOG_FILE}'\n"
        "print('wrote', log_file)\n"
        f"print('data in', Path.cwd() / 'results' / '{LOG_FILE}')"
    )
    return [parameters, banner, narrative, figure, table, warning]


@pytest.fixture(scope="session")
def executed_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture notebook executed by papermill (kernel python3) with one injected parameter."""
    papermill = pytest.importorskip("papermill")
    folder = tmp_path_factory.mktemp("fixture_nb")
    source = folder / "fixture.ipynb"
    notebook = nbformat.v4.new_notebook(cells=_fixture_cells())
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, source)
    executed = folder / "demo_fixture.ipynb"
    papermill.execute_notebook(
        str(source), str(executed), parameters={"label": INJECTED_MARKER}, kernel_name="python3",
        progress_bar=False, cwd=str(folder),
    )
    return executed


@pytest.fixture(scope="session")
def reviewer_html(executed_notebook: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("reviewer") / "fixture.reviewer.html"
    assert export.export_reviewer_html(executed_notebook, out) == out
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def replicator_html(executed_notebook: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("replicator") / "fixture.replicator.html"
    export.export_replicator_html(executed_notebook, out)
    return out.read_text(encoding="utf-8")


def _body(html_text: str) -> str:
    """The page body (the head's CSS mentions input-area class names)."""
    return html_text.split("<body", 1)[1]


def _code_cells(body: str) -> list[str]:
    """The HTML of each code cell (markdown cells legitimately use jp-InputArea)."""
    chunks = re.split(r'(?=<div class="jp-Cell )', body)
    return [chunk for chunk in chunks if chunk.startswith('<div class="jp-Cell jp-CodeCell')]


def test_fixture_notebook_has_injected_parameters(executed_notebook: Path) -> None:
    notebook = nbformat.read(executed_notebook, as_version=4)
    tags = [tag for cell in notebook.cells for tag in cell.metadata.get("tags", [])]
    assert "parameters" in tags and "injected-parameters" in tags


def test_reviewer_html_has_no_code_inputs(reviewer_html: str) -> None:
    body = _body(reviewer_html)
    assert CODE_MARKER not in body
    assert "plt.subplots" not in body
    code_cells = _code_cells(body)
    assert code_cells, "the fixture has code cells with outputs"
    for cell in code_cells:
        assert "jp-InputArea" not in cell and "input_area" not in cell
    assert "jp-InputArea-editor" not in body and "jp-InputPrompt" not in body


def test_reviewer_html_drops_parameter_cells(reviewer_html: str) -> None:
    body = _body(reviewer_html)
    assert f'label = "{INJECTED_MARKER}"' not in body
    assert f'label = "{DEFAULT_MARKER}"' not in body
    assert "alpha = 0.05" not in body


def test_reviewer_html_keeps_outputs_and_narrative(reviewer_html: str) -> None:
    body = _body(reviewer_html)
    assert "data:image/png;base64," in body
    assert "SYNTHETIC DATA" in body
    assert INJECTED_MARKER in body  # the banner shows the parameters actually used
    assert "Österreich" in body and "<table" in body
    assert "stdout stays" in body


def test_reviewer_html_strips_stderr(reviewer_html: str) -> None:
    assert STDERR_MARKER not in reviewer_html


@pytest.mark.parametrize("variant", ["reviewer_html", "replicator_html"])
def test_html_loads_nothing_from_the_network(variant: str, request: pytest.FixtureRequest) -> None:
    html_text = request.getfixturevalue(variant)
    assert not NETWORK_SCRIPT.search(html_text)
    assert not NETWORK_LINK.search(html_text)
    assert export.external_resource_references(html_text) == []
    assert "cdnjs" not in html_text and "unpkg" not in html_text


def test_replicator_html_has_code_and_injected_parameters(replicator_html: str) -> None:
    body = _body(replicator_html)
    assert CODE_MARKER in body
    assert "jp-InputArea" in body
    assert INJECTED_MARKER in body
    assert "Injected parameters" in body or "injected-parameters" in replicator_html
    assert "data:image/png;base64," in body


def test_external_resource_references_detects_cdn_tags() -> None:
    page = (
        '<script src="https://cdn.example/x.js"></script>'
        "<link rel='stylesheet' href='http://cdn.example/y.css'>"
        '<img src="//cdn.example/z.png"><script>var a = 1;</script><a href="https://ok.example">ok</a>'
    )
    assert len(export.external_resource_references(page)) == 3


def test_pages_link_to_the_index_and_the_study_report(executed_notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "demo_fixture.reviewer.html"
    export.export_reviewer_html(executed_notebook, out, study_slug="demo")
    page = out.read_text(encoding="utf-8")
    assert '<a href="index.html">' in page and 'href="demo_report.html"' in page and 'href="demo_report.pdf"' in page


def test_pages_show_no_absolute_path_and_no_log_line(executed_notebook: Path, tmp_path: Path) -> None:
    """Issue 13: papermill's parameters, printed paths and 'wrote ...' lines of the fixture (all under its folder)
    read relative to the run's folder, in both views; the log line is gone from the printed output."""
    root = executed_notebook.parent
    for view, writer in (("reviewer", export.export_reviewer_html), ("replicator", export.export_replicator_html)):
        out = tmp_path / f"{view}.html"
        writer(executed_notebook, out, path_roots=[(root, "")])
        page = out.read_text(encoding="utf-8")
        assert str(root) not in page, view
        assert f"wrote {LOG_FILE}" not in page and "wrote " + str(root) not in page, view
        assert "stdout stays" in page, view
    replicator = (tmp_path / "replicator.html").read_text(encoding="utf-8")
    assert f"results/{LOG_FILE}" in replicator  # the path printed as data, relative


def test_relative_paths_keep_other_text() -> None:
    replacements = export.path_replacements([("/srv/run/out", ""), ("/srv/run", "")])
    assert export.relative_paths('file = "/srv/run/data/raw/x.csv"', replacements) == 'file = "data/raw/x.csv"'
    assert export.relative_paths("in /srv/run/out/reports/a.html.", replacements) == "in reports/a.html."
    assert export.relative_paths("/srv/runner/x and /srv/run", replacements) == "/srv/runner/x and ."


def test_missing_pdf_tools_is_empty_with_weasyprint() -> None:
    assert export.missing_pdf_tools() == []


def test_render_markdown_page_is_standalone_and_offline(tmp_path: Path) -> None:
    source = tmp_path / "assumptions.md"
    source.write_text(
        "# Assumptions and caveats\n\n## A1 — Löffler ≥ 2\n\n| id | text |\n|--|--|\n| A1 | synthetic |\n\n"
        "See the [data log](data_log.md#sources) and <https://www.oecd.org>.\n",
        encoding="utf-8",
    )
    out = export.render_markdown_page(source, tmp_path / "assumptions.html", "Assumptions")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<table>" in page and "Löffler ≥ 2" in page
    assert 'href="data_log.html#sources"' in page
    assert 'id="a1--löffler--2"' in page or 'id="a1' in page
    assert export.external_resource_references(page) == []


def test_report_stem_does_not_repeat_the_study() -> None:
    assert export.report_stem("oecd2010", Path("build/executed/clean.ipynb")) == "oecd2010_clean"
    assert export.report_stem("oecd2010", Path("build/executed/oecd2010_clean.ipynb")) == "oecd2010_clean"


def test_export_study_writes_all_reports(executed_notebook: Path, tmp_path: Path) -> None:
    assumptions = tmp_path / "assumptions.md"
    assumptions.write_text("# Assumptions\n\nAll respondent-level data are synthetic.\n", encoding="utf-8")
    reports = tmp_path / "reports"
    result = export.export_study([executed_notebook], reports, "demo", UNICODE_TITLE, assumptions_md=assumptions)
    names = sorted(path.name for path in reports.iterdir())
    expected = ["assumptions.html", "demo_fixture.replicator.html", "demo_fixture.reviewer.html", "demo_report.html"]
    if not export.missing_pdf_tools():
        expected += ["demo_report.pdf", "previews"]
        assert sorted(path.name for path in (reports / "previews").iterdir())[0] == "demo_report-1.png"
    assert names == sorted(expected)
    assert set(result.seconds) >= {"demo_fixture.reviewer", "demo_fixture.replicator", "report", "assumptions"}
    assert not [name for name in names if name.endswith(".part")]


def test_export_study_marks_docs_pages_synthetic(executed_notebook: Path, tmp_path: Path) -> None:
    assumptions = tmp_path / "assumptions.md"
    assumptions.write_text("# Assumptions\n", encoding="utf-8")
    export.export_study([executed_notebook], tmp_path / "reports", "demo", "Demo", assumptions_md=assumptions)
    assert "SYNTHETIC DATA" in (tmp_path / "reports" / "assumptions.html").read_text(encoding="utf-8")


def test_export_study_refuses_notebooks_without_banner(tmp_path: Path) -> None:
    plain = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# No banner")]), plain)
    with pytest.raises(ValueError, match="no run banner"):
        export.export_study([plain], tmp_path / "reports", "demo", "Demo")
    assert not (tmp_path / "reports").exists()


def test_a_failed_study_export_is_one_line_per_study_and_the_others_still_export(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export of one study fails: the others are exported, the index is written, and ExportError names
    the failed study with its traceback saved in build/export_<study>.log (one worker and two)."""
    from types import SimpleNamespace

    from helpers.report import reporting

    def fake_export(executed: list[Path], reports_dir: Path, study: str, with_logs: bool,
                    run_block: object = None, processed_dir: object = None) -> list[Path]:
        if study == "broken":
            raise ValueError("no run banner in broken_clean.ipynb")
        report = reports_dir / f"{study}.reviewer.html"
        report.write_text("<html></html>", encoding="utf-8")
        return [report]

    monkeypatch.setattr(reporting, "export_one_study", fake_export)
    monkeypatch.setattr(reporting, "expected_outputs", lambda executed, reports_dir, study: [])
    for jobs, studies in ((1, ["broken"]), (1, ["broken", "fine"])):
        root = tmp_path / f"jobs{jobs}_{len(studies)}"
        locations = SimpleNamespace(build=root / "build", executed=root / "build" / "executed",
                                    reports=root / "reports", processed=root / "processed")
        for folder in (locations.executed, locations.reports, locations.processed):
            folder.mkdir(parents=True)
        steps = [SimpleNamespace(study=study, name=f"{study}_clean") for study in studies]
        for step in steps:
            (locations.executed / f"{step.name}.ipynb").write_text("{}", encoding="utf-8")
        with pytest.raises(reporting.ExportError) as caught:
            reporting.export_reports(steps, [], locations, say=lambda *_: None, jobs=jobs)
        message = str(caught.value)
        assert message.startswith("export broken failed: ValueError: no run banner in broken_clean.ipynb")
        assert len(message.splitlines()) == 1
        log = locations.build / "export_broken.log"
        assert "Traceback" in log.read_text(encoding="utf-8") and "fake_export" in log.read_text(encoding="utf-8")
        assert (locations.reports / "index.html").is_file()
        state = reporting.read_export_state(locations.build)
        assert "broken" not in state
        assert ("fine" in state) == ("fine" in studies)
        assert (locations.reports / "fine.reviewer.html").is_file() == ("fine" in studies)


def test_notebook_links_to_the_docs_point_at_the_pages_rendered_beside_the_reports() -> None:
    from helpers.report.markup import docs_links_as_pages

    page = ('<a href="../docs/glossary.md#design-effect">deff</a> <a href="../docs/assumptions.md">log</a> '
            '<a href="../docs/adapting.md">adapting</a>')
    assert docs_links_as_pages(page) == ('<a href="glossary.html#design-effect">deff</a> '
                                         '<a href="assumptions.html">log</a> <a href="../docs/adapting.md">adapting</a>')
