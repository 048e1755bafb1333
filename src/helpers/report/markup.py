"""HTML text the reports share: Markdown rendered as the logs are, heading anchors, and the offline check.

Kept apart from :mod:`helpers.report.export` (which imports nbformat and nbconvert) so that the reproduction
reports and the index use them without importing the notebook exporters.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_EXTERNAL_RESOURCE_PATTERNS = (
    re.compile(r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^\s"'>]*""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//[^\s"')]*""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//[^\s"')]*""", re.I),
    re.compile(r"""\bimport\(\s*["']\s*(?:https?:)?//[^\s"')]*""", re.I),
)


def external_resource_references(html_text: str) -> list[str]:
    """Every place where ``html_text`` would load a script, stylesheet, image or module over the network."""
    found: list[str] = []
    for pattern in _EXTERNAL_RESOURCE_PATTERNS:
        found.extend(match.group(0)[:160] for match in pattern.finditer(html_text))
    return found


def _require_offline(html_text: str, target: Path) -> None:
    references = external_resource_references(html_text)
    if references:
        raise ValueError(f"{target} would load network resources: {references[:5]}")


_MARKDOWN_LINK_PATTERN = re.compile(r"""href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+)\.md([#?][^"]*)?\"""", re.I)


def markdown_to_html_fragment(markdown_text: str) -> str:
    """Render Markdown (tables, footnotes, strikethrough, task lists) with mistune, nbconvert's renderer.

    Headings get ``id`` anchors (GitHub-like slugs) so a report can link to
    ``assumptions.html#some-heading``; links to sibling ``.md`` files are pointed at ``.html``.
    """
    import mistune
    from mistune.toc import add_toc_hook

    renderer = mistune.create_markdown(
        escape=False,
        plugins=["table", "strikethrough", "footnotes", "url", "task_lists", "def_list"],
    )
    add_toc_hook(renderer, min_level=1, max_level=6, heading_id=_unique_heading_ids())
    fragment = renderer(markdown_text)
    return _MARKDOWN_LINK_PATTERN.sub(lambda match: f'href="{match.group(1)}.html{match.group(2) or ""}"', fragment)


#: The docs pages the export renders beside the reports (``reports/<name>.html``).
RENDERED_DOCS = ("assumptions", "data_log", "glossary")
_DOCS_LINK_PATTERN = re.compile(r'href="(?:\.\./)*docs/(' + "|".join(RENDERED_DOCS) + r')\.md(#[^"]*)?"')


def docs_links_as_pages(html_text: str) -> str:
    """Links from a notebook to ``../docs/glossary.md`` (right in JupyterLab) pointed at the rendered page
    beside the report, ``glossary.html`` (and the same for the assumptions and data logs)."""
    return _DOCS_LINK_PATTERN.sub(lambda match: f'href="{match.group(1)}.html{match.group(2) or ""}"', html_text)


def heading_slug(text: str) -> str:
    """GitHub-like anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.lower()).strip().replace(" ", "-")


def _unique_heading_ids() -> Any:
    """A mistune ``heading_id`` callback giving unique slugs (``x``, ``x-1``, ``x-2`` ...)."""
    seen: dict[str, int] = {}

    def heading_id(token: dict[str, Any], index: int) -> str:
        slug = heading_slug(str(token.get("text", ""))) or f"section-{index + 1}"
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"

    return heading_id
