"""Time the demo data generator at a given scale.

    python benchmarks/generate.py --customers 20000

Generates into a temporary directory (removed afterwards unless --keep) and prints rows,
events (pixel + Klaviyo), seconds, rows/s and peak memory, as a table and as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from demo.generate import generate  # noqa: E402

EVENT_TABLES = ("shopify.pixel_events", "klaviyo.events")


def measure(customers: int, seed: int, keep: Path | None) -> dict:
    """Run the generator once and return its figures."""
    base = keep or Path(tempfile.mkdtemp(prefix="cdw-generate-"))
    try:
        started = time.perf_counter()
        result = generate(base / "landing", base / "truth", customers=customers, seed=seed)
        seconds = time.perf_counter() - started
        files = sorted((base / "landing").rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)
    events = sum(result.rows_per_table[name] for name in EVENT_TABLES)
    return {
        "customers": customers,
        "seed": seed,
        "rows": result.total_rows,
        "events": events,
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.total_rows / seconds),
        "events_per_s": round(events / seconds),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "parquet_mb": round(size / 2**20, 1),
        "rows_per_table": result.rows_per_table,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()
    figures = measure(args.customers, args.seed, args.keep)
    print(f"demo generator at {figures['customers']:,} customers")
    for label, key in (("rows", "rows"), ("events (pixel + Klaviyo)", "events"), ("seconds", "seconds"),
                       ("rows/s", "rows_per_s"), ("events/s", "events_per_s"),
                       ("peak memory (MB)", "peak_memory_mb"), ("parquet size (MB)", "parquet_mb")):
        value = figures[key]
        print(f"{label:<26}{value:>14,}" if isinstance(value, int) else f"{label:<26}{value:>14,.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
