"""Time the main job (generate -> ingest -> build -> clv, suggest -> build -> check -> publish) at a given scale.

    python benchmarks/pipeline.py --customers 20000

Runs in a fresh temporary CDW_HOME, prints a table and a JSON line with seconds, rows and rows/s
per step, the total, peak memory of this process and the warehouse size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--home", type=Path, default=None, help="keep the run here instead of a temp dir")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="cdw-bench-"))
    os.environ["CDW_HOME"] = str(home)

    from cdw import steps
    from cdw.context import make_context
    from cdw.inventory import human_size

    ctx = make_context(source="demo", demo_customers=args.customers, demo_seed=args.seed, run_id="bench")
    paths = ctx.paths
    figures: dict[str, dict] = {}

    def step(name: str, fn, rows_of=lambda r: None):
        started = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - started
        rows = rows_of(value)
        figures[name] = {"seconds": round(seconds, 2), "rows": rows,
                         "rows_per_s": round(rows / seconds) if rows else None}
        return value

    generated = step("generate", lambda: steps.generate(ctx), lambda r: r.total_rows)
    ctx = ctx.with_resolved_as_of()
    step("ingest", lambda: steps.ingest(ctx), lambda r: r.load.rows_read)
    built = step("build", lambda: steps.build(ctx, "before_clv"))
    step("clv", lambda: steps.clv(ctx))
    step("suggest", lambda: steps.suggest(ctx), lambda r: r.pairs_suggested)
    after = step("build_after_clv", lambda: steps.build(ctx, "after_clv"))
    report = step("check", lambda: steps.check(ctx))
    step("publish", lambda: steps.publish(ctx, report.blocking_failures + built.failures + after.failures),
         lambda r: sum(r.tables.values()))
    total = sum(f["seconds"] for f in figures.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"main job at {args.customers:,} customers ({generated.total_rows:,} generated rows)")
    print(f"{'step':<10}{'seconds':>10}{'rows':>14}{'rows/s':>14}")
    for name, f in figures.items():
        rows = f"{f['rows']:,}" if f["rows"] else "-"
        rate = f"{f['rows_per_s']:,}" if f["rows_per_s"] else "-"
        print(f"{name:<10}{f['seconds']:>10.2f}{rows:>14}{rate:>14}")
    print(f"{'total':<10}{total:>10.2f}")
    print(f"peak memory {peak_mb:,.0f} MB; build warehouse {human_size(paths.build_db)}; "
          f"serving warehouse {human_size(paths.serving_db)}; dbt {built.counts} + {after.counts}")
    print(json.dumps({"customers": args.customers, "steps": figures, "total_seconds": round(total, 2),
                      "peak_memory_mb": round(peak_mb), "build_db_bytes": paths.build_db.stat().st_size,
                      "serving_db_bytes": paths.serving_db.stat().st_size, "dbt": [built.counts, after.counts]}))


if __name__ == "__main__":
    main()
