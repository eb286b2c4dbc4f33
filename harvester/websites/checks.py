"""Checks of the registry against the divisions: every site placed in a division that exists, every
imported portal in one whose government the regulation binds, no home page listed twice."""

from __future__ import annotations

from collections import defaultdict

from harvester.divisions import gazetteer
from harvester.registry import Site


def registry_problems(sites: list[Site]) -> list[str]:
    """One line per registry site whose division is unknown, abolished or not the one its region names."""
    problems = []
    for site in sites:
        division = site.division_unit()
        if division is None:
            problems.append(f"site {site.id}: no division (set `division:` or a region the divisions name)")
        elif division.valid_to:
            problems.append(f"site {site.id}: division {division.code} {division.name} was abolished in "
                            f"{division.valid_to} (successor {division.successor})")
        elif (named := gazetteer().of_region(site.region.province, site.region.city, site.region.county)) \
                not in (None, division):
            problems.append(f"site {site.id}: region names {named.code} {named.name}, division is {division.code} "
                            f"{division.name}")
    return problems


def portal_problems(portals: list) -> list[str]:
    """One line per imported portal in an abolished or unadministered division, or sharing a home page."""
    problems = []
    by_url = defaultdict(list)
    for portal in portals:
        by_url[portal["url"]].append(portal["code"])
        division = gazetteer().get(portal["division"])
        if division.valid_to:
            problems.append(f"portal {portal['code']}: division {division.code} {division.name} was abolished in "
                            f"{division.valid_to} (successor {division.successor})")
        elif not division.administered:
            problems.append(f"portal {portal['code']}: division {division.code} {division.name} publishes no reports")
    problems += [f"home page {url} listed by {', '.join(codes)}" for url, codes in sorted(by_url.items()) if len(codes) > 1]
    return problems
