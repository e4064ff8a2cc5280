"""The mess real people make, added on top of the assembled vendor tables, with the truth kept apart.

Each phenomenon picks a small share of people or records, changes (or adds) their rows in the
vendors' own fields and tags every record it touched. The true person behind every row never
changes: a gift order is still its buyer's, a typo'd profile still its person's. The tags go to
``truth/phenomena.parquet`` (system, table, record key, phenomenon) so identity resolution can be
scored per phenomenon (``benchmarks/identity_quality.py``); the pipeline never reads them.

Phenomena (share of candidates):

* ``gift_order``: a store order placed from the buyer's account but shipped to someone else
  (another real person of the demo: their name, address and phone), or drop-shipped by a
  business buyer to its client;
* ``name_typo``: a first name typed with two letters swapped or one letter wrong;
* ``nickname``: a first name given as its nickname (Robert -> Bob, Elizabeth -> Liz);
* ``transposed_name``: first and last name entered the wrong way round;
* ``initial``: only the initial of the first name ("J. Smith");
* ``diacritics``: an accented spelling in one system, plain letters in another (Zoë / Zoe);
* ``moved``: later store orders and the account's default address at a new address;
* ``household``: members of a household that share an inbox (and often a landline), sometimes
  with different last names (generated in :mod:`demo.people`; tagged here);
* ``shared_office``: a business buyer's store account used by colleagues (a purchasing inbox and
  an office phone), orders shipped to each colleague by name;
* ``relay_email``: marketplace orders known only by a masked relay address (tagged);
* ``many_accounts``: one person with four store accounts (canonical, ``+tag``, dotless Gmail or
  upper case, a mistyped domain), orders spread over them;
* ``sms_only``: a Klaviyo profile with only a phone, which the store knows only from the orders'
  shipping/billing phone or the account's default address phone (only for numbers no profile
  holds yet: Klaviyo keeps one profile per phone; and never a household's shared landline,
  which takes no texts);
* ``ticket_order_ref``: a help-desk user otherwise unknown (an address used nowhere else) whose
  ticket quotes an order number only in its subject (``#1234``, ``123-1234567-1234567``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import refdata
from demo.frame import VALID, Frame
from demo.identity import canonical_address, e164
from demo.people import COUNTRIES, Persons

Frames = dict[tuple[str, str], Frame]
# The tables the phenomena read or change (assembled before the others, see demo.generate).
TABLES = (("shopify", "customers"), ("shopify", "orders"), ("klaviyo", "profiles"), ("zendesk", "users"),
          ("zendesk", "tickets"), ("amazon", "orders"))

# Nicknames the generator uses (the resolution has its own, broader table: seeds/identity_nicknames.csv).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Eliza"),
    "Richard": ("Rick", "Dick", "Rich"), "James": ("Jim", "Jimmy", "Jamie"), "Michael": ("Mike", "Mikey"),
    "Jennifer": ("Jen", "Jenny"), "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Anthony": ("Tony",), "Joseph": ("Joe", "Joey"), "Margaret": ("Maggie", "Peggy", "Meg"),
    "Patricia": ("Pat", "Patty", "Trish"), "Susan": ("Sue", "Suzy"), "Jessica": ("Jess", "Jessie"),
    "Kimberly": ("Kim",), "Rebecca": ("Becky", "Becca"), "Stephanie": ("Steph",), "Deborah": ("Debbie", "Deb"),
    "Katherine": ("Kate", "Katie", "Kathy"), "Samantha": ("Sam",), "Alexander": ("Alex",), "Benjamin": ("Ben",),
    "Nicholas": ("Nick",), "Jonathan": ("Jon",), "Timothy": ("Tim",), "Andrew": ("Andy", "Drew"),
    "Edward": ("Ed", "Eddie", "Ted"), "Kenneth": ("Ken", "Kenny"), "Steven": ("Steve",), "Ronald": ("Ron",),
    "Donald": ("Don",), "Jeffrey": ("Jeff",), "Gregory": ("Greg",), "Joshua": ("Josh",), "David": ("Dave",),
    "Charles": ("Charlie", "Chuck"), "Barbara": ("Barb",), "Cynthia": ("Cindy",), "Pamela": ("Pam",),
    "Christine": ("Chris", "Tina"), "Victoria": ("Vicky", "Tori"), "Abigail": ("Abby",), "Nancy": ("Nan",),
}
# Accented spellings a store may keep while another system strips them.
ACCENTS = {"e": "é", "a": "á", "o": "ö", "i": "í", "u": "ü", "n": "ñ", "c": "ç"}
PLUS_TAGS = ("shop", "orders", "deals")

SHARES = {
    "gift_order": 0.04, "name_typo": 0.03, "nickname": 0.04, "transposed_name": 0.015, "initial": 0.02,
    "diacritics": 0.02, "moved": 0.05, "shared_office": 0.5, "many_accounts": 0.02, "sms_only": 0.02,
    "ticket_order_ref": 0.02,
}


@dataclass
class Tags:
    """Records touched per phenomenon: (system, table) -> keys, per phenomenon."""

    keys: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def add(self, phenomenon: str, system: str, table: str, keys: list[str] | np.ndarray | pa.Array) -> None:
        values = keys.to_pylist() if isinstance(keys, pa.Array | pa.ChunkedArray) else list(keys)
        self.keys.setdefault((phenomenon, system, table), []).extend(str(k) for k in values if k is not None)

    def table(self) -> pa.Table:
        rows = [(p, s, t, k) for (p, s, t), keys in self.keys.items() for k in dict.fromkeys(keys)]
        return pa.table({
            "phenomenon": pa.array([r[0] for r in rows], pa.string()),
            "system": pa.array([r[1] for r in rows], pa.string()),
            "table": pa.array([r[2] for r in rows], pa.string()),
            "record_key": pa.array([r[3] for r in rows], pa.string()),
        })


# ---------------------------------------------------------------- small helpers



def _letters(name: str) -> str:
    """``name`` in lower case with everything but ASCII letters removed (an e-mail local part)."""
    return "".join(c for c in name.lower() if "a" <= c <= "z") or "x"

def _objects(values: pa.Array) -> np.ndarray:
    """Python values (None for nulls) in an object array."""
    out = np.empty(len(values), dtype=object)
    out[:] = values.to_pylist()
    return out


def _set(frame: Frame, column: str, mask: np.ndarray, values: Callable[[np.ndarray], np.ndarray] | np.ndarray
         ) -> Frame:
    """Replace ``column`` where ``mask`` holds (``values``: per selected row, or a function of them)."""
    current = _objects(frame.columns[column])
    chosen = np.flatnonzero(mask)
    if len(chosen) == 0:
        return frame
    current[chosen] = values(chosen) if callable(values) else values
    kind = frame.columns[column].type
    return frame.with_columns(**{column: pa.array(current.tolist(), kind)})


def _rows_with(frame: Frame, column: str, keys: list | np.ndarray) -> np.ndarray:
    values = frame.columns[column]
    lookup = pa.array(list(keys), values.type) if len(keys) else pa.array([], values.type)
    return pc.fill_null(pc.is_in(values, value_set=lookup), False).to_numpy(zero_copy_only=False)


def _valid_keys(frame: Frame, column: str) -> np.ndarray:
    """Distinct keys of the valid rows about a person, in first-seen order."""
    valid = (frame.kind == VALID) & (frame.person_id > 0)
    keys = _objects(frame.columns[column])[valid]
    keys = keys[np.array([k is not None for k in keys], dtype=bool)] if len(keys) else keys
    _, first = np.unique(keys.astype(str), return_index=True)
    return keys[np.sort(first)]


def _key_person(frame: Frame, column: str) -> dict:
    valid = (frame.kind == VALID) & (frame.person_id > 0)
    return dict(zip(_objects(frame.columns[column])[valid].tolist(), frame.person_id[valid].tolist(), strict=True))


def _sample(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    if len(values) == 0:
        return values
    count = int(round(len(values) * share))
    return values[np.sort(rng.choice(len(values), size=min(count, len(values)), replace=False))]


def typo(rng: np.random.Generator, name: str) -> str:
    """Two neighbouring letters swapped (Paul -> Palu) or one letter replaced (Maria -> Marla)."""
    if len(name) < 4:
        return name
    i = int(rng.integers(1, len(name) - 1))
    if rng.random() < 0.6 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    letters = "aeioulnrst"
    replacement = letters[int(rng.integers(0, len(letters)))]
    if replacement == name[i].lower():
        replacement = "y"
    return name[:i] + replacement + name[i + 1:]


def accented(name: str) -> str | None:
    """The name with one of its own letters accented (``Rene`` -> ``René``, ``EMMA`` -> ``ÉMMA``).

    None when it has no letter that takes an accent (``J.``): a name is spelt with an accent, never
    given an extra letter.
    """
    for plain, fancy in ACCENTS.items():
        index = name.find(plain, 1)
        if index > 0:
            return name[:index] + fancy + name[index + 1:]
    for index, letter in enumerate(name):
        if letter.lower() in ACCENTS:
            fancy = ACCENTS[letter.lower()]
            return name[:index] + (fancy.upper() if letter.isupper() else fancy) + name[index + 1:]
    return None


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# ---------------------------------------------------------------- name phenomena


# Where a person's first name is typed: (system, table, key column, first name column, last name
# column or None, full name column or None).
NAME_FIELDS = (
    ("shopify", "customers", "id", "first_name", "last_name", None),
    ("klaviyo", "profiles", "id", "attributes__first_name", "attributes__last_name", None),
    ("zendesk", "users", "id", None, None, "name"),
    ("amazon", "orders", "amazon_order_id", None, None, "buyer_info__buyer_name"),
)


def _rename(frames: Frames, tags: Tags, rng: np.random.Generator, phenomenon: str, share: float,
            change: Callable[[str, str], tuple[str, str] | None]) -> None:
    """Apply ``change(first, last) -> (first, last)`` to a share of the records of every name field."""
    for system, table, key_column, first_column, last_column, full_column in NAME_FIELDS:
        frame = frames[(system, table)]
        keys = _sample(rng, _valid_keys(frame, key_column), share)
        if len(keys) == 0:
            continue
        row_keys = _objects(frame.columns[key_column]).tolist()
        first_row: dict = {}
        for row, key in enumerate(row_keys):
            first_row.setdefault(key, row)
        if full_column is not None:
            full = _objects(frame.columns[full_column])
            names: dict = {}
            for key in keys.tolist():
                name = full[first_row[key]]
                if not isinstance(name, str) or " " not in name.strip():
                    continue
                first, _, last = name.strip().partition(" ")
                changed = change(first, last)
                if changed is not None:
                    names[key] = f"{changed[0]} {changed[1]}".strip()
            rows = [r for r, k in enumerate(row_keys) if k in names]
            full[rows] = [names[row_keys[r]] for r in rows]
            frame = frame.with_columns(**{full_column: pa.array(full.tolist(), pa.string())})
            tags.add(phenomenon, system, table, list(names))
        else:
            firsts, lasts = _objects(frame.columns[first_column]), _objects(frame.columns[last_column])
            changes: dict = {}
            for key in keys.tolist():
                row = first_row[key]
                first, last = firsts[row], lasts[row]
                if not isinstance(first, str) or not first:
                    continue
                changed = change(first, last if isinstance(last, str) else "")
                if changed is not None:
                    changes[key] = changed
            rows = [r for r, k in enumerate(row_keys) if k in changes]
            firsts[rows] = [changes[row_keys[r]][0] for r in rows]
            lasts[rows] = [changes[row_keys[r]][1] or None for r in rows]
            frame = frame.with_columns(**{first_column: pa.array(firsts.tolist(), pa.string()),
                                          last_column: pa.array(lasts.tolist(), pa.string())})
            tags.add(phenomenon, system, table, list(changes))
        frames[(system, table)] = frame


def name_phenomena(rng: np.random.Generator, frames: Frames, tags: Tags) -> None:
    def nickname(first: str, last: str) -> tuple[str, str] | None:
        options = NICKNAMES.get(first.strip().title())
        if not options:
            return None
        return options[int(rng.integers(0, len(options)))], last

    def transposed(first: str, last: str) -> tuple[str, str] | None:
        return (last, first) if last else None

    def initial(first: str, last: str) -> tuple[str, str] | None:
        if not last:
            return None
        return (first[0] + ("." if rng.random() < 0.6 else "")), last

    def diacritics(first: str, last: str) -> tuple[str, str] | None:
        accent_last = bool(last) and rng.random() < 0.5  # drawn first: the stream stays as it was
        fancy = accented(first)
        if fancy is None:
            return None
        return fancy, ((accented(last) or last) if accent_last else last)

    _rename(frames, tags, rng, "name_typo", SHARES["name_typo"], lambda f, la: (typo(rng, f), la))
    _rename(frames, tags, rng, "nickname", SHARES["nickname"] * 4, nickname)  # a quarter of names have one
    _rename(frames, tags, rng, "transposed_name", SHARES["transposed_name"], transposed)
    _rename(frames, tags, rng, "initial", SHARES["initial"], initial)
    _rename(frames, tags, rng, "diacritics", SHARES["diacritics"], diacritics)


# ---------------------------------------------------------------- store phenomena


def _address_line(persons: Persons, index: np.ndarray) -> np.ndarray:
    return _objects(canonical_address(persons, index))


def _phone(persons: Persons, index: np.ndarray) -> np.ndarray:
    return _objects(e164(persons, index))


def gift_orders(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags) -> None:
    """Orders of known accounts shipped to another real person (their name, address, phone)."""
    orders = frames[("shopify", "orders")]
    with_account = _objects(orders.columns["customer__id"])
    ids = _objects(orders.columns["id"])
    valid = (orders.kind == VALID) & (orders.person_id > 0) & np.array([c is not None for c in with_account])
    chosen = _sample(rng, np.unique(ids[valid].astype(np.int64)), SHARES["gift_order"])
    if len(chosen) == 0:
        return
    buyer = _key_person(orders, "id")
    n = len(persons)
    recipient = {}
    for order_id in chosen.tolist():
        head = persons.household_head[buyer[order_id] - 1]
        other = int(rng.integers(0, n))
        while persons.household_head[other] == head:
            other = int(rng.integers(0, n))
        recipient[order_id] = other
    mask = _rows_with(orders, "id", chosen.tolist())
    who = np.array([recipient.get(i, 0) for i in ids.tolist()], dtype=np.int64)
    first, last = _objects(persons.first_name)[who], _objects(persons.last_name)[who]
    line, phone = _address_line(persons, who), _phone(persons, who)
    city, postal = _objects(persons.city)[who], _objects(persons.postal_code)[who]
    country = np.array(COUNTRIES, dtype=object)[persons.country[who]]
    orders = _set(orders, "shipping_address__first_name", mask, first[mask])
    orders = _set(orders, "shipping_address__last_name", mask, last[mask])
    orders = _set(orders, "shipping_address__name", mask, (first + " " + last)[mask])
    orders = _set(orders, "shipping_address__address1", mask, line[mask])
    orders = _set(orders, "shipping_address__city", mask, city[mask])
    orders = _set(orders, "shipping_address__zip", mask, postal[mask])
    orders = _set(orders, "shipping_address__country_code", mask, country[mask])
    orders = _set(orders, "shipping_address__company", mask, np.full(int(mask.sum()), None, dtype=object))
    phones = np.where(rng.random(len(ids)) < 0.5, phone, None)
    orders = _set(orders, "shipping_address__phone", mask, phones[mask])
    frames[("shopify", "orders")] = orders
    tags.add("gift_order", "shopify", "orders", chosen.tolist())


def moved(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags) -> None:
    """People who moved: their later store orders ship to a new address in another city."""
    orders = frames[("shopify", "orders")]
    buyer = _key_person(orders, "id")
    by_person: dict[int, list[int]] = {}
    for order_id, person in buyer.items():
        by_person.setdefault(person, []).append(order_id)
    movers = [p for p, o in by_person.items() if len(o) >= 2]
    movers = _sample(rng, np.array(sorted(movers), dtype=np.int64), SHARES["moved"]).tolist()
    if not movers:
        return
    created = _objects(orders.columns["created_at"])
    ids = _objects(orders.columns["id"])
    order_time = dict(zip(ids.tolist(), created.tolist(), strict=True))
    new_home = {p: int(rng.integers(0, len(persons))) for p in movers}
    later: dict[int, int] = {}
    for person in movers:
        placed = sorted(by_person[person], key=lambda o: order_time[o])
        for order_id in placed[len(placed) // 2:]:
            later[order_id] = person
    mask = _rows_with(orders, "id", list(later))
    home = np.array([new_home[later[i]] if i in later else 0 for i in ids.tolist()], dtype=np.int64)
    orders = _set(orders, "shipping_address__address1", mask, _address_line(persons, home)[mask])
    orders = _set(orders, "shipping_address__city", mask, _objects(persons.city)[home][mask])
    orders = _set(orders, "shipping_address__zip", mask, _objects(persons.postal_code)[home][mask])
    frames[("shopify", "orders")] = orders
    tags.add("moved", "shopify", "orders", list(later))


def many_accounts(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags) -> None:
    """People with four store accounts; their orders spread over them."""
    customers, orders = frames[("shopify", "customers")], frames[("shopify", "orders")]
    account_person = _key_person(customers, "id")
    order_account = dict(zip(_objects(orders.columns["id"]).tolist(),
                             _objects(orders.columns["customer__id"]).tolist(), strict=True))
    orders_of: dict[int, list[int]] = {}
    for order_id, account in order_account.items():
        if account is not None and order_id is not None:  # dirty rows may lack an id
            orders_of.setdefault(account, []).append(order_id)
    emails = dict(zip(_objects(customers.columns["id"]).tolist(), _objects(customers.columns["email"]).tolist(),
                      strict=True))
    candidates = [a for a, os in sorted(orders_of.items()) if len(os) >= 4 and a in account_person
                  and isinstance(emails.get(a), str) and "@" in emails[a]]
    chosen = _sample(rng, np.array(candidates, dtype=np.int64), SHARES["many_accounts"]).tolist()
    if not chosen:
        return
    next_id = int(pc.max(customers.columns["id"]).as_py()) + 1000
    new_rows, new_ids, new_emails, moved_orders = [], [], [], {}
    for account in chosen:
        local, _, domain = emails[account].strip().lower().partition("@")
        variants = [f"{local}+{PLUS_TAGS[int(rng.integers(0, 3))]}@{domain}",
                    f"{local.replace('.', '')}@{domain}" if domain == "gmail.com" and "." in local
                    else f"{local}@{domain}".upper(),
                    f"{local}@{refdata.DOMAIN_TYPOS.get(domain, domain.replace('.', '', 1) + '.com')}"]
        row = int(np.flatnonzero((_objects(customers.columns["id"]) == account) & (customers.kind == VALID))[0])
        placed = sorted(orders_of[account])
        for number, email in enumerate(variants):
            new_rows.append(row)
            new_ids.append(next_id)
            new_emails.append(email)
            for order_id in placed[number + 1::4]:
                moved_orders[order_id] = next_id
            next_id += 1
    extra = customers.take(np.array(new_rows, dtype=np.int64))
    extra = extra.with_columns(id=pa.array(new_ids, pa.int64()), email=pa.array(new_emails, pa.string()))
    frames[("shopify", "customers")] = Frame.concat([customers, extra])
    mask = _rows_with(orders, "id", list(moved_orders))
    ids = _objects(orders.columns["id"])
    orders = _set(orders, "customer__id", mask, lambda rows: np.array([moved_orders[ids[r]] for r in rows],
                                                                       dtype=object))
    frames[("shopify", "orders")] = orders
    tags.add("many_accounts", "shopify", "customers", chosen + new_ids)
    tags.add("many_accounts", "shopify", "orders", [o for a in chosen for o in orders_of[a]])


def shared_office(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags,
                  earlier_domains: Collection[str] = ()) -> None:
    """A business buyer's account used by colleagues: a purchasing inbox, the office phone, and
    orders shipped to each colleague by name (the business is the customer).

    ``earlier_domains``: business domains of earlier chunks of persons, never used here (the
    purchasing inbox of a domain belongs to one company of the whole run)."""
    customers, orders = frames[("shopify", "customers")], frames[("shopify", "orders")]
    business = {p + 1 for p in np.flatnonzero(persons.is_business).tolist()}
    account_person = _key_person(customers, "id")
    emails = dict(zip(_objects(customers.columns["id"]).tolist(), _objects(customers.columns["email"]).tolist(),
                      strict=True))
    # Only companies whose domain is theirs alone (two companies never share a purchasing inbox).
    domain_of = _objects(persons.email_domain)
    owners: dict[str, set[int]] = {}
    for index in np.flatnonzero(persons.is_business).tolist():
        owners.setdefault(domain_of[index], set()).add(index + 1)
    accounts = sorted(a for a, p in account_person.items() if p in business
                      and len(owners.get(domain_of[p - 1], ())) == 1 and domain_of[p - 1] not in earlier_domains
                      and isinstance(emails.get(a), str))
    chosen = _sample(rng, np.array(accounts, dtype=np.int64), SHARES["shared_office"]).tolist()
    if not chosen:
        return
    inbox = {a: "purchasing@" + str(emails[a]).strip().lower().partition("@")[2] for a in chosen}
    office = {a: _phone(persons, np.array([account_person[a] - 1]))[0] for a in chosen}
    customer_mask = _rows_with(customers, "id", chosen)
    customer_ids = _objects(customers.columns["id"])
    customers = _set(customers, "email", customer_mask, lambda rows: np.array(
        [inbox[customer_ids[r]] for r in rows], dtype=object))
    frames[("shopify", "customers")] = customers
    order_accounts = _objects(orders.columns["customer__id"])
    order_mask = _rows_with(orders, "customer__id", chosen)
    names = _objects(pa.array(list(refdata.FIRST_NAMES), pa.string()))
    colleague = names[rng.integers(0, len(names), len(order_accounts))]
    colleague_rows = order_mask & (rng.random(len(order_accounts)) < 0.5)
    orders = _set(orders, "email", order_mask, lambda rows: np.array(
        [inbox[order_accounts[r]] for r in rows], dtype=object))
    orders = _set(orders, "phone", order_mask, lambda rows: np.array(
        [office[order_accounts[r]] for r in rows], dtype=object))
    last = _objects(orders.columns["shipping_address__last_name"])
    orders = _set(orders, "shipping_address__first_name", colleague_rows, colleague[colleague_rows])
    orders = _set(orders, "shipping_address__name", colleague_rows,
                  np.array([f"{f} {la}" for f, la in zip(colleague, last, strict=True)], dtype=object)[colleague_rows])
    frames[("shopify", "orders")] = orders
    tags.add("shared_office", "shopify", "customers", chosen)
    ids = _objects(orders.columns["id"])
    tags.add("shared_office", "shopify", "orders", sorted({i for i in ids[order_mask].tolist() if i is not None}))


def sms_only(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags) -> None:
    """Klaviyo SMS sign-ups known by phone alone; the store has that phone only on the orders'
    shipping/billing address or the account's default address."""
    orders, customers = frames[("shopify", "orders")], frames[("shopify", "customers")]
    profiles = frames[("klaviyo", "profiles")]
    buyers = np.unique(orders.person_id[(orders.kind == VALID) & (orders.person_id > 0)])
    # Klaviyo holds one profile per phone: a number already on a profile (the buyer's own, or a
    # household's shared line) would update that profile, not make a phone-only one.
    held = set(_objects(profiles.columns["attributes__phone_number"])[profiles.kind == VALID].tolist())
    buyers = buyers[np.array([p not in held for p in _phone(persons, buyers - 1).tolist()], dtype=bool)]
    chosen = _sample(rng, buyers, SHARES["sms_only"])
    # Texts need a mobile: a number several members of a household share is their landline
    # (demo.people), which takes no texts, so nobody signs up for SMS with it (filtered after
    # the draw, so the random stream stays as it was).
    numbers, holders = np.unique(_phone(persons, np.arange(len(persons))).astype(str), return_counts=True)
    landlines = set(numbers[holders > 1].tolist())
    chosen = chosen[np.array([p not in landlines for p in _phone(persons, chosen - 1).astype(str).tolist()],
                             dtype=bool)]
    _, first = np.unique(_phone(persons, chosen - 1).astype(str), return_index=True)
    chosen = chosen[np.sort(first)]
    if len(chosen) == 0:
        return
    phone = _phone(persons, chosen - 1)
    phone_of = dict(zip(chosen.tolist(), phone.tolist(), strict=True))
    # The store: no phone in the order's or account's own phone field, the address phones set.
    mask = np.isin(orders.person_id, chosen)
    orders = _set(orders, "phone", mask, np.full(int(mask.sum()), None, dtype=object))
    which = rng.random(len(orders)) < 0.5
    formatted = np.array([_national(phone_of.get(p)) for p in orders.person_id.tolist()], dtype=object)
    orders = _set(orders, "billing_address__phone", mask & which, formatted[mask & which])
    orders = _set(orders, "shipping_address__phone", mask & ~which, formatted[mask & ~which])
    frames[("shopify", "orders")] = orders
    mask = np.isin(customers.person_id, chosen)
    customers = _set(customers, "phone", mask, np.full(int(mask.sum()), None, dtype=object))
    formatted = np.array([_national(phone_of.get(p)) for p in customers.person_id.tolist()], dtype=object)
    customers = _set(customers, "default_address__phone", mask, formatted[mask])
    frames[("shopify", "customers")] = customers
    # Klaviyo: each of them signs up for texts with the phone alone.
    template = int(np.flatnonzero(profiles.kind == VALID)[0])
    extra = profiles.take(np.full(len(chosen), template, dtype=np.int64))
    ids = [f"SMS{int(p):09d}{'X' * 14}"[:26] for p in persons.person_id[chosen - 1].tolist()]
    none = pa.nulls(len(chosen), pa.string())
    extra = extra.with_columns(
        id=pa.array(ids, pa.string()), attributes__email=none, attributes__external_id=none,
        attributes__first_name=none, attributes__last_name=none, attributes__organization=none,
        attributes__phone_number=pa.array([phone_of[p] for p in chosen.tolist()], pa.string()),
        attributes__subscriptions__sms__marketing__consent=pa.array(["SUBSCRIBED"] * len(chosen), pa.string()),
        attributes__subscriptions__email__marketing__consent=pa.array(["NEVER_SUBSCRIBED"] * len(chosen),
                                                                      pa.string()),
        attributes__subscriptions__email__marketing__consent_timestamp=none,
    )
    extra.person_id[:] = chosen
    frames[("klaviyo", "profiles")] = Frame.concat([profiles, extra])
    tags.add("sms_only", "klaviyo", "profiles", ids)


def _national(phone: str | None) -> str | None:
    """``+14155550134`` as ``(415) 555-0134`` (UK numbers as ``07700 900123``)."""
    if phone is None:
        return None
    if phone.startswith("+1"):
        digits = phone[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return "0" + phone[3:]


def ticket_order_refs(rng: np.random.Generator, persons: Persons, frames: Frames, tags: Tags) -> None:
    """Buyers who write to support from an address used nowhere else, quoting the order in the subject."""
    orders, amazon = frames[("shopify", "orders")], frames[("amazon", "orders")]
    users, tickets = frames[("zendesk", "users")], frames[("zendesk", "tickets")]
    shop_orders = _key_person(orders, "name")
    amazon_orders = _key_person(amazon, "amazon_order_id")
    quoted = [(k, p, "shopify") for k, p in shop_orders.items() if isinstance(k, str)]
    quoted += [(k, p, "amazon") for k, p in amazon_orders.items() if isinstance(k, str)]
    quoted.sort(key=lambda q: q[0])
    count = int(round(len(quoted) * SHARES["ticket_order_ref"] / 3))
    picks = [quoted[i] for i in np.sort(rng.choice(len(quoted), size=min(count, len(quoted)), replace=False))]
    if not picks:
        return
    user_template = int(np.flatnonzero((users.kind == VALID) & (users.person_id > 0))[0])
    ticket_template = int(np.flatnonzero((tickets.kind == VALID) & (tickets.person_id > 0))[0])
    next_user = int(pc.max(users.columns["id"]).as_py()) + 1000
    next_ticket = int(pc.max(tickets.columns["id"]).as_py()) + 1000
    user_ids = list(range(next_user, next_user + len(picks)))
    ticket_ids = list(range(next_ticket, next_ticket + len(picks)))
    people = np.array([p for _, p, _ in picks], dtype=np.int64)
    first = _objects(persons.first_name)[people - 1]
    last = _objects(persons.last_name)[people - 1]
    # only letters in the local part: "St. Pierre" or "O'Brien" must not make an invalid address
    email = [f"{_letters(f)}{int(rng.integers(100, 999))}.{_letters(la)[:3]}@proton.me"
             for f, la in zip(first, last, strict=True)]
    formats = ("Where is my order {}?", "Re: order {} arrived damaged", "Question about {}", "Return for order {}")
    subjects = [formats[int(rng.integers(0, len(formats)))].format(key) for key, _, _ in picks]
    none = pa.nulls(len(picks), pa.string())
    new_users = users.take(np.full(len(picks), user_template, dtype=np.int64)).with_columns(
        id=pa.array(user_ids, pa.int64()), name=pa.array([f"{f} {la}" for f, la in zip(first, last, strict=True)]),
        email=pa.array(email, pa.string()), phone=none, external_id=none, organization_id=pa.nulls(len(picks),
                                                                                                  pa.int64()))
    new_users.person_id[:] = people
    new_tickets = tickets.take(np.full(len(picks), ticket_template, dtype=np.int64)).with_columns(
        id=pa.array(ticket_ids, pa.int64()), requester_id=pa.array(user_ids, pa.int64()),
        submitter_id=pa.array(user_ids, pa.int64()), subject=pa.array(subjects, pa.string()), external_id=none,
        organization_id=pa.nulls(len(picks), pa.int64()))
    new_tickets.person_id[:] = people
    frames[("zendesk", "users")] = Frame.concat([users, new_users])
    frames[("zendesk", "tickets")] = Frame.concat([tickets, new_tickets])
    tags.add("ticket_order_ref", "zendesk", "users", user_ids)


# ---------------------------------------------------------------- tags of generated phenomena


def tag_generated(persons: Persons, frames: Frames, tags: Tags) -> None:
    """Records of phenomena the people model already makes: shared household inboxes, relay addresses."""
    members = persons.shares_email | (np.bincount(persons.household_head, weights=persons.shares_email,
                                                  minlength=len(persons))[np.arange(len(persons))] > 0)
    household = set((np.flatnonzero(members) + 1).tolist())
    for (system, table), key in (
            (("shopify", "customers"), "id"), (("shopify", "orders"), "id"), (("klaviyo", "profiles"), "id"),
            (("zendesk", "users"), "id"), (("amazon", "orders"), "amazon_order_id")):
        frame = frames[(system, table)]
        mask = (frame.kind == VALID) & np.isin(frame.person_id, list(household))
        tags.add("household", system, table,
                 sorted({k for k in _objects(frame.columns[key])[mask].tolist() if k is not None}, key=str))
    amazon = frames[("amazon", "orders")]
    relay = pc.fill_null(pc.match_substring(amazon.columns["buyer_info__buyer_email"], "@marketplace."),
                         False).to_numpy(zero_copy_only=False) & (amazon.kind == VALID)
    tags.add("relay_email", "amazon", "orders",
             sorted({k for k in _objects(amazon.columns["amazon_order_id"])[relay].tolist() if k is not None}))


def business_domains(persons: Persons) -> list[str]:
    """The e-mail domains of the business buyers (kept out of later chunks' shared offices)."""
    return sorted(set(_objects(persons.email_domain)[persons.is_business].tolist()))


PHENOMENA: tuple[Callable[[np.random.Generator, Persons, Frames, Tags], None], ...] = (
    gift_orders, moved, many_accounts, shared_office, sms_only, ticket_order_refs,
)


def apply(rng: np.random.Generator, persons: Persons, frames: Frames, earlier_domains: Collection[str] = ()
          ) -> pa.Table:
    """Add every phenomenon to ``frames`` (in place) and return the tags.

    ``earlier_domains``: business e-mail domains of earlier chunks of persons (see ``shared_office``).
    """
    tags = Tags()
    tag_generated(persons, frames, tags)
    for phenomenon in PHENOMENA:
        step = partial(shared_office, earlier_domains=earlier_domains) if phenomenon is shared_office else phenomenon
        step(rng, persons, frames, tags)
    name_phenomena(rng, frames, tags)
    return tags.table()
