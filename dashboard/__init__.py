"""The sellers' dashboard: Streamlit pages over the serving copy (read-only), started by `cdw dashboard`.

``dashboard.data`` computes every number (tested against the marts and the metrics),
``dashboard.charts`` draws them with Altair, ``dashboard.views`` lays out one page each and
``dashboard/app.py`` is the Streamlit entry point (filters and navigation).
"""
