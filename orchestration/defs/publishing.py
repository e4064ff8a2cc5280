"""Publish: the validated build warehouse becomes the serving warehouse analysts and BI read.

The publish step (:func:`cdw.steps.publish`). Upstream blocking checks (landing contracts, dbt
tests, governance rules on the marts) stop this asset in the same run; the governance rules of
models that feed other models are not blocking in Dagster's sense (see orchestration/defs/governance.py),
so the publish also refuses when this run recorded a failed ``error`` rule. It only ever publishes
a build whose checks passed, and it comes after the models that read the CLV scores, so the serving
copy carries the night's predictions.
"""

import dagster as dg

from cdw import steps
from orchestration.defs.transformation import DBT_ASSETS
from orchestration.keys import SERVING
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource, writer

SERVING_SPEC = govern(dg.AssetSpec(
    SERVING, group_name="serving", kinds={"duckdb"},
    description="The serving warehouse: a validated, read-only copy of the build warehouse, published "
                "atomically so readers never see a half-written state."))


@dg.asset(key=SERVING, group_name="serving", deps=DBT_ASSETS, kinds={"duckdb"}, owners=SERVING_SPEC.owners,
          description=SERVING_SPEC.description, metadata=SERVING_SPEC.metadata, pool=WRITER_POOL)
def serving_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    ctx = warehouse.run_context(context.run.run_id)
    with writer(ctx, context):
        result = steps.publish(ctx, blocking_failures=steps.recorded_blocking_failures(ctx))
    largest = sorted(result.tables.items(), key=lambda item: -item[1])[:15]
    table = "\n".join(["| table | rows |", "|---|---|", *(f"| {name} | {rows:,} |" for name, rows in largest)])
    return dg.MaterializeResult(metadata={
        "tables": len(result.tables), "path": str(result.serving_db), "dagster/row_count": sum(result.tables.values()),
        "seconds": round(result.seconds, 2), "largest_tables": dg.MetadataValue.md(table),
        "mode": result.mode, "tables_rewritten": len(result.rewritten),
        "tables_patched": len(result.patched), "tables_unchanged": len(result.reused),
        "as_of": ctx.as_of.label})


defs = dg.Definitions(assets=[serving_warehouse])
