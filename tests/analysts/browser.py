"""Headless Chromium for the browser tests: Debian's `chromium`, driven by Playwright through its path.

Playwright's own browser download is not reachable here; `.ci/run` installs Debian's package when it
is missing. The browser starts without network features (no sync, no updates, no background
traffic): the pages under test are served from this machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in (Path("/usr/bin/chromium"), Path("/usr/lib/chromium/chromium")):
        if path.exists():
            return str(path)
    return None


@contextmanager
def browser_page(width: int = 1440, height: int = 1000) -> Iterator:
    """A fresh page in headless Chromium; raises when no Chromium is installed."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("no chromium on PATH (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            yield context.new_page()
        finally:
            browser.close()
