"""`cdw query` can only read, and only what the analyst may see: every escape tried on a real published file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from cdw import query as analyst_query
from cdw.publish import publish
from core.settings import Paths

CDW = str(Path(sys.executable).with_name("cdw"))
EMAIL = "ann.secret@example.com"


def _cdw(home: Path, *args: str, columns: int = 160) -> subprocess.CompletedProcess:
    env = {**os.environ, "CDW_HOME": str(home), "COLUMNS": str(columns)}
    return subprocess.run([CDW, *args], env=env, capture_output=True, text=True, timeout=120)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Paths:
    """A build warehouse with marts (one with personal columns), published to a real serving file."""
    paths = Paths(tmp_path_factory.mktemp("query_home")).ensure()
    con = duckdb.connect(str(paths.build_db))
    con.execute("create schema marts")
    con.execute("create table marts.fct_orders as select i as order_id, (i * 1.5)::decimal(10, 2) as net_revenue, "
                "date '2024-01-01' + i::int as order_date from range(2500) as t(i)")
    con.execute(f"create table marts.dim_customers as select 'cus_' || i as customer_id, "
                f"case when i = 0 then '{EMAIL}' else 'p' || i || '@example.com' end as email, 'Ann' as first_name, "
                "'active' as customer_status from range(3) as t(i)")
    con.execute("create table marts.customer_ltv as select 'cus_' || i as customer_id, 10.5 as ltv, "
                + ", ".join(f"'value {c}' as wide_column_{c}" for c in range(14)) + " from range(3) as t(i)")
    con.close()
    publish(paths, [], "query-tests")
    return paths


@pytest.fixture(scope="module")
def untouched(home: Paths):
    """The serving and build files' bytes, asserted identical after every test that uses this."""
    before = {p: _digest(p) for p in (home.serving_db, home.build_db)}
    yield
    assert {p: _digest(p) for p in before} == before


@pytest.fixture
def intact(home: Paths, untouched):
    before = {p: _digest(p) for p in (home.serving_db, home.build_db)}
    files = set(home.home.rglob("*"))
    yield
    assert {p: _digest(p) for p in before} == before, "a query changed a warehouse file"
    assert set(home.home.rglob("*")) == files, "a query created or removed a file under CDW_HOME"


def escapes(home: Paths) -> list[tuple[str, str]]:
    """(SQL, what the refusal must say): every way out we know of."""
    serving, build, outside = home.serving_db, home.build_db, home.home / "stolen.csv"
    return [
        (f"copy (select 'oops') to '{serving}' (format csv)", "cdw query --format csv"),
        (f"copy (select 'oops') to '{build}' (format csv)", "cdw query --format csv"),
        (f"copy restricted.dim_customers to '{outside}'", "cdw query --format csv"),
        (f"copy (select * from analytics.fct_orders) to '{outside}' (format parquet)", "cdw query --format csv"),
        ("copy analytics.fct_orders from '/etc/passwd'", "cannot touch files"),
        ("select * from read_csv('/etc/passwd')", "Cannot access file"),
        ("select * from read_csv_auto('/etc/passwd')", "Cannot access file"),
        (f"select * from read_parquet('{home.home}/*.parquet')", "Cannot access file"),
        ("select * from read_text('/etc/passwd')", "Cannot access file"),
        ("select * from read_blob('/etc/passwd')", "Cannot access file"),
        ("select * from read_json('/etc/passwd')", "Cannot access file"),
        ("select * from glob('/etc/*')", "Cannot access file"),
        (f"select * from read_duckdb('{build}')", "Cannot access file"),
        ("install httpfs", "extensions are off"),
        ("load httpfs", "extensions are off"),
        ("force install json", "extensions are off"),
        (f"attach '{build}' as b", "ATTACH is off"),
        ("attach ':memory:' as m", "ATTACH is off"),
        ("detach serving", "DETACH is off"),
        ("set enable_external_access = true", "settings are fixed"),
        ("set lock_configuration = false", "settings are fixed"),
        ("reset enable_external_access", "settings are fixed"),
        ("set search_path = 'restricted'", "settings are fixed"),
        ("use restricted", "settings are fixed"),
        ("set variable x = 1", "settings are fixed"),
        ("pragma storage_info('restricted.dim_customers')", "PRAGMA is off"),
        ("call pragma_storage_info('restricted.dim_customers')", "CALL is off"),
        ("create table analytics.x as select 1", "read-only to analysts"),
        ("create temp table x as select 1", "read-only to analysts"),
        ("create view v as select * from restricted.dim_customers", "read-only to analysts"),
        ("create macro m() as 1", "read-only to analysts"),
        ("insert into analytics.fct_orders values (1, 1, date '2024-01-01')", "read-only to analysts"),
        ("update analytics.fct_orders set net_revenue = 0", "read-only to analysts"),
        ("delete from analytics.fct_orders", "read-only to analysts"),
        ("drop table analytics.fct_orders", "read-only to analysts"),
        ("alter table analytics.fct_orders rename to y", "read-only to analysts"),
        (f"export database '{home.home / 'exported'}'", "writes files"),
        ("checkpoint", "CALL is off"),
        ("begin transaction", "transactions are not needed"),
        ("select 1; copy (select 1) to '/tmp/x.csv'", "cdw query --format csv"),
        # personal data without --restricted, however it is reached
        ("select * from restricted.dim_customers", "--restricted"),
        ("from restricted.dim_customers", "--restricted"),
        ("select count(*) from restricted.dim_customers", "--restricted"),  # answered from statistics
        ("select email from analytics.fct_orders, restricted.dim_customers limit 1", "--restricted"),
        ("with c as (select * from restricted.dim_customers) select * from c", "--restricted"),
        ("select * from query_table('restricted.dim_customers')", "--restricted"),
        ("select * from query('select email from restricted.dim_customers')", "--restricted"),
        ("summarize restricted.dim_customers", "--restricted"),
        ("pivot restricted.dim_customers on customer_status in ('active') using count(*)", "--restricted"),
        ("explain analyze select email from restricted.dim_customers order by email limit 1", "--restricted"),
        ("select * from histogram(restricted.dim_customers, email)", "--restricted"),
        # restricted.dim_customers is a view; its personal values are stored in this table
        ("select email from restricted.dim_customers__personal_columns", "--restricted"),
        ("select * from duckdb_table_sample('restricted.dim_customers__personal_columns')",
         "duckdb_table_sample is not allowed"),
        ("select * from pragma_storage_info('restricted.dim_customers__personal_columns')",
         "pragma_storage_info is not allowed"),
        ("select * from duckdb_logs()", "duckdb_logs is not allowed"),
    ]


def _query_in_process(home: Paths, sql: str) -> tuple[int, str]:
    """What `cdw query SQL` does, without starting a process per statement (exit code, all output)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, force_terminal=False)
    code = analyst_query.main(home.serving_db, sql, out=buffer, console=console, errors=console)
    return code, buffer.getvalue()


def test_every_escape_is_refused_with_what_is_allowed(home: Paths, intact):
    failures = []
    for sql, expected in escapes(home):
        code, output = _query_in_process(home, sql)
        flat = " ".join(output.split())
        if code != 1 or expected not in flat or "next:" not in output or "Traceback" in output:
            failures.append(f"{sql!r}: exit {code}\n{output}")
        if EMAIL in output:
            failures.append(f"{sql!r} showed restricted data:\n{output}")
    assert not failures, "\n\n".join(failures)
    assert not (home.home / "stolen.csv").exists() and not (home.home / "exported").exists()


@pytest.mark.parametrize("index", [0, 5, 30])  # a file write, a file read, restricted data: through the real CLI
def test_the_command_line_refuses_escapes_the_same_way(home: Paths, intact, index: int):
    sql, expected = escapes(home)[index]
    result = _cdw(home.home, "query", sql)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and expected in " ".join(output.split()) and "next:" in output, output
    assert EMAIL not in output


def test_duckdb_itself_refuses_the_escapes_the_check_lets_through(home: Paths, intact):
    """The second layer: the analyst connection's own settings, with the statement check bypassed."""
    con = analyst_query.connect_for_analysts(analyst_query.Warehouse.serving(home.serving_db))
    try:
        for sql in (f"copy (select 'oops') to '{home.serving_db}' (format csv)",
                    f"copy restricted.dim_customers to '{home.home / 'stolen.csv'}'",
                    "select * from read_csv('/etc/passwd')", "select * from read_text('/etc/passwd')",
                    "select * from glob('/*')", f"attach '{home.build_db}' as b", "install httpfs", "load httpfs",
                    "set enable_external_access = true", "set lock_configuration = false",
                    "set allow_community_extensions = true", "set autoload_known_extensions = true",
                    f"export database '{home.home / 'exported'}'",
                    "create table analytics.x as select 1", "insert into analytics.fct_orders select * from "
                    "analytics.fct_orders limit 1"):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
        # a Python variable named like a table is not read (replacement scans off)
        fct_orders_df = {"x": [1]}  # noqa: F841
        with pytest.raises(duckdb.CatalogException):
            con.execute("select * from fct_orders_df").fetchall()
    finally:
        con.close()


def test_unqualified_names_read_analytics_and_restricted_needs_the_flag(home: Paths, intact):
    plain = _cdw(home.home, "query", "select customer_id from dim_customers order by 1")
    assert plain.returncode == 0 and "cus_0" in plain.stdout and EMAIL not in plain.stdout
    flagged = _cdw(home.home, "query", "--restricted", "select email from restricted.dim_customers order by 1")
    assert flagged.returncode == 0, flagged.stdout + flagged.stderr
    assert EMAIL in flagged.stdout
    metadata = _cdw(home.home, "query", "describe restricted.dim_customers")  # names and types only
    assert metadata.returncode == 0 and "email" in metadata.stdout and EMAIL not in metadata.stdout
    meta = _cdw(home.home, "query", "select count(*) as n from meta.publication")
    assert meta.returncode == 0 and "1" in meta.stdout
    refused = _cdw(home.home, "query", "select email from restricted.dim_customers")  # the view, as written
    said = " ".join(refused.stdout.split())
    assert refused.returncode == 1 and "restricted.dim_customers holds personal data" in said


def test_the_build_warehouse_needs_the_flag(home: Paths, intact):
    refused = _cdw(home.home, "query", "--build", "select count(*) from marts.fct_orders")
    assert refused.returncode == 1 and "--restricted" in refused.stdout
    allowed = _cdw(home.home, "query", "--build", "--restricted", "select count(*) as n from fct_orders")
    assert allowed.returncode == 0 and "2500" in allowed.stdout
    escape = _cdw(home.home, "query", "--build", "--restricted", f"copy marts.fct_orders to '{home.home}/x.csv'")
    assert escape.returncode == 1 and "cdw query --format csv" in " ".join(escape.stdout.split())


def test_errors_keep_duckdbs_whole_message(home: Paths, intact):
    result = _cdw(home.home, "query", "select * from customer_ltvv")
    assert result.returncode == 1
    assert 'Did you mean "customer_ltv"?' in result.stdout or 'Did you mean "analytics.customer_ltv"?' in result.stdout
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("LINE 1: "))
    assert lines[at] == "LINE 1: select * from customer_ltvv"  # the analyst's text, not the check's
    assert lines[at + 1].index("^") == lines[at].index("customer_ltvv")
    assert "next:" in result.stdout


def test_csv_and_json_stream_every_row(home: Paths, intact):
    csv_out = _cdw(home.home, "query", "--format", "csv", "select * from fct_orders order by order_id")
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "order_id,net_revenue,order_date" and len(lines) == 2501
    assert lines[3] == "2,3.00,2024-01-03"
    json_out = _cdw(home.home, "query", "--format", "json", "select * from fct_orders order by order_id")
    rows = json.loads(json_out.stdout)
    assert len(rows) == 2500 and rows[1] == {"order_id": 1, "net_revenue": 1.5, "order_date": "2024-01-02"}
    limited = _cdw(home.home, "query", "--format", "json", "--limit", "2", "select * from fct_orders")
    assert len(json.loads(limited.stdout)) == 2
    empty = _cdw(home.home, "query", "--format", "json", "select * from fct_orders where false")
    assert json.loads(empty.stdout) == []
    refused = _cdw(home.home, "query", "--format", "csv", "select * from restricted.dim_customers")
    assert refused.returncode == 1 and refused.stdout == "" and "--restricted" in refused.stderr


def test_table_output_shows_every_column_and_says_when_rows_are_cut(home: Paths, intact):
    wide = _cdw(home.home, "query", "select * from customer_ltv", columns=80)
    assert wide.returncode == 0
    for column in ["customer_id", "ltv"] + [f"wide_column_{c}" for c in range(14)]:
        assert column in wide.stdout
    long = _cdw(home.home, "query", "select * from fct_orders")
    assert "first 100 rows shown" in long.stdout and "--format csv" in long.stdout
    assert len(_cdw(home.home, "query", "--limit", "5", "select * from fct_orders").stdout.splitlines()) < 12


def test_status_says_what_to_do_when_the_serving_file_is_damaged_or_missing(home: Paths, tmp_path: Path):
    copy = Paths(tmp_path).ensure()
    copy.build_db.write_bytes(home.build_db.read_bytes())
    copy.serving_db.write_text("oops\n")  # what `copy (select 'oops') to serving.duckdb` used to leave
    damaged = _cdw(copy.home, "status")
    assert damaged.returncode == 0 and "Traceback" not in damaged.stderr
    flat = " ".join(damaged.stdout.split())
    assert "unreadable" in flat and "cdw publish" in flat and "marts" in flat  # the build is still reported
    query = _cdw(copy.home, "query", "select 1")
    assert query.returncode == 1 and "cdw publish" in " ".join(query.stdout.split())
    copy.serving_db.unlink()
    missing = _cdw(copy.home, "status")
    assert missing.returncode == 0 and "missing" in missing.stdout and "cdw publish" in missing.stdout
