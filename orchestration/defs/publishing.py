"""Publish: the validated build warehouse becomes the serving warehouse analysts and BI read.

Upstream blocking checks (landing contracts, dbt tests) stop this asset in the same run, so it
only ever publishes a build whose checks passed.
"""

import dagster as dg

from cdw.publish import publish
from orchestration.defs.transformation import dbt_models
from orchestration.resources import WarehouseResource


@dg.asset(key=dg.AssetKey(["serving", "warehouse"]), group_name="serving", deps=[dbt_models],
          kinds={"duckdb"},
          description="The serving warehouse: a validated, read-only copy of the build warehouse, published "
                      "atomically so readers never see a half-written state.")
def serving_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    result = publish(warehouse.paths, blocking_failures=[], run_id=context.run.run_id)
    return dg.MaterializeResult(metadata={"tables": len(result.tables), "path": str(result.serving_db),
                                          "rows": sum(result.tables.values()), "seconds": round(result.seconds, 2)})


defs = dg.Definitions(assets=[serving_warehouse])
