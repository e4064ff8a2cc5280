"""Reliable delivery: HTTP with retries, backoff and jitter; batching; isolating bad records.

* :class:`HttpClient` retries what is transient (429, 500/502/503/504, timeouts, dropped
  connections) through the warehouse's one retry loop (:mod:`core.http`, which the API
  connectors use too), with exponential backoff and jitter, and always waits at least as long as a
  ``Retry-After`` header asks. A ``Retry-After`` longer than ``max_retry_after`` stops the run
  instead of blocking it (the next run picks up where this one stopped). 401/403 stop the run at
  once: retrying a refused credential only gets the account locked.
* :func:`send_isolating` sends a batch and, when the destination rejects the batch for its content,
  isolates the bad records: directly when the error names them, otherwise by splitting the batch in
  halves until each bad record stands alone. Good records are still delivered.
* :func:`chunk` sizes batches by record count and by payload bytes.
* :func:`poll` waits for a vendor's asynchronous job (Klaviyo bulk import jobs): bounded polling
  whose waits grow by a backoff factor up to a cap, within an overall timeout (:class:`JobPolling`).
  Each poll is an ordinary :class:`HttpClient` request, so 429/``Retry-After`` and 5xx are retried
  there. A job that ends failed or cancelled raises :class:`JobFailed`, one that does not finish in
  time :class:`JobTimedOut`: the run stops and none of the job's records count as accepted.

Nothing here logs a URL query, a header or a body: only method, path and status.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from activation.config import DeliverySettings, JobPolling
from activation.credentials import redact
from activation.records import BatchResult
from core.http import RETRY_STATUSES, Backoff, Retry, parse_retry_after, send_with_retries

log = logging.getLogger(__name__)

T = TypeVar("T")


class DeliveryError(RuntimeError):
    """Base class of delivery failures."""


class RetriesExhausted(DeliveryError):
    """A request kept failing transiently; the run stops and the records are retried next run."""


class FatalDestinationError(DeliveryError):
    """The destination refused the credentials or the configuration; retrying cannot help."""


class JobFailed(DeliveryError):
    """An asynchronous job ended failed or cancelled: none of its records count as accepted."""


class JobTimedOut(DeliveryError):
    """An asynchronous job did not finish within the polling timeout; its records stay unaccepted."""


class BatchRejected(DeliveryError):
    """The destination rejected a request because of its content (e.g. one invalid record).

    ``bad_keys`` maps record keys to the destination's error when the response names the culprits;
    otherwise the batch is bisected to find them.
    """

    def __init__(self, message: str, bad_keys: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.bad_keys = bad_keys or {}


@dataclass
class RetryPolicy:
    """How long to wait between attempts. ``sleep`` and ``rng`` are injectable for tests."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: DeliverySettings, sleep: Callable[[float], None] | None = None) -> RetryPolicy:
        return cls(max_attempts=settings.max_attempts, base_delay=settings.base_delay,
                   max_delay=settings.max_delay, max_retry_after=settings.max_retry_after,
                   timeout=settings.timeout, sleep=sleep or time.sleep)

    def as_backoff(self) -> Backoff:
        """The policy as the shared retry loop's :class:`core.http.Backoff` (with jitter)."""
        return Backoff(attempts=self.max_attempts, base_seconds=self.base_delay, max_seconds=self.max_delay,
                       jitter=True, rng=self.rng, sleeper=self.sleep)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': between half and all of ``base * 2**(attempt-1)``."""
        return self.as_backoff().delay(attempt)


def poll(check: Callable[[], T | None], polling: JobPolling, sleep: Callable[[float], None], what: str,
         clock: Callable[[], float] = time.monotonic) -> T:
    """Wait, then call ``check`` until it returns something other than ``None``; return that.

    Waits start at ``interval`` and grow by ``backoff`` up to ``max_interval``. Time is counted as
    the larger of the wall clock and the waits asked for (so an injected ``sleep`` counts too); the
    last check happens when ``timeout`` is reached, after which :class:`JobTimedOut` is raised.
    """
    started = clock()
    waited = 0.0
    delay = polling.interval
    checks = 0
    while True:
        elapsed = max(clock() - started, waited)
        remaining = polling.timeout - elapsed
        if remaining <= 0:
            raise JobTimedOut(f"{what}: not finished after {checks} status checks in {elapsed:.0f}s "
                              f"(timeout {polling.timeout:.0f}s)")
        pause = min(delay, remaining)
        sleep(pause)
        waited += pause
        checks += 1
        outcome = check()
        if outcome is not None:
            return outcome
        delay = min(polling.max_interval, delay * polling.backoff)


@dataclass
class DeliveryStats:
    """What one destination client did over HTTP (every attempt counts as a request)."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_errors: int = 0
    timeouts: int = 0
    waited_seconds: float = 0.0


class HttpClient:
    """A ``requests`` session that retries transient failures and counts what it sends."""

    def __init__(self, policy: RetryPolicy, session: requests.Session | None = None) -> None:
        self.policy = policy
        self.session = session or requests.Session()
        self.stats = DeliveryStats()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request, retrying transient failures. Returns any non-retryable response.

        Raises :class:`RetriesExhausted` when attempts run out (or ``Retry-After`` is too long) and
        :class:`FatalDestinationError` on 401/403.
        """
        where = f"{method} {urlsplit(url).path}"
        policy, stats = self.policy, self.stats
        backoff = policy.as_backoff()
        last = ["no attempt made"]

        def send(attempt: int) -> requests.Response:
            stats.requests += 1
            try:
                return self.session.request(method, url, timeout=policy.timeout, **kwargs)
            except requests.Timeout:
                stats.timeouts += 1
                last[0] = f"timed out after {policy.timeout}s"
                raise
            except requests.ConnectionError as exc:
                last[0] = f"connection error ({type(exc).__name__})"
                raise

        def classify(response: requests.Response, attempt: int) -> Retry | None:
            status = response.status_code
            if status in (401, 403):
                raise FatalDestinationError(f"{where}: HTTP {status}, credentials or permissions refused: "
                                            f"{redact(_short(response.text))}")
            if status not in RETRY_STATUSES:
                return None
            last[0] = f"HTTP {status}"
            if status == 429:
                stats.throttled += 1
            else:
                stats.server_errors += 1
            told = parse_retry_after(response.headers.get("Retry-After"))
            return Retry(max(told or 0.0, backoff.delay(attempt)), f"{where}: {last[0]}", retry_after=told)

        def waited(seconds: float) -> None:
            stats.retries += 1
            stats.waited_seconds += seconds

        def gave_up(_: str = "") -> RetriesExhausted:
            return RetriesExhausted(f"{where}: gave up after {policy.max_attempts} attempts ({last[0]})")

        answer = send_with_retries(send, backoff=backoff, where=where, logger=log, classify=classify,
                                   no_response=gave_up, max_retry_after=policy.max_retry_after,
                                   too_long=lambda message, status: RetriesExhausted(message), on_wait=waited)
        if answer.exhausted:
            raise gave_up()
        return answer.response

    def close(self) -> None:
        self.session.close()


def _short(text: str, limit: int = 500) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "..."


def response_error(response: requests.Response) -> str:
    """A short, redacted description of an error response for logs and ``sync_failures``."""
    return redact(f"HTTP {response.status_code}: {_short(response.text)}") or ""


def chunk(items: Sequence[T], max_records: int, max_bytes: int | None = None,
          size_of: Callable[[T], int] | None = None) -> Iterator[list[T]]:
    """Split ``items`` into batches of at most ``max_records`` records and ``max_bytes`` payload."""
    batch: list[T] = []
    size = 0
    for item in items:
        item_size = size_of(item) if (max_bytes and size_of) else 0
        if batch and (len(batch) >= max_records or (max_bytes and size + item_size > max_bytes)):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str).encode("utf-8"))


def send_isolating(items: Sequence[T], send: Callable[[list[T]], BatchResult], key: Callable[[T], str],
                   on_result: Callable[[BatchResult], None]) -> None:
    """Send ``items``; when the destination rejects the batch, isolate the bad records.

    ``on_result`` is called after every request that reached a verdict, so accepted records can be
    committed at once (a crash later loses nothing and re-sends nothing). Transient and fatal
    errors propagate to the caller.
    """
    stack: list[list[T]] = [list(items)]
    while stack:
        batch = stack.pop()
        if not batch:
            continue
        try:
            result = send(batch)
        except BatchRejected as exc:
            named = {key(i): exc.bad_keys[key(i)] for i in batch if key(i) in exc.bad_keys}
            if named:
                on_result(BatchResult(rejected={k: redact(v) or "" for k, v in named.items()}))
                stack.append([i for i in batch if key(i) not in named])
            elif len(batch) == 1:
                on_result(BatchResult(rejected={key(batch[0]): redact(exc.message) or ""}))
            else:
                middle = len(batch) // 2
                stack.append(batch[middle:])
                stack.append(batch[:middle])
            continue
        on_result(result)
