"""Shopify customer accounts: one per e-mail address, created at the first checkout or order.

Traps for identity resolution live here: a household sharing one inbox shares one account (the
orders of every member point at it, each shipped under the member's own name); a few people open
a second account under a Gmail variant (``janedoe@`` / ``jane.doe+shop@``) or a mistyped domain;
Amazon-first buyers arrive with the same name and address they use on the marketplace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.chunks import WHOLE, Chunk
from demo.frame import Frame, TableOut, bools, const, frame, ints
from demo.identity import EmailStyle, e164, render_address1, render_email, render_name, render_phone, take
from demo.people import COUNTRIES, SUBSCRIBED, Persons, consent_at, consent_changed_at
from demo.timeline import DAY, Timeline
from demo.vector import NO_TIME, group_first, iso_shop_local, join, null_where, pick, rising_ids, where

MAIN_EMAIL_STYLE = EmailStyle(gmail_dots=0.03, plus_tag=0.02, typo=0.004)
CONSENT_STATES = ("not_subscribed", "subscribed", "unsubscribed")


def account_keys(rng: np.random.Generator, persons: Persons) -> tuple[np.ndarray, np.ndarray]:
    """Account key of each person (their inbox's owner) and of their second account (or -1).

    Keys are person indexes for main accounts and ``n + person`` for second accounts.
    """
    n = len(persons)
    main = np.where(persons.shares_email, persons.household_head, np.arange(n))
    second = persons.on_shopify & (persons.shop_orders >= 2) & ~persons.shares_email & (rng.random(n) < 0.06)
    return main, np.where(second, n + np.arange(n), -1)


@dataclass
class Accounts:
    """Customer accounts sorted by creation time."""

    id: np.ndarray
    key: np.ndarray
    person: np.ndarray  # the person who opened it (first to use the inbox)
    second: np.ndarray  # a person's second account under an e-mail variant
    created_ts: np.ndarray
    last_ts: np.ndarray  # last order or checkout
    orders: np.ndarray
    email: pa.Array
    index_of_key: np.ndarray  # key -> account index (or -1)

    def __len__(self) -> int:
        return len(self.id)

    def ids_for(self, keys: np.ndarray) -> np.ndarray:
        return self.id[self.index_of_key[keys]]


def make_accounts(rng: np.random.Generator, persons: Persons, timeline: Timeline, activity_key: np.ndarray,
                  activity_ts: np.ndarray, activity_person: np.ndarray, activity_is_order: np.ndarray,
                  chunk: Chunk = WHOLE) -> Accounts:
    """Accounts of every key that placed an order or started a checkout, opened just before the first."""
    n_keys = 2 * len(persons)
    first = group_first(activity_key, activity_ts, n_keys)
    keys = np.flatnonzero(first >= 0)
    last = np.full(n_keys, NO_TIME, dtype=np.int64)
    np.maximum.at(last, activity_key, activity_ts)
    order_count = np.bincount(activity_key[activity_is_order], minlength=n_keys)
    created = np.maximum(activity_ts[first[keys]] - rng.integers(0, 600, len(keys)), timeline.start_ts)
    sort = np.argsort(created, kind="stable")
    keys, created = keys[sort], created[sort]
    person = activity_person[first[keys]]
    second = keys >= len(persons)
    index_of_key = np.full(n_keys, -1, dtype=np.int64)
    index_of_key[keys] = np.arange(len(keys))
    return Accounts(
        id=rising_ids(rng, len(keys), chunk.first_id("shopify.customers"), 300_000), key=keys, person=person,
        second=second,
        created_ts=created, last_ts=last[keys], orders=order_count[keys],
        email=_account_emails(rng, persons, person, second), index_of_key=index_of_key,
    )


def _account_emails(rng: np.random.Generator, persons: Persons, person: np.ndarray, second: np.ndarray
                    ) -> pa.Array:
    """Main accounts use the inbox as the person types it; second accounts a Gmail/+tag/typo variant."""
    main = render_email(rng, persons, person, MAIN_EMAIL_STYLE)
    variant = render_email(rng, persons, person, EmailStyle(gmail_dots=1.0))
    tagged = render_email(rng, persons, person, EmailStyle(plus_tag=1.0))
    typo = render_email(rng, persons, person, EmailStyle(typo=1.0))
    alternative = where(pc.equal(variant, main).to_numpy(zero_copy_only=False), tagged, variant)
    alternative = where((rng.random(len(person)) < 0.15) & pc.not_equal(typo, main).to_numpy(
        zero_copy_only=False), typo, alternative)
    alternative = where(pc.equal(alternative, main).to_numpy(zero_copy_only=False),
                        join(persons.email_local.take(pa.array(person)), "+alt@",
                             persons.email_domain.take(pa.array(person))), alternative)
    return where(second, alternative, main)


def customers_table(rng: np.random.Generator, persons: Persons, accounts: Accounts, timeline: Timeline
                    ) -> TableOut:
    """The ``customers`` table: latest version of every account, and an earlier version of each."""
    p = accounts.person
    n = len(accounts)
    main = ~accounts.second
    email_sub = np.where(main, persons.email_sub_ts[p], NO_TIME)
    email_unsub = np.where(main, persons.email_unsub_ts[p], NO_TIME)
    sms_sub = np.where(main, persons.sms_sub_ts[p], NO_TIME)
    sms_unsub = np.where(main, persons.sms_unsub_ts[p], NO_TIME)
    end = timeline.end_ts
    changes = [accounts.created_ts + 60, accounts.last_ts, np.where(email_sub <= end, email_sub, NO_TIME),
               np.where(email_unsub <= end, email_unsub, NO_TIME), np.where(sms_sub <= end, sms_sub, NO_TIME),
               np.where(sms_unsub <= end, sms_unsub, NO_TIME)]
    updated = np.minimum(np.maximum.reduce(changes), end)
    has_phone = (sms_sub != NO_TIME) | (rng.random(n) < 0.25)
    state = rng.choice(3, size=n, p=[0.4, 0.55, 0.05])
    country = persons.country[p]
    subscribed_now = consent_at(email_sub, email_unsub, end) == SUBSCRIBED
    tags = pc.replace_substring_regex(join(
        where(accounts.orders >= 5, pa.scalar("vip, "), pa.scalar("")),
        where(persons.is_business[p], pa.scalar("wholesale, "), pa.scalar("")),
        where(subscribed_now, pa.scalar("newsletter, "), pa.scalar(""))), ", $", "")

    def version(at: np.ndarray, tag_values: pa.Array) -> dict[str, pa.Array]:
        email_state = consent_at(email_sub, email_unsub, at)
        sms_state = consent_at(sms_sub, sms_unsub, at)
        return {
            "updated_at": iso_shop_local(at),
            "tags": tag_values,
            "email_marketing_consent__state": pick(CONSENT_STATES, email_state),
            "email_marketing_consent__consent_updated_at": iso_shop_local(
                consent_changed_at(email_sub, email_unsub, at)),
            "sms_marketing_consent__state": pick(CONSENT_STATES, sms_state),
            "sms_marketing_consent__consent_updated_at": iso_shop_local(consent_changed_at(sms_sub, sms_unsub, at)),
        }

    columns = {
        "id": ints(accounts.id),
        "email": accounts.email,
        "first_name": render_name(rng, take(persons.first_name, p)),
        "last_name": render_name(rng, take(persons.last_name, p)),
        "phone": where(has_phone, e164(persons, p), pa.scalar(None, pa.string())),
        "state": pick(["enabled", "disabled", "invited"], state),
        "verified_email": bools((state == 0) | (rng.random(n) < 0.7)),
        "currency": const(n, "USD"),
        "created_at": iso_shop_local(accounts.created_ts),
        "email_marketing_consent__opt_in_level": pick(["single_opt_in", "confirmed_opt_in", "unknown"],
                                                      rng.choice(3, size=n, p=[0.7, 0.25, 0.05])),
        "default_address__company": take(persons.company, p),
        "default_address__address1": render_address1(rng, persons, p, abbreviate=0.3),
        "default_address__city": take(persons.city, p),
        "default_address__province_code": where(country == 2, pa.scalar(None, pa.string()),
                                                take(persons.region, p)),
        "default_address__zip": take(persons.postal_code, p),
        "default_address__country_code": pick(COUNTRIES, country),
        "default_address__phone": _address_phones(rng.spawn(1)[0], persons, p, has_phone),
        **version(updated, tags),
    }
    latest = frame(columns, updated, person_id=p + 1)
    older, withdrawn = _older(rng, accounts, latest, columns, version, email_unsub, updated)
    return TableOut("shopify", "customers", latest, older=older, older_weight=np.where(withdrawn, 8.0, 1.0))


def _address_phones(rng: np.random.Generator, persons: Persons, p: np.ndarray, has_phone: np.ndarray) -> pa.Array:
    """The default address's phone, typed in any format: on a third of the accounts without an
    account phone (the only phone the store knows of them) and a fifth of those with one."""
    keep = rng.random(len(p)) < np.where(has_phone, 0.2, 0.33)
    return null_where(render_phone(rng, persons, p), ~keep)


def _older(rng: np.random.Generator, accounts: Accounts, latest: Frame, columns: dict,
           version: Callable[[np.ndarray, pa.Array], dict[str, pa.Array]], email_unsub: np.ndarray,
           updated: np.ndarray) -> tuple[Frame, np.ndarray]:
    """An earlier version of each account: before consent was withdrawn, or as first created."""
    before_withdrawal = np.maximum(email_unsub - rng.integers(1, 30, len(accounts)) * DAY, accounts.created_ts)
    at = np.where(email_unsub != NO_TIME, before_withdrawal, accounts.created_ts + 60)
    candidates = np.flatnonzero(at < updated)
    old_columns = {**columns, **version(at, const(len(accounts), ""))}  # tags come later (vip, newsletter)
    older = frame(old_columns, at, person_id=latest.person_id)
    return older.take(candidates), email_unsub[candidates] != NO_TIME

