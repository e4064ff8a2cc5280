"""One module per dashboard page; each has ``TITLE``, ``ICON``, ``URL``, ``READS`` (its marts) and ``render()``."""

from dashboard.views import activation, clv, cohorts, health, identity, overview, segments

PAGES = (overview, cohorts, segments, clv, activation, identity, health)
