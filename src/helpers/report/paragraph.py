"""A paragraph of narrative that a notebook shows as text, generated from computed results.

The narrative functions of the studies (:mod:`helpers.eu.narrative`, :mod:`helpers.oecd.narrative`) return a
:class:`Paragraph`: as the last expression of a cell it is shown as formatted text in JupyterLab, in the HTML
reports and in the PDF (Markdown, which nbconvert turns into HTML or LaTeX), never as a quoted string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SYNTHETIC_SENTENCE: str = (
    "*These numbers describe the synthetic stand-in data, built to match the published aggregates: they show "
    "what the code computes, not what the survey found.*"
)
"""The sentence every narrative paragraph ends with when the data are synthetic."""


@dataclass(frozen=True)
class Paragraph:
    """Markdown text shown as a paragraph (``str(paragraph)`` is the text)."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)

    def __str__(self) -> str:
        return self.text


def paragraph(*sentences: str, synthetic: bool = False) -> Paragraph:
    """The sentences as one paragraph, with :data:`SYNTHETIC_SENTENCE` after them when ``synthetic``."""
    text = " ".join(sentence.strip() for sentence in sentences if sentence and sentence.strip())
    return Paragraph(f"{text} {SYNTHETIC_SENTENCE}" if synthetic else text)


def p_value_text(p: float) -> str:
    """A p-value as a reader sees it: 'p < 0.001', else 'p = 0.012' (never 'p = 0')."""
    if p != p:  # NaN
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def number_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
