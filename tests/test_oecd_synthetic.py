"""The synthetic generator: calibration to the claims registry, reproducibility, independence.

The yes-shares here are counted directly from the vendor codes (1 yes; 1, 2, 8 responses; 9 not a
response), independently of both the generator's and the estimator's code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.data.claims import load_claims
from helpers.oecd import codebook, synthetic
from helpers.paths import OECD_RAW_FILE, PROJECT_ROOT


def published_value_claims() -> dict[str, str]:
    """Vendor column -> published value text, for every OECD value claim with an item."""
    claims = load_claims().set_index("claim_id")
    items = codebook.figure_items()
    return {
        item.column: claims.loc[item.claim_id, "value"]
        for item in items.itertuples()
        if claims.loc[item.claim_id, "kind"] == "value"
    }


def rounded_percent_yes(codes: pd.Series) -> int:
    """100 * yes / (yes + no + don't know), rounded half up, in exact arithmetic."""
    n_yes = int((codes == 1).sum())
    n_responses = int(codes.isin([1, 2, 8]).sum())
    exact = Decimal(100 * n_yes) / Decimal(n_responses)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def assert_reproduces_value_claims(frame: pd.DataFrame) -> None:
    for column, published in published_value_claims().items():
        assert rounded_percent_yes(frame[column]) == int(published), column


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return pd.read_csv(OECD_RAW_FILE, dtype={"COFOG": str})


def test_committed_file_reproduces_every_value_claim(committed: pd.DataFrame) -> None:
    assert len(published_value_claims()) == 7  # OECD-04..09 and OECD-12
    assert_reproduces_value_claims(committed)


@pytest.mark.parametrize(
    ("seed", "n_officials"),
    [(1, synthetic.MIN_OFFICIALS), (7, synthetic.MIN_OFFICIALS), (11, synthetic.MIN_OFFICIALS + 1),
     (2011, 250), (99, 777), (12345, 1500)],
)
def test_other_seeds_and_sizes_reproduce_every_value_claim(seed: int, n_officials: int) -> None:
    frame = synthetic.generate(seed, n_officials)
    assert_reproduces_value_claims(frame)
    assert frame[codebook.RESPONDENT_COLUMN].nunique() == n_officials
    assert frame[codebook.COUNTRY_COLUMN].nunique() == 24


def test_rank_only_items_follow_the_published_order(committed: pd.DataFrame) -> None:
    # OECD-10 leadership rank 1, OECD-11 willingness rank 2, both above OECD-12 accountability.
    shares = {column: rounded_percent_yes(committed[column]) for column in ("Q4_01", "Q4_02", "Q4_03")}
    assert shares["Q4_01"] > shares["Q4_02"] > shares["Q4_03"]


def test_below_minimum_size_raises() -> None:
    with pytest.raises(ValueError, match=str(synthetic.MIN_OFFICIALS)):
        synthetic.generate(1, synthetic.MIN_OFFICIALS - 1)


def test_committed_file_is_byte_identical_to_a_regeneration(tmp_path: Path) -> None:
    target = tmp_path / "regenerated.csv"
    synthetic.main(["--seed", str(synthetic.DEFAULT_SEED), "--officials", str(synthetic.DEFAULT_OFFICIALS),
                    "--out", str(target)])
    assert target.read_bytes() == OECD_RAW_FILE.read_bytes()


def test_same_seed_same_bytes_different_seed_different_data(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    synthetic.write(first, 5, 200)
    synthetic.write(second, 5, 200)
    synthetic.write(other, 6, 200)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert b"\r\n" not in first.read_bytes()


def test_vendor_layout(committed: pd.DataFrame) -> None:
    assert list(committed.columns) == [*codebook.ID_COLUMNS, *codebook.ITEM_COLUMNS, codebook.SYNTHETIC_COLUMN]
    assert (committed[codebook.SYNTHETIC_COLUMN] == 1).all()
    assert 300 <= len(committed) <= 1500
    assert committed[list(codebook.ITEM_COLUMNS)].isin([1, 2, 8, 9]).all().all()
    assert set(committed[codebook.AREA_COLUMN]) == set(codebook.COFOG_AREAS)
    assert not committed.duplicated([codebook.RESPONDENT_COLUMN, codebook.AREA_COLUMN]).any()
    sorted_frame = committed.sort_values([codebook.RESPONDENT_COLUMN, codebook.AREA_COLUMN])
    assert sorted_frame.index.equals(committed.index)
    officials_per_country = committed.groupby(codebook.COUNTRY_COLUMN)[codebook.RESPONDENT_COLUMN].nunique()
    assert officials_per_country.min() >= synthetic.MIN_OFFICIALS_PER_COUNTRY
    assert officials_per_country.nunique() > 5  # countries differ in size
    assert committed.groupby(codebook.RESPONDENT_COLUMN).size().max() > 1  # several areas per official


def test_dont_know_and_not_answered_rates_are_realistic(committed: pd.DataFrame) -> None:
    items = committed[list(codebook.ITEM_COLUMNS)]
    dont_know = (items == 8).to_numpy().mean()
    not_answered = (items == 9).to_numpy().mean()
    assert 0.05 <= dont_know <= 0.10
    assert 0.02 <= not_answered <= 0.08
    assert (items == 9).all(axis=1).sum() >= 1  # some break-offs for the cleaning log


def test_majority_of_members_have_experience(committed: pd.DataFrame) -> None:
    members = committed.loc[committed[codebook.MEMBERSHIP_COLUMN] == "oecd"]
    with_experience = members.loc[members["Q1_01"] == 1, codebook.COUNTRY_COLUMN].nunique()
    assert with_experience > members[codebook.COUNTRY_COLUMN].nunique() / 2


def test_experience_majority_is_enforced_when_drawn_short() -> None:
    # 4 member countries (0-3) and one partner (4); only country 0 has a yes: two more are needed.
    experience = np.array([1, 2, 2, 8, 2, 2, 2])
    country = np.array([0, 1, 1, 2, 3, 4, 4])
    is_member = np.array([True, True, True, True, False])
    fixed = synthetic.ensure_member_experience_majority(np.random.default_rng(0), experience, country, is_member)
    members_with_yes = {c for c in np.unique(country[fixed == 1]) if is_member[c]}
    assert len(members_with_yes) == 3
    assert (fixed[country == 4] == 2).all()  # the partner is not touched
    assert int((fixed != experience).sum()) == 2


def test_target_yes_count_rounds_to_nearest() -> None:
    assert synthetic.target_yes_count(Fraction(42), 100) == 42
    assert synthetic.target_yes_count(Fraction(42), 813) == 341  # 341.46 -> 341
    assert synthetic.target_yes_count(Fraction(23), 150) == 35  # 34.5 -> 35


def test_assumed_targets_must_respect_published_ranks() -> None:
    claims = load_claims()
    targets = synthetic.calibration_targets(claims)
    assert set(targets.loc[targets["source"] == "assumed", "claim_id"]) == {"OECD-10", "OECD-11"}
    swapped = targets.copy()
    swapped.loc[swapped["claim_id"] == "OECD-10", "target"] = Fraction(70)
    with pytest.raises(ValueError, match="OECD-10"):
        synthetic.check_assumed_targets_respect_ranks(swapped, claims)


def imported_modules(path: Path) -> set[str]:
    """Every module named by an import statement in ``path`` (``from a import b`` gives a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_generator_does_not_use_the_estimator_or_cleaner() -> None:
    source = Path(synthetic.__file__)
    forbidden = {"helpers.oecd.estimates", "helpers.oecd.clean"}
    assert not imported_modules(source) & forbidden
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, helpers.oecd.synthetic; "
         "print(sorted(m for m in sys.modules if m in {'helpers.oecd.estimates', 'helpers.oecd.clean'}))"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )
    assert loaded.stdout.strip() == "[]"

