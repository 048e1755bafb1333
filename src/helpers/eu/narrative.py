"""What the 2008 citizen survey's tables and figures show, in words, with every number read from the results.

Each function takes a computed table (the one a notebook has just displayed) and returns a
:class:`helpers.report.paragraph.Paragraph`: a few sentences with the numbers filled in, never typed; on
synthetic data the paragraph ends by saying that it describes synthetic data. The first notebook of the study
also shows :func:`survey_overview`, :func:`activity_table` and :func:`published_numbers`: who was asked, when,
how and what, and where the published numbers come from, all read from the claims registry and the codebook.
Numbers are rounded as the tables show them: index points to one decimal, p-values as ``p < 0.001``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.data.claims import claim_list, claim_row, claim_value_text
from helpers.eu.codebook import ACTIVITIES, FREQUENCY_LABELS, SECTOR_NAMES, SECTOR_TARGET_CLAIM, SECTORS
from helpers.eu.figures import sector_label, term_label, weighting_label
from helpers.report.labels import label, lower_first
from helpers.report.paragraph import Paragraph, number_list, p_value_text, paragraph
from helpers.stats.intervals import level_label, table_confidence_level
from helpers.stats.survey import SurveyDesign

DESIGN_CLAIMS: tuple[str, ...] = ("EU-01", "EU-02", "EU-03", "EU-04", "EU-05")


def _level(table: pd.DataFrame, what: str) -> str:
    return level_label(table_confidence_level(table, what))


def interval_text(low: float, high: float, decimals: int = 1) -> str:
    """'60.3 to 61.7'."""
    return f"{low:.{decimals}f} to {high:.{decimals}f}"


def sector_name(sector: str) -> str:
    """The sector as a sentence names it: 'the local environment', 'public health', 'community safety'."""
    return SECTOR_NAMES.get(sector, sector)


def short_source(source: str) -> str:
    """'Löffler et al. (2008)' for the registry's full reference (authors, year, title ...)."""
    authors = source.split(" (")[0]
    year = re.search(r"\((\d{4})\)", source)
    first = authors.split(",")[0].split(" and ")[0].strip()
    several = "," in authors or " and " in authors or "et al." in authors
    name = first if first.endswith("et al.") else f"{first} et al." if several else first
    return f"{name} ({year.group(1)})" if year else name


def statement(claims: pd.DataFrame, claim_id: str) -> str:
    """A claim's statement without its final full stop (to be followed by the claim's id)."""
    return str(claim_row(claims, claim_id)["statement"]).rstrip(".")


# ---------------------------------------------------------------------------------------------------------
# The study (notebook 20)
# ---------------------------------------------------------------------------------------------------------


def survey_overview(claims: pd.DataFrame) -> Paragraph:
    """Who was asked, when, how and what, and where the published numbers are: from claims EU-01 to EU-08."""
    sectors = number_list(claim_list(claims, "EU-05"))
    published = number_list([f"{claim_value_text(claims, SECTOR_TARGET_CLAIM[sector])} for "
                             f"{sector_name(sector)} ({SECTOR_TARGET_CLAIM[sector]})" for sector in SECTORS])
    first, index = claim_row(claims, "EU-01"), claim_row(claims, "EU-06")
    return paragraph(
        f"**Who, when and how.** {statement(claims, 'EU-01')} ({short_source(first['source'])}, "
        f"{first['location']}; claim EU-01). {statement(claims, 'EU-02')}: {claim_value_text(claims, 'EU-02')} "
        f"respondents in all (EU-02). {statement(claims, 'EU-03')} (EU-03). {statement(claims, 'EU-04')} (EU-04).",
        f"**What.** How often citizens do things that help deliver public services in three sectors, {sectors} "
        f"(EU-05), and their views of the sector and of government; the activities and their codes are listed "
        "below.",
        f"**The published numbers.** {short_source(index['source'])} publish a co-production index per sector: "
        f"{published} ({index['location']}); {short_source(claim_row(claims, 'EU-11')['source'])} publish the "
        "directions of its correlates (EU-11 to EU-17). "
        "Every published number and statement is a row of the claims registry, `data/raw/claims.csv`, with its "
        "source; the table below is read from it, and the scorecard (step 4) checks each one.",
    )


def activity_table() -> pd.DataFrame:
    """The activity items of the index with their codes: sector, code (the column), activity, where it comes from."""
    return pd.DataFrame({
        "sector": [sector_label(activity.sector) for activity in ACTIVITIES],
        "code": [activity.column for activity in ACTIVITIES],
        "activity": [activity.label for activity in ACTIVITIES],
        "source": ["named in the publications" if activity.source.startswith("published")
                   else "our assumption (A-EU-02)" for activity in ACTIVITIES],
    })


def published_numbers(claims: pd.DataFrame, study: str = "eu2008") -> pd.DataFrame:
    """The study's claims as a reader needs them: claim, kind, what, published value, source and place."""
    rows = claims.loc[claims["study"] == study]
    return pd.DataFrame({
        "claim": rows["claim_id"].to_numpy(),
        "kind": rows["kind"].to_numpy(),
        "what": rows["subject"].to_numpy(),
        "published": [claim_value_text(claims, claim_id) or statement(claims, claim_id)
                      for claim_id in rows["claim_id"]],
        "source": [f"{short_source(source)}, {location}"
                   for source, location in zip(rows["source"], rows["location"], strict=True)],
    })


def cleaning_text(delivered: int, kept: int, counts: Mapping[str, int]) -> Paragraph:
    """What the cleaning did: records delivered and kept, and the most frequent changes."""
    changed = sorted(((reason, count) for reason, count in counts.items() if count), key=lambda item: -item[1])
    top = number_list([f"{lower_first(label(reason, 'reason'))} ({count:,})" for reason, count in changed[:3]])
    return paragraph(
        f"Of the {delivered:,} records delivered, {kept:,} are kept for the analysis ({delivered - kept:,} dropped).",
        f"The most frequent changes: {top}." if top else "Nothing had to be changed.",
    )


def weights_text(by_country: pd.DataFrame) -> Paragraph:
    """What the cross-country weight does: each country's share of respondents against its weighted share."""
    table = by_country.assign(respondent_share=by_country["respondents"] / by_country["respondents"].sum())
    gaps = (table["weighted_share"] - table["respondent_share"]).sort_values()
    up, down = gaps.index[-1], gaps.index[0]
    return paragraph(
        f"The cross-country weight gives each country its share of the five countries' population: "
        f"{up} has {table.loc[up, 'respondent_share']:.1%} of the respondents but counts "
        f"{table.loc[up, 'weighted_share']:.1%} in five-country figures; {down} has "
        f"{table.loc[down, 'respondent_share']:.1%} and counts {table.loc[down, 'weighted_share']:.1%}.",
        "The weighted shares equal the population shares (last two columns), as EU-04 requires.",
    )


# ---------------------------------------------------------------------------------------------------------
# Estimates (notebook 21)
# ---------------------------------------------------------------------------------------------------------


DESIGN_COLUMN_WORDS: dict[str, str] = {"COUNTRY": "the five countries", "RESPID": "the respondents"}


def design_text(five_country: SurveyDesign, within_country: SurveyDesign) -> Paragraph:
    """The two designs declared in notebook 21, in words."""
    def weight(design: SurveyDesign) -> str:
        if design.weight is None:
            return "no weight (every respondent counts once)"
        return (f"the {lower_first(label(design.weight, 'weighting'))} (column `{design.weight}`)"
                + (" rescaled to equal country totals" if design.equal_stratum_totals else ""))
    return paragraph(
        f"Five-country figures use {weight(five_country)}; country figures use {weight(within_country)}.",
        f"Strata: {DESIGN_COLUMN_WORDS.get(str(five_country.strata), 'the groups')} (column `{five_country.strata}`); "
        f"primary sampling units: {DESIGN_COLUMN_WORDS.get(str(five_country.psu), 'the clusters')} "
        f"(column `{five_country.psu}`).",
        "Every interval and design effect below comes from this design (see the glossary for the terms).",
    )


def index_by_sector_text(by_sector: pd.DataFrame, *, synthetic: bool) -> Paragraph:
    """Which sector has the highest index, by how much, with what interval; and the published values."""
    level = _level(by_sector, "index_by_sector")
    table = by_sector.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
    if table.empty:
        return paragraph("No sector has an index in these data.", synthetic=synthetic)
    parts = [f"{sector_name(row.sector)} {row.estimate:.1f} ({level} interval "
             f"{interval_text(row.ci_low, row.ci_high)})" for row in table.itertuples(index=False)]
    high, low = table.iloc[0], table.iloc[-1]
    published = table.dropna(subset=["published"])
    matches = [f"{sector_name(row.sector)} {row.estimate:.1f} against {row.published:g} ({row.claim_id})"
               for row in published.itertuples(index=False)]
    return paragraph(
        f"Citizens co-produce most in {sector_name(high.sector)} and least in {sector_name(low.sector)}: "
        f"{number_list(parts)}, on the 0-100 scale.",
        f"The highest index is {high.estimate - low.estimate:.1f} points above the lowest." if len(table) > 1 else "",
        f"Reproduced against published: {number_list(matches)}." if matches else "",
        synthetic=synthetic,
    )


def index_by_country_text(by_country: pd.DataFrame, *, synthetic: bool) -> Paragraph:
    """Per sector, the country with the highest and the lowest index and the gap between them."""
    level = _level(by_country, "index_by_sector_country")
    sentences = []
    for sector in [s for s in SECTORS if s in set(by_country["sector"])]:
        rows = by_country.loc[by_country["sector"] == sector].dropna(subset=["estimate"])
        if len(rows) < 2:
            continue
        high, low = rows.loc[rows["estimate"].idxmax()], rows.loc[rows["estimate"].idxmin()]
        sentences.append(
            f"In {sector_name(sector)} the index ranges from {low.estimate:.1f} in {low.country} "
            f"({interval_text(low.ci_low, low.ci_high)}) to {high.estimate:.1f} in {high.country} "
            f"({interval_text(high.ci_low, high.ci_high)}), {high.estimate - low.estimate:.1f} points apart.")
    return paragraph(*sentences, f"Intervals are {level} intervals.", synthetic=synthetic)


def activity_text(frequencies: pd.DataFrame, *, synthetic: bool) -> Paragraph:
    """The activity done most and least often: the share answering 'often' or 'always', over the countries."""
    frequent = frequencies.loc[frequencies["category"].isin([3, 4])]
    shares = frequent.groupby(["item", "item_label", "country"])["estimate"].sum().groupby(["item", "item_label"])
    summary = shares.agg(["min", "max"]).reset_index()
    if summary.empty:
        return paragraph("No activity has answers in these data.", synthetic=synthetic)
    top = summary.loc[summary["max"].idxmax()]
    bottom = summary.loc[summary["min"].idxmin()]
    return paragraph(
        f"The activity done most often is \"{top.item_label}\" ({top['item']}): in one country {top['max']:.0%} of "
        f"those who answered do it {FREQUENCY_LABELS[3].lower()} or {FREQUENCY_LABELS[4].lower()}.",
        f"The least frequent is \"{bottom.item_label}\" ({bottom['item']}): in one country only {bottom['min']:.0%} "
        "do it that often.",
        synthetic=synthetic,
    )


def sector_tests_text(sector_tests: pd.DataFrame, *, alpha: float, synthetic: bool) -> Paragraph:
    """Do the sectors differ within respondents? The omnibus tests and the weighted pairs after Holm."""
    rows = sector_tests.set_index("analysis", drop=False)
    sentences = []
    if "rm_anova" in rows.index:
        anova = rows.loc["rm_anova"]
        verdict = "differ" if anova.p_value < alpha else f"do not differ significantly at {alpha:g}"
        sentences.append(f"Within respondents the three indices {verdict}: repeated-measures ANOVA "
                         f"F({anova.df1:.0f}, {anova.df2:.0f}) = {anova.statistic:.1f}, {p_value_text(anova.p_value)}, "
                         f"generalised eta squared {anova.effect_size:.3f} (n = {int(anova.n):,}).")
    pairs = sector_tests.loc[sector_tests["analysis"] == "weighted_paired_difference"]
    if len(pairs):
        significant = pairs.loc[pairs["p_adjusted"] < alpha]
        described = [f"{row.comparison.replace(' - ', ' minus ')} {row.estimate:+.1f} points "
                     f"({interval_text(row.ci_low, row.ci_high)})" for row in pairs.itertuples(index=False)]
        weight = weighting_label(pairs["weighting"]) if "weighting" in pairs.columns else "the weight of the run"
        sentences.append(f"Design-based paired differences ({weight}): {number_list(described)}; "
                         f"{len(significant)} of {len(pairs)} "
                         f"are significant at {alpha:g} after Holm adjustment.")
    return paragraph(*sentences, synthetic=synthetic)


def country_tests_text(country_tests: pd.DataFrame, *, alpha: float, synthetic: bool) -> Paragraph:
    """Do the countries differ? The design-based Wald F per sector."""
    wald = country_tests.loc[country_tests["analysis"] == "design_wald_f"]
    described = [f"{sector_name(row.sector)} F({row.df1:.0f}, {row.df2:.0f}) = {row.statistic:.1f}, "
                 f"{p_value_text(row.p_value)}, the country means {row.estimate:.1f} points apart"
                 for row in wald.itertuples(index=False)]
    significant = int((wald["p_value"] < alpha).sum())
    return paragraph(
        f"Between countries (design-based Wald F tests): {number_list(described)}." if described else "",
        f"{significant} of {len(wald)} sectors show country differences significant at {alpha:g}.",
        synthetic=synthetic,
    )


def coefficients_text(coefficients: pd.DataFrame, *, alpha: float, synthetic: bool) -> Paragraph:
    """Which correlates are significant in every sector, with their ranges; the strongest one per sector."""
    level = _level(coefficients, "coefficients")
    correlates = coefficients.loc[coefficients["term_group"] == "correlate"]
    sectors = [s for s in SECTORS if s in set(correlates["sector"])]
    everywhere = []
    for term, rows in correlates.groupby("term", sort=False):
        if len(rows) == len(sectors) and (rows["p_value"] < alpha).all() and len(set(np.sign(rows["estimate"]))) == 1:
            everywhere.append(f"{term_label(term)}: {rows['estimate'].min():+.1f} to "
                              f"{rows['estimate'].max():+.1f} points")
    strongest = {sector: correlates.loc[correlates["sector"] == sector].loc[
        lambda frame: frame["statistic"].abs().idxmax()] for sector in sectors}
    terms = {row.term for row in strongest.values()}
    if len(terms) == 1:
        strongest_text = (f"The strongest correlate (largest |t|) is {term_label(terms.pop()).lower()} in every sector "
                          f"(t = {', '.join(f'{row.statistic:.1f}' for row in strongest.values())}).")
    else:
        strongest_text = "The strongest correlate (largest |t|) is " + number_list(
            [f"{term_label(row.term).lower()} in {sector_name(sector)} (t = {row.statistic:.1f})"
             for sector, row in strongest.items()]) + "."
    n = number_list([f"{int(correlates.loc[correlates['sector'] == s, 'n'].iloc[0]):,} in "
                     f"{sector_name(s)}" for s in sectors])
    return paragraph(
        f"Significant at {alpha:g} with the same sign in every sector: {'; '.join(everywhere) or 'none'}.",
        strongest_text if strongest else "",
        f"Coefficients are index points per unit of the correlate, with {level} intervals; the models use the "
        f"respondents who answered every question in them ({n}).",
        synthetic=synthetic,
    )


def heterogeneity_text(heterogeneity: pd.DataFrame, *, alpha: float, synthetic: bool) -> Paragraph:
    """EU-17: which effects differ between sectors and which correlate x country interactions, after Holm."""
    sector = heterogeneity.loc[heterogeneity["family"] == "sector"]
    country = heterogeneity.loc[heterogeneity["family"] == "country"]
    differ = [term_label(row.term).lower() for row in sector.loc[sector["p_holm"] < alpha].itertuples(index=False)]
    interact = [f"{term_label(row.term).lower()} in {sector_name(row.sector)}"
                for row in country.loc[country["p_holm"] < alpha].itertuples(index=False)]
    return paragraph(
        f"After Holm adjustment over all {len(sector) + len(country)} tests, the effects that differ between "
        f"sectors are: {number_list(differ) or 'none'}; the correlate x country interactions that are significant "
        f"are: {number_list(interact) or 'none'} (at {alpha:g}).",
        synthetic=synthetic,
    )


def effect_sizes_text(effect_sizes: pd.DataFrame, *, synthetic: bool) -> Paragraph:
    """The unweighted effect sizes: women vs men (Cohen's d) and the index with self-efficacy (Spearman's rho)."""
    women = effect_sizes.loc[effect_sizes["analysis"] == "ttest_women_vs_men"]
    rho = effect_sizes.loc[effect_sizes["analysis"] == "spearman_index_efficacy"]
    return paragraph(
        women_vs_men_sentence(women["estimate"], women["effect_size"]) if len(women) else "",
        efficacy_sentence(rho["effect_size"]) if len(rho) else "",
        synthetic=synthetic,
    )


def cohen_size(d: float) -> str:
    """Cohen's (1988) words for |d|: negligible (< 0.2), small (< 0.5), medium (< 0.8), large."""
    size = abs(d)
    return "negligible" if size < 0.2 else "small" if size < 0.5 else "medium" if size < 0.8 else "large"


def women_vs_men_sentence(differences: pd.Series, d: pd.Series) -> str:
    """The women-minus-men differences of the index over the sectors, their direction and size read from the
    numbers (higher, lower or mixed; Cohen's words for d)."""
    low, high = differences.min(), differences.max()
    if low > 0:
        direction = f"higher than men's by {low:.1f} to {high:.1f} points"
    elif high < 0:
        direction = f"lower than men's by {-high:.1f} to {-low:.1f} points"
    else:
        direction = f"between {low:+.1f} and {high:+.1f} points from men's (higher in some sectors, lower in others)"
    sizes = list(dict.fromkeys(cohen_size(value) for value in sorted(d, key=abs)))
    size_text = sizes[0] if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
    return (f"Unweighted, women's index is {direction} (Cohen's d {d.min():.2f} to {d.max():.2f}, {size_text} "
            f"{'effect' if len(d) == 1 else 'effects'}).")


def efficacy_sentence(rho: pd.Series) -> str:
    """How the index moves with self-efficacy over the sectors (Spearman's rho), the direction read from its sign."""
    low, high = rho.min(), rho.max()
    verb = ("rises with" if low > 0 else "falls with" if high < 0
            else "has no common direction with")
    return f"The index {verb} self-efficacy: Spearman's rho {low:.2f} to {high:.2f}."


# ---------------------------------------------------------------------------------------------------------
# Figures (notebook 22) and sensitivity (notebook 24)
# ---------------------------------------------------------------------------------------------------------


def sensitivity_text(comparison: pd.DataFrame, *, synthetic: bool) -> Paragraph:
    """How far each alternative moves the index from the main result, and why an alternative equals it."""
    others = comparison.loc[comparison["variant"] != "population"].dropna(subset=["difference_from_main"])
    sentences = []
    for variant, rows in others.groupby("variant", sort=False):
        largest = rows.loc[rows["difference_from_main"].abs().idxmax()]
        sentences.append(f"{rows['variant_label'].iloc[0].capitalize()}: the index moves by at most "
                         f"{largest.difference_from_main:+.2f} points ({sector_name(largest.sector)}).")
    for row in others.loc[others["equals_main"]].itertuples(index=False):
        sentences.append(f"For {sector_name(row.sector)}, the {row.variant_label} equals the main result: "
                         f"{row.why_equal}.")
    main = comparison.loc[comparison["variant"] == "population"]
    rounding = [f"{sector_name(row.sector)} {row.estimate:.2f}" for row in main.itertuples(index=False)]
    return paragraph(*sentences, f"The main result (the published scheme): {number_list(rounding)}.",
                     synthetic=synthetic)
