"""dbt models as assets (dagster-dbt), in two parts around the CLV fit; dbt data tests appear as checks.

The build step's own arguments (:func:`cdw.steps.build_args`: the as-of, the two phases, unit
tests left to CI) drive both parts, so Dagster and the command line build the same way:

* ``dbt_models``: every model except those that read the CLV scores;
* ``dbt_clv_consumers``: the models downstream of the CLV step's scores (source ``clv.customer_clv``,
  whose asset is the CLV fit), built after it.

Models are keyed by their name, grouped by layer, owned per the data dictionary
(:mod:`orchestration.translator`), and each materialization carries its row count and a masked
preview, read once dbt has released the warehouse. dbt's artifacts for each run go under
``<CDW_HOME>/dbt/runs/``, where only the newest few are kept.
"""

import json
from collections.abc import Iterator
from graphlib import TopologicalSorter
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets

from cdw import steps
from cdw.artifacts import dbt_run_target, prune_dbt_runs
from cdw.steps.build import AFTER_STEPS, Phase
from core.dbt import dbt_invocation_env, environment_set
from core.settings import DBT_PROJECT_DIR
from orchestration.dbt_manifest import ensure_manifest
from orchestration.resources import WRITER_POOL, WarehouseResource, writer
from orchestration.table_metadata import read_metadata
from orchestration.translator import BUILT_TYPES, TRANSLATOR, model_relations

# The manifest describes code, not data: it lives in the project's own (git-ignored) target folder.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
ensure_manifest(dbt_project.manifest_path)

MANIFEST: dict[str, Any] = json.loads(dbt_project.manifest_path.read_text())
RELATIONS = model_relations(MANIFEST)
DBT_MODEL_KEYS = frozenset(TRANSLATOR.get_asset_key(n) for n in MANIFEST.get("nodes", {}).values()
                           if n["resource_type"] in BUILT_TYPES)


def topological_order(manifest: dict[str, Any]) -> dict[dg.AssetKey, int]:
    """Position of every built node in an order where parents come first (Dagster requires it)."""
    nodes = {uid: node for uid, node in manifest.get("nodes", {}).items() if node["resource_type"] in BUILT_TYPES}
    parents = manifest.get("parent_map", {})
    graph = {uid: [p for p in parents.get(uid, []) if p in nodes] for uid in nodes}
    return {TRANSLATOR.get_asset_key(nodes[uid]): n for n, uid in enumerate(TopologicalSorter(graph).static_order())}


TOPOLOGICAL = topological_order(MANIFEST)


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


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
           config: DbtBuildConfig, phase: Phase) -> Iterator[Any]:
    ctx = warehouse.run_context(context.run.run_id)
    args = steps.build_args(ctx, phase, full_refresh=config.full_refresh, unit_tests=config.unit_tests)
    context.log.info("dbt %s (as of %s)", " ".join(args), ctx.as_of.label)
    with writer(ctx, context):
        steps.ensure_raw_tables(ctx)
        # dbt runs as a subprocess and finds the warehouse through the environment dagster-dbt copies
        # when it starts it; set only for that, so a later run in this process (an in-process job,
        # another home) does not inherit this home's warehouse and spill folder.
        with environment_set(dbt_invocation_env(ctx.paths)):
            invocation = dbt.cli(args, context=context, raise_on_error=False,
                                 target_path=dbt_run_target(ctx, phase))
        # Events are held until dbt exits: DuckDB lets no other process read the file while dbt writes it.
        events = list(_asset_events(invocation, context))
    prune_dbt_runs(ctx)
    built = {context.asset_key_for_output(e.output_name) for e in events if isinstance(e, dg.Output)}
    extra = read_metadata(ctx.paths.build_db, {k: RELATIONS[k] for k in built if k in RELATIONS})
    # Materializations in the dependency order of the loaded definitions, then the tests.
    outputs = sorted((e for e in events if isinstance(e, dg.Output)),
                     key=lambda e: TOPOLOGICAL.get(context.asset_key_for_output(e.output_name), 0))
    for event in [*outputs, *(e for e in events if not isinstance(e, dg.Output))]:
        yield _with_metadata(event, context, extra)
    if not invocation.is_successful():
        raise invocation.get_error() or dg.Failure("dbt build failed")


# The second part: every node that reads what a Python step writes (the CLV scores, the identity
# suggestions), the same split as the command line's two build phases.
AFTER_PYTHON_STEPS = " ".join(AFTER_STEPS)


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TRANSLATOR, project=dbt_project,
            pool=WRITER_POOL, name="dbt_models", exclude=AFTER_PYTHON_STEPS)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
               config: DbtBuildConfig):
    yield from _build(context, dbt, warehouse, config, "before_clv")


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=TRANSLATOR, project=dbt_project,
            pool=WRITER_POOL, name="dbt_clv_consumers", select=AFTER_PYTHON_STEPS)
def dbt_clv_consumers(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                      config: DbtBuildConfig):
    yield from _build(context, dbt, warehouse, config, "after_clv")


DBT_ASSETS = [dbt_models, dbt_clv_consumers]

defs = dg.Definitions(assets=DBT_ASSETS)
