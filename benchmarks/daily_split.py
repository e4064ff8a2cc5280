"""Split a generated demo landing folder into "everything before a day" and "that day" (a daily drop).

    python benchmarks/daily_split.py DEMO OUT [--day 2026-10-30]   # DEMO holds landing/ and truth/

Each row's own time is its contract cursor (``ingestion/contracts/*.yml``), read by the landing
contract's timestamp rule (ISO 8601, offsets honoured, days in UTC). Rows of tables without a
cursor (order lines, refund lines, checkout lines, product variants) take their parent's time: they
land with the parent's first version, and are sent again with any version of the parent that
arrives on the day, as a vendor re-sends an order's lines with the updated order. So a late update
(an old order updated or refunded on the day) lands in the day's drop as the newer version, and
the loader's newest-version-wins rule replaces the older one.

Written under ``OUT``:

* ``before/<system>/<table>.parquet``: rows whose time is before the day (and rows without a
  readable time: they are quarantined whichever file carries them);
* ``day/<system>/<table>/batch-2.parquet``: the day's rows, the loader's layout for a later drop;
* ``through/<system>/<table>.parquet``: every row up to the end of the day, in the file's order:
  the same data delivered at once, for a full rebuild to compare with.

Rows after the day are left out of all three (the warehouse is built as of the day), except a
record's first version when every version is after the day: the demo keeps only a record's latest
state (a customer created last year and updated tomorrow has one row), and its orders and events
before the day must still find it. Such a record lands when it was created (:data:`CREATED`): before
the day, or in the day's drop when it was created on the day; one created after the day is left
out, as is an event whose own time is after the day (a shipment reported tomorrow of an order
placed today is not known before the day, nor is its order). The default
day (:func:`day_before_end`) is the day before the generator's end date: on the end date itself the
generator piles up every update it clamps to its horizon (about a sixth of that day's rows at
23:59:59), which no real day looks like.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dlt.common.normalizers.naming.snake_case import NamingConvention

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.contracts import Table, load_contracts  # noqa: E402 - after the repository is on the path
from core.sql import literal  # noqa: E402
from core.sql import quote_identifier as quote  # noqa: E402
from ingestion.contract_check import TIMESTAMP_PATTERN  # noqa: E402

DROP_NAME = "batch-2.parquet"
PARENTS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("amazon", "order_items"): ("orders", "amazon_order_id", "amazon_order_id"),
    ("shopify", "orders__line_items"): ("orders", "order_id", "id"),
    ("shopify", "refunds__refund_line_items"): ("refunds", "refund_id", "id"),
    ("shopify", "abandoned_checkouts__line_items"): ("abandoned_checkouts", "checkout_id", "id"),
    ("shopify", "products__variants"): ("products", "product_id", "id"),
}
"""Tables without a cursor -> (parent table, landed column holding the parent's key, parent's key)."""
CREATED: dict[tuple[str, str], str] = {
    ("amazon", "orders"): "purchase_date",
    ("amazon", "fba_shipments"): "shipment_date",
    ("klaviyo", "profiles"): "attributes__created",
    ("klaviyo", "lists"): "attributes__created",
    ("shopify", "customers"): "created_at",
    ("shopify", "orders"): "created_at",
    ("shopify", "refunds"): "created_at",
    ("shopify", "abandoned_checkouts"): "created_at",
    ("shopify", "products"): "created_at",
    ("zendesk", "users"): "created_at",
    ("zendesk", "tickets"): "created_at",
    ("zendesk", "satisfaction_ratings"): "created_at",
}
"""Landed column holding when a record came to be, for tables whose cursor is its last update; a
table not named here is of events, created at their own time (the cursor)."""
STORE_TABLES = {("klaviyo", "metrics")}
"""Tables without a cursor or parent: the store's own records, made once, all before the day."""
_NAMING = NamingConvention()


@dataclass
class TableSplit:
    """Rows of one landing file: before the day, on the day (re-sent child rows included), after it."""

    before: int = 0
    day: int = 0
    after: int = 0
    resent: int = 0
    """Child rows sent again on the day with a newer version of their parent (also counted in ``day``)."""


@dataclass
class DaySplit:
    """Where one demo's rows went."""

    day: date
    tables: dict[str, TableSplit] = field(default_factory=dict)

    @property
    def rows_before(self) -> int:
        return sum(t.before for t in self.tables.values())

    @property
    def rows_day(self) -> int:
        return sum(t.day for t in self.tables.values())

    @property
    def rows_after(self) -> int:
        return sum(t.after for t in self.tables.values())

    @property
    def day_share(self) -> float:
        """The day's rows as a share of every row up to the end of the day."""
        through = self.rows_before + self.rows_day - sum(t.resent for t in self.tables.values())
        return self.rows_day / through if through else 0.0

    def describe(self) -> str:
        return (f"day {self.day}: {self.rows_day:,} rows on the day ({self.day_share:.2%} of "
                f"{self.rows_before + self.rows_day - sum(t.resent for t in self.tables.values()):,}), "
                f"{self.rows_before:,} before, {self.rows_after:,} after (left out)")


def landed_names(path: Path) -> dict[str, str]:
    """Landed (dlt snake_case) column name -> the file's own column name."""
    return {_NAMING.normalize_path(name): name for name in pq.read_schema(path).names}


def time_sql(column: str) -> str:
    """A text timestamp as TIMESTAMPTZ by the landing contract's rule; NULL when the rule rejects it."""
    trimmed = f"trim({quote(column)})"
    return (f"CASE WHEN regexp_full_match({trimmed}, {literal(TIMESTAMP_PATTERN)}) "
            f"THEN TRY_CAST({trimmed} AS TIMESTAMPTZ) END")


def _contract_tables() -> Iterator[Table]:
    for contract in load_contracts().values():
        yield from contract.tables


def _file(landing: Path, table: Table) -> Path:
    return landing / table.system / f"{table.name}.parquet"


def _times(landing: Path, table: Table) -> str:
    """SQL: ``(row, ts)`` for every row of a table with a cursor."""
    path = _file(landing, table)
    cursor = landed_names(path)[table.cursor]
    return (f"SELECT file_row_number AS row, {time_sql(cursor)} AS ts "
            f"FROM read_parquet({literal(str(path))}, file_row_number = true)")


def _placement(con: duckdb.DuckDBPyConnection, landing: Path, table: Table, start: datetime, end: datetime
               ) -> tuple[list[bool], list[bool], int]:
    """Per row: goes before the day, goes in the day's drop; and how many rows come after the day."""
    bounds = f"TIMESTAMPTZ {literal(start.isoformat())}", f"TIMESTAMPTZ {literal(end.isoformat())}"
    key = (table.system, table.name)
    if table.cursor:
        sql = _cursor_sql(landing, table, bounds)
    elif key in PARENTS:
        sql = _child_sql(landing, table, bounds)
    elif key in STORE_TABLES:
        sql = f"SELECT true AS before, false AS day FROM read_parquet({literal(str(_file(landing, table)))})"
    else:
        raise ValueError(f"{table.qualified_name} has no cursor and no known parent: say where its rows go")
    rows = con.execute(sql).fetchall()
    before = [bool(r[0]) for r in rows]
    day = [bool(r[1]) for r in rows]
    return before, day, sum(1 for b, d in zip(before, day, strict=True) if not b and not d)


def _first_version_sql(first_ts: str, created: str, bounds: tuple[str, str]) -> str:
    """SQL: where a record's first version goes, 'before', 'day' or 'after'. By its own time, unless
    every version is after the day: then by when the record was created (the cursor when unknown)."""
    start, end = bounds
    born = f"coalesce({created}, {first_ts})"
    return (f"CASE WHEN {first_ts} IS NULL OR {first_ts} < {start} THEN 'before' WHEN {first_ts} < {end} THEN 'day' "
            f"WHEN {born} < {start} THEN 'before' WHEN {born} < {end} THEN 'day' ELSE 'after' END")


def _created_sql(table: Table, names: dict[str, str]) -> str:
    """SQL: the row's creation time (its cursor for a table of events)."""
    created = names.get(CREATED.get((table.system, table.name), table.cursor), names[table.cursor])
    return time_sql(created)


def _record_sql(table: Table, path: Path) -> str:
    """SQL: every row of a table with a cursor: its row number, key, time, version, and the first version's
    time and creation time."""
    names = landed_names(path)
    keys = ", ".join(quote(names[k]) for k in table.primary_key)
    cursor = time_sql(names[table.cursor])
    return (f"SELECT file_row_number AS row, {keys}, {cursor} AS ts, "
            f"min({cursor}) OVER (PARTITION BY {keys}) AS first_ts, "
            f"arg_min({_created_sql(table, names)}, {cursor}) OVER (PARTITION BY {keys}) AS created, "
            f"row_number() OVER (PARTITION BY {keys} ORDER BY {cursor}, file_row_number) AS version "
            f"FROM read_parquet({literal(str(path))}, file_row_number = true)")


def _cursor_sql(landing: Path, table: Table, bounds: tuple[str, str]) -> str:
    """A row goes by its cursor; a record whose every version is after the day lands with its first version
    where its creation puts it (see the module's docstring)."""
    first = _first_version_sql("first_ts", "created", bounds)
    return (f"WITH rows AS ({_record_sql(table, _file(landing, table))}), "
            f"placed AS (SELECT row, ts, CASE WHEN version = 1 THEN {first} ELSE '' END AS first_version FROM rows) "
            f"SELECT ts IS NULL OR ts < {bounds[0]} OR first_version = 'before' AS before, "
            f"(ts >= {bounds[0]} AND ts < {bounds[1]}) OR first_version = 'day' AS day FROM placed ORDER BY row")


def _child_sql(landing: Path, table: Table, bounds: tuple[str, str]) -> str:
    """A child row goes with its parent's first version (where that goes, like the parent's), and again
    with any version of the parent on the day."""
    parent_name, link, parent_key = PARENTS[(table.system, table.name)]
    parent = next(t for t in load_contracts()[table.system].tables if t.name == parent_name)
    parent_path = _file(landing, parent)
    key = quote(landed_names(parent_path)[parent_key])
    first = _first_version_sql("min(ts)", "min(created)", bounds)
    child = _file(landing, table)
    return (f"WITH parents AS (SELECT {key} AS key, {first} AS first_version, "
            f"bool_or(ts >= {bounds[0]} AND ts < {bounds[1]}) AS on_day "
            f"FROM ({_record_sql(parent, parent_path)}) GROUP BY {key}), "
            f"rows AS (SELECT file_row_number AS row, {quote(landed_names(child)[link])} AS key "
            f"FROM read_parquet({literal(str(child))}, file_row_number = true)) "
            f"SELECT p.key IS NULL OR p.first_version = 'before' AS before, "
            f"coalesce(p.on_day OR p.first_version = 'day', false) AS day "
            f"FROM rows r LEFT JOIN parents p ON p.key = r.key ORDER BY r.row")


def _write(rows: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows, path)


def day_before_end(truth: Path) -> date:
    """The last day before the demo's end date (its manifest): the last day the generator did not clamp."""
    manifest = json.loads((truth / "manifest.json").read_text())
    return date.fromisoformat(manifest["end_date"]) - timedelta(days=1)


def split_day(landing: Path, out: Path, day: date) -> DaySplit:
    """Write ``out/before``, ``out/day`` and ``out/through`` from ``landing`` (see the module's docstring)."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    result = DaySplit(day=day)
    for table in _contract_tables():
        path = _file(landing, table)
        if not path.is_file():
            continue
        before, on_day, after = _placement(con, landing, table, start, end)
        rows = pq.read_table(path)
        relative = path.relative_to(landing)
        _write(rows.filter(pa.array(before)), out / "before" / relative)
        if any(on_day):
            _write(rows.filter(pa.array(on_day)), out / "day" / relative.parent / relative.stem / DROP_NAME)
        _write(rows.filter(pa.array([b or d for b, d in zip(before, on_day, strict=True)])), out / "through" / relative)
        result.tables[f"{table.system}.{table.name}"] = TableSplit(
            before=sum(before), day=sum(on_day), after=after,
            resent=sum(1 for b, d in zip(before, on_day, strict=True) if b and d))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("demo", type=Path, help="a generated demo: landing/<system>/<table>.parquet and truth/")
    parser.add_argument("out", type=Path, help="where before/, day/ and through/ are written")
    parser.add_argument("--day", type=date.fromisoformat, default=None,
                        help="the day to split off (UTC; default: the day before the demo's end date)")
    args = parser.parse_args()
    split = split_day(args.demo / "landing", args.out, args.day or day_before_end(args.demo / "truth"))
    for name, table in split.tables.items():
        print(f"  {name:<42}{table.before:>10,}{table.day:>8,}{table.after:>8,}")
    print(split.describe())


if __name__ == "__main__":
    main()
