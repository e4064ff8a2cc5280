"""Identity resolution on messy people written as the vendors' real export files: a second opinion.

Invents people and the mess real sellers' data has (gift orders, typos, nicknames, initials,
transposed names, diacritics, non-Latin names, households sharing an inbox or a landline, several
store accounts per person, business buyers, SMS-only profiles, support tickets tied to an order only
by its number, moves, marketplace relay e-mails, e-mail and phone spellings, namesakes), writes their
records in the layouts of the Shopify customers and orders exports, the Klaviyo profiles export, the
Zendesk tickets CSV export and Amazon's All Orders Report, runs ``cdw run --source drops`` on them
from an empty home, and scores ``marts.customer_source_map.customer_id`` against the truth kept apart:
pairwise precision and recall, overall, per phenomenon (the pairs involving at least one record
exhibiting it) and per system, next to the naive "same lower-cased trimmed e-mail" baseline.

It is independent of the demo generator (``demo/``) and of the benchmarks built on it: nothing here
reads them, so it does not share their assumptions about what people and their mess look like.

Scored records are those that carry identity in the export (an e-mail, phone, name or account):
Shopify customers and orders, Klaviyo profiles and Zendesk requesters. Amazon All Orders rows carry
none (no buyer e-mail, name or phone) and are left out. The truth is one row per record, keyed as
the warehouse keys it (``shopify/customer`` Customer ID, ``shopify/order`` Id, ``klaviyo/profile``
Klaviyo ID, ``zendesk/user`` Requester id), with its person and every phenomenon it exhibits
(``PHENOMENA``; all records of a person with none are ``clean``); it is written to ``truth.csv``
in the home, beside (never in) the landing folder. Loader rejections and quarantined rows are printed.

    .venv/bin/python benchmarks/export_people.py [--people 2000] [--seed 7] [--home DIR] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from core.settings import Paths  # noqa: E402

CDW = REPO_ROOT / ".venv" / "bin" / "cdw"
STORE_TZ = ZoneInfo("America/New_York")
FIRST_DAY = datetime(2024, 1, 2, tzinfo=UTC)
LAST_DAY = datetime(2026, 6, 20, tzinfo=UTC)
EXPORTED_AT = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
"""When the files were downloaded (their modification time): the customers export has no dates."""
AS_OF = "2026-07-01"

# -- vocabulary ---------------------------------------------------------------------------------
# fmt: off

NICKNAMES = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Betsy"),
    "Margaret": ("Peggy", "Maggie", "Meg"), "James": ("Jim", "Jimmy"), "Richard": ("Rick", "Dick", "Rich"),
    "Katherine": ("Kate", "Katie", "Kathy"), "Michael": ("Mike",), "Jennifer": ("Jen", "Jenny"),
    "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"), "Joseph": ("Joe",),
    "Patricia": ("Pat", "Patty", "Trish"), "Anthony": ("Tony",), "Susan": ("Sue", "Suzy"),
    "Edward": ("Ed", "Ted", "Eddie"), "Alexander": ("Alex",), "Rebecca": ("Becky",), "Jonathan": ("Jon",),
    "Deborah": ("Deb", "Debbie"), "Nicholas": ("Nick",), "Samantha": ("Sam",), "Victoria": ("Vicky", "Tori"),
    "Charles": ("Charlie", "Chuck"), "Andrew": ("Andy", "Drew"), "Matthew": ("Matt",), "Benjamin": ("Ben",),
    "Abigail": ("Abby",), "Theodore": ("Teddy", "Theo"), "Gregory": ("Greg",), "Timothy": ("Tim",),
    "Steven": ("Steve",), "Douglas": ("Doug",), "Cynthia": ("Cindy",), "Kimberly": ("Kim",),
}
FIRST_NAMES = (*NICKNAMES, "Emily", "Olivia", "Sophia", "Ava", "Mia", "Noah", "Liam", "Ethan", "Lucas", "Grace",
               "Chloe", "Hannah", "Aiden", "Maya", "Nora", "Leah", "Ryan", "Kevin", "Jason", "Laura", "Sarah", "Rachel",
               "Megan", "Tyler", "Brandon", "Priya", "Arjun", "Aisha", "Omar", "Mateo", "Diego", "Camila", "Lucia",
               "Kwame", "Amara", "Paul", "Mark", "Linda", "Karen", "Nancy", "Lisa", "Brian", "Eric")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
              "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson",
              "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
              "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
              "Mitchell", "Carter", "Roberts", "Patel", "Shah", "Kim", "Park", "Okafor", "O'Brien", "McAllister",
              "Kowalski", "Novak", "Schmidt", "Rossi", "Fischer", "Cohen", "Murphy", "Sullivan", "Kelly", "Hughes",
              "Bennett", "Barnes", "Henderson", "Coleman", "Jenkins", "Powell", "Patterson", "Foster", "Bryant",
              "Griffin", "Hayes", "Myers", "Hamilton", "Graham", "Wallace", "Reynolds", "Fisher", "Ellis", "Gibson",
              "Marshall", "Ortiz", "Murray", "Freeman", "Webb", "Tucker", "Porter", "Hunter", "Crawford", "Boyd",
              "Kennedy", "Warren", "Dixon", "Burns", "Gordon", "Holmes", "Palmer", "Knight", "Ferguson", "Hawkins",
              "Hudson", "Spencer", "Gardner", "Payne", "Pierce", "Arnold", "Wagner", "Olson", "Snyder", "Harper")
COMMON_NAMES = (("Michael", "Smith"), ("Maria", "Garcia"), ("James", "Johnson"), ("David", "Lee"),
                ("Jennifer", "Brown"), ("John", "Williams"), ("Robert", "Jones"), ("Linda", "Martinez"),
                ("Sarah", "Miller"), ("Chris", "Davis"), ("Jessica", "Wilson"), ("Daniel", "Nguyen"))
DIACRITIC_FIRST = ("José", "Zoë", "François", "Renée", "Björn", "Chloë", "Inés", "André", "Jürgen", "Łukasz", "Noël",
                   "Søren", "Agnès", "Hélène", "Mónica", "Raúl", "Anaïs", "Ángel", "Jérôme", "Małgorzata")
DIACRITIC_LAST = ("García", "Müller", "Lefèvre", "Åström", "Muñoz", "Peña", "Gonçalves", "Weiß", "Wójcik", "Dvořák",
                  "Brontë", "Sánchez", "Jiménez", "Núñez", "Østergaard", "Schröder", "Bernabé", "Gómez", "Köhler")
NON_LATIN = (  # (first, last) in their own script, then the Latin spellings other systems hold
    ("伟", "王", ("Wei",), ("Wang",)), ("娜", "李", ("Na",), ("Li", "Lee")), ("敏", "张", ("Min",), ("Zhang", "Chang")),
    ("洋", "刘", ("Yang",), ("Liu",)), ("静", "陈", ("Jing",), ("Chen",)), ("磊", "杨", ("Lei",), ("Yang",)),
    ("丽", "赵", ("Li",), ("Zhao", "Chao")), ("涛", "黄", ("Tao",), ("Huang",)), ("芳", "吴", ("Fang",), ("Wu",)),
    ("Дмитрий", "Иванов", ("Dmitry", "Dmitriy", "Dmitrii"), ("Ivanov",)),
    ("Ольга", "Смирнова", ("Olga",), ("Smirnova",)), ("Сергей", "Кузнецов", ("Sergey", "Sergei"), ("Kuznetsov",)),
    ("Наталья", "Попова", ("Natalya", "Natalia"), ("Popova",)),
    ("Алексей", "Соколов", ("Alexey", "Aleksei", "Alexei"), ("Sokolov",)),
    ("Екатерина", "Морозова", ("Ekaterina", "Yekaterina"), ("Morozova",)),
    ("健", "佐藤", ("Ken",), ("Sato",)), ("由美", "鈴木", ("Yumi",), ("Suzuki",)),
    ("민준", "김", ("Minjun", "Min-jun"), ("Kim",)),
    ("Γιώργος", "Παπαδόπουλος", ("Giorgos", "George"), ("Papadopoulos",)),
)
GERMAN_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
PLAIN_FOLD = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae"})


class City(NamedTuple):
    name: str
    state: str
    state_name: str
    zip3: str
    area_codes: tuple[str, ...]
    tax: Decimal


CITIES = (
    City("San Francisco", "CA", "California", "941", ("415", "628"), Decimal("0.08625")),
    City("Los Angeles", "CA", "California", "900", ("213", "310", "323"), Decimal("0.095")),
    City("Brooklyn", "NY", "New York", "112", ("718", "347"), Decimal("0.08875")),
    City("New York", "NY", "New York", "100", ("212", "646"), Decimal("0.08875")),
    City("Chicago", "IL", "Illinois", "606", ("312", "773"), Decimal("0.1025")),
    City("Austin", "TX", "Texas", "787", ("512", "737"), Decimal("0.0825")),
    City("Houston", "TX", "Texas", "770", ("713", "832"), Decimal("0.0825")),
    City("Seattle", "WA", "Washington", "981", ("206",), Decimal("0.1025")),
    City("Portland", "OR", "Oregon", "972", ("503", "971"), Decimal("0")),
    City("Denver", "CO", "Colorado", "802", ("303", "720"), Decimal("0.0881")),
    City("Boston", "MA", "Massachusetts", "021", ("617", "857"), Decimal("0.0625")),
    City("Atlanta", "GA", "Georgia", "303", ("404", "678"), Decimal("0.089")),
    City("Miami", "FL", "Florida", "331", ("305", "786"), Decimal("0.07")),
    City("Phoenix", "AZ", "Arizona", "850", ("602", "480"), Decimal("0.086")),
    City("Minneapolis", "MN", "Minnesota", "554", ("612",), Decimal("0.08025")),
    City("Philadelphia", "PA", "Pennsylvania", "191", ("215", "267"), Decimal("0.08")),
    City("Nashville", "TN", "Tennessee", "372", ("615", "629"), Decimal("0.0925")),
    City("Raleigh", "NC", "North Carolina", "276", ("919", "984"), Decimal("0.0725")),
)
STREETS = ("Oak St", "Maple Ave", "Pine Ridge Rd", "Elm St", "Cedar Ln", "Washington Blvd", "Lake Shore Dr",
           "Hampshire St", "Sunset Blvd", "Mission St", "Valencia St", "Park Ave", "Broadway", "Main St", "2nd Ave",
           "Highland Ave", "Franklin St", "Grove St", "Walnut St", "Chestnut St", "Willow Way", "Magnolia Dr",
           "Hillcrest Rd", "River Rd", "Spring St", "Lincoln Ave", "Jefferson St", "Church St", "Prospect Pl")
PERSONAL_DOMAINS = (("gmail.com", 45), ("yahoo.com", 12), ("icloud.com", 10), ("outlook.com", 8),
                    ("hotmail.com", 8), ("aol.com", 3), ("comcast.net", 3), ("me.com", 2), ("protonmail.com", 2))
DOMAIN_TYPOS = {"gmail.com": ("gmial.com", "gmail.co", "gnail.com", "gmail.con"), "yahoo.com": ("yaho.com", "yahoo.co"),
                "icloud.com": ("icloud.co", "iclod.com"), "outlook.com": ("outlok.com",),
                "hotmail.com": ("hotmal.com",)}
COMPANY_WORDS = (("Summit", "Dental Supply"), ("Harbor", "Physical Therapy"), ("Cedar", "Architects"),
                 ("Blue Fern", "Landscaping"), ("Northgate", "Veterinary"), ("Brightline", "Events"),
                 ("Ironwood", "Construction"), ("Copper Kettle", "Cafe"), ("Meridian", "Law Group"),
                 ("Redtail", "Outfitters"), ("Lakeside", "Montessori"), ("Granite", "Property Management"))
SHARED_INBOXES = ("orders", "purchasing", "office", "accounts", "admin", "info")


class Product(NamedTuple):
    sku: str
    name: str
    price: Decimal
    asin: str


PRODUCTS = tuple(Product(sku, name, Decimal(price), asin) for sku, name, price, asin in (
    ("SOCK-MER-CH-M", "Merino Crew Sock - Charcoal / M", "14.00", "B0C7K5T1LD"),
    ("SOCK-MER-3P-M", "Merino Crew Sock 3-Pack - M", "39.98", "B0C7K5T2LF"),
    ("CAP-TRL-OLV", "Trail Runner Cap - Olive", "26.00", "B0C7K6A9QT"),
    ("RAIN-PCK-NV-L", "Packable Rain Jacket - Navy / L", "80.00", "B0C7K6B2RM"),
    ("RAIN-PCK-BK-M", "Packable Rain Jacket - Black / M", "80.00", "B0C7K6B3RN"),
    ("TOTE-CNV-NAT", "Canvas Tote - Natural", "22.00", "B0C7K8W3NA"),
    ("OUT-115-L", "Ridgeline Softshell Jacket - L", "89.99", "B0C7K2M9QZ"),
    ("FLC-QZ-GRY-S", "Quarter-Zip Fleece - Grey / S", "64.00", "B0C7K9D4FS"),
    ("BNE-WL-RST", "Wool Beanie - Rust", "28.00", "B0C7K9E7BR"),
    ("BTL-INS-750", "Insulated Bottle 750 ml", "32.00", "B0C7KA1V75"),
    ("GLV-LNR-M", "Liner Gloves - M", "19.50", "B0C7KA3GLM"),
    ("PCK-DAY-22", "Daypack 22 L - Slate", "110.00", "B0C7KB2DP2"),
))
TICKET_SUBJECTS = ("Question about sizing", "Discount code not working", "Do you ship to Canada?",
                   "Product question", "Restock date for the rain jacket?", "Care instructions for merino",
                   "Wholesale inquiry", "Return policy")
ORDER_SUBJECTS = ("Where is my order #{n}?", "Order {n} arrived damaged", "Re: Your order #{n} has shipped",
                  "Wrong size in order #{n}", "Please cancel order {n}, I ordered twice",
                  "Return request - order no. {n}", "Missing item from my order #{n}", "#{n} never arrived",
                  "Exchange for order # {n}", "order{n} question")
"""Subjects quoting a store order number (``{n}``), spelt as customers write it."""
AGENTS = ("Luis Ortega", "Priya Nair", "Dana Kim", "Marcus Bell")

PHENOMENA = ("clean", "gift_order", "name_typo", "nickname", "initials", "swapped_names", "diacritics",
             "non_latin", "household_inbox", "household_landline", "multi_account", "email_plus_tag",
             "gmail_dots", "email_typo", "business_shared_inbox", "business_personal", "sms_only",
             "ticket_order_ref", "moved_address", "relay_email", "email_case_space", "phone_format", "namesake")
NAME_KINDS = (("", 70), ("name_typo", 6), ("nickname", 6), ("initials", 5), ("swapped_names", 4),
              ("diacritics", 4.5), ("non_latin", 4.5))
"""How a single person's name varies across their records (weights)."""
TRAITS = (("multi_account", 0.07), ("business_personal", 0.04), ("sms_only", 0.06), ("ticket_order_ref", 0.06),
          ("moved_address", 0.06), ("relay_email", 0.05), ("email_case_space", 0.06), ("gift_order", 0.08))
"""Independent traits of a single person (probability each)."""

# fmt: on


# -- the people and their records ---------------------------------------------------------------


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


def fold(text: str, german: bool = False) -> str:
    """``text`` without diacritics (``Müller`` -> ``Muller``, or ``Mueller`` the German way)."""
    if german:
        text = text.translate(GERMAN_FOLD)
    decomposed = unicodedata.normalize("NFKD", text.translate(PLAIN_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def e164(digits: str) -> str:
    return f"+1{digits}"


def spell_phone(digits: str, style: int) -> str:
    """A 10-digit US number the ways people type it at checkout (style 0 is E.164)."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return (
        e164(digits),
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"+1 {area} {exchange} {line}",
        f"+1 {area}-{exchange}-{line}",
        digits,
        f"1-{area}-{exchange}-{line}",
    )[style]


def normal_email(email: str | None) -> str:
    return (email or "").strip().lower()


def mailbox(email: str) -> str:
    """The inbox an address delivers to: no ``+tag``, and Gmail ignores dots (no two people share one)."""
    local, _, domain = normal_email(email).partition("@")
    local = local.split("+")[0]
    return f"{local.replace('.', '') if domain == 'gmail.com' else local}@{domain}"


class World:
    """Everything generated so far, with the vendors' uniqueness rules (one account per e-mail, ...)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.records: list[Record] = []
        self.accounts: dict[str, Account] = {}
        self.orders: list[Order] = []
        self.profiles: list[Profile] = []
        self.klaviyo_keys: set[str] = set()
        self.zendesk_users: dict[str, ZendeskUser] = {}
        self.tickets: list[Ticket] = []
        self.amazon_orders: list[AmazonOrder] = []
        self.taken: set[str] = set()
        self.shopify_phones: set[str] = set()
        self.shared: dict[str, str] = {}
        """Shared e-mails and phones -> the phenomenon a record carrying one exhibits."""
        self.next_customer_id = 7390187700000
        self.next_user_id = 28734500000

    # -- values

    def moment(self, low: datetime = FIRST_DAY, high: datetime = LAST_DAY) -> datetime:
        return low + timedelta(seconds=int(self.rng.random() * (high - low).total_seconds()))

    def address(self, city: City | None = None) -> Address:
        rng = self.rng
        city = city or rng.choice(CITIES)
        unit = rng.choice(("", "", "", f"Apt {rng.randint(1, 30)}", f"Unit {rng.randint(100, 999)}", "#2"))
        return Address(
            f"{rng.randint(10, 9899)} {rng.choice(STREETS)}", unit, city, f"{city.zip3}{rng.randint(1, 99):02d}"
        )

    def phone(self, city: City) -> str:
        while True:
            exchange = self.rng.randint(200, 999)
            digits = f"{self.rng.choice(city.area_codes)}{exchange}{self.rng.randint(0, 9999):04d}"
            if exchange % 100 != 11 and digits not in self.taken:
                self.taken.add(digits)
                return digits

    def unique_email(self, local: str, domain: str) -> str:
        local = "".join(c for c in fold(local).lower() if c.isalnum() or c in "._+")
        email, n = f"{local}@{domain}", 1
        while mailbox(email) in self.taken:
            n += 1
            email = f"{local}{self.rng.randint(2, 99) if n < 5 else n}@{domain}"
        self.taken.add(mailbox(email))
        return email

    def personal_email(self, first: str, last: str) -> str:
        rng = self.rng
        domain = rng.choices([d for d, _ in PERSONAL_DOMAINS], [w for _, w in PERSONAL_DOMAINS])[0]
        last = last.replace("'", "").replace(" ", "")
        local = rng.choice(
            (
                f"{first}.{last}",
                f"{first}{last}",
                f"{first[0]}{last}",
                f"{first}_{last}",
                f"{first}{last}{rng.randint(1, 99)}",
                f"{first}.{last[0]}{rng.randint(70, 99)}",
            )
        )
        return self.unique_email(local, domain)

    def typed_phone(self, digits: str, record: Record) -> str:
        """The phone as a shopper types it; the record shows ``phone_format`` unless it is E.164."""
        style = 0 if self.rng.random() < 0.6 else self.rng.randint(1, 7)
        if style:
            record.tags.add("phone_format")
        self.note_shared(record, digits)
        return spell_phone(digits, style)

    def note_shared(self, record: Record, value: str | None) -> None:
        tag = self.shared.get(normal_email(value))
        if tag:
            record.tags.add(tag)

    def person(
        self,
        first: str | None = None,
        last: str | None = None,
        home: Address | None = None,
        city: City | None = None,
        name_kind: str = "",
    ) -> Person:
        rng = self.rng
        native = latin = None
        if name_kind == "diacritics":
            first, last = rng.choice(DIACRITIC_FIRST), rng.choice(DIACRITIC_LAST)
        elif name_kind == "non_latin":
            native_first, native_last, firsts, lasts = rng.choice(NON_LATIN)
            native, latin = (native_first, native_last), (firsts, lasts)
            first, last = firsts[0], lasts[0]
        elif name_kind == "nickname":
            first = rng.choice(list(NICKNAMES))
        first = first or rng.choice(FIRST_NAMES)
        last = last or rng.choice(LAST_NAMES)
        home = home or self.address(city)
        mobile = self.phone(home.city) if rng.random() < 0.85 else None
        person = Person(
            len(self.people), first, last, self.personal_email(first, last), mobile, home, native, latin=latin
        )
        self.people.append(person)
        return person

    def company(self) -> Company:
        rng = self.rng
        word, trade = rng.choice(COMPANY_WORDS)
        suffix = rng.choice(("", " LLC", " Inc.", " Co."))
        base = f"{word}{trade.split()[0]}".replace(" ", "").lower()
        domain, n = f"{base}.com", 1
        while domain in self.taken:
            n += 1
            domain = f"{base}{n}.com"
        self.taken.add(domain)
        office = self.address()
        office.unit = rng.choice(("Suite 100", "Suite 210", "Floor 3", ""))
        return Company(f"{word} {trade}{suffix}", domain, office, self.phone(office.city))

    # -- records

    def record(self, system: str, entity: str, pid: int, email: str | None) -> Record:
        record = Record(system, entity, pid, email)
        self.note_shared(record, email)
        self.records.append(record)
        return record

    def account(
        self,
        owner: Person,
        email: str,
        address: Address | None,
        phone: str | None = None,
        address_phone: str | None = None,
        company: str = "",
        tags: str = "",
    ) -> Account:
        """The Shopify customer of ``email`` (an existing one when the e-mail already has an account)."""
        if normal_email(email) in self.accounts:
            return self.accounts[normal_email(email)]
        record = self.record("shopify", "customer", owner.pid, email)
        record.key = str(self.next_customer_id)
        self.next_customer_id += self.rng.randint(2_000, 900_000)
        if phone in self.shopify_phones:
            phone = None
        if phone:
            self.shopify_phones.add(phone)
            self.note_shared(record, phone)
        spelt = self.typed_phone(address_phone, record) if address_phone and address else ""
        account = Account(
            record,
            owner.first,
            owner.last,
            email,
            phone,
            address,
            spelt,
            company,
            accepts_email=self.rng.random() < 0.6,
            accepts_sms=bool(phone) and self.rng.random() < 0.3,
            tags=tags,
        )
        self.accounts[normal_email(email)] = account
        return account

    def order(
        self,
        account: Account,
        buyer: Person,
        created: datetime,
        address: Address,
        phone: str | None,
        company: str = "",
        name: tuple[str, str] | None = None,
        products: list[tuple[Product, int]] | None = None,
    ) -> Order:
        """An order of ``account`` placed by ``buyer``, billed and shipped to ``address``."""
        rng = self.rng
        record = self.record("shopify", "order", buyer.pid, account.email)
        first, last = name or (
            (account.first, account.last) if buyer.pid == account.record.pid else (buyer.first, buyer.last)
        )
        spelt = self.typed_phone(phone, record) if phone else ""
        billing = Contact(f"{first} {last}".strip(), address, spelt, company)
        lines = products or [(p, rng.choice((1, 1, 1, 2))) for p in rng.sample(PRODUCTS, rng.choice((1, 1, 2, 3)))]
        order = Order(record, account, created, account.email, billing, Contact(**vars(billing)), lines)
        account.orders.append(order)
        self.orders.append(order)
        return order

    def profile(
        self,
        person: Person,
        email: str,
        phone: str | None,
        created: datetime,
        source: str = "Shopify",
        address: Address | None = None,
        organization: str = "",
        name: tuple[str, str] | None = None,
    ) -> Profile | None:
        """A Klaviyo profile, unless Klaviyo already holds the e-mail (its phone is dropped if held)."""
        if email and normal_email(email) in self.klaviyo_keys:
            return None
        if phone in self.klaviyo_keys:
            phone = None
        if not email and not phone:
            return None
        record = self.record("klaviyo", "profile", person.pid, email or None)
        if phone:
            self.note_shared(record, phone)
        self.klaviyo_keys.update(k for k in (normal_email(email), phone) if k)
        first, last = name or (person.first, person.last)
        profile = Profile(record, email, phone, first, last, created, source, address, organization)
        record.key = ulid(self.rng, created)
        self.profiles.append(profile)
        return profile

    def ticket(
        self,
        person: Person,
        email: str,
        created: datetime,
        subject: str,
        reference: Order | str | None = None,
        organization: str = "",
        name: str | None = None,
    ) -> ZendeskUser:
        """A ticket from ``email``; its requester is the Zendesk user of that e-mail (created on first contact)."""
        user = self.zendesk_users.get(normal_email(email))
        if user is None:
            record = self.record("zendesk", "user", person.pid, email)
            record.key = str(self.next_user_id)
            self.next_user_id += self.rng.randint(5, 40_000)
            user = ZendeskUser(record, name or f"{person.first} {person.last}", email, organization)
            self.zendesk_users[normal_email(email)] = user
        via = self.rng.choice(("Mail", "Mail", "Web Form", "Chat"))
        self.tickets.append(Ticket(user, created, subject, reference, via))
        return user

    def amazon_order(self, person: Person, created: datetime) -> AmazonOrder:
        rng = self.rng
        order_id = f"{rng.choice((111, 112, 113, 114))}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
        lines = [(p, 1) for p in rng.sample(PRODUCTS, rng.choice((1, 1, 2)))]
        order = AmazonOrder(order_id, created, lines, person.home)
        self.amazon_orders.append(order)
        return order

    def finish(self) -> None:
        """Order numbers and ids in time order, as Shopify issues them; ticket ids likewise."""
        order_id = 5512345600000
        for number, order in enumerate(sorted(self.orders, key=lambda o: o.created), start=1001):
            order_id += self.rng.randint(1_000, 5_000_000)
            order.number, order.record.key = number, str(order_id)
        for number, ticket in enumerate(sorted(self.tickets, key=lambda t: t.created), start=10241):
            ticket.id = number
        tagged = {r.pid for r in self.records if r.tags}
        for record in self.records:
            if record.pid not in tagged:
                record.tags.add("clean")


def ulid(rng: random.Random, moment: datetime) -> str:
    """A Klaviyo ID: a 26-character ULID (48-bit milliseconds, then 80 random bits, Crockford base 32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    millis = int(moment.timestamp() * 1000)
    return "".join(alphabet[(millis >> (5 * i)) & 31] for i in reversed(range(10))) + "".join(
        rng.choice(alphabet) for _ in range(16)
    )


# -- name and e-mail variants --------------------------------------------------------------------


def typo(rng: random.Random, name: str) -> str:
    """Two letters swapped (``Paul`` -> ``Palu``), one dropped or one doubled; never the first letter."""
    spots = [
        i for i in range(1, len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha() and name[i] != name[i + 1]
    ]
    if not spots:
        return name + name[-1]
    i = rng.choice(spots)
    return rng.choice(
        (name[:i] + name[i + 1] + name[i] + name[i + 2 :], name[:i] + name[i + 1 :], name[:i] + name[i] + name[i:])
    )


def name_variant(rng: random.Random, person: Person, kind: str) -> tuple[str, str]:
    first, last = person.first, person.last
    if kind == "name_typo":
        return (typo(rng, first), last) if rng.random() < 0.6 else (first, typo(rng, last))
    if kind == "nickname":
        return rng.choice(NICKNAMES[first]), last
    if kind == "initials":
        return rng.choice(((f"{first[0]}.", last), (first[0], last), (first, f"{last[0]}.")))
    if kind == "swapped_names":
        return last, first
    if kind == "diacritics":
        german = rng.random() < 0.4
        return fold(first, german), fold(last, german)
    assert kind == "non_latin" and person.native
    native_first, native_last = person.native
    whole = f"{native_last}{native_first}" if native_last[0] > "\u2e80" else f"{native_last} {native_first}"
    return rng.choice(((native_first, native_last), (whole, "")))


def email_variant(rng: random.Random, email: str, kind: str) -> str:
    local, domain = email.split("@")
    if kind == "email_plus_tag":
        return f"{local}+{rng.choice(('shop', 'ridgeline', 'orders', 'promo'))}@{domain}"
    if kind == "gmail_dots":
        dotless = local.replace(".", "")
        return f"{dotless}@{domain}" if dotless != local else f"{local[:2]}.{local[2:]}@{domain}"
    if domain in DOMAIN_TYPOS and rng.random() < 0.7:
        return f"{local}@{rng.choice(DOMAIN_TYPOS[domain])}"
    return f"{typo(rng, local)}@{domain}"


def case_or_space(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        (f"{local.title()}@{domain.title()}", email.upper(), f"{local.capitalize()}@{domain}", f"{email} ", f" {email}")
    )


# -- footprints -----------------------------------------------------------------------------------


def order_dates(w: World, count: int) -> list[datetime]:
    first = w.moment(high=LAST_DAY - timedelta(days=60))
    return sorted([first, *(w.moment(first) for _ in range(count - 1))])


def contact_phone(w: World, person: Person) -> str | None:
    if person.landline and (not person.mobile or w.rng.random() < 0.5):
        return person.landline
    return person.mobile


def gift_recipient(w: World, buyer: Person) -> Contact:
    """Someone else: another customer (at their address, with their phone) or a stranger to the store."""
    rng = w.rng
    known = [p for p in w.people[-400:] if p.pid != buyer.pid and p.mobile]
    if known and rng.random() < 0.5:
        other = rng.choice(known)
        return Contact(f"{other.first} {other.last}", other.home, spell_phone(other.mobile, rng.randint(0, 7)))
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Contact(f"{first} {last}", w.address(), spell_phone(w.phone(buyer.home.city), rng.randint(0, 3)))


def side_accounts(w: World, person: Person, kinds: Iterable[str], dates: list[datetime]) -> None:
    """Further store accounts of one person under variants of their e-mail, each with an order or two."""
    for kind in kinds:
        email = email_variant(w.rng, person.email, kind)
        if normal_email(email) in w.accounts:
            continue
        since = len(w.records)
        account = w.account(person, email, person.home, address_phone=contact_phone(w, person))
        for when in w.rng.sample(dates, min(len(dates), w.rng.choice((1, 1, 2)))):
            w.order(
                account, person, when + timedelta(hours=w.rng.randint(1, 900)), person.home, contact_phone(w, person)
            )
        if w.rng.random() < 0.5:
            w.profile(person, email, None, dates[0], address=person.home)
        tag_new(w, since, kind)
        tag_new(w, since, "multi_account")


def tag_new(w: World, since: int, tag: str, pids: set[int] | None = None) -> None:
    for record in w.records[since:]:
        if pids is None or record.pid in pids:
            record.tags.add(tag)


def consumer(w: World, p: Person, traits: frozenset[str] = frozenset(), name_kind: str = "") -> None:
    """One person's records in the four systems, shaped by their traits."""
    rng = w.rng
    if not traits and not name_kind and rng.random() < 0.07:  # a newsletter subscriber who never ordered
        w.profile(p, p.email, None, w.moment(), source="Popup: Welcome 10% off")
        return
    count = rng.choices((0, 1, 2, 3, 4, 5), (4, 36, 24, 16, 11, 9))[0]
    if traits & {"moved_address", "gift_order", "ticket_order_ref", "email_case_space", "sms_only"}:
        count = max(count, 2)
    dates = order_dates(w, max(count, 1))
    old_home, move = (
        (w.address(rng.choice((p.home.city, rng.choice(CITIES)))), dates[len(dates) // 2])
        if "moved_address" in traits
        else (None, dates[0])
    )
    old_mobile = w.phone(old_home.city) if old_home and p.mobile and rng.random() < 0.3 else p.mobile
    sms_only = "sms_only" in traits and p.mobile is not None
    account_phone = None if sms_only or rng.random() < 0.4 else (p.mobile or p.landline)
    main = w.account(p, p.email, p.home, phone=account_phone, address_phone=None if sms_only else contact_phone(w, p))
    for when in dates[:count]:
        moved = old_home is not None and when < move
        order = w.order(main, p, when, old_home if moved else p.home, old_mobile if moved else contact_phone(w, p))
        if moved:
            order.record.tags.add("moved_address")
    orders = list(main.orders)
    carriers: list[Account | Order | Profile | ZendeskUser] = [main, *orders]
    if "gift_order" in traits and orders:
        gift = rng.choice(orders)
        gift.shipping = gift_recipient(w, p)
        gift.note_attributes = rng.choice(("gift_message: Happy birthday!", "gift_wrap: yes", ""))
        gift.record.tags.add("gift_order")
        carriers.remove(gift)
    if "email_case_space" in traits and orders:
        order = rng.choice(orders)
        order.email = case_or_space(rng, order.email)
        order.record.email = order.email
        order.record.tags.add("email_case_space")
    if rng.random() < 0.7 or sms_only:
        moved_profile = old_home is not None and rng.random() < 0.5
        synced = w.profile(
            p, p.email, None if sms_only else main.phone, dates[0], address=old_home if moved_profile else p.home
        )
        if synced:
            carriers.append(synced)
            if moved_profile:
                synced.record.tags.add("moved_address")
    if sms_only:
        sms = w.profile(
            p,
            "",
            p.mobile,
            w.moment(dates[0]),
            source="SMS Signup Popup",
            name=(p.first if rng.random() < 0.5 else "", ""),
        )
        if sms:
            sms.record.tags.add("sms_only")
            if not any(o.billing.phone or o.shipping.phone for o in orders):
                orders[0].billing.phone = orders[0].shipping.phone = spell_phone(p.mobile, rng.randint(0, 7))
    if "multi_account" in traits:
        kinds = ["email_plus_tag", "email_typo"] + (["gmail_dots"] if p.email.endswith("@gmail.com") else [])
        side_accounts(w, p, rng.sample(kinds, rng.choice((1, 1, 2))), dates)
        main.record.tags.add("multi_account")
    if "business_personal" in traits:
        business_account(w, p, dates, main)
    if "relay_email" in traits:
        relay_buyer(w, p)
    if "ticket_order_ref" in traits and orders:
        other = w.personal_email(p.first, p.last)
        user = w.ticket(
            p, other, w.moment(rng.choice(orders).created), rng.choice(ORDER_SUBJECTS), reference=rng.choice(orders)
        )
        user.record.tags.add("ticket_order_ref")
    if rng.random() < 0.15:
        reference = rng.choice(orders) if orders and rng.random() < 0.6 else None
        subject = rng.choice(ORDER_SUBJECTS if reference else TICKET_SUBJECTS)
        carriers.append(w.ticket(p, p.email, w.moment(dates[0]), subject, reference))
    if rng.random() < 0.1:
        for when in rng.sample(dates, 1):
            w.amazon_order(p, when + timedelta(days=rng.randint(1, 30)))
    if name_kind:
        vary_names(w, p, name_kind, carriers)


def vary_names(w: World, p: Person, kind: str, carriers: list[Account | Order | Profile | ZendeskUser]) -> None:
    """One record holds the name another way; sometimes a further profile, tied to the person by phone only."""
    rng = w.rng
    first, last = name_variant(rng, p, kind)
    if kind == "non_latin" and p.latin:
        latin_first, latin_last = rng.choice(p.latin[0]), rng.choice(p.latin[1])
        for carrier in carriers:
            carrier.rename(latin_first, latin_last)
    if p.mobile and p.mobile not in w.klaviyo_keys and rng.random() < 0.3:
        other = w.personal_email(fold(p.first), fold(p.last))
        extra = w.profile(p, other, p.mobile, w.moment(), source="Klaviyo Form", name=(first, last))
        if extra:
            extra.record.tags.add(kind)
            return
    carrier = rng.choice(carriers)
    carrier.rename(first, last)
    carrier.record.tags.add(kind)


def business_account(w: World, p: Person, dates: list[datetime], personal: Account) -> None:
    """The same buyer's company account: work e-mail, company, office address and phone."""
    rng = w.rng
    company = w.company()
    email = w.unique_email(rng.choice((p.first, f"{p.first}.{p.last}", f"{p.first[0]}{p.last}")), company.domain)
    account = w.account(
        p, email, company.office, phone=None, address_phone=company.phone, company=company.name, tags="wholesale"
    )
    since = len(w.records) - 1
    for when in rng.sample(dates, min(len(dates), rng.choice((1, 2)))):
        w.order(
            account,
            p,
            when + timedelta(days=rng.randint(1, 20)),
            company.office,
            rng.choice((company.phone, p.mobile or company.phone)),
            company=company.name,
        )
    if rng.random() < 0.5:
        w.profile(p, email, None, dates[0], address=company.office, organization=company.name)
    tag_new(w, since, "business_personal")
    personal.record.tags.add("business_personal")
    for order in personal.orders:
        order.record.tags.add("business_personal")


def relay_buyer(w: World, p: Person) -> None:
    """Amazon orders imported into the store under Amazon's relay e-mail, and messages from it in Zendesk."""
    rng = w.rng
    relay = w.unique_email(
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(15)), "marketplace.amazon.com"
    )
    since = len(w.records)
    account = w.account(p, relay, p.home, tags="Amazon")
    for _ in range(rng.choice((1, 1, 2))):
        amazon = w.amazon_order(p, w.moment())
        phone = p.mobile if p.mobile and rng.random() < 0.5 else None
        order = w.order(account, p, amazon.created, p.home, phone, products=amazon.lines)
        order.source, order.tags = "Marketplace Connect", "Amazon, Marketplace Connect"
        order.note_attributes = f"Amazon Order Id: {amazon.id}"
        if rng.random() < 0.5:
            subject = f"Inquiry from Amazon customer {p.first} {p.last} (Order: {{n}})"
            w.ticket(p, relay, amazon.created + timedelta(days=rng.randint(2, 12)), subject, reference=amazon.id)
    tag_new(w, since, "relay_email")


def single(w: World) -> list[Person]:
    rng = w.rng
    name_kind = rng.choices([k for k, _ in NAME_KINDS], [n for _, n in NAME_KINDS])[0]
    person = w.person(name_kind=name_kind)
    consumer(w, person, frozenset(t for t, chance in TRAITS if rng.random() < chance), name_kind)
    return [person]


def household_inbox(w: World) -> list[Person]:
    """Partners (and sometimes a grown child) buying through one family inbox, each perhaps with their own too."""
    rng = w.rng
    first = w.person()
    members = [first] + [
        w.person(last=first.last if rng.random() < 0.7 else None, home=first.home)
        for _ in range(rng.choice((1, 1, 1, 2)))
    ]
    shared = w.unique_email(
        rng.choice(
            (f"{first.last}family", f"the{first.last}s", f"{first.last}house", f"{first.first}and{members[1].first}")
        ),
        rng.choice(("gmail.com", "yahoo.com")),
    )
    w.shared[shared] = "household_inbox"
    if rng.random() < 0.4:
        first.landline = w.phone(first.home.city)
        w.shared[first.landline] = "household_landline"
        for member in members:
            member.landline = first.landline
    first.email = shared
    consumer(w, first)
    account = w.accounts.get(shared) or w.account(first, shared, first.home)
    for member in members[1:]:
        for when in order_dates(w, rng.choice((1, 2, 3))):
            w.order(account, member, when, first.home, contact_phone(w, member))
        if rng.random() < 0.3:
            w.ticket(member, shared, w.moment(), rng.choice(TICKET_SUBJECTS))
        if rng.random() < 0.5:
            consumer(w, member)
    return members


def household_landline(w: World) -> list[Person]:
    """People at one address sharing a landline, each with their own e-mail."""
    rng = w.rng
    first = w.person()
    shape = rng.choices(("same_last", "other_last", "same_first"), (5, 3, 2))[0]
    members = [first]
    for _ in range(rng.choice((1, 1, 1, 2))):
        members.append(
            w.person(
                first=first.first if shape == "same_first" else None,
                last=first.last if shape == "same_last" else None,
                home=first.home,
            )
        )
    landline = w.phone(first.home.city)
    w.shared[landline] = "household_landline"
    for member in members:
        member.landline = landline
        if rng.random() < 0.3:
            member.mobile = None
        consumer(w, member)
    return members


def business(w: World) -> list[Person]:
    """Colleagues ordering through the company's purchasing inbox, with the office phone."""
    rng = w.rng
    company = w.company()
    shared = w.unique_email(rng.choice(SHARED_INBOXES), company.domain)
    w.shared[shared] = w.shared[company.phone] = "business_shared_inbox"
    staff = [w.person(city=company.office.city) for _ in range(rng.choice((2, 2, 3, 4)))]
    account = w.account(
        staff[0],
        shared,
        company.office,
        phone=company.phone,
        address_phone=company.phone,
        company=company.name,
        tags="wholesale",
    )
    for colleague in staff:
        for when in order_dates(w, rng.choice((1, 2, 3))):
            phone = company.phone if rng.random() < 0.7 else colleague.mobile
            w.order(account, colleague, when, company.office, phone, company=company.name)
    if rng.random() < 0.6:
        w.profile(staff[0], shared, None, w.moment(), address=company.office, organization=company.name)
    for colleague in staff:
        work = w.unique_email(f"{colleague.first}.{colleague.last}", company.domain)
        if rng.random() < 0.4:
            w.profile(
                colleague,
                work,
                colleague.mobile,
                w.moment(),
                address=company.office,
                organization=company.name,
                source="Klaviyo Form",
            )
        if rng.random() < 0.3:
            reference = rng.choice(account.orders) if rng.random() < 0.5 else None
            w.ticket(
                colleague,
                work,
                w.moment(),
                rng.choice(ORDER_SUBJECTS if reference else TICKET_SUBJECTS),
                reference=reference,
                organization=company.name,
            )
        if rng.random() < 0.25:
            consumer(w, colleague)
    return staff


def namesakes(w: World) -> list[Person]:
    """Different people with one common name in one city."""
    first, last = w.rng.choice(COMMON_NAMES)
    city = w.rng.choice(CITIES)
    since = len(w.records)
    members = [w.person(first, last, city=city) for _ in range(w.rng.choice((2, 2, 2, 3)))]
    for member in members:
        consumer(w, member)
    tag_new(w, since, "namesake", {m.pid for m in members})
    return members


GROUPS: tuple[tuple[Callable[[World], list[Person]], float], ...] = (
    (single, 70),
    (household_inbox, 3),
    (household_landline, 4),
    (business, 2.5),
    (namesakes, 3),
)


def generate(people: int, seed: int) -> World:
    w = World(seed)
    builders, weights = zip(*GROUPS, strict=True)
    while len(w.people) < people:
        w.rng.choices(builders, weights)[0](w)
    w.finish()
    return w


# -- the vendors' export files --------------------------------------------------------------------

CUSTOMER_HEADINGS = (
    "Customer ID",
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
)
ORDER_HEADINGS = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Tax 1 Name",
    "Tax 1 Value",
    "Tax 2 Name",
    "Tax 2 Value",
    "Tax 3 Name",
    "Tax 3 Value",
    "Tax 4 Name",
    "Tax 4 Value",
    "Tax 5 Name",
    "Tax 5 Value",
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
)
PROFILE_HEADINGS = (
    "Email",
    "Phone Number",
    "First Name",
    "Last Name",
    "Organization",
    "Title",
    "Address",
    "Address 2",
    "City",
    "State / Region",
    "Country",
    "Zip Code",
    "Latitude",
    "Longitude",
    "Source",
    "IP Address",
    "Email Marketing Consent",
    "Email Marketing Consent Timestamp",
    "SMS Marketing Consent",
    "SMS Marketing Consent Timestamp",
    "First Active",
    "Last Active",
    "Profile Created On",
    "Date Added",
    "Last Open",
    "Last Click",
    "Klaviyo ID",
    "Shopify Tags",
)
TICKET_HEADINGS = (
    "Summation column",
    "Id",
    "Requester",
    "Requester id",
    "Requester external id",
    "Requester email",
    "Requester domain",
    "Submitter",
    "Assignee",
    "Group",
    "Subject",
    "Tags",
    "Status",
    "Priority",
    "Via",
    "Ticket type",
    "Created at",
    "Updated at",
    "Assigned at",
    "Organization",
    "Due date",
    "Initially assigned at",
    "Solved at",
    "Resolution time",
    "Satisfaction Score",
    "Group stations",
    "Assignee stations",
    "Reopens",
    "Replies",
    "First reply time in minutes",
    "First reply time in minutes within business hours",
    "First resolution time in minutes",
    "First resolution time in minutes within business hours",
    "Full resolution time in minutes",
    "Full resolution time in minutes within business hours",
    "Agent wait time in minutes",
    "Agent wait time in minutes within business hours",
    "Requester wait time in minutes",
    "Requester wait time in minutes within business hours",
    "On hold time in minutes",
    "On hold time in minutes within business hours",
)
AMAZON_HEADINGS = (
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
)
FILES = {
    "customers": "customers_export.csv",
    "orders": "orders_export_1.csv",
    "profiles": "klaviyo_profiles.csv",
    "tickets": "zendesk_tickets.csv",
    "amazon": "All Orders Report 2026-06-30.txt",
}


def guarded(value: str) -> str:
    """Shopify's apostrophe before ids and phones, so spreadsheets keep them as text."""
    return f"'{value}" if value else ""


def zip_text(value: str) -> str:
    return guarded(value) if value.startswith("0") else value


def store_time(moment: datetime) -> str:
    """Shopify's and Zendesk's admin-export spelling: ``2024-05-01 10:00:00 -0400`` (store time zone)."""
    return moment.astimezone(STORE_TZ).strftime("%Y-%m-%d %H:%M:%S %z")


def utc_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def street(address: Address) -> str:
    return f"{address.street}, {address.unit}" if address.unit else address.street


def customer_row(account: Account) -> dict[str, str]:
    address = account.address
    phone = e164(account.phone) if account.phone else ""
    account.record.label = f"{account.first} {account.last} | {account.email} | {phone or account.address_phone}"
    row = {
        "Customer ID": guarded(account.record.key),
        "First Name": account.first,
        "Last Name": account.last,
        "Email": account.email,
        "Accepts Email Marketing": yes(account.accepts_email),
        "Default Address Company": account.company,
        "Default Address Phone": guarded(account.address_phone),
        "Phone": guarded(phone),
        "Accepts SMS Marketing": yes(account.accepts_sms),
        "Total Spent": f"{sum((o.total for o in account.orders), Decimal('0')):.2f}",
        "Total Orders": str(len(account.orders)),
        "Tax Exempt": yes("wholesale" in account.tags and account.record.key[-1] in "02468"),
        "Tags": account.tags,
    }
    if address:
        row |= {
            "Default Address Address1": address.street,
            "Default Address Address2": address.unit,
            "Default Address City": address.city.name,
            "Default Address Province Code": address.city.state,
            "Default Address Country Code": "US",
            "Default Address Zip": zip_text(address.zip),
        }
    return row


def contact_columns(prefix: str, contact: Contact) -> dict[str, str]:
    address = contact.address
    return {
        f"{prefix} Name": contact.name,
        f"{prefix} Street": street(address),
        f"{prefix} Address1": address.street,
        f"{prefix} Address2": address.unit,
        f"{prefix} Company": contact.company,
        f"{prefix} City": address.city.name,
        f"{prefix} Zip": zip_text(address.zip),
        f"{prefix} Province": address.city.state,
        f"{prefix} Country": "US",
        f"{prefix} Phone": guarded(contact.phone),
        f"{prefix} Province Name": address.city.state_name,
    }


def order_rows(order: Order) -> list[dict[str, str]]:
    """One line per line item; the order's own columns on its first line only, as Shopify writes them."""
    fulfilled = order.created + timedelta(hours=18 + order.number % 60)
    shipped = fulfilled < LAST_DAY
    reference = f"c{order.number * 7919 % 10**11:011d}.1"
    tax_name = f"{order.shipping.address.city.state} State Tax {(order.shipping.address.city.tax * 100).normalize()}%"
    order.record.label = (
        f"#{order.number} bill {order.billing.name} {order.billing.phone} | ship "
        f"{order.shipping.name} {order.shipping.phone} | {order.email}"
    )
    rows = []
    for position, (product, quantity) in enumerate(order.lines):
        row = {
            "Name": f"#{order.number}",
            "Lineitem quantity": str(quantity),
            "Lineitem name": product.name,
            "Lineitem price": f"{product.price:.2f}",
            "Lineitem sku": product.sku,
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled" if shipped else "pending",
            "Vendor": "Ridgeline Outfitters",
            "Lineitem discount": "0.00",
        }
        if position == 0:
            row |= {
                "Email": order.email,
                "Financial Status": "paid",
                "Paid at": store_time(order.created + timedelta(seconds=2)),
                "Fulfillment Status": "fulfilled" if shipped else "unfulfilled",
                "Fulfilled at": store_time(fulfilled) if shipped else "",
                "Accepts Marketing": yes(order.account.accepts_email),
                "Currency": "USD",
                "Subtotal": f"{order.subtotal:.2f}",
                "Shipping": f"{order.shipping_price:.2f}",
                "Taxes": f"{order.tax:.2f}",
                "Total": f"{order.total:.2f}",
                "Discount Amount": "0.00",
                "Shipping Method": "Standard Shipping" if order.shipping_price else "Free Shipping",
                "Created at": store_time(order.created),
                **contact_columns("Billing", order.billing),
                **contact_columns("Shipping", order.shipping),
                "Note Attributes": order.note_attributes,
                "Payment Method": "Shopify Payments",
                "Payment Reference": reference,
                "Refunded Amount": "0.00",
                "Outstanding Balance": "0.00",
                "Id": order.record.key,
                "Tags": order.tags,
                "Risk Level": "Low",
                "Source": order.source,
                "Tax 1 Name": tax_name if order.tax else "",
                "Tax 1 Value": f"{order.tax:.2f}" if order.tax else "",
                "Payment ID": reference,
                "Payment References": reference,
            }
        rows.append(row)
    return rows


def profile_row(rng: random.Random, profile: Profile) -> dict[str, str]:
    phone = e164(profile.phone) if profile.phone else ""
    profile.record.label = f"{profile.first} {profile.last} | {profile.email} | {phone}"
    created, active = profile.created, profile.created + timedelta(days=rng.randint(0, 200))
    active = min(active, EXPORTED_AT - timedelta(hours=1))
    row = {
        "Email": profile.email,
        "Phone Number": phone,
        "First Name": profile.first,
        "Last Name": profile.last,
        "Organization": profile.organization,
        "Source": profile.source,
        "IP Address": ".".join(str(rng.randint(1, 254)) for _ in range(4)),
        "Email Marketing Consent": rng.choice(("SUBSCRIBED", "SUBSCRIBED", "NEVER_SUBSCRIBED", "UNSUBSCRIBED"))
        if profile.email
        else "NEVER_SUBSCRIBED",
        "SMS Marketing Consent": "SUBSCRIBED" if profile.phone and not profile.email else "NEVER_SUBSCRIBED",
        "First Active": utc_time(created),
        "Last Active": utc_time(active),
        "Profile Created On": utc_time(created),
        "Date Added": utc_time(created + timedelta(seconds=20)),
        "Last Open": utc_time(active) if profile.email else "",
        "Klaviyo ID": profile.record.key,
    }
    if row["Email Marketing Consent"] != "NEVER_SUBSCRIBED":
        row["Email Marketing Consent Timestamp"] = utc_time(created + timedelta(seconds=20))
    if row["SMS Marketing Consent"] == "SUBSCRIBED":
        row["SMS Marketing Consent Timestamp"] = utc_time(created + timedelta(seconds=35))
    if profile.address:
        address = profile.address
        row |= {
            "Address": address.street,
            "Address 2": address.unit,
            "City": address.city.name,
            "State / Region": address.city.state_name,
            "Country": "United States",
            "Zip Code": address.zip,
        }
    return row


def ticket_row(rng: random.Random, ticket: Ticket) -> dict[str, str]:
    user = ticket.user
    reference = ticket.reference
    subject = ticket.subject.replace("{n}", str(reference.number) if isinstance(reference, Order) else reference or "")
    user.record.label = user.record.label or f"{user.name} | {user.email} | {subject}"
    assigned = ticket.created + timedelta(minutes=rng.randint(5, 240))
    replied = rng.randint(10, 900)
    solved = ticket.created + timedelta(minutes=rng.randint(60, 4000))
    open_now = solved > LAST_DAY or rng.random() < 0.1
    status = rng.choice(("Open", "Pending")) if open_now else rng.choice(("Solved", "Closed"))
    updated = max(assigned, min(solved, LAST_DAY)) if open_now else solved
    resolution = "" if open_now else str(int((solved - ticket.created).total_seconds() // 3600))
    minutes = str(int((updated - ticket.created).total_seconds() // 60))
    return {
        "Summation column": "1",
        "Id": str(ticket.id),
        "Requester": user.name,
        "Requester id": user.record.key,
        "Requester email": user.email,
        "Requester domain": user.email.split("@")[1],
        "Submitter": user.name,
        "Assignee": rng.choice(AGENTS),
        "Group": "Support",
        "Subject": subject,
        "Tags": "order_question" if reference else "presale",
        "Status": status,
        "Priority": rng.choice(("Normal", "Normal", "Low", "High", "-")),
        "Via": ticket.via,
        "Ticket type": rng.choice(("Question", "Incident", "Problem", "Task", "-")),
        "Created at": store_time(ticket.created),
        "Updated at": store_time(updated),
        "Assigned at": store_time(assigned),
        "Organization": user.organization,
        "Initially assigned at": store_time(assigned),
        "Solved at": "" if open_now else store_time(solved),
        "Resolution time": resolution,
        "Satisfaction Score": rng.choice(("Offered", "Unoffered", "Good", "Bad")),
        "Group stations": "1",
        "Assignee stations": "1",
        "Reopens": "0",
        "Replies": str(rng.randint(1, 4)),
        "First reply time in minutes": str(replied),
        "First reply time in minutes within business hours": str(replied // 2),
        "First resolution time in minutes": minutes,
        "First resolution time in minutes within business hours": str(int(minutes) // 3),
        "Full resolution time in minutes": minutes,
        "Full resolution time in minutes within business hours": str(int(minutes) // 3),
        "Agent wait time in minutes": "0",
        "Agent wait time in minutes within business hours": "0",
        "Requester wait time in minutes": minutes,
        "Requester wait time in minutes within business hours": str(int(minutes) // 3),
        "On hold time in minutes": "0",
        "On hold time in minutes within business hours": "0",
    }


def amazon_rows(order: AmazonOrder) -> list[dict[str, str]]:
    purchased = order.created.astimezone(UTC).isoformat()
    updated = (order.created + timedelta(days=2)).astimezone(UTC).isoformat()
    address = order.address
    return [
        {
            "amazon-order-id": order.id,
            "purchase-date": purchased,
            "last-updated-date": updated,
            "order-status": "Shipped",
            "fulfillment-channel": "Amazon",
            "sales-channel": "Amazon.com",
            "ship-service-level": "Standard",
            "product-name": product.name,
            "sku": product.sku,
            "asin": product.asin,
            "item-status": "Shipped",
            "quantity": str(quantity),
            "currency": "USD",
            "item-price": f"{product.price * quantity:.2f}",
            "item-tax": f"{(product.price * quantity * address.city.tax).quantize(Decimal('0.01')):.2f}",
            "shipping-price": "0.00",
            "shipping-tax": "0.00",
            "ship-promotion-discount": "0.00",
            "ship-city": address.city.name.upper(),
            "ship-state": address.city.state,
            "ship-postal-code": address.zip,
            "ship-country": "US",
            "is-business-order": "false",
        }
        for product, quantity in order.lines
    ]


def write_table(
    path: Path, headings: tuple[str, ...], rows: Iterable[dict[str, str]], delimiter: str = ",", encoding: str = "utf-8"
) -> int:
    with path.open("w", newline="", encoding=encoding) as handle:
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        writer = csv.DictWriter(
            handle,
            headings,
            restval="",
            delimiter=delimiter,
            lineterminator="\n",
            quoting=quoting,
            escapechar=None if delimiter == "," else "\\",
        )
        writer.writeheader()
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    stamp = EXPORTED_AT.timestamp()
    os.utime(path, (stamp, stamp))
    return count


def write_exports(w: World, landing: Path) -> dict[str, int]:
    """The five export files in ``landing``; lines written per file."""
    landing.mkdir(parents=True, exist_ok=True)
    rng = random.Random(w.rng.random())
    orders = sorted(w.orders, key=lambda o: o.number)
    return {
        FILES["orders"]: write_table(
            landing / FILES["orders"], ORDER_HEADINGS, (row for order in orders for row in order_rows(order))
        ),
        FILES["customers"]: write_table(
            landing / FILES["customers"], CUSTOMER_HEADINGS, map(customer_row, w.accounts.values())
        ),
        FILES["profiles"]: write_table(
            landing / FILES["profiles"],
            PROFILE_HEADINGS,
            (profile_row(rng, p) for p in w.profiles),
            encoding="utf-8-sig",
        ),
        FILES["tickets"]: write_table(
            landing / FILES["tickets"],
            TICKET_HEADINGS,
            (ticket_row(rng, t) for t in sorted(w.tickets, key=lambda t: t.id)),
        ),
        FILES["amazon"]: write_table(
            landing / FILES["amazon"],
            AMAZON_HEADINGS,
            (row for order in w.amazon_orders for row in amazon_rows(order)),
            delimiter="\t",
        ),
    }


def write_truth(w: World, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("source_system", "source_entity", "source_key", "person", "phenomena", "email", "label"))
        for r in w.records:
            writer.writerow((*r.ref, r.pid, " ".join(sorted(r.tags)), r.email or "", r.label))


# -- run and score ----------------------------------------------------------------------------------


def run_cdw(home: Path) -> tuple[int, str]:
    """``cdw run --source drops`` on the home's landing folder, as a new user runs it."""
    env = {**os.environ, "CDW_HOME": str(home)}
    done = subprocess.run(
        [str(CDW), "run", "--source", "drops", "--as-of", AS_OF],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def resolved(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], str]:
    rows = con.execute(
        "select source_system, source_entity, source_key, customer_id from marts.customer_source_map"
    ).fetchall()
    return {(system, entity, key): customer for system, entity, key, customer in rows}


def loader_problems(con: duckdb.DuckDBPyConnection, landing: Path) -> list[str]:
    """Rejected files (with the loader's reason) and quarantined rows per table and reason."""
    problems = [
        f"rejected {path.name.removesuffix('.reason.txt')}: " + " ".join(path.read_text(encoding="utf-8").split())[:300]
        for path in sorted((landing / "rejected").rglob("*.reason.txt"))
    ]
    schemas = [
        s
        for (s,) in con.execute(
            "select distinct table_schema from information_schema.tables where table_name = 'quarantine'"
        ).fetchall()
    ]
    for schema in schemas:
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where "
                "table_schema = ? and table_name = 'quarantine'",
                [schema],
            ).fetchall()
        }
        table = "table_name" if "table_name" in columns else "'?'"
        reason = "reason" if "reason" in columns else "'?'"
        for name, why, count in con.execute(
            f"select {table}, {reason}, count(*) from {schema}.quarantine group by all order by all"
        ).fetchall():
            problems.append(f"quarantined {count} row(s) of {schema}.{name}: {why}")
    return problems


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def pairs_touching(records: list[Record], key: Callable[[Record], object], chosen: Callable[[Record], bool]) -> int:
    """Pairs of records with the same ``key`` of which at least one is chosen."""
    sizes: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        size = sizes[key(record)]
        size[0] += 1
        size[1] += chosen(record)
    return sum(n * (n - 1) // 2 - (n - t) * (n - t - 1) // 2 for n, t in sizes.values())


def score(
    records: list[Record],
    cluster: Callable[[Record], object],
    chosen: Callable[[Record], bool],
) -> dict[str, float | int | None]:
    true = pairs_touching(records, lambda r: r.pid, chosen)
    predicted = pairs_touching(records, cluster, chosen)
    hits = pairs_touching(records, lambda r: (cluster(r), r.pid), chosen)
    return {
        "true_pairs": true,
        "predicted_pairs": predicted,
        "precision": ratio(hits, predicted),
        "recall": ratio(hits, true),
    }


def f1(result: dict[str, float | int | None]) -> float:
    precision, recall = result["precision"] or 0.0, result["recall"] or 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(w: World, customers: dict[tuple[str, str, str], str]) -> dict:
    """Warehouse and naive scores overall, per phenomenon and per system, over the identity records.

    ``overall without zendesk`` scores the records of the other systems only: the Zendesk CSV export's
    requester e-mail and name do not reach the warehouse, so its requesters can only be tied by an order
    number they quote.
    """
    records = [r for r in w.records if r.ref in customers]
    warehouse: Callable[[Record], object] = lambda r: customers[r.ref]  # noqa: E731
    naive: Callable[[Record], object] = lambda r: normal_email(r.email) or r.ref  # noqa: E731
    everything: Callable[[Record], bool] = lambda r: True  # noqa: E731
    subsets: dict[str, tuple[list[Record], Callable[[Record], bool]]] = {
        "overall": (records, everything),
        "overall without zendesk": ([r for r in records if r.system != "zendesk"], everything),
    }
    subsets |= {t: (records, lambda r, t=t: t in r.tags) for t in PHENOMENA}
    subsets |= {f"system:{s}": (records, lambda r, s=s: r.system == s) for s in ("shopify", "klaviyo", "zendesk")}
    rows = {}
    for name, (scored, chosen) in subsets.items():
        rows[name] = {
            "records": sum(map(chosen, scored)),
            **score(scored, warehouse, chosen),
            "naive": score(scored, naive, chosen),
        }
    missing = Counter(f"{r.system}/{r.entity}" for r in w.records if r.ref not in customers)
    return {"records": len(records), "missing_from_map": dict(missing), "rows": rows}


def mistakes(w: World, customers: dict[tuple[str, str, str], str], tag: str, limit: int = 2) -> list[str]:
    """A few records of ``tag`` split from their person, and a few merged with someone else."""
    records = [r for r in w.records if r.ref in customers]
    by_person, by_customer = defaultdict(list), defaultdict(list)
    for record in records:
        by_person[record.pid].append(record)
        by_customer[customers[record.ref]].append(record)
    splits, merges = [], []
    for record in (r for r in records if tag in r.tags):
        split = next((o for o in by_person[record.pid] if customers[o.ref] != customers[record.ref]), None)
        merged = next((o for o in by_customer[customers[record.ref]] if o.pid != record.pid), None)
        if split and len(splits) < limit:
            splits.append(f"  split {'/'.join(record.ref)} [{record.label}] from {'/'.join(split.ref)} [{split.label}]")
        if merged and len(merges) < limit:
            merges.append(
                f"  merged {'/'.join(record.ref)} [{record.label}] (person {record.pid}) with "
                f"{'/'.join(merged.ref)} [{merged.label}] (person {merged.pid})"
            )
    return splits + merges


def number(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(report: dict) -> None:
    print(
        f"{'subset':<24}{'records':>8}{'true pairs':>11}{'pred pairs':>11}{'precision':>10}{'recall':>8}"
        f"{'naive P':>9}{'naive R':>9}"
    )
    for name, row in report["rows"].items():
        if row["records"]:
            print(
                f"{name:<24}{row['records']:>8}{row['true_pairs']:>11}{row['predicted_pairs']:>11}"
                f"{number(row['precision']):>10}{number(row['recall']):>8}"
                f"{number(row['naive']['precision']):>9}{number(row['naive']['recall']):>9}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000, help="people to invent (default 2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--home",
        type=Path,
        help="an empty or new CDW_HOME (default: a fresh temporary folder); removed at the end unless --keep",
    )
    parser.add_argument("--keep", action="store_true", help="keep the home (files, truth.csv, warehouse)")
    args = parser.parse_args(argv)
    home = (args.home or Path(tempfile.mkdtemp(prefix="cdw_export_people_"))).resolve()
    if home.exists() and any(home.iterdir()):
        parser.error(f"{home} is not empty: the run must start from an empty home")
    paths = Paths(home)
    if args.keep:
        print(f"home (kept): {home}")
    try:
        started = time.perf_counter()
        w = generate(args.people, args.seed)
        lines = write_exports(w, paths.landing)
        write_truth(w, home / "truth.csv")
        generated = time.perf_counter() - started
        print(f"{len(w.people):,} people, {len(w.records):,} identity records; lines written: {lines}")
        started = time.perf_counter()
        code, output = run_cdw(home)
        ran = time.perf_counter() - started
        print(f"cdw run --source drops --as-of {AS_OF}: exit {code} in {ran:.0f} s")
        if code != 0:
            print("\n".join(output.splitlines()[-30:]))
        if not paths.build_db.exists():
            return 1
        started = time.perf_counter()
        with duckdb.connect(str(paths.build_db), read_only=True) as con:
            customers = resolved(con)
            problems = loader_problems(con, paths.landing)
        report = evaluate(w, customers)
        for problem in problems:
            print(problem)
        print(
            f"scored {report['records']:,} records (Amazon All Orders rows carry no identity: left out, "
            f"{sum(len(o.lines) for o in w.amazon_orders)} lines); not in customer_source_map: "
            f"{report['missing_from_map'] or 'none'}"
        )
        print_table(report)
        worst = sorted((n for n in PHENOMENA if report["rows"][n]["true_pairs"]), key=lambda n: f1(report["rows"][n]))
        for name in worst[:4]:
            print(f"{name} (F1 {f1(report['rows'][name]):.3f}):")
            print("\n".join(mistakes(w, customers, name)))
        scored = time.perf_counter() - started
        report |= {
            "people": len(w.people),
            "seed": args.seed,
            "cdw_exit": code,
            "loader_problems": problems,
            "seconds": {"generate": round(generated, 1), "cdw_run": round(ran, 1), "score": round(scored, 1)},
        }
        print(json.dumps(report))
        return 0 if code == 0 else 1
    finally:
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
