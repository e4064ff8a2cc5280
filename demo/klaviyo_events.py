"""Klaviyo events: campaign and welcome-flow e-mails received, opened, clicked; bounces, spam
complaints, list subscriptions and unsubscribes. The bulk of the demo data, built without loops.

Campaigns follow the calendar (twice a week, more in Q4, daily around Black Friday). A profile
receives a share of the campaigns sent while it was subscribed; opens and clicks follow each
profile's engagement. A withdrawn consent shows as an ``Unsubscribed`` event at the same time as
the profile's consent timestamp. Clicks are handed to the pixel module as store visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pyarrow as pa

from demo.catalog import Catalog
from demo.chunks import WHOLE, Chunk
from demo.frame import TableOut, frame
from demo.klaviyo import (
    BOUNCED,
    CLICKED,
    EARLY_ACCESS,
    NEWSLETTER,
    OPENED,
    RECEIVED,
    SMS_LIST,
    SPAM,
    SUBSCRIBED_TO_LIST,
    UNSUBSCRIBED_METRIC,
    WAITLIST,
    KlaviyoData,
)
from demo.timeline import DAY, Timeline, black_friday
from demo.traffic import KLAVIYO, campaign_slugs, landing_pages, store_url
from demo.vector import (
    BASE62,
    NO_TIME,
    categorical,
    encode,
    expand,
    iso_utc_offset,
    null_where,
    uuid4,
)

WELCOME_SUBJECTS = ("Welcome to Ridgeline - here's 10% off", "The story behind our merino",
                    "Still thinking it over? Your code expires soon")
WELCOME_DELAYS = (600, 2 * DAY, 5 * DAY)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass
class Campaigns:
    ts: np.ndarray
    name: list[str]
    subject: list[str]


@dataclass
class Clicks:
    """E-mail clicks that start a store visit (for the pixel module)."""

    person: np.ndarray
    ts: np.ndarray
    landing: pa.Array


def campaign_schedule(rng: np.random.Generator, timeline: Timeline) -> Campaigns:
    """Campaign send times and names: Tue/Thu all year, plus Saturdays in Q4 and every day of the sale."""
    ts, names, subjects = [], [], []
    for offset in range(timeline.days):  # one iteration per calendar day, not per row
        day = timeline.start + timedelta(days=offset)
        bf = black_friday(day.year)
        sale_day = (day - bf).days
        q4 = day.month in (11, 12)
        if not (-7 <= sale_day <= 3 or day.weekday() in (1, 3) or (q4 and day.weekday() == 5)):
            continue
        name, subject = _campaign_text(day, sale_day)
        ts.append(timeline.start_ts + offset * DAY + int(rng.integers(14 * 3600, 18 * 3600)))
        names.append(name)
        subjects.append(subject)
    return Campaigns(ts=np.asarray(ts, dtype=np.int64), name=names, subject=subjects)


def _campaign_text(day, sale_day: int) -> tuple[str, str]:
    year = day.year
    if -7 <= sale_day <= -1:
        return f"Black Friday Early Access {year}", "You're in: early access to our biggest sale"
    if sale_day == 0:
        return f"Black Friday {year}", "Black Friday is here: 25% off everything"
    if sale_day in (1, 2):
        return f"Black Friday Weekend {year}", "The sale continues all weekend"
    if sale_day == 3:
        return f"Cyber Monday {year}", "Last call: Cyber Monday ends tonight"
    if day.month == 12 and day.day <= 20:
        return f"Holiday Gift Guide {year}", "Gifts for every trail, ready to ship"
    if day.month in (3, 4, 5) and day.weekday() == 3:
        return f"Spring Sale {year}", "Spring refresh: up to 20% off layers"
    if day.month in (6, 7, 8) and day.weekday() == 3:
        return f"Summer Sale {year}", "Summer essentials, now on sale"
    if day.weekday() == 1:
        return f"{MONTHS[day.month - 1]} Newsletter {year} wk{day.isocalendar()[1]}", "Field notes from the trail"
    return f"New Arrivals - {MONTHS[day.month - 1]} {year}", "Just landed: new colours and fits"


def generate(rng: np.random.Generator, klaviyo: KlaviyoData, catalog: Catalog, timeline: Timeline,
             campaigns: Campaigns | None = None, chunk: Chunk = WHOLE) -> tuple[TableOut, Clicks]:
    """The events table and the clicks that lead to store visits.

    ``campaigns``: the calendar every chunk of persons receives (drawn here, first, when not given).
    """
    profiles = klaviyo.profiles
    campaigns = campaign_schedule(rng, timeline) if campaigns is None else campaigns
    end = timeline.end_ts
    n = len(profiles)
    has_email = ~np.asarray(profiles.email.is_null().to_numpy(zero_copy_only=False))
    subscribed = has_email & (profiles.email_sub != NO_TIME) & (profiles.email_sub <= end)
    window_end = np.where(profiles.email_unsub != NO_TIME, profiles.email_unsub, end)
    reach = rng.uniform(0.12, 0.42, n)  # share of campaigns a profile is sent (segmentation)
    open_rate = rng.beta(1.6, 4.0, n)
    click_rate = rng.beta(1.2, 9.0, n)
    lo = np.searchsorted(campaigns.ts, profiles.email_sub)
    hi = np.searchsorted(campaigns.ts, window_end)
    count = np.where(subscribed, rng.binomial(np.maximum(hi - lo, 0), reach), 0)
    parent, _ = expand(count)
    campaign = lo[parent] + (rng.random(len(parent)) * (hi - lo)[parent]).astype(np.int64)
    pair = np.unique(parent * len(campaigns.ts) + campaign)
    parent, campaign = pair // len(campaigns.ts), pair % len(campaigns.ts)
    camp_ts = campaigns.ts[campaign] + rng.integers(0, 1200, len(campaign))
    # Welcome flow: three e-mails after subscribing (no campaign name).
    welcome_profile = np.repeat(np.flatnonzero(subscribed), len(WELCOME_DELAYS))
    welcome_step = np.tile(np.arange(len(WELCOME_DELAYS)), int(subscribed.sum()))
    welcome_ts = profiles.email_sub[welcome_profile] + np.asarray(WELCOME_DELAYS)[welcome_step]
    welcome_ok = welcome_ts < window_end[welcome_profile]
    mail_profile = np.r_[parent, welcome_profile[welcome_ok]]
    mail_ts = np.r_[camp_ts, welcome_ts[welcome_ok]]
    name_index = np.r_[campaign, np.full(int(welcome_ok.sum()), len(campaigns.ts))]
    subject_index = np.r_[campaign, len(campaigns.ts) + welcome_step[welcome_ok]]
    mails = _engagement(rng, mail_profile, mail_ts, open_rate, click_rate, end)
    click_rows = mails["metric"] == CLICKED
    click_source = np.full(int(click_rows.sum()), KLAVIYO)
    click_variant = catalog.sample_variants(rng, mails["ts"][click_rows])
    click_landing, _ = landing_pages(rng, catalog, click_variant, click_source,
                                     campaign_slugs(mails["ts"][click_rows], click_source))
    url = _scatter(store_url(click_landing), click_rows)
    campaign_names = pa.array(list(campaigns.name) + [None], pa.string())
    campaign_subjects = pa.array(list(campaigns.subject) + list(WELCOME_SUBJECTS), pa.string())

    lists = klaviyo.lists
    joins = np.isin(lists.member_list, [NEWSLETTER, SMS_LIST, WAITLIST, EARLY_ACCESS])
    unsub = np.flatnonzero(has_email & (profiles.email_unsub != NO_TIME) & (profiles.email_unsub <= end))
    metric = np.r_[mails["metric"], np.full(int(joins.sum()), SUBSCRIBED_TO_LIST), np.full(len(unsub),
                                                                                           UNSUBSCRIBED_METRIC)]
    profile = np.r_[mails["profile"], lists.member_profile[joins], unsub]
    ts = np.r_[mails["ts"], lists.member_ts[joins], profiles.email_unsub[unsub]]
    n_other = int(joins.sum()) + len(unsub)
    list_index = np.r_[np.full(len(mails["ts"]), -1), lists.member_list[joins], np.full(len(unsub), NEWSLETTER)]
    channel = np.where(list_index == SMS_LIST, 1, 0)
    events = len(ts)
    columns = {
        "id": encode(chunk.unique_ints(rng, events, 0, 2**62), 11, BASE62),
        "attributes__datetime": iso_utc_offset(ts),
        "attributes__uuid": uuid4(rng, events),
        "relationships__profile__data__id": categorical(profiles.id, profile),
        "relationships__metric__data__id": categorical(klaviyo.metric_id, metric),
        "attributes__event_properties__campaign_name": categorical(
            campaign_names, np.r_[name_index[mails["mail"]], np.full(n_other, len(campaign_names) - 1)]),
        "attributes__event_properties__subject": null_where(
            categorical(campaign_subjects, np.r_[subject_index[mails["mail"]], np.zeros(n_other, np.int64)]),
            np.r_[np.zeros(len(mails["mail"]), bool), np.ones(n_other, bool)]),
        "attributes__event_properties__url": pa.concat_arrays([url, pa.nulls(n_other, pa.string())]),
        "attributes__event_properties__list_id": null_where(lists.id.take(pa.array(np.maximum(list_index, 0))),
                                                            list_index < 0),
        "attributes__event_properties__message_channel": categorical(["email", "sms"], channel),
    }
    table = TableOut("klaviyo", "events", frame(columns, ts, person_id=profiles.person[profile] + 1))
    clicks = Clicks(person=profiles.person[mails["profile"][click_rows]], ts=mails["ts"][click_rows],
                    landing=click_landing)
    return table, clicks


def _engagement(rng: np.random.Generator, profile: np.ndarray, sent: np.ndarray, open_rate: np.ndarray,
                click_rate: np.ndarray, end: int) -> dict[str, np.ndarray]:
    """Received (or bounced) for every mail, then opens, clicks and spam complaints; nothing after ``end``."""
    m = len(profile)
    bounced = rng.random(m) < 0.006
    opened = ~bounced & (rng.random(m) < open_rate[profile])
    clicked = opened & (rng.random(m) < click_rate[profile])
    spam = ~bounced & ~opened & (rng.random(m) < 0.0008)
    open_ts = sent + np.minimum(rng.lognormal(8.3, 1.3, m), 20 * DAY).astype(np.int64) + 30
    click_ts = open_ts + rng.integers(5, 600, m)
    spam_ts = sent + rng.integers(600, 3 * DAY, m)
    mail = np.arange(m)
    parts = [
        (mail, np.where(bounced, BOUNCED, RECEIVED), sent + 1, np.ones(m, bool)),
        (mail, np.full(m, OPENED), open_ts, opened),
        (mail, np.full(m, CLICKED), click_ts, clicked),
        (mail, np.full(m, SPAM), spam_ts, spam),
    ]
    keep = [(i[k], met[k], t[k]) for i, met, t, k in parts]
    out_mail = np.concatenate([k[0] for k in keep])
    out_metric = np.concatenate([k[1] for k in keep])
    out_ts = np.concatenate([k[2] for k in keep])
    ok = out_ts <= end
    return {"mail": out_mail[ok], "metric": out_metric[ok], "ts": out_ts[ok], "profile": profile[out_mail[ok]]}


def _scatter(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """An array with ``values`` at the rows under ``mask`` (in order) and nulls elsewhere."""
    index = np.cumsum(mask) - 1
    return null_where(values.take(pa.array(np.maximum(index, 0))), ~mask) if len(values) else \
        pa.nulls(len(mask), pa.string())
