"""Frames judged in worker processes: the same outcomes as in the check step's own process."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.config import ConfigFileError
from expectations import judging, runner
from expectations.landing import table_rules
from tests.expectations.shop_contract import TABLE


def _warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A raw table with broken rows spread over many frames: duplicates, bad e-mails, dates and amounts."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw_shop")
    con.execute("""
        create table raw_shop.customers as
        select case when i % 97 = 0 then i - 1 when i % 89 = 0 then null else i end as id,
               case when i % 13 = 0 then 'person' || i else 'p' || i || '@x.io' end as email,
               case when i % 31 = 0 then 'yesterday' else '2025-01-02T03:04:05Z' end as updated_at,
               case when i % 41 = 0 then '-1' else '2.50' end as total,
               '1' as _cdw_loaded_at
        from range(1, 2001) as r(i)""")
    return con


def _outcomes(report: runner.CheckReport) -> list[tuple]:
    return [(o.rule.key, o.success, o.element_count, o.unexpected_count, o.examples, o.observed_value, o.error)
            for o in report.outcomes]


def _config(tmp_path: Path, monkeypatch, workers: str, min_rows: int = 0) -> None:
    config = tmp_path / f"warehouse_{workers}_{min_rows}.yml"  # settings are read once per file
    config.write_text(f"checks:\n  workers: {workers}\n  parallel_min_rows: {min_rows}\n")
    monkeypatch.setenv("CDW_WAREHOUSE_CONFIG", str(config))
    monkeypatch.delenv(judging.WORKERS_ENV, raising=False)


def test_worker_processes_give_the_outcomes_of_one_process_and_a_dead_worker_loses_no_frame(tmp_path, monkeypatch,
                                                                                           caplog):
    """Frames of 150 rows and buckets of 300 keys, judged in two spawned workers: every count and example
    is the one-process result. Then the workers are killed mid-check: the frames they held are judged
    in the check's own process, and the outcomes are still the same."""
    monkeypatch.setattr(runner, "CHUNK_ROWS", 150)
    monkeypatch.setattr(runner, "BUCKET_ROWS", 300)
    con = _warehouse(tmp_path)
    rules = table_rules(TABLE)
    _config(tmp_path, monkeypatch, "0")
    alone = runner.validate_rules(con, rules, run_id="alone")
    assert len(alone.blocking_failures) == 5  # duplicates, a null id, e-mails, dates, amounts
    _config(tmp_path, monkeypatch, "2")
    assert judging.check_workers(2000) == 2
    shared = runner.validate_rules(con, rules, run_id="shared")
    assert _outcomes(shared) == _outcomes(alone)
    leftover = f"select count(*) from duckdb_tables() where table_name = '{runner.BUCKETED}'"
    assert con.execute(leftover).fetchall() == [(0,)]  # the buckets' temporary table is dropped

    judge = judging.WorkerJudge(2)
    try:
        frame = con.sql("select id, email from raw_shop.customers").to_arrow_table()
        email_rule = next(r for r in rules if r.name == "expect_column_values_to_match_regex(email)")
        got: list[list[dict]] = []
        judge.submit(frame, [email_rule], ("id",), got.append)
        judge.finish()
        for process in list(judge._pool._processes.values()):
            process.kill()
            process.join()
        for rows in (100, 200, 300, 2000):
            judge.submit(frame.slice(0, rows), [email_rule], ("id",), got.append)
        judge.finish()
    finally:
        judge.close()
    assert "a check worker process died" in caplog.text
    # every 13th e-mail is bad: each frame's count, in the order the frames were handed out
    assert [raws[0]["result"]["unexpected_count"] for raws in got] == [153, 7, 15, 23, 153]
    assert got[-1] == got[0]


def test_small_checks_stay_in_one_process_and_a_bad_setting_says_where(tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, "auto", min_rows=1_000_000)
    assert judging.check_workers(999_999) == 0
    cores = judging.os.cpu_count() or 1
    assert judging.check_workers(1_000_000) == (min(cores, 4) if cores > 1 else 0)
    monkeypatch.setenv(judging.WORKERS_ENV, "1")
    assert judging.check_workers(10**9) == 0
    monkeypatch.setenv(judging.WORKERS_ENV, "many")
    with pytest.raises(ConfigFileError, match=r"\$CDW_CHECK_WORKERS"):
        judging.check_workers(10**9)
