"""A small real archive for the registry tests: one seed report re-titled for other agencies and
years (the parser reads the agency and year from the title), archived on an aggregating portal."""

from __future__ import annotations

from pathlib import Path

import yaml

from harvester.registry import Site, load_registry
from publish.helpers import REPORTS, archive_files

SEED = "000_c6cf585c495c9a5f"  # 沈阳市科学技术局, 2019
SEED_AGENCY, SEED_YEAR = "沈阳市科学技术局", "2019年度"
PORTAL_ENTRY = {
    "id": "sq-gov", "agency": "宿迁市人民政府", "region": {"province": "江苏省", "city": "宿迁市", "county": None},
    "level": "city", "aggregates": True, "portal": "http://127.0.0.1/",
    "columns": [{"url": "http://127.0.0.1/zfxxgknb/", "evidence": "seen"}],
}


def retitled(agency: str, year: int) -> bytes:
    """The seed's HTML report as if `agency` had published it for `year`."""
    html = (REPORTS / SEED / f"{SEED}.html").read_text(encoding="utf-8")
    return html.replace(SEED_AGENCY, agency).replace(SEED_YEAR, f"{year}年度").encode("utf-8")


def registry(tmp_path: Path, *entries: dict, **changes) -> list[Site]:
    """The test portal's registry (its aggregating entry, with `changes` applied, then `entries`)."""
    path = tmp_path / "registry.yaml"
    sites = [{**PORTAL_ENTRY, **changes}, *({**PORTAL_ENTRY, "aggregates": False, **entry} for entry in entries)]
    path.write_text(yaml.safe_dump({"sites": sites}, allow_unicode=True), encoding="utf-8")
    return load_registry(path)


def archive_reports(root: Path, reports: list[tuple[str, int]], site: str = "sq-gov") -> None:
    """Archive one HTML report per (agency, year), as found on `site`."""
    archive_files(root, [(site, f"http://127.0.0.1/zfxxgknb/{n}.html", retitled(agency, year))
                         for n, (agency, year) in enumerate(reports)])
