"""HTTP client of the Shopify Admin GraphQL API: auth, cost-based throttling, retries, pagination.

- **Auth**: the app's Admin API access token in the ``X-Shopify-Access-Token`` header. It is never
  logged, never part of an error message, never sent anywhere but the shop's own endpoint.
- **Throttling** by Shopify's own signals: every response reports ``extensions.cost``
  (``requestedQueryCost`` and ``throttleStatus { currentlyAvailable restoreRate }``). Before the
  next query the client waits until the bucket, refilled at ``restoreRate``, holds what that query
  asked for last time; a ``THROTTLED`` error waits for exactly the missing points and retries.
- **Retries**: 429 honours ``Retry-After``; 5xx and connection errors back off exponentially
  (the shared loop of :mod:`core.http`).
- **Pagination**: ``pageInfo { hasNextPage endCursor }`` on the top-level connection, and
  follow-up ``node(id:)`` queries for nested connections that did not fit in one page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import requests

from core.http import RETRY_STATUSES, Retry, send_with_retries, transient
from ingestion.sources import Backoff
from ingestion.sources.shopify import queries, settings

log = logging.getLogger(__name__)


class ShopifyError(RuntimeError):
    """A Shopify request failed for good (after retries, or with an error retrying cannot fix)."""


class ShopifyAuthError(ShopifyError):
    """Shopify rejected the access token (401/403): the operator must fix the credentials."""


class CostBudget:
    """What Shopify last said about the app's query-cost bucket, refilled as time passes."""

    def __init__(self) -> None:
        self.maximum: float | None = None
        self.available: float | None = None
        self.restore_rate = settings.DEFAULT_RESTORE_RATE
        self._seen_at = time.monotonic()
        self.requested: dict[str, float] = {}
        """Requested cost of the last call of each operation: the estimate for its next call."""

    def update(self, cost: Mapping[str, Any] | None, operation: str) -> None:
        if not cost:
            return
        if cost.get("requestedQueryCost") is not None:
            self.requested[operation] = float(cost["requestedQueryCost"])
        status = cost.get("throttleStatus") or {}
        if status.get("currentlyAvailable") is not None:
            self.available = float(status["currentlyAvailable"])
            self._seen_at = time.monotonic()
        if status.get("maximumAvailable") is not None:
            self.maximum = float(status["maximumAvailable"])
        if status.get("restoreRate"):
            self.restore_rate = float(status["restoreRate"])

    def now_available(self) -> float | None:
        if self.available is None:
            return None
        refilled = self.available + (time.monotonic() - self._seen_at) * self.restore_rate
        return refilled if self.maximum is None else min(self.maximum, refilled)

    def assume(self, points: float) -> None:
        """After waiting for ``points`` to refill, count them as there (what a new response will confirm)."""
        self.available = points
        self._seen_at = time.monotonic()

    def wait_for(self, points: float) -> float:
        """Seconds until the bucket holds ``points`` (0 when it does, or when nothing is known)."""
        available = self.now_available()
        if available is None or available >= points:
            return 0.0
        return (points - available) / self.restore_rate


class ShopifyClient:
    """Runs GraphQL queries against one shop's Admin API."""

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        *,
        base_url: str | None = None,
        api_version: str = settings.API_VERSION,
        backoff: Backoff | None = None,
        session: requests.Session | None = None,
    ) -> None:
        root = (base_url or f"https://{shop_domain}").rstrip("/")
        self.endpoint = root + settings.GRAPHQL_PATH.format(version=api_version)
        self.backoff = backoff or Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS,
                                          settings.MAX_BACKOFF_SECONDS)
        self.budget = CostBudget()
        self._session = session or requests.Session()
        self._headers = {
            settings.ACCESS_TOKEN_HEADER: access_token,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": settings.USER_AGENT,
        }

    # -- one query -------------------------------------------------------------------------

    def execute(self, operation: str, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run one query (named ``operation`` in logs); its ``data``, after throttling and retries."""
        where = f"shopify {operation}"

        def send(attempt: int) -> requests.Response:
            self._respect_budget(operation)
            return self._session.post(self.endpoint, json={"query": document, "variables": dict(variables)},
                                      headers=self._headers, timeout=settings.TIMEOUT_SECONDS,
                                      allow_redirects=False)  # the token goes to this host only

        def classify(response: requests.Response, attempt: int) -> Retry | None:
            if response.status_code >= 300:
                return transient(response, attempt, self.backoff, where)
            body = response.json()
            self.budget.update((body.get("extensions") or {}).get("cost"), operation)
            if any(_is_throttled(e) for e in _errors(body)):  # a 200 whose query was THROTTLED
                return self._throttle_retry(operation, attempt)
            return None

        answer = send_with_retries(send, backoff=self.backoff, where=where, logger=log, classify=classify,
                                   no_response=lambda error: ShopifyError(f"{where}: no response ({error})"))
        response = answer.response
        if response.status_code in (401, 403):
            raise ShopifyAuthError(
                f"shopify {operation}: HTTP {response.status_code}, the access token was refused "
                "(check SOURCES__SHOPIFY__ACCESS_TOKEN and the app's access scopes)")
        if response.status_code in RETRY_STATUSES:
            raise ShopifyError(f"shopify {operation}: HTTP {response.status_code} after {answer.attempt} attempts")
        if response.status_code >= 300:
            raise ShopifyError(f"shopify {operation}: HTTP {response.status_code}")
        body = response.json()
        errors = _errors(body)
        if answer.exhausted:
            raise ShopifyError(f"shopify {operation}: still THROTTLED after {answer.attempt} attempts")
        if errors:
            messages = "; ".join(str(e.get("message", e)) for e in errors)
            raise ShopifyError(f"shopify {operation}: {messages}")
        return body.get("data") or {}

    def _respect_budget(self, operation: str) -> None:
        expected = self.budget.requested.get(operation)
        if expected is None:
            return
        wait = self.budget.wait_for(min(expected, settings.MAX_QUERY_COST))
        if wait > 0:
            self.backoff.sleep(wait, f"shopify {operation}: cost bucket low, letting it refill", log)
            self.budget.assume(expected)

    def _throttle_retry(self, operation: str, attempt: int) -> Retry:
        """Wait until the cost bucket holds what the query asked for (else back off), then count it there."""
        requested = self.budget.requested.get(operation, float(settings.MAX_QUERY_COST))
        wait = self.budget.wait_for(requested)
        if wait <= 0:
            wait = self.backoff.delay(attempt)
        return Retry(wait, f"shopify {operation}: THROTTLED", then=lambda: self.budget.assume(requested))

    # -- pagination ------------------------------------------------------------------------

    def pages(self, operation: str, document: str, field: str, variables: Mapping[str, Any]) -> Iterator[list[dict]]:
        """The nodes of the top-level connection ``field``, one list per page."""
        after: str | None = None
        while True:
            data = self.execute(operation, document, {**variables, "after": after})
            connection = data.get(field) or {}
            yield list(connection.get("nodes") or [])
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = info["endCursor"]

    def complete(self, node: dict[str, Any], field: str, operation: str, document: str) -> None:
        """Fetch the rest of ``node[field]`` (a nested connection) when its first page was not all."""
        connection = node.get(field) or {}
        info = connection.get("pageInfo") or {}
        while info.get("hasNextPage") and info.get("endCursor"):
            data = self.execute(operation, document, {"id": node["id"], "first": settings.NESTED_PAGE_SIZE,
                                                      "after": info["endCursor"]})
            more = (data.get("node") or {}).get(field) or {}
            connection.setdefault("nodes", []).extend(more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        connection["pageInfo"] = {"hasNextPage": False, "endCursor": None}

    # -- entities --------------------------------------------------------------------------

    def customers(self, since: str | None) -> Iterator[list[dict]]:
        yield from self.pages("Customers", queries.CUSTOMERS, "customers",
                              {"first": settings.CUSTOMERS_PAGE_SIZE, "query": queries.updated_since(since)})

    def orders(self, since: str | None) -> Iterator[tuple[list[dict], list[dict]]]:
        """Pages of orders (all their line items) with the full refunds of those orders."""
        variables = {"first": settings.ORDERS_PAGE_SIZE, "query": queries.updated_since(since),
                     "lineItems": settings.ORDER_LINE_ITEMS_PAGE_SIZE, "refunds": settings.REFUNDS_PER_ORDER}
        for orders in self.pages("Orders", queries.ORDERS, "orders", variables):
            for order in orders:
                self.complete(order, "lineItems", "OrderLineItemsRest", queries.ORDER_LINE_ITEMS_REST)
            refund_ids = [r["id"] for order in orders for r in order.get("refunds") or [] if r.get("id")]
            yield orders, self.refunds(refund_ids)

    def refunds(self, ids: Sequence[str]) -> list[dict]:
        """Refunds by id, with all their refund line items."""
        found: list[dict] = []
        for start in range(0, len(ids), settings.REFUNDS_BATCH_SIZE):
            batch = list(ids[start:start + settings.REFUNDS_BATCH_SIZE])
            data = self.execute("Refunds", queries.REFUNDS,
                                {"ids": batch, "lineItems": settings.REFUND_LINE_ITEMS_PAGE_SIZE})
            for refund in data.get("nodes") or []:
                if refund:
                    self.complete(refund, "refundLineItems", "RefundLineItemsRest", queries.REFUND_LINE_ITEMS_REST)
                    found.append(refund)
        return found

    def abandoned_checkouts(self, since: str | None) -> Iterator[list[dict]]:
        variables = {"first": settings.CHECKOUTS_PAGE_SIZE, "query": queries.updated_since(since),
                     "lineItems": settings.CHECKOUT_LINE_ITEMS_PAGE_SIZE}
        for checkouts in self.pages("AbandonedCheckouts", queries.ABANDONED_CHECKOUTS, "abandonedCheckouts",
                                    variables):
            for checkout in checkouts:
                self.complete(checkout, "lineItems", "CheckoutLineItemsRest", queries.CHECKOUT_LINE_ITEMS_REST)
            yield checkouts

    def products(self, since: str | None) -> Iterator[list[dict]]:
        variables = {"first": settings.PRODUCTS_PAGE_SIZE, "query": queries.updated_since(since),
                     "variants": settings.VARIANTS_PAGE_SIZE}
        for products in self.pages("Products", queries.PRODUCTS, "products", variables):
            for product in products:
                self.complete(product, "variants", "VariantsRest", queries.VARIANTS_REST)
            yield products


def _errors(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GraphQL ``errors`` as a list of dicts (some come as one string)."""
    errors = body.get("errors") or []
    if not isinstance(errors, list):
        errors = [{"message": str(errors)}]
    return [e if isinstance(e, dict) else {"message": str(e)} for e in errors]


def _is_throttled(error: Mapping[str, Any]) -> bool:
    code = (error.get("extensions") or {}).get("code")
    return code == "THROTTLED" or str(error.get("message", "")).lower() == "throttled"
