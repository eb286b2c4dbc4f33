"""The Datasette pages render in headless Chromium without console or page errors."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import sync_playwright

from harvester.crawl.settings import PLAYWRIGHT_LAUNCH_OPTIONS

PAGES = [
    "/", "/harvester", "/harvester/reports", "/harvester/table3_wide", "/harvester/facts",
    "/harvester/codebook", "/harvester/coverage", "/harvester/agency_years", "/harvester/outcome_shares",
    f"/harvester/search?q={quote('复议')}", f"/harvester/sections?_zh={quote('公开')}",
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**PLAYWRIGHT_LAUNCH_OPTIONS)
        yield browser
        browser.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_errors(server: str, browser, path: str) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(server + path, wait_until="networkidle")
    assert response.status == 200
    assert page.locator("h1").count() >= 1
    assert not errors, errors
    page.close()


def test_report_facets_and_search_work_in_the_browser(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(f"{server}/harvester/reports?_zh={quote('复议')}", wait_until="networkidle")
    text = page.inner_text("body")
    assert 'text contains "复议"' in text
    for facet in ("province", "year", "template", "parse_status"):
        assert page.locator(f'.facet-info[data-column="{facet}"]').count() == 1, facet
    # The column descriptions are folded away above the rows.
    assert page.locator("details > dl.column-descriptions").count() == 1
    assert not page.locator("dl.column-descriptions").is_visible()
    page.close()
