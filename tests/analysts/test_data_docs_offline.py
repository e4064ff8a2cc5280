"""GX Data Docs render with the network off: assets served from the site, severity and owner on the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.offline_docs import remote_assets
from tests.analysts.browser import browser_page, chromium_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(analyst_home: Path) -> Path:
    index = analyst_home / "data_docs" / "index.html"
    assert index.exists(), "cdw run builds the Data Docs site"
    return index.parent


def test_no_page_loads_anything_from_the_network(site: Path):
    pages = list(site.rglob("*.html"))
    assert len(pages) > 5
    remote = {str(page.relative_to(site)): remote_assets(page.read_text()) for page in pages}
    assert {page: urls for page, urls in remote.items() if urls} == {}
    assert (site / "static" / "vendor" / "jquery.min.js").exists()


def _newest(site: Path, name: str) -> Path:
    return sorted((site / "validations").rglob(name))[-1]


def test_pages_show_severity_and_owner(site: Path):
    page = _newest(site, "marts.fct_orders.html").read_text()
    assert "severity" in page and "Orders owner (team:orders)" in page


def test_the_index_renders_in_a_browser_with_the_network_blocked(site: Path):
    if chromium_path() is None:
        pytest.skip("Chromium is not installed and could not be: `apt-get install -y chromium` (.ci/run does it)")
    requested: list[str] = []
    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        def block(route) -> None:
            requested.append(route.request.url)
            route.abort()

        page.route("http://**/*", block)
        page.route("https://**/*", block)
        page.goto((site / "index.html").as_uri())
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.jQuery") == "function"
        assert page.locator("table tbody tr").count() > 0  # bootstrap-table drew the runs and suites
        assert errors == []
        page.goto(_newest(site, "marts.fct_orders.html").as_uri())
        page.wait_for_load_state("load")
        assert "owner" in page.inner_text("body")
        assert errors == []
    assert requested == []
