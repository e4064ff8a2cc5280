"""Identity resolution at scale: the time to resolve a large demo (default 1,000,000 customers).

Generates the demo (with every people phenomenon), loads it, builds the staging views once, then
times the identity build on its own: the identity models (records, identifiers, rules, edges,
resolution with its limit passes on the native connected components, profiles, the customer
source map and the identity marts), without data tests. Prints rows, seconds, the resolution's
own log (passes, links, profiles) and peak memory as a table and as JSON.

    .venv/bin/python benchmarks/identity_scale.py --customers 1000000 [--workdir DIR] [--reuse]

``--reuse`` skips generation and loading when the work dir already holds the loaded demo.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.identity_quality import make_demo, run_dbt  # noqa: E402
from benchmarks.memory import PeakMemory  # noqa: E402
from benchmarks.scratch import run_root  # noqa: E402

# The identity build: the resolution and what customers need from it (no data tests, no value marts).
IDENTITY_MODELS = ["customer_warehouse.intermediate.identity", "customer_warehouse.marts.customers",
                   "--exclude", "dim_customers", "int_customer_consent_latest", "int_customer_contacts",
                   "int_customer_support_summarised"]


def run(customers: int, seed: int, work_dir: Path, reuse: bool) -> dict[str, Any]:
    database = work_dir / "build.duckdb"
    report: dict[str, Any] = {"customers": customers}
    if not (reuse and database.exists()):
        started = time.perf_counter()
        make_demo(work_dir, customers, seed)
        report["generate_and_load_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        run_dbt(["seed"], database, work_dir)
        run_dbt(["run", "--select", "staging"], database, work_dir)
        report["seeds_and_staging_seconds"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    # Other work on the machine slows the figures: the load before and after says how busy it was.
    report["load_average_before"] = round(os.getloadavg()[0], 1)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    with PeakMemory() as peak:
        run_dbt(["run", "--select", *IDENTITY_MODELS], database, work_dir)
    report["identity_resolution_seconds"] = round(time.perf_counter() - started, 1)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of this process (dbt and DuckDB's threads): the work done, which a busy machine
    # changes far less than the wall time.
    report["identity_cpu_seconds"] = round(cpu_after.ru_utime - cpu_before.ru_utime
                                           + cpu_after.ru_stime - cpu_before.ru_stime, 1)
    # dbt runs in this process: the sampled peak of the identity build alone (ru_maxrss of the
    # children, kept below, misses it and includes generation when the demo was made here).
    report["identity_peak_memory_mb"] = peak.megabytes
    report["load_average_after"] = round(os.getloadavg()[0], 1)
    con = duckdb.connect(str(database), read_only=True)
    try:
        report["records"] = con.execute("select count(*) from intermediate.int_identity_records").fetchall()[0][0]
        report["identifiers"] = con.execute("select count(*) from intermediate.int_identifiers").fetchall()[0][0]
        report["candidate_links"] = con.execute(
            "select count(*) from intermediate.int_identity_resolution__edges").fetchall()[0][0]
        report["customers_resolved"] = con.execute(
            "select count(distinct customer_id) from marts.customer_source_map").fetchall()[0][0]
        report["passes"] = [dict(zip(["pass", "links", "profiles", "violations", "seconds"], row, strict=True))
                            for row in con.execute(
            "select pass_number, active_links, profiles, violations, round(seconds, 2) from "
            "intermediate.int_identity_resolution__log where event_type = 'pass' order by pass_number").fetchall()]
        timing = json.loads((work_dir / "target" / "run_results.json").read_text())
        slowest = sorted(timing["results"], key=lambda r: -r["execution_time"])[:12]
        report["slowest_models"] = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 1) for r in slowest}
    finally:
        con.close()
    report["children_peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse the loaded demo in --workdir")
    args = parser.parse_args(argv)
    with run_root(args.workdir, prefix="identity_scale_") as work_dir:
        work_dir.mkdir(parents=True, exist_ok=True)
        report = run(args.customers, args.seed, work_dir, args.reuse)
    for key, value in report.items():
        if not isinstance(value, list | dict):
            print(f"{key:<28}{value}")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
