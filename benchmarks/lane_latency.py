"""Activation-lane latency at scale: 100 new storefront events to the abandoned-cart audience and a dry-run sync.

    .venv/bin/python benchmarks/lane_latency.py --customers 20000            # builds the demo first
    .venv/bin/python benchmarks/lane_latency.py --home /tmp/cdw-20k          # reuse a built home

1. A demo home at ``--customers`` is built once with the main job (the same steps as ``cdw run``).
2. Carts of e-mail-reachable customers arrive the day after the demo ends as one Shopify export of
   ``--events`` storefront events (``Added To Cart`` / ``Started Checkout``).
3. One lane run (``cdw lane``: ingest the lane's systems -> the dbt nodes between them and the
   trigger audiences, identity left to the nightly run -> audience checks -> dry-run sync), as of
   the end of the abandonment window, is timed wall to wall with its peak memory.
4. Every cart's customer must be in the abandoned-cart audience and planned by the sync.

Prints a table and a JSON line; exits 1 when a cart is missing or the target is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from activation_lane import Landing, eligible_customers, plan_carts  # noqa: E402

from benchmarks.scratch import run_root  # noqa: E402
from cdw.context import demo_end_date, make_context  # noqa: E402
from cdw.lane import run_lane  # noqa: E402
from cdw.main_job import run_main_job  # noqa: E402
from orchestration.config import load_config  # noqa: E402

TARGET_SECONDS = 60.0
AUDIENCE = "marts.audience_abandoned_cart_email"


def peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100, help="new storefront events in the drop")
    parser.add_argument("--home", type=Path, default=None,
                        help="a home to build into or reuse (default: a temp dir, removed afterwards)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with run_root(args.home, prefix="cdw-lane-") as home:
        return measure(args, home)


def measure(args: argparse.Namespace, home: Path) -> int:
    """One timed lane run in ``home`` (built first when it has no serving warehouse), printed; the exit code."""
    ctx = make_context(home=home, source="demo", demo_customers=args.customers)
    built_seconds = None
    if not ctx.paths.serving_db.exists():
        started = time.perf_counter()
        outcome = run_main_job(ctx)
        built_seconds = time.perf_counter() - started
        if outcome.record.status not in ("success", "partial"):
            print(f"main job failed: {outcome.record.error}", file=sys.stderr)
            return 1
    day = datetime.combine(demo_end_date(ctx.paths) + timedelta(days=1), datetime.min.time())
    window = timedelta(hours=4)
    rng = np.random.default_rng(args.seed)
    carts, events = [], 0
    customers = eligible_customers(ctx.paths.build_db, day, max(1, args.events // 2 + 5), rng)
    for cart in plan_carts(customers, day, hours=2.0, window=window, recovered_share=0.0, rng=rng):
        if events >= args.events:
            break
        keep = min(len(cart.events), args.events - events)
        cart.events = cart.events[:keep]
        carts.append(cart)
        events += keep
    landing = Landing(ctx.paths, carts, day, batch=timedelta(hours=3))
    files = landing.arrive(day + timedelta(days=1))
    as_of = max(c.abandoned_at for c in carts) + window + timedelta(minutes=1)
    lane_ctx = make_context(home=home, source="demo", demo_customers=args.customers, as_of=as_of.isoformat())

    settings = load_config().lane
    started = time.perf_counter()
    outcome = run_lane(lane_ctx, settings.systems, settings.syncs, settings.dbt_tag, dry_run=True)
    seconds = time.perf_counter() - started

    with duckdb.connect(str(ctx.paths.build_db), read_only=True) as con:
        in_audience = {row[0] for row in con.execute(
            f"select distinct cast(map.source_key as bigint) from {AUDIENCE} as audience "
            "join marts.customer_source_map as map on map.customer_id = audience.customer_id "
            "and map.source_system = 'shopify' and map.source_entity = 'customer'").fetchall()}
    missing = [c.shopify_customer_id for c in carts if c.shopify_customer_id not in in_audience]
    planned = sum(r.planned["adds"] for r in outcome.syncs)
    ok = outcome.ok and not missing and planned >= len(carts) and seconds <= TARGET_SECONDS
    figures = {"customers": args.customers, "events": events, "carts": len(carts), "files": files,
               "lane_seconds": round(seconds, 2), "parts": {k: round(v, 2) for k, v in outcome.seconds.items()},
               "dbt": outcome.build.counts, "rows_landed": outcome.ingest.load.rows_landed,
               "carts_in_audience": len(carts) - len(missing), "sync_planned_adds": planned,
               "target_seconds": TARGET_SECONDS, "peak_memory_mb": round(peak_memory_mb()),
               "main_job_seconds": round(built_seconds, 1) if built_seconds else None, "ok": ok}
    print(f"lane at {args.customers:,} customers: {events} new storefront events ({len(carts)} carts, {files} file(s))")
    print(f"{'part':<10}{'seconds':>10}")
    for part, value in outcome.seconds.items():
        print(f"{part:<10}{value:>10.2f}")
    print(f"{'total':<10}{seconds:>10.2f}   (target {TARGET_SECONDS:.0f} s)")
    print(f"carts in the audience {len(carts) - len(missing)}/{len(carts)}; dry-run sync plans {planned} adds; "
          f"peak memory {figures['peak_memory_mb']:,} MB")
    print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
