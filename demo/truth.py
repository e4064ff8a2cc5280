"""Ground truth about the true persons, for scoring identity resolution and segments later.

One row per person: who they really are (canonical e-mail, E.164 phone, address), their
household, where they appear, and the ids each system gave them. Made one chunk of persons at a
time, from that chunk's written tables.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import refdata
from demo.amazon import AmazonOrders
from demo.frame import VALID, Frame
from demo.identity import canonical_address, e164
from demo.people import CONSENT_NAMES, COUNTRIES, ROLES, Persons, consent_at, consent_changed_at
from demo.shopify_orders import StoreOrders
from demo.timeline import Timeline
from demo.vector import NO_TIME, group_first, iso_z, null_where, pick

SYSTEMS = ("shopify", "amazon", "klaviyo", "zendesk")


def lists_by_person(person: np.ndarray, values: pa.Array, n: int) -> pa.Array:
    """A list column: for each person index in [0, n), the values whose ``person`` is that index (in order)."""
    person = np.asarray(person, dtype=np.int64)
    keep = person >= 0
    person, values = person[keep], values.filter(pa.array(keep))
    order = np.argsort(person, kind="stable")
    offsets = np.r_[0, np.cumsum(np.bincount(person, minlength=n))].astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.take(pa.array(order)))


def persons_table(persons: Persons, timeline: Timeline, presence: dict[str, np.ndarray],
                  ids: dict[str, pa.Array], counts: dict[str, np.ndarray]) -> pa.Table:
    """The ``persons.parquet`` truth table."""
    n = len(persons)
    end = timeline.end_ts
    household_size = np.bincount(persons.household_head, minlength=n)[persons.household_head]  # within the chunk
    systems = [pa.array(np.where(presence[s], s, None), pa.string()) for s in SYSTEMS]
    system_lists = lists_by_person(np.concatenate([np.where(presence[s], np.arange(n), -1) for s in SYSTEMS]),
                                   pa.concat_arrays(systems), n)
    first_seen = np.min(np.where(np.stack([persons.shop_first_ts, persons.amazon_first_ts, persons.signup_ts]) < 0,
                                 np.iinfo(np.int64).max,
                                 np.stack([persons.shop_first_ts, persons.amazon_first_ts, persons.signup_ts])),
                        axis=0)
    orders = counts["shopify_orders"] + counts["amazon_orders"]
    columns = {
        "person_id": pa.array(persons.person_id),
        "household_id": pa.array(persons.household_id),
        "household_size": pa.array(household_size.astype(np.int64)),
        "shares_household_email": pa.array(persons.shares_email | (
            np.bincount(persons.household_head, weights=persons.shares_email, minlength=n)[np.arange(n)] > 0)),
        "is_business": pa.array(persons.is_business),
        "company": persons.company,
        "first_name": persons.first_name,
        "last_name": persons.last_name,
        "email": persons.email,
        "phone_e164": e164(persons),
        "address": canonical_address(persons),
        "city": persons.city,
        "region": persons.region,
        "postal_code": persons.postal_code,
        "country": pick(COUNTRIES, persons.country),
        "role": pick(ROLES, persons.role),
        "amazon_first": pa.array(persons.amazon_first),
        "acquisition_channel": persons.acquisition_channel,
        "first_store_order_source": null_where(pick(refdata.TRAFFIC_NAMES, np.maximum(
            counts["first_store_order_source"], 0)), counts["first_store_order_source"] < 0),
        "first_seen_at": iso_z(np.where(first_seen == np.iinfo(np.int64).max, NO_TIME, first_seen)),
        "systems": system_lists,
        **{f"in_{s}": pa.array(presence[s]) for s in SYSTEMS},
        "buyer_type": pick(["prospect", "one_time", "repeat"], np.minimum(orders, 2)),
        "shopify_orders": pa.array(counts["shopify_orders"]),
        "amazon_orders": pa.array(counts["amazon_orders"]),
        "shopify_revenue": pa.array(counts["shopify_revenue_cents"] / 100.0),
        "email_consent": pick(CONSENT_NAMES, consent_at(persons.email_sub_ts, persons.email_unsub_ts, end)),
        "email_consent_at": iso_z(persons.email_sub_ts),
        "email_withdrawn_at": iso_z(persons.email_unsub_ts),
        "sms_consent": pick(CONSENT_NAMES, consent_at(persons.sms_sub_ts, persons.sms_unsub_ts, end)),
        "sms_consent_changed_at": iso_z(consent_changed_at(persons.sms_sub_ts, persons.sms_unsub_ts, end)),
        **ids,
    }
    return pa.table(columns)


ID_TABLES = {
    "shopify_customer_ids": ("shopify", "customers"),
    "klaviyo_profile_ids": ("klaviyo", "profiles"),
    "zendesk_user_ids": ("zendesk", "users"),
}


class PersonFacts:
    """What the written tables of one chunk say about its persons: the systems each appears in
    and the ids each system gave them (from the valid rows)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.presence = {s: np.zeros(n, dtype=bool) for s in SYSTEMS}
        self._ids: dict[tuple[str, str], tuple[np.ndarray, pa.Array]] = {}

    def observe(self, system: str, table: str, frame: Frame) -> None:
        """Note the persons behind a table's final rows (``frame.person_id`` counts within the chunk)."""
        about = frame.person_id > 0
        if (system, table) == ("shopify", "pixel_events"):  # anonymous browsing identifies nobody
            about &= pc.is_valid(frame.columns["customer_id"]).to_numpy(zero_copy_only=False)
        self.presence[system][frame.person_id[about] - 1] = True
        if (system, table) in ID_TABLES.values():
            valid = frame.kind == VALID
            self._ids[(system, table)] = (frame.person_id[valid] - 1, frame.columns["id"].filter(pa.array(valid)))

    def ids(self) -> dict[str, pa.Array]:
        """Per id table, a list column of each person's ids."""
        return {label: lists_by_person(*self._ids[key], self.n) for label, key in ID_TABLES.items()}


def order_counts(n: int, orders: StoreOrders, amazon_orders: AmazonOrders) -> dict[str, np.ndarray]:
    """Per person: orders on each channel, store revenue, and the traffic source of the first store order."""
    not_cancelled = orders.cancelled_ts < 0
    first = group_first(orders.person, orders.ts, n)
    return {
        "first_store_order_source": np.where(first >= 0, orders.source[np.maximum(first, 0)], -1),
        "shopify_orders": np.bincount(orders.person, minlength=n).astype(np.int64),
        "amazon_orders": np.bincount(amazon_orders.person, minlength=n).astype(np.int64),
        "shopify_revenue_cents": np.bincount(orders.person[not_cancelled], weights=orders.total[not_cancelled],
                                             minlength=n),
    }
