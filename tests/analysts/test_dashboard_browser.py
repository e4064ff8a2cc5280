"""The dashboard in a real browser: headless Chromium through every page, started by `cdw dashboard`.

Each page: no exception, every chart drawn, rendered within the budget; numbers read off the page
equal the warehouse; a screenshot of each page is written (to ``$CDW_SCREENSHOTS_DIR`` when set,
e.g. docs/screenshots, else a temporary folder).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.dashboard import streamlit_command
from core.settings import Paths
from dashboard import data
from dashboard import formatting as fmt
from tests.analysts.browser import browser_page, chromium_path

pytestmark = pytest.mark.slow
# page url -> charts it draws (Altair charts, by their accessible label)
PAGES = {"": 2, "cohorts": 4, "segments": 2, "clv": 1, "activation": 2, "identity": 2, "health": 1}
BUDGET_SECONDS = float(os.environ.get("CDW_DASHBOARD_PAGE_BUDGET", "4.0"))
"""A regression guard, not the 2 s target: the suite's other worker builds warehouses meanwhile, and
on a slower 2-core machine pages that render in 0.9-1.6 s alone took 2.1-2.4 s there (2026-12-07).
The timings are printed; set CDW_DASHBOARD_PAGE_BUDGET=2 to hold the target on an idle machine."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(analyst_home: Path) -> Iterator[str]:
    if chromium_path() is None:
        pytest.skip("Chromium is not installed and could not be: `apt-get install -y chromium` (.ci/run does it)")
    port = _free_port()
    env = {**os.environ, "CDW_HOME": str(analyst_home), "CDW_DASHBOARD_RESTRICTED": "0"}
    server = subprocess.Popen(streamlit_command(port, "127.0.0.1"), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not start within 60 s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CDW_SCREENSHOTS_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page, url: str, charts: int) -> float:
    """Load a page and wait until it has run and drawn its charts; returns the seconds it took."""
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=30_000)
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, "
        "[data-testid=\"stVegaLiteChart\"] svg.marks').length >= n", arg=charts, timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)
    return time.perf_counter() - started


def test_every_page_renders_every_chart_without_errors_in_time(dashboard_url, tmp_path_factory, analyst_paths):
    folder = _screenshots(tmp_path_factory)
    timings: dict[str, float] = {}
    with browser_page(height=1700) as page:  # tall enough for a whole page in the screenshot
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        _open(page, dashboard_url, PAGES[""])  # warm the server's caches once, as a returning user would
        for path, charts in PAGES.items():
            timings[path or "overview"] = _open(page, f"{dashboard_url}/{path}", charts)
            assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]
            drawn = page.locator('[data-testid="stVegaLiteChart"]')
            assert drawn.count() == charts, f"{path}: {drawn.count()} charts, expected {charts}"
            page.wait_for_timeout(300)  # let the last chart's transitions settle for the screenshot
            page.screenshot(path=str(folder / f"{path or 'overview'}.png"), full_page=True)
        assert errors == []
    slow = {name: round(seconds, 2) for name, seconds in timings.items() if seconds > BUDGET_SECONDS}
    print("page render seconds:", {name: round(seconds, 2) for name, seconds in timings.items()})
    assert slow == {}, f"pages slower than {BUDGET_SECONDS} s: {slow}"


def _tile(page, label: str) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    return tile.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_numbers_read_off_the_pages_equal_the_warehouse(dashboard_url, analyst_paths: Paths):
    con = data.connect(analyst_paths.serving_db)
    filters = data.default_filters(data.filter_choices(con))
    tiles = data.order_tiles(con, filters)
    customers = data.customer_tiles(con, filters)
    sql_net = con.execute("select sum(net_revenue) from analytics.customer_orders where order_date between ? and ?",
                          [filters.start, filters.end]).fetchone()[0]
    health = data.data_health(con)
    match = data.identity_match_rate(con)
    con.close()
    with browser_page() as page:
        _open(page, dashboard_url, PAGES[""])
        assert _tile(page, "Net revenue") == fmt.money(float(sql_net))
        assert _tile(page, "Orders") == fmt.count(tiles["orders"])
        assert _tile(page, "Repeat purchase rate") == fmt.percent(customers["repeat_purchase_rate"])
        _open(page, f"{dashboard_url}/identity", PAGES["identity"])
        assert _tile(page, "Identity match rate") == fmt.percent(match)
        _open(page, f"{dashboard_url}/health", PAGES["health"])
        assert _tile(page, "Checks passed") == f"{fmt.count(health['rules_passed'])} / {fmt.count(health['rules'])}"
        _open(page, f"{dashboard_url}/clv", PAGES["clv"])
        body = page.inner_text("body")
        assert "@" not in body  # no e-mail address without the restricted opt-in
