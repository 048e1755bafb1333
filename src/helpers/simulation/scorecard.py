"""The validation scorecard: one row per criterion of ``data/raw/validation_criteria.csv``, passing or failing on
the replicates' evidence, with the columns of the claims scorecards (``helpers.data.status.SCORECARD_COLUMNS``).

Each criterion names a measure, the estimates it pools (scenario, family, analysis, weighting, optionally terms)
and a band ``[lower, upper]``. Measures (formulas in :mod:`helpers.simulation.summaries`):

- ``coverage95`` / ``coverage90``: share of the selected intervals that hold the population value, pooled over the
  selected estimates of each replicate;
- ``max_abs_bias``: the largest |bias| among the selected estimators (its MCSE: that estimator's);
- ``worst_se_ratio``: the ratio of mean model SE to empirical SE farthest from 1 among the selected estimators;
- ``rejection_rate`` / ``rejection_rate_adjusted``: share of the selected tests rejecting at 5% (raw or
  Holm-adjusted p-values), pooled per replicate;
- ``sign_recovery``: share of the selected coefficients with the population value's sign, pooled per replicate.

Decision (assumption A-VAL-06): a row *passes* when its measure lies in the band allowing two Monte Carlo standard
errors (``value + 2 MCSE >= lower`` and ``value - 2 MCSE <= upper``); it *fails* when the measure is outside the band
by more than two MCSEs. For a share the MCSE used is the larger of the observed one and the binomial MCSE at the
nearest point of the band (``sqrt(p (1 - p) / (R k))`` for k pooled estimates), so that 20 covering intervals out of
20 are not read as a share known exactly. With few replicates the MCSE is wide and the evidence weak: every row
states R and its MCSE.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.status import FAIL, PASS, SCORECARD_COLUMNS
from helpers.data.validation import InputFileError, read_csv_checked
from helpers.simulation.summaries import covered, pooled_share

CRITERIA_FILE_NAME = "validation_criteria.csv"
CRITERIA_COLUMNS: tuple[str, ...] = ("criterion_id", "subject", "measure", "scenario", "family", "analysis",
                                     "weighting", "terms", "lower", "upper", "unit", "rationale")
MEASURES: tuple[str, ...] = ("coverage95", "coverage90", "max_abs_bias", "worst_se_ratio", "rejection_rate",
                             "rejection_rate_adjusted", "sign_recovery")
SHARE_MEASURES: tuple[str, ...] = ("coverage95", "coverage90", "rejection_rate", "rejection_rate_adjusted",
                                   "sign_recovery")
ALPHA: float = 0.05
STUDY: str = "validation"
MCSE_MULTIPLIER: float = 2.0


class CriteriaFileError(InputFileError):
    """The validation criteria file breaks its rules: the message names the file, the column and the rows."""


@dataclass(frozen=True)
class Evidence:
    """One criterion's measure: its value, MCSE, replicates and how many estimates it pools per replicate."""

    value: float
    mcse: float
    replicates: int
    pooled: int


def read_criteria(path: str | Path) -> pd.DataFrame:
    """The criteria file, checked: known measures, numeric bounds with lower <= upper, unique ids."""
    table = read_csv_checked(path, required_columns=CRITERIA_COLUMNS, error_type=CriteriaFileError)
    problems = []
    lines = {index: index + 2 for index in table.index}  # line 1 is the header

    def rows(mask: pd.Series) -> str:
        return ", ".join(str(lines[i]) for i in table.index[mask])

    unknown = ~table["measure"].isin(MEASURES)
    if unknown.any():
        problems.append(f"column measure: unknown measures {sorted(set(table.loc[unknown, 'measure']))} on lines "
                        f"{rows(unknown)} (known: {', '.join(MEASURES)})")
    bounds = {column: pd.to_numeric(table[column], errors="coerce") for column in ("lower", "upper")}
    for column, values in bounds.items():
        if values.isna().any():
            problems.append(f"column {column}: not a number on lines {rows(values.isna())}")
    reversed_ = bounds["lower"] > bounds["upper"]
    if reversed_.any():
        problems.append(f"columns lower, upper: lower above upper on lines {rows(reversed_)}")
    repeated = table["criterion_id"].duplicated(keep=False)
    if repeated.any():
        problems.append(f"column criterion_id: repeated ids on lines {rows(repeated)}")
    if problems:
        raise CriteriaFileError(f"{path}: " + "; ".join(problems))
    return table.assign(lower=bounds["lower"], upper=bounds["upper"])


def select(frame: pd.DataFrame, criterion: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` (results or performance) a criterion pools."""
    mask = pd.Series(True, index=frame.index)
    for column in ("scenario", "family", "analysis", "weighting"):
        mask &= frame[column] == criterion[column]
    terms = [term for term in str(criterion["terms"]).split(";") if term]
    if terms:
        mask &= frame["term"].isin(terms)
    return frame.loc[mask]


def evidence(criterion: pd.Series, results: pd.DataFrame, joined: pd.DataFrame,
             performance: pd.DataFrame) -> Evidence:
    """The value and MCSE of a criterion's measure (module docstring)."""
    measure = criterion["measure"]
    if measure in ("coverage95", "coverage90"):
        level = measure.removeprefix("coverage")
        chosen = select(joined, criterion)
        flags = covered(chosen["truth"], chosen[f"ci{level}_low"], chosen[f"ci{level}_high"])
        return _pooled(chosen, flags)
    if measure in ("rejection_rate", "rejection_rate_adjusted"):
        chosen = select(results, criterion)
        p = chosen["p_adjusted" if measure.endswith("adjusted") else "p_value"]
        return _pooled(chosen, p < ALPHA)
    if measure == "sign_recovery":
        chosen = select(joined, criterion)
        return _pooled(chosen, pd.Series(np.sign(chosen["estimate"]) == np.sign(chosen["truth"]), index=chosen.index))
    chosen = select(performance, criterion)
    if chosen.empty:
        return Evidence(float("nan"), float("nan"), 0, 0)
    if measure == "max_abs_bias":
        worst = chosen.loc[chosen["bias"].abs().idxmax()]
        return Evidence(abs(float(worst["bias"])), float(worst["bias_mcse"]), int(worst["replicates"]), len(chosen))
    worst = chosen.loc[(chosen["se_ratio"] - 1).abs().idxmax()]
    return Evidence(float(worst["se_ratio"]), float(worst["se_ratio_mcse"]), int(worst["replicates"]), len(chosen))


def _pooled(chosen: pd.DataFrame, flags: pd.Series) -> Evidence:
    if chosen.empty:
        return Evidence(float("nan"), float("nan"), 0, 0)
    value, mcse, replicates = pooled_share(chosen, flags.astype(bool))
    per_replicate = int(round(len(chosen) / replicates))
    return Evidence(value, mcse, replicates, per_replicate)


def decision_mcse(criterion: pd.Series, found: Evidence) -> float:
    """The MCSE the decision uses (module docstring): for a share at least the binomial one inside the band."""
    mcse = 0.0 if np.isnan(found.mcse) else found.mcse
    if criterion["measure"] in SHARE_MEASURES and found.replicates:
        p = float(np.clip(found.value, criterion["lower"], criterion["upper"]))
        mcse = max(mcse, float(np.sqrt(p * (1 - p) / (found.replicates * max(found.pooled, 1)))))
    return mcse


def passes(criterion: pd.Series, found: Evidence) -> bool:
    """Whether the measure is within the band allowing two MCSEs (NaN never passes)."""
    if np.isnan(found.value):
        return False
    margin = MCSE_MULTIPLIER * decision_mcse(criterion, found)
    return bool(found.value + margin >= criterion["lower"] and found.value - margin <= criterion["upper"])


def _format(value: float, unit: str) -> str:
    if np.isnan(value):
        return "n/a"
    return f"{100 * value:.1f}%" if unit == "share" else f"{value:.3f}"


def _with_unit(value: float, unit: str) -> str:
    """'92.2%' for a share, '0.029 index points' for another unit."""
    return _format(value, unit) + ("" if unit == "share" or np.isnan(value) else f" {unit}")


def band_text(criterion: pd.Series) -> str:
    """'93.0-97.0%', 'at most 0.100 index points', 'at least 80.0%'."""
    unit, lower, upper = criterion["unit"], criterion["lower"], criterion["upper"]
    suffix = "" if unit == "share" else f" {unit}"
    if lower == 0:
        return f"at most {_format(upper, unit)}{suffix}"
    if unit == "share" and upper == 1 or unit != "share" and np.isinf(upper):
        return f"at least {_format(lower, unit)}{suffix}"
    return f"{_format(lower, unit)} to {_format(upper, unit)}{suffix}"


def _evidence_range(value: float, margin: float, measure: str) -> dict[str, float | str]:
    """``ci_low``/``ci_high`` of a row: the measure +- two MCSEs (a share kept within 0-1; a |bias| at least 0)."""
    if np.isnan(value):
        return {"ci_low": "", "ci_high": ""}
    low, high = value - margin, value + margin
    if measure in SHARE_MEASURES:
        low, high = max(low, 0.0), min(high, 1.0)
    elif measure == "max_abs_bias":
        low = max(low, 0.0)
    return {"ci_low": round(low, 6), "ci_high": round(high, 6)}


def scorecard(criteria: pd.DataFrame, results: pd.DataFrame, joined: pd.DataFrame, performance: pd.DataFrame,
              criteria_file: str = f"data/raw/{CRITERIA_FILE_NAME}") -> pd.DataFrame:
    """One scorecard row per criterion, columns ``SCORECARD_COLUMNS`` (claim_id = the criterion's id)."""
    rows = []
    for criterion in criteria.to_dict("records"):
        criterion = pd.Series(criterion)
        found = evidence(criterion, results, joined, performance)
        mcse = decision_mcse(criterion, found)
        status = PASS if passes(criterion, found) else FAIL
        unit = criterion["unit"]
        pooled = f", {found.pooled} estimates pooled per replicate" if found.pooled > 1 else ""
        rows.append({
            "claim_id": criterion["criterion_id"], "study": STUDY, "kind": "validation",
            "subject": criterion["subject"], "source": criteria_file,
            "location": f"scenario {criterion['scenario']}: {criterion['analysis']} ({criterion['weighting']})",
            "published": band_text(criterion),
            "reproduced": round(found.value, 6) if not np.isnan(found.value) else "",
            **_evidence_range(found.value, MCSE_MULTIPLIER * mcse, criterion["measure"]),
            "status": status,
            "detail": (f"{_with_unit(found.value, unit)} over {found.replicates} replicates{pooled}; Monte Carlo "
                       f"standard error {_with_unit(mcse, unit)}; target {band_text(criterion)}, judged allowing two "
                       f"Monte Carlo standard errors (the range given with the value). Why: {criterion['rationale']}. "
                       "Synthetic populations: this checks the code, not the surveys."),
            "basis": (f"test: the replicates' {criterion['measure']} lies in the target band {band_text(criterion)}, "
                      "allowing two Monte Carlo standard errors"),
            "built_in": "",
            "ci_level": "",  # ci_low-ci_high is the estimate plus or minus two Monte Carlo standard errors
        })
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
