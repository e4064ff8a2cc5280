"""Publish: the validated build warehouse becomes the serving warehouse analysts and BI read.

Upstream blocking checks (landing contracts, dbt tests) stop this asset in the same run, so it
only ever publishes a build whose checks passed. Once the marts the CLV fit reads exist, it also
waits for the CLV scores, so the serving copy carries the night's predictions.
"""

import dagster as dg

from cdw.publish import publish
from orchestration.defs.clv import CLV_UPSTREAM, clv_fit
from orchestration.defs.transformation import DBT_MODEL_KEYS, dbt_models
from orchestration.keys import SERVING
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource

INCLUDES_CLV = set(CLV_UPSTREAM) <= DBT_MODEL_KEYS
DEPS = [dbt_models] + ([clv_fit] if INCLUDES_CLV else [])

SERVING_SPEC = govern(dg.AssetSpec(
    SERVING, group_name="serving", kinds={"duckdb"},
    description="The serving warehouse: a validated, read-only copy of the build warehouse, published "
                "atomically so readers never see a half-written state."))


@dg.asset(key=SERVING, group_name="serving", deps=DEPS, kinds={"duckdb"}, owners=SERVING_SPEC.owners,
          description=SERVING_SPEC.description, metadata=SERVING_SPEC.metadata, pool=WRITER_POOL)
def serving_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    result = publish(warehouse.paths, blocking_failures=[], run_id=context.run.run_id)
    largest = sorted(result.tables.items(), key=lambda item: -item[1])[:15]
    table = "\n".join(["| table | rows |", "|---|---|", *(f"| {name} | {rows:,} |" for name, rows in largest)])
    return dg.MaterializeResult(metadata={
        "tables": len(result.tables), "path": str(result.serving_db), "dagster/row_count": sum(result.tables.values()),
        "seconds": round(result.seconds, 2), "largest_tables": dg.MetadataValue.md(table),
        "includes_clv": INCLUDES_CLV})


defs = dg.Definitions(assets=[serving_warehouse])
