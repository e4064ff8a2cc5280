"""Time the demo data generator at a given scale: wall time, peak memory, rows written.

    python benchmarks/generator.py --customers 1000000 [--chunk-persons 50000] [--keep DIR]

Generates into a temporary directory (removed afterwards unless --keep) and prints the figures as
a table and as one JSON line. Peak memory is the process's peak resident set
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), imports included: the generator works in chunks
of ``--chunk-persons`` persons, so it follows the chunk size, not ``--customers``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.scratch import run_root  # noqa: E402
from demo.config import DEFAULT_CHUNK_PERSONS  # noqa: E402
from demo.generate import GeneratorConfig, generate  # noqa: E402

EVENT_TABLES = ("shopify.pixel_events", "klaviyo.events")


def peak_memory_mb() -> int:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(customers: int, seed: int, chunk_persons: int, keep: Path | None) -> dict:
    """Run the generator once and return its figures."""
    with run_root(keep, prefix="cdw-generate-") as base:
        started = time.perf_counter()
        result = generate(base / "landing", base / "truth", customers=customers, seed=seed,
                          config=GeneratorConfig(chunk_persons=chunk_persons))
        seconds = time.perf_counter() - started
        peak = peak_memory_mb()
        size = sum(f.stat().st_size for f in (base / "landing").rglob("*.parquet"))
        truth_size = sum(f.stat().st_size for f in (base / "truth").rglob("*.parquet"))
    events = sum(result.rows_per_table[name] for name in EVENT_TABLES)
    return {
        "customers": customers,
        "seed": seed,
        "chunk_persons": chunk_persons,
        "chunks": result.chunks,
        "rows": result.total_rows,
        "events": events,
        "seconds": round(seconds, 2),
        "rows_per_s": round(result.total_rows / seconds),
        "peak_memory_mb": peak,
        "parquet_mb": round(size / 2**20, 1),
        "truth_mb": round(truth_size / 2**20, 1),
        "rows_per_table": result.rows_per_table,
    }


def table(figures: dict) -> str:
    """The figures as aligned lines, one per measure."""
    lines = [f"demo generator: {figures['customers']:,} customers in {figures['chunks']} chunk(s) of "
             f"up to {figures['chunk_persons']:,}"]
    for label, key in (("rows written", "rows"), ("events (pixel + Klaviyo)", "events"), ("seconds", "seconds"),
                       ("rows/s", "rows_per_s"), ("peak memory (MB)", "peak_memory_mb"),
                       ("vendor parquet (MB)", "parquet_mb"), ("truth parquet (MB)", "truth_mb")):
        value = figures[key]
        lines.append(f"{label:<26}{value:>14,}" if isinstance(value, int) else f"{label:<26}{value:>14,.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--chunk-persons", type=int, default=DEFAULT_CHUNK_PERSONS,
                        help="persons generated, written and freed at a time")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args()
    figures = measure(args.customers, args.seed, args.chunk_persons, args.keep)
    print(table(figures))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
