"""Public entry point of the demo data generator: ``generate(out_dir, truth_dir, ...)``.

Makes the true persons, then each vendor's view of them (Shopify, Amazon, Klaviyo, Zendesk),
adds late updates, re-deliveries and junk rows at known rates, and writes one Parquet file per
contract table under ``out_dir/<system>/<table>.parquet`` plus the ground truth under
``truth_dir``. Same seed and parameters give byte-identical Parquet files: every random draw
comes from a NumPy generator seeded from ``(seed, component name)``, and nothing reads the clock
except the reported run time.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from core.contracts import SystemContract, Table, load_contracts
from demo import amazon, klaviyo, klaviyo_events, phenomena, pixel, shopify, zendesk
from demo.catalog import make_catalog
from demo.dirty import dirty_rows, duplicates, select_superseded
from demo.frame import KINDS, Frame, TableOut
from demo.people import make_persons
from demo.timeline import build_timeline
from demo.truth import SYSTEMS, lists_by_person, persons_table
from demo.vector import group_first
from demo.writer import PARQUET_OPTIONS, truth_rows, vendor_table, write_parquet

DEFAULT_END_DATE = date(2026, 10, 31)


@dataclass(frozen=True)
class GeneratorConfig:
    """Known rates of the imperfections added on top of the valid records."""

    defect_rate: float = 0.003  # junk rows per table, per defect type that applies to the table
    duplicate_rate: float = 0.004  # exact re-deliveries, per table
    late_update_rate: float = 0.02  # records that also arrive in an earlier version (tables with changes)
    anonymous_visitors_per_person: float = 1.6  # storefront sessions by people in no other system
    phenomena: bool = True  # the mess of real people (demo/phenomena.py): gifts, typos, many accounts...


@dataclass
class GenerationResult:
    """What one run wrote: rows per ``system.table``, totals and where."""

    rows_per_table: dict[str, int]
    total_rows: int
    seconds: float
    out_dir: Path
    truth_dir: Path
    end_date: date
    seed: int = 0
    customers: int = 0
    kinds_per_table: dict[str, dict[str, int]] = field(default_factory=dict)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per component, so changing one module leaves the others' data alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def generate(out_dir: Path, truth_dir: Path, customers: int = 20_000, seed: int = 42,
             end_date: date = DEFAULT_END_DATE, years: int = 3, config: GeneratorConfig | None = None
             ) -> GenerationResult:
    """Write the four vendors' raw tables for ``customers`` true persons over ``years`` years to ``end_date``."""
    started = time.perf_counter()
    config = config or GeneratorConfig()
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    _check_arguments(out_dir, truth_dir, customers, seed, years)
    contracts = load_contracts()
    timeline = build_timeline(end_date, years)
    persons = make_persons(stream(seed, "persons"), customers, timeline)
    catalog = make_catalog(stream(seed, "catalog"), timeline)
    shop = shopify.generate(stream(seed, "shopify"), persons, catalog, timeline)
    marketing = klaviyo.generate(stream(seed, "klaviyo"), persons, shop, timeline)
    events, clicks = klaviyo_events.generate(stream(seed, "klaviyo_events"), marketing, catalog, timeline)
    pixel_events = pixel.generate(stream(seed, "pixel"), persons, catalog, timeline, shop, clicks,
                                  config.anonymous_visitors_per_person)
    market = amazon.generate(stream(seed, "amazon"), persons, catalog, timeline)
    support = zendesk.generate(stream(seed, "zendesk"), persons, shop, market, timeline)
    produced = {(t.system, t.name): t for t in [*shop.tables, pixel_events, *market.tables, *marketing.tables,
                                                events, *support]}
    _check_coverage(contracts, produced)

    rows_per_table: dict[str, int] = {}
    kinds: dict[str, dict[str, int]] = {}
    truth_parts: list[pa.Table] = []
    presence = {s: np.zeros(customers, dtype=bool) for s in SYSTEMS}
    valid_ids: dict[str, tuple[np.ndarray, pa.Array]] = {}
    # The tables people's mess touches are assembled first (and changed together); every other
    # table is assembled, written and freed one at a time (pixel events are large).
    tables = {(system, table.name): table for system, contract in contracts.items() for table in contract.tables}

    def assembled_table(key: tuple[str, str]) -> Frame:
        return assemble(produced.pop(key), tables[key], stream(seed, f"assemble:{key[0]}.{key[1]}"), config,
                        timeline.end_ts)

    assembled = {key: assembled_table(key) for key in phenomena.TABLES} if config.phenomena else {}
    phenomena_tags = phenomena.apply(stream(seed, "phenomena"), persons, assembled) if config.phenomena else None
    for system, contract in contracts.items():
        for table in contract.tables:
            name = f"{system}.{table.name}"
            key = (system, table.name)
            final = assembled.pop(key) if key in assembled else assembled_table(key)
            write_parquet(vendor_table(final, table), out_dir / system / f"{table.name}.parquet")
            truth_parts.append(truth_rows(final, table))
            rows_per_table[name] = len(final)
            kinds[name] = {k: int((final.kind == i).sum()) for i, k in enumerate(KINDS)}
            about = final.person_id > 0
            if (system, table.name) == ("shopify", "pixel_events"):  # anonymous browsing identifies nobody
                about &= pc.is_valid(final.columns["customer_id"]).to_numpy(zero_copy_only=False)
            known = final.person_id[about]
            presence[system][known - 1] = True
            if (system, table.name) in ID_TABLES.values():
                valid = final.kind == 0
                valid_ids[f"{system}.{table.name}"] = (final.person_id[valid] - 1,
                                                       final.columns["id"].filter(pa.array(valid)))

    truth_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.concat_tables(truth_parts), truth_dir / "rows.parquet", **PARQUET_OPTIONS)
    if phenomena_tags is not None:
        pq.write_table(phenomena_tags, truth_dir / "phenomena.parquet", **PARQUET_OPTIONS)
    ids = {label: lists_by_person(*valid_ids[f"{s}.{t}"], customers) for label, (s, t) in ID_TABLES.items()}
    ids["amazon_buyer_email"] = market.buyer_email
    ids["pixel_client_ids"] = pa.ListArray.from_arrays(pa.array(persons.device_start.astype(np.int32)),
                                                       persons.device_client_id)
    counts = _order_counts(customers, shop, market)
    pq.write_table(persons_table(persons, timeline, presence, ids, counts), truth_dir / "persons.parquet",
                   **PARQUET_OPTIONS)
    result = GenerationResult(rows_per_table=rows_per_table, total_rows=sum(rows_per_table.values()),
                              seconds=round(time.perf_counter() - started, 3), out_dir=out_dir, truth_dir=truth_dir,
                              end_date=end_date, seed=seed, customers=customers, kinds_per_table=kinds)
    _write_manifest(result, timeline.start, years, config)
    return result


ID_TABLES = {
    "shopify_customer_ids": ("shopify", "customers"),
    "klaviyo_profile_ids": ("klaviyo", "profiles"),
    "zendesk_user_ids": ("zendesk", "users"),
}


def assemble(table: TableOut, contract: Table, rng: np.random.Generator, config: GeneratorConfig, end_ts: int
             ) -> Frame:
    """Latest versions + earlier versions + re-deliveries + junk rows, in delivery order."""
    parts = [table.rows,
             select_superseded(table, rng, config.late_update_rate),
             duplicates(table.rows, rng, config.duplicate_rate, end_ts),
             dirty_rows(table, contract, rng, config.defect_rate, end_ts)]
    combined = Frame.concat([p for p in parts if p is not None])
    order = np.lexsort((np.arange(len(combined)), combined.delivered_at))
    return combined.take(order)


def _order_counts(n: int, shop: shopify.ShopifyData, market: amazon.AmazonData) -> dict[str, np.ndarray]:
    """Per person: orders on each channel, store revenue, and the traffic source of the first store order."""
    orders = shop.orders
    not_cancelled = orders.cancelled_ts < 0
    first = group_first(orders.person, orders.ts, n)
    return {
        "first_store_order_source": np.where(first >= 0, orders.source[np.maximum(first, 0)], -1),
        "shopify_orders": np.bincount(orders.person, minlength=n).astype(np.int64),
        "amazon_orders": np.bincount(market.orders.person, minlength=n).astype(np.int64),
        "shopify_revenue_cents": np.bincount(orders.person[not_cancelled], weights=orders.total[not_cancelled],
                                             minlength=n),
    }


def _check_arguments(out_dir: Path, truth_dir: Path, customers: int, seed: int, years: int) -> None:
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if years < 1:
        raise ValueError("years must be at least 1")
    out, truth = out_dir.resolve(), truth_dir.resolve()
    if out == truth or out in truth.parents or truth in out.parents:
        raise ValueError("truth_dir must be separate from out_dir (the pipeline must never see the truth)")


def _check_coverage(contracts: dict[str, SystemContract], produced: dict[tuple[str, str], TableOut]) -> None:
    expected = {(s, t.name) for s, c in contracts.items() for t in c.tables}
    if set(produced) != expected:
        raise RuntimeError(f"generator/contract mismatch: missing {sorted(expected - set(produced))}, "
                           f"extra {sorted(set(produced) - expected)}")


def _write_manifest(result: GenerationResult, start: date, years: int, config: GeneratorConfig) -> None:
    manifest = {
        "seed": result.seed,
        "customers": result.customers,
        "start_date": start.isoformat(),
        "end_date": result.end_date.isoformat(),
        "years": years,
        "rows_per_table": result.rows_per_table,
        "kinds_per_table": result.kinds_per_table,
        "total_rows": result.total_rows,
        "seconds": result.seconds,
        "config": asdict(config),
    }
    (result.truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
