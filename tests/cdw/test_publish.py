"""Write-audit-publish on real DuckDB files."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cdw.publish import PublishRefused, publish
from cdw.settings import Paths


def _build(paths: Paths, value: int) -> None:
    paths.ensure()
    con = duckdb.connect(str(paths.build_db))
    con.execute("create schema if not exists raw_shop")
    con.execute("create or replace table raw_shop.orders as select 1 as id")
    con.execute("create schema if not exists staging")
    con.execute(f"create or replace view staging.stg_orders as select id, {value} as v from raw_shop.orders")
    con.execute("create schema if not exists marts")
    con.execute(f"create or replace table marts.fct_orders as select {value} as v")
    con.close()


def test_publish_copies_models_as_tables_and_leaves_raw_behind(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    result = publish(paths, [], run_id="run-1")
    assert result.tables == {"marts.fct_orders": 1, "staging.stg_orders": 1}
    con = duckdb.connect(str(paths.serving_db), read_only=True)
    # the staging view became a table: it no longer needs raw data
    assert con.execute("select v from staging.stg_orders").fetchone() == (1,)
    assert con.execute("select run_id from meta.publication").fetchone() == ("run-1",)
    assert con.execute("select count(*) from information_schema.schemata where schema_name like 'raw_%'"
                       ).fetchone() == (0,)


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
    assert reader.execute("select v from marts.fct_orders").fetchone() == (1,)
    # a new reader (another process: DuckDB shares one instance per path within a process) sees the new copy
    code = (f"import duckdb; print(duckdb.connect({str(paths.serving_db)!r}, read_only=True)"
            ".execute('select v from marts.fct_orders').fetchone()[0])")
    seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert seen.strip() == "2"


def test_serving_copy_uses_a_storage_version_older_duckdb_can_read(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths, 1)
    publish(paths, [], run_id="one")
    header = paths.serving_db.read_bytes()[:16]
    # bytes 8..12 "DUCK", then the storage version number (64 = DuckDB 1.1 and later can read it)
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20].ljust(8, b"\0"), "little") == 64
