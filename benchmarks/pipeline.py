"""Time the main job (generate -> ingest -> build -> clv, suggest -> build -> check -> publish) at a given scale.

    python benchmarks/pipeline.py --customers 20000            # S
    python benchmarks/pipeline.py --scale M                    # 200,000 customers
    python benchmarks/pipeline.py --scale L --memory-limit 4GB # 1,000,000, DuckDB spilling past 4 GB

Runs the main job itself (``cdw run``'s, in process) in a fresh temporary CDW_HOME (removed afterwards,
however the run ends; ``--home DIR`` keeps the run there instead) and prints, per
step: wall time, peak resident memory of the step (this process and the processes it started,
sampled from /proc), rows in and rows out; then the ten slowest dbt nodes, the warehouse sizes, and
one JSON line with every figure. The total leaves out ``generate`` (the demo stands in for a
seller's exports). ``--memory-limit`` sets DuckDB's limit for the run
(``$CDW_DUCKDB_MEMORY_LIMIT``), to show a big run spilling.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scratch import run_root  # noqa: E402 - after the repository is on the path
from benchmarks.step_meter import StepMeter  # noqa: E402

SCALES = {"S": 20_000, "M": 200_000, "L": 1_000_000}
TOP_NODES = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--scale", choices=sorted(SCALES), default=None, help="S, M or L (20k, 200k, 1M customers)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory limit for this run, e.g. 4GB or 30%%")
    parser.add_argument("--home", type=Path, default=None, help="keep the run here instead of a temp dir")
    args = parser.parse_args()
    customers = args.customers or SCALES[args.scale or "S"]
    if args.memory_limit:
        os.environ["CDW_DUCKDB_MEMORY_LIMIT"] = args.memory_limit
    with run_root(args.home, prefix="cdw-bench-") as home:
        os.environ["CDW_HOME"] = str(home)
        figures, slowest, result = run(customers, args.seed)
    report(customers, figures, slowest, result)


def run(customers: int, seed: int) -> tuple[dict[str, dict], list[tuple[str, float]], dict[str, Any]]:
    """The main job itself (:func:`cdw.main_job.run_main_job`), measured step by step as it runs."""
    from cdw.context import make_context
    from cdw.inventory import table_counts
    from cdw.main_job import run_main_job
    from core.resources import duckdb_resources

    ctx = make_context(source="demo", demo_customers=customers, demo_seed=seed, run_id="bench")
    paths = ctx.paths
    dbt_seconds: dict[str, float] = {}
    extra: dict[str, Any] = {}

    def counted(prefix: str) -> int:
        return sum(n for name, n in table_counts(paths.build_db).items() if name.startswith(prefix))

    def rows(step: str, value: Any) -> dict[str, int | None]:
        if step == "generate":
            extra["generated_rows"] = value.total_rows
            return {"rows_in": None, "rows_out": value.total_rows}
        if step == "ingest":
            return {"rows_in": value.load.rows_read, "rows_out": value.load.rows_landed}
        if step in ("build", "build_after_clv"):
            dbt_seconds.update(_node_seconds(paths.home / "dbt" / "target" / "run_results.json"))
            extra.setdefault("dbt", []).append(value.counts)
            return {"rows_in": counted("raw_") if step == "build" else None, "rows_out": counted("marts.")}
        if step == "clv":
            return {"rows_in": value.n_customers, "rows_out": None}
        if step == "suggest":
            return {"rows_in": value.profiles, "rows_out": value.pairs_suggested}
        if step == "check":
            extra["slowest_checks"] = slowest_checks(value.group_seconds)
            return {"rows_in": None, "rows_out": len(value.outcomes)}
        if step == "publish":
            return {"rows_in": counted("marts."), "rows_out": sum(value.tables.values())}
        return {"rows_in": None, "rows_out": None}

    meter = StepMeter(rows)
    try:
        outcome = run_main_job(ctx, meter)
    finally:
        meter.close()
    record = outcome.record
    if record.status not in ("success", "partial"):
        print(f"the main job did not publish: {record.status}: {record.error}", flush=True)
    slowest = sorted(dbt_seconds.items(), key=lambda item: -item[1])[:TOP_NODES]
    result = {"generated_rows": extra.get("generated_rows", 0), "status": record.status,
              "build_db_bytes": paths.build_db.stat().st_size,
              "serving_db_bytes": paths.serving_db.stat().st_size if paths.serving_db.exists() else 0,
              "dbt": extra.get("dbt", []), "memory_limit": duckdb_resources(paths.build_db).memory_limit,
              "slowest_checks": extra.get("slowest_checks", [])}
    return meter.steps, slowest, result


def slowest_checks(group_seconds: list[tuple[str, int, float]]) -> list[tuple[str, int, float]]:
    """(relation, rules, seconds) of the relations whose rules took longest to check."""
    per_relation: dict[str, list[float]] = {}
    for relation, rules, seconds in group_seconds:
        totals = per_relation.setdefault(relation, [0, 0.0])
        totals[0] += rules
        totals[1] += seconds
    ranked = sorted(per_relation.items(), key=lambda item: -item[1][1])[:TOP_NODES]
    return [(relation, int(rules), round(seconds, 2)) for relation, (rules, seconds) in ranked]


def _node_seconds(run_results: Path) -> dict[str, float]:
    """dbt node -> seconds, from the run_results.json of the build that just ran."""
    if not run_results.exists():
        return {}
    seconds = {}
    for result in json.loads(run_results.read_text())["results"]:
        kind, _, name = result["unique_id"].split(".")[:3]
        seconds[name if kind == "model" else f"{kind} {name}"] = float(result["execution_time"] or 0)
    return seconds


def report(customers: int, figures: dict[str, dict], slowest: list[tuple[str, float]], result: dict) -> None:
    total = sum(f["seconds"] for name, f in figures.items() if name != "generate")
    peak = max(f["peak_mb"] for name, f in figures.items() if name != "generate")
    print(f"\nmain job at {customers:,} customers ({result['generated_rows']:,} generated rows), "
          f"DuckDB memory limit {result['memory_limit']}")
    print(f"{'step':<16}{'seconds':>9}{'peak MB':>10}{'rows in':>14}{'rows out':>14}")
    for name, f in figures.items():
        rows_in = f"{f['rows_in']:,}" if f["rows_in"] is not None else "-"
        rows_out = f"{f['rows_out']:,}" if f["rows_out"] is not None else "-"
        print(f"{name:<16}{f['seconds']:>9.1f}{f['peak_mb']:>10,}{rows_in:>14}{rows_out:>14}")
    print(f"{'total (no generate)':<16}{total:>6.1f}{peak:>10,}")
    print("\nslowest dbt nodes: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest))
    print("slowest checks: " + ", ".join(f"{relation} ({rules} rules) {seconds:.1f} s"
                                         for relation, rules, seconds in result["slowest_checks"]))
    print(f"build warehouse {result['build_db_bytes'] / 1024**2:,.0f} MB; "
          f"serving warehouse {result['serving_db_bytes'] / 1024**2:,.0f} MB; dbt {result['dbt']}")
    print(json.dumps({"customers": customers, "steps": figures, "total_seconds": round(total, 2),
                      "peak_memory_mb": peak, "slowest_dbt_nodes": slowest, **result}))


if __name__ == "__main__":
    main()
