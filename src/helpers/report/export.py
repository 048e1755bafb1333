"""Turn executed notebooks into reports that open offline: reviewer HTML, replicator HTML, PDF.

Report files (flat in ``reports/``, so that the banner's relative links ``assumptions.html`` and
``run_manifest.json`` resolve from every report, HTML or PDF):

* ``<study>_<step>.reviewer.html``: outputs and narrative only. No code, no prompts, no
  ``parameters`` / ``injected-parameters`` cells, no stderr streams (warnings).
* ``<study>_<step>.replicator.html``: everything, code and papermill's injected parameters included.
* ``<study>_report.pdf``: all steps of a study combined, reviewer view, through nbconvert's LaTeX
  route with xelatex (skipped with one printed line when xelatex or pandoc is missing).
* ``assumptions.html`` / ``data_log.html``: the docs logs as standalone pages
  (:func:`render_markdown_page`).

``<step>`` is the executed notebook's file stem; when the stem already starts with
``<study>_`` it is used as is. Every file is written atomically (``helpers.outputs``).

Run record: given a ``run_block`` (:class:`helpers.report.runinfo.RunBlock`), every page and the PDF show
the study's run record (when it was computed, the commit, the data origin, non-default parameters,
out-of-date steps) below the notebook's title (:func:`with_run_block`: raw cells, HTML for the pages and
LaTeX for the PDF).

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
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from helpers.outputs import write_bytes, write_text

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTML_TEMPLATE = "offline_html"
LATEX_TEMPLATE = "offline_latex"

PARAMETER_CELL_TAGS = frozenset({"parameters", "injected-parameters"})
ALWAYS_REMOVED_CELL_TAGS = frozenset({"remove-cell", "remove_cell"})
REVIEWER_REMOVED_CELL_TAGS = PARAMETER_CELL_TAGS | ALWAYS_REMOVED_CELL_TAGS

# Debian's libjs-mathjax; only useful for reports read on the machine that built them.
DEBIAN_MATHJAX_URL = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML"

PDF_TOOLS_HINT = (
    "install Debian packages texlive-xetex texlive-fonts-recommended texlive-plain-generic pandoc "
    "(make all does this with apt-get when run as root)"
)

_EXTERNAL_RESOURCE_PATTERNS = (
    re.compile(r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//[^\s"')]*""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//[^\s"')]*""", re.I),
    re.compile(r"""\bimport\(\s*["']\s*(?:https?:)?//[^\s"')]*""", re.I),
)


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


def without_redundant_svg(notebook: NotebookNode) -> NotebookNode:
    """A copy where outputs that also have PNG/PDF lose their SVG (LaTeX would need inkscape for it)."""
    lean = copy.deepcopy(notebook)
    for cell in lean.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data and ({"image/png", "application/pdf"} & set(data)):
                del data["image/svg+xml"]
    return lean


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


def combine_notebooks(executed_nbs: Sequence[str | os.PathLike[str]], title: str) -> NotebookNode:
    """One notebook holding the cells of ``executed_nbs`` in order, titled ``title``.

    A raw LaTeX ``\\clearpage`` cell separates the parts (it shows only in the PDF). Cell ids get
    a per-notebook prefix so they stay unique; tags are kept, so the exporters still remove the
    parameter cells.
    """
    if not executed_nbs:
        raise ValueError("combine_notebooks needs at least one notebook")
    notebooks = [read_notebook(path) for path in executed_nbs]
    combined = nbformat.v4.new_notebook()
    first_metadata = notebooks[0].metadata
    for key in ("kernelspec", "language_info"):
        if key in first_metadata:
            combined.metadata[key] = copy.deepcopy(first_metadata[key])
    combined.metadata["title"] = title
    for part, notebook in enumerate(notebooks):
        if part:
            separator = nbformat.v4.new_raw_cell("\\clearpage", metadata={"raw_mimetype": "text/latex"})
            separator.id = f"part{part}-clearpage"
            combined.cells.append(separator)
        for cell in notebook.cells:
            copied = copy.deepcopy(cell)
            copied.id = f"part{part}-{cell.get('id', len(combined.cells))}"[:64]
            combined.cells.append(copied)
    nbformat.validate(combined)
    return combined


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
# offline checks
# --------------------------------------------------------------------------------------------


def external_resource_references(html_text: str) -> list[str]:
    """Every place where ``html_text`` would load a script, stylesheet, image or module over the network."""
    found: list[str] = []
    for pattern in _EXTERNAL_RESOURCE_PATTERNS:
        found.extend(match.group(0)[:160] for match in pattern.finditer(html_text))
    return found


def _require_offline(html_text: str, target: Path) -> None:
    references = external_resource_references(html_text)
    if references:
        raise ValueError(f"{target} would load network resources: {references[:5]}")


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


def _export_html(
    source: str | os.PathLike[str] | NotebookNode,
    out_html: str | os.PathLike[str],
    *,
    reviewer: bool,
    title: str | None,
    mathjax_url: str | None,
    run_block: Any | None = None,
) -> Path:
    original = with_run_block(_as_notebook(source), run_block)
    notebook = reviewer_notebook(original) if reviewer else replicator_notebook(original)
    exporter = _html_exporter(include_code=not reviewer, mathjax_url=mathjax_url)
    resources = _notebook_resources(_document_name(original, source, title), _source_folder(source))
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
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
) -> Path:
    """Write the reviewer's offline HTML: outputs and narrative, no code, no parameter cells, no stderr."""
    return _export_html(executed_nb, out_html, reviewer=True, title=title, mathjax_url=mathjax_url,
                        run_block=run_block)


def export_replicator_html(
    executed_nb: str | os.PathLike[str] | NotebookNode,
    out_html: str | os.PathLike[str],
    *,
    title: str | None = None,
    mathjax_url: str | None = None,
    run_block: Any | None = None,
) -> Path:
    """Write the replicator's offline HTML: code, prompts, papermill's injected parameters, outputs."""
    return _export_html(executed_nb, out_html, reviewer=False, title=title, mathjax_url=mathjax_url,
                        run_block=run_block)


# --------------------------------------------------------------------------------------------
# PDF (LaTeX route)
# --------------------------------------------------------------------------------------------


def missing_pdf_tools() -> list[str]:
    """The programs the LaTeX route needs that are not on PATH (xelatex first)."""
    return [program for program in ("xelatex", "pandoc") if shutil.which(program) is None]


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Temporarily set environment variables (inherited by xelatex)."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _reproducible_pdf_epoch() -> str:
    """``SOURCE_DATE_EPOCH`` for xelatex: the commit time (so a commit gives the same PDF bytes)."""
    from helpers.data.provenance import git_commit_timestamp

    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    return str(git_commit_timestamp() or 0)


def _pdf_exporter() -> Any:
    from nbconvert import PDFExporter

    # Two xelatex passes, not nbconvert's three: the report has no table of contents and no cross-references,
    # and the second pass writes the PDF bookmarks (hyperref's outline). Saves a third of the PDF time.
    return PDFExporter(
        latex_count=2,
        # PDFExporter's own mimetype is application/pdf, so by default it would drop the raw LaTeX cells (the
        # run record, the \clearpage between a study's parts)
        raw_mimetypes=["text/latex", "text/tex", ""],
        template_name=LATEX_TEMPLATE,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def export_pdf(
    executed_nb_or_node: str | os.PathLike[str] | NotebookNode,
    out_pdf: str | os.PathLike[str],
    *,
    title: str | None = None,
    run_block: Any | None = None,
) -> Path | None:
    """Write the reviewer view as PDF through nbconvert's LaTeX route with xelatex (with the run record at the
    top when ``run_block`` is given).

    Returns the path, or None (after printing one line) when xelatex or pandoc is missing.
    Timestamps inside the PDF come from ``SOURCE_DATE_EPOCH`` (default: the commit time) and the
    title page has no date, so the same commit gives the same file.
    """
    missing = missing_pdf_tools()
    if missing:
        print(f"PDF skipped: {missing[0]} not found; {PDF_TOOLS_HINT}")
        return None
    original = _as_notebook(executed_nb_or_node)
    notebook = without_redundant_svg(reviewer_notebook(with_run_block(original, run_block, after_title=False)))
    name = _document_name(original, executed_nb_or_node, title)
    if title:
        notebook.metadata["title"] = title
    resources = _notebook_resources(name, _source_folder(executed_nb_or_node))
    with _environment(SOURCE_DATE_EPOCH=_reproducible_pdf_epoch(), FORCE_SOURCE_DATE="1"):
        pdf_bytes, _ = _pdf_exporter().from_notebook_node(notebook, resources=resources)
    return write_bytes(out_pdf, pdf_bytes)


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

_MARKDOWN_LINK_PATTERN = re.compile(r"""href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+)\.md([#?][^"]*)?\"""", re.I)


def markdown_to_html_fragment(markdown_text: str) -> str:
    """Render Markdown (tables, footnotes, strikethrough, task lists) with mistune, nbconvert's renderer.

    Headings get ``id`` anchors (GitHub-like slugs) so a report can link to
    ``assumptions.html#some-heading``; links to sibling ``.md`` files are pointed at ``.html``.
    """
    import mistune
    from mistune.toc import add_toc_hook

    renderer = mistune.create_markdown(
        escape=False,
        plugins=["table", "strikethrough", "footnotes", "url", "task_lists", "def_list"],
    )
    add_toc_hook(renderer, min_level=1, max_level=6, heading_id=_unique_heading_ids())
    fragment = renderer(markdown_text)
    return _MARKDOWN_LINK_PATTERN.sub(lambda match: f'href="{match.group(1)}.html{match.group(2) or ""}"', fragment)


def heading_slug(text: str) -> str:
    """GitHub-like anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def _unique_heading_ids() -> Any:
    """A mistune ``heading_id`` callback giving unique slugs (``x``, ``x-1``, ``x-2`` ...)."""
    seen: dict[str, int] = {}

    def heading_id(token: dict[str, Any], index: int) -> str:
        slug = heading_slug(str(token.get("text", ""))) or f"section-{index + 1}"
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"

    return heading_id


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
    """The files :func:`export_study` writes, keyed ``'<stem>.reviewer'``, ``'<stem>.replicator'``, ``'pdf'``."""
    folder = Path(reports_dir)
    paths: dict[str, Path] = {}
    for executed_nb in executed_nbs:
        stem = report_stem(study_slug, executed_nb)
        paths[f"{stem}.reviewer"] = folder / f"{stem}.reviewer.html"
        paths[f"{stem}.replicator"] = folder / f"{stem}.replicator.html"
    paths["pdf"] = folder / f"{study_slug}_report.pdf"
    return paths


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
    else:
        result.written.append(Path(produced))
        print(f"wrote {produced} ({elapsed:.1f} s)")
    return produced


def _synthetic_notice() -> str:
    from helpers.data.provenance import SYNTHETIC_DATA_NOTICE

    return SYNTHETIC_DATA_NOTICE


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
) -> StudyExport:
    """Write reviewer and replicator HTML for each executed notebook and the study's combined PDF.

    With ``assumptions_md`` / ``data_log_md`` also renders ``assumptions.html`` / ``data_log.html``
    into ``reports_dir`` (the run banner links there; they get the synthetic-data box when any
    notebook of the study shows it). With ``require_data_notice`` (default) every notebook must
    show the run banner's data notice (:func:`helpers.data.provenance.run_banner`), or nothing is written.
    ``run_block`` (the study's run record) is shown near the top of every page and of the PDF.
    """
    folder = Path(reports_dir)
    result = StudyExport()
    notices = {Path(path).name: data_notices(read_notebook(path)) for path in executed_nbs}
    unmarked = sorted(name for name, found in notices.items() if not found)
    if require_data_notice and unmarked:
        raise ValueError(f"no run banner (synthetic/real data notice) in the outputs of {unmarked}")
    any_synthetic = any("synthetic" in found for found in notices.values())
    paths = study_report_paths(executed_nbs, folder, study_slug)
    for executed_nb in executed_nbs:
        stem = report_stem(study_slug, executed_nb)
        page_title = f"{title}: {Path(executed_nb).stem}"
        _timed(result, f"{stem}.reviewer", lambda nb=executed_nb, s=stem, t=page_title: export_reviewer_html(
            nb, paths[f"{s}.reviewer"], title=t, mathjax_url=mathjax_url, run_block=run_block))
        _timed(result, f"{stem}.replicator", lambda nb=executed_nb, s=stem, t=page_title: export_replicator_html(
            nb, paths[f"{s}.replicator"], title=t, mathjax_url=mathjax_url, run_block=run_block))
    if executed_nbs:
        _timed(result, "pdf", lambda: export_pdf(combine_notebooks(executed_nbs, title), paths["pdf"], title=title,
                                                 run_block=run_block))
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
    study = commands.add_parser("study", help="reviewer/replicator HTML per notebook and one PDF")
    study.add_argument("notebooks", nargs="+", type=Path, help="executed notebooks, in report order")
    study.add_argument("--slug", required=True, help="study slug used in file names, e.g. oecd2010")
    study.add_argument("--title", required=True, help="report title")
    study.add_argument("--reports-dir", type=Path, default=None, help="default: helpers.paths.REPORTS_DIR")
    study.add_argument("--assumptions", type=Path, default=None, help="docs/assumptions.md to render")
    study.add_argument("--data-log", type=Path, default=None, help="docs/data_log.md to render")
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
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
