"""Raw assets: one per dlt resource, keyed exactly like the dbt source table it feeds.

Each system's tables are landed together by one dlt pipeline (one multi-asset per system), and
the landing contract of every table runs as a blocking asset check right after the load, so a
contract breach stops every model downstream of that table. Row counts, when rows last landed
(which the freshness checks read) and a masked preview are attached to every materialization.
"""

import logging

import dagster as dg
import duckdb

from core.contracts import SystemContract, Table, load_contracts
from demo.generate import generate
from expectations.landing import table_rules
from expectations.runner import store_report, validate_rules
from ingestion.api import available_systems, load_from_api
from ingestion.file_drops.load import load_drops, merge_load_results
from ingestion.load import LoadResult, load_landing
from orchestration.checks import check_result, retry_transient
from orchestration.config import load_config
from orchestration.keys import DEMO_FILES, LANDING_CHECK, LANE_TAG, LANE_VALUE, raw_asset_key
from orchestration.ownership import column_descriptions, govern, pii_columns
from orchestration.resources import WRITER_POOL, WarehouseResource
from orchestration.table_metadata import relation_exists, relation_metadata

DEMO_SPEC = govern(dg.AssetSpec(
    DEMO_FILES, group_name="demo", kinds={"python", "parquet"},
    description="Demo vendor files in each vendor's own shape (Shopify, Amazon, Klaviyo, Zendesk), generated "
                "deterministically; ground truth is written apart."))


@dg.asset(key=DEMO_SPEC.key, group_name=DEMO_SPEC.group_name, kinds=DEMO_SPEC.kinds, owners=DEMO_SPEC.owners,
          description=DEMO_SPEC.description, metadata=DEMO_SPEC.metadata)
def demo_vendor_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Generate the demo files (source ``demo``); with real data (source ``landing``) there is nothing to do.

    It always materializes (with ``skipped``) so the raw assets downstream run in either mode.
    """
    if warehouse.source != "demo":
        context.log.info("source is %s: no demo files generated", warehouse.source)
        return dg.MaterializeResult(metadata={"skipped": True, "source": warehouse.source})
    paths = warehouse.paths
    result = generate(paths.demo_landing, paths.truth, customers=warehouse.demo_customers, seed=warehouse.demo_seed)
    return dg.MaterializeResult(metadata={
        "rows": result.total_rows, "files": len(result.rows_per_table), "seconds": round(result.seconds, 2),
        "path": str(paths.demo_landing)})


def _column_schema(table: Table) -> dg.TableSchema:
    described = column_descriptions(table.column_names)
    return dg.TableSchema(columns=[
        dg.TableColumn(c.name, c.type, description=described.get(c.name),
                       constraints=dg.TableColumnConstraints(nullable=not c.required))
        for c in table.columns])


def _table_spec(contract: SystemContract, table: Table, tags: dict[str, str]) -> dg.AssetSpec:
    pii = sorted(pii_columns(table.column_names))
    return govern(dg.AssetSpec(
        key=raw_asset_key(contract.schema, table.name), group_name="raw", description=table.description,
        deps=[DEMO_FILES], kinds={"dlt", "duckdb"},
        tags={**tags, **({"cdw/pii": "true"} if pii else {})},
        metadata={"primary_key": ", ".join(table.primary_key), "cursor": table.cursor or "",
                  "vendor": contract.vendor, "pii_columns": ", ".join(pii) or "none",
                  "dagster/column_schema": _column_schema(table),
                  "dagster/table_name": f"build.{table.qualified_name}"}))


def land(system: str, warehouse: WarehouseResource, log: logging.Logger) -> tuple[LoadResult, dict[str, object]]:
    """Land one system's new data through the door its source names; what landed, and notes for metadata.

    * ``demo``: the demo vendor files (``<home>/demo/landing``);
    * ``landing``: vendor export files dropped in ``<home>/landing/<system>/`` (CSV, JSON, XLSX...,
      converted by ``ingestion.file_drops``) and canonical ``<table>.parquet`` landing files;
    * ``api``: the vendor's API connector (incremental), where one exists; else as ``landing``.

    Every door lands each file or record once, so a run with nothing new lands nothing.
    """
    paths = warehouse.paths
    if warehouse.source == "api" and system in available_systems():
        return load_from_api([system], paths.build_db, paths.dlt_dir, progress=log.info), {"door": "api"}
    if warehouse.source == "demo":
        return load_landing(paths.demo_landing, paths.build_db, paths.dlt_dir, systems=[system],
                            progress=log.info), {"door": "demo files"}
    drops = load_drops(paths.landing, paths.build_db, paths.dlt_dir, log.info, systems=[system])
    for rejected in drops.rejected:
        log.error("file drop rejected, nothing from it was loaded: %s: %s", rejected.path, rejected.problem)
    files = load_landing(paths.landing, paths.build_db, paths.dlt_dir, systems=[system], progress=log.info)
    notes = {"door": "landing folder", "files_loaded": len(drops.loaded) + len(files.files_loaded),
             "files_rejected": dg.MetadataValue.md(
                 "\n".join(f"- {e.path}: {e.problem}" for e in drops.rejected) or "none")}
    return merge_load_results([drops.load, files]), notes


def _system_assets(contract: SystemContract, lane_systems: tuple[str, ...]) -> dg.AssetsDefinition:
    tags = {LANE_TAG: LANE_VALUE} if contract.system in lane_systems else {}
    specs = [_table_spec(contract, table, tags) for table in contract.tables] + [
        govern(dg.AssetSpec(
            key=raw_asset_key(contract.schema, "quarantine"), group_name="raw", deps=[DEMO_FILES],
            kinds={"dlt", "duckdb"}, tags=tags,
            description=f"{contract.system} rows that broke the landing contract, with the reason and the "
                        "original payload."))]
    check_specs = [
        dg.AssetCheckSpec(LANDING_CHECK, asset=raw_asset_key(contract.schema, table.name), blocking=True,
                          description="Great Expectations landing contract (required ids, timestamps parse, "
                                      "amounts numeric, no duplicate keys) on the new load batch; `error` rules "
                                      "block everything downstream.")
        for table in contract.tables
    ]

    @dg.multi_asset(name=f"ingest_{contract.system}", specs=specs, check_specs=check_specs, can_subset=False,
                    pool=WRITER_POOL)
    def ingest_system(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        paths = warehouse.paths
        with retry_transient():
            result, notes = land(contract.system, warehouse, context.log)
        with retry_transient(), duckdb.connect(str(paths.build_db)) as con:
            for table in contract.tables:
                reasons = result.quarantined.get(table.qualified_name, {})
                yield dg.MaterializeResult(
                    asset_key=raw_asset_key(contract.schema, table.name),
                    metadata={"rows_landed": result.landed.get(table.qualified_name, 0),
                              "rows_quarantined": sum(reasons.values()),
                              "quarantine_reasons": ", ".join(f"{r}: {n}" for r, n in reasons.items()) or "none",
                              **notes, **relation_metadata(con, table.qualified_name)})
            # The quarantine keeps original payloads (personal data): counted, never previewed.
            yield dg.MaterializeResult(asset_key=raw_asset_key(contract.schema, "quarantine"),
                                       metadata=relation_metadata(con, f"{contract.schema}.quarantine", preview=False))
            for table in contract.tables:
                key = raw_asset_key(contract.schema, table.name)
                if not relation_exists(con, table.qualified_name):  # no file for this table has ever landed
                    yield dg.AssetCheckResult(asset_key=key, check_name=LANDING_CHECK, passed=True,
                                              metadata={"rules": 0, "not_landed_yet": True},
                                              description=f"{table.qualified_name} has not landed yet")
                    continue
                report = validate_rules(con, table_rules(table), run_id=context.run.run_id)
                store_report(con, report)
                yield check_result(report, key, LANDING_CHECK)

    return ingest_system


SYSTEM_ASSETS = {system: _system_assets(contract, load_config().lane.systems)
                 for system, contract in load_contracts().items()}

defs = dg.Definitions(assets=[demo_vendor_files, *SYSTEM_ASSETS.values()])
