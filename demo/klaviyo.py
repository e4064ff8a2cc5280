"""Klaviyo (e-mail/SMS marketing): profiles with consent, lists and members, metrics.

Profiles come from two doors: the Shopify integration syncs every store account (external id =
Shopify customer id), and sign-up forms add people as they type themselves, prospects who never
buy among them. A form address that differs from the store address only by Gmail dots or a
``+tag`` stays a separate profile (Klaviyo matches exact addresses), which is an identity trap.

Klaviyo holds one profile per e-mail address (case-insensitive, trimmed; Gmail dots and
``+tags`` make other addresses) and one per phone number, so a sign-up whose address is already
on a profile updates that profile instead of making one (:func:`unique_profiles`): the first
sign-up's person owns the profile (its truth), and later sign-ups with the same address (a
household member typing the shared inbox, a store account syncing onto a form profile) add only
what the profile lacks: a consent it never had, a phone, the store account's external id. They
submit the address alone (the sign-up pop-up), so the profile keeps its owner's name. Lists and
events are made per profile, so what the later sign-up did lands on the one profile.
Events are made in :mod:`demo.klaviyo_events`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.frame import SpareKeys, TableOut, const, frame
from demo.identity import EmailStyle, e164, render_email, render_name, take
from demo.people import SUBSCRIBED, Persons, consent_at, consent_changed_at
from demo.shopify import ShopifyData
from demo.timeline import DAY, Timeline, black_friday
from demo.vector import (
    BASE62,
    CROCKFORD,
    NO_TIME,
    encode,
    iso_utc_offset,
    join,
    null_where,
    pick,
    random_text,
    where,
)

FORM_EMAIL_STYLE = EmailStyle(case=0.08, pad=0.03, gmail_dots=0.05, plus_tag=0.02, typo=0.005)
CONSENT = ("NEVER_SUBSCRIBED", "SUBSCRIBED", "UNSUBSCRIBED")
COUNTRY_NAMES = ("United States", "Canada", "United Kingdom")
METRICS = ("Received Email", "Opened Email", "Clicked Email", "Subscribed to List", "Unsubscribed",
           "Marked Email as Spam", "Bounced Email")
RECEIVED, OPENED, CLICKED, SUBSCRIBED_TO_LIST, UNSUBSCRIBED_METRIC, SPAM, BOUNCED = range(7)
NEWSLETTER, SMS_LIST, VIP, EARLY_ACCESS, WAITLIST, WINBACK = range(6)


@dataclass
class Profiles:
    """Klaviyo profiles sorted by creation time, with each one's consent timeline."""

    id: pa.Array
    person: np.ndarray
    created_ts: np.ndarray
    email: pa.Array
    has_phone: np.ndarray
    email_sub: np.ndarray
    email_unsub: np.ndarray
    sms_sub: np.ndarray
    sms_unsub: np.ndarray
    account: np.ndarray  # Shopify account index or -1 (form-only profile)
    phone_person: np.ndarray  # person index whose phone the profile carries (-1: no phone)

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class Lists:
    id: pa.Array
    member_list: np.ndarray
    member_profile: np.ndarray
    member_ts: np.ndarray


@dataclass
class KlaviyoData:
    profiles: Profiles
    lists: Lists
    metric_id: pa.Array
    tables: list[TableOut]


def generate(rng: np.random.Generator, persons: Persons, shop: ShopifyData, timeline: Timeline,
             list_ids: pa.Array | None = None, metric_ids: pa.Array | None = None) -> KlaviyoData:
    """Profiles, lists, list members and metrics (events are added by ``klaviyo_events``).

    The account has one set of lists and metrics: a later chunk of persons passes the first
    chunk's ``list_ids`` and ``metric_ids`` and makes only profiles and list members.
    """
    profiles = make_profiles(rng, persons, shop, timeline)
    lists = make_lists(rng, persons, shop, profiles, timeline, list_ids)
    first = metric_ids is None
    metric_id = random_text(rng, len(METRICS), 6, BASE62) if first else metric_ids
    tables = [
        profiles_table(rng, persons, shop, profiles, timeline),
        *([lists_table(rng, lists, timeline)] if first else []),
        members_table(rng, lists, profiles),
        *([TableOut("klaviyo", "metrics", frame({
            "id": metric_id, "attributes__name": pa.array(METRICS, pa.string()),
            "attributes__integration__name": const(len(METRICS), "Klaviyo"),
        }, np.full(len(METRICS), timeline.start_ts)))] if first else []),
    ]
    return KlaviyoData(profiles=profiles, lists=lists, metric_id=metric_id, tables=tables)


def make_profiles(rng: np.random.Generator, persons: Persons, shop: ShopifyData, timeline: Timeline) -> Profiles:
    """One profile per store account (synced) and per form sign-up whose address is not already there."""
    accounts = shop.accounts
    n_persons = len(persons)
    form_person = np.flatnonzero(persons.signup_ts != NO_TIME)
    form_email = render_email(rng, persons, form_person, FORM_EMAIL_STYLE)
    phone_only = (persons.role[form_person] == 0) & (persons.sms_sub_ts[form_person] != NO_TIME) & (
        rng.random(len(form_person)) < 0.3)
    form_email = null_where(form_email, phone_only)
    # The store account of the same inbox, if any: Klaviyo merges it when the address matches exactly.
    own_account = np.full(n_persons, -1, dtype=np.int64)
    main = ~accounts.second
    own_account[accounts.person[main]] = np.flatnonzero(main)
    form_account = own_account[form_person]
    account_email = accounts.email.take(pa.array(np.maximum(form_account, 0)))
    normalised = pc.utf8_lower(pc.utf8_trim_whitespace(form_email))
    same = (form_account >= 0) & pc.fill_null(pc.equal(normalised, account_email), False).to_numpy(
        zero_copy_only=False)
    merged_accounts = form_account[same]
    synced = np.setdiff1d(np.arange(len(accounts)), merged_accounts)

    person = np.r_[form_person, accounts.person[synced]]
    account = np.r_[np.where(same, form_account, -1), synced]
    created = np.r_[persons.signup_ts[form_person], accounts.created_ts[synced] + rng.integers(30, 900, len(synced))]
    email = pa.concat_arrays([where(same, account_email, form_email), accounts.email.take(pa.array(synced))])
    # Consent lives on the profile the person gave it through: the form profile, else their main account's.
    form_holder = np.zeros(n_persons, dtype=bool)
    form_holder[form_person] = True
    is_form = np.r_[np.ones(len(form_person), bool), np.zeros(len(synced), bool)]
    second = np.r_[np.zeros(len(form_person), bool), accounts.second[synced]]
    holds = ~second & (is_form | ~form_holder[person])
    phone = holds & ((persons.sms_sub_ts[person] != NO_TIME) | (rng.random(len(person)) < 0.2))
    order = np.argsort(created, kind="stable")
    created = np.minimum(created[order], timeline.end_ts)
    person, account, holds, phone = person[order], account[order], holds[order], phone[order]

    email = email.take(pa.array(order))
    has_email = pc.is_valid(email).to_numpy(zero_copy_only=False)

    def consent(values: np.ndarray, channel_present: np.ndarray) -> np.ndarray:
        """The person's consent time on the profile holding it (never before the profile existed)."""
        given = holds & channel_present & (values[person] != NO_TIME)
        return np.where(given, np.maximum(values[person], created + 1), NO_TIME)

    signups = Profiles(
        id=pa.nulls(len(created), pa.string()), person=person, created_ts=created, email=email, has_phone=phone,
        email_sub=consent(persons.email_sub_ts, has_email), email_unsub=consent(persons.email_unsub_ts, has_email),
        sms_sub=consent(persons.sms_sub_ts, phone), sms_unsub=consent(persons.sms_unsub_ts, phone), account=account,
        phone_person=np.where(phone, person, -1),
    )
    profiles = unique_profiles(signups, e164(persons, person))
    millis = profiles.created_ts * 1000 + rng.integers(0, 1000, len(profiles))
    profiles.id = join(encode(millis, 10, CROCKFORD), random_text(rng, len(profiles), 16, CROCKFORD))
    return profiles


def unique_profiles(signups: Profiles, phones: pa.Array) -> Profiles:
    """One profile per e-mail address and per phone number, as Klaviyo keeps them.

    ``signups`` in creation order, ``phones`` each sign-up's person's E.164 number. A sign-up
    whose address (lower case, trimmed) is already on a profile updates it: the profile keeps its
    owner (the first sign-up), name and creation time, and takes from the later sign-up only what
    it lacks: the e-mail or SMS consent (the SMS one with the phone it was given for), a phone, a
    store account's external id. A sign-up known only by a phone another profile holds updates
    that profile the same way; a sign-up with a new address and a phone another profile holds
    gets a profile of its own without that phone (and without SMS consent). Only the sign-ups
    sharing an address or a phone with another one are looked at one by one.
    """
    n = len(signups)
    email_key = np.asarray(pc.utf8_lower(pc.utf8_trim_whitespace(signups.email)).to_numpy(zero_copy_only=False),
                           dtype=object)
    phone_key = np.where(signups.has_phone, np.asarray(phones.to_numpy(zero_copy_only=False), dtype=object), None)
    number = phone_key.copy()  # the phone each profile holds
    shared = _shared(email_key) | _shared(phone_key)
    keep = np.ones(n, dtype=bool)
    p = Profiles(id=signups.id, person=signups.person, created_ts=signups.created_ts, email=signups.email,
                 has_phone=signups.has_phone.copy(), email_sub=signups.email_sub.copy(),
                 email_unsub=signups.email_unsub.copy(), sms_sub=signups.sms_sub.copy(),
                 sms_unsub=signups.sms_unsub.copy(), account=signups.account.copy(),
                 phone_person=signups.phone_person.copy())
    by_email: dict[str, int] = {}
    by_phone: dict[str, int] = {}
    for i in np.flatnonzero(shared).tolist():
        email, phone = email_key[i], phone_key[i]
        target = by_email.get(email) if email is not None else by_phone.get(phone)
        if target is None:  # a profile of its own
            if email is not None:
                by_email[email] = i
            if phone is not None:
                if phone in by_phone:  # held by another profile: left out, with its SMS consent
                    p.has_phone[i], p.phone_person[i], number[i] = False, -1, None
                    p.sms_sub[i], p.sms_unsub[i] = NO_TIME, NO_TIME
                else:
                    by_phone[phone] = i
            continue
        keep[i] = False
        if p.account[target] < 0:
            p.account[target] = p.account[i]
        if p.email_sub[target] == NO_TIME:
            p.email_sub[target], p.email_unsub[target] = p.email_sub[i], p.email_unsub[i]
        if phone is not None and not p.has_phone[target] and phone not in by_phone:
            p.has_phone[target], p.phone_person[target], number[target] = True, p.phone_person[i], phone
            by_phone[phone] = target
        if p.sms_sub[target] == NO_TIME and phone is not None and number[target] == phone:
            p.sms_sub[target], p.sms_unsub[target] = p.sms_sub[i], p.sms_unsub[i]
    rows = np.flatnonzero(keep)
    return Profiles(
        id=p.id.take(pa.array(rows)), person=p.person[rows], created_ts=p.created_ts[rows],
        email=p.email.take(pa.array(rows)), has_phone=p.has_phone[rows], email_sub=p.email_sub[rows],
        email_unsub=p.email_unsub[rows], sms_sub=p.sms_sub[rows], sms_unsub=p.sms_unsub[rows],
        account=p.account[rows], phone_person=p.phone_person[rows],
    )


def _shared(keys: np.ndarray) -> np.ndarray:
    """Rows whose (non-null) key another row also has."""
    present = np.flatnonzero(np.array([k is not None for k in keys], dtype=bool))
    out = np.zeros(len(keys), dtype=bool)
    if len(present) == 0:
        return out
    _, inverse, counts = np.unique(keys[present].astype(str), return_inverse=True, return_counts=True)
    out[present] = counts[inverse] > 1
    return out


def profiles_table(rng: np.random.Generator, persons: Persons, shop: ShopifyData, profiles: Profiles,
                   timeline: Timeline) -> TableOut:
    """Profiles as the API returns them; profiles that withdrew consent also arrive as they were before."""
    p = profiles.person
    n = len(profiles)
    synced = profiles.account >= 0
    end = timeline.end_ts
    last_sync = np.where(synced, shop.accounts.last_ts[np.maximum(profiles.account, 0)], NO_TIME)
    changes = [profiles.created_ts, last_sync, _upto(profiles.email_sub, end), _upto(profiles.email_unsub, end),
               _upto(profiles.sms_sub, end), _upto(profiles.sms_unsub, end)]
    updated = np.minimum(np.maximum.reduce(changes) + rng.integers(0, 120, n), end)
    located = synced | (rng.random(n) < 0.4)
    country = persons.country[p]
    given_first = synced | (rng.random(n) < 0.5)
    given_last = synced | (rng.random(n) < 0.15)

    def version(at: np.ndarray) -> dict[str, pa.Array]:
        return {
            "attributes__updated": iso_utc_offset(at),
            **_consent_columns("email", profiles.email_sub, profiles.email_unsub, at),
            **_consent_columns("sms", profiles.sms_sub, profiles.sms_unsub, at),
        }

    columns = {
        "id": profiles.id,
        "attributes__email": profiles.email,
        "attributes__phone_number": null_where(e164(persons, np.maximum(profiles.phone_person, 0)),
                                               ~profiles.has_phone),
        "attributes__external_id": null_where(
            pa.array(shop.accounts.id[np.maximum(profiles.account, 0)]).cast(pa.string()), ~synced),
        "attributes__first_name": null_where(render_name(rng, take(persons.first_name, p), 0.04), ~given_first),
        "attributes__last_name": null_where(render_name(rng, take(persons.last_name, p), 0.04), ~given_last),
        "attributes__organization": take(persons.company, p),
        "attributes__location__city": null_where(take(persons.city, p), ~located),
        "attributes__location__region": null_where(take(persons.region, p), ~located),
        "attributes__location__zip": null_where(take(persons.postal_code, p), ~(located & synced)),
        "attributes__location__country": null_where(pick(COUNTRY_NAMES, country), ~located),
        "attributes__created": iso_utc_offset(profiles.created_ts),
        **version(updated),
    }
    latest = frame(columns, updated, person_id=p + 1)
    withdrawn = np.maximum(profiles.email_unsub, profiles.sms_unsub)
    before = np.maximum(withdrawn - rng.integers(1, 20, n) * DAY, profiles.created_ts)
    at = np.where(withdrawn != NO_TIME, before, profiles.created_ts + 60)
    candidates = np.flatnonzero(at < updated)
    older = frame({**columns, **version(at)}, at, person_id=latest.person_id).take(candidates)
    weight = np.where(withdrawn[candidates] != NO_TIME, 8.0, 1.0)  # consent withdrawn matters most
    return TableOut("klaviyo", "profiles", latest, older=older, older_weight=weight)


def _upto(values: np.ndarray, end: int) -> np.ndarray:
    return np.where(values <= end, values, NO_TIME)


def _consent_columns(channel: str, sub: np.ndarray, unsub: np.ndarray, at: np.ndarray) -> dict[str, pa.Array]:
    prefix = f"attributes__subscriptions__{channel}__marketing__"
    state = consent_at(sub, unsub, at)
    return {f"{prefix}consent": pick(CONSENT, state),
            f"{prefix}consent_timestamp": iso_utc_offset(consent_changed_at(sub, unsub, at))}


# ---------------------------------------------------------------- lists


LIST_NAMES = ("Newsletter", "SMS Subscribers", "VIP Customers", "Black Friday Early Access", "Product Launch Waitlist",
              "Winback Candidates")
LIST_OPT_IN = ("double_opt_in", "single_opt_in", "single_opt_in", "single_opt_in", "double_opt_in",
               "single_opt_in")


def make_lists(rng: np.random.Generator, persons: Persons, shop: ShopifyData, profiles: Profiles,
               timeline: Timeline, list_ids: pa.Array | None = None) -> Lists:
    """Lists and who joined them when: subscribers, SMS subscribers, VIPs, sale early access, waitlist, winback."""
    end = timeline.end_ts
    n = len(profiles)
    members: list[tuple[int, np.ndarray, np.ndarray]] = []
    email_subs = np.flatnonzero((profiles.email_sub != NO_TIME) & (profiles.email_sub <= end))
    members.append((NEWSLETTER, email_subs, profiles.email_sub[email_subs] + 5))
    sms_subs = np.flatnonzero((profiles.sms_sub != NO_TIME) & (profiles.sms_sub <= end))
    members.append((SMS_LIST, sms_subs, profiles.sms_sub[sms_subs] + 5))
    account = np.maximum(profiles.account, 0)
    vip = np.flatnonzero((profiles.account >= 0) & (shop.accounts.orders[account] >= 5))
    members.append((VIP, vip, shop.accounts.last_ts[account[vip]]))
    bf_year = timeline.end.year if timeline.end >= black_friday(timeline.end.year) else timeline.end.year - 1
    bf_ts = int((black_friday(bf_year) - timeline.start).days) * DAY + timeline.start_ts
    window = bf_ts - rng.integers(2 * DAY, 30 * DAY, n)
    early = np.flatnonzero((consent_at(profiles.email_sub, profiles.email_unsub, window) == SUBSCRIBED)
                           & (rng.random(n) < 0.3) & (window > timeline.start_ts))
    members.append((EARLY_ACCESS, early, window[early]))
    prospects = np.flatnonzero((persons.role[profiles.person] == 0) & (profiles.account < 0)
                               & (rng.random(n) < 0.2))
    members.append((WAITLIST, prospects, profiles.created_ts[prospects] + rng.integers(60, 40 * DAY, len(prospects))))
    lapsed_at = shop.accounts.last_ts[account] + 180 * DAY
    winback = np.flatnonzero((profiles.account >= 0) & (lapsed_at <= end) & (rng.random(n) < 0.5))
    members.append((WINBACK, winback, lapsed_at[winback] + rng.integers(0, DAY, len(winback))))
    member_list = np.concatenate([np.full(len(idx), code) for code, idx, _ in members])
    member_profile = np.concatenate([idx for _, idx, _ in members])
    member_ts = np.maximum(np.concatenate([ts for _, _, ts in members]), profiles.created_ts[member_profile] + 1)
    joined = member_ts <= end  # nobody joins after the last day
    ids = random_text(rng, len(LIST_NAMES), 6, BASE62) if list_ids is None else list_ids
    return Lists(id=ids, member_list=member_list[joined],
                 member_profile=member_profile[joined], member_ts=member_ts[joined])


def lists_table(rng: np.random.Generator, lists: Lists, timeline: Timeline) -> TableOut:
    count = len(LIST_NAMES)
    created = timeline.start_ts - rng.integers(30, 400, count) * DAY - rng.integers(0, DAY, count)
    updated = np.maximum(created + DAY, last_joins(lists))
    columns = {
        "id": lists.id,
        "attributes__name": pa.array(LIST_NAMES, pa.string()),
        "attributes__opt_in_process": pa.array(LIST_OPT_IN, pa.string()),
        "attributes__created": iso_utc_offset(created),
        "attributes__updated": iso_utc_offset(updated),
    }
    return TableOut("klaviyo", "lists", frame(columns, updated))


def last_joins(lists: Lists) -> np.ndarray:
    """Per list: when its latest member joined (NO_TIME if nobody did)."""
    last_join = np.full(len(LIST_NAMES), NO_TIME, dtype=np.int64)
    np.maximum.at(last_join, lists.member_list, lists.member_ts)
    return last_join


def with_later_joins(lists: TableOut, last_join: np.ndarray) -> TableOut:
    """The lists table made with the first chunk of persons, updated when any chunk's member joined later."""
    rows = lists.rows
    updated = np.maximum(rows.delivered_at, last_join)
    if (updated == rows.delivered_at).all():
        return lists
    rows = rows.with_columns(attributes__updated=iso_utc_offset(updated))
    rows.delivered_at = updated
    return TableOut(lists.system, lists.name, rows)


def members_table(rng: np.random.Generator, lists: Lists, profiles: Profiles) -> TableOut:
    """List membership rows; spare (list, profile) pairs let junk rows point at real lists and profiles."""
    columns = {
        "list_id": lists.id.take(pa.array(lists.member_list)),
        "profile_id": profiles.id.take(pa.array(lists.member_profile)),
        "joined_group_at": iso_utc_offset(lists.member_ts),
    }
    rows = frame(columns, lists.member_ts, person_id=profiles.person[lists.member_profile] + 1)
    # Spare pairs: VIP list x profiles not on it.
    existing = set((lists.member_list * len(profiles) + lists.member_profile).tolist())
    candidate = rng.choice(len(profiles), size=min(len(profiles), 4 * (len(rows) // 100 + 10)), replace=False)
    free = np.array([c for c in candidate.tolist() if VIP * len(profiles) + c not in existing], dtype=np.int64)
    spare = SpareKeys(columns={"list_id": lists.id.take(pa.array(np.full(len(free), VIP))),
                               "profile_id": profiles.id.take(pa.array(free))},
                      person_id=profiles.person[free] + 1)
    return TableOut("klaviyo", "list_members", rows, spare_keys=spare)

