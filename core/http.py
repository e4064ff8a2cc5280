"""One HTTP retry loop for every client of the warehouse: the vendor API connectors and the activation destinations.

Transient failures (429 and 5xx answers, timeouts, dropped connections) are retried with
exponential backoff (optionally with jitter), ``Retry-After`` is honoured, and the last answer goes
back to the caller to judge. What differs between callers is passed in, so the loop is written once:

* ``send(attempt)`` makes one attempt (per-attempt rate limiting, fresh tokens, counting);
* ``classify(response, attempt)`` says whether to try again and how long to wait (default
  :func:`transient`: 429 and 5xx, waiting ``Retry-After`` when given, else the backoff); it may
  raise to stop at once (a refused credential);
* ``no_response(error_name)`` builds the caller's error when the last attempt got no response;
* ``max_retry_after`` (with ``too_long``) stops at once when the server asks for a longer wait;
* ``on_wait(seconds)`` is told of every wait (statistics).

The answer that ends the loop is returned with ``exhausted`` set when it still asked for a retry
(no attempts were left): the caller raises its own error with its own wording. Nothing secret is
ever put in a log line: only the ``where``/``why`` texts the caller composes.

(dlt's ``dlt.sources.helpers.requests`` retries too, but not with per-vendor judgement such as
Shopify's GraphQL ``THROTTLED`` errors or Amazon's token refresh, nor with activation's
per-destination statistics; both ends use this loop instead.)
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Backoff:
    """How often to try and how long to wait between attempts.

    Waits double from ``base_seconds`` up to ``max_seconds``; with ``jitter`` a wait is drawn
    between half and all of that ("equal jitter", so many clients do not retry in step).
    ``scale`` multiplies every actual sleep: waits are computed (and logged) in real seconds, and
    tests set ``scale`` to 0 or a tiny number so a ``Retry-After: 2`` costs nothing. ``sleeper``
    and ``rng`` are injectable for tests.
    """

    attempts: int = 8
    base_seconds: float = 1.0
    max_seconds: float = 120.0
    scale: float = 1.0
    jitter: bool = False
    rng: random.Random | None = field(default=None, compare=False)
    sleeper: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int) -> float:
        """Wait after failed attempt ``attempt`` (1-based) when the server gave no hint."""
        ceiling = min(self.base_seconds * 2 ** max(attempt - 1, 0), self.max_seconds)
        if not self.jitter:
            return ceiling
        return (self.rng or random).uniform(ceiling / 2, ceiling)

    def sleep(self, seconds: float, why: str, logger: logging.Logger) -> None:
        """Wait ``seconds`` (scaled), saying why. Never pass anything secret in ``why``."""
        seconds = max(0.0, seconds)
        logger.info("%s; waiting %.2f s", why, seconds)
        if self.scale:
            self.sleeper(seconds * self.scale)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds, if there is one."""
    return parse_retry_after(headers.get("Retry-After"))


@dataclass(frozen=True)
class Retry:
    """Try again: wait ``seconds`` (logged with ``why``), then run ``then``.

    ``wait=False`` tries again at once, without a log line (e.g. after refreshing a token).
    ``retry_after`` is the server's ``Retry-After`` (checked against ``max_retry_after``).
    """

    seconds: float = 0.0
    why: str = ""
    wait: bool = True
    retry_after: float | None = None
    then: Callable[[], None] | None = None


@dataclass(frozen=True)
class Answer:
    """The response that ended the loop, the attempt that got it, and whether it still asked for a retry."""

    response: requests.Response
    attempt: int
    exhausted: bool = False


def transient(response: requests.Response, attempt: int, backoff: Backoff, where: str, *,
              honour_retry_after: bool = True, hint: bool = True) -> Retry | None:
    """A retry for 429/5xx: ``Retry-After`` when the server gives one, else the backoff."""
    status = response.status_code
    if status not in RETRY_STATUSES:
        return None
    told = retry_after_seconds(response.headers) if honour_retry_after else None
    why = f"{where}: HTTP {status}" + (f" ({'Retry-After' if told is not None else 'backoff'})" if hint else "")
    return Retry(told if told is not None else backoff.delay(attempt), why, retry_after=told)


def send_with_retries(
    send: Callable[[int], requests.Response],
    *,
    backoff: Backoff,
    where: str,
    logger: logging.Logger,
    no_response: Callable[[str], Exception],
    classify: Callable[[requests.Response, int], Retry | None] | None = None,
    max_retry_after: float | None = None,
    too_long: Callable[[str, int], Exception] | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> Answer:
    """Send until an answer needs no retry, or attempts run out (see the module docstring)."""
    judge = classify or (lambda response, attempt: transient(response, attempt, backoff, where))

    def wait(seconds: float, why: str) -> None:
        if on_wait is not None:
            on_wait(max(0.0, seconds))
        backoff.sleep(seconds, why, logger)

    for attempt in range(1, backoff.attempts + 1):
        last = attempt == backoff.attempts
        try:
            response = send(attempt)
        except (requests.ConnectionError, requests.Timeout) as error:
            if last:
                raise no_response(type(error).__name__) from None
            wait(backoff.delay(attempt), f"{where}: {type(error).__name__}")
            continue
        retry = judge(response, attempt)
        if retry is None:
            return Answer(response, attempt)
        if max_retry_after is not None and retry.retry_after is not None and retry.retry_after > max_retry_after:
            status = response.status_code
            message = (f"{where}: HTTP {status} asks to wait {retry.retry_after:.0f} s (Retry-After), which "
                       f"exceeds the {max_retry_after:.0f} s allowed")
            raise (too_long(message, status) if too_long else RuntimeError(message))
        if last:
            return Answer(response, attempt, exhausted=True)
        if retry.wait:
            wait(retry.seconds, retry.why)
        if retry.then:
            retry.then()
    raise AssertionError("unreachable: the last attempt always returns or raises")  # pragma: no cover
