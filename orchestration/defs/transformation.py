"""dbt models as assets (dagster-dbt); dbt data tests appear as asset checks.

Models are keyed by their name (what the data dictionary's stewardship patterns match), grouped
by layer (the folder under ``models/``), owned per the dictionary, and each materialization
carries its row count and a masked preview, read once dbt has released the warehouse.
"""

import json
import os
from collections.abc import Iterator, Mapping
from graphlib import TopologicalSorter
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets

from cdw.pipeline import demo_end_date
from core.dbt import dbt_invocation_env
from core.settings import DBT_PROJECT_DIR
from orchestration.config import load_config
from orchestration.dbt_manifest import ensure_manifest
from orchestration.keys import LANE_TAG, LANE_VALUE
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource
from orchestration.table_metadata import read_metadata

# The manifest describes code, not data: it lives in the project's own (git-ignored) target folder.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
ensure_manifest(dbt_project.manifest_path)

MANIFEST: dict[str, Any] = json.loads(dbt_project.manifest_path.read_text())
BUILT_TYPES = ("model", "seed", "snapshot")


class WarehouseTranslator(DagsterDbtTranslator):
    """Model keys = model names; groups = layers; owners and descriptions from the data dictionary.

    A model tagged ``activation_lane`` in dbt (the tag is configurable) joins the activation lane.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = (dbt_resource_props.get("config") or {}).get("meta") or dbt_resource_props.get("meta") or {}
        if dbt_resource_props["resource_type"] in BUILT_TYPES and not meta.get("dagster", {}).get("asset_key"):
            return dg.AssetKey([dbt_resource_props["name"]])
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
        if self.get_resource_props(manifest, unique_id)["resource_type"] not in BUILT_TYPES:
            return spec  # sources are the raw assets, owned where they are defined
        return govern(spec)


TRANSLATOR = WarehouseTranslator()


def model_relations(manifest: Mapping[str, Any]) -> dict[dg.AssetKey, str]:
    """``schema.name`` of every built (non-ephemeral) model, seed and snapshot, by asset key."""
    relations = {}
    for node in manifest.get("nodes", {}).values():
        materialized = (node.get("config") or {}).get("materialized")
        if node["resource_type"] in BUILT_TYPES and materialized != "ephemeral":
            relations[TRANSLATOR.get_asset_key(node)] = f"{node['schema']}.{node.get('alias') or node['name']}"
    return relations


def topological_order(manifest: Mapping[str, Any]) -> dict[dg.AssetKey, int]:
    """Position of every built node in an order where parents come first (Dagster requires it)."""
    nodes = {uid: node for uid, node in manifest.get("nodes", {}).items() if node["resource_type"] in BUILT_TYPES}
    parents = manifest.get("parent_map", {})
    graph = {uid: [p for p in parents.get(uid, []) if p in nodes] for uid in nodes}
    return {TRANSLATOR.get_asset_key(nodes[uid]): n for n, uid in enumerate(TopologicalSorter(graph).static_order())}


RELATIONS = model_relations(MANIFEST)
TOPOLOGICAL = topological_order(MANIFEST)
DBT_MODEL_KEYS = frozenset(TRANSLATOR.get_asset_key(n) for n in MANIFEST.get("nodes", {}).values()
                           if n["resource_type"] in BUILT_TYPES)


class DbtBuildConfig(dg.Config):
    """Run settings of ``dbt build`` (the reference time is the warehouse resource's ``as_of``)."""

    full_refresh: bool = False
    # dbt unit tests check SQL logic on fixed inputs, not data: CI runs them (`make test`); a
    # production build leaves them out unless asked, like `cdw build --unit-tests`.
    unit_tests: bool = False


def _asset_events(invocation: DbtCliInvocation, context: dg.AssetExecutionContext) -> Iterator[Any]:
    """dagster-dbt's events, minus nodes added to the dbt project after these definitions loaded.

    ``dbt build`` reads the project on disk; a node it reports that the loaded manifest does not
    know cannot be an asset or check here, so it is logged (reload the code location) and skipped
    instead of failing the whole run.
    """
    for raw in invocation.stream_raw_events():
        try:
            yield from raw.to_default_asset_events(
                manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context, target_path=invocation.target_path, project=invocation.project)
        except KeyError as exc:
            context.log.warning("dbt reported %s, unknown to the loaded definitions: the dbt project changed "
                                "since they loaded; reload the code location to see it", exc)


def _with_metadata(event: Any, context: dg.AssetExecutionContext, extra: dict[dg.AssetKey, dict]) -> Any:
    if isinstance(event, dg.Output):
        found = extra.get(context.asset_key_for_output(event.output_name))
        if found:
            return event.with_metadata({**event.metadata, **found})
    return event


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TRANSLATOR, project=dbt_project,
            pool=WRITER_POOL)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
               config: DbtBuildConfig):
    paths = warehouse.paths
    # dbt runs as a subprocess and finds the warehouse through the environment
    os.environ.update(dbt_invocation_env(paths))
    as_of = warehouse.as_of or (str(demo_end_date(paths) or "") if warehouse.source == "demo" else "")
    args = ["build"] + (["--vars", json.dumps({"as_of": as_of})] if as_of else [])
    args += ["--full-refresh"] if config.full_refresh else []
    args += [] if config.unit_tests else ["--exclude-resource-type", "unit_test"]
    context.log.info("dbt %s (as_of: %s)", " ".join(args), as_of or "now")
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    # Events are held until dbt exits: DuckDB lets no other process read the file while dbt writes it.
    events = list(_asset_events(invocation, context))
    built = {context.asset_key_for_output(e.output_name) for e in events if isinstance(e, dg.Output)}
    extra = read_metadata(paths.build_db, {k: RELATIONS[k] for k in built if k in RELATIONS})
    # Materializations in the dependency order of the loaded definitions (the project on disk may have
    # changed since they loaded), then the tests.
    outputs = sorted((e for e in events if isinstance(e, dg.Output)),
                     key=lambda e: TOPOLOGICAL.get(context.asset_key_for_output(e.output_name), 0))
    for event in [*outputs, *(e for e in events if not isinstance(e, dg.Output))]:
        yield _with_metadata(event, context, extra)
    if not invocation.is_successful():
        raise invocation.get_error() or dg.Failure("dbt build failed")


defs = dg.Definitions(assets=[dbt_models])
