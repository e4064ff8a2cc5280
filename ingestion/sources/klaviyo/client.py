"""HTTP client of the Klaviyo API: private-key auth, revision header, JSON:API pagination, retries.

- **Auth**: ``Authorization: Klaviyo-API-Key <private key>`` (no "Bearer"), plus the pinned
  ``revision`` header and ``Accept: application/vnd.api+json`` on every request. The key is never
  logged, never part of an error message (masked should Klaviyo ever echo it), never sent to
  another host: redirects are not followed and ``links.next`` is only followed on the configured
  host.
- **Pagination**: the absolute ``links.next`` URL (it already carries ``page[cursor]`` and the
  original filters) until Klaviyo gives none.
- **Retries**: 429 honours ``Retry-After``; 5xx and connection errors back off exponentially
  (:class:`ingestion.sources.Backoff`), through the shared loop of :mod:`core.http`.
  401/403 stop the run at once with a message naming the setting to fix.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from core.http import send_with_retries
from ingestion.sources import Backoff
from ingestion.sources.klaviyo import settings

log = logging.getLogger(__name__)


class KlaviyoError(RuntimeError):
    """A Klaviyo request failed for good (after retries, or with an error retrying cannot fix)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class KlaviyoAuthError(KlaviyoError):
    """Klaviyo refused the private API key (401/403): the operator must fix the credentials."""


class KlaviyoClient:
    """Read-only access to one Klaviyo account."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = settings.BASE_URL,
        revision: str = settings.REVISION,
        backoff: Backoff | None = None,
        session: requests.Session | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise KlaviyoAuthError("klaviyo: no private API key configured (set SOURCES__KLAVIYO__API_KEY)")
        self._secret = api_key.strip()
        self._headers = {
            "Authorization": f"Klaviyo-API-Key {self._secret}",
            "revision": revision,
            "Accept": settings.ACCEPT,
        }
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self.backoff = backoff or Backoff(settings.MAX_ATTEMPTS, settings.BACKOFF_SECONDS,
                                          settings.MAX_BACKOFF_SECONDS)
        self._session = session or requests.Session()

    def __repr__(self) -> str:  # never show the key
        return f"KlaviyoClient(base_url={self.base_url!r})"

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One JSON:API document, after retries; :class:`KlaviyoError` when Klaviyo says no."""
        where = f"klaviyo GET {urlsplit(url).path}"
        if _origin(url) != self._origin:
            raise KlaviyoError(f"{where}: refusing to send the API key to {_origin(url)} (configured: {self._origin})")
        answer = send_with_retries(
            lambda attempt: self._session.get(url, params=params, headers=self._headers,
                                              timeout=settings.TIMEOUT_SECONDS, allow_redirects=False),
            backoff=self.backoff, where=where, logger=log,
            no_response=lambda error: KlaviyoError(f"{where}: no response ({error})"),
            max_retry_after=settings.MAX_RETRY_AFTER_SECONDS, too_long=KlaviyoError)
        response, status = answer.response, answer.response.status_code
        if status in (401, 403):
            raise KlaviyoAuthError(f"{where}: HTTP {status} {self._error_text(response)}; the private API key "
                                   "was refused (check SOURCES__KLAVIYO__API_KEY and its read scopes)", status)
        if status >= 300:
            raise KlaviyoError(f"{where}: HTTP {status} {self._error_text(response)}"
                               + (f" after {answer.attempt} attempts" if answer.exhausted else ""), status)
        return response.json()

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every page (JSON:API document) of a collection, following ``links.next``."""
        url: str | None = f"{self.base_url}{path}"
        query: Mapping[str, Any] | None = params
        while url:
            document = self.get(url, query)
            log.debug("klaviyo GET %s: %d record(s)", path, len(document.get("data") or []))
            yield document
            url, query = (document.get("links") or {}).get("next"), None

    def _error_text(self, response: requests.Response) -> str:
        """Klaviyo's ``errors[].code: detail`` (short), with the key masked should it ever be echoed."""
        try:
            errors = response.json().get("errors") or []
        except (ValueError, AttributeError):
            errors = []
        texts = [f"{e.get('code') or e.get('title') or ''}: {e.get('detail') or ''}".strip(": ")
                 for e in errors if isinstance(e, dict)]
        text = "; ".join(t for t in texts if t)[:300] or response.reason or ""
        return text.replace(self._secret, "***")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
