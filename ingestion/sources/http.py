"""One retry loop for the API clients: transient failures are retried with exponential backoff,
``Retry-After`` is honoured, and the last answer goes back to the client to judge.

What differs between vendors is passed in, so the loop itself is written once:

* ``send(attempt)`` makes one attempt (per-attempt rate limiting, fresh tokens, rate headers);
* ``classify(response, attempt)`` says whether to try again and how long to wait
  (default :func:`transient`: 429 and 5xx, waiting ``Retry-After`` when given, else the backoff);
* ``no_response(error_name)`` builds the client's error when the last attempt got no response;
* ``max_retry_after`` (with ``too_long``) stops at once when the vendor asks for a longer wait.

The answer that ends the loop is returned with ``exhausted`` set when it still asked for a retry
(no attempts were left): the client raises its own error with its own wording. Nothing secret is
ever put in a log line: only the ``where``/``why`` texts the client composes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import requests

from ingestion.sources import Backoff, retry_after_seconds

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Retry:
    """Try again: wait ``seconds`` (logged with ``why``), then run ``then``.

    ``wait=False`` tries again at once, without a log line (e.g. after refreshing a token).
    ``retry_after`` is the vendor's ``Retry-After`` (checked against ``max_retry_after``).
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
    """A retry for 429/5xx: ``Retry-After`` when the vendor gives one, else exponential backoff."""
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
) -> Answer:
    """Send until an answer needs no retry, or attempts run out (see the module docstring)."""
    judge = classify or (lambda response, attempt: transient(response, attempt, backoff, where))
    for attempt in range(1, backoff.attempts + 1):
        last = attempt == backoff.attempts
        try:
            response = send(attempt)
        except (requests.ConnectionError, requests.Timeout) as error:
            if last:
                raise no_response(type(error).__name__) from None
            backoff.sleep(backoff.delay(attempt), f"{where}: {type(error).__name__}", logger)
            continue
        retry = judge(response, attempt)
        if retry is None:
            return Answer(response, attempt)
        if last:
            return Answer(response, attempt, exhausted=True)
        if max_retry_after is not None and retry.retry_after is not None and retry.retry_after > max_retry_after:
            status = response.status_code
            message = (f"{where}: HTTP {status} asks to wait {retry.retry_after:.0f} s, more than the "
                       f"{max_retry_after:.0f} s allowed")
            raise (too_long(message, status) if too_long else RuntimeError(message))
        if retry.wait:
            backoff.sleep(retry.seconds, retry.why, logger)
        if retry.then:
            retry.then()
    raise AssertionError("unreachable: the last attempt always returns or raises")  # pragma: no cover
