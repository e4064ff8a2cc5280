"""Outgoing syncs (reverse ETL): one asset per sync in ``activation/syncs.yml``.

Each depends on the dbt model of its audience relation (key = the model name), so the lineage
graph runs from each vendor to each mart to each marketing tool. A run calls
:func:`activation.run_sync`; the asset fails when the sync did not succeed (refused by governance,
destination down, audience broken) and carries the run's figures as metadata. A sync whose audience
model is not built yet is skipped with a message. Trigger syncs (mode ``append``) join the
activation lane.
"""

import dagster as dg
import duckdb

from activation import SyncConfig, build_destination, run_sync
from activation import load_config as load_activation_config
from orchestration.checks import retry_transient
from orchestration.config import load_config
from orchestration.keys import LANE_TAG, LANE_VALUE, lane_syncs, model_key, sync_key
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, ActivationResource, WarehouseResource
from orchestration.table_metadata import relation_exists

SYNCS = list(load_activation_config().syncs.values())
LANE_SYNCS = {s.name for s in lane_syncs(SYNCS, load_config().lane.syncs)}


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
        config = activation.config()
        current = config.sync(sync.name)
        dry_run = activation.is_dry_run(warehouse)
        with retry_transient(), duckdb.connect(str(warehouse.paths.build_db)) as con:
            if not relation_exists(con, current.relation):
                context.log.warning("sync %s skipped: audience %s is not built yet", sync.name, current.relation)
                return
            destination = build_destination(config.destination_for(current))
            try:
                result = run_sync(con, current, destination, dry_run=dry_run)
            finally:
                destination.close()
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
