"""HTTP client of the Zendesk Support API: API-token or OAuth auth, cursor exports, pagination, retries.

- **Auth**: an API token (HTTP basic ``{email}/token:{api_token}``) or an OAuth access token
  (``Authorization: Bearer``). Credentials are never logged, never part of an error message
  (masked should Zendesk ever echo them), never sent to another host: redirects are not followed
  and next-page URLs are only followed on the configured host.
- **Incremental exports**, cursor-based: the first request carries ``start_time`` (or a saved
  cursor), every next one ``cursor=<after_cursor>``, until ``end_of_stream``.
- **Lists**, cursor pagination: ``page[size]``, then ``links.next`` while ``meta.has_more``.
- **Retries**: 429 honours ``Retry-After`` (incremental exports allow 10 requests a minute); 5xx
  and connection errors back off exponentially (:class:`ingestion.sources.Backoff`), through the
  shared loop of :mod:`core.http`. 401/403 stop
  the run at once with a message naming the setting to fix; an expired OAuth token says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import HTTPBasicAuth

from core.http import send_with_retries
from ingestion.sources import Backoff
from ingestion.sources.zendesk import settings

log = logging.getLogger(__name__)


class ZendeskError(RuntimeError):
    """A Zendesk request failed for good (after retries, or with an error retrying cannot fix)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class ZendeskAuthError(ZendeskError):
    """Zendesk refused the credentials (401/403): the operator must fix them."""


@dataclass(frozen=True)
class ExportPage:
    """One page of a cursor-based incremental export."""

    records: list[dict[str, Any]]
    after_cursor: str | None
    end_of_stream: bool


class ZendeskClient:
    """Read-only access to one Zendesk Support account."""

    def __init__(
        self,
        base_url: str,
        *,
        email: str | None = None,
        api_token: str | None = None,
        oauth_token: str | None = None,
        backoff: Backoff | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._headers = {"Accept": "application/json"}
        self._auth: HTTPBasicAuth | None = None
        self._secrets = [s.strip() for s in (api_token, oauth_token) if s and s.strip()]
        if oauth_token and oauth_token.strip():
            self._headers["Authorization"] = f"Bearer {oauth_token.strip()}"
            self.auth_kind = "oauth"
        elif api_token and api_token.strip() and email and email.strip():
            self._auth = HTTPBasicAuth(f"{email.strip()}/token", api_token.strip())
            self.auth_kind = "api_token"
        else:
            raise ZendeskAuthError("zendesk: no credentials configured: set SOURCES__ZENDESK__EMAIL and "
                                   "SOURCES__ZENDESK__API_TOKEN, or SOURCES__ZENDESK__OAUTH_TOKEN")
        self.backoff = backoff or Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS,
                                          settings.MAX_BACKOFF_SECONDS)
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # never show the credentials
        return f"ZendeskClient(base_url={self.base_url!r}, auth={self.auth_kind!r})"

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One JSON response, after retries; :class:`ZendeskError` when Zendesk says no."""
        where = f"zendesk GET {urlsplit(url).path}"
        if _origin(url) != self._origin:
            raise ZendeskError(f"{where}: refusing to send credentials to {_origin(url)} "
                               f"(configured: {self._origin})")
        answer = send_with_retries(
            lambda attempt: self._session.get(url, params=params, headers=self._headers, auth=self._auth,
                                              timeout=settings.TIMEOUT_SECONDS, allow_redirects=False),
            backoff=self.backoff, where=where, logger=log,
            no_response=lambda error: ZendeskError(f"{where}: no response ({error})"),
            max_retry_after=settings.MAX_RETRY_AFTER_SECONDS, too_long=ZendeskError)
        response, status = answer.response, answer.response.status_code
        if status == 401:
            raise ZendeskAuthError(f"{where}: HTTP 401 {self._error_text(response)}; {self._auth_hint(response)}",
                                   status)
        if status == 403:
            raise ZendeskAuthError(f"{where}: HTTP 403 {self._error_text(response)}; the user behind the "
                                   "credentials needs admin access", status)
        if status >= 300:
            raise ZendeskError(f"{where}: HTTP {status} {self._error_text(response)}"
                               + (f" after {answer.attempt} attempts" if answer.exhausted else ""), status)
        return response.json()

    def export(self, path: str, key: str, *, start_time: int | None = None, cursor: str | None = None,
               per_page: int = settings.EXPORT_PAGE_SIZE) -> Iterator[ExportPage]:
        """A cursor-based incremental export from ``cursor`` (preferred) or ``start_time``, to the end of the stream."""
        params: dict[str, Any] = {"per_page": per_page}
        if cursor:
            params["cursor"] = cursor
        else:
            params["start_time"] = start_time or 0
        url = f"{self.base_url}{path}"
        while True:
            body = self.get(url, params)
            page = ExportPage(records=list(body.get(key) or []), after_cursor=body.get("after_cursor"),
                              end_of_stream=bool(body.get("end_of_stream")))
            log.debug("zendesk GET %s: %d record(s), end_of_stream=%s", path, len(page.records),
                      page.end_of_stream)
            yield page
            if page.end_of_stream or not page.after_cursor:
                return
            params = {"per_page": per_page, "cursor": page.after_cursor}

    def paginate(self, path: str, key: str, params: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a cursor-paginated list: follows ``links.next`` while ``meta.has_more``."""
        url: str | None = f"{self.base_url}{path}"
        query: Mapping[str, Any] | None = params
        while url:
            body = self.get(url, query)
            records = list(body.get(key) or [])
            log.debug("zendesk GET %s: %d record(s)", path, len(records))
            yield records
            has_more = bool((body.get("meta") or {}).get("has_more"))
            url, query = ((body.get("links") or {}).get("next") if has_more else None), None

    def _error_text(self, response: requests.Response) -> str:
        """Zendesk's ``error``/``description`` text, with credentials masked should it ever echo them."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        parts = []
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                parts += [str(error.get("title") or ""), str(error.get("message") or "")]
            elif error:
                parts.append(str(error))
            parts.append(str(body.get("error_description") or body.get("description") or ""))
        text = ": ".join(p for p in parts if p)[:300] or response.reason or ""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _auth_hint(self, response: requests.Response) -> str:
        if self.auth_kind == "oauth":
            expired = "invalid_token" in self._error_text(response)
            return ("the OAuth access token is expired or revoked: issue a new one and set "
                    "SOURCES__ZENDESK__OAUTH_TOKEN") if expired else "check SOURCES__ZENDESK__OAUTH_TOKEN"
        return "check SOURCES__ZENDESK__EMAIL and SOURCES__ZENDESK__API_TOKEN (is token access enabled?)"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
