"""Shopify Admin GraphQL API constants: endpoint, version, page sizes, cost budget, retries.

Figures from shopify.dev: the GraphQL Admin API is the current Admin API (REST is legacy since
2024-10); it is versioned quarterly and each version is supported for at least 12 months. Calls
are limited by *calculated query cost* (a leaky bucket per app and store: 100 points/s restore on
Standard plans, 1,000 on Plus; one query may not request more than 1,000 points), reported in every
response under ``extensions.cost``; over the limit the API answers with a ``THROTTLED`` error.
"""

from __future__ import annotations

API_VERSION = "2026-10"
"""Pinned Admin API version (``/admin/api/<version>/graphql.json``); bump it at least yearly."""

GRAPHQL_PATH = "/admin/api/{version}/graphql.json"
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"
USER_AGENT = "customer-warehouse-connector/0.1"

# Page sizes keep every query's *requested* cost under the 1,000-point ceiling of one query
# (the requested cost multiplies nested connections by their ``first``; the actual cost charged is
# usually far lower and the difference is refunded).
CUSTOMERS_PAGE_SIZE = 100
ORDERS_PAGE_SIZE = 5
ORDER_LINE_ITEMS_PAGE_SIZE = 20
REFUNDS_PER_ORDER = 20
REFUNDS_BATCH_SIZE = 10
REFUND_LINE_ITEMS_PAGE_SIZE = 20
CHECKOUTS_PAGE_SIZE = 8
CHECKOUT_LINE_ITEMS_PAGE_SIZE = 15
PRODUCTS_PAGE_SIZE = 10
VARIANTS_PAGE_SIZE = 25
NESTED_PAGE_SIZE = 100
"""Page size of the follow-up queries that fetch the rest of a nested connection (line items,
variants, refund line items) when one record has more than fit in its page."""

MAX_QUERY_COST = 1000
DEFAULT_RESTORE_RATE = 50.0
"""Points per second assumed until the first response reports the store's real restore rate."""

MAX_ATTEMPTS = 8
"""Attempts per request (first try included) on THROTTLED, 429, 5xx and connection errors."""
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
TIMEOUT_SECONDS = 60.0
