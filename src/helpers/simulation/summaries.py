"""Monte Carlo summaries of the replicates, each with its Monte Carlo standard error (MCSE).

For an estimator with estimates ``t_1 .. t_R`` over R replicates of a population whose true value is ``theta``
(the formulas of Morris, White and Crowther 2019, "Using simulation studies to evaluate statistical methods",
*Statistics in Medicine* 38: 2074-2102, Table 6; no maintained Python package implements them, R's ``rsimsum``
does the same):

- bias ``= mean(t) - theta``, MCSE ``= sd(t) / sqrt(R)``;
- empirical SE ``= sd(t)``, MCSE ``= sd(t) / sqrt(2 (R - 1))``;
- mean model SE ``= mean(se)`` (what the interval uses); its ratio to the empirical SE, MCSE by the delta method
  ``ratio x sqrt(var(se) / (R mean(se)^2) + 1 / (2 (R - 1)))``;
- RMSE ``= sqrt(mean((t - theta)^2))``, MCSE ``= sqrt(var((t - theta)^2) / R) / (2 RMSE)`` (the MSE's MCSE by the
  delta method);
- coverage of a level-L interval ``= share of replicates whose interval holds theta``, MCSE ``= sqrt(c (1 - c) / R)``;
- rejection rate at level a ``= share of replicates with p < a``, MCSE ``= sqrt(r (1 - r) / R)``: the *size* of a
  test under a null population, its *power* under the generator's effects.

A pooled figure over several estimates of one replicate (e.g. the coverage over the three sectors) is the mean
over replicates of the replicate's share; its MCSE is ``sd(shares) / sqrt(R)``, which allows for estimates of one
replicate being correlated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

ESTIMATE_KEYS: tuple[str, ...] = ("scenario", "family", "analysis", "target", "country", "term", "weighting")
PERFORMANCE_COLUMNS: tuple[str, ...] = (
    *ESTIMATE_KEYS, "truth", "replicates", "mean_estimate", "bias", "bias_mcse", "empirical_se", "empirical_se_mcse",
    "model_se", "se_ratio", "se_ratio_mcse", "rmse", "rmse_mcse", "coverage95", "coverage95_mcse", "coverage90",
    "coverage90_mcse",
)
REJECTION_COLUMNS: tuple[str, ...] = (
    "scenario", "family", "analysis", "target", "term", "weighting", "p_column", "alpha", "replicates", "rejections",
    "rate", "rate_mcse",
)


# ---------------------------------------------------------------------------------------------------------
# Formulas (one estimator, arrays over replicates)
# ---------------------------------------------------------------------------------------------------------


def share_with_mcse(flags: np.ndarray) -> tuple[float, float]:
    """Share of true flags and its MCSE ``sqrt(p (1 - p) / R)``."""
    flags = np.asarray(flags, dtype=float)
    count = len(flags)
    share = float(flags.mean()) if count else float("nan")
    return share, float(np.sqrt(share * (1 - share) / count)) if count else float("nan")


def bias_with_mcse(estimates: np.ndarray, truth: float) -> tuple[float, float]:
    """``mean(t) - theta`` and ``sd(t) / sqrt(R)``."""
    estimates = np.asarray(estimates, dtype=float)
    count = len(estimates)
    spread = float(np.std(estimates, ddof=1)) if count > 1 else float("nan")
    return float(estimates.mean() - truth), spread / np.sqrt(count)


def empirical_se_with_mcse(estimates: np.ndarray) -> tuple[float, float]:
    """``sd(t)`` and ``sd(t) / sqrt(2 (R - 1))``."""
    estimates = np.asarray(estimates, dtype=float)
    if len(estimates) < 2:
        return float("nan"), float("nan")
    spread = float(np.std(estimates, ddof=1))
    return spread, spread / np.sqrt(2 * (len(estimates) - 1))


def rmse_with_mcse(estimates: np.ndarray, truth: float) -> tuple[float, float]:
    """``sqrt(mean((t - theta)^2))`` and its delta-method MCSE ``sqrt(var((t - theta)^2) / R) / (2 RMSE)``."""
    squared = (np.asarray(estimates, dtype=float) - truth) ** 2
    count = len(squared)
    rmse = float(np.sqrt(squared.mean()))
    if count < 2 or rmse == 0:
        return rmse, float("nan")
    return rmse, float(np.sqrt(np.var(squared, ddof=1) / count) / (2 * rmse))


def se_ratio_with_mcse(model_se: np.ndarray, estimates: np.ndarray) -> tuple[float, float]:
    """``mean(se) / sd(t)`` and its delta-method MCSE (both terms' relative errors combined)."""
    model_se = np.asarray(model_se, dtype=float)
    empirical, _ = empirical_se_with_mcse(estimates)
    count = len(model_se)
    if count < 2 or not empirical:
        return float("nan"), float("nan")
    ratio = float(model_se.mean() / empirical)
    relative = np.var(model_se, ddof=1) / (count * model_se.mean() ** 2) + 1 / (2 * (count - 1))
    return ratio, float(ratio * np.sqrt(relative))


def covered(truth: pd.Series | float, low: pd.Series, high: pd.Series) -> pd.Series:
    """Whether each interval [low, high] holds the truth (missing intervals count as not covering)."""
    return ((low <= truth) & (truth <= high)).fillna(False).astype(bool)


# ---------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------


def with_truth(results: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The interval estimates of ``results`` joined to their true values (``truth`` columns of
    ``helpers.simulation.population.TRUTH_COLUMNS``); estimates without a true value are left out."""
    keys = ["scenario", "family", "target", "country", "term"]
    estimates = results.loc[results["se"].notna()]
    return estimates.merge(truth.rename(columns={"value": "truth"}), on=keys, how="inner", validate="m:1")


def estimator_performance(joined: pd.DataFrame) -> pd.DataFrame:
    """Bias, empirical and model SE, RMSE and the coverage of the 95% and 90% intervals of every estimator,
    each with its MCSE (formulas in the module docstring); columns :data:`PERFORMANCE_COLUMNS`."""
    rows = []
    for keys, group in joined.groupby(list(ESTIMATE_KEYS), sort=False):
        truth = float(group["truth"].iloc[0])
        estimates = group["estimate"].to_numpy(dtype=float)
        bias, bias_mcse = bias_with_mcse(estimates, truth)
        empirical, empirical_mcse = empirical_se_with_mcse(estimates)
        ratio, ratio_mcse = se_ratio_with_mcse(group["se"].to_numpy(dtype=float), estimates)
        rmse, rmse_mcse = rmse_with_mcse(estimates, truth)
        coverage95 = share_with_mcse(covered(truth, group["ci95_low"], group["ci95_high"]).to_numpy())
        coverage90 = (share_with_mcse(covered(truth, group["ci90_low"], group["ci90_high"]).to_numpy())
                      if group["ci90_low"].notna().any() else (float("nan"), float("nan")))
        rows.append((*keys, truth, len(group), float(estimates.mean()), bias, bias_mcse, empirical, empirical_mcse,
                     float(group["se"].mean()), ratio, ratio_mcse, rmse, rmse_mcse, *coverage95, *coverage90))
    return pd.DataFrame(rows, columns=list(PERFORMANCE_COLUMNS))


def pooled_share(joined: pd.DataFrame, flag: pd.Series) -> tuple[float, float, int]:
    """Mean over replicates of each replicate's share of true ``flag`` (aligned with ``joined``), its MCSE
    ``sd / sqrt(R)`` and R (see the module docstring)."""
    per_replicate = flag.astype(float).groupby(joined["replicate"]).mean().to_numpy()
    count = len(per_replicate)
    if count == 0:
        return float("nan"), float("nan"), 0
    spread = float(np.std(per_replicate, ddof=1)) if count > 1 else float("nan")
    return float(per_replicate.mean()), spread / np.sqrt(count), count


def rejection_rates(results: pd.DataFrame, alpha: float = 0.05,
                    p_columns: Sequence[str] = ("p_value", "p_adjusted")) -> pd.DataFrame:
    """Share of replicates whose test rejects at ``alpha`` (``p < alpha``), per test and p-value column (raw and,
    where there is one, Holm-adjusted), with its MCSE; columns :data:`REJECTION_COLUMNS`."""
    tests = results.loc[results["family"].isin(["sector_test", "country_test"])]
    rows = []
    keys = ["scenario", "family", "analysis", "target", "term", "weighting"]
    for group_keys, group in tests.groupby(keys, sort=False):
        for column in p_columns:
            p = group[column]
            if p.isna().all():
                continue
            rejected = (p < alpha).to_numpy()
            rate, mcse = share_with_mcse(rejected)
            rows.append((*group_keys, column, alpha, len(group), int(rejected.sum()), rate, mcse))
    return pd.DataFrame(rows, columns=list(REJECTION_COLUMNS))


def sign_recovery(joined: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    """Per coefficient of ``terms``: share of replicates whose estimate has the sign of the population value,
    and share whose 95% interval excludes 0 on that side (a correct-sign rejection), each with its MCSE."""
    coefficients = joined.loc[(joined["family"] == "coefficient") & joined["term"].isin(list(terms))]
    rows = []
    for (sector, term), group in coefficients.groupby(["target", "term"], sort=False):
        sign = np.sign(group["truth"].iloc[0])
        right_sign = share_with_mcse((np.sign(group["estimate"]) == sign).to_numpy())
        excludes = (group["ci95_low"] > 0) if sign > 0 else (group["ci95_high"] < 0)
        significant = share_with_mcse(excludes.to_numpy())
        rows.append({"target": sector, "term": term, "truth": float(group["truth"].iloc[0]), "replicates": len(group),
                     "right_sign": right_sign[0], "right_sign_mcse": right_sign[1],
                     "significant_right_sign": significant[0], "significant_right_sign_mcse": significant[1]})
    return pd.DataFrame(rows)


def mcse_for_coverage(replicates: int, coverage: float = 0.95) -> float:
    """The MCSE a coverage near ``coverage`` has with ``replicates`` replicates: ``sqrt(c (1 - c) / R)``."""
    return float(np.sqrt(coverage * (1 - coverage) / replicates))
