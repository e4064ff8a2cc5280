"""Benchmark the landing load alone: rows, seconds, rows/s and peak memory of each run.

    python benchmarks/ingest.py --scale M                          # 200,000 customers, generated first
    python benchmarks/ingest.py --customers 20000 --keep DIR       # keep the generated demo in DIR
    python benchmarks/ingest.py --landing DIR/landing              # an existing landing folder
    python benchmarks/ingest.py --scale L --runs first             # only the first load

The loads run in a fresh child process, so the figures are the load's alone, not the generator's.
Three runs are measured (``--runs`` picks some): the first load, a repeat (every file already
loaded, so skipped) and a forced reload (every file reprocessed; merge keeps counts unchanged).
Peak memory is the highest resident set of the child (and anything it starts) sampled while each
run goes on (:class:`benchmarks.memory.PeakMemory`). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.memory import PeakMemory  # noqa: E402
from benchmarks.scratch import run_root  # noqa: E402

SCALES = {"S": 20_000, "M": 200_000, "L": 1_000_000}
RUNS = (("first", False), ("repeat", False), ("forced", True))


def _load_in_child(landing: str, work: str, chosen: list[str], queue: Any) -> None:
    """Child body: the chosen loads of the same landing folder, in order; figures go back through ``queue``."""
    from ingestion.load import load_landing

    runs = []
    for label, force in RUNS:
        if label not in chosen:
            continue
        with PeakMemory() as peak:
            started = time.perf_counter()
            result = load_landing(Path(landing), Path(work) / "build.duckdb", Path(work) / "dlt", force=force)
            seconds = time.perf_counter() - started
        runs.append({"run": label, "seconds": round(seconds, 2), "peak_mb": peak.megabytes,
                     "rows_read": result.rows_read, "rows_landed": result.rows_landed,
                     "rows_quarantined": result.rows_quarantined, "files_loaded": len(result.files_loaded),
                     "files_skipped": len(result.files_skipped), "table_rows": result.table_rows})
    queue.put(runs)


def measure(landing: Path, work: Path, chosen: list[str]) -> dict[str, Any]:
    """Run the chosen loads in a spawned child; add rows/s and whether the table counts held."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load_in_child, args=(str(landing), str(work), chosen, queue))
    child.start()
    runs = queue.get()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"load failed in child process (exit code {child.exitcode})")
    table_rows = [run.pop("table_rows") for run in runs]
    for run in runs:
        run["rows_per_second"] = round(run["rows_read"] / run["seconds"]) if run["rows_read"] else 0
    return {"landing": str(landing), "peak_memory_mb": max(run["peak_mb"] for run in runs), "runs": runs,
            "table_rows": table_rows[0], "table_rows_unchanged": all(t == table_rows[0] for t in table_rows)}


def generate_demo(out: Path, customers: int, seed: int) -> float:
    """Write the demo landing files; returns the seconds the generator took."""
    from demo.generate import generate

    started = time.perf_counter()
    generate(out / "landing", out / "truth", customers=customers, seed=seed)
    return round(time.perf_counter() - started, 2)


def print_table(figures: dict[str, Any]) -> None:
    header = (f"{'run':<8}{'rows read':>12}{'landed':>12}{'quarantined':>13}{'files':>7}{'skipped':>9}"
              f"{'seconds':>10}{'rows/s':>11}{'peak MB':>10}")
    print(header)
    print("-" * len(header))
    for run in figures["runs"]:
        print(f"{run['run']:<8}{run['rows_read']:>12,}{run['rows_landed']:>12,}{run['rows_quarantined']:>13,}"
              f"{run['files_loaded']:>7}{run['files_skipped']:>9}{run['seconds']:>10.2f}"
              f"{run['rows_per_second']:>11,}{run['peak_mb']:>10,}")
    unchanged = "unchanged" if figures["table_rows_unchanged"] else "CHANGED"
    print(f"peak memory of the load process: {figures['peak_memory_mb']:,} MB; table rows across runs: {unchanged}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--scale", choices=sorted(SCALES), default=None, help="S, M or L (20k, 200k, 1M customers)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--landing", type=Path, help="load this landing folder instead of generating one")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it (reuse with --landing)")
    parser.add_argument("--runs", default="first,repeat,forced", help="which loads, of first,repeat,forced")
    args = parser.parse_args(argv)
    chosen = [run.strip() for run in args.runs.split(",")]
    if not chosen or set(chosen) - {label for label, _ in RUNS}:
        parser.error(f"--runs: choose from {', '.join(label for label, _ in RUNS)}")
    with run_root(args.keep, prefix="cdw-bench-ingest-") as base:
        figures: dict[str, Any] = {"customers": None, "generate_seconds": None}
        landing = args.landing
        if landing is None:
            figures["customers"] = args.customers or SCALES[args.scale or "S"]
            figures["generate_seconds"] = generate_demo(base, figures["customers"], args.seed)
            landing = base / "landing"
        work = Path(tempfile.mkdtemp(prefix="load-", dir=base))
        try:
            figures |= measure(landing, work, chosen)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print_table(figures)
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
