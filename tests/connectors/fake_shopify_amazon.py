"""Local fakes of the Shopify Admin GraphQL API and the Amazon Selling Partner API.

Each fake is a real HTTP server on 127.0.0.1 (a thread per request) that speaks the vendor's
documented shapes, pagination, auth and errors, records every request it receives, and can be
told to misbehave:

- Shopify: ``X-Shopify-Access-Token`` auth, cursor pagination (``pageInfo``), the
  ``updated_at:>='…'`` search filter, ``extensions.cost`` with a leaky bucket, ``THROTTLED``
  errors, 429 with ``Retry-After``, 5xx.
- Amazon: the LWA token endpoint (``grant_type=refresh_token``), ``x-amz-access-token`` auth with
  expiring tokens (403 ``Unauthorized`` "The access token you provided has expired"), getOrders
  with ``LastUpdatedAfter``/``MarketplaceIds``/``NextToken``, getOrderItems, 429 with
  ``Retry-After`` and ``x-amzn-RateLimit-Limit``, 503, and the Reports flow (createReport,
  getReport polled through IN_QUEUE/IN_PROGRESS/DONE, getReportDocument, a GZIP download).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import io
import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb

# -- a recording HTTP server -----------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


class FakeServer:
    """HTTP server on 127.0.0.1:<free port>; ``handle(request) -> Response`` decides the answers."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, split.path, parse_qs(split.query), dict(self.headers.items()),
                                  self.rfile.read(length) if length else b"")
                with fake._lock:
                    fake.requests.append(request)
                    response = fake.handle(request)
                body, content_type = response.encoded()
                self.send_response(response.status)
                self.send_header("Content-Type", response.headers.pop("Content-Type", content_type))
                self.send_header("Content-Length", str(len(body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def handle(self, request: Request) -> Response:  # pragma: no cover - overridden
        return Response(404, {"error": "not found"})

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:{index}".encode()).decode()


def _after(cursor: str | None) -> int:
    return 0 if not cursor else int(base64.b64decode(cursor).decode().split(":")[1]) + 1


def connection(items: list[Any], first: int, after: str | None = None) -> dict[str, Any]:
    """A GraphQL connection page: ``nodes`` and ``pageInfo``."""
    start = _after(after)
    chunk = items[start:start + first]
    more = start + first < len(items)
    return {"nodes": chunk, "pageInfo": {"hasNextPage": more, "endCursor": _cursor(start + len(chunk) - 1) if chunk
                                         else None}}


# -- Shopify ---------------------------------------------------------------------------------

SHOP_TOKEN = "shpat_fake_0123456789abcdef"


def gid(kind: str, number: int | str) -> str:
    return f"gid://shopify/{kind}/{number}"


def money(amount: str, currency: str | None = None) -> dict[str, Any]:
    shop = {"amount": amount} if currency is None else {"amount": amount, "currencyCode": currency}
    return {"shopMoney": shop}


def shop_customer(number: int, updated_at: str, email: str | None = "ann@example.com", **extra: Any) -> dict:
    return {
        "id": gid("Customer", number), "legacyResourceId": str(number), "firstName": "Ann", "lastName": "Lee",
        "state": "ENABLED", "verifiedEmail": True, "tags": ["vip", "newsletter"],
        "createdAt": "2024-01-01T00:00:00Z", "updatedAt": updated_at,
        "defaultEmailAddress": None if email is None else {
            "emailAddress": email, "marketingState": "SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN",
            "marketingUpdatedAt": "2024-01-01T00:00:00Z"},
        "defaultPhoneNumber": {"phoneNumber": "+14155550100", "marketingState": "NOT_SUBSCRIBED",
                               "marketingUpdatedAt": None},
        "defaultAddress": {"company": None, "address1": "1 Main St", "city": "Springfield", "provinceCode": "IL",
                           "zip": "62701", "countryCodeV2": "US", "phone": "(217) 555-0142"},
        "lastOrder": {"currencyCode": "USD"}, **extra,
    }


def shop_line_item(number: int, quantity: int = 1, price: str = "10.00") -> dict:
    return {"id": gid("LineItem", number), "sku": f"SKU-{number}", "title": f"Item {number}", "quantity": quantity,
            "product": {"legacyResourceId": "700"}, "variant": {"legacyResourceId": "800"},
            "originalUnitPriceSet": money(price), "totalDiscountSet": money("0.00")}


def shop_refund(number: int, line_item: int, quantity: int = 1) -> dict:
    return {"id": gid("Refund", number), "legacyResourceId": str(number), "createdAt": "2024-02-03T00:00:00Z",
            "note": "damaged", "transactions": {"nodes": [{"processedAt": "2024-02-03T00:01:00Z"}]},
            "refundLineItems": [{"id": gid("RefundLineItem", number * 10), "quantity": quantity,
                                 "restockType": "RETURN", "lineItem": {"id": gid("LineItem", line_item)},
                                 "subtotalSet": money("10.00")}]}


def shop_order(number: int, updated_at: str, line_items: list[dict], refunds: list[dict] | None = None,
               total: str = "20.00", **extra: Any) -> dict:
    return {
        "id": gid("Order", number), "legacyResourceId": str(number), "name": f"#{number}",
        "email": "ann@example.com", "phone": None, "createdAt": "2024-02-01T00:00:00Z", "updatedAt": updated_at,
        "processedAt": "2024-02-01T00:00:00Z", "cancelledAt": None, "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED", "currencyCode": "USD", "sourceName": "web",
        "checkoutToken": f"tok{number:029d}",
        "customer": {"legacyResourceId": "1"}, "subtotalPriceSet": money(total),
        "totalDiscountsSet": money("0.00"), "totalTaxSet": money("0.00"), "totalShippingPriceSet": money("5.00"),
        "totalPriceSet": money(total),
        "customerJourneySummary": {"firstVisit": {"landingPage": "https://shop.example/?utm_source=google",
                                                  "referrerUrl": "https://www.google.com/"}, "lastVisit": None},
        "shippingAddress": {"firstName": "Ann", "lastName": "Lee", "name": "Ann Lee",
                            "company": None, "address1": "1 Main St", "city": "Springfield", "provinceCode": "IL",
                            "zip": "62701", "countryCodeV2": "US", "phone": "+1 217 555 0143"},
        "billingAddress": {"name": "Ann Lee", "address1": "1 Main St", "zip": "62701",
                           "countryCodeV2": "US", "phone": "217-555-0144"},
        "fulfillments": [{"createdAt": "2024-02-02T00:00:00Z"}],
        "lineItems": line_items, "refunds": refunds or [], **extra,
    }


def shop_checkout(number: int, updated_at: str, lines: int = 1) -> dict:
    token = f"tok{number:029d}"
    return {
        "id": gid("AbandonedCheckout", number), "createdAt": "2024-03-01T00:00:00Z", "updatedAt": updated_at,
        "completedAt": None, "abandonedCheckoutUrl": f"https://shop.example/1/checkouts/{token}/recover?key=k{number}",
        "customer": {"legacyResourceId": "1", "defaultEmailAddress": {"emailAddress": "ann@example.com"},
                     "defaultPhoneNumber": None},
        "subtotalPriceSet": money("30.00", "USD"), "totalPriceSet": money("32.10", "USD"),
        "lineItems": [{"id": gid("AbandonedCheckoutLineItem", f"{number}abc{i}"), "title": "Mug", "quantity": 1,
                       "product": {"legacyResourceId": "700"}, "variant": {"legacyResourceId": "800"},
                       "originalUnitPriceSet": money("30.00")} for i in range(lines)],
    }


def shop_product(number: int, updated_at: str, variants: int = 2) -> dict:
    return {
        "id": gid("Product", number), "legacyResourceId": str(number), "title": f"Product {number}",
        "handle": f"product-{number}", "productType": "Mugs", "vendor": "Acme", "status": "ACTIVE",
        "tags": ["ceramic"], "createdAt": "2024-01-01T00:00:00Z", "updatedAt": updated_at,
        "variants": [{"legacyResourceId": str(number * 100 + i), "sku": f"P{number}-{i}", "title": f"V{i}",
                      "price": "12.50", "inventoryItem": {"unitCost": {"amount": "4.10"}}} for i in range(variants)],
    }


_OPERATION = re.compile(r"query\s+(\w+)")
_SINCE = re.compile(r"updated_at:>='([^']+)'")
TOP_LEVEL = {"Customers": ("customers", "customers"), "Orders": ("orders", "orders"),
             "AbandonedCheckouts": ("abandonedCheckouts", "checkouts"), "Products": ("products", "products")}
NESTED = {"lineItems": "lineItems", "variants": "variants", "refundLineItems": "refundLineItems"}


class FakeShopify(FakeServer):
    """The Admin GraphQL API of one shop, serving the records in its lists."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: list[dict] = []
        self.orders: list[dict] = []
        self.checkouts: list[dict] = []
        self.products: list[dict] = []
        self.faults: list[tuple[str, str]] = []
        """``(operation, kind)`` to inject once each, in order: kind ``throttled``, ``429`` or ``503``."""
        self.available = 1000.0
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def graphql_calls(self, operation: str) -> list[dict[str, Any]]:
        """Variables of every answered call of ``operation``."""
        return [variables for name, variables in self.calls if name == operation]

    def handle(self, request: Request) -> Response:
        if not request.path.endswith("/graphql.json") or request.method != "POST":
            return Response(404, {"errors": "Not Found"})
        if request.header("X-Shopify-Access-Token") != SHOP_TOKEN:
            return Response(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong "
                                            "password)"})
        body = request.json()
        operation = _OPERATION.search(body["query"]).group(1)
        variables = body.get("variables") or {}
        for index, (name, kind) in enumerate(self.faults):
            if name == operation:
                del self.faults[index]
                return self._fault(kind)
        self.calls.append((operation, variables))
        data = self._answer(operation, variables)
        self.available = max(0.0, self.available - 10)
        return Response(200, {"data": data, "extensions": {"cost": self._cost(120, 10)}})

    def _cost(self, requested: float, actual: float | None) -> dict[str, Any]:
        return {"requestedQueryCost": requested, "actualQueryCost": actual,
                "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": self.available,
                                   "restoreRate": 50.0}}

    def _fault(self, kind: str) -> Response:
        if kind == "throttled":
            self.available = 20.0
            body = {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": self._cost(120, None)}}
            self.available = 1000.0  # refilled by the time the client comes back
            return Response(200, body)
        if kind == "429":
            return Response(429, {"errors": "Exceeded 2 calls per second for api client. Reduce request rates."},
                            {"Retry-After": "2.0"})
        return Response(int(kind), {"errors": "Internal Server Error"})

    def _records(self, kind: str) -> list[dict]:
        return getattr(self, kind)

    def _answer(self, operation: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        if operation in TOP_LEVEL:
            field_name, kind = TOP_LEVEL[operation]
            records = self._records(kind)
            match = _SINCE.search(variables.get("query") or "")
            if match:
                records = [r for r in records if r["updatedAt"] >= match.group(1)]
            records = sorted(records, key=lambda r: (r["updatedAt"], r["id"]))
            page = connection(records, variables["first"], variables.get("after"))
            page["nodes"] = [self._shape(node, variables) for node in page["nodes"]]
            return {field_name: page}
        if operation == "Refunds":
            refunds = {r["id"]: r for o in self.orders for r in o["refunds"]}
            return {"nodes": [self._refund(refunds[i], variables["lineItems"]) if i in refunds else None
                              for i in variables["ids"]]}
        if operation.endswith("Rest"):
            node = self._node(variables["id"])
            nested = {"OrderLineItemsRest": "lineItems", "CheckoutLineItemsRest": "lineItems",
                      "VariantsRest": "variants", "RefundLineItemsRest": "refundLineItems"}[operation]
            return {"node": {nested: connection(node[nested], variables["first"], variables.get("after"))}}
        raise AssertionError(f"unexpected operation {operation}")

    def _shape(self, node: dict, variables: Mapping[str, Any]) -> dict:
        shaped = dict(node)
        if "lineItems" in node:
            shaped["lineItems"] = connection(node["lineItems"], variables["lineItems"])
        if "variants" in node:
            shaped["variants"] = connection(node["variants"], variables["variants"])
        if "refunds" in node:
            shaped["refunds"] = [{"id": r["id"]} for r in node["refunds"][:variables["refunds"]]]
        return shaped

    def _refund(self, refund: dict, first: int) -> dict:
        return {**refund, "refundLineItems": connection(refund["refundLineItems"], first)}

    def _node(self, node_id: str) -> dict:
        for record in [*self.orders, *self.checkouts, *self.products,
                       *(r for o in self.orders for r in o["refunds"])]:
            if record["id"] == node_id:
                return record
        raise AssertionError(f"unknown node {node_id}")


# -- Amazon ----------------------------------------------------------------------------------

LWA_CLIENT_ID = "amzn1.application-oa2-client.fake0123456789"
LWA_CLIENT_SECRET = "amzn1.oa2-cs.v1.fake-client-secret-0123456789"
REFRESH_TOKEN = "Atzr|fake-refresh-token-0123456789"
MARKETPLACE = "ATVPDKIKX0DER"

REPORT_TABLES = {
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": "fba_shipments",
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": "returns",
    "GET_SELLER_FEEDBACK_DATA": "feedback",
}


def amazon_order(order_id: str, updated: str, total: str = "25.00", email: str = "x1y2@marketplace.amazon.com",
                 **extra: Any) -> dict:
    return {
        "AmazonOrderId": order_id, "PurchaseDate": "2024-03-01T10:00:00Z", "LastUpdateDate": updated,
        "OrderStatus": "Shipped", "FulfillmentChannel": "AFN", "SalesChannel": "Amazon.com",
        "MarketplaceId": MARKETPLACE, "OrderType": "StandardOrder",
        "OrderTotal": {"CurrencyCode": "USD", "Amount": total}, "NumberOfItemsShipped": 1,
        "NumberOfItemsUnshipped": 0, "IsBusinessOrder": False, "IsPrime": True,
        "BuyerInfo": {"BuyerEmail": email, "BuyerName": "Bo Chen"},
        "ShippingAddress": {"Name": "Bo Chen", "AddressLine1": "5 Elm St", "City": "Seattle",
                            "StateOrRegion": "WA", "PostalCode": "98101", "CountryCode": "US"}, **extra,
    }


def amazon_item(item_id: str, asin: str = "B000TEST01", price: str = "25.00") -> dict:
    return {"ASIN": asin, "SellerSKU": "SKU-1", "OrderItemId": item_id, "Title": "Mug", "QuantityOrdered": 1,
            "QuantityShipped": 1, "ItemPrice": {"CurrencyCode": "USD", "Amount": price},
            "ItemTax": {"CurrencyCode": "USD", "Amount": "0.00"},
            "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "0.00"},
            "ShippingPrice": {"CurrencyCode": "USD", "Amount": "0.00"}}


def tsv(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join("\t".join(line) for line in [header, *rows]) + "\n"


class FakeAmazon(FakeServer):
    """The LWA token endpoint and the SP-API Orders and Reports APIs of one seller."""

    def __init__(self, *, orders_page_size: int = 2, polls_before_done: int = 2) -> None:
        super().__init__()
        self.orders: list[dict] = []
        self.items: dict[str, list[dict]] = {}
        self.reports: dict[str, str] = {}
        """Report type -> the TSV document it produces (served GZIP-compressed)."""
        self.orders_page_size = orders_page_size
        self.polls_before_done = polls_before_done
        self.faults: list[tuple[str, str]] = []
        """``(operation, kind)`` to inject once each: kind ``429``, ``503`` or ``expire`` (the token
        in use expires just before this call)."""
        self.issued: list[str] = []
        self.valid_tokens: set[str] = set()
        self.created_reports: list[dict] = []
        self.restricted_tokens: set[str] = set()
        self._report_polls: dict[str, int] = {}

    # -- helpers for tests -----------------------------------------------------------------

    def calls(self, operation: str) -> list[Request]:
        return [r for r in self.requests if _amazon_operation(r) == operation]

    # -- dispatch --------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        operation = _amazon_operation(request)
        if operation == "token":
            return self._token(request)
        if operation == "download":
            return self._download(request)
        for index, (name, kind) in enumerate(self.faults):
            if name == operation:
                del self.faults[index]
                if kind == "expire":
                    self.valid_tokens.clear()
                    break
                if kind == "429":
                    return Response(429, {"errors": [{"code": "QuotaExceeded",
                                                      "message": "You exceeded your quota for the requested resource.",
                                                      "details": ""}]},
                                    {"Retry-After": "1", "x-amzn-RateLimit-Limit": "0.5"})
                return Response(int(kind), {"errors": [{"code": "ServiceUnavailable",
                                                        "message": "Service temporarily unavailable."}]})
        if request.header("x-amz-access-token") not in self.valid_tokens:
            return Response(403, {"errors": [{"code": "Unauthorized",
                                              "message": "Access to requested resource is denied.",
                                              "details": "The access token you provided has expired."}]})
        headers = {"x-amzn-RateLimit-Limit": "20.0", "x-amzn-RequestId": "req-1"}
        handler = getattr(self, f"_{operation}")
        response = handler(request)
        response.headers.update(headers)
        return response

    def _token(self, request: Request) -> Response:
        form = request.form()
        if (form.get("grant_type") != "refresh_token" or form.get("refresh_token") != REFRESH_TOKEN
                or form.get("client_id") != LWA_CLIENT_ID or form.get("client_secret") != LWA_CLIENT_SECRET):
            return Response(400, {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = f"Atza|fake-access-token-{len(self.issued) + 1}-0123456789"
        self.issued.append(token)
        self.valid_tokens.add(token)
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": 3600})

    def _getOrders(self, request: Request) -> Response:  # noqa: N802 - named after the operation
        marketplaces = (request.param("MarketplaceIds") or "").split(",")
        if MARKETPLACE not in marketplaces:
            return Response(400, {"errors": [{"code": "InvalidInput", "message": "Invalid MarketplaceIds"}]})
        token = request.param("NextToken")
        if token:
            since, start = token.split("|")
            start_index = int(start)
        else:
            since = request.param("LastUpdatedAfter")
            if not since:
                return Response(400, {"errors": [{"code": "InvalidInput",
                                                  "message": "CreatedAfter or LastUpdatedAfter is required"}]})
            start_index = 0
        matching = sorted((o for o in self.orders if o["LastUpdateDate"] >= since),
                          key=lambda o: (o["LastUpdateDate"], o["AmazonOrderId"]))
        page = matching[start_index:start_index + self.orders_page_size]
        if request.header("x-amz-access-token") not in self.restricted_tokens:
            page = [_without_pii(o) for o in page]
        payload: dict[str, Any] = {"Orders": page, "CreatedBefore": "2099-01-01T00:00:00Z"}
        if start_index + self.orders_page_size < len(matching):
            payload["NextToken"] = f"{since}|{start_index + self.orders_page_size}"
        return Response(200, {"payload": payload})

    def _createRestrictedDataToken(self, request: Request) -> Response:  # noqa: N802
        resources = request.json()["restrictedResources"]
        assert resources[0]["path"] == "/orders/v0/orders", resources
        token = f"Atz.sprdt|fake-restricted-token-{len(self.restricted_tokens) + 1}"
        self.restricted_tokens.add(token)
        self.valid_tokens.add(token)
        return Response(200, {"restrictedDataToken": token, "expiresIn": 3600})

    def _getOrderItems(self, request: Request) -> Response:  # noqa: N802
        order_id = request.path.split("/")[4]
        items = self.items.get(order_id, [])
        start = int(request.param("NextToken") or 0)
        payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": items[start:start + 1]}
        if start + 1 < len(items):
            payload["NextToken"] = str(start + 1)
        return Response(200, {"payload": payload})

    def _createReport(self, request: Request) -> Response:  # noqa: N802
        body = request.json()
        report_id = f"R{len(self.created_reports) + 1}"
        self.created_reports.append({**body, "reportId": report_id})
        self._report_polls[report_id] = 0
        return Response(202, {"reportId": report_id})

    def _getReport(self, request: Request) -> Response:  # noqa: N802
        report_id = request.path.rsplit("/", 1)[1]
        report = next(r for r in self.created_reports if r["reportId"] == report_id)
        self._report_polls[report_id] += 1
        polls = self._report_polls[report_id]
        status = "IN_QUEUE" if polls == 1 else "IN_PROGRESS" if polls <= self.polls_before_done else "DONE"
        body = {"reportId": report_id, "reportType": report["reportType"], "processingStatus": status,
                "marketplaceIds": report["marketplaceIds"], "createdTime": "2024-04-01T00:00:00Z"}
        if status == "DONE":
            if report["reportType"] in self.reports:
                body["reportDocumentId"] = f"DOC-{report_id}"
            else:
                body["processingStatus"] = "CANCELLED"
        return Response(200, body)

    def _getReportDocument(self, request: Request) -> Response:  # noqa: N802
        document_id = request.path.rsplit("/", 1)[1]
        return Response(200, {"reportDocumentId": document_id, "compressionAlgorithm": "GZIP",
                              "url": f"{self.url}/s3/{document_id}?X-Amz-Signature=presigned"})

    def _download(self, request: Request) -> Response:
        document_id = request.path.rsplit("/", 1)[1]
        report = next(r for r in self.created_reports if f"DOC-{r['reportId']}" == document_id)
        text = self.reports[report["reportType"]]
        return Response(200, gzip.compress(text.encode("utf-8")), {"Content-Type": "text/tab-separated-values"})


def _without_pii(order: dict) -> dict:
    """An order as getOrders shows it without a restricted data token: no buyer e-mail, name or street."""
    shown = dict(order)
    shown["BuyerInfo"] = {k: v for k, v in (order.get("BuyerInfo") or {}).items()
                          if k not in ("BuyerEmail", "BuyerName")}
    shown["ShippingAddress"] = {k: v for k, v in (order.get("ShippingAddress") or {}).items()
                                if k in ("City", "StateOrRegion", "PostalCode", "CountryCode")}
    return shown


def _amazon_operation(request: Request) -> str:
    path = request.path
    if path == "/auth/o2/token":
        return "token"
    if path.startswith("/s3/"):
        return "download"
    if path == "/tokens/2021-03-01/restrictedDataToken":
        return "createRestrictedDataToken"
    if path == "/orders/v0/orders":
        return "getOrders"
    if re.fullmatch(r"/orders/v0/orders/[^/]+/orderItems", path):
        return "getOrderItems"
    if path == "/reports/2021-06-30/reports" and request.method == "POST":
        return "createReport"
    if path.startswith("/reports/2021-06-30/reports/"):
        return "getReport"
    if path.startswith("/reports/2021-06-30/documents/"):
        return "getReportDocument"
    return "unknown"


# -- what tests look for -----------------------------------------------------------------------


class CapturedOutput:
    """Every log record (any logger, DEBUG and up) and everything printed, while active."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self._handler = logging.StreamHandler(self.stream)
        self._handler.setLevel(logging.DEBUG)
        self._handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self._levels: dict[str, int] = {}
        self._redirects: list[Any] = []

    def __enter__(self) -> CapturedOutput:
        for name in ("", "dlt", "urllib3", "requests"):
            logger = logging.getLogger(name)
            self._levels[name] = logger.level
            logger.setLevel(logging.DEBUG)
            if name in ("", "dlt"):
                logger.addHandler(self._handler)
        self._redirects = [contextlib.redirect_stdout(self.stream), contextlib.redirect_stderr(self.stream)]
        for redirect in self._redirects:
            redirect.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        for redirect in reversed(self._redirects):
            redirect.__exit__(*exc)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        for name in ("", "dlt"):
            logging.getLogger(name).removeHandler(self._handler)

    @property
    def text(self) -> str:
        return self.stream.getvalue()


def warehouse_text_matches(warehouse: Path, needle: str) -> list[str]:
    """Tables of the DuckDB file with a row whose text contains ``needle`` (all schemas, all columns)."""
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        for schema, table in tables:
            hits = con.execute(f'SELECT count(*) FROM "{schema}"."{table}" t WHERE strpos(CAST(t AS VARCHAR), ?) > 0',
                               [needle]).fetchall()[0][0]
            if hits:
                found.append(f"{schema}.{table}")
    if needle.encode() in warehouse.read_bytes():
        found.append(str(warehouse))
    return found


def files_containing(folder: Path, needle: str) -> list[str]:
    """Files under ``folder`` whose bytes contain ``needle``."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def table_rows(warehouse: Path, qualified: str, order_by: str = "1") -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"SELECT * FROM {qualified} ORDER BY {order_by}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def column_names(warehouse: Path, schema: str, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, table]).fetchall()]
