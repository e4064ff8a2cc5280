"""One chunk of a run: its persons, every vendor's records of them, their mess, and the truth.

The chunk's tables are assembled (latest versions, late updates, re-deliveries and junk rows in
delivery order), changed by the phenomena of real people, appended to the run's files and freed.
The two event tables, by far the largest, are written as soon as they are made. What a store has
once, whoever its customers are (the catalog's products and variants, Klaviyo's lists and
metrics, the campaign calendar, the help-desk agents), is made by the first chunk and shared:
its tables are written with the last chunk, the lists' ``updated`` time then covering every
chunk's members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from core.contracts import Table
from demo import amazon, klaviyo, klaviyo_events, phenomena, pixel, shopify, zendesk
from demo.catalog import Catalog
from demo.chunks import Chunk, IdCounter
from demo.config import GeneratorConfig
from demo.dirty import dirty_rows, duplicates, select_superseded
from demo.frame import Frame, TableOut
from demo.outputs import Key, Outputs
from demo.people import Persons, make_persons
from demo.taken import Taken
from demo.timeline import Timeline
from demo.truth import PersonFacts, order_counts, persons_table
from demo.vector import NO_TIME

# Tables about the store, not its customers: made once, by the first chunk.
STORE_TABLES: tuple[Key, ...] = (("shopify", "products"), ("shopify", "products__variants"), ("klaviyo", "lists"),
                                 ("klaviyo", "metrics"))


@dataclass(frozen=True)
class Run:
    """What stays the same for every chunk of a run."""

    seed: int
    config: GeneratorConfig
    tables: dict[Key, Table]  # contract tables, in contract order
    timeline: Timeline
    catalog: Catalog


@dataclass(frozen=True)
class Shared:
    """Drawn by the first chunk, reused by the others: one account's lists, metrics, campaigns and agents."""

    list_ids: pa.Array
    metric_ids: pa.Array
    campaigns: klaviyo_events.Campaigns
    agent_ids: np.ndarray


@dataclass
class Carried:
    """What passes from chunk to chunk."""

    outputs: Outputs
    ids: IdCounter = field(default_factory=IdCounter)
    taken: Taken = field(default_factory=Taken)
    shared: Shared | None = None
    store_tables: dict[Key, TableOut] = field(default_factory=dict)
    last_join: np.ndarray = field(default_factory=lambda: np.full(len(klaviyo.LIST_NAMES), NO_TIME, dtype=np.int64))


def run_chunk(run: Run, carried: Carried, chunk: Chunk) -> None:
    """Make one chunk's persons and records, write them and their truth, and note what later chunks need."""
    seed, timeline, catalog, config = run.seed, run.timeline, run.catalog, run.config
    shared = carried.shared
    facts = PersonFacts(chunk.size)
    made: set[Key] = set()

    def write(key: Key, final: Frame) -> None:
        carried.outputs.write_table(key, final, chunk.first_person)
        carried.ids.observe(*key, final.columns)
        facts.observe(*key, final)
        made.add(key)

    def assembled(table: TableOut) -> Frame:
        key = (table.system, table.name)
        owner = Chunk() if key in STORE_TABLES else chunk  # store tables belong to the first chunk
        rng = owner.stream(seed, f"assemble:{key[0]}.{key[1]}")
        return assemble(table, run.tables[key], rng, config, timeline.end_ts)

    persons = make_persons(chunk.stream(seed, "persons"), chunk.size, timeline, chunk, carried.taken)
    shop = shopify.generate(chunk.stream(seed, "shopify"), persons, catalog, timeline, chunk)
    marketing = klaviyo.generate(chunk.stream(seed, "klaviyo"), persons, shop, timeline,
                                 list_ids=shared.list_ids if shared else None,
                                 metric_ids=shared.metric_ids if shared else None)
    events_rng = chunk.stream(seed, "klaviyo_events")
    campaigns = shared.campaigns if shared else klaviyo_events.campaign_schedule(events_rng, timeline)
    events, clicks = klaviyo_events.generate(events_rng, marketing, catalog, timeline, campaigns, chunk)
    write(("klaviyo", "events"), assembled(events))
    del events
    pixel_events = pixel.generate(chunk.stream(seed, "pixel"), persons, catalog, timeline, shop, clicks,
                                  config.anonymous_visitors_per_person)
    del clicks
    write(("shopify", "pixel_events"), assembled(pixel_events))
    del pixel_events
    market = amazon.generate(chunk.stream(seed, "amazon"), persons, catalog, timeline, chunk)
    support = zendesk.generate(chunk.stream(seed, "zendesk"), persons, shop, market, timeline, chunk,
                               shared.agent_ids if shared else None)
    if shared is None:
        carried.shared = Shared(marketing.lists.id, marketing.metric_id, campaigns, support.agent_id)
    carried.last_join = np.maximum(carried.last_join, klaviyo.last_joins(marketing.lists))

    produced = {(t.system, t.name): t for t in [*shop.tables, *market.tables, *marketing.tables, *support.tables]}
    for key in STORE_TABLES:
        if key in produced:
            carried.store_tables[key] = produced.pop(key)
    if chunk.last:
        produced.update(carried.store_tables)
        lists = ("klaviyo", "lists")
        produced[lists] = klaviyo.with_later_joins(produced[lists], carried.last_join)
    _check_coverage(run.tables, made | set(produced) | (set() if chunk.last else set(STORE_TABLES)))

    if config.phenomena:
        frames = {key: assembled(produced.pop(key)) for key in phenomena.TABLES}
        tags = phenomena.apply(chunk.stream(seed, "phenomena"), persons, frames, carried.taken.business_domains)
        carried.outputs.write_phenomena(tags)
        carried.taken.add_business_domains(phenomena.business_domains(persons))
    else:
        frames = {}
    for key in run.tables:
        if key in frames:
            write(key, frames.pop(key))
        elif key in produced:
            write(key, assembled(produced.pop(key)))
    carried.outputs.end_chunk()
    carried.outputs.write_persons(_persons_truth(persons, facts, shop, market, timeline))


def _persons_truth(persons: Persons, facts: PersonFacts, shop: shopify.ShopifyData, market: amazon.AmazonData,
                   timeline: Timeline) -> pa.Table:
    """The chunk's rows of ``persons.parquet``: who each person is, where they appear, their ids and orders."""
    ids = facts.ids()
    ids["amazon_buyer_email"] = market.buyer_email
    ids["pixel_client_ids"] = pa.ListArray.from_arrays(pa.array(persons.device_start.astype(np.int32)),
                                                       persons.device_client_id)
    counts = order_counts(len(persons), shop.orders, market.orders)
    return persons_table(persons, timeline, facts.presence, ids, counts)


def assemble(table: TableOut, contract: Table, rng: np.random.Generator, config: GeneratorConfig, end_ts: int
             ) -> Frame:
    """Latest versions + earlier versions + re-deliveries + junk rows, in delivery order.

    Consumes ``table``: its frames are let go once combined, so a large table is not held three times.
    """
    parts = [table.rows,
             select_superseded(table, rng, config.late_update_rate),
             duplicates(table.rows, rng, config.duplicate_rate, end_ts),
             dirty_rows(table, contract, rng, config.defect_rate, end_ts)]
    table.release()
    combined = Frame.concat([p for p in parts if p is not None])
    del parts
    combined.reorder(np.lexsort((np.arange(len(combined)), combined.delivered_at)))
    return combined


def _check_coverage(tables: dict[Key, Table], produced: set[Key]) -> None:
    expected = set(tables)
    if produced != expected:
        raise RuntimeError(f"generator/contract mismatch: missing {sorted(expected - produced)}, "
                           f"extra {sorted(produced - expected)}")
