"""Figures made for the page (helpers.report.style): printed size, smallest text, the synthetic label outside the
data, vector and raster files with a size record, byte-for-byte the same from run to run.

The printed font size is read from the saved SVG itself (:func:`svg_texts`): matplotlib writes each text as glyph
paths scaled by ``font size / 100`` after a comment holding the text, and the SVG's width in points is the width at
which a report prints it (100% of its saved width). The figures of the pipeline's own notebooks are checked the same
way in tests/test_notebooks.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg

from helpers.report.style import (
    MIN_FONT_PT,
    SYNTHETIC_LABEL,
    TEXT_WIDTH_CM,
    add_intervals,
    check_page_figure,
    finish_figure,
    label_values,
    page_figure,
    save_page_figure,
    smallest_font,
    use_page_style,
)

TEXT = re.compile(r"<!-- (.*?) -->\s*<g [^>]*transform=\"[^\"]*scale\(([0-9.]+) -[0-9.]+\)\"", re.S)
SIZE = re.compile(r'<svg [^>]*width="([0-9.]+)pt" height="([0-9.]+)pt"')
POINTS_PER_CM = 72 / 2.54


def svg_texts(path: Path) -> list[tuple[str, float]]:
    """Every text of a matplotlib SVG (svg.fonttype 'path') with its font size in points at the saved size."""
    return [(text, float(scale) * 100) for text, scale in TEXT.findall(path.read_text(encoding="utf-8"))]


def svg_width_pt(path: Path) -> float:
    return float(SIZE.search(path.read_text(encoding="utf-8")).group(1))


def printed_sizes(svg: Path, printed_width_pt: float) -> list[tuple[str, float]]:
    """Font sizes when the figure is printed ``printed_width_pt`` wide."""
    factor = printed_width_pt / svg_width_pt(svg)
    return [(text, size * factor) for text, size in svg_texts(svg)]


def example_figure(synthetic: bool = True, label_size: float | None = None):
    """A small figure as the notebooks draw one: seaborn points, intervals from a table, value labels."""
    use_page_style()
    data = pd.DataFrame({"group": ["A", "B", "C"], "estimate": [61.0, 52.0, 45.0], "ci_low": [60.3, 51.3, 44.3],
                         "ci_high": [61.7, 52.7, 45.7]})
    fig, ax = page_figure(height_cm=4)
    sns.pointplot(data=data, x="estimate", y="group", linestyle="none", errorbar=None, ax=ax)
    add_intervals(ax, data)
    label_values(ax, data["ci_high"], np.arange(3), [f"{v:.1f}" for v in data["estimate"]], size=label_size)
    ax.set(xlim=(40, 70), xlabel="Index (0-100)", ylabel="")
    finish_figure(fig, title="An example figure", caption="Points and their intervals.", source="Source: a test.",
                  synthetic=synthetic)
    return fig, data


def test_a_figure_is_saved_at_its_printed_size_with_readable_text(tmp_path: Path) -> None:
    fig, data = example_figure()
    written = save_page_figure(fig, data, tmp_path / "example")
    assert [path.suffix for path in written] == [".svg", ".pdf", ".png", ".csv", ".json"]
    svg = tmp_path / "example.svg"
    assert svg_width_pt(svg) == pytest.approx(TEXT_WIDTH_CM * POINTS_PER_CM, abs=0.05)
    texts = svg_texts(svg)
    assert {"61.0", "An example figure", SYNTHETIC_LABEL, "Index (0-100)"} <= {text for text, _ in texts}
    assert min(size for _, size in printed_sizes(svg, svg_width_pt(svg))) >= MIN_FONT_PT
    record = json.loads((tmp_path / "example.json").read_text())
    assert record["width_in"] * 72 == pytest.approx(svg_width_pt(svg), abs=0.01)
    assert record["smallest_font_pt"] == pytest.approx(min(size for _, size in texts))
    assert record["synthetic"] is True and record["caption"] == "Points and their intervals."
    assert (tmp_path / "example.pdf").read_bytes().startswith(b"%PDF")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "example.csv"), data, check_dtype=False)


def test_the_same_figure_gives_the_same_bytes(tmp_path: Path) -> None:
    first = save_page_figure(*example_figure(), tmp_path / "a")
    second = save_page_figure(*example_figure(), tmp_path / "b")
    for one, other in zip(first, second, strict=True):
        if one.suffix == ".json":
            continue  # names its own files
        assert one.read_bytes() == other.read_bytes(), one.suffix


def test_the_size_record_names_the_panels_in_drawing_order(tmp_path: Path) -> None:
    """docs/adapting.md (e): regrouping a figure shows in its record (one panel per country instead of per
    activity); hidden grid places and untitled axes are not panels."""
    use_page_style()
    fig, axes = page_figure(height_cm=5, nrows=2, ncols=2)
    for ax, title in zip(axes.ravel(), ["Denmark", "Czech\nRepublic", "", "never shown"]):
        ax.plot([0, 1], [0, 1])
        ax.set_title(title)
    axes.ravel()[3].set_visible(False)
    finish_figure(fig, title="One panel per country", caption="A grid.", source="Source: a test.", synthetic=False)
    save_page_figure(fig, pd.DataFrame({"x": [1]}), tmp_path / "grid")
    record = json.loads((tmp_path / "grid.json").read_text())
    assert record["panels"] == ["Denmark", "Czech Republic"]
    assert record["title"] == "One panel per country"


def test_text_below_seven_points_and_figures_wider_than_the_page_are_refused(tmp_path: Path) -> None:
    fig, data = example_figure(label_size=6)
    with pytest.raises(ValueError, match=r"figure text '61.0' is 6 pt; at least 7 pt"):
        save_page_figure(fig, data, tmp_path / "small")
    assert not list(tmp_path.iterdir())  # nothing written
    with pytest.raises(ValueError, match="at most 16 cm"):
        page_figure(height_cm=4, width_cm=18)
    wide, _ = example_figure()
    wide.set_size_inches(8, 3)
    with pytest.raises(ValueError, match="20.3 cm wide"):
        check_page_figure(wide)


def test_the_synthetic_label_is_outside_the_axes_and_covers_no_label() -> None:
    fig, _ = example_figure()
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    label = next(text for text in fig.texts if text.get_text() == SYNTHETIC_LABEL)
    box = label.get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer))
        for text in ax.texts:
            assert not box.overlaps(text.get_window_extent(renderer)), text.get_text()
    real, _ = example_figure(synthetic=False)
    assert SYNTHETIC_LABEL not in [text.get_text() for text in real.texts]


def test_the_caption_strip_lies_below_the_axes_and_inside_the_figure() -> None:
    fig, _ = example_figure()
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    figure_box = fig.bbox
    lowest_axes = min(ax.get_tightbbox(renderer).y0 for ax in fig.axes)
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        assert figure_box.x0 - 0.5 <= box.x0 and box.x1 <= figure_box.x1 + 0.5, text.get_text()
        if text.get_text() in ("Points and their intervals.", "Source: a test."):
            assert box.y1 <= lowest_axes, text.get_text()


def test_smallest_font_counts_only_drawn_tick_labels() -> None:
    fig, _ = example_figure()
    size, text = smallest_font(fig)
    assert size == pytest.approx(7.0) and text  # the caption strip: 7 pt
    fig.axes[0].tick_params(axis="x", labelsize=6)
    assert smallest_font(fig)[0] == pytest.approx(6.0)
