"""The scorecard's vocabulary: what a claim's status means, the columns of a scorecard, and how to count them.

One place for every study (OECD 2010, EU 2008 and any later one): the study scorecards, the notebooks and the
index page (:mod:`helpers.report.site`) import these names and never spell a status themselves. The module
imports nothing heavy, so that the index page can use it without pandas.

A claim gets exactly one status:

- ``pass`` / ``fail`` (:data:`TESTED`): the claim was tested against the data, and a test with data that
  contradict it shows that the check fails (tests/test_scorecard_*.py).
- ``holds by construction``: a design fact that the code enforces (the cleaning refuses anything else, the
  codebook's list is the claim's list, the weights are set to it), so the data cannot show otherwise. The
  row's ``basis`` names the code that enforces it. The scorecard still verifies that the code did what it
  says (every listed country present, the weight shares equal to the population shares ...); when that
  verification fails the status is ``fail``.
- ``not checkable``: the claim is about something the survey's items do not measure; ``basis`` says what.
- ``not available``: the respondent file lacks the variables the check needs (real data only); ``basis``
  names them.

On synthetic data, a tested claim whose result the generator builds in carries a ``built_in`` note
(:data:`BUILT_IN_NOTE`): its pass shows that the code detects the result, not that the result is true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PASS: str = "pass"
FAIL: str = "fail"
HOLDS_BY_CONSTRUCTION: str = "holds by construction"
NOT_CHECKABLE: str = "not checkable"
NOT_AVAILABLE: str = "not available"
STATUSES: tuple[str, ...] = (PASS, FAIL, HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, NOT_AVAILABLE)
"""Every status a scorecard row may have, in the order the counts list them."""
TESTED: tuple[str, ...] = (PASS, FAIL)
"""Statuses of claims tested against the data: the only ones a pass count counts."""
NEEDS_BASIS: tuple[str, ...] = (HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, NOT_AVAILABLE)
"""Statuses that must say why (which code enforces the claim, what the items do not measure, what is missing)."""

STATUS_MEANINGS: dict[str, str] = {
    PASS: "tested against the data and reproduced",
    FAIL: "tested against the data and not reproduced (or the code did not enforce what it should)",
    HOLDS_BY_CONSTRUCTION: "a design fact the code enforces; the data cannot show otherwise",
    NOT_CHECKABLE: "the survey's items do not measure what the claim is about",
    NOT_AVAILABLE: "the respondent file lacks the variables the check needs",
}
STATUS_BADGES: dict[str, str] = {
    PASS: "PASS",
    FAIL: "FAIL",
    HOLDS_BY_CONSTRUCTION: "BY CONSTRUCTION",
    NOT_CHECKABLE: "NOT CHECKABLE",
    NOT_AVAILABLE: "N/A",
}
"""Short labels for badges and tables."""

BUILT_IN_NOTE: str = "built into the synthetic data: a pass shows the code detects it, not that it is true"
INTERVAL_NOTE: str = (
    "The interval is shown, not tested: on synthetic data calibrated to the published value it always covers "
    "that value. On an independent sample, a comparison with the published value would need the interval of "
    "the difference between the two estimates, not this interval."
)

SCORECARD_COLUMNS: tuple[str, ...] = (
    "claim_id", "study", "kind", "subject", "source", "location", "published", "reproduced", "ci_low",
    "ci_high", "status", "detail", "basis", "built_in", "ci_level",
)
"""Columns of every study's scorecard table, in order. ``basis``: how the status was reached (the rule of a
test, the code that enforces a design fact, why a claim is not checkable or not available); ``built_in``: on
synthetic data, how the generator builds the result in (empty otherwise); ``ci_level``: the confidence level
of ``ci_low`` and ``ci_high`` (e.g. 0.95; empty without an interval)."""


def normalised(status: str | None) -> str:
    """A status as written in a table cell, lower case without surrounding spaces ('' when missing)."""
    return str(status or "").strip().lower()


def status_counts(statuses: Iterable[str | None]) -> dict[str, int]:
    """How many rows have each status (every status of :data:`STATUSES` listed; unknown text counts as fail)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in statuses:
        key = normalised(status)
        counts[key if key in counts else FAIL] += 1
    return counts


def count_text(statuses: Iterable[str | None], built_in: Iterable[bool] | None = None) -> str:
    """The counts in words, tested claims apart from the rest, e.g.
    '11 of 12 tested claims pass (10 of them built into the synthetic data); 4 hold by construction;
    1 not checkable'. ``built_in``: per row, whether its result is built into the synthetic data."""
    statuses = [normalised(status) for status in statuses]
    counts = status_counts(statuses)
    tested = counts[PASS] + counts[FAIL]
    parts = [f"{counts[PASS]} of {tested} tested claims pass"]
    if built_in is not None:
        flags = list(built_in)
        built = sum(1 for status, flag in zip(statuses, flags, strict=True) if flag and status == PASS)
        if built:
            parts[0] += f" ({built} of them built into the synthetic data)"
    if counts[HOLDS_BY_CONSTRUCTION]:
        parts.append(f"{counts[HOLDS_BY_CONSTRUCTION]} hold{'s' if counts[HOLDS_BY_CONSTRUCTION] == 1 else ''} "
                     "by construction")
    if counts[NOT_CHECKABLE]:
        parts.append(f"{counts[NOT_CHECKABLE]} not checkable")
    if counts[NOT_AVAILABLE]:
        parts.append(f"{counts[NOT_AVAILABLE]} not available in this file")
    return "; ".join(parts)


def row_count_text(rows: Iterable[Mapping[str, str]]) -> str:
    """:func:`count_text` of scorecard rows read as text (``status`` and ``built_in`` cells)."""
    rows = list(rows)
    return count_text([row.get("status") for row in rows],
                      [bool(str(row.get("built_in") or "").strip()) for row in rows])


def _number(value: object) -> float | None:
    """A finite float from a number or its text, else None."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def interval_label(low: object, high: object, level: object, decimals: int = 2) -> str:
    """An interval with its actual level, e.g. '95% [60.32, 61.67]' or '90% [...]' ('' without an interval;
    'level not recorded [...]' when the level is unknown)."""
    low_number, high_number, level_number = _number(low), _number(high), _number(level)
    if low_number is None or high_number is None:
        return ""
    label = f"{100 * level_number:g}%" if level_number is not None else "level not recorded"
    return f"{label} [{low_number:.{decimals}f}, {high_number:.{decimals}f}]"


def status_legend_markdown() -> str:
    """What each status means, and what the intervals do and do not show, as Markdown for a report."""
    lines = [f"- **{status}**: {meaning}." for status, meaning in STATUS_MEANINGS.items()]
    lines.append(f"- *{BUILT_IN_NOTE[0].upper()}{BUILT_IN_NOTE[1:]}* (synthetic data only).")
    return "\n".join(lines) + f"\n\n{INTERVAL_NOTE}"
