"""Readers' labels for the validation study's tables and figures, and the synthetic label every figure carries.

The seaborn calls themselves are in the notebooks (30-33), where a student sees and changes them; this module
only turns identifiers into words and saves a figure with the data behind it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import offset_copy

from helpers.eu.codebook import CANONICAL_COUNTRIES, SECTOR_NAMES
from helpers.oecd import codebook as oecd_codebook
from helpers.outputs import save_figure, write_csv
from helpers.report import claims_view
from helpers.report.labels import TERM_LABELS as REPORT_TERM_LABELS

SYNTHETIC_LABEL: str = "SYNTHETIC POPULATIONS \u2014 a check of the code, not survey findings"
TERM_LABELS: dict[str, str] = {
    **REPORT_TERM_LABELS,  # the report's labels, so a term reads the same in every study
    **{f"country_{name}": name for name in CANONICAL_COUNTRIES},
}
ANALYSIS_LABELS: dict[str, str] = {
    "weighted_paired_difference": "design-based paired t (svy)", "paired_t": "paired t, unweighted (pingouin)",
    "rm_anova": "repeated-measures ANOVA, unweighted", "friedman": "Friedman test, unweighted",
    "design_wald_f": "design-based Wald F (svy)", "welch_anova": "Welch ANOVA, unweighted (pingouin)",
}
SCENARIO_LABELS: dict[str, str] = {
    "eu_effects": "generator's effects (power)", "eu_null": "null population (size)", "oecd": "OECD officials",
}


def sector_label(sector: str) -> str:
    """'environment' -> 'Local environment'."""
    return SECTOR_NAMES.get(sector, sector).removeprefix("the ").capitalize()


def item_label(item_id: str) -> str:
    """An OECD item id as its label."""
    items = oecd_codebook.item_table().set_index("item_id")["label"]
    return str(items.get(item_id, item_id))


def target_label(row: pd.Series) -> str:
    """A reader's name for the estimate a performance or results row is about."""
    family, target = row["family"], row["target"]
    if family == "index":
        return f"Five-country index: {sector_label(target)}"
    if family == "index_country":
        return f"{row['country']}: {sector_label(target)}"
    if family == "percent":
        return item_label(target)
    if family == "coefficient":
        return f"{sector_label(target)}: {TERM_LABELS.get(row['term'], row['term'])}"
    if family == "sector_test":
        return f"{row['term']} ({ANALYSIS_LABELS.get(row['analysis'], row['analysis'])})"
    if family == "country_test":
        return f"{sector_label(target)} ({ANALYSIS_LABELS.get(row['analysis'], row['analysis'])})"
    return str(target)


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``label`` column (:func:`target_label`) and ``scenario_label``."""
    labelled = frame.assign(label=frame.apply(target_label, axis=1) if len(frame) else pd.Series(dtype=str))
    if "scenario" in frame.columns:
        labelled["scenario_label"] = frame["scenario"].map(SCENARIO_LABELS).fillna(frame["scenario"])
    return labelled


def mark_synthetic(figure: Figure, source: str) -> None:
    """The red synthetic label at the top and the source line at the bottom of a figure."""
    # Above every title and below every axis label drawn so far (the figures are saved tight, so text outside
    # the frame is kept): the extent of what is drawn, in figure fractions.
    extent = figure.get_tightbbox(figure.canvas.get_renderer())
    height, left = figure.get_figheight(), min(0.01, extent.x0 / figure.get_figwidth())
    above = offset_copy(figure.transFigure, fig=figure, y=4, units="points")
    below = offset_copy(figure.transFigure, fig=figure, y=-4, units="points")
    figure.text(left, max(1.0, extent.y1 / height), SYNTHETIC_LABEL, ha="left", va="bottom", fontsize=10,
                color="red", weight="bold", transform=above)
    figure.text(left, min(0.0, extent.y0 / height), source, ha="left", va="top", fontsize=7.5, transform=below)


def save_validation_figure(figure: Figure, data: pd.DataFrame, stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``stem.png``, ``stem.svg`` and ``stem.csv`` (the data behind the figure), each atomically."""
    written = save_figure(figure, stem)
    written.append(write_csv(data, f"{stem}.csv"))
    return written


def value_with_mcse(values: pd.Series, mcse: pd.Series, digits: int = 3) -> list[str]:
    """'0.948 (0.009)': each value with its Monte Carlo standard error in brackets ('' when missing)."""
    return ["" if pd.isna(v) else f"{v:.{digits}f} ({m:.{digits}f})" if not pd.isna(m) else f"{v:.{digits}f}"
            for v, m in zip(values, mcse, strict=True)]


PERFORMANCE_PARTS: dict[str, str] = {
    "truth": "true value", "bias": "bias", "rmse": "RMSE", "se": "SE: model/emp.",
    "coverage95": "coverage 95%", "coverage90": "coverage 90%",
}
"""Column headers no wider than the cells ('0.948 (0.009)'), so that four columns and a label fit a PDF page."""


def performance_table(performance: pd.DataFrame, label: pd.Series | list[str],
                      parts: tuple[str, ...] = ("truth", "bias", "rmse", "se"), label_name: str = "estimate") -> pd.DataFrame:
    """A reader's table of ``summaries.estimator_performance`` rows: one label column, then each of ``parts`` with
    its MCSE in brackets (the SE column: mean model SE / empirical SE). Keep ``parts`` to four or fewer so that the table fits a PDF page (the label wraps)."""
    table = pd.DataFrame({label_name: list(label)})
    for part in parts:
        if part == "truth":
            column = [f"{value:.3f}" for value in performance["truth"]]
        elif part == "se":
            column = [f"{m:.3f} / {e:.3f}" for m, e in zip(performance["model_se"], performance["empirical_se"],
                                                          strict=True)]
        else:
            column = value_with_mcse(performance[part], performance[f"{part}_mcse"])
        table[PERFORMANCE_PARTS[part]] = column
    return table


def scorecard_in_words(rows: pd.DataFrame) -> pd.DataFrame:
    """The validation scorecard as the reports show it: each criterion's target, the measure found in the target's
    unit (``92.2%``, ``0.029 index points``), the range of two Monte Carlo standard errors either side, and met or
    not met (:mod:`helpers.report.claims_view`)."""
    records = [{name: "" if pd.isna(value) else str(value) for name, value in row.items()}
               for row in rows.to_dict("records")]
    return pd.DataFrame({
        "Criterion": [row["claim_id"] for row in records],
        "What is checked": [row["subject"] for row in records],
        "Target": [row["published"] for row in records],
        "Found": [claims_view.reproduced_text(row) for row in records],
        "\u00b1 2 Monte Carlo SE": [claims_view.interval_text(row).removeprefix("\u00b1 2 Monte Carlo SE: ")
                                    for row in records],
        "Result": [claims_view.status_word(row) for row in records],
    })
