"""How a scorecard row reads in a report: the published and reproduced values, the interval and the reason.

Used by the reproduction reports (:mod:`helpers.report.reproduction`) and the index page
(:mod:`helpers.report.site`), so that a claim reads the same everywhere:

* a **value** claim shows its number with its unit (``60%``, ``61``) and the reproduced value with its interval
  and level;
* a **rank** claim shows ranks on both sides (``rank 1``); the interval beside it is the item's percentage and is
  labelled so (never a percentage interval beside a bare rank);
* a **direction** claim shows the claimed direction in the published column (``+ women engage more
  (generally)``), from the claims registry;
* a **validation** criterion (the validation study's scorecard, kind ``validation``) shows its target band, the
  measure found over the replicates in the band's unit (``92.2%``, ``0.029 index points``) with two Monte Carlo
  standard errors either side, and reads "Met" or "Not met" (it is our own target, not a published number);
* every text a reader sees goes through :func:`helpers.report.labels.readable_text` (no ``p = 0``, no
  ``rm_anova``).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.data.status import (
    FAIL,
    HOLDS_BY_CONSTRUCTION,
    NOT_AVAILABLE,
    NOT_CHECKABLE,
    PASS,
    STATUS_BADGES,
    STATUS_MEANINGS,
    normalised,
)
from helpers.report.labels import label, readable_text

DASH = "\u2013"
SIGN_WORDS = {"+": "positive (+)", "-": "negative (\u2212)"}
STATUS_WORDS: dict[str, str] = {
    PASS: "Reproduced",
    FAIL: "Not reproduced",
    HOLDS_BY_CONSTRUCTION: "Holds by construction",
    NOT_CHECKABLE: "Not checkable",
    NOT_AVAILABLE: "Not available",
}
"""The status of a claim in plain words (the CSV keeps the short codes of :mod:`helpers.data.status`)."""
VALIDATION = "validation"
MET, WITHIN_ERROR, NOT_MET = "met", "within error", "not met"
VALIDATION_STATUS_WORDS: dict[str, str] = {MET: "Met", WITHIN_ERROR: "Within Monte Carlo error", NOT_MET: "Not met"}
"""A validation criterion (a target we set, not a published number) is met when the measure found lies in its
target band; within Monte Carlo error when it lies outside but within two Monte Carlo standard errors of it (the
scorecard's 'pass': not ruled out, and more replicates would tell); not met otherwise."""


def read_claims(claims_file: Path | None) -> dict[str, dict[str, str]]:
    """The claims registry as ``{claim_id: row}`` (text cells), ``{}`` without the file."""
    if claims_file is None or not Path(claims_file).is_file():
        return {}
    with Path(claims_file).open(encoding="utf-8", newline="") as handle:
        return {row["claim_id"]: {k: v or "" for k, v in row.items() if k} for row in csv.DictReader(handle)
                if row.get("claim_id")}


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def plain_number(text: Any, decimals: int = 1) -> str:
    """``60.0`` -> ``60``, ``60.02415`` -> ``60.0``: integers bare, other numbers with ``decimals``; text as is."""
    value = _number(text)
    if value is None:
        return str(text or "")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{decimals}f}"


def _unit_suffix(claim: Mapping[str, str]) -> str:
    return "%" if claim.get("unit") == "percent" else ""


def is_validation(row: Mapping[str, str]) -> bool:
    """Whether ``row`` is a validation criterion (the validation study's scorecard) rather than a published claim."""
    return row.get("kind") == VALIDATION


def validation_unit(row: Mapping[str, str]) -> str:
    """The unit of a validation criterion, read from its target band as
    :func:`helpers.simulation.scorecard.band_text` writes it: ``%`` for a share (``93.0% to 97.0%``), else the
    words after the last number (``at most 0.100 index points`` -> ``index points``), or nothing."""
    band = str(row.get("published") or "")
    if "%" in band:
        return "%"
    match = re.search(r"\d\s+([A-Za-z][A-Za-z ]*?)\s*$", band)
    return match.group(1) if match else ""


def validation_value(value: float, unit: str) -> str:
    """A validation measure in its unit: ``92.2%`` for a share, ``ratio 0.822``, ``0.029 index points``."""
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit == "ratio":
        return f"ratio {value:.3f}"
    return f"{value:.3f}" + (f" {unit}" if unit else "")


_BAND_NUMBER = r"(-?\d+(?:\.\d+)?)"


def validation_band(row: Mapping[str, str]) -> tuple[float, float] | None:
    """A criterion's target band (lower, upper) in the measure's scale, read from its text as
    :func:`helpers.simulation.scorecard.band_text` writes it (``93.0% to 97.0%``, ``at most 0.100 index points``,
    ``at least 80.0%``); None when the text is not one of those."""
    band = str(row.get("published") or "")
    scale = 100.0 if validation_unit(row) == "%" else 1.0
    if match := re.match(rf"\s*at most {_BAND_NUMBER}", band):
        return -math.inf, float(match.group(1)) / scale
    if match := re.match(rf"\s*at least {_BAND_NUMBER}", band):
        return float(match.group(1)) / scale, math.inf
    if match := re.match(rf"\s*{_BAND_NUMBER}%? to {_BAND_NUMBER}", band):
        return float(match.group(1)) / scale, float(match.group(2)) / scale
    return None


def validation_outcome(row: Mapping[str, str]) -> str:
    """:data:`MET`, :data:`WITHIN_ERROR` or :data:`NOT_MET` (see :data:`VALIDATION_STATUS_WORDS`); a passing row
    whose value or band cannot be read counts as within error, never as met."""
    if normalised(row.get("status")) != PASS:
        return NOT_MET
    value, band = _number(row.get("reproduced")), validation_band(row)
    if value is None or band is None:
        return WITHIN_ERROR
    tolerance = 1e-9  # the value is rounded to 6 decimals, the band printed to 3
    return MET if band[0] - tolerance <= value <= band[1] + tolerance else WITHIN_ERROR


VALIDATION_CSS: dict[str, str] = {MET: "pass", WITHIN_ERROR: "within", NOT_MET: "fail"}
VALIDATION_BADGES: dict[str, str] = {MET: "MET", WITHIN_ERROR: "WITHIN MC ERROR", NOT_MET: "NOT MET"}


def criteria_count_text(rows: Sequence[Mapping[str, str]]) -> str:
    """'12 of 15 validation criteria met; 3 within Monte Carlo error of their target (not ruled out: more
    replicates would tell)'."""
    outcomes = [validation_outcome(row) for row in rows]
    text = f"{outcomes.count(MET)} of {len(outcomes)} validation criteria met"
    if outcomes.count(WITHIN_ERROR):
        text += (f"; {outcomes.count(WITHIN_ERROR)} within Monte Carlo error of their target (outside it, but by "
                 "less than two Monte Carlo standard errors: not ruled out, more replicates would tell)")
    return text


def location_text(row: Mapping[str, str]) -> str:
    """Where the claim stands in its source (``para. 5``) or, for a validation criterion, its scenario and estimate
    in words (``scenario eu_effects: index_by_sector (...)`` -> ``Population with the generator's effects ...``)."""
    location = str(row.get("location") or "")
    if is_validation(row):
        location = re.sub(r"^scenario (\w+):", lambda match: f"{label(match.group(1), 'scenario')}:", location)
    return readable_text(location)


def checks_are_criteria(rows: Sequence[Mapping[str, str]]) -> bool:
    """Whether a scorecard holds validation criteria (the validation study) rather than published claims."""
    return bool(rows) and all(is_validation(row) for row in rows)


def published_text(row: Mapping[str, str], claim: Mapping[str, str] | None = None) -> str:
    """What the source says: a value with its unit, a rank as ``rank N``, a direction with its sign and
    qualifier, or the registry's text."""
    claim = claim or {}
    kind = row.get("kind", "")
    published = str(row.get("published") or "")
    if kind == "rank" and _number(published) is not None:
        return f"rank {plain_number(published)}"
    if kind == "value" and _number(published) is not None:
        return plain_number(published) + _unit_suffix(claim)
    if kind == "direction" and claim:
        statement = claim.get("summary") or published
        sign = SIGN_WORDS.get(claim.get("direction", "").strip(), "")
        qualifier = claim.get("qualifier", "")
        text = f"{sign}: {statement}" if sign else statement
        if qualifier and qualifier not in text:
            text += f" ({qualifier})"
        return readable_text(text)
    return readable_text(published) if published else DASH


def reproduced_text(row: Mapping[str, str], claim: Mapping[str, str] | None = None) -> str:
    """What the reproduction found: a value with one decimal and the unit, a rank as ``rank N``, else its text
    (survey items by their labels only: the cell is narrow and may list all nine)."""
    claim = claim or {}
    kind = row.get("kind", "")
    reproduced = str(row.get("reproduced") or "")
    if kind == "rank" and _number(reproduced) is not None:
        return f"rank {plain_number(reproduced)}"
    if kind == "value" and _number(reproduced) is not None:
        return f"{_number(reproduced):.1f}" + _unit_suffix(claim)
    if kind == VALIDATION and _number(reproduced) is not None:
        return validation_value(_number(reproduced), validation_unit(row))
    return readable_text(reproduced, item_codes=False) if reproduced else DASH


def interval_text(row: Mapping[str, str], claim: Mapping[str, str] | None = None) -> str:
    """The reproduced value's interval with its level (``95% CI 56.5 to 63.4``); for a rank claim the item's
    percentage interval, labelled as such; a dash without an interval."""
    claim = claim or {}
    low, high = _number(row.get("ci_low")), _number(row.get("ci_high"))
    if low is None or high is None:
        return DASH
    if is_validation(row):
        unit = validation_unit(row)
        low_text = validation_value(low, unit if unit == "%" else "")
        return f"\u00b1 2 Monte Carlo SE: {low_text} to {validation_value(high, unit)}"
    level = _number(row.get("ci_level"))
    level_text = f"{100 * level:g}% CI" if level is not None else "interval (level not recorded)"
    unit = _unit_suffix(claim)
    span = f"{low:.1f}{unit} to {high:.1f}{unit}"
    if row.get("kind") == "rank":
        return f"item's percentage: {level_text} {span}"
    return f"{level_text} {span}"


def status_word(row: Mapping[str, str]) -> str:
    """The status in plain words (unknown text reads as not reproduced)."""
    status = normalised(row.get("status"))
    if is_validation(row):
        return VALIDATION_STATUS_WORDS[validation_outcome(row)]
    return STATUS_WORDS.get(status, STATUS_WORDS[FAIL])


def status_key(row: Mapping[str, str]) -> str:
    """The status code of :mod:`helpers.data.status` (unknown text counts as a failure)."""
    status = normalised(row.get("status"))
    return status if status in STATUS_WORDS else FAIL


def status_badge(row: Mapping[str, str]) -> str:
    """The short badge text (``PASS``, ``BY CONSTRUCTION`` ...)."""
    return STATUS_BADGES[status_key(row)]


def status_meaning(row: Mapping[str, str]) -> str:
    """What the status means (:data:`helpers.data.status.STATUS_MEANINGS`)."""
    return STATUS_MEANINGS[status_key(row)]


def reason_text(row: Mapping[str, str]) -> str:
    """Why the claim has its status, for a reader: the detail (and the basis for a status that must say why)."""
    detail = str(row.get("detail") or "")
    basis = str(row.get("basis") or "")
    if status_key(row) in (HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, NOT_AVAILABLE) and basis and basis != detail:
        return readable_text(f"{basis}. Found: {detail}" if detail else basis)
    return readable_text(detail or basis)
