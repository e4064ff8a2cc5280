"""How dbt nodes become Dagster assets: keys, groups, owners, the CLV scores as one asset.

Kept apart from the definitions (no manifest is read here) so the command line can map what a
run built to the same asset and check keys without loading the whole code location.

* models, seeds and snapshots: ``[<node name>]`` (what the data dictionary's patterns match);
* raw sources: ``[raw_<system>, <table>]``, the key of the raw asset that lands them;
* the CLV step's scores (source ``clv.customer_clv``): the CLV asset's key, so the lineage runs
  customer_orders -> CLV fit -> customer_features;
* groups are layers (the folder under ``models/``); owners come from the data dictionary.
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject

from orchestration.config import load_config
from orchestration.keys import CLV_SCORES, LANE_TAG, LANE_VALUE, MATCH_SUGGESTIONS
from orchestration.ownership import govern

BUILT_TYPES = ("model", "seed", "snapshot")
CLV_SOURCE = ("clv", "customer_clv")
SUGGESTIONS_MART = "identity_match_suggestions"
"""Reads the suggestion step's table through a macro (the table also feeds the next run's identity
graph, so it cannot be a dbt source without a cycle): its dependency on the step is declared here."""


class WarehouseTranslator(DagsterDbtTranslator):
    """Model keys = model names; groups = layers; owners and descriptions from the data dictionary.

    A model tagged ``activation_lane`` in dbt (the tag is configurable) joins the activation lane.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = (dbt_resource_props.get("config") or {}).get("meta") or dbt_resource_props.get("meta") or {}
        kind = dbt_resource_props["resource_type"]
        if kind in BUILT_TYPES and not meta.get("dagster", {}).get("asset_key"):
            return dg.AssetKey([dbt_resource_props["name"]])
        if kind == "source" and (dbt_resource_props["source_name"], dbt_resource_props["name"]) == CLV_SOURCE:
            return CLV_SCORES
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            folders = dbt_resource_props.get("fqn", [])[1:-1]
            return folders[0] if folders else "models"
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return super().get_group_name(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))
        if load_config().lane.dbt_tag in tags:
            tags[LANE_TAG] = LANE_VALUE
        return tags

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in BUILT_TYPES:
            return spec  # sources are the raw assets and the CLV fit, owned where they are defined
        if props["name"] == SUGGESTIONS_MART:
            spec = spec.merge_attributes(deps=[MATCH_SUGGESTIONS])
        return govern(spec)


TRANSLATOR = WarehouseTranslator()


def node_key(manifest: Mapping[str, Any], unique_id: str) -> dg.AssetKey:
    """The asset key of a built node, from the manifest."""
    return TRANSLATOR.get_asset_key(manifest["nodes"][unique_id])


def model_relations(manifest: Mapping[str, Any]) -> dict[dg.AssetKey, str]:
    """``schema.name`` of every built (non-ephemeral) model, seed and snapshot, by asset key."""
    relations = {}
    for node in manifest.get("nodes", {}).values():
        materialized = (node.get("config") or {}).get("materialized")
        if node["resource_type"] in BUILT_TYPES and materialized != "ephemeral":
            relations[TRANSLATOR.get_asset_key(node)] = f"{node['schema']}.{node.get('alias') or node['name']}"
    return relations


def governed_models(manifest: Mapping[str, Any], groups: tuple[str, ...] = ("marts",)) -> dict[dg.AssetKey, str]:
    """Built models of the given layers and their relations (each gets a governance check)."""
    in_groups = {TRANSLATOR.get_asset_key(node) for node in manifest.get("nodes", {}).values()
                 if node["resource_type"] == "model" and TRANSLATOR.get_group_name(node) in groups}
    return {key: relation for key, relation in sorted(model_relations(manifest).items(),
                                                      key=lambda item: item[0].to_user_string())
            if key in in_groups}
