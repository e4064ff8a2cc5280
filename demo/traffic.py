"""Where store visits come from: traffic source, UTM campaign, landing page and referrer.

The same landing page shows in a Shopify order's ``landing_site`` and in the ``page_viewed``
pixel event that started the visit, so attribution can be checked end to end.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo import refdata
from demo.catalog import SHOP_DOMAIN, Catalog
from demo.people import Persons
from demo.timeline import black_friday
from demo.vector import LOWER_ALNUM, choose, digits, join, pick, random_text, where

GOOGLE, FACEBOOK, INSTAGRAM, KLAVIYO, DIRECT, ORGANIC = range(6)
REPEAT_SOURCE_SHARES = (0.12, 0.06, 0.05, 0.32, 0.30, 0.15)
SEASONS = ("new-year", "winter-sale", "spring", "spring", "spring", "summer", "summer", "summer", "fall",
           "fall", "holiday-early", "holiday")
SOURCE_PREFIX = ("search-", "prospecting-", "ugc-", "", "", "")


def subscribed_at(persons: Persons, person: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Whether each person had e-mail marketing consent at time ``ts``."""
    sub = persons.email_sub_ts[person]
    unsub = persons.email_unsub_ts[person]
    return (sub >= 0) & (sub <= ts) & ((unsub < 0) | (unsub > ts))


def order_sources(rng: np.random.Generator, persons: Persons, person: np.ndarray, ts: np.ndarray,
                  first: np.ndarray) -> np.ndarray:
    """Traffic source of each visit that ended in an order (index into ``refdata.TRAFFIC_NAMES``).

    A first order comes from the person's acquisition channel; repeat orders come back mostly by
    e-mail or directly. E-mail is only possible while the person is subscribed.
    """
    n = len(person)
    acquisition = pc.index_in(persons.acquisition_channel.take(pa.array(person)),
                              value_set=pa.array(list(refdata.TRAFFIC_NAMES)))
    acquisition = pc.fill_null(acquisition, DIRECT).to_numpy(zero_copy_only=False).astype(np.int64)
    repeat = rng.choice(6, size=n, p=REPEAT_SOURCE_SHARES)
    source = np.where(first, acquisition, repeat)
    subscribed = subscribed_at(persons, person, ts)
    early_signup = first & (persons.signup_ts[person] >= 0) & (rng.random(n) < 0.6)
    source = np.where(early_signup & subscribed, KLAVIYO, source)
    return np.where((source == KLAVIYO) & ~subscribed, DIRECT, source)


def browse_sources(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(6, size=n, p=(0.2, 0.15, 0.12, 0.0, 0.28, 0.25))


def campaign_slugs(ts: np.ndarray, source: np.ndarray) -> pa.Array:
    """UTM campaign by date: ``bf-2025`` around Black Friday, else a seasonal slug per source."""
    stamp = np.asarray(ts, dtype=np.int64).astype("datetime64[s]")
    year = stamp.astype("datetime64[Y]").astype(np.int64) + 1970
    month = stamp.astype("datetime64[M]").astype(np.int64) % 12
    day = stamp.astype("datetime64[D]").astype(np.int64)
    bf_by_year = {y: (np.datetime64(black_friday(int(y))).astype(np.int64)) for y in np.unique(year)}
    bf = _lookup(year, bf_by_year)
    season = pick(SEASONS, month)
    slug = join(season, "-", digits(year))
    slug = where((day >= bf - 7) & (day <= bf + 2), join("bf-", digits(year)), slug)
    slug = where(day == bf + 3, join("cyber-monday-", digits(year)), slug)
    return join(pick(SOURCE_PREFIX, source), slug)


def _lookup(keys: np.ndarray, mapping: dict) -> np.ndarray:
    known = np.array(sorted(mapping))
    values = np.array([mapping[k] for k in known], dtype=np.int64)
    return values[np.searchsorted(known, keys)]


def landing_pages(rng: np.random.Generator, catalog: Catalog, variant: np.ndarray, source: np.ndarray,
                  campaign: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Shopify-style ``landing_site`` (path and query) and ``referring_site`` for each visit."""
    n = len(variant)
    product_type = catalog.product_type.take(pa.array(catalog.variant_product[variant]))
    collection = join("/collections/", pc.replace_substring_regex(pc.utf8_lower(product_type), "[^a-z0-9]+", "-"))
    page = choose(rng.choice(3, size=n, p=[0.55, 0.25, 0.2]), catalog.product_url(variant), pick(["/"], np.zeros(n)),
                  collection)
    utm_source = pick([s for s, _, _ in refdata.TRAFFIC_SOURCES], source)
    utm_medium = pick([m for _, m, _ in refdata.TRAFFIC_SOURCES], source)
    query = join("?utm_source=", utm_source, "&utm_medium=", utm_medium, "&utm_campaign=", campaign)
    click_id = choose(np.clip(source, 0, 2), join("&gclid=", random_text(rng, n, 24, LOWER_ALNUM)),
                      join("&fbclid=", random_text(rng, n, 24, LOWER_ALNUM)), pick([""], np.zeros(n)))
    with_query = join(page, query, click_id)
    landing = where((source == DIRECT) | (source == ORGANIC), page, with_query)
    organic_referrer = pick(["https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/"],
                            rng.choice(3, size=n, p=[0.8, 0.12, 0.08]))
    referrer = pick([r for _, _, r in refdata.TRAFFIC_SOURCES], source)
    return landing, where(source == ORGANIC, organic_referrer, referrer)


def store_url(path: pa.Array) -> pa.Array:
    return join(f"https://{SHOP_DOMAIN}", path)
