"""The Datasette pages render in headless Chromium without console or page errors."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from publish.helpers import watched_page

PAGES = [
    "/", "/harvester", "/harvester/reports", "/harvester/table3_wide", "/harvester/facts",
    "/harvester/codebook", "/harvester/coverage", "/harvester/agency_years", "/harvester/outcome_shares",
    f"/harvester/search?q={quote('复议')}", f"/harvester/sections?_zh={quote('公开')}",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_errors(server: str, browser, path: str) -> None:
    with watched_page(browser) as watched:
        response = watched.page.goto(server + path, wait_until="networkidle")
        assert response.status == 200
        assert watched.page.locator("h1").count() >= 1
        assert not watched.errors, watched.errors


def test_report_facets_and_search_work_in_the_browser(server: str, browser) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        page.goto(f"{server}/harvester/reports?_zh={quote('复议')}", wait_until="networkidle")
        text = page.inner_text("body")
        assert 'text contains "复议"' in text
        for facet in ("province", "year", "template", "parse_status"):
            assert page.locator(f'.facet-info[data-column="{facet}"]').count() == 1, facet
        # The column descriptions are folded away above the rows.
        assert page.locator("details > dl.column-descriptions").count() == 1
        assert not page.locator("dl.column-descriptions").is_visible()
