"""Benchmark the landing load: generate demo data, load it, print rows, seconds, rows/s, peak memory.

    python benchmarks/ingest.py --customers 20000          # demo generator into a temp dir
    python benchmarks/ingest.py --landing path/to/landing  # an existing landing folder

The load runs in a fresh child process, so the peak memory (max RSS) is the load's alone, not the
generator's. Three runs are measured: the first load, a repeat (every file already loaded, so
skipped) and a forced reload (every file reprocessed; merge keeps counts unchanged).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.settings import DEFAULT_DEMO_CUSTOMERS, DEFAULT_DEMO_SEED


def _load_in_child(landing: str, work: str, queue: Any) -> None:
    """Child body: three loads of the same landing folder; figures go back through ``queue``."""
    from ingestion.load import load_landing

    runs = []
    for label, force in (("first", False), ("repeat", False), ("forced", True)):
        started = time.perf_counter()
        result = load_landing(Path(landing), Path(work) / "build.duckdb", Path(work) / "dlt", force=force)
        runs.append({"run": label, "seconds": round(time.perf_counter() - started, 3),
                     "rows_read": result.rows_read, "rows_landed": result.rows_landed,
                     "rows_quarantined": result.rows_quarantined, "files_loaded": len(result.files_loaded),
                     "files_skipped": len(result.files_skipped), "table_rows": result.table_rows})
    queue.put(runs)


def measure(landing: Path, work: Path) -> dict[str, Any]:
    """Run the three loads in a spawned child; add rows/s and the child's peak memory."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load_in_child, args=(str(landing), str(work), queue))
    child.start()
    runs = queue.get()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"load failed in child process (exit code {child.exitcode})")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
    table_rows = [run.pop("table_rows") for run in runs]
    for run in runs:
        run["rows_per_second"] = round(run["rows_read"] / run["seconds"]) if run["rows_read"] else 0
    return {"landing": str(landing), "peak_memory_mb": round(peak_mb, 1), "runs": runs,
            "table_rows": table_rows[0], "table_rows_unchanged": all(t == table_rows[0] for t in table_rows)}


def generate_demo(out: Path, customers: int, seed: int) -> float:
    """Write the demo landing files; returns the seconds the generator took."""
    try:
        from demo.generate import generate
    except ImportError as error:  # the generator is written separately
        raise SystemExit(f"demo generator not available ({error}); use --landing DIR") from error
    started = time.perf_counter()
    generate(out / "landing", out / "truth", customers=customers, seed=seed)
    return round(time.perf_counter() - started, 3)


def print_table(figures: dict[str, Any]) -> None:
    header = f"{'run':<8}{'rows read':>12}{'landed':>12}{'quarantined':>13}{'files':>7}{'skipped':>9}" \
             f"{'seconds':>10}{'rows/s':>11}"
    print(header)
    print("-" * len(header))
    for run in figures["runs"]:
        print(f"{run['run']:<8}{run['rows_read']:>12,}{run['rows_landed']:>12,}{run['rows_quarantined']:>13,}"
              f"{run['files_loaded']:>7}{run['files_skipped']:>9}{run['seconds']:>10.2f}"
              f"{run['rows_per_second']:>11,}")
    print(f"peak memory of the load process: {figures['peak_memory_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_DEMO_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED)
    parser.add_argument("--landing", type=Path, help="load this landing folder instead of generating one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cdw-bench-") as tmp:
        work = Path(tmp)
        figures: dict[str, Any] = {"customers": None, "generate_seconds": None}
        landing = args.landing
        if landing is None:
            figures["customers"] = args.customers
            figures["generate_seconds"] = generate_demo(work, args.customers, args.seed)
            landing = work / "landing"
        figures |= measure(landing, work / "load")
        print_table(figures)
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
