"""What each study's reproduction report shows (:mod:`helpers.report.reproduction`).

Per study: the methods (data, cleaning, weighting, estimation) as short Markdown texts whose ``{name}`` fields are
filled from the run (provenance.json, the run's parameters; a missing fact reads "not recorded", never a typed
number), the figures and tables of the results with captions that say what they show and the columns a reader
needs (the full tables are linked as CSV), the caveats that apply (prefixes of the assumptions log's entry ids)
and the references (words that pick them from CITATION.cff). Published numbers are never typed here: they come
from the claims registry through the scorecard.
"""

from __future__ import annotations

from typing import Any

from helpers.report.reproduction import FigureSpec, ResultGroup, StudyContents, TableSpec

MORRIS_2019 = ("Morris, T. P., White, I. R. and Crowther, M. J. (2019). Using simulation studies to evaluate "
               "statistical methods. Statistics in Medicine 38(11): 2074\u20132102.")


def _sorted_by_figure(frame: Any) -> Any:
    return frame.sort_values(["figure", "estimate"], ascending=[True, False], kind="stable")


def _correlates(frame: Any) -> Any:
    """The model terms a reader compares with the claims: the correlates, without the intercept and country terms."""
    if "term_group" in frame.columns:
        return frame[frame["term_group"] == "correlate"]
    return frame[frame["term"] != "intercept"]


def _significant_heterogeneity(frame: Any) -> Any:
    return frame.sort_values("p_value", kind="stable").head(12)


OECD = StudyContents(
    study="oecd2010",
    short_title="OECD 2010 officials survey: reproduction report",
    methods=(
        ("Data",
         "The 2010 OECD Survey on Innovation in Public Services asked central-government officials responsible for "
         "service delivery (claims OECD-01 and OECD-02) whether their organisation had experience of co-production in "
         "each of ten service areas (OECD-15), why it was introduced, what stood in its way and what made it succeed "
         "(Government at a Glance 2011, Figures 50.1 to 50.3). The respondent-level data are not public. This run "
         "read `{source_file}` ({origin_words}): {rows_read} rows, one per official and service area."),
        ("Cleaning",
         "Every column and code is checked against the codebook with a pandera schema (codes 1 yes, 2 no, 8 don't "
         "know, 9 not answered); a file that fails is refused with the file, column and rows named. Rows in which "
         "nothing at all was answered (break-offs) carry no information and are dropped and logged: {rows_dropped} "
         "of {rows_read} rows in this run; {cells_changed} cells were changed (whitespace, declared missing codes, "
         "values written another way). Single not-answered cells stay in the data and leave the percentage base "
         "(assumption A-OECD-13)."),
        ("Weighting",
         "None. The published percentages pool the responses of all countries (claim OECD-03: affirmative "
         "responses over all respondents in all countries, divided by the total responses to the question), so "
         "every response counts once. The percentage base of this run is {percentage_base_words} (the published "
         "definition reads as responses: yes, no and don't know; assumption A-OECD-02)."),
        ("Estimation",
         "For every item of the three figures: the percentage of affirmative answers with a design-based "
         "{confidence} confidence interval (svy; Taylor linearisation, officials as clusters because one official "
         "answers for several service areas, logit intervals) and its design effect (assumption A-OECD-11). A value "
         "claim is reproduced when the estimate, rounded half up to the published precision, equals the published "
         "value; a rank claim when the item holds its published place among its figure's items; the interval is "
         "shown, not tested (A-OECD-12)."),
    ),
    results=(
        ResultGroup(
            "Figures 50.1 to 50.3",
            "The reproduced percentages of the items with published values or ranks, each with its interval, beside "
            "the published value. Only the items named in the sources are modelled (caveat C-02); the bars of the "
            "rank-only items (Figure 50.3) come from the generator's assumption A-OECD-05, not from a published "
            "number.",
            (
                FigureSpec("oecd2010_figure_50_1", "Reasons for introducing co-production (Figure 50.1): percentage "
                           "of affirmative responses per item, reproduced with its interval, and the published value."),
                FigureSpec("oecd2010_figure_50_2", "Barriers to co-production (Figure 50.2): percentage of "
                           "affirmative responses per item, reproduced with its interval, and the published value."),
                FigureSpec("oecd2010_figure_50_3", "Success factors of co-production (Figure 50.3): percentage of "
                           "affirmative responses; two items have only a published rank, and their bar heights come "
                           "from the generator's assumption (A-OECD-05), not from a publication."),
                TableSpec("Estimates behind the three figures: the percentage of affirmative responses per item with "
                          "its interval, the published value (blank where the source gives only a rank), the design "
                          "effect of clustering within officials and the number of responses.",
                          "oecd2010_estimates/item_estimates.csv",
                          {"figure": "", "label": "Item", "claim_id": "", "published_value": "Published",
                           "estimate": "Reproduced %", "deff": "", "n_responses": "Responses"},
                          interval=True, rows=_sorted_by_figure),
            ),
        ),
    ),
    caveats=("C-", "A-OECD-"),
    references=("Government at a Glance",),
)


EU = StudyContents(
    study="eu2008",
    short_title="2008 five-country citizen survey: reproduction report",
    methods=(
        ("Data",
         "A telephone survey of adults aged 18 and over in the Czech Republic, Denmark, France, Germany and the "
         "United Kingdom, about 1,000 in each (claims EU-01 to EU-03), asked how often they do nine activities that "
         "help deliver three public services: the local environment, public health and community safety (EU-05, "
         "EU-10), and about the correlates of Parrado et al. (2013) (EU-16). The respondent-level data are not "
         "public. This run read `{source_file}` ({origin_words}): {records_delivered} records delivered, "
         "{respondents_kept} respondents kept."),
        ("Cleaning",
         "Country labels in any of the five languages or ISO codes are harmonised, stray whitespace is stripped, "
         "don't know and refused answers become missing values, exact duplicate records keep their first copy, "
         "duplicated ids with conflicting answers and records with an age outside 18-99 are dropped, and the result "
         "is validated with a pandera schema; every change is logged with its reason (assumption A-EU-06). The "
         "counts by reason are in the table below."),
        ("Weighting",
         "Two weights (assumption A-EU-08). Within each country, respondents are post-stratified to the sex by age "
         "group shares of its adult population (A-EU-09): the within-country weight, used for country figures. For "
         "five-country figures these weights are rescaled so that each country carries its share of the five "
         "countries' population (claim EU-04: \"each country's representation in the European Union\"): "
         "{population_shares}. In this run the five-country estimates used {five_country_weight}, the country estimates "
         "{within_country_weight} (read from the estimate tables)."),
        ("Estimation",
         "The co-production index of a sector is the mean of its three activity items rescaled from never (0) to "
         "always (100), for respondents with at least two valid items (A-EU-07; the original formula is not "
         "published). Estimates are design-based (svy; countries as strata, respondents as primary sampling units, "
         "Taylor linearisation) with {confidence} intervals and design effects (A-EU-ANALYSIS-01). Sector "
         "differences are tested within respondents (repeated-measures ANOVA, Friedman and paired t tests, and "
         "weighted paired differences), country differences with a design-based Wald F test (A-EU-ANALYSIS-06, -07). "
         "The correlates are estimated by one weighted linear model per sector with design-based standard errors "
         "and country fixed effects (A-EU-ANALYSIS-05); a direction claim is reproduced when its correlate is "
         "significant with the claimed sign in as many sectors as the claim's qualifier requires (A-EU-ANALYSIS-09)."),
    ),
    methods_tables=(
        TableSpec("What the cleaning changed: records or cells per reason.", "eu2008/cleaning_counts.csv",
                  {"reason": "What was changed or dropped", "count": "Records or cells"}),
    ),
    results=(
        ResultGroup(
            "The co-production index by sector (claims EU-06 to EU-08)",
            "The five-country index per sector with {five_country_weight}, beside the published values.",
            (
                FigureSpec("eu2008_index_by_sector", "The co-production index (0 never, 100 always) by sector for "
                           "the five countries together, with {five_country_weight}, with its interval and the "
                           "published value."),
                TableSpec("The co-production index by sector, five countries: estimate, interval, design effect and "
                          "number of respondents, beside the published value.",
                          "eu2008_estimates/index_by_sector.csv",
                          {"sector": "", "claim_id": "", "published": "", "estimate": "", "deff": "", "n": "",
                           "weighting": ""}, interval=True),
            ),
        ),
        ResultGroup(
            "Countries and activities",
            "How the index and the activities differ between the five countries (with {within_country_weight}).",
            (
                FigureSpec("eu2008_index_by_country", "The co-production index by sector and country, with "
                           "{within_country_weight}, with intervals."),
                TableSpec("The co-production index by sector and country (with {within_country_weight}).",
                          "eu2008_estimates/index_by_sector_country.csv",
                          {"sector": "", "country": "", "estimate": "", "deff": "", "n": ""}, interval=True),
                FigureSpec("eu2008_activity_frequencies", "How often respondents do each activity, by country: the "
                           "shares of never, occasionally, often and always (with {within_country_weight})."),
            ),
        ),
        ResultGroup(
            "Are the differences significant? (claim EU-09)",
            "Between sectors within respondents, and between countries within each sector.",
            (
                TableSpec("Differences between sectors: tests within respondents, unweighted, and design-based paired "
                          "differences with {five_country_weight}; p-values adjusted by Holm's method over the three "
                          "pairs.", "eu2008_estimates/sector_tests.csv",
                          {"analysis": "", "comparison": "", "statistic_name": "Statistic", "statistic": "Value",
                           "estimate": "Difference", "p_value": "", "p_adjusted": ""}, interval=True,
                          decimals={"estimate": 1, "ci_low": 1}),
                TableSpec("Differences between countries, per sector: design-based Wald F test (with "
                          "{within_country_weight}) and Welch ANOVA (unweighted).", "eu2008_estimates/country_tests.csv",
                          {"sector": "", "analysis": "", "statistic_name": "Statistic", "statistic": "Value",
                           "df1": "", "df2": "", "p_value": ""}),
            ),
        ),
        ResultGroup(
            "Correlates of co-production (claims EU-11 to EU-17)",
            "One weighted linear model of the index per sector; coefficients in index points with design-based "
            "intervals (the intercept and the country terms are in the full table).",
            (
                FigureSpec("eu2008_correlates", "Coefficients of the correlates in the three models (index points, "
                           "with intervals), with {five_country_weight}."),
                TableSpec("Correlates of the co-production index: coefficient, interval and p-value per sector.",
                          "eu2008_estimates/coefficients.csv",
                          {"sector": "", "term": "", "estimate": "Coefficient", "p_value": "", "n": ""},
                          interval=True, rows=_correlates, decimals={"estimate": 2, "ci_low": 2}),
                TableSpec("Do the effects differ between sectors and countries (claim EU-17)? The twelve smallest "
                          "p-values of the Wald F tests; Holm over all tests.", "eu2008_estimates/heterogeneity_tests.csv",
                          {"family": "Tested across", "sector": "", "term": "", "statistic": "F", "p_value": "",
                           "p_holm": ""}, rows=_significant_heterogeneity),
            ),
        ),
        ResultGroup(
            "Sensitivity to the weighting and the items of the index",
            "How the five-country index moves when the weighting or the items of the index change.",
            (FigureSpec("eu2008_sensitivity", "The five-country index per sector under each weighting scheme and item "
                        "set, compared with the published scheme."),),
        ),
    ),
    caveats=("C-", "A-EU-"),
    references=("Löffler", "Parrado"),
)


VALIDATION = StudyContents(
    study="validation",
    short_title="Validation study: reproduction report",
    methods=(
        ("Data",
         "Known populations drawn from the models of the two synthetic-data generators (assumption A-VAL-01): "
         "{people_eu_effects} people for the citizen survey (one hundredth of each country's population, A-VAL-02) "
         "and {officials_population} officials; their true values are computed, not typed. Master seed "
         "{master_seed}. Everything here is synthetic by design: the study checks the code and the design, never "
         "the surveys."),
        ("Cleaning",
         "Each sample receives the vendor defects of the synthetic files (don't know and refused codes, duplicate "
         "records, out-of-range ages, country spellings, whitespace) and goes through the compendium's own cleaning "
         "(A-VAL-03)."),
        ("Weighting",
         "Non-response depends on sex and age (A-VAL-03), so that weighting matters; each sample is weighted as the "
         "compendium weights the real survey: post-stratified within countries and rescaled to population shares, "
         "and compared with the unweighted and post-stratified-only estimates."),
        ("Estimation",
         "Each replicate runs the compendium's estimators, tests and models. Over the replicates ({replicates} per "
         "scenario in this run) the study reports bias, empirical and model standard errors, RMSE, the coverage of "
         "95% and 90% intervals and the rejection rates of the tests, each with its Monte Carlo standard error "
         "(Morris, White and Crowther 2019; A-VAL-05). A validation criterion passes when its measure lies inside "
         "its target band allowing two Monte Carlo standard errors (A-VAL-06). The multiverse recomputes every "
         "published number under every combination of the choices the sources leave open (A-VAL-07)."),
    ),
    results=(
        ResultGroup(
            "Coverage, bias and the weights",
            "How often the intervals hold the true value, and what the weights buy.",
            (
                FigureSpec("validation_coverage", "Coverage of 95% and 90% intervals per kind of estimate, with Monte "
                           "Carlo error bars, against the nominal levels."),
                FigureSpec("validation_weighting", "Error of the five-country index under each weighting scheme, "
                           "per sector."),
            ),
        ),
        ResultGroup(
            "Tests: size and power",
            "Rejection rates at the 5% level under the null population (size) and the generator's effects (power).",
            (FigureSpec("validation_tests", "Rejection rates of the sector and country tests at the 5% level, with "
                        "Monte Carlo error bars."),),
        ),
        ResultGroup(
            "The populations and the multiverse",
            "The drawn populations, and how much the choices the sources leave open move each published number.",
            (
                FigureSpec("validation_population", "The drawn populations' true values."),
                FigureSpec("validation_multiverse", "Every published number under every combination of the open "
                           "choices: the range of the specifications and the published value."),
                FigureSpec("validation_multiverse_eu", "The citizen survey's index under the open choices, per "
                           "sector."),
                TableSpec("The multiverse per published number: the published value, the lowest and highest "
                          "specification, the compendium's specification and the share of specifications that "
                          "reproduce the number.", "validation_multiverse/multiverse_summary.csv",
                          {"claim_id": "", "target": "", "published": "", "lowest": "", "highest": "",
                           "published_specification": "This compendium", "share_reproducing": "Share reproducing"},
                          decimals={"share_reproducing": 2}),
            ),
        ),
    ),
    caveats=("C-01", "C-03", "A-VAL-"),
    references=("Government at a Glance", "Löffler", "Parrado"),
    extra_references=(MORRIS_2019,),
)

STUDY_CONTENTS: dict[str, StudyContents] = {contents.study: contents for contents in (OECD, EU, VALIDATION)}


def contents_for(study: str) -> StudyContents:
    """The declared contents of ``study``, or a report of its scorecard, figures and general caveats."""
    return STUDY_CONTENTS.get(study, StudyContents(study=study, short_title=f"{study}: reproduction report"))
