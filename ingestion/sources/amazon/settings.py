"""Amazon Selling Partner API constants: endpoints, operations, rate limits, report types.

Figures from Amazon's SP-API documentation: calls carry a Login with Amazon (LWA) access token in
``x-amz-access-token`` (no AWS signature since October 2023); the token comes from the LWA token
endpoint (``grant_type=refresh_token``) and lives one hour. Every operation has its own usage
plan (token bucket: a rate in requests per second and a burst); responses may carry the current
rate in ``x-amzn-RateLimit-Limit``; over the limit the API answers 429 ``QuotaExceeded``.
"""

from __future__ import annotations

ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
DEFAULT_ENDPOINT = ENDPOINTS["na"]
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
ACCESS_TOKEN_HEADER = "x-amz-access-token"
USER_AGENT = "customer-warehouse-connector/0.1 (Language=Python)"
TOKEN_REFRESH_MARGIN_SECONDS = 60.0
"""Refresh the LWA access token this long before it expires."""

ORDERS_PATH = "/orders/v0/orders"
ORDER_ITEMS_PATH = "/orders/v0/orders/{order_id}/orderItems"
REPORTS_PATH = "/reports/2021-06-30/reports"
REPORT_PATH = "/reports/2021-06-30/reports/{report_id}"
DOCUMENT_PATH = "/reports/2021-06-30/documents/{document_id}"
RESTRICTED_DATA_TOKEN_PATH = "/tokens/2021-03-01/restrictedDataToken"

ORDERS_PAGE_SIZE = 100
"""``MaxResultsPerPage`` of getOrders (its maximum)."""

RATE_LIMITS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrderItems": (0.5, 30),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "createRestrictedDataToken": (1.0, 10),
}
"""Default usage plan per operation: (requests per second, burst). A response's
``x-amzn-RateLimit-Limit`` header replaces the rate for the rest of the run."""

REPORT_TYPES = {
    "fba_shipments": "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
    "returns": "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
    "feedback": "GET_SELLER_FEEDBACK_DATA",
}
"""Contract table -> the report type that carries it (tab-separated flat files)."""

REPORT_POLL_SECONDS = 30.0
"""Wait between getReport polls while a report is IN_QUEUE or IN_PROGRESS."""
REPORT_TIMEOUT_SECONDS = 2 * 3600.0
"""Give up on a report that is not DONE after this long (Amazon can queue reports for a while)."""
REPORT_ROWS_PER_PAGE = 10_000
"""Report rows checked and yielded per batch."""

FEEDBACK_DATE_ORDER = "MDY"
"""Order of day, month and year in the seller feedback report's ``Date`` column when it is not ISO
8601 (``1/15/24`` in the US marketplace). Change to ``DMY`` for marketplaces that write ``15/01/24``."""

RESTRICTED_ORDER_ELEMENTS = ["buyerInfo", "shippingAddress"]
"""Personal data of getOrders that needs a restricted data token (buyer e-mail, name, address)."""

MAX_ATTEMPTS = 8
"""Attempts per request (first try included) on 429, 5xx and connection errors."""
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 120.0
TIMEOUT_SECONDS = 60.0
