"""Where a respondent file's data come from: synthetic, real, or not declared (docs/real_data.md, section 5).

A file is **synthetic** when any of these holds (each piece of evidence is kept, in words, for the log):

- its bytes are those of a file registered as synthetic in ``data/raw/datapackage.json`` (sha256);
- it carries the synthetic marker in any form: a column whose name says synthetic (``SYNTHETIC``, ``synthetic ``,
  ``is_synthetic`` ...) unless every value of it is 0 (a column that is blank, 1, or anything else counts; a mix
  of 0 and 1 is refused), or a value label, column label or file label that says synthetic (in any of the five
  languages: synthetic, synthétique, synthetisch, syntetisk, syntetický);
- its records are, for the most part, records of a registered synthetic file (:func:`content_match`: after
  cleaning, at least half of the records equal a synthetic record on at least 80% of the codebook columns they
  share, found by respondent id, or, in a file of at least :data:`MIN_RECORDS_FOR_EXACT_MATCH` records, equal
  exactly on every shared column but the id a record that is unique in the synthetic file), which catches a
  renamed, reordered, relabelled, re-encoded, renumbered or partly damaged copy.

Otherwise the data are **real** only when the user says so (the ``data_origin`` parameter of the cleaning steps),
and **not declared** when nobody does. A declaration never overrides evidence of synthetic data
(:func:`decide_origin`). A file in which part of the records (at least :data:`MIXED_MIN_RECORDS` and
:data:`MIXED_MIN_SHARE`, but less than half) are synthetic records is refused: mixing them cannot give a result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import paths
from helpers.data.delivery import value_key
from helpers.data.validation import plain_text

SYNTHETIC_WORD = re.compile(r"s[yi]nth?et")
"""'synthetic' in English, French, German, Danish and Czech (after :func:`helpers.data.validation.plain_text`)."""
CELL_MATCH_SHARE: float = 0.8
"""A record matches a synthetic record with the same id when at least this share of the shared columns agree."""
SYNTHETIC_SHARE: float = 0.5
"""A file is synthetic when at least this share of its records match synthetic records."""
MIXED_MIN_SHARE: float = 0.05
MIXED_MIN_RECORDS: int = 10
"""Fewer than half but at least this many (and this share of) records matching synthetic ones: refused as mixed."""
MIN_COLUMNS_FOR_ID_MATCH: int = 4
MIN_COLUMNS_FOR_EXACT_MATCH: int = 10
"""Matching needs enough shared columns for a chance agreement to be negligible (by id, or without the id)."""
MIN_RECORDS_FOR_EXACT_MATCH: int = 20
"""Matching without the id (a renumbered copy) is tried on files of at least this many records only: on a
handful of records, common answer patterns could agree by chance."""


class MixedOriginError(ValueError):
    """Part of the records are records of the synthetic stand-in: the file cannot be analysed as it is."""


@dataclass(frozen=True)
class ContentMatch:
    """How many of a file's records are (near) copies of records of a synthetic file."""

    records: int
    matching: int
    by_id: int
    reference: str
    columns: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.matching / self.records if self.records else 0.0

    def describe(self) -> str:
        return (f"{self.matching} of {self.records} records are records of {self.reference} "
                f"(compared on {len(self.columns)} columns)")


# ---------------------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------------------


def says_synthetic(text: Any) -> bool:
    """True when ``text`` (a name or label) contains the word synthetic in one of the five languages."""
    return bool(text) and bool(SYNTHETIC_WORD.search(plain_text(str(text)).replace(" ", "")))


def registered_synthetic_files(package_file: Path = paths.DATAPACKAGE_FILE) -> dict[str, str]:
    """File name -> sha256 of every resource the data package marks as synthetic."""
    try:
        descriptor = json.loads(Path(package_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {Path(resource["path"]).name: str(resource.get("hash", "")).removeprefix("sha256:")
            for resource in descriptor.get("resources", []) if resource.get("synthetic") is True}


def sha256_evidence(sha256: str | None, package_file: Path = paths.DATAPACKAGE_FILE) -> list[str]:
    """Evidence when ``sha256`` is that of a registered synthetic file."""
    return [f"its bytes are those of data/raw/{name} (sha256 {sha256[:12]}...), a synthetic stand-in"
            for name, recorded in registered_synthetic_files(package_file).items() if sha256 and recorded == sha256]


def marker_columns(columns: Iterable[Any]) -> list[str]:
    """The columns whose name says synthetic (``SYNTHETIC`` however spelt, spaced, cut or damaged: ``SYNTH``,
    ``syn_thetic``, ``is_synthetic``)."""
    return [str(column) for column in columns
            if says_synthetic(column) or plain_text(str(column)).replace(" ", "").startswith(("synth", "sinth"))]


def flag_state(values: pd.Series) -> str:
    """A marker column's values: 'real' (every value 0, false or no), 'mixed' (0 and 1 both), else 'synthetic'
    (1, blank, or anything else: a marker column in a file is evidence unless it plainly says 0)."""
    keys = {value_key(value) for value in values}
    zeros, ones = {"0", "false", "no", "n", "real"}, {"1", "true", "yes", "y", "synthetic"}
    if keys and keys <= zeros:
        return "real"
    if keys & zeros and keys & ones:
        return "mixed"
    return "synthetic"


def marker_evidence(frame: pd.DataFrame, *, value_labels: Mapping[str, Mapping[Any, str]] | None = None,
                    column_labels: Mapping[str, Any] | None = None, file_label: str = "") -> tuple[list[str], list[str]]:
    """Evidence of the synthetic marker in ``frame`` and its metadata, and problems (a marker mixing 0 and 1)."""
    evidence, problems = [], []
    for column in marker_columns(frame.columns):
        state = flag_state(frame[column])
        if state == "mixed":
            values = sorted({value_key(v) or "" for v in frame[column]})[:6]
            problems.append(f"column {column!r} mixes synthetic and real records (values {values}); a file is one "
                            "or the other")
        elif state == "synthetic":
            shown = sorted({value_key(v) or "(blank)" for v in frame[column]})[:3]
            evidence.append(f"it has a column {column!r} marking synthetic data (values {', '.join(shown)})")
    for column, labels in (value_labels or {}).items():
        said = [label for label in labels.values() if says_synthetic(label)]
        if said:
            evidence.append(f"the value labels of column {column!r} say {said[0]!r}")
    for column, label in (column_labels or {}).items():
        if says_synthetic(label):
            evidence.append(f"the label of column {column!r} says {label!r}")
    if says_synthetic(file_label):
        evidence.append(f"the file label says {file_label!r}")
    return evidence, problems


# ---------------------------------------------------------------------------------------------------------
# Content
# ---------------------------------------------------------------------------------------------------------


def _keys(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Every cell of ``columns`` as comparable text (missing -> '')."""
    return np.column_stack([frame[column].map(lambda value: value_key(value) or "").to_numpy(dtype=object)
                            for column in columns]) if columns else np.empty((len(frame), 0), dtype=object)


def content_match(delivered: pd.DataFrame, reference: pd.DataFrame, *, key: Sequence[str], columns: Sequence[str],
                  reference_name: str) -> ContentMatch:
    """Count the records of ``delivered`` that are (near) copies of records of ``reference`` (module docstring).

    ``key`` identifies a record (RESPID; RESPID and COFOG); ``columns`` are compared (the codebook columns both
    frames have with at least one value in ``delivered``, the key excluded).
    """
    shared = [column for column in columns if column in delivered.columns and column in reference.columns
              and column not in key and delivered[column].notna().any()]
    if delivered.empty or reference.empty:
        return ContentMatch(len(delivered), 0, 0, reference_name, tuple(shared))
    matched = np.zeros(len(delivered), dtype=bool)
    by_id = np.zeros(len(delivered), dtype=bool)
    if len(shared) >= MIN_COLUMNS_FOR_ID_MATCH and all(column in delivered and column in reference for column in key):
        left = delivered[list(key) + shared].reset_index(drop=True)
        right = reference[list(key) + shared].drop_duplicates(subset=list(key))
        left_keys, right_keys = _keys(left, key), _keys(right, key)
        index = {tuple(row): position for position, row in enumerate(right_keys)}
        positions = np.array([index.get(tuple(row), -1) for row in left_keys])
        found = positions >= 0
        if found.any():
            agree = (_keys(left.loc[found], shared) == _keys(right.iloc[positions[found]], shared)).mean(axis=1)
            by_id[np.flatnonzero(found)] = agree >= CELL_MATCH_SHARE
    if len(shared) >= MIN_COLUMNS_FOR_EXACT_MATCH and len(delivered) >= MIN_RECORDS_FOR_EXACT_MATCH:
        counts = pd.Series([tuple(row) for row in _keys(reference, shared)]).value_counts()
        unique_rows = set(counts.index[counts == 1])  # a pattern many synthetic records share proves nothing
        matched |= np.array([tuple(row) in unique_rows for row in _keys(delivered, shared)], dtype=bool)
    matched |= by_id
    return ContentMatch(len(delivered), int(matched.sum()), int(by_id.sum()), reference_name, tuple(shared))


def content_evidence(match: ContentMatch) -> list[str]:
    """Evidence when most records are synthetic ones; ``MixedOriginError`` when a part of them is."""
    if match.records and match.share >= SYNTHETIC_SHARE:
        return [match.describe()]
    if match.by_id >= MIXED_MIN_RECORDS and match.by_id >= MIXED_MIN_SHARE * match.records:
        raise MixedOriginError(
            f"{match.by_id} of {match.records} records are records of {match.reference} (the synthetic stand-in) "
            "and the others are not: a file mixing synthetic and other records cannot be analysed; remove them")
    return []


# ---------------------------------------------------------------------------------------------------------
# Decision
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OriginDecision:
    """The origin of a file's data, what it rests on, and a note when a declaration was overridden."""

    origin: str
    declared: str
    evidence: tuple[str, ...] = ()
    note: str = ""

    def provenance_extra(self) -> dict[str, Any]:
        """What the cleaning step writes into provenance.json besides ``data_origin`` itself."""
        return {"data_origin_declared": self.declared, "data_origin_evidence": list(self.evidence),
                **({"data_origin_note": self.note} if self.note else {})}

    def describe(self) -> str:
        """One sentence for the check command and the cleaning notebook."""
        if self.origin == "synthetic":
            because = "; ".join(self.evidence) if self.evidence else "declared synthetic (data_origin)"
            return f"synthetic: {because}" + (f". {self.note}" if self.note else "")
        if self.origin == "real":
            return "real: declared real with data_origin; nothing in the file marks it as synthetic"
        return ("not declared: nothing in the file marks it as synthetic, and data_origin does not declare it real; "
                "the reports say 'origin not declared' (set data_origin: real if these are the real data)")


def decide_origin(declared: str, evidence: Sequence[str]) -> OriginDecision:
    """Synthetic when there is evidence or the user declares it; real only when declared and without evidence."""
    if evidence:
        note = ("data_origin declares the data real, but the file is synthetic by the evidence above: it is "
                "reported as synthetic") if declared == "real" else ""
        return OriginDecision("synthetic", declared, tuple(evidence), note)
    return OriginDecision(declared if declared in ("synthetic", "real") else "not declared", declared)
