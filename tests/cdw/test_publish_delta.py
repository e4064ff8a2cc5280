"""Republishing large changed tables row by row (cdw/publish_delta.py), on real DuckDB files.

``publish.patch_min_rows`` is lowered to 0 so the small tables of these tests are patched; every
test compares the serving copy with what a full rewrite of the same build serves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import cdw.publish as publish_module
from cdw.publish import publish
from core.config import PublishSettings, warehouse_settings
from core.settings import Paths
from tests.cdw.test_publish_incremental import _build, _content, _published, _query, _sql


@pytest.fixture
def patching(monkeypatch: pytest.MonkeyPatch):
    """Patch tables of any size; ``patching(patch_max_deleted_share=...)`` changes the other limit."""
    settings = warehouse_settings()

    def set_limits(**limits: float) -> None:
        publish = PublishSettings(**{"patch_min_rows": 0, **limits})
        monkeypatch.setattr(publish_module, "warehouse_settings",
                            lambda: settings.model_copy(update={"publish": publish}))

    set_limits()
    return set_limits


def _as_full_rewrite(paths: Paths, tmp_path: Path) -> dict[str, object]:
    """What a full rewrite of ``paths``' build serves (in a copy of the home), to compare a patched copy with."""
    other = Paths(tmp_path / "full-rewrite")
    shutil.copytree(paths.home, other.home)
    publish(other, [], run_id="full", full=True)
    return _content(other.serving_db)


def _restricted_rows(paths: Paths, table: str) -> list[tuple]:
    return sorted(_query(paths.serving_db, f"select * from restricted.{table}"))


def test_a_changed_table_is_patched_by_its_changed_rows_and_serves_what_a_rewrite_serves(tmp_path: Path, patching):
    paths = _published(tmp_path / "home", customers=200)
    _sql(paths, """update marts.dim_customers set customer_status = 'lapsed' where customer_id = 'cus_7';
                   delete from marts.dim_customers where customer_id = 'cus_9';
                   insert into marts.dim_customers values ('cus_900', 'new@example.com', 'Bo', '94100', 'active', 1);
                   insert into marts.dim_customers select * from marts.dim_customers where customer_id = 'cus_3'""")
    result = publish(paths, [], run_id="run-2")
    # the analytics table and its personal columns, patched together: cus_7 and cus_9 out, cus_7, cus_900
    # and the second cus_3 in (both copies of cus_3 go out and come back: a hash's count changed)
    assert result.patched == {"analytics.dim_customers": (3, 4), "restricted.dim_customers": (3, 4)}
    assert result.rewritten == [] and result.declined == {}
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        built = sorted(con.execute("select * from marts.dim_customers").fetchall())
    assert _restricted_rows(paths, "dim_customers") == built
    assert _query(paths.serving_db, "select table_name, written_by, deleted_rows from meta.relations "
                                    "where table_name = 'dim_customers' order by schema_name"
                  ) == [("dim_customers", "run-2", 3), ("dim_customers", "run-2", 3)]


def test_a_change_of_personal_columns_only_is_patched_in_both_tables_of_the_pair(tmp_path: Path, patching):
    paths = _published(tmp_path / "home", customers=50)
    _sql(paths, "update marts.dim_customers set email = 'moved@example.com' where customer_id = 'cus_4'")
    result = publish(paths, [], run_id="run-2")
    assert result.patched == {"analytics.dim_customers": (1, 1), "restricted.dim_customers": (1, 1)}
    rows = dict((row[0], row[1]) for row in _restricted_rows(paths, "dim_customers"))
    assert rows["cus_4"] == "moved@example.com" and rows["cus_5"] == "p5@example.com" and len(rows) == 50
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)


def test_patches_add_up_and_the_table_is_written_whole_once_its_deleted_rows_pass_the_limit(tmp_path: Path,
                                                                                            patching):
    paths = _published(tmp_path / "home", customers=100)
    patching(patch_max_deleted_share=0.045, compact_free_share=1.0)  # tiny files are mostly free blocks
    for run, customer in enumerate((1, 2, 3, 4), start=2):
        _sql(paths, f"update marts.fct_orders set v = v + 1; "
                    f"update marts.dim_customers set v = v + 1 where customer_id = 'cus_{customer}'")
        result = publish(paths, [], run_id=f"run-{run}")
        assert result.patched["analytics.dim_customers"] == (1, 1)
        assert "analytics.fct_orders" in result.declined  # its one row changed: more than half of it
    assert _query(paths.serving_db, "select deleted_rows from meta.relations where table_name = 'dim_customers'"
                  ) == [(4,), (4,)]
    _sql(paths, "update marts.dim_customers set v = v + 1 where customer_id = 'cus_5'")
    whole = publish(paths, [], run_id="run-6")  # 5 of 100 rows deleted since written whole: past 4.5 %
    assert sorted(whole.rewritten) == ["analytics.dim_customers", "restricted.dim_customers"]
    assert "deleted since it was last written whole" in whole.declined["analytics.dim_customers"]
    assert _query(paths.serving_db, "select deleted_rows from meta.relations where table_name = 'dim_customers'"
                  ) == [(0,), (0,)]
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)


def test_a_table_mostly_changed_is_written_whole(tmp_path: Path, patching):
    paths = _published(tmp_path / "home", customers=20)
    _sql(paths, "update marts.dim_customers set v = 2 where customer_id < 'cus_5'")  # cus_0..4 and cus_10..19
    result = publish(paths, [], run_id="run-2")
    assert sorted(result.rewritten) == ["analytics.dim_customers", "restricted.dim_customers"]
    assert result.declined["analytics.dim_customers"] == "15 rows out and 15 in, of 20: more than half"
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)


@pytest.mark.parametrize("damage", [
    "order by email desc",  # every row out of step: written whole
    "offset 0",  # 2 rows swapped (below)
    "union all (select * from restricted.dim_customers__personal_columns limit 1)",  # one personal row too many
])
def test_a_pair_out_of_step_in_the_copy_is_never_served_mispaired(tmp_path: Path, patching, damage: str):
    paths = _published(tmp_path / "home", customers=40)
    with duckdb.connect(str(paths.serving_db)) as con:  # the personal half no longer beside its analytics rows
        source = "restricted.dim_customers__personal_columns"
        if damage == "offset 0":
            source = (f"(select * exclude (r) from (select *, rowid as r from {source}) "
                      "order by case r when 3 then 4 when 4 then 3 else r end)")
        con.execute(f"create or replace table restricted.dim_customers__personal_columns as select * from {source} "
                    f"{damage}")
    _sql(paths, "update marts.dim_customers set v = 2 where customer_id = 'cus_1'")
    publish(paths, [], run_id="run-2")
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        built = sorted(con.execute("select * from marts.dim_customers").fetchall())
    assert _restricted_rows(paths, "dim_customers") == built
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)


def test_a_narrowed_hugeint_column_is_patched_as_the_copy_holds_it(tmp_path: Path, patching):
    """The serving file turns HUGEINT columns into BIGINT: the build's values are compared as BIGINTs."""
    paths = Paths(tmp_path / "home")
    _build(paths)
    _sql(paths, "create table marts.totals as select range as k, sum(range)::hugeint as total from range(30) "
                "group by k")
    publish(paths, [], run_id="run-1")
    _sql(paths, "update marts.totals set total = 1000 where k = 3")
    result = publish(paths, [], run_id="run-2")
    assert result.patched == {"analytics.totals": (1, 1)}
    assert _query(paths.serving_db, "select data_type from duckdb_columns() where table_name = 'totals' "
                                    "and column_name = 'total'") == [("BIGINT",)]
    assert _query(paths.serving_db, "select total from analytics.totals where k = 3") == [(1000,)]
    assert _content(paths.serving_db) == _as_full_rewrite(paths, tmp_path)


def test_a_column_change_writes_the_table_whole(tmp_path: Path, patching):
    paths = _published(tmp_path / "home")
    _sql(paths, "create or replace table marts.fct_orders as select 1::double as v")
    result = publish(paths, [], run_id="run-2")
    assert result.rewritten == ["analytics.fct_orders"]
    assert result.declined == {"analytics.fct_orders": "the type of v changed"}
    assert _query(paths.serving_db, "select data_type from duckdb_columns() where table_name = 'fct_orders'"
                  ) == [("DOUBLE",)]


def test_tables_under_the_configured_size_are_written_whole(tmp_path: Path):
    paths = _published(tmp_path / "home", customers=50)
    assert warehouse_settings().publish.patch_min_rows == 100_000
    _sql(paths, "update marts.dim_customers set v = 2 where customer_id = 'cus_1'")
    result = publish(paths, [], run_id="run-2")
    assert result.patched == {} and sorted(result.rewritten) == ["analytics.dim_customers", "restricted.dim_customers"]
