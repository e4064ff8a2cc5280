"""The SQL purchase summary equals an independent pandas recomputation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from clv.summary import build_summary

AS_OF = date(2024, 6, 30)


def synthetic_transactions(seed: int = 7, customers: int = 300) -> pd.DataFrame:
    """Orders with timestamps (several per day for some customers), some after as_of.

    Revenues are multiples of 0.25 so every sum and mean is exact in binary floating point,
    whatever the summation order.
    """
    rng = np.random.default_rng(seed)
    rows = []
    start = datetime(2023, 1, 1)
    for customer in range(customers):
        n_orders = int(rng.integers(1, 12))
        first_day = int(rng.integers(0, 600))
        for _ in range(n_orders):
            day = first_day + int(rng.integers(0, 40)) * int(rng.integers(0, 4))
            ordered_at = start + timedelta(days=day, hours=int(rng.integers(0, 24)), minutes=int(rng.integers(0, 60)))
            rows.append((f"c{customer:04d}", ordered_at, float(rng.integers(1, 800)) * 0.25))
    return pd.DataFrame(rows, columns=["customer_id", "ordered_at", "revenue"])


def pandas_summary(tx: pd.DataFrame, as_of: date, unit_days: float) -> pd.DataFrame:
    """Reference: purchase days on or before as_of; repeat days; mean revenue of repeat days."""
    tx = tx.assign(purchase_date=pd.to_datetime(tx["ordered_at"]).dt.normalize())
    tx = tx[tx["purchase_date"] <= pd.Timestamp(as_of)]
    days = tx.groupby(["customer_id", "purchase_date"], as_index=False)["revenue"].sum()
    days = days.sort_values(["customer_id", "purchase_date"])
    rows = []
    for customer_id, group in days.groupby("customer_id"):
        first, last = group["purchase_date"].min(), group["purchase_date"].max()
        repeat = group[group["purchase_date"] > first]["revenue"]
        rows.append(
            {
                "customer_id": customer_id,
                "repeat_purchases": float(len(group) - 1),
                "purchase_span_periods": float((last - first).days) / unit_days,
                "customer_age_periods": float((pd.Timestamp(as_of) - first).days) / unit_days,
                "average_repeat_value": float(repeat.mean()) if len(repeat) else 0.0,
            }
        )
    return pd.DataFrame(rows).sort_values("customer_id").reset_index(drop=True)


@pytest.mark.parametrize(("time_unit", "unit_days"), [("D", 1.0), ("W", 7.0)])
def test_sql_summary_equals_pandas(time_unit: str, unit_days: float) -> None:
    tx = synthetic_transactions()
    con = duckdb.connect()
    con.register("tx", tx)
    got = (
        build_summary(con, "select customer_id, ordered_at, revenue from tx", AS_OF, time_unit)
        .to_pandas()
        .reset_index(drop=True)
    )
    expected = pandas_summary(tx, AS_OF, unit_days)
    assert got.shape[0] > 100 and (got["repeat_purchases"] > 0).sum() > 50  # a meaningful sample
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)


def test_same_day_orders_are_one_purchase_and_later_orders_ignored() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 3],
            "ordered_at": [
                datetime(2024, 1, 1, 9),
                datetime(2024, 1, 1, 18),  # same day: one purchase, revenue summed
                datetime(2024, 1, 15, 12),
                datetime(2024, 7, 1, 12),  # after as_of: ignored
                datetime(2024, 6, 30, 23, 59),  # on as_of: counted
                datetime(2024, 7, 2),  # only after as_of: customer absent
            ],
            "revenue": [10.0, 5.0, 20.0, 99.0, 7.0, 1.0],
        }
    )
    con = duckdb.connect()
    con.register("tx", tx)
    got = build_summary(con, "select * from tx", AS_OF, "D").to_pylist()
    assert got == [
        {"customer_id": 1, "repeat_purchases": 1.0, "purchase_span_periods": 14.0, "customer_age_periods": 181.0,
         "average_repeat_value": 20.0},
        {"customer_id": 2, "repeat_purchases": 0.0, "purchase_span_periods": 0.0, "customer_age_periods": 0.0,
         "average_repeat_value": 0.0},
    ]


def test_unknown_time_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match="time_unit"):
        build_summary(
            duckdb.connect(), "select 1 as customer_id, current_date as ordered_at, 1.0 as revenue", AS_OF, "M"
        )
