"""Whose report, of which year: what a file does not say, completed from where it was found.

A file names its agency and year in its title, its page's metadata block or its signature
(the parser records which: `agency_source`, `year_source`). When it does not, the link
text it was found under says it (the fetch log keeps it: the document's own link, then,
for an attachment, the link of the page it was found on), and for a site that publishes
only its own agency's reports (a registry entry that does not aggregate) the registry
does. A report left without either is a load problem, named with its reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from harvester.parse.interpret.meta import title_parts
from harvester.parse.model import ParseResult
from harvester.registry import Site

PROBLEMS = {
    "no_agency": "a report naming no agency in its file or link text, found on a site that "
                 "lists many agencies' reports (or on no registry site)",
    "no_year": "a report naming no reporting year in its file or link text",
}
"""Why a document parsed as a report is in no published report (documents.problem)."""

MAX_NAMED = 20  # unpublished documents named one by one in the load summary
# The provenance columns of a document that hold the text of a link it was found under.
LINK_TEXT_COLUMNS = ("link_text", "referer_link_text")


@dataclass(frozen=True)
class Identity:
    """A report's agency and year, each with where it was read (AGENCY_SOURCES)."""

    agency: str | None
    agency_source: str | None
    year: int | None
    year_source: str | None

    @property
    def problem(self) -> str | None:
        """Why this identity cannot make a report (PROBLEMS codes, comma-separated), or None."""
        missing = [code for code, value in (("no_agency", self.agency), ("no_year", self.year))
                   if value is None]
        return ",".join(missing) or None


def identify(document: dict[str, Any], result: ParseResult, site: Site | None) -> Identity:
    """The file's own agency and year, completed from link texts and then the registry."""
    agency, agency_source = result.agency, result.agency_source
    year, year_source = result.year, result.year_source
    for column in LINK_TEXT_COLUMNS:
        linked_agency, linked_year = title_parts(document.get(column) or "")
        if agency is None and linked_agency:
            agency, agency_source = linked_agency, "link_text"
        if year is None and linked_year:
            year, year_source = linked_year, "link_text"
    if agency is None and site is not None and not site.aggregates:
        agency, agency_source = site.agency, "registry"
    return Identity(agency, agency_source, year, year_source)


def document_title(document: dict[str, Any]) -> str | None:
    """A document's label: its title as crawled (a page's <title>), else the text of the link
    it was found under (an attachment has no title of its own), its own link's first."""
    return document.get("title") or next(
        (text for column in LINK_TEXT_COLUMNS if (text := (document.get(column) or "").strip())), None)


def describe_unpublished(unpublished: list[tuple[str, str]]) -> list[str]:
    """Summary lines naming the (url, problem) documents left out, with what each problem means."""
    if not unpublished:
        return []
    counts = Counter(code for _, problem in unpublished for code in problem.split(","))
    lines = [f"report documents not published: {len(unpublished)} ("
             + ", ".join(f"{code} {n}" for code, n in sorted(counts.items()))
             + "; documents.problem says why)"]
    lines += [f"  {code}: {PROBLEMS[code]}" for code in sorted(counts)]
    lines += [f"  {url}: {problem}" for url, problem in unpublished[:MAX_NAMED]]
    if len(unpublished) > MAX_NAMED:
        lines.append(f"  ... and {len(unpublished) - MAX_NAMED} more")
    return lines
