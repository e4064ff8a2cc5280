"""What the warehouse made of the records: read back, scored pairwise against the truth, printed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import duckdb

from benchmarks.export_people.phenomena import PHENOMENA
from benchmarks.export_people.records import Record
from benchmarks.export_people.spelling import normal_email
from benchmarks.export_people.world import World


def resolved(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], str]:
    rows = con.execute(
        "select source_system, source_entity, source_key, customer_id from marts.customer_source_map"
    ).fetchall()
    return {(system, entity, key): customer for system, entity, key, customer in rows}


def loader_problems(con: duckdb.DuckDBPyConnection, landing: Path) -> list[str]:
    """Rejected files (with the loader's reason) and quarantined rows per table and reason."""
    problems = [
        f"rejected {path.name.removesuffix('.reason.txt')}: " + " ".join(path.read_text(encoding="utf-8").split())[:300]
        for path in sorted((landing / "rejected").rglob("*.reason.txt"))
    ]
    schemas = [
        s
        for (s,) in con.execute(
            "select distinct table_schema from information_schema.tables where table_name = 'quarantine'"
        ).fetchall()
    ]
    for schema in schemas:
        columns = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where "
                "table_schema = ? and table_name = 'quarantine'",
                [schema],
            ).fetchall()
        }
        table = "table_name" if "table_name" in columns else "'?'"
        reason = "reason" if "reason" in columns else "'?'"
        for name, why, count in con.execute(
            f"select {table}, {reason}, count(*) from {schema}.quarantine group by all order by all"
        ).fetchall():
            problems.append(f"quarantined {count} row(s) of {schema}.{name}: {why}")
    return problems


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def pairs_touching(records: list[Record], key: Callable[[Record], object], chosen: Callable[[Record], bool]) -> int:
    """Pairs of records with the same ``key`` of which at least one is chosen."""
    sizes: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    for record in records:
        size = sizes[key(record)]
        size[0] += 1
        size[1] += chosen(record)
    return sum(n * (n - 1) // 2 - (n - t) * (n - t - 1) // 2 for n, t in sizes.values())


def score(
    records: list[Record],
    cluster: Callable[[Record], object],
    chosen: Callable[[Record], bool],
) -> dict[str, float | int | None]:
    true = pairs_touching(records, lambda r: r.pid, chosen)
    predicted = pairs_touching(records, cluster, chosen)
    hits = pairs_touching(records, lambda r: (cluster(r), r.pid), chosen)
    return {
        "true_pairs": true,
        "predicted_pairs": predicted,
        "precision": ratio(hits, predicted),
        "recall": ratio(hits, true),
    }


def f1(result: dict[str, float | int | None]) -> float:
    precision, recall = result["precision"] or 0.0, result["recall"] or 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(w: World, customers: dict[tuple[str, str, str], str]) -> dict:
    """Warehouse and naive scores overall, per phenomenon and per system, over the identity records.

    ``overall without zendesk`` scores the records of the other systems only: the Zendesk CSV export's
    requester e-mail and name do not reach the warehouse, so its requesters can only be tied by an order
    number they quote.
    """
    records = [r for r in w.records if r.ref in customers]
    warehouse: Callable[[Record], object] = lambda r: customers[r.ref]  # noqa: E731
    naive: Callable[[Record], object] = lambda r: normal_email(r.email) or r.ref  # noqa: E731
    everything: Callable[[Record], bool] = lambda r: True  # noqa: E731
    subsets: dict[str, tuple[list[Record], Callable[[Record], bool]]] = {
        "overall": (records, everything),
        "overall without zendesk": ([r for r in records if r.system != "zendesk"], everything),
    }
    subsets |= {t: (records, lambda r, t=t: t in r.tags) for t in PHENOMENA}
    subsets |= {f"system:{s}": (records, lambda r, s=s: r.system == s) for s in ("shopify", "klaviyo", "zendesk")}
    rows = {}
    for name, (scored, chosen) in subsets.items():
        rows[name] = {
            "records": sum(map(chosen, scored)),
            **score(scored, warehouse, chosen),
            "naive": score(scored, naive, chosen),
        }
    missing = Counter(f"{r.system}/{r.entity}" for r in w.records if r.ref not in customers)
    return {"records": len(records), "missing_from_map": dict(missing), "rows": rows}


def mistakes(w: World, customers: dict[tuple[str, str, str], str], tag: str, limit: int = 2) -> list[str]:
    """A few records of ``tag`` split from their person, and a few merged with someone else."""
    records = [r for r in w.records if r.ref in customers]
    by_person, by_customer = defaultdict(list), defaultdict(list)
    for record in records:
        by_person[record.pid].append(record)
        by_customer[customers[record.ref]].append(record)
    splits, merges = [], []
    for record in (r for r in records if tag in r.tags):
        split = next((o for o in by_person[record.pid] if customers[o.ref] != customers[record.ref]), None)
        merged = next((o for o in by_customer[customers[record.ref]] if o.pid != record.pid), None)
        if split and len(splits) < limit:
            splits.append(f"  split {'/'.join(record.ref)} [{record.label}] from {'/'.join(split.ref)} [{split.label}]")
        if merged and len(merges) < limit:
            merges.append(
                f"  merged {'/'.join(record.ref)} [{record.label}] (person {record.pid}) with "
                f"{'/'.join(merged.ref)} [{merged.label}] (person {merged.pid})"
            )
    return splits + merges


def number(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(report: dict) -> None:
    print(
        f"{'subset':<24}{'records':>8}{'true pairs':>11}{'pred pairs':>11}{'precision':>10}{'recall':>8}"
        f"{'naive P':>9}{'naive R':>9}"
    )
    for name, row in report["rows"].items():
        if row["records"]:
            print(
                f"{name:<24}{row['records']:>8}{row['true_pairs']:>11}{row['predicted_pairs']:>11}"
                f"{number(row['precision']):>10}{number(row['recall']):>8}"
                f"{number(row['naive']['precision']):>9}{number(row['naive']['recall']):>9}"
            )
