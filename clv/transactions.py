"""Where the CLV fit reads its transactions: every stitched customer's orders, in one currency.

``marts.customer_orders`` (value marts) already joins orders to customers through the identity map,
drops cancelled orders and converts money to the reporting currency, so the fit never mixes
currencies. Business profiles are left out: their buying does not follow the consumer model.

This is the one definition of the fit's input: the CLV step (``cdw.steps.clv``, which the
command line and the Dagster asset both call) reads :data:`TRANSACTIONS_SQL` and checks
:func:`missing_inputs` first.
"""

from __future__ import annotations

import duckdb

TRANSACTIONS_RELATION = "marts.customer_orders"
INPUT_RELATIONS = (TRANSACTIONS_RELATION,)

TRANSACTIONS_SQL = f"""
select
    customer_id,
    ordered_at,
    coalesce(net_revenue, 0) as revenue
from {TRANSACTIONS_RELATION}
where ordered_at is not null
    and not coalesce(is_business_customer, false)
"""


def missing_inputs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The relations :data:`TRANSACTIONS_SQL` reads that the warehouse does not hold yet."""
    missing = []
    for relation in INPUT_RELATIONS:
        schema, name = relation.split(".")
        found = con.execute("select count(*) from information_schema.tables where table_schema = ? "
                            "and table_name = ?", [schema, name]).fetchall()[0][0]  # fetch to the end (duckdb 2)
        if not found:
            missing.append(relation)
    return missing
