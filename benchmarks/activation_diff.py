"""Benchmark: the reverse-ETL diff of a large audience against realistic prior sync state.

Builds, in a temporary DuckDB file, an audience of ``--scale`` members (default 1,000,000) that
follows the audience contract, plus the sync state a previous run would have left: the same
audience a day earlier, so that ~3% of today's members are new, ~5% changed a mapped field and
~2% of yesterday's members left. Then it times the set-based diff (``activation.diff.build_plan``)
(median of ``--repeat`` runs) and a full dry run (diff + plan summary + samples + stored plan; no
request is made), and reports how many requests each destination type would need to send that
change set.

    python benchmarks/activation_diff.py                 # 1M members
    python benchmarks/activation_diff.py --scale 100000 --json
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from activation import diff  # noqa: E402
from activation.config import parse_destinations, parse_syncs  # noqa: E402
from activation.destinations import build_destination  # noqa: E402
from activation.runner import DESTINATION_OP, run_sync  # noqa: E402
from activation.state import ensure_schema  # noqa: E402

AUDIENCE_SQL = """
create or replace table marts.{name} as
select
    'cust-' || lpad(cast(i as varchar), 8, '0') as customer_id,
    'person' || cast(i as varchar) || '@shop.example' as email,
    '+1' || cast(2000000000 + i as varchar) as phone,
    'First' || cast(i % 5000 as varchar) as first_name,
    'Last' || cast(i % 7919 as varchar) as last_name,
    (hash(i, 'email') % 10) <> 0 as consent_email,
    (hash(i, 'sms') % 4) = 0 as consent_sms,
    (hash(i, 'ads') % 5) <> 0 as consent_ads,
    (hash(i, 'supp') % 50) = 0 as is_suppressed,
    cast(((hash(i, 'ltv') % 100000) / 100.0) + {ltv_shift} as decimal(12, 2)) as ltv,
    ['champions', 'loyal', 'at_risk', 'hibernating', 'new'][(i % 5) + 1] as rfm_segment
from range({first}, {last}) t(i)
{where}
"""


def build(con: duckdb.DuckDBPyConnection, scale: int, adds: float, updates: float, removes: float) -> None:
    """Today's audience and yesterday's (the state source), with the requested churn."""
    con.execute("create schema if not exists marts")
    add_pct, upd_pct = int(adds * 1000), int(updates * 1000)
    leavers = int(scale * removes)
    # today: members 0..scale-1; yesterday: members leavers-ago shifted, i.e. leavers..scale+leavers-1 minus adds
    con.execute(AUDIENCE_SQL.format(name="aud_today", first=0, last=scale, ltv_shift=0, where=""))
    con.execute(AUDIENCE_SQL.format(
        name="aud_yesterday", first=0, last=scale + leavers, ltv_shift=0,
        where=f"where (i % 1000) >= {add_pct}"))
    # members in today's update band had a different ltv yesterday
    con.execute(f"update marts.aud_yesterday set ltv = ltv + 1 "
                f"where (cast(substr(customer_id, 6) as bigint) % 1000) between {add_pct} and {add_pct + upd_pct - 1}")
    # leavers: yesterday's members >= scale are not in today's audience


def seed_state(con: duckdb.DuckDBPyConnection, sync, destination) -> int:  # noqa: ANN001
    """What yesterday's run left in activation.sync_state (computed with the same SQL as the diff)."""
    ensure_schema(con)
    yesterday = parse_syncs([{**_sync_body(), "audience": "marts.aud_yesterday"}],
                            {"klaviyo_main": destination.config})["bench"]
    columns = diff.audience_columns(con, yesterday.audience)
    con.execute(f"""
        insert into activation.sync_state
        select '{sync.name}', record_key, customer_id, '{destination.name}', identity_hash, fields_hash, fields_json,
               to_json(struct_pack(email := email, phone := phone)), 'seed', now()
        from ({diff.source_sql(yesterday, destination, columns)}) where eligible
    """)
    return con.execute("select count(*) from activation.sync_state").fetchone()[0]


def _sync_body() -> dict:
    return {"name": "bench", "audience": "marts.aud_today", "destination": "klaviyo_main", "mode": "mirror",
            "consent": "email", "require_governance_check": False,
            "fields": {"first_name": "first_name", "last_name": "last_name", "properties.ltv": "ltv",
                       "properties.rfm_segment": "rfm_segment"}}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000, help="audience members (default 1,000,000)")
    parser.add_argument("--adds", type=float, default=0.03, help="share of members new since the last run")
    parser.add_argument("--updates", type=float, default=0.05, help="share of members whose fields changed")
    parser.add_argument("--removes", type=float, default=0.02, help="share of members who left")
    parser.add_argument("--repeat", type=int, default=3, help="diff runs to time (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print only the JSON figures")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        destinations = parse_destinations({
            "klaviyo_main": {"type": "klaviyo", "api_key": "${BENCH_UNSET}", "list_id": "L"},
            "mailchimp_main": {"type": "mailchimp", "api_key": "${BENCH_UNSET}", "list_id": "L"},
            "meta_ads": {"type": "meta", "access_token": "${BENCH_UNSET}", "audience_id": "1"},
            "google_ads": {"type": "google_ads", "developer_token": "${BENCH_UNSET}", "access_token": "${BENCH_UNSET}",
                           "customer_id": "1", "user_list_id": "1"},
            "crm_webhook": {"type": "webhook", "url": "http://127.0.0.1:9/none", "secret": "${BENCH_UNSET}"},
        }, {})
        destination = build_destination(destinations["klaviyo_main"])
        sync = parse_syncs([_sync_body()], destinations)["bench"]

        started = time.perf_counter()
        build(con, args.scale, args.adds, args.updates, args.removes)
        state_rows = seed_state(con, sync, destination)
        setup_s = time.perf_counter() - started

        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            plan = diff.build_plan(con, sync, destination)
            timings.append(time.perf_counter() - started)
        diff_s = statistics.median(timings)

        started = time.perf_counter()
        result = run_sync(con, sync, destination, dry_run=True)
        dry_run_s = time.perf_counter() - started
        assert result.status == "dry_run" and destination.stats.requests == 0, "a dry run must call nothing"

        requests = {}
        for config in destinations.values():
            client = build_destination(config)
            requests[config.type] = sum(client.estimate_requests(DESTINATION_OP[op], n)
                                        for op, n in plan.counts.items())
        con.close()

    figures = {
        "audience_rows": args.scale,
        "prior_state_rows": int(state_rows),
        "planned_adds": plan.summary["adds"],
        "planned_updates": plan.summary["updates"],
        "planned_removes": plan.summary["removes"],
        "diff_seconds": round(diff_s, 3),
        "diff_seconds_each_run": [round(t, 3) for t in timings],
        "diff_rows_per_second": round(args.scale / diff_s) if diff_s else None,
        "dry_run_seconds": round(dry_run_s, 3),
        "setup_seconds": round(setup_s, 3),
        "requests_if_sent": requests,
        "requests_during_dry_run": 0,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_seconds": 10,
        "within_target": diff_s < 10,
    }
    if not args.json:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"activation diff, {args.scale:,} members")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in figures.items():
            if key == "requests_if_sent":
                for dest, count in value.items():
                    table.add_row(f"requests if sent: {dest}", f"{count:,}")
            else:
                shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
                table.add_row(key, shown)
        Console().print(table)
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
