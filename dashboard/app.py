"""The dashboard's Streamlit entry point: `cdw dashboard` (or `make dashboard`) runs it.

It opens the serving copy of ``CDW_HOME`` read-only (reopened when a new copy is published), draws
the filters in the sidebar and runs the chosen page. Personal data (the ``restricted`` schema) is
offered only when started with ``--restricted`` (``CDW_DASHBOARD_RESTRICTED=1``) and then only
after the user ticks it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import streamlit as st

from core.settings import get_paths
from dashboard import data
from dashboard.context import PageContext
from dashboard.views import PAGES, overview

RESTRICTED_ENV = "CDW_DASHBOARD_RESTRICTED"


@st.cache_resource(max_entries=2)
def _connection(serving_db: str, modified: float) -> duckdb.DuckDBPyConnection:
    """One read-only connection per published copy (a new publish changes the file's mtime)."""
    return data.connect(Path(serving_db))


@st.cache_data(max_entries=4)
def _choices(serving_db: str, modified: float) -> dict:
    return data.filter_choices(_connection(serving_db, modified))


def _sidebar(choices: dict) -> tuple[data.Filters, bool]:
    st.sidebar.markdown("### Filters")
    first, last = choices["first_day"], choices["last_day"]
    default_start = data.default_filters(choices).start
    picked = st.sidebar.date_input("Order dates", value=(default_start, last), min_value=first, max_value=last)
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (default_start, last))
    channels = st.sidebar.multiselect("Channel", choices["channels"], placeholder="All channels")
    marketplaces = st.sidebar.multiselect("Marketplace", choices["marketplaces"], placeholder="All marketplaces")
    restricted = False
    if os.environ.get(RESTRICTED_ENV) == "1":
        restricted = st.sidebar.toggle("Show personal data", value=False,
                                       help="Reads the restricted schema: names and e-mail addresses.")
    st.sidebar.caption(f"Data as of {last:%d %b %Y}. Channel: the order's channel (customer numbers: the "
                       "first order's). Marketplace: orders only.")
    return data.Filters(start, end, tuple(channels), tuple(marketplaces)), restricted


def main() -> None:
    st.set_page_config(page_title="Customer warehouse", page_icon=":material/storefront:", layout="wide")
    serving_db = get_paths().serving_db
    if not serving_db.exists():
        st.error(f"No serving warehouse at {serving_db}. Run `make demo` (or `cdw run`) first.")
        st.stop()
    modified = serving_db.stat().st_mtime
    con = _connection(str(serving_db), modified)
    filters, restricted = _sidebar(_choices(str(serving_db), modified))
    st.session_state["page_context"] = PageContext(con.cursor(), filters, restricted, str(serving_db))
    pages = [st.Page(module.render, title=module.TITLE, icon=module.ICON, url_path=module.URL,
                     default=module is overview) for module in PAGES]
    st.navigation(pages).run()


main()
