"""Fixtures: a temporary warehouse with a contract-conforming audience, and vendor fakes on real HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pytest_httpserver import HTTPServer

from activation.config import DestinationConfig, SyncConfig, parse_destinations, parse_syncs
from activation.destinations import Destination, build_destination
from activation.hashing import hashed_email, meta_hashed_phone, sha256_hex
from tests.activation.fakes import FakeGoogleAds, FakeKlaviyo, FakeMailchimp, FakeMeta, FakeVendor, FakeWebhook

AUDIENCE = "marts.aud_test"
# A timeout far above any answer of the local fakes: on a loaded CI machine a 0.5 s timeout fired on
# an ordinary page and its retry broke tests that count requests. The slow-server test sets its own.
FAST_DELIVERY = {"max_attempts": 4, "base_delay": 0.01, "max_delay": 0.05, "timeout": 10, "batch_size": 4}
SHORT_TIMEOUT = 0.5
# Waits between Klaviyo job status checks (recorded, not slept: tests inject ``sleep``).
FAST_JOB_POLLING = {"interval": 0.5, "backoff": 2, "max_interval": 2, "timeout": 30}
VENDORS = ("klaviyo", "mailchimp", "meta", "google_ads", "webhook")


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the runner catches it."""


@dataclass
class Person:
    n: int
    consent_email: bool | None = True
    consent_sms: bool | None = True
    consent_ads: bool | None = True
    is_suppressed: bool | None = False
    email: str | None = None
    ltv: float | None = None
    rfm_segment: str | None = "champions"

    @property
    def customer_id(self) -> str:
        return f"cust-{self.n:04d}"

    @property
    def address(self) -> str:
        return self.email or f"person{self.n:02d}@shop.example"

    @property
    def phone(self) -> str:
        return f"+1415555{self.n:04d}"

    @property
    def first_name(self) -> str:
        return f"First{self.n:02d}"

    def row(self) -> tuple[Any, ...]:
        return (self.customer_id, self.address, self.phone, self.first_name, f"Last{self.n:02d}", self.consent_email,
                self.consent_sms, self.consent_ads, self.is_suppressed,
                self.ltv if self.ltv is not None else self.n * 10.0, self.rfm_segment)


POISON = 16


def people(poison: bool = False) -> list[Person]:
    """1-10 fully consented; 11 refused; 12 unknown consent; 13 suppressed; 14 email only; 15 ads only;
    16 (optional) consented but rejected by the destination."""
    crowd = [Person(n) for n in range(1, 11)]
    crowd += [Person(11, False, False, False), Person(12, None, None, None), Person(13, is_suppressed=True),
              Person(14, consent_sms=False, consent_ads=False), Person(15, consent_email=False, consent_sms=False)]
    if poison:
        crowd.append(Person(POISON, email="poison@blocked.example"))
    return crowd


def write_audience(con: duckdb.DuckDBPyConnection, crowd: list[Person], relation: str = AUDIENCE) -> None:
    schema, _ = relation.split(".")
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"""
        create or replace table {relation} (
            customer_id varchar, email varchar, phone varchar, first_name varchar, last_name varchar,
            consent_email boolean, consent_sms boolean, consent_ads boolean, is_suppressed boolean,
            ltv double, rfm_segment varchar)
    """)
    con.executemany(f"insert into {relation} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [p.row() for p in crowd])


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    path = tmp_path / "build.duckdb"
    con = duckdb.connect(str(path))
    yield path, con
    con.close()


class _Dispatcher:
    """Routes every request to the fake of the current test (one shared server for the session)."""

    def __init__(self) -> None:
        self.fake: FakeVendor | None = None

    def __call__(self, request: Any) -> Any:
        assert self.fake is not None, "no fake registered for this test"
        return self.fake(request)


@pytest.fixture(scope="session")
def _http_server() -> Iterator[tuple[HTTPServer, _Dispatcher]]:
    dispatcher = _Dispatcher()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(re.compile(".*")).respond_with_handler(dispatcher)
    server.start()
    yield server, dispatcher
    server.clear()
    server.stop()


@pytest.fixture
def serve(_http_server: tuple[HTTPServer, _Dispatcher]) -> Iterator[Callable[[FakeVendor], str]]:
    """Serve a fake on the shared local HTTP server (real HTTP on 127.0.0.1); returns its base URL."""
    server, dispatcher = _http_server

    def start(fake: FakeVendor) -> str:
        dispatcher.fake = fake
        return server.url_for("").rstrip("/")

    yield start
    dispatcher.fake = None


@dataclass
class Harness:
    """One vendor's fake, destination settings and expectations, behind one interface."""

    vendor: str
    fake: FakeVendor
    settings: dict[str, Any]
    env: dict[str, str]
    consent: str
    fields: dict[str, Any]
    sleeps: list[float] = field(default_factory=list)

    def destination_config(self, **delivery: Any) -> DestinationConfig:
        raw = {"dest": {"type": self.vendor, **self.settings, "delivery": {**FAST_DELIVERY, **delivery}}}
        return parse_destinations(raw, self.env)["dest"]

    def sync(self, mode: str = "mirror", **overrides: Any) -> SyncConfig:
        body = {"name": f"sync_{self.vendor}", "audience": AUDIENCE, "destination": "dest", "mode": mode,
                "consent": self.consent, "require_governance_check": False, "fields": self.fields or None,
                **overrides}
        return parse_syncs([body], {"dest": self.destination_config()})[body["name"]]

    def client(self, **delivery: Any) -> Destination:
        return build_destination(self.destination_config(**delivery), sleep=self.sleeps.append)

    def eligible(self, person: Person) -> bool:
        consent = {"email": person.consent_email, "ads": person.consent_ads}[self.consent]
        return consent is True and not person.is_suppressed

    def identity(self, person: Person) -> str:
        if self.vendor in ("meta", "google_ads"):
            return hashed_email(person.address) or ""
        if self.vendor == "webhook":
            return person.customer_id
        return person.address

    def expected(self, crowd: list[Person], exclude: tuple[int, ...] = ()) -> list[str]:
        return sorted(self.identity(p) for p in crowd if self.eligible(p) and p.n not in exclude)

    def secrets(self) -> list[str]:
        return list(self.env.values())


def leak_strings(person: Person) -> list[str]:
    """Every form in which a person could appear in a request."""
    return [person.customer_id, person.address, person.phone, person.phone.lstrip("+"),
            sha256_hex(person.address), sha256_hex(person.phone), meta_hashed_phone(person.phone) or ""]


def assert_never_sent(fake: FakeVendor, crowd: list[Person], eligible: Callable[[Person], bool]) -> None:
    """No request (successful or not) ever carried an ineligible person in any form."""
    for person in crowd:
        if eligible(person):
            continue
        for entry in fake.log:
            for needle in leak_strings(person):
                assert needle not in entry.text, f"{person.customer_id} leaked in {entry.method} {entry.path}"


def make_harness(vendor: str, serve: Callable[[FakeVendor], str], poison_email: str | None = None) -> Harness:
    rejects = {poison_email} if poison_email else set()
    hashes = {sha256_hex(poison_email)} if poison_email else set()
    if vendor == "klaviyo":
        fake: FakeVendor = FakeKlaviyo(reject_emails=rejects)
        url = serve(fake)
        return Harness(vendor, fake, {"api_key": "${KLAVIYO_KEY}", "list_id": fake.list_id, "base_url": url,
                                      "job_polling": dict(FAST_JOB_POLLING)},
                       {"KLAVIYO_KEY": fake.api_key}, "email",
                       {"first_name": "first_name", "properties.ltv": "ltv",
                        "properties.rfm_segment": {"column": "rfm_segment", "send_nulls": True}})
    if vendor == "mailchimp":
        fake = FakeMailchimp(reject_emails=rejects)
        url = serve(fake)
        return Harness(vendor, fake, {"api_key": "${MC_KEY}", "list_id": fake.list_id, "base_url": url + "/3.0"},
                       {"MC_KEY": fake.api_key}, "email", {"FNAME": "first_name", "LNAME": "last_name"})
    if vendor == "meta":
        fake = FakeMeta(reject_hashes=hashes)
        url = serve(fake)
        return Harness(vendor, fake, {"access_token": "${META_TOKEN}", "audience_id": fake.audience_id,
                                      "base_url": url}, {"META_TOKEN": fake.token}, "ads", {})
    if vendor == "google_ads":
        fake = FakeGoogleAds(reject_hashes=hashes)
        url = serve(fake)
        return Harness(vendor, fake, {
            "developer_token": "${GADS_DEV}", "client_id": fake.client_id, "client_secret": "${GADS_SECRET}",
            "refresh_token": "${GADS_REFRESH}", "customer_id": "123-456-7890", "user_list_id": fake.user_list_id,
            "base_url": url, "token_url": url + "/token"},
            {"GADS_DEV": fake.developer_token, "GADS_SECRET": fake.client_secret, "GADS_REFRESH": fake.refresh_token},
            "ads", {})
    if vendor == "webhook":
        fake = FakeWebhook(reject_emails=rejects)
        url = serve(fake)
        return Harness(vendor, fake, {"url": url + "/hooks/cdw", "secret": "${HOOK_SECRET}"},
                       {"HOOK_SECRET": fake.secret}, "email",
                       {"email": "email", "first_name": "first_name", "ltv": "ltv"})
    raise ValueError(vendor)


@pytest.fixture(params=VENDORS)
def vendor(request: pytest.FixtureRequest) -> str:
    return request.param


def with_delivery(config: DestinationConfig, **delivery: Any) -> DestinationConfig:
    return replace(config, delivery=replace(config.delivery, **delivery))
