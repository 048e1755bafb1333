"""Design-based estimates (weights, strata, clusters) through the ``svy`` package.

Generic wrappers for both studies: each takes a pandas frame and the names of its design columns,
builds an ``svy.Sample`` (svy works on polars) and returns a pandas frame with one row per ``by``
group and the columns :data:`ESTIMATE_COLUMNS`:

``estimate, se, ci_low, ci_high, deff, df, n`` (after the ``by`` columns, which come back as text)

Estimates are proportions/means on the scale of the data (0-1 for a proportion), ``df`` is svy's
degrees of freedom (PSUs holding domain members minus strata) and ``n`` the number of rows used.

Variances are svy's Taylor linearisation (with-replacement PSU variance within strata, PSU codes
nested in strata); nothing here computes a variance by hand. Rows whose analysis variable is missing
are left out of the estimate but stay in the design (svy's ``drop_nulls=True``, a domain estimate),
so the variance still sees every PSU.

Several variables on one design (:func:`survey_means`, :func:`survey_level_shares`) share one
``svy.Sample``: the design is built once and svy caches its strata and PSU codes, while each variable is
still estimated on its own (svy checks missing values only in the columns of the analysis at hand), so
each result is the one the single-variable function gives. This is what keeps large files fast.

svy calls used: ``svy.Design(stratum=, psu=, wgt=, singleton=)``, ``svy.Sample(polars_frame,
design)``, ``sample.estimation.mean(y, by=, alpha=, deff=, drop_nulls=True)``,
``sample.estimation.prop(y, by=, alpha=, ci_method=, deff=, drop_nulls=True)`` and
``Estimate.to_polars()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import polars as pl
import svy

ESTIMATE_COLUMNS: tuple[str, ...] = ("estimate", "se", "ci_low", "ci_high", "deff", "df", "n")
_INDICATOR: str = "__is_level__"
LEVEL: str = "level"
"""Column of :func:`survey_level_shares` holding the value whose share a row estimates."""
_SVY_RENAMES: dict[str, str] = {"est": "estimate", "lci": "ci_low", "uci": "ci_high"}

Columns = str | Sequence[str] | None
DeffReference = Literal["wr", "wor"]


@dataclass(frozen=True)
class SurveyDesign:
    """How a sample was drawn, as the estimates need to know it: the weight, the strata and the clusters.

    ``weight``: the column of survey weights (None: every respondent counts once). ``strata``: the column
    that says which separately drawn sample a respondent belongs to (None: one sample). ``psu``: the column of
    primary sampling units, the clusters that were drawn (None: each row is drawn on its own).
    ``equal_stratum_totals``: rescale the weights so that every stratum has the same total (within a stratum
    the weights keep their ratios), e.g. an unweighted average of countries when the strata are countries.
    Write one in a notebook, e.g. ``SurveyDesign(weight="weight_country", strata="COUNTRY", psu="RESPID")``.
    """

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    equal_stratum_totals: bool = False

    def unweighted(self) -> SurveyDesign:
        """The same design without weights (every respondent counts once)."""
        return replace(self, weight=None, equal_stratum_totals=False)

    def with_equal_stratum_totals(self) -> SurveyDesign:
        """The same design, its weights rescaled so that every stratum has the same total."""
        return replace(self, equal_stratum_totals=True)

    def describe(self) -> pd.DataFrame:
        """The design as a small table for a notebook: part, column, meaning."""
        return pd.DataFrame({
            "part of the design": ["weight", "strata", "primary sampling units (clusters)"],
            "column": [self.weight or "none (every respondent counts once)", self.strata or "none (one sample)",
                       self.psu or "none (each row drawn on its own)"],
            "rescaled to equal stratum totals": ["yes" if self.equal_stratum_totals else "no", "", ""],
        })


def _as_list(columns: Columns) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in data.columns]
    if missing:
        raise KeyError(f"columns not in the data: {', '.join(missing)}")


def _to_polars(data: pd.DataFrame, analysis: Sequence[str], design: Sequence[str], by: Sequence[str]) -> pl.DataFrame:
    """Keep the needed columns: identifiers (strata, PSUs, ``by``) as text, analysis columns as float.

    Identifiers must not be missing (a missing PSU or group would silently become a group "nan").
    Built column by column straight into polars (no intermediate pandas frame): integer identifiers are
    cast to text by polars, which writes the same decimal strings as pandas ``astype(str)``; analysis
    columns keep NaN as missing (null), as ``pl.from_pandas`` does.
    """
    columns: dict[str, pl.Series] = {}  # a name given twice keeps its first position and its last values
    for column in dict.fromkeys([*design, *by]):
        values = data[column]
        missing = values.isna().to_numpy()
        if missing.any():
            rows = np.flatnonzero(missing)[:10].tolist()
            raise ValueError(f"design or by column {column!r} has missing values (row positions {rows} ...)")
        columns[column] = _identifier_text(column, values)
    for column in analysis:
        numbers = pd.to_numeric(data[column], errors="raise").astype(float).to_numpy()
        columns[column] = pl.Series(column, numbers, nan_to_null=True)
    return pl.DataFrame(list(columns.values()))


def _identifier_text(name: str, values: pd.Series) -> pl.Series:
    """An identifier column as text, exactly as ``values.astype(str)`` writes it."""
    if pd.api.types.is_integer_dtype(values.dtype):
        numbers = values.to_numpy(dtype=getattr(values.dtype, "numpy_dtype", values.dtype))
        return pl.Series(name, numbers).cast(pl.String)
    return pl.Series(name, values.astype(str), dtype=pl.String)


def make_sample(
    data: pd.DataFrame,
    *,
    weight: str | None = None,
    strata: Columns = None,
    psu: Columns = None,
    singleton: str | None = None,
    analysis: Sequence[str] = (),
    by: Columns = None,
) -> svy.Sample:
    """Bind ``data`` (pandas) to its design as an ``svy.Sample``.

    ``weight=None`` means equal weights of 1, ``psu=None`` means each row is its own unit,
    ``strata=None`` means one stratum. ``singleton`` is svy's rule for strata with one PSU
    (e.g. ``"center"``); by default svy raises on them, which we leave as is.
    """
    by_columns = _as_list(by)
    identifiers = [*_as_list(strata), *_as_list(psu)]
    numeric = [*analysis, *([weight] if weight else [])]
    _check_columns(data, [*identifiers, *numeric, *by_columns])
    frame = _to_polars(data, numeric, identifiers, by_columns)
    design = svy.Design(
        stratum=_single_or_tuple(strata),
        psu=_single_or_tuple(psu),
        wgt=weight,
        singleton=singleton,
    )
    return svy.Sample(frame, design)


def _single_or_tuple(columns: Columns) -> str | tuple[str, ...] | None:
    listed = _as_list(columns)
    if not listed:
        return None
    return listed[0] if len(listed) == 1 else tuple(listed)


def _tidy_frame(result: pl.DataFrame, by: Sequence[str], keep: Sequence[str] = ()) -> pd.DataFrame:
    """svy result -> pandas: ``by`` columns, then ``keep``, then :data:`ESTIMATE_COLUMNS`; sorted by ``by``."""
    frame = result.rename(_SVY_RENAMES).to_pandas()
    if "deff" not in frame.columns:
        frame["deff"] = np.nan
    frame = frame[[*by, *keep, *ESTIMATE_COLUMNS]]
    if by:
        frame = frame.sort_values(list(by), kind="stable")
    frame = frame.reset_index(drop=True)
    frame["df"] = frame["df"].astype("int64")
    frame["n"] = frame["n"].astype("int64")
    return frame


def survey_mean(
    data: pd.DataFrame,
    variable: str,
    *,
    weight: str | None = None,
    strata: Columns = None,
    psu: Columns = None,
    by: Columns = None,
    alpha: float = 0.05,
    deff: DeffReference | None = "wr",
    singleton: str | None = None,
) -> pd.DataFrame:
    """Weighted mean of ``variable`` (optionally per ``by`` group) with its design-based SE and CI.

    The CI is svy's: estimate +- t(df) * SE, df = number of PSUs - number of strata. ``deff`` is
    the design effect against simple random sampling with (``"wr"``) or without (``"wor"``)
    replacement; ``"wor"`` needs weights that sum to more than the sample size. Missing values of
    ``variable`` are left out (domain estimate). ``n`` is the number of rows used.
    """
    return survey_means(data, [variable], weight=weight, strata=strata, psu=psu, by=by, alpha=alpha, deff=deff,
                        singleton=singleton)[variable]


def survey_means(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    weight: str | None = None,
    strata: Columns = None,
    psu: Columns = None,
    by: Columns = None,
    alpha: float = 0.05,
    deff: DeffReference | None = "wr",
    singleton: str | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`survey_mean` of each of ``variables``, keyed by variable, from one ``svy.Sample``.

    The design is built once (svy caches its strata and PSU codes on the sample) and each variable is
    estimated on its own, so every result is the one :func:`survey_mean` gives for that variable alone:
    svy checks missing values only in the columns of the analysis at hand.
    """
    by_columns = _as_list(by)
    variables = list(dict.fromkeys(variables))
    sample = make_sample(
        data, weight=weight, strata=strata, psu=psu, singleton=singleton, analysis=variables, by=by_columns
    )
    return {
        variable: _tidy_frame(
            sample.estimation.mean(variable, by=by_columns or None, alpha=alpha, deff=deff, drop_nulls=True)
            .to_polars(),
            by_columns,
        )
        for variable in variables
    }


def survey_level_shares(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    weight: str | None = None,
    strata: Columns = None,
    psu: Columns = None,
    by: Columns = None,
    alpha: float = 0.05,
    ci_method: Literal["logit", "beta", "korn-graubard", "wilson"] = "logit",
    deff: DeffReference | None = "wr",
    singleton: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Weighted share of every value (level) of each of ``variables`` among its non-missing rows.

    One ``svy.Sample`` for all variables and one svy ``prop`` call per variable, which estimates every
    level at once (svy treats the variable as categorical). Each level's row is the one
    :func:`survey_proportion` gives for ``level`` (svy computes a level's share from the same indicator),
    but svy reports only the levels present in a ``by`` group, and it raises ``svy.errors.MethodError``
    when no design effect can be computed for any row. Keyed by variable; each frame has the ``by``
    columns, ``level`` (float) and :data:`ESTIMATE_COLUMNS`, sorted by ``by`` then as svy returns them.
    """
    by_columns = _as_list(by)
    variables = list(dict.fromkeys(variables))
    sample = make_sample(
        data, weight=weight, strata=strata, psu=psu, singleton=singleton, analysis=variables, by=by_columns
    )
    shares = {}
    for variable in variables:
        result = sample.estimation.prop(
            variable, by=by_columns or None, alpha=alpha, ci_method=ci_method, deff=deff, drop_nulls=True
        )
        shares[variable] = _tidy_frame(result.to_polars().rename({variable: LEVEL}), by_columns, keep=[LEVEL])
    return shares


def survey_proportion(
    data: pd.DataFrame,
    variable: str,
    level: Any = 1,
    *,
    weight: str | None = None,
    strata: Columns = None,
    psu: Columns = None,
    by: Columns = None,
    alpha: float = 0.05,
    ci_method: Literal["logit", "beta", "korn-graubard", "wilson"] = "logit",
    deff: DeffReference | None = "wr",
    singleton: str | None = None,
) -> pd.DataFrame:
    """Weighted share of rows where ``variable == level`` among rows where ``variable`` is not missing.

    Missing values of ``variable`` leave the denominator (domain estimate: they stay in the design).
    The CI is svy's ``ci_method`` (default logit: logit(p) +- t(df) * SE / (p(1-p)), back-transformed,
    so it stays inside [0, 1]). Returns the ``by`` columns and :data:`ESTIMATE_COLUMNS`.
    """
    by_columns = _as_list(by)
    _check_columns(data, [variable])
    indicator = pd.Series(np.where(data[variable].to_numpy() == level, 1.0, 0.0), index=data.index)
    indicator = indicator.where(data[variable].notna())
    # Only the columns the design needs travel with the indicator (not a copy of the whole frame).
    needed = [c for c in dict.fromkeys([*_as_list(strata), *_as_list(psu), *([weight] if weight else []),
                                        *by_columns]) if c in data.columns and c != _INDICATOR]
    frame = data[needed].assign(**{_INDICATOR: indicator})
    sample = make_sample(
        frame, weight=weight, strata=strata, psu=psu, singleton=singleton, analysis=[_INDICATOR], by=by_columns
    )
    result = sample.estimation.prop(
        _INDICATOR, by=by_columns or None, alpha=alpha, ci_method=ci_method, deff=deff, drop_nulls=True
    )
    # prop returns one row per level of the indicator (0 and 1) and group; keep level 1.
    rows = result.to_polars().filter(pl.col(_INDICATOR) == 1.0).drop(_INDICATOR)
    return _tidy_frame(rows, by_columns)
