"""Google Ads Customer Match through OfflineUserDataJobService (REST, API v26).

Each batch is one offline user data job, so a crash can never leave half-applied work behind
(a job that was never run expires without effect, and its records were never marked as sent):

1. ``POST /v26/customers/{cid}/offlineUserDataJobs:create`` with a ``CUSTOMER_MATCH_USER_LIST``
   job naming ``customers/{cid}/userLists/{list}`` and the consent sent with the data
   (``adUserData`` and ``adPersonalization`` GRANTED: only ads-consented people are sent);
2. ``POST /v26/{job}:addOperations`` with ``create`` (or ``remove``) operations, each holding the
   person's ``userIdentifiers`` (``hashedEmail``, ``hashedPhoneNumber``: SHA-256 of the
   trimmed lowercase email and of the E.164 phone), and ``enablePartialFailure: true`` so one bad
   identifier does not sink the batch: failed operations come back in ``partialFailureError`` with
   their index;
3. ``POST /v26/{job}:run``.

Headers: ``Authorization: Bearer <token>``, ``developer-token`` and optionally
``login-customer-id``. The token is either configured (``access_token``) or refreshed from
``refresh_token``/``client_id``/``client_secret`` at ``token_url``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from typing import Any

from activation.delivery import BatchRejected, FatalDestinationError, response_error
from activation.destinations.base import Destination, split_valid
from activation.hashing import google_hashed_phone, hashed_email
from activation.records import BatchResult, OutRecord, RemoveItem

BASE_URL = "https://googleads.googleapis.com"
API_VERSION = "v26"
TOKEN_URL = "https://oauth2.googleapis.com/token"
MAX_OPERATIONS_PER_REQUEST = 100_000
DEFAULT_OPERATIONS_PER_REQUEST = 10_000
REQUESTS_PER_BATCH = 3  # create, addOperations, run


class GoogleAdsDestination(Destination):
    type = "google_ads"
    identity_columns = ("email", "phone")
    identity_rule = "any"
    allowed_consents = ("ads",)
    supports_fields = False
    api_limits = {op: DEFAULT_OPERATIONS_PER_REQUEST for op in ("upsert", "append", "remove", "erase")}

    _token: str | None = None
    _token_expires: float = 0.0

    def batch_size(self, op: str) -> int:
        configured = self.config.delivery.batch_size
        return max(1, min(configured, MAX_OPERATIONS_PER_REQUEST)) if configured else DEFAULT_OPERATIONS_PER_REQUEST

    @property
    def customer_id(self) -> str:
        return (self.config.text("customer_id") or "").replace("-", "")

    @property
    def base(self) -> str:
        root = (self.config.text("base_url") or BASE_URL).rstrip("/")
        return f"{root}/{self.config.text('api_version') or API_VERSION}"

    def _access_token(self) -> str:
        if self.config.get("access_token") is not None:
            return self.config.secret("access_token").get()
        if self._token and time.monotonic() < self._token_expires:
            return self._token
        response = self.http.request("POST", self.config.text("token_url") or TOKEN_URL, data={
            "grant_type": "refresh_token",
            "client_id": self.config.text("client_id") or "",
            "client_secret": self.config.secret("client_secret").get(),
            "refresh_token": self.config.secret("refresh_token").get(),
        })
        if response.status_code != 200:
            raise FatalDestinationError(f"OAuth token refresh refused: {response_error(response)}")
        body = response.json()
        self._token = body["access_token"]
        self._token_expires = time.monotonic() + float(body.get("expires_in", 3600)) - 60
        return self._token

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._access_token()}",
                   "developer-token": self.config.secret("developer_token").get(),
                   "Content-Type": "application/json"}
        login = self.config.text("login_customer_id")
        if login:
            headers["login-customer-id"] = login.replace("-", "")
        return headers

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.request("POST", url, headers=self._headers(), json=body)
        if response.status_code != 200:
            raise BatchRejected(response_error(response))
        return response.json() if response.content else {}

    def _job(self, kind: str, keys: list[str], identifiers: list[list[dict[str, str]]]) -> BatchResult:
        user_list = f"customers/{self.customer_id}/userLists/{self.config.text('user_list_id')}"
        job = self._post(f"{self.base}/customers/{self.customer_id}/offlineUserDataJobs:create", {"job": {
            "type": "CUSTOMER_MATCH_USER_LIST",
            "customerMatchUserListMetadata": {
                "userList": user_list,
                "consent": {"adUserData": "GRANTED", "adPersonalization": "GRANTED"},
            },
        }})
        resource = job["resourceName"]
        operations = [{kind: {"userIdentifiers": ids}} for ids in identifiers]
        response = self.http.request("POST", f"{self.base}/{resource}:addOperations", headers=self._headers(),
                                     json={"operations": operations, "enablePartialFailure": True})
        if response.status_code != 200:
            raise BatchRejected(response_error(response), _failed_operations(_body(response), keys, True))
        failed = _failed_operations(_body(response), keys, False)
        result = BatchResult(accepted=[k for k in keys if k not in failed], rejected=failed)
        if result.accepted:
            self._post(f"{self.base}/{resource}:run", {})
        return result

    def removal_payload(self, record: OutRecord) -> dict[str, Any]:
        return {"email_sha256": hashed_email(record.email), "phone_sha256": google_hashed_phone(record.phone)}

    @staticmethod
    def _identifiers(email_hash: str | None, phone_hash: str | None) -> list[dict[str, str]]:
        ids = []
        if email_hash:
            ids.append({"hashedEmail": email_hash})
        if phone_hash:
            ids.append({"hashedPhoneNumber": phone_hash})
        return ids

    def upsert(self, records: Sequence[OutRecord]) -> BatchResult:
        good, bad = split_valid(records, lambda r: None if (hashed_email(r.email) or google_hashed_phone(r.phone))
                                else "no valid email or E.164 phone to hash")
        result = BatchResult(rejected=bad)
        if good:
            ids = [self._identifiers(hashed_email(r.email), google_hashed_phone(r.phone)) for r in good]
            result.merge(self._job("create", [r.key for r in good], ids))
        return result

    def remove(self, items: Sequence[RemoveItem]) -> BatchResult:
        ids = [self._identifiers(i.payload.get("email_sha256"), i.payload.get("phone_sha256")) for i in items]
        result = BatchResult(accepted=[i.key for i, x in zip(items, ids, strict=True) if not x])
        keep = [(i.key, x) for i, x in zip(items, ids, strict=True) if x]
        if keep:
            result.merge(self._job("remove", [k for k, _ in keep], [x for _, x in keep]))
        return result

    def estimate_requests(self, op: str, count: int) -> int:
        return math.ceil(count / self.batch_size(op)) * REQUESTS_PER_BATCH if count else 0


_OPERATION_INDEX = re.compile(r"operations\[(\d+)\]")


def _body(response: Any) -> dict[str, Any]:
    try:
        return response.json() or {}
    except ValueError:
        return {}


def _failed_operations(body: dict[str, Any], keys: list[str], whole_request: bool) -> dict[str, str]:
    """{key: message} for operations a (partial) failure names by index."""
    status = (body.get("error") if whole_request else body.get("partialFailureError")) or {}
    failed: dict[str, str] = {}
    for detail in status.get("details") or []:
        for error in (detail or {}).get("errors") or []:
            for element in ((error.get("location") or {}).get("fieldPathElements") or []):
                if element.get("fieldName") == "operations" and isinstance(element.get("index"), int):
                    index = element["index"]
                    if 0 <= index < len(keys):
                        failed[keys[index]] = str(error.get("message") or "operation failed")
                    break
    if not failed and status.get("message"):
        for index in _OPERATION_INDEX.findall(str(status["message"])):
            if int(index) < len(keys):
                failed[keys[int(index)]] = str(status["message"])
    return failed
