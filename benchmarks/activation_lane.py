"""Activation-lane latency: a simulated day of storefront events, arriving in batches, through the real lane.

An abandoned cart loses its value within hours, so the lane (``activation_lane`` job, every
``activation_lane.interval_minutes``) must put it in the e-mail audience at the first lane run after
its abandonment window. This benchmark checks that end to end, in process, on a small demo:

1. build the whole warehouse once (``main_job`` on demo data, as of the demo's last day);
2. plan a day after it: carts of e-mail-reachable customers (``Added To Cart`` / ``Started
   Checkout`` pixel events), some recovered by an order within the window (they must never
   trigger); the events land as Shopify export files every ``--batch-minutes``;
3. tick the lane's clock: at each tick the files due have arrived, and the lane runs as of the
   tick (ingest new files -> models between them and the trigger audience -> governance checks ->
   trigger sync to a file destination standing in for the e-mail tool);
4. per cart: abandoned at (last cart event), window ends, delivered at (tick whose lane run the
   destination accepted it in), and the latency after the window, which must be within one lane
   interval. Ticks where no file arrived and no window ended cannot change the audience; they are
   skipped unless ``--every-tick`` (the measured ticks are the same).

Prints a table and JSON (``--json PATH`` writes it too); exits 1 when a cart is late, missed or a
recovered cart was sent, 2 when the trigger model or its lane sync does not exist yet.

    .venv/bin/python benchmarks/activation_lane.py --customers 600 --carts 12 --hours 8
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from rich.console import Console
from rich.table import Table

from activation import load_config as load_activation_config
from benchmarks.scratch import run_root
from cdw.context import demo_end_date
from core.settings import DBT_PROJECT_DIR, Paths
from orchestration.config import load_config
from orchestration.definitions import defs
from orchestration.defs.activation import LANE_SYNCS
from orchestration.defs.transformation import DBT_MODEL_KEYS, MANIFEST
from orchestration.keys import model_key
from orchestration.resources import ActivationResource, WarehouseResource

console = Console(stderr=True)
NOT_BUILT = 2
CART_EVENTS = ("product_added_to_cart", "checkout_started")


@dataclass
class Cart:
    shopify_customer_id: int
    email: str
    events: list[datetime]
    recovered_at: datetime | None = None  # an order within the window: must never trigger
    customer_id: str | None = None
    arrived_at: datetime | None = None
    delivered_at: datetime | None = None
    triggered_at: datetime | None = None

    @property
    def abandoned_at(self) -> datetime:
        return self.events[-1]


@dataclass
class Report:
    customers: int
    carts: int
    recovered: int
    window_hours: float
    interval_minutes: int
    batch_minutes: int
    ticks: int = 0
    lane_runs: int = 0
    lane_seconds: list[float] = field(default_factory=list)
    latencies_minutes: list[float] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false_triggers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.late or self.missed or self.false_triggers)


def fail(message: str, code: int) -> None:
    console.print(f"[bold red]{message}")
    raise SystemExit(code)


def lane_target(trigger_model: str) -> tuple[list[str], str]:
    """The lane syncs sending the trigger model (or a model built on it), and that audience's relation."""
    if model_key(trigger_model) not in DBT_MODEL_KEYS:
        fail(f"trigger model not built yet: the dbt project has no model named {trigger_model} (the value marts "
             "provide it); nothing to measure.", NOT_BUILT)
    node_id = next(uid for uid, node in MANIFEST["nodes"].items()
                   if node["resource_type"] == "model" and node["name"] == trigger_model)
    downstream, frontier = {node_id}, [node_id]
    while frontier:
        for child in MANIFEST.get("child_map", {}).get(frontier.pop(), []):
            if child not in downstream:
                downstream.add(child)
                frontier.append(child)
    names = {MANIFEST["nodes"][uid]["name"] for uid in downstream if uid in MANIFEST["nodes"]}
    syncs = [s for s in load_activation_config().syncs.values()
             if s.name in LANE_SYNCS and model_key(s.audience).path[-1] in names]
    if not syncs:
        fail(f"no activation-lane sync sends {trigger_model} or an audience built on it (activation/syncs.yml)",
             NOT_BUILT)
    audiences = {s.relation for s in syncs}
    if len(audiences) > 1:
        fail(f"lane syncs of {trigger_model} read several audiences {sorted(audiences)}; pass one with --sync",
             NOT_BUILT)
    return [s.name for s in syncs], audiences.pop()


def window_hours(trigger_model: str, override: float | None) -> float:
    if override is not None:
        return override
    dbt_vars = (yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text()) or {}).get("vars") or {}
    found = {k: v for k, v in dbt_vars.items() if "abandon" in k and "cart" in k and "window" in k}
    if len(found) != 1:
        fail(f"cannot tell the abandonment window of {trigger_model} from the dbt vars ({sorted(found)}); "
             "pass --window-hours", NOT_BUILT)
    key, value = found.popitem()
    return float(value) * (1 / 60 if key.endswith("minutes") else 1)


def activation_files(home: Path, sync_names: list[str]) -> ActivationResource:
    """Every destination as files under the home (nothing leaves the machine); no trigger age limit.

    A sync's ``trigger_window_hours`` compares with the wall clock, and this day is simulated.
    """
    config = load_activation_config()
    destinations = {name: {"type": "files", "path": str(home / "outbox" / name), "format": "csv"}
                    for name in config.destinations}
    syncs = []
    for sync in config.syncs.values():
        body = {k: v for k, v in asdict(sync).items() if v not in (None, "", ()) and k != "fields"}
        body["fields"] = {f.target: {"column": f.column, "send_nulls": f.send_nulls} for f in sync.fields}
        if sync.name in sync_names:
            body.pop("trigger_window_hours", None)
        syncs.append(body)
    (home / "destinations.yml").write_text(yaml.safe_dump({"destinations": destinations}))
    (home / "syncs.yml").write_text(yaml.safe_dump({"syncs": syncs}, sort_keys=False))
    return ActivationResource(syncs_file=str(home / "syncs.yml"), destinations_file=str(home / "destinations.yml"),
                              dry_run=False)


def eligible_customers(build_db: Path, day: datetime, count: int, rng: np.random.Generator) -> list[tuple[int, str]]:
    """Shopify customers reachable by e-mail with no cart or order in the week before the day."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute(
            """
            select distinct cast(map.source_key as bigint) as shopify_id, profiles.email
            from marts.audience_customer_profiles as profiles
            inner join marts.customer_source_map as map
                on map.customer_id = profiles.customer_id
                and map.source_system = 'shopify' and map.source_entity = 'customer'
            where profiles.consent_email and profiles.is_reachable and profiles.email is not null
                and not coalesce(profiles.is_suppressed, false)
                and not coalesce(map.is_business_profile, false)
                and profiles.customer_id not in (
                    select recent.customer_id
                    from marts.fct_events as events
                    inner join marts.customer_source_map as recent
                        on recent.source_system = events.actor_source_system
                        and recent.source_entity = events.actor_entity
                        and recent.source_key = events.actor_key
                    where events.occurred_at >= ?
                )
            order by 1
            """, [day - timedelta(days=7)]).fetchall()
    if len(rows) < count:
        fail(f"only {len(rows)} eligible customers for {count} carts: raise --customers or lower --carts", 1)
    chosen = rng.choice(len(rows), size=count, replace=False)
    return [(int(rows[i][0]), str(rows[i][1])) for i in sorted(chosen)]


def plan_carts(customers: list[tuple[int, str]], day: datetime, hours: float, window: timedelta,
               recovered_share: float, rng: np.random.Generator) -> list[Cart]:
    carts = []
    for n, (shopify_id, email) in enumerate(customers):
        start = day + timedelta(seconds=float(rng.uniform(0, hours * 3600)))
        steps = np.sort(rng.uniform(0, 1800, size=int(rng.integers(1, 4))))
        events = [start + timedelta(seconds=float(s)) for s in steps]
        recovered = None
        if recovered_share > 0 and n % max(1, round(1 / recovered_share)) == 1:  # every k-th cart, not the first
            recovered = events[-1] + timedelta(seconds=float(rng.uniform(600, window.total_seconds() * 0.8)))
        carts.append(Cart(shopify_customer_id=shopify_id, email=email, events=events, recovered_at=recovered))
    return carts


class Landing:
    """Writes the day's Shopify export files batch by batch, as the vendor would drop them."""

    def __init__(self, paths: Paths, carts: list[Cart], day: datetime, batch: timedelta) -> None:
        shopify = paths.demo_landing / "shopify"
        self.dir, self.day, self.batch = shopify, day, batch
        pixel = pq.read_table(shopify / "pixel_events.parquet")
        self.pixel_templates = {name: pixel.filter(pc.equal(pixel["name"], name)).slice(0, 1).to_pylist()[0]
                                for name in CART_EVENTS}
        self.order_template = pq.read_table(shopify / "orders.parquet").slice(0, 1).to_pylist()[0]
        self.line_template = pq.read_table(shopify / "orders__line_items.parquet").slice(0, 1).to_pylist()[0]
        self.rows: dict[datetime, dict[str, list[dict]]] = {}
        self.written: set[datetime] = set()
        for n, cart in enumerate(carts):
            for k, at in enumerate(cart.events):
                name = CART_EVENTS[min(k, 1)] if len(cart.events) > 1 else CART_EVENTS[0]
                row = {**self.pixel_templates[name], "id": f"sim-{n}-{k}", "timestamp": _iso(at),
                       "clientId": f"sim-client-{n}", "customerId": cart.shopify_customer_id}
                if row.get("data__checkout__token"):
                    row["data__checkout__token"] = f"sim{n:04d}"
                self._add(at, "pixel_events", row)
            cart.arrived_at = self._batch_time(cart.abandoned_at)
            if cart.recovered_at:
                order_id = 9_900_000_000_000 + n
                self._add(cart.recovered_at, "orders", {
                    **self.order_template, "id": order_id, "name": f"#SIM{n}", "email": cart.email,
                    "customer__id": cart.shopify_customer_id, "created_at": _iso(cart.recovered_at),
                    "updated_at": _iso(cart.recovered_at), "processed_at": _iso(cart.recovered_at),
                    "cancelled_at": None, "fulfilled_at": None, "fulfillment_status": None,
                    "financial_status": "paid"})
                self._add(cart.recovered_at, "orders__line_items",
                          {**self.line_template, "id": 9_900_000_000_000 + n, "order_id": order_id})

    def _batch_time(self, at: datetime) -> datetime:
        """Events arrive in the first batch at or after them (batches every ``batch`` from midnight)."""
        return self.day + self.batch * math.ceil((at - self.day) / self.batch)

    def _add(self, at: datetime, table: str, row: dict) -> None:
        self.rows.setdefault(self._batch_time(at), {}).setdefault(table, []).append(row)

    def arrive(self, until: datetime) -> int:
        """Write every batch due by ``until``; the number of files written."""
        files = 0
        for batch_at in sorted(t for t in self.rows if t <= until and t not in self.written):
            for table, rows in self.rows[batch_at].items():
                target = self.dir / table / f"{batch_at:%Y%m%dT%H%M%S}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                schema = pq.read_schema(self.dir / f"{table}.parquet")
                pq.write_table(pa.Table.from_pylist(rows, schema=schema), target)
                files += 1
            self.written.add(batch_at)
        return files


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def delivered(build_db: Path, sync_names: list[str], audience: str) -> dict[str, tuple[str, datetime]]:
    """trigger_id -> (customer_id, triggered_at) of every trigger the destination has accepted."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where table_schema = 'activation' "
                           "and table_name = 'sync_state'").fetchall()[0][0]:
            return {}
        placeholders = ", ".join("?" for _ in sync_names)
        rows = con.execute(
            f"""
            select state.record_key, state.customer_id, audience.triggered_at
            from activation.sync_state as state
            left join {audience} as audience on cast(audience.trigger_id as varchar) = state.record_key
            where state.sync_name in ({placeholders})
            """, sync_names).fetchall()
    return {key: (customer, triggered) for key, customer, triggered in rows}


def customer_ids(build_db: Path) -> dict[int, str]:
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute("select cast(source_key as bigint), customer_id from marts.customer_source_map "
                           "where source_system = 'shopify' and source_entity = 'customer'").fetchall()
    return {int(k): str(v) for k, v in rows}


def run_lane(home: Path, customers: int, as_of: datetime, activation: ActivationResource,
             instance: dg.DagsterInstance) -> float:
    started = time.perf_counter()
    result = defs.resolve_job_def("activation_lane").execute_in_process(
        resources={"warehouse": WarehouseResource(home=str(home), demo_customers=customers,
                                                  as_of=as_of.isoformat(timespec="seconds")),
                   "activation": activation},
        instance=instance, raise_on_error=False)
    if not result.success:
        failures = [e.message for e in result.all_events if e.is_failure]
        fail(f"lane run as of {as_of} failed: {failures}", 1)
    return time.perf_counter() - started


def simulate(args: argparse.Namespace, home: Path) -> Report:
    sync_names, audience = lane_target(args.trigger_model)
    window = timedelta(hours=window_hours(args.trigger_model, args.window_hours))
    interval = timedelta(minutes=args.interval or load_config().lane.interval_minutes)
    paths = Paths(home).ensure()
    rng = np.random.default_rng(args.seed)
    instance = dg.DagsterInstance.ephemeral()
    console.print(f"[bold]activation lane[/] {', '.join(sync_names)} <- {audience}; window {window}, "
                  f"lane every {interval}, batches every {args.batch_minutes} min; home {home}")

    started = time.perf_counter()
    built = defs.resolve_job_def("main_job").execute_in_process(
        resources={"warehouse": WarehouseResource(home=str(home), demo_customers=args.customers),
                   "activation": ActivationResource(dry_run=True)}, instance=instance, raise_on_error=False)
    if not built.success:
        fail(f"the initial build failed: {[e.message for e in built.all_events if e.is_failure]}", 1)
    day = datetime.combine(demo_end_date(paths) + timedelta(days=1), datetime.min.time())
    console.print(f"initial build in {time.perf_counter() - started:.0f}s; simulated day {day:%Y-%m-%d}")

    carts = plan_carts(eligible_customers(paths.build_db, day, args.carts, rng), day, args.hours, window,
                       args.recovered_share, rng)
    landing = Landing(paths, carts, day, timedelta(minutes=args.batch_minutes))
    activation = activation_files(home, sync_names)
    recovered = sum(c.recovered_at is not None for c in carts)
    report = Report(customers=args.customers, carts=len(carts), recovered=recovered,
                    window_hours=window.total_seconds() / 3600, interval_minutes=int(interval.total_seconds() // 60),
                    batch_minutes=args.batch_minutes)

    # Triggers sent before the day (the demo's own history) are not part of the measurement.
    run_lane(home, args.customers, day, activation, instance)
    seen = set(delivered(paths.build_db, sync_names, audience))
    ends = sorted(c.abandoned_at + window for c in carts if c.recovered_at is None)
    last_tick = day + timedelta(hours=args.hours) + timedelta(minutes=30) + window + 2 * interval
    tick, previous = day + interval, day
    by_customer: dict[str, Cart] = {}
    while tick <= last_tick:
        report.ticks += 1
        files = landing.arrive(tick)
        due = any(previous < end <= tick for end in ends)
        if args.every_tick or files or due:
            report.lane_seconds.append(run_lane(home, args.customers, tick, activation, instance))
            report.lane_runs += 1
            previous = tick
            ids = customer_ids(paths.build_db)
            for cart in carts:
                cart.customer_id = ids.get(cart.shopify_customer_id)
                if cart.customer_id:
                    by_customer[cart.customer_id] = cart
            now_delivered = delivered(paths.build_db, sync_names, audience)
            for key in set(now_delivered) - seen:
                customer, triggered_at = now_delivered[key]
                cart = by_customer.get(customer)
                if cart is not None and cart.delivered_at is None:
                    cart.delivered_at, cart.triggered_at = tick, triggered_at
            seen |= set(now_delivered)
            console.print(f"  {tick:%H:%M} lane run {report.lane_runs}: {files} file(s) arrived, "
                          f"{sum(c.delivered_at == tick for c in carts)} cart(s) delivered "
                          f"({report.lane_seconds[-1]:.0f}s)")
        tick += interval

    for n, cart in enumerate(carts):
        label = f"cart {n} (customer {cart.shopify_customer_id})"
        if cart.recovered_at is not None:
            if cart.delivered_at is not None:
                report.false_triggers.append(f"{label}: recovered at {cart.recovered_at:%H:%M}, sent anyway")
            continue
        if cart.delivered_at is None:
            report.missed.append(f"{label}: abandoned {cart.abandoned_at:%H:%M}, never delivered")
            continue
        latency = (cart.delivered_at - (cart.abandoned_at + window)).total_seconds() / 60
        report.latencies_minutes.append(round(latency, 1))
        if not 0 <= latency <= interval.total_seconds() / 60:
            report.late.append(f"{label}: {latency:.1f} min after its window")
    print_report(carts, window, report)
    return report


def print_report(carts: list[Cart], window: timedelta, report: Report) -> None:
    table = Table(title="abandoned carts through the activation lane (simulated clock)")
    for column in ("cart", "abandoned at", "arrived at", "window ends", "delivered at", "after window (min)",
                   "outcome"):
        table.add_column(column)
    for n, cart in enumerate(carts):
        ends = cart.abandoned_at + window
        after = (f"{(cart.delivered_at - ends).total_seconds() / 60:.1f}"
                 if cart.delivered_at and not cart.recovered_at else "")
        outcome = ("recovered: not sent" if cart.recovered_at and not cart.delivered_at else
                   "RECOVERED BUT SENT" if cart.recovered_at else
                   "MISSED" if not cart.delivered_at else
                   "on time" if 0 <= (cart.delivered_at - ends).total_seconds() <= report.interval_minutes * 60
                   else "LATE")
        table.add_row(str(n), f"{cart.abandoned_at:%H:%M:%S}", f"{cart.arrived_at:%H:%M}", f"{ends:%H:%M:%S}",
                      f"{cart.delivered_at:%H:%M}" if cart.delivered_at else "-", after, outcome)
    Console(width=150).print(table)
    latencies = report.latencies_minutes
    summary = Table(title="activation lane latency")
    for column in ("carts", "recovered", "delivered", "max after window (min)", "mean (min)", "interval (min)",
                   "lane runs", "lane run s (mean / max)", "verdict"):
        summary.add_column(column)
    summary.add_row(str(report.carts), str(report.recovered), str(len(latencies)),
                    f"{max(latencies):.1f}" if latencies else "-",
                    f"{sum(latencies) / len(latencies):.1f}" if latencies else "-", str(report.interval_minutes),
                    f"{report.lane_runs} of {report.ticks} ticks",
                    (f"{np.mean(report.lane_seconds):.0f} / {max(report.lane_seconds):.0f}"
                     if report.lane_seconds else "-"),
                    "PASS" if report.ok else "FAIL")
    Console(width=150).print(summary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=600, help="demo people (scale)")
    parser.add_argument("--carts", type=int, default=12, help="carts started during the simulated day")
    parser.add_argument("--hours", type=float, default=8, help="hours of the day in which carts start")
    parser.add_argument("--recovered-share", type=float, default=0.25, help="share of carts recovered by an order")
    parser.add_argument("--batch-minutes", type=int, default=5, help="how often event files arrive")
    parser.add_argument("--interval", type=int, default=None, help="lane interval in minutes (default: config)")
    parser.add_argument("--window-hours", type=float, default=None, help="abandonment window (default: dbt var)")
    parser.add_argument("--trigger-model", default="trigger_abandoned_cart")
    parser.add_argument("--every-tick", action="store_true", help="run the lane at every tick, idle or not")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--home", help="working folder (default: a new temporary folder, removed afterwards)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with run_root(Path(args.home) if args.home else None, prefix="cdw_lane_") as home:
        report = simulate(args, home)
    figures = {**asdict(report), "ok": report.ok,
               "max_latency_minutes": max(report.latencies_minutes, default=None)}
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
