"""Every path the compendium uses, defined in one place.

Notebooks and helpers import these constants instead of building paths by hand, so a notebook
finds its files wherever it is started from (JupyterLab, papermill, or a test in a temporary copy).
"""

from __future__ import annotations

import os
from pathlib import Path


def find_project_root(start: Path | None = None) -> Path:
    """Return the closest folder above ``start`` that holds ``pyproject.toml`` and ``pipeline.yaml``.

    The environment variable ``COMPENDIUM_ROOT`` wins when set (tests use it to run a copy).
    """
    override = os.environ.get("COMPENDIUM_ROOT")
    if override:
        return Path(override).resolve()
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        if (folder / "pyproject.toml").is_file() and (folder / "pipeline.yaml").is_file():
            return folder
    raise FileNotFoundError(
        f"No project root (a folder with pyproject.toml and pipeline.yaml) above {here}; "
        "set COMPENDIUM_ROOT to the compendium's folder."
    )


PROJECT_ROOT: Path = find_project_root()

DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
PROCESSED_DIR: Path = DATA_DIR / "processed"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
FIGURES_DIR: Path = REPORTS_DIR / "figures"
TABLES_DIR: Path = REPORTS_DIR / "tables"
BUILD_DIR: Path = PROJECT_ROOT / "build"
EXECUTED_DIR: Path = BUILD_DIR / "executed"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
DOCS_DIR: Path = PROJECT_ROOT / "docs"

PIPELINE_FILE: Path = PROJECT_ROOT / "pipeline.yaml"
DATAPACKAGE_FILE: Path = RAW_DIR / "datapackage.json"
CLAIMS_FILE: Path = RAW_DIR / "claims.csv"
POPULATIONS_FILE: Path = RAW_DIR / "eu2008_populations.csv"
SEX_AGE_MARGINS_FILE: Path = RAW_DIR / "eu2008_sex_age_margins.csv"
ASSUMPTIONS_LOG: Path = DOCS_DIR / "assumptions.md"
DATA_LOG: Path = DOCS_DIR / "data_log.md"
GLOSSARY: Path = DOCS_DIR / "glossary.md"

OECD_RAW_FILE: Path = RAW_DIR / "oecd2010_officials_synthetic.csv"
EU_RAW_FILE: Path = RAW_DIR / "eu2008_citizens_synthetic.csv"
