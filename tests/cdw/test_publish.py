"""Write-audit-publish on real DuckDB files."""

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from cdw.publish import PublishRefused, publish
from core.settings import Paths


def _build(paths: Paths, value: int) -> None:
    paths.ensure()
    con = duckdb.connect(str(paths.build_db))
    con.execute("create schema if not exists raw_shop")
    con.execute("create or replace table raw_shop.orders as select 1 as id")
    con.execute("create schema if not exists staging")
    con.execute(f"create or replace view staging.stg_orders as select id, {value} as v from raw_shop.orders")
    con.execute("create schema if not exists marts")
    con.execute(f"create or replace view marts.orders_by_id as select id, {value} as v from raw_shop.orders")
    con.execute(f"create or replace table marts.fct_orders as select {value} as v")
    con.execute(f"""create or replace table marts.dim_customers as
                    select 'cus_' || i as customer_id, 'p' || i || '@example.com' as email, 'Ann' as first_name,
                           '9411' || i as postal_code, 'active' as customer_status, {value} as v
                    from range(3) as t(i)""")
    con.close()


def test_publish_copies_marts_as_tables_and_leaves_raw_and_staging_behind(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    result = publish(paths, [], run_id="run-1")
    assert result.tables == {"analytics.fct_orders": 1, "analytics.orders_by_id": 1, "analytics.dim_customers": 3,
                             "restricted.dim_customers": 3}
    con = duckdb.connect(str(paths.serving_db), read_only=True)
    # the marts view became a table: it no longer needs raw data
    assert con.execute("select v from analytics.orders_by_id").fetchone() == (1,)
    assert con.execute("select count(*) from information_schema.tables where table_name = 'stg_orders'"
                       ).fetchone() == (0,)
    assert con.execute("select run_id from meta.publication").fetchone() == ("run-1",)
    assert con.execute("select count(*) from information_schema.schemata where schema_name like 'raw_%'"
                       ).fetchone() == (0,)


def test_analytics_schema_is_free_of_personal_columns_and_restricted_keeps_them(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="run-1")
    con = duckdb.connect(str(paths.serving_db), read_only=True)

    def columns(schema: str) -> list[str]:
        return [r[0] for r in con.execute("select column_name from information_schema.columns where table_schema = ? "
                                          "and table_name = 'dim_customers' order by ordinal_position",
                                          [schema]).fetchall()]

    assert columns("analytics") == ["customer_id", "customer_status", "v"]
    assert columns("restricted") == ["customer_id", "email", "first_name", "postal_code", "customer_status", "v"]
    classes = dict(con.execute("select column_name, pii_class from meta.columns where relation = 'dim_customers'"
                               ).fetchall())
    assert classes == {"customer_id": "none", "email": "direct", "first_name": "direct", "postal_code": "indirect",
                       "customer_status": "none", "v": "none"}
    # tables without personal columns are not duplicated into restricted; the personal ones are stored once
    assert con.execute("select table_name, table_type from information_schema.tables where table_schema = "
                       "'restricted' order by 1").fetchall() == [("dim_customers", "VIEW"),
                                                                 ("dim_customers__personal_columns", "BASE TABLE")]
    assert [r[0] for r in con.execute("select column_name from duckdb_columns() where table_name = "
                                      "'dim_customers__personal_columns' order by column_index").fetchall()] == \
        ["email", "first_name", "postal_code"]
    build = duckdb.connect(str(paths.build_db), read_only=True)
    assert sorted(con.execute("select * from restricted.dim_customers").fetchall()) == \
        sorted(build.execute("select * from marts.dim_customers").fetchall())


def test_a_build_view_with_personal_columns_keeps_a_full_restricted_table(tmp_path: Path):
    """A view has no fixed row order: its restricted copy cannot pair with the analytics one by position."""
    paths = Paths(tmp_path)
    _build(paths, 1)
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute("create view marts.customer_emails as select customer_id, email, v from marts.dim_customers")
    result = publish(paths, [], run_id="run-1")
    assert result.tables["analytics.customer_emails"] == result.tables["restricted.customer_emails"] == 3
    con = duckdb.connect(str(paths.serving_db), read_only=True)
    assert con.execute("select table_type from information_schema.tables where table_schema = 'restricted' "
                       "and table_name = 'customer_emails'").fetchall() == [("BASE TABLE",)]
    assert sorted(con.execute("select * from restricted.customer_emails").fetchall()) == \
        [(f"cus_{i}", f"p{i}@example.com", 1) for i in range(3)]


def test_a_relation_that_changes_materialization_moves_between_a_full_table_and_a_view(tmp_path: Path):
    """dbt turns a view into a table (and back): the restricted relation follows, on an incremental publish."""
    paths = Paths(tmp_path)
    _build(paths, 1)
    emails = [(f"cus_{i}", f"p{i}@example.com", 1) for i in range(3)]

    def restricted() -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(paths.serving_db), read_only=True) as con:
            kinds = con.execute("select table_name, table_type from information_schema.tables where table_schema = "
                                "'restricted' and table_name like 'customer_emails%' order by 1").fetchall()
            return kinds, sorted(con.execute("select * from restricted.customer_emails").fetchall())

    for step, materialization in enumerate(("view", "table", "view")):
        with duckdb.connect(str(paths.build_db)) as con:
            for (kind,) in con.execute("select table_type from information_schema.tables "
                                       "where table_name = 'customer_emails'").fetchall():
                con.execute(f"drop {'view' if kind == 'VIEW' else 'table'} marts.customer_emails")
            con.execute(f"create {materialization} marts.customer_emails as "
                        "select customer_id, email, v from marts.dim_customers")
        result = publish(paths, [], run_id=f"run-{step}")
        assert result.mode == ("full" if step == 0 else "incremental")
        expected = [("customer_emails", "BASE TABLE")] if materialization == "view" else \
            [("customer_emails", "VIEW"), ("customer_emails__personal_columns", "BASE TABLE")]
        assert restricted() == (expected, emails), materialization


def test_a_blocked_run_leaves_the_last_good_copy_untouched(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="good")
    before = paths.serving_db.read_bytes()
    _build(paths, 2)
    with pytest.raises(PublishRefused, match="1 blocking check"):
        publish(paths, ["raw_shop.orders unique(id): 2 rows unexpected"], run_id="bad")
    assert paths.serving_db.read_bytes() == before
    assert not list(paths.warehouse_dir.glob(".*.tmp"))


def test_a_reader_keeps_a_consistent_snapshot_while_a_new_copy_is_published(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="one")
    reader = duckdb.connect(str(paths.serving_db), read_only=True)
    _build(paths, 2)
    publish(paths, [], run_id="two")
    assert reader.execute("select v from analytics.fct_orders").fetchone() == (1,)
    # a new reader (another process: DuckDB shares one instance per path within a process) sees the new copy
    code = (f"import duckdb; print(duckdb.connect({str(paths.serving_db)!r}, read_only=True)"
            ".execute('select v from analytics.fct_orders').fetchone()[0])")
    seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert seen.strip() == "2"


READER = textwrap.dedent("""
    import json, sys, time
    import duckdb
    path, until = sys.argv[1], time.time() + float(sys.argv[2])
    while time.time() < until:
        try:
            con = duckdb.connect(path, read_only=True)
            run = con.execute("select run_id from meta.publication").fetchone()[0]
            orders = con.execute("select v from analytics.fct_orders").fetchone()[0]
            customers = con.execute("select min(v), max(v), count(*) from analytics.dim_customers").fetchone()
            con.close()
            print(json.dumps({"run": run, "orders": orders, "customers": list(customers)}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": repr(exc)}), flush=True)
        time.sleep(0.02)
""")


def test_another_process_reads_serving_while_a_run_writes_the_build_warehouse(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="run-1")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(paths.serving_db), "6"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the reader is up and reading
        for value in range(2, 5):
            # a run writing the build warehouse: a long write transaction, then a publish
            con = duckdb.connect(str(paths.build_db))
            con.execute("begin transaction")
            con.execute("create or replace table marts.big as select range as n, md5(range::varchar) as h "
                        "from range(300000)")
            con.execute(f"update marts.fct_orders set v = {value}")
            con.execute(f"update marts.dim_customers set v = {value}")
            con.execute("commit")
            con.close()
            publish(paths, [], run_id=f"run-{value}")
        out, err = reader.communicate(timeout=60)
    finally:
        reader.kill()
    reads = [json.loads(line) for line in out.splitlines()]
    assert reads and not [r for r in reads if "error" in r], (err[-2000:], [r for r in reads if "error" in r][:3])
    for read in reads:  # every read saw one whole publication, never a mix
        value = int(read["run"].split("-")[1])
        assert read["orders"] == value and read["customers"] == [value, value, 3]
    assert len({r["run"] for r in reads}) >= 2  # it kept reading across publications


def test_parquet_export_follows_the_serving_copy(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    result = publish(paths, [], run_id="run-1", parquet=True)
    root = paths.warehouse_dir / "parquet"
    assert result.parquet_dir == root / "run-1"
    assert (root / "CURRENT").read_text().strip() == "run-1"
    assert sorted(p.name for p in (root / "run-1").iterdir()) == ["dim_customers.parquet", "fct_orders.parquet",
                                                                   "orders_by_id.parquet"]
    con = duckdb.connect()
    columns = [r[0] for r in con.execute(f"describe select * from '{root / 'run-1' / 'dim_customers.parquet'}'"
                                         ).fetchall()]
    assert "email" not in columns  # only the analytics schema is exported
    _build(paths, 2)
    publish(paths, [], run_id="run-2")  # an existing export is kept in step without asking
    assert (root / "CURRENT").read_text().strip() == "run-2"
    assert [p.name for p in root.iterdir() if p.is_dir()] == ["run-2"]
    publish(paths, [], run_id="run-3", parquet=False)
    assert not root.exists()


def test_serving_copy_uses_a_storage_version_older_duckdb_can_read(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="one")
    header = paths.serving_db.read_bytes()[:16]
    # bytes 8..12 "DUCK", then the storage version number (66 = publish.storage_version v1.3.0:
    # DuckDB 1.3 and later can read it; duckdb 2.0 writes a newer one by default)
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20].ljust(8, b"\0"), "little") == 66


def test_the_publish_of_a_run_refuses_on_the_error_rules_that_run_recorded(tmp_path: Path):
    """What the Dagster publish reads when the checks ran as other steps: this run's failed error rules only."""
    from cdw.context import make_context
    from cdw.steps import publish as publish_step
    from cdw.steps import recorded_blocking_failures

    ctx = make_context(home=tmp_path, source="drops", run_id="r2")
    assert recorded_blocking_failures(ctx) == []  # no warehouse results yet
    with duckdb.connect(str(ctx.paths.build_db)) as con:
        con.execute("create schema audit; create schema marts; create table marts.fct_orders as select 1 as x")
        con.execute("create table audit.validation_results (run_id varchar, relation varchar, suite varchar, "
                    "expectation varchar, severity varchar, success boolean, unexpected_count bigint, error varchar)")
        con.execute("""insert into audit.validation_results values
            ('r1', 'marts.dim_customers', 'identity', 'one_row_per_customer', 'error', false, 3, null),
            ('r2', 'marts.dim_customers', 'identity', 'one_row_per_customer', 'error', true, 0, null),
            ('r2', 'marts.fct_orders', 'value', 'money_refund_exceeds_item_revenue', 'warn', false, 21, null),
            ('r2', 'marts.fct_orders', 'value', 'ltv_never_negative', 'error', false, 2, null)""")
    assert recorded_blocking_failures(ctx) == ["marts.fct_orders value.ltv_never_negative: 2 unexpected"]
    with pytest.raises(PublishRefused, match="ltv_never_negative"):
        publish_step(ctx, recorded_blocking_failures(ctx))
    assert not ctx.paths.serving_db.exists()
