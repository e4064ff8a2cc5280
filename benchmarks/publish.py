"""Time publishing the serving warehouse: a first publish, republishes with nothing or one mart changed.

    python benchmarks/pipeline.py --customers 20000 --home /tmp/pub-S   # a warehouse to publish
    python benchmarks/publish.py --home /tmp/pub-S
    python benchmarks/publish.py --home /tmp/pub-M --mart marts.fct_orders

Works on a scratch copy of the home's build warehouse (and dbt manifest, for the comments), so the
home is left as it was. Steps, each timed with the peak resident memory of this process:

* ``first``: no serving file yet, every table written (what every publish cost before);
* ``nothing changed``: a republish of the same build;
* ``one mart changed``: one row of ``--mart`` duplicated in the build, then a republish;
* ``full rewrite``: ``full=True``, every table written again from the build (compaction's cost).

Great Expectations is imported before timing, as the check step has done in a real run. Prints a
table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.memory import PeakMemory  # noqa: E402 - after the repository is on the path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True, help="a CDW_HOME with a built warehouse")
    parser.add_argument("--mart", default="marts.dim_customers", help="the mart table changed in the third step")
    parser.add_argument("--keep", action="store_true", help="keep the scratch home (printed) afterwards")
    args = parser.parse_args()
    scratch = scratch_home(args.home)
    try:
        steps, facts = run(scratch, args.mart)
    finally:
        if args.keep:
            print(f"scratch home kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    report(args.home, args.mart, steps, facts)


def scratch_home(home: Path) -> Path:
    """A new home beside ``home`` holding a copy of its build warehouse and dbt manifest."""
    from core.duckdb_files import copy_file
    from core.settings import Paths

    source = Paths(home)
    if not source.build_db.exists():
        raise SystemExit(f"no build warehouse at {source.build_db}: run benchmarks/pipeline.py --home {home} first")
    scratch = Paths(Path(tempfile.mkdtemp(prefix="publish-bench-", dir=home.parent))).ensure()
    copy_file(source.build_db, scratch.build_db)
    manifest = Path("dbt") / "target" / "manifest.json"
    if (home / manifest).exists():
        (scratch.home / manifest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(home / manifest, scratch.home / manifest)
    return scratch.home


def run(home: Path, mart: str) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    import duckdb

    import expectations.degradation  # noqa: F401 - imported by the check step before a real publish
    from cdw.publish import PublishResult, publish
    from core.settings import Paths

    paths = Paths(home)
    steps: dict[str, dict[str, Any]] = {}

    def step(name: str, fn: Callable[[], PublishResult]) -> None:
        with PeakMemory() as peak:
            started = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - started
        rewritten = sum(result.tables[key] for key in result.rewritten)
        steps[name] = {"seconds": round(seconds, 2), "peak_mb": peak.megabytes, "mode": result.mode,
                       "tables": len(result.tables), "rewritten": len(result.rewritten),
                       "patched": len(result.patched),
                       "rows_patched": sum(deleted + inserted for deleted, inserted in result.patched.values()),
                       "rows": sum(result.tables.values()), "rows_rewritten": rewritten,
                       "serving_mb": round(paths.serving_db.stat().st_size / 1024**2), **_free(paths.serving_db)}
        print(f"  {name}: {seconds:.1f} s, peak {peak.megabytes:,} MB, {result.mode}, "
              f"{len(result.rewritten)}/{len(result.tables)} tables rewritten, "
              f"{len(result.patched)} changed row by row", flush=True)

    step("first", lambda: publish(paths, [], run_id="bench-1"))
    step("nothing changed", lambda: publish(paths, [], run_id="bench-2"))
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute(f"insert into {mart} select * from {mart} limit 1")
    step("one mart changed", lambda: publish(paths, [], run_id="bench-3"))
    step("full rewrite", lambda: publish(paths, [], run_id="bench-4", full=True))
    facts = {"build_mb": round(paths.build_db.stat().st_size / 1024**2)}
    return steps, facts


def _free(db: Path) -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        free, total = con.execute("select free_blocks, total_blocks from pragma_database_size() "
                                  "where database_name = current_database()").fetchall()[0]
    return {"free_share": round(free / total, 3) if total else 0.0}


def report(home: Path, mart: str, steps: dict[str, dict[str, Any]], facts: dict[str, Any]) -> None:
    first = steps["first"]
    print(f"\npublish of {home} ({first['tables']} tables, {first['rows']:,} rows; build {facts['build_mb']:,} MB); "
          f"changed mart: {mart}")
    print(f"{'step':<18}{'seconds':>9}{'peak MB':>9}{'mode':>13}{'rewritten':>11}{'rows written':>14}"
          f"{'patched':>9}{'rows patched':>14}{'file MB':>9}{'free':>7}")
    for name, s in steps.items():
        print(f"{name:<18}{s['seconds']:>9.1f}{s['peak_mb']:>9,}{s['mode']:>13}{s['rewritten']:>6}/{s['tables']:<4}"
              f"{s['rows_rewritten']:>14,}{s['patched']:>9}{s['rows_patched']:>14,}{s['serving_mb']:>9,}"
              f"{s['free_share']:>7.0%}")
    print(json.dumps({"home": str(home), "mart": mart, "steps": steps, **facts}))


if __name__ == "__main__":
    main()
