"""Figures made for the printed page: their size, fonts, colours, the synthetic-data label, and how they are saved.

A figure is drawn at the size it is printed: at most the A4 text width (:data:`TEXT_WIDTH_CM`, 16 cm) wide, so
that a report shows it at 100% of its saved width and every text keeps the size it was given, at least
:data:`MIN_FONT_PT` (7 pt) on paper. The notebooks draw each figure themselves, with seaborn, in five steps:

1. ``fig, ax = page_figure(height_cm=6)``: a figure of the printed width (:func:`use_page_style` once sets the
   fonts and colours);
2. the seaborn call and the labels, written out in the notebook;
3. :func:`add_intervals` where the intervals come from a table (seaborn computes its own otherwise);
4. :func:`finish_figure`: a title strip above the axes (with the red "SYNTHETIC DATA" line when the data are
   synthetic) and a caption strip below them (what the figure shows, its source): outside the axes, so the
   label never covers a value label or the data;
5. :func:`save_page_figure`: SVG and PDF (vector, for print), PNG (for HTML), the CSV behind the figure and a
   sidecar ``.json`` with the figure's size in inches and its smallest font, so a report and a test can compute
   the printed font size. A figure wider than the text width, or with a text smaller than 7 pt, is refused.

Nothing here draws a particular figure: that is the notebooks' job.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

from helpers.outputs import MATPLOTLIB_DETERMINISTIC_RC, PNG_METADATA, SVG_METADATA, atomic_path, write_csv, write_text

TEXT_WIDTH_CM: float = 16.0
"""The text width of an A4 page with 2.5 cm margins: no figure is wider."""
CM_PER_INCH: float = 2.54
MIN_FONT_PT: float = 7.0
"""The smallest text a printed figure may hold, in points at its printed size."""
FONT_PT: dict[str, float] = {"text": 8.0, "small": 7.5, "title": 9.0, "synthetic": 8.5}
"""Font sizes in points: axis labels and value labels, tick labels and legends, the title, the synthetic label."""
PNG_DPI: int = 200

COLOURS: dict[str, str] = {
    "estimate": "#2b5d8a",   # reproduced estimates
    "published": "#b2182b",  # published values (the claims registry)
    "assumed": "#9aa9b8",    # bars whose height is an assumption, not a publication
    "reference": "#6b6b6b",  # reference lines (zero, the five-country estimate)
    "other": "#8c8c8c",      # terms without a published direction
    "synthetic": "#b00020",  # the synthetic-data label
}
COUNTRY_PALETTE: tuple[str, ...] = ("#2b5d8a", "#d9822b", "#3f8f4f", "#7b5ea7", "#8c6d46")
"""One colour per country, in the codebook's country order (colour-blind-safe hues)."""
FREQUENCY_PALETTE: tuple[str, ...] = ("#dbe6f3", "#9fbddf", "#5b8fc7", "#23568f")
"""Never, occasionally, often, always: light to dark."""

SYNTHETIC_LABEL: str = "SYNTHETIC DATA \u2014 not survey findings"
SIDE_MARGIN_IN: float = 0.04
STRIP_GAP_IN: float = 0.06
LINE_SPACING: float = 1.3

PAGE_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_PT["text"],
    "axes.titlesize": FONT_PT["text"],
    "axes.titleweight": "bold",
    "axes.labelsize": FONT_PT["text"],
    "xtick.labelsize": FONT_PT["small"],
    "ytick.labelsize": FONT_PT["small"],
    "legend.fontsize": FONT_PT["small"],
    "legend.title_fontsize": FONT_PT["small"],
    "figure.titlesize": FONT_PT["title"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.7,
    "xtick.major.width": 0.7,
    "ytick.major.width": 0.7,
    "lines.linewidth": 1.2,
    "lines.markersize": 5.0,
    "errorbar.capsize": 2.5,
    "legend.frameon": False,
    "figure.dpi": 100,
}


def use_page_style() -> None:
    """Set seaborn's theme and matplotlib's fonts for printed figures; call it once at the top of a notebook."""
    import matplotlib
    import seaborn as sns

    sns.set_theme(style="ticks", rc=PAGE_RC)
    matplotlib.rcParams.update(PAGE_RC)


def cm(value: float) -> float:
    """Centimetres in inches (matplotlib sizes figures in inches)."""
    return value / CM_PER_INCH


def page_figure(height_cm: float, *, width_cm: float = TEXT_WIDTH_CM, nrows: int = 1, ncols: int = 1,
                **subplots: Any) -> tuple[Figure, Any]:
    """A new figure of the printed width (default the full text width, 16 cm) and ``height_cm`` for the axes,
    with its axes (``nrows`` x ``ncols``; ``subplots`` go to ``Figure.subplots``, e.g. ``sharex=True``).

    :func:`finish_figure` adds the title and caption strips above and below, so the axes keep this height.
    """
    if width_cm > TEXT_WIDTH_CM + 1e-9:
        raise ValueError(f"a figure is at most {TEXT_WIDTH_CM:g} cm wide (the A4 text width); got {width_cm:g} cm")
    figure = Figure(figsize=(cm(width_cm), cm(height_cm)), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=True, **subplots)
    return figure, axes


def add_intervals(ax: Axes, data: pd.DataFrame, *, x: str = "estimate", low: str = "ci_low", high: str = "ci_high",
                  positions: Sequence[float] | None = None, orient: str = "h", color: str = "black",
                  offset: float = 0.0) -> None:
    """Draw the intervals of a table (``low`` to ``high`` around ``x``) as error bars at the categorical
    positions 0, 1, 2 ... (seaborn's, in the rows' order) or at ``positions``; ``orient="h"`` for horizontal
    bars and points. Rows without an interval get none."""
    at = np.arange(len(data), dtype=float) if positions is None else np.asarray(positions, dtype=float)
    at = at + offset
    centre = data[x].to_numpy(dtype=float)
    below = centre - data[low].to_numpy(dtype=float)
    above = data[high].to_numpy(dtype=float) - centre
    keep = np.isfinite(below) & np.isfinite(above)
    errors = np.vstack([below[keep], above[keep]])
    if orient == "h":
        ax.errorbar(centre[keep], at[keep], xerr=errors, fmt="none", ecolor=color, elinewidth=0.9, zorder=4)
    else:
        ax.errorbar(at[keep], centre[keep], yerr=errors, fmt="none", ecolor=color, elinewidth=0.9, zorder=4)


def wrapped(text: str, width: int = 24) -> str:
    """``text`` broken into lines of at most ``width`` characters (for panel titles and long tick labels)."""
    return textwrap.fill(text, width)


def shared_xlabel(figure: Figure, axes: Any, label: str) -> None:
    """One x-axis label for a grid of panels that share their x axis: under the middle panel of the bottom row
    (the others get none), so that it stays inside the figure's layout."""
    grid = np.atleast_2d(np.asarray(axes, dtype=object))
    for ax in grid.ravel():
        ax.set_xlabel("")
    bottom = [ax for ax in grid[-1] if ax.get_visible()] or list(grid[-1])
    bottom[(len(bottom) - 1) // 2].set_xlabel(label)


def label_values(ax: Axes, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *, dx_points: float = 3.0,
                 color: str = "black", size: float | None = None, **text: Any) -> None:
    """Write ``texts`` just right of the points (``xs``, ``ys``), in data coordinates shifted ``dx_points``."""
    for x, y, label in zip(xs, ys, texts, strict=True):
        if label and np.isfinite(x):
            ax.annotate(label, (x, y), xytext=(dx_points, 0), textcoords="offset points", va="center", ha="left",
                        fontsize=size or FONT_PT["small"], color=color, annotation_clip=False, **text)


# ---------------------------------------------------------------------------------------------------------
# Title and caption strips
# ---------------------------------------------------------------------------------------------------------


def _text_width_in(figure: Figure, text: str, size: float, weight: str = "normal") -> float:
    """The width of ``text`` at ``size`` points, in inches (measured with the Agg renderer)."""
    from matplotlib.backends.backend_agg import RendererAgg

    renderer = RendererAgg(100, 100, 72)
    width, _, _ = renderer.get_text_width_height_descent(text, FontProperties(size=size, weight=weight),
                                                         ismath=False)
    return width / 72


def wrap_to_width(figure: Figure, text: str, size: float, *, weight: str = "normal") -> list[str]:
    """``text`` broken into lines that fit the figure's width at ``size`` points (paragraphs kept)."""
    available = 0.96 * (figure.get_figwidth() - 2 * SIDE_MARGIN_IN)  # a margin for the renderers' rounding
    lines: list[str] = []
    for paragraph in text.split("\n"):
        width = max(20, int(available * 72 / (0.5 * size)))
        wrapped = textwrap.wrap(paragraph, width) or [""]
        while width > 20 and max(_text_width_in(figure, line, size, weight) for line in wrapped) > available:
            width -= 2
            wrapped = textwrap.wrap(paragraph, width) or [""]
        lines += wrapped
    return lines


def _strip_height_in(lines: Sequence[tuple[str, float]]) -> float:
    return sum(size * LINE_SPACING / 72 for _, size in lines)


def finish_figure(figure: Figure, *, title: str, caption: str = "", synthetic: bool, source: str = "",
                  legend: tuple[Sequence[Any], Sequence[str]] | None = None) -> Figure:
    """Add the title strip above the axes and the caption strip below them, outside the axes.

    The title strip holds, when ``synthetic``, the red :data:`SYNTHETIC_LABEL` line, then the ``title``, then the
    ``legend`` (handles and labels, in one row) when given; the caption strip says what the figure shows
    (``caption``) and where it comes from (``source``). The figure grows by the strips' height, so the axes keep
    theirs; every line is wrapped to the figure's width.
    """
    header = [(line, FONT_PT["synthetic"], "bold", COLOURS["synthetic"])
              for line in (wrap_to_width(figure, SYNTHETIC_LABEL, FONT_PT["synthetic"], weight="bold")
                           if synthetic else [])]
    header += [(line, FONT_PT["title"], "bold", "black")
               for line in wrap_to_width(figure, title, FONT_PT["title"], weight="bold")]
    footer_text = "\n".join(part for part in (caption, source) if part)
    footer = [(line, MIN_FONT_PT, "normal", "#333333")
              for line in (wrap_to_width(figure, footer_text, MIN_FONT_PT) if footer_text else [])]
    legend_height = FONT_PT["small"] * 2.0 / 72 if legend else 0.0
    top = _strip_height_in([(line, size) for line, size, _, _ in header]) + STRIP_GAP_IN + legend_height
    bottom = _strip_height_in([(line, size) for line, size, _, _ in footer]) + (STRIP_GAP_IN if footer else 0.0)
    width, axes_height = figure.get_size_inches()
    height = axes_height + top + bottom
    figure.set_size_inches(width, height)
    y = height - STRIP_GAP_IN / 2
    for line, size, weight, colour in header:
        figure.text(SIDE_MARGIN_IN / width, y / height, line, ha="left", va="top", fontsize=size, weight=weight,
                    color=colour, gid="figure-title")
        y -= size * LINE_SPACING / 72
    if legend:
        handles, labels = legend
        figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(SIDE_MARGIN_IN / width, y / height),
                      ncol=len(labels), frameon=False, fontsize=FONT_PT["small"], borderaxespad=0.0,
                      handlelength=1.5, columnspacing=1.2)
    y = bottom - STRIP_GAP_IN / 2
    for line, size, weight, colour in footer:
        figure.text(SIDE_MARGIN_IN / width, y / height, line, ha="left", va="top", fontsize=size, weight=weight,
                    color=colour, gid="figure-caption")
        y -= size * LINE_SPACING / 72
    engine = figure.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0.0, bottom / height, 1.0, axes_height / height))  # left, bottom, width, height
    figure._page_title = title  # read by save_page_figure for the sidecar
    figure._page_caption = caption
    figure._page_synthetic = synthetic
    return figure


# ---------------------------------------------------------------------------------------------------------
# Checks and saving
# ---------------------------------------------------------------------------------------------------------


def visible_texts(figure: Figure) -> list[Text]:
    """Every text the figure draws (titles, labels, tick labels, legends, annotations), after a layout pass."""
    figure.draw_without_rendering()
    return [text for text in figure.findobj(Text)
            if text.get_visible() and text.get_text().strip() and _drawn(text)]


def _drawn(text: Text) -> bool:
    """False for a tick label matplotlib keeps but does not draw (its tick lies outside the axis's limits)."""
    axes = text.axes
    if axes is None:
        return True
    for axis in (axes.xaxis, axes.yaxis):
        low, high = sorted(axis.get_view_interval())
        tolerance = 1e-9 * max(1.0, abs(high - low))
        for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
            if text is tick.label1 or text is tick.label2:
                return low - tolerance <= tick.get_loc() <= high + tolerance
    return True


def smallest_font(figure: Figure) -> tuple[float, str]:
    """The smallest font size (points, at the figure's own size) among the texts it shows, and that text."""
    texts = visible_texts(figure)
    if not texts:
        return float("inf"), ""
    smallest = min(texts, key=lambda text: text.get_fontsize())
    return float(smallest.get_fontsize()), smallest.get_text()


def check_page_figure(figure: Figure) -> dict[str, Any]:
    """The figure's printed facts (size in inches and cm, smallest font); refuses one wider than the text width
    or with a text below :data:`MIN_FONT_PT`, naming the text."""
    width, height = (float(value) for value in figure.get_size_inches())
    if width * CM_PER_INCH > TEXT_WIDTH_CM + 1e-6:
        raise ValueError(f"figure is {width * CM_PER_INCH:.1f} cm wide; at most {TEXT_WIDTH_CM:g} cm fits the page")
    size, text = smallest_font(figure)
    if size < MIN_FONT_PT:
        raise ValueError(f"figure text {text!r} is {size:g} pt; at least {MIN_FONT_PT:g} pt is readable in print")
    return {"width_in": round(width, 4), "height_in": round(height, 4), "width_cm": round(width * CM_PER_INCH, 2),
            "height_cm": round(height * CM_PER_INCH, 2), "smallest_font_pt": size, "smallest_font_text": text}


def panel_titles(figure: Figure) -> list[str]:
    """The titles of the figure's visible panels (axes) in drawing order, each on one line."""
    return [" ".join(ax.get_title().split()) for ax in figure.axes if ax.get_visible() and ax.get_title().strip()]


PAGE_FIGURE_SUFFIXES: tuple[str, ...] = (".svg", ".pdf", ".png", ".csv", ".json")
PDF_METADATA: dict[str, Any] = {"Creator": None, "Producer": None, "CreationDate": None}


def save_page_figure(figure: Figure, data: pd.DataFrame, stem: str | os.PathLike[str]) -> list[Path]:
    """Save a finished figure at its printed size: ``stem.svg`` and ``stem.pdf`` (vector), ``stem.png`` (for
    HTML), ``stem.csv`` (the data behind it) and ``stem.json`` (its size in inches, smallest font, title,
    caption and the titles of its panels, in drawing order). Checked first (:func:`check_page_figure`); every file is written whole or not at all, and the same
    figure gives the same bytes."""
    import matplotlib

    facts = check_page_figure(figure)
    written: list[Path] = []
    with matplotlib.rc_context(MATPLOTLIB_DETERMINISTIC_RC):
        for extension, metadata in (("svg", SVG_METADATA), ("pdf", PDF_METADATA), ("png", PNG_METADATA)):
            target = Path(f"{stem}.{extension}")
            with atomic_path(target) as temporary:
                figure.savefig(temporary, format=extension, dpi=PNG_DPI, metadata=metadata)
            written.append(target)
    written.append(write_csv(data, f"{stem}.csv"))
    sidecar = {**facts, "dpi_png": PNG_DPI, "title": getattr(figure, "_page_title", ""),
               "caption": getattr(figure, "_page_caption", ""),
               "synthetic": bool(getattr(figure, "_page_synthetic", False)),
               "panels": panel_titles(figure), "files": [path.name for path in written]}
    written.append(write_text(f"{stem}.json", json.dumps(sidecar, indent=2, sort_keys=True, ensure_ascii=False)
                              + "\n"))
    return written


def remove_page_figure(stem: str | os.PathLike[str]) -> None:
    """Remove every file :func:`save_page_figure` writes for ``stem`` (a figure this run cannot draw)."""
    for suffix in PAGE_FIGURE_SUFFIXES:
        Path(f"{stem}{suffix}").unlink(missing_ok=True)
