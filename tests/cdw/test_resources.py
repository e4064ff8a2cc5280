"""DuckDB's share of the machine comes from config/warehouse.yml, and a build larger than it spills."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core.config import ConfigFileError
from core.dbt import DbtPlace, _release_warehouse, dbt_flags, dbt_invocation_env, environment_set, invoke_dbt
from core.duckdb_files import connect_warehouse
from core.resources import (
    DBT_THREADS_ENV,
    INGEST_MEMORY_ENV,
    MEMORY_ENV,
    TEMP_ENV,
    duckdb_resources,
    ingest_resources,
    machine_memory_bytes,
    parse_memory,
)
from core.settings import DBT_PROJECT_DIR, Paths

BIG_SORT = "select count(*), count(distinct v) from (select * from t order by v)"


def test_memory_is_a_share_of_the_machine_or_a_size():
    assert parse_memory("50%", "x", machine=8 * 1024**3) == 4 * 1024**3
    assert parse_memory("8GB", "x") == 8 * 1000**3
    assert parse_memory("6GiB", "x") == 6 * 1024**3
    assert parse_memory("512 mb", "x") == 512 * 1000**2
    assert parse_memory(1_000_000, "x") == 1_000_000
    assert machine_memory_bytes() > 0
    for bad in ("lots", "0%", "150%", "8XB", "-1GB", 0):
        with pytest.raises(ConfigFileError, match="x"):
            parse_memory(bad, "x")


def test_the_default_spills_beside_the_warehouse_and_the_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    monkeypatch.delenv(TEMP_ENV, raising=False)
    database = tmp_path / "warehouse" / "build.duckdb"
    resources = duckdb_resources(database)
    assert resources.temp_directory == database.parent / "spill"
    assert resources.memory_limit_bytes == pytest.approx(machine_memory_bytes() / 4, rel=0.01)  # the shipped 25%
    monkeypatch.setenv(MEMORY_ENV, "300MiB")
    monkeypatch.setenv(TEMP_ENV, str(tmp_path / "elsewhere"))
    assert duckdb_resources(database).settings() == {"memory_limit": "300MiB",
                                                     "temp_directory": str(tmp_path / "elsewhere")}
    monkeypatch.setenv(MEMORY_ENV, "a lot")
    with pytest.raises(ConfigFileError, match=MEMORY_ENV):
        duckdb_resources(database)


def test_a_sort_larger_than_the_limit_completes_by_spilling(tmp_path, monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "64MiB")
    monkeypatch.delenv(TEMP_ENV, raising=False)
    database = tmp_path / "warehouse" / "build.duckdb"
    database.parent.mkdir()
    with connect_warehouse(database) as con:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] == "64.0 MiB"
        assert con.execute("select current_setting('temp_directory')").fetchone()[0] == str(database.parent / "spill")
        con.execute("create table t as select repeat('x', 40) || range::varchar as v from range(3000000)")
        assert con.execute(BIG_SORT).fetchone() == (3_000_000, 3_000_000)
    # the same sort in an instance that may not spill runs out of memory: the spill is what saved it
    unspilled = duckdb.connect(str(database), config={"memory_limit": "64MiB", "temp_directory": ""})
    with unspilled as con, pytest.raises(duckdb.OutOfMemoryException):
        con.execute(BIG_SORT).fetchone()


def test_dbt_builds_with_the_same_limit_and_spill_folder(tmp_path, monkeypatch):
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv(MEMORY_ENV, "700MiB")
    monkeypatch.delenv(TEMP_ENV, raising=False)
    paths = Paths(tmp_path).ensure()
    probe = "select current_setting('memory_limit') as memory, current_setting('temp_directory') as spill"
    with environment_set(dbt_invocation_env(paths)):
        try:
            result = dbtRunner().invoke(["show", "--inline", probe, *dbt_flags(paths), "--quiet"])
        finally:
            _release_warehouse()
    assert result.success, result.exception
    row = result.result.results[0].agate_table.rows[0]
    assert (row["memory"], row["spill"]) == ("700.0 MiB", str(paths.warehouse_dir / "spill"))


def test_dbt_builds_two_models_at_once_until_the_warehouse_outgrows_a_third_of_the_limit(tmp_path, monkeypatch):
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv(MEMORY_ENV, "30MiB")
    monkeypatch.delenv(TEMP_ENV, raising=False)
    monkeypatch.delenv(DBT_THREADS_ENV, raising=False)
    paths = Paths(tmp_path).ensure()

    def threads_dbt_ran_with() -> int:
        with environment_set(dbt_invocation_env(paths)):
            try:
                result = dbtRunner().invoke(["show", "--inline", "select {{ target.threads }} as threads",
                                             *dbt_flags(paths), "--quiet"])
            finally:
                _release_warehouse()
        assert result.success, result.exception
        return int(result.result.results[0].agate_table.rows[0]["threads"])

    assert duckdb_resources(paths.build_db).dbt_threads == 2  # no warehouse yet (a new seller)
    assert threads_dbt_ran_with() == 2
    with connect_warehouse(paths.build_db) as con:  # a warehouse over a third of the 30 MiB limit
        con.execute("create table t as select md5(range::varchar) as v from range(600000)")
    assert paths.build_db.stat().st_size > 10 * 1024**2
    assert threads_dbt_ran_with() == 1
    monkeypatch.setenv(DBT_THREADS_ENV, "3")
    assert threads_dbt_ran_with() == 3
    monkeypatch.setenv(DBT_THREADS_ENV, "none")
    with pytest.raises(ConfigFileError, match=DBT_THREADS_ENV):
        duckdb_resources(paths.build_db)


def test_the_ingest_work_database_has_a_limit_of_its_own_never_above_the_general_one(tmp_path, monkeypatch):
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    monkeypatch.delenv(INGEST_MEMORY_ENV, raising=False)
    monkeypatch.delenv(TEMP_ENV, raising=False)
    database = tmp_path / "warehouse" / "build.duckdb"
    assert ingest_resources(database).settings() == {"memory_limit": f"{1000**3 // 1024**2}MiB",  # the shipped 1GB
                                                     "temp_directory": str(database.parent / "spill")}
    monkeypatch.setenv(INGEST_MEMORY_ENV, "300MiB")
    assert ingest_resources(database).memory_limit == "300MiB"
    monkeypatch.setenv(MEMORY_ENV, "200MiB")  # a smaller general limit wins
    assert ingest_resources(database).memory_limit == "200MiB"
    monkeypatch.setenv(INGEST_MEMORY_ENV, "plenty")
    with pytest.raises(ConfigFileError, match=INGEST_MEMORY_ENV):
        ingest_resources(database)


def test_a_dbt_build_goes_on_after_a_model_spilled(tmp_path, monkeypatch):
    """The nodes after one that spilled still connect: dbt-duckdb applies the profile's `settings` on
    every node's cursor, and DuckDB refuses to set the temp directory again (even to the same folder)
    once it holds a spill file; the profile sets it once, when the warehouse opens."""
    monkeypatch.setenv(MEMORY_ENV, "64MiB")
    monkeypatch.delenv(TEMP_ENV, raising=False)
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copy(DBT_PROJECT_DIR / "profiles.yml", project / "profiles.yml")  # the profile under test
    (project / "dbt_project.yml").write_text(
        "name: spill_probe\nversion: '1.0'\nprofile: customer_warehouse\nmodel-paths: [models]\n")
    (project / "models" / "a_sorted.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select v from (select repeat('x', 40) || range::varchar as v from range(3000000)) order by v")
    (project / "models" / "b_after.sql").write_text(
        "{{ config(materialized='table') }}\nselect count(*) as rows from {{ ref('a_sorted') }}")
    (project / "models" / "c_after.sql").write_text(
        "{{ config(materialized='table') }}\nselect rows from {{ ref('b_after') }}")
    warehouse = tmp_path / "warehouse" / "build.duckdb"
    warehouse.parent.mkdir()
    result = invoke_dbt(DbtPlace.beside(warehouse, tmp_path / "dbt", project), ["run", "--threads", "1"])
    assert result.success, result.failures + result.errors
    assert result.counts == {"success": 3}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select rows from main.c_after").fetchone() == (3_000_000,)
