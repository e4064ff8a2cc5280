"""Raw assets: one per dlt resource, keyed exactly like the dbt source table it feeds.

Each system's tables are landed together by one dlt pipeline (one multi-asset per system), and
the landing contract of every table runs as a blocking asset check right after the load, so a
contract breach stops every model downstream of that table.
"""

import dagster as dg
import duckdb

from cdw.contracts import SystemContract, load_contracts
from expectations.landing import table_rules
from expectations.runner import store_report, validate_rules
from ingestion.demo.generate import generate
from ingestion.load import load_landing
from orchestration.resources import WarehouseResource

DEMO_FILES = dg.AssetKey(["demo", "vendor_files"])
LANDING_CHECK = "landing_contract"


@dg.asset(key=DEMO_FILES, group_name="demo", kinds={"python", "parquet"},
          description="Demo vendor files in each vendor's own shape (Shopify, Amazon, Klaviyo, Zendesk), "
                      "generated deterministically; ground truth is written apart.")
def demo_vendor_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    if warehouse.source != "demo":
        context.log.info("source is %s: no demo files generated", warehouse.source)
        return dg.MaterializeResult(metadata={"skipped": True})
    paths = warehouse.paths
    result = generate(paths.demo_landing, paths.truth, customers=warehouse.demo_customers, seed=warehouse.demo_seed)
    return dg.MaterializeResult(metadata={"rows": result.total_rows, "files": len(result.rows_per_table),
                                          "seconds": round(result.seconds, 2), "path": str(paths.demo_landing)})


def raw_asset_key(schema: str, table: str) -> dg.AssetKey:
    """The key dagster-dbt gives the dbt source ``schema.table`` (source name = schema)."""
    return dg.AssetKey([schema, table])


def _system_assets(contract: SystemContract) -> dg.AssetsDefinition:
    specs = [
        dg.AssetSpec(
            key=raw_asset_key(contract.schema, table.name),
            group_name="raw",
            description=table.description,
            deps=[DEMO_FILES],
            kinds={"dlt", "duckdb"},
            metadata={"primary_key": ", ".join(table.primary_key), "cursor": table.cursor or "",
                      "vendor": contract.vendor},
        )
        for table in contract.tables
    ] + [
        dg.AssetSpec(key=raw_asset_key(contract.schema, "quarantine"), group_name="raw", deps=[DEMO_FILES],
                     kinds={"dlt", "duckdb"},
                     description=f"{contract.system} rows that broke the landing contract, with the reason "
                                 "and the original payload.")
    ]
    check_specs = [
        dg.AssetCheckSpec(LANDING_CHECK, asset=raw_asset_key(contract.schema, table.name), blocking=True,
                          description="Landing contract (required ids, timestamps parse, amounts numeric, "
                                      "no duplicate keys) on the new load batch.")
        for table in contract.tables
    ]

    @dg.multi_asset(name=f"ingest_{contract.system}", specs=specs, check_specs=check_specs, can_subset=False)
    def ingest_system(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        paths = warehouse.paths
        result = load_landing(warehouse.landing_dir, paths.build_db, paths.dlt_dir, systems=[contract.system],
                              progress=context.log.info)
        for table in contract.tables:
            reasons = result.quarantined.get(table.qualified_name, {})
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(contract.schema, table.name),
                metadata={"rows_landed": result.landed.get(table.qualified_name, 0),
                          "rows_quarantined": sum(reasons.values()),
                          "quarantine_reasons": ", ".join(f"{r}: {n}" for r, n in reasons.items()) or "none",
                          "row_count": result.table_rows.get(table.qualified_name, 0)})
        quarantine = f"{contract.schema}.quarantine"
        yield dg.MaterializeResult(asset_key=raw_asset_key(contract.schema, "quarantine"),
                                   metadata={"row_count": result.table_rows.get(quarantine, 0)})
        con = duckdb.connect(str(paths.build_db))
        try:
            for table in contract.tables:
                report = validate_rules(con, table_rules(table), run_id=context.run.run_id)
                store_report(con, report)
                failed = report.blocking_failures
                yield dg.AssetCheckResult(
                    asset_key=raw_asset_key(contract.schema, table.name), check_name=LANDING_CHECK,
                    passed=not failed, severity=dg.AssetCheckSeverity.ERROR,
                    metadata={"rules": len(report.outcomes), "failed": len(failed),
                              "failures": "\n".join(failed[:10]) or "none"},
                )
        finally:
            con.close()

    return ingest_system


defs = dg.Definitions(assets=[demo_vendor_files, *(_system_assets(c) for c in load_contracts().values())])
