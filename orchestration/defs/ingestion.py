"""Raw assets: one per dlt resource, keyed exactly like the dbt source table it feeds.

Each system's tables are landed together (one multi-asset per system) by the ingest step the
command line uses (:func:`cdw.steps.ingest`), and the landing contract of every table runs as a
blocking asset check right after the load (:func:`cdw.steps.check`, suite ``landing``), so a
contract breach stops every model downstream of that table. Row counts, when rows last landed
(which the freshness checks read) and a masked preview are attached to every materialization.
"""

import dagster as dg
import duckdb

from cdw import steps
from core.contracts import SystemContract, Table, load_contracts
from orchestration.checks import check_result, retry_transient
from orchestration.config import load_config
from orchestration.keys import DEMO_FILES, LANDING_CHECK, LANE_TAG, LANE_VALUE, raw_asset_key
from orchestration.ownership import column_descriptions, govern, pii_columns
from orchestration.resources import WRITER_POOL, WarehouseResource, writer
from orchestration.table_metadata import relation_metadata

DEMO_SPEC = govern(dg.AssetSpec(
    DEMO_FILES, group_name="demo", kinds={"python", "parquet"},
    description="Demo vendor files in each vendor's own shape (Shopify, Amazon, Klaviyo, Zendesk), generated "
                "deterministically; ground truth is written apart."))


@dg.asset(key=DEMO_SPEC.key, group_name=DEMO_SPEC.group_name, kinds=DEMO_SPEC.kinds, owners=DEMO_SPEC.owners,
          description=DEMO_SPEC.description, metadata=DEMO_SPEC.metadata)
def demo_vendor_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Generate the demo files (source ``demo``); with real data there is nothing to do.

    It always materializes (with ``skipped``) so the raw assets downstream run in either mode.
    """
    ctx = warehouse.run_context(context.run.run_id)
    if ctx.source != "demo":
        context.log.info("source is %s: no demo files generated", ctx.source)
        return dg.MaterializeResult(metadata={"skipped": True, "source": ctx.source})
    with writer(ctx, context):
        outcome = steps.generate(ctx)
    return dg.MaterializeResult(metadata={
        "rows": outcome.total_rows, "files": outcome.files, "seconds": round(outcome.result.seconds, 2),
        "path": str(ctx.paths.demo_landing), "replaced_previous_demo": bool(outcome.replaced)})


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
        ctx = warehouse.run_context(context.run.run_id)
        with retry_transient(), writer(ctx, context):
            outcome = steps.ingest(ctx, systems=[contract.system], progress=context.log.info)
            for rejected in outcome.rejected:
                context.log.error("file drop rejected, nothing from it was loaded: %s: %s", rejected.file,
                                  rejected.problem)
            relations = [table.qualified_name for table in contract.tables]
            report = steps.check(ctx, suites=["landing", "degradation"], relations=relations, data_docs=False)
        notes = {"source": ctx.source, "system_switched_on": contract.system in ctx.systems,
                 "files_rejected": dg.MetadataValue.md(
                     "\n".join(f"- {r.file}: {r.problem}" for r in outcome.rejected) or "none")}
        result = outcome.load
        with retry_transient(), duckdb.connect(str(ctx.paths.build_db), read_only=True) as con:
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
            part = report.only(table.qualified_name)
            yield check_result(part, raw_asset_key(contract.schema, table.name), LANDING_CHECK)

    return ingest_system


SYSTEM_ASSETS = {system: _system_assets(contract, load_config().lane.systems)
                 for system, contract in load_contracts().items()}

defs = dg.Definitions(assets=[demo_vendor_files, *SYSTEM_ASSETS.values()])
