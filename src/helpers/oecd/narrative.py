"""What the OECD 2010 officials survey's tables and figures show, in words, with every number read from results.

Each function returns a :class:`helpers.report.paragraph.Paragraph` with its numbers filled in from a computed
table (never typed); on synthetic data it ends by saying that it describes synthetic data. The first notebook of
the study shows :func:`survey_overview` and :func:`item_table_for_readers`: who was asked, when, how and what
(the items with their codes), and where the published numbers come from (the claims registry).
"""

from __future__ import annotations

import pandas as pd

from helpers.data.claims import claim_list, claim_row, claim_value_text
from helpers.eu.narrative import short_source, statement
from helpers.oecd import codebook
from helpers.report.paragraph import Paragraph, number_list, paragraph
from helpers.stats.intervals import level_label, table_confidence_level


def survey_overview(claims: pd.DataFrame) -> Paragraph:
    """Who was asked, when, how and what, and where the published numbers are: from claims OECD-01 to -15."""
    source = claim_row(claims, "OECD-01")
    areas = claim_list(claims, "OECD-15")
    return paragraph(
        f"**Who, when and how.** {statement(claims, 'OECD-01')} (OECD-01); {statement(claims, 'OECD-02')[0].lower()}"
        f"{statement(claims, 'OECD-02')[1:]} (OECD-02).",
        f"Each official answered for the service areas of their organisation, {len(areas)} areas of government "
        f"(COFOG divisions, OECD-15), with yes, no or don't know to each item.",
        f"**What.** {codebook.QUESTIONS['Q2']} {codebook.QUESTIONS['Q3']} {codebook.QUESTIONS['Q4']} The items "
        "and their codes are in the table below.",
        f"**The published numbers.** {short_source(source['source'])}, Figures 50.1 to 50.3, publish the percentage "
        f"of affirmative answers per item; {statement(claims, 'OECD-03')[0].lower()}"
        f"{statement(claims, 'OECD-03')[1:]} (OECD-03). Every published value or rank is a row of the claims "
        "registry, `data/raw/claims.csv`, with its source; the table below reads them from it, and step 3 (the "
        "scorecard) checks each one.",
    )


def item_table_for_readers(claims: pd.DataFrame) -> pd.DataFrame:
    """The items of Figures 50.1-50.3 with their codes and what is published about each (value, rank or none)."""
    items = codebook.figure_items()
    published = []
    for claim_id in items["claim_id"]:
        claim = claim_row(claims, claim_id)
        text = claim_value_text(claims, claim_id)
        published.append(f"{text}%" if claim["kind"] == "value" else f"rank {text} (no value)" if claim["kind"] == "rank"
                         else "none")
    return pd.DataFrame({
        "figure": items["figure"].to_numpy(),
        "question": items["question_id"].to_numpy(),
        "code": items["column"].to_numpy(),
        "item": items["label"].to_numpy(),
        "claim": items["claim_id"].astype(str).to_numpy(),
        "published": published,
    })


def cleaning_text(rows_read: int, rows_dropped: int, officials: int, countries: int) -> Paragraph:
    """What the cleaning kept."""
    return paragraph(
        f"Of the {rows_read:,} rows (official x service area) read, {rows_dropped:,} were dropped because nothing "
        f"in them was answered; the rest come from {officials:,} officials in {countries} countries.",
    )


def figure_text(estimates: pd.DataFrame, figure: str, *, synthetic: bool) -> Paragraph:
    """One figure: its most and least frequent item with their intervals, each set against what is published."""
    rows = estimates.loc[estimates["figure"].astype(str) == str(figure)].sort_values("estimate", ascending=False)
    if rows.empty:
        return paragraph(f"Figure {figure} has no estimates.", synthetic=synthetic)
    level = level_label(table_confidence_level(rows, f"Figure {figure}"))
    top, bottom = rows.iloc[0], rows.iloc[-1]
    assumed = " (a rank-only item: in synthetic data its height is the generator's assumption, A-OECD-05)"

    def note(row: pd.Series) -> str:
        return assumed if synthetic and pd.isna(row["published_value"]) and not pd.isna(row["published_rank"]) else ""

    compared = []
    for row in rows.itertuples(index=False):
        if not pd.isna(row.published_value):
            compared.append(f"{row.label.lower()} {row.estimate:.1f}% (published {row.published_value:g}%)")
        elif not pd.isna(row.published_rank):
            compared.append(f"{row.label.lower()} {row.estimate:.1f}% (published: rank {int(row.published_rank)}, "
                            "no value)")
    return paragraph(
        f"In Figure {figure} the most frequent answer is \"{top.label}\" ({top.estimate:.1f}%, {level} interval "
        f"{top.ci_low:.1f} to {top.ci_high:.1f}){note(top)}"
        + (f" and the least frequent \"{bottom.label}\" ({bottom.estimate:.1f}%, {bottom.ci_low:.1f} to "
           f"{bottom.ci_high:.1f}){note(bottom)}." if len(rows) > 1 else "."),
        f"Reproduced against published: {number_list(compared)}.",
        synthetic=synthetic,
    )
