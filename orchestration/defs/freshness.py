"""Freshness checks on every raw source table, with thresholds from ``config/orchestration.yml``.

A raw table is fresh when its newest landed row (``_cdw_loaded_at``, written as the
``dagster/last_updated_timestamp`` of each materialization) is younger than its threshold, so an
ingest run that found no new files does not make stale data look fresh. Only the systems switched
on in ``config/warehouse.yml`` are checked (a vendor the seller does not use is never "stale"). A
sensor evaluates the checks; they are kept out of the jobs that materialize the assets, as Dagster
recommends.
"""

from collections import defaultdict
from datetime import timedelta

import dagster as dg

from core.config import warehouse_settings
from core.contracts import load_contracts
from orchestration.config import OrchestrationConfig, load_config
from orchestration.keys import raw_asset_key
from orchestration.ownership import asset_path


def build_freshness_checks(config: OrchestrationConfig) -> list[dg.AssetChecksDefinition]:
    """One freshness check per raw table; tables sharing a threshold share one definition."""
    by_lag: dict[timedelta, list[dg.AssetKey]] = defaultdict(list)
    contracts = load_contracts()
    enabled = warehouse_settings().enabled_systems(sorted(contracts))
    for contract in (contracts[system] for system in enabled):
        for table in contract.tables:
            key = raw_asset_key(contract.schema, table.name)
            by_lag[config.freshness.max_lag(asset_path(key))].append(key)
    checks: list[dg.AssetChecksDefinition] = []
    for lag, keys in sorted(by_lag.items()):
        checks.extend(dg.build_last_update_freshness_checks(assets=keys, lower_bound_delta=lag,
                                                            timezone=config.timezone))
    return checks


FRESHNESS_CHECKS = build_freshness_checks(load_config())

freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=FRESHNESS_CHECKS, name="freshness_checks_sensor",
    minimum_interval_seconds=int(load_config().freshness.evaluate_every.total_seconds()),
    default_status=dg.DefaultSensorStatus.RUNNING,
)

defs = dg.Definitions(asset_checks=FRESHNESS_CHECKS, sensors=[freshness_sensor])
