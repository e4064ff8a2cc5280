"""Score the identity graph against the demo generator's ground truth (pairwise precision/recall).

Generates the demo (default: 20,000 customers, seed 42), loads it, builds the identity models
with dbt and compares ``marts.customer_source_map`` with the truth the generator wrote
(``rows.parquet``: the true person behind every row). A pair of records is predicted when both
map to one ``customer_id`` and true when both belong to one person; precision and recall are
over those pairs. Two populations are scored:

* ``all_records``: every actor record whose person is known (store accounts, orders, checkouts,
  storefront browsers, Amazon orders, Klaviyo profiles, Zendesk users);
* ``identity_records``: the records that stand for an identity rather than one store
  transaction (accounts, profiles, users, Amazon orders: the marketplace's only buyer record,
  browsers), i.e. without Shopify orders and checkouts, which carry their account's identity.

* ``carrying_identity``: the records that carry any identity (an e-mail, relay address, phone,
  name or address, or a store account reference): the population the targets are set on
  (an Amazon order without buyer details carries none).

Per phenomenon (``truth/phenomena.parquet``, see ``demo/phenomena.py``), precision and recall are
over the pairs that touch at least one record the phenomenon changed.

Storefront browsers that never identified themselves (no identifier shared with any other
record: never logged in, never started a checkout) are left out of both: anonymous browsing
identifies nobody, as the generator's own presence flags say.

    .venv/bin/python benchmarks/identity_quality.py --customers 20000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

# Run as a script, this file's folder comes first on sys.path: put the repository root in front.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.scratch import run_root  # noqa: E402
from core.dbt import DbtPlace, invoke_dbt_like_cli  # noqa: E402

IDENTITY_SELECTION = [
    "+customer_source_map", "+identity_links", "+identity_rule_events", "+identity_cluster_health",
    "+identity_match_rate", "+customer_id_aliases", "+identity_match_suggestions", "+int_identity_profile_limits",
]

# (truth table, source_system, source_entity) of each actor record kind keyed by its own id.
TRUTH_TABLES = [
    ("shopify", "customers", "customer"), ("shopify", "orders", "order"),
    ("shopify", "abandoned_checkouts", "checkout"), ("amazon", "orders", "order"),
    ("klaviyo", "profiles", "profile"), ("zendesk", "users", "user"),
]


def run_dbt(args: list[str], database: Path, work_dir: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run dbt in this process against ``database`` (one parse of the project serves every call)."""
    result = invoke_dbt_like_cli(DbtPlace.beside(database, work_dir), args)
    if check and result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}")
    return result


def build_identity(database: Path, work_dir: Path, full_refresh: bool = False,
                   with_customer_360: bool = False) -> subprocess.CompletedProcess[str]:
    """Build everything the identity marts need (seeds, staging, identity models, their tests);
    with the customer 360 (dim_customers and the fact marts it reads) on request."""
    selection = [*IDENTITY_SELECTION, "+dim_customers"] if with_customer_360 else IDENTITY_SELECTION
    args = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    return run_dbt([*args, "--full-refresh"] if full_refresh else args, database, work_dir)


def make_demo(base: Path, customers: int, seed: int) -> tuple[Path, Path]:
    """Generate and load the demo into ``base/build.duckdb``; returns (database, truth dir)."""
    from demo.generate import generate
    from ingestion.load import load_landing

    database, truth = base / "build.duckdb", base / "truth"
    generate(base / "landing", truth, customers=customers, seed=seed)
    load_landing(base / "landing", database, base / "dlt")
    return database, truth


def score(database: Path, truth_dir: Path, keep: bool = False) -> dict[str, Any]:
    """Pairwise precision and recall of customer_source_map against the truth, per population
    (``keep``: also return the open connection with its temp tables, under ``_connection``)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{database}' as warehouse (read_only)")
        con.execute(f"create view truth_rows as select * from read_parquet('{truth_dir / 'rows.parquet'}')")
        keyed = " union all ".join(
            f"select '{system}' as source_system, '{entity}' as source_entity, record_key as source_key, person_id "
            f"from truth_rows where system = '{system}' and \"table\" = '{table}'"
            for system, table, entity in TRUTH_TABLES)
        con.execute(f"""
            create temp table truth_records as
            with keyed as (
                {keyed}
                union all
                select 'shopify', 'device', events.client_id, truth_rows.person_id
                from truth_rows
                inner join warehouse.staging.stg_shopify__pixel_events as events
                    on truth_rows.record_key = events.event_id
                where truth_rows.system = 'shopify' and truth_rows."table" = 'pixel_events'
            )
            select source_system, source_entity, source_key, min(person_id) as person_id
            from keyed where person_id is not null
            group by all
        """)
        con.execute("""
            create temp table identified_devices as
            with counted as (
                select records.record_id, records.source_entity,
                       count(*) over (partition by identifier_type, identifier_value) as carriers
                from warehouse.intermediate.int_identifiers as identifiers
                join warehouse.intermediate.int_identity_records as records using (record_node_id)
            )
            select distinct record_id from counted where source_entity = 'device' and carriers > 1
        """)
        con.execute("""
            create temp table scored as
            select map.customer_id, truth.person_id, map.source_system, map.source_entity, map.source_key,
                   map.record_id
            from warehouse.marts.customer_source_map as map
            inner join truth_records as truth
                on map.source_system = truth.source_system
                and map.source_entity = truth.source_entity
                and map.source_key = truth.source_key
            where map.source_entity != 'device'
                or map.record_id in (select record_id from identified_devices)
        """)
        con.execute(f"""
            create temp table carrying as
            select distinct records.record_id from warehouse.intermediate.int_identifiers as identifiers
            join warehouse.intermediate.int_identity_records as records using (record_node_id)
            where identifiers.identifier_type in ({", ".join(f"'{t}'" for t in IDENTITY_TYPES)})
               or (identifiers.identifier_type = 'shopify_customer_id' and records.source_entity != 'customer')
        """)
        populations = {
            "all_records": "true",
            "identity_records": "not (source_system = 'shopify' and source_entity in ('order', 'checkout'))",
            "carrying_identity": "record_id in (select record_id from carrying)",
        }
        results: dict[str, Any] = {name: _pairwise(con, condition) for name, condition in populations.items()}
        if keep:
            results["_connection"] = con
        return results
    finally:
        if not keep:
            con.close()


# Identifier types that say who a record is about (a record with none of them carries no identity:
# an Amazon order without buyer details, a browser that never logged in).
IDENTITY_TYPES = ("email", "amazon_buyer_email", "phone", "full_name", "first_name", "name_address", "postal_address")
SCORED_ENTITIES = {("shopify", "customers"): "customer", ("shopify", "orders"): "order",
                   ("klaviyo", "profiles"): "profile", ("zendesk", "users"): "user", ("amazon", "orders"): "order"}


def score_phenomena(database: Path, truth_dir: Path) -> dict[str, dict[str, float]]:
    """Precision and recall per phenomenon (truth/phenomena.parquet), over records carrying identity.

    A pair counts for a phenomenon when at least one of its two records was touched by it:
    precision is the share of predicted such pairs that are true, recall the share of true such
    pairs that were predicted.
    """
    tags_path = truth_dir / "phenomena.parquet"
    if not tags_path.exists():
        return {}
    scores = score(database, truth_dir, keep=True)
    con = scores.pop("_connection")  # type: ignore[assignment]
    try:
        mapping = " union all ".join(
            f"select '{system}' as system, '{table}' as \"table\", '{entity}' as source_entity"
            for (system, table), entity in SCORED_ENTITIES.items())
        con.execute(f"""
            create temp table tagged as
            select distinct tags.phenomenon, tags.system as source_system, entities.source_entity,
                   tags.record_key as source_key
            from read_parquet('{tags_path}') as tags
            inner join ({mapping}) as entities
                on tags.system = entities.system and tags."table" = entities."table"
        """)
        phenomena = [p for (p,) in con.execute("select distinct phenomenon from tagged order by 1").fetchall()]
        result = {}
        for phenomenon in phenomena:
            result[phenomenon] = _pairwise_touching(con, phenomenon)
        return result
    finally:
        con.close()


def _pairwise_touching(con: duckdb.DuckDBPyConnection, phenomenon: str) -> dict[str, float]:
    row = con.execute("""
        with population as (
            select scored.*, tagged.source_key is not null as is_tagged
            from scored
            left join (select * from tagged where phenomenon = ?) as tagged
                on scored.source_system = tagged.source_system and scored.source_entity = tagged.source_entity
                and scored.source_key = tagged.source_key
            where scored.record_id in (select record_id from carrying)
        ),
        cells as (
            select customer_id, person_id, count(*) as n, count(*) filter (where is_tagged) as t
            from population group by customer_id, person_id
        ),
        predicted as (
            select count(*) as n, count(*) filter (where is_tagged) as t from population group by customer_id
        ),
        actual as (
            select count(*) as n, count(*) filter (where is_tagged) as t from population group by person_id
        )
        select
            (select sum(n * (n - 1) / 2 - (n - t) * (n - t - 1) / 2) from cells),
            (select sum(n * (n - 1) / 2 - (n - t) * (n - t - 1) / 2) from predicted),
            (select sum(n * (n - 1) / 2 - (n - t) * (n - t - 1) / 2) from actual),
            (select count(*) filter (where is_tagged) from population)
    """, [phenomenon]).fetchone()
    true_positive, predicted, actual, records = (float(v or 0) for v in row)
    return {
        "precision": true_positive / predicted if predicted else 1.0,
        "recall": true_positive / actual if actual else 1.0,
        "true_pairs": actual, "predicted_pairs": predicted, "correct_pairs": true_positive, "records": records,
    }


def _pairwise(con: duckdb.DuckDBPyConnection, condition: str) -> dict[str, float]:
    row = con.execute(f"""
        with population as (select * from scored where {condition}),
        both_sides as (select count(*) as n from population group by customer_id, person_id),
        predicted as (select count(*) as n from population group by customer_id),
        actual as (select count(*) as n from population group by person_id)
        select
            (select sum(n * (n - 1) / 2) from both_sides),
            (select sum(n * (n - 1) / 2) from predicted),
            (select sum(n * (n - 1) / 2) from actual),
            (select count(*) from population),
            (select count(distinct person_id) from population),
            (select count(distinct customer_id) from population)
    """).fetchone()
    true_positive, predicted, actual, records, persons, customers = (float(v or 0) for v in row)
    return {
        "precision": true_positive / predicted if predicted else 1.0,
        "recall": true_positive / actual if actual else 1.0,
        "true_pairs": actual, "predicted_pairs": predicted, "correct_pairs": true_positive,
        "records": records, "persons": persons, "customers": customers,
    }


def measure(base: Path, customers: int, seed: int) -> dict[str, Any]:
    """The scores of one demo generated, loaded and built in ``base``, with the seconds each stage took."""
    started = time.perf_counter()
    database, truth = make_demo(base, customers, seed)
    generated = time.perf_counter()
    build_identity(database, base)
    built = time.perf_counter()
    return {
        "customers": customers, "seed": seed,
        "seconds_generate_and_load": round(generated - started, 1), "seconds_dbt_build": round(built - generated, 1),
        "scores": score(database, truth), "phenomena": score_phenomena(database, truth),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the demo warehouse here")
    args = parser.parse_args(argv)
    with run_root(args.workdir, prefix="identity_quality_") as base:
        base.mkdir(parents=True, exist_ok=True)
        report = measure(base, args.customers, args.seed)
    # Only a kept work dir's warehouse can be opened afterwards; a temporary one is gone by now.
    report["warehouse"] = str(base / "build.duckdb") if args.workdir else None
    scores, per_phenomenon = report["scores"], report["phenomena"]
    print(f"{'population':<18}{'precision':>11}{'recall':>9}{'records':>10}{'persons':>9}{'customers':>11}")
    for name, s in scores.items():
        print(f"{name:<18}{s['precision']:>11.4f}{s['recall']:>9.4f}{s['records']:>10.0f}{s['persons']:>9.0f}"
              f"{s['customers']:>11.0f}")
    print(f"\n{'phenomenon':<18}{'precision':>11}{'recall':>9}{'records':>10}{'true pairs':>12}")
    for name, s in per_phenomenon.items():
        print(f"{name:<18}{s['precision']:>11.4f}{s['recall']:>9.4f}{s['records']:>10.0f}{s['true_pairs']:>12.0f}")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
