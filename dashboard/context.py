"""What every page needs: the read-only serving connection, the filters and the opt-ins of this session."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import streamlit as st

from dashboard.data import Filters


@dataclass(frozen=True)
class PageContext:
    con: duckdb.DuckDBPyConnection
    filters: Filters
    restricted: bool
    serving_db: str


def current() -> PageContext:
    """The context app.py put in the session before running the page."""
    return st.session_state["page_context"]


def chart(figure, name: str) -> None:
    """Draw an Altair chart full width (``name`` is its accessible label, read by the browser test)."""
    st.altair_chart(figure, width="stretch", alt=name)
