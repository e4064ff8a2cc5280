"""Every Great Expectations suite of the warehouse, built against what the build warehouse holds.

=========== ==========================================================================
suite       rules
=========== ==========================================================================
landing     landing contracts on each new load batch (``expectations/landing.py``)
dictionary  governed fields' allowed values, formats and types (``governed_fields.py``)
identity    one row per customer, records mapped once, limits, bound, no mixing
value       RFM 1-5, one segment per customer, CLV/LTV >= 0, month-0 retention = 1
audience    consent, suppression, hashing and columns of every outgoing audience
privacy     no erased person comes back
degradation raw rows and identity match rate did not fall sharply since the last publish
=========== ==========================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import duckdb

from core.dictionary import load_dictionary
from expectations.audience import AudienceSync, audience_rules
from expectations.catalog import Catalog
from expectations.degradation import degradation_rules
from expectations.governed_fields import dictionary_rules
from expectations.identity import identity_rules
from expectations.landing import landing_rules
from expectations.privacy import privacy_rules
from expectations.rules import Rule
from expectations.value import value_rules


def _landing(catalog: Catalog) -> list[Rule]:
    """Landing contracts; a raw table that never landed (a system not ingested yet) is "not built yet"."""
    return [rule if catalog.exists(rule.relation) else replace(rule, on_missing="warn") for rule in landing_rules()]


BUILDERS: dict[str, Callable[[Catalog, list[AudienceSync]], list[Rule]]] = {
    "landing": lambda catalog, _syncs: _landing(catalog),
    "dictionary": lambda catalog, _syncs: dictionary_rules(catalog),
    "identity": lambda catalog, _syncs: identity_rules(catalog),
    "value": lambda catalog, _syncs: value_rules(catalog),
    "audience": lambda catalog, syncs: audience_rules(catalog, syncs=syncs),
    "privacy": lambda catalog, _syncs: privacy_rules(catalog),
    "degradation": lambda catalog, _syncs: degradation_rules(catalog),
}
SUITES = tuple(BUILDERS)


def build_rules(con: duckdb.DuckDBPyConnection, suites: Iterable[str] | None = None,
                audience_syncs: list[AudienceSync] | None = None) -> list[Rule]:
    """The rules of ``suites`` (default: all) for the warehouse behind ``con``.

    ``audience_syncs`` describes the outgoing syncs whose audiences the ``audience`` suite checks
    (the check step reads them from the activation configuration).
    """
    chosen = list(suites or SUITES)
    unknown = set(chosen) - set(BUILDERS)
    if unknown:
        raise ValueError(f"unknown suite(s) {sorted(unknown)}; known: {', '.join(SUITES)}")
    load_dictionary.cache_clear()  # the dictionary may have changed since the last run in this process
    catalog = Catalog.load(con)
    return [rule for suite in chosen for rule in BUILDERS[suite](catalog, list(audience_syncs or []))]
