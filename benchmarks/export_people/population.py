"""Who shops: single people, households sharing an inbox or a landline, colleagues buying for a
business, namesakes; ``generate`` draws them until the world has enough people."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.export_people.footprints import consumer, contact_phone, order_dates, tag_new
from benchmarks.export_people.phenomena import NAME_KINDS, TRAITS
from benchmarks.export_people.records import Person
from benchmarks.export_people.vocabulary import CITIES, COMMON_NAMES, ORDER_SUBJECTS, SHARED_INBOXES, TICKET_SUBJECTS
from benchmarks.export_people.world import World


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
