"""Loading landing files with real dlt runs into real DuckDB files: merge, skip, force, quarantine, errors."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.contracts import load_contracts
from ingestion.contract_check import ARROW_TYPES
from ingestion.errors import LandingFileError
from ingestion.landing_source import landing_source
from ingestion.load import LoadResult, load_landing, make_pipeline

CONTRACTS = load_contracts()
T0 = "2024-01-01T00:00:00Z"


def vendor_name(landed: str) -> str:
    """The vendor's spelling of a landed name (``order_total__amount`` -> ``OrderTotal__Amount``)."""
    return "__".join("".join(w.capitalize() for w in part.split("_")) for part in landed.split("__"))


def write_landing(landing: Path, system: str, table: str, rows: list[dict[str, Any]], *, name: str | None = None,
                  names: dict[str, str] | None = None) -> Path:
    """Write ``rows`` (landed names) as a vendor Parquet file: ``<system>/<table>.parquet`` or ``<table>/<name>``."""
    contract = CONTRACTS[system].table(table)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    names = names or {}
    fields = []
    for column in columns:
        kind = ARROW_TYPES[contract.column(column).type] if column in contract.column_names else None
        values = pa.array([row.get(column) for row in rows], kind)
        fields.append((names.get(column, vendor_name(column)), values))
    path = landing / system / (f"{table}.parquet" if name is None else f"{table}/{name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(dict(fields)), path)
    return path


def user(id: int | None, updated_at: str = T0, **values: Any) -> dict[str, Any]:
    return {"id": id, "name": None, "email": None, "created_at": T0, "updated_at": updated_at, **values}


USERS = [
    user(1, "2024-01-01T00:00:00Z", name="Ann v1"),
    user(1, "2024-01-02T00:00:00+02:00", name="Ann v2"),  # newer version later in the file
    user(2, "2024-03-01T00:00:00Z", name="Bob new"),  # newest version first in the file
    user(2, "2024-02-01T00:00:00Z", name="Bob old"),
    user(3, name="Cy", email="cy@example.com"),
    user(3, name="Cy", email="cy@example.com"),  # exact duplicate delivery
    user(6, "2024-01-02T01:00:00Z", name="Dee text-later"),  # sorts later as text, but is older
    user(6, "2024-01-01T23:00:00-05:00", name="Dee newest"),
    user(None, name="No id"),  # dirty: missing required id
    user(5, name="Eve", email="eve(at)example.com"),  # dirty: malformed email
    user(5, name="Eve", email="eve(at)example.com"),  # the same dirty row delivered twice
]
TICKETS = [
    {"id": 10, "status": "open", "requester_id": 1, "via__channel": "email", "created_at": T0, "updated_at": T0},
    {"id": 11, "status": "", "requester_id": 2, "created_at": T0, "updated_at": T0},  # dirty: blank status
]
MEMBERS = [
    {"list_id": "L1", "profile_id": "P1", "joined_group_at": "2024-01-01T00:00:00Z"},
    {"list_id": "L1", "profile_id": "P2", "joined_group_at": "2024-01-01T00:00:00Z"},
    {"list_id": "L2", "profile_id": "P1", "joined_group_at": "2024-01-01T00:00:00Z"},
    {"list_id": "L1", "profile_id": "P1", "joined_group_at": "2024-01-01T00:00:00Z"},
]
LINE_ITEMS = [  # no cursor: the last delivered version wins
    {"id": 100, "order_id": 1, "quantity": 1, "price": "10.00", "title": "first"},
    {"id": 100, "order_id": 1, "quantity": 2, "price": "10.00", "title": "second"},
    {"id": 101, "order_id": 1, "quantity": -1, "price": "3.00", "title": "dirty"},
]
FEEDBACK = [
    {"order_id": "111-1", "date": "2024-01-05", "rating": 5, "rater_email": "x1@marketplace.amazon.com"},
    {"order_id": "111-2", "date": "2024-01-06", "rating": 4, "rater_email": None},
]
FEEDBACK_NAMES = {"order_id": "Order ID", "date": "Date", "rating": "Rating", "rater_email": "Rater Email"}


@dataclass
class Setup:
    landing: Path
    warehouse: Path
    pipelines: Path

    def load(self, **kwargs: Any) -> LoadResult:
        return load_landing(self.landing, self.warehouse, self.pipelines, **kwargs)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def counts(self) -> dict[str, int]:
        """Rows of every raw table in the warehouse (dlt's own and staging tables left out)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                                 "WHERE schema_name LIKE 'raw_%' AND schema_name NOT LIKE '%_staging' "
                                 "AND table_name NOT LIKE '_dlt%'").fetchall()
            return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchall()[0][0]
                    for s, t in tables}


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    landing = tmp_path / "landing"
    write_landing(landing, "zendesk", "users", USERS)
    write_landing(landing, "zendesk", "tickets", TICKETS, names={"requester_id": "requester-id"})
    write_landing(landing, "klaviyo", "list_members", MEMBERS)
    write_landing(landing, "shopify", "orders__line_items", LINE_ITEMS)
    write_landing(landing, "amazon", "feedback", FEEDBACK, names=FEEDBACK_NAMES)
    return Setup(landing, tmp_path / "warehouse" / "build.duckdb", tmp_path / "dlt")


EXPECTED_COUNTS = {
    "raw_zendesk.users": 4,
    "raw_zendesk.tickets": 1,
    "raw_zendesk.quarantine": 3,
    "raw_klaviyo.list_members": 3,
    "raw_shopify.orders__line_items": 1,
    "raw_shopify.quarantine": 1,
    "raw_amazon.feedback": 2,
}


@pytest.mark.parametrize("system", sorted(CONTRACTS))
def test_resources_declare_tables_keys_cursor_and_contract(system: str) -> None:
    source = landing_source(CONTRACTS[system], Path("/nowhere"))
    assert source.name == system
    assert list(source.resources) == [*(t.name for t in CONTRACTS[system].tables), "quarantine"]
    for table in CONTRACTS[system].tables:
        schema = source.resources[table.name].compute_table_schema()
        assert schema["write_disposition"] == "merge" and schema["x-merge-strategy"] == "delete-insert"
        assert schema["schema_contract"] == {"tables": "evolve", "columns": "evolve", "data_type": "freeze"}
        keys = [name for name, column in schema["columns"].items() if column.get("primary_key")]
        assert keys == list(table.primary_key)
        sort = {name: column["dedup_sort"] for name, column in schema["columns"].items() if column.get("dedup_sort")}
        assert sort == ({table.cursor: "desc"} if table.cursor else {})
    quarantine = source.resources["quarantine"].compute_table_schema()
    assert [n for n, c in quarantine["columns"].items() if c.get("primary_key")] == ["quarantine_id"]


def test_first_load_lands_each_key_once_newest_version_wins(setup: Setup) -> None:
    result = setup.load()
    assert setup.counts() == EXPECTED_COUNTS
    assert {k: v for k, v in result.table_rows.items()} == EXPECTED_COUNTS
    names = dict(setup.query("SELECT id, name FROM raw_zendesk.users"))
    assert names == {1: "Ann v2", 2: "Bob new", 3: "Cy", 6: "Dee newest"}
    assert result.landed["raw_zendesk.users"] == 4
    assert result.superseded["raw_zendesk.users"] == 4  # 8 valid rows, 4 keys
    assert setup.query("SELECT title, quantity FROM raw_shopify.orders__line_items") == [("second", 2)]
    assert setup.query("SELECT DISTINCT _cdw_source_file FROM raw_zendesk.users") == [("zendesk/users.parquet",)]
    assert setup.query("SELECT count(*) FROM raw_zendesk.users WHERE _cdw_loaded_at IS NULL") == [(0,)]
    assert setup.query("SELECT requester_id, via__channel FROM raw_zendesk.tickets") == [(1, "email")]
    assert sorted(setup.query("SELECT order_id, rater_email FROM raw_amazon.feedback")) == [
        ("111-1", "x1@marketplace.amazon.com"), ("111-2", None)]
    assert sorted(result.files_loaded) == sorted([
        "amazon/feedback.parquet", "klaviyo/list_members.parquet", "shopify/orders__line_items.parquet",
        "zendesk/tickets.parquet", "zendesk/users.parquet"])


def test_each_dirty_row_is_quarantined_once_with_reason_and_payload(setup: Setup) -> None:
    result = setup.load()
    rows = setup.query("SELECT table_name, reason, payload, source_file FROM raw_zendesk.quarantine "
                       "ORDER BY table_name, reason")
    assert [(t, r) for t, r, _, _ in rows] == [
        ("tickets", "missing required status"),
        ("users", "malformed email in email"),
        ("users", "missing required id"),
    ]
    eve = next(p for _, r, p, _ in rows if r == "malformed email in email")
    assert '"email":"eve(at)example.com"' in eve and '"name":"Eve"' in eve
    assert rows[0][3] == "zendesk/tickets.parquet"
    assert result.quarantined == {
        "raw_zendesk.users": {"malformed email in email": 1, "missing required id": 1},
        "raw_zendesk.tickets": {"missing required status": 1},
        "raw_shopify.orders__line_items": {"below minimum 0 in quantity": 1},
    }
    # no valid row was quarantined: every quarantined payload breaks a rule, every landed key is valid
    assert setup.query("SELECT count(*) FROM raw_zendesk.users WHERE id = 5") == [(0,)]


def test_second_load_skips_loaded_files_and_changes_nothing(setup: Setup) -> None:
    first = setup.load()
    second = setup.load()
    assert setup.counts() == EXPECTED_COUNTS
    assert second.files_loaded == []
    assert sorted(second.files_skipped) == sorted(first.files_loaded)
    assert second.rows_read == 0 and second.rows_landed == 0 and second.rows_quarantined == 0
    assert second.seconds < first.seconds


def test_a_file_is_known_by_its_content_not_its_name(setup: Setup) -> None:
    setup.load(systems=["zendesk"])
    copy = setup.landing / "zendesk" / "users" / "resent.parquet"
    copy.parent.mkdir()
    shutil.copy(setup.landing / "zendesk" / "users.parquet", copy)
    again = setup.load(systems=["zendesk"])
    assert "zendesk/users/resent.parquet" in again.files_skipped and again.rows_read == 0


def test_forced_reload_reprocesses_without_duplicating(setup: Setup) -> None:
    setup.load()
    before = setup.query("SELECT id, name, updated_at FROM raw_zendesk.users ORDER BY id")
    forced = setup.load(force=True)
    assert sorted(forced.files_loaded) == sorted(setup.load().files_skipped)
    assert forced.rows_landed == sum(v for k, v in EXPECTED_COUNTS.items() if not k.endswith("quarantine"))
    assert setup.counts() == EXPECTED_COUNTS
    assert setup.query("SELECT id, name, updated_at FROM raw_zendesk.users ORDER BY id") == before


def test_newer_version_in_a_later_file_replaces_the_old_one(setup: Setup) -> None:
    setup.load()
    write_landing(setup.landing, "zendesk", "users", [
        user(1, "2024-06-01T00:00:00Z", name="Ann v3"),  # newer: replaces
        user(2, "2024-01-15T00:00:00Z", name="Bob stale"),  # older than what landed: kept out
        user(7, name="Gus"),  # new key
        user(5, name="Eve", email="eve(at)example.com"),  # the same dirty row again
    ], name="2024-06-01.parquet")
    result = setup.load()
    assert result.files_loaded == ["zendesk/users/2024-06-01.parquet"]
    assert len(result.files_skipped) == 5
    names = dict(setup.query("SELECT id, name FROM raw_zendesk.users"))
    assert names == {1: "Ann v3", 2: "Bob new", 3: "Cy", 6: "Dee newest", 7: "Gus"}
    assert result.stale["raw_zendesk.users"] == 1
    assert setup.query("SELECT _cdw_source_file FROM raw_zendesk.users WHERE id = 1") == [
        ("zendesk/users/2024-06-01.parquet",)]
    assert setup.counts()["raw_zendesk.quarantine"] == EXPECTED_COUNTS["raw_zendesk.quarantine"]
    assert setup.query("SELECT source_file FROM raw_zendesk.quarantine WHERE reason LIKE 'malformed email%'") == [
        ("zendesk/users/2024-06-01.parquet",)]


def test_files_in_one_run_are_reduced_together_in_delivery_order(tmp_path: Path) -> None:
    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    write_landing(setup.landing, "zendesk", "users", [user(1, T0, name="a")], name="001.parquet")
    write_landing(setup.landing, "zendesk", "users", [user(1, T0, name="b")], name="002.parquet")
    result = setup.load(systems=["zendesk"])
    assert setup.query("SELECT name, _cdw_source_file FROM raw_zendesk.users") == [("b", "zendesk/users/002.parquet")]
    assert result.landed == {"raw_zendesk.users": 1}


def test_not_parquet_file_fails_naming_the_file_and_nothing_of_it_lands(setup: Setup) -> None:
    bad = setup.landing / "zendesk" / "tickets" / "002.parquet"
    bad.parent.mkdir()
    bad.write_text("id,status\n12,open\n")
    with pytest.raises(LandingFileError) as error:
        setup.load(systems=["zendesk"])
    assert str(bad) in str(error.value) and "Parquet" in str(error.value)
    assert not any(k.startswith("raw_zendesk.") for k in _counts_or_empty(setup))
    bad.unlink()
    result = setup.load(systems=["zendesk"])  # once the file is removed, the rest loads normally
    assert result.table_rows["raw_zendesk.users"] == 4


def test_missing_required_column_fails_naming_file_and_column(setup: Setup) -> None:
    setup.load()
    rows = [{k: v for k, v in user(8, name="Hal").items() if k != "updated_at"}]
    path = write_landing(setup.landing, "zendesk", "users", rows, name="broken.parquet")
    with pytest.raises(LandingFileError) as error:
        setup.load()
    assert str(path) in str(error.value) and "updated_at" in str(error.value)
    assert setup.counts() == EXPECTED_COUNTS
    assert setup.query("SELECT count(*) FROM raw_zendesk.users WHERE id = 8") == [(0,)]


def test_nested_vendor_objects_land_flattened(tmp_path: Path) -> None:
    """A Parquet struct (``OrderTotal {CurrencyCode, Amount}``) lands as ``order_total__amount`` etc."""
    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    path = setup.landing / "amazon" / "orders.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({
        "AmazonOrderId": ["111-1", "111-2"],
        "PurchaseDate": [T0, T0],
        "LastUpdateDate": [T0, T0],
        "OrderStatus": ["Shipped", "Shipped"],
        "MarketplaceId": ["A1PA6795UKMFR9"] * 2,
        "OrderTotal": pa.array([{"CurrencyCode": "EUR", "Amount": "19.99"}, {"CurrencyCode": "EUR", "Amount": "-1"}]),
    }), path)
    result = setup.load()
    assert setup.query("SELECT amazon_order_id, order_total__currency_code, order_total__amount "
                       "FROM raw_amazon.orders") == [("111-1", "EUR", "19.99")]
    assert result.quarantined == {"raw_amazon.orders": {"below minimum 0 in order_total__amount": 1}}


def test_an_extra_column_changing_type_fails_naming_the_file(tmp_path: Path) -> None:
    """Schema contract ``data_type: freeze``: no silent variant columns."""
    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    write_landing(setup.landing, "zendesk", "users", [user(1, loyalty_tier="gold")])
    setup.load()
    path = write_landing(setup.landing, "zendesk", "users", [user(2, loyalty_tier=3)], name="b.parquet")
    with pytest.raises(LandingFileError) as error:
        setup.load()
    assert str(path) in str(error.value) and "loyalty_tier" in str(error.value)
    assert setup.query("SELECT id FROM raw_zendesk.users") == [(1,)]


def test_two_vendor_fields_landing_under_one_name_fail(tmp_path: Path) -> None:
    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    path = setup.landing / "zendesk" / "users.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"Id": [1], "id": [2], "CreatedAt": [T0], "UpdatedAt": [T0]}), path)
    with pytest.raises(LandingFileError, match="both land as 'id'"):
        setup.load()


def test_extra_columns_are_kept_and_reported(tmp_path: Path) -> None:
    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    write_landing(setup.landing, "zendesk", "users", [user(1, loyalty_tier="gold")])
    result = setup.load()
    assert result.extra_columns == {"raw_zendesk.users": ["loyalty_tier"]}
    assert setup.query("SELECT loyalty_tier FROM raw_zendesk.users") == [("gold",)]


def test_loaded_files_are_remembered_in_the_warehouse(setup: Setup) -> None:
    setup.load()
    shutil.rmtree(setup.pipelines)  # local dlt working state lost: state comes back from the warehouse
    again = setup.load()
    assert again.files_loaded == [] and again.rows_read == 0
    assert setup.counts() == EXPECTED_COUNTS


def test_files_matching_no_contract_table_are_reported(setup: Setup) -> None:
    (setup.landing / "zendesk" / "organisations.parquet").write_bytes(b"whatever")
    (setup.landing / "zendesk" / "users.csv").write_text("id\n1\n")
    result = setup.load(systems=["zendesk"])
    assert result.files_ignored == ["zendesk/organisations.parquet", "zendesk/users.csv"]
    assert result.table_rows["raw_zendesk.users"] == 4


def test_systems_can_be_chosen(setup: Setup) -> None:
    result = setup.load(systems=["klaviyo"])
    assert set(result.table_rows) == {"raw_klaviyo.list_members"}
    with pytest.raises(ValueError, match="nosuch"):
        setup.load(systems=["nosuch"])


def _counts_or_empty(setup: Setup) -> dict[str, int]:
    return setup.counts() if setup.warehouse.exists() else {}


# -- against the demo generator, once it exists -------------------------------------------------

HAS_GENERATOR = importlib.util.find_spec("demo.generate") is not None


# how each generator defect shows in the quarantine reason
DEFECT_REASONS = {
    "missing_id": "missing required",
    "missing_amount": "missing required",
    "malformed_email": "malformed email",
    "negative_amount": "below minimum",
    "bad_timestamp": "malformed timestamp",
}


@pytest.mark.skipif(not HAS_GENERATOR, reason="demo.generate not written yet")
def test_demo_counts_match_the_generator_truth(tmp_path: Path) -> None:
    """Landed rows == distinct valid keys and quarantine rows == dirty rows, per table and defect."""
    from demo.generate import generate

    setup = Setup(tmp_path / "landing", tmp_path / "wh.duckdb", tmp_path / "dlt")
    generate(setup.landing, tmp_path / "truth", customers=300, seed=7)
    result = setup.load()
    truth = pq.read_table(tmp_path / "truth" / "rows.parquet")
    with duckdb.connect() as con:
        con.register("truth", truth)
        expected_keys = dict(con.execute(
            "SELECT 'raw_' || system || '.' || \"table\", count(DISTINCT record_key) FROM truth "
            "WHERE kind <> 'dirty' GROUP BY ALL").fetchall())
        expected_dirty = sorted(con.execute(
            "SELECT 'raw_' || system, \"table\", defect, count(*) FROM truth WHERE kind = 'dirty' "
            "GROUP BY ALL").fetchall())
    landed = {k: v for k, v in result.table_rows.items() if not k.endswith(".quarantine")}
    assert landed == expected_keys
    quarantined = []
    for schema in sorted({s for s, *_ in expected_dirty}):
        for table, reason, count in setup.query(f"SELECT table_name, reason, count(*) FROM {schema}.quarantine "
                                                "GROUP BY ALL"):
            defect = next(d for d, r in DEFECT_REASONS.items() if reason.startswith(r) and
                          (d not in ("missing_id", "missing_amount") or _is_key_reason(schema, table, reason, d)))
            quarantined.append((schema, table, defect, count))
    assert sorted(_merge(quarantined)) == expected_dirty
    assert setup.load().rows_read == 0


def _is_key_reason(schema: str, table: str, reason: str, defect: str) -> bool:
    """Tell a missing key from a missing amount by the column the reason names."""
    key = CONTRACTS[schema.removeprefix("raw_")].table(table).primary_key[-1]
    return (reason == f"missing required {key}") == (defect == "missing_id")


def _merge(rows: list[tuple[str, str, str, int]]) -> list[tuple[str, str, str, int]]:
    totals: dict[tuple[str, str, str], int] = {}
    for schema, table, defect, count in rows:
        totals[(schema, table, defect)] = totals.get((schema, table, defect), 0) + count
    return [(*key, count) for key, count in totals.items()]


def test_a_pending_package_is_finished_and_new_files_are_extracted_in_the_same_run(setup: Setup) -> None:
    """dlt's own run() would load the pending package and not extract the new file (it only warns)."""
    setup.load()
    write_landing(setup.landing, "zendesk", "users", [user(7, name="Gus")], name="2024-06-01.parquet")
    contract = CONTRACTS["zendesk"]
    pipeline = make_pipeline("zendesk", contract.schema, setup.warehouse, setup.pipelines)
    pipeline.extract(landing_source(contract, setup.landing, warehouse=setup.warehouse))  # a run killed here
    assert pipeline.has_pending_data
    write_landing(setup.landing, "zendesk", "users", [user(8, name="Hal")], name="2024-06-02.parquet")
    result = setup.load(systems=["zendesk"])
    assert result.resumed_packages and set(result.resumed_packages) <= set(result.load_ids)
    assert result.files_loaded == ["zendesk/users/2024-06-02.parquet"]  # the resumed package carried 06-01
    assert {7, 8} <= {row[0] for row in setup.query("SELECT id FROM raw_zendesk.users")}
    assert not make_pipeline("zendesk", contract.schema, setup.warehouse, setup.pipelines).has_pending_data
    assert setup.load().rows_landed == 0


def test_a_first_load_appends_and_a_later_one_merges_without_duplicates(setup: Setup) -> None:
    """An empty table needs no staging copy (one row per key, nothing to replace); a filled one merges."""

    def staging_tables() -> set[str]:
        with duckdb.connect(str(setup.warehouse), read_only=True) as con:
            return {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                              "WHERE schema_name = 'raw_zendesk_staging'").fetchall()}

    setup.load(systems=["zendesk"])
    assert staging_tables() == set(), "every zendesk table was empty: appended, never staged"
    write_landing(setup.landing, "zendesk", "users", [user(1, "2024-06-01T00:00:00Z", name="Ann v3"),
                                                       user(7, name="Gus")], name="2024-06-01.parquet")
    setup.load(systems=["zendesk"])
    assert "users" in staging_tables(), "a table holding rows merges through its staging table"
    assert setup.query("SELECT id, count(*) FROM raw_zendesk.users GROUP BY id HAVING count(*) > 1") == []
    assert dict(setup.query("SELECT id, name FROM raw_zendesk.users"))[1] == "Ann v3"
    assert setup.counts()["raw_zendesk.users"] == EXPECTED_COUNTS["raw_zendesk.users"] + 1
