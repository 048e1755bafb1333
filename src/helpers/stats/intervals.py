"""The confidence level of a table's intervals, read from the table itself.

Every estimate table records the level of its ``ci_low`` / ``ci_high`` in a ``confidence_level`` column
(0.95 for 95% intervals). A figure labels its intervals with :func:`level_label` of the table it draws, never
with a parameter of its own, so a figure cannot call 95% intervals "90% CI".
"""

from __future__ import annotations

import math

import pandas as pd

LEVEL_COLUMN = "confidence_level"


def table_confidence_level(table: pd.DataFrame, what: str) -> float:
    """The one confidence level recorded in ``table``; a clear error when it is missing or mixed."""
    if LEVEL_COLUMN not in table.columns:
        raise KeyError(f"{what}: the table has no '{LEVEL_COLUMN}' column, so the level of its intervals is "
                       "unknown (tables written by the estimate functions record it)")
    levels = sorted({float(value) for value in table[LEVEL_COLUMN].dropna()})
    if len(levels) != 1 or not 0.0 < levels[0] < 1.0 or not math.isfinite(levels[0]):
        raise ValueError(f"{what}: expected one confidence level between 0 and 1 in '{LEVEL_COLUMN}', found {levels}")
    return levels[0]


def level_label(level: float) -> str:
    """``95%`` for 0.95, ``99.5%`` for 0.995 (no rounding that would change the level)."""
    return f"{round(level * 100, 6):g}%"
