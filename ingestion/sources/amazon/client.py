"""HTTP client of the Amazon Selling Partner API: LWA tokens, rate limits, retries, pagination, reports.

- **Auth**: the refresh token is exchanged at the LWA token endpoint for a one-hour access token
  (``grant_type=refresh_token`` with the app's client id and secret), sent as
  ``x-amz-access-token``. It is refreshed before it expires and once more when the API answers
  401/403 (an expired or revoked token). Optional restricted data tokens (Tokens API) unlock the
  buyer's e-mail, name and address in getOrders. Tokens, secrets and the refresh token are never
  logged, never part of an error message, never sent to a report download URL.
- **Rate limits**: a token bucket per operation (rate and burst from ``settings.RATE_LIMITS``,
  the rate updated from each response's ``x-amzn-RateLimit-Limit``); a 429 waits for
  ``Retry-After`` when given, else one token's worth of time, doubling; 5xx back off exponentially.
- **Pagination**: ``NextToken`` (getOrders, getOrderItems).
- **Reports**: createReport -> getReport (polled until DONE; CANCELLED means no data) ->
  getReportDocument -> download from the pre-signed URL (GZIP when ``compressionAlgorithm`` says so).
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import requests

from core.http import Retry, send_with_retries, transient
from ingestion.sources import Backoff, retry_after_seconds
from ingestion.sources.amazon import settings

log = logging.getLogger(__name__)


class SpApiError(RuntimeError):
    """An SP-API request failed for good (after retries, or with an error retrying cannot fix)."""


class SpApiAuthError(SpApiError):
    """LWA or the SP-API refused the credentials: the operator must fix them (or the app's roles)."""


class TokenBucket:
    """One operation's usage plan: ``rate`` requests per second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._at = time.monotonic()

    def take(self) -> float:
        """Take one request's token; the seconds to wait first when the bucket is empty."""
        now = time.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def empty(self) -> None:
        """The server said 429: the bucket is empty whatever we counted."""
        self._tokens = min(self._tokens, 0.0)
        self._at = time.monotonic()


class LwaAuth:
    """Login with Amazon access tokens for one selling partner, refreshed as needed."""

    def __init__(self, client_id: str, client_secret: str, refresh_token: str, *, token_url: str,
                 session: requests.Session, backoff: Backoff) -> None:
        self._form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
                      "client_secret": client_secret}
        self.token_url = token_url
        self._session = session
        self._backoff = backoff
        self._token: str | None = None
        self._expires_at = 0.0
        self.exchanges = 0

    def access_token(self) -> str:
        if self._token is None or time.monotonic() >= self._expires_at - settings.TOKEN_REFRESH_MARGIN_SECONDS:
            self._exchange()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        """Forget the current token (the API said it expired); the next call exchanges a new one."""
        self._token = None

    def _exchange(self) -> None:
        answer = send_with_retries(
            lambda attempt: self._session.post(self.token_url, data=self._form, timeout=settings.TIMEOUT_SECONDS,
                                               headers={"User-Agent": settings.USER_AGENT}, allow_redirects=False),
            backoff=self._backoff, where="amazon LWA", logger=log,
            classify=lambda response, attempt: transient(response, attempt, self._backoff, "amazon LWA", hint=False),
            no_response=lambda error: SpApiError(f"amazon LWA token exchange: no response ({error})"))
        response = answer.response
        if response.status_code != 200:
            code = _json(response).get("error", "")
            raise SpApiAuthError(
                f"amazon LWA token exchange refused: HTTP {response.status_code} {code} (check "
                "SOURCES__AMAZON__LWA_CLIENT_ID, SOURCES__AMAZON__LWA_CLIENT_SECRET and "
                "SOURCES__AMAZON__REFRESH_TOKEN)")
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
        self.exchanges += 1
        log.info("amazon LWA: new access token (valid %s s)", body.get("expires_in", 3600))


class SpApiClient:
    """Calls one region's SP-API endpoint for one selling partner."""

    def __init__(
        self,
        endpoint: str,
        auth: LwaAuth,
        marketplace_ids: Sequence[str],
        *,
        backoff: Backoff,
        session: requests.Session,
        restricted_data: bool = False,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.auth = auth
        self.marketplace_ids = list(marketplace_ids)
        self.backoff = backoff
        self.restricted_data = restricted_data
        self._session = session
        self._buckets = {op: TokenBucket(rate, burst) for op, (rate, burst) in settings.RATE_LIMITS.items()}
        self._rdt: tuple[str, float] | None = None

    # -- one call --------------------------------------------------------------------------

    def call(self, operation: str, method: str, path: str, *, params: Mapping[str, Any] | None = None,
             body: Any = None, restricted: bool = False) -> dict[str, Any]:
        """One SP-API operation; its JSON body, after rate limiting, token refresh and retries."""
        bucket = self._buckets.setdefault(operation, TokenBucket(1.0, 1))
        where = f"amazon {operation}"
        refreshed = False

        def send(attempt: int) -> requests.Response:
            wait = bucket.take()
            if wait > 0:
                self.backoff.sleep(wait, f"amazon {operation}: rate limit {bucket.rate:g}/s", log)
            token = self._restricted_token(path) if restricted else self.auth.access_token()
            headers = {settings.ACCESS_TOKEN_HEADER: token, "User-Agent": settings.USER_AGENT,
                       "Accept": "application/json"}
            response = self._session.request(method, self.endpoint + path, params=params, json=body,
                                             headers=headers, timeout=settings.TIMEOUT_SECONDS,
                                             allow_redirects=False)  # the token goes to this host only
            self._note_rate(bucket, response.headers)
            return response

        def refresh() -> None:
            nonlocal refreshed
            refreshed = True
            self.auth.invalidate()
            self._rdt = None

        def classify(response: requests.Response, attempt: int) -> Retry | None:
            status = response.status_code
            if status in (401, 403) and not refreshed:
                log.info("amazon %s: HTTP %s (%s), exchanging a new access token", operation, status,
                         _error_summary(response))
                return Retry(wait=False, then=refresh)
            if status == 429:
                bucket.empty()
                hinted = retry_after_seconds(response.headers)
                wait = hinted if hinted is not None else min((2 ** (attempt - 1)) / bucket.rate,
                                                             self.backoff.max_seconds)
                return Retry(wait, f"{where}: HTTP 429 ({'Retry-After' if hinted is not None else 'rate limit'})")
            return transient(response, attempt, self.backoff, where, honour_retry_after=False)

        answer = send_with_retries(send, backoff=self.backoff, where=where, logger=log, classify=classify,
                                   no_response=lambda error: SpApiError(f"{where}: no response ({error})"))
        response, status = answer.response, answer.response.status_code
        if status in (401, 403):
            raise SpApiAuthError(f"amazon {operation}: HTTP {status} {_error_summary(response)} (check the "
                                 "app's authorization and roles for this selling partner)")
        if answer.exhausted:
            raise SpApiError(f"amazon {operation}: HTTP {status} after {answer.attempt} attempts")
        if status >= 300:
            raise SpApiError(f"amazon {operation}: HTTP {status} {_error_summary(response)}")
        return _json(response)

    def _note_rate(self, bucket: TokenBucket, headers: Mapping[str, str]) -> None:
        value = headers.get("x-amzn-RateLimit-Limit")
        try:
            rate = float(value) if value else 0.0
        except ValueError:
            return
        if rate > 0:
            bucket.rate = rate

    def _restricted_token(self, path: str) -> str:
        """A restricted data token for getOrders' personal data (Tokens API), reused while valid."""
        if self._rdt is None or time.monotonic() >= self._rdt[1] - settings.TOKEN_REFRESH_MARGIN_SECONDS:
            body = {"restrictedResources": [{"method": "GET", "path": path,
                                             "dataElements": settings.RESTRICTED_ORDER_ELEMENTS}]}
            answer = self.call("createRestrictedDataToken", "POST", settings.RESTRICTED_DATA_TOKEN_PATH, body=body)
            self._rdt = (answer["restrictedDataToken"], time.monotonic() + float(answer.get("expiresIn", 3600)))
        return self._rdt[0]

    # -- orders ----------------------------------------------------------------------------

    def orders(self, since: str) -> Iterator[list[dict]]:
        """Orders last updated at or after ``since``, one list per getOrders page."""
        params: dict[str, Any] = {"MarketplaceIds": ",".join(self.marketplace_ids), "LastUpdatedAfter": since,
                                  "MaxResultsPerPage": settings.ORDERS_PAGE_SIZE}
        while True:
            payload = self.call("getOrders", "GET", settings.ORDERS_PATH, params=params,
                                restricted=self.restricted_data).get("payload") or {}
            yield list(payload.get("Orders") or [])
            next_token = payload.get("NextToken")
            if not next_token:
                return
            params = {"MarketplaceIds": ",".join(self.marketplace_ids), "NextToken": next_token}

    def order_items(self, order_id: str) -> list[dict]:
        """Every item of one order (getOrderItems, all pages)."""
        items: list[dict] = []
        params: dict[str, Any] = {}
        while True:
            payload = self.call("getOrderItems", "GET", settings.ORDER_ITEMS_PATH.format(order_id=order_id),
                                params=params).get("payload") or {}
            items.extend(payload.get("OrderItems") or [])
            next_token = payload.get("NextToken")
            if not next_token:
                return items
            params = {"NextToken": next_token}

    # -- reports ---------------------------------------------------------------------------

    def report_rows(self, report_type: str, since: str) -> Iterator[dict[str, str]]:
        """Rows of a report of ``report_type`` covering ``since`` until now (none when it has no data)."""
        created = self.call("createReport", "POST", settings.REPORTS_PATH,
                            body={"reportType": report_type, "marketplaceIds": self.marketplace_ids,
                                  "dataStartTime": since})
        document_id = self._wait_for_report(report_type, created["reportId"])
        if document_id is None:
            return
        document = self.call("getReportDocument", "GET", settings.DOCUMENT_PATH.format(document_id=document_id))
        text = self._download(report_type, document["url"], document.get("compressionAlgorithm"))
        yield from csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)

    def _wait_for_report(self, report_type: str, report_id: str) -> str | None:
        waited = 0.0
        while True:
            report = self.call("getReport", "GET", settings.REPORT_PATH.format(report_id=report_id))
            status = report.get("processingStatus")
            if status == "DONE":
                return report.get("reportDocumentId")
            if status == "CANCELLED":
                log.info("amazon %s: report cancelled (no data for the period)", report_type)
                return None
            if status == "FATAL":
                raise SpApiError(f"amazon {report_type}: report {report_id} failed (FATAL)")
            if waited >= settings.REPORT_TIMEOUT_SECONDS:
                raise SpApiError(f"amazon {report_type}: report {report_id} still {status} after {waited:.0f} s")
            self.backoff.sleep(settings.REPORT_POLL_SECONDS, f"amazon {report_type}: report {status}", log)
            waited += settings.REPORT_POLL_SECONDS

    def _download(self, report_type: str, url: str, compression: str | None) -> str:
        """The report document from its pre-signed URL: no credentials are sent there."""
        where = f"amazon {report_type}: download"
        answer = send_with_retries(
            lambda attempt: requests.get(url, timeout=settings.TIMEOUT_SECONDS,
                                         headers={"User-Agent": settings.USER_AGENT}),
            backoff=self.backoff, where=where, logger=log,
            classify=lambda response, attempt: transient(response, attempt, self.backoff, where,
                                                         honour_retry_after=False, hint=False),
            no_response=lambda error: SpApiError(f"amazon {report_type}: download failed ({error})"))
        response = answer.response
        if response.status_code != 200:
            raise SpApiError(f"amazon {report_type}: download HTTP {response.status_code}")
        data = response.content
        if (compression or "").upper() == "GZIP":
            data = gzip.decompress(data)
        return _decode(data, response.headers.get("Content-Type", ""))


def _decode(data: bytes, content_type: str) -> str:
    """Report bytes as text: the charset the download names, else UTF-8, else Windows-1252."""
    charset = None
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    for encoding in [charset, "utf-8-sig", "cp1252"]:
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("utf-8", errors="replace")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_summary(response: requests.Response) -> str:
    """``code: message`` of an SP-API error body (its own words; never a request header)."""
    errors = _json(response).get("errors") or []
    return "; ".join(f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") for e in errors if isinstance(e, dict))
