"""Contract checks: every rule, the reasons, the quarantine id and payload, broken batches."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from core.contracts import Table, all_tables, load_contracts
from ingestion.contract_check import QUARANTINE_SCHEMA, check_batch
from ingestion.errors import LandingFileError

USERS = load_contracts()["zendesk"].table("users")
ORDERS = load_contracts()["shopify"].table("orders")
STAMP = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def users(**overrides: list) -> pa.Table:
    """A zendesk users batch of valid rows (one per value in ``id``), columns overridable."""
    columns: dict[str, list] = {
        "id": [1, 2, 3],
        "email": ["ann@example.com", "Bob.Smith+tag@mail.example.co.uk", None],
        "created_at": ["2024-01-01T10:00:00Z", "2024-01-02T10:00:00+02:00", "2024-01-03 10:00:00"],
        "updated_at": ["2024-01-05T10:00:00Z", "2024-01-05T10:00:00.123456-05:00", "2024-01-05"],
    }
    columns.update(overrides)
    return pa.table(columns)


def check(batch: pa.Table, table: Table = USERS, source_file: str = "zendesk/users.parquet"):
    return check_batch(batch, table, source_file=source_file, quarantined_at=STAMP)


def reasons_of(batch: pa.Table, table: Table = USERS) -> list[str]:
    return check(batch, table).quarantine["reason"].to_pylist()


def valid_value(column) -> object:
    """A value that satisfies a contract column's type and rules."""
    if column.format == "email":
        return "someone@example.com"
    if column.format == "timestamp":
        return "2024-05-01T12:00:00Z"
    if column.format == "decimal":
        return "12.50"
    return {"text": "x", "bigint": 7, "double": 1.5, "boolean": True}[column.type]


def test_valid_rows_pass_typed_and_unchanged() -> None:
    result = check(users())
    assert result.quarantine.num_rows == 0
    assert result.valid.num_rows == 3
    assert result.valid.column_names[: len(USERS.columns)] == list(USERS.column_names)
    assert result.valid["id"].type == pa.int64()
    assert result.valid["active"].type == pa.bool_()  # absent optional column, typed nulls
    assert result.valid["active"].null_count == 3
    assert result.valid["updated_at"].to_pylist() == users()["updated_at"].to_pylist()  # landed as sent
    assert "phone" in result.absent_columns


@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.qualified_name)
def test_a_fully_valid_row_passes_every_contract_table(table: Table) -> None:
    batch = pa.table({c.name: pa.array([valid_value(c)]) for c in table.columns})
    result = check(batch, table, source_file=f"{table.system}/{table.name}.parquet")
    assert result.quarantine.num_rows == 0, result.quarantine["reason"].to_pylist()
    assert result.valid.num_rows == 1


@pytest.mark.parametrize("value", [None, "", "   "])
def test_required_text_must_be_present_and_non_blank(value: str | None) -> None:
    batch = users(created_at=["2024-01-01T10:00:00Z", value, "2024-01-01T10:00:00Z"])
    assert reasons_of(batch) == ["missing required created_at"]


def test_required_key_must_be_present() -> None:
    assert reasons_of(users(id=[1, None, 3])) == ["missing required id"]


@pytest.mark.parametrize(
    "email",
    ["ann.example.com", "ann@", "@example.com", "ann@example", "ann smith@example.com", "ann@@example.com",
     "ann@example..com", "ann@example.123", "ann.@example.com", "ann@shop.local"],
)
def test_malformed_email_is_quarantined(email: str) -> None:
    assert reasons_of(users(email=["ok@example.com", email, None])) == ["malformed email in email"]


@pytest.mark.parametrize("email", ["a@b.co", "first.last+x@sub.example.travel", " padded@example.com ",
                                   "0f3a9c@marketplace.amazon.com", ""])
def test_well_formed_or_blank_email_passes(email: str) -> None:
    assert reasons_of(users(email=[email, None, None])) == []


@pytest.mark.parametrize(
    "stamp",
    ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00-0530", "2024-01-01 10:00:00",
     "2024-01-01T10:00", "2024-01-01", "2024-01-01T10:00:00.123456789Z"],
)
def test_iso_8601_timestamps_pass(stamp: str) -> None:
    assert reasons_of(users(updated_at=[stamp] * 3)) == []


@pytest.mark.parametrize(
    "stamp", ["01/02/2024", "2024-13-01T00:00:00Z", "2024-02-30", "yesterday", "2024-01-01T25:00:00Z",
              "1704103200", "2024-01-01T10:00:00 Europe/Paris"],
)
def test_malformed_timestamp_is_quarantined(stamp: str) -> None:
    batch = users(updated_at=["2024-01-01T10:00:00Z", stamp, "2024-01-01T10:00:00Z"])
    assert reasons_of(batch) == ["malformed timestamp in updated_at"]


def orders(**overrides: list) -> pa.Table:
    columns: dict[str, list] = {
        "id": [1, 2],
        "created_at": ["2024-01-01T10:00:00Z"] * 2,
        "updated_at": ["2024-01-01T10:00:00Z"] * 2,
        "currency": ["EUR", "USD"],
        "subtotal_price": ["10.00", "0"],
        "total_price": ["12.5", "1e2"],
    }
    columns.update(overrides)
    return pa.table(columns)


def test_decimal_and_min_rules() -> None:
    assert reasons_of(orders(), ORDERS) == []
    assert reasons_of(orders(total_price=["12,50", "1.0"]), ORDERS) == ["malformed decimal in total_price"]
    assert reasons_of(orders(total_discounts=["-0.01", "0.00"]), ORDERS) == ["below minimum 0 in total_discounts"]


def test_min_on_integer_columns() -> None:
    items = load_contracts()["shopify"].table("orders__line_items")
    batch = pa.table({"id": [1, 2], "order_id": [9, 9], "quantity": [0, -1], "price": ["1.00", "1.00"]})
    assert reasons_of(batch, items) == ["below minimum 0 in quantity"]
    feedback = load_contracts()["amazon"].table("feedback")
    batch = pa.table({"order_id": ["a", "b"], "date": ["2024-01-01"] * 2, "rating": [1, 0]})
    assert reasons_of(batch, feedback) == ["below minimum 1 in rating"]


def test_values_that_cannot_take_the_landed_type_are_quarantined() -> None:
    batch = users(id=["1", "two", " 3 "], organization_id=["10", "1.5", None])
    result = check(batch)
    assert result.quarantine["reason"].to_pylist() == ["invalid bigint in id; invalid bigint in organization_id"]
    assert result.valid["id"].to_pylist() == [1, 3]
    assert result.valid["organization_id"].to_pylist() == [10, None]


def test_all_broken_rules_are_listed_in_contract_order() -> None:
    batch = users(id=[None, 2, 3], email=["not-an-email", None, None],
                  updated_at=["soon", "2024-01-01", "2024-01-01"])
    assert reasons_of(batch) == ["missing required id; malformed email in email; malformed timestamp in updated_at"]


def test_quarantine_row_carries_payload_source_and_time() -> None:
    batch = users(email=["  not-an-email ", None, None], extra_field=["kept", "x", "y"])
    row = check(batch).quarantine.to_pylist()[0]
    assert check(batch).quarantine.schema == QUARANTINE_SCHEMA
    assert row["system"] == "zendesk" and row["table_name"] == "users"
    assert row["source_file"] == "zendesk/users.parquet"
    assert row["quarantined_at"] == STAMP
    payload = json.loads(row["payload"])
    assert payload == {"id": 1, "email": "  not-an-email ", "created_at": "2024-01-01T10:00:00Z",
                       "updated_at": "2024-01-05T10:00:00Z", "extra_field": "kept"}
    assert list(payload) == sorted(payload)  # canonical: keys sorted


def test_quarantine_id_is_stable_per_system_table_and_row() -> None:
    batch = users(email=["bad", "bad", None], id=[1, 1, 3], created_at=["2024-01-01"] * 3,
                  updated_at=["2024-01-01"] * 3)
    first = check(batch).quarantine["quarantine_id"].to_pylist()
    assert len(first) == 2 and first[0] == first[1]  # the same bad row twice: one id
    elsewhere = check(batch, source_file="zendesk/users/2024-02-01.parquet").quarantine["quarantine_id"]
    assert elsewhere.to_pylist() == first  # redelivered in another file: same id
    reordered = batch.select(list(reversed(batch.column_names)))
    assert check(reordered).quarantine["quarantine_id"].to_pylist() == first  # column order does not matter
    other = check_batch(batch, load_contracts()["shopify"].table("customers"), source_file="x.parquet")
    assert other.quarantine["quarantine_id"][0].as_py() != first[0]


def test_no_row_is_lost_or_doubled() -> None:
    batch = users(id=[1, None, 3], email=["a@b.co", "bad", "also bad"])
    result = check(batch)
    assert result.valid.num_rows + result.quarantine.num_rows == batch.num_rows
    assert result.valid["id"].to_pylist() == [1]


def test_extra_columns_are_kept_and_reported() -> None:
    result = check(users(shoe_size=[40, 41, 42]))
    assert result.extra_columns == ("shoe_size",)
    assert result.valid["shoe_size"].to_pylist() == [40, 41, 42]


def test_missing_required_column_rejects_the_batch_naming_file_and_column() -> None:
    batch = users().drop_columns(["created_at"])
    with pytest.raises(LandingFileError) as error:
        check(batch, source_file="zendesk/users.parquet")
    assert "zendesk/users.parquet" in str(error.value)
    assert "created_at" in str(error.value)


def test_empty_batch() -> None:
    result = check(users().slice(0, 0))
    assert result.valid.num_rows == 0 and result.quarantine.num_rows == 0


def test_large_batch_is_checked_set_based_and_fast() -> None:
    n = 300_000
    ids = pa.array(range(n), pa.int64())
    batch = pa.table({
        "id": ids,
        "email": pa.array(["someone@example.com", "broken"] * (n // 2)),
        "created_at": pa.array(["2024-01-01T10:00:00Z"] * n),
        "updated_at": pa.array(["2024-01-02T10:00:00+01:00"] * n),
    })
    started = time.perf_counter()
    result = check(batch)
    elapsed = time.perf_counter() - started
    assert result.valid.num_rows == n // 2 and result.quarantine.num_rows == n // 2
    assert elapsed < 10, f"{elapsed:.1f} s for {n} rows"
