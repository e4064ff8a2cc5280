"""Incremental builds equal a full refresh, row for row, and `as_of` reproduces the past."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.as_of import parse_as_of
from tests.transformations.conftest import (
    BACK_TEST_AS_OF,
    FACT_TABLES,
    INCREMENTAL_FACTS,
    TransformationsDemo,
    query,
)


def difference(left: Path, right: Path, table: str) -> tuple[int, int, int, int]:
    """(rows left, rows right, rows only left, rows only right) of ``marts.<table>`` in two warehouses."""
    rows = query(left, f"""
        attach '{right}' as other (read_only);
        select
            (select count(*) from marts.{table}),
            (select count(*) from other.marts.{table}),
            (select count(*) from (select * from marts.{table} except all select * from other.marts.{table})),
            (select count(*) from (select * from other.marts.{table} except all select * from marts.{table}))
    """)
    return rows[0]


def test_the_incremental_build_passes(demo: TransformationsDemo) -> None:
    build = demo.incremental_build
    assert build.success, build.failures
    assert build.counts.get("fail", 0) == 0 and build.counts.get("error", 0) == 0
    assert build.counts.get("pass", 0) > 100  # data and unit tests ran


def test_the_second_build_was_incremental(demo: TransformationsDemo) -> None:
    # Rows planted far outside the lookback window survive an incremental build only.
    assert demo.sentinels_kept == {"fct_events": True, "fct_orders": True}


@pytest.mark.parametrize("table", FACT_TABLES)
def test_incremental_equals_full_refresh(demo: TransformationsDemo, table: str) -> None:
    left_rows, right_rows, only_incremental, only_full = difference(demo.incremental.build_db, demo.full.build_db,
                                                                    table)
    assert left_rows > 0
    assert (left_rows, only_incremental, only_full) == (right_rows, 0, 0)


@pytest.mark.parametrize("table", INCREMENTAL_FACTS)
def test_back_test_incremental_equals_full_refresh(demo: TransformationsDemo, table: str) -> None:
    left_rows, right_rows, only_incremental, only_full = difference(
        demo.back_incremental.build_db, demo.back_full.build_db, table)
    assert left_rows > 0
    assert (left_rows, only_incremental, only_full) == (right_rows, 0, 0)


def test_back_test_reproduces_past_events(demo: TransformationsDemo) -> None:
    """Events up to an earlier `as_of` (a date: the end of that day) are exactly the current events up to then."""
    cutoff = f"timestamp '{parse_as_of(BACK_TEST_AS_OF).isoformat(sep=' ')}'"
    assert query(demo.back_full.build_db, "select max(occurred_at) from marts.fct_events")[0][0] <= \
        query(demo.back_full.build_db, f"select {cutoff}")[0][0]
    rows = query(demo.back_full.build_db, f"""
        attach '{demo.full.build_db}' as current_state (read_only);
        select
            (select count(*) from marts.fct_events),
            (select count(*) from (
                select * from marts.fct_events
                except all
                select * from current_state.marts.fct_events where occurred_at <= {cutoff}
            )),
            (select count(*) from (
                select * from current_state.marts.fct_events where occurred_at <= {cutoff}
                except all
                select * from marts.fct_events
            ))
    """)[0]
    assert rows[0] > 0 and rows[1:] == (0, 0)
    orders_after = query(demo.back_full.build_db, f"""
        select count(*) from marts.fct_orders
        where ordered_at > {cutoff} or fulfilled_at > {cutoff} or last_refunded_at > {cutoff}
    """)[0][0]
    assert orders_after == 0
