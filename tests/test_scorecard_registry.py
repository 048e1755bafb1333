"""The claims registry is the one source, the statuses are counted apart, and what the generators build in is
said next to the rows it concerns (issue 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.data.claims import claim_list, claim_names, load_claims
from helpers.data.status import (
    FAIL,
    HOLDS_BY_CONSTRUCTION,
    NOT_AVAILABLE,
    NOT_CHECKABLE,
    PASS,
    STATUSES,
    count_text,
    interval_label,
    row_count_text,
    status_counts,
)
from helpers.eu import codebook as eu_codebook
from helpers.eu import synthetic as eu_synthetic
from helpers.eu.estimates import index_by_sector
from helpers.eu.statistics import CLAIM_OF_TERM, CLAIMED_CORRELATES, published_directions
from helpers.eu.stages import estimate_tables, prepare_respondents
from helpers.oecd import codebook as oecd_codebook
from helpers.oecd import synthetic as oecd_synthetic
from helpers.report.site import count_text as site_count_text
from helpers.report.site import interval_text, pass_count, scorecard_row


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return load_claims()


# ---------------------------------------------------------------------------------------------------------
# The registry is the one source
# ---------------------------------------------------------------------------------------------------------


def test_codebook_lists_are_the_registry_rows_they_copy(claims) -> None:
    assert list(oecd_codebook.PARTNER_COUNTRIES) == claim_names(claims, "OECD-02")
    assert list(oecd_codebook.NAMED_OECD_MEMBERS) == claim_list(claims, "OECD-13")
    assert list(oecd_codebook.COFOG_AREAS.values()) == claim_list(claims, "OECD-15")
    assert list(eu_codebook.CANONICAL_COUNTRIES) == claim_names(claims, "EU-03")
    assert sorted(name.removeprefix("the ") for name in eu_codebook.SECTOR_NAMES.values()) == \
        sorted(claim_list(claims, "EU-05"))
    assert set(CLAIMED_CORRELATES) == set(claim_list(claims, "EU-16"))


def test_directions_come_from_the_registry(claims) -> None:
    signs = {term: sign for term, (_, sign) in published_directions(claims).items()}
    assert signs == {"female": 1, "age_decades": 1, "efficacy": 1, "outcome": -1, "informed": 1, "consulted": 1}
    flipped = claims.copy()
    flipped.loc[flipped["claim_id"] == "EU-14", "direction"] = "+"
    assert published_directions(flipped)["outcome"] == ("EU-14", 1)
    rows = claims.set_index("claim_id")
    for claim_id in set(CLAIM_OF_TERM.values()):
        assert rows.loc[claim_id, "direction"] in {"+", "-"} and rows.loc[claim_id, "qualifier"]
        assert rows.loc[claim_id, "sectors_required"].isdigit()


def test_definition_and_weighting_texts_come_from_the_registry(claims) -> None:
    rows = claims.set_index("claim_id")
    for claim_id in ("OECD-03", "OECD-14", "EU-04", "EU-09", "EU-10", "EU-17"):
        assert rows.loc[claim_id, "value"] == "" and rows.loc[claim_id, "summary"], claim_id


# ---------------------------------------------------------------------------------------------------------
# What the generators build in
# ---------------------------------------------------------------------------------------------------------


def test_the_eu_generator_builds_in_only_tested_claims_and_its_effects_have_the_published_signs(claims) -> None:
    kinds = claims.set_index("claim_id")["kind"]
    assert set(eu_synthetic.BUILT_IN_CLAIMS) <= set(kinds.index)
    constructed = {"EU-01", "EU-04", "EU-05", "EU-10", "EU-16"}
    assert not set(eu_synthetic.BUILT_IN_CLAIMS) & constructed
    for term, (claim_id, sign) in published_directions(claims).items():
        assert claim_id in eu_synthetic.BUILT_IN_CLAIMS
        assert all(np.sign(value) == sign for value in eu_synthetic.EFFECTS[term].values()), term


def test_the_oecd_generator_says_what_it_calibrates(claims) -> None:
    built = oecd_synthetic.built_in_claims(claims)
    kinds = claims.set_index("claim_id")["kind"]
    assert {claim_id for claim_id in built if kinds[claim_id] == "value"} == \
        set(kinds.index[kinds == "value"]) & set(claims.loc[claims["study"] == "oecd2010", "claim_id"])
    assert {"OECD-10", "OECD-11", "OECD-14"} <= set(built)
    assert not {"OECD-01", "OECD-02", "OECD-03", "OECD-13", "OECD-15"} & set(built)


def test_the_interaction_size_is_the_documented_one() -> None:
    deviations = eu_synthetic.informed_country_deviations(eu_synthetic.read_population_shares())
    effects = {sector: eu_synthetic.EFFECTS["informed"][sector] + deviations[sector] for sector in eu_codebook.SECTORS}
    assert (min(effects["environment"]), max(effects["environment"])) == pytest.approx((-0.68, 9.22), abs=0.01)
    assert (min(effects["safety"]), max(effects["safety"])) == pytest.approx((-0.99, 7.11), abs=0.01)


# ---------------------------------------------------------------------------------------------------------
# Counting: never "N of N pass" over claims that could not have failed
# ---------------------------------------------------------------------------------------------------------


def rows_of(*statuses: str, built: tuple[bool, ...] = ()) -> list[dict[str, str]]:
    flags = built or (False,) * len(statuses)
    return [{"status": status, "built_in": "built into the synthetic data (x)" if flag else ""}
            for status, flag in zip(statuses, flags, strict=True)]


def test_counts_keep_tested_claims_apart() -> None:
    statuses = [PASS, PASS, FAIL, HOLDS_BY_CONSTRUCTION, HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE, NOT_AVAILABLE]
    assert status_counts(statuses) == {PASS: 2, FAIL: 1, HOLDS_BY_CONSTRUCTION: 2, NOT_CHECKABLE: 1,
                                       NOT_AVAILABLE: 1}
    assert count_text(statuses) == ("2 of 3 tested claims pass; 2 hold by construction; 1 not checkable; "
                                    "1 not available in this file")
    assert count_text([HOLDS_BY_CONSTRUCTION]) == "0 of 0 tested claims pass; 1 holds by construction"
    assert status_counts(["  PASS ", "weird", None]) == {**dict.fromkeys(STATUSES, 0), PASS: 1, FAIL: 2}
    text = row_count_text(rows_of(PASS, PASS, FAIL, HOLDS_BY_CONSTRUCTION, built=(True, False, True, True)))
    assert text == "2 of 3 tested claims pass (1 of them built into the synthetic data); 1 holds by construction"


def test_the_index_page_counts_and_colours_each_status() -> None:
    rows = [{"claim_id": f"X-{i}", "study": "s", "subject": "s", "source": "s", "location": "", "published": "1",
             "reproduced": "1", "ci_low": "", "ci_high": "", "status": status, "detail": "d", "basis": "b",
             "built_in": ""} for i, status in enumerate([PASS, FAIL, HOLDS_BY_CONSTRUCTION, NOT_CHECKABLE])]
    assert pass_count(rows) == (1, 2)
    assert site_count_text(rows) == "1 of 2 tested claims pass; 1 holds by construction; 1 not checkable"
    html_rows = [scorecard_row(row) for row in rows]
    assert [row[:15] for row in html_rows] == ['<tr class="pass', '<tr class="fail', '<tr class="hbc"',
                                               '<tr class="nc">']
    assert "BY CONSTRUCTION" in html_rows[2] and "NOT CHECKABLE" in html_rows[3]
    assert '<div class="detail basis">b</div>' in html_rows[2]
    built = scorecard_row({**rows[0], "built_in": "built into the synthetic data: a pass shows ..."})
    assert '<div class="detail builtin">built into the synthetic data' in built


def test_intervals_show_their_level() -> None:
    assert interval_label(1, 2, 0.9) == "90% [1.00, 2.00]" and interval_label("", 2, 0.95) == ""
    assert interval_label(1, 2, "") == "level not recorded [1.00, 2.00]"
    row = {"ci_low": "56.5", "ci_high": "63.4", "ci_level": "0.9"}
    assert interval_text(row) == "90% [56.50, 63.40]"
    assert interval_text({**row, "ci_level": "0.95"}) == "95% [56.50, 63.40]"
    assert interval_text({**row, "ci_low": ""}) == "\u2013"


# ---------------------------------------------------------------------------------------------------------
# The pipeline stage gives the five-country index the cross-country weight
# ---------------------------------------------------------------------------------------------------------


def test_the_estimates_stage_weights_the_five_country_index_with_the_cross_country_weight(claims) -> None:
    from helpers.eu.clean import read_respondent_file
    from helpers.paths import EU_RAW_FILE

    raw = read_respondent_file(EU_RAW_FILE)
    sample = raw.head(1200).drop(columns="URBAN")  # small, every country; without URBAN: no correlates models
    _, respondents = prepare_respondents(sample.reset_index(drop=True), "sample")
    tables = estimate_tables(respondents, claims)
    produced = tables["index_by_sector"].set_index("sector")["estimate"]
    for sector in eu_codebook.SECTORS:
        column = respondents[f"index_{sector}"]
        present = column.notna()
        five = np.average(column[present], weights=respondents.loc[present, "weight_five_country"])
        within = np.average(column[present], weights=respondents.loc[present, "weight_country"])
        assert produced[sector] == pytest.approx(five, abs=1e-9)
        assert abs(five - within) > 1e-6  # the two weights give different five-country means here
    assert (tables["index_by_sector"]["weighting"] == "weight_five_country").all()
    assert tables["index_by_sector"].equals(index_by_sector(respondents, claims=claims))
