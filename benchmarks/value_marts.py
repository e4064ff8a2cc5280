"""Time the customer-value and activation marts (dbt) on a demo at a given scale.

    .venv/bin/python benchmarks/value_marts.py --customers 20000

Generates the demo (``demo.generate``), loads it, builds everything the value marts
read (seeds, staging, facts, identity, dim_customers), then times one ``dbt run`` of
``models/marts/value`` and ``models/marts/activation`` and prints seconds and rows per model and
the total, as a table and as JSON (peak memory of the dbt process included). ``--as-of`` defaults
to the demo's last day.

Predictive CLV is Python, not dbt: its fit and scoring for one million customers is timed by
``benchmarks/clv_scoring.py --customers 1000000``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import run_root  # noqa: E402
from core.dbt import DbtPlace, invoke_dbt_like_cli  # noqa: E402

VALUE_SELECTION = ["path:../models/marts/value", "path:../models/marts/activation"]


def dbt(args: list[str], database: Path, work: Path, as_of: str) -> tuple[float, dict[str, Any]]:
    """Run one dbt command in this process; seconds and its run_results.json."""
    started = time.perf_counter()
    result = invoke_dbt_like_cli(DbtPlace.beside(database, work), args, as_of=as_of)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{result.stdout[-5000:]}")
    return seconds, json.loads((work / "target" / "run_results.json").read_text())


def model_timings(results: dict[str, Any]) -> dict[str, float]:
    """Seconds per model from run_results.json; hooks (on-run-start operations) and other nodes are left out."""
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]
            if r["unique_id"].startswith("model.")}


def row_counts(database: Path, models: list[str]) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        return {m: con.execute(f"select count(*) from marts.{m}").fetchone()[0] for m in models}


def run(customers: int, seed: int, as_of: str | None, work: Path) -> dict[str, Any]:
    from demo.generate import generate
    from ingestion.load import load_landing

    database = work / "build.duckdb"
    started = time.perf_counter()
    generated = generate(work / "landing", work / "truth", customers=customers, seed=seed)
    load_landing(work / "landing", database, work / "dlt")
    prepare_seconds = time.perf_counter() - started
    as_of = as_of or generated.end_date.isoformat()

    upstream_seconds, _ = dbt(["build", "--resource-type", "seed", "--resource-type", "model",
                               "--exclude", *VALUE_SELECTION], database, work, as_of)
    total_seconds, results = dbt(["run", "--select", *VALUE_SELECTION], database, work, as_of)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    timings = model_timings(results)
    rows = row_counts(database, list(timings))
    models = [{"model": name, "seconds": round(seconds, 3), "rows": rows[name],
               "rows_per_s": round(rows[name] / seconds) if seconds > 0 else None}
              for name, seconds in sorted(timings.items(), key=lambda item: -item[1])]
    return {
        "benchmark": "value_marts", "customers": customers, "seed": seed, "as_of": as_of,
        "generated_rows": generated.total_rows, "prepare_seconds": round(prepare_seconds, 2),
        "upstream_build_seconds": round(upstream_seconds, 2),
        "models_seconds": round(sum(timings.values()), 2),
        "dbt_run_seconds": round(total_seconds, 2),
        "peak_dbt_memory_mb": round(peak_mb, 1),
        "models": models,
        "clv_scoring": "benchmarks/clv_scoring.py --customers 1000000",
    }


def print_table(figures: dict[str, Any]) -> None:
    print(f"value marts at {figures['customers']:,} customers (as of {figures['as_of']}, "
          f"{figures['generated_rows']:,} generated rows)")
    print(f"{'model':<34}{'seconds':>10}{'rows':>12}{'rows/s':>12}")
    for m in figures["models"]:
        rate = f"{m['rows_per_s']:,}" if m["rows_per_s"] is not None else "-"
        print(f"{m['model']:<34}{m['seconds']:>10.2f}{m['rows']:>12,}{rate:>12}")
    print(f"{'sum of model times':<34}{figures['models_seconds']:>10.2f}")
    print(f"{'dbt run (wall, incl. parse)':<34}{figures['dbt_run_seconds']:>10.2f}")
    print(f"upstream build {figures['upstream_build_seconds']:.1f} s, "
          f"generate + load {figures['prepare_seconds']:.1f} s, "
          f"peak dbt memory {figures['peak_dbt_memory_mb']:.0f} MB")
    print(f"predictive CLV scoring: {figures['clv_scoring']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000, help="demo people (default 20,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", default=None, help="reference date (default: the demo's last day)")
    parser.add_argument("--work", type=Path, default=None, help="keep the run here instead of a temp dir")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    with run_root(args.work, prefix="cdw-value-bench-") as work:
        work.mkdir(parents=True, exist_ok=True)
        figures = run(args.customers, args.seed, args.as_of, work)
    if not args.json:
        print_table(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
