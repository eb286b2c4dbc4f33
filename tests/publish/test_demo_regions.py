"""The demo places its agencies where they are: the replica portal's own sites and every agency
its seed reports name, in the province and city the national registry gives them."""

from __future__ import annotations

import pytest

from harvester.db.agencies import AgencyResolver, registry_agencies
from harvester.registry import DEMO_REGISTRY, load_registry
from publish.helpers import SEEDS, expected

DEMO = load_registry(DEMO_REGISTRY, portal="http://127.0.0.1:8000")
NATIONAL = {site.agency: site for site in load_registry()}


def test_the_demo_sites_are_real_agencies_in_their_regions() -> None:
    for row in registry_agencies(DEMO):
        real = NATIONAL[row["name"]]
        assert (row["province"], row["city"]) == (real.region.province, real.region.city), row
        assert row["division"], row


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_agency_is_placed_in_its_real_region(seed: str) -> None:
    resolver = AgencyResolver(registry_agencies(DEMO))
    agency = expected(seed)["agency"]
    for site in DEMO:
        row = resolver.resolve(site.id, agency)
        real = NATIONAL[agency].region
        assert (row["province"], row["city"], row["county"]) == (real.province, real.city, real.county)
