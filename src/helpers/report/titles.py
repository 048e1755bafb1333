"""The title each study carries in the reports and on the index page."""

STUDY_TITLES: dict[str, str] = {
    "oecd2010": "OECD 2010 Survey on Innovation in Public Services: Government at a Glance 2011, Figures 50.1-50.3",
    "eu2008": "2008 five-country citizen survey on co-production (Löffler et al. 2008; Parrado et al. 2013)",
    "validation": "Validation study: do the estimators hold their promises? A simulation of the analysis on Dask",
}
