"""The people, their companies and the records the vendors hold about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from benchmarks.export_people.vocabulary import City, Product


@dataclass
class Address:
    street: str
    unit: str
    city: City
    zip: str


@dataclass
class Person:
    pid: int
    first: str
    last: str
    email: str
    mobile: str | None
    home: Address
    native: tuple[str, str] | None = None
    landline: str | None = None
    latin: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass
class Company:
    name: str
    domain: str
    office: Address
    phone: str


@dataclass
class Record:
    """One warehouse record: its key in ``marts.customer_source_map``, whose it is and what it shows."""

    system: str
    entity: str
    pid: int
    email: str | None
    key: str = ""
    tags: set[str] = field(default_factory=set)
    label: str = ""

    @property
    def ref(self) -> tuple[str, str, str]:
        return self.system, self.entity, self.key


@dataclass
class Account:
    """A Shopify customer (one per e-mail)."""

    record: Record
    first: str
    last: str
    email: str
    phone: str | None
    address: Address | None
    address_phone: str
    company: str = ""
    accepts_email: bool = False
    accepts_sms: bool = False
    tags: str = ""
    orders: list[Order] = field(default_factory=list)

    def rename(self, first: str, last: str) -> None:
        self.first, self.last = first, last


@dataclass
class Contact:
    name: str
    address: Address
    phone: str
    company: str = ""


@dataclass
class Order:
    record: Record
    account: Account
    created: datetime
    email: str
    billing: Contact
    shipping: Contact
    lines: list[tuple[Product, int]]
    source: str = "web"
    tags: str = ""
    note_attributes: str = ""
    number: int = 0

    def rename(self, first: str, last: str) -> None:
        if self.shipping.name == self.billing.name:
            self.shipping.name = f"{first} {last}".strip()
        self.billing.name = f"{first} {last}".strip()

    @property
    def subtotal(self) -> Decimal:
        return sum((product.price * quantity for product, quantity in self.lines), Decimal("0"))

    @property
    def shipping_price(self) -> Decimal:
        return Decimal("0.00") if self.subtotal >= 75 else Decimal("7.95")

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * self.shipping.address.city.tax).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_price + self.tax


@dataclass
class Profile:
    """A Klaviyo profile (one per e-mail, one per phone)."""

    record: Record
    email: str
    phone: str | None
    first: str
    last: str
    created: datetime
    source: str
    address: Address | None = None
    organization: str = ""

    def rename(self, first: str, last: str) -> None:
        self.first, self.last = first, last


@dataclass
class ZendeskUser:
    """A Zendesk end user (one per e-mail), known from the tickets export as a requester."""

    record: Record
    name: str
    email: str
    organization: str = ""

    def rename(self, first: str, last: str) -> None:
        self.name = f"{first} {last}".strip()


@dataclass
class Ticket:
    user: ZendeskUser
    created: datetime
    subject: str
    reference: Order | str | None = None
    via: str = "Mail"
    id: int = 0


@dataclass
class AmazonOrder:
    id: str
    created: datetime
    lines: list[tuple[Product, int]]
    address: Address
