"""A reviewer's checks of a printed report (issue 13), shared by the report tests.

They read the PDF as a reviewer would, with poppler's ``pdftotext`` (``-layout`` for the text, ``-bbox`` for where
each word sits) and pypdf for the page size, and the HTML the PDF was printed from for what should be there (table
header rows, headings, figures and the width each is printed at). The layout checks (a heading alone at the foot of
a page, a page holding a single row of a table) read WeasyPrint's page boxes of the same HTML.
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

A4_PT = (595.276, 841.89)
MM = 72 / 25.4
SIDE_MARGIN_PT = 20 * MM
EDGE_PT = 10 * MM  # the running header and footer sit in the top and bottom margins, at least 10 mm from the edge
SMALLEST_FONT_PT = 7.0
P_ZERO = re.compile(r"\bp\s*(?:\([^)]*\))?\s*=\s*0(?:\.0+)?(?![\d.]*\d)")
# A p-value a reader cannot read: in e-notation (p = 1.1e-75, p(Holm) 9.2e-07) or with more than three decimals.
P_UNREADABLE = re.compile(r"(?<![\w/+=.-])p(?:\s*\([^)]*\))?(?:\s*[=:]\s*|\s+)"
                          r"(?:\d*\.?\d+[eE][-+]?\d+|0\.\d{4,})(?![\w])")
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/-])/(?:home|root|tmp|work|usr|opt|var|mnt|srv|Users)/[\w.-]+")


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    page_width: float
    page_height: float


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Width and height of every page in points."""
    from pypdf import PdfReader

    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in PdfReader(str(pdf)).pages]


def is_a4(size: tuple[float, float]) -> bool:
    """Portrait or landscape A4, within half a point."""
    width, height = sorted(size)
    return abs(width - A4_PT[0]) < 0.5 and abs(height - A4_PT[1]) < 0.5


def layout_pages(pdf: Path) -> list[str]:
    """``pdftotext -layout``, one string per page."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def words(pdf: Path) -> list[Word]:
    """Every word with its bounding box (``pdftotext -bbox``)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    pages = re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    for number, page in enumerate(pages, start=1):
        width, height = float(page.group(1)), float(page.group(2))
        for word in re.finditer(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>',
                                page.group(3)):
            found.append(Word(number, word.group(5), *(float(word.group(i)) for i in range(1, 5)), width, height))
    return found


def words_outside_text_area(pdf: Path) -> list[Word]:
    """Words that reach into a side margin or within 10 mm of the top or bottom edge (cut or overflowing text)."""
    return [word for word in words(pdf)
            if word.x_min < SIDE_MARGIN_PT - 0.5 or word.x_max > word.page_width - SIDE_MARGIN_PT + 0.5
            or word.y_min < EDGE_PT or word.y_max > word.page_height - EDGE_PT]


class _Reader(HTMLParser):
    """Header rows of tables, headings, captions and images of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headers: list[list[str]] = []
        self.headings: list[str] = []
        self.images: list[dict[str, str]] = []
        self._stack: list[str] = []
        self._text: list[str] = []
        self._row: list[str] | None = None
        self._in_thead = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append({key: value or "" for key, value in attrs})
            return
        self._stack.append(tag)
        if tag == "thead":
            self._in_thead = True
        elif tag == "tr" and self._in_thead:
            self._row = []
        elif tag in ("th", "h2", "h3", "h4"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._row is not None:
            self._row.append(" ".join("".join(self._text).split()))
        elif tag == "tr" and self._row is not None:
            self.headers.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_thead = False
        elif tag in ("h2", "h3", "h4"):
            self.headings.append(" ".join("".join(self._text).split()))
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def read_html(html_text: str) -> _Reader:
    reader = _Reader()
    reader.feed(html_text)
    return reader


def header_rows_not_whole(pdf: Path, html_text: str) -> list[list[str]]:
    """The tables whose header row does not appear whole, on one line, in the PDF's text."""
    pages = layout_pages(pdf)
    missing = []
    for header in read_html(html_text).headers:
        pattern = re.compile(r"\s+".join(re.escape(cell) for cell in header if cell))
        if not any(pattern.search(line) for page in pages for line in page.splitlines()):
            missing.append(header)
    return missing


def absolute_paths(text: str, roots: list[Path] = ()) -> list[str]:
    """Absolute paths of the machine in ``text``: the given roots and anything under /home, /tmp, /work ..."""
    found = [match.group(0) for match in ABSOLUTE_PATH.finditer(text)]
    found += [str(root) for root in roots if str(root) in text]
    return found


def p_zero(text: str) -> list[str]:
    """``p = 0``, ``p = 0.000``, ``p(Holm) = 0`` in ``text``, and p-values in e-notation or with more than three
    decimals (``p = 1.1e-75``, ``p(Holm) 9.2e-07``, ``p = 0.0001``): each should read ``< 0.001`` or ``0.031``."""
    return [match.group(0) for pattern in (P_ZERO, P_UNREADABLE) for match in pattern.finditer(text)]


# --- figures: the smallest text at its printed size ---------------------------------------------------------

_UNITS = {"pt": 1.0, "px": 0.75, "in": 72.0, "cm": 72 / 2.54, "mm": MM, "": 0.75}


def _length_pt(text: str) -> float:
    number = re.match(r"([\d.]+)\s*([a-z]*)", text)
    assert number, text
    return float(number.group(1)) * _UNITS[number.group(2)]


def svg_width_pt(svg: Path) -> float:
    """The width an SVG was drawn at, in points."""
    return _length_pt(ET.parse(svg).getroot().attrib["width"])


def svg_smallest_font_pt(svg: Path) -> float:
    """The smallest text of an SVG, in points at its drawn size: ``<text>`` font sizes, or matplotlib's glyph-path
    text (each ``text_N`` group scales glyphs drawn at 100 units, so 100 x scale is the font size)."""
    sizes = []
    for element in ET.parse(svg).getroot().iter():
        tag = element.tag.rsplit("}", 1)[-1]
        style = element.attrib.get("style", "") + ";" + element.attrib.get("font-size", "")
        if tag == "text":
            size = re.search(r"font-size:\s*([\d.]+\s*[a-z]*)", style) or re.search(r"font:[^;]*?([\d.]+(?:px|pt))", style)
            if size:
                sizes.append(_length_pt(size.group(1)))
        if tag == "g" and element.attrib.get("id", "").startswith("text_"):
            for child in element.iter():
                scale = re.search(r"scale\(([\d.]+) -([\d.]+)\)", child.attrib.get("transform", ""))
                if scale:
                    sizes.append(100 * float(scale.group(1)))
                    break
    assert sizes, f"no text found in {svg}"
    return min(sizes)


@dataclass(frozen=True)
class PrintedFont:
    figure: str
    drawn_width_pt: float
    printed_width_pt: float
    smallest_drawn_pt: float

    @property
    def smallest_printed_pt(self) -> float:
        return self.smallest_drawn_pt * self.printed_width_pt / self.drawn_width_pt


def printed_fonts(html_text: str, base: Path) -> list[PrintedFont]:
    """For every figure of the report: its smallest text at the size it is printed (from the SVG's drawn width and
    font sizes, and the width the HTML prints it at)."""
    fonts = []
    for image in read_html(html_text).images:
        svg = (base / image["src"]).with_suffix(".svg")
        printed = _length_pt(re.search(r"width:\s*([\d.]+\s*[a-z]*)", image.get("style", "")).group(1))
        fonts.append(PrintedFont(image["src"], svg_width_pt(svg), printed, svg_smallest_font_pt(svg)))
    return fonts


# --- layout: headings at the foot of a page, pages holding a single table row ---------------------------------


def layout_problems(html_text: str, base: Path) -> list[str]:
    """Headings (or captions) that end a page, and pages that hold a single row of a table spanning pages, read
    from WeasyPrint's page boxes of the same HTML."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    document = HTML(string=html_text, base_url=str(base.resolve()) + "/").render()
    problems: list[str] = []
    rows_per_page: dict[int, dict[int, int]] = {}
    for number, page in enumerate(document.pages, start=1):
        lines: list[tuple[boxes.LineBox, tuple[str, ...]]] = []

        def walk(box: boxes.Box, ancestors: tuple[str, ...], table: int, page_number: int = number) -> None:
            if isinstance(box, boxes.MarginBox):
                return
            tags = ancestors + ((box.element_tag or ""),)
            if isinstance(box, boxes.TableBox):
                table = id(box.element)
            if isinstance(box, boxes.LineBox):
                lines.append((box, tags))
            if isinstance(box, boxes.TableRowBox) and "thead" not in tags:
                rows_per_page.setdefault(table, {}).setdefault(page_number, 0)
                rows_per_page[table][page_number] += 1
            for child in getattr(box, "children", []) or []:
                walk(child, tags, table)

        walk(page._page_box, (), 0)
        if lines and number < len(document.pages):
            _, tags = lines[-1]
            if any(tag in ("h1", "h2", "h3", "h4", "caption") for tag in tags):
                problems.append(f"page {number} ends with a heading or caption")
    for table, pages in rows_per_page.items():
        if len(pages) > 1:
            problems += [f"page {page} holds a single row of a table" for page, count in pages.items() if count == 1]
    return problems
