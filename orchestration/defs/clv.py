"""Predictive CLV: the CLV step (:func:`cdw.steps.clv`) as an asset between the two dbt parts.

Its key is also the dbt source ``clv.customer_clv``, so the lineage runs customer_orders -> CLV
fit -> customer_features, segments, customer_value and audiences. It fits BG/NBD + Gamma-Gamma as
of the run's day and writes ``marts.customer_clv`` and ``marts.clv_model_runs``; when a refit is
impossible (too few repeat buyers) the last good scores are kept and the metadata says why.
"""

import dagster as dg
import duckdb

from cdw import steps
from clv.transactions import INPUT_RELATIONS, TRANSACTIONS_SQL
from orchestration.checks import retry_transient
from orchestration.keys import CLV_SCORES, model_key
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource, writer
from orchestration.table_metadata import relation_metadata

CLV_UPSTREAM = [model_key(relation) for relation in INPUT_RELATIONS]

CLV_SPEC = govern(dg.AssetSpec(
    CLV_SCORES, group_name="ml", deps=CLV_UPSTREAM, kinds={"python", "duckdb"},
    description="Predicted customer lifetime value per customer (BG/NBD purchase frequency and Gamma-Gamma "
                "spend, 12-month horizon, discounted): marts.customer_clv, with every fit logged in "
                "marts.clv_model_runs.",
    metadata={"dagster/table_name": "build.marts.customer_clv", "transactions_sql": dg.MetadataValue.md(
        f"```sql\n{TRANSACTIONS_SQL.strip()}\n```")}))


@dg.multi_asset(specs=[CLV_SPEC], name="clv_fit", pool=WRITER_POOL)
def clv_fit(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    ctx = warehouse.run_context(context.run.run_id)
    with retry_transient(), writer(ctx, context):
        outcome = steps.clv(ctx)
    if outcome.status != "fitted":
        context.log.warning("CLV %s", outcome.message)
    metadata = {key: value if isinstance(value, int | float | bool) else str(value)
                for key, value in outcome.to_dict().items() if value is not None and not isinstance(value, dict)}
    with retry_transient(), duckdb.connect(str(ctx.paths.build_db), read_only=True) as con:
        metadata.update(relation_metadata(con, "marts.customer_clv"))
    yield dg.MaterializeResult(asset_key=CLV_SCORES, metadata=metadata)


defs = dg.Definitions(assets=[clv_fit])
