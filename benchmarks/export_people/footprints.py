"""One person's records across the four systems, shaped by their traits and their name's variants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from benchmarks.export_people.records import Account, Contact, Order, Person, Profile, ZendeskUser
from benchmarks.export_people.spelling import (
    case_or_space,
    email_variant,
    fold,
    name_variant,
    normal_email,
    spell_phone,
)
from benchmarks.export_people.timeline import LAST_DAY
from benchmarks.export_people.vocabulary import CITIES, FIRST_NAMES, LAST_NAMES, ORDER_SUBJECTS, TICKET_SUBJECTS
from benchmarks.export_people.world import World


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
