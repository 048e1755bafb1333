"""Codebook of the respondent file of the 2008 five-country citizen survey, as a vendor would deliver it.

The questionnaire wording and the vendor's file layout are not published (shared/README.md), so every column
name, code and label below is ours (assumptions A-EU-01 to A-EU-05 in docs/assumptions_eu.md). The activities
follow shared/reference/activities.md: six are named in published summaries, three are our additions.

Conventions of the delivery:

- one row per interview, columns in ``RAW_COLUMNS`` order, integer codes for every closed question;
- ``8`` = don't know and ``9`` = refused on every survey question (not on SEX, which the interviewer records);
  the two-digit ``98`` and ``99`` that many vendors use are documented as the same (A-REAL-02);
- ``COUNTRY`` is a text label (the five countries' names in English, Czech, Danish, French or German, or their
  ISO 3166 alpha-2 or alpha-3 code, :func:`canonical_country`), ``INTDATE`` an ISO date (YYYY-MM-DD), ``AGE``
  whole years;
- ``SYNTHETIC`` = 1 on every row of the synthetic stand-in; downstream code detects synthetic data by it.

The published numbers the compendium reproduces are read from the claims registry by claim id here
(``read_claim_value`` and the helpers below it), never typed into code.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data.validation import plain_text
from helpers.outputs import write_csv
from helpers.paths import CLAIMS_FILE, RAW_DIR, SEX_AGE_MARGINS_FILE  # noqa: F401  (re-exported)

# ---------------------------------------------------------------------------------------------------------
# Sectors, countries and missing-value codes
# ---------------------------------------------------------------------------------------------------------

SECTORS: tuple[str, ...] = ("environment", "health", "safety")
"""The three sectors of EU-05 (local environment, public health, community safety). Source: claim EU-05's list in
the claims registry (``SECTOR_NAMES`` kept equal to it by a test); the scorecard marks EU-05 as holding by
construction."""

SECTOR_PREFIX: dict[str, str] = {"environment": "ENV", "health": "HEA", "safety": "SAF"}

SECTOR_TARGET_CLAIM: dict[str, str] = {"environment": "EU-06", "health": "EU-07", "safety": "EU-08"}
"""Claim id of the published five-country co-production index of each sector."""

CANONICAL_COUNTRIES: tuple[str, ...] = ("Czech Republic", "Denmark", "France", "Germany", "United Kingdom")
"""The five countries, spelt as in data/raw/eu2008_populations.csv. Source: claim EU-03's names in the claims
registry (tests/test_scorecard_registry.py keeps them equal)."""

COUNTRY_SPELLINGS_IN_DELIVERY: dict[str, tuple[str, ...]] = {
    "Czech Republic": ("CZECH REP.", "Czechia", "Czech Rep", "CZ"),
    "Denmark": ("DENMARK", "Danmark", "DK"),
    "France": ("FRANCE", "FR", "france"),
    "Germany": ("Deutschland", "GERMANY", "DE"),
    "United Kingdom": ("UK", "Great Britain", "GB", "U.K.", "UNITED KINGDOM"),
}
"""Non-canonical spellings of each country that the synthetic vendor file uses (after stripping whitespace)."""

EXTRA_COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "Czech Republic": ("Czech Rep.",),
    "Germany": ("Federal Republic of Germany",),
    "United Kingdom": ("Britain", "Great Britain and Northern Ireland"),
}
"""Further English spellings a real delivery might use; accepted by the cleaning, not produced by the generator."""

COUNTRY_NAMES_BY_LANGUAGE: dict[str, dict[str, tuple[str, ...]]] = {
    "Czech Republic": {"cs": ("Česká republika", "Česko"), "da": ("Tjekkiet", "Den Tjekkiske Republik"),
                       "de": ("Tschechien", "Tschechische Republik"), "fr": ("République tchèque", "Tchéquie")},
    "Denmark": {"cs": ("Dánsko",), "da": ("Danmark",), "de": ("Dänemark",), "fr": ("Danemark",)},
    "France": {"cs": ("Francie",), "da": ("Frankrig",), "de": ("Frankreich",), "fr": ("France",)},
    "Germany": {"cs": ("Německo",), "da": ("Tyskland",), "de": ("Deutschland", "Bundesrepublik Deutschland"),
                "fr": ("Allemagne", "République fédérale d'Allemagne")},
    "United Kingdom": {"cs": ("Spojené království", "Velká Británie"),
                       "da": ("Storbritannien", "Det Forenede Kongerige"),
                       "de": ("Vereinigtes Königreich", "Großbritannien"), "fr": ("Royaume-Uni", "Grande-Bretagne")},
}
"""The five countries' names in the five countries' languages (Czech, Danish, German, French; English above)."""

COUNTRY_ISO_CODES: dict[str, tuple[str, str]] = {
    "Czech Republic": ("CZ", "CZE"), "Denmark": ("DK", "DNK"), "France": ("FR", "FRA"), "Germany": ("DE", "DEU"),
    "United Kingdom": ("GB", "GBR"),
}
"""ISO 3166-1 alpha-2 and alpha-3 codes ('UK', not an ISO code, is among the delivery spellings)."""


def country_key(label: object) -> str:
    """A country label as looked up in ``COUNTRY_ALIASES``: without accents, case, spaces or punctuation
    ("Royaume-Uni", "royaume uni" and "ROYAUME UNI" are one key; "U.K." is "uk")."""
    return plain_text(str(label)).replace(" ", "")


def _country_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for canonical in CANONICAL_COUNTRIES:
        spellings = (canonical, *COUNTRY_SPELLINGS_IN_DELIVERY[canonical], *EXTRA_COUNTRY_ALIASES.get(canonical, ()),
                     *(name for names in COUNTRY_NAMES_BY_LANGUAGE[canonical].values() for name in names),
                     *COUNTRY_ISO_CODES[canonical])
        for spelling in spellings:
            key = country_key(spelling)
            if aliases.setdefault(key, canonical) != canonical:  # pragma: no cover - a codebook error
                raise ValueError(f"country alias {spelling!r} names two countries")
    return aliases


COUNTRY_ALIASES: dict[str, str] = _country_aliases()
"""Every label the cleaning accepts, as :func:`country_key`, mapped to the canonical name."""


def canonical_country(label: object) -> str | None:
    """The canonical name of a country label in any accepted spelling, language or ISO code; None if unknown."""
    return COUNTRY_ALIASES.get(country_key(label)) if isinstance(label, str) else None


DONT_KNOW: int = 8
REFUSED: int = 9
DONT_KNOW_CODES: tuple[int, ...] = (DONT_KNOW, 98)
REFUSED_CODES: tuple[int, ...] = (REFUSED, 99)
MISSING_CODES: dict[int, str] = {DONT_KNOW: "Don't know", REFUSED: "Refused", 98: "Don't know", 99: "Refused"}
MISSING_CODE_REASONS: dict[int, str] = {**dict.fromkeys(DONT_KNOW_CODES, "dont_know"),
                                        **dict.fromkeys(REFUSED_CODES, "refused")}
"""The codebook's reason for each missing code of a survey question (helpers.data.delivery.MISSING_REASONS)."""

AGE_MIN: int = 18
AGE_MAX: int = 99
"""Valid ages: adults 18 or over (EU-02); 100 and over treated as keying errors (A-EU-06)."""

"""Population shares by country, sex and age group for the post-stratification (an assumption: A-EU-09)."""

AGE_GROUPS: tuple[str, ...] = ("18-34", "35-54", "55+")
AGE_GROUP_LOWER_BOUNDS: tuple[int, ...] = (18, 35, 55)
"""Age groups of the post-stratification cells (weights.py) and their lower bounds in years."""

SEX_CODES: dict[int, str] = {1: "Male", 2: "Female"}

CLEANING_REASONS: tuple[str, ...] = (
    "whitespace_stripped",
    "value_mapped",
    "country_label_harmonised",
    "exact_duplicate_dropped",
    "conflicting_duplicate_dropped",
    "age_out_of_range_dropped",
    "age_missing_dropped",
    "dont_know_to_missing",
    "refused_to_missing",
    "not_asked_to_missing",
    "declared_missing_to_missing",
    "undocumented_code_to_missing",
)
"""Every reason the cleaning logs a change for, in the order the cleaning applies them."""

# ---------------------------------------------------------------------------------------------------------
# Variables
# ---------------------------------------------------------------------------------------------------------

FREQUENCY_LABELS: dict[int, str] = {1: "Never", 2: "Occasionally", 3: "Often", 4: "Always"}
YES_NO_LABELS: dict[int, str] = {1: "Yes", 2: "No"}
PERFORMANCE_LABELS: dict[int, str] = {1: "Very poor", 2: "Fairly poor", 3: "Fairly good", 4: "Very good"}
EFFICACY_LABELS: dict[int, str] = {
    1: "No difference at all",
    2: "A little difference",
    3: "A fair amount of difference",
    4: "A lot of difference",
}
OUTCOME_LABELS: dict[str, dict[int, str]] = {
    "environment": {1: "Very dirty", 2: "Fairly dirty", 3: "Fairly clean", 4: "Very clean"},
    "health": {1: "Very bad", 2: "Fairly bad", 3: "Fairly good", 4: "Very good"},
    "safety": {1: "Very unsafe", 2: "Fairly unsafe", 3: "Fairly safe", 4: "Very safe"},
}
OUTCOME_QUESTIONS: dict[str, str] = {
    "environment": "How clean is the local environment where you live?",
    "health": "How is your health in general?",
    "safety": "How safe do you feel in your neighbourhood after dark?",
}
SECTOR_NAMES: dict[str, str] = {
    "environment": "the local environment",
    "health": "public health",
    "safety": "community safety",
}


@dataclass(frozen=True)
class Activity:
    """A co-production activity item and where it comes from."""

    column: str
    sector: str
    label: str
    source: str


ACTIVITIES: tuple[Activity, ...] = (
    Activity("ENV_RECYCLE", "environment", "Separates rubbish for recycling", "published (activities.md)"),
    Activity("ENV_SAVE_ENERGY", "environment", "Tries to save water or electricity", "published (activities.md)"),
    Activity("ENV_PUBLIC_TRANSPORT", "environment", "Uses public transport", "published (activities.md)"),
    Activity("HEA_EXERCISE", "health", "Exercises regularly", "published (activities.md)"),
    Activity("HEA_CARE_SICK", "health", "Cares for sick family members", "published (activities.md)"),
    Activity("HEA_EAT_HEALTHY", "health", "Eats healthily", "assumption A-EU-02"),
    Activity("SAF_INTERVENE", "safety", "Intervenes to stop anti-social behaviour", "published (activities.md)"),
    Activity("SAF_SECURE_HOME", "safety", "Makes own home secure (locks, lights)", "assumption A-EU-02"),
    Activity("SAF_REPORT_POLICE", "safety", "Reports suspicious activity to the police", "assumption A-EU-02"),
)


@dataclass(frozen=True)
class Variable:
    """One column of the vendor file.

    ``kind`` is one of ``id``, ``country``, ``date``, ``years``, ``code`` (a closed question with integer
    codes) or ``flag``. ``value_labels`` are the valid codes; ``missing_codes`` the documented non-answers.
    ``required``: a file without the column is refused (RESPID, COUNTRY, INTDATE, SEX, AGE: cleaning and
    weighting cannot do without them). Every other column may be absent; the analyses that need it are then
    narrowed or skipped, and the reports say so (``helpers.data.real_data``, docs/real_data.md).
    """

    name: str
    label: str
    kind: str
    value_labels: Mapping[int, str] = field(default_factory=dict)
    missing_codes: Mapping[int, str] = field(default_factory=dict)
    sector: str | None = None
    role: str = ""
    required: bool = False

    @property
    def documented_codes(self) -> frozenset[int]:
        """Every code the codebook documents for this column (valid and missing)."""
        return frozenset(self.value_labels) | frozenset(self.missing_codes)


def sector_column(sector: str, role: str) -> str:
    """Name of a sector's attitude column, e.g. ``sector_column('health', 'EFFICACY') == 'HEA_EFFICACY'``."""
    return f"{SECTOR_PREFIX[sector]}_{role}"


def activity_items(sector: str) -> tuple[str, ...]:
    """The activity item columns of ``sector``, in codebook order."""
    _check_sector(sector)
    return tuple(activity.column for activity in ACTIVITIES if activity.sector == sector)


def _check_sector(sector: str) -> None:
    if sector not in SECTORS:
        raise ValueError(f"Unknown sector {sector!r}; expected one of {SECTORS}")


def _sector_variables(sector: str) -> list[Variable]:
    items = [
        Variable(activity.column, f"How often: {activity.label.lower()} [{activity.source}]", "code",
                 FREQUENCY_LABELS, MISSING_CODES, sector, "activity")
        for activity in ACTIVITIES if activity.sector == sector
    ]
    name = SECTOR_NAMES[sector]
    return items + [
        Variable(sector_column(sector, "OUTCOME"), OUTCOME_QUESTIONS[sector], "code",
                 OUTCOME_LABELS[sector], MISSING_CODES, sector, "outcome"),
        Variable(sector_column(sector, "GOVPERF"), f"How well does government perform in {name}?", "code",
                 PERFORMANCE_LABELS, MISSING_CODES, sector, "govperf"),
        Variable(sector_column(sector, "INFORMED"),
                 f"In the last 12 months, has government informed you about what you can do for {name}?",
                 "code", YES_NO_LABELS, MISSING_CODES, sector, "informed"),
        Variable(sector_column(sector, "CONSULTED"),
                 f"In the last 12 months, has government consulted you about {name}?",
                 "code", YES_NO_LABELS, MISSING_CODES, sector, "consulted"),
        Variable(sector_column(sector, "EFFICACY"),
                 f"How much of a difference can citizens like you make to {name}?", "code",
                 EFFICACY_LABELS, MISSING_CODES, sector, "efficacy"),
        Variable(sector_column(sector, "WILLING"), f"Would you be willing to do more for {name}?", "code",
                 YES_NO_LABELS, MISSING_CODES, sector, "willing"),
    ]


VARIABLES: tuple[Variable, ...] = (
    Variable("RESPID", "Respondent id (unique per interview)", "id", role="id", required=True),
    Variable("COUNTRY", "Country of interview (text label)", "country", role="country", required=True),
    Variable("INTDATE", "Date of interview (YYYY-MM-DD; fieldwork window of EU-01)", "date", role="date", required=True),
    Variable("SEX", "Sex of respondent (recorded by interviewer)", "code", SEX_CODES, {}, role="sex", required=True),
    Variable("AGE", f"Age in completed years ({AGE_MIN}-{AGE_MAX})", "years", role="age", required=True),
    Variable("EDUC", "Highest level of education completed", "code",
             {1: "Lower secondary or less (ISCED 0-2)", 2: "Upper secondary or post-secondary (ISCED 3-4)",
              3: "Tertiary (ISCED 5-6)"}, MISSING_CODES, role="education"),
    Variable("EMPLOY", "Employment status", "code",
             {1: "Employed or self-employed", 2: "Unemployed", 3: "Retired", 4: "Student",
              5: "Other not in paid work (home, disabled, other)"}, MISSING_CODES, role="employment"),
    Variable("URBAN", "Type of place of residence", "code",
             {1: "Urban (city or large town)", 2: "Non-urban (small town, village, countryside)"},
             MISSING_CODES, role="urban"),
    *(variable for sector in SECTORS for variable in _sector_variables(sector)),
    Variable("SYNTHETIC", "1 = synthetic stand-in generated by helpers.eu.synthetic, 0 = real data", "flag",
             {0: "Real data", 1: "Synthetic data"}, {}, role="synthetic"),
)

VARIABLE_BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}
RAW_COLUMNS: tuple[str, ...] = tuple(variable.name for variable in VARIABLES)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(variable.name for variable in VARIABLES if variable.required)
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(
    variable.name for variable in VARIABLES if not variable.required and variable.role != "synthetic"
)
"""Codebook columns a file may lack: cleaning adds them as empty columns, ``helpers.data.real_data`` says what is lost."""
TEXT_COLUMNS: tuple[str, ...] = ("COUNTRY", "INTDATE")
CODED_COLUMNS: tuple[str, ...] = tuple(variable.name for variable in VARIABLES if variable.kind == "code")
SURVEY_QUESTION_COLUMNS: tuple[str, ...] = tuple(
    variable.name for variable in VARIABLES if variable.kind == "code" and variable.missing_codes
)
"""Coded columns that carry the don't-know (8) and refused (9) codes: every question but SEX."""


def codebook_table() -> pd.DataFrame:
    """The codebook as a table: column, label, kind, codes, value labels, sector, role."""
    rows = []
    for variable in VARIABLES:
        labels = {**variable.value_labels, **variable.missing_codes}
        rows.append({
            "column": variable.name,
            "label": variable.label,
            "kind": variable.kind,
            "codes": ", ".join(str(code) for code in sorted(labels)) if labels else _free_codes(variable),
            "value_labels": "; ".join(f"{code}={text}" for code, text in sorted(labels.items())),
            "missing_codes": ", ".join(str(code) for code in sorted(variable.missing_codes)),
            "sector": variable.sector or "",
            "role": variable.role,
            "required": variable.required,
        })
    return pd.DataFrame(rows)


def _free_codes(variable: Variable) -> str:
    return {"id": "positive integer", "country": "text label", "date": "YYYY-MM-DD",
            "years": f"{AGE_MIN}-{AGE_MAX}"}.get(variable.kind, "")


def write_codebook(target: str | Path) -> Path:
    """Write ``codebook_table()`` as CSV (atomically)."""
    return write_csv(codebook_table(), target)


# ---------------------------------------------------------------------------------------------------------
# Published values, read from the claims registry by claim id
# ---------------------------------------------------------------------------------------------------------


def read_claim_value(claim_id: str, claims_file: str | Path = CLAIMS_FILE) -> str:
    """The ``value`` field of claim ``claim_id`` in the claims registry (error if absent or empty)."""
    with open(claims_file, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["claim_id"] == claim_id:
                if not row["value"].strip():
                    raise ValueError(f"{claims_file}: claim {claim_id} has no value")
                return row["value"].strip()
    raise KeyError(f"{claims_file}: no claim {claim_id}")


def published_index_targets(claims_file: str | Path = CLAIMS_FILE) -> dict[str, float]:
    """Published five-country co-production index per sector (EU-06, EU-07, EU-08)."""
    return {sector: float(read_claim_value(claim, claims_file)) for sector, claim in SECTOR_TARGET_CLAIM.items()}


def published_sample_size(claims_file: str | Path = CLAIMS_FILE) -> int:
    """Number of respondents (EU-02)."""
    return int(read_claim_value("EU-02", claims_file))


def fieldwork_window(claims_file: str | Path = CLAIMS_FILE) -> tuple[dt.date, dt.date]:
    """First and last day of fieldwork (EU-01, 'start/end' in ISO format)."""
    start, end = read_claim_value("EU-01", claims_file).split("/")
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)
