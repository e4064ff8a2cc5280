"""Make the GX Data Docs site work offline: its CDN assets served from the site itself.

Great Expectations writes pages that load jQuery, Bootstrap, bootstrap-table, Font Awesome and Vega
from CDNs, so offline the index is blank (``$ is not defined``). :func:`make_offline` copies the
vendored copies (``expectations/data_docs_vendor``, see its VENDOR.md) into ``static/vendor`` of
the site and rewrites every page to load them by relative path; remote images (GX logos) are
dropped. Called after every rebuild of the site.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).with_name("data_docs_vendor")
# A CDN asset (by the end of its URL) -> the vendored file that replaces it.
ASSETS = {
    "jquery-3.7.1.min.js": "jquery.min.js",
    "bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "filter-control/bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "font-awesome/6.6.0/css/all.min.css": "css/fontawesome.min.css",
    "npm/vega@5": "vega-stub.js",
    "npm/vega-lite@5": "vega-stub.js",
    "npm/vega-embed@6": "vega-stub.js",
}
# Remote assets with nothing to stand in for them: the dark-mode stylesheet and the GX logos.
DROPPED = ("bootstrap-prefers-dark.css", "great-expectations-web-assets")
_ASSET = re.compile(r"""(?P<attr>\b(?:src|href))=(?P<quote>["'])(?P<url>https?://[^"']+)(?P=quote)""")


def _replacement(url: str, prefix: str) -> str | None:
    for ending, local in ASSETS.items():
        if ending in url:
            return f"{prefix}static/vendor/{local}"
    return None


def _rewrite(html: str, prefix: str) -> str:
    def swap(match: re.Match) -> str:
        url = match.group("url")
        local = _replacement(url, prefix)
        if local is not None:
            return f'{match.group("attr")}="{local}"'
        if any(part in url for part in DROPPED):
            return f'{match.group("attr")}=""'
        return match.group(0)  # a link to a web page (not an asset) stays

    html = _ASSET.sub(swap, html)
    return re.sub(r'<link[^>]+href=""[^>]*>', "", html)  # a stylesheet with nothing to load


def remote_assets(html: str) -> list[str]:
    """Scripts, stylesheets and images a page would still fetch from the network."""
    found = re.findall(r"""<(?:script|img)[^>]*\bsrc=["'](https?://[^"']+)""", html)
    found += re.findall(r"""<link[^>]*\bhref=["'](https?://[^"']+)["'][^>]*>""", html)
    return found


def make_offline(site: Path) -> list[Path]:
    """Vendor the assets into ``site`` and rewrite its pages; returns the pages rewritten."""
    target = site / "static" / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(VENDOR, target, ignore=shutil.ignore_patterns("*.md"))
    rewritten = []
    for page in site.rglob("*.html"):
        depth = len(page.relative_to(site).parts) - 1
        prefix = "../" * depth
        html = page.read_text()
        new = _rewrite(html, prefix)
        if new != html:
            page.write_text(new)
            rewritten.append(page)
    return rewritten
