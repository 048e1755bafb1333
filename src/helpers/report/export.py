"""Turn executed notebooks into reports that open offline: reviewer HTML, replicator HTML, PDF.

Report files (flat in ``reports/``, so that the banner's relative links ``assumptions.html`` and
``run_manifest.json`` resolve from every report, HTML or PDF):

* ``<study>_<step>.reviewer.html``: outputs and narrative only. No code, no prompts, no
  ``parameters`` / ``injected-parameters`` cells, no stderr streams (warnings).
* ``<study>_<step>.replicator.html``: everything, code and papermill's injected parameters included.
* ``<study>_report.html`` and ``<study>_report.pdf``: the study's reproduction report, built from its data
  products (:mod:`helpers.report.reproduction`), HTML and the same document as an A4 PDF (WeasyPrint), with
  PNG renderings of the PDF's first pages in ``previews/``.
* ``assumptions.html`` / ``data_log.html``: the docs logs as standalone pages
  (:func:`render_markdown_page`).

``<step>`` is the executed notebook's file stem; when the stem already starts with
``<study>_`` it is used as is. Every file is written atomically (``helpers.outputs``).

Run record: given a ``run_block`` (:class:`helpers.report.runinfo.RunBlock`), every page shows the study's run
record (when it was computed, the commit, the data origin, non-default parameters, out-of-date steps) below the
notebook's title (:func:`with_run_block`), and the reproduction report shows it on its title page. Every page
links back to ``index.html`` and to its study's reproduction report (:func:`with_navigation`).

Readers see no absolute path of the machine and no log line: every text of a page (outputs, sources,
papermill's parameters) has the project's folder and the output folder of the run replaced by relative paths,
and ``wrote ...`` lines are taken out of printed output (:func:`for_readers`).

Offline guarantee: the HTML uses the template ``templates/offline_html`` (nbconvert's ``lab``
template without require.js, mermaid and the widget manager, which it loads from CDNs). MathJax is
left out unless ``mathjax_url`` points at a local or relative copy; without it TeX stays readable
as source text (the notebooks of this compendium show tables and figures, not equations).
Images are embedded as data URIs. :func:`external_resource_references` checks every written page
and the export fails if a page would load anything from the network.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from helpers.outputs import write_text
from helpers.report.markup import (  # noqa: F401  (re-exported: they used to live here)
    _require_offline,
    docs_links_as_pages,
    external_resource_references,
    heading_slug,
    markdown_to_html_fragment,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = "offline_html"

PARAMETER_CELL_TAGS = frozenset({"parameters", "injected-parameters"})
ALWAYS_REMOVED_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})
REVIEWER_REMOVED_CELL_TAGS = PARAMETER_CELL_TAGS | ALWAYS_REMOVED_CELL_TAGS

# Debian's libjs-mathjax; only useful for reports read on the machine that built them.
DEBIAN_MATHJAX_URL = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML"

PDF_TOOLS_HINT = "install the Python dependencies (make env) and Debian's libpango-1.0-0 libpangoft2-1.0-0"



# --------------------------------------------------------------------------------------------
# notebook preparation (pure functions on copies)
# --------------------------------------------------------------------------------------------


def read_notebook(path: str | os.PathLike[str]) -> NotebookNode:
    """Read a notebook file as nbformat v4."""
    return nbformat.read(str(path), as_version=4)


def _as_notebook(notebook: str | os.PathLike[str] | NotebookNode) -> NotebookNode:
    """A private copy of ``notebook`` (a path or a node), so exports never mutate their input."""
    if isinstance(notebook, NotebookNode):
        return copy.deepcopy(notebook)
    return read_notebook(notebook)


def _cell_tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def without_tagged_cells(notebook: NotebookNode, tags: frozenset[str] | set[str]) -> NotebookNode:
    """A copy of ``notebook`` without the cells carrying any of ``tags``."""
    trimmed = copy.deepcopy(notebook)
    trimmed.cells = [cell for cell in trimmed.cells if not (_cell_tags(cell) & set(tags))]
    return trimmed


def without_stderr_streams(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` without stderr stream outputs (warnings); errors are kept."""
    cleaned = copy.deepcopy(notebook)
    for cell in cleaned.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                output
                for output in cell.outputs
                if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
            ]
    return cleaned


def reviewer_notebook(notebook: NotebookNode) -> NotebookNode:
    """The reviewer's view of ``notebook``: no parameter cells, no removed cells, no stderr."""
    return without_stderr_streams(without_tagged_cells(notebook, REVIEWER_REMOVED_CELL_TAGS))


def replicator_notebook(notebook: NotebookNode) -> NotebookNode:
    """The replicator's view: everything except cells explicitly tagged ``remove-cell``."""
    return with_stable_injected_cell_id(without_tagged_cells(notebook, ALWAYS_REMOVED_CELL_TAGS))


def with_stable_injected_cell_id(notebook: NotebookNode) -> NotebookNode:
    """A copy whose papermill ``injected-parameters`` cell has a fixed id (papermill draws a random one each
    run), so the same run gives the same page."""
    stable = copy.deepcopy(notebook)
    for position, cell in enumerate(stable.cells):
        if "injected-parameters" in _cell_tags(cell):
            cell.id = f"injected-parameters-{position}"
    return stable


TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")
LOG_LINE = re.compile(r"^\s*(?:wrote|writing|written|saved|saving)\b[^\n]*(?:/|\\)[^\n]*(?:\n|$)", re.I | re.M)


def path_replacements(roots: Sequence[tuple[str | os.PathLike[str], str]]) -> list[tuple[str, str]]:
    """(absolute prefix, shown as) pairs, longest first: each root as given and resolved (symbolic links)."""
    pairs: dict[str, str] = {}
    for root, shown in roots:
        for variant in {str(root), str(Path(root).resolve())}:
            if variant and variant != "/":
                pairs.setdefault(variant.rstrip("/"), shown)
    return sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)


def relative_paths(text: str, replacements: Sequence[tuple[str, str]]) -> str:
    """``text`` with every absolute path under a root shown relative to it (``/x/proj/data/raw`` -> ``data/raw``;
    the root itself as its label, ``.`` for the project)."""
    for prefix, shown in replacements:
        pattern = re.compile(re.escape(prefix) + r"(?P<rest>/[^\s\"'<>)\],;]*)?(?![\w.-])")
        text = pattern.sub(lambda m, s=shown: (f"{s}/" if s not in ("", ".") else "") + m.group("rest").lstrip("/")
                           if m.group("rest") and m.group("rest") != "/" else (s or "."), text)
    return text


def _map_text(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_text(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _map_text(item, change) for key, item in value.items()}
    return value


def for_readers(notebook: NotebookNode, roots: Sequence[tuple[str | os.PathLike[str], str]]) -> NotebookNode:
    """A copy fit for readers: absolute paths under ``roots`` shown relative (in sources, text outputs, streams,
    errors and papermill's parameter metadata) and log lines (``wrote .../processed/...``) taken out of printed
    output. Images are left alone."""
    replacements = path_replacements(roots)
    cleaned = copy.deepcopy(notebook)

    def change(text: str) -> str:
        return relative_paths(text, replacements)

    for cell in cleaned.cells:
        cell.source = change(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = change(LOG_LINE.sub("", "".join(output.get("text", ""))))
            if output.get("output_type") == "error":
                output["traceback"] = [change(line) for line in output.get("traceback", [])]
                output["evalue"] = change(output.get("evalue", ""))
            data = output.get("data", {})
            for mimetype in TEXT_MIMETYPES:
                if mimetype in data:
                    data[mimetype] = _map_text(data[mimetype], change)
        cell.outputs = [output for output in cell.get("outputs", [])
                        if not (output.get("output_type") == "stream" and not "".join(output.get("text", "")).strip())]
    papermill = cleaned.metadata.get("papermill")
    if isinstance(papermill, dict):
        cleaned.metadata["papermill"] = _map_text(papermill, change)
    return cleaned


NAVIGATION_CELL_ID = "report-nav"


def navigation_html(study_slug: str) -> str:
    """Links from a step's page back to the index and to its study's reproduction report."""
    return (f'<nav class="report-nav" style="font-size:0.92em;margin:0 0 0.8em 0;"><a href="index.html">'
            f"\u2190 All reports (index)</a> \u00b7 <a href=\"{study_slug}_report.html\">Reproduction report of this "
            f'study</a> (<a href="{study_slug}_report.pdf">PDF</a>)</nav>')


def with_navigation(notebook: NotebookNode, study_slug: str | None) -> NotebookNode:
    """A copy with the navigation links (:func:`navigation_html`) as the first cell (HTML pages only)."""
    marked = copy.deepcopy(notebook)
    if not study_slug:
        return marked
    cell = nbformat.v4.new_raw_cell(navigation_html(study_slug), metadata={"raw_mimetype": "text/html"})
    cell.id = NAVIGATION_CELL_ID
    marked.cells.insert(0, cell)
    return marked


RUN_BLOCK_CELL_ID = "run-record"


def with_run_block(notebook: NotebookNode, run_block: Any | None, *, after_title: bool = True) -> NotebookNode:
    """A copy of ``notebook`` with the run record (``run_block.html`` / ``.latex``) as raw cells near the top.

    With ``after_title`` they go after the first cell when it is the notebook's title (a Markdown cell
    starting with ``#``), else first. A raw cell shows only in the format of its mimetype: the HTML one in
    the pages, the LaTeX one in the PDF.
    """
    marked = copy.deepcopy(notebook)
    if run_block is None:
        return marked
    cells = [nbformat.v4.new_raw_cell(run_block.html, metadata={"raw_mimetype": "text/html"}),
             nbformat.v4.new_raw_cell(run_block.latex, metadata={"raw_mimetype": "text/latex"})]
    for position, cell in enumerate(cells):
        cell.id = f"{RUN_BLOCK_CELL_ID}-{position}"
    first = marked.cells[0] if marked.cells else None
    titled = first is not None and first.cell_type == "markdown" and first.source.lstrip().startswith("#")
    at = 1 if after_title and titled else 0
    marked.cells[at:at] = cells
    return marked


def data_notices(notebook: NotebookNode) -> set[str]:
    """The data notices the notebook's outputs show: any of ``'synthetic'``, ``'real'``, ``'not declared'``."""
    from helpers.data.provenance import DATA_NOTICE_MARKERS

    found: set[str] = set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = " ".join(str(value) for value in output.get("data", {}).values())
            found.update(origin for origin, marker in DATA_NOTICE_MARKERS.items() if marker in text)
    return found


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _html_exporter(*, include_code: bool, mathjax_url: str | None) -> Any:
    """nbconvert's HTMLExporter on the offline template."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=HTML_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=not include_code,
        exclude_input_prompt=not include_code,
        exclude_output_prompt=not include_code,
        embed_images=True,
        mathjax_url=mathjax_url or "",
        require_js_url="",
        mermaid_js_url="",
        mermaid_layout_elk_js_url="",
    )


def _notebook_resources(name: str, folder: Path | None) -> dict[str, Any]:
    """nbconvert resources: the document name, and the folder relative image paths resolve in."""
    return {"metadata": {"name": name, "path": str(folder or Path.cwd())}}


def _source_folder(notebook: str | os.PathLike[str] | NotebookNode) -> Path | None:
    return None if isinstance(notebook, NotebookNode) else Path(notebook).resolve().parent


def _document_name(notebook: NotebookNode, source: str | os.PathLike[str] | NotebookNode, title: str | None) -> str:
    if title:
        return title
    if notebook.metadata.get("title"):
        return str(notebook.metadata["title"])
    return "report" if isinstance(source, NotebookNode) else Path(source).stem


def default_path_roots(out_html: str | os.PathLike[str] | None = None) -> list[tuple[Path, str]]:
    """The folders whose absolute paths a page shows relative: the run's output folder (the parent of the
    reports folder the page is written to) and the project."""
    from helpers.paths import PROJECT_ROOT

    roots = [(Path(out_html).resolve().parent.parent, "")] if out_html is not None else []
    return [*roots, (PROJECT_ROOT, "")]


def _export_html(
    source: str | os.PathLike[str] | NotebookNode,
    out_html: str | os.PathLike[str],
    *,
    reviewer: bool,
    title: str | None,
    mathjax_url: str | None,
    run_block: Any | None = None,
    study_slug: str | None = None,
    path_roots: Sequence[tuple[str | os.PathLike[str], str]] | None = None,
) -> Path:
    roots = default_path_roots(out_html) if path_roots is None else path_roots
    original = with_navigation(with_run_block(_as_notebook(source), run_block), study_slug)
    original = for_readers(original, roots)
    notebook = reviewer_notebook(original) if reviewer else replicator_notebook(original)
    exporter = _html_exporter(include_code=not reviewer, mathjax_url=mathjax_url)
    resources = _notebook_resources(_document_name(original, source, title), _source_folder(source))
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    body = relative_paths(body, path_replacements(roots))  # the page's own title and metadata too
    body = docs_links_as_pages(body)
    target = Path(out_html)
    _require_offline(body, target)
    return write_text(target, body)


def export_reviewer_html(
    executed_nb: str | os.PathLike[str] | NotebookNode,
    out_html: str | os.PathLike[str],
    *,
    title: str | None = None,
    mathjax_url: str | None = None,
    run_block: Any | None = None,
    study_slug: str | None = None,
    path_roots: Sequence[tuple[str | os.PathLike[str], str]] | None = None,
) -> Path:
    """Write the reviewer's offline HTML: outputs and narrative, no code, no parameter cells, no stderr; linked
    to the index and the study's report when ``study_slug`` is given; paths under ``path_roots`` (default: the
    output folder and the project, :func:`default_path_roots`) shown relative."""
    return _export_html(executed_nb, out_html, reviewer=True, title=title, mathjax_url=mathjax_url,
                        run_block=run_block, study_slug=study_slug, path_roots=path_roots)


def export_replicator_html(
    executed_nb: str | os.PathLike[str] | NotebookNode,
    out_html: str | os.PathLike[str],
    *,
    title: str | None = None,
    mathjax_url: str | None = None,
    run_block: Any | None = None,
    study_slug: str | None = None,
    path_roots: Sequence[tuple[str | os.PathLike[str], str]] | None = None,
) -> Path:
    """Write the replicator's offline HTML: code, prompts, papermill's injected parameters, outputs."""
    return _export_html(executed_nb, out_html, reviewer=False, title=title, mathjax_url=mathjax_url,
                        run_block=run_block, study_slug=study_slug, path_roots=path_roots)


# --------------------------------------------------------------------------------------------
# PDF (WeasyPrint)
# --------------------------------------------------------------------------------------------


def missing_pdf_tools() -> list[str]:
    """What the PDF route needs and lacks: WeasyPrint (a Python dependency) and the Pango libraries it loads."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return [f"weasyprint ({error})"]
    return []


# --------------------------------------------------------------------------------------------
# Markdown pages (docs/assumptions.md, docs/data_log.md)
# --------------------------------------------------------------------------------------------

_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; line-height: 1.5;
       color: #1f1f1f; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5em; }
table { border-collapse: collapse; margin: 1em 0; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #c8c8c8; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
code, pre { font-family: "DejaVu Sans Mono", monospace; background: #f6f6f6; }
pre { padding: 0.6em; overflow-x: auto; }
.data-notice { padding: 0.8em 1em; margin: 0.5em 0 1em 0; font-weight: bold; border: 3px solid #b00020;
               background: #fdecea; color: #7a0014; }
blockquote { border-left: 4px solid #c8c8c8; margin-left: 0; padding-left: 1em; color: #444; }
"""

def standalone_html_page(title: str, body_html: str, notice: str | None = None) -> str:
    """A complete, self-contained HTML page around ``body_html``, with ``notice`` boxed on top."""
    import html

    if notice:
        body_html = f'<div class="data-notice" role="note">{html.escape(notice)}</div>\n{body_html}'
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body_html}\n</main>\n</body>\n</html>\n"
    )


def render_markdown_page(
    md_file: str | os.PathLike[str],
    out_html: str | os.PathLike[str],
    title: str,
    *,
    notice: str | None = None,
) -> Path:
    """Render a Markdown file to a standalone offline HTML page; links to ``x.md`` become ``x.html``.

    ``notice`` (e.g. :data:`helpers.data.provenance.SYNTHETIC_DATA_NOTICE`) is shown boxed above the text.
    """
    source = Path(md_file)
    page = standalone_html_page(title, markdown_to_html_fragment(source.read_text(encoding="utf-8")), notice)
    target = Path(out_html)
    _require_offline(page, target)
    return write_text(target, page)


# --------------------------------------------------------------------------------------------
# a whole study
# --------------------------------------------------------------------------------------------


def report_stem(study_slug: str, executed_nb: str | os.PathLike[str]) -> str:
    """``<study>_<step>`` for an executed notebook (the step is the file stem, not repeated)."""
    step = Path(executed_nb).stem
    return step if step == study_slug or step.startswith(f"{study_slug}_") else f"{study_slug}_{step}"


def study_report_paths(executed_nbs: Sequence[str | os.PathLike[str]], reports_dir: str | os.PathLike[str],
                       study_slug: str) -> dict[str, Path]:
    """The files :func:`export_study` writes, keyed ``'<stem>.reviewer'``, ``'<stem>.replicator'``, ``'html'``
    (the reproduction report) and ``'pdf'`` (the same as PDF)."""
    folder = Path(reports_dir)
    paths: dict[str, Path] = {}
    for executed_nb in executed_nbs:
        stem = report_stem(study_slug, executed_nb)
        paths[f"{stem}.reviewer"] = folder / f"{stem}.reviewer.html"
        paths[f"{stem}.replicator"] = folder / f"{stem}.replicator.html"
    paths["html"] = folder / f"{study_slug}_report.html"
    paths["pdf"] = folder / f"{study_slug}_report.pdf"
    return paths


PREVIEWS_FOLDER = "previews"


@dataclass
class StudyExport:
    """What :func:`export_study` wrote and how long each file took (seconds)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _timed(result: StudyExport, label: str, action: Any) -> Any:
    started = time.perf_counter()
    produced = action()
    elapsed = time.perf_counter() - started
    result.seconds[label] = round(elapsed, 2)
    if produced is None:
        result.skipped.append(label)
        return produced
    files = produced if isinstance(produced, list) else [produced]
    result.written.extend(Path(path) for path in files)
    for path in files:
        print(f"wrote {path} ({elapsed:.1f} s)")
    return produced


def _synthetic_notice() -> str:
    from helpers.data.provenance import SYNTHETIC_DATA_NOTICE

    return SYNTHETIC_DATA_NOTICE


def reproduction_report(
    reports_dir: Path,
    study_slug: str,
    title: str,
    *,
    processed_dir: Path | None,
    run_block: Any | None,
    parameters: Mapping[str, Any] | None = None,
    pages: Sequence[str] = (),
    pdf: bool = True,
) -> list[Path]:
    """Write the study's reproduction report (:mod:`helpers.report.reproduction`): HTML, the PDF (unless ``pdf``
    is False or WeasyPrint is missing) and PNG previews of its first pages."""
    from helpers import paths as project
    from helpers.report import reproduction
    from helpers.report.contents import contents_for

    facts = reproduction.RunFacts(
        lines=tuple(getattr(run_block, "lines", ()) or ()),
        origin=getattr(run_block, "origin", "unknown") or "unknown",
        computed=getattr(run_block, "computed", "not recorded") or "not recorded",
        commit=getattr(run_block, "commit", "not recorded") or "not recorded",
        alarming=bool(getattr(run_block, "alarming", False)),
        parameters=dict(parameters or getattr(run_block, "parameters", {}) or {}),
        stale_outputs=tuple(getattr(run_block, "stale_outputs", ()) or ()),
    )
    inputs = reproduction.ReportInputs(
        study=study_slug, title=title, reports_dir=Path(reports_dir),
        processed_dir=Path(processed_dir) if processed_dir is not None else project.PROCESSED_DIR,
        claims_file=project.CLAIMS_FILE, assumptions_file=project.ASSUMPTIONS_LOG,
        citation_file=project.PROJECT_ROOT / "CITATION.cff", run=facts)
    targets = study_report_paths([], reports_dir, study_slug)
    make_pdf = pdf and not missing_pdf_tools()
    if pdf and not make_pdf:
        print(f"PDF skipped: {missing_pdf_tools()[0]}; {PDF_TOOLS_HINT}")
    return reproduction.write_report(inputs, contents_for(study_slug), targets["html"],
                                     targets["pdf"] if make_pdf else None, pages,
                                     Path(reports_dir) / PREVIEWS_FOLDER if make_pdf else None)


def export_study(
    executed_nbs: Sequence[str | os.PathLike[str]],
    reports_dir: str | os.PathLike[str],
    study_slug: str,
    title: str,
    *,
    assumptions_md: str | os.PathLike[str] | None = None,
    data_log_md: str | os.PathLike[str] | None = None,
    mathjax_url: str | None = None,
    require_data_notice: bool = True,
    run_block: Any | None = None,
    processed_dir: str | os.PathLike[str] | None = None,
) -> StudyExport:
    """Write reviewer and replicator HTML for each executed notebook and the study's reproduction report (HTML and
    PDF, from the data products in ``processed_dir`` and ``reports_dir``).

    With ``assumptions_md`` / ``data_log_md`` also renders ``assumptions.html`` / ``data_log.html``
    into ``reports_dir`` (the run banner links there; they get the synthetic-data box when any
    notebook of the study shows it). With ``require_data_notice`` (default) every notebook must
    show the run banner's data notice (:func:`helpers.data.provenance.run_banner`), or nothing is written.
    ``run_block`` (the study's run record) is shown near the top of every page and on the report's title page.
    """
    folder = Path(reports_dir)
    result = StudyExport()
    notices = {Path(path).name: data_notices(read_notebook(path)) for path in executed_nbs}
    unmarked = sorted(name for name, found in notices.items() if not found)
    if require_data_notice and unmarked:
        raise ValueError(f"no run banner (synthetic/real data notice) in the outputs of {unmarked}")
    any_synthetic = any("synthetic" in found for found in notices.values())
    paths = study_report_paths(executed_nbs, folder, study_slug)
    pages = []
    for executed_nb in executed_nbs:
        stem = report_stem(study_slug, executed_nb)
        page_title = f"{title}: {Path(executed_nb).stem}"
        pages += [paths[f"{stem}.reviewer"].name, paths[f"{stem}.replicator"].name]
        _timed(result, f"{stem}.reviewer", lambda nb=executed_nb, s=stem, t=page_title: export_reviewer_html(
            nb, paths[f"{s}.reviewer"], title=t, mathjax_url=mathjax_url, run_block=run_block, study_slug=study_slug))
        _timed(result, f"{stem}.replicator", lambda nb=executed_nb, s=stem, t=page_title: export_replicator_html(
            nb, paths[f"{s}.replicator"], title=t, mathjax_url=mathjax_url, run_block=run_block,
            study_slug=study_slug))
    if executed_nbs:
        _timed(result, "report", lambda: reproduction_report(
            folder, study_slug, title, processed_dir=Path(processed_dir) if processed_dir else None,
            run_block=run_block, pages=pages))
    for label, markdown_file, page_title in (
        ("assumptions", assumptions_md, "Assumptions and caveats"),
        ("data_log", data_log_md, "Data log"),
    ):
        if markdown_file is not None:
            page_notice = _synthetic_notice() if any_synthetic else None
            _timed(result, label, lambda m=markdown_file, lb=label, t=page_title: render_markdown_page(
                m, folder / f"{lb}.html", t, notice=page_notice))
    return result


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m helpers.report.export", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    study = commands.add_parser("study", help="reviewer/replicator HTML per notebook and the reproduction report")
    study.add_argument("notebooks", nargs="+", type=Path, help="executed notebooks, in report order")
    study.add_argument("--slug", required=True, help="study slug used in file names, e.g. oecd2010")
    study.add_argument("--title", required=True, help="report title")
    study.add_argument("--reports-dir", type=Path, default=None, help="default: helpers.paths.REPORTS_DIR")
    study.add_argument("--assumptions", type=Path, default=None, help="docs/assumptions.md to render")
    study.add_argument("--data-log", type=Path, default=None, help="docs/data_log.md to render")
    study.add_argument("--processed-dir", type=Path, default=None,
                       help="the processed data the report is built from (default: helpers.paths.PROCESSED_DIR)")
    page = commands.add_parser("page", help="render a Markdown file to a standalone HTML page")
    page.add_argument("markdown", type=Path)
    page.add_argument("out_html", type=Path)
    page.add_argument("--title", required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    arguments = _parse_arguments(argv)
    if arguments.command == "page":
        render_markdown_page(arguments.markdown, arguments.out_html, arguments.title)
        return 0
    if arguments.reports_dir is None:
        from helpers.paths import REPORTS_DIR

        arguments.reports_dir = REPORTS_DIR
    export_study(
        arguments.notebooks,
        arguments.reports_dir,
        arguments.slug,
        arguments.title,
        assumptions_md=arguments.assumptions,
        data_log_md=arguments.data_log,
        processed_dir=arguments.processed_dir,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
