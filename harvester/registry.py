"""The site registry: which portals to crawl, loaded from YAML and validated.

Schema of one entry (`sites:` list in harvester/registry.yaml):

    id          registry id, [a-z0-9-]; used as spider site label, fetch-log `site`, WARC prefix
    agency      publishing body, e.g. 沈阳市科学技术局
    region      {province, city, county} (null where not applicable)
    level       one of LEVELS
    division    6-digit code of the division (行政区划代码) the agency belongs to; when absent, the
                division its region names (harvester.divisions), if any
    aliases     former names of the agency (机构改革, 撤并): reports under them are this agency's
    aggregates  true for columns listing many agencies' reports (default false)
    portal      the agency's portal home URL
    columns     list of {url, evidence: seen|inferred|found YYYY-MM-DD, source}: annual-report column(s), crawl
                start URLs; "found <date>" is what `harvester find-columns` writes (found by it that day)
    render      http (plain requests) | browser (list pages rendered by Chromium)
    cms         a CMS family name from harvester.crawl.families.FAMILY_NAMES: the list-page behaviour the
                crawl runs for this site; "unknown" runs every family's detection
    notes       free text
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from harvester.crawl.families import FAMILY_NAMES
from harvester.divisions import Division, gazetteer
from harvester.divisions.levels import AGENCY_LEVELS

REGISTRY = Path(__file__).with_name("registry.yaml")
DEMO_REGISTRY = Path(__file__).with_name("registry_demo.yaml")

LEVELS = AGENCY_LEVELS
RENDER_MODES = ("http", "browser")
EVIDENCE = ("seen", "inferred")
_FOUND = re.compile(r"found (\d{4}-\d{2}-\d{2})")  # evidence written by `harvester find-columns`
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_DIVISION_CODE = re.compile(r"\d{6}")


class RegistryError(ValueError):
    """The registry file is missing, unreadable or an entry breaks the schema."""


@dataclass(frozen=True)
class Region:
    """Where an agency sits."""

    province: str | None
    city: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class ColumnURL:
    """One annual-report column URL and how sure we are of it."""

    url: str
    evidence: str
    source: str = ""


@dataclass(frozen=True)
class Site:
    """One registry entry."""

    id: str
    agency: str
    region: Region
    level: str
    portal: str
    columns: tuple[ColumnURL, ...]
    render: str = "http"
    cms: str = "unknown"
    aggregates: bool = False
    notes: str = ""
    division: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def start_urls(self) -> list[str]:
        """The column URLs, where a crawl of this site starts."""
        return [column.url for column in self.columns]

    def division_unit(self) -> Division | None:
        """The site's division: its `division` code, else the one its region names."""
        if self.division:
            return gazetteer().get(self.division)
        return gazetteer().of_region(self.region.province, self.region.city, self.region.county)


def load_registry(path: str | Path | None = None, portal: str | None = None) -> list[Site]:
    """Load and validate a registry file (default harvester/registry.yaml); `portal` fills "{portal}"."""
    path = Path(path) if path else REGISTRY
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"cannot read registry {path}: {error}") from error
    if "{portal}" in text:
        if not portal:
            raise RegistryError(f"{path} uses {{portal}}: pass the replica portal URL")
        text = text.replace("{portal}", portal.rstrip("/"))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RegistryError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'sites' list")
    sites = [_site(entry, f"{path} entry {n}") for n, entry in enumerate(data["sites"], 1)]
    seen: set[str] = set()
    for site in sites:
        if site.id in seen:
            raise RegistryError(f"{path}: duplicate id {site.id!r}")
        seen.add(site.id)
    return sites


def entries(sites: list[Site]) -> list[dict]:
    """Sites as registry entries (the YAML schema), e.g. to record with the run that crawls them."""
    return [asdict(site) for site in sites]


def from_entries(recorded: list[dict], where: str) -> list[Site]:
    """Validated sites from registry entries (the inverse of `entries`)."""
    return [_site(entry, f"{where} entry {n}") for n, entry in enumerate(recorded, 1)]


def select(sites: list[Site], ids: list[str] | None) -> list[Site]:
    """The sites named by `ids` (all when empty), in the order asked; unknown ids are an error."""
    if not ids:
        return list(sites)
    by_id = {site.id: site for site in sites}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise RegistryError(f"unknown site id(s): {', '.join(unknown)} (known: {', '.join(by_id)})")
    return [by_id[i] for i in ids]


def _site(entry: object, where: str) -> Site:
    """One validated Site from a YAML mapping."""
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: expected a mapping")
    unknown = set(entry) - {"id", "agency", "region", "level", "portal", "columns", "render", "cms", "aggregates", "notes",
                            "division", "aliases"}
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("id", "agency", "region", "level", "portal", "columns"):
        if not entry.get(key):
            raise RegistryError(f"{where}: missing {key!r}")
    site_id = str(entry["id"])
    where = f"{where} ({site_id})"
    if not _ID.fullmatch(site_id):
        raise RegistryError(f"{where}: id must be lowercase letters, digits and '-'")
    _choice(entry["level"], LEVELS, "level", where)
    _choice(entry.get("render", "http"), RENDER_MODES, "render", where)
    _choice(entry.get("cms", "unknown"), FAMILY_NAMES + ("unknown",), "cms", where)
    region = entry["region"]
    if not isinstance(region, dict) or set(region) - {"province", "city", "county"}:
        raise RegistryError(f"{where}: region must be a mapping of province/city/county")
    if not isinstance(entry["columns"], list):
        raise RegistryError(f"{where}: columns must be a list")
    return Site(
        id=site_id,
        agency=str(entry["agency"]),
        region=Region(region.get("province"), region.get("city"), region.get("county")),
        level=entry["level"],
        portal=_url(entry["portal"], where),
        columns=tuple(_column(column, where) for column in entry["columns"]),
        render=entry.get("render", "http"),
        cms=entry.get("cms", "unknown"),
        aggregates=bool(entry.get("aggregates", False)),
        notes=str(entry.get("notes") or ""),
        division=_division(entry.get("division"), where),
        aliases=_names(entry.get("aliases") or [], where),
    )


def _names(value: object, where: str) -> tuple[str, ...]:
    """A list of names as a tuple of strings."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise RegistryError(f"{where}: aliases must be a list of names")
    return tuple(value)


def _division(value: object, where: str) -> str | None:
    """A known 6-digit division code (or None when the entry names none)."""
    if value is None:
        return None
    code = str(value)
    if not _DIVISION_CODE.fullmatch(code) or gazetteer().get(code) is None:
        raise RegistryError(f"{where}: division {value!r} is not the code of a division (harvester.divisions)")
    return code


def _column(column: object, where: str) -> ColumnURL:
    """One validated column URL entry."""
    if not isinstance(column, dict) or "url" not in column:
        raise RegistryError(f"{where}: each column needs a url")
    if not _found_on_a_date(column.get("evidence")):
        _choice(column.get("evidence"), EVIDENCE + ("found YYYY-MM-DD",), "evidence", where)
    return ColumnURL(_url(column["url"], where), column["evidence"], str(column.get("source") or ""))


def found_evidence(day: date) -> str:
    """The evidence of a column `harvester find-columns` found on `day`: "found 2026-12-01"."""
    return f"found {day.isoformat()}"


def _found_on_a_date(evidence: object) -> bool:
    """True for "found YYYY-MM-DD" naming a real date."""
    match = _FOUND.fullmatch(evidence) if isinstance(evidence, str) else None
    try:
        return match is not None and bool(date.fromisoformat(match.group(1)))
    except ValueError:
        return False


def _url(value: object, where: str) -> str:
    """An absolute http(s) URL, or a RegistryError."""
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegistryError(f"{where}: not an absolute http(s) URL: {value!r}")
    return str(value)


def _choice(value: object, allowed: tuple[str, ...], name: str, where: str) -> None:
    """Raise RegistryError unless `value` is one of `allowed`."""
    if value not in allowed:
        raise RegistryError(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}")
