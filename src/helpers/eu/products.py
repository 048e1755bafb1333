"""The EU study's processed data products: where each lives and how it is read back by later steps."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from helpers.pipeline.choices import WEIGHTING_CHOICES  # the runner checks the weighting parameter against it
from helpers.eu.clean import CleaningResult
from helpers.outputs import write_csv, write_parquet
from helpers.data.provenance import read_data_provenance
from helpers.report.style import PAGE_FIGURE_SUFFIXES

FIGURE_SUFFIXES: tuple[str, ...] = PAGE_FIGURE_SUFFIXES
RESPONDENTS = "respondents.parquet"
CLEANING_LOG = "cleaning_log.csv"
CLEANING_COUNTS = "cleaning_counts.csv"


def write_cleaned(cleaning: CleaningResult, respondents: pd.DataFrame, folder: str | os.PathLike[str]) -> None:
    """Write the analysed respondents (Parquet keeps the types), the cleaning log and the counts by reason."""
    folder = Path(folder)
    write_parquet(respondents, folder / RESPONDENTS)
    write_csv(cleaning.log, folder / CLEANING_LOG)
    counts = pd.DataFrame({"reason": list(cleaning.counts), "count": list(cleaning.counts.values())})
    write_csv(counts, folder / CLEANING_COUNTS)


def write_estimate_tables(tables: dict[str, pd.DataFrame], folder: str | os.PathLike[str],
                          not_computed: Sequence[str] = ()) -> None:
    """Write each table as ``<name>.csv``; remove the files of ``not_computed`` tables left by an earlier run
    (a file without the variables they need must not be scored or drawn from another file's tables)."""
    folder = Path(folder)
    for name, table in tables.items():
        write_csv(table, folder / f"{name}.csv")
    for name in not_computed:
        (folder / f"{name}.csv").unlink(missing_ok=True)


def read_estimate_tables(folder: str | os.PathLike[str], names: list[str],
                         not_computed: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """The estimate tables ``names`` that step 2 computed (the ``not_computed`` ones are left out)."""
    return {name: pd.read_csv(Path(folder) / f"{name}.csv") for name in names if name not in not_computed}


def remove_figure_files(figures_dir: str | os.PathLike[str], stems: list[str]) -> None:
    """Remove the files (SVG, PDF, PNG, CSV, JSON) of figures an earlier run drew but this run cannot (missing
    variables)."""
    for stem in stems:
        for suffix in FIGURE_SUFFIXES:
            (Path(figures_dir) / f"{stem}{suffix}").unlink(missing_ok=True)


def read_respondents(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The cleaned, weighted respondents with their index columns."""
    return pd.read_parquet(Path(folder) / RESPONDENTS)


def read_cleaning(folder: str | os.PathLike[str]) -> CleaningResult:
    """The cleaning result as written by step 1 (log, counts and the synthetic flag; data = respondents)."""
    folder = Path(folder)
    log = pd.read_csv(folder / CLEANING_LOG, dtype=str, keep_default_na=False)
    counts_table = pd.read_csv(folder / CLEANING_COUNTS)
    counts = dict(zip(counts_table["reason"], counts_table["count"].astype(int), strict=True))
    record = read_data_provenance(folder)
    return CleaningResult(data=read_respondents(folder), log=log, counts=counts,
                          data_are_synthetic=bool(record["data_are_synthetic"]), data_origin=record["data_origin"])


def weighting_options(weighting: str) -> dict[str, bool]:
    """Keyword arguments of the estimate functions for a weighting scheme named in a notebook parameter."""
    if weighting not in WEIGHTING_CHOICES:
        raise ValueError(f"weighting must be one of {', '.join(WEIGHTING_CHOICES)}; got {weighting!r}")
    return dict(WEIGHTING_CHOICES[weighting])
