"""Outgoing syncs (reverse ETL): one asset per sync in ``activation/syncs.yml``.

Each depends on the dbt model of its audience relation (key = the model name), so the lineage
graph runs from each vendor to each mart to each marketing tool. A run calls the sync step
(:func:`cdw.steps.sync`, the same as ``cdw sync run``); the asset fails when the sync did not
succeed (refused by governance, destination down, audience broken) and carries the run's figures
as metadata. A sync whose audience
model is not built yet is skipped with a message. Trigger syncs (mode ``append``) join the
activation lane.
"""

import dagster as dg

from activation import SyncConfig
from activation import load_config as load_activation_config
from cdw import steps
from cdw.lane import lane_syncs
from orchestration.checks import retry_transient
from orchestration.config import load_config
from orchestration.keys import LANE_TAG, LANE_VALUE, model_key, sync_key
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, ActivationResource, WarehouseResource, writer

SYNCS = list(load_activation_config().syncs.values())
LANE_SYNCS = {s.name for s in lane_syncs(load_activation_config(), load_config().lane.syncs)}


def _spec(sync: SyncConfig) -> dg.AssetSpec:
    description = sync.description or (
        f"Sync of the audience {sync.audience} to {sync.destination} ({sync.mode}, consent: {sync.consent}).")
    return govern(dg.AssetSpec(
        sync_key(sync.name), group_name="activation", deps=[model_key(sync.audience)], skippable=True,
        description=description, kinds={"python"},
        tags={LANE_TAG: LANE_VALUE} if sync.name in LANE_SYNCS else {},
        metadata={"audience": sync.audience, "destination": sync.destination, "mode": sync.mode,
                  "consent": sync.consent, "schedule_hint": sync.schedule or "",
                  "fields": ", ".join(f"{f.target} <- {f.column}" for f in sync.fields) or "none"}))


def _sync_asset(sync: SyncConfig) -> dg.AssetsDefinition:
    @dg.multi_asset(name=f"sync_{sync.name}", specs=[_spec(sync)], pool=WRITER_POOL)
    def sync_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource, activation: ActivationResource):
        ctx = warehouse.run_context(context.run.run_id)
        with retry_transient(), writer(ctx, context):
            (result,) = steps.sync(ctx, [sync.name], dry_run=activation.dry_run, config=activation.config())
        if result.status == "skipped":
            context.log.warning("sync %s skipped: %s", sync.name, result.error)
            return
        metadata = {**result.as_metadata(), "governance": result.governance or ""}
        if not result.ok:
            raise dg.Failure(description=f"sync {sync.name} {result.status}: {result.error or 'see metadata'}",
                             metadata=metadata)
        context.log.info("sync %s %s: %s accepted, %s rejected", sync.name, result.status, result.accepted,
                         result.rejected)
        yield dg.MaterializeResult(asset_key=sync_key(sync.name), metadata=metadata)

    return sync_asset


SYNC_ASSETS = [_sync_asset(sync) for sync in SYNCS]

defs = dg.Definitions(assets=SYNC_ASSETS)
