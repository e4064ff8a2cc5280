"""Asset keys shared by the definition modules, so lineage is one graph.

* raw tables: ``[raw_<system>, <table>]``, exactly the key dagster-dbt gives the dbt source;
* dbt models, seeds and snapshots: ``[<model name>]`` (what the data dictionary's patterns match);
* outgoing syncs: ``[activation, <sync name>]``, depending on the model of their audience relation;
* the CLV scores: ``[customer_clv]``; the serving copy: ``[serving, warehouse]``.
"""

import dagster as dg

from core.contracts import SystemContract

DEMO_FILES = dg.AssetKey(["demo", "vendor_files"])
SERVING = dg.AssetKey(["serving", "warehouse"])
CLV_SCORES = dg.AssetKey(["customer_clv"])
MATCH_SUGGESTIONS = dg.AssetKey(["identity_suggestions", "match_pairs"])
"""Scored identity match pairs (identity/suggest.py), read by the identity_match_suggestions mart."""
LANDING_CHECK = "landing_contract"
LANE_TAG = "cdw/lane"
LANE_VALUE = "activation"
WRITER_TAG = "cdw/warehouse"
WRITER_VALUE = "build"
"""Run tag of every run that writes the build warehouse; the run queue admits one at a time."""


def raw_asset_key(schema: str, table: str) -> dg.AssetKey:
    """The key dagster-dbt gives the dbt source ``schema.table`` (source name = schema)."""
    return dg.AssetKey([schema, table])


def raw_keys(contract: SystemContract) -> list[dg.AssetKey]:
    """Every asset one system's ingest step materializes: its tables and its quarantine."""
    return [raw_asset_key(contract.schema, t.name) for t in contract.tables] + [
        raw_asset_key(contract.schema, "quarantine")]


def model_key(relation_or_name: str) -> dg.AssetKey:
    """The asset key of a dbt model from its name or its relation (``marts.aud_vip`` -> ``aud_vip``)."""
    return dg.AssetKey([relation_or_name.rsplit(".", 1)[-1]])


def sync_key(sync_name: str) -> dg.AssetKey:
    return dg.AssetKey(["activation", sync_name])

