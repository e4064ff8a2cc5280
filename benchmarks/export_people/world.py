"""The world being generated: its random source, what it holds so far and the vendors' uniqueness rules."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from benchmarks.export_people.records import (
    Account,
    Address,
    AmazonOrder,
    Company,
    Contact,
    Order,
    Person,
    Profile,
    Record,
    Ticket,
    ZendeskUser,
)
from benchmarks.export_people.spelling import fold, mailbox, normal_email, spell_phone, ulid
from benchmarks.export_people.timeline import FIRST_DAY, LAST_DAY
from benchmarks.export_people.vocabulary import (
    CITIES,
    COMPANY_WORDS,
    DIACRITIC_FIRST,
    DIACRITIC_LAST,
    FIRST_NAMES,
    LAST_NAMES,
    NICKNAMES,
    NON_LATIN,
    PERSONAL_DOMAINS,
    PRODUCTS,
    STREETS,
    City,
    Product,
)


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
