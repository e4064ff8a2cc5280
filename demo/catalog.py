"""The store's catalog, shared by Shopify (products, variants, unit cost) and Amazon (ASIN, SKU, FNSKU).

A fixed, small catalog (about 60 products, 200 variants) that does not grow with the number of
customers. SKUs are the same on both channels, so order lines can be joined to products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from demo.timeline import DAY, Timeline
from demo.vector import UPPER_ALNUM, digits, join, pick, random_text, rising_ids

BRAND = "Ridgeline Outfitters"
SHOP_DOMAIN = "ridgeline-outfitters.com"

# (product type, sku code, base price in dollars, names, variant options)
PRODUCT_LINES: tuple[tuple[str, str, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Socks", "SCK", 18.0, ("Merino Crew Sock", "Trail Running Sock", "Hiking Quarter Sock", "Ski Sock",
                            "Everyday Ankle Sock 3-Pack", "Wool Boot Sock", "Compression Sock"),
     ("S", "M", "L", "XL")),
    ("Base Layers", "BSL", 75.0, ("Merino 150 Tee", "Merino 250 Crew", "Thermal Legging", "Zip Neck Base Layer",
                                  "Long Sleeve Sun Hoodie"), ("XS", "S", "M", "L", "XL")),
    ("Outerwear", "OUT", 165.0, ("Packable Down Jacket", "Rain Shell", "Softshell Jacket", "Fleece Pullover",
                                 "Insulated Vest", "Wind Breaker"), ("S", "M", "L", "XL")),
    ("Hats", "HAT", 28.0, ("Wool Beanie", "Trucker Cap", "Sun Hat", "Fleece Headband", "Bucket Hat"),
     ("Black", "Olive", "Navy", "Rust")),
    ("Bags", "BAG", 89.0, ("Daypack 22L", "Hip Pack", "Duffel 40L", "Roll-Top Dry Bag", "Sling Bag",
                           "Camera Cube"), ("Black", "Olive", "Sand")),
    ("Drinkware", "DRK", 32.0, ("Insulated Bottle 750ml", "Camp Mug", "Tumbler 20oz", "Collapsible Cup",
                                "Bottle Cap Spare"), ("Black", "White", "Sage", "Clay")),
    ("Accessories", "ACC", 24.0, ("Trekking Pole Tips", "Gaiters", "Glove Liners", "Neck Gaiter",
                                  "Headlamp", "Microfiber Towel", "Gift Card"), ("One Size",)),
    ("Camp", "CMP", 119.0, ("Ultralight Hammock", "Camp Chair", "Sleeping Pad", "Camp Blanket",
                            "Lantern", "Stove Kit"), ("Standard", "Large")),
    ("Footwear", "FTW", 135.0, ("Trail Runner", "Camp Slide", "Hiking Boot", "Approach Shoe"),
     ("8", "9", "10", "11", "12")),
)


@dataclass
class Catalog:
    """Products and variants as arrays; ``variant_*`` arrays are indexed by variant index."""

    product_id: np.ndarray
    product_title: pa.Array
    product_handle: pa.Array
    product_type: pa.Array
    product_tags: pa.Array
    product_status: pa.Array
    product_created_ts: np.ndarray
    product_updated_ts: np.ndarray
    variant_id: np.ndarray
    variant_product: np.ndarray  # product index
    variant_title: pa.Array
    variant_sku: pa.Array
    variant_price: np.ndarray  # cents, store price
    variant_cost: np.ndarray  # cents, unit cost
    variant_popularity: np.ndarray  # probability of being bought (sums to 1)
    variant_launch_ts: np.ndarray  # not sold before this time
    variant_on_amazon: np.ndarray  # listed on the marketplace
    variant_asin: pa.Array
    variant_fnsku: pa.Array

    @property
    def variant_count(self) -> int:
        return len(self.variant_id)

    @property
    def variant_full_title(self) -> pa.Array:
        """``Merino Crew Sock - M``: product title plus the variant option."""
        product = self.product_title.take(pa.array(self.variant_product))
        return join(product, " - ", self.variant_title)

    def product_url(self, variant: np.ndarray) -> pa.Array:
        handle = self.product_handle.take(pa.array(self.variant_product[variant]))
        return join("/products/", handle)

    def sample_variants(self, rng: np.random.Generator, times: np.ndarray) -> np.ndarray:
        """A popular variant for each purchase time, never one launched after that time."""
        chosen = rng.choice(self.variant_count, size=len(times), p=self.variant_popularity)
        too_early = self.variant_launch_ts[chosen] > times
        established = np.flatnonzero(self.variant_launch_ts <= self.variant_launch_ts.min())
        chosen[too_early] = established[chosen[too_early] % len(established)]
        return chosen


def make_catalog(rng: np.random.Generator, timeline: Timeline) -> Catalog:
    """The fixed catalog, launched mostly before the timeline starts, a few new arrivals later."""
    titles, types, codes, prices, options = [], [], [], [], []
    for product_type, code, base, names, opts in PRODUCT_LINES:
        for name in names:
            titles.append(name)
            types.append(product_type)
            codes.append(code)
            prices.append(base * rng.uniform(0.6, 1.5))
            options.append(opts)
    n_products = len(titles)
    product_title = pa.array(titles, pa.string())
    handle = pc.replace_substring_regex(pc.utf8_lower(product_title), "[^a-z0-9]+", "-")
    launch = np.where(rng.random(n_products) < 0.85,
                      timeline.start_ts - rng.integers(30, 900, n_products) * DAY,
                      timeline.start_ts + rng.integers(30, max(timeline.days - 60, 31), n_products) * DAY)
    launch = launch + rng.integers(13 * 3600, 22 * 3600, n_products)
    product_price = np.round(np.asarray(prices)) * 100 - np.where(rng.random(n_products) < 0.7, 1, 0)
    counts = np.array([len(o) for o in options])
    variant_product = np.repeat(np.arange(n_products), counts)
    variant_title = pa.array([opt for opts in options for opt in opts], pa.string())
    variant_option_no = np.concatenate([np.arange(c) for c in counts])
    n_variants = len(variant_product)
    price = product_price[variant_product] + np.where(variant_option_no >= 3, 500, 0) * (
        np.array(types, dtype=object)[variant_product] == "Outerwear")
    cost = np.round(price * rng.uniform(0.28, 0.52, n_variants)).astype(np.int64)
    sku = join(pick(codes, variant_product), "-", digits(variant_product + 101, 3), "-",
               pc.utf8_upper(pc.replace_substring_regex(variant_title, "[^A-Za-z0-9]", "")))
    popularity = rng.zipf(1.7, n_products).astype(float)[variant_product] * rng.uniform(0.5, 1.5, n_variants)
    updated = timeline.end_ts - rng.integers(0, 400, n_products) * DAY - rng.integers(3600, DAY, n_products)
    updated = np.maximum(updated, np.maximum(launch, timeline.start_ts) + DAY)
    status = (rng.random(n_products) < 0.1).astype(np.int64)  # archived: sold before, retired now
    tags = join(pick(types, np.arange(n_products)), pick(["", ", bestseller", ", new", ", gift"],
                                                          rng.integers(0, 4, n_products)))
    return Catalog(
        product_id=rising_ids(rng, n_products, 8_012_345_000_000, 90_000),
        product_title=product_title, product_handle=handle, product_type=pa.array(types, pa.string()),
        product_tags=tags, product_status=pick(["active", "archived"], status),
        product_created_ts=launch, product_updated_ts=updated,
        variant_id=rising_ids(rng, n_variants, 44_123_456_000_000, 90_000), variant_product=variant_product,
        variant_title=variant_title, variant_sku=sku, variant_price=price.astype(np.int64), variant_cost=cost,
        variant_popularity=popularity / popularity.sum(), variant_launch_ts=launch[variant_product],
        variant_on_amazon=rng.random(n_variants) < 0.7,
        variant_asin=join("B0", random_text(rng, n_variants, 8, UPPER_ALNUM)),
        variant_fnsku=join("X00", random_text(rng, n_variants, 7, UPPER_ALNUM)),
    )
