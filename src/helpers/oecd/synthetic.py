"""Seeded generator of a SYNTHETIC respondent file standing in for the 2010 OECD officials survey.

The real respondent-level data are not public. This module writes a file shaped like a vendor
delivery (one row per official x service area answered, vendor codes 1/2/8/9, see
:mod:`helpers.oecd.codebook`) whose yes-shares reproduce the published percentages of the claims
registry, read by claim_id (never typed here). Every row carries ``SYNTHETIC = 1``.

How a file is drawn (all from one ``numpy.random.Generator`` seeded with ``seed``):

1. Officials per country: at least :data:`MIN_OFFICIALS_PER_COUNTRY` each, the rest spread by a
   multinomial draw with Dirichlet country shares (so countries differ in size).
2. Service areas per official: 1 + Poisson(:data:`MEAN_EXTRA_AREAS`), at most 10, drawn without
   replacement with unequal area popularity (Gumbel top-k).
3. Latent yes-propensity per cell: logit(item target) + country + country x item + area + official
   random effects (normal, SDs below). Don't know with a country-varying probability around
   :data:`DONT_KNOW_RATE`; otherwise yes with the cell's propensity, else no.
4. Not answered (code 9): exactly round(:data:`BREAKOFF_RATE` x rows) whole rows (break-offs,
   every item 9; never a country's first row) and, per item, exactly round(rate x rows) further
   cells, the rate drawn per item from :data:`ITEM_NONRESPONSE_RATES` (1% to 5%), placed with
   country-varying weights.
5. Calibration (the sample itself, this module's own code): for each item with a target, count the
   responses R = yes + no + don't know (not-answered excluded, the published base of OECD-03) and
   the target yes count Y* = the integer nearest to target% x R (exact fractions, halves up).
   Randomly chosen yes cells become no (or no cells yes; don't-know cells only if no cells run
   out) until yes = Y*. Then 100 Y*/R - target lies in (-50/R, 50/R]: strictly inside half a
   printed unit (0.5 x 10**-d, d = printed decimals) when R > 100 x 10**d, and exactly 0 when
   R = 100 x 10**d. So the published value is reproduced, rounding half up, whenever
   R >= 100 x 10**d; :func:`verify_calibration` re-counts to make sure.
6. OECD-14: if fewer than a majority of OECD member countries have a yes to the experience item in
   some area, randomly chosen member countries without one get one answered cell turned to yes.

Why :data:`MIN_OFFICIALS` = 120: every official answers at least one area, so rows >= officials,
and R >= rows - round(0.02 rows) - round(0.05 rows) >= 0.93 x 120 - 1 = 110.6 >= 100, enough for
integer-percent targets; 24 countries x 2 officials = 48 <= 120.

Targets of rank-only items (OECD-10, OECD-11) are the codebook's ``assumed_percent`` (an
assumption, not a published value). This module must not import any analysis or scorecard module
(``helpers.oecd.clean``, ``.estimates``, ``.scorecard``, ``helpers.data.checks``, ...; tested): the
calibration is checked by independent code, and it reads the printed precision of a target itself
(:func:`printed_decimals`).

:func:`built_in_claims` says which claims the generator builds in, so that the scorecard can say that a pass
on these data shows the code detects the result, not that the result is true.

CLI: ``python -m helpers.oecd.synthetic --seed 2010 --officials 480 --out PATH``.
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.claims import claim_row, claim_value_text, load_claims
from helpers.oecd import codebook
from helpers.outputs import write_csv
from helpers.paths import CLAIMS_FILE, OECD_RAW_FILE

DEFAULT_SEED: int = 2010
DEFAULT_OFFICIALS: int = 480
MIN_OFFICIALS: int = 120
MIN_OFFICIALS_PER_COUNTRY: int = 2
MIN_RESPONSES_INTEGER_PERCENT: int = 100

MEAN_EXTRA_AREAS: float = 0.8
DONT_KNOW_RATE: float = 0.07
ITEM_NONRESPONSE_RATES: tuple[float, float] = (0.01, 0.05)  # per-item rate drawn uniformly in this range
BREAKOFF_RATE: float = 0.02
EXPERIENCE_RATE: float = 0.55
EMBEDDED_COUNTRY_EXPERIENCE_SHIFT: float = 1.0  # logit shift for countries named in OECD-13

SD_COUNTRY: float = 0.5
SD_COUNTRY_ITEM: float = 0.3
SD_AREA: float = 0.3
SD_OFFICIAL: float = 0.4
SD_COUNTRY_DONT_KNOW: float = 0.5
SD_COUNTRY_NONRESPONSE: float = 0.5
DIRICHLET_COUNTRY_SIZE: float = 2.0
DIRICHLET_AREA_POPULARITY: float = 3.0

YES_CODE: int = codebook.CODE_OF_RESPONSE[codebook.YES]
NO_CODE: int = codebook.CODE_OF_RESPONSE[codebook.NO]
DONT_KNOW_CODE: int = codebook.CODE_OF_RESPONSE[codebook.DONT_KNOW]
NOT_ANSWERED_CODE: int = codebook.CODE_OF_RESPONSE[codebook.NOT_ANSWERED]


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------


def calibration_targets(claims: pd.DataFrame) -> pd.DataFrame:
    """Target percent per item: published value (kind 'value') or codebook assumption (kind 'rank').

    Columns: item_id, column, figure, claim_id, kind, target_text, target (Fraction), source
    ('published' or 'assumed'). Raises ValueError if the assumed values contradict a published rank.
    """
    items = codebook.figure_items()
    rows = []
    for item in items.itertuples():
        kind = str(claim_row(claims, item.claim_id)["kind"])
        if kind == "value":
            text, source = claim_value_text(claims, item.claim_id), "published"
        elif kind == "rank":
            if np.isnan(item.assumed_percent):
                raise ValueError(f"item {item.item_id} ({item.claim_id}) is rank-only but has no assumed_percent")
            text, source = f"{item.assumed_percent:g}", "assumed"
        else:
            raise ValueError(f"claim {item.claim_id} of item {item.item_id} has kind {kind!r}, not value or rank")
        rows.append((item.item_id, item.column, item.figure, item.claim_id, kind, text, Fraction(text), source))
    targets = pd.DataFrame(
        rows, columns=["item_id", "column", "figure", "claim_id", "kind", "target_text", "target", "source"]
    )
    check_assumed_targets_respect_ranks(targets, claims)
    return targets


def check_assumed_targets_respect_ranks(targets: pd.DataFrame, claims: pd.DataFrame) -> None:
    """Raise ValueError unless every rank claim holds among its figure's targets (1 = largest, no ties)."""
    for row in targets.loc[targets["kind"] == "rank"].itertuples():
        published_rank = int(float(claim_value_text(claims, row.claim_id)))
        same_figure = targets.loc[targets["figure"] == row.figure, "target"]
        rank = 1 + int((same_figure > row.target).sum())
        ties = int((same_figure == row.target).sum()) - 1
        if rank != published_rank or ties:
            raise ValueError(
                f"assumed target {row.target_text}% of {row.item_id} gives rank {rank} (ties: {ties}) in "
                f"Figure {row.figure}, but {row.claim_id} publishes rank {published_rank}"
            )


def printed_decimals(text: str) -> int:
    """Decimals a published value is printed with: '42' -> 0, '42.5' -> 1 (the generator's own reading)."""
    text = str(text).strip()
    return len(text.partition(".")[2])


def built_in_claims(claims: pd.DataFrame) -> dict[str, str]:
    """Claim id -> how this generator builds the claim's result into the synthetic file.

    Value claims of the figures: the yes counts are calibrated to the published percentages; rank claims:
    the assumed percentages follow the published ranks; OECD-14: a majority of member countries is given
    a yes to the experience item (:func:`ensure_member_experience_majority`).
    """
    built = {}
    for row in calibration_targets(claims).itertuples():
        built[row.claim_id] = ("yes counts calibrated to the published percentage" if row.kind == "value"
                               else "assumed percentages set in the published order")
    built["OECD-14"] = "a majority of member countries is given a yes to the experience item"
    return built


def target_yes_count(target_percent: Fraction, n_responses: int) -> int:
    """The integer nearest to target% x n_responses (halves rounded up), in exact arithmetic."""
    exact = target_percent * n_responses / 100
    return int(exact + Fraction(1, 2)) if exact >= 0 else 0


def minimum_responses(target_text: str) -> int:
    """Responses needed so that some yes count reproduces ``target_text`` at its printed precision."""
    return MIN_RESPONSES_INTEGER_PERCENT * 10 ** printed_decimals(target_text)


def check_size(n_officials: int) -> None:
    """Raise ValueError when ``n_officials`` is below :data:`MIN_OFFICIALS` (calibration not guaranteed)."""
    if int(n_officials) != n_officials or n_officials < MIN_OFFICIALS:
        raise ValueError(
            f"n_officials must be an integer >= {MIN_OFFICIALS} (got {n_officials!r}): below that an item "
            f"may have fewer than {MIN_RESPONSES_INTEGER_PERCENT} responses, and then no yes count need "
            "reproduce an integer published percentage"
        )


# --------------------------------------------------------------------------------------------
# Drawing the sample
# --------------------------------------------------------------------------------------------


def allocate_officials(rng: np.random.Generator, n_countries: int, n_officials: int) -> np.ndarray:
    """Officials per country: the minimum each, the remainder multinomial with Dirichlet shares."""
    shares = rng.dirichlet(np.full(n_countries, DIRICHLET_COUNTRY_SIZE))
    extra = rng.multinomial(n_officials - MIN_OFFICIALS_PER_COUNTRY * n_countries, shares)
    return MIN_OFFICIALS_PER_COUNTRY + extra


def draw_service_areas(rng: np.random.Generator, n_officials: int, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """(official index, area index) of each row; 1 + Poisson areas per official, unequal popularity.

    Gumbel top-k: the k largest of log(popularity) + Gumbel noise are a draw without replacement
    with probabilities proportional to popularity. Rows come out sorted by official, then area.
    """
    popularity = rng.dirichlet(np.full(n_areas, DIRICHLET_AREA_POPULARITY))
    n_areas_each = np.minimum(1 + rng.poisson(MEAN_EXTRA_AREAS, size=n_officials), n_areas)
    keys = np.log(popularity)[None, :] + rng.gumbel(size=(n_officials, n_areas))
    order_of_key = np.argsort(np.argsort(-keys, axis=1, kind="stable"), axis=1, kind="stable")
    chosen = order_of_key < n_areas_each[:, None]
    official_index, area_index = np.nonzero(chosen)
    return official_index, area_index


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_item_codes(
    rng: np.random.Generator,
    country_index: np.ndarray,
    area_index: np.ndarray,
    official_index: np.ndarray,
    yes_shares: np.ndarray,
    fixed_country_shift: np.ndarray,
    n_areas: int,
    n_officials: int,
) -> np.ndarray:
    """Vendor codes (1 yes, 2 no, 8 don't know) for every row x item from the latent model.

    ``yes_shares`` is the intended yes share among responses per item (column). The yes
    probability among non-don't-know answers is yes_share / (1 - DONT_KNOW_RATE) on the logit scale,
    shifted by ``fixed_country_shift`` (countries x items, chosen, not drawn) and by country,
    country x item, area and official random effects.
    """
    n_countries = fixed_country_shift.shape[0]
    n_items = len(yes_shares)
    country_effect = rng.normal(0.0, SD_COUNTRY, n_countries)
    country_item_effect = rng.normal(0.0, SD_COUNTRY_ITEM, (n_countries, n_items))
    area_effect = rng.normal(0.0, SD_AREA, n_areas)
    official_effect = rng.normal(0.0, SD_OFFICIAL, n_officials)
    country_dont_know = rng.normal(0.0, SD_COUNTRY_DONT_KNOW, n_countries)

    base = _logit(np.clip(yes_shares / (1.0 - DONT_KNOW_RATE), 0.02, 0.98))[None, :]
    latent = (
        base
        + fixed_country_shift[country_index]
        + country_effect[country_index][:, None]
        + country_item_effect[country_index]
        + area_effect[area_index][:, None]
        + official_effect[official_index][:, None]
    )
    p_yes = _expit(latent)
    p_dont_know = _expit(_logit(DONT_KNOW_RATE) + country_dont_know[country_index])[:, None]
    u_dont_know = rng.random(latent.shape)
    u_yes = rng.random(latent.shape)
    return np.where(u_dont_know < p_dont_know, DONT_KNOW_CODE, np.where(u_yes < p_yes, YES_CODE, NO_CODE))


def _rounded_count(rate: float, n: int) -> int:
    return int(np.floor(rate * n + 0.5))


def mark_not_answered(rng: np.random.Generator, codes: np.ndarray, country_index: np.ndarray, n_countries: int) -> np.ndarray:
    """Set code 9 on exactly round(BREAKOFF_RATE x rows) whole rows and, per item, round(rate x rows) more
    cells (rate drawn in ITEM_NONRESPONSE_RATES; cells placed with country-varying weights among the other rows).

    Break-off rows are never a country's first row, so no country disappears when they are dropped.
    """
    codes = codes.copy()
    n_rows, n_items = codes.shape
    # The first row of each country is never a break-off, so every country stays in the cleaned data.
    first_row_of_country = np.unique(country_index, return_index=True)[1]
    may_break_off = np.setdiff1d(np.arange(n_rows), first_row_of_country)
    breakoff_rows = rng.choice(may_break_off, size=_rounded_count(BREAKOFF_RATE, n_rows), replace=False)
    codes[breakoff_rows, :] = NOT_ANSWERED_CODE
    answering = np.setdiff1d(np.arange(n_rows), breakoff_rows)
    country_weight = np.exp(rng.normal(0.0, SD_COUNTRY_NONRESPONSE, n_countries))[country_index[answering]]
    probabilities = country_weight / country_weight.sum()
    item_rates = rng.uniform(*ITEM_NONRESPONSE_RATES, size=n_items)
    for item in range(n_items):
        n_cells = _rounded_count(item_rates[item], n_rows)
        rows = rng.choice(answering, size=n_cells, replace=False, p=probabilities)
        codes[rows, item] = NOT_ANSWERED_CODE
    return codes


def calibrate_item(rng: np.random.Generator, codes: np.ndarray, target_percent: Fraction, minimum: int) -> np.ndarray:
    """Flip randomly chosen cells of one item (1-D codes) until yes = the target yes count.

    Too many yes: yes -> no. Too few: no -> yes, then don't know -> yes if the no cells run out.
    Raises ValueError when the item has fewer than ``minimum`` responses.
    """
    codes = codes.copy()
    n_responses = int(np.isin(codes, (YES_CODE, NO_CODE, DONT_KNOW_CODE)).sum())
    if n_responses < minimum:
        raise ValueError(f"only {n_responses} responses to an item; at least {minimum} are needed to calibrate")
    wanted = target_yes_count(target_percent, n_responses)
    n_yes = int((codes == YES_CODE).sum())
    if n_yes > wanted:
        cells = rng.choice(np.flatnonzero(codes == YES_CODE), size=n_yes - wanted, replace=False)
        codes[cells] = NO_CODE
    elif n_yes < wanted:
        candidates = np.flatnonzero(codes == NO_CODE)
        if len(candidates) < wanted - n_yes:
            candidates = np.concatenate([candidates, np.flatnonzero(codes == DONT_KNOW_CODE)])
        cells = rng.choice(candidates, size=wanted - n_yes, replace=False)
        codes[cells] = YES_CODE
    return codes


def ensure_member_experience_majority(
    rng: np.random.Generator, experience: np.ndarray, country_index: np.ndarray, is_member: np.ndarray
) -> np.ndarray:
    """Make a strict majority of OECD member countries answer yes to the experience item somewhere.

    ``experience`` holds the experience item's codes per row, ``is_member`` flags member countries
    (indexed by country). Member countries without a yes are chosen at random and one of their
    answered (no / don't know) cells becomes yes, until the majority holds.
    """
    experience = experience.copy()
    members = np.flatnonzero(is_member)
    has_yes = np.zeros(len(is_member), dtype=bool)
    has_yes[np.unique(country_index[experience == YES_CODE])] = True
    needed = len(members) // 2 + 1 - int(has_yes[members].sum())
    if needed <= 0:
        return experience
    answered = np.isin(experience, (NO_CODE, DONT_KNOW_CODE))
    candidates = np.array([c for c in members if not has_yes[c] and answered[country_index == c].any()], dtype=int)
    if len(candidates) < needed:
        raise RuntimeError("too few member countries with answered experience cells to reach a majority")
    for country in np.sort(rng.choice(candidates, size=needed, replace=False)):
        cell = rng.choice(np.flatnonzero(answered & (country_index == country)))
        experience[cell] = YES_CODE
    return experience


def verify_calibration(codes: np.ndarray, targets: pd.DataFrame) -> None:
    """Raise RuntimeError unless each item's 100 x yes / responses is within half a printed unit of its target."""
    for position, row in enumerate(targets.itertuples()):
        column = codes[:, position]
        n_responses = int(np.isin(column, (YES_CODE, NO_CODE, DONT_KNOW_CODE)).sum())
        share = Fraction(100 * int((column == YES_CODE).sum()), n_responses)
        half_unit = Fraction(1, 2) / 10 ** printed_decimals(row.target_text)
        if not (row.target - half_unit <= share < row.target + half_unit):
            raise RuntimeError(f"calibration failed for {row.item_id}: {float(share):.4f}% vs {row.target_text}%")


# --------------------------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------------------------


def generate(
    seed: int = DEFAULT_SEED,
    n_officials: int = DEFAULT_OFFICIALS,
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
) -> pd.DataFrame:
    """Draw the synthetic vendor file: one row per official x service area, vendor codes, SYNTHETIC = 1.

    Columns: RESPID, COUNTRY, CNTRY_CODE, MEMBERSHIP, COFOG, Q1_01, Q2_01, Q2_02, Q3_01..Q3_04,
    Q4_01..Q4_03, SYNTHETIC. Rows sorted by RESPID then COFOG. Same seed and size -> same frame.
    """
    check_size(n_officials)
    claims = load_claims(claims_path)
    targets = calibration_targets(claims)
    countries = codebook.country_table(claims_path)
    areas = codebook.area_table()
    items = codebook.item_table()
    rng = np.random.default_rng(seed)

    per_country = allocate_officials(rng, len(countries), n_officials)
    country_of_official = np.repeat(np.arange(len(countries)), per_country)
    official_index, area_index = draw_service_areas(rng, n_officials, len(areas))
    country_index = country_of_official[official_index]

    is_member = (countries["membership"] == codebook.OECD_MEMBER).to_numpy()
    target_shares = np.array([float(t) / 100 for t in targets["target"]])
    shares = np.concatenate([[EXPERIENCE_RATE], target_shares])
    fixed_shift = np.zeros((len(countries), len(shares)))
    fixed_shift[:, 0] = np.where(countries["named_in_sources"].to_numpy() & is_member, EMBEDDED_COUNTRY_EXPERIENCE_SHIFT, 0.0)
    codes = draw_item_codes(rng, country_index, area_index, official_index, shares, fixed_shift, len(areas), n_officials)
    codes = mark_not_answered(rng, codes, country_index, len(countries))

    for position, row in enumerate(targets.itertuples(), start=1):
        codes[:, position] = calibrate_item(rng, codes[:, position], row.target, minimum_responses(row.target_text))
    codes[:, 0] = ensure_member_experience_majority(rng, codes[:, 0], country_index, is_member)
    verify_calibration(codes[:, 1:], targets)

    return assemble_vendor_frame(official_index, country_index, area_index, codes, countries, areas, items)


def respondent_ids(official_index: np.ndarray) -> np.ndarray:
    """Vendor respondent ids 'R00001', ... (zero-padded so that text order is numeric order)."""
    width = max(5, len(str(int(official_index.max()) + 1))) if len(official_index) else 5
    return np.char.add("R", np.char.zfill((official_index + 1).astype(str), width))


def assemble_vendor_frame(
    official_index: np.ndarray,
    country_index: np.ndarray,
    area_index: np.ndarray,
    codes: np.ndarray,
    countries: pd.DataFrame,
    areas: pd.DataFrame,
    items: pd.DataFrame,
) -> pd.DataFrame:
    """Put the drawn arrays into the vendor layout, sorted by respondent then area."""
    frame = pd.DataFrame(
        {
            codebook.RESPONDENT_COLUMN: respondent_ids(official_index),
            codebook.COUNTRY_COLUMN: countries["country"].to_numpy()[country_index],
            codebook.COUNTRY_CODE_COLUMN: countries["country_code"].to_numpy()[country_index],
            codebook.MEMBERSHIP_COLUMN: countries["membership"].to_numpy()[country_index],
            codebook.AREA_COLUMN: areas["cofog_code"].to_numpy()[area_index],
        }
    )
    item_frame = pd.DataFrame(codes.astype("int64"), columns=list(items["column"]))
    frame = pd.concat([frame, item_frame], axis=1)
    frame[codebook.SYNTHETIC_COLUMN] = np.int64(1)
    frame = frame.sort_values([codebook.RESPONDENT_COLUMN, codebook.AREA_COLUMN], kind="stable")
    return frame.reset_index(drop=True)


def write(
    path: str | os.PathLike[str] = OECD_RAW_FILE,
    seed: int = DEFAULT_SEED,
    n_officials: int = DEFAULT_OFFICIALS,
    claims_path: str | os.PathLike[str] = CLAIMS_FILE,
) -> Path:
    """Generate and write the vendor CSV (UTF-8, '\\n' line endings, atomic). Returns the path."""
    return write_csv(generate(seed, n_officials, claims_path), path)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m helpers.oecd.synthetic --seed 2010 --officials 480 --out PATH``."""
    parser = argparse.ArgumentParser(description="Write the synthetic OECD 2010 officials file (vendor layout).")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--officials", type=int, default=DEFAULT_OFFICIALS,
        help=f"number of officials (default {DEFAULT_OFFICIALS}, minimum {MIN_OFFICIALS})",
    )
    parser.add_argument("--out", type=Path, default=OECD_RAW_FILE, help="output CSV path")
    parser.add_argument("--claims", type=Path, default=CLAIMS_FILE, help="claims registry to calibrate to")
    parser.add_argument("--codebook", type=Path, default=None, help="also write the codebook CSV here")
    args = parser.parse_args(argv)
    try:
        written = write(args.out, args.seed, args.officials, args.claims)
    except ValueError as error:  # a size the calibration is not checked for: a usage error, not a traceback
        parser.error(str(error))
    print(f"wrote {written} (seed {args.seed}, {args.officials} officials)")
    if args.codebook is not None:
        codebook.write_codebook(args.codebook, args.claims)
        print(f"wrote {args.codebook}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
