"""A table larger than a batch lands in batches, exactly as it lands in one.

The landing reader reads each file, checks it and hands its rows to dlt ``BATCH_ROWS`` rows at a
time, so its memory does not grow with the files. Here the batch is 7 rows and a table is several
times that: every row and count must be what the same files give in a single batch (newest
version per key across batches and files, stale rows, the last delivery of a quarantined row, an
extra column typed in one file and empty in another), Python must never hold more than a batch,
and loading again must add nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

import ingestion.landing_source as landing_source
import ingestion.landing_work as landing_work
from ingestion.load import LoadResult, load_landing
from tests.ingestion.test_crash_safety import snapshot
from tests.ingestion.test_load import user, write_landing

BATCH = 7


def stamp(day: int, hour: int = 0, offset: str = "Z") -> str:
    return f"2024-01-{day:02d}T{hour:02d}:00:00{offset}"


def first_file() -> list[dict[str, Any]]:
    """55 rows: 30 keys, newer and older versions further down, exact repeats, ties on the cursor
    (the later row wins), dirty rows (one twice, batches apart); ``nickname`` is always empty
    (Arrow type ``null``)."""
    rows = [user(92, name="bad", email="x(at)example.com", nickname=None)]
    rows += [user(k, stamp(2), name=f"u{k} v1", nickname=None) for k in range(1, 31)]
    rows += [user(k, stamp(3, 1, "+02:00"), name=f"u{k} v2", nickname=None) for k in range(1, 11)]  # newer, later
    rows += [user(k, stamp(1), name=f"u{k} v0", nickname=None) for k in range(11, 16)]  # older, later
    rows += [user(k, stamp(2), name=f"u{k} v1", nickname=None) for k in range(16, 19)]  # exact repeats
    rows += [user(k, stamp(2), name=f"u{k} tie later", nickname=None) for k in (19, 20)]  # same cursor, later
    rows += [user(None, name="no id", nickname=None), user(None, name="no id either", nickname=None)]
    rows += [user(90 + k, name="bad", email="x(at)example.com", nickname=None) for k in (1, 2)]
    return rows


def second_file() -> list[dict[str, Any]]:
    """26 rows a later delivery brings: newer versions, stale ones, new keys, ``nickname`` as text."""
    rows = [user(k, stamp(9), name=f"u{k} v3", nickname=f"n{k}") for k in range(1, 6)]  # replace
    rows += [user(k, stamp(1, 12), name=f"u{k} stale", nickname=None) for k in range(6, 11)]  # older than landed
    rows += [user(k, stamp(9), name=f"u{k} new", nickname=f"n{k}") for k in range(31, 46)]
    rows.append(user(92, name="bad", email="x(at)example.com", nickname=None))  # the same dirty row again
    return rows


class Spy:
    """Sizes of the Arrow batches the reader checked and handed to dlt."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.checked: list[int] = []
        self.handed: list[int] = []
        check, check_into = landing_source.check_batch, landing_source.check_into
        stamped = landing_source.with_landed_at

        def check_batch(batch: pa.Table, *args: Any, **kwargs: Any) -> Any:
            self.checked.append(batch.num_rows)
            return check(batch, *args, **kwargs)

        def check_into_work(con: Any, batch: pa.Table, *args: Any, **kwargs: Any) -> Any:
            self.checked.append(batch.num_rows)
            return check_into(con, batch, *args, **kwargs)

        def with_landed_at(rows: pa.Table, *args: Any) -> pa.Table:
            self.handed.append(rows.num_rows)
            return stamped(rows, *args)

        monkeypatch.setattr(landing_source, "check_batch", check_batch)
        monkeypatch.setattr(landing_source, "check_into", check_into_work)
        monkeypatch.setattr(landing_source, "with_landed_at", with_landed_at)


def counts(result: LoadResult) -> dict[str, Any]:
    """Everything a load reports, less what names the run (seconds, load ids)."""
    figures = result.to_dict()
    for volatile in ("seconds", "system_seconds", "load_ids", "resumed_packages"):
        figures.pop(volatile)
    return figures


def run_all(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, list[str]]]]:
    """Load the first file; drop the second and load; load both again, forced (one run reducing both
    files together). The results, and the warehouse's rows after each."""
    landing, warehouse, pipelines = root / "landing", root / "build.duckdb", root / "dlt"
    results, snapshots = [], []
    for step in ("first", "second", "forced"):
        if step == "first":
            write_landing(landing, "zendesk", "users", first_file())
        if step == "second":
            write_landing(landing, "zendesk", "users", second_file(), name="2024-06-01.parquet")
        results.append(counts(load_landing(landing, warehouse, pipelines, force=step == "forced")))
        snapshots.append(snapshot(warehouse))
    return results, snapshots


def test_a_table_larger_than_a_batch_lands_as_in_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole_results, whole_snapshots = run_all(tmp_path / "whole")

    monkeypatch.setattr(landing_work, "BATCH_ROWS", BATCH)
    spy = Spy(monkeypatch)
    results, snapshots = run_all(tmp_path / "batched")

    assert results == whole_results
    assert snapshots == whole_snapshots
    first, second, forced = results
    assert first["rows_read"] == 55 and first["landed"] == {"raw_zendesk.users": 30}
    assert first["superseded"] == {"raw_zendesk.users": 20}  # 10 older, 5 older later on, 3 repeats, 2 ties
    assert first["quarantined"] == {"raw_zendesk.users": {"malformed email in email": 2, "missing required id": 2}}
    assert second["landed"] == {"raw_zendesk.users": 20} and second["stale"] == {"raw_zendesk.users": 5}
    assert second["extra_columns"] == {"raw_zendesk.users": ["nickname"]}
    assert second["table_rows"] == {"raw_zendesk.users": 45, "raw_zendesk.quarantine": 4}
    assert forced["rows_read"] == 55 + 26 and forced["landed"] == {"raw_zendesk.users": 45}
    assert snapshots[2] == snapshots[1]  # reprocessing everything changes nothing
    # Python held at most a batch: every file was checked, and every table handed to dlt, in pieces
    assert max(spy.checked) == BATCH and sum(spy.checked) == 2 * 55 + 2 * 26
    assert max(spy.handed) <= BATCH and sum(spy.handed) == 30 + 20 + 45 and len(spy.handed) >= 14
    warehouse = tmp_path / "batched" / "build.duckdb"
    names = dict(_query(warehouse, "SELECT id, name FROM raw_zendesk.users WHERE id IN (1, 6, 11, 16, 19, 31)"))
    assert names == {1: "u1 v3", 6: "u6 v2", 11: "u11 v1", 16: "u16 v1", 19: "u19 tie later", 31: "u31 new"}
    assert _query(warehouse, "SELECT source_file FROM raw_zendesk.quarantine WHERE payload LIKE '%\"id\":92%'") == [
        ("zendesk/users/2024-06-01.parquet",)]  # the last delivery of a rejected row

    again = counts(load_landing(tmp_path / "batched" / "landing", warehouse, tmp_path / "batched" / "dlt"))
    assert again["rows_read"] == 0 and again["rows_landed"] == 0 and len(again["files_skipped"]) == 2
    assert snapshot(warehouse) == whole_snapshots[-1]
    spill = warehouse.parent / "spill"
    assert not spill.exists() or list(spill.iterdir()) == []  # no copy of the rows left


def _query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()
