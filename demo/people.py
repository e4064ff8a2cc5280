"""The true people behind the demo data: who they are, where they live, where and when they buy.

Persons are made first; every vendor module then renders its own (messy) view of them. Arrays
are indexed by person index throughout. A run makes its persons chunk by chunk
(:mod:`demo.chunks`): index ``i`` of a chunk is ``person_id = first_person + i + 1`` in the truth,
while the vendor modules number the rows they make ``i + 1`` within the chunk (the writer adds
the chunk's first person).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import refdata
from demo.chunks import WHOLE, Chunk
from demo.taken import Taken
from demo.timeline import DAY, Timeline
from demo.vector import NO_TIME, digits, join, pick, random_text, uuid4, where

COUNTRIES = ("US", "CA", "GB")
COUNTRY_SHARES = (0.86, 0.08, 0.06)
ROLES = ("prospect", "shopify", "amazon", "both")
ROLE_SHARES = (0.18, 0.44, 0.23, 0.15)
BUSINESS_ROLE_SHARES = (0.0, 0.1, 0.7, 0.2)
DEVICE_TYPES = ("desktop", "mobile", "tablet")
DEVICE_SHARES = (0.35, 0.55, 0.10)


@dataclass
class Persons:
    """Column arrays, one entry per true person of a chunk (index = person_id - first person - 1)."""

    person_id: np.ndarray  # the run's person number (the truth's person_id)
    household_id: np.ndarray  # the run's household number
    household_head: np.ndarray  # person index of the household's first member
    shares_email: np.ndarray  # uses the household head's e-mail address (the shared-inbox trap)
    is_business: np.ndarray
    company: pa.Array  # null unless business
    first_name: pa.Array
    last_name: pa.Array
    email_local: pa.Array  # true canonical address = local@domain (shared within a shared-email household)
    email_domain: pa.Array
    country: np.ndarray  # index into COUNTRIES
    city: pa.Array
    region: pa.Array
    postal_code: pa.Array
    street_no: np.ndarray
    street: np.ndarray  # index into refdata.STREET_NAMES
    suffix: np.ndarray  # index into refdata.STREET_SUFFIXES
    unit: pa.Array  # "4B" or null
    phone_cc: np.ndarray  # 1 or 44
    phone_national: pa.Array  # national significant number, digits only
    role: np.ndarray  # index into ROLES
    amazon_first: np.ndarray  # buys on Amazon first, later on the store (same name and address)
    acquisition_channel: pa.Array
    shop_first_ts: np.ndarray  # first store activity (order, or checkout for account-only people)
    amazon_first_ts: np.ndarray
    signup_ts: np.ndarray  # Klaviyo sign-up form (prospects, and store buyers who signed up first)
    shop_orders: np.ndarray
    amazon_orders: np.ndarray
    spend: np.ndarray  # basket-size multiplier, log-normal: a few people buy a lot
    email_sub_ts: np.ndarray  # e-mail marketing consent given (NO_TIME: never)
    email_unsub_ts: np.ndarray  # consent withdrawn later (NO_TIME: never)
    sms_sub_ts: np.ndarray
    sms_unsub_ts: np.ndarray
    device_start: np.ndarray  # devices of person i are device rows device_start[i]:device_start[i+1]
    device_ua: np.ndarray  # per device: index into refdata.USER_AGENTS
    device_client_id: pa.Array  # per device: the web pixel client id (a browser cookie)

    def __len__(self) -> int:
        return len(self.person_id)

    @property
    def email(self) -> pa.Array:
        """True canonical e-mail of every person."""
        return join(self.email_local, "@", self.email_domain)

    @property
    def on_shopify(self) -> np.ndarray:
        return (self.role == 1) | (self.role == 3)

    @property
    def on_amazon(self) -> np.ndarray:
        return (self.role == 2) | (self.role == 3)

    @property
    def utc_offset_hours(self) -> np.ndarray:
        return np.where(self.country == 2, 0, 5)

    def device_count(self) -> np.ndarray:
        return np.diff(self.device_start)


def make_persons(rng: np.random.Generator, n: int, timeline: Timeline, chunk: Chunk = WHOLE,
                 taken: Taken | None = None) -> Persons:
    """The true persons of a chunk: identity, household, address, role and their commerce/consent timeline.

    ``taken`` holds the inboxes of earlier chunks, which these persons' addresses avoid (and are
    added to); phone numbers are drawn from the chunk's own share of numbers.
    """
    household_id, head = _households(rng, n)
    is_head = head == np.arange(n)
    country = rng.choice(3, size=n, p=COUNTRY_SHARES)
    country = country[head]  # a household lives in one place
    is_business = (rng.random(n) < 0.04) & is_head & (np.bincount(household_id)[household_id] == 1)
    first_name = pick(refdata.FIRST_NAMES, rng.integers(0, len(refdata.FIRST_NAMES), n))
    own_last = rng.integers(0, len(refdata.LAST_NAMES), n)
    keep_family_name = rng.random(n) < 0.8
    last_name = pick(refdata.LAST_NAMES, np.where(keep_family_name, own_last[head], own_last))
    company, company_domain = _companies(rng, n, is_business)
    shares_email = _shared_email_households(rng, household_id, head)
    local, domain = _email_addresses(rng, first_name, last_name, country, is_business, company_domain,
                                     shares_email, head, taken)
    city, region, postal, area_codes = _places(rng, country)
    city, region, postal = city.take(pa.array(head)), region.take(pa.array(head)), postal.take(pa.array(head))
    phone_cc, phone_national = _phones(rng, country, area_codes, head, shares_email, chunk)
    role = _roles(rng, is_business)
    persons = Persons(
        person_id=chunk.first_person + np.arange(1, n + 1, dtype=np.int64),
        household_id=chunk.first_person + household_id + 1, household_head=head,
        shares_email=shares_email, is_business=is_business, company=company, first_name=first_name,
        last_name=last_name, email_local=local, email_domain=domain, country=country, city=city, region=region,
        postal_code=postal, street_no=_street_numbers(rng, n)[head],
        street=rng.integers(0, len(refdata.STREET_NAMES), n)[head],
        suffix=rng.integers(0, len(refdata.STREET_SUFFIXES), n)[head], unit=_units(rng, n).take(pa.array(head)),
        phone_cc=phone_cc, phone_national=phone_national, role=role,
        amazon_first=(role == 3) & (rng.random(n) < 0.6),
        acquisition_channel=pa.nulls(n, pa.string()), shop_first_ts=np.full(n, NO_TIME),
        amazon_first_ts=np.full(n, NO_TIME), signup_ts=np.full(n, NO_TIME),
        shop_orders=np.zeros(n, dtype=np.int64), amazon_orders=np.zeros(n, dtype=np.int64),
        spend=rng.lognormal(0.0, 0.6, n), email_sub_ts=np.full(n, NO_TIME), email_unsub_ts=np.full(n, NO_TIME),
        sms_sub_ts=np.full(n, NO_TIME), sms_unsub_ts=np.full(n, NO_TIME),
        device_start=np.zeros(n + 1, dtype=np.int64), device_ua=np.zeros(0, dtype=np.int64),
        device_client_id=pa.array([], pa.string()),
    )
    _commerce(rng, persons, timeline)
    _consent(rng, persons, timeline)
    _devices(rng, persons)
    return persons


# ---------------------------------------------------------------- households and identity


def _households(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Household index and head (first member) of each person; ~10% of people live with others."""
    sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.95, 0.035, 0.01, 0.005])
    household = np.repeat(np.arange(n), sizes)[:n]
    first_member = np.r_[0, np.flatnonzero(np.diff(household)) + 1]
    head = first_member[household]
    return household.astype(np.int64), head.astype(np.int64)


def _shared_email_households(rng: np.random.Generator, household: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Members (not heads) of about half of the multi-person households use the head's inbox."""
    size = np.bincount(household)[household]
    shared_household = rng.random(len(household)) < 0.5
    return (size > 1) & shared_household[head] & (head != np.arange(len(household)))


def _companies(rng: np.random.Generator, n: int, is_business: np.ndarray) -> tuple[pa.Array, pa.Array]:
    word = rng.integers(0, len(refdata.COMPANY_WORDS), n)
    kind = rng.integers(0, len(refdata.COMPANY_KINDS), n)
    words = pick(refdata.COMPANY_WORDS, word)
    kinds = pick(refdata.COMPANY_KINDS, kind)
    name = join(words, " ", kinds, " ", pick(refdata.COMPANY_SUFFIXES, rng.integers(0, 6, n)))
    domain = join(pc.utf8_lower(words), pc.utf8_lower(kinds), pick([".com", ".co", ".io"], rng.integers(0, 3, n)))
    return where(is_business, name, pa.scalar(None, pa.string())), domain


def _letters(names: pa.Array) -> pa.Array:
    return pc.utf8_lower(pc.replace_substring_regex(names, "[^A-Za-z]", ""))


def _email_addresses(rng: np.random.Generator, first: pa.Array, last: pa.Array, country: np.ndarray,
                     is_business: np.ndarray, company_domain: pa.Array, shares_email: np.ndarray,
                     head: np.ndarray, taken: Taken | None) -> tuple[pa.Array, pa.Array]:
    """Lower-case canonical e-mail local part and domain; unique except within shared-email households
    (and unused by the earlier chunks' persons)."""
    n = len(country)
    fn, ln = _letters(first), _letters(last)
    initial_f = pc.utf8_slice_codeunits(fn, 0, 1)
    initial_l = pc.utf8_slice_codeunits(ln, 0, 1)
    two = digits(rng.integers(1, 100, n), 2)
    year = digits(rng.integers(1958, 2006, n))
    patterns = [join(fn, ".", ln), join(fn, ln), join(initial_f, ".", ln), join(fn, "_", ln),
                join(fn, initial_l, two), join(ln, ".", fn), join(fn, year), join(initial_f, ln, two)]
    choice = rng.choice(len(patterns), size=n, p=[0.3, 0.16, 0.08, 0.06, 0.1, 0.05, 0.15, 0.1])
    local = pc.choose(pa.array(choice.astype(np.int8)), *patterns)
    suffixed = (rng.random(n) < 0.25) & np.isin(choice, [0, 1, 3, 5])
    local = where(suffixed, join(local, two), local)
    domain = np.empty(n, dtype=object)
    for code, name in enumerate(COUNTRIES):
        options = refdata.EMAIL_DOMAINS[name]
        mask = country == code
        weights = np.array([w for _, w in options])
        domain[mask] = np.array([d for d, _ in options], dtype=object)[
            rng.choice(len(options), size=int(mask.sum()), p=weights / weights.sum())]
    domain = where(is_business, company_domain, pa.array(domain, pa.string()))
    local = _make_unique(rng, local, domain, n, taken)
    if taken is not None:
        taken.add_inboxes(_inboxes(local, domain))
    take_head = pa.array(np.where(shares_email, head, np.arange(n)))
    return local.take(take_head), domain.take(take_head)


def _inboxes(local: pa.Array, domain: pa.Array) -> np.ndarray:
    """The inbox each address reaches, as text: Gmail ignores dots, so "janedoe" and "jane.doe" are one."""
    inbox = where(pc.equal(domain, "gmail.com").to_numpy(zero_copy_only=False),
                  pc.replace_substring(local, ".", ""), local)
    return np.asarray(join(inbox, "@", domain).to_numpy(zero_copy_only=False), dtype=object)


def _make_unique(rng: np.random.Generator, local: pa.Array, domain: pa.Array, n: int,
                 earlier: Taken | None = None) -> pa.Array:
    """Append a distinguishing number to any local part already taken at the same domain (same inbox),
    by another person of the chunk or by a person of an earlier chunk."""
    for _ in range(8):
        email = _inboxes(local, domain)
        _, first = np.unique(email, return_index=True)
        taken = np.ones(n, dtype=bool)
        taken[first] = False
        if earlier is not None:
            taken |= earlier.has_inbox(email)
        if not taken.any():
            break
        extra = digits(rng.integers(100, 10_000, n))
        local = where(taken, join(local, extra), local)
    return local


def _places(rng: np.random.Generator, country: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, list]:
    """City, region, postal code, and each person's city area codes (for phone numbers)."""
    n = len(country)
    city = np.empty(n, dtype=object)
    region = np.empty(n, dtype=object)
    postal = np.empty(n, dtype=object)
    area = np.empty(n, dtype=object)
    tables = (refdata.US_CITIES, refdata.CA_CITIES, refdata.GB_CITIES)
    for code, cities in enumerate(tables):
        mask = np.flatnonzero(country == code)
        which = rng.integers(0, len(cities), len(mask))
        city[mask] = np.array([c[0] for c in cities], dtype=object)[which]
        region[mask] = np.array([c[1] for c in cities], dtype=object)[which]
        prefix = pa.array(np.array([c[2] for c in cities], dtype=object)[which], pa.string())
        codes = [c[3] for c in cities]
        area[mask] = _area_codes(rng, codes, which)
        postal[mask] = np.asarray(_postal(rng, code, prefix).to_numpy(zero_copy_only=False), dtype=object)
    return (pa.array(city, pa.string()), pa.array(region, pa.string()), pa.array(postal, pa.string()),
            list(area))


def _area_codes(rng: np.random.Generator, codes: list[tuple[str, ...]], which: np.ndarray) -> np.ndarray:
    counts = np.array([len(c) for c in codes])[which]
    flat = np.array([code for group in codes for code in group], dtype=object)
    starts = np.r_[0, np.cumsum([len(c) for c in codes])][which]
    return flat[starts + (rng.random(len(which)) * counts).astype(np.int64)]


def _postal(rng: np.random.Generator, country: int, prefix: pa.Array) -> pa.Array:
    m = len(prefix)
    if country == 0:  # US ZIP: 3-digit prefix + 2 digits
        return join(prefix, digits(rng.integers(0, 100, m), 2))
    letters = "ABCEGHJKLMNPRSTVWXYZ"
    if country == 1:  # Canadian postal code: FSA + " " + digit letter digit
        return join(prefix, " ", digits(rng.integers(0, 10, m)), random_text(rng, m, 1, letters),
                    digits(rng.integers(0, 10, m)))
    return join(prefix, " ", digits(rng.integers(1, 10, m)), random_text(rng, m, 2, "ABDEFGHJLNPQRSTUWXYZ"))


def _phones(rng: np.random.Generator, country: np.ndarray, area_codes: list, head: np.ndarray,
            shares_email: np.ndarray, chunk: Chunk) -> tuple[np.ndarray, pa.Array]:
    """Country calling code and unique national number; some shared-inbox households share a landline."""
    n = len(country)
    subscriber = chunk.unique_ints(rng, n, 2_000_000, 10_000_000)  # NXX-XXXX: exchange never starts with 0/1
    uk = country == 2
    subscriber[uk] = 100_000 + subscriber[uk] % 900_000
    national = join(pa.array(area_codes, pa.string()),
                    where(uk, digits(subscriber, 6), digits(subscriber, 7)))
    share_line = shares_email & (rng.random(n) < 0.3)
    national = national.take(pa.array(np.where(share_line, head, np.arange(n))))
    return np.where(uk, 44, 1).astype(np.int64), national


def _street_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(np.round(rng.lognormal(5.5, 1.2, n)), 1, 19999).astype(np.int64)


def _units(rng: np.random.Generator, n: int) -> pa.Array:
    unit = join(digits(rng.integers(1, 40, n)), pick(["", "", "A", "B", "C"], rng.integers(0, 5, n)))
    return where(rng.random(n) < 0.22, unit, pa.scalar(None, pa.string()))


def _roles(rng: np.random.Generator, is_business: np.ndarray) -> np.ndarray:
    n = len(is_business)
    role = rng.choice(4, size=n, p=ROLE_SHARES)
    business_role = rng.choice(4, size=n, p=BUSINESS_ROLE_SHARES)
    return np.where(is_business, business_role, role).astype(np.int64)


# ---------------------------------------------------------------- commerce and consent timelines


def _order_counts(rng: np.random.Generator, n: int, repeat_share: float, scale: float, cap: int) -> np.ndarray:
    """One-time buyers and repeat buyers with a heavy (Pareto-like) tail of order counts."""
    repeat = rng.random(n) < repeat_share
    tail = 2 + np.floor(rng.pareto(1.6, n) * scale).astype(np.int64)
    return np.where(repeat, np.minimum(tail, cap), 1)


def _commerce(rng: np.random.Generator, p: Persons, timeline: Timeline) -> None:
    """First store / marketplace dates, order counts, sign-ups and acquisition channels."""
    n = len(p)
    offset = p.utc_offset_hours
    shop, amazon = p.on_shopify, p.on_amazon
    shop_day = timeline.sample_days(rng, n)
    amazon_day = timeline.sample_days(rng, n, amazon=True)
    later_shop = timeline.sample_days(rng, n, after=amazon_day)
    later_amazon = timeline.sample_days(rng, n, after=shop_day, amazon=True)
    both = p.role == 3
    shop_day = np.where(both & p.amazon_first, later_shop, shop_day)
    amazon_day = np.where(both & ~p.amazon_first, later_amazon, amazon_day)
    p.shop_first_ts = np.where(shop, timeline.sample_times(rng, shop_day, offset), NO_TIME)
    p.amazon_first_ts = np.where(amazon, timeline.sample_times(rng, amazon_day, offset), NO_TIME)
    account_only = shop & (rng.random(n) < 0.08)  # store accounts that never ordered (abandoned checkouts)
    p.shop_orders = np.where(shop & ~account_only, _order_counts(rng, n, 0.45, 1.6, 40), 0)
    p.amazon_orders = np.where(amazon, _order_counts(rng, n, 0.40, 1.3, 25) * np.where(p.is_business, 2, 1), 0)
    # Prospects sign up through a form; a fifth of store buyers signed up before their first order.
    prospect = p.role == 0
    early = shop & (rng.random(n) < 0.2)
    prospect_ts = timeline.sample_times(rng, timeline.sample_days(rng, n), offset)
    early_ts = p.shop_first_ts - rng.integers(1, 60, n) * DAY - rng.integers(0, DAY, n)
    p.signup_ts = np.where(prospect, prospect_ts, np.where(early & (early_ts > timeline.start_ts), early_ts, NO_TIME))
    channel_index = rng.choice(6, size=n, p=[0.26, 0.16, 0.12, 0.0, 0.22, 0.24])
    channel = pick(refdata.TRAFFIC_NAMES, channel_index)
    p.acquisition_channel = where(p.amazon_first | (p.role == 2), pa.scalar("amazon"), channel)


def _consent(rng: np.random.Generator, p: Persons, timeline: Timeline) -> None:
    """E-mail and SMS marketing consent: given at sign-up or checkout, sometimes withdrawn later."""
    n = len(p)
    shop_buyer = p.on_shopify
    signed_up = p.signup_ts != NO_TIME
    at_checkout = shop_buyer & ~signed_up & (rng.random(n) < 0.5)
    sub = np.where(signed_up, p.signup_ts, np.where(at_checkout, p.shop_first_ts + 30, NO_TIME))
    withdraw = (sub != NO_TIME) & (rng.random(n) < 0.24)
    unsub = sub + (rng.exponential(220, n) * DAY).astype(np.int64) + DAY
    p.email_sub_ts = sub
    p.email_unsub_ts = np.where(withdraw & (unsub <= timeline.end_ts), unsub, NO_TIME)
    sms = (sub != NO_TIME) & (rng.random(n) < np.where(p.role == 0, 0.1, 0.25))
    sms_sub = np.where(sms, sub + rng.integers(5, 600, n), NO_TIME)
    sms_unsub = sms_sub + (rng.exponential(160, n) * DAY).astype(np.int64) + DAY
    p.sms_sub_ts = np.where(sms_sub <= timeline.end_ts, sms_sub, NO_TIME)
    sms_withdraw = (p.sms_sub_ts != NO_TIME) & (rng.random(n) < 0.18) & (sms_unsub <= timeline.end_ts)
    p.sms_unsub_ts = np.where(sms_withdraw, sms_unsub, NO_TIME)


def _devices(rng: np.random.Generator, p: Persons) -> None:
    """One to three browsers per person, each with its own pixel client id and user agent."""
    n = len(p)
    count = rng.choice([1, 2, 3], size=n, p=[0.5, 0.35, 0.15])
    p.device_start = np.r_[0, np.cumsum(count)].astype(np.int64)
    total = int(p.device_start[-1])
    kind = rng.choice(3, size=total, p=DEVICE_SHARES)
    agents_by_kind = [np.array([i for i, (_, k) in enumerate(refdata.USER_AGENTS) if k == name])
                      for name in DEVICE_TYPES]
    ua = np.empty(total, dtype=np.int64)
    for code, agents in enumerate(agents_by_kind):
        mask = kind == code
        ua[mask] = agents[rng.integers(0, len(agents), int(mask.sum()))]
    p.device_ua = ua
    p.device_client_id = device_client_ids(rng, total)


def device_client_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """Web pixel client ids (a UUID kept in a first-party cookie)."""
    return uuid4(rng, n)


NEVER, SUBSCRIBED, UNSUBSCRIBED = range(3)


def consent_at(sub_ts: np.ndarray, unsub_ts: np.ndarray, ts: np.ndarray | int) -> np.ndarray:
    """Consent state at time ``ts``: NEVER, SUBSCRIBED or UNSUBSCRIBED (withdrawn)."""
    given = (sub_ts >= 0) & (sub_ts <= ts)
    withdrawn = given & (unsub_ts >= 0) & (unsub_ts <= ts)
    return np.where(withdrawn, UNSUBSCRIBED, np.where(given, SUBSCRIBED, NEVER))


def consent_changed_at(sub_ts: np.ndarray, unsub_ts: np.ndarray, ts: np.ndarray | int) -> np.ndarray:
    """When the consent state in force at ``ts`` was set (NO_TIME if never given)."""
    state = consent_at(sub_ts, unsub_ts, ts)
    return np.where(state == UNSUBSCRIBED, unsub_ts, np.where(state == SUBSCRIBED, sub_ts, NO_TIME))

CONSENT_NAMES = ("never_subscribed", "subscribed", "unsubscribed")
