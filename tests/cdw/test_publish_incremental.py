"""Republishing from a copy of the last serving file: only changed tables are rewritten (real DuckDB files)."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import cdw.publish as publish_module
from cdw.fingerprint import fingerprint
from cdw.publish import publish
from core.config import PublishSettings, warehouse_settings
from core.dictionary import Dictionary, load_dictionary
from core.duckdb_files import copy_file
from core.settings import Paths

TABLES = {"analytics.dim_customers", "analytics.fct_orders", "analytics.orders_by_id", "analytics.event_mapping",
          "restricted.dim_customers"}


def _build(paths: Paths, orders: int = 1, customers: int = 3, order_by: str = "i") -> None:
    """A small build warehouse: a mart table, a mart view, a table with personal columns, a seed."""
    paths.ensure()
    con = duckdb.connect(str(paths.build_db))
    con.execute("create schema if not exists raw_shop; create schema if not exists marts; "
                "create schema if not exists seeds")
    con.execute("create or replace table raw_shop.orders as select 1 as id")
    con.execute("create or replace view marts.orders_by_id as select id, 7 as v from raw_shop.orders")
    con.execute(f"create or replace table marts.fct_orders as select {orders} as v")
    con.execute(f"""create or replace table marts.dim_customers as
                    select 'cus_' || i as customer_id, 'p' || i || '@example.com' as email, 'Ann' as first_name,
                           '9411' || i as postal_code, 'active' as customer_status, 1 as v
                    from range({customers}) as t(i) order by {order_by}""")
    con.execute("create or replace table seeds.event_mapping as select 'order' as event, 'purchase' as kind")
    con.close()


def _published(tmp_path: Path, **build: int | str) -> Paths:
    """A home whose build warehouse (:func:`_build` with ``build``) was published once, as ``run-1``."""
    paths = Paths(tmp_path)
    _build(paths, **build)
    publish(paths, [], run_id="run-1")
    return paths


def _sql(paths: Paths, sql: str) -> None:
    with duckdb.connect(str(paths.build_db)) as con:
        con.execute(sql)


def _content(db: Path) -> dict[str, object]:
    """Everything a reader sees in a serving file but the publication row: tables, rows, comments, meta."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name, comment from duckdb_tables() "
                             "where schema_name in ('analytics', 'restricted') order by 1, 2").fetchall()
        seen: dict[str, object] = {"tables": tables}
        for schema, table, _ in tables:
            seen[f"{schema}.{table}"] = sorted(con.execute(f'select * from {schema}."{table}"').fetchall())
        seen["columns"] = con.execute("select schema_name, table_name, column_name, data_type, comment "
                                      "from duckdb_columns() where schema_name <> 'meta' order by all").fetchall()
        seen["meta.columns"] = con.execute("select * from meta.columns order by all").fetchall()
        seen["meta.relations"] = con.execute("select schema_name, table_name, source_relation, row_count, signature "
                                             "from meta.relations order by all").fetchall()
        return seen
    finally:
        con.close()


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _reclassified(column_pattern: str, pii: str) -> Dictionary:
    """The data dictionary with one more pattern: ``column_pattern`` (schema.table.column) is of class ``pii``."""
    dictionary = load_dictionary()
    patterns = dict(dictionary.pii_policy.patterns)
    patterns[pii] = (*patterns.get(pii, ()), column_pattern)
    return dataclasses.replace(dictionary, pii_policy=dataclasses.replace(dictionary.pii_policy, patterns=patterns))


def test_the_first_publish_into_an_empty_home_writes_everything_then_a_republish_reuses_it(tmp_path: Path):
    paths = Paths(tmp_path / "fresh-home")
    assert not paths.home.exists()
    _build(paths)
    first = publish(paths, [], run_id="run-1")
    assert (first.mode, first.reason) == ("full", "no serving copy yet")
    assert set(first.rewritten) == set(first.tables) == TABLES and first.reused == []
    second = publish(paths, [], run_id="run-2")
    assert second.mode == "incremental" and second.rewritten == [] and set(second.reused) == TABLES


def test_an_empty_build_warehouse_publishes_an_empty_serving_copy(tmp_path: Path):
    paths = Paths(tmp_path / "home").ensure()
    duckdb.connect(str(paths.build_db)).close()
    result = publish(paths, [], run_id="empty")
    assert result.tables == {} and result.mode == "full"
    assert _query(paths.serving_db, "select run_id from meta.publication") == [("empty",)]
    again = publish(paths, [], run_id="empty-2")
    assert again.tables == {} and again.mode == "incremental"


def test_a_republish_with_nothing_changed_rewrites_no_table_and_serves_the_same_content(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths)
    first = publish(paths, [], run_id="run-1")
    before = _content(paths.serving_db)
    _build(paths, order_by="i desc")  # dbt rebuilt every table: same rows, another physical order
    second = publish(paths, [], run_id="run-2")
    assert second.mode == "incremental" and second.rewritten == [] and second.removed == []
    assert sorted(second.reused) == sorted(TABLES)
    assert second.tables == first.tables == {"analytics.dim_customers": 3, "analytics.fct_orders": 1,
                                             "analytics.orders_by_id": 1, "analytics.event_mapping": 1,
                                             "restricted.dim_customers": 3}
    assert _content(paths.serving_db) == before
    assert _query(paths.serving_db, "select run_id from meta.publication") == [("run-2",)]
    assert set(_query(paths.serving_db, "select written_by from meta.relations")) == {("run-1",)}
    published = json.loads((paths.warehouse_dir / "publication.json").read_text())
    assert published["mode"] == "incremental" and published["rewritten"] == []


def test_only_the_changed_table_is_rewritten(tmp_path: Path):
    paths = _published(tmp_path)
    before = _content(paths.serving_db)
    _sql(paths, "update marts.fct_orders set v = 2")
    result = publish(paths, [], run_id="run-2")
    assert result.rewritten == ["analytics.fct_orders"]
    assert sorted(result.reused) == sorted(TABLES - {"analytics.fct_orders"})
    after = _content(paths.serving_db)
    assert after["analytics.fct_orders"] == [(2,)]
    assert {k: v for k, v in after.items() if k not in ("analytics.fct_orders", "meta.relations")} == \
        {k: v for k, v in before.items() if k not in ("analytics.fct_orders", "meta.relations")}
    written = dict(_query(paths.serving_db, "select schema_name || '.' || table_name, written_by from meta.relations"))
    assert written == {**{key: "run-1" for key in TABLES}, "analytics.fct_orders": "run-2"}


def test_a_duplicated_row_is_a_change(tmp_path: Path):
    paths = _published(tmp_path)
    _sql(paths, "insert into marts.fct_orders select * from marts.fct_orders")
    result = publish(paths, [], run_id="run-2")
    assert result.rewritten == ["analytics.fct_orders"] and result.tables["analytics.fct_orders"] == 2
    assert _query(paths.serving_db, "select count(*) from analytics.fct_orders") == [(2,)]


def test_a_removed_relation_disappears_from_serving_and_meta(tmp_path: Path):
    paths = _published(tmp_path)
    _sql(paths, "drop view marts.orders_by_id")
    result = publish(paths, [], run_id="run-2")
    assert result.removed == ["analytics.orders_by_id"] and result.rewritten == []
    assert "analytics.orders_by_id" not in result.tables
    assert _query(paths.serving_db, "select count(*) from duckdb_tables() where table_name = 'orders_by_id'") == [(0,)]
    assert _query(paths.serving_db, "select count(*) from meta.columns where relation = 'orders_by_id'") == [(0,)]
    assert _query(paths.serving_db, "select count(*) from meta.relations where table_name = 'orders_by_id'") == [(0,)]


def test_a_pii_class_change_in_the_dictionary_moves_the_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _published(tmp_path)
    monkeypatch.setattr(publish_module, "load_dictionary",
                        lambda: _reclassified("marts.dim_customers.customer_status", "indirect"))
    moved = publish(paths, [], run_id="run-2")
    # the analytics table lost a column and the personal columns' table gained it: the pair is written anew
    assert sorted(moved.rewritten) == ["analytics.dim_customers", "restricted.dim_customers"]
    columns = [r[0] for r in _query(paths.serving_db, "select column_name from duckdb_columns() where schema_name = "
                                    "'analytics' and table_name = 'dim_customers' order by column_index")]
    assert columns == ["customer_id", "v"]
    assert _query(paths.serving_db, "select pii_class, in_analytics from meta.columns "
                                    "where relation = 'dim_customers' and column_name = 'customer_status'"
                  ) == [("indirect", False)]
    monkeypatch.setattr(publish_module, "load_dictionary",
                        lambda: _reclassified("marts.fct_orders.v", "sensitive"))  # and status is "none" again
    back = publish(paths, [], run_id="run-3")
    assert sorted(back.rewritten) == ["analytics.dim_customers", "restricted.dim_customers", "restricted.fct_orders"]
    assert back.removed == ["analytics.fct_orders"]  # no column of it is left for analytics
    assert _query(paths.serving_db, "select v from restricted.fct_orders") == [(1,)]
    assert "customer_status" in [r[0] for r in _query(paths.serving_db, "describe analytics.dim_customers")]


def test_the_tables_behind_a_restricted_view_are_rewritten_together(tmp_path: Path):
    """analytics.X and restricted.X__personal_columns pair by position: never one from another build order."""
    paths = _published(tmp_path)
    _build(paths, order_by="i desc")  # dbt rebuilt the table: same rows (same signatures), another order
    with duckdb.connect(str(paths.serving_db)) as con:  # the personal half went missing from the copy
        con.execute("drop table restricted.dim_customers__personal_columns")
    result = publish(paths, [], run_id="run-2")
    assert sorted(result.rewritten) == ["analytics.dim_customers", "restricted.dim_customers"]
    assert _query(paths.serving_db, "select customer_id, email from restricted.dim_customers order by 1") == \
        [(f"cus_{i}", f"p{i}@example.com") for i in range(3)]


def test_a_change_of_column_type_with_equal_values_is_a_change(tmp_path: Path):
    paths = _published(tmp_path)
    _sql(paths, "create or replace table marts.fct_orders as select 1::double as v")
    result = publish(paths, [], run_id="run-2")
    assert result.rewritten == ["analytics.fct_orders"]
    assert _query(paths.serving_db, "select data_type from duckdb_columns() where table_name = 'fct_orders'"
                  ) == [("DOUBLE",)]


REQUESTS = """create schema if not exists audit;
    create table if not exists audit.privacy_requests (request_id varchar, action varchar, requested_at timestamptz,
        identifier_kind varchar, subject_hash varchar, customers integer, records integer, tables_touched integer,
        rows_affected bigint, deletions_queued integer, status varchar)"""


def _request(paths: Paths, action: str) -> None:
    """A privacy request logged as cdw/privacy.py logs it."""
    _sql(paths, f"""{REQUESTS}; insert into audit.privacy_requests values
                    ('{action}-' || gen_random_uuid(), '{action}', now(), 'email', md5('x'), 1, 1, 1, 1, 0, 'done')""")


def _erase(paths: Paths, email: str) -> None:
    """What an erasure leaves in the build warehouse: the person's rows gone, hashes and the request logged."""
    _sql(paths, f"""
        delete from marts.dim_customers where email = '{email}';
        create schema if not exists audit;
        create table if not exists audit.erased_subjects (subject_hash varchar, identifier_kind varchar,
            request_id varchar, erased_at timestamptz);
        insert into audit.erased_subjects values (md5('{email}'), 'email', 'r-1', now());
    """)
    _request(paths, "erase")


def test_an_erased_person_leaves_no_byte_in_the_republished_serving_file(tmp_path: Path):
    paths = _published(tmp_path, customers=3)  # few rows: strings stored as they are, not FSST-compressed
    email = b"p1@example.com"
    assert email in paths.serving_db.read_bytes()
    _erase(paths, email.decode())
    result = publish(paths, [], run_id="after-erasure")
    assert result.mode == "full" and "erased" in result.reason
    assert email not in paths.serving_db.read_bytes()
    assert result.tables["restricted.dim_customers"] == 2
    again = publish(paths, [], run_id="next")  # the erasure is recorded in the new file: back to incremental
    assert again.mode == "incremental" and again.rewritten == []


def test_an_access_request_changes_nothing_but_any_logged_erasure_rewrites_the_file(tmp_path: Path):
    paths = _published(tmp_path)
    _request(paths, "export")
    assert publish(paths, [], run_id="run-2").rewritten == []
    _request(paths, "erase")  # an erasure that recorded no identifier hash is still an erasure
    erased = publish(paths, [], run_id="run-3")
    assert erased.mode == "full" and "erased" in erased.reason


def test_a_reader_holding_the_old_file_keeps_its_snapshot_across_an_incremental_publish(tmp_path: Path):
    paths = _published(tmp_path)
    reader = duckdb.connect(str(paths.serving_db), read_only=True)
    _sql(paths, "update marts.fct_orders set v = 5; update marts.dim_customers set v = 5")
    result = publish(paths, [], run_id="run-2")
    assert result.mode == "incremental" and "analytics.event_mapping" in result.reused
    assert reader.execute("select v from analytics.fct_orders").fetchone() == (1,)
    assert reader.execute("select max(v) from restricted.dim_customers").fetchone() == (1,)
    assert reader.execute("select run_id from meta.publication").fetchone() == ("run-1",)
    reader.close()
    code = (f"import duckdb; c = duckdb.connect({str(paths.serving_db)!r}, read_only=True); "
            "print(c.execute('select (select v from analytics.fct_orders), (select max(v) from "
            "restricted.dim_customers), (select run_id from meta.publication)').fetchone())")
    seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert seen.strip() == "(5, 5, 'run-2')"


CRASH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import cdw.publish as publish_module
    from core.settings import Paths

    def crash(*args, **kwargs):  # the tables are written into the copy; the process dies before the rename
        os.kill(os.getpid(), signal.SIGKILL)

    publish_module._write_meta = crash
    publish_module.publish(Paths(Path(sys.argv[1])), [], run_id="crashed")
""")


def test_a_crash_mid_publish_leaves_the_old_serving_file_intact(tmp_path: Path):
    paths = _published(tmp_path)
    before = paths.serving_db.read_bytes()
    _sql(paths, "update marts.fct_orders set v = 9")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    crashed = subprocess.run([sys.executable, "-c", CRASH, str(paths.home)], env=env, capture_output=True, text=True)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    left = list(paths.warehouse_dir.glob(".serving.duckdb.*.tmp"))
    assert left, "the crash happened after the copy was made"
    assert paths.serving_db.read_bytes() == before
    assert _query(paths.serving_db, "select (select v from analytics.fct_orders), (select run_id from "
                                    "meta.publication)") == [(1, "run-1")]
    result = publish(paths, [], run_id="run-2")  # the next publish removes the dead one's copy and goes on
    assert not any(path.exists() for path in left)
    assert result.mode == "incremental" and result.rewritten == ["analytics.fct_orders"]


def test_a_table_that_fails_to_copy_beside_another_leaves_the_old_serving_file_and_no_work_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Whole tables are written two at a time: one writer's failure fails the publish, as one at a time
    did; the other writer finishes or stops, the new file is deleted, and the last good copy serves."""
    paths = _published(tmp_path)
    before = _content(paths.serving_db)
    _sql(paths, "update marts.fct_orders set v = 9; update marts.dim_customers set v = 2")
    quote = publish_module._quote

    def failing_quote(name: str) -> str:
        if name == "fct_orders":
            raise duckdb.IOException("disk full")
        return quote(name)

    monkeypatch.setattr(publish_module, "_quote", failing_quote)
    with pytest.raises(duckdb.IOException, match="disk full"):
        publish(paths, [], run_id="run-2", full=True)
    assert not list(paths.warehouse_dir.glob(".serving.duckdb.*"))
    assert _content(paths.serving_db) == before
    monkeypatch.setattr(publish_module, "_quote", quote)
    assert publish(paths, [], run_id="run-3", full=True).mode == "full"
    assert _query(paths.serving_db, "select v from analytics.fct_orders") == [(9,)]


def test_a_file_with_many_free_blocks_is_compacted_by_a_full_rewrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = Paths(tmp_path)
    _build(paths)
    _sql(paths, "create table marts.big as select range as n, md5(range::varchar) as h from range(300000)")
    publish(paths, [], run_id="run-1")
    _sql(paths, "create or replace table marts.big as select range as n, md5(range::varchar) as h from range(100)")
    shrunk = publish(paths, [], run_id="run-2")
    assert shrunk.mode == "incremental" and shrunk.rewritten == ["analytics.big"]
    free, total = _query(paths.serving_db, "select free_blocks, total_blocks from pragma_database_size() "
                                           "where database_name = current_database()")[0]
    settings = warehouse_settings()
    assert free / total > settings.publish.compact_free_share
    bloated = paths.serving_db.stat().st_size
    monkeypatch.setattr(publish_module, "warehouse_settings", lambda: settings.model_copy(
        update={"publish": PublishSettings(compact_free_share=free / total + 0.01)}))
    assert publish(paths, [], run_id="run-3").mode == "incremental"  # under the limit: no compaction
    monkeypatch.undo()
    compacted = publish(paths, [], run_id="run-4")
    assert compacted.mode == "full" and "free blocks" in compacted.reason
    assert paths.serving_db.stat().st_size < bloated / 2
    assert _query(paths.serving_db, "select count(*) from analytics.big") == [(100,)]


def test_a_damaged_serving_file_is_replaced_by_a_full_rewrite(tmp_path: Path):
    paths = _published(tmp_path)
    paths.serving_db.write_bytes(b"not a database" * 1000)
    result = publish(paths, [], run_id="run-2")
    assert result.mode == "full" and "could not be copied or read" in result.reason
    assert _query(paths.serving_db, "select run_id from meta.publication") == [("run-2",)]
    assert not list(paths.warehouse_dir.glob(".serving.duckdb.*"))


def test_a_full_rewrite_when_asked_gives_the_same_content(tmp_path: Path):
    paths = _published(tmp_path)
    _sql(paths, "update marts.fct_orders set v = 3")
    publish(paths, [], run_id="run-2")
    incremental = _content(paths.serving_db)
    full = publish(paths, [], run_id="run-3", full=True)
    assert full.mode == "full" and set(full.rewritten) == TABLES
    assert _content(paths.serving_db) == incremental


def test_comments_follow_the_dbt_docs_on_tables_the_publish_kept(tmp_path: Path):
    paths = _published(tmp_path)
    manifest = paths.home / "dbt" / "target" / "manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    node = {"resource_type": "model", "schema": "marts", "name": "fct_orders", "description": "Orders, one a row.",
            "columns": {"v": {"description": "The value."}}}
    manifest.write_text(json.dumps({"nodes": {"model.cdw.fct_orders": node}, "sources": {}}))
    kept = publish(paths, [], run_id="run-2")
    assert "analytics.fct_orders" in kept.reused
    table, column = _query(paths.serving_db, "select (select comment from duckdb_tables() where table_name = "
                                             "'fct_orders'), (select comment from duckdb_columns() where table_name = "
                                             "'fct_orders' and column_name = 'v')")[0]
    assert table.startswith("Orders, one a row.") and column == "The value."
    manifest.write_text(json.dumps({"nodes": {}, "sources": {}}))
    publish(paths, [], run_id="run-3")
    assert _query(paths.serving_db, "select comment from duckdb_columns() where table_name = 'fct_orders'"
                  ) == [(None,)]


def test_the_copied_file_keeps_the_storage_version_older_clients_read(tmp_path: Path):
    paths = _published(tmp_path)
    _sql(paths, "update marts.fct_orders set v = 4")
    assert publish(paths, [], run_id="run-2").mode == "incremental"
    assert _storage_number(paths) == 66  # publish.storage_version v1.3.0


def _storage_number(paths: Paths) -> int:
    header = paths.serving_db.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    return int.from_bytes(header[12:20], "little")


def test_a_new_storage_version_writes_the_file_whole_in_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A seller whose BI tool bundles DuckDB 1.1 sets ``publish.storage_version: v1.1.0``: the copy in
    the newer version is no start, the next publish writes the file whole in the one asked for."""
    paths = _published(tmp_path)
    assert _storage_number(paths) == 66
    settings = warehouse_settings()
    monkeypatch.setattr(publish_module, "warehouse_settings", lambda: settings.model_copy(
        update={"publish": PublishSettings(storage_version="v1.1.0")}))
    older = publish(paths, [], run_id="run-2")
    assert older.mode == "full" and older.reason == "the serving copy is in storage version v1.3.0, not v1.1.0"
    assert _storage_number(paths) == 64
    assert _query(paths.serving_db, "select storage_version from meta.publication") == [("v1.1.0",)]
    assert publish(paths, [], run_id="run-3").mode == "incremental"  # and stays in it
    assert _storage_number(paths) == 64


def test_the_parquet_export_links_kept_tables_and_rewrites_changed_ones(tmp_path: Path):
    paths = Paths(tmp_path)
    _build(paths)
    publish(paths, [], run_id="run-1", parquet=True)
    root = paths.warehouse_dir / "parquet"
    first = {p.name: p.stat().st_ino for p in (root / "run-1").iterdir()}
    _sql(paths, "update marts.fct_orders set v = 6")
    publish(paths, [], run_id="run-2")
    second = {p.name: p.stat().st_ino for p in (root / "run-2").iterdir()}
    assert sorted(second) == sorted(first) == ["dim_customers.parquet", "event_mapping.parquet",
                                               "fct_orders.parquet", "orders_by_id.parquet"]
    assert second["fct_orders.parquet"] != first["fct_orders.parquet"]
    assert {k: v for k, v in second.items() if k != "fct_orders.parquet"} == \
        {k: v for k, v in first.items() if k != "fct_orders.parquet"}  # hard links: no copy
    con = duckdb.connect()
    for name in second:  # every file says what the serving copy says
        table = name.removesuffix(".parquet")
        exported = sorted(con.execute(f"select * from '{root / 'run-2' / name}'").fetchall())
        assert exported == sorted(_query(paths.serving_db, f"select * from analytics.{table}")), name
    assert not (root / "run-1").exists()


def test_fingerprints_ignore_row_order_and_see_duplicates_nulls_and_types(tmp_path: Path):
    con = duckdb.connect()

    def of(sql: str) -> str:
        con.execute(f"create or replace table t as {sql}")
        return fingerprint(con, "t", [tuple(r[:2]) for r in con.execute("describe t").fetchall()]).digest

    base = of("select * from (values (1, 'a'), (2, 'b')) v(x, y)")
    assert of("select * from (values (2, 'b'), (1, 'a')) v(x, y)") == base
    assert of("select * from (values (1, 'a'), (2, 'b'), (2, 'b')) v(x, y)") != base
    assert of("select * from (values (1, 'b'), (2, 'a')) v(x, y)") != base
    assert of("select * from (values (1, null), (null, 1)) v(x, y)") != of(
        "select * from (values (1, 1), (null, null)) v(x, y)")
    assert of("select x::bigint as x, y from (values (1, 'a'), (2, 'b')) v(x, y)") != base
    assert of("select x as z, y from (values (1, 'a'), (2, 'b')) v(x, y)") != base


def test_the_file_copy_falls_back_to_a_plain_copy_where_the_kernel_cannot_copy(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "serving.duckdb"
    source.write_bytes(os.urandom(3_000_000))
    copy_file(source, tmp_path / "kernel")
    assert (tmp_path / "kernel").read_bytes() == source.read_bytes()

    def refuse(*args: object) -> int:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refuse)
    copy_file(source, tmp_path / "plain")
    assert (tmp_path / "plain").read_bytes() == source.read_bytes()
