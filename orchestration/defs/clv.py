"""Predictive CLV: fit BG/NBD + Gamma-Gamma on every customer's orders and score everyone.

Reads the transactions the ``clv`` package defines (:mod:`clv.transactions`: every stitched
customer's orders from ``marts.customer_orders``, money in the reporting currency), the same input
as the main job's CLV step, and writes ``marts.customer_clv`` and ``marts.clv_model_runs`` through
:func:`clv.run.fit_and_score_with_config`. Runs nightly and in the weekly refit. Until that mart
exists it is skipped with a message saying so.
"""

from datetime import UTC, date, datetime

import dagster as dg
import duckdb

from cdw.pipeline import demo_end_date
from clv.run import InsufficientRepeatBuyersError, fit_and_score_with_config
from clv.run import load_config as load_clv_config
from clv.transactions import INPUT_RELATIONS, TRANSACTIONS_SQL, missing_inputs
from orchestration.checks import retry_transient
from orchestration.keys import CLV_SCORES, model_key
from orchestration.ownership import govern
from orchestration.resources import WRITER_POOL, WarehouseResource
from orchestration.table_metadata import relation_metadata

CLV_UPSTREAM = [model_key(relation) for relation in INPUT_RELATIONS]


CLV_SPEC = govern(dg.AssetSpec(
    CLV_SCORES, group_name="ml", deps=CLV_UPSTREAM, kinds={"python", "duckdb"}, skippable=True,
    description="Predicted customer lifetime value per customer (BG/NBD purchase frequency and Gamma-Gamma "
                "spend, 12-month horizon, discounted): marts.customer_clv, with every fit logged in "
                "marts.clv_model_runs.",
    metadata={"dagster/table_name": "build.marts.customer_clv", "transactions_sql": dg.MetadataValue.md(
        f"```sql\n{TRANSACTIONS_SQL.strip()}\n```")}))


def _as_of(warehouse: WarehouseResource) -> date:
    """The day the fit looks back from: the run's as_of, else the demo's last day, else today (UTC)."""
    if warehouse.as_of:
        return date.fromisoformat(warehouse.as_of[:10])
    demo_day = demo_end_date(warehouse.paths) if warehouse.source == "demo" else None
    return demo_day or datetime.now(UTC).date()


@dg.multi_asset(specs=[CLV_SPEC], name="clv_fit", pool=WRITER_POOL)
def clv_fit(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    paths = warehouse.paths
    with retry_transient(), duckdb.connect(str(paths.build_db)) as con:
        missing = missing_inputs(con)
        if missing:
            context.log.warning("CLV skipped: %s not built yet (the value marts provide them); nothing written.",
                                " and ".join(missing))
            return
        as_of = _as_of(warehouse)
        settings = load_clv_config()
        try:
            result = fit_and_score_with_config(con, TRANSACTIONS_SQL, as_of, settings)
        except InsufficientRepeatBuyersError as exc:
            # A young store: keep the previous scores (if any) and say why nothing was refitted.
            context.log.warning("CLV not refitted: %s", exc)
            yield dg.MaterializeResult(asset_key=CLV_SCORES, metadata={
                "refitted": False, "reason": str(exc), "as_of": as_of.isoformat(),
                "repeat_buyers": exc.n_repeat_buyers, "min_repeat_buyers": exc.minimum})
            return
        yield dg.MaterializeResult(asset_key=CLV_SCORES, metadata={
            "refitted": True, "run_id": result.run_id, "as_of": as_of.isoformat(),
            "customers": result.n_customers, "repeat_buyers": result.n_repeat_buyers,
            "total_clv": round(result.total_clv, 2), "converged": result.converged,
            "horizon_months": result.horizon_months, "fit_seconds": round(result.fit_seconds, 2),
            "frequency_monetary_corr": round(result.frequency_monetary_corr, 3),
            **relation_metadata(con, result.scores_table)})


defs = dg.Definitions(assets=[clv_fit])
