"""Where the CLV fit reads its transactions: every stitched customer's orders, in one currency.

``marts.customer_orders`` (value marts) already joins orders to customers through the identity map,
drops cancelled orders and converts money to the reporting currency, so the fit never mixes
currencies. Business profiles are left out: their buying does not follow the consumer model.
"""

TRANSACTIONS_RELATION = "marts.customer_orders"

TRANSACTIONS_SQL = f"""
select
    customer_id,
    ordered_at,
    coalesce(net_revenue, 0) as revenue
from {TRANSACTIONS_RELATION}
where ordered_at is not null
    and not coalesce(is_business_customer, false)
"""
